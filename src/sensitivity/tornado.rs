//! The tornado: each uncertain input fixed at a low and a high end, one at
//! a time, everything else random on the same streams.
//!
//! Inputs are every parameter given as a distribution (fixed at its own
//! p10 and p90 by default, clamp included) and every client's churn,
//! whose ends are `churn.probability` = 0 (never) and 1 (at
//! `earliest_month`). Each end is the scenario with that one parameter set
//! to a plain number, exactly as `--set PATH=VALUE` sets it, and all ends
//! run through the batch engine with the base's seed and paths: common
//! random numbers, so an end is the same bits as that `--set` run, and a
//! swing measures the input, not noise.

use std::fmt::Write;

use serde::Serialize;

use crate::engine::batch::{run_batch, thread_pool};
use crate::engine::{EngineError, Observer, RunOptions, RunResult};
use crate::model::Kind;
use crate::report::money::{money, percent, thousands};
use crate::scenario::{ParamValue, Scenario, ScenarioError, closest_path};
use crate::sensitivity::sources::{SourceBy, SourceIndices, source_list, sources};

/// What to run and how to sort it.
#[derive(Clone, Debug)]
pub struct TornadoSpec {
    /// Paths of the inputs to run, in this order; `None` for every
    /// uncertain input.
    pub inputs: Option<Vec<String>>,
    /// The quantiles at which distributions are fixed, 0 < low < high < 1.
    pub low: f64,
    pub high: f64,
    pub by: SortBy,
    /// What a source of the variance by source is.
    pub sources: SourceBy,
}

impl Default for TornadoSpec {
    fn default() -> Self {
        TornadoSpec {
            inputs: None,
            low: 0.1,
            high: 0.9,
            by: SortBy::Probability,
            sources: SourceBy::Stream,
        }
    }
}

/// What the bars are sorted by: |P(high) − P(low)| or |mean(high) −
/// mean(low)|, largest first (ties in input order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    Probability,
    Mean,
}

#[derive(Debug, thiserror::Error)]
pub enum SensitivityError {
    #[error(
        "--low {low} --high {high}: the ends are quantiles with 0 < low < high < 1 \
         (default --low 0.1 --high 0.9)"
    )]
    Ends { low: f64, high: f64 },
    #[error(
        "--inputs {path}: it is a plain number ({value}), not uncertain; \
         the uncertain inputs are: {uncertain}"
    )]
    NotUncertain {
        path: String,
        value: String,
        uncertain: String,
    },
    #[error("--inputs {path}: no parameter has this path{help}")]
    Unknown { path: String, help: String },
    #[error(
        "the scenario has no uncertain input: no parameter is a distribution and no stream is a client"
    )]
    NoInputs,
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// One input and its two ends.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// The `--set` path of the parameter.
    pub path: String,
    /// The segment of its stream: only targets counting it show the input.
    pub segment: String,
    pub low_value: f64,
    pub high_value: f64,
}

/// The uncertain inputs of `scenario` with their ends, in scenario order:
/// per stream its distribution-valued fields, then a client's churn.
pub fn uncertain_inputs(scenario: &Scenario, low: f64, high: f64) -> Vec<Input> {
    let mut inputs = Vec::new();
    for s in &scenario.streams {
        for f in s.model.fields() {
            if f.name != "churn.probability" && f.param.is_random() {
                inputs.push(Input {
                    path: format!("{}.{}", s.path(), f.name),
                    segment: s.segment.clone(),
                    low_value: f.param.quantile(low),
                    high_value: f.param.quantile(high),
                });
            }
        }
        if s.kind() == Kind::Client {
            inputs.push(Input {
                path: format!("{}.churn.probability", s.path()),
                segment: s.segment.clone(),
                low_value: 0.0,
                high_value: 1.0,
            });
        }
    }
    inputs
}

/// The inputs `spec` asks for, checked: every path uncertain and known.
pub fn select_inputs(
    scenario: &Scenario,
    spec: &TornadoSpec,
) -> Result<Vec<Input>, SensitivityError> {
    let (low, high) = (spec.low, spec.high);
    if !(low.is_finite() && high.is_finite() && 0.0 < low && low < high && high < 1.0) {
        return Err(SensitivityError::Ends { low, high });
    }
    let all = uncertain_inputs(scenario, low, high);
    let Some(wanted) = &spec.inputs else {
        return if all.is_empty() {
            Err(SensitivityError::NoInputs)
        } else {
            Ok(all)
        };
    };
    let listing = || {
        all.iter()
            .map(|i| i.path.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let parameters = scenario.parameters();
    wanted
        .iter()
        .map(|path| {
            if let Some(input) = all.iter().find(|i| &i.path == path) {
                return Ok(input.clone());
            }
            if let Some((_, value)) = parameters.iter().find(|(p, _)| p == path) {
                return Err(SensitivityError::NotUncertain {
                    path: path.clone(),
                    value: value.clone(),
                    uncertain: listing(),
                });
            }
            let candidates = all.iter().map(|i| i.path.as_str());
            let help = match closest_path(path, candidates) {
                Some(best) => format!("; did you mean `{best}`?"),
                None => format!("; the uncertain inputs are: {}", listing()),
            };
            Err(SensitivityError::Unknown {
                path: path.clone(),
                help,
            })
        })
        .collect()
}

/// P(target), mean and p5 of one run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Stat {
    pub probability: f64,
    pub mean: f64,
    pub p5: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Bar {
    pub input: String,
    pub low_value: f64,
    pub high_value: f64,
    pub low: Stat,
    pub high: Stat,
    /// P(high) − P(low).
    pub swing: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetTornado {
    pub id: String,
    pub name: String,
    pub amount: f64,
    pub base: Stat,
    /// The inputs of the streams the target counts, sorted by |swing| (or
    /// by the mean's swing), largest first.
    pub tornado: Vec<Bar>,
    /// Variance by source: each of the target's streams' Sobol indices.
    pub sources: Vec<SourceIndices>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Tornado {
    pub scenario: String,
    pub paths: u64,
    pub seed: u64,
    /// The quantiles the distributions were fixed at.
    pub low_quantile: f64,
    pub high_quantile: f64,
    pub targets: Vec<TargetTornado>,
}

/// The scenario with `path` set to the plain number `value`, as
/// `--set PATH=VALUE` would set it.
pub fn at(scenario: &Scenario, path: &str, value: f64) -> Result<Scenario, ScenarioError> {
    let mut variant = scenario.clone();
    variant.set(
        path,
        &ParamValue::Number(value),
        &format!("tornado end {path}={value}"),
    )?;
    Ok(variant)
}

/// Runs the base and both ends of every input of `spec`, 2k + 1 runs on
/// common random numbers, then the variance by source (streams + 2 runs).
pub fn tornado(
    scenario: &Scenario,
    spec: &TornadoSpec,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<Tornado, SensitivityError> {
    let inputs = select_inputs(scenario, spec)?;
    let mut variants = vec![scenario.clone()];
    for input in &inputs {
        variants.push(at(scenario, &input.path, input.low_value)?);
        variants.push(at(scenario, &input.path, input.high_value)?);
    }
    let pool = thread_pool(options.threads)?;
    let mut stats: Vec<Vec<Stat>> = Vec::with_capacity(variants.len());
    let total = options
        .paths
        .saturating_mul((variants.len() + source_list(scenario, spec.sources).len() + 2) as u64);
    let first = Offset {
        inner: observer,
        before: 0,
        total,
    };
    run_batch(&variants, options, &pool, &first, |_, result| {
        stats.push(stats_of(&result));
    })?;
    let second = Offset {
        inner: observer,
        before: options.paths.saturating_mul(variants.len() as u64),
        total,
    };
    let mut by_source = sources(scenario, spec.sources, options, &second)?.into_iter();
    let targets = scenario
        .targets
        .iter()
        .enumerate()
        .map(|(t, target)| {
            let mut bars: Vec<Bar> = inputs
                .iter()
                .enumerate()
                .filter(|(_, input)| target.segments.contains(&input.segment))
                .map(|(k, input)| {
                    let (low, high) = (stats[1 + 2 * k][t], stats[2 + 2 * k][t]);
                    Bar {
                        input: input.path.clone(),
                        low_value: input.low_value,
                        high_value: input.high_value,
                        low,
                        high,
                        swing: high.probability - low.probability,
                    }
                })
                .collect();
            let size = |b: &Bar| match spec.by {
                SortBy::Probability => b.swing.abs(),
                SortBy::Mean => (b.high.mean - b.low.mean).abs(),
            };
            bars.sort_by(|a, b| size(b).total_cmp(&size(a)));
            TargetTornado {
                id: target.id.clone(),
                name: target.name.clone(),
                amount: target.amount,
                base: stats[0][t],
                tornado: bars,
                sources: by_source.next().unwrap_or_default(),
            }
        })
        .collect();
    Ok(Tornado {
        scenario: scenario.name.clone(),
        paths: options.paths,
        seed: options.seed,
        low_quantile: spec.low,
        high_quantile: spec.high,
        targets,
    })
}

/// Progress over both phases, when each knows only its own runs.
struct Offset<'a> {
    inner: &'a dyn Observer,
    before: u64,
    total: u64,
}

impl Observer for Offset<'_> {
    fn progress(&self, done: u64, _total: u64) {
        self.inner.progress(self.before + done, self.total);
    }

    fn should_stop(&self) -> bool {
        self.inner.should_stop()
    }
}

fn stats_of(result: &RunResult) -> Vec<Stat> {
    let n = result.paths as f64;
    result
        .targets
        .iter()
        .map(|t| Stat {
            probability: t.hits as f64 / n,
            mean: t.moments.mean(),
            p5: t.totals.quantile(0.05),
        })
        .collect()
}

/// The tornado for a terminal: per target, its base, then two lines per
/// input, largest swing first.
pub fn render_terminal(t: &Tornado) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Tornado: {} · {} paths · seed {} · distributions at p{} / p{}, churn at 0 / 1",
        t.scenario,
        thousands(t.paths),
        t.seed,
        quantile_label(t.low_quantile),
        quantile_label(t.high_quantile),
    );
    for target in &t.targets {
        let b = &target.base;
        let _ = writeln!(
            out,
            "\n{}  {}   base: P {}  mean {}  p5 {}",
            target.name,
            money(target.amount),
            percent(b.probability),
            money(b.mean),
            money(b.p5)
        );
        for bar in &target.tornado {
            let _ = writeln!(
                out,
                "  {}   {} → {}",
                bar.input,
                value(bar.low_value),
                value(bar.high_value)
            );
            let sign = if bar.swing > 0.0 { "+" } else { "" };
            let _ = writeln!(
                out,
                "      P {} → {} ({sign}{})   mean {} → {}   p5 {} → {}",
                percent(bar.low.probability),
                percent(bar.high.probability),
                percent(bar.swing),
                money(bar.low.mean),
                money(bar.high.mean),
                money(bar.low.p5),
                money(bar.high.p5),
            );
        }
        if !target.sources.is_empty() {
            let _ = writeln!(
                out,
                "  Variance by source (Sobol indices; 95% bootstrap interval over blocks)"
            );
        }
        for s in &target.sources {
            let _ = writeln!(out, "  {}", s.source);
            for (what, index) in [("revenue", &s.revenue), ("hit", &s.hit)] {
                let _ = writeln!(
                    out,
                    "      {what:<8} first {}   total {}",
                    with_interval(index.first_order, index.first_order_ci95),
                    with_interval(index.total, index.total_ci95),
                );
            }
        }
    }
    out
}

/// `0.553 [0.541, 0.566]`; `–` for an index that is not defined (the
/// function does not vary).
fn with_interval(x: f64, [lo, hi]: [f64; 2]) -> String {
    if x.is_finite() {
        format!("{x:.3} [{lo:.3}, {hi:.3}]")
    } else {
        "–".to_string()
    }
}

/// `10` for 0.1, `2.5` for 0.025.
fn quantile_label(q: f64) -> String {
    let x = q * 100.0;
    let rounded = (x * 1e6).round() / 1e6;
    rounded.to_string()
}

/// A parameter value: money-like amounts with a suffix, rates as they are.
fn value(x: f64) -> String {
    if x.abs() >= 1e3 {
        money(x).trim_start_matches('$').replace("-$", "-")
    } else {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s.is_empty() || s == "-" {
            "0".into()
        } else {
            s.to_string()
        }
    }
}

/// The tornado as one JSON object.
pub fn render_json(t: &Tornado) -> String {
    serde_json::to_string_pretty(t).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}
