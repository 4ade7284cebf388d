//! Running the binary's offline commands (`switchboard sim`, `switchboard erlang`): no
//! server, only what the command prints and its exit status.

// Each test crate that includes this module uses part of it.
#![allow(dead_code)]

use std::process::{Command, Output};

/// `switchboard ARGS`, run to its end.
pub fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .output()
        .expect("the switchboard binary runs")
}

/// `switchboard COMMAND ARGS`, which must succeed silently on stderr; its stdout.
pub fn succeed(command: &str, args: &[&str]) -> String {
    let mut all = vec![command];
    all.extend_from_slice(args);
    let output = switchboard(&all);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{all:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{all:?} wrote to stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// `switchboard COMMAND ARGS`, which must fail as bad input: exit status 2, nothing on
/// stdout, exactly one line on stderr. That line.
pub fn bad_input(command: &str, args: &[&str]) -> String {
    let mut all = vec![command];
    all.extend_from_slice(args);
    let output = switchboard(&all);
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert_eq!(output.status.code(), Some(2), "{all:?}: {stderr}");
    assert!(output.stdout.is_empty(), "{all:?} wrote to stdout");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{all:?}: not one line: {stderr:?}"
    );
    assert!(stderr.ends_with('\n'), "{all:?}: {stderr:?}");
    stderr
}
