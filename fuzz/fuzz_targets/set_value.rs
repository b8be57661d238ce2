//! A `--set PATH=VALUE` on the base scenario: refused with a message or
//! accepted, never a panic; what is accepted leaves a valid scenario,
//! which one in 64 inputs also runs (its report holding only finite
//! numbers), so that most of the time goes to the parser.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use revsim::engine::{RunOptions, Silent};
use revsim::scenario::Scenario;

fn base() -> &'static Scenario {
    static BASE: OnceLock<Scenario> = OnceLock::new();
    BASE.get_or_init(|| {
        let text = include_str!("../../scenarios/base.toml");
        Scenario::parse(text, "base.toml").expect("the base scenario is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(assignment) = std::str::from_utf8(data) else {
        return;
    };
    let mut scenario = base().clone();
    if let Err(e) = scenario.set_assignment(assignment) {
        let _ = e.to_string();
        return;
    }
    if data.len() % 64 != 0 {
        return;
    }
    let mut options = RunOptions::from_scenario(&scenario);
    options.paths = 64;
    options.threads = 1;
    let result = revsim::engine::run(&scenario, &options, &Silent).expect("a valid scenario runs");
    let report = revsim::report::build(&scenario, &result);
    if let Some(path) = revsim::report::first_non_finite(&report) {
        panic!("{path} is not finite after --set {assignment}");
    }
});
