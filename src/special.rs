//! Special functions for the quantiles of the parameter distributions: the
//! standard normal quantile and CDF, log-gamma and the regularized
//! incomplete beta function and its inverse. The tornado calls them once
//! per input; truncated and rank-correlated parameters once per draw.

/// The standard normal CDF Φ(x) = erfc(-x/√2)/2, through `libm`'s `erfc`
/// (a port of FreeBSD's, under 1 ulp): accurate in both tails, where
/// `1 - Φ` by subtraction would lose every digit, and the same bits on
/// every platform.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * std::f64::consts::FRAC_1_SQRT_2)
}

/// The standard normal density φ(x).
pub fn normal_pdf(x: f64) -> f64 {
    const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
    INV_SQRT_2PI * (-0.5 * x * x).exp()
}

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1, by Wichura's AS 241
/// (PPND16), accurate to about 1e-16 relative.
// The coefficients as Wichura published them.
#[allow(clippy::excessive_precision)]
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_6,
        1.331_416_678_917_843_8e2,
        1.971_590_950_306_551_4e3,
        1.373_169_376_550_946_1e4,
        4.592_195_393_154_987_1e4,
        6.726_577_092_700_87e4,
        3.343_057_558_358_813e4,
        2.509_080_928_730_122_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091e1,
        6.871_870_074_920_579e2,
        5.394_196_021_424_751e3,
        2.121_379_430_158_659_7e4,
        3.930_789_580_009_271e4,
        2.872_908_573_572_194_3e4,
        5.226_495_278_852_854_5e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_6,
        4.630_337_846_156_545,
        5.769_497_221_460_691,
        3.647_848_324_763_204_5,
        1.270_458_252_452_368_4,
        2.417_807_251_774_506e-1,
        2.272_384_498_926_918_4e-2,
        7.745_450_142_783_414e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_759,
        1.676_384_830_183_803_8,
        6.897_673_349_851e-1,
        1.481_039_764_274_800_8e-1,
        1.519_866_656_361_645_7e-2,
        5.475_938_084_995_345e-4,
        1.050_750_071_644_416_8e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103,
        5.463_784_911_164_114,
        1.784_826_539_917_291_3,
        2.965_605_718_285_048_7e-1,
        2.653_218_952_657_612_4e-2,
        1.242_660_947_388_078_4e-3,
        2.711_555_568_743_487_6e-5,
        2.010_334_399_292_288_1e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_879e-1,
        1.369_298_809_227_358e-1,
        1.487_536_129_085_061_5e-2,
        7.868_691_311_456_133e-4,
        1.846_318_317_510_054_8e-5,
        1.421_511_758_316_446e-7,
        2.044_263_103_389_939_7e-15,
    ];
    fn poly(c: &[f64; 8], x: f64) -> f64 {
        c.iter().rev().fold(0.0, |acc, &k| acc * x + k)
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-r.ln()).sqrt();
    let x = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -x } else { x }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms; about 1e-15 relative).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let a = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |acc, (i, &c)| acc + c / (x + i as f64 + 1.0));
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularized incomplete beta function I_x(a, b), a, b > 0, by its
/// continued fraction (modified Lentz), on the side where it converges
/// fast.
pub fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=500 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        for numerator in [
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + numerator / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// The x in [0, 1] with I_x(a, b) = p, by bisection down to adjacent
/// floats (I_x is increasing in x): slow but sure, and called rarely.
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if incomplete_beta(mid, a, b) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The x in [0, 1] with I_x(a, b) = p, as [`beta_quantile`] but fast
/// enough to call once per draw (truncated and rank-correlated beta and
/// PERT parameters): twelve halvings of [0, 1], then Newton steps on
/// I_x(a, b) − p kept inside the bracket (a bisection step whenever Newton
/// would leave it), until a step is below 2⁻⁵⁰ relative. Agrees with
/// [`beta_quantile`] to a few ulps, not bit for bit.
pub fn beta_quantile_newton(p: f64, a: f64, b: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let ln_beta = ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..12 {
        let mid = 0.5 * (lo + hi);
        if incomplete_beta(mid, a, b) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut x = 0.5 * (lo + hi);
    for _ in 0..100 {
        let f = incomplete_beta(x, a, b) - p;
        if f < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let density = ((a - 1.0) * x.ln() + (b - 1.0) * (-x).ln_1p() - ln_beta).exp();
        let newton = x - f / density;
        let next = if newton > lo && newton < hi && newton.is_finite() {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() <= x.max(1e-300) * 2f64.powi(-50) || next <= lo || next >= hi {
            return next;
        }
        x = next;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values across both tails: Python's
    /// `0.5 * math.erfc(-x / math.sqrt(2))`.
    #[test]
    fn normal_cdf_matches_reference_values_in_both_tails() {
        let cases = [
            (-37.5, 0.0),
            (-30.0, 4.906_713_927_148_764e-198),
            (-10.0, 7.619_853_024_160_593e-24),
            (-7.5, 3.190_891_672_910_92e-14),
            (-7.0, 1.279_812_543_885_835e-12),
            (-5.0, 2.866_515_718_791_946e-7),
            (-3.0, 0.001_349_898_031_630_095_7),
            (-1.5, 0.066_807_201_268_858_09),
            (-1.0, 0.158_655_253_931_457_07),
            (-0.5, 0.308_537_538_725_986_9),
            (-1e-3, 0.499_601_057_786_088_93),
            (0.0, 0.5),
            (0.3, 0.617_911_422_188_952_6),
            (1.0, 0.841_344_746_068_542_9),
            (2.0, 0.977_249_868_051_820_8),
            (3.5, 0.999_767_370_920_964_5),
            (6.0, 0.999_999_999_013_412_3),
            (8.0, 0.999_999_999_999_999_3),
            (12.0, 1.0),
        ];
        for (x, want) in cases {
            let got = normal_cdf(x);
            let tolerance = 1e-15_f64.max(1e-13 * want);
            assert!(
                (got - want).abs() <= tolerance,
                "Φ({x}) = {got}, not {want}"
            );
        }
        // Monotone where the tail is steep.
        let edge = 7.071_067_811_865_47;
        assert!(normal_cdf(-edge - 1e-12) <= normal_cdf(-edge + 1e-12));
    }

    /// Reference values from Python's `statistics.NormalDist().inv_cdf`.
    #[test]
    fn normal_quantiles_match_reference_values() {
        for (p, want) in [
            (0.1, -1.281_551_565_544_600_8),
            (0.9, 1.281_551_565_544_600_8),
            (0.975, 1.959_963_984_540_053_6),
            (0.5, 0.0),
            (1e-10, -6.361_340_902_404_056),
            (0.3, -0.524_400_512_708_040_7),
            (0.02425, -1.972_961_051_311_884_5),
            (0.999_999, 4.753_424_308_817_089),
            (1e-20, -9.262_340_089_798_405),
            (1e-300, -37.047_096_299_361_2),
        ] {
            let got = normal_quantile(p);
            assert!(
                (got - want).abs() <= 4e-16 * want.abs().max(1.0),
                "{p}: {got} vs {want}"
            );
        }
    }

    /// Reference values from Python's `statistics.NormalDist().cdf` and,
    /// for the far tail, `math.erfc`.
    #[test]
    fn normal_cdf_matches_reference_values() {
        for (x, want) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (-1.959_963_984_540_054, 0.025),
            (-0.5, 0.308_537_538_725_986_9),
            (-10.0, 7.619_853_024_160_527e-24),
        ] {
            let got = normal_cdf(x);
            // Rounding -x/√2 moves erfc by a relative 2x² ε or so.
            let tolerance = 4e-16 * (1.0 + x * x);
            assert!(
                (got - want).abs() <= tolerance * want,
                "{x}: {got} vs {want}"
            );
        }
        for p in [1e-10, 0.1, 0.5, 0.9, 0.975] {
            let back = normal_cdf(normal_quantile(p));
            assert!((back - p).abs() <= 1e-14 * p, "{p}: {back}");
        }
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut factorial = 1.0f64;
        for n in 1..20 {
            factorial *= f64::from(n);
            let got = ln_gamma(f64::from(n) + 1.0);
            assert!((got - factorial.ln()).abs() < 1e-13 * factorial.ln().max(1.0));
        }
        // Γ(1/2) = √π.
        let half = ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln();
        assert!(half.abs() < 1e-14);
    }

    /// Closed forms: Beta(a, 1) has CDF x^a, Beta(1, b) 1 - (1-x)^b,
    /// Beta(2, 2) 3x² - 2x³.
    #[test]
    fn incomplete_beta_and_its_inverse_match_closed_forms() {
        for &x in &[0.01, 0.1, 0.37, 0.5, 0.8, 0.99] {
            let close = |got: f64, want: f64| (got - want).abs() < 1e-13;
            assert!(close(incomplete_beta(x, 2.5, 1.0), x.powf(2.5)));
            assert!(close(incomplete_beta(x, 1.0, 3.0), 1.0 - (1.0 - x).powi(3)));
            assert!(close(
                incomplete_beta(x, 2.0, 2.0),
                3.0 * x * x - 2.0 * x.powi(3)
            ));
        }
        for &p in &[0.1, 0.5, 0.9] {
            let q = beta_quantile(p, 2.5, 1.0);
            assert!((q - p.powf(1.0 / 2.5)).abs() < 1e-12, "{p}: {q}");
            let q = beta_quantile(p, 1.0, 4.0);
            assert!((q - (1.0 - (1.0 - p).powf(0.25))).abs() < 1e-12);
            // Symmetry: q_{a,b}(p) = 1 - q_{b,a}(1-p).
            let (a, b) = (2.0, 5.0);
            let sym = beta_quantile(p, a, b) + beta_quantile(1.0 - p, b, a);
            assert!((sym - 1.0).abs() < 1e-12);
            // And round trip.
            let q = beta_quantile(p, a, b);
            assert!((incomplete_beta(q, a, b) - p).abs() < 1e-13);
        }
        assert!((beta_quantile(0.5, 3.0, 3.0) - 0.5).abs() < 1e-14);
    }

    /// The fast inverse agrees with the bisection to near rounding over
    /// shapes from U-shaped to peaked.
    #[test]
    fn newton_beta_quantile_agrees_with_bisection() {
        for (a, b) in [
            (0.5, 0.5),
            (1.4, 4.6),
            (2.0, 5.0),
            (3.0, 3.0),
            (1.0, 1.0),
            (50.0, 2.0),
        ] {
            for p in [1e-9, 1e-4, 0.01, 0.1, 0.37, 0.5, 0.9, 0.999, 1.0 - 1e-9] {
                let (slow, fast) = (beta_quantile(p, a, b), beta_quantile_newton(p, a, b));
                assert!(
                    (slow - fast).abs() <= 1e-13 * slow.max(1e-300) + 1e-300,
                    "({a}, {b}) at {p}: {slow} vs {fast}"
                );
            }
        }
    }
}
