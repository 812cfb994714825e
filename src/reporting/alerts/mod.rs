//! Staff alerts: thresholds and events a treasurer subscribes to (a
//! payment failed, arrears above a sum), told through notifications
//! (kind « reports »), beside the scheduled reports' « ready » notices.

pub mod fire;
pub mod pages;
pub mod store;

pub use pages::Doc;
