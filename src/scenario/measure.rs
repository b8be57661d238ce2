//! What a target measures: revenue over a window of months, as a total, as
//! a run-rate at the window's end, or as a monthly average a year.
//!
//! Every measure is a fixed multiple of the revenue summed over a run of
//! months, `scale · Σ_{m=lo..hi} R(m)`: linear in the streams' revenue, so
//! contributions to variance and the drivers of a miss still add up over
//! a target's streams, whatever the measure.

use serde::Serialize;

/// How a target turns its window's monthly revenue into one number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The sum over the window (the default).
    #[default]
    Total,
    /// 12 × the window's last month: the annual run-rate at its end.
    RunRate,
    /// 12 × the mean month of the window: an annualised average.
    MonthlyAverage,
}

impl Measure {
    pub const NAMES: [&'static str; 3] = ["total", "run_rate", "monthly_average"];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Total => "total",
            Measure::RunRate => "run_rate",
            Measure::MonthlyAverage => "monthly_average",
        }
    }

    pub fn from_name(name: &str) -> Option<Measure> {
        match name {
            "total" => Some(Measure::Total),
            "run_rate" => Some(Measure::RunRate),
            "monthly_average" => Some(Measure::MonthlyAverage),
            _ => None,
        }
    }
}

/// A measure over a window of the horizon, resolved for one horizon: the
/// months summed (0-based, `lo..=hi`) and the factor applied to the sum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    pub lo: usize,
    pub hi: usize,
    pub scale: f64,
}

impl Span {
    /// The span of `measure` over months `first..=last` (1-based, inside
    /// the horizon, `first <= last`).
    pub fn new(measure: Measure, first: u32, last: u32) -> Span {
        let (lo, hi) = (first as usize - 1, last as usize - 1);
        match measure {
            Measure::Total => Span { lo, hi, scale: 1.0 },
            Measure::RunRate => Span {
                lo: hi,
                hi,
                scale: 12.0,
            },
            Measure::MonthlyAverage => Span {
                lo,
                hi,
                scale: 12.0 / (hi - lo + 1) as f64,
            },
        }
    }

    /// Whether this is the plain horizon total of `horizon` months, which
    /// the engine computes as it always has (same bits).
    pub fn is_horizon_total(&self, horizon: usize) -> bool {
        self.lo == 0 && self.hi + 1 == horizon && self.scale == 1.0
    }

    /// Each path's value, from revenue laid out month-major over `n`
    /// paths: the window's months added in month order, then scaled.
    pub fn values(&self, months: &[f64], n: usize, out: &mut Vec<f64>) {
        out.clear();
        out.resize(n, 0.0);
        for month in months[self.lo * n..(self.hi + 1) * n].chunks_exact(n) {
            out.iter_mut().zip(month).for_each(|(t, x)| *t += x);
        }
        if self.scale != 1.0 {
            let s = self.scale;
            out.iter_mut().for_each(|t| *t *= s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_each_measure() {
        assert_eq!(
            Span::new(Measure::Total, 13, 24),
            Span {
                lo: 12,
                hi: 23,
                scale: 1.0
            }
        );
        assert_eq!(
            Span::new(Measure::RunRate, 13, 24),
            Span {
                lo: 23,
                hi: 23,
                scale: 12.0
            }
        );
        assert_eq!(Span::new(Measure::MonthlyAverage, 1, 6).scale, 2.0);
        assert!(Span::new(Measure::Total, 1, 12).is_horizon_total(12));
        assert!(!Span::new(Measure::Total, 1, 12).is_horizon_total(24));
        // Twelve months' average times 12 is their total: the same sum.
        assert!(Span::new(Measure::MonthlyAverage, 1, 12).is_horizon_total(12));
        assert!(!Span::new(Measure::MonthlyAverage, 1, 24).is_horizon_total(24));
        assert!(!Span::new(Measure::RunRate, 1, 12).is_horizon_total(12));
    }

    #[test]
    fn values_sum_the_window_and_scale() {
        // Two paths, three months: month-major.
        let months = [1.0, 10.0, 2.0, 20.0, 4.0, 40.0];
        let mut out = Vec::new();
        Span::new(Measure::Total, 2, 3).values(&months, 2, &mut out);
        assert_eq!(out, [6.0, 60.0]);
        Span::new(Measure::RunRate, 1, 3).values(&months, 2, &mut out);
        assert_eq!(out, [48.0, 480.0]);
        Span::new(Measure::MonthlyAverage, 1, 2).values(&months, 2, &mut out);
        assert_eq!(out, [18.0, 180.0]);
    }
}
