//! Elementary functions for the inner loops, written so that a loop over a
//! slice vectorises, and so that every machine computes the same bits.
//!
//! `exp`, `ln`, and the sine and cosine of a fraction of a turn are the
//! fdlibm algorithms (the ones behind musl and the `libm` crate), with the
//! same polynomial coefficients and error below one unit in the last place,
//! rearranged without branches: special cases are handled by selecting
//! between values, never by jumping. Only IEEE-754 additions,
//! multiplications, divisions, square roots and bit operations are used, and
//! never a fused multiply-add (Rust does not contract `a * b + c`), so the
//! results do not depend on the platform's math library, on the instruction
//! set the loop is compiled for, or on how many lanes a vector holds.
//!
//! The slice functions compile their loop twice on x86-64: for the baseline
//! (SSE2, two lanes) and for AVX2 (four lanes), chosen at run time. Both give
//! identical bits; a test checks it.

// The polynomial coefficients are quoted with the digits fdlibm publishes
// them with, and the table entries are as computed: each rounds to the
// intended double, and keeping them as published makes them checkable.
#![allow(clippy::excessive_precision, clippy::approx_constant)]

/// `2^52 + 2^51`: adding it to a float of magnitude below `2^51` rounds
/// that float to an integer and leaves the integer in the low bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;

const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
const INV_LN2: f64 = std::f64::consts::LOG2_E;

/// Arguments beyond these give `+∞` and `0` through the ordinary
/// arithmetic below (the true values overflow, or round to zero).
const EXP_HIGH: f64 = 710.0;
const EXP_LOW: f64 = -746.0;

/// `e^x`, within one ulp wherever the result is a normal number (`x` from
/// -708.39 to 709.78); subnormal results lose precision gradually as
/// usual. Below -745.13 the result is 0, above 709.78 `+∞`; NaN gives NaN.
///
/// `x = k ln 2 + r` with `|r| <= ln 2 / 2`, then
/// `e^r = 1 + r + r² g(r)` with `g` a degree-10 polynomial close to the
/// minimax one on that interval (a Chebyshev fit, relative error below
/// 1.2e-16 after rounding), and `e^x = 2^k e^r`. No division and no
/// table, so a loop of it vectorises fully.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const G: [f64; 11] = [
        0.5,
        0.166_666_666_666_666_7,
        0.041_666_666_666_666_67,
        0.008_333_333_333_326_136,
        0.001_388_888_888_888_374_8,
        0.000_198_412_698_748_206_27,
        2.480_158_732_554_774_3e-5,
        2.755_725_540_020_642_2e-6,
        2.755_727_364_311_03e-7,
        2.510_521_700_472_074_5e-8,
        2.091_468_696_808_687_6e-9,
    ];
    // Out-of-range arguments are pulled in just far enough to overflow or
    // underflow below; NaN passes through every step unchanged.
    let x = x.clamp(EXP_LOW, EXP_HIGH);
    // k = round(x / ln 2), as a float and as the integer in the low bits.
    let shifted = x * INV_LN2 + SHIFT;
    let k = shifted - SHIFT;
    let k_bits = shifted.to_bits().wrapping_sub(SHIFT.to_bits());
    let r = (x - k * LN2_HI) - k * LN2_LO; // k·LN2_HI is exact
    let z = r * r;
    let z2 = z * z;
    let g = ((G[0] + r * G[1]) + z * (G[2] + r * G[3]))
        + z2 * (((G[4] + r * G[5]) + z * (G[6] + r * G[7])) + z2 * ((G[8] + r * G[9]) + z * G[10]));
    let y = 1.0 + (r + z * g);
    // 2^k, k in [-1077, 1025], as 2^k1 · 2^k2 with both factors normal
    // (k1 = ⌊k/2⌋, shifted to stay unsigned); y · 2^k1 is exact, so only
    // the last product rounds, and overflows or underflows as it should.
    let k1_plus_1023 = (k_bits.wrapping_add(2048) >> 1).wrapping_sub(1);
    let k2_plus_1023 = k_bits.wrapping_sub(k1_plus_1023).wrapping_add(2046);
    let scale1 = f64::from_bits(k1_plus_1023 << 52);
    let scale2 = f64::from_bits(k2_plus_1023 << 52);
    y * scale1 * scale2
}

/// `ln x`, within one ulp for positive normal `x` (at least 2.2e-308,
/// finite). Other inputs give an unspecified finite or infinite value, never
/// a panic; callers keep them out.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    const LG1: f64 = 6.666_666_666_666_735_130e-01;
    const LG2: f64 = 3.999_999_999_940_941_908e-01;
    const LG3: f64 = 2.857_142_874_366_239_149e-01;
    const LG4: f64 = 2.222_219_843_214_978_396e-01;
    const LG5: f64 = 1.818_357_216_161_805_012e-01;
    const LG6: f64 = 1.531_383_769_920_937_332e-01;
    const LG7: f64 = 1.479_819_860_511_658_591e-01;
    const SQRT2_BITS: u64 = 0x3ff6_a09e_667f_3bcd;
    let bits = x.to_bits();
    let mantissa = bits & 0x000f_ffff_ffff_ffff;
    // x = 2^e · m with m in [√2/2, √2).
    let big = (mantissa | ONE_BITS) > SQRT2_BITS;
    let m = f64::from_bits(mantissa | if big { 0x3fe0_0000_0000_0000 } else { ONE_BITS });
    // The biased exponent field, as a float, exactly.
    let field = f64::from_bits((bits >> 52) | 0x4330_0000_0000_0000) - 4_503_599_627_370_496.0;
    let e = field - if big { 1022.0 } else { 1023.0 };
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    e * LN2_HI - ((hfsq - (s * (hfsq + r) + e * LN2_LO)) - f)
}

/// `(sin 2πu, cos 2πu)` for `u` in `[0, 1]`, each within about one ulp
/// plus the rounding of `π/2`.
#[inline(always)]
pub fn sin_cos_turn(u: f64) -> (f64, f64) {
    const S1: f64 = -1.666_666_666_666_663_243_48e-01;
    const S2: f64 = 8.333_333_333_322_489_461_24e-03;
    const S3: f64 = -1.984_126_982_985_794_931_34e-04;
    const S4: f64 = 2.755_731_370_707_006_767_89e-06;
    const S5: f64 = -2.505_076_025_340_686_341_95e-08;
    const S6: f64 = 1.589_690_995_211_550_102_21e-10;
    const C1: f64 = 4.166_666_666_666_660_190_37e-02;
    const C2: f64 = -1.388_888_888_887_410_957_49e-03;
    const C3: f64 = 2.480_158_728_947_672_941_78e-05;
    const C4: f64 = -2.755_731_435_139_066_330_35e-07;
    const C5: f64 = 2.087_572_321_298_174_827_90e-09;
    const C6: f64 = -1.135_964_755_778_819_482_65e-11;
    // 2πu = q·π/2 + a with q the nearest quarter turn and |a| <= π/4.
    let quarters = u * 4.0;
    let shifted = quarters + SHIFT;
    let q = shifted.to_bits() & 3;
    let a = (quarters - (shifted - SHIFT)) * std::f64::consts::FRAC_PI_2;
    let z = a * a;
    let w = z * z;
    let rs = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
    let sin_a = a + z * a * (S1 + z * rs);
    let rc = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
    let hz = 0.5 * z;
    let one_minus = 1.0 - hz;
    let cos_a = one_minus + (((1.0 - one_minus) - hz) + z * rc);
    // Rotate by q quarter turns: swap on odd q, then fix the signs.
    let odd = q & 1 == 1;
    let (sin, cos) = if odd { (cos_a, sin_a) } else { (sin_a, cos_a) };
    let sin_sign = (q & 2) << 62;
    let cos_sign = ((q + 1) & 2) << 62;
    (
        f64::from_bits(sin.to_bits() ^ sin_sign),
        f64::from_bits(cos.to_bits() ^ cos_sign),
    )
}

/// A uniform in `[0, 1)` from the top 52 bits of `bits`, in steps of 2^-52.
#[inline(always)]
pub fn unit_closed_open(bits: u64) -> f64 {
    f64::from_bits((bits >> 12) | ONE_BITS) - 1.0
}

/// A uniform in `(0, 1]` from the top 52 bits of `bits`, in steps of 2^-52.
#[inline(always)]
pub fn unit_open_closed(bits: u64) -> f64 {
    2.0 - f64::from_bits((bits >> 12) | ONE_BITS)
}

/// A uniform in `[0, 1)` from the top 53 bits of `bits`, in steps of
/// 2^-53: the same value as `rand`'s `StandardUniform` f64 drawn from
/// the same 64 bits, so samplers written with it can match rand's.
#[inline(always)]
pub fn unit_53(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// Two independent standard normals from two independent 64-bit uniforms,
/// by the Box–Muller transform: `r = √(−2 ln u₁)` with `u₁` in `(0, 1]`,
/// then `(r cos 2πu₂, r sin 2πu₂)`. Every pair of bits gives a pair of
/// normals (no rejection), so a batch consumes a known number of draws;
/// `|z|` is at most `√(104 ln 2) ≈ 8.49`.
#[inline(always)]
pub fn normal_pair(bits1: u64, bits2: u64) -> (f64, f64) {
    let r = (-2.0 * ln(unit_open_closed(bits1))).sqrt();
    let (sin, cos) = sin_cos_turn(unit_closed_open(bits2));
    (r * cos, r * sin)
}

/// Runs `$body` compiled for AVX2 when the CPU has it, for the baseline
/// otherwise. `$body` must only call `#[inline(always)]` code for the AVX2
/// copy to be vectorised with it.
macro_rules! dispatch {
    ($name:ident($($arg:ident: $ty:ty),*) $body:block) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2")]
            fn avx2($($arg: $ty),*) $body
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                return unsafe { avx2($($arg),*) };
            }
        }
        fn baseline($($arg: $ty),*) $body
        baseline($($arg),*)
    }};
}
pub(crate) use dispatch;

/// `2^(j/64)` for `j` in `0..64`, as `hi + lo`: `hi` correctly rounded and
/// `lo` the rest, both computed with 200-bit arithmetic (mpmath).
#[rustfmt::skip]
const EXP2_64THS: [(f64, f64); 64] = [
    (1.0, 0.0),
    (1.0108892860517005, -1.5234778603368577e-17),
    (1.0218971486541166, 5.109225028973444e-17),
    (1.0330248790212284, 7.600838874027088e-18),
    (1.0442737824274138, 8.551889705537965e-17),
    (1.0556451783605572, 1.759325738772092e-18),
    (1.0671404006768237, -7.899853966841582e-17),
    (1.0787607977571199, -6.656660436056593e-17),
    (1.0905077326652577, -3.046782079812471e-17),
    (1.102382583307841, 5.2660368715706944e-17),
    (1.1143867425958924, 1.0410278456845571e-16),
    (1.1265216186082418, 5.165856758795457e-17),
    (1.1387886347566916, 8.912812676025408e-17),
    (1.1511892299529827, 3.250710218863827e-17),
    (1.1637248587775775, 3.8292048369240935e-17),
    (1.1763969916502812, 5.554203254218079e-17),
    (1.189207115002721, 3.982015231465646e-17),
    (1.202156731452703, 6.644981499252301e-17),
    (1.215247359980469, -7.712630692681488e-17),
    (1.22848053610687, -1.89878163130253e-17),
    (1.241857812073484, 4.658027591836937e-17),
    (1.255380757024691, -6.7113898212968784e-18),
    (1.2690509571917332, 2.667932131342186e-18),
    (1.2828700160787783, 1.713594918243561e-17),
    (1.2968395546510096, 2.5382502794888315e-17),
    (1.3109612115247644, -7.181536135519454e-17),
    (1.3252366431597413, -2.8587312100388614e-17),
    (1.339667524053303, 8.927282594831732e-17),
    (1.3542555469368927, 7.70094837980299e-17),
    (1.3690024229745905, 9.593797919118849e-17),
    (1.383909881963832, -6.770511658794786e-17),
    (1.3989796725383112, -9.614213209051323e-17),
    (1.4142135623730951, -9.667293313452913e-17),
    (1.42961333839197, -1.2031642489053655e-17),
    (1.4451808069770467, -3.0237581349939873e-17),
    (1.460917794180647, -5.600377186075216e-17),
    (1.4768261459394993, -3.483994556892796e-17),
    (1.4929077282912648, 1.4192920154284036e-17),
    (1.5091644275934228, -1.016455327754295e-16),
    (1.5255981507445384, -1.1024941712342561e-16),
    (1.5422108254079407, 7.949834809697621e-17),
    (1.559004400237837, 3.7812070533575275e-17),
    (1.5759808451078865, -1.0136916471278304e-17),
    (1.593142151342267, -1.0094406542311964e-16),
    (1.6104903319492543, 2.4707192569797888e-17),
    (1.6280274218573478, -6.712955084707084e-17),
    (1.645755478153965, -1.0125679913674773e-16),
    (1.6636765803267364, 5.8909926967131e-17),
    (1.681792830507429, 8.199010020581497e-17),
    (1.7001063537185235, -8.0237193703977e-18),
    (1.718619298122478, -1.851380418263111e-17),
    (1.7373338352737062, 3.164389299292957e-17),
    (1.7562521603732995, 2.960140695448873e-17),
    (1.7753764925265212, 6.429731796556572e-17),
    (1.7947090750031072, 1.8227458427912087e-17),
    (1.8142521755003989, -9.969531538920349e-17),
    (1.8340080864093424, 3.283107224245627e-17),
    (1.8539791250833855, 9.761887490727594e-17),
    (1.8741676341103, -6.122763413004143e-17),
    (1.8945759815869656, 3.4034035352165297e-17),
    (1.9152065613971474, -1.0619946056195963e-16),
    (1.9360617934922943, 1.0332385960676326e-16),
    (1.9571441241754002, 8.960767791036668e-17),
    (1.978456026387951, 4.0388753109278167e-17),
];

/// `e^x` for `|x| <= 700` only (results normal, far from overflow): the
/// table-driven method of Tang, `x = (64m + j) ln2/64 + r` with `|r| <=
/// ln2/128`, `e^x = 2^m · 2^(j/64) · e^r`, `e^r - 1` a degree-5 Taylor
/// polynomial (error below 4e-17), `2^(j/64)` from [`EXP2_64THS`], and 2^m
/// added to the exponent bits. Within one ulp, in about half the operations
/// of [`exp`].
#[inline(always)]
fn exp_moderate(x: f64) -> f64 {
    const L_HI: f64 = 0.010_830_424_696_223_417; // ln2/64, 36 bits
    const L_LO: f64 = 2.572_804_622_327_669e-14;
    const INV_L: f64 = 92.332_482_616_893_66;
    let shifted = x * INV_L + SHIFT;
    let k = shifted - SHIFT;
    let k_bits = shifted.to_bits().wrapping_sub(SHIFT.to_bits());
    let r = (x - k * L_HI) - k * L_LO; // k·L_HI is exact
    let z = r * r;
    let q = r + z * ((0.5 + r * (1.0 / 6.0)) + z * (1.0 / 24.0 + r * (1.0 / 120.0)));
    let (hi, lo) = EXP2_64THS[(k_bits & 63) as usize];
    let y = hi + (hi * q + lo);
    // m = ⌊k/64⌋, with k offset to keep the shift unsigned.
    let m = (k_bits.wrapping_add(1 << 20) >> 6).wrapping_sub(1 << 14);
    f64::from_bits(y.to_bits().wrapping_add(m << 52))
}

/// `x ← e^x` for every element (see [`exp`]). Slices whose values all lie
/// within ±700 (every use in the engine) take a faster, table-driven path
/// with the same accuracy.
pub fn exp_in_place(values: &mut [f64]) {
    dispatch!(exp_in_place(values: &mut [f64]) {
        // NaN fails the comparison, so it takes the general path too.
        let moderate = values.iter().fold(true, |ok, x| ok & (x.abs() <= 700.0));
        if moderate {
            for x in values.iter_mut() {
                *x = exp_moderate(*x);
            }
        } else {
            for x in values.iter_mut() {
                *x = exp(*x);
            }
        }
    })
}

/// `rows[m·c + i] ← scale[i] · e^rows[m·c + i]` for rows of `c =
/// scale.len()` values: [`exp_in_place`] and a product by a per-column
/// factor in one pass, with the same bits as the two done apart.
pub fn scaled_exp_in_place(rows: &mut [f64], scale: &[f64]) {
    assert!(!scale.is_empty() && rows.len().is_multiple_of(scale.len()));
    dispatch!(scaled_exp_in_place(rows: &mut [f64], scale: &[f64]) {
        let moderate = rows.iter().fold(true, |ok, x| ok & (x.abs() <= 700.0));
        for row in rows.chunks_exact_mut(scale.len()) {
            if moderate {
                for (x, s) in row.iter_mut().zip(scale) {
                    *x = exp_moderate(*x) * s;
                }
            } else {
                for (x, s) in row.iter_mut().zip(scale) {
                    *x = exp(*x) * s;
                }
            }
        }
    })
}

/// Standard normals from `2 ⌈n/2⌉` 64-bit draws, in order: `out[2i]` and
/// `out[2i+1]` come from `bits[2i]` and `bits[2i+1]` (see [`normal_pair`]).
/// `bits` must hold at least `out.len()` rounded up to even.
pub fn normals_from_bits(bits: &[u64], out: &mut [f64]) {
    assert!(bits.len() >= out.len().next_multiple_of(2));
    dispatch!(normals_from_bits(bits: &[u64], out: &mut [f64]) {
        let mut pairs = out.chunks_exact_mut(2);
        for (o, b) in (&mut pairs).zip(bits.chunks_exact(2)) {
            let (z0, z1) = normal_pair(b[0], b[1]);
            o[0] = z0;
            o[1] = z1;
        }
        let done = out.len() & !1;
        if let [last] = &mut out[done..] {
            *last = normal_pair(bits[done], bits[done + 1]).0;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place.
    fn ulps(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        let key = |x: f64| {
            let bits = x.to_bits() as i64;
            if bits < 0 { i64::MIN - bits } else { bits }
        };
        key(a).abs_diff(key(b))
    }

    /// A deterministic sweep of test points (no generator needed).
    fn points(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
        (0..n).map(move |i| {
            let t = (i as f64 + 0.5) / n as f64;
            // Irregular spacing, so points do not line up with table steps.
            let jitter = ((i as f64 * 0.618_033_988_749_894_9).fract() - 0.5) / n as f64;
            lo + (hi - lo) * (t + jitter)
        })
    }

    #[test]
    fn exp_is_within_one_ulp_of_libm() {
        let mut worst = 0;
        for x in points(-708.3, 709.78, 400_000).chain(points(-2.0, 2.0, 400_000)) {
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 1, "worst {worst} ulps");
        for x in [0.0, -0.0, 1e-300, -1e-300, 1.0, -1.0, 0.5 * LN2_HI] {
            assert!(ulps(exp(x), x.exp()) <= 1, "{x}");
        }
    }

    #[test]
    fn moderate_exp_is_within_one_ulp_of_libm() {
        let mut xs: Vec<f64> = points(-700.0, 700.0, 400_000)
            .chain(points(-1.0, 1.0, 400_000))
            .chain([0.0, -0.0, 700.0, -700.0, 1e-300])
            .collect();
        let expected: Vec<f64> = xs.iter().map(|x| x.exp()).collect();
        exp_in_place(&mut xs);
        let worst = xs.iter().zip(&expected).map(|(a, b)| ulps(*a, *b)).max();
        assert!(worst <= Some(1), "worst {worst:?} ulps");
        for (j, &(hi, lo)) in EXP2_64THS.iter().enumerate() {
            let exact = (j as f64 / 64.0).exp2();
            assert!(ulps(hi, exact) <= 1, "{j}");
            assert!(lo.abs() <= 0.5 * f64::EPSILON * hi, "{j}");
        }
        // A slice with one wide value goes the general way, and agrees.
        let mut mixed = [1.0, 701.0, -750.0, f64::NAN];
        exp_in_place(&mut mixed);
        assert_eq!(mixed[0], exp(1.0));
        assert_eq!(mixed[1], exp(701.0));
        assert_eq!(mixed[2], 0.0);
        assert!(mixed[3].is_nan());
    }

    #[test]
    fn exp_special_values() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(-746.0), 0.0);
        assert!(exp(-709.0) > 0.0 && exp(-709.0) < f64::MIN_POSITIVE);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert!(exp(709.78).is_finite());
        assert_eq!(exp(709.79), f64::INFINITY);
        assert_eq!(exp(-745.2), 0.0);
        assert!(exp(-745.1) > 0.0);
    }

    #[test]
    fn ln_is_within_one_ulp_of_libm() {
        let mut worst = 0;
        let wide = points(-700.0, 700.0, 200_000).map(f64::exp);
        let near_one = points(0.5, 2.0, 200_000);
        for x in wide.chain(near_one).chain([
            1.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            std::f64::consts::SQRT_2,
            2.0_f64.powi(-52),
        ]) {
            worst = worst.max(ulps(ln(x), x.ln()));
        }
        assert!(worst <= 1, "worst {worst} ulps");
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn sin_cos_turn_matches_libm() {
        let mut worst = 0.0_f64;
        for u in points(0.0, 1.0, 400_000).chain([0.0, 0.125, 0.25, 0.5, 0.75, 1.0]) {
            let (s, c) = sin_cos_turn(u);
            let angle = std::f64::consts::TAU * u;
            worst = worst
                .max((s - angle.sin()).abs())
                .max((c - angle.cos()).abs());
        }
        // The reference itself rounds 2πu, an error of up to 4.4e-16 in
        // the angle near a full turn.
        assert!(worst < 1e-15, "worst absolute error {worst}");
        assert_eq!(sin_cos_turn(0.0), (0.0, 1.0));
    }

    #[test]
    fn uniforms_cover_their_intervals() {
        assert_eq!(unit_closed_open(0), 0.0);
        assert_eq!(unit_closed_open(u64::MAX), 1.0 - 2.0_f64.powi(-52));
        assert_eq!(unit_open_closed(0), 1.0);
        assert_eq!(unit_open_closed(u64::MAX), 2.0_f64.powi(-52));
        assert_eq!(unit_53(0), 0.0);
        assert_eq!(unit_53(u64::MAX), 1.0 - 2.0_f64.powi(-53));
        // rand's f64 from the same bits.
        use rand::{Rng, RngExt, SeedableRng};
        let mut a = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let mut b = a.clone();
        for _ in 0..1000 {
            assert_eq!(unit_53(a.next_u64()).to_bits(), b.random::<f64>().to_bits());
        }
    }

    #[test]
    fn normals_have_the_moments_of_a_standard_normal() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(17);
        let n = 1_000_001; // odd: the last pair is half used
        let bits: Vec<u64> = (0..n + 1).map(|_| rng.next_u64()).collect();
        let mut z = vec![0.0; n];
        normals_from_bits(&bits, &mut z);
        let nf = n as f64;
        let mean = z.iter().sum::<f64>() / nf;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (nf - 1.0);
        let m4 = z.iter().map(|x| x.powi(4)).sum::<f64>() / nf;
        let below = z.iter().filter(|&&x| x < -1.959_963_984_540_054).count() as f64 / nf;
        // SEs: mean 1/√n, variance √(2/n), fourth moment √(96/n), tail √(p(1-p)/n).
        assert!(mean.abs() < 5.0 / nf.sqrt(), "mean {mean}");
        assert!(
            (var - 1.0).abs() < 5.0 * (2.0 / nf).sqrt(),
            "variance {var}"
        );
        assert!((m4 - 3.0).abs() < 5.0 * (96.0 / nf).sqrt(), "m4 {m4}");
        assert!(
            (below - 0.025).abs() < 5.0 * (0.025 * 0.975 / nf).sqrt(),
            "{below}"
        );
        assert!(z.iter().all(|x| x.abs() <= 8.5));
    }

    /// The AVX2 and baseline copies of a loop give the same bits.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn vector_and_scalar_loops_agree_bit_for_bit() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let bits: Vec<u64> = (0..10_002).map(|_| rng.next_u64()).collect();
        let mut batch = vec![0.0; 10_001];
        normals_from_bits(&bits, &mut batch);
        for (i, pair) in bits.chunks(2).enumerate() {
            if pair.len() == 2 {
                let (a, b) = normal_pair(pair[0], pair[1]);
                assert_eq!(batch[2 * i].to_bits(), a.to_bits());
                if 2 * i + 1 < batch.len() {
                    assert_eq!(batch[2 * i + 1].to_bits(), b.to_bits());
                }
            }
        }
        let xs: Vec<f64> = points(-750.0, 750.0, 10_000).collect();
        let mut ys = xs.clone();
        exp_in_place(&mut ys);
        for (x, y) in xs.iter().zip(&ys) {
            assert_eq!(exp(*x).to_bits(), y.to_bits(), "{x}");
        }
        let xs: Vec<f64> = points(-700.0, 700.0, 10_000).collect();
        let mut ys = xs.clone();
        exp_in_place(&mut ys);
        for (x, y) in xs.iter().zip(&ys) {
            assert_eq!(exp_moderate(*x).to_bits(), y.to_bits(), "{x}");
        }
        // Rows of 100 with a factor per column; then rows beyond ±700.
        let scale: Vec<f64> = points(0.5, 3e7, 100).collect();
        for range in [700.0, 750.0] {
            let xs: Vec<f64> = points(-range, range, 10_000).collect();
            let mut ys = xs.clone();
            scaled_exp_in_place(&mut ys, &scale);
            for (i, (x, y)) in xs.iter().zip(&ys).enumerate() {
                let want = if range <= 700.0 {
                    exp_moderate(*x)
                } else {
                    exp(*x)
                } * scale[i % 100];
                assert_eq!(want.to_bits(), y.to_bits(), "{x}");
            }
        }
    }
}
