//! `floor-http`: a fixed 2 KiB HTML page with no database and no template,
//! the HTTP ceiling of the machine. Only routed when `bench_routes` is on.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;

pub const PATH: &str = "/__bench/floor";

static PAGE: LazyLock<String> = LazyLock::new(|| {
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>floor</title></head><body><ul>",
    );
    let mut n = 0;
    while page.len() < 2048 - 40 {
        n += 1;
        page.push_str(&format!("<li>line {n} of the fixed page</li>"));
    }
    page.push_str("</ul></body></html>");
    page
});

pub async fn page() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        PAGE.as_str(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_is_about_two_kibibytes() {
        let len = super::PAGE.len();
        assert!((2000..=2100).contains(&len), "{len}");
    }
}
