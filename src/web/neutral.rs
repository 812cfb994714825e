//! Neutral pages, used where no tenant (and so no theme) applies: an unknown
//! or malformed host, a suspended site, a failure before a tenant is known.
//! Bilingual, self-contained, and they never echo request input.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}\
main{max-width:34rem;margin:12vh auto;padding:2rem 1.5rem;background:#fff;border-radius:12px;\
box-shadow:0 1px 3px rgba(0,0,0,.08)}h1{font-size:1.4rem;margin:0 0 .75rem}\
p{margin:.5rem 0}p[lang=fr]{color:#4a5263}code{font-size:.9em}";

pub fn page(status: StatusCode, title_en: &str, text_en: &str, text_fr: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>{title_en}</title><style>{STYLE}</style></head>\
         <body><main><h1>{title_en}</h1><p>{text_en}</p><p lang=\"fr\">{text_fr}</p>\
         <p><small>{code}</small></p></main></body></html>",
        code = status.as_u16(),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

pub fn unknown_host() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "No site here",
        "No association portal answers at this address. Check the link you followed.",
        "Aucun portail d’association ne répond à cette adresse. Vérifiez le lien suivi.",
    )
}

pub fn bad_host() -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "Invalid address",
        "The address of this request is not a valid site name.",
        "L’adresse de cette requête n’est pas un nom de site valide.",
    )
}

/// A suspended site, with the reason its operator gave (escaped: it is the
/// only text on these pages that did not come from this file).
pub fn suspended(reason: Option<&str>) -> Response {
    let (mut en, mut fr) = (
        "This association’s portal is suspended for now. Please come back later.".to_owned(),
        "Le portail de cette association est momentanément suspendu. Revenez plus tard.".to_owned(),
    );
    if let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) {
        let reason = escape(reason);
        en.push_str(&format!("</p><p class=\"reason\">Reason: {reason}"));
        fr.push_str(&format!(
            "</p><p lang=\"fr\" class=\"reason\">Motif : {reason}"
        ));
    }
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Site temporarily unavailable",
        &en,
        &fr,
    )
}

pub fn error(status: StatusCode, title: &str) -> Response {
    page(
        status,
        title,
        "Something went wrong on our side or with the request.",
        "Un problème est survenu, de notre côté ou avec la requête.",
    )
}

/// `text` safe inside HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
