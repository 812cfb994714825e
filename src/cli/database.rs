//! Opens the database for a command: `DATABASE_URL` when set, otherwise the
//! private cluster under the data directory (started, or joined if another
//! `tessera` already runs it).

use std::str::FromStr;

use anyhow::Context as _;
use secrecy::ExposeSecret;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::config::Config;
use crate::crypto::Keyring;
use crate::db::Database;
use crate::db::embedded::EmbeddedPostgres;

/// The application database in the embedded cluster.
const EMBEDDED_DATABASE: &str = "tessera";

pub struct DatabaseHandle {
    pub db: Database,
    cluster: Option<EmbeddedPostgres>,
}

impl DatabaseHandle {
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let (options, cluster) = match &config.database_url {
            Some(url) => {
                let options = PgConnectOptions::from_str(url.expose_secret())
                    .context("DATABASE_URL is not a valid PostgreSQL URL")?;
                (options, None)
            }
            None => {
                let data_dir = config.data_dir.clone();
                let cluster = tokio::task::spawn_blocking(move || {
                    EmbeddedPostgres::start(&data_dir, &Vec::new())
                })
                .await??;
                if cluster.started_here() {
                    tracing::info!(port = cluster.port(), dir = %config.data_dir.display(), "embedded PostgreSQL started");
                }
                ensure_database(&cluster).await?;
                (
                    cluster.connect_options_for(EMBEDDED_DATABASE),
                    Some(cluster),
                )
            }
        };
        let keyring = Keyring::from_config(&config.crypto, &config.data_dir)?;
        let db = Database::connect(options, &config.db, keyring)?;
        db.ping().await.context("cannot reach PostgreSQL")?;
        Ok(Self { db, cluster })
    }

    /// Runs `work` on a database at exactly this binary's version (see
    /// [`Self::require_migrated`]), then closes it whatever `work` did.
    pub async fn with_migrated<T, Work, Done>(config: &Config, work: Work) -> anyhow::Result<T>
    where
        Work: FnOnce(Database) -> Done,
        Done: Future<Output = anyhow::Result<T>>,
    {
        let handle = Self::open(config).await?;
        let result = match handle.require_migrated().await {
            Ok(()) => work(handle.db.clone()).await,
            Err(error) => Err(error),
        };
        handle.close().await?;
        result
    }

    /// For the commands that must not migrate: refuses, changing nothing, a
    /// database that is not exactly at this binary's version.
    pub async fn require_migrated(&self) -> anyhow::Result<()> {
        Ok(crate::db::migrate::status::require_current(self.db.platform()).await?)
    }

    /// Closes the pools, then stops the embedded cluster if we started it.
    pub async fn close(self) -> anyhow::Result<()> {
        self.db.close().await;
        if let Some(cluster) = self.cluster {
            tokio::task::spawn_blocking(move || cluster.stop()).await??;
        }
        Ok(())
    }
}

async fn ensure_database(cluster: &EmbeddedPostgres) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect_with(&cluster.connect_options()).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(EMBEDDED_DATABASE)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {EMBEDDED_DATABASE}"
        )))
        .execute(&mut conn)
        .await?;
    }
    conn.close().await?;
    Ok(())
}
