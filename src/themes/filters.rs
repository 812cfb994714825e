//! Functions and filters every template may use:
//! - `t(key="...", name=...)`: the message `key` in the render's locale;
//! - `value | date`: a timestamp as a long date in the render's locale.

use chrono::{DateTime, Datelike, Utc};
use fluent_bundle::FluentValue;
use tera::{Kwargs, State, Tera, TeraResult};

use super::i18n::{Catalog, fluent_args, supported_or_default};

pub fn register(tera: &mut Tera, catalog: &Catalog) {
    let catalog = catalog.clone();
    tera.register_function("t", move |kwargs: Kwargs, state: &State| {
        translate(&catalog, &kwargs, state)
    });
    tera.register_filter("date", long_date);
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
        let value = if let Some(n) = value.as_f64() {
            FluentValue::from(n)
        } else {
            FluentValue::from(
                value
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| value.to_string()),
            )
        };
        Some((name, value))
    });
    let args = fluent_args(pairs);
    Ok(catalog.text(locale, key, Some(&args)))
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

/// `2026-11-26T10:00:00Z | date` → `26 novembre 2026` / `26 November 2026`.
fn long_date(value: &str, _: Kwargs, state: &State) -> TeraResult<String> {
    let at: DateTime<Utc> = value
        .parse()
        .map_err(|_| tera::Error::message(format!("date: \"{value}\" is not a timestamp")))?;
    let month = at.month0() as usize;
    Ok(match render_locale(state)? {
        "en" => format!("{} {} {}", at.day(), MONTHS_EN[month], at.year()),
        _ => format!("{} {} {}", at.day(), MONTHS_FR[month], at.year()),
    })
}
