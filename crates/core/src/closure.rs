//! The closure-code catalog: the technical (major, minor) codes recorded when a
//! contact closes (docs/engine.md, "Closure codes"; seed 001 "Contact Expert Technical Closure
//! Codes").
//!
//! The catalog is data, copied verbatim from the seed's two tables: 22 major
//! (reason) codes and 25 minor codes, each with its id, internal name, description,
//! name in reports (minor codes only) and Hungarian name. Technical codes are
//! assigned by the engine, never picked by an agent; the business outcome an agent
//! picks is a *disposition*, which lives elsewhere.
//!
//! - [`MAJOR_CODES`] / [`MINOR_CODES`] are the tables in seed order; [`major`] and
//!   [`minor`] look a code up by id.
//! - [`Major`] / [`Minor`] are the ids the engine stores, with one named constant
//!   per code (`Major::OK_CLOSE`, `Minor::QUEUETIMELIM`, ...); [`ClosureCode`] is
//!   the pair recorded on a closed contact.
//! - [`Lang`] picks the names shown in reports: in `en` the internal name of a
//!   major code and the report name of a minor code, in `hu` the Hungarian names.
//! - [`catalog`] yields the whole catalog as [`CatalogRow`]s for the CLI
//!   (`switchboard codes`) and the HTTP API (`GET /v1/closure-codes`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

/// What a major code does to the session (the contact's work item), as the
/// seed's description states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum SessionOutcome {
    /// "Session closed": the session is finished; no further attempt is made.
    Closed,
    /// "Session rescheduled": the session is kept and tried again later.
    Rescheduled,
    /// "Session initiated": the session goes back to its initial state, ready to
    /// be routed again.
    Initiated,
    /// Session state SUSPEND (3): one phase of a connection-less interaction is
    /// done and the session waits for the next one.
    Suspended,
    /// Session state CALLBACK (4): a reschedule/callback on a later date was asked for.
    Callback,
    /// The task, or the contact record, is in Parked status: it is not
    /// distributed until it leaves that state.
    Parked,
    /// The contact record was inactivated by the contact-list import logic.
    Inactivated,
}

impl SessionOutcome {
    /// The lowercase name, as serialized: `"closed"`, `"rescheduled"`, ...
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for SessionOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the seed's "Major Reason Codes" table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MajorCode {
    pub id: u16,
    /// The seed's "Internal Name", e.g. `OK_CLOSE`; the report name in `en`.
    pub internal_name: &'static str,
    pub description: &'static str,
    /// The report name in `hu`.
    pub hungarian: &'static str,
    /// What the code does to the session.
    pub outcome: SessionOutcome,
}

impl MajorCode {
    /// The name shown in reports: the internal name in `en`, the Hungarian name in `hu`.
    pub const fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.internal_name,
            Lang::Hu => self.hungarian,
        }
    }
}

/// One row of the seed's "Minor Reason Codes" table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MinorCode {
    pub id: u16,
    /// The seed's "Internal Name", e.g. `MINOR_QUEUETIMELIM`.
    pub internal_name: &'static str,
    pub description: &'static str,
    /// The seed's "Name in Reports"; the report name in `en`.
    pub report_name: &'static str,
    /// The report name in `hu`.
    pub hungarian: &'static str,
}

impl MinorCode {
    /// The name shown in reports: the report name in `en`, the Hungarian name in `hu`.
    pub const fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.report_name,
            Lang::Hu => self.hungarian,
        }
    }
}

/// A major code id, as stored by the engine. Ids outside the catalog can be
/// represented (e.g. read back from old data); [`Major::info`] then gives `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Major(pub u16);

impl Major {
    /// The catalog entry of this code, `None` if the id is not in the catalog.
    pub fn info(self) -> Option<&'static MajorCode> {
        major(self.0)
    }
}

/// A minor code id, as stored by the engine. Ids outside the catalog can be
/// represented; [`Minor::info`] then gives `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Minor(pub u16);

impl Minor {
    /// The catalog entry of this code, `None` if the id is not in the catalog.
    pub fn info(self) -> Option<&'static MinorCode> {
        minor(self.0)
    }
}

/// The (major, minor) pair recorded on every closed contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClosureCode {
    pub major: Major,
    pub minor: Minor,
}

impl ClosureCode {
    pub const fn new(major: Major, minor: Minor) -> Self {
        ClosureCode { major, minor }
    }
}

/// The major code with this id, if the catalog has one.
pub fn major(id: u16) -> Option<&'static MajorCode> {
    // The table is in ascending id order (checked by a test).
    MAJOR_CODES
        .binary_search_by_key(&id, |code| code.id)
        .ok()
        .map(|index| &MAJOR_CODES[index])
}

/// The minor code with this id, if the catalog has one.
pub fn minor(id: u16) -> Option<&'static MinorCode> {
    // The table is in ascending id order (checked by a test).
    MINOR_CODES
        .binary_search_by_key(&id, |code| code.id)
        .ok()
        .map(|index| &MINOR_CODES[index])
}

/// The language of names in reports.
// `VARIANTS` lists them in the order they are listed to users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[derive(IntoStaticStr, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum Lang {
    En,
    Hu,
}

impl Lang {
    /// The language code: `"en"` or `"hu"`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = ParseLangError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Lang::VARIANTS
            .iter()
            .copied()
            .find(|lang| lang.as_str() == value)
            .ok_or_else(|| ParseLangError {
                value: value.to_owned(),
            })
    }
}

/// A language code that is not `en` or `hu`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid language '{value}' (expected one of: en, hu)")]
pub struct ParseLangError {
    value: String,
}

impl ParseLangError {
    /// The rejected value.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// Whether a catalog row is a major or a minor code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[derive(IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum Level {
    Major,
    Minor,
}

impl Level {
    /// `"major"` or `"minor"`, as serialized.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One row of the catalog as the CLI and the API show it. Serialized field
/// names are the column names: `Level, ID, Internal_Name, Name, Description`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogRow {
    #[serde(rename = "Level")]
    pub level: Level,
    #[serde(rename = "ID")]
    pub id: u16,
    #[serde(rename = "Internal_Name")]
    pub internal_name: &'static str,
    /// The report name in the requested language (see [`MajorCode::name`],
    /// [`MinorCode::name`]).
    #[serde(rename = "Name")]
    pub name: &'static str,
    #[serde(rename = "Description")]
    pub description: &'static str,
}

/// The whole catalog: all major codes, then all minor codes (47 rows), each in
/// seed order, with names in `lang`.
pub fn catalog(lang: Lang) -> impl Iterator<Item = CatalogRow> {
    let majors = MAJOR_CODES.iter().map(move |code| CatalogRow {
        level: Level::Major,
        id: code.id,
        internal_name: code.internal_name,
        name: code.name(lang),
        description: code.description,
    });
    let minors = MINOR_CODES.iter().map(move |code| CatalogRow {
        level: Level::Minor,
        id: code.id,
        internal_name: code.internal_name,
        name: code.name(lang),
        description: code.description,
    });
    majors.chain(minors)
}

/// Defines [`MAJOR_CODES`] and one `Major` constant per row, so the two cannot
/// drift apart. Row: `id NAME => Outcome, "description", "hungarian";`.
macro_rules! major_codes {
    ($($id:literal $name:ident => $outcome:ident, $description:literal, $hungarian:literal;)*) => {
        /// The 22 major (reason) codes, verbatim from the seed, in its order
        /// (ascending id).
        pub const MAJOR_CODES: &[MajorCode] = &[$(
            MajorCode {
                id: $id,
                internal_name: stringify!($name),
                description: $description,
                hungarian: $hungarian,
                outcome: SessionOutcome::$outcome,
            },
        )*];

        impl Major {
            $(
                #[doc = concat!("`", stringify!($name), "` (", stringify!($id), "): ", $description)]
                pub const $name: Major = Major($id);
            )*
        }

        /// Every named `Major` constant, for tests.
        #[cfg(test)]
        const NAMED_MAJORS: &[(Major, &str)] = &[$((Major::$name, stringify!($name))),*];
    };
}

/// Defines [`MINOR_CODES`] and one `Minor` constant per row, named after the
/// internal name without its `MINOR_` prefix. Row:
/// `id NAME, "description", "name in reports", "hungarian";`.
macro_rules! minor_codes {
    ($($id:literal $name:ident, $description:literal, $report_name:literal, $hungarian:literal;)*) => {
        /// The 25 minor codes, verbatim from the seed, in its order (ascending id).
        pub const MINOR_CODES: &[MinorCode] = &[$(
            MinorCode {
                id: $id,
                internal_name: concat!("MINOR_", stringify!($name)),
                description: $description,
                report_name: $report_name,
                hungarian: $hungarian,
            },
        )*];

        impl Minor {
            $(
                #[doc = concat!("`MINOR_", stringify!($name), "` (", stringify!($id), "): ", $description)]
                pub const $name: Minor = Minor($id);
            )*
        }

        /// Every named `Minor` constant with its internal name, for tests.
        #[cfg(test)]
        const NAMED_MINORS: &[(Minor, &str)] =
            &[$((Minor::$name, concat!("MINOR_", stringify!($name)))),*];
    };
}

// Seed table "Major Reason Codes". Cells are trimmed; text is otherwise verbatim,
// including the seed's typos and inconsistent final periods.
major_codes! {
    32 FAILED_UNKNOWN => Closed,
        "Unknown reason. Session closed. Both inbound and outbound campaigns.",
        "Ismeretlen ok";
    33 FAILED_DESTINATION => Rescheduled,
        "Remote party cannot be reached via its destinations. Session rescheduled. Outbound campaigns.",
        "Sikertelen hívás - nincs válasz";
    34 FAILED_NOGATEWAY => Initiated,
        "No gateway to generate outbound call request. Session initiated.",
        "Gateway hiba";
    35 FAILED_MAKECALL => Closed,
        "Make call procedure cannot be performed. Session closed. Outbound campaigns.",
        "Hívás nem indítható";
    36 FAILED_NO_RESOURCE => Initiated,
        "The assigned agent cannot serve the request. Session initiated. Both inbound queues and outbound campaigns. This reason code is applied when Contact Expert reserves and agent for a given interaction, but the agent becomes unavailable for the given media (break, sign out).",
        "Agent nem teljesítette a feladatot";
    // why: the seed states no outcome. The customer dropped the request, so nothing
    // is left to route or retry: closed.
    37 FAILED_ABANDONED_AT_AGENT => Closed,
        "Abandoned while connecting with agent. Request is dropped by customer while connecting with agent.",
        "Vesztett hívás";
    // why: the seed states no outcome. An inbound call that cannot be routed has
    // failed for good (nobody calls an inbound caller back unasked): closed.
    38 FAILED_ROUTE_INBOUND => Closed,
        "The inbound call cannot be routed to agent.",
        "Routing hiba - bejövő";
    // why: the seed states no outcome. The outbound record was answered but the
    // customer was never served, through no fault of theirs, so like 33 (also
    // outbound, also not served) it is kept for a later attempt: rescheduled.
    // Not `Initiated` (immediate re-dial): the customer was just disturbed by a
    // call nobody took.
    39 FAILED_ROUTE_OUTBOUND => Rescheduled,
        "The outbound call is answered by customer but cannot be routed to agent.",
        "Routing hiba - kimenő";
    // why: the seed states no outcome. The customer dropped the call while it was
    // being routed; nothing is left to route: closed.
    40 FAILED_NO_ROUTEREQ => Closed,
        "Call is dropped by customer during the routing procedure.",
        "Átirányítás során vesztett hívás";
    48 OK_CLOSE => Closed,
        "Campaign or queue related interaction finished successfully. Session closed. Both inbound queues and outbound campaigns",
        "Sikeres feladatlezárás";
    49 OK_DISCONNECT => Rescheduled,
        "Call disconnected by called the customer. Session rescheduled. Both inbound and outbound campaign",
        "Megszakadt";
    50 OK_SUSPEND => Suspended,
        "Connection-less media. One phase of the campaign related interaction was finished successfully. Session state was changed to SUSPEND (3). Both inbound and outbound campaign",
        "Felfüggesztett";
    51 OK_CALLBACK => Callback,
        "Operator asked reschedule/callback on a later date. Session state was changed to CALLBACK (4). Both inbound and outbound campaign.",
        "Feladat újraütemezése";
    52 OK_ERROR => Closed,
        "Session is closed due to generic error.",
        "Általános hiba";
    54 OK_CAMPAIGN_CLOSED => Closed,
        "Campaign closed during the call. Session closed. Outbound campaign.",
        "Hívás közbeni kampányzárás";
    55 OK_NO_INTEREST => Closed,
        "The customer is not interested in the campaign. Session closed. Both inbound queues and outbound campaigns.",
        "Többet ne hívjuk";
    57 OK_CALLBACK_TIMEOUT => Closed,
        "Session is closed due to callback request timeout.",
        "Lejárt visszahívás";
    // why: the seed states no outcome. A blacklisted contact must not be contacted
    // again, so the session can be neither retried nor rescheduled: closed.
    58 OK_ON_BLACKLIST => Closed,
        "Contact is on blacklist.",
        "Feketelistás";
    // why: the seed states no outcome. The interaction itself was handled; only
    // the wrap-up ran out of time, so the session ends as with 48 OK_CLOSE: closed.
    59 OK_WRAPUP_TIMEOUT => Closed,
        "Wrapup timeout.",
        "Wrapup idő túllépés";
    60 OK_RECORD_OUTDATED => Inactivated,
        "Contact record is inactivated according to the selected contact list import logic.",
        "Importálás során inaktivált";
    61 OK_PARKED => Parked,
        "Email parked. Email task is in Parked status.",
        "Parkolt";
    62 ROUTE_SESSION_PARKED => Parked,
        "A specific contact record is in parked status. Distribution of new inbound emails from this specific contact is discontinued until the contact record is transitioned from Parked state.",
        "Bejövő feladatok felfüggesztése Parkolt állapot miatt";
}

// Seed table "Minor Reason Codes".
minor_codes! {
    0 DEFAULT,
        "Default reason code",
        "Unknown",
        "Ismeretlen";
    1 NORESOURCE,
        "No available resource",
        "No Resource",
        "Nincs erőforrás";
    2 ANSMACHINE,
        "Answering machine is detected",
        "Answering Machine",
        "Hangposta";
    3 BUSY,
        "The contact is busy",
        "Busy",
        "Foglalt";
    4 FAX,
        "Fax tone is detected",
        "Fax",
        "Fax";
    5 MODEM,
        "Modem tone is detected",
        "Modem",
        "Modem";
    6 NOANSWER,
        "No answer from the contact",
        "No Answer",
        "Nincs válasz";
    7 NOAGENT,
        "No operator available",
        "No Agent",
        "Nincs ügynök";
    8 SIT,
        "Special information tone is detected",
        "Sit Tone",
        "Speciális hang";
    9 INVALIDNUM,
        "Contact phone number or email address is invalid",
        "Invalid Number",
        "Nem létező szám";
    12 ABANDONED,
        "Inbound request is dropped by customer while standing in the queue",
        "Abandoned in Queue",
        "Sorban eldobott";
    13 WRONGNUMBER,
        "Phone number or email address is assigned to incorrect customer",
        "Undesired Party",
        "Nem a kívánt ügyfél";
    14 NOCAMPAIGN,
        "No campaign is found matching the request media type and destination",
        "No Campaign",
        "Nincs kampány";
    15 INACTIVECAMP,
        "Campaign is inactive due to its state or start and end time",
        "Campaign is Inactive",
        "Inaktív kampány";
    16 NOCONTACT,
        "No contact is found matching the request",
        "No Contact",
        "Nincs ügyfél rekord";
    17 QUEUESIZELIM,
        "Predefined queue size limit is reached",
        "Queue Size Limit",
        "Sorhossz limit";
    18 NOCONTROL,
        "Control is lost over the request",
        "No Control",
        "Nincs vezérlés";
    19 QUEUETIMELIM,
        "Predefined queueing time limit is reached",
        "Queue Time Limit",
        "Soridő limit";
    20 ALERTTIMELIM,
        "Predefined operator alerting time limit is reached",
        "Operator Alert Limit",
        "Operátor csörgési limit";
    21 REDIRECTLIM,
        "Maximum hop count is reached",
        "Redirection Limit",
        "Átirányítási limit";
    22 QUEUECALLBACK,
        "Caller asked for callback in inbound queue",
        "Callback Request in Queue",
        "Visszahívási kérelem a sorban";
    23 HOLIDAY,
        "Holiday",
        "Holiday",
        "Ünnepnap";
    24 EMERGENCY,
        "Emergency",
        "Emergency",
        "Vészhelyzet";
    25 NUISANCE,
        "Predictive calls that are answered by the customer, but not handled by an agent.",
        "Nuisance Call",
        "Zaklató hívás";
    26 THROTTLING,
        "Balances the number of predictive calls. When it is not possible to dial out the number of calls predefined based on historical statistics, the system moderates outbound calls.",
        "Throttled Request",
        "Prediktív hívások optimalizálása";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_has_22_major_and_25_minor_codes() {
        assert_eq!(MAJOR_CODES.len(), 22);
        assert_eq!(MINOR_CODES.len(), 25);
        assert_eq!(catalog(Lang::En).count(), 47);
    }

    #[test]
    fn ids_are_unique_and_ascending_so_lookup_can_bisect() {
        assert!(MAJOR_CODES.windows(2).all(|pair| pair[0].id < pair[1].id));
        assert!(MINOR_CODES.windows(2).all(|pair| pair[0].id < pair[1].id));
        for code in MAJOR_CODES {
            assert_eq!(major(code.id), Some(code));
        }
        for code in MINOR_CODES {
            assert_eq!(minor(code.id), Some(code));
        }
    }

    #[test]
    fn ids_missing_from_the_seed_are_not_in_the_catalog() {
        for id in [0, 31, 41, 47, 53, 56, 63] {
            assert_eq!(major(id), None, "major {id}");
        }
        for id in [10, 11, 27] {
            assert_eq!(minor(id), None, "minor {id}");
        }
        assert_eq!(Major(53).info(), None);
        assert_eq!(Minor(10).info(), None);
    }

    #[test]
    fn cells_are_trimmed_and_not_empty() {
        let cells = MAJOR_CODES
            .iter()
            .flat_map(|c| [c.internal_name, c.description, c.hungarian])
            .chain(
                MINOR_CODES
                    .iter()
                    .flat_map(|c| [c.internal_name, c.description, c.report_name, c.hungarian]),
            );
        for cell in cells {
            assert!(!cell.is_empty());
            assert_eq!(cell, cell.trim(), "untrimmed cell {cell:?}");
        }
    }

    #[test]
    fn internal_names_are_unique_and_minor_ones_are_prefixed() {
        let mut names: Vec<&str> = catalog(Lang::En).map(|row| row.internal_name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 47);
        assert!(
            MINOR_CODES
                .iter()
                .all(|c| c.internal_name.starts_with("MINOR_"))
        );
        assert!(
            !MAJOR_CODES
                .iter()
                .any(|c| c.internal_name.starts_with("MINOR_"))
        );
    }

    #[test]
    fn strings_are_verbatim_from_the_seed() {
        let failed_no_resource = major(36).unwrap();
        assert_eq!(failed_no_resource.internal_name, "FAILED_NO_RESOURCE");
        assert_eq!(
            failed_no_resource.hungarian,
            "Agent nem teljesítette a feladatot"
        );
        assert!(
            failed_no_resource
                .description
                .ends_with("reserves and agent for a given interaction, but the agent becomes unavailable for the given media (break, sign out).")
        );
        assert_eq!(major(38).unwrap().hungarian, "Routing hiba - bejövő");
        assert_eq!(
            major(40).unwrap().hungarian,
            "Átirányítás során vesztett hívás"
        );
        assert_eq!(major(51).unwrap().hungarian, "Feladat újraütemezése");
        assert_eq!(major(59).unwrap().hungarian, "Wrapup idő túllépés");
        assert_eq!(
            major(62).unwrap().hungarian,
            "Bejövő feladatok felfüggesztése Parkolt állapot miatt"
        );
        assert_eq!(
            major(48).unwrap().description,
            "Campaign or queue related interaction finished successfully. Session closed. Both inbound queues and outbound campaigns"
        );
        assert_eq!(
            major(49).unwrap().description,
            "Call disconnected by called the customer. Session rescheduled. Both inbound and outbound campaign"
        );

        let queue_callback = minor(22).unwrap();
        assert_eq!(queue_callback.internal_name, "MINOR_QUEUECALLBACK");
        assert_eq!(
            queue_callback.description,
            "Caller asked for callback in inbound queue"
        );
        assert_eq!(queue_callback.report_name, "Callback Request in Queue");
        assert_eq!(queue_callback.hungarian, "Visszahívási kérelem a sorban");
        assert_eq!(minor(0).unwrap().report_name, "Unknown");
        assert_eq!(minor(8).unwrap().report_name, "Sit Tone");
        assert_eq!(minor(12).unwrap().report_name, "Abandoned in Queue");
        assert_eq!(minor(13).unwrap().hungarian, "Nem a kívánt ügyfél");
        assert_eq!(minor(19).unwrap().hungarian, "Soridő limit");
        assert_eq!(minor(23).unwrap().hungarian, "Ünnepnap");
        assert_eq!(
            minor(25).unwrap().description,
            "Predictive calls that are answered by the customer, but not handled by an agent."
        );
    }

    #[test]
    fn every_named_constant_resolves_to_its_own_row() {
        assert_eq!(NAMED_MAJORS.len(), MAJOR_CODES.len());
        for &(code, internal_name) in NAMED_MAJORS {
            assert_eq!(code.info().map(|c| c.internal_name), Some(internal_name));
        }
        assert_eq!(NAMED_MINORS.len(), MINOR_CODES.len());
        for &(code, internal_name) in NAMED_MINORS {
            assert_eq!(code.info().map(|c| c.internal_name), Some(internal_name));
        }
        assert_eq!(Major::FAILED_UNKNOWN, Major(32));
        assert_eq!(Major::OK_CLOSE, Major(48));
        assert_eq!(Major::OK_WRAPUP_TIMEOUT, Major(59));
        assert_eq!(Major::ROUTE_SESSION_PARKED, Major(62));
        assert_eq!(Minor::DEFAULT, Minor(0));
        assert_eq!(Minor::NORESOURCE, Minor(1));
        assert_eq!(Minor::ANSMACHINE, Minor(2));
        assert_eq!(Minor::QUEUETIMELIM, Minor(19));
        assert_eq!(Minor::THROTTLING, Minor(26));
    }

    #[test]
    fn outcomes_follow_what_the_descriptions_state() {
        for code in MAJOR_CODES {
            let d = code.description;
            let stated = if d.contains("Session closed") || d.contains("Session is closed") {
                Some(SessionOutcome::Closed)
            } else if d.contains("Session rescheduled") {
                Some(SessionOutcome::Rescheduled)
            } else if d.contains("Session initiated") {
                Some(SessionOutcome::Initiated)
            } else if d.contains("SUSPEND (3)") {
                Some(SessionOutcome::Suspended)
            } else if d.contains("CALLBACK (4)") {
                Some(SessionOutcome::Callback)
            } else if d.contains("inactivated") {
                Some(SessionOutcome::Inactivated)
            } else if d.contains("Parked status") || d.contains("parked status") {
                Some(SessionOutcome::Parked)
            } else {
                None
            };
            if let Some(stated) = stated {
                assert_eq!(code.outcome, stated, "{}", code.internal_name);
            }
        }
        // The rows the seed is silent on (see the `// why` comments).
        let silent: Vec<u16> = MAJOR_CODES
            .iter()
            .filter(|c| {
                ![
                    "Session",
                    "SUSPEND",
                    "CALLBACK (4)",
                    "inactivated",
                    "arked status",
                ]
                .iter()
                .any(|word| c.description.contains(word))
            })
            .map(|c| c.id)
            .collect();
        assert_eq!(silent, [37, 38, 39, 40, 58, 59]);
    }

    #[test]
    fn report_names_depend_on_the_language() {
        let ok_close = Major::OK_CLOSE.info().unwrap();
        assert_eq!(ok_close.name(Lang::En), "OK_CLOSE");
        assert_eq!(ok_close.name(Lang::Hu), "Sikeres feladatlezárás");
        let abandoned = Minor::ABANDONED.info().unwrap();
        assert_eq!(abandoned.name(Lang::En), "Abandoned in Queue");
        assert_eq!(abandoned.name(Lang::Hu), "Sorban eldobott");
    }

    #[test]
    fn catalog_lists_majors_then_minors_with_names_in_the_language() {
        let rows: Vec<CatalogRow> = catalog(Lang::Hu).collect();
        assert!(rows[..22].iter().all(|row| row.level == Level::Major));
        assert!(rows[22..].iter().all(|row| row.level == Level::Minor));
        assert_eq!(
            rows[0],
            CatalogRow {
                level: Level::Major,
                id: 32,
                internal_name: "FAILED_UNKNOWN",
                name: "Ismeretlen ok",
                description: "Unknown reason. Session closed. Both inbound and outbound campaigns.",
            }
        );
        let en: Vec<CatalogRow> = catalog(Lang::En).collect();
        assert_eq!(en[0].name, "FAILED_UNKNOWN");
        let minor_12 = en
            .iter()
            .find(|row| row.level == Level::Minor && row.id == 12)
            .unwrap();
        assert_eq!(minor_12.name, "Abandoned in Queue");
        assert_eq!(minor_12.internal_name, "MINOR_ABANDONED");
    }

    #[test]
    fn catalog_rows_serialize_with_the_column_names() {
        let row = catalog(Lang::En).nth(22).unwrap();
        let json = serde_json::to_value(row).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "Level": "minor",
                "ID": 0,
                "Internal_Name": "MINOR_DEFAULT",
                "Name": "Unknown",
                "Description": "Default reason code",
            })
        );
    }

    #[test]
    fn lang_parses_en_and_hu_only() {
        for lang in [Lang::En, Lang::Hu] {
            assert_eq!(lang.as_str().parse::<Lang>(), Ok(lang));
            assert_eq!(
                serde_json::to_value(lang).unwrap(),
                serde_json::json!(lang.as_str())
            );
        }
        let error = "de".parse::<Lang>().unwrap_err();
        assert_eq!(error.value(), "de");
        assert_eq!(
            error.to_string(),
            "invalid language 'de' (expected one of: en, hu)"
        );
        assert!("EN".parse::<Lang>().is_err());
        assert_eq!(
            Lang::VARIANTS
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>(),
            ["en", "hu"]
        );
    }

    #[test]
    fn codes_serialize_as_plain_numbers_and_outcomes_as_snake_case() {
        let code = ClosureCode::new(Major::FAILED_NO_ROUTEREQ, Minor::ABANDONED);
        let json = serde_json::to_value(code).unwrap();
        assert_eq!(json, serde_json::json!({ "major": 40, "minor": 12 }));
        assert_eq!(serde_json::from_value::<ClosureCode>(json).unwrap(), code);
        for code in MAJOR_CODES {
            assert_eq!(
                serde_json::to_value(code.outcome).unwrap(),
                serde_json::json!(code.outcome.as_str())
            );
        }
        assert_eq!(Level::Major.as_str(), "major");
        assert_eq!(Level::Minor.as_str(), "minor");
    }
}
