//! Sample data: the demo's content (and later the benchmark data set).

pub mod affiliation;
pub mod card_payments;
pub mod contributions;
pub mod dashboards;
pub mod demo;
pub mod direct_debit;
pub mod documents;
pub mod federation;
pub mod logins;
pub mod notifications;
pub mod operator;
pub mod privacy;
pub mod projects;
pub mod reporting;
pub mod tax_receipts;
