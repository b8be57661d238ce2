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
    pub const PROBABILITY: Allowed = Allowed {
        min: 0.0,
        min_open: false,
        max: 1.0,
    };
    /// Up to 1,000% a year: eleven-fold in a year, 11^100 over the longest
    /// horizon, which keeps every sum of revenue finite.
    pub const GROWTH: Allowed = Allowed {
        min: -1.0,
        min_open: true,
        max: 10.0,
    };
    /// A ramp longer than the longest horizon only hides revenue.
    pub const RAMP: Allowed = Allowed {
        min: 1.0,
        min_open: false,
        max: crate::scenario::MAX_HORIZON_MONTHS as f64,
    };
    /// Money a month from one client or stream: up to a quadrillion
    /// (1e15), far beyond any real business and far below where sums of a
    /// horizon's revenue over many streams and paths could overflow.
    pub const MONEY: Allowed = Allowed {
        min: 0.0,
        min_open: false,
        max: 1e15,
    };
    /// Seats of a subscription: more than there are people.
    pub const SEATS: Allowed = Allowed {
        min: 0.0,
        min_open: false,
        max: 1e10,
    };
    /// Price of one seat for one month.
    pub const PRICE: Allowed = Allowed {
        min: 0.0,
        min_open: false,
        max: 1e6,
    };
    /// New clients a month: each is simulated one by one, so the rate bounds
    /// the work of a block (see also `MAX_ARRIVALS_PER_PATH`).
    pub const ARRIVALS: Allowed = Allowed {
        min: 0.0,
        min_open: false,
        max: 1e3,
    };
    /// Monthly log-volatility of a growth index: 100% a month is already
    /// a lottery; more only overflows.
    pub const VOLATILITY: Allowed = Allowed {
        min: 0.0,
        min_open: false,
        max: 1.0,
    };

    /// A factor loading: the correlation of a latent variable with its
    /// factor, so that 1 − l² (the own share of its variance) is >= 0.
    pub const LOADING: Allowed = Allowed {
        min: -1.0,
        min_open: false,
        max: 1.0,
    };

    pub fn contains(&self, x: f64) -> bool {
        let above = if self.min_open {
            x > self.min
        } else {
            x >= self.min
        };
        above && x <= self.max
    }

    /// "a number >= 0", "a number in [0, 1]", "a number in (-1, 10]",
    /// "a number in [0, 1e15]".
    pub fn describe(&self) -> String {
        let op = if self.min_open { ">" } else { ">=" };
        let (min, max) = (short(self.min), short(self.max));
        if self.max.is_infinite() {
            format!("a number {op} {min}")
        } else if self.min_open {
            format!("a number in ({min}, {max}]")
        } else {
            format!("a number in [{min}, {max}]")
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
                    Err((format!("{} is not allowed", short(*x)), self.describe()))
                }
            }
            Param::Random(r) => {
                let (lo, hi) = param.support();
                // Above, a bound of size (every one but a probability's)
                // is checked against the practical top of an unbounded tail.
                let hi = if self.max > 1.0 {
                    param.practical_max()
                } else {
                    hi
                };
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

/// A number as a person writes it: 1e15 rather than 1000000000000000.
pub(crate) fn short(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}
