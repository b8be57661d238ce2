//! A scenario file through parse and validation; whatever is accepted
//! must also run, and its report must hold only finite numbers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revsim::engine::{RunOptions, Silent};
use revsim::scenario::Scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = Scenario::parse(text, "fuzz.toml") else {
        return;
    };
    let mut options = RunOptions::from_scenario(&scenario);
    options.paths = 64;
    options.threads = 1;
    let result = revsim::engine::run(&scenario, &options, &Silent).expect("a valid scenario runs");
    let report = revsim::report::build(&scenario, &result);
    if let Some(path) = revsim::report::first_non_finite(&report) {
        panic!("{path} is not finite for:\n{text}");
    }
});
