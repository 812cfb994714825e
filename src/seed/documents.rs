//! The demo's documents, seeded once per demo tenant (skipped when it has
//! any): the statutes as a small PDF written here (public), last general
//! meeting's minutes as text (members), and the budget as CSV (staff), in
//! two folders. Files go through `Storage` like uploads do, under fresh
//! random keys, each stored before its row.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::db::TenantTx;
use crate::documents::model::Visibility;
use crate::documents::{folders, store};
use crate::manifest::Manifest;
use crate::state::AppState;
use crate::tenancy::{Slug, Tenant, registry};

struct Sample {
    folder: usize,
    name: &'static str,
    content_type: &'static str,
    bytes: Vec<u8>,
    visibility: Visibility,
}

/// Seeds every listed tenant that has no document yet.
pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    for (slug, _) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let tenant = Arc::new(tenant);
        let mut tx = TenantTx::begin(&state.db, tenant.clone()).await?;
        let existing = store::page(&mut tx, crate::documents::Reader::Staff, None, 0, 1).await?;
        if !existing.is_empty() {
            continue;
        }
        seed_tenant(state, &mut tx, &tenant).await?;
        tx.commit().await?;
        println!("seeded demo documents for {slug}");
    }
    Ok(())
}

async fn seed_tenant(state: &AppState, tx: &mut TenantTx, tenant: &Tenant) -> anyhow::Result<()> {
    let french = tenant.locale.starts_with("fr");
    let pick = |fr: &'static str, en: &'static str| if french { fr } else { en };
    let mut folder_ids = Vec::new();
    for name in [
        pick("Vie de l’association", "About the association"),
        pick("Assemblées générales", "General meetings"),
    ] {
        folder_ids.push(folders::create(tx, None, name).await?.id);
    }
    for sample in samples(&tenant.name, french) {
        let key = format!("documents/{}", uuid::Uuid::new_v4().simple());
        state.storage.put(tenant.id, &key, &sample.bytes).await?;
        let new = store::NewDocument {
            folder_id: folder_ids.get(sample.folder).copied(),
            name: sample.name,
            content_type: sample.content_type,
            size_bytes: i64::try_from(sample.bytes.len())?,
            sha256: &Sha256::digest(&sample.bytes),
            storage_key: &key,
            visibility: sample.visibility,
            uploaded_by: None,
        };
        store::insert(tx, &new).await?;
    }
    Ok(())
}

fn samples(association: &str, french: bool) -> Vec<Sample> {
    let (statutes, minutes, budget) = match french {
        true => (
            vec![
                format!("Statuts de l'association {association}"),
                String::new(),
                "Article 1 - Nom. Il est fondé entre les adhérents aux présents statuts".into(),
                "une association régie par la loi du 1er juillet 1901.".into(),
                "Article 2 - Objet. Faire vivre le quartier et ses activités.".into(),
                "Article 3 - Siège. Le siège est fixé à la maison des associations.".into(),
                "Article 4 - Membres. Est membre toute personne à jour de sa cotisation.".into(),
            ],
            "Compte rendu de l’assemblée générale\n\nPrésents : 42 membres.\n\n\
             1. Rapport moral : adopté à l’unanimité.\n2. Rapport financier : adopté.\n\
             3. Élection du bureau : la présidente et le trésorier sont réélus.\n",
            "poste;prévu;réalisé\ncotisations;4200;4350\nsubventions;1500;1500\nmatériel;-1800;-1650\n",
        ),
        false => (
            vec![
                format!("Statutes of {association}"),
                String::new(),
                "Article 1 - Name. The members hereby form a non-profit association.".into(),
                "Article 2 - Purpose. To bring the neighbourhood and its activities to life."
                    .into(),
                "Article 3 - Seat. The seat is at the community centre.".into(),
                "Article 4 - Members. Anyone whose membership fee is paid is a member.".into(),
            ],
            "Minutes of the general meeting\n\nPresent: 42 members.\n\n\
             1. Annual report: adopted unanimously.\n2. Accounts: adopted.\n\
             3. Board election: the chair and the treasurer are re-elected.\n",
            "line;planned;actual\nfees;4200;4350\ngrants;1500;1500\nequipment;-1800;-1650\n",
        ),
    };
    let pick = |fr: &'static str, en: &'static str| if french { fr } else { en };
    vec![
        Sample {
            folder: 0,
            name: pick("Statuts.pdf", "Statutes.pdf"),
            content_type: "application/pdf",
            bytes: text_pdf(&statutes),
            visibility: Visibility::Public,
        },
        Sample {
            folder: 1,
            name: pick("Compte rendu AG.txt", "General meeting minutes.txt"),
            content_type: "text/plain",
            bytes: minutes.as_bytes().to_vec(),
            visibility: Visibility::Members,
        },
        Sample {
            folder: 1,
            name: pick("Budget.csv", "Budget.csv"),
            content_type: "text/csv",
            bytes: budget.as_bytes().to_vec(),
            visibility: Visibility::Staff,
        },
    ]
}

/// A one-page PDF of `lines` in Helvetica (Latin-1 text), with a correct
/// cross-reference table: small enough to write by hand.
pub fn text_pdf(lines: &[String]) -> Vec<u8> {
    let mut content = b"BT /F1 12 Tf 72 770 Td 16 TL\n".to_vec();
    for line in lines {
        content.push(b'(');
        for c in line.chars() {
            match c {
                '(' | ')' | '\\' => content.extend_from_slice(&[b'\\', c as u8]),
                c if (c as u32) < 256 => content.push(c as u32 as u8),
                _ => content.push(b'?'),
            }
        }
        content.extend_from_slice(b") Tj T*\n");
    }
    content.extend_from_slice(b"ET\n");
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
           /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(),
            content,
            b"endstream".to_vec(),
        ]
        .concat(),
    ];
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", n + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}
