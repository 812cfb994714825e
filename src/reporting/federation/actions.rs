//! What a tenant's staff do about federations, shared by the page and the
//! API: read where the tenant stands (as a club, as a federation), accept
//! or end a link, set the federation's dues, share or withdraw a named
//! list. Each change is audited in the tenant's own log; a link that
//! becomes active publishes the club's figures at once (or asks for them,
//! when the federation accepted last), so the federation is not left empty
//! for a day.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::Federations;
use super::clubs::{self, Club, Dues};
use super::links::{self, Link, Side};
use crate::audit::{self, Entry};
use crate::db::TenantTx;
use crate::error::Refusal;
use crate::reporting::operators::publish;

/// The name of the list of licence holders a club shares.
pub const LICENCE_HOLDERS: &str = "licence-holders";

/// Where a tenant stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Standing {
    /// The link in which this tenant is the club (proposed or active).
    pub as_club: Option<Link>,
    /// The lists this club shares through its active link.
    pub shared_lists: Vec<String>,
    /// The links in which this tenant is the federation (proposed or active).
    pub as_federation: Vec<Link>,
    /// This federation's dues per licence.
    pub dues: Dues,
}

pub async fn standing(federations: &Federations, tx: &TenantTx) -> Result<Standing, sqlx::Error> {
    let platform = federations.platform();
    let me = tx.tenant().id.get();
    let all = links::live(platform, Some(me)).await?;
    let (mine, others): (Vec<Link>, Vec<Link>) = all
        .into_iter()
        .partition(|link| link.side_of(me) == Some(Side::Child));
    let as_club = mine.into_iter().next();
    let shared_lists = match as_club.as_ref().filter(|l| l.active()) {
        Some(link) => clubs::lists_of_link(platform, link.id).await?,
        None => Vec::new(),
    };
    Ok(Standing {
        as_club,
        shared_lists,
        as_federation: others,
        dues: clubs::dues(platform, me).await?,
    })
}

/// The clubs this tenant federates now (empty for anyone else).
pub async fn clubs_of(federations: &Federations, tx: &TenantTx) -> Result<Vec<Club>, sqlx::Error> {
    clubs::clubs(federations.platform(), tx.tenant().id.get()).await
}

/// Accepts link `id` on this tenant's side.
pub async fn accept(
    federations: &Federations,
    tx: &mut TenantTx,
    by: i64,
    id: i64,
) -> Result<Link, Refusal> {
    let platform = federations.platform();
    let me = tx.tenant().id.get();
    let link = links::accept(platform, me, id).await?;
    if link.active() {
        if link.side_of(me) == Some(Side::Child) {
            publish::publish_in(tx, platform).await?;
        } else {
            publish::enqueue(platform, crate::model::TenantId::new(link.child_id)).await?;
        }
    }
    record(tx, by, "federation.accept", &link).await?;
    Ok(link)
}

/// Refuses, leaves or ends link `id`: the federation no longer sees the
/// club from its next request, and the club's shared lists are deleted.
pub async fn end(
    federations: &Federations,
    tx: &mut TenantTx,
    by: i64,
    id: i64,
) -> Result<(), Refusal> {
    let me = tx.tenant().id.get();
    let live = links::live(federations.platform(), Some(me)).await?;
    let link = live
        .into_iter()
        .find(|link| link.id == id)
        .ok_or(Refusal::NotFound("link"))?;
    links::end(federations.platform(), Some(me), id).await?;
    record(tx, by, "federation.end", &link).await?;
    Ok(())
}

pub async fn set_dues(
    federations: &Federations,
    tx: &mut TenantTx,
    by: i64,
    dues: &Dues,
) -> Result<(), Refusal> {
    clubs::set_dues(federations.platform(), tx.tenant().id.get(), dues).await?;
    let entry = Entry::new("federation.dues").by(by).with(json!(dues));
    audit::record(tx, entry).await?;
    Ok(())
}

/// Shares (or refreshes) the list of this club's licence holders with its
/// federation: names, plans and dates, no address.
pub async fn share(federations: &Federations, tx: &mut TenantTx, by: i64) -> Result<Link, Refusal> {
    let platform = federations.platform();
    let link = links::active_of_child(platform, tx.tenant().id.get())
        .await?
        .ok_or_else(|| Refusal::conflict("no-federation", "this club has no active federation"))?;
    let today = crate::contributions::memberships::today();
    let rows = crate::contributions::published::licence_holders(tx, today).await?;
    clubs::share(platform, link.id, LICENCE_HOLDERS, &rows).await?;
    publish::publish_in(tx, platform).await?;
    record(tx, by, "federation.share", &link).await?;
    Ok(link)
}

/// Withdraws the shared list `name`.
pub async fn withdraw(
    federations: &Federations,
    tx: &mut TenantTx,
    by: i64,
    name: &str,
) -> Result<(), Refusal> {
    let platform = federations.platform();
    let link = links::active_of_child(platform, tx.tenant().id.get())
        .await?
        .ok_or(Refusal::NotFound("list"))?;
    if !clubs::withdraw(platform, link.id, name).await? {
        return Err(Refusal::NotFound("list"));
    }
    record(tx, by, "federation.withdraw", &link).await?;
    Ok(())
}

async fn record(tx: &mut TenantTx, by: i64, action: &str, link: &Link) -> Result<(), sqlx::Error> {
    let entry = Entry::new(action).by(by).with(json!({
        "link": link.id, "federation": link.parent_slug, "club": link.child_slug,
    }));
    audit::record(tx, entry).await
}

/// The roll-up of a federation's clubs as CSV rows (dues in major units).
pub fn rollup_rows(clubs: &[Club], dues: &Dues) -> Vec<Vec<String>> {
    clubs
        .iter()
        .map(|c| {
            let plans = c
                .by_plan
                .iter()
                .map(|p| format!("{}: {}", p.plan, p.licences))
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                c.slug.clone(),
                c.name.clone(),
                c.day.map(|d| d.to_string()).unwrap_or_default(),
                c.licences.to_string(),
                c.members.to_string(),
                c.new_members.to_string(),
                c.lapsed.to_string(),
                plans,
                major(c.dues_owed_minor),
                dues.currency.clone(),
            ]
        })
        .collect()
}

pub const ROLLUP_HEAD: [&str; 10] = [
    "club",
    "name",
    "day",
    "licences",
    "members",
    "new_members",
    "lapsed",
    "by_plan",
    "dues_owed",
    "currency",
];

/// `1234` → `12.34`.
pub fn major(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}
