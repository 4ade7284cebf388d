//! The do-not-call list's one normal form for phone numbers (issue 13).
//!
//! A number is compared only in this form, on the list and against every destination:
//!
//! - spaces, dashes, dots, parentheses and slashes are dropped (`+36 (1) 234-5678` →
//!   `+3612345678`);
//! - a leading `00` is the international prefix and becomes `+` (`0036…` → `+36…`);
//! - `+` and 1–15 digits, the first not 0, is E.164 and stays so;
//! - digits without a country code (no `+`, no `00`) are kept as they are, digits only: no
//!   default country is assumed, so `0612345678` matches only `06 1234 5678` and the like,
//!   never `+3612345678`. A list meant for international numbers should hold them with `+`;
//! - anything else (letters, a SIP address, more than 15 digits, an empty text) is not a
//!   phone number: the list refuses it, and a destination like that is never on the list.

use serde::{Deserialize, Serialize};

/// Digits of an E.164 number at most (country code included).
pub const DIGITS_MAX: usize = 15;

/// Why a text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotANumber(pub String);

impl std::fmt::Display for NotANumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The normal form of `text`, or why it is not a phone number.
pub fn normalize(text: &str) -> Result<String, NotANumber> {
    if text.chars().count() > 64 {
        return Err(NotANumber("longer than 64 characters".into()));
    }
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '-' | '.' | '(' | ')' | '/'))
        .collect();
    let (international, digits) = if let Some(rest) = compact.strip_prefix('+') {
        (true, rest)
    } else if let Some(rest) = compact.strip_prefix("00") {
        (true, rest)
    } else {
        (false, compact.as_str())
    };
    if digits.is_empty() {
        return Err(NotANumber(format!("{text:?}: no digits")));
    }
    if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
        return Err(NotANumber(format!(
            "{text:?}: {bad:?} is not a digit (allowed: digits, a leading + or 00, spaces, - . ( ) /)"
        )));
    }
    if digits.len() > DIGITS_MAX {
        return Err(NotANumber(format!(
            "{text:?}: more than {DIGITS_MAX} digits"
        )));
    }
    if international {
        if digits.starts_with('0') {
            return Err(NotANumber(format!(
                "{text:?}: a country code does not start with 0"
            )));
        }
        Ok(format!("+{digits}"))
    } else {
        Ok(digits.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_forms_meet() {
        for text in [
            "+3612345678",
            "+36 1 234 5678",
            "+36 (1) 234-5678",
            "0036 1 234 5678",
            "0036.1.234.5678",
            " +36-1-234-5678 ",
        ] {
            assert_eq!(normalize(text).unwrap(), "+3612345678", "{text}");
        }
    }

    #[test]
    fn national_numbers_stay_digits() {
        assert_eq!(normalize("06 1 234 5678").unwrap(), "0612345678");
        assert_eq!(normalize("(555) 123-4567").unwrap(), "5551234567");
        assert_ne!(normalize("0612345678"), normalize("+3612345678"));
    }

    #[test]
    fn what_is_not_a_number() {
        for text in [
            "",
            "  ",
            "+",
            "00",
            "sip:bob@example.com",
            "+36 1 ABC",
            "+0361234",
            "0000",
            "+1234567890123456",
            "1234567890123456",
        ] {
            assert!(normalize(text).is_err(), "{text:?}");
        }
        assert!(normalize(&"1".repeat(65)).is_err());
        assert_eq!(normalize("+123456789012345").unwrap(), "+123456789012345");
    }
}
