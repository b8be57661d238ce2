//! `simulate compare A.toml B.toml ...`: scenarios side by side, and each
//! one's difference from the first with its paired and unpaired standard
//! errors.
//!
//! Every scenario runs with the same seed and paths (the first file's,
//! unless the command line says otherwise), so a stream with the same
//! kind and id draws the same numbers in all of them, and the difference
//! of two scenarios on a path comes from what differs between them. The
//! paired standard error of a difference is the sd of the path-by-path
//! differences over √n; the unpaired one, √(Var_A/n + Var_B/n), is what
//! two independent runs would give. Targets are matched by id; targets
//! and streams missing from some scenarios are named in `missing`.

use std::fmt::Write;

use serde::Serialize;

use crate::engine::batch::thread_pool;
use crate::engine::paired::{PairedDifference, run_paired, run_paired_to_precision};
use crate::engine::precision::Precision;
use crate::engine::{EngineError, Observer, RunOptions, RunResult};
use crate::report::money::{money, percent, thousands};
use crate::scenario::Scenario;
use crate::stats::{Z95, wilson_interval};
use crate::sweep::csv::field;

/// Why scenarios could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("compare needs at least two scenario files, got {0}")]
    TooFew(usize),
    #[error("the scenarios have no target in common (targets are matched by id): {0}")]
    NoCommonTarget(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// A compared scenario: the file as the user named it, and its contents.
pub struct Input {
    pub file: String,
    pub scenario: Scenario,
}

#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub scenarios: Vec<ScenarioInfo>,
    pub paths: u64,
    pub seed: u64,
    pub targets: Vec<TargetComparison>,
    /// Targets and streams not in every scenario, in words.
    pub missing: Vec<String>,
    /// Where and why a comparison run to a precision stopped: every
    /// scenario's P(hit) (or mean) on every target within the half-width
    /// asked, all scenarios stopping together so their paths stay paired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopping: Option<CompareStopping>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CompareStopping {
    /// "precision" or "max_paths".
    pub reason: &'static str,
    pub max_paths: u64,
    /// `{ measure, asked }` of each rule.
    pub rules: Vec<AskedRule>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AskedRule {
    pub measure: &'static str,
    pub asked: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioInfo {
    pub file: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetComparison {
    pub id: String,
    /// The first scenario's name and amount of the target (each scenario's
    /// probability uses its own amount).
    pub name: String,
    pub amount: f64,
    pub results: Vec<ScenarioResult>,
    /// Each scenario after the first, against the first.
    pub differences: Vec<Difference>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioResult {
    pub file: String,
    pub probability: f64,
    pub probability_ci95: [f64; 2],
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Difference {
    pub file: String,
    /// P_i − P_0.
    pub probability: f64,
    pub probability_se_paired: f64,
    pub probability_se_unpaired: f64,
    /// mean_i − mean_0.
    pub mean: f64,
    pub mean_se_paired: f64,
    pub mean_se_unpaired: f64,
}

/// Compares `inputs` with the paths, seed and threads of `options`, or,
/// given a precision, until every scenario meets it (`options.paths` is
/// then not used).
pub fn compare(
    inputs: &[Input],
    options: &RunOptions,
    precision: Option<&Precision>,
    observer: &dyn Observer,
) -> Result<Comparison, CompareError> {
    if inputs.len() < 2 {
        return Err(CompareError::TooFew(inputs.len()));
    }
    let files: Vec<&str> = inputs.iter().map(|i| i.file.as_str()).collect();
    let first = &inputs[0].scenario;
    // Targets in the first file's order, kept when every file has them.
    let mut common: Vec<Vec<usize>> = Vec::new();
    for t in &first.targets {
        let found: Option<Vec<usize>> = inputs
            .iter()
            .map(|i| i.scenario.targets.iter().position(|u| u.id == t.id))
            .collect();
        if let Some(indices) = found {
            common.push(indices);
        }
    }
    let missing = missing(inputs);
    if common.is_empty() {
        let listing: Vec<String> = inputs
            .iter()
            .map(|i| {
                let ids: Vec<&str> = i.scenario.targets.iter().map(|t| t.id.as_str()).collect();
                format!("{} has {}", i.file, ids.join(", "))
            })
            .collect();
        return Err(CompareError::NoCommonTarget(listing.join("; ")));
    }
    let scenarios: Vec<Scenario> = inputs.iter().map(|i| i.scenario.clone()).collect();
    let pool = thread_pool(options.threads)?;
    let paired = match precision {
        Some(precision) => {
            run_paired_to_precision(&scenarios, &common, options, precision, &pool, observer)?
        }
        None => run_paired(&scenarios, &common, options, &pool, observer)?,
    };
    let paths = paired.results[0].paths;
    let stopping = paired.results[0]
        .stopping
        .as_ref()
        .map(|s| CompareStopping {
            reason: s.reason.as_str(),
            max_paths: s.precision.max_paths,
            rules: s
                .precision
                .rules
                .iter()
                .map(|r| AskedRule {
                    measure: r.name(),
                    asked: r.asked(),
                })
                .collect(),
        });
    let targets = common
        .iter()
        .zip(&paired.differences)
        .map(|(indices, differences)| {
            let t = &first.targets[indices[0]];
            let results: Vec<ScenarioResult> = paired
                .results
                .iter()
                .zip(indices)
                .zip(&files)
                .map(|((r, &k), file)| result(r, k, file))
                .collect();
            let differences = differences
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let (a, b) = (&paired.results[0], &paired.results[i + 1]);
                    difference(files[i + 1], d, (a, indices[0]), (b, indices[i + 1]))
                })
                .collect();
            TargetComparison {
                id: t.id.clone(),
                name: t.name.clone(),
                amount: t.amount,
                results,
                differences,
            }
        })
        .collect();
    Ok(Comparison {
        scenarios: inputs
            .iter()
            .map(|i| ScenarioInfo {
                file: i.file.clone(),
                name: i.scenario.name.clone(),
            })
            .collect(),
        paths,
        seed: options.seed,
        targets,
        missing,
        stopping,
    })
}

fn result(r: &RunResult, target: usize, file: &str) -> ScenarioResult {
    let t = &r.targets[target];
    let n = r.paths;
    let (lo, hi) = wilson_interval(t.hits, n, Z95);
    ScenarioResult {
        file: file.to_string(),
        probability: t.hits as f64 / n as f64,
        probability_ci95: [lo, hi],
        mean: t.moments.mean(),
        p5: t.totals.quantile(0.05),
        p50: t.totals.quantile(0.50),
        p95: t.totals.quantile(0.95),
    }
}

/// Scenario `b` against `a` on one target each: the difference of the
/// estimates, the paired standard error (sd of the path differences over
/// √n) and the unpaired one (√(Var_a/n + Var_b/n), as if independent).
fn difference(
    file: &str,
    d: &PairedDifference,
    (a, ta): (&RunResult, usize),
    (b, tb): (&RunResult, usize),
) -> Difference {
    let n = a.paths as f64;
    let (ra, rb) = (&a.targets[ta], &b.targets[tb]);
    // The sample variance of a hit indicator, as Moments would give it.
    let hit_variance = |hits: u64| {
        let p = hits as f64 / n;
        if n > 1.0 {
            p * (1.0 - p) * n / (n - 1.0)
        } else {
            f64::NAN
        }
    };
    Difference {
        file: file.to_string(),
        probability: rb.hits as f64 / n - ra.hits as f64 / n,
        probability_se_paired: d.hit.std_error(),
        probability_se_unpaired: ((hit_variance(ra.hits) + hit_variance(rb.hits)) / n).sqrt(),
        mean: rb.moments.mean() - ra.moments.mean(),
        mean_se_paired: d.revenue.std_error(),
        mean_se_unpaired: ((ra.moments.variance() + rb.moments.variance()) / n).sqrt(),
    }
}

/// Targets (by id) and streams (by `kind.id`) that some scenarios lack.
fn missing(inputs: &[Input]) -> Vec<String> {
    let mut out = Vec::new();
    let mut note = |what: String, present: &dyn Fn(&Scenario) -> bool| {
        let lacking: Vec<&str> = inputs
            .iter()
            .filter(|i| !present(&i.scenario))
            .map(|i| i.file.as_str())
            .collect();
        if !lacking.is_empty() {
            out.push(format!("{what} is not in {}", lacking.join(", ")));
        }
    };
    let mut seen = Vec::new();
    for i in inputs {
        for t in &i.scenario.targets {
            if !seen.contains(&format!("target {}", t.id)) {
                seen.push(format!("target {}", t.id));
                note(format!("target {}", t.id), &|s: &Scenario| {
                    s.targets.iter().any(|u| u.id == t.id)
                });
            }
        }
    }
    for i in inputs {
        for s in &i.scenario.streams {
            let path = s.path();
            if !seen.contains(&format!("stream {path}")) {
                seen.push(format!("stream {path}"));
                note(format!("stream {path}"), &|x: &Scenario| {
                    x.streams.iter().any(|u| u.path() == path)
                });
            }
        }
    }
    out
}

/// Widest scenario name in the terminal table.
const NAME_WIDTH: usize = 24;

/// The comparison as tables for a terminal, one per target (under 80
/// columns).
pub fn render_terminal(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Compared on common random numbers: {} paths · seed {}",
        thousands(c.paths),
        c.seed
    );
    if let Some(s) = &c.stopping {
        let rules: Vec<String> = s
            .rules
            .iter()
            .map(|r| match r.measure {
                "probability" => format!("P(hit) ±{:.2} points", 100.0 * r.asked),
                _ => format!("mean ±{:.3}%", 100.0 * r.asked),
            })
            .collect();
        let _ = match s.reason {
            "precision" => writeln!(
                out,
                "Stopped at {} paths: every scenario within {} (95%)",
                thousands(c.paths),
                rules.join(" and ")
            ),
            _ => writeln!(
                out,
                "Stopped at --max-paths {} before every scenario was within {}",
                thousands(s.max_paths),
                rules.join(" and ")
            ),
        };
    }
    for s in &c.scenarios {
        let _ = writeln!(out, "  {}  ({})", s.name, s.file);
    }
    let names: Vec<&str> = c.scenarios.iter().map(|s| s.name.as_str()).collect();
    for t in &c.targets {
        let _ = writeln!(out, "\n{}  {}", t.name, money(t.amount));
        let _ = writeln!(
            out,
            "  {:<NAME_WIDTH$} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "scenario", "P(target)", "mean", "p5", "p50", "p95"
        );
        for (r, name) in t.results.iter().zip(&names) {
            let _ = writeln!(
                out,
                "  {:<NAME_WIDTH$} {:>9} {:>9} {:>9} {:>9} {:>9}",
                truncate(name, NAME_WIDTH),
                percent(r.probability),
                money(r.mean),
                money(r.p5),
                money(r.p50),
                money(r.p95)
            );
        }
        let _ = writeln!(
            out,
            "  {:<NAME_WIDTH$} {:>8} {:>15} {:>9} {:>17}",
            format!("minus {}", truncate(names[0], NAME_WIDTH - 6)),
            "ΔP",
            "se paired/unp.",
            "Δmean",
            "se paired/unp."
        );
        for (d, name) in t.differences.iter().zip(&names[1..]) {
            let _ = writeln!(
                out,
                "  {:<NAME_WIDTH$} {:>8} {:>15} {:>9} {:>17}",
                truncate(name, NAME_WIDTH),
                signed(percent(d.probability), d.probability),
                format!(
                    "{:.2}%/{:.2}%",
                    100.0 * d.probability_se_paired,
                    100.0 * d.probability_se_unpaired
                ),
                signed(money(d.mean), d.mean),
                format!("{}/{}", money(d.mean_se_paired), money(d.mean_se_unpaired)),
            );
        }
    }
    if !c.missing.is_empty() {
        let _ = writeln!(out, "\nNot compared:");
        for m in &c.missing {
            let _ = writeln!(out, "  {m}");
        }
    }
    out
}

fn signed(text: String, x: f64) -> String {
    if x > 0.0 { format!("+{text}") } else { text }
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}

/// The comparison as one JSON object.
pub fn render_json(c: &Comparison) -> String {
    serde_json::to_string_pretty(c).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}

/// The CSV columns: a line per target and scenario; the difference columns
/// are empty on the first scenario's lines.
pub const CSV_COLUMNS: [&str; 17] = [
    "target",
    "amount",
    "file",
    "scenario",
    "probability",
    "probability_ci95_lo",
    "probability_ci95_hi",
    "mean",
    "p5",
    "p50",
    "p95",
    "probability_difference",
    "probability_se_paired",
    "probability_se_unpaired",
    "mean_difference",
    "mean_se_paired",
    "mean_se_unpaired",
];

/// The comparison as CSV, numbers in the shortest form that reads back to
/// the same f64.
pub fn render_csv(c: &Comparison) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for t in &c.targets {
        for (i, (r, s)) in t.results.iter().zip(&c.scenarios).enumerate() {
            let mut cells = vec![
                field(&t.id),
                t.amount.to_string(),
                field(&r.file),
                field(&s.name),
            ];
            cells.extend(
                [
                    r.probability,
                    r.probability_ci95[0],
                    r.probability_ci95[1],
                    r.mean,
                    r.p5,
                    r.p50,
                    r.p95,
                ]
                .iter()
                .map(|x| x.to_string()),
            );
            match i.checked_sub(1).and_then(|k| t.differences.get(k)) {
                Some(d) => cells.extend(
                    [
                        d.probability,
                        d.probability_se_paired,
                        d.probability_se_unpaired,
                        d.mean,
                        d.mean_se_paired,
                        d.mean_se_unpaired,
                    ]
                    .iter()
                    .map(|x| x.to_string()),
                ),
                None => cells.extend(std::iter::repeat_n(String::new(), 6)),
            }
            let _ = writeln!(out, "{}", cells.join(","));
        }
    }
    out
}
