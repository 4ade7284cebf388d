//! OpenAPI schemas (feature `openapi`) for values whose Rust type says less than the engine
//! checks: an id is a `String` in Rust but 1–64 characters of a small alphabet on the wire; an
//! offer time-out is a `u64` but 15–300 s. Fields name these with `schema(value_type = …)`, so
//! the document states the same bounds that validation enforces (`config::check_id`,
//! `check_text`, …), and generated clients and fuzzers send what the engine accepts.

use crate::config::{
    CAPACITY_UNITS, DURATION_MAX_MS, OFFER_TIMEOUT_MAX_MS, OFFER_TIMEOUT_MIN_MS, TEXT_MAX_CHARS,
    UNAVAILABLE_TIMEOUT_MAX_MS, UNAVAILABLE_TIMEOUT_MIN_MS,
};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};

/// The characters of agent, queue, station and disposition ids (`config::check_id`).
pub const ID_PATTERN: &str = "^[A-Za-z0-9._:@+-]{1,64}$";

/// Text shown to people (`config::check_text`): no control characters (U+0000–U+001F,
/// U+007F–U+009F) and at least one character that is not white space.
pub const TEXT_PATTERN: &str =
    "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$";

/// Text that may be empty, still without control characters.
pub const OPTIONAL_TEXT_PATTERN: &str = "^[^\\x00-\\x1f\\x7f-\\x9f]*$";

/// `HH:MM`, 00:00–23:59.
pub const TIME_OF_DAY_PATTERN: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// Declares a unit type whose schema is `$build` and whose component name is the type's.
macro_rules! schema_type {
    ($(#[$doc:meta])* $name:ident => $build:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let builder: ObjectBuilder = $build;
                builder.into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

fn integer(description: &str, minimum: u64, maximum: u64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .description(Some(description))
        .minimum(Some(minimum as f64))
        .maximum(Some(maximum as f64))
}

/// The schema of an agent, queue or station id (the types in `ids` use it).
pub(crate) fn id_schema(description: &str) -> RefOr<Schema> {
    string(description)
        .pattern(Some(ID_PATTERN))
        .min_length(Some(1))
        .max_length(Some(64))
        .examples(["sales"])
        .into()
}

schema_type!(
    /// A name for people: 1–200 characters, not blank, no control characters.
    Text => string("Text for people: 1–200 characters, not only white space, no control characters.")
        .pattern(Some(TEXT_PATTERN))
        .min_length(Some(1))
        .max_length(Some(TEXT_MAX_CHARS))
);

schema_type!(
    /// Text that may be empty: at most 200 characters, no control characters.
    OptionalText => string("At most 200 characters, no control characters; may be empty.")
        .pattern(Some(OPTIONAL_TEXT_PATTERN))
        .max_length(Some(TEXT_MAX_CHARS))
);

schema_type!(
    /// A disposition code: the alphabet of ids.
    DispositionCode => string("1–64 letters, digits or - _ . : @ +.")
        .pattern(Some(ID_PATTERN))
        .min_length(Some(1))
        .max_length(Some(64))
        .examples(["sale"])
);

schema_type!(
    /// An offer time-out in milliseconds: 15–300 s.
    OfferTimeoutMs => integer("Milliseconds, 15,000–300,000 (15–300 s).", OFFER_TIMEOUT_MIN_MS, OFFER_TIMEOUT_MAX_MS)
);

schema_type!(
    /// An unavailable time-out in milliseconds: 30–720 minutes.
    UnavailableTimeoutMs => integer("Milliseconds, 1,800,000–43,200,000 (30–720 minutes).", UNAVAILABLE_TIMEOUT_MIN_MS, UNAVAILABLE_TIMEOUT_MAX_MS)
);

schema_type!(
    /// Capacity units a channel costs, out of 100.
    CapacityUnits => integer("Capacity units out of 100 (1–100).", 1, u64::from(CAPACITY_UNITS))
);

schema_type!(
    /// A duration in milliseconds, at most 30 days.
    DurationMs => integer("Milliseconds, at most 30 days.", 0, DURATION_MAX_MS)
);

schema_type!(
    /// A calendar date.
    Date => string("A date, YYYY-MM-DD.")
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
);

schema_type!(
    /// A phone number as written, in a form the do-not-call list reads (`dnc::normalize`).
    PhoneNumber => string("A phone number: `+` or `00` and 1–15 digits (E.164), or 1–15 digits without a country code; spaces, dashes, dots and parentheses anywhere. Compared in its normal form (`+3612345678`).")
        .pattern(Some(crate::dnc::PATTERN))
        .min_length(Some(1))
        .max_length(Some(crate::dnc::CHARS_MAX))
        .examples(["+36 1 234 5678"])
);

schema_type!(
    /// A local time of day.
    TimeOfDay => string("A local time of day, HH:MM (00:00–23:59).")
        .pattern(Some(TIME_OF_DAY_PATTERN))
        .examples(["08:00"])
);

/// Unavailable reasons (settings or an agent's): distinct texts, at most 64
/// (`limits.unavailable_reasons_max`'s default).
pub struct UnavailableReasons;

impl utoipa::PartialSchema for UnavailableReasons {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Text")))
            .max_items(Some(64))
            .unique_items(true)
            .description(Some(
                "Reasons an agent may give with break or back_office, e.g. \"Lunch\"; each once.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for UnavailableReasons {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push(("Text".into(), <Text as utoipa::PartialSchema>::schema()));
    }
}
