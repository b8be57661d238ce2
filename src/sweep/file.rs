//! The sweep file: which scenario, how many paths per point, which design,
//! and the parameters to vary.
//!
//! Read in two stages, as scenario files are: serde structs that mirror the
//! file and keep the span of every value, then checks that turn them into a
//! [`Sweep`] whose every level is a value the scenario accepts. All
//! problems are collected, each with its file, line, column and field, so
//! that a broken sweep file is fixed in one go and never fails half-way
//! through a long run.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::dist::Param;
use crate::scenario::{
    Diagnostic, FileKind, ParamValue, Scenario, ScenarioError, Whole, build_param, closest,
    looks_like, translate,
};

/// The most points a sweep may have. A point costs a scenario's worth of
/// simulation, so more than this is a mistake in the file, not a plan.
pub const MAX_POINTS: u64 = 100_000;

/// The most values one `range` may expand to.
pub const MAX_STEPS: i64 = 100_000;

const DESIGNS: [&str; 2] = ["grid", "latin_hypercube"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    scenario: Spanned<String>,
    paths: Option<Spanned<Whole>>,
    design: Option<Spanned<String>>,
    points: Option<Spanned<Whole>>,
    #[serde(default)]
    vary: Vec<Spanned<RawVary>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVary {
    path: Spanned<String>,
    values: Option<Spanned<Vec<Spanned<ParamValue>>>>,
    range: Option<Spanned<RawRange>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    from: Spanned<f64>,
    to: Spanned<f64>,
    steps: Option<Spanned<Whole>>,
}

/// A validated sweep: the base scenario and the values to give it.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The sweep file, as named in messages and outputs.
    pub origin: String,
    /// The scenario every point starts from.
    pub scenario: Scenario,
    /// Paths per point from the file; the scenario's when `None`.
    pub paths: Option<u64>,
    pub design: Design,
    /// In the order of the file, which is the order of the output columns.
    pub vary: Vec<Vary>,
    /// `--set PATH=VALUE` assignments applied to the scenario before the
    /// sweep's own values (see [`Sweep::set_assignment`]).
    pub overrides: Vec<String>,
}

/// How the points are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    /// Every combination of the listed values (full factorial).
    Grid,
    /// `points` points, each parameter's range cut into `points` equal
    /// strata and every stratum used once, in a seeded random pairing.
    LatinHypercube { points: u64 },
}

impl Design {
    /// The name as written in the file.
    pub fn name(self) -> &'static str {
        match self {
            Design::Grid => "grid",
            Design::LatinHypercube { .. } => "latin_hypercube",
        }
    }
}

/// One varied parameter.
#[derive(Clone, Debug)]
pub struct Vary {
    /// As `--set` spells it, for example `client.tiktok_bytedance.churn.probability`.
    pub path: String,
    pub levels: Levels,
}

/// The values a varied parameter takes.
#[derive(Clone, Debug)]
pub enum Levels {
    /// From `values`, or from a `range` with `steps`, in order.
    Listed(Vec<Level>),
    /// Any number from `from` to `to`: a latin hypercube `range` without
    /// `steps`. Only for fields that take any number in an interval.
    Interval { from: f64, to: f64 },
}

/// One value of a varied parameter: what [`Scenario::set`] is given, and
/// the parameter it makes, which outputs print.
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    value: ParamValue,
    param: Param,
}

impl Level {
    /// A fixed number. The scenario checks it when the point is made.
    pub fn number(x: f64) -> Level {
        Level {
            value: ParamValue::Number(x),
            param: Param::fixed(x),
        }
    }

    pub fn value(&self) -> &ParamValue {
        &self.value
    }

    pub fn param(&self) -> &Param {
        &self.param
    }
}

impl Sweep {
    /// Applies `PATH=VALUE`, as given to `--set`, to the base scenario and
    /// records it: every point starts from the changed scenario, and a
    /// varied path still takes the sweep's values.
    pub fn set_assignment(&mut self, assignment: &str) -> Result<(), ScenarioError> {
        self.scenario.set_assignment(assignment)?;
        self.overrides.push(assignment.to_string());
        Ok(())
    }

    /// Reads and checks a sweep file and the scenario it names, whose path
    /// is relative to the sweep file's folder.
    pub fn load(path: &Path) -> Result<Sweep, ScenarioError> {
        let origin = path.display().to_string();
        let text = crate::scenario::read_text(path).map_err(|e| {
            Diagnostic::new(&origin, None, format!("cannot read the sweep file: {e}"))
        })?;
        let folder = path.parent().unwrap_or(Path::new(""));
        Sweep::parse(&text, &origin, folder)
    }

    /// Checks sweep text; `origin` names it in messages and `folder` is
    /// where a relative `scenario` path starts.
    pub fn parse(text: &str, origin: &str, folder: &Path) -> Result<Sweep, ScenarioError> {
        Sweep::parse_checked(text, origin, folder, None)
    }

    /// As [`Sweep::parse`], with the scenario's text given rather than
    /// read from its file (`scenario_origin` names it): how a merge of a
    /// distributed sweep rebuilds it from what its part files carry.
    pub fn parse_given(
        text: &str,
        origin: &str,
        folder: &Path,
        scenario_origin: &str,
        scenario_text: &str,
    ) -> Result<Sweep, ScenarioError> {
        Sweep::parse_checked(text, origin, folder, Some((scenario_origin, scenario_text)))
    }

    fn parse_checked(
        text: &str,
        origin: &str,
        folder: &Path,
        given: Option<(&str, &str)>,
    ) -> Result<Sweep, ScenarioError> {
        let raw: RawSweep = toml::from_str(text).map_err(|e| {
            if looks_like(text) == Some(FileKind::Scenario) {
                return Diagnostic::new(origin, None, "this is a scenario file, not a sweep file")
                    .with_help(
                        "run it with `simulate FILE`; a sweep file names its scenario \
                         (scenario = \"base.toml\") and varies parameters in [[vary]] tables",
                    );
            }
            translate(&e, text, origin)
        })?;
        let mut checker = Checker {
            text,
            origin,
            given,
            problems: Vec::new(),
        };
        let sweep = checker.sweep(raw, folder);
        match sweep {
            Some(sweep) if checker.problems.is_empty() => Ok(sweep),
            _ => Err(ScenarioError::Invalid(checker.problems)),
        }
    }

    /// Paths per point: the file's, or else the scenario's.
    pub fn paths_per_point(&self) -> u64 {
        self.paths.unwrap_or(self.scenario.paths)
    }

    /// The base scenario with the values of one point set. `point` holds a
    /// level per entry of [`Sweep::vary`], in order.
    pub fn variant(&self, point: &[Level]) -> Result<Scenario, ScenarioError> {
        let mut scenario = self.scenario.clone();
        for (vary, level) in self.vary.iter().zip(point) {
            scenario.set(&vary.path, level.value(), &self.origin)?;
        }
        Ok(scenario)
    }
}

/// Fields that hold whole numbers: a continuous range cannot feed them.
pub(super) fn takes_whole_numbers(path: &str) -> bool {
    path == "scenario.horizon_months" || path.ends_with(".churn.earliest_month")
}

struct Checker<'a> {
    text: &'a str,
    origin: &'a str,
    /// The scenario's origin and text, when given rather than read.
    given: Option<(&'a str, &'a str)>,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn report(&mut self, span: Range<usize>, field: &str, message: String, help: String) {
        let d = Diagnostic::at(self.origin, self.text, Some(span), Some(field), message);
        self.problems.push(d.with_help(help));
    }

    /// The checked sweep, or `None` when a part of it could not be built;
    /// problems are in `self.problems` either way.
    fn sweep(&mut self, raw: RawSweep, folder: &Path) -> Option<Sweep> {
        let scenario = self.scenario(&raw.scenario, folder);
        let paths = raw.paths.as_ref().and_then(|p| {
            let n = p.get_ref().whole().and_then(|n| u64::try_from(n).ok());
            let min = crate::engine::MIN_PATHS;
            if n.is_none_or(|n| n < min) {
                self.report(
                    p.span(),
                    "paths",
                    format!("{} is not allowed", p.get_ref()),
                    format!("a whole number >= {min}: the paths run at every point"),
                );
            }
            n.filter(|&n| n >= min)
        });
        let design = self.design(raw.design.as_ref(), raw.points.as_ref());

        if raw.vary.is_empty() {
            self.problems.push(
                Diagnostic::new(self.origin, None, "the sweep varies nothing").with_help(
                    "add at least one [[vary]] table with `path` and either `values` or `range`",
                ),
            );
        }
        let mut seen = HashSet::new();
        let mut vary = Vec::new();
        for v in &raw.vary {
            let path = v.get_ref().path.get_ref();
            if !seen.insert(path.clone()) {
                self.report(
                    v.get_ref().path.span(),
                    "vary.path",
                    format!("`{path}` is varied twice"),
                    "give each parameter one [[vary]] table".into(),
                );
                continue;
            }
            if let Some(v) = self.vary(v, scenario.as_ref(), design) {
                vary.push(v);
            }
        }
        let design = design?;
        if design == Design::Grid && vary.len() == raw.vary.len() {
            let mut sizes = vary.iter().map(|v| match &v.levels {
                Levels::Listed(l) => l.len() as u64,
                Levels::Interval { .. } => 1,
            });
            let total = sizes.try_fold(1u64, |acc, n| acc.checked_mul(n));
            if total.is_none_or(|t| t > MAX_POINTS) {
                let shown = total.map_or("more than 2^64".into(), |t| t.to_string());
                self.problems.push(
                    Diagnostic::new(
                        self.origin,
                        None,
                        format!("the grid has {shown} points, more than the {MAX_POINTS} allowed"),
                    )
                    .with_help("use fewer values, or design = \"latin_hypercube\" with `points`"),
                );
            }
        }
        Some(Sweep {
            origin: self.origin.to_string(),
            scenario: scenario?,
            paths,
            design,
            vary,
            overrides: Vec::new(),
        })
    }

    fn scenario(&mut self, raw: &Spanned<String>, folder: &Path) -> Option<Scenario> {
        let path = folder.join(raw.get_ref());
        let loaded = match self.given {
            Some((origin, text)) => Scenario::parse(text, origin),
            None => Scenario::load(&path),
        };
        match loaded {
            Ok(s) => Some(s),
            Err(ScenarioError::Read { path, cause }) => {
                self.report(
                    raw.span(),
                    "scenario",
                    format!("cannot read the scenario file {path}: {cause}"),
                    "the path is relative to the folder of the sweep file".into(),
                );
                None
            }
            Err(ScenarioError::Invalid(problems)) => {
                self.problems.extend(problems);
                None
            }
        }
    }

    fn design(
        &mut self,
        raw: Option<&Spanned<String>>,
        points: Option<&Spanned<Whole>>,
    ) -> Option<Design> {
        let name = raw.map_or("grid", |d| d.get_ref().as_str());
        match (name, points) {
            ("grid", None) => Some(Design::Grid),
            ("grid", Some(p)) => {
                self.report(
                    p.span(),
                    "points",
                    "`points` is only for design = \"latin_hypercube\"".into(),
                    "a grid has one point per combination of values; remove `points`".into(),
                );
                None
            }
            ("latin_hypercube", Some(p)) => {
                let n = p.get_ref().whole().unwrap_or(0);
                if n < 2 || n as u64 > MAX_POINTS {
                    self.report(
                        p.span(),
                        "points",
                        format!("{} is not allowed", p.get_ref()),
                        format!("a whole number from 2 to {MAX_POINTS}"),
                    );
                    return None;
                }
                Some(Design::LatinHypercube { points: n as u64 })
            }
            ("latin_hypercube", None) => {
                let span = raw.map_or(0..0, |d| d.span());
                self.report(
                    span,
                    "design",
                    "a latin hypercube needs `points`".into(),
                    "add points = N, the number of scenario variants to run".into(),
                );
                None
            }
            (other, _) => {
                let allowed = "\"grid\" (every combination) or \"latin_hypercube\"";
                let help = match closest(other, DESIGNS) {
                    Some(best) => format!("did you mean \"{best}\"? allowed: {allowed}"),
                    None => format!("allowed: {allowed}"),
                };
                let span = raw.map_or(0..0, |d| d.span());
                self.report(span, "design", format!("unknown design \"{other}\""), help);
                None
            }
        }
    }

    fn vary(
        &mut self,
        raw: &Spanned<RawVary>,
        scenario: Option<&Scenario>,
        design: Option<Design>,
    ) -> Option<Vary> {
        let v = raw.get_ref();
        let path = v.path.get_ref().as_str();
        let lists = match (&v.values, &v.range) {
            (Some(values), None) => self.values(path, values),
            (None, Some(range)) => self.range(path, range, design),
            (Some(_), Some(_)) => {
                self.report(
                    raw.span(),
                    path,
                    "a [[vary]] has both `values` and `range`".into(),
                    "give one of them".into(),
                );
                None
            }
            (None, None) => {
                self.report(
                    raw.span(),
                    path,
                    "a [[vary]] needs `values` or `range`".into(),
                    "for example values = [0.1, 0.5] or range = { from = 0, to = 1, steps = 11 }"
                        .into(),
                );
                None
            }
        };
        let scenario = scenario?;
        if !self.known_path(scenario, &v.path) {
            return None;
        }
        let (levels, spans) = lists?;
        // Each value through the scenario's own checks, on a scratch copy.
        let mut scratch = scenario.clone();
        let mut checked = Vec::new();
        for (value, span) in levels.iter().zip(spans) {
            if let Err(d) = scratch.set(path, value.value(), self.origin) {
                let mut problem =
                    Diagnostic::at(self.origin, self.text, Some(span), Some(path), d.message);
                problem.help = d.help;
                self.problems.push(problem);
                return None;
            }
            checked.push(value.clone());
        }
        let levels = match (&v.range, design) {
            (Some(range), Some(Design::LatinHypercube { .. }))
                if range.get_ref().steps.is_none() =>
            {
                if takes_whole_numbers(path) {
                    self.report(
                        range.span(),
                        path,
                        "this field takes whole numbers, which a continuous range does not give"
                            .into(),
                        "add `steps` to the range, or list the values".into(),
                    );
                    return None;
                }
                let r = range.get_ref();
                Levels::Interval {
                    from: *r.from.get_ref(),
                    to: *r.to.get_ref(),
                }
            }
            _ => Levels::Listed(checked),
        };
        Some(Vary {
            path: path.to_string(),
            levels,
        })
    }

    /// Whether `path` names a parameter a sweep may vary; reports why not.
    fn known_path(&mut self, scenario: &Scenario, path: &Spanned<String>) -> bool {
        let span = path.span();
        let path = path.get_ref().as_str();
        match path {
            "scenario.seed" => {
                self.report(
                    span,
                    "vary.path",
                    "a sweep cannot vary the seed: every point uses the same random numbers, \
                     which is what makes points comparable"
                        .into(),
                    "run the whole sweep with another seed with --seed".into(),
                );
                return false;
            }
            "scenario.paths" => {
                self.report(
                    span,
                    "vary.path",
                    "a sweep cannot vary the number of paths: every point runs the same paths"
                        .into(),
                    "set paths = N at the top of the sweep file, or use --paths".into(),
                );
                return false;
            }
            _ => {}
        }
        let paths = scenario.parameter_paths();
        if paths.iter().any(|p| p == path) {
            return true;
        }
        let help = match closest(path, paths.iter().map(String::as_str)) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "paths are kind.id.field, target.id.amount or scenario.horizon_months; \
                 `simulate {} --list-parameters` lists them",
                scenario.origin
            ),
        };
        self.report(
            span,
            "vary.path",
            format!("the scenario has no parameter `{path}`"),
            help,
        );
        false
    }

    /// The listed values with their spans.
    fn values(
        &mut self,
        path: &str,
        raw: &Spanned<Vec<Spanned<ParamValue>>>,
    ) -> Option<(Vec<Level>, Vec<Range<usize>>)> {
        if raw.get_ref().is_empty() {
            self.report(
                raw.span(),
                path,
                "an empty list of values".into(),
                "give at least one value, for example values = [0.1, 0.5, 0.9]".into(),
            );
            return None;
        }
        let mut levels = Vec::new();
        let mut spans = Vec::new();
        for value in raw.get_ref() {
            match build_param(value.get_ref()) {
                Ok(param) => {
                    levels.push(Level {
                        value: value.get_ref().clone(),
                        param,
                    });
                    spans.push(value.span());
                }
                Err((message, help)) => {
                    let d = Diagnostic::at(
                        self.origin,
                        self.text,
                        Some(value.span()),
                        Some(path),
                        message,
                    );
                    self.problems.push(match help {
                        Some(h) => d.with_help(h),
                        None => d,
                    });
                    return None;
                }
            }
        }
        Some((levels, spans))
    }

    /// The values a range stands for: `steps` evenly spaced ones, or (in a
    /// latin hypercube without `steps`) its two ends, to be checked.
    fn range(
        &mut self,
        path: &str,
        raw: &Spanned<RawRange>,
        design: Option<Design>,
    ) -> Option<(Vec<Level>, Vec<Range<usize>>)> {
        let r = raw.get_ref();
        let (from, to) = (*r.from.get_ref(), *r.to.get_ref());
        for (name, x) in [("from", &r.from), ("to", &r.to)] {
            if !x.get_ref().is_finite() {
                self.report(
                    x.span(),
                    path,
                    format!(
                        "range `{name}` must be a finite number, got {}",
                        x.get_ref()
                    ),
                    "a number".into(),
                );
                return None;
            }
        }
        if from >= to {
            self.report(
                raw.span(),
                path,
                format!("an empty range: `from` ({from}) must be less than `to` ({to})"),
                "to go downwards, or to give a single value, list the values with values = [...]"
                    .into(),
            );
            return None;
        }
        let steps = match (&r.steps, design) {
            (Some(s), _) => {
                let n = s.get_ref().whole().unwrap_or(0);
                if !(2..=MAX_STEPS).contains(&n) {
                    self.report(
                        s.span(),
                        path,
                        format!("steps = {} is not allowed", s.get_ref()),
                        format!(
                            "a whole number from 2 (just the two ends) to {MAX_STEPS}; \
                             for one value use values = [x]"
                        ),
                    );
                    return None;
                }
                n as u64
            }
            (None, Some(Design::Grid)) => {
                self.report(
                    raw.span(),
                    path,
                    "a range in a grid needs `steps`".into(),
                    "for example range = { from = 0, to = 1, steps = 11 } gives 0, 0.1, ..., 1"
                        .into(),
                );
                return None;
            }
            // Checking the ends checks every value between: allowed values
            // form intervals. (With a broken design, check what can be.)
            (None, _) => 2,
        };
        let levels = (0..steps)
            .map(|i| Level::number(step_value(from, to, i, steps)))
            .collect();
        Some((levels, vec![raw.span(); steps as usize]))
    }
}

/// The `i`-th of `steps` evenly spaced values from `from` to `to`, both
/// ends exact. Multiplying before dividing makes 0..1 in 11 steps give
/// 0.3, not 0.30000000000000004.
fn step_value(from: f64, to: f64, i: u64, steps: u64) -> f64 {
    if i + 1 == steps {
        return to;
    }
    from + (to - from) * i as f64 / (steps - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_even_and_end_exactly() {
        let v: Vec<f64> = (0..11).map(|i| step_value(0.0, 1.0, i, 11)).collect();
        assert_eq!(v[3], 0.3);
        assert_eq!(v[10], 1.0);
        let w: Vec<f64> = (0..6).map(|i| step_value(0.25, 1.5, i, 6)).collect();
        assert_eq!(w, [0.25, 0.5, 0.75, 1.0, 1.25, 1.5]);
    }

    #[test]
    fn whole_number_fields() {
        assert!(takes_whole_numbers("scenario.horizon_months"));
        assert!(takes_whole_numbers("client.a.churn.earliest_month"));
        assert!(!takes_whole_numbers("client.a.churn.probability"));
    }
}
