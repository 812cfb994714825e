//! The structured reference a member writes on a bank transfer: an ISO
//! 11649 creditor reference (`RF` + two check digits + the membership
//! number), which banks check and keep whole, so the treasurer can match
//! each transfer to its membership.

use crate::contributions::settings::mod97;

/// `RF18M000123` for membership 123 (printed in groups of four).
pub fn transfer_reference(membership_id: i64) -> String {
    let body = format!("M{:06}", membership_id.max(0));
    let rearranged = format!("{body}RF00");
    let remainder = mod97(rearranged.bytes()).unwrap_or(0);
    format!("RF{:02}{body}", 98 - remainder)
}

/// Whether `reference` is a well-formed creditor reference (spaces
/// allowed, any case).
pub fn is_valid(reference: &str) -> bool {
    let compact: String = reference
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if compact.len() < 5 || compact.len() > 25 || !compact.starts_with("RF") {
        return false;
    }
    let (head, body) = compact.split_at(4);
    mod97(body.bytes().chain(head.bytes())) == Some(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_carry_valid_check_digits() {
        // The standard's own example.
        assert!(is_valid("RF18 5390 0754 7034"));
        assert!(!is_valid("RF19 5390 0754 7034"));
        for id in [1, 42, 123_456, 9_999_999] {
            let reference = transfer_reference(id);
            assert!(is_valid(&reference), "{reference}");
        }
        assert_ne!(transfer_reference(1), transfer_reference(2));
    }
}
