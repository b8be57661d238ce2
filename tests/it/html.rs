//! `--report FILE.html`: one self-contained page, its numbers those of the
//! JSON report (read from the same structure), written whole or not at
//! all, alongside `--out`.

use crate::common::{json_of, simulate};

use std::path::Path;

use predicates::prelude::*;

/// The JSON embedded in the page's `report-data` script.
fn embedded(page: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"report-data\">";
    let start = page.find(open).expect("the page embeds its data") + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).expect("embedded data is JSON")
}

/// Every value of `data-NAME="..."` in the page, in order.
fn attributes(page: &str, name: &str) -> Vec<f64> {
    let key = format!("{name}=\"");
    page.match_indices(&key)
        .map(|(i, _)| {
            let rest = &page[i + key.len()..];
            // As serde_json reads the JSON, which is not always the
            // nearest float: the same text gives the same number.
            serde_json::from_str(&rest[..rest.find('"').unwrap()]).unwrap()
        })
        .collect()
}

/// Nothing on the page can reach outside it.
pub fn assert_self_contained(page: &str) {
    let lower = page.to_ascii_lowercase();
    for forbidden in [
        "http:", "https:", "src=", "@import", "url(", "<link", "//cdn",
    ] {
        assert!(!lower.contains(forbidden), "the page holds {forbidden}");
    }
    assert!(lower.starts_with("<!doctype html>"));
    assert!(lower.contains("<title>"));
    assert!(lower.contains("prefers-color-scheme: dark"));
    assert!(lower.contains("@page { size: a4"));
    let svgs = lower.matches("<svg ").count();
    assert!(svgs > 0);
    assert_eq!(lower.matches("role=\"img\" aria-label=\"").count(), svgs);
}

fn run_with_report(dir: &Path, extra: &[&str]) -> (serde_json::Value, String) {
    let page = dir.join("base.html");
    let json = dir.join("base.json");
    let out = simulate()
        .args(["scenarios/base.toml", "--paths", "20000", "--quiet"])
        .args(extra)
        .arg("--report")
        .arg(&page)
        .arg("--out")
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (report, std::fs::read_to_string(&page).unwrap())
}

#[test]
fn run_page_is_self_contained_and_holds_the_json_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (report, page) = run_with_report(
        dir.path(),
        &["--set", "client.tiktok_bytedance.churn.probability=0.6"],
    );
    assert_self_contained(&page);
    // The page's data is the JSON report, key for key and bit for bit.
    assert_eq!(embedded(&page), report);
    // The headline numbers shown are those of the JSON.
    let targets = report["targets"].as_array().unwrap();
    for (key, json_key) in [
        ("data-probability", "probability"),
        ("data-mean", "mean"),
        ("data-expected-shortfall", "expected_shortfall"),
    ] {
        let shown = attributes(&page, key);
        let want: Vec<f64> = targets
            .iter()
            .map(|t| t[json_key].as_f64().unwrap())
            .collect();
        assert_eq!(shown, want, "{key}");
    }
    for t in targets {
        let p = t["probability"].as_f64().unwrap();
        let words = format!("<strong>{:.1}%</strong> chance of reaching", p * 100.0);
        assert!(page.contains(&words), "missing {words}");
    }
    // Settings for audit.
    assert!(page.contains("Base case, with 1 override"));
    assert!(page.contains("--set client.tiktok_bytedance.churn.probability=0.6"));
    assert!(page.contains(report["scenario_hash"].as_str().unwrap()));
    assert!(page.contains("[[client]]"), "the scenario file's text");
    // One chart of each kind per target, and the two stream charts.
    assert_eq!(
        page.matches("<figure class=\"chart\">").count(),
        3 * targets.len() + 2
    );
    // Written whole: the two files and nothing else.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn base_page_is_under_a_megabyte() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("base.html");
    simulate()
        .args(["scenarios/base.toml", "--quiet", "--report"])
        .arg(&page)
        .assert()
        .success();
    let bytes = std::fs::metadata(&page).unwrap().len();
    eprintln!("base page at the scenario's 100,000 paths: {bytes} bytes");
    assert!(bytes < 1_000_000, "{bytes} bytes");
}

#[test]
fn report_needs_an_html_name_and_an_existing_folder() {
    let dir = tempfile::tempdir().unwrap();
    simulate()
        .args(["scenarios/base.toml", "--paths", "1000", "--report"])
        .arg(dir.path().join("page.pdf"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("give it a name ending in .html"));
    simulate()
        .args(["scenarios/base.toml", "--paths", "1000", "--report"])
        .arg(dir.path().join("missing/page.html"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
    simulate()
        .args([
            "sweep",
            "scenarios/sweeps/tiktok_churn.toml",
            "--paths",
            "500",
            "--report",
        ])
        .arg(dir.path().join("page.txt"))
        .assert()
        .code(2);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn sweep_pages_hold_the_sweep_json_and_a_heat_map_for_a_grid_of_two() {
    let dir = tempfile::tempdir().unwrap();
    for (file, heat) in [
        ("scenarios/sweeps/churn_by_copilot_growth.toml", true),
        ("scenarios/sweeps/tiktok_churn.toml", false),
    ] {
        let page = dir.path().join("sweep.html");
        let json = dir.path().join("sweep.json");
        let out = simulate()
            .args(["sweep", file, "--paths", "1000", "--quiet", "--report"])
            .arg(&page)
            .arg("--out")
            .arg(&json)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let page = std::fs::read_to_string(&page).unwrap();
        let document: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_self_contained(&page);
        assert_eq!(embedded(&page), document);
        assert_eq!(page.contains("class=\"cell\""), heat, "{file}");
        // The table's probabilities are the JSON's, point by point.
        let want: Vec<f64> = document["points"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["targets"].as_array().unwrap().clone())
            .map(|t| t["probability"].as_f64().unwrap())
            .collect();
        assert_eq!(attributes(&page, "data-probability"), want);
    }
}

/// Runs `simulate ARGS --report page.html --format json` in `dir` and
/// returns the JSON printed on stdout and the page.
fn page_and_json(dir: &Path, args: &[&str]) -> (serde_json::Value, String) {
    let page = dir.join("page.html");
    let mut all = args.to_vec();
    all.extend([
        "--quiet",
        "--format",
        "json",
        "--report",
        page.to_str().unwrap(),
    ]);
    (json_of(&all), std::fs::read_to_string(&page).unwrap())
}

/// Every finite number at `key` of each object of `items`.
fn numbers(items: &[serde_json::Value], key: &[&str]) -> Vec<f64> {
    items
        .iter()
        .map(|v| key.iter().fold(v, |v, k| &v[*k]).as_f64().unwrap())
        .collect()
}

#[test]
fn sensitivity_page_holds_the_tornado_json() {
    let dir = tempfile::tempdir().unwrap();
    let (json, page) = page_and_json(
        dir.path(),
        &[
            "sensitivity",
            "scenarios/base.toml",
            "--paths",
            "2000",
            "--set",
            "client.tiktok_bytedance.churn.probability=0.6",
        ],
    );
    assert_self_contained(&page);
    assert_eq!(embedded(&page), json);
    let targets = json["targets"].as_array().unwrap();
    assert_eq!(
        attributes(&page, "data-probability"),
        numbers(targets, &["base", "probability"])
    );
    assert_eq!(
        attributes(&page, "data-mean"),
        numbers(targets, &["base", "mean"])
    );
    let bars: Vec<serde_json::Value> = targets
        .iter()
        .flat_map(|t| t["tornado"].as_array().unwrap().clone())
        .collect();
    assert!(!bars.is_empty());
    assert_eq!(attributes(&page, "data-swing"), numbers(&bars, &["swing"]));
    assert_eq!(
        attributes(&page, "data-low-probability"),
        numbers(&bars, &["low", "probability"])
    );
    assert_eq!(
        attributes(&page, "data-high-mean"),
        numbers(&bars, &["high", "mean"])
    );
    let sources: Vec<serde_json::Value> = targets
        .iter()
        .flat_map(|t| t["sources"].as_array().unwrap().clone())
        .collect();
    assert!(!sources.is_empty());
    assert_eq!(
        attributes(&page, "data-hit-total"),
        numbers(&sources, &["hit", "total"])
    );
    assert!(page.contains("Sensitivity of Base case, with 1 override"));
    assert!(page.contains("--set client.tiktok_bytedance.churn.probability=0.6"));
    assert!(page.contains("[[client]]"), "the scenario file's text");
    // A tornado and two variance charts per target.
    assert_eq!(
        page.matches("<figure class=\"chart\">").count(),
        3 * targets.len()
    );
}

#[test]
fn compare_page_holds_the_comparison_json() {
    let dir = tempfile::tempdir().unwrap();
    let (json, page) = page_and_json(
        dir.path(),
        &[
            "compare",
            "scenarios/base.toml",
            "scenarios/bytedance_leaves_early.toml",
            "scenarios/diversified.toml",
            "--paths",
            "2000",
        ],
    );
    assert_self_contained(&page);
    assert_eq!(embedded(&page), json);
    let targets = json["targets"].as_array().unwrap();
    let results: Vec<serde_json::Value> = targets
        .iter()
        .flat_map(|t| t["results"].as_array().unwrap().clone())
        .collect();
    assert_eq!(
        attributes(&page, "data-probability"),
        numbers(&results, &["probability"])
    );
    assert_eq!(attributes(&page, "data-mean"), numbers(&results, &["mean"]));
    let differences: Vec<serde_json::Value> = targets
        .iter()
        .flat_map(|t| t["differences"].as_array().unwrap().clone())
        .collect();
    assert_eq!(differences.len(), 2 * targets.len());
    assert_eq!(
        attributes(&page, "data-difference-probability"),
        numbers(&differences, &["probability"])
    );
    assert_eq!(
        attributes(&page, "data-difference-mean"),
        numbers(&differences, &["mean"])
    );
    // The page's text, unescaped as a browser reads it.
    let text = page
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    for missing in json["missing"].as_array().unwrap() {
        let missing = missing.as_str().unwrap();
        assert!(text.contains(missing), "missing[] {missing}");
    }
    assert!(text.contains("scenarios/diversified.toml"));
    // P by scenario and the two difference charts per target.
    assert_eq!(
        page.matches("<figure class=\"chart\">").count(),
        3 * targets.len()
    );
}

#[test]
fn sensitivity_and_compare_refuse_a_bad_report_path_before_any_run() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["sensitivity", "scenarios/base.toml"][..],
        &[
            "compare",
            "scenarios/base.toml",
            "scenarios/diversified.toml",
        ][..],
    ] {
        simulate()
            .args(args)
            .args(["--paths", "100000000", "--report"])
            .arg(dir.path().join("page.pdf"))
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("give it a name ending in .html"));
        simulate()
            .args(args)
            .args(["--paths", "100000000", "--report"])
            .arg(dir.path().join("missing/page.html"))
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("does not exist"));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
