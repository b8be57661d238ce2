//! A sweep as CSV: a header line, then one line per point in point order,
//! for spreadsheets and pandas.
//!
//! Columns: the varied paths, then (for a sweep run to a precision) the
//! `paths` each point ran, then for each target (by id)
//! `probability`, `probability_ci95_lo`, `probability_ci95_hi`, `mean`,
//! `p5`, `p50`, `p95`, `expected_shortfall`. Numbers are printed in the
//! shortest form that reads back to the same f64, so the file is exact and
//! the same bytes on every run of the same sweep, seed and paths.

use std::fmt::Write;

use super::run::SweepResult;

/// The statistics of each target, in column order.
pub const TARGET_COLUMNS: [&str; 8] = [
    "probability",
    "probability_ci95_lo",
    "probability_ci95_hi",
    "mean",
    "p5",
    "p50",
    "p95",
    "expected_shortfall",
];

pub fn render(result: &SweepResult) -> String {
    let mut header: Vec<String> = result.parameters.iter().map(|p| field(p)).collect();
    let with_paths = result.precision.is_some();
    if with_paths {
        header.push("paths".to_string());
    }
    for t in &result.targets {
        header.extend(
            TARGET_COLUMNS
                .iter()
                .map(|c| field(&format!("{}.{c}", t.id))),
        );
    }
    let mut out = header.join(",");
    out.push('\n');
    for row in &result.rows {
        let mut cells: Vec<String> = row
            .values
            .iter()
            .map(|v| field(&v.param().to_string()))
            .collect();
        if with_paths {
            cells.push(row.paths.to_string());
        }
        for t in &row.targets {
            cells.extend(
                [
                    t.probability,
                    t.probability_ci95[0],
                    t.probability_ci95[1],
                    t.mean,
                    t.p5,
                    t.p50,
                    t.p95,
                    t.expected_shortfall,
                ]
                .iter()
                .map(|x| x.to_string()),
            );
        }
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}

/// A field, quoted when it holds a comma, a quote or a line break (RFC
/// 4180): distributions print as `beta(alpha=2, beta=5)`.
pub(crate) fn field(text: &str) -> String {
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
    fn quotes_only_what_needs_it() {
        assert_eq!(field("0.3"), "0.3");
        assert_eq!(field("beta(alpha=2, beta=5)"), "\"beta(alpha=2, beta=5)\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
