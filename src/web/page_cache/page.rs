//! How a cached page goes on the wire: its bodies in each encoding
//! (compressed once, when the page is made), its strong `ETag`, content
//! negotiation and revalidation (`If-None-Match` → 304).

use std::io::Write;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// A rendered page in every encoding it is served in.
#[derive(Debug)]
pub struct Page {
    identity: Bytes,
    gzip: Option<Bytes>,
    br: Option<Bytes>,
    /// Hash of the identity body; each encoding's `ETag` is derived from it.
    hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    Br,
}

impl Encoding {
    fn header(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Br => Some("br"),
        }
    }
}

/// Brotli at 5 and gzip at 6: close to their best ratio on HTML for a
/// fraction of the time, paid once per stored page.
const BROTLI_QUALITY: i32 = 5;
const GZIP_LEVEL: u32 = 6;

impl Page {
    /// A page to keep: every encoding, compressed once for all its readers.
    pub fn new(html: Bytes) -> Self {
        Self {
            gzip: gzip(&html),
            br: brotli(&html),
            hash: hash(&html),
            identity: html,
        }
    }

    /// A page for one response only (nothing will keep it): compressed just
    /// in the encoding this client will get.
    pub fn for_one(html: Bytes, request: &HeaderMap) -> Self {
        let accept_encoding = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let br = accepts(accept_encoding, "br")
            .then(|| brotli(&html))
            .flatten();
        let gzip = (br.is_none() && accepts(accept_encoding, "gzip"))
            .then(|| gzip(&html))
            .flatten();
        Self {
            gzip,
            br,
            hash: hash(&html),
            identity: html,
        }
    }

    pub fn html(&self) -> &Bytes {
        &self.identity
    }

    pub(super) fn weight(&self) -> usize {
        let compressed = [&self.gzip, &self.br].into_iter().flatten();
        self.identity.len() + compressed.map(Bytes::len).sum::<usize>()
    }

    /// A strong validator per representation: the encodings are different
    /// byte sequences, so they get different tags (RFC 9110 §8.8.3.3).
    fn etag(&self, encoding: Encoding) -> HeaderValue {
        let tag = match encoding.header() {
            None => format!("\"{}\"", self.hash),
            Some(coding) => format!("\"{}-{coding}\"", self.hash),
        };
        HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""))
    }

    /// Whether an `If-None-Match` value names this page in any encoding
    /// (weak comparison, as that header asks).
    fn is_named_by(&self, if_none_match: &str) -> bool {
        if_none_match.split(',').any(|tag| {
            let tag = tag.trim();
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            let named = tag.trim_matches('"');
            tag == "*"
                || named == self.hash
                || named
                    .strip_prefix(self.hash.as_str())
                    .is_some_and(|rest| matches!(rest, "-gzip" | "-br"))
        })
    }

    /// The best body the client accepts: brotli, then gzip, then identity.
    fn negotiate(&self, accept_encoding: &str) -> (Encoding, &Bytes) {
        let offered = [(Encoding::Br, &self.br), (Encoding::Gzip, &self.gzip)];
        offered
            .into_iter()
            .find_map(|(encoding, body)| {
                let body = body.as_ref()?;
                let name = encoding.header()?;
                accepts(accept_encoding, name).then_some((encoding, body))
            })
            .unwrap_or((Encoding::Identity, &self.identity))
    }

    /// The response for a request: 304 when its `If-None-Match` names the
    /// page, otherwise the body in the best encoding it accepts. The headers
    /// say the response varies with the encoding and the cookies (language,
    /// flash message).
    pub fn respond(&self, request: &HeaderMap, cache_control: HeaderValue) -> Response {
        let header_str = |name| {
            request
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
                .unwrap_or_default()
        };
        let (encoding, body) = self.negotiate(header_str(header::ACCEPT_ENCODING));
        let revalidated = self.is_named_by(header_str(header::IF_NONE_MATCH));
        let mut response = match revalidated {
            true => StatusCode::NOT_MODIFIED.into_response(),
            false => body.clone().into_response(),
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, self.etag(encoding));
        headers.insert(header::CACHE_CONTROL, cache_control);
        headers.insert(
            header::VARY,
            HeaderValue::from_static("accept-encoding, cookie"),
        );
        if !revalidated {
            let html = HeaderValue::from_static("text/html; charset=utf-8");
            headers.insert(header::CONTENT_TYPE, html);
            if let Some(coding) = encoding.header() {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            }
        }
        response
    }
}

/// Whether an `Accept-Encoding` value accepts `coding` (by name or `*`,
/// with a non-zero weight).
fn accepts(accept_encoding: &str, coding: &str) -> bool {
    let mut wildcard = false;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let weight = parts
            .find_map(|param| param.trim().strip_prefix("q="))
            .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
        if name.eq_ignore_ascii_case(coding) {
            return weight > 0.0;
        }
        wildcard |= name == "*" && weight > 0.0;
    }
    wildcard
}

fn hash(html: &[u8]) -> String {
    Sha256::digest(html)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn gzip(html: &[u8]) -> Option<Bytes> {
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(GZIP_LEVEL));
    encoder.write_all(html).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn brotli(html: &[u8]) -> Option<Bytes> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &html[..], &mut out, &params).ok()?;
    Some(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    const HTML: &str = "<!doctype html><title>Accueil</title><p>Bonjour, bonjour, bonjour</p>";

    fn respond(headers: &[(header::HeaderName, &'static str)]) -> Response {
        let mut request = HeaderMap::new();
        for (name, value) in headers {
            request.insert(name, HeaderValue::from_static(value));
        }
        let page = Page::new(Bytes::from_static(HTML.as_bytes()));
        page.respond(&request, HeaderValue::from_static("no-cache"))
    }

    #[test]
    fn a_page_for_one_response_is_compressed_only_as_asked() {
        let html = || Bytes::from_static(HTML.as_bytes());
        let request = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            headers
        };
        let plain = Page::for_one(html(), &HeaderMap::new());
        assert!(plain.gzip.is_none() && plain.br.is_none());
        let gzip = Page::for_one(html(), &request("gzip"));
        assert!(gzip.gzip.is_some() && gzip.br.is_none());
        let br = Page::for_one(html(), &request("gzip, br"));
        assert!(br.br.is_some() && br.gzip.is_none());
        let response = br.respond(&request("gzip, br"), HeaderValue::from_static("no-cache"));
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(br.hash, Page::new(html()).hash, "the same validator");
    }

    #[test]
    fn compressed_bodies_decode_to_the_page() {
        let page = Page::new(Bytes::from_static(HTML.as_bytes()));
        let (mut from_gzip, mut from_br) = (String::new(), String::new());
        let gzip = page.gzip.as_deref().unwrap_or_default();
        let read_gzip = flate2::read::GzDecoder::new(gzip).read_to_string(&mut from_gzip);
        let br = page.br.as_deref().unwrap_or_default();
        let read_br = brotli::Decompressor::new(br, 4096).read_to_string(&mut from_br);
        assert!(read_gzip.is_ok() && read_br.is_ok());
        assert_eq!((from_gzip.as_str(), from_br.as_str()), (HTML, HTML));
    }

    #[test]
    fn the_best_accepted_encoding_is_chosen() {
        let page = Page::new(Bytes::from_static(HTML.as_bytes()));
        let chosen = |accept| page.negotiate(accept).0;
        assert_eq!(chosen("gzip, deflate, br, zstd"), Encoding::Br);
        assert_eq!(chosen("gzip"), Encoding::Gzip);
        assert_eq!(chosen("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(chosen("*"), Encoding::Br);
        assert_eq!(chosen("identity"), Encoding::Identity);
        assert_eq!(chosen(""), Encoding::Identity);
    }

    #[test]
    fn a_matching_if_none_match_gets_304_without_a_body() {
        let first = respond(&[(header::ACCEPT_ENCODING, "br")]);
        let etag = first.headers()[header::ETAG]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        assert!(etag.starts_with('"') && etag.ends_with("-br\""), "{etag}");
        assert_eq!(first.headers()[header::CONTENT_ENCODING], "br");
        let page = Page::new(Bytes::from_static(HTML.as_bytes()));
        for tag in [etag.as_str(), "\"x\", W/\"%\"", "*"] {
            let tag = tag.replace('%', &page.hash);
            assert!(page.is_named_by(&tag), "{tag}");
        }
        assert!(!page.is_named_by("\"other\""));
        assert!(!page.is_named_by(""));
        let again = respond(&[(header::IF_NONE_MATCH, "*")]);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(again.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(again.headers()[header::VARY], "accept-encoding, cookie");
    }
}
