//! Integration tests: the real application over real HTTP, a real
//! PostgreSQL. One binary (see helpers for the harness).

mod account_flow;
mod bench;
mod browser;
mod browser_accounts;
mod cli;
mod coherence;
mod health;
mod helpers;
mod host_flood;
mod hosts;
mod http_caching;
mod http_edges;
mod isolation;
mod jobs;
mod login_flood;
mod mail;
mod migrations;
mod page_cache;
mod pools;
mod provisioning;
mod render_fairness;
mod round_trips;
mod sandbox;
mod schema_version;
mod sign_in;
mod staff;
mod stored_rows;
mod theme_files;
mod themes;
mod translations;
mod two_factor;
mod users_cli;
