//! Quantiles and empirical CDFs of simulated outcomes, exact or sketched.

use super::sketch::{LogSketch, SKETCH_RELATIVE_ACCURACY};

/// Where the type-7 quantile `q` of `n` ordered values falls: the 0-based
/// rank `⌊h⌋` of the lower order statistic and the fraction `h − ⌊h⌋` of the
/// way to the next, with `h = (n − 1) q`. `None` when `n == 0` or `q` is not
/// in `[0, 1]` (including NaN).
///
/// Shared by the exact and the sketched quantile so both use one definition.
pub(super) fn type7_position(n: u64, q: f64) -> Option<(u64, f64)> {
    if n == 0 || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = (n - 1) as f64 * q;
    let floor = h.floor();
    // `floor` lies in [0, n − 1], so the conversion is exact for any n the
    // engine can hold.
    Some((floor as u64, h - floor))
}

/// Linear interpolation `lo + frac (hi − lo)`, returning `lo` exactly when
/// `frac` is 0 or the two are equal, so that equal infinite order statistics
/// give that infinity rather than NaN.
pub(super) fn interpolate(lo: f64, hi: f64, frac: f64) -> f64 {
    if frac == 0.0 || lo == hi {
        lo
    } else {
        lo + frac * (hi - lo)
    }
}

/// The `q`-quantile of ascending `sorted` data by linear interpolation
/// between order statistics: Hyndman and Fan's type 7, the default of R and
/// NumPy, so reported quantiles can be checked against either.
///
/// With `h = (n − 1) q` the result is
/// `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋ + 1] − x[⌊h⌋])`; `q = 0` gives the minimum and
/// `q = 1` the maximum. Returns NaN for empty input or `q` outside `[0, 1]`.
/// The input must be sorted ascending and free of NaN (not checked).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let Some((rank, frac)) = type7_position(sorted.len() as u64, q) else {
        return f64::NAN;
    };
    // `rank` is at most `len − 1`, so it converts back to a valid index.
    let i = rank as usize;
    match sorted.get(i + 1) {
        Some(&next) => interpolate(sorted[i], next, frac),
        None => sorted[i],
    }
}

/// Fraction of ascending `sorted` values that are `<= x` (the empirical CDF),
/// found by binary search. Returns NaN for empty input or NaN `x`.
/// The input must be sorted ascending and free of NaN (not checked).
pub fn cdf_sorted(sorted: &[f64], x: f64) -> f64 {
    if sorted.is_empty() || x.is_nan() {
        return f64::NAN;
    }
    sorted.partition_point(|&v| v <= x) as f64 / sorted.len() as f64
}

/// How quantiles of the simulated outcomes are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QuantileMethod {
    /// Keep every value and sort: exact, memory grows with the path count.
    Exact,
    /// Log-bucketed [`LogSketch`]: within [`SKETCH_RELATIVE_ACCURACY`] of
    /// exact, memory set by the range of values, not their number.
    Sketch,
}

/// Collects values for quantiles, per block of paths, then merges blocks.
///
/// NaN values have no rank, so [`QuantileStore::push`] ignores them under
/// either method; both methods then answer from the same data.
#[derive(Clone, Debug)]
pub enum QuantileStore {
    /// Every value, in push and merge order until [`QuantileStore::finish`].
    Exact(Vec<f64>),
    /// Integer bucket counts; see [`LogSketch`].
    Sketch(LogSketch),
}

impl QuantileStore {
    /// An empty store; the sketch uses [`SKETCH_RELATIVE_ACCURACY`].
    pub fn new(method: QuantileMethod) -> Self {
        Self::with_capacity(method, 0)
    }

    /// An empty store with room for `n` values when exact (the sketch's size
    /// does not depend on the number of values, so `n` is then unused).
    pub fn with_capacity(method: QuantileMethod, n: usize) -> Self {
        match method {
            QuantileMethod::Exact => Self::Exact(Vec::with_capacity(n)),
            QuantileMethod::Sketch => Self::Sketch(LogSketch::new(SKETCH_RELATIVE_ACCURACY)),
        }
    }

    /// The method this store implements.
    pub fn method(&self) -> QuantileMethod {
        match self {
            Self::Exact(_) => QuantileMethod::Exact,
            Self::Sketch(_) => QuantileMethod::Sketch,
        }
    }

    /// Adds one value; NaN is ignored (see the type's docs).
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        match self {
            Self::Exact(values) => values.push(x),
            Self::Sketch(sketch) => sketch.push(x),
        }
    }

    /// Folds `other` into `self`.
    ///
    /// Exact stores append `other`'s values after their own; the order does
    /// not affect the finished quantiles, which sort. Sketches add their
    /// integer counts, which is exact and order-independent. Either way the
    /// finished result does not depend on how blocks were spread over threads.
    ///
    /// Both stores should use the same method; mixing them is a programming
    /// error, caught by a debug assertion. Release builds recover by putting
    /// the exact values into the sketch, so the result is a sketch.
    pub fn merge(&mut self, other: Self) {
        debug_assert_eq!(
            self.method(),
            other.method(),
            "merging different quantile methods"
        );
        match (&mut *self, other) {
            (Self::Exact(values), Self::Exact(more)) => values.extend(more),
            (Self::Sketch(sketch), Self::Sketch(more)) => sketch.merge(&more),
            (Self::Sketch(sketch), Self::Exact(more)) => {
                more.into_iter().for_each(|x| sketch.push(x));
            }
            (Self::Exact(values), Self::Sketch(mut sketch)) => {
                values.drain(..).for_each(|x| sketch.push(x));
                *self = Self::Sketch(sketch);
            }
        }
    }

    /// Number of values held (NaN excluded).
    pub fn count(&self) -> u64 {
        match self {
            Self::Exact(values) => values.len() as u64,
            Self::Sketch(sketch) => sketch.count(),
        }
    }

    /// Makes the store queryable. Exact values are sorted with
    /// [`f64::total_cmp`], a total order, so the result does not depend on
    /// the order values arrived in; any NaN placed directly into the
    /// [`QuantileStore::Exact`] variant is dropped here.
    pub fn finish(self) -> Quantiles {
        let inner = match self {
            Self::Exact(mut values) => {
                values.retain(|x| !x.is_nan());
                values.sort_unstable_by(f64::total_cmp);
                Finished::Exact(values)
            }
            Self::Sketch(sketch) => Finished::Sketch(sketch),
        };
        Quantiles { inner }
    }
}

/// Finished, queryable quantiles from a [`QuantileStore`].
///
/// Every query on an empty set of values returns NaN.
#[derive(Clone, Debug)]
pub struct Quantiles {
    inner: Finished,
}

#[derive(Clone, Debug)]
enum Finished {
    /// Sorted ascending, no NaN.
    Exact(Vec<f64>),
    Sketch(LogSketch),
}

impl Quantiles {
    /// The method the quantiles were computed with.
    pub fn method(&self) -> QuantileMethod {
        match self.inner {
            Finished::Exact(_) => QuantileMethod::Exact,
            Finished::Sketch(_) => QuantileMethod::Sketch,
        }
    }

    /// The type-7 `q`-quantile (see [`quantile_sorted`]); sketched quantiles
    /// are within [`SKETCH_RELATIVE_ACCURACY`] of it. NaN when empty or when
    /// `q` is outside `[0, 1]`.
    pub fn quantile(&self, q: f64) -> f64 {
        match &self.inner {
            Finished::Exact(sorted) => quantile_sorted(sorted, q),
            Finished::Sketch(sketch) => sketch.quantile(q),
        }
    }

    /// Fraction of values `<= x`; sketched, at bucket resolution (see
    /// [`LogSketch::cdf`]). NaN when empty or `x` is NaN.
    pub fn cdf(&self, x: f64) -> f64 {
        match &self.inner {
            Finished::Exact(sorted) => cdf_sorted(sorted, x),
            Finished::Sketch(sketch) => sketch.cdf(x),
        }
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        match &self.inner {
            Finished::Exact(sorted) => sorted.len() as u64,
            Finished::Sketch(sketch) => sketch.count(),
        }
    }

    /// Smallest value, exact under both methods; NaN when empty.
    pub fn min(&self) -> f64 {
        match &self.inner {
            Finished::Exact(sorted) => sorted.first().copied().unwrap_or(f64::NAN),
            Finished::Sketch(sketch) => sketch.min(),
        }
    }

    /// Largest value, exact under both methods; NaN when empty.
    pub fn max(&self) -> f64 {
        match &self.inner {
            Finished::Exact(sorted) => sorted.last().copied().unwrap_or(f64::NAN),
            Finished::Sketch(sketch) => sketch.max(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: [f64; 10] = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0];

    fn sorted(values: &[f64]) -> Vec<f64> {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn type7_matches_numpy() {
        // numpy.quantile([3,1,4,1,5,9,2,6,5,3], q), default method "linear".
        let s = sorted(&DATA);
        for (q, expected) in [
            (0.0, 1.0),
            (0.1, 1.0),
            (0.25, 2.25),
            (0.5, 3.5),
            (0.75, 5.0),
            (0.9, 6.3),
            (0.95, 7.65),
            (1.0, 9.0),
        ] {
            let actual = quantile_sorted(&s, q);
            assert!(
                (actual - expected).abs() < 1e-12,
                "q = {q}: {actual} vs {expected}"
            );
        }
    }

    #[test]
    fn quantile_edge_cases() {
        assert!(quantile_sorted(&[], 0.5).is_nan());
        assert_eq!(quantile_sorted(&[7.0], 0.0), 7.0);
        assert_eq!(quantile_sorted(&[7.0], 0.5), 7.0);
        assert_eq!(quantile_sorted(&[7.0], 1.0), 7.0);
        let s = sorted(&DATA);
        assert!(quantile_sorted(&s, -0.1).is_nan());
        assert!(quantile_sorted(&s, 1.1).is_nan());
        assert!(quantile_sorted(&s, f64::NAN).is_nan());
        let inf = [1.0, f64::INFINITY, f64::INFINITY];
        assert_eq!(quantile_sorted(&inf, 0.75), f64::INFINITY);
    }

    #[test]
    fn cdf_counts_values_at_or_below() {
        let s = sorted(&DATA);
        assert_eq!(cdf_sorted(&s, 0.0), 0.0);
        assert_eq!(cdf_sorted(&s, 1.0), 0.2);
        assert_eq!(cdf_sorted(&s, 4.5), 0.6);
        assert_eq!(cdf_sorted(&s, 5.0), 0.8);
        assert_eq!(cdf_sorted(&s, 9.0), 1.0);
        assert_eq!(cdf_sorted(&s, f64::INFINITY), 1.0);
        assert!(cdf_sorted(&[], 1.0).is_nan());
        assert!(cdf_sorted(&s, f64::NAN).is_nan());
    }

    #[test]
    fn exact_store_sorts_and_merges_in_any_order() {
        let mut a = QuantileStore::with_capacity(QuantileMethod::Exact, 5);
        let mut b = QuantileStore::new(QuantileMethod::Exact);
        DATA[..5].iter().for_each(|&x| a.push(x));
        DATA[5..].iter().for_each(|&x| b.push(x));
        let mut ab = a.clone();
        ab.merge(b.clone());
        let mut ba = b;
        ba.merge(a);
        assert_eq!(ab.count(), 10);
        let (ab, ba) = (ab.finish(), ba.finish());
        assert_eq!(ab.method(), QuantileMethod::Exact);
        for q in [0.0, 0.1, 0.25, 0.5, 0.9, 1.0] {
            assert_eq!(ab.quantile(q).to_bits(), ba.quantile(q).to_bits());
            assert_eq!(ab.quantile(q), quantile_sorted(&sorted(&DATA), q));
        }
        assert_eq!((ab.min(), ab.max(), ab.count()), (1.0, 9.0, 10));
        assert_eq!(ab.cdf(3.0), 0.5);
    }

    #[test]
    fn nan_is_ignored_by_both_methods() {
        for method in [QuantileMethod::Exact, QuantileMethod::Sketch] {
            let mut store = QuantileStore::new(method);
            store.push(f64::NAN);
            store.push(2.0);
            assert_eq!(store.count(), 1);
            let q = store.finish();
            assert_eq!(
                (q.count(), q.min(), q.max(), q.quantile(0.5)),
                (1, 2.0, 2.0, 2.0)
            );
        }
        let q = QuantileStore::Exact(vec![f64::NAN, 1.0, -f64::NAN, 3.0]).finish();
        assert_eq!(
            (q.count(), q.min(), q.max(), q.quantile(0.5)),
            (2, 1.0, 3.0, 2.0)
        );
    }

    #[test]
    fn empty_store_answers_nan() {
        for method in [QuantileMethod::Exact, QuantileMethod::Sketch] {
            let q = QuantileStore::new(method).finish();
            assert_eq!(q.method(), method);
            assert_eq!(q.count(), 0);
            assert!(q.quantile(0.5).is_nan());
            assert!(q.cdf(0.0).is_nan());
            assert!(q.min().is_nan() && q.max().is_nan());
        }
    }

    #[test]
    fn sketch_store_is_close_to_exact() {
        let values: Vec<f64> = (1..=1000_u32).map(|i| f64::from(i) * 1.5).collect();
        let mut exact = QuantileStore::new(QuantileMethod::Exact);
        let mut sketch = QuantileStore::new(QuantileMethod::Sketch);
        for &x in &values {
            exact.push(x);
            sketch.push(x);
        }
        let (exact, sketch) = (exact.finish(), sketch.finish());
        assert_eq!(sketch.method(), QuantileMethod::Sketch);
        assert_eq!(
            (sketch.count(), sketch.min(), sketch.max()),
            (1000, 1.5, 1500.0)
        );
        for q in [0.0, 0.01, 0.5, 0.99, 1.0] {
            let (e, s) = (exact.quantile(q), sketch.quantile(q));
            assert!(
                (s - e).abs() <= SKETCH_RELATIVE_ACCURACY * e * (1.0 + 1e-9),
                "q = {q}: {s} vs {e}"
            );
        }
        assert_eq!(sketch.cdf(0.0), 0.0);
        assert_eq!(sketch.cdf(1500.0), 1.0);
    }

    /// Mixing methods is a bug (debug assertion), but release builds must
    /// still give an answer from all the values.
    #[cfg(not(debug_assertions))]
    #[test]
    fn mixed_methods_merge_into_a_sketch() {
        let exact = |xs: &[f64]| QuantileStore::Exact(xs.to_vec());
        let sketch = |xs: &[f64]| {
            let mut s = QuantileStore::new(QuantileMethod::Sketch);
            xs.iter().for_each(|&x| s.push(x));
            s
        };
        let mut a = exact(&[1.0, 2.0]);
        a.merge(sketch(&[3.0, 4.0]));
        let mut b = sketch(&[3.0, 4.0]);
        b.merge(exact(&[1.0, 2.0]));
        for store in [a, b] {
            assert_eq!(store.method(), QuantileMethod::Sketch);
            let q = store.finish();
            assert_eq!((q.count(), q.min(), q.max()), (4, 1.0, 4.0));
        }
    }
}
