//! `Platform`: connections to the `platform` schema (tenants, domains, the
//! schema registry, audit), as the owner role. Tenancy, migrations, the CLI
//! and background tasks hold one; the application state gives handlers no
//! way to it (there is no `FromRef` for it or for [`super::Database`]), so a
//! request reaches data only through its tenant's `TenantTx`.
//!
//! It is an sqlx executor like the pool it wraps: `query.fetch_all(platform)`.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{
    PgConnectOptions, PgListener, PgPoolOptions, PgQueryResult, PgRow, PgStatement, PgTypeInfo,
};
use sqlx::{Describe, Either, Execute, Executor, PgPool, Postgres, SqlStr, Transaction};

#[derive(Debug, Clone)]
pub struct Platform(PgPool);

impl From<PgPool> for Platform {
    fn from(pool: PgPool) -> Self {
        Self(pool)
    }
}

impl Platform {
    pub async fn begin(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.0.begin().await
    }

    /// One connection for several statements outside a transaction.
    pub async fn acquire(&self) -> Result<PoolConnection<Postgres>, sqlx::Error> {
        self.0.acquire().await
    }

    /// Options to open connections of one's own.
    pub fn connect_options(&self) -> Arc<PgConnectOptions> {
        self.0.connect_options()
    }

    /// A handle with one connection of its own, outside the shared pool, for
    /// a background task that would otherwise hold a slot requests need.
    /// A checkout waits at most `acquire_timeout`.
    pub fn dedicated(&self, acquire_timeout: Duration) -> Self {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(acquire_timeout)
            .test_before_acquire(false)
            .connect_lazy_with((*self.0.connect_options()).clone());
        Self(pool)
    }

    /// A `LISTEN` session: it holds a connection of this handle for good.
    pub async fn listener(&self) -> Result<PgListener, sqlx::Error> {
        PgListener::connect_with(&self.0).await
    }

    /// Connections: open, and idle among them.
    pub fn connections(&self) -> (u32, usize) {
        (self.0.size(), self.0.num_idle())
    }

    /// How the pool was sized: its connections and how long a checkout waits.
    pub fn limits(&self) -> (u32, std::time::Duration) {
        let options = self.0.options();
        (options.get_max_connections(), options.get_acquire_timeout())
    }

    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }

    pub async fn close(&self) {
        self.0.close().await
    }
}

impl<'p> Executor<'p> for &'_ Platform {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        (&self.0).fetch_many(query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        (&self.0).fetch_optional(query)
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement, sqlx::Error>>
    where
        'p: 'e,
    {
        (&self.0).prepare_with(sql, parameters)
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<Postgres>, sqlx::Error>>
    where
        'p: 'e,
    {
        (&self.0).describe(sql)
    }
}
