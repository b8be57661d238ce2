//! Truncation: a distribution conditioned on an interval `[lo, hi]`.
//!
//! Unlike a clamp, which piles the mass outside onto the bounds (a normal
//! of mean 100 and sd 10 clamped to [100, 200] is exactly 100 half the
//! time), a truncated distribution keeps its shape inside the interval and
//! scales it up: the draws are `F⁻¹(F(lo) + u (F(hi) − F(lo)))` for a
//! uniform `u`, so no value is more likely than its density says.
//!
//! The discrete laws are truncated by keeping the values inside the
//! interval and renormalising their weights, which is the same thing
//! without the rounding of `F(lo)` at a jump.

use super::discrete::DiscreteDist;
use super::{Dist, DistError, clamp_to};
use crate::special::{incomplete_beta, normal_cdf, normal_pdf};

/// The least probability a truncation interval must hold: below it the
/// draws would be all rounding of `F(lo)` and `F(hi)`.
pub const MIN_TRUNCATED_MASS: f64 = 1e-12;

/// A validated truncation of one distribution: its bounds, the CDF at
/// them, and for a discrete law the conditioned law itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Truncation {
    lo: f64,
    hi: f64,
    /// `F(lo)` and `F(hi)` of the continuous distribution.
    flo: f64,
    fhi: f64,
    /// The discrete law conditioned on `[lo, hi]`.
    conditional: Option<DiscreteDist>,
}

impl Truncation {
    /// Checks the bounds (finite, `lo < hi`) and that `dist` puts at least
    /// [`MIN_TRUNCATED_MASS`] in `[lo, hi]`.
    pub(super) fn new(dist: &Dist, lo: f64, hi: f64) -> Result<Truncation, DistError> {
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(DistError::TruncateNonFinite { lo, hi });
        }
        if lo >= hi {
            return Err(DistError::TruncateInverted { lo, hi });
        }
        let no_mass = |mass: f64| DistError::TruncateNoMass {
            lo,
            hi,
            dist: dist.to_string(),
            mass,
        };
        let discrete = match dist {
            Dist::Discrete(d) => Some(d.clone()),
            Dist::Bernoulli(b) => Some(b.as_discrete()),
            _ => None,
        };
        if let Some(d) = discrete {
            let conditional = d.restricted(lo, hi).ok_or_else(|| no_mass(0.0))?;
            return Ok(Truncation {
                lo,
                hi,
                flo: 0.0,
                fhi: 1.0,
                conditional: Some(conditional),
            });
        }
        let (flo, fhi) = (dist.cdf(lo), dist.cdf(hi));
        let mass = fhi - flo;
        // A degenerate distribution inside the interval has all its mass
        // there (F steps from 0 to 1).
        if mass.is_nan() || mass < MIN_TRUNCATED_MASS {
            return Err(no_mass(mass.max(0.0)));
        }
        Ok(Truncation {
            lo,
            hi,
            flo,
            fhi,
            conditional: None,
        })
    }

    pub fn lo(&self) -> f64 {
        self.lo
    }

    pub fn hi(&self) -> f64 {
        self.hi
    }

    /// The value at uniform `u` in `[0, 1]`: the inverse CDF on
    /// `[F(lo), F(hi)]`, kept inside `[lo, hi]` against the rounding of
    /// the quantile function at the ends.
    #[inline]
    pub(super) fn at(&self, dist: &Dist, u: f64) -> f64 {
        match &self.conditional {
            Some(d) => d.quantile(u),
            None => clamp_to(
                dist.inverse_cdf(self.flo + u * (self.fhi - self.flo)),
                self.lo,
                self.hi,
            ),
        }
    }

    /// The support of the truncated law.
    pub(super) fn support(&self, dist: &Dist) -> (f64, f64) {
        match &self.conditional {
            Some(d) => d.support(),
            None => {
                let (a, b) = dist.support();
                (a.max(self.lo), b.min(self.hi))
            }
        }
    }

    /// The mean and variance of the truncated law. Closed forms for the
    /// normal (through φ and Φ), log-normal (through Φ), uniform, beta and
    /// PERT (through the incomplete beta at shapes shifted by one and
    /// two) and the discrete laws; Gauss–Legendre quadrature with three
    /// points on each linear piece of the triangular density, which is
    /// exact for those polynomials.
    pub(super) fn moments(&self, dist: &Dist) -> (f64, f64) {
        if let Some(d) = &self.conditional {
            return (d.mean(), d.variance());
        }
        let (lo, hi) = self.support(dist);
        if lo == hi {
            return (lo, 0.0);
        }
        match dist {
            Dist::Normal(d) => normal_moments(d.mean(), d.sd(), lo, hi),
            Dist::LogNormal(d) => lognormal_moments(d.median().ln(), d.sigma(), lo, hi),
            Dist::Uniform(_) => (lo + 0.5 * (hi - lo), (hi - lo) * (hi - lo) / 12.0),
            Dist::Triangular(d) => triangular_moments(d.min(), d.mode(), d.max(), lo, hi),
            Dist::Pert(d) => {
                let w = d.max() - d.min();
                let (a, b) = d.shapes();
                let (m, v) = beta_moments(a, b, (lo - d.min()) / w, (hi - d.min()) / w);
                (d.min() + w * m, w * w * v)
            }
            Dist::Beta(d) => beta_moments(d.alpha(), d.beta(), lo, hi),
            // Handled by the conditional law above.
            Dist::Discrete(_) | Dist::Bernoulli(_) => (dist.mean(), dist.variance()),
        }
    }
}

/// N(μ, σ²) on [lo, hi]: with α, β the standardised bounds and Z their
/// mass, mean μ + σ (φ(α) − φ(β))/Z and variance
/// σ² (1 + (αφ(α) − βφ(β))/Z − ((φ(α) − φ(β))/Z)²).
pub fn normal_moments(mu: f64, sd: f64, lo: f64, hi: f64) -> (f64, f64) {
    let (a, b) = ((lo - mu) / sd, (hi - mu) / sd);
    let z = normal_cdf(b) - normal_cdf(a);
    let (pa, pb) = (normal_pdf(a), normal_pdf(b));
    let shift = (pa - pb) / z;
    // a φ(a) is 0 at an infinite bound.
    let times = |x: f64, p: f64| if x.is_finite() { x * p } else { 0.0 };
    let var = sd * sd * (1.0 + (times(a, pa) - times(b, pb)) / z - shift * shift);
    (mu + sd * shift, var)
}

/// exp(N(μ, σ²)) on [lo, hi]: E[Xᵏ | ·] = e^(kμ + k²σ²/2)
/// (Φ(b − kσ) − Φ(a − kσ)) / (Φ(b) − Φ(a)), a and b the standardised log
/// bounds.
fn lognormal_moments(mu: f64, sigma: f64, lo: f64, hi: f64) -> (f64, f64) {
    let a = if lo > 0.0 {
        (lo.ln() - mu) / sigma
    } else {
        f64::NEG_INFINITY
    };
    let b = (hi.ln() - mu) / sigma;
    let z = normal_cdf(b) - normal_cdf(a);
    let raw = |k: f64| {
        (k * mu + 0.5 * k * k * sigma * sigma).exp()
            * (normal_cdf(b - k * sigma) - normal_cdf(a - k * sigma))
            / z
    };
    let m = raw(1.0);
    (m, (raw(2.0) - m * m).max(0.0))
}

/// Beta(α, β) on [lo, hi] ⊂ [0, 1]: E[X 1{·}] = α/(α+β) ΔI(α+1, β) and
/// E[X² 1{·}] = α(α+1)/((α+β)(α+β+1)) ΔI(α+2, β), ΔI the difference of
/// the regularized incomplete beta between the bounds.
fn beta_moments(a: f64, b: f64, lo: f64, hi: f64) -> (f64, f64) {
    let delta = |p: f64, q: f64| incomplete_beta(hi, p, q) - incomplete_beta(lo, p, q);
    let z = delta(a, b);
    let m = a / (a + b) * delta(a + 1.0, b) / z;
    let m2 = a * (a + 1.0) / ((a + b) * (a + b + 1.0)) * delta(a + 2.0, b) / z;
    (m, (m2 - m * m).max(0.0))
}

/// The triangular density on [lo, hi]: on each side of the mode it is
/// linear, so `x f(x)` and `(x − m)² f(x)` are polynomials of degree at
/// most three there, which three-point Gauss–Legendre integrates exactly.
fn triangular_moments(min: f64, mode: f64, max: f64, lo: f64, hi: f64) -> (f64, f64) {
    let density = |x: f64| {
        let w = max - min;
        if x < min || x > max {
            0.0
        } else if x <= mode {
            if mode == min {
                2.0 / w
            } else {
                2.0 * (x - min) / (w * (mode - min))
            }
        } else {
            2.0 * (max - x) / (w * (max - mode))
        }
    };
    let mut pieces = vec![(lo, hi)];
    if lo < mode && mode < hi {
        pieces = vec![(lo, mode), (mode, hi)];
    }
    let integrate = |g: &dyn Fn(f64) -> f64| {
        const NODES: [(f64, f64); 3] = [
            (-0.774_596_669_241_483_4, 5.0 / 9.0),
            (0.0, 8.0 / 9.0),
            (0.774_596_669_241_483_4, 5.0 / 9.0),
        ];
        pieces.iter().fold(0.0, |sum, &(a, b)| {
            let (c, h) = (0.5 * (a + b), 0.5 * (b - a));
            sum + h * NODES.iter().fold(0.0, |s, &(x, w)| s + w * g(c + h * x))
        })
    };
    let z = integrate(&|x| density(x));
    let m = integrate(&|x| x * density(x)) / z;
    let v = integrate(&|x| (x - m) * (x - m) * density(x)) / z;
    (m, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closed-form values: the standard normal on [0, ∞) has mean
    /// √(2/π) and variance 1 − 2/π; the uniform on a sub-interval is
    /// uniform there; a truncation of Beta(1, 1) is uniform too.
    #[test]
    fn moments_match_known_cases() {
        let n = Dist::normal(0.0, 1.0).unwrap();
        let t = Truncation::new(&n, 0.0, 50.0).unwrap();
        let (m, v) = t.moments(&n);
        let pi = std::f64::consts::PI;
        assert!((m - (2.0 / pi).sqrt()).abs() < 1e-14, "{m}");
        assert!((v - (1.0 - 2.0 / pi)).abs() < 1e-14, "{v}");
        let b = Dist::beta(1.0, 1.0).unwrap();
        let (m, v) = Truncation::new(&b, 0.2, 0.6).unwrap().moments(&b);
        assert!((m - 0.4).abs() < 1e-13 && (v - 0.4 * 0.4 / 12.0).abs() < 1e-13);
        // A triangular cut at its mode on both sides is exact by pieces.
        let tri = Dist::triangular(0.0, 1.0, 2.0).unwrap();
        let (m, v) = Truncation::new(&tri, 0.0, 2.0).unwrap().moments(&tri);
        assert!((m - tri.mean()).abs() < 1e-14 && (v - tri.variance()).abs() < 1e-14);
        // Wide truncation of a log-normal changes nothing.
        let ln = Dist::lognormal(2.0, 0.5).unwrap();
        let (m, v) = Truncation::new(&ln, 1e-9, 1e9).unwrap().moments(&ln);
        assert!((m / ln.mean() - 1.0).abs() < 1e-12 && (v / ln.variance() - 1.0).abs() < 1e-10);
        // A PERT truncated to its whole range is itself.
        let p = Dist::pert(0.5, 1.0, 2.0).unwrap();
        let (m, v) = Truncation::new(&p, 0.5, 2.0).unwrap().moments(&p);
        assert!((m - p.mean()).abs() < 1e-12 && (v - p.variance()).abs() < 1e-12);
    }

    /// Draws of truncated parameters (by inverse CDF on [F(lo), F(hi)])
    /// against the closed-form moments (a second method): all inside the
    /// interval, sample mean within 5 SE = 5 sqrt(var/N), sample variance
    /// within 5 SE = 5 sqrt((m4 - var²)/N), m4 the sample's fourth central
    /// moment. Fixed seeds; N = 400,000.
    #[test]
    fn truncated_draws_match_closed_form_moments() {
        use crate::dist::Param;
        use rand::SeedableRng;
        const N: usize = 400_000;
        let cases = [
            (Dist::normal(100.0, 10.0), 100.0, 200.0),
            (Dist::normal(0.0, 1.0), -1.0, 0.5),
            (Dist::normal(0.0, 1.0), 2.0, 9.0),
            (Dist::lognormal(1e5, 1.0), 5e4, 1e6),
            (Dist::uniform(0.0, 10.0), 2.0, 3.0),
            (Dist::triangular(0.0, 1.0, 4.0), 0.5, 2.0),
            (Dist::pert(0.5, 1.0, 2.0), 0.9, 1.8),
            (Dist::beta(2.0, 5.0), 0.1, 0.3),
            (
                Dist::discrete(&[0.0, 1.0, 2.0, 3.0], &[0.1, 0.2, 0.3, 0.4]),
                0.5,
                2.5,
            ),
        ];
        for (i, (dist, lo, hi)) in cases.into_iter().enumerate() {
            let param = Param::truncated(dist.unwrap(), lo, hi).unwrap();
            let (mu, var) = param.moments().unwrap();
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(500 + i as u64);
            let mut xs = vec![0.0; N];
            param.fill(&mut xs, &mut rng);
            assert!(xs.iter().all(|&x| lo <= x && x <= hi), "{param}");
            let n = N as f64;
            let mean = xs.iter().sum::<f64>() / n;
            let m2 = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
            let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n;
            let se_mean = (var / n).sqrt();
            assert!(
                (mean - mu).abs() <= 5.0 * se_mean,
                "{param}: mean {mean} vs {mu} (SE {se_mean})"
            );
            let se_var = ((m4 - var * var) / n).sqrt();
            assert!(
                (m2 - var).abs() <= 5.0 * se_var,
                "{param}: variance {m2} vs {var} (SE {se_var})"
            );
        }
    }

    /// The example of the README: a normal of mean 100 and sd 10 clamped
    /// to [100, 200] has p25 exactly 100; truncated, its p25 is the
    /// normal's 62.5th percentile, 103.186...
    #[test]
    fn truncation_is_not_a_clamp() {
        use crate::dist::Param;
        let d = || Dist::normal(100.0, 10.0).unwrap();
        let clamped = Param::random(d(), Some((100.0, 200.0))).unwrap();
        assert_eq!(clamped.quantile(0.25), 100.0);
        let truncated = Param::truncated(d(), 100.0, 200.0).unwrap();
        let want = 100.0 + 10.0 * crate::special::normal_quantile(0.625);
        assert!((truncated.quantile(0.25) - want).abs() < 1e-9);
    }

    #[test]
    fn intervals_without_mass_are_refused() {
        let ln = Dist::lognormal(1.0, 1.0).unwrap();
        assert!(matches!(
            Truncation::new(&ln, -5.0, -1.0),
            Err(DistError::TruncateNoMass { .. })
        ));
        let n = Dist::normal(0.0, 1.0).unwrap();
        assert!(matches!(
            Truncation::new(&n, 40.0, 50.0),
            Err(DistError::TruncateNoMass { .. })
        ));
        assert!(matches!(
            Truncation::new(&n, 1.0, 1.0),
            Err(DistError::TruncateInverted { .. })
        ));
        assert!(matches!(
            Truncation::new(&n, f64::NEG_INFINITY, 1.0),
            Err(DistError::TruncateNonFinite { .. })
        ));
        let b = Dist::bernoulli(0.3).unwrap();
        assert!(Truncation::new(&b, 0.5, 2.0).is_ok());
        assert!(Truncation::new(&b, 0.2, 0.8).is_err());
    }
}
