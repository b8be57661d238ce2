//! A sweep as tables for a person at a terminal: one per target, a line
//! per point.

use std::fmt::Write;

use super::run::SweepResult;
use crate::dist::Param;
use crate::report::money::{money, percent, thousands};

/// Widest label of a varied parameter. Labels drop the kind (the full
/// paths are in the CSV and JSON), then shorten the stream's id.
const LABEL_WIDTH: usize = 36;

/// Renders the tables; `color` adds ANSI bold to headings.
pub fn render(result: &SweepResult, color: bool) -> String {
    let bold = |text: &str| {
        if color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let seconds = result.elapsed.as_secs_f64();
    let points = result.rows.len() as u64;
    let drawn: u64 = result.rows.iter().map(|r| r.paths).sum();
    let rate = if seconds > 0.0 {
        drawn as f64 / seconds
    } else {
        0.0
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        bold(&format!("{} · {}", result.scenario, result.origin))
    );
    let per_point = match &result.precision {
        None => format!("{} paths", thousands(result.paths)),
        Some(precision) => format!(
            "{} paths in all, each point {}",
            thousands(drawn),
            crate::engine::precision::describe(precision)
        ),
    };
    let _ = writeln!(
        out,
        "{} points ({}) × {per_point} · seed {} · {:.2} s ({} paths/s on {} threads)",
        thousands(points),
        result.design.name().replace('_', " "),
        result.seed,
        seconds,
        thousands(rate.round() as u64),
        result.threads,
    );

    let labels: Vec<String> = result.parameters.iter().map(|p| label(p)).collect();
    let values: Vec<Vec<String>> = result
        .rows
        .iter()
        .map(|r| r.values.iter().map(|v| shown(v.param())).collect())
        .collect();
    let widths: Vec<usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            values
                .iter()
                .map(|v| v[i].chars().count())
                .chain([l.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let lead = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };

    for (t, target) in result.targets.iter().enumerate() {
        out.push('\n');
        let _ = writeln!(
            out,
            "{}",
            bold(&format!(
                "{}  P(revenue >= {})",
                target.name,
                money(target.amount)
            ))
        );
        // A run to a precision shows where each point stopped.
        let with_paths = result.precision.is_some();
        let paths_cell = |text: String| {
            if with_paths {
                format!("  {text:>9}")
            } else {
                String::new()
            }
        };
        let _ = writeln!(
            out,
            "  {}{}  {:>7}  {:>15}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
            lead(&labels),
            paths_cell("paths".to_string()),
            "P(hit)",
            "95% CI",
            "mean",
            "p5",
            "p50",
            "p95",
            "shortfall"
        );
        for (row, cells) in result.rows.iter().zip(&values) {
            let s = &row.targets[t];
            let _ = writeln!(
                out,
                "  {}{}  {:>7}  {:>15}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
                lead(cells),
                paths_cell(thousands(row.paths)),
                percent(s.probability),
                format!(
                    "{} – {}",
                    percent(s.probability_ci95[0]),
                    percent(s.probability_ci95[1])
                ),
                money(s.mean),
                money(s.p5),
                money(s.p50),
                money(s.p95),
                money(s.expected_shortfall),
            );
        }
        if let Some(shape) = result.two_way() {
            out.push('\n');
            matrix(&mut out, result, t, shape);
        }
    }
    out
}

/// A two-way grid as a matrix of P(hit): the first parameter's values
/// down, the second's across.
fn matrix(out: &mut String, result: &SweepResult, target: usize, (rows, columns): (usize, usize)) {
    let column_values: Vec<String> = result.rows[..columns]
        .iter()
        .map(|r| shown(r.values[1].param()))
        .collect();
    let row_values: Vec<String> = (0..rows)
        .map(|i| shown(result.rows[i * columns].values[0].param()))
        .collect();
    let down = label(&result.parameters[0]);
    let across = label(&result.parameters[1]);
    let first = row_values
        .iter()
        .map(|v| v.chars().count())
        .chain([down.chars().count()])
        .max()
        .unwrap_or(0);
    let width = column_values
        .iter()
        .map(|v| v.chars().count())
        .chain([6])
        .max()
        .unwrap_or(6);
    let _ = writeln!(out, "  P(hit): {down} down, {across} across");
    let mut head = format!("  {down:<first$}");
    for v in &column_values {
        let _ = write!(head, "  {v:>width$}");
    }
    let _ = writeln!(out, "{head}");
    for (i, v) in row_values.iter().enumerate() {
        let mut line = format!("  {v:<first$}");
        for j in 0..columns {
            let p = result.rows[i * columns + j].targets[target].probability;
            let _ = write!(line, "  {:>width$}", percent(p));
        }
        let _ = writeln!(out, "{line}");
    }
}

/// A value short enough for a column: four significant figures (a latin
/// hypercube draws values such as 0.56105712000317); the CSV and JSON
/// keep every digit.
pub(crate) fn shown(param: &Param) -> String {
    match param {
        Param::Fixed(x) => {
            let a = x.abs();
            if a == 0.0 || (1e-3..1e6).contains(&a) {
                let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
                let text = format!("{x:.decimals$}");
                if text.contains('.') {
                    text.trim_end_matches('0').trim_end_matches('.').to_string()
                } else {
                    text
                }
            } else {
                format!("{x:.3e}")
            }
        }
        random => random.to_string(),
    }
}

pub(crate) fn label(path: &str) -> String {
    let short = ["client.", "pipeline.", "subscription.", "stream."]
        .iter()
        .find_map(|kind| path.strip_prefix(kind))
        .unwrap_or(path);
    if short.chars().count() <= LABEL_WIDTH {
        return short.to_string();
    }
    let (id, field) = short.split_once('.').unwrap_or((short, ""));
    let room = LABEL_WIDTH.saturating_sub(field.chars().count() + 2).max(1);
    let id: String = id.chars().take(room).collect();
    format!("{id}….{field}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_show_four_significant_figures() {
        let show = |x: f64| shown(&Param::fixed(x));
        assert_eq!(show(0.0), "0");
        assert_eq!(show(0.3), "0.3");
        assert_eq!(show(1.0), "1");
        assert_eq!(show(0.56105712000317), "0.5611");
        assert_eq!(show(1234.5678), "1235");
        assert_eq!(show(89449080.75), "8.945e7");
        assert_eq!(show(-0.25), "-0.25");
    }

    #[test]
    fn labels_drop_the_kind_then_shorten_the_id() {
        assert_eq!(label("client.a.volatility"), "a.volatility");
        assert_eq!(label("scenario.horizon_months"), "scenario.horizon_months");
        let long = label("stream.enterprise_direct_sales_and_more.monthly_revenue");
        assert_eq!(long.chars().count(), 36);
        assert_eq!(long, "enterprise_direct_s….monthly_revenue");
    }
}
