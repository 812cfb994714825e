//! The job queue: retries with back-off then the dead-letter queue, leases
//! that outlive a dead worker, jobs that roll back with their transaction,
//! tenants' jobs run for that tenant only, and a queue that tenant roles can
//! write to for themselves only (PostgreSQL refuses the rest).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tessera::config::Config;
use tessera::db::migrate::MigrationSet;
use tessera::jobs::{self, JobError, NewJob, Outcome, Registry, Worker, WorkerSettings, queue};
use tessera::tenancy::{TenantId, warm_pool};

use crate::helpers::{TestApp, migrated_database, spawn_app_with, test_config};

/// Fast timings: millisecond back-off and leases. The app's own worker is
/// off (`workers = 0`) unless a test turns it on.
pub fn fast_config() -> Config {
    let mut config = test_config();
    config.jobs.workers = 0;
    config.jobs.poll_interval_ms = 20;
    config.jobs.max_attempts = 3;
    config.jobs.backoff_base_ms = 40;
    config.jobs.backoff_max_ms = 1000;
    config.jobs.lease_ms = 400;
    config
}

pub async fn fast_app() -> TestApp {
    spawn_app_with(migrated_database().await, fast_config()).await
}

/// What test handlers saw: (job id, tenant, when).
type Seen = Arc<Mutex<Vec<(i64, Option<TenantId>, Instant)>>>;

/// A worker with test handlers: `test.ok` records and succeeds,
/// `test.flaky` records and fails (retryable), `test.broken` fails for good.
pub fn test_worker(app: &TestApp) -> (Worker, Seen) {
    let seen: Seen = Arc::default();
    let mut registry = Registry::new();
    let record = |seen: &Seen, fail: Option<bool>| {
        let seen = seen.clone();
        move |ctx: jobs::JobCtx, job: jobs::Job| {
            let seen = seen.clone();
            async move {
                let tenant = ctx.tenant().map(|t| t.id);
                seen.lock().unwrap().push((job.id, tenant, Instant::now()));
                match fail {
                    None => Ok(()),
                    Some(false) => Err(JobError::Retry("the server is busy".into())),
                    Some(true) => Err(JobError::Permanent("bad payload".into())),
                }
            }
        }
    };
    registry.register("test.ok", record(&seen, None));
    registry.register("test.flaky", record(&seen, Some(false)));
    registry.register("test.broken", record(&seen, Some(true)));
    let settings = WorkerSettings::from(&app.state.config.jobs);
    let worker = Worker::new(
        app.state.db.clone(),
        registry,
        WorkerSettings {
            workers: 2,
            ..settings
        },
    );
    (worker, seen)
}

pub async fn state_of(app: &TestApp, id: i64) -> (String, i32, Option<String>) {
    sqlx::query_as("SELECT state, attempts, last_error FROM platform.jobs WHERE id = $1")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

async fn wait_for_state(app: &TestApp, id: i64, state: &str, within: Duration) {
    let started = Instant::now();
    while state_of(app, id).await.0 != state {
        assert!(started.elapsed() < within, "job {id} never became {state}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_then_dead_lettered() {
    let app = fast_app().await;
    let (a, _) = app.create_tenant("jobs-dead", "Dead letters").await;
    let (worker, seen) = test_worker(&app);
    let id = jobs::enqueue_platform(app.pool(), Some(a.id), NewJob::new("test.flaky", json!({})))
        .await
        .unwrap();
    let running = worker.spawn();
    wait_for_state(&app, id, "dead", Duration::from_secs(10)).await;
    running.abort();

    let (_, attempts, error) = state_of(&app, id).await;
    assert_eq!(attempts, 3, "max_attempts runs, then the dead-letter queue");
    assert_eq!(error.as_deref(), Some("the server is busy"));
    let runs: Vec<Instant> = seen.lock().unwrap().iter().map(|(_, _, at)| *at).collect();
    assert_eq!(runs.len(), 3);
    // Back-off: 40 ms, then 80 ms (plus jitter), between the attempts.
    assert!(runs[1] - runs[0] >= Duration::from_millis(40), "{runs:?}");
    assert!(runs[2] - runs[1] >= Duration::from_millis(80), "{runs:?}");

    // Operators see it, and can give it another round.
    let dead = queue::list(app.pool(), true, 10).await.unwrap();
    assert_eq!(dead.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);
    assert!(queue::retry(app.pool(), id).await.unwrap());
    assert_eq!(state_of(&app, id).await.0, "pending");
    assert!(
        !queue::retry(app.pool(), id).await.unwrap(),
        "only dead jobs are retried"
    );

    // A permanent failure skips the retries.
    let broken = jobs::enqueue_platform(app.pool(), None, NewJob::new("test.broken", json!({})))
        .await
        .unwrap();
    let outcomes = worker.run_once().await.unwrap();
    assert!(outcomes.contains(&Outcome::Dead), "{outcomes:?}");
    assert_eq!(state_of(&app, broken).await.1, 1);
    assert_eq!(state_of(&app, broken).await.0, "dead");
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_runs() {
    let app = fast_app().await;
    let (a, _) = app.create_tenant("jobs-rollback", "Rollback").await;
    let (worker, seen) = test_worker(&app);

    let mut tx = app.tenant_tx(&a).await;
    jobs::enqueue(&mut tx, NewJob::new("test.ok", json!({"n": 1})))
        .await
        .unwrap();
    drop(tx); // rolled back
    assert!(worker.run_once().await.unwrap().is_empty());

    let mut tx = app.tenant_tx(&a).await;
    jobs::enqueue(&mut tx, NewJob::new("test.ok", json!({"n": 2})))
        .await
        .unwrap();
    // A dedupe key keeps one waiting job per key.
    for _ in 0..2 {
        let job = NewJob {
            dedupe_key: Some("once"),
            ..NewJob::new("test.ok", json!({}))
        };
        jobs::enqueue(&mut tx, job).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(
        worker.run_once().await.unwrap(),
        vec![Outcome::Done, Outcome::Done]
    );
    assert!(worker.run_once().await.unwrap().is_empty());
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_tenants_job_runs_with_that_tenant_only() {
    let app = fast_app().await;
    let (a, _) = app.create_tenant("jobs-a", "Tenant A").await;
    let (b, _) = app.create_tenant("jobs-b", "Tenant B").await;
    let (worker, seen) = test_worker(&app);
    for tenant in [&a, &b] {
        let mut tx = app.tenant_tx(tenant).await;
        jobs::enqueue(&mut tx, NewJob::new("test.ok", json!({})))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let platform = jobs::enqueue_platform(app.pool(), None, NewJob::new("test.ok", json!({})))
        .await
        .unwrap();
    while !worker.run_once().await.unwrap().is_empty() {}
    let tenants_of: Vec<(i64, Option<TenantId>)> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(id, t, _)| (*id, *t))
        .collect();
    let pool = app.pool();
    let owner = |tenant: TenantId| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM platform.jobs WHERE tenant_id = $1")
            .bind(tenant.get())
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let (job_a, job_b) = (owner(a.id).await, owner(b.id).await);
    assert!(tenants_of.contains(&(job_a, Some(a.id))), "{tenants_of:?}");
    assert!(tenants_of.contains(&(job_b, Some(b.id))), "{tenants_of:?}");
    assert!(tenants_of.contains(&(platform, None)), "{tenants_of:?}");
    assert_eq!(tenants_of.len(), 3);
}

/// The error of `statement` run in a tenant's transaction.
async fn refused(
    app: &TestApp,
    tenant: &Arc<tessera::tenancy::Tenant>,
    statement: String,
) -> String {
    let mut tx = app.tenant_tx(tenant).await;
    let result = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
        .execute(tx.conn().await.unwrap())
        .await;
    match result {
        Ok(_) => panic!("{statement}: was allowed"),
        Err(error) => error.to_string(),
    }
}

#[tokio::test]
async fn a_tenant_can_enqueue_only_for_itself_and_read_no_job() {
    let app = fast_app().await;
    // One tenant made from a warm-pool spare: its role was renamed.
    warm_pool::refill(app.pool(), &MigrationSet::tenant(), 1)
        .await
        .unwrap();
    let (a, provisioned) = app.create_tenant("jobs-own", "Own").await;
    assert!(provisioned.from_warm_pool);
    let (b, _) = app.create_tenant("jobs-other", "Other").await;
    let insert = |tenant: String, kind: &str| {
        format!("INSERT INTO platform.jobs (tenant_id, kind) VALUES ({tenant}, '{kind}')")
    };
    for statement in [
        insert(b.id.to_string(), "mail"),
        insert("NULL".into(), "mail"),
        insert(a.id.to_string(), "platform.jobs.purge"),
    ] {
        let error = refused(&app, &a, statement.clone()).await;
        assert!(error.contains("row-level security"), "{statement}: {error}");
    }
    for statement in [
        "SELECT count(*) FROM platform.jobs".to_owned(),
        format!(
            "UPDATE platform.jobs SET kind = 'x' WHERE tenant_id = {}",
            b.id
        ),
        "DELETE FROM platform.jobs".to_owned(),
        format!(
            "INSERT INTO platform.jobs (tenant_id, kind, state) VALUES ({}, 'mail', 'done')",
            a.id
        ),
        format!(
            "INSERT INTO platform.jobs (tenant_id, kind) VALUES ({}, 'mail') RETURNING id",
            a.id
        ),
        "SELECT platform.tenant_role('t_1')".to_owned(),
        "SELECT count(*) FROM platform.outbox".to_owned(),
    ] {
        let error = refused(&app, &a, statement.clone()).await;
        assert!(error.contains("permission denied"), "{statement}: {error}");
    }
    // Its own job goes in, through the API and by hand, for both tenants.
    for tenant in [&a, &b] {
        let mut tx = app.tenant_tx(tenant).await;
        jobs::enqueue(&mut tx, NewJob::new("mail", json!({})))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let owners: Vec<Option<i64>> =
        sqlx::query_scalar("SELECT tenant_id FROM platform.jobs ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(owners, vec![Some(a.id.get()), Some(b.id.get())]);
}

#[tokio::test]
async fn a_job_whose_worker_died_is_claimed_again_after_its_lease() {
    let app = fast_app().await;
    let (dying, _) = test_worker(&app);
    let (survivor, seen) = test_worker(&app);
    let id = jobs::enqueue_platform(app.pool(), None, NewJob::new("test.ok", json!({})))
        .await
        .unwrap();
    let claimed = dying.claim(1).await.unwrap();
    assert_eq!(claimed.len(), 1);
    drop(dying); // dies holding the job
    assert!(
        survivor.claim(1).await.unwrap().is_empty(),
        "leased: not claimed twice"
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    let again = survivor.claim(1).await.unwrap();
    assert_eq!((again[0].id, again[0].attempt), (id, 2));
    assert_eq!(survivor.run(again[0].clone()).await.unwrap(), Outcome::Done);
    // The dead worker's late report changes nothing.
    assert_eq!(
        survivor.finish(&claimed[0], Ok(())).await.unwrap(),
        Outcome::LostLease
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(state_of(&app, id).await.0, "done");
}

#[tokio::test]
async fn an_idle_worker_holds_no_platform_connection_and_wakes_on_notify() {
    // One platform connection, and a worker polling fast: if the worker kept
    // the connection, resolving a host would wait and answer 503.
    let mut config = fast_config();
    config.db.platform_connections = 1;
    config.db.acquire_timeout_secs = 1;
    config.jobs.workers = 2;
    let app = spawn_app_with(migrated_database().await, config).await;
    let (tenant, _) = app.create_tenant("jobs-idle", "Idle worker").await;
    for _ in 0..5 {
        let (status, page) = app.get_text(tenant.default_host.as_str(), "/").await;
        assert_eq!(status, 200, "{page}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }

    // A worker that polls once a minute still runs a new job at once:
    // the queue's trigger notifies it.
    let mut config = fast_config();
    config.jobs.workers = 1;
    config.jobs.poll_interval_ms = 60_000;
    let app = spawn_app_with(migrated_database().await, config).await;
    let (tenant, _) = app.create_tenant("jobs-wake", "Woken").await;
    tokio::time::sleep(Duration::from_millis(200)).await; // the worker is asleep
    let mut tx = app.tenant_tx(&tenant).await;
    let mail = tessera::mail::Mail {
        to: tessera::model::Email::parse("wake@example.org").unwrap(),
        to_name: None,
        template: "verify-email",
        locale: "en".into(),
        data: json!({"name": "W", "link": "https://w.example/"}),
    };
    tessera::mail::queue(&mut tx, &mail).await.unwrap();
    tx.commit().await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM platform.jobs WHERE kind = 'mail'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    wait_for_state(&app, id, "done", Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_job_that_keeps_killing_its_worker_ends_dead_lettered() {
    let app = fast_app().await;
    let id = jobs::enqueue_platform(app.pool(), None, NewJob::new("test.ok", json!({})))
        .await
        .unwrap();
    // Three workers in turn claim it and die (max_attempts = 3).
    for attempt in 1..=3 {
        let (dying, _) = test_worker(&app);
        let claimed = dying.claim(1).await.unwrap();
        assert_eq!(claimed[0].attempt, attempt);
        tokio::time::sleep(Duration::from_millis(450)).await; // the lease runs out
    }
    let (survivor, seen) = test_worker(&app);
    assert!(
        survivor.claim(1).await.unwrap().is_empty(),
        "no fourth attempt"
    );
    let running = survivor.spawn();
    wait_for_state(&app, id, "dead", Duration::from_secs(5)).await;
    running.abort();
    assert!(seen.lock().unwrap().is_empty());
    let (_, attempts, error) = state_of(&app, id).await;
    assert_eq!(attempts, 3);
    assert!(error.unwrap().contains("stopped or timed out"));
}
