//! PDFs typeset by typst (through `typst-as-lib`), with the fonts built
//! into the binary, so a document renders to the same bytes on every
//! machine: payment receipts, tax receipts and printed reports each hold a
//! [`Template`] and hand it their values.
//!
//! Security boundary: a template is fixed source compiled into the binary;
//! everything a tenant or a member wrote reaches it as typst *data* in
//! `sys.inputs`, shown as text and never parsed as markup or code, and the
//! engine resolves no file but the template itself.
//!
//! Typesetting is CPU work (tens of milliseconds): [`Template::render`]
//! runs it on the blocking pool, never on the async runtime.

use std::sync::{Arc, OnceLock};

use typst::foundations::{Bytes, Dict, Smart};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

pub use typst::foundations::{Array, IntoValue, Value};

#[derive(Debug, thiserror::Error)]
pub enum TypesetError {
    /// The template failed to compile (a bug, not a client mistake).
    #[error("PDF layout: {0}")]
    Layout(String),
    #[error("PDF rendering was interrupted: {0}")]
    Interrupted(String),
}

/// A fixed template and its engine, built on first use (fonts parsed once
/// per process).
pub struct Template {
    source: &'static str,
    engine: OnceLock<Arc<TypstEngine<TypstTemplateMainFile>>>,
}

impl Template {
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            engine: OnceLock::new(),
        }
    }

    fn engine(&self) -> Arc<TypstEngine<TypstTemplateMainFile>> {
        self.engine
            .get_or_init(|| {
                Arc::new(
                    TypstEngine::builder()
                        .main_file(self.source)
                        .fonts(typst_assets::fonts().map(Bytes::new))
                        .build(),
                )
            })
            .clone()
    }

    /// The PDF of `inputs`, on this thread. `ident` is the document's
    /// identifier: with no timestamp, the same values give the same bytes.
    pub fn pdf(&self, inputs: Dict, ident: String) -> Result<Vec<u8>, TypesetError> {
        let document: PagedDocument = self
            .engine()
            .compile_with_input(inputs)
            .output
            .map_err(|e| TypesetError::Layout(e.to_string()))?;
        let options = typst_pdf::PdfOptions {
            ident: Smart::Custom(ident),
            timestamp: None,
            ..Default::default()
        };
        typst_pdf::pdf(&document, &options).map_err(|errors| {
            let text: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
            TypesetError::Layout(text.join("; "))
        })
    }

    /// [`Template::pdf`] on the blocking pool.
    pub async fn render(
        &'static self,
        inputs: Dict,
        ident: String,
    ) -> Result<Vec<u8>, TypesetError> {
        tokio::task::spawn_blocking(move || self.pdf(inputs, ident))
            .await
            .map_err(|e| TypesetError::Interrupted(e.to_string()))?
    }
}

/// Sets `key` in a template's inputs.
pub fn put(dict: &mut Dict, key: &str, value: impl IntoValue) {
    dict.insert(key.into(), value.into_value());
}
