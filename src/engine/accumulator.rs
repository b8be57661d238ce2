//! What a block of paths leaves behind, and how blocks combine.
//!
//! Blocks are merged in block order only, so floating-point sums come out
//! the same whatever thread computed which block. Counts are integers and
//! exact; quantile stores are exact sample vectors or integer-count
//! sketches (see [`crate::stats`]).

use crate::model::Outcome;
use crate::stats::{CoMoments, MissMeans, Moments, QuantileMethod, QuantileStore};

/// Everything the report needs about one target.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TargetAccumulator {
    pub amount: f64,
    /// Paths whose horizon revenue reached the amount.
    pub hits: u64,
    pub moments: Moments,
    /// Sum over paths of max(0, amount - revenue).
    pub shortfall: f64,
    pub totals: QuantileStore,
    pub monthly: Vec<MonthAccumulator>,
    /// What drives the target's revenue, from its streams' revenue path by
    /// path; `None` where it is not kept (sweeps).
    pub drivers: Option<DriverAccumulator>,
}

/// The streams a target counts, and how its revenue moves with theirs:
/// co-moments of the target's horizon revenue and each stream's, and the
/// streams' means (and churn) over the paths that miss the amount.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DriverAccumulator {
    /// Indices of the target's streams in the scenario's stream list.
    pub streams: Vec<usize>,
    pub moments: CoMoments,
    pub miss: MissMeans,
    /// Per stream, the paths on which it had churned by the end of the
    /// target's window (0 for streams that cannot churn): the "(all)"
    /// beside each client's churn given a miss.
    pub churned: Vec<u64>,
}

impl DriverAccumulator {
    pub fn new(streams: Vec<usize>) -> Self {
        let k = streams.len();
        DriverAccumulator {
            streams,
            moments: CoMoments::new(k),
            miss: MissMeans::new(k),
            churned: vec![0; k],
        }
    }

    pub fn merge(&mut self, other: &DriverAccumulator) {
        self.moments.merge(&other.moments);
        self.miss.merge(&other.miss);
        for (mine, theirs) in self.churned.iter_mut().zip(&other.churned) {
            *mine += theirs;
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MonthAccumulator {
    pub moments: Moments,
    pub values: QuantileStore,
}

/// Per stream: sum of horizon revenue and the paths on which it churned.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StreamAccumulator {
    pub revenue: f64,
    pub churned: u64,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Accumulator {
    pub paths: u64,
    pub targets: Vec<TargetAccumulator>,
    pub streams: Vec<StreamAccumulator>,
}

impl TargetAccumulator {
    pub fn new(amount: f64, horizon: usize, method: QuantileMethod, capacity: usize) -> Self {
        TargetAccumulator {
            amount,
            hits: 0,
            moments: Moments::default(),
            shortfall: 0.0,
            totals: QuantileStore::with_capacity(method, capacity),
            monthly: (0..horizon)
                .map(|_| MonthAccumulator {
                    moments: Moments::default(),
                    values: QuantileStore::with_capacity(method, capacity),
                })
                .collect(),
            drivers: None,
        }
    }

    /// Records one path: its revenue in each month of the horizon.
    #[inline]
    pub fn push_month(&mut self, month: usize, revenue: f64) {
        let m = &mut self.monthly[month];
        m.moments.push(revenue);
        m.values.push(revenue);
    }

    /// Records one path's horizon revenue, after its months.
    #[inline]
    pub fn push_total(&mut self, revenue: f64) {
        if revenue >= self.amount {
            self.hits += 1;
        }
        self.shortfall += (self.amount - revenue).max(0.0);
        self.moments.push(revenue);
        self.totals.push(revenue);
    }

    /// Records month `month` of every path of a block at once, as
    /// [`TargetAccumulator::push_month`] on each value would, except that
    /// the moments come from [`Moments::from_slice`].
    pub fn push_month_slice(&mut self, month: usize, revenue: &[f64]) {
        let m = &mut self.monthly[month];
        m.moments.merge(&Moments::from_slice(revenue));
        m.values.push_slice(revenue);
    }

    /// Records the horizon revenue of every path of a block at once, after
    /// their months, as [`TargetAccumulator::push_total`] on each would,
    /// except that the moments come from [`Moments::from_slice`].
    pub fn push_totals(&mut self, revenue: &[f64]) {
        let amount = self.amount;
        self.hits += revenue.iter().filter(|&&r| r >= amount).count() as u64;
        // In path order, as one by one.
        self.shortfall = revenue
            .iter()
            .fold(self.shortfall, |sum, &r| sum + (amount - r).max(0.0));
        self.moments.merge(&Moments::from_slice(revenue));
        self.totals.push_slice(revenue);
    }

    pub fn merge(&mut self, other: TargetAccumulator) {
        self.hits += other.hits;
        self.moments.merge(&other.moments);
        self.shortfall += other.shortfall;
        self.totals.merge(other.totals);
        for (mine, theirs) in self.monthly.iter_mut().zip(other.monthly) {
            mine.moments.merge(&theirs.moments);
            mine.values.merge(theirs.values);
        }
        if let (Some(mine), Some(theirs)) = (&mut self.drivers, &other.drivers) {
            mine.merge(theirs);
        }
    }
}

impl StreamAccumulator {
    pub fn add(&mut self, outcome: Outcome) {
        self.revenue += outcome.revenue;
        self.churned += outcome.churned;
    }
}

impl Accumulator {
    /// Moves the quantile stores of `block` into ours, leaving its stores
    /// empty: stores merge the same whatever the order, so they are
    /// pooled as blocks arrive while the rest of `block` waits for its
    /// place in the fold (see `tree`).
    pub fn pool_stores(&mut self, block: &mut Accumulator) {
        for (mine, theirs) in self.targets.iter_mut().zip(&mut block.targets) {
            mine.totals.merge(theirs.totals.take());
            for (m, t) in mine.monthly.iter_mut().zip(&mut theirs.monthly) {
                m.values.merge(t.values.take());
            }
        }
    }

    /// Whether `other` has our shape: the same targets (with the same
    /// amounts), months, quantile method, driver streams and streams, and
    /// consistent sketches. A part file's accumulators are checked against
    /// the scenario's before they are merged.
    pub fn same_shape(&self, other: &Accumulator) -> bool {
        self.streams.len() == other.streams.len()
            && self.targets.len() == other.targets.len()
            && self.targets.iter().zip(&other.targets).all(|(a, b)| {
                a.amount.to_bits() == b.amount.to_bits()
                    && a.monthly.len() == b.monthly.len()
                    && a.totals.method() == b.totals.method()
                    && b.totals.is_consistent()
                    && a.monthly.iter().zip(&b.monthly).all(|(x, y)| {
                        x.values.method() == y.values.method() && y.values.is_consistent()
                    })
                    && match (&a.drivers, &b.drivers) {
                        (None, None) => true,
                        (Some(x), Some(y)) => {
                            x.streams == y.streams
                                && y.moments.has_parts(x.streams.len())
                                && y.miss.has_parts(x.streams.len())
                                && y.churned.len() == x.streams.len()
                        }
                        _ => false,
                    }
            })
    }

    /// Folds `later` in; `later` must hold the blocks right after ours.
    pub fn merge(&mut self, later: Accumulator) {
        self.paths += later.paths;
        for (mine, theirs) in self.targets.iter_mut().zip(later.targets) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.streams.iter_mut().zip(later.streams) {
            mine.revenue += theirs.revenue;
            mine.churned += theirs.churned;
        }
    }
}
