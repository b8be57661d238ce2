//! The sensitivity analysis and the comparison as self-contained HTML
//! pages, like the run and sweep pages: rendered from the same [`Tornado`]
//! and [`Comparison`] their JSON serialises (embedded in the page), with
//! charts drawn by [`crate::report::html::chart`] from those numbers only.

use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::compare::{Comparison, TargetComparison};
use super::sources::{Index, SourceIndices};
use super::tornado::{TargetTornado, Tornado};
use crate::report::html::chart::{Chart, LEFT, Ticks, short};
use crate::report::html::charts::truncate;
use crate::report::html::{HtmlError, embedded_json, environment};
use crate::report::money::{money, percent};

const SENSITIVITY: &str = include_str!("sensitivity.html");
const COMPARE: &str = include_str!("compare.html");

/// What the page shows for audit beside the result: the files as read
/// (name, text), each with its scenario's hash, and the `--set` overrides.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Audit {
    pub files: Vec<(String, String)>,
    pub hashes: Vec<String>,
    pub overrides: Vec<String>,
}

fn title(what: &str, scenario: &str, overrides: usize) -> String {
    match overrides {
        0 => format!("{what} {scenario}"),
        1 => format!("{what} {scenario}, with 1 override"),
        n => format!("{what} {scenario}, with {n} overrides"),
    }
}

/// The sensitivity page. `by_mean`: the tornado was sorted by the swing of
/// the mean, so its bars are drawn in money.
pub fn render_sensitivity(t: &Tornado, by_mean: bool, audit: &Audit) -> Result<String, HtmlError> {
    let env = environment(&[("sensitivity.html", SENSITIVITY)])?;
    let safe = Value::from_safe_string;
    let charts: Vec<Value> = t
        .targets
        .iter()
        .map(|target| {
            minijinja::context! {
                tornado => safe(tornado_chart(target, t, by_mean)),
                revenue => safe(sources_chart(target, false)),
                hit => safe(sources_chart(target, true)),
            }
        })
        .collect();
    let page = env
        .get_template("sensitivity.html")?
        .render(minijinja::context! {
            doc => Value::from(Serde(t)),
            title => title("Sensitivity of", &t.scenario, audit.overrides.len()),
            by_mean => by_mean,
            charts => charts,
            audit => Value::from(Serde(audit)),
            version => env!("CARGO_PKG_VERSION"),
            date => crate::report::utc_now(),
            data => embedded_json(t),
        })?;
    Ok(page)
}

/// Rows of a horizontal-bar chart: its height in `viewBox` units.
fn rows_height(rows: usize) -> f64 {
    rows as f64 * 30.0 + 96.0
}

/// The tornado: each input's bar from the base out to P(target) (or the
/// mean) at its low end and at its high end, largest swing on top.
fn tornado_chart(target: &TargetTornado, t: &Tornado, by_mean: bool) -> String {
    let bars = &target.tornado;
    if bars.is_empty() {
        return String::new();
    }
    let value = |s: &super::tornado::Stat| if by_mean { s.mean } else { s.probability };
    let shown = |x: f64| if by_mean { money(x) } else { percent(x) };
    let base = value(&target.base);
    let (lo, hi) = bars
        .iter()
        .flat_map(|b| [value(&b.low), value(&b.high)])
        .fold((base, base), |(lo, hi), x| (lo.min(x), hi.max(x)));
    // Room either side for the input values written beside the bars.
    let pad = ((hi - lo) * 0.25).max(if by_mean { base.abs() * 0.01 } else { 0.01 });
    let (x0, x1) = (lo - pad, hi + pad);
    let measure = if by_mean {
        "mean revenue".to_string()
    } else {
        format!("P(revenue ≥ {})", money(target.amount))
    };
    let mut c = Chart::sized(
        &format!("Tornado: {} of {}", measure, target.name),
        &format!(
            "Tornado chart: {measure} with each of {} inputs at its {} and {} quantile, \
             around the base of {}, largest swing first",
            bars.len(),
            short(t.low_quantile),
            short(t.high_quantile),
            shown(base)
        ),
        (x0, x1),
        (0.0, 1.0),
        LEFT + 190.0,
        rows_height(bars.len()),
    );
    c.x_axis(
        if by_mean {
            Ticks::Money
        } else {
            Ticks::Percent
        },
        &measure,
    );
    let rows = bars.len();
    for (i, b) in bars.iter().enumerate() {
        let name = truncate(&b.input, 34);
        let (l, h) = (value(&b.low), value(&b.high));
        c.span(
            "bar low",
            (i, rows),
            (base, l),
            None,
            &name,
            &short(b.low_value),
            &format!("{} at {}: {}", b.input, short(b.low_value), shown(l)),
        );
        c.span(
            "bar high",
            (i, rows),
            (base, h),
            None,
            "",
            &short(b.high_value),
            &format!("{} at {}: {}", b.input, short(b.high_value), shown(h)),
        );
    }
    c.vertical("level", base, &format!("base {}", shown(base)));
    c.legend(&[
        (
            "bar low",
            &format!("input at its {} quantile", short(t.low_quantile)),
        ),
        (
            "bar high",
            &format!("at its {} quantile", short(t.high_quantile)),
        ),
    ]);
    c.finish()
}

/// The share of the variance of revenue (or of the hit, `hit`) from each
/// source: first-order and total indices, each with its 95% interval.
fn sources_chart(target: &TargetTornado, hit: bool) -> String {
    let sources: &[SourceIndices] = &target.sources;
    if sources.is_empty() {
        return String::new();
    }
    fn pick(s: &SourceIndices, hit: bool) -> &Index {
        if hit { &s.hit } else { &s.revenue }
    }
    let index = |s| pick(s, hit);
    let hi = sources
        .iter()
        .flat_map(|s| [index(s).first_order_ci95[1], index(s).total_ci95[1]])
        .fold(0.0f64, f64::max);
    let lo = sources
        .iter()
        .flat_map(|s| [index(s).first_order_ci95[0], index(s).total_ci95[0]])
        .fold(0.0f64, f64::min);
    let what = if hit {
        format!("reaching {} (the hit)", money(target.amount))
    } else {
        "revenue".to_string()
    };
    let rows = 2 * sources.len();
    let mut c = Chart::sized(
        &format!("Variance of {what} by source, {}", target.name),
        &format!(
            "Horizontal bars: the first-order and total share of the variance of {what} \
             from each of {} sources, with 95% intervals",
            sources.len()
        ),
        // Estimates can fall a little below zero: room for their whiskers.
        (
            if lo < 0.0 { lo.max(-0.5) - 0.02 } else { 0.0 },
            (hi * 1.25).clamp(0.05, 1.5),
        ),
        (0.0, 1.0),
        LEFT + 190.0,
        rows_height(rows),
    );
    // No share of the variance above 100%: no tick there either.
    c.x_axis_within(Ticks::Percent, "share of the variance", (-1.0, 1.0));
    for (i, s) in sources.iter().enumerate() {
        let x = index(s);
        let name = truncate(&s.source, 34);
        c.span(
            "bar first",
            (2 * i, rows),
            (0.0, x.first_order),
            Some(x.first_order_ci95),
            &name,
            &percent(x.first_order),
            &format!(
                "{}: first-order {} (95% {} – {})",
                s.source,
                percent(x.first_order),
                percent(x.first_order_ci95[0]),
                percent(x.first_order_ci95[1])
            ),
        );
        c.span(
            "bar total",
            (2 * i + 1, rows),
            (0.0, x.total),
            Some(x.total_ci95),
            "",
            &percent(x.total),
            &format!(
                "{}: total {} (95% {} – {})",
                s.source,
                percent(x.total),
                percent(x.total_ci95[0]),
                percent(x.total_ci95[1])
            ),
        );
    }
    c.legend(&[
        ("bar first", "first-order (alone)"),
        ("bar total", "total (with interactions)"),
    ]);
    c.finish()
}

/// The comparison page.
pub fn render_compare(c: &Comparison, audit: &Audit) -> Result<String, HtmlError> {
    let env = environment(&[("compare.html", COMPARE)])?;
    let safe = Value::from_safe_string;
    let names: Vec<String> = c.scenarios.iter().map(|s| s.name.clone()).collect();
    let charts: Vec<Value> = c
        .targets
        .iter()
        .map(|t| {
            minijinja::context! {
                probability => safe(probability_chart(t, &names)),
                difference => safe(difference_chart(t, &names, false)),
                mean_difference => safe(difference_chart(t, &names, true)),
            }
        })
        .collect();
    let first = c.scenarios.first().map_or("", |s| s.name.as_str());
    let page = env
        .get_template("compare.html")?
        .render(minijinja::context! {
            doc => Value::from(Serde(c)),
            title => title(
                &format!("{} scenarios compared:", c.scenarios.len()),
                &names.join(", "),
                audit.overrides.len()
            ),
            first => first,
            charts => charts,
            audit => Value::from(Serde(audit)),
            version => env!("CARGO_PKG_VERSION"),
            date => crate::report::utc_now(),
            data => embedded_json(c),
        })?;
    Ok(page)
}

/// P(target) of each scenario, a bar with its 95% interval.
fn probability_chart(t: &TargetComparison, names: &[String]) -> String {
    let rows = t.results.len();
    let hi = t
        .results
        .iter()
        .map(|r| r.probability_ci95[1])
        .fold(0.0f64, f64::max);
    let mut c = Chart::sized(
        &format!("P({} ≥ {}) by scenario", t.name, money(t.amount)),
        &format!(
            "Horizontal bars: the probability of reaching the target in each of {rows} scenarios, with 95% intervals"
        ),
        // Room right of the bars for their labels, ticks up to 100% only.
        (0.0, hi.max(0.05) * 1.18),
        (0.0, 1.0),
        LEFT + 190.0,
        rows_height(rows),
    );
    c.x_axis_within(Ticks::Percent, "P(revenue ≥ target)", (0.0, 1.0));
    for (i, r) in t.results.iter().enumerate() {
        let name = truncate(names.get(i).map_or(r.file.as_str(), |n| n.as_str()), 34);
        c.span(
            "bar high",
            (i, rows),
            (0.0, r.probability),
            Some(r.probability_ci95),
            &name,
            &percent(r.probability),
            &format!(
                "{} ({}): {} (95% {} – {}), mean {}",
                name,
                r.file,
                percent(r.probability),
                percent(r.probability_ci95[0]),
                percent(r.probability_ci95[1]),
                money(r.mean)
            ),
        );
    }
    c.finish()
}

/// Each scenario after the first minus the first, in P(target) (or the
/// mean, `mean`), with ±1.96 paired standard errors.
fn difference_chart(t: &TargetComparison, names: &[String], mean: bool) -> String {
    let rows = t.differences.len();
    if rows == 0 {
        return String::new();
    }
    let get = |d: &super::compare::Difference| {
        if mean {
            (d.mean, d.mean_se_paired)
        } else {
            (d.probability, d.probability_se_paired)
        }
    };
    let shown = |x: f64| {
        let sign = if x > 0.0 { "+" } else { "" };
        if mean {
            format!("{sign}{}", money(x))
        } else {
            format!("{sign}{:.1} pts", x * 100.0)
        }
    };
    let (lo, hi) = t
        .differences
        .iter()
        .map(get)
        .fold((0.0f64, 0.0f64), |(lo, hi), (d, se)| {
            (lo.min(d - 1.96 * se), hi.max(d + 1.96 * se))
        });
    let pad = ((hi - lo) * 0.35).max(if mean { 1.0 } else { 0.005 });
    let first = names.first().map_or("the first", |n| n.as_str());
    let measure = if mean {
        "difference in mean revenue".to_string()
    } else {
        format!("difference in P(revenue ≥ {})", money(t.amount))
    };
    let mut c = Chart::sized(
        &format!("{}: {measure} from {first}", t.name),
        &format!(
            "Horizontal bars: the {measure} of each of {rows} scenarios from {first}, \
             with 95% paired intervals"
        ),
        (lo - pad, hi + pad),
        (0.0, 1.0),
        LEFT + 190.0,
        rows_height(rows),
    );
    c.x_axis(
        if mean { Ticks::Money } else { Ticks::Percent },
        &format!(
            "{measure}{} (± 1.96 paired SE)",
            if mean { "" } else { ", in points" }
        ),
    );
    for (i, d) in t.differences.iter().enumerate() {
        let (x, se) = get(d);
        let name = truncate(names.get(i + 1).map_or(d.file.as_str(), |n| n.as_str()), 34);
        c.span(
            if x >= 0.0 { "bar high" } else { "bar low" },
            (i, rows),
            (0.0, x),
            Some([x - 1.96 * se, x + 1.96 * se]),
            &name,
            &shown(x),
            &format!(
                "{name}: {} (95% {} – {})",
                shown(x),
                shown(x - 1.96 * se),
                shown(x + 1.96 * se)
            ),
        );
    }
    c.vertical("level", 0.0, "no difference");
    c.finish()
}
