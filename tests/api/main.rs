//! Integration tests: the real application over real HTTP, a real
//! PostgreSQL. One binary (see helpers for the harness).

mod api_auth;
mod api_input;
mod api_staff;
mod bench;
mod browser;
mod cli;
mod coherence;
mod health;
mod helpers;
mod host_flood;
mod hosts;
mod http_caching;
mod http_edges;
mod isolation;
mod migrations;
mod oauth;
mod page_cache;
mod pools;
mod provisioning;
mod render_fairness;
mod round_trips;
mod sandbox;
mod schema_version;
mod stored_rows;
mod theme_files;
mod themes;
mod translations;
