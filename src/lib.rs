//! revsim: a Monte Carlo engine for revenue projection.
//!
//! The library holds everything; the `simulate` binary only parses arguments,
//! calls into it and prints.

pub mod bench;
pub mod dist;
pub mod engine;
pub mod math;
pub mod model;
pub mod output;
pub mod progress;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
mod special;
pub mod stats;
pub mod sweep;
