//! Receipts: gapless yearly numbers (`number`, the lead's), the PDF of a
//! receipt (`pdf`, typst), its rendering and storage by the job queue
//! (`render`, job `receipts.render`; `source` reads what it shows) and its
//! downloads (`download`).

pub mod download;
pub mod pdf;
pub mod render;
mod source;
