//! The report as CSV, for spreadsheets and pandas: one table of a row per
//! target with the headline statistics and what produced them
//! ([`render`]), and one of a row per target and month with the monthly
//! quantiles ([`render_monthly`]). Numbers are printed in the shortest form
//! that reads back to the same value; text is quoted when it must be.

use std::fmt::Write;

use super::Report;
use crate::stats::QuantileMethod;

/// The columns of [`render`], in order.
pub const COLUMNS: [&str; 32] = [
    "scenario",
    "target_id",
    "target_name",
    "amount",
    "measure",
    "first_month",
    "last_month",
    "probability",
    "probability_ci95_lo",
    "probability_ci95_hi",
    "mean",
    "sd",
    "mean_std_error",
    "expected_shortfall",
    "p1",
    "p5",
    "p10",
    "p25",
    "p50",
    "p75",
    "p90",
    "p95",
    "p99",
    "paths",
    "seed",
    "horizon_months",
    "quantile_method",
    "threads",
    "overrides",
    "scenario_hash",
    "engine_version",
    "date",
];

/// The columns of [`render_monthly`], in order.
pub const MONTHLY_COLUMNS: [&str; 9] = [
    "target_id",
    "month",
    "mean",
    "p5",
    "p25",
    "p50",
    "p75",
    "p95",
    "scenario_hash",
];

/// A row per target: its headline statistics, then the run's settings
/// (`overrides` joined by "; "), so that each row says what produced it.
pub fn render(report: &Report) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for t in &report.targets {
        let q = &t.quantiles;
        let numbers = [
            t.amount,
            t.probability,
            t.probability_ci95[0],
            t.probability_ci95[1],
            t.mean,
            t.sd,
            t.mean_std_error,
            t.expected_shortfall,
            q.p1,
            q.p5,
            q.p10,
            q.p25,
            q.p50,
            q.p75,
            q.p90,
            q.p95,
            q.p99,
        ];
        let mut cells = vec![field(&report.scenario), field(&t.id), field(&t.name)];
        cells.extend(numbers.iter().map(|x| x.to_string()));
        // What the target measures, beside its amount.
        cells.splice(
            4..4,
            [
                t.measure.as_str().to_string(),
                t.months[0].to_string(),
                t.months[1].to_string(),
            ],
        );
        cells.extend([
            report.paths.to_string(),
            report.seed.to_string(),
            report.horizon_months.to_string(),
            match report.quantile_method {
                QuantileMethod::Exact => "exact",
                QuantileMethod::Sketch => "sketch",
            }
            .to_string(),
            report.threads.to_string(),
            field(&report.overrides.join("; ")),
            field(&report.scenario_hash),
            field(&report.engine_version),
            field(&report.date),
        ]);
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}

/// A row per target and month: mean and p5, p25, p50, p75, p95 of that
/// month's revenue (a long table: pivot on `target_id` for a wide one).
pub fn render_monthly(report: &Report) -> String {
    let mut out = MONTHLY_COLUMNS.join(",");
    out.push('\n');
    for t in &report.targets {
        for m in &t.monthly {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{}",
                field(&t.id),
                m.month,
                m.mean,
                m.p5,
                m.p25,
                m.p50,
                m.p75,
                m.p95,
                field(&report.scenario_hash),
            );
        }
    }
    out
}

/// The name of the monthly file beside a report's CSV file:
/// `run.csv` gives `run.monthly.csv`.
pub fn monthly_path(path: &std::path::Path) -> std::path::PathBuf {
    let stem = path.file_stem().map_or_else(
        || std::ffi::OsString::from("report"),
        std::ffi::OsStr::to_os_string,
    );
    let mut name = stem;
    name.push(".monthly.csv");
    path.with_file_name(name)
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn monthly_file_sits_beside_the_report() {
        use std::path::Path;
        assert_eq!(
            monthly_path(Path::new("out/run.csv")),
            Path::new("out/run.monthly.csv")
        );
        assert_eq!(monthly_path(Path::new("run")), Path::new("run.monthly.csv"));
    }
}
