//! Discrete laws: a finite list of values with relative weights, and the
//! Bernoulli on/off event (a deal that signs or does not).
//!
//! Both are drawn by inverting their CDF with one uniform, so a draw is a
//! non-decreasing function of the uniform: the same function serves the
//! independent draw, a truncated draw and the rank-correlation copula.

use rand::Rng;
use rand::distr::{Distribution, StandardUniform};

use super::DistError;

/// A finite distribution: `values[i]` with probability proportional to
/// `weights[i]`. Weights are relative (they are normalised); a zero
/// weight is allowed and that value is never drawn.
#[derive(Clone)]
pub struct DiscreteDist {
    /// As written, for display and serialization.
    values: Vec<f64>,
    weights: Vec<f64>,
    /// The values of positive weight, ascending, and `P(X <= sorted[i])`,
    /// the last exactly 1.
    sorted: Vec<f64>,
    cum: Vec<f64>,
}

impl DiscreteDist {
    /// Checks the lists: as long as each other, not empty, every entry
    /// finite, values distinct, weights >= 0 with a positive sum.
    pub(super) fn new(values: &[f64], weights: &[f64]) -> Result<Self, DistError> {
        if values.is_empty() {
            return Err(DistError::DiscreteEmpty);
        }
        if values.len() != weights.len() {
            return Err(DistError::DiscreteLengths {
                values: values.len(),
                weights: weights.len(),
            });
        }
        for (param, list) in [("values", values), ("weights", weights)] {
            if let Some((index, &value)) = list.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(DistError::NonFiniteEntry {
                    param,
                    index,
                    value,
                });
            }
        }
        if let Some((index, &value)) = weights.iter().enumerate().find(|(_, w)| **w < 0.0) {
            return Err(DistError::NegativeWeight { index, value });
        }
        let total = weights.iter().fold(0.0, |s, w| s + w);
        if !(total > 0.0 && total.is_finite()) {
            return Err(DistError::WeightsSum { sum: total });
        }
        let mut pairs: Vec<(f64, f64)> = values
            .iter()
            .copied()
            .zip(weights.iter().copied())
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(DistError::DuplicateValue { value: w[0].0 });
        }
        pairs.retain(|&(_, w)| w > 0.0);
        let mut running = 0.0;
        let mut cum: Vec<f64> = pairs
            .iter()
            .map(|&(_, w)| {
                running += w;
                running / total
            })
            .collect();
        if let Some(last) = cum.last_mut() {
            *last = 1.0;
        }
        Ok(DiscreteDist {
            values: values.to_vec(),
            weights: weights.to_vec(),
            sorted: pairs.iter().map(|&(v, _)| v).collect(),
            cum,
        })
    }

    /// The values as written.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The weights as written (not normalised).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Whether only one value has positive weight: a constant.
    pub(super) fn is_constant(&self) -> bool {
        self.sorted.len() == 1
    }

    /// The smallest value `x` with `P(X <= x) >= p`.
    pub(super) fn quantile(&self, p: f64) -> f64 {
        let i = self.cum.partition_point(|&c| c < p);
        self.sorted[i.min(self.sorted.len() - 1)]
    }

    /// One draw by inversion of a uniform in `[0, 1)`; a constant draws
    /// nothing.
    #[inline]
    pub(super) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.is_constant() {
            return self.sorted[0];
        }
        let u: f64 = StandardUniform.sample(rng);
        let i = self.cum.partition_point(|&c| c <= u);
        self.sorted[i.min(self.sorted.len() - 1)]
    }

    /// `P(X <= x)`.
    pub(super) fn cdf(&self, x: f64) -> f64 {
        match self.sorted.partition_point(|&v| v <= x) {
            0 => 0.0,
            i => self.cum[i - 1],
        }
    }

    pub(super) fn mean(&self) -> f64 {
        self.probabilities().fold(0.0, |s, (v, p)| s + v * p)
    }

    /// Around the mean, so values far from zero do not cancel.
    pub(super) fn variance(&self) -> f64 {
        let m = self.mean();
        self.probabilities()
            .fold(0.0, |s, (v, p)| s + (v - m) * (v - m) * p)
    }

    pub(super) fn support(&self) -> (f64, f64) {
        (self.sorted[0], self.sorted[self.sorted.len() - 1])
    }

    /// The law conditioned on `[lo, hi]`: the values inside, their weights
    /// renormalised; `None` when no value of positive weight is inside.
    pub(super) fn restricted(&self, lo: f64, hi: f64) -> Option<DiscreteDist> {
        let (values, weights): (Vec<f64>, Vec<f64>) = self
            .probabilities()
            .filter(|&(v, _)| lo <= v && v <= hi)
            .unzip();
        DiscreteDist::new(&values, &weights).ok()
    }

    /// `(value, probability)` of the values of positive weight, ascending.
    fn probabilities(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let mut previous = 0.0;
        self.sorted.iter().zip(&self.cum).map(move |(&v, &c)| {
            let p = c - previous;
            previous = c;
            (v, p)
        })
    }
}

impl PartialEq for DiscreteDist {
    fn eq(&self, other: &Self) -> bool {
        (&self.values, &self.weights) == (&other.values, &other.weights)
    }
}

impl std::fmt::Debug for DiscreteDist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscreteDist")
            .field("values", &self.values)
            .field("weights", &self.weights)
            .finish_non_exhaustive()
    }
}

/// An on/off event: 1 with probability `p`, else 0. `p` of 0 or 1 is a
/// constant and draws nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct BernoulliDist {
    p: f64,
}

impl BernoulliDist {
    pub(super) fn new(p: f64) -> Result<Self, DistError> {
        if !p.is_finite() {
            return Err(DistError::NonFinite {
                param: "p",
                value: p,
            });
        }
        if !(0.0..=1.0).contains(&p) {
            return Err(DistError::ProbabilityOutOfRange {
                param: "p",
                value: p,
            });
        }
        Ok(BernoulliDist { p })
    }

    pub fn p(&self) -> f64 {
        self.p
    }

    pub(super) fn is_constant(&self) -> bool {
        self.p == 0.0 || self.p == 1.0
    }

    /// 0 for `q <= 1 - p`, else 1: the smallest x with `P(X <= x) >= q`.
    pub(super) fn quantile(&self, q: f64) -> f64 {
        if self.p == 0.0 || q <= 1.0 - self.p {
            0.0
        } else {
            1.0
        }
    }

    /// By inversion, as [`BernoulliDist::quantile`]: 1 when the uniform is
    /// at or above `1 - p`.
    #[inline]
    pub(super) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.is_constant() {
            return self.p;
        }
        let u: f64 = StandardUniform.sample(rng);
        if u >= 1.0 - self.p { 1.0 } else { 0.0 }
    }

    pub(super) fn cdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            0.0
        } else if x < 1.0 {
            1.0 - self.p
        } else {
            1.0
        }
    }

    pub(super) fn support(&self) -> (f64, f64) {
        if self.is_constant() {
            (self.p, self.p)
        } else {
            (0.0, 1.0)
        }
    }

    /// The same law as a discrete one on {0, 1}, for truncation.
    pub(super) fn as_discrete(&self) -> DiscreteDist {
        DiscreteDist::new(&[0.0, 1.0], &[1.0 - self.p, self.p])
            .expect("weights 1 - p and p with p in [0, 1] are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_and_cdf_invert_each_other() {
        let d = DiscreteDist::new(&[2.0, 0.0, 1.0, 5.0], &[0.2, 0.5, 0.3, 0.0]).unwrap();
        assert_eq!(d.support(), (0.0, 2.0));
        assert_eq!(d.cdf(-1.0), 0.0);
        assert!((d.cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((d.cdf(1.5) - 0.8).abs() < 1e-15);
        assert_eq!(d.cdf(9.0), 1.0);
        assert_eq!(d.quantile(0.5), 0.0);
        assert_eq!(d.quantile(0.51), 1.0);
        assert_eq!(d.quantile(0.99), 2.0);
        assert_eq!(d.quantile(1.0), 2.0);
        assert!((d.mean() - (0.3 + 0.4)).abs() < 1e-15);
        let r = d.restricted(0.5, 10.0).unwrap();
        assert_eq!(r.support(), (1.0, 2.0));
        assert!((r.cdf(1.0) - 0.6).abs() < 1e-15);
        assert!(d.restricted(3.0, 10.0).is_none());
    }

    #[test]
    fn bad_lists_are_refused() {
        use DistError::*;
        assert_eq!(DiscreteDist::new(&[], &[]).err(), Some(DiscreteEmpty));
        assert_eq!(
            DiscreteDist::new(&[1.0, 2.0], &[1.0]).err(),
            Some(DiscreteLengths {
                values: 2,
                weights: 1
            })
        );
        assert_eq!(
            DiscreteDist::new(&[1.0, 2.0], &[1.0, -0.5]).err(),
            Some(NegativeWeight {
                index: 1,
                value: -0.5
            })
        );
        assert_eq!(
            DiscreteDist::new(&[1.0, 2.0], &[0.0, 0.0]).err(),
            Some(WeightsSum { sum: 0.0 })
        );
        assert_eq!(
            DiscreteDist::new(&[1.0, 1.0], &[1.0, 1.0]).err(),
            Some(DuplicateValue { value: 1.0 })
        );
        assert!(BernoulliDist::new(1.5).is_err());
        assert!(BernoulliDist::new(-0.1).is_err());
    }
}
