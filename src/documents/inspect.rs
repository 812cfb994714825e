//! What a file really is, from its bytes (the `infer` crate's signatures,
//! and a UTF-8 check for text), against the short list of kinds we keep.
//! The client's word (the part's `Content-Type`) is only compared with
//! it: a declared type that disagrees is refused, one that says nothing
//! (`application/octet-stream`, or none) is not held against the file.

use std::io::Read;

use super::error::DocumentError;

/// The kinds of file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Jpeg,
    Png,
    /// Re-encoded as JPEG (or PNG when it has transparency).
    Webp,
    Text,
    Csv,
    Docx,
    Xlsx,
    Odt,
    Ods,
}

/// Bytes read from the start of a file to recognise it (office files are
/// zip archives whose telling entries come after a few others).
pub const HEAD: usize = 256 * 1024;

impl Kind {
    /// The type the file is stored and served as.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Text => "text/plain",
            Self::Csv => "text/csv",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Odt => "application/vnd.oasis.opendocument.text",
            Self::Ods => "application/vnd.oasis.opendocument.spreadsheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Text => "txt",
            Self::Csv => "csv",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Odt => "odt",
            Self::Ods => "ods",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, Self::Jpeg | Self::Png | Self::Webp)
    }

    /// Other names clients give the same type (Windows labels a `.csv`
    /// as Excel's; a CSV file is plain text too).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Pdf => &["application/x-pdf"],
            Self::Jpeg => &["image/jpg", "image/pjpeg"],
            Self::Png => &["image/x-png"],
            Self::Csv => &[
                "text/plain",
                "text/comma-separated-values",
                "application/csv",
                "application/vnd.ms-excel",
            ],
            _ => &[],
        }
    }

    fn answers_to(self, declared: &str) -> bool {
        declared == self.mime() || self.aliases().contains(&declared)
    }
}

/// What the bytes say, before the declared type is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Binary(Kind),
    /// UTF-8 text without a signature: plain text or CSV.
    Text,
}

/// Recognises `head` (the first [`HEAD`] bytes); `rest` is the file from
/// the start, read only when it has no signature, to see whether it is
/// all text.
pub fn sniff(head: &[u8], rest: impl Read) -> Result<Sniffed, DocumentError> {
    if head.is_empty() {
        return Err(DocumentError::Empty);
    }
    match infer::get(head).map(|t| t.mime_type()) {
        Some("application/pdf") => Ok(Sniffed::Binary(Kind::Pdf)),
        Some("image/jpeg") => Ok(Sniffed::Binary(Kind::Jpeg)),
        Some("image/png") => Ok(Sniffed::Binary(Kind::Png)),
        Some("image/webp") => Ok(Sniffed::Binary(Kind::Webp)),
        Some("image/heif") => Err(DocumentError::Heic),
        Some(found) => [Kind::Docx, Kind::Xlsx, Kind::Odt, Kind::Ods]
            .into_iter()
            .find(|kind| kind.mime() == found)
            .map(Sniffed::Binary)
            .ok_or(DocumentError::Unsupported),
        None if is_text(rest)? => Ok(Sniffed::Text),
        None => Err(DocumentError::Unsupported),
    }
}

/// Every kind accepted.
const ALL: [Kind; 10] = [
    Kind::Pdf,
    Kind::Jpeg,
    Kind::Png,
    Kind::Webp,
    Kind::Text,
    Kind::Csv,
    Kind::Docx,
    Kind::Xlsx,
    Kind::Odt,
    Kind::Ods,
];

/// Decides the kind: the sniffed one, which the declared type must not
/// contradict. A declared type we never accept (HTML, SVG…) is refused as
/// such; one we accept but that the bytes contradict is a lie. Text is
/// CSV when declared so or named `.csv`.
pub fn resolve(
    sniffed: Sniffed,
    declared: Option<&str>,
    file_name: &str,
) -> Result<Kind, DocumentError> {
    let declared = declared
        .map(|d| {
            d.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|d| !d.is_empty() && d != "application/octet-stream");
    let kind = match sniffed {
        Sniffed::Binary(kind) => kind,
        Sniffed::Text => {
            let named_csv = file_name.to_ascii_lowercase().ends_with(".csv");
            let declared_csv = declared.as_deref().is_some_and(|d| Kind::Csv.answers_to(d));
            match named_csv || declared_csv {
                true => Kind::Csv,
                false => Kind::Text,
            }
        }
    };
    match declared {
        Some(declared) if !ALL.iter().any(|k| k.answers_to(&declared)) => {
            Err(DocumentError::Unsupported)
        }
        Some(declared) if !kind.answers_to(&declared) => Err(DocumentError::Mismatch {
            declared: declared.chars().take(100).collect(),
            actual: kind.mime(),
        }),
        _ => Ok(kind),
    }
}

/// Valid UTF-8 (a byte-order mark allowed) without NUL or other control
/// characters than tab, line breaks and form feed, read in chunks.
fn is_text(mut file: impl Read) -> Result<bool, DocumentError> {
    let mut buffer = vec![0u8; 64 * 1024];
    // An incomplete character at the end of one chunk, finished by the next.
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(carry.is_empty());
        }
        carry.extend_from_slice(buffer.get(..read).unwrap_or_default());
        let valid = match std::str::from_utf8(&carry) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => return Ok(false),
        };
        let text = std::str::from_utf8(carry.get(..valid).unwrap_or_default()).unwrap_or_default();
        let odd = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}');
        if text.chars().any(odd) {
            return Ok(false);
        }
        carry.drain(..valid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniffed(bytes: &[u8]) -> Result<Sniffed, DocumentError> {
        sniff(bytes, bytes)
    }

    #[test]
    fn signatures_decide_and_a_lying_type_is_refused() {
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj";
        assert_eq!(sniffed(pdf).ok(), Some(Sniffed::Binary(Kind::Pdf)));
        let kind = |declared| resolve(Sniffed::Binary(Kind::Pdf), declared, "x.pdf");
        assert_eq!(kind(Some("application/pdf")).ok(), Some(Kind::Pdf));
        assert_eq!(kind(Some("application/octet-stream")).ok(), Some(Kind::Pdf));
        assert_eq!(kind(None).ok(), Some(Kind::Pdf));
        assert!(matches!(
            kind(Some("image/png")),
            Err(DocumentError::Mismatch {
                actual: "application/pdf",
                ..
            })
        ));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniffed(png).ok(), Some(Sniffed::Binary(Kind::Png)));
    }

    #[test]
    fn text_is_utf8_without_control_characters() {
        let csv = "nom;montant\nÉlodie;12,50\n".as_bytes();
        assert_eq!(sniffed(csv).ok(), Some(Sniffed::Text));
        let csv_kind = resolve(Sniffed::Text, Some("application/vnd.ms-excel"), "a.csv");
        assert_eq!(csv_kind.ok(), Some(Kind::Csv));
        assert_eq!(resolve(Sniffed::Text, None, "notes").ok(), Some(Kind::Text));
        assert!(matches!(
            resolve(Sniffed::Text, Some("text/html"), "a.html"),
            Err(DocumentError::Unsupported)
        ));
        assert!(matches!(
            resolve(Sniffed::Text, Some("image/jpeg"), "a.txt"),
            Err(DocumentError::Mismatch { .. })
        ));
        for binary in [&b"ab\0cd"[..], b"\xff\xfe\x00", b"MZ\x90\x00\x03"] {
            assert!(sniffed(binary).is_err(), "{binary:?}");
        }
        assert!(matches!(sniffed(b""), Err(DocumentError::Empty)));
        // A character cut by the chunk boundary is still text.
        let long = "é".repeat(70_000);
        assert!(is_text(long.as_bytes()).unwrap_or(false));
    }

    #[test]
    fn html_and_heic_are_refused() {
        assert!(sniffed(b"<!DOCTYPE html><html><script>").is_err());
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        assert!(matches!(sniffed(heic), Err(DocumentError::Heic)));
    }
}
