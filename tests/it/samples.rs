//! `--samples FILE.csv` or `FILE.parquet`: one row per path, read back and
//! checked against the run's own report; refused, with nothing written,
//! where it cannot be.

use std::path::Path;

use predicates::prelude::*;

use crate::common::{column_mean, json_of, read_csv, root, simulate};

#[test]
fn samples_read_back_agree_with_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paths.csv");
    let report = json_of(&[
        "scenarios/base.toml",
        "--paths",
        "20000",
        "--format",
        "json",
        "--samples",
        path.to_str().unwrap(),
    ]);
    let (header, rows) = read_csv(&path);
    assert_eq!(rows.len(), 20_000);
    assert_eq!(header[0], "path");
    assert!(
        rows.iter()
            .enumerate()
            .all(|(i, r)| r[0] == i.to_string() && r.len() == header.len())
    );
    // Sampled inputs by their --set paths.
    assert!(header.contains(&"subscription.microsoft_365_copilot.annual_growth".to_string()));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    for s in report["streams"].as_array().unwrap() {
        let name = format!(
            "{}.{}.revenue",
            s["kind"].as_str().unwrap(),
            s["id"].as_str().unwrap()
        );
        let mean = column_mean(&header, &rows, &name);
        assert!(
            close(mean, s["mean"].as_f64().unwrap()),
            "{name}: {mean} vs {}",
            s["mean"]
        );
        if let Some(p) = s["churn_probability"].as_f64() {
            // A churn month where the client left within the horizon,
            // empty where it did not: the fraction is the report's, exactly.
            let col = format!("client.{}.churn_month", s["id"].as_str().unwrap());
            let i = header.iter().position(|h| *h == col).unwrap();
            let churned = rows.iter().filter(|r| !r[i].is_empty()).count();
            assert_eq!(churned as f64 / rows.len() as f64, p, "{col}");
            assert!(
                rows.iter().all(
                    |r| r[i].is_empty() || (1.0..=12.0).contains(&r[i].parse::<f64>().unwrap())
                )
            );
        }
    }
    for t in report["targets"].as_array().unwrap() {
        let name = format!("target.{}.revenue", t["id"].as_str().unwrap());
        let mean = column_mean(&header, &rows, &name);
        assert!(
            close(mean, t["mean"].as_f64().unwrap()),
            "{name}: {mean} vs {}",
            t["mean"]
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );
}

/// A client whose spend is drawn per path and that neither grows nor
/// churns earns twelve times its drawn spend: the input column is the value
/// the model used, to the bit.
#[test]
fn sampled_inputs_are_the_values_the_model_used() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("one.toml");
    std::fs::write(
        &scenario,
        r#"
[scenario]
name = "One client"
paths = 3000

[[target]]
name = "All"
amount = 1e6

[[client]]
name = "Acme"
segment = "s"
monthly_spend = { dist = "uniform", min = 50e3, max = 150e3 }
"#,
    )
    .unwrap();
    let path = dir.path().join("paths.csv");
    simulate()
        .arg(&scenario)
        .arg("--samples")
        .arg(&path)
        .assert()
        .success();
    let (header, rows) = read_csv(&path);
    assert_eq!(
        header,
        [
            "path",
            "client.acme.monthly_spend",
            "client.acme.churn_month",
            "client.acme.revenue",
            "target.all.revenue"
        ]
    );
    for r in &rows {
        let spend: f64 = r[1].parse().unwrap();
        let twelve = (0..12).fold(0.0, |sum, _| sum + spend);
        assert_eq!(r[3].parse::<f64>().unwrap(), twelve, "path {}", r[0]);
        assert_eq!(r[4], r[3]);
        assert_eq!(r[2], "");
    }
}

/// CSV and Parquet alike: the file is the same bytes whatever the threads.
#[test]
fn samples_are_the_same_bytes_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    for extension in ["csv", "parquet"] {
        let files: Vec<Vec<u8>> = ["1", "2"]
            .iter()
            .map(|threads| {
                let path = dir.path().join(format!("t{threads}.{extension}"));
                simulate()
                    .args([
                        "scenarios/base.toml",
                        "--paths",
                        "5000",
                        "--threads",
                        threads,
                        "--samples",
                    ])
                    .arg(&path)
                    .assert()
                    .success();
                std::fs::read(&path).unwrap()
            })
            .collect();
        assert_eq!(files[0], files[1], "{extension}");
    }
}

#[test]
fn samples_are_refused_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let refuse = |args: &[&str], file: &str, message: &str| {
        simulate()
            .args(args)
            .arg("--samples")
            .arg(dir.path().join(file))
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(message));
    };
    let base = ["scenarios/base.toml", "--paths", "1000"];
    refuse(&base, "paths.txt", "give a name ending in .csv or .parquet");
    refuse(&base, "paths", "give a name ending in .csv or .parquet");
    refuse(&base, "missing/paths.csv", "does not exist");
    refuse(
        &[
            "scenarios/base.toml",
            "--paths",
            "1000",
            "--samples-limit",
            "999",
        ],
        "paths.csv",
        "1,000 paths would write 1,000 rows of 20 columns, about 0.0 GB; the limit is 999 rows",
    );
    refuse(
        &[
            "sweep",
            "scenarios/sweeps/tiktok_churn.toml",
            "--paths",
            "1000",
        ],
        "paths.csv",
        "samples are written per run",
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn above_ten_million_rows_needs_the_limit_raised() {
    simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "10000001",
            "--samples",
            "big.csv",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "about 2.8 GB; the limit is 10,000,000 rows",
        ));
    assert!(!root().join("big.csv").exists());
}

/// Every value of a Parquet file, a column of text per field as the CSV
/// writes it: a number by Rust's shortest round-trip form, a null as empty.
fn read_parquet(path: &Path) -> (Vec<String>, Vec<Vec<String>>, usize) {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let groups = reader.metadata().num_row_groups();
    let header = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let rows = reader
        .get_row_iter(None)
        .unwrap()
        .map(|row| {
            row.unwrap()
                .get_column_iter()
                .map(|(_, field)| match field {
                    Field::Long(v) => v.to_string(),
                    Field::Int(v) => v.to_string(),
                    Field::Double(v) => v.to_string(),
                    Field::Null => String::new(),
                    other => panic!("unexpected field {other:?}"),
                })
                .collect()
        })
        .collect();
    (header, rows, groups)
}

/// The Parquet file holds the CSV's values to the bit (both print each
/// number in its shortest round-trip form), typed, nulls where the CSV is
/// empty; and what the CSV holds is checked against the report above.
#[test]
fn parquet_samples_are_the_csv_values_to_the_bit() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for name in ["paths.csv", "paths.parquet"] {
        let path = dir.path().join(name);
        // 140,000 paths: more than one row group (131,072 paths at most).
        simulate()
            .args(["scenarios/base.toml", "--paths", "140000", "--samples"])
            .arg(&path)
            .assert()
            .success();
        files.push(path);
    }
    let (csv_header, csv_rows) = read_csv(&files[0]);
    let (header, rows, groups) = read_parquet(&files[1]);
    assert_eq!(header, csv_header);
    assert_eq!(groups, 2);
    assert_eq!(rows.len(), 140_000);
    for (i, (a, b)) in rows.iter().zip(&csv_rows).enumerate() {
        assert_eq!(a, b, "row {i}");
    }
    // Churn months are typed and null where the client stayed.
    let churn = header
        .iter()
        .position(|h| h == "client.tiktok_bytedance.churn_month")
        .unwrap();
    let (stayed, left) = rows.iter().fold((0, 0), |(s, l), r| {
        if r[churn].is_empty() {
            (s + 1, l)
        } else {
            (s, l + 1)
        }
    });
    assert!(stayed > 0 && left > 0);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary left"
    );
}
