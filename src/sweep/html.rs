//! A sweep as one self-contained HTML page: P(target) against each varied
//! parameter with its 95% band, a heat map for a grid of two, and a table
//! of every point. The page is rendered from the same [`json::document`]
//! the JSON prints (embedded in the page), with the charts drawn by
//! [`crate::report::html::chart`] from the rows that document holds.

use minijinja::Value;
use minijinja::value::Serde;

use super::json;
use super::run::SweepResult;
use super::table::{label, shown};
use crate::dist::Param;
use crate::report::html::chart::{Chart, Ticks, heat_map};
use crate::report::html::{HtmlError, embedded_json, environment};
use crate::report::money::{money, percent};

const SWEEP: &str = include_str!("sweep.html");

/// Most lines drawn in one chart of a two-way grid (the page's palette).
const SERIES: usize = 8;

/// The page. `files` are the sweep and scenario files as read, (name,
/// text), shown in the settings for audit.
pub fn render(result: &SweepResult, files: &[(String, String)]) -> Result<String, HtmlError> {
    let env = environment(&[("sweep.html", SWEEP)])?;
    let document = json::document(result);
    let charts: Vec<Value> = (0..result.targets.len())
        .map(|t| {
            let charts: Vec<String> = match result.two_way() {
                Some(shape) => vec![
                    two_way_lines(result, t, shape),
                    two_way_heat(result, t, shape),
                ],
                None => (0..result.parameters.len())
                    .map(|p| against(result, t, p))
                    .collect(),
            };
            Value::from(
                charts
                    .into_iter()
                    .map(Value::from_safe_string)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    // The lowest and highest P(target) over the points, for the headline.
    let ranges: Vec<[f64; 2]> = (0..result.targets.len())
        .map(|t| {
            result
                .rows
                .iter()
                .map(|r| r.targets[t].probability)
                .fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], p| {
                    [lo.min(p), hi.max(p)]
                })
        })
        .collect();
    let shown_values: Vec<Vec<String>> = result
        .rows
        .iter()
        .map(|r| r.values.iter().map(|v| shown(v.param())).collect())
        .collect();
    let title = match result.overrides.len() {
        0 => format!("Sweep of {}", result.scenario),
        1 => format!("Sweep of {}, with 1 override", result.scenario),
        n => format!("Sweep of {}, with {n} overrides", result.scenario),
    };
    let page = env
        .get_template("sweep.html")?
        .render(minijinja::context! {
            doc => Value::from(Serde(&document)),
            title => title,
            labels => result.parameters.iter().map(|p| label(p)).collect::<Vec<_>>(),
            shown => shown_values,
            charts => charts,
            ranges => ranges,
            points => result.rows.len(),
            files => Value::from(Serde(files)),
            date => crate::report::utc_now(),
            data => embedded_json(&document),
        })?;
    Ok(page)
}

/// The x position of each point's value of parameter `p`: the number
/// itself when every value is a number, else the index of its distinct
/// value in order of appearance, with that value's name.
fn positions(result: &SweepResult, p: usize) -> (Vec<f64>, Option<Vec<String>>) {
    let params: Vec<&Param> = result.rows.iter().map(|r| r.values[p].param()).collect();
    if params.iter().all(|v| matches!(v, Param::Fixed(_))) {
        let xs = params
            .iter()
            .map(|v| match v {
                Param::Fixed(x) => *x,
                Param::Random(_) => 0.0,
            })
            .collect();
        return (xs, None);
    }
    let mut names: Vec<String> = Vec::new();
    let xs = params
        .iter()
        .map(|v| {
            let name = shown(v);
            match names.iter().position(|n| *n == name) {
                Some(i) => i as f64,
                None => {
                    names.push(name);
                    (names.len() - 1) as f64
                }
            }
        })
        .collect();
    (xs, Some(names))
}

fn x_range(xs: &[f64], categories: &Option<Vec<String>>) -> (f64, f64) {
    match categories {
        Some(names) => (-0.5, names.len() as f64 - 0.5),
        None => {
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo, hi)
        }
    }
}

fn axes(c: &mut Chart, categories: &Option<Vec<String>>, x_title: &str) {
    match categories {
        Some(names) => c.category_axes(names, x_title, Ticks::Percent, "P(revenue ≥ target)"),
        None => c.axes(
            Ticks::Number,
            x_title,
            Ticks::Percent,
            "P(revenue ≥ target)",
        ),
    }
}

/// P(target) against parameter `p`: a line with its 95% band for a grid
/// of one parameter, else every point with its interval as a whisker.
fn against(result: &SweepResult, t: usize, p: usize) -> String {
    let target = &result.targets[t];
    let (xs, categories) = positions(result, p);
    let name = label(&result.parameters[p]);
    let mut c = Chart::new(
        &format!(
            "P({} ≥ {}) against {name}",
            target.name,
            money(target.amount)
        ),
        &format!(
            "Probability of reaching {} at each of {} points against {}, with 95% intervals",
            money(target.amount),
            result.rows.len(),
            result.parameters[p]
        ),
        x_range(&xs, &categories),
        (0.0, 1.0),
    );
    axes(&mut c, &categories, &name);
    let rows = &result.rows;
    let tip = |i: usize| {
        let s = &rows[i].targets[t];
        format!(
            "{name} = {}: {} (95% {} – {})",
            shown(rows[i].values[p].param()),
            percent(s.probability),
            percent(s.probability_ci95[0]),
            percent(s.probability_ci95[1])
        )
    };
    if result.parameters.len() == 1 {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
        let at = |k: fn(&super::TargetRow) -> f64| -> Vec<(f64, f64)> {
            order
                .iter()
                .map(|&i| (xs[i], k(&rows[i].targets[t])))
                .collect()
        };
        c.band(
            "band-inner",
            &at(|s| s.probability_ci95[0]),
            &at(|s| s.probability_ci95[1]),
            "95% interval",
        );
        c.line("line", &at(|s| s.probability), "P(revenue ≥ target)");
        for &i in &order {
            c.dot("dot", (xs[i], rows[i].targets[t].probability), &tip(i));
        }
        c.legend(&[("band-inner", "95% interval"), ("line-swatch", "estimate")]);
    } else {
        for (i, &x) in xs.iter().enumerate() {
            let s = &rows[i].targets[t];
            c.whisker((x, s.probability_ci95[0]), (x, s.probability_ci95[1]));
            c.dot("dot", (x, s.probability), &tip(i));
        }
        c.legend(&[("line-swatch", "a point, with its 95% interval")]);
    }
    c.finish()
}

/// A grid of two: P(target) against the first parameter, one line (and
/// band) per value of the second.
fn two_way_lines(result: &SweepResult, t: usize, (rows, columns): (usize, usize)) -> String {
    let target = &result.targets[t];
    let (xs, categories) = positions(result, 0);
    let down = label(&result.parameters[0]);
    let across = label(&result.parameters[1]);
    let mut c = Chart::new(
        &format!(
            "P({} ≥ {}) against {down}, a line per {across}",
            target.name,
            money(target.amount)
        ),
        &format!(
            "Probability of reaching {} against {} with 95% bands, one line for each of {} values of {}",
            money(target.amount),
            result.parameters[0],
            columns,
            result.parameters[1]
        ),
        x_range(&xs, &categories),
        (0.0, 1.0),
    );
    axes(&mut c, &categories, &down);
    let mut legend: Vec<(String, String)> = vec![(String::new(), format!("{across}:"))];
    for j in 0..columns.min(SERIES) {
        let points: Vec<usize> = (0..rows).map(|i| i * columns + j).collect();
        let at = |k: fn(&super::TargetRow) -> f64| -> Vec<(f64, f64)> {
            points
                .iter()
                .map(|&i| (xs[i], k(&result.rows[i].targets[t])))
                .collect()
        };
        let value = shown(result.rows[j].values[1].param());
        c.band(
            "band-faint",
            &at(|s| s.probability_ci95[0]),
            &at(|s| s.probability_ci95[1]),
            &format!("{across} = {value}: 95% interval"),
        );
        c.line(
            &format!("line series-{j}"),
            &at(|s| s.probability),
            &format!("{across} = {value}"),
        );
        legend.push((format!("series-{j}"), value));
    }
    if columns > SERIES {
        legend.push((String::new(), format!("(the first {SERIES} of {columns})")));
    }
    let items: Vec<(&str, &str)> = legend
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    c.legend(&items);
    c.finish()
}

/// A grid of two as a heat map of P(target).
fn two_way_heat(result: &SweepResult, t: usize, (rows, columns): (usize, usize)) -> String {
    let target = &result.targets[t];
    let row_names: Vec<String> = (0..rows)
        .map(|i| shown(result.rows[i * columns].values[0].param()))
        .collect();
    let column_names: Vec<String> = (0..columns)
        .map(|j| shown(result.rows[j].values[1].param()))
        .collect();
    let values: Vec<f64> = result
        .rows
        .iter()
        .map(|r| r.targets[t].probability)
        .collect();
    let down = label(&result.parameters[0]);
    let across = label(&result.parameters[1]);
    heat_map(
        &format!(
            "P({} ≥ {}): {down} down, {across} across",
            target.name,
            money(target.amount)
        ),
        &format!(
            "Heat map of the probability of reaching {} over a {rows} by {columns} grid of {} and {}",
            money(target.amount),
            result.parameters[0],
            result.parameters[1]
        ),
        (&row_names, &down),
        (&column_names, &across),
        &values,
    )
}
