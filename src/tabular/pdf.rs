//! A table as a PDF (typst, fonts built into the binary), for reports
//! people print or file. The rows are held in memory, so a PDF is capped
//! at [`PdfTable::MAX_ROWS`]: beyond that, the caller refuses and points
//! to CSV or XLSX.
//!
//! Security boundary as for receipts: the template is fixed, every value
//! reaches it as data in `sys.inputs`, shown and never evaluated.

use typst::foundations::Dict;

use crate::typeset::{Array, IntoValue, Template, Value, put};

use super::{Column, Kind};

static TEMPLATE: Template = Template::new(include_str!("table.typ"));

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

pub use crate::typeset::TypesetError as PdfError;

/// Renders on the blocking pool (CPU work).
pub async fn render_pdf(table: PdfTable) -> Result<Vec<u8>, PdfError> {
    let ident = table.title.clone();
    TEMPLATE.render(inputs(&table), ident).await
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
