//! The archive a person downloads: a zip of named files. Each section is
//! written as JSON (what it is) and, when it is a list, as CSV too (one
//! row per item, nested values as JSON text, cells defused against
//! spreadsheet formulas).

use std::io::{Cursor, Write};

use serde_json::Value;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::tabular::defuse;

/// One file of the archive.
pub struct File {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl File {
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            name: name.into(),
            bytes,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// `<name>.json`, and `<name>.csv` when `value` is a list of objects.
pub fn section(name: &str, value: &Value) -> Result<Vec<File>, ArchiveError> {
    let mut files = vec![File::new(
        format!("{name}.json"),
        serde_json::to_vec_pretty(value)?,
    )];
    if let Some(rows) = value.as_array().filter(|rows| !rows.is_empty()) {
        files.push(File::new(format!("{name}.csv"), csv(rows)?));
    }
    Ok(files)
}

/// The rows as CSV: the columns are the keys of every object, in first
/// seen order.
fn csv(rows: &[Value]) -> Result<Vec<u8>, ArchiveError> {
    let mut columns: Vec<&str> = Vec::new();
    for row in rows {
        for key in row.as_object().into_iter().flat_map(|o| o.keys()) {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&columns)?;
    for row in rows {
        let cells = columns.iter().map(|column| match row.get(*column) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => defuse(text).into_owned(),
            Some(other) => defuse(&other.to_string()).into_owned(),
        });
        out.write_record(cells)?;
    }
    out.into_inner()
        .map_err(|e| ArchiveError::Io(e.into_error()))
}

/// The zip of `files`.
pub fn zip(files: &[File]) -> Result<Vec<u8>, ArchiveError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        zip.start_file(file.name.as_str(), options)?;
        zip.write_all(&file.bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_become_csv_with_every_key_and_formulas_defused() -> Result<(), ArchiveError> {
        let rows = serde_json::json!([
            { "a": 1, "b": "=SUM(A1)" },
            { "b": "x", "c": { "n": 2 } }
        ]);
        let files = section("s", &rows)?;
        assert_eq!(files.len(), 2);
        let text = String::from_utf8_lossy(&files[1].bytes).into_owned();
        assert_eq!(text, "a,b,c\n1,'=SUM(A1),\n,x,\"{\"\"n\"\":2}\"\n");
        assert_eq!(section("o", &serde_json::json!({ "a": 1 }))?.len(), 1);
        let zipped = zip(&files)?;
        assert!(zipped.starts_with(b"PK"));
        Ok(())
    }
}
