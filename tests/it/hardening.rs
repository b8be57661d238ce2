//! Regression tests for what a new user found (issue "Hardening"), each
//! named after what it pins: a wrong answer, a hang, a panic, a file
//! destroyed, a message that did not say what was wrong.

use crate::common::simulate;

use std::path::Path;

use predicates::prelude::*;

use crate::common::{parse, root, signal_after_a_while};

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const SMALL: &str = "[scenario]\nname = \"s\"\npaths = 2000\n\
    [[target]]\nname = \"t\"\namount = 1e6\n\
    [[client]]\nname = \"A\"\nsegment = \"a\"\nmonthly_spend = 1e5\n";

#[test]
fn repeated_segment_is_refused_not_counted_twice() {
    let text = SMALL.replace(
        "amount = 1e6\n",
        "amount = 1e6\nsegments = [\"a\", \"a\"]\n",
    );
    let err = revsim::scenario::Scenario::parse(&text, "s.toml").unwrap_err();
    let message = err.to_string();
    assert!(message.contains("s.toml:7:18"), "{message}");
    assert!(
        message.contains("segment \"a\" is listed twice"),
        "{message}"
    );
}

#[test]
fn arrivals_of_a_billion_a_month_are_refused_with_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "p.toml",
        &(SMALL.to_string()
            + "[[pipeline]]\nname = \"P\"\nsegment = \"a\"\narrivals_per_month = 1e9\nmonthly_spend = 1\n"),
    );
    simulate()
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pipeline.p.arrivals_per_month: 1e9 is not allowed",
        ))
        .stderr(predicate::str::contains("a number in [0, 1000]"));
    // A uniform up to 9.2e18, and a rate allowed a month but not over the
    // horizon: refused too, naming the bound.
    let uniform = std::fs::read_to_string(&file).unwrap().replace(
        "arrivals_per_month = 1e9",
        "arrivals_per_month = { dist = \"uniform\", min = 0, max = 9.2e18 }",
    );
    std::fs::write(&file, uniform).unwrap();
    simulate().arg(&file).assert().code(2).stderr(
        predicate::str::contains("can take values from 0 to 9.2e18")
            .or(predicate::str::contains("9200000000000000000")),
    );
    simulate()
        .arg("scenarios/base.toml")
        .args(["--set", "scenario.horizon_months=1200"])
        .args([
            "--set",
            "pipeline.new_enterprise_clients.arrivals_per_month=200",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "more than the 120000 that can be simulated",
        ))
        .stderr(predicate::str::contains("here at most 100 a month"));
}

#[test]
fn a_sweep_range_of_arrivals_to_4e11_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let base = root().join("scenarios/base.toml");
    let sweep = write(
        dir.path(),
        "sweep.toml",
        &format!(
            "scenario = \"{}\"\npaths = 1000\n[[vary]]\npath = \"pipeline.new_enterprise_clients.arrivals_per_month\"\n\
             range = {{ from = 1, to = 4e11, steps = 3 }}\n",
            base.display()
        ),
    );
    simulate()
        .arg("sweep")
        .arg(&sweep)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not allowed"))
        .stderr(predicate::str::contains("a number in [0, 1000]"));
}

#[test]
fn bench_min_time_of_1e20_is_refused_not_a_panic() {
    for value in ["1e20", "1e300", "18446744073709551615", "NaN", "inf"] {
        simulate()
            .args(["bench", "scenarios/base.toml", "--min-time", value])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "--min-time must be a number of seconds",
            ))
            .stderr(predicate::str::contains("panicked").not());
    }
}

/// 50 targets over 1,200 months at a million paths would keep 485 GB of
/// exact values: refused at once with the estimate, nothing allocated.
#[test]
fn exact_quantiles_for_50_targets_over_1200_months_are_refused_with_the_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("[scenario]\nname = \"big\"\nhorizon_months = 1200\n");
    for t in 0..50 {
        text.push_str(&format!("[[target]]\nname = \"t{t}\"\namount = 1\n"));
    }
    text.push_str("[[stream]]\nname = \"s\"\nsegment = \"a\"\nmonthly_revenue = 1\n");
    let file = write(dir.path(), "big.toml", &text);
    simulate()
        .arg(&file)
        .args(["--paths", "1000000", "--quantiles", "exact"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "1000000 paths of 50 target(s) over 1200 months",
        ))
        .stderr(predicate::str::contains("exact values 484.8 GB"));
}

#[test]
fn threads_1024_are_capped_to_the_cores_with_a_warning() {
    let cores = std::thread::available_parallelism().unwrap().get();
    let output = simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "2000",
            "--threads",
            "1024",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("--threads 1024 is more than the {cores} core(s)")),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["threads"], cores);
}

#[test]
fn out_that_is_the_scenario_is_refused_however_spelt() {
    let dir = tempfile::tempdir().unwrap();
    let victim = write(dir.path(), "victim.toml", SMALL);
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    for out in [
        victim.clone(),
        dir.path().join(".").join("victim.toml"),
        link.clone(),
    ] {
        simulate()
            .current_dir(dir.path())
            .arg("victim.toml")
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("would overwrite it"));
    }
    simulate()
        .current_dir(dir.path())
        .args(["victim.toml", "--out", "./victim.toml"])
        .assert()
        .code(2);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), SMALL);
    // A sweep's output may be neither the sweep file nor its scenario.
    let sweep = write(
        dir.path(),
        "sweep.toml",
        "scenario = \"victim.toml\"\n[[vary]]\npath = \"client.a.monthly_spend\"\nvalues = [1, 2]\n",
    );
    for out in ["sweep.toml", "victim.toml"] {
        simulate()
            .current_dir(dir.path())
            .args(["sweep", "sweep.toml", "--format", "json", "--out", out])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("would overwrite it"));
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), SMALL);
    assert!(
        std::fs::read_to_string(&sweep)
            .unwrap()
            .contains("[[vary]]")
    );
}

#[test]
fn paths_written_as_1e6_are_a_whole_number() {
    let scenario = parse(&SMALL.replace("paths = 2000", "paths = 1e6\nhorizon_months = 24.0"));
    assert_eq!(scenario.paths, 1_000_000);
    assert_eq!(scenario.horizon_months, 24);
    for (bad, shown) in [("paths = 2.5", "2.5"), ("paths = 1e30", "1e30")] {
        let err = revsim::scenario::Scenario::parse(&SMALL.replace("paths = 2000", bad), "s.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("scenario.paths: {shown} is not allowed")),
            "{err}"
        );
        assert!(err.contains("a whole number >= 2"), "{err}");
    }
}

/// Type errors read as range errors do: the field, what was found, what
/// is allowed, and no Rust type names.
#[test]
fn type_errors_name_the_field_and_what_is_allowed_without_rust_types() {
    let cases = [
        (
            SMALL.replace("amount = 1e6", "amount = \"1e6\""),
            "amount: the text \"1e6\" is not allowed",
            "help: a number",
        ),
        (
            SMALL.replace("paths = 2000", "paths = \"many\""),
            "paths: the text \"many\" is not allowed",
            "help: a whole number",
        ),
        (
            format!(
                "scenario = 3\n{}",
                &SMALL[SMALL.find("[[target]]").unwrap()..]
            ),
            "scenario: the number 3 is not allowed",
            "help: a table",
        ),
        (
            SMALL.replace("[[target]]", "[target]"),
            "target: [target] declares a single table",
            "write [[target]]",
        ),
    ];
    for (text, message, help) in cases {
        let err = revsim::scenario::Scenario::parse(&text, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains(message), "{err}");
        assert!(err.contains(help), "{err}");
        for rust in ["i64", "f64", "Raw", "struct", "sequence"] {
            assert!(!err.contains(rust), "{rust} in {err}");
        }
    }
}

#[test]
fn a_sweep_given_a_scenario_file_says_so() {
    simulate()
        .args(["sweep", "scenarios/base.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "this is a scenario file, not a sweep file",
        ));
    for args in [
        vec!["scenarios/sweeps/tiktok_churn.toml"],
        vec!["bench", "scenarios/sweeps/tiktok_churn.toml"],
    ] {
        simulate()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "this is a sweep file, not a scenario file",
            ))
            .stderr(predicate::str::contains("simulate sweep FILE"));
    }
}

#[test]
fn an_unreadable_file_says_its_cause_once() {
    let output = simulate().arg("scenarios/no_such.toml").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
    simulate()
        .arg("scenarios")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it is a folder, not a file"));
}

#[test]
fn a_spend_of_1e300_is_refused_with_the_bound() {
    let err = revsim::scenario::Scenario::parse(
        &SMALL.replace("monthly_spend = 1e5", "monthly_spend = 1e300"),
        "s.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("client.a.monthly_spend: 1e300 is not allowed"),
        "{err}"
    );
    assert!(err.contains("a number in [0, 1e15]"), "{err}");
    let err = revsim::scenario::Scenario::parse(
        &SMALL.replace(
            "monthly_spend = 1e5",
            "monthly_spend = { dist = \"lognormal\", median = 1e5, sigma = 10 }",
        ),
        "s.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("outside what this field allows"), "{err}");
}

/// The largest values every field allows, all at once over the longest
/// horizon: every number of the report is finite (the bounds are chosen
/// so), and the run succeeds.
#[test]
fn the_largest_allowed_values_give_finite_statistics() {
    let text = "[scenario]\nname = \"max\"\nhorizon_months = 1200\n\
        [[target]]\nname = \"t\"\namount = 1e300\n\
        [[stream]]\nname = \"s\"\nsegment = \"a\"\nmonthly_revenue = 1e15\nannual_growth = 10\nvolatility = 1\n\
        [[subscription]]\nname = \"u\"\nsegment = \"a\"\nseats = 1e10\nprice_per_seat = 1e6\nannual_growth = 10\n";
    let scenario = parse(text);
    let report = crate::common::report(&scenario, &crate::common::options(2_048, 1, 2));
    assert_eq!(revsim::report::first_non_finite(&report), None);
}

#[test]
fn paths_beyond_a_year_of_work_are_refused_with_the_estimate() {
    simulate()
        .args(["scenarios/base.toml", "--paths", "1000000000000000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("would take at least"))
        .stderr(predicate::str::contains("paths fit in a year"));
}

#[test]
fn a_churn_beyond_the_horizon_is_warned_of() {
    simulate()
        .args(["scenarios/base.toml", "--paths", "2000"])
        .args(["--set", "client.tiktok_bytedance.churn.earliest_month=40"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "client.tiktok_bytedance.churn.earliest_month: month 40 is beyond the 12-month horizon",
        ));
}

#[test]
fn a_file_of_100_mb_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(100 << 20).unwrap();
    simulate()
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("larger than 16 MiB"));
}

#[test]
fn a_scenario_of_100000_streams_is_refused_with_the_limit() {
    let mut text =
        String::from("[scenario]\nname = \"many\"\n[[target]]\nname = \"t\"\namount = 1\n");
    for i in 0..100_000 {
        text.push_str(&format!(
            "[[stream]]\nname = \"s{i}\"\nsegment = \"a\"\nmonthly_revenue = 1\n"
        ));
    }
    let err = revsim::scenario::Scenario::parse(&text, "many.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the scenario has 100000 revenue streams"),
        "{err}"
    );
    assert!(err.contains("at most 10000"), "{err}");
}

#[test]
fn out_to_a_full_device_is_a_runtime_failure_and_the_device_stays() {
    simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "2000",
            "--out",
            "/dev/full",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot write /dev/full"))
        .stderr(predicate::str::contains("No space left on device"));
    assert!(!std::fs::metadata("/dev/full").unwrap().is_file());
}

/// Root may write anywhere, but not into /proc: the path and the reason,
/// exit 1, nothing left behind.
#[test]
fn out_where_writing_is_not_permitted_is_a_runtime_failure() {
    simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "2000",
            "--out",
            "/proc/version",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot write /proc/version"));
}

#[test]
fn out_to_a_fifo_is_written_in_place_not_renamed_over() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "2000",
            "--format",
            "json",
            "--out",
        ])
        .arg(&fifo)
        .assert()
        .success();
    let read = reader.join().unwrap();
    assert!(read.contains("\"targets\""), "{read}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn out_folder_removed_during_the_run_is_a_runtime_failure_leaving_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("out");
    std::fs::create_dir(&folder).unwrap();
    let out = folder.join("report.json");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_simulate"))
        .current_dir(root())
        .args([
            "scenarios/base.toml",
            "--paths",
            "4000000",
            "--quantiles",
            "sketch",
        ])
        .args(["--format", "json", "--quiet", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::fs::remove_dir(&folder).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot write {}", out.display())),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// SIGTERM and SIGHUP stop a run as Ctrl-C does: at once, nothing written,
/// exit 128 + the signal.
#[test]
fn sigterm_and_sighup_stop_like_ctrl_c() {
    for (signal, code) in [("TERM", 143), ("HUP", 129)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report.json");
        let (output, _) = signal_after_a_while(
            signal,
            &[
                "scenarios/base.toml".as_ref(),
                "--paths".as_ref(),
                "1000000000".as_ref(),
                "--quiet".as_ref(),
                "--out".as_ref(),
                out.as_os_str(),
            ],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{signal}: {stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert!(output.stdout.is_empty());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

/// 2,000 streams over 1,200 months: one block of 1,024 paths is tens of
/// seconds of work. Ctrl-C is heard between streams, so the run stops
/// long before a block could finish (the bound is loose on purpose: this
/// checks that the stop is heard inside a block, not how fast).
#[test]
fn ctrl_c_stops_inside_a_long_block() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "[scenario]\nname = \"long\"\nhorizon_months = 1200\n[[target]]\nname = \"t\"\namount = 1\n",
    );
    for i in 0..2000 {
        text.push_str(&format!(
            "[[stream]]\nname = \"s{i}\"\nsegment = \"a\"\nmonthly_revenue = 1\nvolatility = 0.01\n"
        ));
    }
    let file = write(dir.path(), "long.toml", &text);
    let (output, after) = signal_after_a_while(
        "INT",
        &[
            file.as_os_str(),
            "--paths".as_ref(),
            "2048".as_ref(),
            "--quiet".as_ref(),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(after < std::time::Duration::from_secs(5), "took {after:?}");
}

/// Every input a fuzz target once crashed on (tests/fuzz_crashes/, named
/// TARGET-HASH-WHAT) is refused with a message now, not a panic.
#[test]
fn fuzz_crashes_are_refused_not_panics() {
    let dir = root().join("tests/fuzz_crashes");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let outcome = std::panic::catch_unwind(|| {
            if name.starts_with("scenario-") {
                revsim::scenario::Scenario::parse(&text, "crash.toml")
                    .err()
                    .map(|e| e.to_string())
            } else if name.starts_with("set_value-") {
                crate::common::base()
                    .set_assignment(&text)
                    .err()
                    .map(|e| e.to_string())
            } else {
                let folder = root().join("scenarios/sweeps");
                revsim::sweep::Sweep::parse(&text, "crash.toml", &folder)
                    .err()
                    .map(|e| e.to_string())
            }
        });
        let message = outcome.unwrap_or_else(|_| panic!("{name} panics"));
        assert!(
            message.is_some_and(|m| !m.is_empty()),
            "{name} was accepted"
        );
        checked += 1;
    }
    assert!(checked >= 1);
}

/// The first crash the scenario fuzz target found: a type error after a
/// byte-order mark sliced a string inside the mark, naming the key.
#[test]
fn fuzz_crash_94f2bac_byte_order_mark_before_a_key() {
    let text = "\u{feff}xpecnthly_revenue = \nmonthly_revenue = 1\n";
    let err = revsim::scenario::Scenario::parse(text, "bom.toml").unwrap_err();
    assert!(err.to_string().contains("bom.toml:1:"), "{err}");
}

#[test]
fn compare_and_sensitivity_refuse_an_out_that_is_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.toml", SMALL);
    let b = write(dir.path(), "b.toml", SMALL);
    simulate()
        .arg("compare")
        .args([&a, &b])
        .args(["--format", "json", "--out"])
        .arg(&b)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("would overwrite it"));
    simulate()
        .arg("sensitivity")
        .arg(&a)
        .arg("--out")
        .arg(&a)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("would overwrite it"));
    assert_eq!(std::fs::read_to_string(&a).unwrap(), SMALL);
    assert_eq!(std::fs::read_to_string(&b).unwrap(), SMALL);
}
