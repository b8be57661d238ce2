//! A sweep as one JSON object: what was run, then `points` in point order.
//!
//! Each point's `values` line up with `parameters` (a number, or a
//! distribution as the scenario file writes it), its `targets` with
//! `targets`, and its `stream_means` with `streams`. Timing and the date
//! are left out so that the same sweep, seed and paths give the same bytes
//! (with the same engine version).

use serde::Serialize;

use super::run::SweepResult;
use crate::dist::Param;

/// The sweep as the JSON shows it; the HTML page is rendered from it too.
#[derive(Serialize)]
pub struct Document<'a> {
    sweep: &'a str,
    scenario: &'a str,
    design: &'a str,
    paths: u64,
    seed: u64,
    overrides: &'a [String],
    scenario_hash: &'a str,
    engine_version: &'a str,
    /// The precision each point ran to, when the sweep ran to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<PrecisionDoc>,
    parameters: &'a [String],
    targets: Vec<Target<'a>>,
    streams: &'a [String],
    points: Vec<Point<'a>>,
}

#[derive(Serialize)]
struct Target<'a> {
    id: &'a str,
    name: &'a str,
    amount: f64,
}

#[derive(Serialize)]
struct PrecisionDoc {
    /// `{ measure, asked }` of each rule, all of which held at a point
    /// unless its `paths` reached `max_paths`.
    rules: Vec<RuleDoc>,
    max_paths: u64,
}

#[derive(Serialize)]
struct RuleDoc {
    measure: &'static str,
    asked: f64,
}

#[derive(Serialize)]
struct Point<'a> {
    values: Vec<&'a Param>,
    /// The paths this point ran, when the sweep ran to a precision.
    #[serde(skip_serializing_if = "Option::is_none")]
    paths: Option<u64>,
    targets: Vec<TargetAt<'a>>,
    stream_means: &'a [f64],
}

#[derive(Serialize)]
struct TargetAt<'a> {
    id: &'a str,
    probability: f64,
    probability_ci95: [f64; 2],
    mean: f64,
    p5: f64,
    p50: f64,
    p95: f64,
    expected_shortfall: f64,
}

pub fn render(result: &SweepResult) -> String {
    // Only numbers, strings and plain structs: serialising cannot fail, but
    // say so rather than panic if that ever changes.
    let mut text = serde_json::to_string_pretty(&document(result))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// Checks that every number of the sweep's results is finite, as
/// [`crate::report::ensure_finite`] does for a run's report.
pub fn ensure_finite(result: &SweepResult) -> Result<(), crate::report::NonFinite> {
    crate::report::ensure_finite(&document(result))
}

/// The document [`render`] prints.
pub fn document(result: &SweepResult) -> Document<'_> {
    Document {
        sweep: &result.origin,
        scenario: &result.scenario,
        design: result.design.name(),
        paths: result.paths,
        seed: result.seed,
        overrides: &result.overrides,
        scenario_hash: &result.scenario_hash,
        engine_version: env!("CARGO_PKG_VERSION"),
        precision: result.precision.as_ref().map(|p| PrecisionDoc {
            rules: p
                .rules
                .iter()
                .map(|r| RuleDoc {
                    measure: r.name(),
                    asked: r.asked(),
                })
                .collect(),
            max_paths: p.max_paths,
        }),
        parameters: &result.parameters,
        targets: result
            .targets
            .iter()
            .map(|t| Target {
                id: &t.id,
                name: &t.name,
                amount: t.amount,
            })
            .collect(),
        streams: &result.streams,
        points: result
            .rows
            .iter()
            .map(|row| Point {
                values: row.values.iter().map(|v| v.param()).collect(),
                paths: result.precision.as_ref().map(|_| row.paths),
                targets: result
                    .targets
                    .iter()
                    .zip(&row.targets)
                    .map(|(info, t)| TargetAt {
                        id: &info.id,
                        probability: t.probability,
                        probability_ci95: t.probability_ci95,
                        mean: t.mean,
                        p5: t.p5,
                        p50: t.p50,
                        p95: t.p95,
                        expected_shortfall: t.expected_shortfall,
                    })
                    .collect(),
                stream_means: &row.streams,
            })
            .collect(),
    }
}
