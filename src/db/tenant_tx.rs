//! `TenantTx`: the only way code reaches a tenant's data.
//!
//! A `TenantTx` is bound to one tenant and is lazy: it opens its transaction
//! (`BEGIN; SET LOCAL ROLE …; SET LOCAL search_path = t_<id>, pg_temp`, one
//! round trip, see [`Database::begin_tenant`]) only when it is first used,
//! so a handler can take one even where a cache hit needs no database.
//!
//! Two lifetimes:
//! - In a request, a [`TxScope`] (made by the `web` layer for each tenant
//!   request) hands out the request's `TenantTx`. When the handler is done,
//!   whatever transaction it opened is handed back to the scope, which
//!   commits it if the response is a success and rolls it back otherwise,
//!   before the response leaves.
//! - Outside requests (jobs, CLI, seeding), [`TenantTx::begin`] or
//!   [`TenantTx::lazy`] give a transaction the caller commits; dropping it
//!   rolls back.
//!
//! [`TenantTx::read_batch`] serves the common read-only page: when nothing
//! has been opened yet, the role, the `search_path` and the page's queries
//! travel in one simple-protocol message and run as one implicit
//! transaction, which makes an uncached page a single round trip.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Either, PgConnection, Postgres, Transaction};

use super::Database;
use crate::crypto::Keyring;
use crate::model::Tenant;

type OpenTx = Transaction<'static, Postgres>;

pub struct TenantTx {
    db: Database,
    tenant: Arc<Tenant>,
    open: Option<OpenTx>,
    /// Set for a request's transaction: where it goes when the handler drops it.
    handoff: Option<Arc<Handoff>>,
    /// Opens read-only, on the replica when one keeps up ([`Self::reader`]).
    reader: bool,
}

/// The transaction a handler opened, waiting for the scope to finish it
/// (or for the next user in the same request, e.g. a guard then the handler).
#[derive(Default)]
struct Handoff {
    slot: Mutex<Option<OpenTx>>,
    /// A `TenantTx` of this request is alive: nobody else may take one.
    live: AtomicBool,
}

impl Handoff {
    fn put(&self, tx: OpenTx) {
        *self
            .slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(tx);
    }

    fn take(&self) -> Option<OpenTx> {
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

impl TenantTx {
    /// A transaction on `tenant`'s schema that opens on first use; the
    /// caller commits it.
    pub fn lazy(db: &Database, tenant: Arc<Tenant>) -> Self {
        Self {
            db: db.clone(),
            tenant,
            open: None,
            handoff: None,
            reader: false,
        }
    }

    /// A transaction on `tenant`'s schema, opened now; the caller commits it.
    pub async fn begin(db: &Database, tenant: Arc<Tenant>) -> Result<Self, sqlx::Error> {
        let mut tx = Self::lazy(db, tenant);
        tx.conn().await?;
        Ok(tx)
    }

    pub fn tenant(&self) -> &Arc<Tenant> {
        &self.tenant
    }

    /// The keys that seal this schema's sensitive columns (phones, IBANs,
    /// 2FA secrets, provider keys).
    pub fn keyring(&self) -> &Keyring {
        self.db.keyring()
    }

    /// Another lazy transaction on the same tenant, which the caller commits:
    /// for work that must not share this one's fate, such as filling a cache
    /// other requests are waiting on.
    pub fn sibling(&self) -> Self {
        Self::lazy(&self.db, self.tenant.clone())
    }

    /// Another lazy transaction on the same tenant, read-only, opened on the
    /// primary's streaming replica while it keeps up: for reports and
    /// exports, which read much and change nothing. Like [`Self::sibling`],
    /// the caller commits it (or drops it).
    pub fn reader(&self) -> Self {
        let mut reader = Self::lazy(&self.db, self.tenant.clone());
        reader.reader = true;
        reader
    }

    /// Whether a transaction has been opened.
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// The connection of the open transaction, opening it first if needed.
    pub async fn conn(&mut self) -> Result<&mut PgConnection, sqlx::Error> {
        let tx = match self.open.take() {
            Some(tx) => tx,
            None if self.reader => self.db.begin_tenant_read(&self.tenant).await?,
            None => self.db.begin_tenant(&self.tenant).await?,
        };
        Ok(&mut **self.open.insert(tx))
    }

    /// Runs read-only statements of ours, separated by `;`, and returns the
    /// rows of each, in order. Before anything else was opened they run, in
    /// the same message as the role and `search_path`, as one implicit
    /// transaction: a single round trip. Inside an open transaction they run
    /// there. `sql` is a `&'static str` so that it is always our own text,
    /// never built from input; the simple protocol takes no parameters.
    pub async fn read_batch(&mut self, sql: &'static str) -> Result<Vec<Vec<PgRow>>, sqlx::Error> {
        match &mut self.open {
            Some(tx) => results_of(tx, sql, 0).await,
            None if self.reader => results_of(self.conn().await?, sql, 0).await,
            None => self.db.read_batch_as(&self.tenant, sql).await,
        }
    }

    /// Commits what was done; nothing to do if nothing was opened.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        match self.open.take() {
            Some(tx) => tx.commit().await,
            None => Ok(()),
        }
    }
}

/// Runs `sql` and splits its rows by statement, leaving out the results of
/// the first `skipped` statements (the role and `search_path`).
pub(super) async fn results_of(
    conn: &mut PgConnection,
    sql: &str,
    skipped: usize,
) -> Result<Vec<Vec<PgRow>>, sqlx::Error> {
    let statement = AssertSqlSafe(sql.to_owned());
    let mut stream = sqlx::raw_sql(statement).fetch_many(conn);
    let (mut results, mut rows) = (Vec::new(), Vec::new());
    while let Some(step) = stream.try_next().await? {
        match step {
            Either::Right(row) => rows.push(row),
            Either::Left(_) => results.push(std::mem::take(&mut rows)),
        }
    }
    Ok(results.split_off(skipped.min(results.len())))
}

/// A request's transaction goes back to its scope; any other one rolls
/// back (sqlx queues the `ROLLBACK` when the connection returns to its pool).
impl Drop for TenantTx {
    fn drop(&mut self) {
        let Some(handoff) = &self.handoff else {
            return;
        };
        if let Some(tx) = self.open.take() {
            handoff.put(tx);
        }
        handoff.live.store(false, Ordering::Release);
    }
}

/// One request's tenant transaction: hands out the request's [`TenantTx`]
/// and finishes whatever it opened once the response is known. One
/// allocation per request, shared with the transaction it hands out.
#[derive(Clone)]
pub struct TxScope(Arc<Scope>);

struct Scope {
    db: Database,
    tenant: Arc<Tenant>,
    handoff: Arc<Handoff>,
}

impl TxScope {
    pub fn new(db: &Database, tenant: Arc<Tenant>) -> Self {
        Self(Arc::new(Scope {
            db: db.clone(),
            tenant,
            handoff: Arc::default(),
        }))
    }

    /// The request's transaction. One at a time: two alive together would
    /// commit or roll back independently, which is never what a handler
    /// means. Taken again after the previous holder dropped it (a guard
    /// looks up the session, then the handler works), it resumes the same
    /// open transaction.
    pub fn tx(&self) -> Option<TenantTx> {
        let handoff = &self.0.handoff;
        if handoff.live.swap(true, Ordering::AcqRel) {
            return None;
        }
        Some(TenantTx {
            db: self.0.db.clone(),
            tenant: self.0.tenant.clone(),
            open: handoff.take(),
            handoff: Some(handoff.clone()),
            reader: false,
        })
    }

    /// Commits (`commit = true`) or rolls back what the handler opened.
    /// Call it once the handler's `TenantTx` has been dropped.
    pub async fn finish(&self, commit: bool) -> Result<(), sqlx::Error> {
        match (self.0.handoff.take(), commit) {
            (Some(tx), true) => tx.commit().await,
            (Some(tx), false) => tx.rollback().await,
            (None, _) => Ok(()),
        }
    }
}
