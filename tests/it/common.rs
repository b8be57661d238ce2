//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use revsim::engine::{self, QuantileChoice, RunOptions, RunResult, Silent};
use revsim::report::{self, Report};
use revsim::scenario::Scenario;

/// The project's root, where `scenarios/` lives.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn base() -> Scenario {
    Scenario::load(&root().join("scenarios/base.toml")).expect("base scenario is valid")
}

pub fn parse(text: &str) -> Scenario {
    match Scenario::parse(text, "test.toml") {
        Ok(s) => s,
        Err(e) => panic!("scenario should be valid:\n{e}"),
    }
}

pub fn options(paths: u64, seed: u64, threads: usize) -> RunOptions {
    RunOptions {
        paths,
        seed,
        threads,
        quantiles: QuantileChoice::Auto,
    }
}

pub fn run(scenario: &Scenario, options: &RunOptions) -> RunResult {
    engine::run(scenario, options, &Silent).expect("run finishes")
}

pub fn report(scenario: &Scenario, options: &RunOptions) -> Report {
    report::build(scenario, &run(scenario, options))
}

/// The report as JSON with the timing keys (which differ run to run) and
/// the thread count removed.
pub fn json_without_timing(report: &Report) -> String {
    let mut value = serde_json::to_value(report).expect("report serialises");
    if let Some(map) = value.as_object_mut() {
        for key in ["elapsed_seconds", "paths_per_second", "threads"] {
            map.remove(key);
        }
    }
    serde_json::to_string(&value).expect("value serialises")
}
