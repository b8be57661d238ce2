//! A mergeable quantile sketch with a relative-error guarantee.

use std::collections::VecDeque;
use std::iter;

use super::quantiles::{interpolate, type7_position};

/// Relative accuracy of the sketch used by [`QuantileMethod::Sketch`].
///
/// This is the contract: every quantile the sketch returns is within 0.1%
/// relative error of the exact type-7 quantile (see
/// [`quantile_sorted`]) of the same data, up to floating-point rounding.
/// Two refinements, both documented on [`LogSketch::quantile`]: values with
/// magnitude below [`SKETCH_ZERO_THRESHOLD`] are held as zero (absolute
/// error below the threshold), and a quantile interpolated between a
/// negative and a positive order statistic is within 0.1% of the larger of
/// their magnitudes rather than of the (near-zero) result.
///
/// [`QuantileMethod::Sketch`]: super::QuantileMethod::Sketch
/// [`quantile_sorted`]: super::quantile_sorted
pub const SKETCH_RELATIVE_ACCURACY: f64 = 0.001;

/// Values with magnitude below this are counted as zero by [`LogSketch`].
///
/// Logarithmic buckets cannot reach zero, and a bucket for every power of
/// `γ` down to the smallest subnormal would waste memory on magnitudes that
/// mean nothing for revenue (a billionth of a currency unit). Such values
/// are reported as 0 — or as the exact minimum or maximum when that is
/// closer — so their absolute error is below this threshold.
pub const SKETCH_ZERO_THRESHOLD: f64 = 1e-9;

/// A log-bucketed histogram (DDSketch) for quantiles with bounded relative
/// error in memory that depends on the range of the values, not their count.
///
/// With relative accuracy `a` and `γ = (1 + a) / (1 − a)`, buckets are
/// slices of the logarithmic scale no wider than `ln γ`, so that a bucket
/// `(lo, hi]` has `hi / lo <= γ`, and its representative value
/// `2 lo hi / (lo + hi)` is within relative error `(hi − lo) / (hi + lo)
/// <= a` of everything in it. Negative values are bucketed by magnitude in a
/// second store; values with magnitude below [`SKETCH_ZERO_THRESHOLD`] and
/// infinities are counted on their own. The exact minimum and maximum are
/// tracked as well.
///
/// The logarithm is not computed: a positive `x = 2^e (1 + s)`, `s` in
/// `[0, 1)`, is placed by `L(x) = e + P(s)` with the cubic
/// `P(s) = (6/35) s³ − (3/5) s² + (10/7) s` (DDSketch's cubically
/// interpolated mapping), read straight from the bits of `x`. `L` is
/// continuous and increasing, and `dL / d(ln x) = P'(s)(1 + s)` is at least
/// `10/7`, so buckets `i = round(L(x) · m)` with `m = 7 / (10 ln γ)` are at
/// most `ln γ` wide: the guarantee above holds exactly, with about 1% more
/// buckets than exact logarithms would need, at a fraction of the cost.
///
/// Each store is a dense run of counts starting at an index offset, and
/// grows at either end as new buckets are reached. Memory is 8 bytes per
/// bucket between the smallest and largest magnitude seen, that is
/// `1.01 ln(max / min) / ln γ ≈ ln(max / min) / 2a` buckets, plus at most
/// about 25% slack. Simulated outcomes span a narrow range, so stores stay
/// small: 10 million lognormal values with σ = 1 span about 5 700 buckets
/// (45 KiB) at `a = 0.001`. A run from 1e−6 to 1e15 spans about 24 500
/// (195 KiB), and the extreme of 1e−9 to `f64::MAX` about 368 000 (2.9 MiB).
///
/// NaN values have no rank: they are counted separately
/// ([`LogSketch::nan_count`]) and excluded from [`LogSketch::count`] and
/// from every quantile.
///
/// Only integer counts are stored (plus the exact minimum and maximum,
/// combined by a total order). Merging therefore adds integers, which is
/// exact, associative and commutative: a sketch built from blocks of values
/// equals ([`PartialEq`]) the sketch of all the values, whatever the
/// grouping and order of merges. That is what makes sketched quantiles
/// bit-identical across thread counts.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogSketch {
    relative_accuracy: f64,
    /// Buckets per unit of the approximate base-2 logarithm `L`.
    multiplier: f64,
    /// Positive values above the zero threshold, by bucket of `x`.
    positive: Store,
    /// Negative values below minus the zero threshold, by bucket of `|x|`.
    negative: Store,
    zero: u64,
    negative_infinity: u64,
    positive_infinity: u64,
    nan: u64,
    /// All values except NaN.
    count: u64,
    /// Smallest value by [`f64::total_cmp`]; `+∞` while empty.
    min: f64,
    /// Largest value by [`f64::total_cmp`]; `−∞` while empty.
    max: f64,
}

impl LogSketch {
    /// An empty sketch whose quantiles are within `relative_accuracy` of
    /// exact. Memory grows as `1 / relative_accuracy`.
    ///
    /// # Panics
    ///
    /// If `relative_accuracy` is not strictly between 0 and 1. It is a
    /// constant chosen by the program (normally
    /// [`SKETCH_RELATIVE_ACCURACY`]), never user input.
    pub fn new(relative_accuracy: f64) -> Self {
        assert!(
            relative_accuracy > 0.0 && relative_accuracy < 1.0,
            "relative accuracy must be in (0, 1), got {relative_accuracy}"
        );
        Self {
            relative_accuracy,
            // 7 / (10 ln γ), with ln γ = ln((1 + a) / (1 − a)) accurate for
            // small a; rounded down a hair so buckets are never too wide.
            multiplier: 0.7 / (relative_accuracy.ln_1p() - (-relative_accuracy).ln_1p())
                * (1.0 - 1e-12),
            positive: Store::default(),
            negative: Store::default(),
            zero: 0,
            negative_infinity: 0,
            positive_infinity: 0,
            nan: 0,
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds one value. NaN is counted in [`LogSketch::nan_count`] only.
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            self.nan += 1;
            return;
        }
        self.track_extremes(x, x);
        self.insert(x, 1);
    }

    /// Adds `other`'s values to `self`, exactly: the result equals the
    /// sketch of both sets of values, in either order.
    ///
    /// Both sketches should have the same relative accuracy; merging
    /// sketches of different accuracy is a programming error, caught by a
    /// debug assertion. Release builds recover by re-inserting `other`'s
    /// representative values, which can add `other`'s error to `self`'s.
    pub fn merge(&mut self, other: &LogSketch) {
        debug_assert_eq!(
            self.relative_accuracy, other.relative_accuracy,
            "merging sketches of different accuracy"
        );
        self.nan += other.nan;
        if other.count == 0 {
            return;
        }
        self.track_extremes(other.min, other.max);
        if self.relative_accuracy == other.relative_accuracy {
            self.positive.merge(&other.positive);
            self.negative.merge(&other.negative);
            self.zero += other.zero;
            self.negative_infinity += other.negative_infinity;
            self.positive_infinity += other.positive_infinity;
            self.count += other.count;
        } else {
            for (value, n) in other.buckets() {
                self.insert(value, n);
            }
        }
    }

    /// Number of values held, NaN excluded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Number of NaN values pushed (or merged in); they are not in
    /// [`LogSketch::count`].
    pub fn nan_count(&self) -> u64 {
        self.nan
    }

    /// Smallest value, exact; NaN when empty.
    pub fn min(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.min }
    }

    /// Largest value, exact; NaN when empty.
    pub fn max(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.max }
    }

    /// The type-7 `q`-quantile, approximated; NaN when empty or when `q` is
    /// outside `[0, 1]`.
    ///
    /// Same definition as [`quantile_sorted`]: with `h = (n − 1) q`, the
    /// order statistics of rank `⌊h⌋` and `⌊h⌋ + 1` are interpolated. Each
    /// is found by rank and approximated by its bucket's representative
    /// value, clamped to the exact minimum and maximum (ranks 0 and `n − 1`
    /// are the exact minimum and maximum). Each approximation is within
    /// relative error `a` of the true order statistic, so the result is
    /// within `a · ((1 − f)|x₀| + f|x₁|)` of the exact quantile, where `x₀`,
    /// `x₁` are the two order statistics and `f = h − ⌊h⌋`. When they have
    /// the same sign that is `a` times the exact quantile's magnitude. For
    /// magnitudes below [`SKETCH_ZERO_THRESHOLD`], the error is absolute,
    /// below the threshold.
    ///
    /// [`quantile_sorted`]: super::quantile_sorted
    pub fn quantile(&self, q: f64) -> f64 {
        let Some((rank, frac)) = type7_position(self.count, q) else {
            return f64::NAN;
        };
        interpolate(self.value_at_rank(rank), self.value_at_rank(rank + 1), frac)
    }

    /// Approximate fraction of values `<= x`; NaN when empty or `x` is NaN.
    ///
    /// Exact below the minimum (0) and from the maximum up (1). In between,
    /// a value counts when its bucket's representative is `<= x`, so only
    /// values within relative error `a` of `x` can be misclassified: the
    /// result lies between the exact fraction of values `v` with
    /// `v + a|v| <= x` and that of values with `v − a|v| <= x`.
    pub fn cdf(&self, x: f64) -> f64 {
        if self.count == 0 || x.is_nan() {
            return f64::NAN;
        }
        if x < self.min {
            return 0.0;
        }
        if x >= self.max {
            return 1.0;
        }
        let at_or_below: u64 = self
            .buckets()
            .take_while(|&(value, _)| value <= x)
            .map(|(_, n)| n)
            .sum();
        at_or_below as f64 / self.count as f64
    }

    /// Whether this sketch could have been built by this program: the
    /// standard accuracy and bucket mapping, buckets within the range any
    /// finite value maps to, and counts that add up. A sketch read from a
    /// file is checked with this before it is merged, so that a damaged
    /// or foreign one is refused rather than trusted.
    pub fn is_consistent(&self) -> bool {
        let fresh = LogSketch::new(SKETCH_RELATIVE_ACCURACY);
        // Every finite magnitude maps to a bucket within about ±370,000.
        let limit = 2 * (1100.0 * fresh.multiplier) as i64;
        let in_range = |store: &Store| {
            store.counts.is_empty()
                || (store.offset.abs() <= limit
                    && store.offset + store.counts.len() as i64 <= limit)
        };
        let buckets = self
            .positive
            .counts
            .iter()
            .chain(&self.negative.counts)
            .chain([&self.zero, &self.negative_infinity, &self.positive_infinity])
            .try_fold(0u64, |sum, &n| sum.checked_add(n));
        self.relative_accuracy.to_bits() == fresh.relative_accuracy.to_bits()
            && self.multiplier.to_bits() == fresh.multiplier.to_bits()
            && in_range(&self.positive)
            && in_range(&self.negative)
            && buckets == Some(self.count)
            && !self.min.is_nan()
            && !self.max.is_nan()
    }

    /// Heap memory held by the bucket stores, in bytes (allocated capacity,
    /// which may exceed what is in use).
    pub fn heap_bytes(&self) -> usize {
        self.positive.heap_bytes() + self.negative.heap_bytes()
    }

    /// Widens the tracked extremes to include `[lo, hi]`. Uses the total
    /// order so that, for example, −0.0 and +0.0 resolve the same way
    /// whatever the order of pushes and merges.
    fn track_extremes(&mut self, lo: f64, hi: f64) {
        if lo.total_cmp(&self.min).is_lt() {
            self.min = lo;
        }
        if hi.total_cmp(&self.max).is_gt() {
            self.max = hi;
        }
    }

    /// Counts `n` copies of the non-NaN `x` (the extremes are the caller's).
    fn insert(&mut self, x: f64, n: u64) {
        self.count += n;
        if x == f64::INFINITY {
            self.positive_infinity += n;
        } else if x == f64::NEG_INFINITY {
            self.negative_infinity += n;
        } else if x.abs() < SKETCH_ZERO_THRESHOLD {
            self.zero += n;
        } else if x > 0.0 {
            self.positive.add(self.bucket_index(x), n);
        } else {
            self.negative.add(self.bucket_index(-x), n);
        }
    }

    /// Bucket of a finite magnitude at or above the zero threshold:
    /// `round(L(x) · m)`, at most about `1024 m ≈ 360 000` in magnitude.
    #[inline(always)]
    fn bucket_index(&self, magnitude: f64) -> i64 {
        i64::from(round_to_i32(approximate_log2(magnitude) * self.multiplier))
    }

    /// The edges of bucket `index`, which holds the `x` with `L(x) · m`
    /// nearest to `index` (ties to even).
    fn edges(&self, index: i64) -> (f64, f64) {
        (
            inverse_log2((index as f64 - 0.5) / self.multiplier),
            inverse_log2((index as f64 + 0.5) / self.multiplier),
        )
    }

    /// Representative magnitude of bucket `index`: `2 lo hi / (lo + hi)` of
    /// its edges. May overflow to infinity in the top bucket; callers clamp
    /// to the extremes.
    fn representative(&self, index: i64) -> f64 {
        let (lo, hi) = self.edges(index);
        2.0 * lo / (lo + hi) * hi
    }

    /// Adds every value of `values`, exactly as pushing them one by one
    /// would, but in tight passes that the compiler vectorises when they are
    /// all positive (the common case for revenue) or all (near) zero.
    pub fn push_slice(&mut self, values: &[f64]) {
        let positive = |x: f64| (SKETCH_ZERO_THRESHOLD..f64::INFINITY).contains(&x);
        if values.iter().fold(true, |all, &x| all & positive(x)) {
            self.push_positive(values);
        } else if values
            .iter()
            .fold(true, |all, &x| all & (x.abs() < SKETCH_ZERO_THRESHOLD))
        {
            for &x in values {
                self.track_extremes(x, x);
            }
            self.zero += values.len() as u64;
            self.count += values.len() as u64;
        } else {
            values.iter().for_each(|&x| self.push(x));
        }
    }

    /// [`LogSketch::push_slice`] for values that are all finite and at
    /// least the zero threshold: bucket indices a chunk at a time, then the
    /// counts.
    fn push_positive(&mut self, values: &[f64]) {
        let Some(&first) = values.first() else {
            return;
        };
        let (lo, hi) = values.iter().fold((first, first), |(lo, hi), &x| {
            (if x < lo { x } else { lo }, if x > hi { x } else { hi })
        });
        self.track_extremes(lo, hi);
        self.count += values.len() as u64;
        let mut indices = [0i32; 256];
        let mut local = [[0u32; LOCAL_SPAN]; 4];
        for chunk in values.chunks(indices.len()) {
            let indices = &mut indices[..chunk.len()];
            bucket_indices(self.multiplier, chunk, indices);
            let (first, last) = indices
                .iter()
                .fold((i32::MAX, i32::MIN), |(a, b), &i| (a.min(i), b.max(i)));
            self.positive.cover(i64::from(first), i64::from(last));
            let offset = self.positive.offset;
            let counts = self.positive.counts.make_contiguous();
            let span = (last - first) as usize + 1;
            if span > LOCAL_SPAN {
                for &i in indices.iter() {
                    counts[(i64::from(i) - offset) as usize] += 1;
                }
                continue;
            }
            // Revenue often falls in a handful of buckets, and adding to one
            // counter over and over waits on each previous addition: count
            // in four interleaved local tables instead, then add them up.
            for (k, &i) in indices.iter().enumerate() {
                local[k & 3][(i - first) as usize] += 1;
            }
            let start = (i64::from(first) - offset) as usize;
            for (j, count) in counts[start..start + span].iter_mut().enumerate() {
                *count += u64::from(local[0][j] + local[1][j] + local[2][j] + local[3][j]);
            }
            local.iter_mut().for_each(|l| l[..span].fill(0));
        }
    }

    /// Non-empty buckets in ascending order of value, as (representative
    /// value clamped to the exact extremes, count).
    fn buckets(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let negative = self
            .negative
            .iter()
            .rev()
            .map(|(index, n)| (-self.representative(index), n));
        let positive = self
            .positive
            .iter()
            .map(|(index, n)| (self.representative(index), n));
        iter::once((f64::NEG_INFINITY, self.negative_infinity))
            .chain(negative)
            .chain(iter::once((0.0, self.zero)))
            .chain(positive)
            .chain(iter::once((f64::INFINITY, self.positive_infinity)))
            .filter(|&(_, n)| n > 0)
            .map(|(value, n)| (value.max(self.min).min(self.max), n))
    }

    /// Approximate order statistic of 0-based `rank`; the caller ensures
    /// the sketch is not empty. Ranks 0 and `count − 1` (or beyond) are the
    /// exact extremes.
    fn value_at_rank(&self, rank: u64) -> f64 {
        if rank == 0 {
            return self.min;
        }
        if rank + 1 >= self.count {
            return self.max;
        }
        let mut seen = 0;
        self.buckets()
            .find(|&(_, n)| {
                seen += n;
                seen > rank
            })
            // Every rank below `count` lies in some bucket.
            .map_or(self.max, |(value, _)| value)
    }
}

/// `L(x) = e + P(s)` for `x = 2^e (1 + s)` (see [`LogSketch`]), for a
/// positive normal finite `x`: a continuous, increasing stand-in for
/// `log2 x`, exact at powers of two.
#[inline(always)]
fn approximate_log2(x: f64) -> f64 {
    const A: f64 = 6.0 / 35.0;
    const B: f64 = -3.0 / 5.0;
    const C: f64 = 10.0 / 7.0;
    let bits = x.to_bits();
    // The biased exponent, as a float, exactly.
    let e =
        f64::from_bits((bits >> 52) | 0x4330_0000_0000_0000) - (4_503_599_627_370_496.0 + 1023.0);
    let s = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000) - 1.0;
    e + ((A * s + B) * s + C) * s
}

/// The `x` with `L(x) = t`, by Newton's method on the cubic (which is
/// increasing with slope at least 5/7 on `[0, 1]`, so six steps from `s =
/// frac(t)` reach full precision). Used only when answering queries.
fn inverse_log2(t: f64) -> f64 {
    let e = t.floor();
    let y = t - e;
    let mut s = y;
    for _ in 0..6 {
        let p = ((6.0 / 35.0 * s - 3.0 / 5.0) * s + 10.0 / 7.0) * s;
        let slope = (18.0 / 35.0 * s - 6.0 / 5.0) * s + 10.0 / 7.0;
        s = (s - (p - y) / slope).clamp(0.0, 1.0);
    }
    // 2^e in two steps, so that e = 1024 (the top bucket's edge) gives
    // infinity rather than a wrong finite value.
    let half = (e / 2.0).floor();
    (1.0 + s) * 2.0_f64.powi(half as i32) * 2.0_f64.powi((e - half) as i32)
}

/// Widest run of buckets that one chunk of [`LogSketch::push_slice`]
/// counts in local tables.
const LOCAL_SPAN: usize = 64;

/// `v` rounded to the nearest integer (ties to even), for `|v|` below
/// 2^31: adding 1.5 · 2^52 rounds it and leaves the integer in the low bits.
#[inline(always)]
fn round_to_i32(v: f64) -> i32 {
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    (v + SHIFT).to_bits().wrapping_sub(SHIFT.to_bits()) as i32
}

/// Bucket indices of a chunk of values (meaningful for the positive ones).
fn bucket_indices(multiplier: f64, values: &[f64], out: &mut [i32]) {
    crate::math::dispatch!(bucket_indices(multiplier: f64, values: &[f64], out: &mut [i32]) {
        for (o, &x) in out.iter_mut().zip(values) {
            *o = round_to_i32(approximate_log2(x) * multiplier);
        }
    })
}

/// Dense counts for consecutive bucket indices `offset, offset + 1, …`.
///
/// Invariant: either empty with offset 0, or the first and last counts are
/// non-zero. The layout is thus determined by the set of non-empty buckets
/// alone, so equal contents compare equal however they were built. A
/// `VecDeque` grows at the front in amortised constant time, which a `Vec`
/// cannot.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Store {
    offset: i64,
    counts: VecDeque<u64>,
}

impl Store {
    /// Adds `n > 0` to bucket `index`, growing the run to reach it.
    fn add(&mut self, index: i64, n: u64) {
        if self.counts.is_empty() {
            self.offset = index;
            self.counts.push_back(n);
            return;
        }
        self.cover(index, index);
        let position = self.position(index);
        self.counts[position] += n;
    }

    /// Adds every count of `other`.
    fn merge(&mut self, other: &Store) {
        let Some(last) = other.last_index() else {
            return;
        };
        if self.counts.is_empty() {
            self.clone_from(other);
            return;
        }
        self.cover(other.offset, last);
        let start = self.position(other.offset);
        for (slot, n) in self.counts.range_mut(start..).zip(&other.counts) {
            *slot += n;
        }
    }

    /// Extends the run with zeros to span `lo..=hi`. An empty store becomes
    /// a run of zeros, which the caller must make non-zero at both ends.
    fn cover(&mut self, lo: i64, hi: i64) {
        if self.counts.is_empty() {
            self.offset = lo;
            self.counts.resize((hi - lo + 1) as usize, 0);
            return;
        }
        if lo < self.offset {
            let extra = (self.offset - lo) as usize;
            self.reserve(extra);
            for _ in 0..extra {
                self.counts.push_front(0);
            }
            self.offset = lo;
        }
        if let Some(last) = self.last_index()
            && hi > last
        {
            let extra = (hi - last) as usize;
            self.reserve(extra);
            self.counts.resize(self.counts.len() + extra, 0);
        }
    }

    /// Makes room for `extra` more buckets, growing by at least a quarter:
    /// still amortised constant time per bucket, but at most about 25% of
    /// the capacity is slack, where the default doubling can leave 50%.
    fn reserve(&mut self, extra: usize) {
        let len = self.counts.len();
        if len + extra > self.counts.capacity() {
            self.counts.reserve_exact(extra.max(len / 4));
        }
    }

    /// Position in `counts` of an index inside the run.
    fn position(&self, index: i64) -> usize {
        (index - self.offset) as usize
    }

    fn last_index(&self) -> Option<i64> {
        let len = self.counts.len() as i64;
        (len > 0).then(|| self.offset + len - 1)
    }

    /// (index, count) for every bucket in the run, ascending.
    fn iter(&self) -> impl DoubleEndedIterator<Item = (i64, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .map(|(k, &n)| (self.offset + k as i64, n))
    }

    fn heap_bytes(&self) -> usize {
        self.counts.capacity() * size_of::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::quantile_sorted;
    use rand::{RngExt, SeedableRng};
    use rand_distr::{Distribution, LogNormal, Normal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    const A: f64 = SKETCH_RELATIVE_ACCURACY;
    const QS: [f64; 11] = [
        0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999,
    ];

    fn rng(seed: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(seed)
    }

    fn lognormal(n: usize, seed: u64) -> Vec<f64> {
        let dist = LogNormal::new(12.0, 1.0).expect("valid lognormal parameters");
        dist.sample_iter(rng(seed)).take(n).collect()
    }

    fn sketch_of(values: &[f64]) -> LogSketch {
        let mut sketch = LogSketch::new(A);
        values.iter().for_each(|&x| sketch.push(x));
        sketch
    }

    fn sorted(values: &[f64]) -> Vec<f64> {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        v
    }

    /// Checks the documented bound `a ((1 − f)|x₀| + f|x₁|)` (plus the zero
    /// threshold and a hair for rounding) at every q in `qs`.
    fn assert_quantiles_within_bound(values: &[f64], sketch: &LogSketch, qs: &[f64]) {
        let s = sorted(values);
        for &q in qs {
            let h = (s.len() - 1) as f64 * q;
            let (i, f) = (h.floor() as usize, h - h.floor());
            let (x0, x1) = (s[i], s[(i + 1).min(s.len() - 1)]);
            let bound =
                A * ((1.0 - f) * x0.abs() + f * x1.abs()) * (1.0 + 1e-9) + SKETCH_ZERO_THRESHOLD;
            let (exact, approx) = (quantile_sorted(&s, q), sketch.quantile(q));
            assert!(
                (approx - exact).abs() <= bound,
                "q = {q}: sketch {approx}, exact {exact}, bound {bound}"
            );
        }
    }

    #[test]
    fn lognormal_quantiles_within_relative_accuracy() {
        let values = lognormal(100_000, 1);
        let sketch = sketch_of(&values);
        let s = sorted(&values);
        assert_eq!(sketch.count(), 100_000);
        for q in QS {
            let (exact, approx) = (quantile_sorted(&s, q), sketch.quantile(q));
            let relative = (approx - exact).abs() / exact.abs();
            assert!(
                relative <= A * (1.0 + 1e-9),
                "q = {q}: {approx} vs {exact}, {relative}"
            );
        }
        assert_eq!(sketch.quantile(0.0), s[0]);
        assert_eq!(sketch.quantile(1.0), s[s.len() - 1]);
    }

    #[test]
    fn zeros_and_negatives_within_relative_accuracy() {
        let dist = Normal::new(0.0, 1000.0).expect("valid normal parameters");
        let values: Vec<f64> = dist
            .sample_iter(rng(2))
            .take(100_000)
            .enumerate()
            .map(|(i, x)| if i % 5 == 0 { 0.0 } else { x })
            .collect();
        let sketch = sketch_of(&values);
        let mut qs = QS.to_vec();
        qs.extend([0.0, 0.45, 0.55, 1.0]);
        assert_quantiles_within_bound(&values, &sketch, &qs);
        // The median is 0: a fifth of the values are exactly zero.
        assert_eq!(sketch.quantile(0.5), 0.0);
    }

    #[test]
    fn merge_of_halves_equals_sketch_of_all() {
        let values = lognormal(100_000, 3);
        let (first, second) = values.split_at(50_000);
        let mut merged = sketch_of(first);
        merged.merge(&sketch_of(second));
        assert_eq!(merged, sketch_of(&values));
    }

    #[test]
    fn merge_order_does_not_matter() {
        let dist = Normal::new(100.0, 400.0).expect("valid normal parameters");
        let values: Vec<f64> = dist.sample_iter(rng(4)).take(40_000).collect();
        let parts: Vec<LogSketch> = values.chunks(10_000).map(sketch_of).collect();
        let merge = |order: &[usize]| {
            let mut total = LogSketch::new(A);
            for &i in order {
                total.merge(&parts[i]);
            }
            total
        };
        let forward = merge(&[0, 1, 2, 3]);
        assert_eq!(forward, merge(&[3, 2, 1, 0]));
        assert_eq!(forward, merge(&[2, 0, 3, 1]));
        // Pairwise, as a tree reduction would.
        let mut left = parts[0].clone();
        left.merge(&parts[1]);
        let mut right = parts[2].clone();
        right.merge(&parts[3]);
        right.merge(&left);
        assert_eq!(forward, right);
        assert_eq!(forward, sketch_of(&values));
    }

    #[test]
    fn empty_sketch_is_nan() {
        let mut sketch = LogSketch::new(A);
        sketch.merge(&LogSketch::new(A));
        assert_eq!(sketch.count(), 0);
        for q in [0.0, 0.5, 1.0] {
            assert!(sketch.quantile(q).is_nan());
        }
        assert!(sketch.cdf(0.0).is_nan());
        assert!(sketch.min().is_nan() && sketch.max().is_nan());
        assert_eq!(sketch.heap_bytes(), 0);
    }

    #[test]
    fn single_value_is_exact() {
        for x in [1234.567, -0.25, 0.0, 1e-12] {
            let sketch = sketch_of(&[x]);
            for q in [0.0, 0.3, 0.5, 1.0] {
                assert_eq!(sketch.quantile(q), x);
            }
            assert_eq!((sketch.min(), sketch.max(), sketch.count()), (x, x, 1));
            assert_eq!(sketch.cdf(x), 1.0);
            assert_eq!(sketch.cdf(x - 1.0), 0.0);
        }
    }

    #[test]
    fn quantile_outside_unit_interval_is_nan() {
        let sketch = sketch_of(&[1.0, 2.0, 3.0]);
        for q in [-0.01, 1.01, f64::NAN, f64::INFINITY] {
            assert!(sketch.quantile(q).is_nan());
        }
    }

    #[test]
    fn values_spanning_1e_minus_6_to_1e15() {
        let mut r = rng(5);
        let values: Vec<f64> = (0..100_000)
            .map(|_| 10_f64.powf(r.random_range(-6.0..15.0)))
            .chain([1e-6, 1e15])
            .collect();
        let sketch = sketch_of(&values);
        assert_eq!((sketch.min(), sketch.max()), (1e-6, 1e15));
        assert_quantiles_within_bound(&values, &sketch, &QS);
        assert!(
            sketch.heap_bytes() <= 256 * 1024,
            "{} bytes",
            sketch.heap_bytes()
        );

        // The extremes of f64 do not panic either.
        let extremes = [f64::MAX, f64::MIN_POSITIVE, -f64::MAX, 5e-324, 1.0];
        let sketch = sketch_of(&extremes);
        assert_eq!((sketch.min(), sketch.max()), (-f64::MAX, f64::MAX));
        assert_quantiles_within_bound(&extremes, &sketch, &[0.25, 0.5, 0.75]);
    }

    #[test]
    fn nan_is_counted_separately() {
        let mut sketch = sketch_of(&[1.0, 2.0, 3.0]);
        sketch.push(f64::NAN);
        sketch.push(-f64::NAN);
        assert_eq!((sketch.count(), sketch.nan_count()), (3, 2));
        assert!((sketch.quantile(0.5) - 2.0).abs() <= 2.0 * A);
        assert_eq!((sketch.min(), sketch.max()), (1.0, 3.0));
        let mut merged = LogSketch::new(A);
        merged.merge(&sketch);
        assert_eq!(merged.nan_count(), 2);
        assert!(sketch_of(&[f64::NAN]).quantile(0.5).is_nan());
    }

    #[test]
    fn infinities_rank_at_the_ends() {
        let sketch = sketch_of(&[f64::INFINITY, 1.0, f64::NEG_INFINITY, 2.0, f64::INFINITY]);
        assert_eq!(sketch.count(), 5);
        assert_eq!(sketch.quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(sketch.quantile(1.0), f64::INFINITY);
        assert_eq!(sketch.quantile(0.9), f64::INFINITY);
        assert_eq!(sketch.cdf(1e300), 0.6);
    }

    #[test]
    fn tiny_magnitudes_count_as_zero() {
        let values = [1e-10, -1e-10, 0.0, -0.0, 5.0];
        let sketch = sketch_of(&values);
        assert_eq!(sketch.heap_bytes(), sketch_of(&[5.0]).heap_bytes());
        assert_eq!((sketch.min(), sketch.max()), (-1e-10, 5.0));
        assert_quantiles_within_bound(&values, &sketch, &[0.1, 0.25, 0.5, 0.75]);
    }

    #[test]
    fn cdf_within_bucket_resolution() {
        let dist = Normal::new(50.0, 100.0).expect("valid normal parameters");
        let values: Vec<f64> = dist.sample_iter(rng(6)).take(20_000).collect();
        let sketch = sketch_of(&values);
        let fraction = |keep: &dyn Fn(f64) -> bool| {
            values.iter().filter(|&&v| keep(v)).count() as f64 / values.len() as f64
        };
        for x in [-300.0, -100.0, -1.0, 0.0, 0.5, 10.0, 50.0, 123.4, 400.0] {
            let at_least = fraction(&|v| v + A * v.abs() <= x);
            let at_most = fraction(&|v| v - A * v.abs() <= x);
            let cdf = sketch.cdf(x);
            assert!(
                at_least <= cdf && cdf <= at_most,
                "x = {x}: {at_least} <= {cdf} <= {at_most}"
            );
        }
    }

    #[test]
    fn ten_million_lognormal_values_fit_in_64_kib() {
        let dist = LogNormal::new(0.0, 1.0).expect("valid lognormal parameters");
        let mut sketch = LogSketch::new(A);
        dist.sample_iter(rng(7))
            .take(10_000_000)
            .for_each(|x| sketch.push(x));
        assert_eq!(sketch.count(), 10_000_000);
        assert!(
            sketch.heap_bytes() < 64 * 1024,
            "{} bytes",
            sketch.heap_bytes()
        );
    }

    #[test]
    fn push_slice_equals_pushing_one_by_one() {
        let mut values = lognormal(3_000, 8);
        let cases: Vec<Vec<f64>> = vec![
            values.clone(),
            // Zeros and tiny magnitudes stay on the fast path.
            values
                .iter()
                .enumerate()
                .map(|(i, &x)| if i % 7 == 0 { 0.0 } else { x })
                .collect(),
            vec![0.0, -0.0, 1e-12, -1e-12],
            // Anything else goes one by one.
            {
                values[100] = -5.0;
                values[200] = f64::NAN;
                values[300] = f64::INFINITY;
                values.clone()
            },
            Vec::new(),
        ];
        for case in cases {
            let mut bulk = sketch_of(&[2.5, 1e6]);
            bulk.push_slice(&case);
            let mut one_by_one = sketch_of(&[2.5, 1e6]);
            case.iter().for_each(|&x| one_by_one.push(x));
            assert_eq!(bulk, one_by_one);
        }
    }

    /// The guarantee rests on every bucket spanning a ratio of at most γ.
    #[test]
    fn buckets_are_at_most_gamma_wide() {
        let sketch = LogSketch::new(A);
        let gamma = (1.0 + A) / (1.0 - A);
        let mut widest: f64 = 0.0;
        for index in (-42_000..358_000).step_by(7) {
            let (lo, hi) = sketch.edges(index);
            if hi.is_finite() {
                widest = widest.max(hi / lo);
                let r = sketch.representative(index);
                assert!((r - lo) / lo <= A * (1.0 + 1e-12) && (hi - r) / hi <= A * (1.0 + 1e-12));
            }
        }
        assert!(widest <= gamma * (1.0 + 1e-14), "{widest} > {gamma}");
        // And the mapping puts values where the edges say.
        for x in lognormal(10_000, 9) {
            let (lo, hi) = sketch.edges(sketch.bucket_index(x));
            assert!(
                lo * (1.0 - 1e-14) <= x && x <= hi * (1.0 + 1e-14),
                "{lo} {x} {hi}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "relative accuracy")]
    fn accuracy_must_be_in_unit_interval() {
        LogSketch::new(0.0);
    }

    /// Merging sketches of different accuracy is a bug (debug assertion),
    /// but release builds must still count every value.
    #[cfg(not(debug_assertions))]
    #[test]
    fn different_accuracies_still_merge() {
        let mut coarse = LogSketch::new(0.01);
        [1.0, 2.0, f64::INFINITY]
            .iter()
            .for_each(|&x| coarse.push(x));
        let mut sketch = sketch_of(&[-3.0, 0.0, 4.0]);
        sketch.merge(&coarse);
        assert_eq!(sketch.count(), 6);
        assert_eq!((sketch.min(), sketch.max()), (-3.0, f64::INFINITY));
        assert_eq!(sketch.quantile(1.0), f64::INFINITY);
    }
}
