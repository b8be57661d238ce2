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
    /// Evaluations (runs of all paths) allowed, the two ends of the range
    /// and the search for the value's interval included.
    pub max_evaluations: u32,
}

/// The answer, with the estimate at that value.
#[derive(Clone, Debug)]
pub struct Solution {
    pub parameter: String,
    pub value: f64,
    /// Where the true crossing lies given Monte Carlo error alone: the
    /// values at which the estimate crosses the ends of the 95% interval of
    /// the probability at `value` (inverting that interval, as the
    /// estimate moves with the parameter on common random numbers);
    /// bounded by the range searched.
    pub value_ci95: [f64; 2],
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
    let (a, b) = (problem.from, problem.to);
    let (row_a, row_b) = (ends[0].clone(), ends[1].clone());
    let gap = |row: &TargetRow| row.probability - problem.level;
    let within = |row: &TargetRow| gap(row).abs() <= problem.tolerance;
    if !within(&row_a) && !within(&row_b) && gap(&row_a).signum() == gap(&row_b).signum() {
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

    let found = narrow(
        &evaluate,
        problem.level,
        problem.tolerance,
        problem.max_evaluations.saturating_sub(evaluations.get()),
        0.0,
        (a, row_a),
        (b, row_b),
    )?;
    let (value, row) = match found {
        Narrowed::Found(x, row) => (x, row),
        Narrowed::Failed {
            below: (a, row_a),
            above: (b, row_b),
            collapsed,
        } => {
            let paths = options.paths;
            let one_path = 1.0 / paths as f64;
            let help = if collapsed {
                format!(
                    "the estimate jumps by {} between neighbouring values; with {paths} paths \
                     one path moves it by {}: use more paths or a larger --tolerance",
                    percent_fine((row_b.probability - row_a.probability).abs()),
                    percent_fine(one_path)
                )
            } else {
                "allow more with --max-evaluations, or use a larger --tolerance".to_string()
            };
            return Err(SolveError::NotReached {
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
            });
        }
    };

    // Where the estimate crosses each end of the probability's interval
    // at the answer: on one side of the answer or the other, or beyond the
    // range, which then bounds the interval. Each end is found to within a
    // tenth of the probability interval's width (or the tolerance, if
    // finer), with the evaluations left, shared between the two; a bracket
    // that cannot be narrowed further, or whose evaluations run out, gives
    // its outer end, so that the interval errs wide rather than narrow.
    let [p_low, p_high] = row.probability_ci95;
    let tolerance = problem.tolerance.min((p_high - p_low) / 10.0);
    let min_width = (problem.to - problem.from) * 1e-6;
    let higher_at_from = ends[0].probability > ends[1].probability;
    let points = [
        (problem.from, &ends[0]),
        (value, &row),
        (problem.to, &ends[1]),
    ];
    let mut interval = Vec::with_capacity(2);
    for (k, bound) in [p_low, p_high].into_iter().enumerate() {
        let straddles = |(_, r): (f64, &TargetRow), (_, s): (f64, &TargetRow)| {
            let (gx, gy) = (r.probability - bound, s.probability - bound);
            (gx <= 0.0) != (gy <= 0.0) || gx == 0.0 || gy == 0.0
        };
        let side = [(points[0], points[1]), (points[1], points[2])]
            .into_iter()
            .find(|&(lo, hi)| lo.0 < hi.0 && straddles(lo, hi));
        let Some(((x, r), (y, s))) = side else {
            // Not reached inside the range: the interval runs to the end
            // towards which the estimate moves to the bound.
            let towards_from = (bound > row.probability) == higher_at_from;
            interval.push(if towards_from {
                problem.from
            } else {
                problem.to
            });
            continue;
        };
        let left = problem.max_evaluations.saturating_sub(evaluations.get());
        let budget = if k == 0 { left / 2 } else { left };
        let found = narrow(
            &evaluate,
            bound,
            tolerance,
            budget,
            min_width,
            (x, r.clone()),
            (y, s.clone()),
        )?;
        interval.push(match found {
            Narrowed::Found(x, _) => x,
            Narrowed::Failed { below, above, .. } => {
                if (below.0 - value).abs() > (above.0 - value).abs() {
                    below.0
                } else {
                    above.0
                }
            }
        });
    }
    let (lo, hi) = (interval[0].min(interval[1]), interval[0].max(interval[1]));
    Ok(Solution {
        parameter: problem.path.clone(),
        value,
        value_ci95: [lo.min(value), hi.max(value)],
        at_value: row,
        evaluations: evaluations.get(),
    })
}

/// Runs the scenario at each value, one row each.
type Evaluate<'a> = dyn Fn(&[f64]) -> Result<Vec<TargetRow>, SolveError> + 'a;

/// How a search for a level ended.
enum Narrowed {
    /// A value whose estimate is within the tolerance, and its row.
    Found(f64, TargetRow),
    /// The last bracket, its ends in order of the parameter, and whether
    /// it shrank to two neighbouring numbers (the estimate jumping over
    /// the tolerance band) rather than running out of evaluations.
    Failed {
        below: (f64, TargetRow),
        above: (f64, TargetRow),
        collapsed: bool,
    },
}

/// Narrows the bracket `a < b`, whose estimates lie on either side of
/// `level`, with at most `budget` evaluations, until one is within
/// `tolerance` of it; it gives up, as collapsed, when the bracket is no
/// wider than `min_width` or holds no number between its ends.
///
/// Illinois: regula falsi that halves the stale end's weight when the same
/// end moves twice, so neither end gets stuck; a step that did not halve
/// the bracket is followed by bisection.
fn narrow(
    evaluate: &Evaluate,
    level: f64,
    tolerance: f64,
    budget: u32,
    min_width: f64,
    (mut a, mut row_a): (f64, TargetRow),
    (mut b, mut row_b): (f64, TargetRow),
) -> Result<Narrowed, SolveError> {
    let gap = |row: &TargetRow| row.probability - level;
    if gap(&row_a).abs() <= tolerance {
        return Ok(Narrowed::Found(a, row_a));
    }
    if gap(&row_b).abs() <= tolerance {
        return Ok(Narrowed::Found(b, row_b));
    }
    let (mut fa, mut fb) = (gap(&row_a), gap(&row_b));
    let mut last_side = 0i8;
    let mut bisect = false;
    let mut collapsed = false;
    for _ in 0..budget {
        let width = b - a;
        let secant = a - fa * (b - a) / (fb - fa);
        let mid = a + width / 2.0;
        let x = if !bisect && secant > a && secant < b {
            secant
        } else {
            mid
        };
        if !(x > a && x < b) || width <= min_width {
            collapsed = true;
            break;
        }
        let row = evaluate(&[x])?.remove(0);
        let fx = gap(&row);
        if fx.abs() <= tolerance {
            return Ok(Narrowed::Found(x, row));
        }
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
        bisect = !bisect && b - a > width / 2.0;
    }
    Ok(Narrowed::Failed {
        below: (a, row_a),
        above: (b, row_b),
        collapsed,
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
