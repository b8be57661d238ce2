//! revsim: a Monte Carlo engine for revenue projection.
//!
//! The library holds everything; the `simulate` binary only parses arguments,
//! calls into it and prints.

pub mod dist;
pub mod stats;
pub mod model;
pub mod rng;
pub mod scenario;
pub mod engine;
pub mod report;
pub mod output;
pub mod progress;
