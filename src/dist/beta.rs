//! Beta draws (for the beta and PERT distributions) from IEEE arithmetic
//! and [`crate::math`] alone.
//!
//! rand_distr's beta sampler (Cheng's BB and BC) costs about 70 ns a draw
//! and calls the platform's `ln` and `exp`, whose last bit is not promised
//! to agree between machines. This one uses only `+ − × ÷ √` and
//! [`math::ln`], [`math::exp`] and [`math::normal_pair`], which give the
//! same bits everywhere, so a draw depends only on the generator state:
//!
//! - **Integer shapes with α + β − 1 ≤ [`MAX_UNIFORMS`]** (every PERT whose
//!   mode sits at a quarter of the range: the middle gives Beta(3, 3)):
//!   Beta(α, β) is the law of the α-th smallest of α + β − 1 independent
//!   uniforms. They are drawn as rand draws an f64 (53 bits) and the one of
//!   that rank selected by min/max exchanges, without a branch on the
//!   values. Exact, and no transcendental function at all.
//! - **Otherwise** X / (X + Y) with X ~ Gamma(α), Y ~ Gamma(β), each by
//!   Marsaglia and Tsang's method (2000) with its squeeze, normals by
//!   Box–Muller. A shape `a < 1` is boosted: Gamma(a) = Gamma(a + 1) ·
//!   U^(1/a). Its power underflows for small `a` (U^1000 < 1e-308 about
//!   half the time at a = 1e-3), so when a shape is below 1 the gammas are
//!   kept as `g e^e` and both divided by the larger power before the ratio
//!   is taken, which never gives 0/0.
//! - **Shapes below [`MIN_SHAPE`] or above [`MAX_SHAPE`]** still go to
//!   rand_distr: below, `ln U / a` overflows for the smallest shapes; above,
//!   Marsaglia–Tsang's log test loses digits to cancellation. Such shapes
//!   are rare in scenarios (a PERT's are always in [1, 5]), and there the
//!   last bit of a draw may depend on the platform's math library.
//!
//! Every draw lies in [0, 1].

use rand::Rng;
use rand_distr::{Beta, Distribution};

use crate::math;

/// The largest number of uniforms drawn for one order-statistic draw.
pub(super) const MAX_UNIFORMS: usize = 15;

/// Shapes in `[MIN_SHAPE, MAX_SHAPE]` are sampled here, others by
/// rand_distr (see the module documentation).
pub(super) const MIN_SHAPE: f64 = 1e-3;
pub(super) const MAX_SHAPE: f64 = 1e6;

/// A prepared Beta(α, β) sampler, α, β > 0 and finite.
#[derive(Clone, Debug)]
pub(super) enum BetaSampler {
    /// The `rank`-th smallest of `count` uniforms,
    /// `1 <= rank <= count <= MAX_UNIFORMS`.
    OrderStatistic { count: usize, rank: usize },
    /// X / (X + Y) from two gammas, scaled by a common power of e when
    /// `logs` (a shape below 1).
    Gammas { x: Gamma, y: Gamma, logs: bool },
    /// Shapes outside `[MIN_SHAPE, MAX_SHAPE]`.
    Extreme(Beta<f64>),
}

impl BetaSampler {
    /// The sampler for Beta(`alpha`, `beta`); `None` unless both shapes
    /// are positive and finite.
    pub(super) fn new(alpha: f64, beta: f64) -> Option<BetaSampler> {
        if !(alpha > 0.0 && beta > 0.0 && alpha.is_finite() && beta.is_finite()) {
            return None;
        }
        let in_range = |s: f64| (MIN_SHAPE..=MAX_SHAPE).contains(&s);
        if !(in_range(alpha) && in_range(beta)) {
            return Beta::new(alpha, beta).ok().map(BetaSampler::Extreme);
        }
        let integers = alpha.fract() == 0.0 && beta.fract() == 0.0;
        if integers && alpha + beta - 1.0 <= MAX_UNIFORMS as f64 {
            // Both are whole numbers >= 1 here, and their sum is small.
            return Some(BetaSampler::OrderStatistic {
                count: (alpha + beta - 1.0) as usize,
                rank: alpha as usize,
            });
        }
        Some(BetaSampler::Gammas {
            x: Gamma::new(alpha),
            y: Gamma::new(beta),
            logs: alpha < 1.0 || beta < 1.0,
        })
    }
}

impl Distribution<f64> for BetaSampler {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            &BetaSampler::OrderStatistic { count, rank } => order_statistic(count, rank, rng),
            BetaSampler::Gammas { x, y, logs: false } => {
                let mut normals = Normals::default();
                let gx = x.sample(&mut normals, rng);
                let gy = y.sample(&mut normals, rng);
                gx / (gx + gy)
            }
            BetaSampler::Gammas { x, y, logs: true } => {
                let mut normals = Normals::default();
                let (gx, ex) = x.sample_scaled(&mut normals, rng);
                let (gy, ey) = y.sample_scaled(&mut normals, rng);
                // X = gx e^ex, Y = gy e^ey; divide both by e^max(ex, ey),
                // so that one factor is exactly 1 and X + Y >= min(gx, gy).
                let m = if ex > ey { ex } else { ey };
                let (sx, sy) = (gx * math::exp(ex - m), gy * math::exp(ey - m));
                sx / (sx + sy)
            }
            BetaSampler::Extreme(b) => b.sample(rng),
        }
    }
}

/// The `rank`-th smallest of `count` uniforms drawn in order (rand's
/// f64s). Selection by exchanges compiles to jumps the processor
/// mispredicts half the time on random data, so instead each uniform's
/// place in the sorted order is counted, `count (count − 1)/2`
/// comparisons turned into integers, and the one in place `rank − 1` is
/// picked with a bit mask: nothing depends on the values but arithmetic.
/// Ties (two equal 53-bit uniforms) are ordered by index, so exactly one
/// uniform holds each place. Every PERT with whole shapes has `count` 5,
/// given loops of fixed length the compiler unrolls.
#[inline]
fn order_statistic<R: Rng + ?Sized>(count: usize, rank: usize, rng: &mut R) -> f64 {
    if count == 5 {
        let mut u = [0.0; 5];
        draw_uniforms(&mut u, rng);
        select(&u, rank)
    } else {
        let mut all = [0.0; MAX_UNIFORMS];
        let u = &mut all[..count];
        draw_uniforms(u, rng);
        select(u, rank)
    }
}

#[inline(always)]
fn draw_uniforms<R: Rng + ?Sized>(u: &mut [f64], rng: &mut R) {
    for x in u.iter_mut() {
        *x = math::unit_53(rng.next_u64());
    }
}

/// The `rank`-th smallest of `u` (at most [`MAX_UNIFORMS`] values, none
/// NaN), without a branch on the values.
#[inline(always)]
fn select(u: &[f64], rank: usize) -> f64 {
    let mut place = [0usize; MAX_UNIFORMS];
    for i in 0..u.len() {
        for j in i + 1..u.len() {
            // j goes before i if smaller; on a tie the lower index first.
            let j_first = usize::from(u[j] < u[i]);
            place[i] += j_first;
            place[j] += 1 - j_first;
        }
    }
    let mut bits = 0u64;
    for (x, &p) in u.iter().zip(&place) {
        let mask = 0u64.wrapping_sub(u64::from(p == rank - 1));
        bits |= x.to_bits() & mask;
    }
    f64::from_bits(bits)
}

/// Standard normals for one beta draw: Box–Muller gives them in pairs, and
/// the second of a pair is kept for the next request. It lives for one
/// draw only, so what a draw consumes depends on the generator state alone
/// and filling n values draws exactly what n single draws do.
#[derive(Default)]
struct Normals {
    spare: Option<f64>,
}

impl Normals {
    #[inline]
    fn next<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let first = rng.next_u64();
        let (z, spare) = math::normal_pair(first, rng.next_u64());
        self.spare = Some(spare);
        z
    }
}

/// Gamma(shape, 1) by Marsaglia and Tsang, "A simple method for generating
/// gamma variables" (ACM TOMS 26(3), 2000), for `shape >= 1`, boosted from
/// `shape + 1` for smaller shapes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Gamma {
    /// `s − 1/3` and `1/√(9 d)`, with `s` the shape, plus 1 if boosted.
    d: f64,
    c: f64,
    /// The shape when it is below 1 (the boosting uniform is raised to
    /// its reciprocal), else 0.
    boost: f64,
}

impl Gamma {
    fn new(shape: f64) -> Gamma {
        let boosted = shape < 1.0;
        let s = if boosted { shape + 1.0 } else { shape };
        let d = s - 1.0 / 3.0;
        Gamma {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
            boost: if boosted { shape } else { 0.0 },
        }
    }

    /// A Gamma(`s`) draw, `s = d + 1/3` (unboosted): `d v` with `v = (1 +
    /// c z)³` accepted when `u < 1 − 0.0331 z⁴` (the squeeze, which takes
    /// most draws) or `ln u < z²/2 + d (1 − v + ln v)`.
    #[inline]
    fn core<R: Rng + ?Sized>(&self, normals: &mut Normals, rng: &mut R) -> f64 {
        loop {
            let z = normals.next(rng);
            let t = 1.0 + self.c * z;
            if t <= 0.0 {
                continue;
            }
            let v = t * t * t;
            // (0, 1], so its logarithm is finite.
            let u = math::unit_open_closed(rng.next_u64());
            let z2 = z * z;
            if u < 1.0 - 0.0331 * (z2 * z2) {
                return self.d * v;
            }
            if math::ln(u) < 0.5 * z2 + self.d * ((1.0 - v) + math::ln(v)) {
                return self.d * v;
            }
        }
    }

    /// A draw, for shapes of at least 1 (never boosted).
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, normals: &mut Normals, rng: &mut R) -> f64 {
        self.core(normals, rng)
    }

    /// A draw as `(g, e)` with the draw `g e^e`: for a boosted shape `a`,
    /// `g` from Gamma(a + 1) and `e = ln(U)/a` (`U^(1/a)` itself underflows
    /// for small `a`), else `e = 0`.
    #[inline]
    fn sample_scaled<R: Rng + ?Sized>(&self, normals: &mut Normals, rng: &mut R) -> (f64, f64) {
        let g = self.core(normals, rng);
        if self.boost == 0.0 {
            return (g, 0.0);
        }
        (
            g,
            math::ln(math::unit_open_closed(rng.next_u64())) / self.boost,
        )
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::special::incomplete_beta;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    const N: usize = 200_000;

    /// The 0.001 critical value of the Kolmogorov–Smirnov statistic,
    /// 1.95/√n for large n.
    fn ks_critical(n: usize) -> f64 {
        1.95 / (n as f64).sqrt()
    }

    /// sup |F_n − F| over sorted draws `xs`.
    pub(crate) fn ks_statistic(xs: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        xs.iter().enumerate().fold(0.0, |worst: f64, (i, &x)| {
            let f = cdf(x);
            worst.max(f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
    }

    /// Sample mean and variance against the closed forms at 5 standard
    /// errors: sqrt(var/n) for the mean, sqrt((m4 − var²)/n) for the
    /// variance, m4 the sample's fourth central moment.
    pub(crate) fn check_mean_and_variance(xs: &[f64], mu: f64, var: f64, what: &str) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let (mut m2, mut m4) = (0.0, 0.0);
        for &x in xs {
            let d2 = (x - mean) * (x - mean);
            m2 += d2;
            m4 += d2 * d2;
        }
        let (sample_var, m4) = (m2 / (n - 1.0), m4 / n);
        let se_mean = (var / n).sqrt();
        assert!(
            (mean - mu).abs() <= 5.0 * se_mean,
            "{what}: mean {mean} vs {mu} (SE {se_mean})"
        );
        let se_var = ((m4 - var * var) / n).sqrt();
        assert!(
            (sample_var - var).abs() <= 5.0 * se_var,
            "{what}: variance {sample_var} vs {var} (SE {se_var})"
        );
    }

    /// Each method (order statistic, gammas, gammas in logs) against the
    /// beta law: its mean α/(α+β), its variance αβ/((α+β)²(α+β+1)) and
    /// its CDF, the regularized incomplete beta.
    #[test]
    fn draws_follow_the_beta_law() {
        let shapes = [
            (3.0, 3.0),
            (1.0, 1.0),
            (2.0, 5.0),
            (5.0, 1.0),
            (4.0, 11.0),
            (1.7, 4.2),
            (0.5, 0.5),
            (0.3, 2.0),
            (30.0, 70.0),
            (0.05, 0.9),
            (300.0, 700.0),
        ];
        for (i, &(a, b)) in shapes.iter().enumerate() {
            let sampler = BetaSampler::new(a, b).expect("valid shapes");
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(500 + i as u64);
            let mut xs: Vec<f64> = (0..N).map(|_| sampler.sample(&mut rng)).collect();
            assert!(xs.iter().all(|x| (0.0..=1.0).contains(x)), "Beta({a}, {b})");
            let s = a + b;
            let (mu, var) = (a / s, a * b / (s * s * (s + 1.0)));
            check_mean_and_variance(&xs, mu, var, &format!("Beta({a}, {b}) {sampler:?}"));
            let d = ks_statistic(&mut xs, |x| incomplete_beta(x, a, b));
            assert!(d < ks_critical(N), "Beta({a}, {b}): KS statistic {d}");
        }
    }

    #[test]
    fn methods_are_chosen_by_the_shapes() {
        let method = |a, b| match BetaSampler::new(a, b) {
            Some(BetaSampler::OrderStatistic { count, rank }) => format!("order {count} {rank}"),
            Some(BetaSampler::Gammas { logs, .. }) => format!("gammas {logs}"),
            Some(BetaSampler::Extreme(_)) => "extreme".to_string(),
            None => "none".to_string(),
        };
        assert_eq!(method(3.0, 3.0), "order 5 3");
        assert_eq!(method(1.0, 1.0), "order 1 1");
        assert_eq!(method(2.0, 5.0), "order 6 2");
        assert_eq!(method(5.0, 2.0), "order 6 5");
        assert_eq!(method(8.0, 8.0), "order 15 8");
        assert_eq!(method(8.0, 9.0), "gammas false");
        assert_eq!(method(30.0, 70.0), "gammas false");
        assert_eq!(method(1.7, 4.2), "gammas false");
        assert_eq!(method(0.5, 2.0), "gammas true");
        assert_eq!(method(1e-3, 1e6), "gammas true");
        assert_eq!(method(9e-4, 1.0), "extreme");
        assert_eq!(method(1.0, 2e6), "extreme");
        assert_eq!(method(0.0, 1.0), "none");
        assert_eq!(method(1.0, f64::NAN), "none");
    }

    /// The order statistic is the rank-th smallest of the uniforms rand
    /// would draw, checked against a sort.
    #[test]
    fn order_statistic_is_the_ranked_uniform() {
        use rand::RngExt;
        for count in 1..=MAX_UNIFORMS {
            for alpha in 1..=count {
                let beta = count + 1 - alpha;
                let sampler = BetaSampler::new(alpha as f64, beta as f64).expect("valid");
                let mut r1 = Xoshiro256PlusPlus::seed_from_u64(count as u64 * 100 + alpha as u64);
                let mut r2 = r1.clone();
                for _ in 0..200 {
                    let got = sampler.sample(&mut r1);
                    let mut u: Vec<f64> = (0..count).map(|_| r2.random::<f64>()).collect();
                    u.sort_by(f64::total_cmp);
                    assert_eq!(got, u[alpha - 1], "Beta({alpha}, {beta})");
                }
            }
        }
    }
}
