//! The breakeven solver: the value of one parameter at which a target is
//! hit with a given probability.
//!
//! Every evaluation runs the same paths on the same random numbers, so the
//! estimated probability is a deterministic step function of the
//! parameter, and where the model is monotone in it (churn probability,
//! arrival rates, growth) so is the estimate, path by path. A bracket
//! whose ends straddle the level therefore holds a crossing, and the
//! solver narrows it with the Illinois variant of regula falsi, falling
//! back to bisection whenever a step fails to halve the bracket: never
//! more than about twice the evaluations of bisection, usually far fewer.

use std::cell::Cell;

use super::file::takes_whole_numbers;
use super::run::{Offset, TargetRow, target_row};
use crate::engine::batch::{run_batch, thread_pool};
use crate::engine::{EngineError, Observer, RunOptions};
use crate::scenario::{Diagnostic, ParamValue, Scenario, ScenarioError, closest};

/// What to solve for.
#[derive(Clone, Debug)]
pub struct Breakeven {
    /// The parameter, as `--set` spells it.
    pub path: String,
    /// The range searched, `from < to`.
    pub from: f64,
    pub to: f64,
    /// A target's name or id.
    pub target: String,
    /// The probability sought, in [0, 1].
    pub level: f64,
    /// How far from `level` the estimate may be, in (0, 1).
    pub tolerance: f64,
    /// Evaluations (runs of all paths) allowed, the two ends included.
    pub max_evaluations: u32,
}

/// The answer, with the estimate at that value.
#[derive(Clone, Debug)]
pub struct Solution {
    pub parameter: String,
    pub value: f64,
    /// The target's statistics at `value`: exactly what a single run with
    /// the parameter set to `value`, the same seed and paths, gives.
    pub at_value: TargetRow,
    /// Runs of all the paths it took, the two ends of the range included.
    pub evaluations: u32,
}

impl Solution {
    pub fn probability(&self) -> f64 {
        self.at_value.probability
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// The question itself is wrong: unknown path or target, empty range...
    #[error(transparent)]
    Invalid(#[from] ScenarioError),
    /// The level lies outside what the range reaches.
    #[error(
        "no value of {path} from {from} to {to} gives P({target}) = {}: it goes from {} at \
         {from} to {} at {to}\n  = help: widen --range, or ask for a probability between those two",
        percent_fine(*.level), percent_fine(*.at_from), percent_fine(*.at_to)
    )]
    NotBracketed {
        path: String,
        target: String,
        level: f64,
        from: f64,
        at_from: f64,
        to: f64,
        at_to: f64,
    },
    /// The estimate jumps over the tolerance band, or the evaluations ran out.
    #[error(
        "after {evaluations} evaluations, P({target}) is {} at {path} = {below} and {} at {above}, \
         not within {} of {}\n  = help: {help}",
        percent_fine(*.at_below), percent_fine(*.at_above), percent_fine(*.tolerance),
        percent_fine(*.level)
    )]
    NotReached {
        path: String,
        target: String,
        level: f64,
        tolerance: f64,
        evaluations: u32,
        below: f64,
        at_below: f64,
        above: f64,
        at_above: f64,
        help: String,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// A percentage precise enough to tell solver steps apart.
fn percent_fine(p: f64) -> String {
    let text = format!("{:.3}", p * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// Finds a value of `problem.path` in its range at which the target's
/// estimated probability is within the tolerance of the level, running
/// every evaluation with the seed and paths of `options`.
///
/// The observer hears paths done over all evaluations so far, with a total
/// that grows as evaluations are added.
pub fn solve(
    scenario: &Scenario,
    problem: &Breakeven,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<Solution, SolveError> {
    let target = check(scenario, problem)?;
    let pool = thread_pool(options.threads)?;
    let evaluations = Cell::new(0u32);
    // One batch per call; `run_batch` hands back one row per value.
    let evaluate = |xs: &[f64]| -> Result<Vec<TargetRow>, SolveError> {
        let variants = xs
            .iter()
            .map(|&x| variant(scenario, &problem.path, x))
            .collect::<Result<Vec<_>, _>>()?;
        let window = Offset {
            inner: observer,
            before: u64::from(evaluations.get()) * options.paths,
            total: (u64::from(evaluations.get()) + xs.len() as u64) * options.paths,
        };
        let mut rows = Vec::new();
        run_batch(&variants, options, &pool, &window, |_, result| {
            rows.push(target_row(&result, target));
        })?;
        evaluations.set(evaluations.get() + xs.len() as u32);
        Ok(rows)
    };

    let ends = evaluate(&[problem.from, problem.to])?;
    let (mut a, mut b) = (problem.from, problem.to);
    let (mut row_a, mut row_b) = (ends[0].clone(), ends[1].clone());
    let gap = |row: &TargetRow| row.probability - problem.level;
    let within = |row: &TargetRow| gap(row).abs() <= problem.tolerance;
    let done = |value: f64, row: TargetRow| Solution {
        parameter: problem.path.clone(),
        value,
        at_value: row,
        evaluations: evaluations.get(),
    };
    if within(&row_a) {
        return Ok(done(a, row_a));
    }
    if within(&row_b) {
        return Ok(done(b, row_b));
    }
    if gap(&row_a).signum() == gap(&row_b).signum() {
        return Err(SolveError::NotBracketed {
            path: problem.path.clone(),
            target: scenario.targets[target].name.clone(),
            level: problem.level,
            from: a,
            at_from: row_a.probability,
            to: b,
            at_to: row_b.probability,
        });
    }

    // Illinois: regula falsi that halves the stale end's weight when the
    // same end moves twice, so neither end gets stuck.
    let (mut fa, mut fb) = (gap(&row_a), gap(&row_b));
    let mut last_side = 0i8;
    let mut bisect = false;
    let mut collapsed = false;
    while evaluations.get() < problem.max_evaluations {
        let width = b - a;
        let secant = a - fa * (b - a) / (fb - fa);
        let mid = a + width / 2.0;
        let x = if !bisect && secant > a && secant < b {
            secant
        } else {
            mid
        };
        if !(x > a && x < b) {
            // The bracket is two neighbouring numbers: the estimate jumps
            // between them, over the tolerance band.
            collapsed = true;
            break;
        }
        let row = evaluate(&[x])?.remove(0);
        if within(&row) {
            return Ok(done(x, row));
        }
        let fx = gap(&row);
        if fx.signum() == fa.signum() {
            a = x;
            fa = fx;
            row_a = row;
            if last_side == 1 {
                fb /= 2.0;
            }
            last_side = 1;
        } else {
            b = x;
            fb = fx;
            row_b = row;
            if last_side == -1 {
                fa /= 2.0;
            }
            last_side = -1;
        }
        // A step that did not halve the bracket is followed by bisection.
        bisect = !bisect && b - a > width / 2.0;
    }
    let paths = options.paths;
    let one_path = 1.0 / paths as f64;
    let help = if collapsed {
        format!(
            "the estimate jumps by {} between neighbouring values; with {paths} paths one path \
             moves it by {}: use more paths or a larger --tolerance",
            percent_fine((row_b.probability - row_a.probability).abs()),
            percent_fine(one_path)
        )
    } else {
        "allow more with --max-evaluations, or use a larger --tolerance".to_string()
    };
    Err(SolveError::NotReached {
        path: problem.path.clone(),
        target: scenario.targets[target].name.clone(),
        level: problem.level,
        tolerance: problem.tolerance,
        evaluations: evaluations.get(),
        below: a,
        at_below: row_a.probability,
        above: b,
        at_above: row_b.probability,
        help,
    })
}

/// Checks the question; returns the target's index.
fn check(scenario: &Scenario, problem: &Breakeven) -> Result<usize, ScenarioError> {
    let mut problems = Vec::new();
    let path = problem.path.as_str();
    let paths = scenario.parameter_paths();
    if path == "scenario.seed" || path == "scenario.paths" {
        problems.push(
            Diagnostic::new("--vary", Some(path), "the solver varies a model parameter").with_help(
                "every evaluation uses the same seed and paths, set by --seed and --paths",
            ),
        );
    } else if takes_whole_numbers(path) {
        problems.push(
            Diagnostic::new("--vary", Some(path), "this field takes whole numbers").with_help(
                "the solver needs a parameter that takes any number in a range; \
                 run a sweep over the whole numbers instead",
            ),
        );
    } else if !paths.iter().any(|p| p == path) {
        let d = Diagnostic::new(
            "--vary",
            Some(path),
            "the scenario has no parameter with this path",
        );
        problems.push(match closest(path, paths.iter().map(String::as_str)) {
            Some(best) => d.with_help(format!("did you mean `{best}`?")),
            None => d.with_help("`simulate SCENARIO --list-parameters` lists them"),
        });
    } else if problem.from.is_finite() && problem.to.is_finite() && problem.from < problem.to {
        let mut scratch = scenario.clone();
        for x in [problem.from, problem.to] {
            if let Err(d) = scratch.set(path, &ParamValue::Number(x), "--range") {
                problems.push(d);
            }
        }
    }
    if !(problem.from.is_finite() && problem.to.is_finite() && problem.from < problem.to) {
        problems.push(
            Diagnostic::new(
                "--range",
                None,
                format!(
                    "an empty range: {} is not below {}",
                    problem.from, problem.to
                ),
            )
            .with_help("FROM:TO with FROM < TO, for example --range 0:1"),
        );
    }
    let target = scenario
        .targets
        .iter()
        .position(|t| t.name == problem.target || t.id == problem.target);
    if target.is_none() {
        let names: Vec<&str> = scenario
            .targets
            .iter()
            .flat_map(|t| [t.name.as_str(), t.id.as_str()])
            .collect();
        let listed = scenario
            .targets
            .iter()
            .map(|t| format!("\"{}\"", t.name))
            .collect::<Vec<_>>()
            .join(", ");
        let help = match closest(&problem.target, names.iter().copied()) {
            Some(best) => format!("did you mean \"{best}\"? targets: {listed}"),
            None => format!("targets of this scenario: {listed}"),
        };
        problems.push(
            Diagnostic::new(
                "--target",
                None,
                format!("no target is called \"{}\"", problem.target),
            )
            .with_help(help),
        );
    }
    if !(0.0..=1.0).contains(&problem.level) {
        problems.push(
            Diagnostic::new(
                "--probability",
                None,
                format!("{} is not allowed", problem.level),
            )
            .with_help("a probability from 0 to 1, for example 0.5"),
        );
    }
    if !(problem.tolerance > 0.0 && problem.tolerance < 1.0) {
        problems.push(
            Diagnostic::new(
                "--tolerance",
                None,
                format!("{} is not allowed", problem.tolerance),
            )
            .with_help("a probability above 0 and below 1, for example 0.001"),
        );
    }
    if problem.max_evaluations < 3 {
        problems.push(
            Diagnostic::new(
                "--max-evaluations",
                None,
                format!("{} is not allowed", problem.max_evaluations),
            )
            .with_help("at least 3: the two ends of the range and one inside"),
        );
    }
    match target {
        Some(t) if problems.is_empty() => Ok(t),
        _ => Err(ScenarioError::Invalid(problems)),
    }
}

fn variant(scenario: &Scenario, path: &str, x: f64) -> Result<Scenario, ScenarioError> {
    let mut s = scenario.clone();
    s.set(path, &ParamValue::Number(x), "--range")?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fine_percentages_drop_trailing_zeros() {
        assert_eq!(percent_fine(0.5), "50%");
        assert_eq!(percent_fine(0.12345), "12.345%");
        assert_eq!(percent_fine(0.001), "0.1%");
    }
}
