//! `simulate bench`: the JSON it promises, and its refusals.

use crate::common::simulate;

use predicates::prelude::*;

#[test]
fn bench_json_has_a_row_per_thread_count_and_the_floor() {
    let output = simulate()
        .args(["bench", "scenarios/base.toml", "--paths", "2000"])
        .args(["--threads", "2", "--min-time", "0", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["scenario"], "Base case");
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (i, row) in results.iter().enumerate() {
        assert_eq!(row["threads"], i + 1);
        assert!(row["paths_per_second"].as_f64().unwrap() > 0.0);
        assert!(row["speedup"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(results[0]["speedup"], 1.0);
    assert!(json["floor_paths_per_second"].as_f64().unwrap() > 0.0);
}

#[test]
fn bench_prints_a_table_and_refuses_a_negative_time() {
    simulate()
        .args(["bench", "scenarios/base.toml", "--paths", "1000"])
        .args(["--threads", "1", "--min-time", "0"])
        .assert()
        .success()
        .stdout(predicate::str::contains("paths/s"))
        .stdout(predicate::str::contains("engine/floor"));
    simulate()
        .args(["bench", "scenarios/base.toml", "--min-time=-1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--min-time"));
}
