//! Demo content: the manifests of `tenants/` (built into the binary too, so
//! `tessera demo` works from any folder) and each tenant's `demo.toml`
//! (announcements and members), seeded once into an empty tenant.

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, Utc};
use include_dir::{Dir, include_dir};
use serde::Deserialize;

use crate::db::TenantTx;
use crate::manifest::{self, Manifest, ManifestError};
use crate::state::AppState;
use crate::tenancy::{Slug, registry};

static BUILTIN_TENANTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/tenants");

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoContent {
    #[serde(default)]
    announcements: Vec<DemoAnnouncement>,
    #[serde(default)]
    members: Vec<DemoMember>,
    /// People who can sign in (see [`super::logins`]).
    #[serde(default)]
    pub(super) accounts: Vec<super::logins::DemoAccount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAnnouncement {
    title: String,
    #[serde(default)]
    body: String,
    /// Published this many days ago (negative: scheduled); absent for a draft.
    days_ago: Option<i64>,
    /// public (default), members or staff.
    audience: Option<crate::announcements::Audience>,
    #[serde(default)]
    pinned: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoMember {
    full_name: String,
    email: String,
}

/// The manifests in `dir`, or the built-in demo tenants when `dir` is absent.
pub fn manifests(dir: &Path) -> Result<Vec<(Slug, Manifest)>, ManifestError> {
    if dir.is_dir() {
        return manifest::load_dir(dir);
    }
    tracing::info!(dir = %dir.display(), "no tenants folder here; using the built-in demo tenants");
    let mut manifests = Vec::new();
    for folder in BUILTIN_TENANTS.dirs() {
        let name = folder.path().to_string_lossy();
        if let Some(text) = builtin_file(&name, "tenant.toml") {
            manifests.push(manifest::parse(
                &name,
                text,
                &folder.path().join("tenant.toml"),
            )?);
        }
    }
    manifests.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(manifests)
}

fn builtin_file(slug: &str, file: &str) -> Option<&'static str> {
    BUILTIN_TENANTS
        .get_file(format!("{slug}/{file}"))
        .and_then(|f| f.contents_utf8())
}

pub(super) fn demo_content(tenants_dir: &Path, slug: &Slug) -> anyhow::Result<DemoContent> {
    let path = tenants_dir.join(slug.as_str()).join("demo.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(_) => match builtin_file(slug.as_str(), "demo.toml") {
            Some(text) => text.to_owned(),
            None => return Ok(DemoContent::default()),
        },
    };
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Seeds every listed tenant whose portal is still empty.
pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    for (slug, _) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let content = demo_content(&state.config.tenants_dir, slug)?;
        let mut tx = TenantTx::begin(&state.db, Arc::new(tenant)).await?;
        if seed_tenant(&mut tx, &content).await? {
            tx.commit().await?;
            println!("seeded demo content for {slug}");
        }
    }
    Ok(())
}

/// False (and nothing written) when the tenant already has content.
async fn seed_tenant(tx: &mut TenantTx, content: &DemoContent) -> anyhow::Result<bool> {
    let existing: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM announcements"#)
        .fetch_one(tx.conn().await?)
        .await?;
    if existing > 0 {
        return Ok(false);
    }
    let now = Utc::now();
    for item in &content.announcements {
        let published = item.days_ago.map(|days| now - Duration::days(days));
        let draft = crate::announcements::Draft {
            title: item.title.clone(),
            body: item.body.clone(),
            audience: item.audience,
            pinned: item.pinned,
            image_alt: String::new(),
        };
        crate::announcements::store::create(tx, &draft, published, None).await?;
    }
    for member in &content.members {
        sqlx::query!(
            "INSERT INTO members (email, full_name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            member.email,
            member.full_name
        )
        .execute(tx.conn().await?)
        .await?;
    }
    Ok(true)
}
