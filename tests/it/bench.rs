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
    // Both quantile methods by default, exact first, each with its own
    // rows and its ratio to the floor.
    let methods = json["methods"].as_array().unwrap();
    let names: Vec<&str> = methods
        .iter()
        .map(|m| m["quantile_method"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["exact", "sketch"]);
    for m in methods {
        assert_eq!(m["results"].as_array().unwrap().len(), 2);
        assert!(m["engine_to_floor"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(json["results"], methods[0]["results"]);
}

#[test]
fn bench_measures_one_method_when_asked() {
    let output = simulate()
        .args(["bench", "scenarios/base.toml", "--paths", "2000"])
        .args(["--threads", "1", "--min-time", "0", "--format", "json"])
        .args(["--quantiles", "sketch"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let methods = json["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 1);
    assert_eq!(methods[0]["quantile_method"], "sketch");
    assert_eq!(json["quantile_method"], "sketch");
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
