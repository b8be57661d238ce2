//! The report as a table for a person at a terminal.

use std::fmt::Write;

use super::money::{money, percent, thousands};
use super::{Bin, Report, TargetReport};

/// Widest histogram bar, in characters.
const BAR_WIDTH: usize = 40;

/// Terminal styling; plain text when colour is off.
struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// Where a run to a precision stopped and what it reached, a line for
/// the stop and one per rule, each short enough for 80 columns:
///
/// ```text
/// Stopped at 40,960 paths: precision reached (looked at every 8,192)
///   P(hit) ±0.46 points at Azure OpenAI $1B (asked ±0.50; 95% Wilson)
/// ```
fn stopping_lines(s: &super::stopping::StoppingReport, targets: &[super::TargetReport]) -> String {
    let name = |id: &str| {
        targets
            .iter()
            .find(|t| t.id == id)
            .map_or(id.to_string(), |t| t.name.clone())
    };
    let mut out = match s.reason {
        "precision" => format!(
            "Stopped at {} paths: precision reached (looked at every {})",
            thousands(s.paths),
            thousands(s.checked_every_paths)
        ),
        _ => format!(
            "Stopped at --max-paths {} before the precision was reached",
            thousands(s.max_paths)
        ),
    };
    for r in &s.rules {
        let _ = match r.measure {
            "probability" => write!(
                out,
                "\n  P(hit) ±{:.2} points at {} (asked ±{:.2}; 95% Wilson)",
                100.0 * r.achieved,
                name(&r.widest_target),
                100.0 * r.asked
            ),
            _ => write!(
                out,
                "\n  mean ±{:.3}% at {} (asked ±{:.3}%; 95%)",
                100.0 * r.achieved,
                name(&r.widest_target),
                100.0 * r.asked
            ),
        };
    }
    out
}

/// Renders the report; `color` adds ANSI styling.
pub fn render(report: &Report, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    let _ = writeln!(out, "{}", style.bold(&report.title()));
    if let Some(d) = &report.description {
        let _ = writeln!(out, "{}", style.dim(d));
    }
    for o in &report.overrides {
        let _ = writeln!(out, "  --set {o}");
    }
    let _ = writeln!(
        out,
        "{} paths · seed {} · {} months · {} quantiles · {:.2} s ({} paths/s on {} thread{})",
        thousands(report.paths),
        report.seed,
        report.horizon_months,
        match report.quantile_method {
            crate::stats::QuantileMethod::Exact => "exact",
            crate::stats::QuantileMethod::Sketch => "sketched (±0.1%)",
        },
        report.elapsed_seconds,
        thousands(report.paths_per_second.round() as u64),
        report.threads,
        if report.threads == 1 { "" } else { "s" },
    );
    if let Some(stopping) = &report.stopping {
        let _ = writeln!(out, "{}", stopping_lines(stopping, &report.targets));
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!(
            "{} · revsim {} · {} · scenario {}",
            report.source,
            report.engine_version,
            report.date,
            short_hash(&report.scenario_hash)
        ))
    );
    for t in &report.targets {
        out.push('\n');
        target(&mut out, t, &style);
        drivers(&mut out, t, &style);
    }
    out.push('\n');
    monthly(&mut out, report, &style);
    out.push('\n');
    streams(&mut out, report, &style);
    out
}

fn target(out: &mut String, t: &TargetReport, style: &Style) {
    let _ = writeln!(
        out,
        "{}  {} over {}{}",
        style.bold(&t.name),
        money(t.amount),
        if t.segments.len() == 1 {
            t.segments[0].clone()
        } else {
            t.segments.join(" + ")
        },
        // Said only when it is not the whole horizon's total, which
        // every target was before windows and measures.
        if t.measured == "total over the horizon" {
            String::new()
        } else {
            format!(", {}", t.measured)
        }
    );
    let _ = writeln!(
        out,
        "  P(revenue >= {})  {}   95% CI {} – {}",
        money(t.amount),
        style.bold(&percent(t.probability)),
        percent(t.probability_ci95[0]),
        percent(t.probability_ci95[1]),
    );
    let _ = writeln!(
        out,
        "  mean {} (± {})   sd {}   expected shortfall {}",
        money(t.mean),
        money(1.96 * t.mean_std_error),
        money(t.sd),
        money(t.expected_shortfall),
    );
    if let Some(c) = &t.largest_client {
        let _ = writeln!(
            out,
            "  largest client: {} with {} of the mean",
            c.name,
            percent(c.share)
        );
    }
    let q = &t.quantiles;
    let values = [q.p1, q.p5, q.p10, q.p25, q.p50, q.p75, q.p90, q.p95, q.p99];
    let mut head = String::from(" ");
    let mut row = String::from(" ");
    for ((name, _), v) in super::QUANTILES.iter().zip(values) {
        let _ = write!(head, " {name:>9}");
        let _ = write!(row, " {:>9}", money(v));
    }
    let _ = writeln!(out, "{}", style.dim(&head));
    let _ = writeln!(out, "{row}");
    histogram(out, &t.histogram, t.amount, style);
}

/// Horizontal bars, pairs of report bins merged; bars short of the target
/// are drawn light, the bar holding it is marked.
fn histogram(out: &mut String, bins: &[Bin], amount: f64, style: &Style) {
    let merged: Vec<Bin> = bins
        .chunks(2)
        .map(|c| Bin {
            lo: c[0].lo,
            hi: c[c.len() - 1].hi,
            fraction: c.iter().map(|b| b.fraction).sum(),
        })
        .collect();
    let peak = merged.iter().map(|b| b.fraction).fold(0.0, f64::max);
    if peak <= 0.0 {
        return;
    }
    for (i, bin) in merged.iter().enumerate() {
        let len = ((bin.fraction / peak) * BAR_WIDTH as f64).round() as usize;
        let short = bin.hi <= amount;
        let bar = if short {
            "░".repeat(len)
        } else {
            "█".repeat(len)
        };
        let last = i + 1 == merged.len();
        let holds = amount >= bin.lo && (amount < bin.hi || (last && amount <= bin.hi));
        let mark = if holds {
            format!("  ◀ target {}", money(amount))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:>9} {:<width$} {:>5}{}",
            money(bin.lo),
            if short { style.dim(&bar) } else { bar },
            percent(bin.fraction),
            mark,
            width = BAR_WIDTH + if style.color && short { 8 } else { 0 },
        );
    }
}

/// Widest stream name in the "What drives it" table: `kind.id` of every
/// stream of the base scenario fits, and a line stays under 80 columns.
const DRIVER_NAME_WIDTH: usize = 34;

/// What drives the target: each stream's sd and share of the variance, and
/// on the paths that miss, how far its mean moves (and how often a client
/// churned there, against how often overall).
fn drivers(out: &mut String, t: &TargetReport, style: &Style) {
    if t.contributions.is_empty() {
        return;
    }
    let miss = &t.miss_drivers;
    let width = t
        .contributions
        .iter()
        .map(|c| c.stream.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(6, DRIVER_NAME_WIDTH);
    let missed = match miss.mean_given_miss {
        Some(mean) => format!(
            "if missed ({} of paths, mean {})",
            percent(1.0 - t.probability),
            money(mean)
        ),
        None => "no path misses".to_string(),
    };
    let _ = writeln!(
        out,
        "  {}  {}",
        style.bold("What drives it"),
        style.dim(&missed)
    );
    let _ = writeln!(
        out,
        "{}",
        style
            .dim(&format!(
                "  {:<width$} {:>7} {:>9} {:>9}  {}",
                "stream",
                "sd",
                "var share",
                if miss.mean_given_miss.is_some() {
                    "shift"
                } else {
                    ""
                },
                if miss.mean_given_miss.is_some() {
                    "churned (all)"
                } else {
                    ""
                },
            ))
            .trim_end()
    );
    for (k, c) in t.contributions.iter().enumerate() {
        let share = c.share_of_variance.map_or("–".to_string(), percent);
        let mut line = format!(
            "  {:<width$} {:>7} {:>9}",
            truncate(&c.stream, width),
            money(c.sd),
            share
        );
        if let Some(d) = miss.streams.get(k) {
            let sign = if d.shift >= 0.0 { "+" } else { "" };
            let _ = write!(line, " {:>9}", format!("{sign}{}", money(d.shift)));
            if let Some(p) = d.churn_probability_given_miss {
                // Both by the end of the target's window.
                let _ = write!(line, "  {}", percent(p));
                if let Some(all) = d.churn_probability {
                    let _ = write!(line, " ({})", percent(all));
                }
            }
        }
        let _ = writeln!(out, "{line}");
    }
}

fn monthly(out: &mut String, report: &Report, style: &Style) {
    let _ = writeln!(out, "{}", style.bold("Monthly revenue: p5 / p50 / p95"));
    let mut head = format!("  {:>5}", "month");
    for t in &report.targets {
        let _ = write!(head, "  {:^32}", truncate(&t.name, 32));
    }
    let _ = writeln!(out, "{}", style.dim(&head));
    let months = report.targets.first().map_or(0, |t| t.monthly.len());
    for m in 0..months {
        let mut row = format!("  {:>5}", m + 1);
        for t in &report.targets {
            let r = &t.monthly[m];
            let _ = write!(
                row,
                "  {:>10} {:>10} {:>10}",
                money(r.p5),
                money(r.p50),
                money(r.p95)
            );
        }
        let _ = writeln!(out, "{row}");
    }
}

fn streams(out: &mut String, report: &Report, style: &Style) {
    let _ = writeln!(out, "{}", style.bold("Streams: mean horizon revenue"));
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!(
            "  {:<28} {:<12} {:<14} {:>10} {:>7} {:>10}",
            "name", "kind", "segment", "mean", "share", "churned"
        ))
    );
    for s in &report.streams {
        let churn = s.churn_probability.map_or(String::new(), percent);
        let _ = writeln!(
            out,
            "  {:<28} {:<12} {:<14} {:>10} {:>7} {:>10}",
            truncate(&s.name, 28),
            s.kind.as_str(),
            truncate(&s.segment, 14),
            money(s.mean),
            percent(s.share),
            churn
        );
    }
    if let Some(c) = &report.largest_client {
        let _ = writeln!(
            out,
            "  largest client: {} with {} of all revenue",
            c.name,
            percent(c.share)
        );
    }
}

/// The algorithm and the first 12 hex digits: enough to tell scenarios
/// apart at a glance (JSON and CSV carry all 64).
fn short_hash(hash: &str) -> String {
    let end = hash.find(':').map_or(0, |i| i + 1) + 12;
    hash.chars().take(end).collect()
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}
