//! The do-not-call list's one normal form for phone numbers (issue 13).
//!
//! A number is compared only in this form, on the list and against every destination:
//!
//! - spaces, dashes, dots and parentheses are dropped (`+36 (1) 234-5678` → `+3612345678`);
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

/// Characters of a number as written at most.
pub const CHARS_MAX: usize = 64;

/// What [`normalize`] accepts, as a regular expression (ECMA 262) for the OpenAPI document
/// (with a length of at most [`CHARS_MAX`]): separators anywhere; `+` or `00`, then 1–15
/// digits not starting with 0; or 1–15 digits that do not start with `00`.
pub const PATTERN: &str = concat!(
    "^[-.() ]*(?:",
    "\\+[-.() ]*[1-9](?:[-.() ]*[0-9]){0,14}",
    "|0[-.() ]*0[-.() ]*[1-9](?:[-.() ]*[0-9]){0,14}",
    "|[1-9](?:[-.() ]*[0-9]){0,14}",
    "|0(?:[-.() ]*[1-9](?:[-.() ]*[0-9]){0,13})?",
    ")[-.() ]*$"
);

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
    if text.chars().count() > CHARS_MAX {
        return Err(NotANumber(format!("longer than {CHARS_MAX} characters")));
    }
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
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
            "{text:?}: {bad:?} is not a digit (allowed: digits, a leading + or 00, spaces, - . ( ))"
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

/// A bad line of a do-not-call import: its number (from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// The numbers of a do-not-call import (CSV): one number per line in the first field
/// (fields end at `,`, `;` or a tab; surrounding `"` are dropped). Empty lines and lines
/// starting with `#` are skipped, and so is a first line whose first field is a header
/// (`number`, `phone`, `phone_number`, `destination`, any case). Every number is checked;
/// the answer is either all numbers as written or every bad line.
pub fn parse_import(text: &str) -> Result<Vec<String>, Vec<BadLine>> {
    let mut numbers = Vec::new();
    let mut bad = Vec::new();
    let mut first = true;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let field = line
            .split([',', ';', '\t'])
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches('"')
            .trim();
        let header = first
            && ["number", "phone", "phone_number", "destination"]
                .iter()
                .any(|h| field.eq_ignore_ascii_case(h));
        first = false;
        if header {
            continue;
        }
        match normalize(field) {
            Ok(_) => numbers.push(field.to_string()),
            Err(e) => bad.push(BadLine {
                line: index + 1,
                message: e.0,
            }),
        }
    }
    if bad.is_empty() {
        Ok(numbers)
    } else {
        Err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_read_the_first_field_and_name_bad_lines() {
        let text = "Number,name\n+36 1 111 1111,Anna\n\n# a comment\n\"0036 1 222\";x\n06 30 123\n";
        assert_eq!(
            parse_import(text).unwrap(),
            ["+36 1 111 1111", "0036 1 222", "06 30 123"]
        );
        let bad = parse_import("+3611\nabc\n\n+36 1 x\n").unwrap_err();
        let lines: Vec<usize> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [2, 4]);
        // A header only counts on the first line.
        assert_eq!(parse_import("+3611\nnumber\n").unwrap_err()[0].line, 2);
    }

    #[test]
    fn international_forms_meet() {
        for text in [
            "+3612345678",
            "+36 1 234 5678",
            "+36 (1) 234-5678",
            "0036 1 234 5678",
            "0036.1.234.5678",
            " +36-1-234-5678 ",
            "(+36) 1 234 5678",
            "0 0 36 1 234 5678",
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
            "+36/1/2345678",
            "+36\t1",
            "()",
            "00+36",
            "+0036",
        ] {
            assert!(normalize(text).is_err(), "{text:?}");
        }
        assert!(normalize(&"1".repeat(65)).is_err());
        assert_eq!(normalize("+123456789012345").unwrap(), "+123456789012345");
    }
}
