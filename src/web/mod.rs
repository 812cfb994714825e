//! Cross-cutting HTTP pieces: health and metrics endpoints, error bodies,
//! request ids and the middleware stack.

pub mod challenge;
pub mod errors;
pub mod extract;
pub mod flash;
pub mod form;
mod gauges;
mod health;
pub mod metrics;
pub mod middleware;
pub mod neutral;
pub mod page_cache;
pub mod proxy_protocol;
pub mod site;
pub mod transaction;

pub use health::{Readiness, healthz, livez, readyz};
pub use site::{CurrentTenant, PlatformSite};
