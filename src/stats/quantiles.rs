//! Quantiles and empirical CDFs of simulated outcomes, exact or sketched.

use std::sync::OnceLock;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
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

    /// Whether the store could have been built by this program (see
    /// [`LogSketch::is_consistent`]); exact values always could.
    pub fn is_consistent(&self) -> bool {
        match self {
            Self::Exact(_) => true,
            Self::Sketch(sketch) => sketch.is_consistent(),
        }
    }

    /// Moves every value out into the returned store, leaving this one
    /// empty (and keeping its method).
    pub fn take(&mut self) -> Self {
        std::mem::replace(self, Self::new(self.method()))
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

    /// Adds every value of `values`, as [`QuantileStore::push`] on each
    /// would, in bulk.
    pub fn push_slice(&mut self, values: &[f64]) {
        if values.iter().any(|x| x.is_nan()) {
            values.iter().for_each(|&x| self.push(x));
            return;
        }
        match self {
            Self::Exact(stored) => stored.extend_from_slice(values),
            Self::Sketch(sketch) => sketch.push_slice(values),
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

    /// Makes the store queryable, when only the `q`-quantiles of `expected`
    /// (and the minimum and maximum) are expected to be asked for.
    ///
    /// Exact values are then not sorted: the order statistics those
    /// quantiles need are found by a radix selection, in linear time,
    /// which for a few quantiles is many times faster than sorting. The
    /// answers are the same bits as after [`QuantileStore::finish`]; a query
    /// for any other quantile sorts the values once, on first use, and the
    /// empirical CDF counts (one linear pass a query) until they are sorted.
    /// Sketches are unaffected.
    pub fn finish_for(self, expected: &[f64]) -> Quantiles {
        let Self::Exact(mut values) = self else {
            return self.finish();
        };
        // NaN is looked for in the pass that finds the extreme keys.
        let span = key_span(&values).unwrap_or_else(|| {
            values.retain(|x| !x.is_nan());
            key_span(&values).unwrap_or((0, 0))
        });
        let n = values.len() as u64;
        // Each expected quantile interpolates between the order statistics
        // of its rank and the next; the extremes answer min and max.
        let mut ranks: Vec<u64> = expected
            .iter()
            .filter_map(|&q| type7_position(n, q))
            .flat_map(|(rank, _)| [rank, (rank + 1).min(n - 1)])
            .collect();
        if n > 0 && !ranks.is_empty() {
            ranks.extend([0, n - 1]);
        }
        ranks.sort_unstable();
        ranks.dedup();
        let known = order_statistics(&values, span, &ranks);
        Quantiles {
            inner: Finished::Selected(Selected {
                values,
                known,
                sorted: OnceLock::new(),
            }),
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
                sort_total(&mut values);
                Finished::Exact(values)
            }
            Self::Sketch(sketch) => Finished::Sketch(sketch),
        };
        Quantiles { inner }
    }
}

/// Sorts by [`f64::total_cmp`], as `sort_unstable_by(f64::total_cmp)`
/// would, but in linear time: a least-significant-digit radix sort on the
/// bits, mapped so that their unsigned order is the total order, 8 bits a
/// pass, skipping the digits every value shares (the sign and most of the
/// exponent, for values of one magnitude). Several times faster than a
/// comparison sort from a few thousand values up; below that it is one.
fn sort_total(values: &mut [f64]) {
    const BITS: u32 = 8;
    const RADIX: usize = 1 << BITS;
    const PASSES: usize = 64_usize.div_ceil(BITS as usize);
    if values.len() < 4096 {
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let mut keys: Vec<u64> = values.iter().map(|&x| total_key(x)).collect();
    let mut counts = vec![[0usize; RADIX]; PASSES];
    for &k in &keys {
        for (pass, count) in counts.iter_mut().enumerate() {
            count[((k >> (pass as u32 * BITS)) as usize) & (RADIX - 1)] += 1;
        }
    }
    let mut spare = vec![0u64; keys.len()];
    for (pass, count) in counts.iter_mut().enumerate() {
        // One digit for every key: this pass would not move anything.
        if count.contains(&keys.len()) {
            continue;
        }
        let mut next = 0;
        for c in count.iter_mut() {
            let here = *c;
            *c = next;
            next += here;
        }
        let shift = pass as u32 * BITS;
        for &k in &keys {
            let digit = ((k >> shift) as usize) & (RADIX - 1);
            spare[count[digit]] = k;
            count[digit] += 1;
        }
        std::mem::swap(&mut keys, &mut spare);
    }
    for (x, &k) in values.iter_mut().zip(&keys) {
        *x = from_total_key(k);
    }
}

/// The order statistic of every rank in `ranks` (ascending, distinct, each
/// below `values.len()`), as `(rank, value)` in rank order: what sorting
/// `values` by [`f64::total_cmp`] would put at each rank, without sorting.
///
/// `(low, high)` are the smallest and largest key ([`key_span`]).
/// A radix selection on [`total_key`]s: one pass counts the keys in 2^11
/// equal ranges between those, which tells the range every wanted rank
/// falls in; a second copies
/// out the keys of those ranges alone, usually a small fraction of the
/// values, among which [`select_keys`] finds the ranks. Two streaming
/// passes without unpredictable branches, where selecting among all the
/// values would take several passes of branchy partitioning.
fn order_statistics(values: &[f64], (low, high): (u64, u64), ranks: &[u64]) -> Vec<(u64, f64)> {
    const BITS: u32 = 11;
    let Some(&last) = ranks.last() else {
        return Vec::new();
    };
    debug_assert!(last < values.len() as u64);
    if low == high {
        return ranks.iter().map(|&r| (r, from_total_key(low))).collect();
    }
    // Range of a key: (key - low) >> shift, below 2^BITS.
    let shift = (u64::BITS - (high - low).leading_zeros()).saturating_sub(BITS);
    let range = |x: f64| ((total_key(x) - low) >> shift) as usize;
    let mut counts = vec![0u32; 1 << BITS];
    for &x in values {
        counts[range(x)] += 1;
    }
    // below[r]: keys in ranges before r. The ranges holding a wanted rank,
    // and how many kept keys precede each of them.
    let mut below = Vec::with_capacity(counts.len() + 1);
    below.push(0u64);
    for &c in &counts {
        below.push(below[below.len() - 1] + u64::from(c));
    }
    let mut wanted = vec![false; counts.len()];
    let mut kept_before = vec![0u64; counts.len()];
    let mut kept = 0u64;
    let range_of_rank = |rank: u64| below.partition_point(|&b| b <= rank) - 1;
    for &rank in ranks {
        wanted[range_of_rank(rank)] = true;
    }
    for (r, &w) in wanted.iter().enumerate() {
        kept_before[r] = kept;
        if w {
            kept += u64::from(counts[r]);
        }
    }
    // Written at the next free place every time, kept only when wanted:
    // no branch on the data. One spare slot takes the last write.
    let mut keys = vec![0u64; kept as usize + 1];
    let mut next = 0;
    for &x in values {
        let key = total_key(x);
        keys[next] = key;
        next += usize::from(wanted[((key - low) >> shift) as usize]);
    }
    keys.truncate(next);
    // Kept keys fall in range order once ordered, so a rank's place among
    // them is its place in its range, after the kept ranges before it.
    let places: Vec<u64> = ranks
        .iter()
        .map(|&rank| {
            let r = range_of_rank(rank);
            kept_before[r] + (rank - below[r])
        })
        .collect();
    let mut found = Vec::with_capacity(ranks.len());
    select_keys(&mut keys, 0, &places, &mut found);
    found.sort_unstable_by_key(|&(place, _)| place);
    // Places rise with ranks, one for one.
    ranks
        .iter()
        .zip(found)
        .map(|(&rank, (_, value))| (rank, value))
        .collect()
}

/// The smallest and largest [`total_key`] of `values` (`(u64::MAX, 0)` when
/// empty), or `None` if any value is NaN.
fn key_span(values: &[f64]) -> Option<(u64, u64)> {
    let (low, high, nan) = values
        .iter()
        .fold((u64::MAX, 0, false), |(low, high, nan), &x| {
            let k = total_key(x);
            (low.min(k), high.max(k), nan | x.is_nan())
        });
    (!nan).then_some((low, high))
}

/// Finds the order statistic of every rank in `ranks` (ascending, each at
/// least `offset` and below `offset + keys.len()`) among [`total_key`]s,
/// whose integer order is [`f64::total_cmp`]'s and cheaper to compare, and
/// records it: the middle rank first, then the lower ranks to its left and
/// the higher to its right, so each selection works on a smaller part.
/// Every key ends up on the side of each selected rank it belongs to.
fn select_keys(keys: &mut [u64], offset: u64, ranks: &[u64], known: &mut Vec<(u64, f64)>) {
    if ranks.is_empty() {
        return;
    }
    let middle = ranks.len() / 2;
    let rank = ranks[middle];
    let (left, key, right) = keys.select_nth_unstable((rank - offset) as usize);
    known.push((rank, from_total_key(*key)));
    select_keys(left, offset, &ranks[..middle], known);
    select_keys(right, rank + 1, &ranks[middle + 1..], known);
}

/// The bits of `x`, mapped so that their unsigned order is the order of
/// [`f64::total_cmp`]: negative values have every bit flipped, others
/// their sign bit.
#[inline]
fn total_key(x: f64) -> u64 {
    let bits = x.to_bits();
    bits ^ ((((bits as i64) >> 63) as u64) | (1 << 63))
}

/// The inverse of [`total_key`].
#[inline]
fn from_total_key(key: u64) -> f64 {
    f64::from_bits(key ^ ((((!key) as i64 >> 63) as u64) | (1 << 63)))
}

/// Exact values of which a few order statistics were found by selection;
/// see [`QuantileStore::finish_for`].
#[derive(Clone, Debug)]
struct Selected {
    /// No NaN; in no useful order.
    values: Vec<f64>,
    /// (rank, order statistic), ascending, no rank twice; ranks 0 and
    /// n − 1 whenever a quantile was expected.
    known: Vec<(u64, f64)>,
    /// Every value, sorted, once some query needs them.
    sorted: OnceLock<Vec<f64>>,
}

impl Selected {
    fn sorted(&self) -> &[f64] {
        self.sorted.get_or_init(|| {
            let mut values = self.values.clone();
            sort_total(&mut values);
            values
        })
    }

    fn order_statistic(&self, rank: u64) -> f64 {
        match self.known.binary_search_by_key(&rank, |&(r, _)| r) {
            Ok(i) => self.known[i].1,
            Err(_) => self.sorted()[rank as usize],
        }
    }

    /// As [`quantile_sorted`] on the sorted values.
    fn quantile(&self, q: f64) -> f64 {
        let n = self.values.len() as u64;
        let Some((rank, frac)) = type7_position(n, q) else {
            return f64::NAN;
        };
        let lo = self.order_statistic(rank);
        if rank + 1 < n {
            interpolate(lo, self.order_statistic(rank + 1), frac)
        } else {
            lo
        }
    }

    /// As [`cdf_sorted`] on the sorted values; by counting when they are
    /// not sorted, one linear pass rather than a sort.
    fn cdf(&self, x: f64) -> f64 {
        if let Some(sorted) = self.sorted.get() {
            return cdf_sorted(sorted, x);
        }
        if self.values.is_empty() || x.is_nan() {
            return f64::NAN;
        }
        let at_or_below = self.values.iter().filter(|&&v| v <= x).count();
        at_or_below as f64 / self.values.len() as f64
    }

    /// As [`Selected::cdf`] at every point of ascending `points` (no NaN),
    /// in one pass over the values however many points there are.
    fn cdf_each(&self, points: &[f64]) -> Vec<f64> {
        if self.sorted.get().is_some() || self.values.is_empty() {
            return points.iter().map(|&x| self.cdf(x)).collect();
        }
        // at[j]: values for which points[j] is the first point at or above.
        let mut at = vec![0u64; points.len() + 1];
        let k = points.len();
        let (first, last) = (points[0], points[k - 1]);
        let step = if k > 1 {
            (last - first) / (k - 1) as f64
        } else {
            0.0
        };
        if step > 0.0 && step.is_finite() {
            // Points nearly evenly spaced (a histogram's edges): the place
            // is guessed by arithmetic and corrected against the points
            // themselves, so it is `partition_point`'s exactly, without
            // its binary search's mispredicted branches. NaN guesses 0 and
            // stays there, as `partition_point` puts it.
            let per_step = 1.0 / step;
            for &v in &self.values {
                // About ⌈(v − first) / step⌉; a truncation, not `ceil`,
                // which the baseline build calls the C library for.
                let guess = (v - first) * per_step;
                let mut j = if guess > 0.0 {
                    (guess as usize).saturating_add(1).min(k)
                } else {
                    0
                };
                while j > 0 && points[j - 1] >= v {
                    j -= 1;
                }
                while j < k && points[j] < v {
                    j += 1;
                }
                at[j] += 1;
            }
        } else {
            for &v in &self.values {
                at[points.partition_point(|&x| x < v)] += 1;
            }
        }
        let n = self.values.len() as f64;
        let mut below = 0;
        points
            .iter()
            .zip(&at)
            .map(|(_, &count)| {
                below += count;
                below as f64 / n
            })
            .collect()
    }

    fn extreme(&self, last: bool) -> f64 {
        let n = self.values.len() as u64;
        if n == 0 {
            return f64::NAN;
        }
        self.order_statistic(if last { n - 1 } else { 0 })
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
    Selected(Selected),
    Sketch(LogSketch),
}

impl Quantiles {
    /// The method the quantiles were computed with.
    pub fn method(&self) -> QuantileMethod {
        match self.inner {
            Finished::Exact(_) | Finished::Selected(_) => QuantileMethod::Exact,
            Finished::Sketch(_) => QuantileMethod::Sketch,
        }
    }

    /// The type-7 `q`-quantile (see [`quantile_sorted`]); sketched quantiles
    /// are within [`SKETCH_RELATIVE_ACCURACY`] of it. NaN when empty or when
    /// `q` is outside `[0, 1]`.
    pub fn quantile(&self, q: f64) -> f64 {
        match &self.inner {
            Finished::Exact(sorted) => quantile_sorted(sorted, q),
            Finished::Selected(selected) => selected.quantile(q),
            Finished::Sketch(sketch) => sketch.quantile(q),
        }
    }

    /// Fraction of values `<= x`; sketched, at bucket resolution (see
    /// [`LogSketch::cdf`]). NaN when empty or `x` is NaN.
    pub fn cdf(&self, x: f64) -> f64 {
        match &self.inner {
            Finished::Exact(sorted) => cdf_sorted(sorted, x),
            Finished::Selected(selected) => selected.cdf(x),
            Finished::Sketch(sketch) => sketch.cdf(x),
        }
    }

    /// [`Quantiles::cdf`] at every point of `points`, which must ascend
    /// (NaN aside, which gives NaN): one pass over exact values, not one a
    /// point, for a histogram's edges.
    pub fn cdf_each(&self, points: &[f64]) -> Vec<f64> {
        debug_assert!(
            points
                .windows(2)
                .all(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Greater)),
            "points must ascend"
        );
        match &self.inner {
            Finished::Selected(selected) if !points.iter().any(|x| x.is_nan()) => {
                selected.cdf_each(points)
            }
            _ => points.iter().map(|&x| self.cdf(x)).collect(),
        }
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        match &self.inner {
            Finished::Exact(sorted) => sorted.len() as u64,
            Finished::Selected(selected) => selected.values.len() as u64,
            Finished::Sketch(sketch) => sketch.count(),
        }
    }

    /// Smallest value, exact under both methods; NaN when empty.
    pub fn min(&self) -> f64 {
        match &self.inner {
            Finished::Exact(sorted) => sorted.first().copied().unwrap_or(f64::NAN),
            Finished::Selected(selected) => selected.extreme(false),
            Finished::Sketch(sketch) => sketch.min(),
        }
    }

    /// Largest value, exact under both methods; NaN when empty.
    pub fn max(&self) -> f64 {
        match &self.inner {
            Finished::Exact(sorted) => sorted.last().copied().unwrap_or(f64::NAN),
            Finished::Selected(selected) => selected.extreme(true),
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
    fn radix_sort_orders_like_total_cmp() {
        let mut values: Vec<f64> = (0..20_000_u32)
            .map(|i| {
                let x = f64::from(i);
                1e9 + 1e7 * (x * 0.37).sin() + x
            })
            .collect();
        let mut mixed: Vec<f64> = (0..10_000_u32)
            .map(|i| (f64::from(i) * 0.73).sin() * 10f64.powi(i as i32 % 40 - 20))
            .collect();
        mixed.extend([
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -5e-324,
            f64::MAX,
        ]);
        for data in [&mut values, &mut mixed] {
            let mut expected = data.clone();
            expected.sort_unstable_by(f64::total_cmp);
            sort_total(data);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(data), bits(&expected));
        }
    }

    #[test]
    fn selected_quantiles_are_the_sorted_ones() {
        let values: Vec<f64> = (0..50_001_u32)
            .map(|i| (f64::from(i) * 0.618).fract() * 1e6 - 2e5)
            .chain([0.0, -0.0, 7.0, 7.0, 7.0, f64::NAN])
            .collect();
        let mut expected_store = QuantileStore::new(QuantileMethod::Exact);
        expected_store.push_slice(&values);
        let sorted = expected_store.clone().finish();
        let selected = expected_store.finish_for(&[0.05, 0.5, 0.95]);
        assert_eq!(selected.count(), sorted.count());
        assert_eq!(selected.min().to_bits(), sorted.min().to_bits());
        assert_eq!(selected.max().to_bits(), sorted.max().to_bits());
        // The expected quantiles, then others (which sort on first use).
        for q in [0.05, 0.5, 0.95, 0.0, 1.0, 0.01, 0.3337, 0.999] {
            assert_eq!(
                selected.quantile(q).to_bits(),
                sorted.quantile(q).to_bits(),
                "{q}"
            );
        }
        let points = [-1e9, -2e5, -0.0, 0.0, 7.0, 7.0, 1e5, 1e9];
        for x in points {
            assert_eq!(selected.cdf(x), sorted.cdf(x));
        }
        let each = selected.cdf_each(&points);
        assert_eq!(each, points.map(|x| sorted.cdf(x)).to_vec());
        assert!(selected.cdf_each(&[f64::NAN])[0].is_nan());
        // Skewed, clustered, tied and infinite values.
        let skewed: Vec<f64> = (0..30_000_u32)
            .map(|i| (f64::from(i % 977) * 0.01).exp() + f64::from(i % 3))
            .chain(std::iter::repeat_n(5.0, 10_000))
            .collect();
        let mut with_infinity = skewed.clone();
        with_infinity.push(f64::INFINITY);
        for data in [&skewed, &with_infinity, &vec![2.5; 9_000]] {
            let mut store = QuantileStore::new(QuantileMethod::Exact);
            store.push_slice(data);
            let (a, b) = (store.clone().finish(), store.finish_for(&[0.05, 0.5, 0.95]));
            for q in [0.0, 0.05, 0.5, 0.95, 1.0] {
                assert_eq!(a.quantile(q).to_bits(), b.quantile(q).to_bits(), "{q}");
            }
        }
        for n in [0, 1, 2] {
            let mut store = QuantileStore::new(QuantileMethod::Exact);
            store.push_slice(&values[..n]);
            let (a, b) = (store.clone().finish(), store.finish_for(&[0.05, 0.5]));
            for q in [0.0, 0.05, 0.5, 1.0] {
                assert_eq!(a.quantile(q).to_bits(), b.quantile(q).to_bits());
            }
            assert_eq!(a.min().to_bits(), b.min().to_bits());
        }
    }

    /// The CDF at many points in one pass counts as sorting and searching
    /// does, for evenly spaced points (a histogram's edges, where the place
    /// of a value is guessed by arithmetic), uneven, tied and infinite
    /// ones, and values on the points, between them, beyond them and
    /// infinite.
    #[test]
    fn cdf_at_many_points_is_the_sorted_cdf() {
        let mut values: Vec<f64> = (0..20_000_u32)
            .map(|i| f64::from(i % 1013) * 0.37 - 50.0 + f64::from(i % 7) * 1e-3)
            .collect();
        let even: Vec<f64> = (0..=40).map(|i| -60.0 + f64::from(i) * 8.5).collect();
        values.extend(&even);
        values.extend([f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300, -0.0, 0.0]);
        let mut store = QuantileStore::new(QuantileMethod::Exact);
        store.push_slice(&values);
        let sorted = store.clone().finish();
        let selected = store.finish_for(&[0.5]);
        let uneven = [-1e9, -50.0, -49.99, 0.0, 0.0, 3.7, 300.0, 1e300];
        let narrow: Vec<f64> = (0..10).map(|i| 10.0 + f64::from(i) * 1e-12).collect();
        let infinite = [f64::NEG_INFINITY, 0.0, f64::INFINITY];
        for points in [&even[..], &even[1..40], &uneven, &narrow, &infinite, &[5.0]] {
            let each = selected.cdf_each(points);
            let expected: Vec<f64> = points.iter().map(|&x| sorted.cdf(x)).collect();
            assert_eq!(each, expected, "{points:?}");
        }
    }

    /// Every rank of small sets, and scattered ranks of large ones, against
    /// sorting: negative, infinite, tied, clustered and outlying values,
    /// ties straddling the selection's ranges, and ranks that share one.
    #[test]
    fn order_statistics_match_sorting() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let spread: Vec<f64> = (0..20_000).map(|_| (uniform() - 0.3) * 1e9).collect();
        let lognormal: Vec<f64> = (0..20_000).map(|_| (8.0 * uniform()).exp()).collect();
        let mut outlier = vec![1.0; 20_000];
        outlier[7] = 1e300;
        outlier[8] = -f64::INFINITY;
        let ties: Vec<f64> = (0..20_000).map(|i| f64::from(i % 7) - 3.0).collect();
        let clustered: Vec<f64> = (0..20_000)
            .map(|i| 5e7 + uniform() * if i % 100 == 0 { 1e9 } else { 1.0 })
            .collect();
        let small: Vec<f64> = (0..300).map(|i| f64::from(i % 17) * -0.5).collect();
        for data in [&spread, &lognormal, &outlier, &ties, &clustered, &small] {
            let expected = sorted(data);
            let n = data.len() as u64;
            let ranks: Vec<u64> = if n <= 300 {
                (0..n).collect()
            } else {
                let mut r: Vec<u64> = (0..40).map(|_| (uniform() * n as f64) as u64).collect();
                r.extend([0, 1, n / 2, n / 2 + 1, n - 2, n - 1]);
                r.sort_unstable();
                r.dedup();
                r
            };
            let span = key_span(data).unwrap();
            let found = order_statistics(data, span, &ranks);
            assert_eq!(found.len(), ranks.len());
            for (&rank, &(r, value)) in ranks.iter().zip(&found) {
                assert_eq!(r, rank);
                assert_eq!(
                    value.to_bits(),
                    expected[rank as usize].to_bits(),
                    "rank {rank}"
                );
            }
        }
        assert!(order_statistics(&[], (u64::MAX, 0), &[]).is_empty());
        assert_eq!(
            order_statistics(&[2.0], key_span(&[2.0]).unwrap(), &[0]),
            vec![(0, 2.0)]
        );
        assert_eq!(key_span(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn push_slice_is_pushing_each() {
        let values = [3.0, f64::NAN, 1.0, 2.0];
        for method in [QuantileMethod::Exact, QuantileMethod::Sketch] {
            let mut bulk = QuantileStore::new(method);
            bulk.push_slice(&values);
            bulk.push_slice(&values[2..]);
            let mut each = QuantileStore::new(method);
            values
                .iter()
                .chain(&values[2..])
                .for_each(|&x| each.push(x));
            assert_eq!(bulk.count(), 5);
            let (bulk, each) = (bulk.finish(), each.finish());
            for q in [0.0, 0.3, 0.5, 1.0] {
                assert_eq!(bulk.quantile(q).to_bits(), each.quantile(q).to_bits());
            }
        }
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
