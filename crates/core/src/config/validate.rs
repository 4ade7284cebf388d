//! The checks validation shares: time-outs, durations, units, texts, ids, reason lists. Each
//! names the field it rejects.

use super::{
    CAPACITY_UNITS, ConfigError, DURATION_MAX_MS, OFFER_TIMEOUT_MAX_MS, OFFER_TIMEOUT_MIN_MS,
    TEXT_MAX_CHARS, UNAVAILABLE_TIMEOUT_MAX_MS, UNAVAILABLE_TIMEOUT_MIN_MS,
};

pub(super) fn check_offer_timeout(field: &str, ms: u64) -> Result<(), ConfigError> {
    check_time_out(
        field,
        ms,
        (OFFER_TIMEOUT_MIN_MS, OFFER_TIMEOUT_MAX_MS),
        "offer timeout",
        "15–300 s",
    )
}

pub(super) fn check_unavailable_timeout(field: &str, ms: u64) -> Result<(), ConfigError> {
    check_time_out(
        field,
        ms,
        (UNAVAILABLE_TIMEOUT_MIN_MS, UNAVAILABLE_TIMEOUT_MAX_MS),
        "unavailable time-out",
        "30–720 minutes",
    )
}

/// `ms` within `min..=max`, else an error naming the field, the time-out and its range.
pub(super) fn check_time_out(
    field: &str,
    ms: u64,
    (min, max): (u64, u64),
    what: &str,
    range: &str,
) -> Result<(), ConfigError> {
    if !(min..=max).contains(&ms) {
        return Err(ConfigError::new(
            field,
            format!("{ms} ms is outside the allowed {what} of {min}–{max} ms ({range})"),
        ));
    }
    Ok(())
}

pub(super) fn check_units(field: &str, units: u8) -> Result<(), ConfigError> {
    if units == 0 || u16::from(units) > CAPACITY_UNITS {
        return Err(ConfigError::new(
            field,
            format!("{units} capacity units: must be 1–100"),
        ));
    }
    Ok(())
}

pub(super) fn check_duration(field: &str, ms: u64, min_ms: u64) -> Result<(), ConfigError> {
    if ms < min_ms || ms > DURATION_MAX_MS {
        return Err(ConfigError::new(
            field,
            format!("{ms} ms: must be {min_ms}–{DURATION_MAX_MS} ms"),
        ));
    }
    Ok(())
}

pub(crate) fn check_text(field: &str, text: &str, allow_empty: bool) -> Result<(), ConfigError> {
    if !allow_empty && text.trim().is_empty() {
        return Err(ConfigError::new(field, "must not be empty"));
    }
    if text.chars().count() > TEXT_MAX_CHARS {
        return Err(ConfigError::new(
            field,
            format!("longer than {TEXT_MAX_CHARS} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(ConfigError::new(field, "contains control characters"));
    }
    Ok(())
}

/// Ids are short, printable and free of spaces and slashes: they appear in URLs and reports.
pub(crate) fn check_id(field: &str, id: &str) -> Result<(), ConfigError> {
    if id.is_empty() || id.len() > 64 {
        return Err(ConfigError::new(field, "must be 1–64 characters"));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@' | '+'))
    {
        return Err(ConfigError::new(
            field,
            format!("{id:?}: only letters, digits and - _ . : @ + are allowed"),
        ));
    }
    Ok(())
}

pub(super) fn check_reasons(field: &str, reasons: &[String], max: u32) -> Result<(), ConfigError> {
    if reasons.len() > max as usize {
        return Err(ConfigError::new(
            field,
            format!("{} reasons: at most {max}", reasons.len()),
        ));
    }
    for (i, reason) in reasons.iter().enumerate() {
        check_text(&format!("{field}[{i}]"), reason, false)?;
        if reasons[..i].contains(reason) {
            return Err(ConfigError::new(
                format!("{field}[{i}]"),
                format!("{reason:?} is listed twice"),
            ));
        }
    }
    Ok(())
}
