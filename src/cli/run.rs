//! `simulate FILE`: one scenario, one report.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::{
    CommonArgs, UsageError, check_folder, check_out, check_report_path, fit_memory, load_scenario,
    run_options, use_color,
};
use revsim::engine::{self, QuantileChoice, RunOptions, samples};

use super::precision::{self, PrecisionArgs};
use revsim::output::{AtomicFile, print_stdout, write_atomic};
use revsim::progress::{Progress, install_interrupt_handler};
use revsim::report;
use revsim::report::money::thousands;
use revsim::scenario::Scenario;

/// The most rows `--samples` writes unless `--samples-limit` says more.
const SAMPLES_LIMIT: u64 = 10_000_000;

/// About how many bytes a value takes in a CSV samples file, comma
/// included (13.6 measured on the base scenario: 27.2 MB for 100,000 rows
/// of 20).
const CSV_BYTES_PER_VALUE: f64 = 14.0;

/// The same in Parquet (5.9 measured on the base scenario: 11.8 MB for
/// 100,000 rows of 20; drawn doubles hardly compress).
const PARQUET_BYTES_PER_VALUE: f64 = 6.0;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file (TOML).
    #[arg(value_name = "SCENARIO", required = true)]
    file: Option<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
    /// Override a parameter: PATH=VALUE, VALUE a number or an inline
    /// distribution table. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// What to print on stdout. `csv`: a row per target with the headline
    /// statistics (the monthly quantiles go to the `--out` CSV's
    /// `.monthly.csv` file).
    #[arg(long, value_enum, default_value_t = RunFormat::Terminal)]
    format: RunFormat,
    /// Also write the report to this file, whole or not at all: JSON for a
    /// `.json` name, CSV for `.csv` (and the monthly quantiles beside it in
    /// `NAME.monthly.csv`), else as `--format`.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write a self-contained HTML page with charts (whole or not at
    /// all); the name must end in .html.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Also write one row per path (its sampled inputs, churn months,
    /// stream and target revenue), whole or not at all, as CSV or Parquet
    /// by the name's extension (.csv or .parquet).
    #[arg(long, value_name = "FILE")]
    samples: Option<PathBuf>,
    /// The most rows `--samples` may write.
    #[arg(long, value_name = "ROWS", default_value_t = SAMPLES_LIMIT)]
    samples_limit: u64,
    /// How quantiles are computed: exact up to 1,000,000 paths and
    /// sketched above (auto), or always one way.
    #[arg(long, value_enum, default_value_t = Quantiles::Auto)]
    quantiles: Quantiles,
    /// List every parameter path `--set` accepts, with its value, and exit.
    #[arg(long)]
    list_parameters: bool,
    #[command(flatten)]
    precision: PrecisionArgs,
    /// Run only shard K of N (K from 0) of a distributed run, or `slurm`
    /// for the task of a Slurm array job, and write its part file to
    /// `--out` (whatever its name); `simulate merge` gives the report.
    #[arg(long, value_name = "K/N|slurm")]
    shard: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    Terminal,
    Json,
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Quantiles {
    Auto,
    Exact,
    Sketch,
}

pub fn run(args: RunArgs) -> Result<()> {
    let file = args
        .file
        .as_ref()
        .ok_or_else(|| UsageError("no scenario file given".into()))?;
    args.precision.refuse_with_shard(args.shard.as_ref())?;
    let shard = match &args.shard {
        Some(spec) => Some(super::shard::plan(
            spec,
            args.out.as_ref(),
            args.report.as_ref(),
            args.samples.as_ref(),
            &[file],
        )?),
        None => None,
    };
    // Refuse a bad --out before the run, not after it; and no output may
    // be the scenario itself.
    let out = match args.out.as_ref().filter(|_| shard.is_none()) {
        Some(path) => Some((path, out_format(path, args.format)?)),
        None => None,
    };
    for (flag, path) in [
        ("--out", &args.out),
        ("--report", &args.report),
        ("--samples", &args.samples),
    ] {
        if let Some(path) = path {
            check_out(flag, path, &[file])?;
        }
    }
    if let Some(path) = &args.report {
        check_report_path(path)?;
    }
    let scenario = load_scenario(file, &args.set)?;
    if args.list_parameters {
        let mut text = String::new();
        for (path, value) in scenario.parameters() {
            text.push_str(&format!("{path} = {value}\n"));
        }
        print_stdout(&text)?;
        return Ok(());
    }
    let precision = args.precision.precision()?;
    let mut options = run_options(&scenario, &args.common)?;
    options.quantiles = match args.quantiles {
        Quantiles::Auto => QuantileChoice::Auto,
        Quantiles::Exact => QuantileChoice::Exact,
        Quantiles::Sketch => QuantileChoice::Sketch,
    };
    precision::fit(precision.as_ref(), &scenario, &mut options)?;
    fit_memory(&scenario, &mut options, true)?;
    if let Some((shard, out)) = shard {
        return super::shard::run(
            file,
            &scenario,
            &args.set,
            &options,
            shard,
            &out,
            args.common.quiet,
        );
    }
    if let Some(path) = &args.samples {
        // A run to a precision learns its paths only as it stops: the
        // limit is checked then, before anything is written.
        let paths = if precision.is_some() {
            0
        } else {
            options.paths
        };
        check_samples(path, &scenario, paths, args.samples_limit)?;
    }
    install_interrupt_handler();
    let progress = Progress::new(options.paths, "paths", args.common.quiet);
    let result = match &precision {
        Some(precision) => engine::run_to_precision(&scenario, &options, precision, &progress),
        None => engine::run(&scenario, &options, &progress),
    };
    progress.finish();
    let result = result.context("the simulation did not finish")?;
    // What follows (the samples) runs the paths the run took.
    options.paths = result.paths;
    if let (Some(path), Some(_)) = (&args.samples, &precision) {
        check_samples(path, &scenario, options.paths, args.samples_limit)?;
    }
    let mut report = report::build(&scenario, &result);
    report.overrides = args.set.clone();
    report::ensure_finite(&report)?;
    // Render the page before writing anything, so that a failure leaves
    // no file of either kind behind.
    let page = match &args.report {
        Some(path) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {} again for the page", file.display()))?;
            Some((path, report::html::render(&report, &text)?))
        }
        None => None,
    };
    // The paths themselves, before the reports: if they fail or are
    // interrupted, nothing is written.
    if let Some(path) = &args.samples {
        write_samples(path, &scenario, &options, args.common.quiet)?;
    }
    if let Some((path, format)) = out {
        write_report(path, format, &report)?;
    }
    if let Some((path, page)) = page {
        write_atomic(path, page.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let text = match args.format {
        RunFormat::Terminal => report::terminal::render(&report, use_color()),
        RunFormat::Json => report::json::render(&report) + "\n",
        RunFormat::Csv => report::csv::render(&report),
    };
    print_stdout(&text)?;
    Ok(())
}

/// Refuses `--samples` before the run: a name that is not `.csv` or
/// `.parquet`, a
/// missing folder, or more rows than the limit (with the size it would
/// take).
fn check_samples(
    path: &Path,
    scenario: &Scenario,
    paths: u64,
    limit: u64,
) -> Result<(), UsageError> {
    check_folder("--samples", path)?;
    let per_value = match samples::Format::from_path(path) {
        Some(samples::Format::Csv) => CSV_BYTES_PER_VALUE,
        Some(samples::Format::Parquet) => PARQUET_BYTES_PER_VALUE,
        None => {
            return Err(UsageError(format!(
                "--samples {}: unknown format; give a name ending in .csv or .parquet",
                path.display()
            )));
        }
    };
    if paths > limit {
        let columns = samples::Layout::new(scenario).columns().len();
        let bytes = paths as f64 * columns as f64 * per_value;
        return Err(UsageError(format!(
            "--samples {}: {} paths would write {} rows of {columns} columns, about {:.1} GB; \
             the limit is {} rows: use fewer --paths or raise --samples-limit",
            path.display(),
            thousands(paths),
            thousands(paths),
            bytes / 1e9,
            thousands(limit)
        )));
    }
    Ok(())
}

/// Runs the paths again, writing a row for each as it goes, and puts the
/// file in place only when every row is written.
fn write_samples(
    path: &Path,
    scenario: &Scenario,
    options: &RunOptions,
    quiet: bool,
) -> Result<()> {
    let mut file =
        AtomicFile::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let progress = Progress::new(options.paths, "paths written", quiet);
    // `check_samples` has refused any other name.
    let format = samples::Format::from_path(path).unwrap_or(samples::Format::Csv);
    let written = samples::write(scenario, options, format, &progress, file.writer());
    progress.finish();
    written.map_err(|e| match e {
        samples::SamplesError::Engine(e) => {
            anyhow::Error::new(e).context("the samples were not written")
        }
        samples::SamplesError::Io(e) => {
            anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
        }
    })?;
    file.commit()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes the report to `path` in `format`, whole or not at all; CSV
/// writes the monthly table beside it first, each file whole.
pub(super) fn write_report(path: &Path, format: RunFormat, report: &report::Report) -> Result<()> {
    let write = |path: &Path, body: String| {
        write_atomic(path, body.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))
    };
    match format {
        RunFormat::Terminal => write(path, report::terminal::render(report, false)),
        RunFormat::Json => write(path, report::json::render(report) + "\n"),
        RunFormat::Csv => {
            write(
                &report::csv::monthly_path(path),
                report::csv::render_monthly(report),
            )?;
            write(path, report::csv::render(report))
        }
    }
}

/// The format of the `--out` file: from its extension, else `--format`.
pub(super) fn out_format(path: &Path, format: RunFormat) -> Result<RunFormat, UsageError> {
    check_folder("--out", path)?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("json") => Ok(RunFormat::Json),
        Some("csv") => Ok(RunFormat::Csv),
        Some("html" | "htm") => Err(UsageError(format!(
            "--out {}: the HTML page is written by --report {}; --out takes .json, .csv \
             or any other name for the report as --format prints it",
            path.display(),
            path.display()
        ))),
        _ => Ok(format),
    }
}
