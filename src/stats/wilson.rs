//! Confidence intervals for a probability estimated from successes in trials.

/// Two-sided 95% standard normal quantile, Φ⁻¹(0.975).
pub const Z95: f64 = 1.959963984540054;

/// Wilson score interval for a binomial proportion, clamped to `[0, 1]`.
///
/// Used for probabilities estimated from simulated paths (for example, the
/// chance of missing a revenue target). Unlike the normal ("Wald")
/// interval, it never collapses to a single point when no or every trial
/// succeeds, and it has close to nominal coverage even for small counts or
/// proportions near 0 or 1. `z` is the standard normal quantile for the
/// desired confidence level ([`Z95`] for 95%).
///
/// Returns `(lower, upper)` with `lower <= successes / n <= upper`; the bound
/// at 0 when `successes == 0`, and at 1 when `successes == n`, is exact. With
/// no trials there is no information, and the interval is the whole `(0.0,
/// 1.0)`.
///
/// `successes` must not exceed `n` and `z` must be finite and non-negative;
/// both are checked in debug builds only, as they are programming errors.
pub fn wilson_interval(successes: u64, n: u64, z: f64) -> (f64, f64) {
    debug_assert!(successes <= n, "{successes} successes in {n} trials");
    debug_assert!(z.is_finite() && z >= 0.0, "z = {z}");
    if n == 0 {
        return (0.0, 1.0);
    }
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half_width = z / denominator * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    // At p = 0 (or 1) the lower (upper) bound is exactly 0 (1); computing it
    // as a difference would leave a rounding residue of either sign.
    let lower = if successes == 0 {
        0.0
    } else {
        (centre - half_width).max(0.0)
    };
    let upper = if successes == n {
        1.0
    } else {
        (centre + half_width).min(1.0)
    };
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Wilson bounds are the roots in `p` of
    /// `(p̂ − p)² = z² p (1 − p) / n`, i.e. of
    /// `(1 + z²/n) p² − (2p̂ + z²/n) p + p̂² = 0`; solved here independently
    /// of the centre/half-width form used in the implementation.
    fn roots(successes: u64, n: u64, z: f64) -> (f64, f64) {
        let p_hat = successes as f64 / n as f64;
        let k = z * z / n as f64;
        let a = 1.0 + k;
        let b = -(2.0 * p_hat + k);
        let c = p_hat * p_hat;
        let disc = (b * b - 4.0 * a * c).sqrt();
        ((-b - disc) / (2.0 * a), (-b + disc) / (2.0 * a))
    }

    fn assert_close(actual: (f64, f64), expected: (f64, f64), tol: f64) {
        assert!(
            (actual.0 - expected.0).abs() <= tol && (actual.1 - expected.1).abs() <= tol,
            "{actual:?} vs {expected:?}"
        );
    }

    #[test]
    fn z95_is_the_normal_quantile() {
        // Φ⁻¹(0.975) to 16 significant digits.
        assert!((Z95 - 1.959_963_984_540_054).abs() < 1e-15);
    }

    #[test]
    fn hand_computed_values() {
        let z = 1.96;
        let z2 = z * z;
        // 0 of 10: [0, z²/(n + z²)].
        assert_close(wilson_interval(0, 10, z), (0.0, z2 / (10.0 + z2)), 1e-15);
        assert_close(wilson_interval(0, 10, z), (0.0, 0.277_540_2), 1e-7);
        // 10 of 10: [n/(n + z²), 1].
        assert_close(wilson_interval(10, 10, z), (10.0 / (10.0 + z2), 1.0), 1e-15);
        assert_close(wilson_interval(10, 10, z), (0.722_459_8, 1.0), 1e-7);
        // 5 of 10: symmetric about 1/2.
        assert_close(wilson_interval(5, 10, z), (0.236_589_6, 0.763_410_4), 1e-7);
        // 81 of 263: the textbook example, about (0.2553, 0.3662).
        assert_close(wilson_interval(81, 263, z), (0.2553, 0.3662), 1e-4);
        assert_close(
            wilson_interval(81, 263, z),
            (0.255_287_6, 0.366_210_7),
            1e-7,
        );
    }

    #[test]
    fn agrees_with_quadratic_roots() {
        for (successes, n) in [
            (1, 10),
            (3, 7),
            (5, 10),
            (81, 263),
            (999, 1000),
            (1, 1_000_000),
        ] {
            for z in [1.0, 1.644_853_626_951_472, Z95, 2.575_829_303_548_901] {
                assert_close(
                    wilson_interval(successes, n, z),
                    roots(successes, n, z),
                    1e-12,
                );
            }
        }
    }

    #[test]
    fn contains_the_estimate_and_stays_in_unit_interval() {
        for n in [1_u64, 2, 3, 10, 97, 1000] {
            for successes in 0..=n {
                let p_hat = successes as f64 / n as f64;
                let (lower, upper) = wilson_interval(successes, n, Z95);
                assert!(
                    (0.0..=p_hat).contains(&lower) && (p_hat..=1.0).contains(&upper),
                    "{successes}/{n}: ({lower}, {upper})"
                );
            }
        }
    }

    #[test]
    fn no_trials_is_the_whole_unit_interval() {
        assert_eq!(wilson_interval(0, 0, Z95), (0.0, 1.0));
    }

    #[test]
    fn zero_width_when_z_is_zero() {
        assert_eq!(wilson_interval(3, 12, 0.0), (0.25, 0.25));
    }
}
