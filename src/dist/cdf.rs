//! The cumulative distribution function of every distribution, which
//! truncation needs: a truncated draw inverts the CDF on
//! `[F(lo), F(hi)]`.

use super::Dist;
use crate::special::{incomplete_beta, normal_cdf};

/// 0 below the constant `at`, 1 from it on: the CDF of a degenerate law.
fn step(x: f64, at: f64) -> f64 {
    if x < at { 0.0 } else { 1.0 }
}

impl Dist {
    /// `P(X <= x)`. Closed forms for the normal and log-normal (through
    /// `erfc`), uniform and triangular; the regularized incomplete beta
    /// for the beta and PERT; the running sum of probabilities for the
    /// discrete laws. A degenerate distribution is a step at its constant.
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            Dist::Normal(d) if d.sd() == 0.0 => step(x, d.mean()),
            Dist::Normal(d) => normal_cdf((x - d.mean()) / d.sd()),
            Dist::LogNormal(d) if d.sigma() == 0.0 => step(x, d.median()),
            Dist::LogNormal(_) if x <= 0.0 => 0.0,
            Dist::LogNormal(d) => normal_cdf((x.ln() - d.median().ln()) / d.sigma()),
            Dist::Uniform(d) if d.min() == d.max() => step(x, d.min()),
            Dist::Uniform(d) => ((x - d.min()) / (d.max() - d.min())).clamp(0.0, 1.0),
            Dist::Triangular(d) => {
                let (a, c, b) = (d.min(), d.mode(), d.max());
                if x < a {
                    0.0
                } else if x >= b {
                    1.0
                } else if x <= c {
                    (x - a) * (x - a) / ((b - a) * (c - a))
                } else {
                    1.0 - (b - x) * (b - x) / ((b - a) * (b - c))
                }
            }
            Dist::Pert(d) => {
                let w = d.max() - d.min();
                if w == 0.0 {
                    return step(x, d.min());
                }
                let (a, b) = d.shapes();
                incomplete_beta((x - d.min()) / w, a, b)
            }
            Dist::Beta(d) => incomplete_beta(x, d.alpha(), d.beta()),
            Dist::Discrete(d) => d.cdf(x),
            Dist::Bernoulli(d) => d.cdf(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CDF at the quantile is the probability, for every continuous
    /// distribution.
    #[test]
    fn cdf_inverts_quantile() {
        let dists = [
            Dist::normal(3.0, 2.0).unwrap(),
            Dist::lognormal(0.25e6, 1.0).unwrap(),
            Dist::uniform(0.5, 3.0).unwrap(),
            Dist::triangular(-0.05, 0.08, 0.2).unwrap(),
            Dist::pert(0.5, 1.0, 1.5).unwrap(),
            Dist::beta(2.0, 5.0).unwrap(),
        ];
        for d in &dists {
            for p in [0.001, 0.1, 0.37, 0.5, 0.9, 0.999] {
                let f = d.cdf(d.quantile(p));
                assert!((f - p).abs() < 1e-12, "{d}: F(Q({p})) = {f}");
            }
        }
        assert_eq!(Dist::normal(1.0, 0.0).unwrap().cdf(0.99), 0.0);
        assert_eq!(Dist::normal(1.0, 0.0).unwrap().cdf(1.0), 1.0);
        assert_eq!(Dist::lognormal(1.0, 1.0).unwrap().cdf(-1.0), 0.0);
    }
}
