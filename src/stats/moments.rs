//! Online mean and variance (Welford), mergeable across blocks (Chan et al.).

/// Running count, mean and sum of squared deviations of a stream of values.
///
/// Values are folded in one at a time with Welford's update, which stays
/// accurate when the values are large and their spread small (revenue in the
/// millions that differs by cents), where the naive `Σx² − n·mean²` would
/// cancel catastrophically.
///
/// Accumulators built on separate blocks combine with [`Moments::merge`].
/// Floating-point merging is not associative, so the result depends on the
/// order of the merges: callers that want bit-identical results whatever the
/// thread count must merge per-block accumulators in a fixed order (block
/// index order), never in the order the blocks happen to finish.
///
/// A non-finite value makes the mean and variance non-finite from then on;
/// the accumulator does not filter its input.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Moments {
    count: u64,
    mean: f64,
    /// Sum of squared deviations from the running mean.
    m2: f64,
}

impl Moments {
    /// An empty accumulator (same as [`Moments::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value (Welford's update).
    pub fn push(&mut self, x: f64) {
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// The moments of a whole slice, in two passes: the mean, then the
    /// squared deviations from it. At least as accurate as pushing the
    /// values one by one (the two-pass variance is the reference Welford's
    /// update approximates), and several times faster, as both passes are
    /// sums the compiler vectorises. The result depends only on the values
    /// and their order. Combine slices with [`Moments::merge`].
    ///
    /// The mean is the first value plus the mean offset from it, so that
    /// equal values give that value and a variance of exactly zero, as
    /// pushing them would.
    pub fn from_slice(values: &[f64]) -> Moments {
        let Some(&first) = values.first() else {
            return Moments::default();
        };
        let count = values.len() as u64;
        let mean = first + lane_sum(values, |x| x - first) / count as f64;
        let m2 = lane_sum(values, |x| (x - mean) * (x - mean));
        Moments { count, mean, m2 }
    }

    /// Folds `other` into `self`, as if its values had been pushed here.
    ///
    /// Uses the pairwise formula of Chan, Golub and LeVeque. The result is a
    /// deterministic function of the two operands, so merging a fixed list of
    /// accumulators in a fixed order gives bit-identical results on every
    /// run; `a.merge(b)` and `b.merge(a)` may differ in the last bits.
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        let n_a = self.count as f64;
        let n_b = other.count as f64;
        let count = self.count + other.count;
        let n = count as f64;
        let delta = other.mean - self.mean;
        self.mean += delta * (n_b / n);
        self.m2 += other.m2 + delta * delta * (n_a * n_b / n);
        self.count = count;
    }

    /// Number of values pushed or merged in.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Arithmetic mean; NaN when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.mean }
    }

    /// Sample variance (divides by n − 1); NaN when fewer than two values.
    pub fn variance(&self) -> f64 {
        if self.count < 2 {
            f64::NAN
        } else {
            self.m2 / (self.count - 1) as f64
        }
    }

    /// Sample standard deviation; NaN when fewer than two values.
    pub fn sd(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Standard error of the mean, `sd / √n`; NaN when fewer than two values.
    pub fn std_error(&self) -> f64 {
        self.sd() / (self.count as f64).sqrt()
    }
}

/// `Σ f(x)` over `values` in a fixed order that vectorises: four running
/// sums over interleaved elements, then the remainder, combined as
/// `((s0 + s1) + (s2 + s3)) + rest`.
#[inline]
fn lane_sum(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut lanes = [0.0; 4];
    let mut chunks = values.chunks_exact(4);
    for chunk in &mut chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane += f(x);
        }
    }
    let rest: f64 = chunks
        .remainder()
        .iter()
        .map(|&x| f(x))
        .fold(0.0, |a, b| a + b);
    ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: &[f64]) -> Moments {
        let mut m = Moments::new();
        for &x in values {
            m.push(x);
        }
        m
    }

    fn two_pass(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
        (mean, ss / (n - 1.0))
    }

    fn assert_rel(actual: f64, expected: f64, tol: f64) {
        let err = (actual - expected).abs() / expected.abs();
        assert!(err <= tol, "{actual} vs {expected}: relative error {err}");
    }

    /// Deterministic, irregular test data without an RNG.
    fn data() -> Vec<f64> {
        (0..1000_u32)
            .map(|i| {
                let i = f64::from(i);
                1_000.0 + 250.0 * (i * 0.37).sin() + 0.01 * i * i
            })
            .collect()
    }

    #[test]
    fn textbook_example() {
        let m = of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(m.count(), 8);
        assert_eq!(m.mean(), 5.0);
        assert_rel(m.variance(), 32.0 / 7.0, 1e-15);
        assert_rel(m.sd(), (32.0_f64 / 7.0).sqrt(), 1e-15);
        assert_rel(m.std_error(), (32.0_f64 / 7.0 / 8.0).sqrt(), 1e-15);
    }

    #[test]
    fn agrees_with_two_pass() {
        let values = data();
        let (mean, variance) = two_pass(&values);
        let m = of(&values);
        assert_rel(m.mean(), mean, 1e-13);
        assert_rel(m.variance(), variance, 1e-12);
    }

    /// A large offset with a small spread: Welford keeps the variance, where
    /// `Σx² − n·mean²` would lose every digit.
    #[test]
    fn large_offset_keeps_variance() {
        let m = of(&[1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0]);
        assert_eq!(m.mean(), 1e9 + 10.0);
        assert_rel(m.variance(), 30.0, 1e-12);
    }

    #[test]
    fn merge_of_split_equals_whole() {
        let values = data();
        let whole = of(&values);
        for split in [0, 1, 7, 500, 999, 1000] {
            let (left, right) = values.split_at(split);
            let mut merged = of(left);
            merged.merge(&of(right));
            assert_eq!(merged.count(), whole.count());
            assert_rel(merged.mean(), whole.mean(), 1e-12);
            assert_rel(merged.variance(), whole.variance(), 1e-12);
        }
    }

    #[test]
    fn from_slice_agrees_with_pushing() {
        let values = data();
        let pushed = of(&values);
        for len in [0, 1, 2, 3, 5, 8, 999, 1000] {
            let slice = Moments::from_slice(&values[..len]);
            let one_by_one = of(&values[..len]);
            assert_eq!(slice.count(), one_by_one.count());
            if len > 0 {
                assert_rel(slice.mean(), one_by_one.mean(), 1e-13);
            }
            if len > 1 {
                assert_rel(slice.variance(), one_by_one.variance(), 1e-12);
            }
        }
        let (mean, variance) = two_pass(&values);
        let all = Moments::from_slice(&values);
        assert_rel(all.mean(), mean, 1e-15);
        assert_rel(all.variance(), variance, 1e-14);
        assert_rel(all.variance(), pushed.variance(), 1e-12);
        // Equal values: their value, and no spread at all.
        let same = Moments::from_slice(&[4.8; 1000]);
        assert_eq!((same.mean(), same.variance()), (4.8, 0.0));
        // Large offset, small spread: as exact as Welford.
        let m = Moments::from_slice(&[1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0]);
        assert_eq!(m.mean(), 1e9 + 10.0);
        assert_eq!(m.variance(), 30.0);
    }

    #[test]
    fn merge_in_fixed_order_is_reproducible() {
        let values = data();
        let merge_all = || {
            let mut total = Moments::new();
            for chunk in values.chunks(97) {
                total.merge(&of(chunk));
            }
            total
        };
        let (a, b) = (merge_all(), merge_all());
        assert_eq!(a.mean().to_bits(), b.mean().to_bits());
        assert_eq!(a.variance().to_bits(), b.variance().to_bits());
    }

    #[test]
    fn empty_and_single_value_are_nan_where_undefined() {
        let empty = Moments::new();
        assert_eq!(empty.count(), 0);
        assert!(empty.mean().is_nan());
        assert!(empty.variance().is_nan());
        assert!(empty.std_error().is_nan());

        let one = of(&[3.5]);
        assert_eq!(one.mean(), 3.5);
        assert!(one.variance().is_nan());
        assert!(one.sd().is_nan());
        assert!(one.std_error().is_nan());
    }
}
