//! The values a parameter may take, and the check that a number or a whole
//! distribution stays inside them.

use crate::dist::Param;

/// An interval of allowed values: `[min, max]`, or `(min, max]` when
/// `min_open` (annual growth must stay above -100%).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Allowed {
    pub min: f64,
    pub min_open: bool,
    pub max: f64,
}

impl Allowed {
    pub const NON_NEGATIVE: Allowed = Allowed {
        min: 0.0,
        min_open: false,
        max: f64::INFINITY,
    };
    pub const PROBABILITY: Allowed = Allowed {
        min: 0.0,
        min_open: false,
        max: 1.0,
    };
    pub const GROWTH: Allowed = Allowed {
        min: -1.0,
        min_open: true,
        max: f64::INFINITY,
    };
    pub const RAMP: Allowed = Allowed {
        min: 1.0,
        min_open: false,
        max: f64::INFINITY,
    };

    pub fn contains(&self, x: f64) -> bool {
        let above = if self.min_open {
            x > self.min
        } else {
            x >= self.min
        };
        above && x <= self.max
    }

    /// "a number >= 0", "a number in [0, 1]", "a number > -1".
    pub fn describe(&self) -> String {
        let op = if self.min_open { ">" } else { ">=" };
        if self.max.is_infinite() {
            format!("a number {op} {}", self.min)
        } else if self.min_open {
            format!("a number in ({}, {}]", self.min, self.max)
        } else {
            format!("a number in [{}, {}]", self.min, self.max)
        }
    }

    /// Checks that every value `param` can produce is allowed. On failure,
    /// returns the message and a hint of what would be accepted.
    pub fn check(&self, param: &Param) -> Result<(), (String, String)> {
        match param {
            Param::Fixed(x) => {
                if x.is_finite() && self.contains(*x) {
                    Ok(())
                } else {
                    Err((format!("{x} is not allowed"), self.describe()))
                }
            }
            Param::Random(r) => {
                let (lo, hi) = param.support();
                if self.contains(lo) && self.contains(hi) {
                    return Ok(());
                }
                let range = |x: f64| {
                    if x.is_infinite() {
                        "unbounded".to_string()
                    } else {
                        x.to_string()
                    }
                };
                Err((
                    format!(
                        "{} can take values from {} to {}, outside what this field allows",
                        r.dist,
                        range(lo),
                        range(hi)
                    ),
                    format!(
                        "{}; give a distribution whose values stay in that range, \
                         or bound it with clamp = [lo, hi]",
                        self.describe()
                    ),
                ))
            }
        }
    }
}
