//! The command line: options, the `run` of a single scenario, and the error
//! to exit-code mapping shared by every subcommand.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};

mod bench;
mod run;
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
    /// Find the value of a parameter at which a target is hit with a given probability.
    Solve(solve::SolveArgs),
    /// Measure paths per second at every thread count, against the floor.
    Bench(bench::BenchArgs),
}

/// Options every simulating command shares.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Number of paths, per point for sweeps (default: the sweep's or the
    /// scenario's `paths`).
    #[arg(long, value_name = "N")]
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
        Some(Command::Solve(args)) => solve::run(args),
        Some(Command::Bench(args)) => bench::run(args),
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
        130
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

/// Loads a scenario and applies `--set` assignments in order.
pub fn load_scenario(file: &Path, sets: &[String]) -> Result<Scenario> {
    let mut scenario = Scenario::load(file)?;
    for assignment in sets {
        scenario
            .set_assignment(assignment)
            .map_err(ScenarioError::from)?;
    }
    Ok(scenario)
}

/// Run options from the scenario, overridden by the command line.
pub fn run_options(scenario: &Scenario, common: &CommonArgs) -> Result<RunOptions> {
    let mut options = RunOptions::from_scenario(scenario);
    if let Some(paths) = common.paths {
        if paths == 0 {
            return Err(UsageError("--paths must be at least 1".into()).into());
        }
        options.paths = paths;
    }
    if let Some(seed) = common.seed {
        options.seed = seed;
    }
    options.threads = common.threads.map_or(0, |t| t as usize);
    Ok(options)
}
