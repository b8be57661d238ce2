//! Statistics of simulated outcomes: accumulators, intervals and quantiles.
//!
//! Everything here is built to be computed per block of paths and merged in
//! block order, so results do not depend on how blocks were spread over
//! threads:
//!
//! - [`Moments`]: count, mean and variance (Welford; merges by Chan et al.).
//!   Floating-point merges depend on order, so merge in block order.
//! - [`wilson_interval`]: confidence interval for a probability estimated
//!   from path counts (for example, of missing a target).
//! - [`QuantileStore`] / [`Quantiles`]: type-7 quantiles and the empirical
//!   CDF, either exact (every value kept and sorted) or from a [`LogSketch`]
//!   within [`SKETCH_RELATIVE_ACCURACY`] of exact, whose integer counts
//!   merge exactly in any order.
//! - [`CoMoments`] / [`MissMeans`]: co-moments of a total and its parts, and
//!   the parts' means where the total fell short (contributions to
//!   variance, drivers of a miss); merged in block order as `Moments`.

mod comoments;
mod moments;
mod quantiles;
mod sketch;
mod wilson;

pub use comoments::{CoMoments, MissMeans};
pub use moments::Moments;
pub use quantiles::{QuantileMethod, QuantileStore, Quantiles, cdf_sorted, quantile_sorted};
pub use sketch::{LogSketch, SKETCH_RELATIVE_ACCURACY, SKETCH_ZERO_THRESHOLD};
pub use wilson::{Z95, wilson_interval};
