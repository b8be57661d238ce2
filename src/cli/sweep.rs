//! `simulate sweep FILE`: one scenario at many points, a row per point.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::precision::{self, PrecisionArgs};
use super::{
    CommonArgs, UsageError, check_folder, check_out, check_report_path, fit_memory, run_options,
    use_color,
};
use revsim::engine::Observer;
use revsim::output::{print_stdout, write_atomic};
use revsim::progress::{Progress, install_interrupt_handler};
use revsim::sweep::{self, Sweep, SweepError, SweepResult};

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The sweep file (TOML); its `scenario` path is relative to it.
    #[arg(value_name = "SWEEP")]
    file: PathBuf,
    #[command(flatten)]
    common: CommonArgs,
    /// Override a parameter of the scenario before the sweep's own values:
    /// PATH=VALUE, as for a run. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = SweepFormat::Terminal)]
    format: SweepFormat,
    /// Not for sweeps: `--samples` writes the paths of a single run.
    #[arg(long, value_name = "FILE", hide = true)]
    samples: Option<PathBuf>,
    /// Also write a self-contained HTML page with charts (whole or not at
    /// all); the name must end in .html.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Also write the rows to this file, whole or not at all: CSV for a
    /// `.csv` name, JSON for `.json`.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    precision: PrecisionArgs,
    /// Run only shard K of N (K from 0) of the sweep's (point, block)
    /// jobs, or `slurm` for the task of a Slurm array job, and write its
    /// part file to `--out`; `simulate merge` gives the rows.
    #[arg(long, value_name = "K/N|slurm")]
    shard: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SweepFormat {
    Terminal,
    Csv,
    Json,
}

pub fn run(args: SweepArgs) -> Result<()> {
    args.precision.refuse_with_shard(args.shard.as_ref())?;
    let shard = match &args.shard {
        Some(spec) => Some(super::shard::plan(
            spec,
            args.out.as_ref(),
            args.report.as_ref(),
            args.samples.as_ref(),
            &[args.file.as_path()],
        )?),
        None => None,
    };
    // Refuse a bad --out before the run, not after it.
    let out = match args.out.as_ref().filter(|_| shard.is_none()) {
        Some(path) => Some((path, out_format(path, args.format)?)),
        None => None,
    };
    if let Some(path) = &args.samples {
        return Err(UsageError(format!(
            "--samples {}: samples are written per run, one row per path of one scenario; \
             run `simulate SCENARIO --set ... --samples FILE.csv` for the point you want",
            path.display()
        ))
        .into());
    }
    if let Some(path) = &args.report {
        check_report_path(path)?;
    }
    let mut sweep = Sweep::load(&args.file)?;
    let inputs = [args.file.as_path(), Path::new(&sweep.scenario.origin)];
    for (flag, path) in [("--out", &args.out), ("--report", &args.report)] {
        if let Some(path) = path {
            check_out(flag, path, &inputs)?;
        }
    }
    for assignment in &args.set {
        sweep.set_assignment(assignment)?;
    }
    let precision = args.precision.precision()?;
    let mut options = run_options(&sweep.scenario, &args.common)?;
    if args.common.paths.is_none() {
        options.paths = sweep.paths_per_point();
    }
    // Each point runs on to its own precision.
    precision::fit(precision.as_ref(), &sweep.scenario, &mut options)?;
    fit_memory(&sweep.scenario, &mut options, false)?;
    if let Some((shard, out)) = shard {
        return super::shard::sweep(&args.file, &sweep, &options, shard, &out, args.common.quiet);
    }
    install_interrupt_handler();
    let points = sweep.point_count();
    let progress = Progress::new(
        points.saturating_mul(options.paths),
        "paths",
        args.common.quiet,
    );
    let observer = PointProgress {
        bar: &progress,
        paths: options.paths,
        points,
    };
    let result = match &precision {
        Some(precision) => sweep::run::run_to_precision(&sweep, &options, precision, &progress),
        None => sweep::run(&sweep, &options, &observer),
    };
    progress.finish();
    let result = result.map_err(|e| match e {
        SweepError::Scenario(e) => anyhow::Error::new(e),
        SweepError::Engine(e) => anyhow::Error::new(e).context("the sweep did not finish"),
    })?;
    sweep::json::ensure_finite(&result)?;
    // Render the page before writing anything, so that a failure leaves
    // no file of either kind behind.
    let page = match &args.report {
        Some(path) => Some((
            path,
            sweep::html::render(&result, &files_of(&args.file, &sweep)?)?,
        )),
        None => None,
    };
    if let Some((path, format)) = out {
        write_atomic(path, render(&result, format, false).as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some((path, page)) = page {
        write_atomic(path, page.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    print_stdout(&render(&result, args.format, use_color()))?;
    Ok(())
}

pub(super) fn render(result: &SweepResult, format: SweepFormat, color: bool) -> String {
    match format {
        SweepFormat::Terminal => sweep::table::render(result, color),
        SweepFormat::Csv => sweep::csv::render(result),
        SweepFormat::Json => sweep::json::render(result),
    }
}

/// The files a part carries, as the page's settings show them.
pub(super) fn files_of_texts(files: &[revsim::shard::part::SourceFile]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|f| (f.path.clone(), f.text.clone()))
        .collect()
}

/// The sweep file and its scenario file as read, for the page's settings.
pub(super) fn files_of(file: &Path, sweep: &Sweep) -> Result<Vec<(String, String)>> {
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {} again for the page", path.display()))
    };
    Ok(vec![
        (file.display().to_string(), read(file)?),
        (
            sweep.scenario.origin.clone(),
            read(Path::new(&sweep.scenario.origin))?,
        ),
    ])
}

/// The format of the `--out` file: from its extension, else from
/// `--format` when that names a file format.
pub(super) fn out_format(path: &Path, format: SweepFormat) -> Result<SweepFormat, UsageError> {
    check_folder("--out", path)?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match (extension.as_deref(), format) {
        (Some("csv"), _) => Ok(SweepFormat::Csv),
        (Some("json"), _) => Ok(SweepFormat::Json),
        (_, SweepFormat::Csv | SweepFormat::Json) => Ok(format),
        (_, SweepFormat::Terminal) => Err(UsageError(format!(
            "--out {}: cannot tell the format from the name; use a .csv or .json name, \
             or --format csv or --format json",
            path.display()
        ))),
    }
}

/// The bar counts paths, for the rate and the time left, and shows points.
struct PointProgress<'a> {
    bar: &'a Progress,
    paths: u64,
    points: u64,
}

impl Observer for PointProgress<'_> {
    fn progress(&self, done: u64, total: u64) {
        self.bar.set_message(format!(
            "{}/{} points · ",
            done / self.paths.max(1),
            self.points
        ));
        self.bar.progress(done, total);
    }

    fn should_stop(&self) -> bool {
        self.bar.should_stop()
    }
}
