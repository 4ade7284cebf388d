//! The README's commands run as written. Its report example used `--from last-7-days` on a
//! simulated day in March 2026, which is empty on any later date, silently.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use support::BIN;

/// The lines of the fenced block that follows the paragraph starting with `intro`.
fn block_after(readme: &str, intro: &str) -> Vec<String> {
    let start = readme
        .find(intro)
        .unwrap_or_else(|| panic!("no {intro:?} in the README"));
    let rest = &readme[start..];
    let open = rest.find("```sh\n").expect("a shell block") + "```sh\n".len();
    let close = rest[open..].find("```").expect("the end of the block");
    rest[open..open + close]
        .lines()
        .map(str::to_string)
        .collect()
}

/// "Reports on a simulated day": `sim --data` and then `report` on the simulated date, each
/// line exactly as the README has it, from a directory laid out like the repository's root.
/// The report has rows, as many as the refusals the simulator counted.
#[test]
fn the_readme_sim_and_report_commands_give_rows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let commands = block_after(&readme, "Reports on a simulated day");
    assert_eq!(commands.len(), 2, "{commands:?}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("examples")).unwrap();
    std::fs::copy(
        root.join("examples/support-day.toml"),
        dir.path().join("examples/support-day.toml"),
    )
    .unwrap();
    let mut outputs = Vec::new();
    for command in &commands {
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words[0], "switchboard", "{command}");
        let output = Command::new(BIN)
            .args(&words[1..])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run the switchboard binary");
        assert!(
            output.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        outputs.push(String::from_utf8(output.stdout).unwrap());
    }
    let (table, report) = (&outputs[0], &outputs[1]);
    // sim prints the range and the report options that the README's report uses.
    let hint = table
        .lines()
        .find(|l| l.starts_with("reports on it (with --data): "))
        .unwrap_or_else(|| panic!("no report hint in:\n{table}"));
    let option = |name: &str| {
        let words: Vec<&str> = hint.split_whitespace().collect();
        let at = words.iter().position(|w| *w == name).expect(name);
        format!("{name} {}", words[at + 1])
    };
    for name in ["--from", "--tz"] {
        let given = option(name);
        assert!(
            commands[1].contains(&given),
            "{} lacks {given}",
            commands[1]
        );
    }
    let refusals: usize = table
        .lines()
        .find(|l| l.starts_with("all queues"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .expect("the refusals of all queues");
    let rows = report.lines().count() - 1; // the header
    assert!(rows > 0, "the README's report is empty:\n{report}");
    assert_eq!(rows, refusals, "{report}");
}
