//! Limits every SEPA message has and the ISO schemas do not check: the EPC
//! rulebooks' lengths, identifier shapes and amounts. Shared by the credit
//! transfer writer and, later, the direct debit one.

use std::collections::HashMap;

use super::charset;
use super::error::Problem;

/// Identifiers (`MsgId`, `PmtInfId`, `EndToEndId`, a mandate's `MndtId`).
pub const MAX_ID: usize = 35;
/// Party names: the EPC keeps 70 of the 140 characters ISO allows.
pub const MAX_NAME: usize = 70;
/// One unstructured remittance line (`RmtInf/Ustrd`).
pub const MAX_REMITTANCE: usize = 140;
/// The largest amount of one SEPA transaction: 999,999,999.99 euros.
pub const MAX_AMOUNT_MINOR: i64 = 99_999_999_999;

/// An identifier, as given: 1 to 35 characters of the SEPA set, without a
/// leading or trailing `/` and without `//`. Never converted: an id the
/// bank reports back must be the one stored.
pub fn id(value: &str) -> Result<&str, Problem> {
    if value.is_empty() {
        return Err(Problem::Empty);
    }
    let len = value.chars().count();
    if len > MAX_ID {
        return Err(Problem::TooLong { len, max: MAX_ID });
    }
    if !charset::is_latin(value) {
        return Err(Problem::Charset);
    }
    if value.starts_with('/') || value.ends_with('/') || value.contains("//") {
        return Err(Problem::Slashes);
    }
    Ok(value)
}

/// A party's name reduced to the SEPA set, then 1 to 70 characters. Not
/// cut: a bank matches names, so a long one is for a person to shorten.
pub fn name(raw: &str) -> Result<String, Problem> {
    let name = charset::latin(raw);
    let len = name.chars().count();
    match len {
        0 => Err(Problem::Empty),
        1..=MAX_NAME => Ok(name),
        _ => Err(Problem::TooLong { len, max: MAX_NAME }),
    }
}

/// Free remittance text reduced to the SEPA set and cut to 140 characters;
/// `None` when nothing is left (the element is then left out).
pub fn remittance(raw: &str) -> Option<String> {
    let text = charset::latin(raw);
    let text = charset::truncate(&text, MAX_REMITTANCE);
    (!text.is_empty()).then(|| text.to_owned())
}

/// An amount in cents: more than zero, at most [`MAX_AMOUNT_MINOR`].
pub fn amount(minor: i64) -> Result<i64, Problem> {
    match minor {
        ..=0 => Err(Problem::NotPositive),
        1..=MAX_AMOUNT_MINOR => Ok(minor),
        _ => Err(Problem::TooLarge),
    }
}

/// The sum of amounts already checked by [`amount`]; `TooLarge` only past
/// an `i64` (tens of millions of maximal transactions).
pub fn control_sum(amounts: impl IntoIterator<Item = i64>) -> Result<i64, Problem> {
    amounts
        .into_iter()
        .try_fold(0_i64, i64::checked_add)
        .ok_or(Problem::TooLarge)
}

/// Cents as the schemas' decimal: `1234` → `12.34`, `5` → `0.05`. Exact, no
/// float. Negative amounts never reach here ([`amount`] refuses them).
pub fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

/// The first id seen twice: `(first position, repeated position)`.
pub fn first_duplicate<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<(usize, usize)> {
    let mut seen = HashMap::new();
    ids.into_iter()
        .enumerate()
        .find_map(|(at, id)| seen.insert(id, at).map(|first| (first, at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_not_converted() {
        assert_eq!(id("PAYOUT-2026-05/17"), Ok("PAYOUT-2026-05/17"));
        assert_eq!(id(""), Err(Problem::Empty));
        assert_eq!(id(&"A".repeat(35)).map(str::len), Ok(35));
        assert_eq!(
            id(&"A".repeat(36)),
            Err(Problem::TooLong { len: 36, max: 35 })
        );
        assert_eq!(id("payé"), Err(Problem::Charset));
        assert_eq!(id("a_b"), Err(Problem::Charset));
        assert_eq!(id("/abc"), Err(Problem::Slashes));
        assert_eq!(id("abc/"), Err(Problem::Slashes));
        assert_eq!(id("a//b"), Err(Problem::Slashes));
    }

    #[test]
    fn names_are_converted_then_limited_to_seventy() {
        assert_eq!(
            name(" Société  Générale "),
            Ok("Societe Generale".to_owned())
        );
        assert_eq!(name("🎉"), Err(Problem::Empty));
        // 70 accented letters are 70 characters once converted.
        assert_eq!(name(&"é".repeat(70)), Ok("e".repeat(70)));
        assert_eq!(
            name(&"é".repeat(71)),
            Err(Problem::TooLong { len: 71, max: 70 })
        );
    }

    #[test]
    fn remittance_is_cut_at_140() {
        assert_eq!(remittance("  "), None);
        assert_eq!(remittance("Réf. 12"), Some("Ref. 12".to_owned()));
        let long = remittance(&"x".repeat(200)).unwrap_or_default();
        assert_eq!(long.len(), 140);
    }

    #[test]
    fn amounts_are_positive_cents_written_exactly() {
        assert_eq!(amount(0), Err(Problem::NotPositive));
        assert_eq!(amount(-5), Err(Problem::NotPositive));
        assert_eq!(amount(MAX_AMOUNT_MINOR + 1), Err(Problem::TooLarge));
        assert_eq!(decimal(1), "0.01");
        assert_eq!(decimal(10), "0.10");
        assert_eq!(decimal(1234), "12.34");
        assert_eq!(decimal(MAX_AMOUNT_MINOR), "999999999.99");
        assert_eq!(control_sum([1, 2, 3]), Ok(6));
        assert_eq!(control_sum([i64::MAX, 1]), Err(Problem::TooLarge));
    }

    #[test]
    fn the_first_repeated_id_is_found() {
        assert_eq!(first_duplicate(["a", "b", "c"]), None);
        assert_eq!(first_duplicate(["a", "b", "a", "b"]), Some((0, 2)));
    }
}
