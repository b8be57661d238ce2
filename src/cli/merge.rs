//! `simulate merge PART...`: the parts of a distributed run or sweep, in
//! any order, merged into the report one run would have given.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use super::run::{RunFormat, out_format as run_out_format, write_report};
use super::sweep::{SweepFormat, files_of_texts, out_format as sweep_out_format, render};
use super::{UsageError, check_out, check_report_path, use_color};
use revsim::output::{print_stdout, write_atomic};
use revsim::report;
use revsim::shard::merge::PartSet;
use revsim::shard::part::{Kind, PartError};

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The part files of one run, every shard once, in any order.
    #[arg(value_name = "PART")]
    files: Vec<PathBuf>,
    /// What to print on stdout (a sweep's rows: terminal, csv or json).
    #[arg(long, value_enum, default_value_t = RunFormat::Terminal)]
    format: RunFormat,
    /// Also write the report to this file, whole or not at all, as a
    /// single run's or sweep's `--out` would.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write the self-contained HTML page (the name must end in .html).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
}

fn usage(e: PartError) -> anyhow::Error {
    UsageError(e.0).into()
}

pub fn run(args: MergeArgs) -> Result<()> {
    if let Some(path) = &args.report {
        check_report_path(path)?;
    }
    let inputs: Vec<&Path> = args.files.iter().map(PathBuf::as_path).collect();
    for (flag, path) in [("--out", &args.out), ("--report", &args.report)] {
        if let Some(path) = path {
            check_out(flag, path, &inputs)?;
        }
    }
    let parts = PartSet::check(&args.files).map_err(usage)?;
    match parts.header().kind {
        Kind::Run => merge_run(&args, &parts),
        Kind::Sweep => merge_sweep(&args, &parts),
    }
}

fn merge_run(args: &MergeArgs, parts: &PartSet) -> Result<()> {
    let out = match &args.out {
        Some(path) => Some((path, run_out_format(path, args.format)?)),
        None => None,
    };
    let scenario = parts.scenario().map_err(usage)?;
    revsim::engine::memory::fit_merge(&scenario, &parts.options(), true).map_err(UsageError)?;
    let result = parts.merge_run(&scenario).map_err(usage)?;
    let mut report = report::build(&scenario, &result);
    report.overrides = parts.header().overrides.clone();
    report::ensure_finite(&report)?;
    let page = match &args.report {
        Some(path) => Some((
            path,
            report::html::render(&report, &parts.header().files[0].text)?,
        )),
        None => None,
    };
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

fn merge_sweep(args: &MergeArgs, parts: &PartSet) -> Result<()> {
    let format = match args.format {
        RunFormat::Terminal => SweepFormat::Terminal,
        RunFormat::Json => SweepFormat::Json,
        RunFormat::Csv => SweepFormat::Csv,
    };
    let out = match &args.out {
        Some(path) => Some((path, sweep_out_format(path, format)?)),
        None => None,
    };
    let sweep = parts.sweep().map_err(usage)?;
    revsim::engine::memory::fit_merge(&sweep.scenario, &parts.options(), false)
        .map_err(UsageError)?;
    let result = parts.merge_sweep(&sweep).map_err(usage)?;
    revsim::sweep::json::ensure_finite(&result)?;
    let page = match &args.report {
        Some(path) => Some((
            path,
            revsim::sweep::html::render(&result, &files_of_texts(&parts.header().files))?,
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
    print_stdout(&render(&result, format, use_color()))?;
    Ok(())
}
