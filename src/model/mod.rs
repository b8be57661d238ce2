//! The revenue processes: what one stream earns, month by month, on one path.
//!
//! The equations are in `docs/model.md`; each kind lives in its own file.
//! Every process draws from generators private to its stream (see
//! [`crate::rng`]), one per parameter and one per kind of shock, so that
//! changing one parameter moves only the numbers that depend on it.

mod allowed;
mod client;
pub mod correlation;
mod factor;
mod growth;
mod pipeline;
pub(crate) mod sample;
mod simple;

pub use allowed::Allowed;
pub(crate) use allowed::short;
pub use client::{Churn, Client};
pub use factor::{FactorKind, FactorLink, FactorSeeds, factor_key};
pub use growth::Growth;
pub(crate) use pipeline::ClientCounter;
pub use pipeline::Pipeline;
pub use simple::{GrowthStream, Subscription};

use crate::dist::Param;
use crate::rng::{self, Generator};

/// Paths a stream works on at a time inside a block: small enough for one
/// chunk's index and shocks to stay in the level-1 cache. It does not
/// change any result (draws go path after path whatever the chunk).
pub(crate) const CHUNK: usize = 64;

/// The four kinds of revenue stream a scenario file can declare, by the
/// name of their table (`[[client]]`, `[[pipeline]]`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Client,
    Pipeline,
    Subscription,
    Stream,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Client,
        Kind::Pipeline,
        Kind::Subscription,
        Kind::Stream,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Client => "client",
            Kind::Pipeline => "pipeline",
            Kind::Subscription => "subscription",
            Kind::Stream => "stream",
        }
    }
}

/// One revenue process, with its parameters.
// Built once per scenario and read by reference: the size of the largest
// variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Model {
    Client(Client),
    Pipeline(Pipeline),
    Subscription(Subscription),
    Stream(GrowthStream),
}

/// A numeric parameter of a process, by its dotted name inside the stream:
/// a copy, for reading (validation, listings).
pub struct Field {
    pub name: &'static str,
    pub param: Param,
    pub allowed: Allowed,
}

/// As [`Field`], for changing the value (`--set`, sweeps).
pub struct FieldMut<'a> {
    pub name: &'static str,
    pub param: &'a mut Param,
    pub allowed: Allowed,
}

/// What one stream did in one block, beyond its monthly revenue.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Sum over the block's paths of the stream's horizon revenue.
    pub revenue: f64,
    /// Paths on which the stream churned within the horizon (clients).
    pub churned: u64,
}

impl Outcome {
    /// The outcome of a block whose paths earned `totals` over the horizon,
    /// summed in path order.
    pub(crate) fn from_totals(totals: &[f64], churned: u64) -> Self {
        Outcome {
            revenue: totals.iter().fold(0.0, |sum, t| sum + t),
            churned,
        }
    }
}

/// What one stream did on each path of a block, beyond its monthly
/// revenue: the buffers [`Model::simulate`] fills, which the engine reads
/// for contributions to variance and the drivers of a miss.
pub struct PathOutcomes<'a> {
    /// Horizon revenue of each path (overwritten).
    pub revenue: &'a mut [f64],
    /// The month (1-based) the stream churned in on each path, or 0 when
    /// it did not within the horizon (overwritten; always 0 for kinds that
    /// cannot churn). A month, not a flag, so that a target measured over
    /// a window can ask whether a client had left by the window's end.
    pub churn_month: &'a mut [u16],
}

/// Adds a chunk's revenue, month-major over its `c` paths, into the
/// block's month-major `out` (rows of `n` paths, the chunk's starting at
/// path `first`) and into the chunk's horizon `totals`.
pub(crate) fn add_chunk(
    revenue: &[f64],
    first: usize,
    n: usize,
    out: &mut [f64],
    totals: &mut [f64],
) {
    let c = totals.len();
    for (m, row) in revenue.chunks_exact(c).enumerate() {
        let out = &mut out[m * n + first..m * n + first + c];
        for ((o, t), r) in out.iter_mut().zip(totals.iter_mut()).zip(row) {
            *o += r;
            *t += r;
        }
    }
}

/// The coordinates of one block of paths, from which every generator of
/// every stream in it is derived.
#[derive(Clone, Copy, Debug)]
pub struct Block<'a> {
    pub seed: u64,
    pub index: u64,
    pub paths: usize,
    pub horizon: usize,
    /// One purpose, by its key, drawing from another seed: pick-freeze
    /// re-keying of one source for variance by purpose. `None` in every
    /// ordinary run.
    pub rekey: Option<Rekey>,
    /// The seeds of the factors (see [`FactorSeeds`]): the run's, not the
    /// stream's, so that re-keying a stream leaves the factor it shares
    /// with others as it is.
    pub factors: FactorSeeds,
    /// The block's values of the rank-correlated parameters (see
    /// [`correlation`]), drawn once for all streams; `None` when the
    /// scenario correlates nothing.
    pub correlated: Option<&'a correlation::CorrelatedDraws>,
}

/// A purpose (by key) that draws from `seed` instead of the block's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rekey {
    pub purpose: u64,
    pub seed: u64,
}

impl Block<'_> {
    /// The generator for one purpose of the stream whose key is `stream`.
    pub fn generator(&self, stream: u64, purpose: &str) -> Generator {
        let key = rng::key(purpose);
        rng::generator(self.seed_for(key), self.index, stream, key)
    }

    /// The seed purpose `key` draws from: the block's, unless re-keyed.
    #[inline]
    pub(crate) fn seed_for(&self, key: u64) -> u64 {
        match self.rekey {
            Some(r) if r.purpose == key => r.seed,
            _ => self.seed,
        }
    }

    /// One value of `param` per path, from the parameter's own generator
    /// (normal and log-normal draws batched, see `model::sample`), or the
    /// block's correlated values of it. A fixed value draws nothing.
    pub fn draw(&self, stream: u64, name: &str, param: &Param, out: &mut Vec<f64>) {
        if let Some(values) = self.correlated.and_then(|c| c.get(stream, name)) {
            out.clear();
            out.extend_from_slice(values);
            return;
        }
        out.clear();
        match param {
            // Written once, not zeroed and then filled.
            Param::Fixed(x) => out.resize(self.paths, *x),
            Param::Random(_) => {
                out.resize(self.paths, 0.0);
                self.source(stream, name).fill_param(param, out);
            }
        }
    }

    /// The random source of one purpose of the stream whose key is `stream`.
    pub(crate) fn source(&self, stream: u64, purpose: &str) -> sample::Source {
        sample::Source::new(self, stream, purpose)
    }
}

impl Model {
    /// The purposes the process draws from (see [`crate::rng`]), for
    /// variance by purpose: each random parameter drawn per path by its
    /// name, then `growth_shocks` when the volatility is not a plain 0,
    /// `churn` when a client can churn, and a pipeline's `arrivals` and,
    /// for a random spend, `new_client_spend` (its spends are drawn per new
    /// client from there, not per path).
    pub fn purposes(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self
            .fields()
            .into_iter()
            .filter(|f| f.param.is_random())
            .map(|f| f.name)
            .collect();
        let shocks = |g: &Growth| !matches!(g.volatility, Param::Fixed(v) if v == 0.0);
        match self {
            Model::Client(c) => {
                if shocks(&c.growth) {
                    out.push("growth_shocks");
                }
                if !matches!(c.churn.probability, Param::Fixed(p) if p == 0.0) {
                    out.push("churn");
                }
            }
            Model::Pipeline(p) => {
                out.retain(|&name| name != "monthly_spend");
                out.push("arrivals");
                if p.monthly_spend.is_random() {
                    out.push("new_client_spend");
                }
            }
            Model::Subscription(s) => {
                if shocks(&s.growth) {
                    out.push("growth_shocks");
                }
            }
            Model::Stream(s) => {
                if shocks(&s.growth) {
                    out.push("growth_shocks");
                }
            }
        }
        out
    }

    pub fn kind(&self) -> Kind {
        match self {
            Model::Client(_) => Kind::Client,
            Model::Pipeline(_) => Kind::Pipeline,
            Model::Subscription(_) => Kind::Subscription,
            Model::Stream(_) => Kind::Stream,
        }
    }

    /// The numeric parameters, in a fixed order. Read from a copy through
    /// [`Model::fields_mut`], so that each kind lists its fields, names and
    /// allowed ranges once; only cold paths (validation, listings) call it.
    pub fn fields(&self) -> Vec<Field> {
        let mut copy = self.clone();
        copy.fields_mut()
            .into_iter()
            .map(|f| Field {
                name: f.name,
                param: f.param.clone(),
                allowed: f.allowed,
            })
            .collect()
    }

    pub fn fields_mut(&mut self) -> Vec<FieldMut<'_>> {
        match self {
            Model::Client(c) => c.fields_mut(),
            Model::Pipeline(p) => p.fields_mut(),
            Model::Subscription(s) => s.fields_mut(),
            Model::Stream(s) => s.fields_mut(),
        }
    }

    /// Adds the stream's revenue for every path of `block` into `out`, laid
    /// out month-major: `out[month * block.paths + path]`, and writes each
    /// path's horizon revenue and churn into `paths`.
    pub fn simulate(
        &self,
        block: &Block,
        stream: u64,
        out: &mut [f64],
        paths: PathOutcomes<'_>,
    ) -> Outcome {
        debug_assert_eq!(out.len(), block.paths * block.horizon);
        debug_assert_eq!(paths.revenue.len(), block.paths);
        debug_assert_eq!(paths.churn_month.len(), block.paths);
        paths.revenue.fill(0.0);
        paths.churn_month.fill(0);
        match self {
            Model::Client(c) => c.simulate(block, stream, out, paths),
            Model::Pipeline(p) => p.simulate(block, stream, out, paths.revenue),
            Model::Subscription(s) => s.simulate(block, stream, out, paths.revenue),
            Model::Stream(s) => s.simulate(block, stream, out, paths.revenue),
        }
    }
}
