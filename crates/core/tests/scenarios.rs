//! Data-driven scenario tests: each `scenarios/*.toml` is configuration plus timed commands;
//! the event trace, connector requests and final state are compared with a snapshot. Every
//! step also checks the engine invariants, and every run checks that replaying its journal
//! rebuilds the same state.

mod support;

#[test]
fn scenarios() {
    insta::glob!("scenarios/*.toml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let output = support::run_scenario(&text);
        insta::assert_snapshot!(output);
    });
}
