//! `simulate solve SCENARIO`: the value of one parameter at which a target
//! is hit with a given probability.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use super::{CommonArgs, Format, UsageError, fit_memory, load_scenario, run_options, use_color};
use revsim::output::print_stdout;
use revsim::progress::{Progress, install_interrupt_handler};
use revsim::report::money::{percent, thousands};
use revsim::sweep::{self, Breakeven, Solution, SolveError};

#[derive(Args, Debug)]
pub struct SolveArgs {
    /// The scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    file: PathBuf,
    /// The parameter to solve for, as `--set` spells it.
    #[arg(long, value_name = "PATH")]
    vary: String,
    /// Where to look, FROM:TO; the probability must reach the level
    /// somewhere between its values at the two ends.
    #[arg(long, value_name = "FROM:TO", allow_hyphen_values = true)]
    range: String,
    /// The target, by name or id.
    #[arg(long, value_name = "TARGET")]
    target: String,
    /// The probability of hitting the target to solve for.
    #[arg(long, value_name = "P", allow_hyphen_values = true)]
    probability: f64,
    /// How close the estimated probability must come to the level.
    #[arg(long, value_name = "T", default_value_t = 0.001)]
    tolerance: f64,
    /// Most runs of all the paths, the two ends of the range and the value's interval included.
    #[arg(long, value_name = "N", default_value_t = 60)]
    max_evaluations: u32,
    /// Override a parameter first: PATH=VALUE. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    #[command(flatten)]
    common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    format: Format,
}

/// What `--format json` prints.
#[derive(Serialize)]
struct Answer<'a> {
    parameter: &'a str,
    value: f64,
    value_ci95: [f64; 2],
    probability: f64,
    evaluations: u32,
    /// What was solved and how, so that the answer says what produced it.
    target: &'a str,
    level: f64,
    tolerance: f64,
    range: [f64; 2],
    paths: u64,
    seed: u64,
    overrides: &'a [String],
    scenario_hash: String,
    engine_version: &'static str,
    date: String,
}

pub fn run(args: SolveArgs) -> Result<()> {
    let (from, to) = parse_range(&args.range)?;
    let scenario = load_scenario(&args.file, &args.set)?;
    let mut options = run_options(&scenario, &args.common)?;
    fit_memory(&scenario, &mut options, false)?;
    let problem = Breakeven {
        path: args.vary.clone(),
        from,
        to,
        target: args.target.clone(),
        level: args.probability,
        tolerance: args.tolerance,
        max_evaluations: args.max_evaluations,
    };
    install_interrupt_handler();
    let progress = Progress::new(2 * options.paths, "paths", args.common.quiet);
    let solution = sweep::solve(&scenario, &problem, &options, &progress);
    progress.finish();
    let solution = solution.map_err(|e| match e {
        SolveError::Invalid(e) => anyhow::Error::new(e),
        SolveError::NotBracketed { .. } => anyhow::Error::new(UsageError(e.to_string())),
        SolveError::Engine(e) => anyhow::Error::new(e).context("the solver did not finish"),
        other @ SolveError::NotReached { .. } => anyhow::Error::new(other),
    })?;
    let target = scenario
        .target(&args.target)
        .map_or(args.target.clone(), |t| t.name.clone());
    let text = match args.format {
        Format::Json => {
            let answer = Answer {
                parameter: &solution.parameter,
                value: solution.value,
                value_ci95: solution.value_ci95,
                probability: solution.probability(),
                evaluations: solution.evaluations,
                target: &target,
                level: problem.level,
                tolerance: problem.tolerance,
                range: [problem.from, problem.to],
                paths: options.paths,
                seed: options.seed,
                overrides: &args.set,
                scenario_hash: scenario.hash(),
                engine_version: env!("CARGO_PKG_VERSION"),
                date: revsim::report::utc_now(),
            };
            serde_json::to_string_pretty(&answer).context("cannot print the answer")? + "\n"
        }
        Format::Terminal => terminal(&solution, &target, &problem, options.paths, options.seed),
    };
    print_stdout(&text)?;
    Ok(())
}

fn terminal(s: &Solution, target: &str, problem: &Breakeven, paths: u64, seed: u64) -> String {
    // The interval's ends to a few digits of its width.
    let [from, to] = s.value_ci95;
    let digits = (2.0 - (to - from).abs().max(1e-12).log10().floor()).clamp(0.0, 15.0) as usize;
    let (from, to) = (format!("{from:.digits$}"), format!("{to:.digits$}"));
    let head = format!("{} = {}", s.parameter, s.value);
    let head = if use_color() {
        format!("\x1b[1m{head}\x1b[0m")
    } else {
        head
    };
    let [lo, hi] = s.at_value.probability_ci95;
    format!(
        "{head}\n  95% CI of the value, from Monte Carlo error: {from} – {to}\n  \
         P({target}) = {:.3}% (95% CI {} – {}), within {} of {}\n  \
         {} evaluations of {} paths, seed {seed}\n",
        s.probability() * 100.0,
        percent(lo),
        percent(hi),
        problem.tolerance,
        problem.level,
        s.evaluations,
        thousands(paths),
    )
}

/// `FROM:TO`, two numbers.
fn parse_range(text: &str) -> Result<(f64, f64), UsageError> {
    let parsed = text.split_once(':').and_then(|(a, b)| {
        let a = a.trim().parse::<f64>().ok()?;
        let b = b.trim().parse::<f64>().ok()?;
        Some((a, b))
    });
    parsed.ok_or_else(|| {
        UsageError(format!(
            "--range {text}: expected FROM:TO, two numbers such as 0:1"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("0:1").unwrap(), (0.0, 1.0));
        assert_eq!(parse_range("-0.5:1.5e0").unwrap(), (-0.5, 1.5));
        assert!(parse_range("0-1").is_err());
        assert!(parse_range("a:1").is_err());
    }
}
