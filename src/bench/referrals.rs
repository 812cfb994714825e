//! The click-capture workload's data: in every bench tenant, a referral
//! programme whose bench member is an affiliate with the link
//! `/r/bench`; and the count of clicks written, which `benches/run.sh`
//! compares with the redirects `wrk` saw once the server has stopped (no
//! click may be lost on shutdown).

use crate::affiliation::affiliates::{self, Joining};
use crate::affiliation::books::Books;
use crate::affiliation::links::{self, NewLink};
use crate::affiliation::programs::{self, Settings};
use crate::db::{Database, TenantTx};
use crate::model::Currency;
use crate::tenancy::registry;

/// The code every bench tenant's link has.
pub const CODE: &str = "bench";

/// Adds the programme, affiliate and link unless the tenant has them.
pub async fn add_link(tx: &mut TenantTx, member_email: &str) -> anyhow::Result<()> {
    let mut books = Books::tenant(tx);
    if links::target(&mut books, CODE).await?.is_some() {
        return Ok(());
    }
    let program = programs::create(
        &mut books,
        Settings::named("Bench referrals"),
        Currency::EUR,
    )
    .await?;
    let joining = Joining {
        program_id: program.id,
        party_id: None,
        name: "Bench affiliate",
        email: member_email,
    };
    let affiliate = affiliates::join(&mut books, joining).await?;
    let link = NewLink {
        code: Some(CODE.to_owned()),
        ..NewLink::default()
    };
    links::create(&mut books, affiliate.id, link).await?;
    Ok(())
}

/// Clicks written in the first `tenants` bench tenants.
pub async fn count_clicks(db: &Database, tenants: usize) -> anyhow::Result<i64> {
    let mut total = 0;
    for n in 1..=tenants {
        let slug = crate::model::Slug::parse(&super::bench_slug(n))?;
        let Some(tenant) = registry::find_by_slug(db.platform(), &slug).await? else {
            continue;
        };
        let mut tx = TenantTx::begin(db, std::sync::Arc::new(tenant)).await?;
        total += crate::affiliation::stats::clicks_total(&mut Books::tenant(&mut tx)).await?;
    }
    Ok(total)
}
