//! A table as a PDF (typst, fonts built into the binary), for reports
//! people print or file. The rows are held in memory, so a PDF is capped
//! at [`PdfTable::MAX_ROWS`]: beyond that, the caller refuses and points
//! to CSV or XLSX.
//!
//! Security boundary as for receipts: the template is fixed, every value
//! reaches it as data in `sys.inputs`, shown and never evaluated.

use std::sync::LazyLock;

use typst::foundations::{Array, Bytes, Dict, IntoValue, Smart, Value};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

use super::{Column, Kind};

const TEMPLATE: &str = include_str!("table.typ");

static ENGINE: LazyLock<TypstEngine<TypstTemplateMainFile>> = LazyLock::new(|| {
    TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts(typst_assets::fonts().map(Bytes::new))
        .build()
});

/// What the PDF shows; cells already formatted for people.
#[derive(Debug, Clone)]
pub struct PdfTable {
    pub lang: String,
    /// `#rrggbb`.
    pub colour: String,
    pub organisation: String,
    pub title: String,
    /// The parameters, in words.
    pub subtitle: String,
    pub footer: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// "Total: 1 234,50 €" lines.
    pub totals: Vec<String>,
}

impl PdfTable {
    pub const MAX_ROWS: usize = 5_000;
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("report layout: {0}")]
    Layout(String),
    #[error("report rendering was interrupted: {0}")]
    Interrupted(String),
}

/// Renders on the blocking pool (CPU work).
pub async fn render_pdf(table: PdfTable) -> Result<Vec<u8>, PdfError> {
    tokio::task::spawn_blocking(move || render_blocking(&table))
        .await
        .map_err(|e| PdfError::Interrupted(e.to_string()))?
}

fn render_blocking(table: &PdfTable) -> Result<Vec<u8>, PdfError> {
    let document: PagedDocument = ENGINE
        .compile_with_input(inputs(table))
        .output
        .map_err(|e| PdfError::Layout(e.to_string()))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(table.title.clone()),
        timestamp: None,
        ..Default::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| {
        let text: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        PdfError::Layout(text.join("; "))
    })
}

fn inputs(t: &PdfTable) -> Dict {
    let mut d = Dict::new();
    put(&mut d, "lang", t.lang.as_str());
    put(&mut d, "colour", t.colour.as_str());
    put(&mut d, "organisation", t.organisation.as_str());
    put(&mut d, "title", t.title.as_str());
    put(&mut d, "subtitle", t.subtitle.as_str());
    put(&mut d, "footer", t.footer.as_str());
    let header: Array = t
        .columns
        .iter()
        .map(|c| c.label.as_str().into_value())
        .collect();
    put(&mut d, "header", header);
    let aligns: Array = t
        .columns
        .iter()
        .map(|c| match c.kind {
            Kind::Money | Kind::Integer => "right".into_value(),
            _ => "left".into_value(),
        })
        .collect();
    put(&mut d, "aligns", aligns);
    let width = t.columns.len();
    let rows: Array = t
        .rows
        .iter()
        .map(|row| {
            let mut cells: Vec<Value> = row.iter().map(|c| c.as_str().into_value()).collect();
            // A short row would shift every following cell.
            cells.resize(width, "".into_value());
            Value::Array(cells.into_iter().collect())
        })
        .collect();
    put(&mut d, "rows", rows);
    let totals: Array = t.totals.iter().map(|l| l.as_str().into_value()).collect();
    put(&mut d, "totals", totals);
    d
}

fn put(dict: &mut Dict, key: &str, value: impl IntoValue) {
    dict.insert(key.into(), value.into_value());
}
