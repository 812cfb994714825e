//! Members hear of an announcement once, when it becomes visible: a job
//! due at its publication time (now, or when a scheduled one shows) claims
//! the announcement's notice and hands it to the notifications module,
//! which decides who hears it and how from each person's preferences. A
//! job that finds it unpublished, archived, rescheduled later or already
//! told does nothing, so schedules may change freely.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::model::{Announcement, Audience as Readers};
use super::store;
use super::view::{EXCERPT_CHARS, page_url};
use crate::auth::Role;
use crate::db::TenantTx;
use crate::jobs::{self, JobError, NewJob, Registry};
use crate::notifications::{self, Audience, Kind, Notice};

pub const KIND: &str = "announcements.notify";

#[derive(Deserialize)]
struct Payload {
    announcement: i64,
}

/// Asks for members to be told of `id` at `at`, in the publishing
/// transaction (rolled back with it).
pub async fn schedule(tx: &mut TenantTx, id: i64, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let job = NewJob {
        run_at: Some(at),
        ..NewJob::new(KIND, json!({ "announcement": id }))
    };
    jobs::enqueue(tx, job).await
}

pub fn register(registry: &mut Registry) {
    registry.register(KIND, |ctx, job| async move {
        let payload: Payload = serde_json::from_value(job.payload)
            .map_err(|e| JobError::Permanent(format!("not an announcement: {e}")))?;
        let tenant = ctx.require_tenant()?.clone();
        let mut tx = TenantTx::begin(ctx.db(), tenant).await?;
        if let Some(announcement) = store::claim_notice(&mut tx, payload.announcement).await? {
            notifications::notify(&mut tx, notice_of(&announcement))
                .await
                .map_err(JobError::retry)?;
        }
        tx.commit().await?;
        Ok(())
    });
}

fn notice_of(announcement: &Announcement) -> Notice {
    Notice {
        kind: Kind::Announcements,
        audience: match announcement.audience {
            // Public and members-only ones are for everyone with an account.
            Readers::Public | Readers::Members => Audience::Everyone,
            Readers::Staff => Audience::Staff(Role::Editor),
        },
        title: announcement.title.clone(),
        body: super::markdown::excerpt(&announcement.body, EXCERPT_CHARS),
        url: page_url(announcement.id),
    }
}
