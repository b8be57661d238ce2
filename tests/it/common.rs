//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use revsim::engine::{self, QuantileChoice, RunOptions, RunResult, Silent};
use revsim::report::{self, Report};
use revsim::scenario::Scenario;

/// `simulate`, run from the project's root.
pub fn simulate() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("simulate").expect("the binary is built");
    cmd.current_dir(root());
    cmd
}

/// `simulate ARGS`, which must succeed, and the JSON it prints.
pub fn json_of(args: &[&str]) -> serde_json::Value {
    let out = simulate().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

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

/// The report as JSON with the timing keys and date (which differ run to
/// run) and the thread count removed.
pub fn json_without_timing(report: &Report) -> String {
    let mut value = serde_json::to_value(report).expect("report serialises");
    if let Some(map) = value.as_object_mut() {
        for key in ["elapsed_seconds", "paths_per_second", "threads", "date"] {
            map.remove(key);
        }
    }
    serde_json::to_string(&value).expect("value serialises")
}

/// Checks every file of a corpus folder: `parse(text, origin)` must refuse
/// it with a message holding each `# expect: TEXT` line of the file. Files
/// are read under the origin `broken/NAME`. Returns how many were checked.
pub fn check_corpus<E: std::fmt::Display, T>(
    dir: &std::path::Path,
    parse: impl Fn(&str, &str) -> Result<T, E>,
) -> usize {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let expected: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(!expected.is_empty(), "{name} has no expectations");
        match parse(&text, &format!("broken/{name}")) {
            Ok(_) => failures.push(format!("{name}: was accepted")),
            Err(e) => {
                let message = e.to_string();
                for want in expected {
                    if !message.contains(want) {
                        failures.push(format!("{name}: missing {want:?} in:\n{message}\n"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    files.len()
}

/// Runs `simulate ARGS` from the project root, sends it SIGINT (Ctrl-C)
/// after 1.5 s of work, and returns what it printed and how it exited.
pub fn interrupt_after_a_while(args: &[&std::ffi::OsStr]) -> std::process::Output {
    signal_after_a_while("INT", args).0
}

/// As [`interrupt_after_a_while`] with any signal (`"TERM"`, `"HUP"`);
/// also returns how long the process took to exit after the signal.
pub fn signal_after_a_while(
    signal: &str,
    args: &[&std::ffi::OsStr],
) -> (std::process::Output, std::time::Duration) {
    use std::process::{Command, Stdio};
    let child = Command::new(env!("CARGO_BIN_EXE_simulate"))
        .current_dir(root())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    let sent = std::time::Instant::now();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    (output, sent.elapsed())
}

/// The header and the rows of a CSV file without quoted fields.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

/// The mean of column `name` of [`read_csv`]'s rows, summed in row order.
pub fn column_mean(header: &[String], rows: &[Vec<String>], name: &str) -> f64 {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    rows.iter()
        .map(|r| r[i].parse::<f64>().unwrap())
        .sum::<f64>()
        / rows.len() as f64
}
