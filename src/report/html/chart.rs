//! Small SVG writers for the page's charts: axes with round ticks, bars,
//! lines, bands and cells, drawn from numbers the report already holds.
//!
//! Every chart is an `<svg role="img">` with a `<title>` and an
//! `aria-label`, sized by its `viewBox` so it scales to the page and to A4,
//! and coloured only through CSS classes (`.bar`, `.band`, `.line`...),
//! which the page's style sheet maps to light or dark colours.

use std::fmt::Write;

use crate::report::money::{money, percent};

/// The drawing area of every chart, in `viewBox` units.
pub const WIDTH: f64 = 720.0;
pub const HEIGHT: f64 = 300.0;
/// Room on the left for the y tick labels.
pub const LEFT: f64 = 72.0;
const RIGHT: f64 = 20.0;
/// Room above the plot for the legend and marker labels.
const TOP: f64 = 40.0;
const BOTTOM: f64 = 44.0;

/// How an axis writes its tick labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ticks {
    Money,
    Percent,
    /// Plain numbers, for months and parameter values.
    Number,
}

impl Ticks {
    fn label(self, x: f64) -> String {
        match self {
            Ticks::Money => money(x),
            Ticks::Percent => {
                // Ticks fall on steps such as 2.5%: keep a decimal when it
                // is needed, so that no label is rounded to a wrong value.
                let pct = x * 100.0;
                if (pct - pct.round()).abs() < 1e-9 {
                    format!("{pct:.0}%")
                } else {
                    short(pct) + "%"
                }
            }
            Ticks::Number => short(x),
        }
    }
}

/// A number short enough for a tick or a cell: up to four significant
/// figures, trailing zeros dropped.
pub fn short(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e6).contains(&a) {
        return format!("{x:.2e}");
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A linear map from data to the drawing area.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    from: f64,
    to: f64,
}

impl Scale {
    fn new(lo: f64, hi: f64, from: f64, to: f64) -> Scale {
        let (lo, hi) = if hi > lo && lo.is_finite() && hi.is_finite() {
            (lo, hi)
        } else if lo.is_finite() {
            // One value, or none: a band around it.
            let pad = lo.abs().max(1.0) * 0.05;
            (lo - pad, lo + pad)
        } else {
            (0.0, 1.0)
        };
        Scale { lo, hi, from, to }
    }

    pub fn at(&self, x: f64) -> f64 {
        self.from + (x - self.lo) / (self.hi - self.lo) * (self.to - self.from)
    }
}

/// Round tick values (1, 2 or 5 times a power of ten) covering `[lo, hi]`,
/// about `count` of them.
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / count.max(1) as f64;
    let exponent = raw.log10().floor() as i32;
    let power = 10f64.powi(exponent);
    let multiple = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| m * power >= raw)
        .unwrap_or(10.0);
    let step = multiple * power;
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    // i × multiple, then scaled by an exact power of ten (dividing for
    // negative exponents), so that 3 × 0.2 reads 0.6, not 0.6000000000000001.
    let scale = |i: i64| {
        let units = i as f64 * multiple;
        if exponent >= 0 {
            units * power
        } else {
            units / 10f64.powi(-exponent)
        }
    };
    (first..=last).map(scale).collect()
}

/// One chart being drawn: its frame, scales and the SVG text so far.
pub struct Chart {
    pub x: Scale,
    pub y: Scale,
    height: f64,
    body: String,
    title: String,
    label: String,
}

impl Chart {
    /// A chart titled `title` (shown above it and read by screen readers
    /// with `label`), for x in `[x_lo, x_hi]` and y in `[y_lo, y_hi]`.
    pub fn new(title: &str, label: &str, x: (f64, f64), y: (f64, f64)) -> Chart {
        Chart::sized(title, label, x, y, LEFT, HEIGHT)
    }

    /// As [`Chart::new`], with `left` units for labels on the left and a
    /// total height of `height` units.
    pub fn sized(
        title: &str,
        label: &str,
        (x_lo, x_hi): (f64, f64),
        (y_lo, y_hi): (f64, f64),
        left: f64,
        height: f64,
    ) -> Chart {
        Chart {
            x: Scale::new(x_lo, x_hi, left, WIDTH - RIGHT),
            y: Scale::new(y_lo, y_hi, height - BOTTOM, TOP),
            height,
            body: String::new(),
            title: title.to_string(),
            label: label.to_string(),
        }
    }

    /// Grid lines and labelled ticks on both axes, and the axis titles.
    pub fn axes(&mut self, x_ticks: Ticks, x_title: &str, y_ticks: Ticks, y_title: &str) {
        let (x, y) = (self.x, self.y);
        let mut s = String::from("<g class=\"axis\">");
        for v in nice_ticks(y.lo, y.hi, 5) {
            let py = y.at(v);
            let _ = write!(
                s,
                "<line class=\"grid\" x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                x.from,
                x.to,
                x.from - 6.0,
                py + 4.0,
                escape(&y_ticks.label(v))
            );
        }
        for v in nice_ticks(x.lo, x.hi, 7) {
            let px = x.at(v);
            let _ = write!(
                s,
                "<line class=\"tick\" x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\"/>\
                 <text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                y.from,
                y.from + 5.0,
                y.from + 18.0,
                escape(&x_ticks.label(v))
            );
        }
        self.axis_titles(&mut s, x_title, y_title);
        s.push_str("</g>");
        self.body.push_str(&s);
    }

    /// Axes whose x ticks are named categories at 0, 1, 2...
    pub fn category_axes(
        &mut self,
        names: &[String],
        x_title: &str,
        y_ticks: Ticks,
        y_title: &str,
    ) {
        let (x, y) = (self.x, self.y);
        let mut s = String::from("<g class=\"axis\">");
        for v in nice_ticks(y.lo, y.hi, 5) {
            let py = y.at(v);
            let _ = write!(
                s,
                "<line class=\"grid\" x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                x.from,
                x.to,
                x.from - 6.0,
                py + 4.0,
                escape(&y_ticks.label(v))
            );
        }
        // Label every category when they fit, else every k-th.
        let every = names.len().div_ceil(12).max(1);
        for (i, name) in names.iter().enumerate().step_by(every) {
            let px = x.at(i as f64);
            let _ = write!(
                s,
                "<text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                y.from + 18.0,
                escape(name)
            );
        }
        self.axis_titles(&mut s, x_title, y_title);
        s.push_str("</g>");
        self.body.push_str(&s);
    }

    fn axis_titles(&self, s: &mut String, x_title: &str, y_title: &str) {
        let (x, y) = (self.x, self.y);
        let _ = write!(
            s,
            "<line class=\"frame\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>\
             <text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text class=\"axis-title\" transform=\"translate(14 {:.1}) rotate(-90)\" \
             text-anchor=\"middle\">{}</text>",
            x.from,
            y.from,
            x.to,
            y.from,
            (x.from + x.to) / 2.0,
            self.height - 6.0,
            escape(x_title),
            (y.from + y.to) / 2.0,
            escape(y_title)
        );
    }

    /// A bar from `x0` to `x1`, from 0 up to `y`, with a hover text.
    pub fn bar(&mut self, class: &str, (x0, x1): (f64, f64), y: f64, tip: &str) {
        let (left, right) = (self.x.at(x0), self.x.at(x1));
        let (top, base) = (self.y.at(y), self.y.at(self.y.lo.max(0.0)));
        let _ = write!(
            self.body,
            "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\">\
             <title>{}</title></rect>",
            left + 0.5,
            top.min(base),
            (right - left - 1.0).max(0.5),
            (base - top).abs(),
            escape(tip)
        );
    }

    /// A horizontal bar at row `row` of `rows` from x = 0 to `x`, with
    /// its name on the left, its value on the right, and, when given, a
    /// whisker over an interval.
    pub fn hbar(
        &mut self,
        class: &str,
        (row, rows): (usize, usize),
        x: f64,
        interval: Option<[f64; 2]>,
        name: &str,
        value: &str,
    ) {
        let band = (self.y.from - self.y.to) / rows.max(1) as f64;
        let top = self.y.to + row as f64 * band + band * 0.15;
        let height = band * 0.7;
        let middle = top + height / 2.0;
        let (left, right) = (self.x.at(0.0), self.x.at(x));
        let _ = write!(
            self.body,
            "<text class=\"name\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect class=\"{class}\" x=\"{left:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{height:.1}\">\
             <title>{}: {}</title></rect>",
            left - 6.0,
            middle + 4.0,
            escape(name),
            (right - left).max(0.5),
            escape(name),
            escape(value),
        );
        let mut end = right;
        if let Some([lo, hi]) = interval {
            let (a, b) = (self.x.at(lo), self.x.at(hi));
            end = end.max(b);
            let _ = write!(
                self.body,
                "<path class=\"whisker\" d=\"M{a:.1},{:.1} V{:.1} M{a:.1},{middle:.1} H{b:.1} M{b:.1},{:.1} V{:.1}\"/>",
                middle - 4.0,
                middle + 4.0,
                middle - 4.0,
                middle + 4.0
            );
        }
        let _ = write!(
            self.body,
            "<text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            end + 5.0,
            middle + 4.0,
            escape(value)
        );
    }

    /// A horizontal bar at row `row` of `rows` between `x0` and `x1` (in
    /// either order), for tornado and difference charts whose bars do not
    /// start at zero. `name` (if any) is written left of the plot; `end`
    /// (if any) beside the bar's end at `x1`.
    #[allow(clippy::too_many_arguments)]
    pub fn span(
        &mut self,
        class: &str,
        (row, rows): (usize, usize),
        (x0, x1): (f64, f64),
        interval: Option<[f64; 2]>,
        name: &str,
        end: &str,
        tip: &str,
    ) {
        let band = (self.y.from - self.y.to) / rows.max(1) as f64;
        let top = self.y.to + row as f64 * band + band * 0.15;
        let height = band * 0.7;
        let middle = top + height / 2.0;
        let (a, b) = (self.x.at(x0), self.x.at(x1));
        if !name.is_empty() {
            let _ = write!(
                self.body,
                "<text class=\"name\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                self.x.from - 6.0,
                middle + 4.0,
                escape(name)
            );
        }
        let _ = write!(
            self.body,
            "<rect class=\"{class}\" x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{height:.1}\">\
             <title>{}</title></rect>",
            a.min(b),
            (b - a).abs().max(1.0),
            escape(tip)
        );
        let mut reach = b;
        if let Some([lo, hi]) = interval {
            let (l, h) = (self.x.at(lo), self.x.at(hi));
            reach = if b >= a { b.max(h) } else { b.min(l) };
            let _ = write!(
                self.body,
                "<path class=\"whisker\" d=\"M{l:.1},{:.1} V{:.1} M{l:.1},{middle:.1} H{h:.1} M{h:.1},{:.1} V{:.1}\"/>",
                middle - 4.0,
                middle + 4.0,
                middle - 4.0,
                middle + 4.0
            );
        }
        if !end.is_empty() {
            // With an interval, the label goes right of everything drawn,
            // so that a small negative estimate does not run into the name.
            let (x, anchor) = if let Some([_, hi]) = interval {
                (a.max(b).max(self.x.at(hi)) + 4.0, "start")
            } else if b >= a {
                (reach + 4.0, "start")
            } else {
                (reach - 4.0, "end")
            };
            let _ = write!(
                self.body,
                "<text class=\"value\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                middle + 4.0,
                escape(end)
            );
        }
    }

    /// Ticks and grid on the x axis only, for horizontal bars.
    pub fn x_axis(&mut self, ticks: Ticks, title: &str) {
        self.x_axis_within(ticks, title, (f64::NEG_INFINITY, f64::INFINITY));
    }

    /// As [`Chart::x_axis`], with ticks only inside `[lo, hi]`: a
    /// probability axis whose range is widened to leave room for labels
    /// beside the bars, without ticks below 0% or above 100%.
    pub fn x_axis_within(&mut self, ticks: Ticks, title: &str, (lo, hi): (f64, f64)) {
        let (x, y) = (self.x, self.y);
        let mut s = String::from("<g class=\"axis\">");
        let inside = |v: &f64| *v >= lo - 1e-9 && *v <= hi + 1e-9;
        for v in nice_ticks(x.lo, x.hi, 6).into_iter().filter(inside) {
            let px = x.at(v);
            let _ = write!(
                s,
                "<line class=\"grid\" x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\"/>\
                 <text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                y.to,
                y.from,
                y.from + 18.0,
                escape(&ticks.label(v))
            );
        }
        let _ = write!(
            s,
            "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></g>",
            (x.from + x.to) / 2.0,
            self.height - 6.0,
            escape(title)
        );
        self.body.push_str(&s);
    }

    /// A band between `lower` and `upper`, both as (x, y) points.
    pub fn band(&mut self, class: &str, lower: &[(f64, f64)], upper: &[(f64, f64)], tip: &str) {
        if lower.is_empty() || upper.is_empty() {
            return;
        }
        let mut points = String::new();
        for &(x, y) in lower.iter().chain(upper.iter().rev()) {
            let _ = write!(points, "{:.1},{:.1} ", self.x.at(x), self.y.at(y));
        }
        let _ = write!(
            self.body,
            "<polygon class=\"{class}\" points=\"{}\"><title>{}</title></polygon>",
            points.trim_end(),
            escape(tip)
        );
    }

    /// A line through (x, y) points.
    pub fn line(&mut self, class: &str, points: &[(f64, f64)], tip: &str) {
        let mut d = String::new();
        for (i, &(x, y)) in points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { " L" },
                self.x.at(x),
                self.y.at(y)
            );
        }
        let _ = write!(
            self.body,
            "<path class=\"{class}\" d=\"{d}\"><title>{}</title></path>",
            escape(tip)
        );
    }

    /// A plain segment between two data points (an interval's whisker),
    /// without hover text, to keep pages of many points small.
    pub fn whisker(&mut self, (x0, y0): (f64, f64), (x1, y1): (f64, f64)) {
        let _ = write!(
            self.body,
            "<path class=\"whisker\" d=\"M{:.1},{:.1} L{:.1},{:.1}\"/>",
            self.x.at(x0),
            self.y.at(y0),
            self.x.at(x1),
            self.y.at(y1)
        );
    }

    /// A dot at (x, y) with a hover text.
    pub fn dot(&mut self, class: &str, (x, y): (f64, f64), tip: &str) {
        let _ = write!(
            self.body,
            "<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"><title>{}</title></circle>",
            self.x.at(x),
            self.y.at(y),
            escape(tip)
        );
    }

    /// A vertical marker at `x` across the whole height, labelled at the top.
    pub fn vertical(&mut self, class: &str, x: f64, label: &str) {
        let px = self.x.at(x);
        let anchor = if px > WIDTH * 0.75 { "end" } else { "start" };
        let shift = if anchor == "end" { -4.0 } else { 4.0 };
        let _ = write!(
            self.body,
            "<line class=\"{class}\" x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\"/>\
             <text class=\"marker-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            self.y.to,
            self.y.from,
            px + shift,
            self.y.to - 6.0,
            escape(label)
        );
    }

    /// A horizontal marker at `y` across the whole width.
    pub fn horizontal(&mut self, class: &str, y: f64, label: &str) {
        let py = self.y.at(y);
        let _ = write!(
            self.body,
            "<line class=\"{class}\" x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\"/>\
             <text class=\"marker-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            self.x.from,
            self.x.to,
            self.x.to - 4.0,
            py - 5.0,
            escape(label)
        );
    }

    /// A small legend above the plot: (class, text) swatches in a row,
    /// wrapping onto a second row when they do not fit; an empty class
    /// gives text without a swatch.
    pub fn legend(&mut self, items: &[(&str, &str)]) {
        let mut x = self.x.from;
        let mut y = 4.0;
        for (class, text) in items {
            let swatch = if class.is_empty() { 0.0 } else { 16.0 };
            let width = swatch + 7.0 * text.chars().count() as f64 + 14.0;
            if x + width > WIDTH - RIGHT && x > self.x.from {
                x = self.x.from;
                y += 16.0;
            }
            if !class.is_empty() {
                let _ = write!(
                    self.body,
                    "<rect class=\"{class} swatch\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"12\" height=\"10\"/>"
                );
            }
            let _ = write!(
                self.body,
                "<text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x + swatch,
                y + 9.0,
                escape(text)
            );
            x += width;
        }
    }

    /// Raw SVG in data coordinates already mapped by the caller.
    pub fn raw(&mut self, svg: &str) {
        self.body.push_str(svg);
    }

    /// The finished `<figure>`: a visible caption and the SVG.
    pub fn finish(self) -> String {
        format!(
            "<figure class=\"chart\"><figcaption>{title}</figcaption>\
             <svg viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{label}\" \
             preserveAspectRatio=\"xMidYMid meet\"><title>{title}</title>{body}</svg></figure>",
            height = self.height,
            title = escape(&self.title),
            label = escape(&self.label),
            body = self.body
        )
    }
}

/// A grid of coloured cells, one per (row, column), each labelled with its
/// value (a probability) as a percentage and shaded from the lowest value
/// to the highest, so that differences show even in a narrow range: row
/// `i`, column `j` is `values[i * columns.len() + j]`.
pub fn heat_map(
    title: &str,
    label: &str,
    (rows, row_title): (&[String], &str),
    (columns, column_title): (&[String], &str),
    values: &[f64],
) -> String {
    let left = LEFT + 40.0;
    let top = TOP + 24.0;
    let cell_w = (WIDTH - RIGHT - left) / columns.len().max(1) as f64;
    let cell_h = 30.0;
    let height = top + cell_h * rows.len() as f64 + BOTTOM;
    let lowest = values.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let shade = |p: f64| {
        if highest > lowest {
            (p - lowest) / (highest - lowest)
        } else {
            0.5
        }
    };
    let mut body = String::new();
    for (j, name) in columns.iter().enumerate() {
        let _ = write!(
            body,
            "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            left + (j as f64 + 0.5) * cell_w,
            top - 8.0,
            escape(name)
        );
    }
    for (i, name) in rows.iter().enumerate() {
        let y = top + i as f64 * cell_h;
        let _ = write!(
            body,
            "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + cell_h / 2.0 + 4.0,
            escape(name)
        );
        for j in 0..columns.len() {
            let Some(&p) = values.get(i * columns.len() + j) else {
                continue;
            };
            let x = left + j as f64 * cell_w;
            let depth = 0.12 + 0.88 * shade(p);
            let text = if depth > 0.55 {
                "cell-text light"
            } else {
                "cell-text"
            };
            let _ = write!(
                body,
                "<rect class=\"cell\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
                 fill-opacity=\"{:.3}\"><title>{} = {}, {} = {}: {}</title></rect>\
                 <text class=\"{text}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                cell_w - 2.0,
                cell_h - 2.0,
                depth,
                escape(row_title),
                escape(name),
                escape(column_title),
                escape(&columns[j]),
                escape(&percent(p)),
                x + cell_w / 2.0 - 1.0,
                y + cell_h / 2.0 + 3.0,
                escape(&percent(p))
            );
        }
    }
    let _ = write!(
        body,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{} (across)</text>\
         <text class=\"axis-title\" transform=\"translate(14 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        (left + WIDTH - RIGHT) / 2.0,
        height - 14.0,
        escape(column_title),
        top + cell_h * rows.len() as f64 / 2.0,
        escape(row_title)
    );
    format!(
        "<figure class=\"chart\"><figcaption>{title}</figcaption>\
         <svg viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{label}\" \
         preserveAspectRatio=\"xMidYMid meet\"><title>{title}</title>{body}</svg></figure>",
        title = escape(title),
        label = escape(label),
    )
}

/// Text for SVG and HTML: `&`, `<`, `>` and quotes escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        let t = nice_ticks(0.85e9, 1.15e9, 7);
        assert_eq!(t.first(), Some(&0.85e9));
        assert!(t.iter().all(|v| (0.85e9..=1.15e9).contains(v)));
        assert_eq!(nice_ticks(3.0, 3.0, 5), vec![3.0]);
    }

    #[test]
    fn percent_ticks_are_not_rounded_to_wrong_values() {
        let labels: Vec<String> = nice_ticks(0.0, 0.11, 5)
            .into_iter()
            .map(|v| Ticks::Percent.label(v))
            .collect();
        assert_eq!(labels, ["0%", "2.5%", "5%", "7.5%", "10%"]);
    }

    #[test]
    fn scale_maps_ends_and_survives_a_single_value() {
        let s = Scale::new(0.0, 10.0, 100.0, 200.0);
        assert_eq!(s.at(0.0), 100.0);
        assert_eq!(s.at(10.0), 200.0);
        let flat = Scale::new(5.0, 5.0, 0.0, 1.0);
        assert!(flat.at(5.0) > 0.0 && flat.at(5.0) < 1.0);
    }

    #[test]
    fn a_chart_is_titled_labelled_and_escaped() {
        let mut c = Chart::new("A & B", "label <x>", (0.0, 1.0), (0.0, 1.0));
        c.axes(Ticks::Number, "x", Ticks::Percent, "y");
        c.bar("bar", (0.0, 0.5), 0.5, "half");
        let svg = c.finish();
        assert!(svg.contains("<title>A &amp; B</title>"));
        assert!(svg.contains("aria-label=\"label &lt;x&gt;\""));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<rect class=\"bar\""));
    }
}
