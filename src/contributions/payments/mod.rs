//! Payments: the treasurer's and the API's list (`list`) and the streamed
//! exports (`export`).

pub mod export;
pub mod list;
