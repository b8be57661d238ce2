//! The command line: options, the `run` of a single scenario, and the error
//! to exit-code mapping shared by every subcommand.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

mod bench;
mod compare;
mod merge;
mod precision;
mod run;
mod sensitivity;
mod shard;
mod solve;
mod sweep;

use revsim::engine::{EngineError, RunOptions};
use revsim::scenario::{Scenario, ScenarioError};

#[derive(Parser, Debug)]
#[command(
    name = "simulate",
    version,
    about = "Monte Carlo revenue projection: how likely is the target, and what moves it?",
    after_help = "Example:\n  simulate scenarios/base.toml --paths 1000000 --seed 7 --threads 2\n  \
                  simulate scenarios/base.toml --set client.tiktok_bytedance.churn.probability=0.6 --format json"
)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: run::RunArgs,
}

/// The ways the engine is used. With no command, `simulate FILE` runs one
/// scenario.
#[derive(Subcommand, Debug)]
enum Command {
    /// Run one scenario and report (the default: `simulate FILE` does this).
    Run(run::RunArgs),
    /// Run a scenario at every point of a sweep file: a row per point.
    Sweep(sweep::SweepArgs),
    /// Merge the part files of a distributed run or sweep (`--shard K/N`)
    /// into the report one run would give.
    Merge(merge::MergeArgs),
    /// Find the value of a parameter at which a target is hit with a given probability.
    Solve(solve::SolveArgs),
    /// Measure paths per second at every thread count, against the floor.
    Bench(bench::BenchArgs),
    /// Compare scenarios on common random numbers: each one's difference
    /// from the first, with paired and unpaired standard errors.
    Compare(compare::CompareArgs),
    /// What moves each target: a tornado of every uncertain input at its
    /// ends, one at a time, on common random numbers.
    Sensitivity(sensitivity::SensitivityArgs),
}

/// Options every simulating command shares.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Number of paths, per point for sweeps (default: the sweep's or the
    /// scenario's `paths`); `1e9` and `1_000_000` are whole numbers too.
    #[arg(long, value_name = "N", value_parser = whole_number)]
    pub paths: Option<u64>,
    /// Seed of the random numbers (default: the scenario's `seed`).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Hide the progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A whole number as digits (`1000000`, `1_000_000`) or as a float that
/// is one exactly (`1e9`, `2.5e6`), as scenario files take them.
fn whole_number(text: &str) -> Result<u64, String> {
    let plain = text.trim().replace('_', "");
    if let Ok(n) = plain.parse::<u64>() {
        return Ok(n);
    }
    match plain.parse::<f64>() {
        // Below 2^53 every whole float is exactly the integer it shows.
        Ok(x) if x.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&x) => Ok(x as u64),
        _ => Err(format!(
            "{text} is not a whole number (give 1000000, 1_000_000 or 1e6)"
        )),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Terminal,
    Json,
}

/// A failure of the user's input, as opposed to one of the run: exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn main() -> ExitCode {
    // The last line of defence, not the handling: any panic left is a bug.
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "internal error, please report: {info}\n(simulate {}; the input that caused it helps)",
            env!("CARGO_PKG_VERSION")
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = match cli.command {
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Sweep(args)) => sweep::run(args),
        Some(Command::Merge(args)) => merge::run(args),
        Some(Command::Solve(args)) => solve::run(args),
        Some(Command::Bench(args)) => bench::run(args),
        Some(Command::Compare(args)) => compare::run(args),
        Some(Command::Sensitivity(args)) => sensitivity::run(args),
        None => run::run(cli.run),
    };
    report_peak_memory();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report_error(&e),
    }
}

/// With `REVSIM_REPORT_PEAK_RSS` set, prints the process's peak resident
/// memory on stderr as `peak resident memory: N KiB` (Linux only; the
/// memory test reads it).
fn report_peak_memory() {
    if std::env::var_os("REVSIM_REPORT_PEAK_RSS").is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(kib) = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
    {
        eprintln!("peak resident memory: {kib} KiB");
    }
}

/// Prints the error with its chain and picks the exit code.
pub fn report_error(error: &anyhow::Error) -> ExitCode {
    let mut text = format!("error: {error}");
    for cause in error.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    eprintln!("{text}");
    let input = error
        .chain()
        .any(|c| c.is::<ScenarioError>() || c.is::<UsageError>());
    let interrupted = error.chain().any(|c| {
        matches!(
            c.downcast_ref::<EngineError>(),
            Some(EngineError::Interrupted { .. })
        )
    });
    ExitCode::from(if interrupted {
        revsim::progress::interrupted_exit_code()
    } else if input {
        2
    } else {
        1
    })
}

/// Whether stdout gets colour: only on a terminal, never with NO_COLOR.
pub fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Refuses an output file whose folder does not exist, before any run.
pub fn check_folder(flag: &str, path: &Path) -> Result<(), UsageError> {
    let folder = match path.parent() {
        Some(f) if !f.as_os_str().is_empty() => f,
        _ => Path::new("."),
    };
    if folder.is_dir() {
        Ok(())
    } else {
        Err(UsageError(format!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            folder.display()
        )))
    }
}

/// Refuses a `--report` path that does not end in `.html` or whose
/// folder does not exist, before any run.
pub fn check_report_path(path: &Path) -> Result<(), UsageError> {
    check_folder("--report", path)?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("html" | "htm") => Ok(()),
        _ => Err(UsageError(format!(
            "--report {}: the page is HTML; give it a name ending in .html",
            path.display()
        ))),
    }
}

/// A file's text read again after the run, for a page's settings.
pub fn read_again(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} again for the page", path.display()))
}

/// Loads a scenario and applies `--set` assignments in order.
pub fn load_scenario(file: &Path, sets: &[String]) -> Result<Scenario> {
    let mut scenario = Scenario::load(file)?;
    for assignment in sets {
        scenario
            .set_assignment(assignment)
            .map_err(ScenarioError::from)?;
    }
    for warning in scenario.warnings() {
        eprintln!("warning: {warning}");
    }
    Ok(scenario)
}

/// Checks that a run fits in memory before it starts (see
/// [`revsim::engine::memory`]): refuses it, or trades automatic exact
/// quantiles for the sketch with a note on stderr.
pub fn fit_memory(scenario: &Scenario, options: &mut RunOptions, monthly: bool) -> Result<()> {
    match revsim::engine::memory::fit(scenario, options, monthly) {
        Ok(revsim::engine::memory::Fit::AsAsked) => Ok(()),
        Ok(revsim::engine::memory::Fit::Sketch(note)) => {
            eprintln!("note: {note}");
            Ok(())
        }
        Err(refusal) => Err(UsageError(refusal).into()),
    }
}

/// Checks an output path given to `flag` before any work: its folder
/// exists, and it is not one of the inputs (however spelt).
pub fn check_out(flag: &str, out: &Path, inputs: &[&Path]) -> Result<()> {
    check_folder(flag, out)?;
    revsim::output::check_not_an_input(flag, out, inputs).map_err(|e| UsageError(e).into())
}

/// Run options from the scenario, overridden by the command line.
pub fn run_options(scenario: &Scenario, common: &CommonArgs) -> Result<RunOptions> {
    let mut options = RunOptions::from_scenario(scenario);
    if let Some(paths) = common.paths {
        if paths < revsim::engine::MIN_PATHS {
            return Err(UsageError(format!(
                "--paths must be at least {}: one path has no spread to report",
                revsim::engine::MIN_PATHS
            ))
            .into());
        }
        options.paths = paths;
    }
    if let Some(seed) = common.seed {
        options.seed = seed;
    }
    options.threads = common.threads.map_or(0, |t| t as usize);
    let cores = revsim::engine::resolve_threads(0);
    if options.threads > cores {
        // More workers than cores only make each block wait its turn (and
        // hold a window of blocks each); the results do not depend on it.
        eprintln!(
            "warning: --threads {} is more than the {cores} core(s) of this machine; using {cores} \
             (results do not depend on the thread count)",
            options.threads
        );
        options.threads = cores;
    }
    check_feasible(scenario, &options)?;
    Ok(options)
}

/// A generous guess of how fast any machine runs a scenario: ten
/// nanoseconds per stream-month of a path, per core (the base scenario
/// runs at about a fifth of that).
const SECONDS_PER_STREAM_MONTH: f64 = 1e-8;

/// Refuses a path count that this machine could not finish in a year,
/// saying what it estimates, rather than starting a run that never ends.
fn check_feasible(scenario: &Scenario, options: &RunOptions) -> Result<()> {
    let cores = revsim::engine::resolve_threads(options.threads) as f64;
    let per_path = scenario.streams.len().max(1) as f64
        * f64::from(scenario.horizon_months)
        * SECONDS_PER_STREAM_MONTH
        / cores;
    let seconds = options.paths as f64 * per_path;
    const YEAR: f64 = 365.25 * 24.0 * 3600.0;
    if seconds > YEAR {
        return Err(UsageError(format!(
            "{} paths of {} stream(s) over {} months would take at least {:.1} years on {} \
             thread(s); at most about {:.2e} paths fit in a year",
            options.paths,
            scenario.streams.len(),
            scenario.horizon_months,
            seconds / YEAR,
            cores,
            YEAR / per_path
        ))
        .into());
    }
    Ok(())
}
