//! `tessera jobs list [--dead] [--json]` and `tessera jobs retry ID`: the
//! queue as operators see it, dead letters first of all.

use std::process::ExitCode;

use clap::Subcommand;

use super::DatabaseHandle;
use crate::config::Config;
use crate::db::Platform;
use crate::jobs::queue::{self, JobSummary};

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List the latest jobs, newest first.
    List {
        /// Only the dead-letter queue (jobs that failed for good).
        #[arg(long)]
        dead: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// How many jobs at most.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Give a dead job a fresh set of attempts, due now.
    Retry { id: i64 },
}

pub async fn run(config: Config, command: JobsCommand) -> anyhow::Result<ExitCode> {
    DatabaseHandle::with_migrated(&config, async |db| execute(db.platform(), command).await).await
}

async fn execute(platform: &Platform, command: JobsCommand) -> anyhow::Result<ExitCode> {
    match command {
        JobsCommand::List { dead, json, limit } => {
            let jobs = queue::list(platform, dead, limit.clamp(1, 10_000)).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&jobs)?);
            } else {
                print_table(&jobs);
            }
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::Retry { id } => {
            if queue::retry(platform, id).await? {
                println!("job {id} will run again");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("job {id} is not in the dead-letter queue");
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

fn print_table(jobs: &[JobSummary]) {
    println!(
        "{:>8}  {:>7}  {:<24}  {:<8}  {:>8}  {:<20}  last error",
        "id", "tenant", "kind", "state", "attempts", "run at (UTC)"
    );
    for job in jobs {
        let tenant = job.tenant_id.map_or("-".to_owned(), |id| id.to_string());
        let error: String = job
            .last_error
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(80)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        println!(
            "{:>8}  {:>7}  {:<24}  {:<8}  {:>8}  {:<20}  {error}",
            job.id,
            tenant,
            job.kind,
            job.state,
            job.attempts,
            job.run_at.format("%Y-%m-%d %H:%M:%S"),
        );
    }
}
