//! Sample data: the demo's content (and later the benchmark data set).

pub mod demo;
pub mod logins;
