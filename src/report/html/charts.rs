//! The run page's charts, each drawn from the [`Report`] as it stands:
//! no statistic is computed here, only placed (the S-curve adds up the
//! histogram's fractions).

use super::chart::{Chart, LEFT, Ticks};
use crate::model::Kind;
use crate::report::money::{money, percent};
use crate::report::{Report, TargetReport};

/// Bars of horizon revenue, those at or above the target in the accent
/// colour, the target marked.
pub fn histogram(t: &TargetReport) -> String {
    let (Some(first), Some(last)) = (t.histogram.first(), t.histogram.last()) else {
        return String::new();
    };
    let peak = t.histogram.iter().map(|b| b.fraction).fold(0.0, f64::max);
    let mut c = Chart::new(
        &format!("{}: distribution of revenue", t.name),
        &format!(
            "Histogram of {} revenue over {} bins, target {} marked; {} of paths reach it",
            t.name,
            t.histogram.len(),
            money(t.amount),
            percent(t.probability)
        ),
        (first.lo, last.hi),
        (0.0, peak * 1.15),
    );
    c.axes(
        Ticks::Money,
        &format!("revenue, {}", t.measured),
        Ticks::Percent,
        "share of paths",
    );
    for b in &t.histogram {
        let class = if b.lo >= t.amount {
            "bar hit"
        } else {
            "bar miss"
        };
        c.bar(
            class,
            (b.lo, b.hi),
            b.fraction,
            &format!("{} – {}: {}", money(b.lo), money(b.hi), percent(b.fraction)),
        );
    }
    c.vertical("target", t.amount, &format!("target {}", money(t.amount)));
    c.legend(&[
        (
            "bar hit",
            &format!("reaches the target: {}", percent(t.probability)),
        ),
        ("bar miss", "falls short"),
    ]);
    c.finish()
}

/// The cumulative share of paths below each revenue (the S-curve), with
/// the target and P(revenue >= target) shaded.
pub fn s_curve(t: &TargetReport) -> String {
    let (Some(first), Some(last)) = (t.histogram.first(), t.histogram.last()) else {
        return String::new();
    };
    let mut points = vec![(first.lo, 0.0)];
    let mut below = 0.0;
    for b in &t.histogram {
        below += b.fraction;
        points.push((b.hi, below.min(1.0)));
    }
    let mut c = Chart::new(
        &format!("{}: chance revenue stays below each amount", t.name),
        &format!(
            "Cumulative distribution of {} revenue; at the target {} the curve stands at {}, \
             so P(revenue ≥ target) = {}",
            t.name,
            money(t.amount),
            percent(1.0 - t.probability),
            percent(t.probability)
        ),
        (first.lo, last.hi),
        (0.0, 1.0),
    );
    c.axes(
        Ticks::Money,
        &format!("revenue, {}", t.measured),
        Ticks::Percent,
        "share of paths below",
    );
    if t.amount >= first.lo && t.amount <= last.hi {
        c.band(
            "shade",
            &[
                (t.amount, 1.0 - t.probability),
                (last.hi, 1.0 - t.probability),
            ],
            &[(t.amount, 1.0), (last.hi, 1.0)],
            &format!(
                "P(revenue ≥ {}) = {}",
                money(t.amount),
                percent(t.probability)
            ),
        );
    }
    c.line("line", &points, &format!("{}: cumulative share", t.name));
    c.vertical("target", t.amount, &format!("target {}", money(t.amount)));
    c.horizontal(
        "level",
        1.0 - t.probability,
        &format!(
            "{} fall short · {} reach it",
            percent(1.0 - t.probability),
            percent(t.probability)
        ),
    );
    c.finish()
}

/// Monthly revenue: the p5–p95 and p25–p75 bands and the median.
pub fn fan(t: &TargetReport) -> String {
    if t.monthly.is_empty() {
        return String::new();
    }
    let lo = t.monthly.iter().map(|m| m.p5).fold(f64::INFINITY, f64::min);
    let hi = t
        .monthly
        .iter()
        .map(|m| m.p95)
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = (hi - lo).abs().max(hi.abs() * 0.01) * 0.08;
    let months = t.monthly.len() as f64;
    let mut c = Chart::new(
        &format!("{}: monthly revenue", t.name),
        &format!(
            "Fan chart of {} monthly revenue over {} months: 5th to 95th and 25th to 75th \
             percentile bands and the median",
            t.name,
            t.monthly.len()
        ),
        (if months > 1.0 { 1.0 } else { 0.5 }, months.max(1.5)),
        ((lo - pad).max(0.0), hi + pad),
    );
    c.axes(Ticks::Number, "month", Ticks::Money, "revenue in the month");
    let at = |f: fn(&crate::report::MonthReport) -> f64| -> Vec<(f64, f64)> {
        t.monthly
            .iter()
            .map(|m| (f64::from(m.month), f(m)))
            .collect()
    };
    c.band(
        "band-outer",
        &at(|m| m.p5),
        &at(|m| m.p95),
        "5th to 95th percentile",
    );
    c.band(
        "band-inner",
        &at(|m| m.p25),
        &at(|m| m.p75),
        "25th to 75th percentile",
    );
    c.line("line", &at(|m| m.p50), "median");
    for m in &t.monthly {
        c.dot(
            "dot",
            (f64::from(m.month), m.p50),
            &format!(
                "month {}: median {}, 50% between {} and {}, 90% between {} and {}",
                m.month,
                money(m.p50),
                money(m.p25),
                money(m.p75),
                money(m.p5),
                money(m.p95)
            ),
        );
    }
    c.legend(&[
        ("band-outer", "p5 – p95"),
        ("band-inner", "p25 – p75"),
        ("line-swatch", "median"),
    ]);
    c.finish()
}

/// Mean horizon revenue of every stream, with its share of the total.
pub fn stream_means(report: &Report) -> String {
    let rows = report.streams.len();
    if rows == 0 {
        return String::new();
    }
    let peak = report.streams.iter().map(|s| s.mean).fold(0.0, f64::max);
    let mut c = Chart::sized(
        "Mean revenue by stream",
        &format!(
            "Horizontal bars: mean horizon revenue of each of {rows} streams and its share of the total"
        ),
        (0.0, peak.max(1.0) * 1.3),
        (0.0, 1.0),
        LEFT + 150.0,
        rows as f64 * 28.0 + 84.0,
    );
    c.x_axis(Ticks::Money, "mean revenue over the horizon");
    for (i, s) in report.streams.iter().enumerate() {
        c.hbar(
            "bar stream",
            (i, rows),
            s.mean,
            None,
            &truncate(&s.name, 26),
            &format!("{} ({})", money(s.mean), percent(s.share)),
        );
    }
    c.finish()
}

/// The chance that each client churns within the horizon, with its 95%
/// interval.
pub fn churn(report: &Report) -> String {
    let clients: Vec<_> = report
        .streams
        .iter()
        .filter(|s| s.kind == Kind::Client)
        .filter_map(|s| s.churn_probability.map(|p| (s, p)))
        .collect();
    let rows = clients.len();
    if rows == 0 {
        return String::new();
    }
    let mut c = Chart::sized(
        "Chance each client churns within the horizon",
        &format!(
            "Horizontal bars: churn probability of each of {rows} clients with its 95% interval"
        ),
        (0.0, 1.0),
        (0.0, 1.0),
        LEFT + 150.0,
        rows as f64 * 28.0 + 84.0,
    );
    c.x_axis(Ticks::Percent, "probability of churning");
    for (i, (s, p)) in clients.iter().enumerate() {
        c.hbar(
            "bar churn",
            (i, rows),
            *p,
            s.churn_probability_ci95,
            &truncate(&s.name, 26),
            &percent(*p),
        );
    }
    c.finish()
}

pub fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}
