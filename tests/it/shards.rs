//! Distributed runs: `--shard K/N` parts merged by `simulate merge` give
//! the same bits as one run, and every bad input is refused with exit 2
//! and nothing written.

use std::path::{Path, PathBuf};

use crate::common::simulate;

/// A fresh folder for one test's parts.
fn folder(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("shards")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The JSON report without what may differ between a single run and a
/// merge: the timings, the thread count and the date.
fn without_timing(json: &[u8]) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_slice(json).expect("JSON on stdout");
    if let Some(map) = value.as_object_mut() {
        for key in ["elapsed_seconds", "paths_per_second", "threads", "date"] {
            map.remove(key);
        }
    }
    value
}

/// Runs every shard of `n` with `args` (a run or sweep, then its flags)
/// into `dir`, and returns the part files, in a shuffled order.
fn shards(args: &[&str], n: u64, dir: &Path) -> Vec<PathBuf> {
    let mut parts = Vec::new();
    for k in 0..n {
        let part = dir.join(format!("part-{k}-of-{n}.part"));
        let out = simulate()
            .args(args)
            .args(["--quiet", "--threads", "1", "--shard"])
            .arg(format!("{k}/{n}"))
            .arg("--out")
            .arg(&part)
            .assert()
            .success();
        let output = out.get_output();
        assert!(output.stdout.is_empty(), "a shard prints nothing on stdout");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "one summary line: {stderr}");
        assert!(stderr.contains(&format!("shard {k}/{n}")), "{stderr}");
        parts.push(part);
    }
    // Any order: the merge sorts them.
    parts.reverse();
    if parts.len() > 2 {
        parts.swap(0, 1);
    }
    parts
}

fn merge(parts: &[PathBuf], extra: &[&str]) -> Vec<u8> {
    simulate()
        .arg("merge")
        .args(parts)
        .args(["--format", "json"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone()
}

/// The base scenario, with an override, at 20,480 paths (20 blocks, so
/// that 16 shards each get at least one), under both quantile methods:
/// the merge of N = 1, 2, 3, 7 and 16 shards is the single run's JSON,
/// but for timing, threads and date, bit for bit; drivers and
/// contributions included.
#[test]
fn shards_merge_to_the_single_run_exact_and_sketched() {
    let dir = folder("run");
    for method in ["exact", "sketch"] {
        let args = [
            "scenarios/base.toml",
            "--paths",
            "20480",
            "--seed",
            "9",
            "--set",
            "client.tiktok_bytedance.churn.probability=0.4",
            "--quantiles",
            method,
        ];
        let single = simulate()
            .args(args)
            .args(["--format", "json", "--quiet"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let want = without_timing(&single);
        assert_eq!(want["quantile_method"], method);
        assert!(
            want["targets"][0]["contributions"]
                .as_array()
                .is_some_and(|c| !c.is_empty()),
            "the run has its drivers sections"
        );
        for n in [1, 2, 3, 7, 16] {
            let sub = dir.join(format!("{method}-{n}"));
            std::fs::create_dir_all(&sub).unwrap();
            let parts = shards(&args, n, &sub);
            let got = without_timing(&merge(&parts, &[]));
            assert!(
                got == want,
                "{method}, {n} shards: the merge differs from the single run\n\
                 merge:  {got}\nsingle: {want}"
            );
        }
    }
}

/// A merge writes its `--out` as a run does: the JSON file is the JSON it
/// prints, and the CSV rows are the single run's but for threads and date.
#[test]
fn merge_writes_out_files_like_a_run() {
    let dir = folder("out");
    // 5e3: --paths takes a whole number written as a float too.
    let args = ["scenarios/base.toml", "--paths", "5e3"];
    let parts = shards(&args, 3, &dir);
    let out = dir.join("run.json");
    let page = dir.join("run.html");
    let printed = merge(
        &parts,
        &[
            "--out",
            out.to_str().unwrap(),
            "--report",
            page.to_str().unwrap(),
        ],
    );
    let written = std::fs::read(&out).unwrap();
    assert_eq!(without_timing(&written), without_timing(&printed));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("id=\"report-data\"") && html.contains("scenarios/base.toml"));
    let csv = dir.join("run.csv");
    simulate()
        .arg("merge")
        .args(&parts)
        .arg("--out")
        .arg(&csv)
        .assert()
        .success();
    let single = dir.join("single.csv");
    simulate()
        .args(args)
        .args(["--quiet", "--out"])
        .arg(&single)
        .assert()
        .success();
    let monthly = |p: &Path| std::fs::read_to_string(revsim::report::csv::monthly_path(p)).unwrap();
    assert_eq!(monthly(&csv), monthly(&single));
    // The headline rows agree up to the thread count and date columns.
    let cut = |p: &Path| {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| l.split(',').take(24).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>()
    };
    assert_eq!(cut(&csv), cut(&single));
}

/// A sweep's (point, block) jobs in N = 1, 2, 3, 7 and 16 shards, some
/// cutting through points, merge to the same JSON bytes as the sweep.
#[test]
fn sweep_shards_merge_to_the_single_sweep() {
    let dir = folder("sweep");
    let args = [
        "sweep",
        "scenarios/sweeps/tiktok_churn.toml",
        "--paths",
        "2500",
        "--seed",
        "5",
    ];
    let single = simulate()
        .args(args)
        .args(["--format", "json", "--quiet"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    for n in [1, 2, 3, 7, 16] {
        let sub = dir.join(n.to_string());
        std::fs::create_dir_all(&sub).unwrap();
        let parts = shards(&args, n, &sub);
        let page = sub.join("sweep.html");
        let got = merge(&parts, &["--report", page.to_str().unwrap()]);
        assert!(page.exists(), "the merge writes the sweep's page");
        assert!(
            got == single,
            "{n} shards: the merged sweep differs\nmerge:  {}\nsingle: {}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&single)
        );
    }
}

/// Runs `simulate ARGS` expecting exit 2 with every one of `wants` in its
/// stderr, and nothing on stdout.
fn refused(args: &[&std::ffi::OsStr], wants: &[&str]) {
    let output = simulate()
        .args(args)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .assert()
        .code(2);
    let output = output.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    for want in wants {
        assert!(stderr.contains(want), "{args:?}: {want:?} not in {stderr}");
    }
    assert!(output.stdout.is_empty(), "{args:?}: stdout not empty");
}

fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
    args.iter().map(Into::into).collect()
}

fn refused_str(args: &[&str], wants: &[&str]) {
    let args = os(args);
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    refused(&refs, wants);
}

#[test]
fn bad_shards_are_refused_and_write_nothing() {
    let dir = folder("bad-shard");
    let part = dir.join("p.part");
    let p = part.to_str().unwrap();
    for spec in ["5/4", "0/0", "4/4", "x", "1/"] {
        refused_str(
            &["scenarios/base.toml", "--shard", spec, "--out", p],
            &["--shard", "K/N"],
        );
        refused_str(
            &[
                "sweep",
                "scenarios/sweeps/tiktok_churn.toml",
                "--shard",
                spec,
                "--out",
                p,
            ],
            &["--shard"],
        );
    }
    let slurm = simulate()
        .args(["scenarios/base.toml", "--shard", "slurm", "--out", p])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&slurm.get_output().stderr).to_string();
    assert!(stderr.contains("SLURM_ARRAY_TASK_ID"), "{stderr}");
    refused_str(&["scenarios/base.toml", "--shard", "0/2"], &["--out"]);
    refused_str(
        &[
            "scenarios/base.toml",
            "--shard",
            "0/2",
            "--out",
            p,
            "--report",
            "x.html",
        ],
        &["--report", "merge"],
    );
    assert!(!part.exists(), "nothing was written");
    // With the Slurm variables, the task's shard runs.
    simulate()
        .args(["scenarios/base.toml", "--paths", "3000", "--quiet"])
        .args(["--shard", "slurm", "--out", p])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "2")
        .assert()
        .success()
        .stderr(predicates::str::contains("shard 1/2"));
    assert!(part.exists());
}

#[test]
fn merge_refuses_bad_sets_of_parts_naming_the_files() {
    let dir = folder("bad-merge");
    let args = ["scenarios/base.toml", "--paths", "5000"];
    let parts = {
        let mut p = shards(&args, 4, &dir);
        p.sort();
        p
    };
    let name = |p: &PathBuf| p.to_str().unwrap().to_string();
    let out = dir.join("merged.json");
    let out_s = name(&out);
    let merge_of = |files: &[String], wants: &[&str]| {
        let mut a = vec!["merge".to_string()];
        a.extend(files.iter().cloned());
        a.extend(["--out".to_string(), out_s.clone()]);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        refused_str(&a, wants);
        assert!(!out.exists(), "nothing written for {wants:?}");
    };
    let all: Vec<String> = parts.iter().map(name).collect();

    // No files; files that are not parts.
    merge_of(&[], &["no part files"]);
    merge_of(
        &["scenarios/base.toml".into()],
        &["scenarios/base.toml is not a part file"],
    );
    // A missing shard, and two: which to rerun.
    merge_of(&all[..3], &["1 of 4 shards are missing: 3", "rerun"]);
    merge_of(
        &[all[0].clone(), all[2].clone()],
        &["2 of 4 shards are missing: 1, 3"],
    );
    // A duplicate, named.
    let copy = dir.join("copy.part");
    std::fs::copy(&parts[1], &copy).unwrap();
    let mut with_copy = all.clone();
    with_copy.push(name(&copy));
    merge_of(&with_copy, &["given twice", "shard 1", &name(&copy)]);
    // A truncated file and a changed byte: the checksum, and the shard to rerun.
    let bytes = std::fs::read(&parts[2]).unwrap();
    let broken = dir.join("broken.part");
    std::fs::write(&broken, &bytes[..bytes.len() - 100]).unwrap();
    let mut with_broken = all.clone();
    with_broken[2] = name(&broken);
    merge_of(
        &with_broken,
        &[&name(&broken), "truncated or corrupt", "rerun shard 2/4"],
    );
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x10;
    std::fs::write(&broken, &flipped).unwrap();
    merge_of(&with_broken, &[&name(&broken), "checksum"]);
    std::fs::write(&broken, &bytes[..5]).unwrap();
    merge_of(&with_broken, &[&name(&broken)]);
    // Parts of other runs: another seed, paths, quantile method, scenario.
    for (flags, what) in [
        (vec!["--paths", "5000", "--seed", "8"], "seed"),
        (vec!["--paths", "6000"], "paths"),
        (
            vec!["--paths", "5000", "--quantiles", "sketch"],
            "quantile method",
        ),
        (
            vec![
                "--paths",
                "5000",
                "--set",
                "client.walmart.monthly_spend=5e6",
            ],
            "scenario",
        ),
    ] {
        let other = dir.join("other.part");
        let mut a: Vec<&str> = vec![args[0]];
        a.extend(flags.iter().copied());
        simulate()
            .args(a)
            .args(["--quiet", "--shard", "3/4", "--out"])
            .arg(&other)
            .assert()
            .success();
        let mut mixed = all[..3].to_vec();
        mixed.push(name(&other));
        merge_of(&mixed, &["different runs", what, &all[0], &name(&other)]);
    }
    // A sweep's part with a run's.
    let sweep_part = dir.join("sweep.part");
    simulate()
        .args([
            "sweep",
            "scenarios/sweeps/tiktok_churn.toml",
            "--paths",
            "2000",
        ])
        .args(["--quiet", "--shard", "3/4", "--out"])
        .arg(&sweep_part)
        .assert()
        .success();
    let mut mixed = all[..3].to_vec();
    mixed.push(name(&sweep_part));
    merge_of(&mixed, &["different runs"]);
    // And the good set still merges.
    merge(&parts, &[]);
}

/// A merge holds what the whole run would, so a machine with less memory
/// than the shards' refuses it before reading any part's values: exit 2,
/// the need and the limit named, nothing written. The limit is set by
/// `REVSIM_MEMORY_BUDGET`; a value that is not a number is refused too.
#[test]
fn a_merge_too_large_for_this_machine_is_refused() {
    let dir = folder("memory");
    let args = [
        "scenarios/base.toml",
        "--paths",
        "4096",
        "--quantiles",
        "exact",
    ];
    let parts = shards(&args, 2, &dir);
    let out = dir.join("run.json");
    // 4,096 paths of 26 exact series are about 0.9 MB of values.
    let refused = simulate()
        .arg("merge")
        .args(&parts)
        .arg("--out")
        .arg(&out)
        .env("REVSIM_MEMORY_BUDGET", "5e5")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("merging these parts needs about"),
        "{stderr}"
    );
    assert!(stderr.contains("4096 paths"), "{stderr}");
    assert!(stderr.contains("--quantiles sketch"), "{stderr}");
    assert!(refused.stdout.is_empty());
    assert!(!out.exists(), "a refused merge writes nothing");
    // The same parts merge with the machine's own limit.
    let merged = merge(&parts, &[]);
    assert!(!merged.is_empty());

    let bad = simulate()
        .arg("merge")
        .args(&parts)
        .env("REVSIM_MEMORY_BUDGET", "lots")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("REVSIM_MEMORY_BUDGET=lots is not a number of bytes"),
        "{stderr}"
    );
}
