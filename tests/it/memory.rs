//! A run's memory does not grow with its paths: with sketched quantiles,
//! ten million paths fit in what a hundred thousand need.

use std::process::Command;

use crate::common::root;

/// Peak resident memory, in KiB, of `simulate` on the base scenario.
fn peak_kib(paths: u64) -> u64 {
    let output = Command::new(env!("CARGO_BIN_EXE_simulate"))
        .arg(root().join("scenarios/base.toml"))
        .args(["--paths", &paths.to_string()])
        .args(["--quantiles", "sketch", "--quiet", "--format", "json"])
        .env("REVSIM_REPORT_PEAK_RSS", "1")
        .output()
        .expect("simulate runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "simulate failed: {stderr}");
    stderr
        .lines()
        .find_map(|line| line.strip_prefix("peak resident memory: "))
        .and_then(|rest| rest.trim_end_matches(" KiB").parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in stderr: {stderr}"))
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "runs ten million paths: needs an optimised build (cargo test --release)"
)]
fn ten_million_paths_need_no_more_memory_than_a_hundred_thousand() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped: no /proc to read peak memory from");
        return;
    }
    let small = peak_kib(100_000);
    let large = peak_kib(10_000_000);
    eprintln!("peak memory: {small} KiB for 100,000 paths, {large} KiB for 10,000,000");
    assert!(
        large <= small + 4 * 1024,
        "10,000,000 paths peaked at {large} KiB, 100,000 at {small} KiB: more than 4 MiB apart"
    );
}
