//! docs/engine.md has a row for every major code of the catalog, and each row's evidence
//! holds: a scenario whose trace closes a contact with that major, a rule test that names it,
//! or — for a code the engine never produces — no engine source that names it.

use std::path::{Path, PathBuf};
use switchboard_core::closure::MAJOR_CODES;

const SECTION: &str = "### Every major code of the catalog";

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The table rows of the section: (major, name, evidence).
fn rows() -> Vec<(u16, String, String)> {
    let doc = read(&crate_dir().join("../../docs/engine.md"));
    let start = doc
        .find(SECTION)
        .unwrap_or_else(|| panic!("docs/engine.md has no section {SECTION:?}"));
    doc[start..]
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2) // header and separator
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), 4, "row {line:?} has four cells");
            let major = cells[0]
                .parse()
                .unwrap_or_else(|_| panic!("row {line:?} starts with a major code"));
            (major, cells[1].to_string(), cells[3].to_string())
        })
        .collect()
}

/// Every `.rs` file under the engine's source, except the catalog itself.
fn engine_sources() -> Vec<(PathBuf, String)> {
    let mut pending = vec![crate_dir().join("src")];
    let mut files = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "closure.rs")
            {
                let text = read(&path);
                files.push((path, text));
            }
        }
    }
    files
}

#[test]
fn every_major_code_has_one_row_in_the_same_order_as_the_catalog() {
    let rows = rows();
    let documented: Vec<(u16, &str)> = rows.iter().map(|(m, n, _)| (*m, n.as_str())).collect();
    let catalog: Vec<(u16, &str)> = MAJOR_CODES
        .iter()
        .map(|c| (c.id, c.internal_name))
        .collect();
    assert_eq!(documented, catalog);
}

#[test]
fn every_row_has_evidence_that_holds() {
    let snapshots = crate_dir().join("tests/snapshots");
    let rules = read(&crate_dir().join("tests/rules.rs"));
    let sources = engine_sources();
    for (major, name, evidence) in rows() {
        if let Some(scenario) = evidence.strip_suffix(".toml") {
            let snapshot = snapshots.join(format!("scenarios__scenarios@{scenario}.toml.snap"));
            let trace = read(&snapshot);
            let closed = format!("closed ({major} {name}, ");
            assert!(
                trace.contains(&closed),
                "{major} {name}: {} has no line with {closed:?}",
                snapshot.display()
            );
        } else if evidence == "rules.rs" {
            let code = format!("({major}, ");
            assert!(
                rules.contains(&code),
                "{major} {name}: rules.rs never shows {code:?}"
            );
        } else {
            assert_eq!(
                evidence, "—",
                "{major} {name}: unknown evidence {evidence:?}"
            );
            let constant = format!("Major::{name}");
            for (path, text) in &sources {
                assert!(
                    !text.contains(&constant),
                    "{major} {name} is documented as unreachable, but {} names {constant}",
                    path.display()
                );
            }
        }
    }
}
