//! Common factors: one driver that several streams share, drawn from a
//! generator of its own.
//!
//! A factor is keyed like a stream (`factor.ID`), so its draws depend only
//! on the seed, the block and its id: every stream linked to it sees the
//! same values on a path, and adding or editing a factor leaves every
//! stream that does not use it bit-identical. Each linked stream draws the
//! factor's values itself (they are the same numbers each time): no state
//! is shared between streams, and the engine's order of streams and
//! threads moves nothing.
//!
//! - A **churn** factor is one standard normal M per path. A client's churn
//!   uniform becomes U = Φ(l·M + √(1−l²)·e), e its own standard normal: a
//!   one-factor Gaussian copula, under which U stays uniform (so the
//!   client's churn law is unchanged) and two clients' latent normals have
//!   correlation l_i·l_j.
//! - A **growth** factor is one standard normal F_m per path and month
//!   after the first. A stream's growth shock becomes
//!   Z_m = l·F_m + √(1−l²)·e_m, still N(0, 1), so its volatility and E\[G_m\]
//!   are unchanged; two streams' shocks have correlation l_i·l_j.

use std::cell::RefCell;
use std::rc::Rc;

use super::sample::Source;
use super::{Block, Rekey};
use crate::dist::Param;
use crate::rng;

/// The purpose every factor draws its values under.
const PURPOSE: &str = "factor";

/// What a factor drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FactorKind {
    /// One standard normal per path, shared by clients' churn.
    Churn,
    /// One standard normal per path and month, shared by growth shocks.
    Growth,
}

impl FactorKind {
    pub const NAMES: [&'static str; 2] = ["churn", "growth"];

    pub fn as_str(self) -> &'static str {
        match self {
            FactorKind::Churn => "churn",
            FactorKind::Growth => "growth",
        }
    }

    pub fn from_name(name: &str) -> Option<FactorKind> {
        match name {
            "churn" => Some(FactorKind::Churn),
            "growth" => Some(FactorKind::Growth),
            _ => None,
        }
    }
}

/// The generator key of factor `id`: its own kind of key, so that no
/// stream's can equal it.
pub fn factor_key(id: &str) -> u64 {
    rng::key(&format!("factor.{id}"))
}

/// A stream's (or a client churn's) link to a factor, with its loading.
#[derive(Clone, Debug)]
pub struct FactorLink {
    /// The factor's id, for messages and the scenario's canonical text.
    pub id: String,
    /// [`factor_key`] of the id.
    pub key: u64,
    /// The correlation l of the latent normal with the factor, in [-1, 1];
    /// a number, or a distribution drawn per path like any parameter.
    pub loading: Param,
}

impl FactorLink {
    pub fn new(id: &str, loading: Param) -> Self {
        FactorLink {
            id: id.to_string(),
            key: factor_key(id),
            loading,
        }
    }

    /// Whether the link does nothing: a loading of exactly 0. Such a link
    /// draws nothing, and the stream draws as it would without it.
    pub fn is_idle(&self) -> bool {
        matches!(self.loading, Param::Fixed(l) if l == 0.0)
    }
}

/// The seeds the factors of a block draw from: the run's, unless one
/// factor (or all) is re-keyed for variance by source.
#[derive(Clone, Copy, Debug)]
pub struct FactorSeeds {
    pub seed: u64,
    /// A factor, by its key, drawing from another seed.
    pub rekey: Option<Rekey>,
}

impl Block<'_> {
    /// The values of the factor whose key is `key` in this block, in
    /// order: path after path (and month after month within a path, for a
    /// growth factor).
    pub(crate) fn factor_source(&self, key: u64) -> Source {
        let seed = match self.factors.rekey {
            Some(r) if r.purpose == key => r.seed,
            _ => self.factors.seed,
        };
        Source::with_seed(seed, self.index, key, PURPOSE)
    }
}

/// The last growth factor's shocks a thread drew, for the next stream of
/// the same block linked to it: the values are a function of (seed, block,
/// factor) alone, so a second stream may read the first one's instead of
/// drawing them again.
struct Shocks {
    seed: u64,
    index: u64,
    key: u64,
    values: Rc<Vec<f64>>,
}

thread_local! {
    static LAST_SHOCKS: RefCell<Option<Shocks>> = const { RefCell::new(None) };
}

impl Block<'_> {
    /// The first `len` values of the growth factor keyed `key` in this
    /// block (`len` = paths × (months − 1), path after path): the values
    /// [`Block::factor_source`] gives, drawn once per thread and block
    /// however many streams read them. Normals drawn all at once are those
    /// drawn a chunk at a time (see `sample`), so the bits are the same.
    pub(crate) fn growth_factor_shocks(&self, key: u64, len: usize) -> Rc<Vec<f64>> {
        let seed = match self.factors.rekey {
            Some(r) if r.purpose == key => r.seed,
            _ => self.factors.seed,
        };
        LAST_SHOCKS.with_borrow_mut(|last| {
            if let Some(s) = last
                && s.seed == seed
                && s.index == self.index
                && s.key == key
                && s.values.len() == len
            {
                return Rc::clone(&s.values);
            }
            let mut values = vec![0.0; len];
            self.factor_source(key).fill(&mut values);
            let values = Rc::new(values);
            *last = Some(Shocks {
                seed,
                index: self.index,
                key,
                values: Rc::clone(&values),
            });
            values
        })
    }
}

/// Per path, the loading `l` and `√(1 − l²)`, from the link's loading
/// (drawn per path, from the stream's generator for `purpose`, when it is
/// a distribution).
pub(crate) fn loadings(
    block: &Block,
    stream: u64,
    purpose: &str,
    link: &FactorLink,
) -> (Vec<f64>, Vec<f64>) {
    let mut l = Vec::new();
    block.draw(stream, purpose, &link.loading, &mut l);
    let own = l.iter().map(|l| (1.0 - l * l).max(0.0).sqrt()).collect();
    (l, own)
}
