//! Black-box tests of `switchboard codes`: the real binary, its stdout, stderr
//! and exit status.

use std::process::{Command, Output, Stdio};

const HEADER: [&str; 5] = ["Level", "ID", "Internal_Name", "Name", "Description"];

fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .output()
        .expect("the switchboard binary runs")
}

/// Runs a command that must succeed and returns its stdout.
fn stdout_of(args: &[&str]) -> String {
    let output = switchboard(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stderr.is_empty(), "{args:?} wrote to stderr");
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// Parses delimited output into its header and records.
fn parse(text: &str, delimiter: u8) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let header = reader.headers().expect("a header line").clone();
    let records = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .expect("well-formed records");
    (header, records)
}

/// The record for (level, id).
fn row<'a>(records: &'a [csv::StringRecord], level: &str, id: u16) -> &'a csv::StringRecord {
    let id = id.to_string();
    records
        .iter()
        .find(|record| &record[0] == level && record[1] == id)
        .unwrap_or_else(|| panic!("no {level} {id} row"))
}

/// A usage error: exit status 2, nothing on stdout, exactly one line on stderr.
fn assert_usage_error(args: &[&str]) -> String {
    let output = switchboard(args);
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    assert!(output.stdout.is_empty(), "{args:?} wrote to stdout");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr:?}");
    assert!(stderr.ends_with('\n'), "{args:?}: {stderr:?}");
    assert!(
        stderr.starts_with("switchboard: error: "),
        "{args:?}: {stderr:?}"
    );
    stderr
}

#[test]
fn hungarian_csv_has_a_header_and_47_rows_with_verbatim_names() {
    let text = stdout_of(&["codes", "--lang", "hu", "--format", "csv"]);
    assert!(text.starts_with("Level,ID,Internal_Name,Name,Description\n"));
    let (header, records) = parse(&text, b',');
    assert_eq!(header.iter().collect::<Vec<_>>(), HEADER);
    assert_eq!(records.len(), 47);
    assert_eq!(records.iter().filter(|r| &r[0] == "major").count(), 22);
    assert_eq!(records.iter().filter(|r| &r[0] == "minor").count(), 25);
    assert!(records[..22].iter().all(|r| &r[0] == "major"));

    let hungarian = [
        ("major", 33, "Sikertelen hívás - nincs válasz"),
        ("major", 36, "Agent nem teljesítette a feladatot"),
        ("major", 38, "Routing hiba - bejövő"),
        ("major", 40, "Átirányítás során vesztett hívás"),
        ("major", 59, "Wrapup idő túllépés"),
        (
            "major",
            62,
            "Bejövő feladatok felfüggesztése Parkolt állapot miatt",
        ),
        ("minor", 1, "Nincs erőforrás"),
        ("minor", 7, "Nincs ügynök"),
        ("minor", 22, "Visszahívási kérelem a sorban"),
        ("minor", 23, "Ünnepnap"),
        ("minor", 26, "Prediktív hívások optimalizálása"),
    ];
    for (level, id, name) in hungarian {
        assert_eq!(&row(&records, level, id)[3], name, "{level} {id}");
    }
    // The internal name does not change with the language.
    assert_eq!(&row(&records, "minor", 22)[2], "MINOR_QUEUECALLBACK");
}

#[test]
fn csv_quotes_descriptions_that_contain_commas() {
    // No name in the seed contains a comma or a quote; some descriptions do.
    let text = stdout_of(&["codes", "--lang", "hu"]);
    let nuisance =
        "Predictive calls that are answered by the customer, but not handled by an agent.";
    assert!(text.contains(&format!(
        "minor,25,MINOR_NUISANCE,Zaklató hívás,\"{nuisance}\"\n"
    )));
    let (_, records) = parse(&text, b',');
    assert_eq!(&row(&records, "minor", 25)[4], nuisance);
    assert!(row(&records, "major", 36)[4].ends_with(
        "reserves and agent for a given interaction, but the agent becomes unavailable for the given media (break, sign out)."
    ));
}

#[test]
fn english_names_are_major_internal_names_and_minor_report_names() {
    let text = stdout_of(&["codes", "--lang", "en", "--format", "csv"]);
    let (_, records) = parse(&text, b',');
    assert_eq!(records.len(), 47);
    for record in &records[..22] {
        assert_eq!(&record[3], &record[2], "major {}", &record[1]);
    }
    let abandoned = row(&records, "minor", 12);
    assert_eq!(&abandoned[2], "MINOR_ABANDONED");
    assert_eq!(&abandoned[3], "Abandoned in Queue");
    assert_eq!(&row(&records, "minor", 0)[3], "Unknown");
    assert_eq!(&row(&records, "minor", 22)[3], "Callback Request in Queue");
    assert_eq!(&row(&records, "major", 48)[3], "OK_CLOSE");
    assert_eq!(&row(&records, "major", 62)[3], "ROUTE_SESSION_PARKED");
}

#[test]
fn defaults_are_english_csv() {
    assert_eq!(
        stdout_of(&["codes"]),
        stdout_of(&["codes", "--lang", "en", "--format", "csv"])
    );
}

#[test]
fn tsv_is_tab_separated() {
    let text = stdout_of(&["codes", "--format", "tsv", "--lang", "hu"]);
    assert_eq!(
        text.lines().next(),
        Some("Level\tID\tInternal_Name\tName\tDescription")
    );
    assert!(text.contains("minor\t12\tMINOR_ABANDONED\tSorban eldobott\t"));
    let (header, records) = parse(&text, b'\t');
    assert_eq!(header.iter().collect::<Vec<_>>(), HEADER);
    assert_eq!(records.len(), 47);
    assert!(records.iter().all(|record| record.len() == 5));
}

#[test]
fn json_is_an_array_of_47_objects_keyed_by_column() {
    let text = stdout_of(&["codes", "--format", "json", "--lang", "hu"]);
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let rows = value.as_array().expect("an array");
    assert_eq!(rows.len(), 47);
    let mut expected_keys = HEADER;
    expected_keys.sort_unstable();
    for row in rows {
        let object = row.as_object().expect("an object");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, expected_keys);
    }
    assert_eq!(
        rows[22],
        serde_json::json!({
            "Level": "minor",
            "ID": 0,
            "Internal_Name": "MINOR_DEFAULT",
            "Name": "Ismeretlen",
            "Description": "Default reason code",
        })
    );
    assert_eq!(rows[4]["ID"], 36);
    assert_eq!(rows[4]["Name"], "Agent nem teljesítette a feladatot");
}

#[test]
fn an_unknown_flag_is_a_one_line_usage_error() {
    let stderr = assert_usage_error(&["codes", "--bogus"]);
    assert!(stderr.contains("'--bogus'"), "{stderr:?}");
}

#[test]
fn an_unknown_language_is_a_one_line_usage_error() {
    let stderr = assert_usage_error(&["codes", "--lang", "de"]);
    assert_eq!(
        stderr,
        "switchboard: error: invalid value 'de' for '--lang <LANG>' [possible values: en, hu]\n"
    );
}

#[test]
fn an_unknown_format_is_a_one_line_usage_error() {
    let stderr = assert_usage_error(&["codes", "--format", "xml"]);
    assert!(stderr.contains("'xml'"), "{stderr:?}");
}

#[test]
fn unknown_missing_or_extra_commands_are_one_line_usage_errors() {
    let stderr = assert_usage_error(&["nope"]);
    assert!(stderr.contains("'nope'"), "{stderr:?}");
    let stderr = assert_usage_error(&[]);
    assert!(stderr.contains("requires a subcommand"), "{stderr:?}");
    assert_usage_error(&["codes", "extra"]);
    assert_usage_error(&["codes", "--lang"]);
}

#[test]
fn help_and_version_succeed() {
    let help = stdout_of(&["codes", "--help"]);
    assert!(help.contains("--lang"));
    assert!(help.contains("--format"));
    assert!(stdout_of(&["--help"]).contains("codes"));
    assert!(stdout_of(&["help", "codes"]).contains("--lang"));
    assert!(stdout_of(&["--version"]).starts_with("switchboard "));
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    for format in ["csv", "tsv", "json"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["codes", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the switchboard binary runs");
        // Close the read end at once, like `switchboard codes | head -0`.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("the binary exits");
        assert_eq!(output.status.code(), Some(0), "{format}");
        assert!(
            output.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
