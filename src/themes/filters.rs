//! Functions and filters every template may use, and the limits every render
//! runs under.
//!
//! - `t(key="...", name=...)`: the message `key` in the render's locale;
//! - `value | date`, `value | datetime`: a timestamp, written for the locale;
//! - `value | number(decimals=0)`, `value | money(currency="EUR", cents=false)`;
//! - `static(path="css/base.css")`: the cache-busting URL of a static file
//!   (the tenant's own file first, then the theme chain's).
//! - `range(...)` is bounded: 1,000 items per call, 10,000 per render.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Timelike, Utc};
use fluent_bundle::FluentValue;
use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

use super::i18n::{Catalog, fluent_args, supported_or_default};

/// Items `range()` may produce in one render, across calls.
const RANGE_BUDGET: i64 = 10_000;
const RANGE_MAX: i64 = 1_000;
/// Largest page a render may produce.
pub const OUTPUT_LIMIT: usize = 1024 * 1024;

thread_local! {
    static RANGE_LEFT: Cell<i64> = const { Cell::new(RANGE_BUDGET) };
}

pub fn register(tera: &mut Tera, catalog: &Catalog, theme_statics: Arc<HashMap<String, String>>) {
    let catalog = catalog.clone();
    let errors_catalog = catalog.clone();
    tera.register_function("t", move |kwargs: Kwargs, state: &State| {
        translate(&catalog, &kwargs, state)
    });
    tera.register_function("field_error", move |kwargs: Kwargs, state: &State| {
        field_error(&errors_catalog, &kwargs, state)
    });
    tera.register_function("static", move |kwargs: Kwargs, state: &State| {
        static_url(&theme_statics, &kwargs, state)
    });
    tera.register_function("range", bounded_range);
    tera.register_filter("date", long_date);
    tera.register_filter("datetime", long_datetime);
    tera.register_filter("number", number);
    tera.register_filter("money", money);
}

/// Renders `name` with the per-render limits: bounded `range`, bounded output.
pub fn render_bounded(tera: &Tera, name: &str, context: &Context) -> TeraResult<String> {
    RANGE_LEFT.with(|left| left.set(RANGE_BUDGET));
    let mut out = CappedWriter {
        buffer: Vec::with_capacity(8 * 1024),
        left: OUTPUT_LIMIT,
    };
    tera.render_to(name, context, &mut out)?;
    String::from_utf8(out.buffer).map_err(|_| tera::Error::message("render produced invalid UTF-8"))
}

struct CappedWriter {
    buffer: Vec<u8>,
    left: usize,
}

impl Write for CappedWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if bytes.len() > self.left {
            return Err(std::io::Error::other(
                "the page is larger than the 1 MiB limit",
            ));
        }
        self.left -= bytes.len();
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn bounded_range(kwargs: Kwargs, _: &State) -> TeraResult<Vec<i64>> {
    let start: i64 = kwargs.get("start")?.unwrap_or(0);
    let end: i64 = kwargs.must_get("end")?;
    let step: i64 = kwargs.get("step_by")?.unwrap_or(1);
    let too_many =
        || tera::Error::message("range: too many items (1,000 per call, 10,000 per page)");
    let count = range_len(start, end, step)
        .map_err(tera::Error::message)?
        .filter(|count| *count <= RANGE_MAX)
        .ok_or_else(too_many)?;
    let left = RANGE_LEFT.with(|left| {
        left.set(left.get() - count);
        left.get()
    });
    if left < 0 {
        return Err(too_many());
    }
    // Every item lies in [start, end), so `checked_add` only ever stops the
    // iterator after the last one.
    let items = std::iter::successors(Some(start), |item| item.checked_add(step));
    Ok(items.take(count as usize).collect())
}

/// How many items `range(start, end, step_by)` has, exactly, whatever a
/// template passes: the span of two `i64` always fits in an `i128`. `None`
/// when the count does not fit in an `i64` (far above any limit).
fn range_len(start: i64, end: i64, step: i64) -> Result<Option<i64>, &'static str> {
    if step <= 0 {
        return Err("range: step_by must be positive");
    }
    let span = i128::from(end) - i128::from(start);
    // ceil(span / step) for a positive span, without `span + step - 1`.
    let count = if span <= 0 {
        0
    } else {
        (span - 1) / i128::from(step) + 1
    };
    Ok(i64::try_from(count).ok())
}

fn render_locale(state: &State) -> TeraResult<&'static str> {
    let locale: Option<String> = state.get("locale")?;
    Ok(supported_or_default(locale.as_deref().unwrap_or_default()))
}

fn translate(catalog: &Catalog, kwargs: &Kwargs, state: &State) -> TeraResult<String> {
    let key: &str = kwargs.must_get("key")?;
    let locale = render_locale(state)?;
    let pairs = kwargs.iter().filter_map(|(name, value)| {
        let name = name.as_str()?;
        if name == "key" {
            return None;
        }
        let value = match value.as_f64() {
            Some(n) => FluentValue::from(n),
            None => FluentValue::from(
                value
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| value.to_string()),
            ),
        };
        Some((name, value))
    });
    Ok(catalog.text(locale, key, Some(&fluent_args(pairs))))
}

/// `field_error(errors=page.errors, field="email")`: the translated error of
/// one form field, or "" when it has none. Forms give their errors as a
/// map of field name to translation key.
fn field_error(catalog: &Catalog, kwargs: &Kwargs, state: &State) -> TeraResult<String> {
    let field: &str = kwargs.must_get("field")?;
    let errors: Option<Value> = kwargs.get("errors")?;
    let key = errors
        .as_ref()
        .and_then(|errors| errors.as_map())
        .and_then(|map| {
            map.iter()
                .find(|(name, _)| name.as_str() == Some(field))
                .and_then(|(_, key)| key.as_str().map(str::to_owned))
        });
    match key {
        Some(key) => Ok(catalog.text(render_locale(state)?, &key, None)),
        None => Ok(String::new()),
    }
}

fn static_url(
    theme: &HashMap<String, String>,
    kwargs: &Kwargs,
    state: &State,
) -> TeraResult<String> {
    let path: &str = kwargs.must_get("path")?;
    let tenant: Option<Value> = state.get("assets")?;
    if let Some(url) = tenant.as_ref().and_then(|m| m.as_map()).and_then(|m| {
        m.iter()
            .find(|(k, _)| k.as_str() == Some(path))
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
    }) {
        return Ok(url);
    }
    theme
        .get(path)
        .cloned()
        .ok_or_else(|| tera::Error::message(format!("static: no file \"{path}\" in the theme")))
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn timestamp(value: &str) -> TeraResult<DateTime<Utc>> {
    value
        .parse()
        .map_err(|_| tera::Error::message(format!("date: \"{value}\" is not a timestamp")))
}

/// `26 novembre 2026` / `26 November 2026`.
fn long_date(value: &str, _: Kwargs, state: &State) -> TeraResult<String> {
    let at = timestamp(value)?;
    Ok(format_date(at, render_locale(state)?))
}

/// `26 novembre 2026 à 18:05` / `26 November 2026 at 18:05` (UTC).
fn long_datetime(value: &str, _: Kwargs, state: &State) -> TeraResult<String> {
    let at = timestamp(value)?;
    let locale = render_locale(state)?;
    let joiner = if locale == "en" { "at" } else { "à" };
    Ok(format!(
        "{} {joiner} {:02}:{:02}",
        format_date(at, locale),
        at.hour(),
        at.minute()
    ))
}

pub fn format_date(at: DateTime<Utc>, locale: &str) -> String {
    let month = at.month0() as usize;
    match locale {
        "en" => format!("{} {} {}", at.day(), MONTHS_EN[month], at.year()),
        _ => format!("{} {} {}", at.day(), MONTHS_FR[month], at.year()),
    }
}

fn number(value: f64, kwargs: Kwargs, state: &State) -> TeraResult<String> {
    let decimals: i64 = kwargs.get("decimals")?.unwrap_or(0);
    Ok(format_number(
        value,
        decimals.clamp(0, 6) as usize,
        render_locale(state)?,
    ))
}

fn money(value: f64, kwargs: Kwargs, state: &State) -> TeraResult<String> {
    let currency: &str = kwargs.get("currency")?.unwrap_or("EUR");
    let cents: bool = kwargs.get("cents")?.unwrap_or(false);
    let amount = if cents { value / 100.0 } else { value };
    Ok(format_money(amount, currency, render_locale(state)?))
}

/// `1 234,5` (fr, narrow no-break spaces) / `1,234.5` (en).
pub fn format_number(value: f64, decimals: usize, locale: &str) -> String {
    let (group, point) = if locale == "en" {
        (",", ".")
    } else {
        ("\u{202f}", ",")
    };
    let fixed = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push_str(group);
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 && fixed.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    match fraction {
        "" => format!("{sign}{grouped}"),
        f => format!("{sign}{grouped}{point}{f}"),
    }
}

/// `1 234,50 €` (fr) / `€1,234.50` (en).
pub fn format_money(amount: f64, currency: &str, locale: &str) -> String {
    let symbol = match currency {
        "EUR" => "€",
        "GBP" => "£",
        "USD" => "$",
        other => other,
    };
    let digits = format_number(amount.abs(), 2, locale);
    let sign = if amount < 0.0 && digits.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    match (locale, symbol.chars().count()) {
        ("en", 1) => format!("{sign}{symbol}{digits}"),
        ("en", _) => format!("{sign}{symbol}\u{a0}{digits}"),
        _ => format!("{sign}{digits}\u{a0}{symbol}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_locale() {
        assert_eq!(
            format_number(1234567.891, 2, "fr"),
            "1\u{202f}234\u{202f}567,89"
        );
        assert_eq!(format_number(1234567.891, 2, "en"), "1,234,567.89");
        assert_eq!(format_number(999.0, 0, "en"), "999");
        assert_eq!(format_number(-1000.0, 0, "en"), "-1,000");
        assert_eq!(format_number(-0.001, 2, "en"), "0.00");
    }

    #[test]
    fn amounts_follow_the_locale() {
        assert_eq!(format_money(1234.5, "EUR", "fr"), "1\u{202f}234,50\u{a0}€");
        assert_eq!(format_money(1234.5, "EUR", "en"), "€1,234.50");
        assert_eq!(format_money(-12.0, "GBP", "en"), "-£12.00");
        assert_eq!(format_money(10.0, "CHF", "en"), "CHF\u{a0}10.00");
    }

    #[test]
    fn range_lengths_never_overflow() {
        assert_eq!(range_len(0, 10, 3), Ok(Some(4)));
        assert_eq!(range_len(5, 5, 1), Ok(Some(0)));
        assert_eq!(range_len(10, 0, 1), Ok(Some(0)));
        assert_eq!(range_len(0, i64::MAX, i64::MAX), Ok(Some(1)));
        assert_eq!(range_len(i64::MAX - 1, i64::MAX, i64::MAX), Ok(Some(1)));
        assert_eq!(range_len(-1, i64::MAX, i64::MAX), Ok(Some(2)));
        assert_eq!(range_len(i64::MIN, i64::MAX, 1), Ok(None));
        assert_eq!(range_len(i64::MIN, i64::MAX, i64::MAX), Ok(Some(3)));
        assert_eq!(range_len(i64::MIN, i64::MAX, 4), Ok(Some(1 << 62)));
        assert_eq!(range_len(i64::MAX, i64::MIN, 1), Ok(Some(0)));
        assert!(range_len(0, 1, 0).is_err() && range_len(0, 1, i64::MIN).is_err());
    }

    /// The function as templates call it, with extreme arguments: an error
    /// or the right items, never a panic (a debug build panics on overflow).
    #[test]
    fn range_accepts_extreme_arguments() {
        let render = |args: &str| {
            let mut tera = Tera::default();
            tera.register_function("range", bounded_range);
            let source = format!("{{% for i in range({args}) %}}{{{{ i }}}},{{% endfor %}}");
            tera.add_raw_template("t", &source)
                .map_err(|e| e.to_string())?;
            render_bounded(&tera, "t", &Context::new()).map_err(|e| e.to_string())
        };
        let max = i64::MAX;
        assert_eq!(render("end=3"), Ok("0,1,2,".to_owned()));
        assert_eq!(
            render(&format!("start={}, end={max}, step_by={max}", max - 1)),
            Ok(format!("{},", max - 1))
        );
        assert_eq!(
            render(&format!("start=-1, end={max}, step_by={max}")),
            Ok(format!("-1,{},", max - 1))
        );
        for args in [
            format!("start=-{max}, end={max}"),
            format!("start=-{max}, end={max}, step_by=2"),
            format!("start=0, end={max}"),
        ] {
            let refused = render(&args).err().unwrap_or_default();
            assert!(refused.contains("too many items"), "{args}: {refused}");
        }
        let refused = render("end=3, step_by=0").err().unwrap_or_default();
        assert!(refused.contains("step_by"), "{refused}");
    }

    #[test]
    fn dates_follow_the_locale() {
        let at: DateTime<Utc> = "2026-11-26T18:05:00Z".parse().unwrap_or_default();
        assert_eq!(format_date(at, "fr"), "26 novembre 2026");
        assert_eq!(format_date(at, "en"), "26 November 2026");
    }
}
