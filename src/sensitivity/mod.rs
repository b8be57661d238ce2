//! What moves a scenario's results: scenarios compared path by path on
//! common random numbers ([`compare`]), one input at a time at its ends
//! ([`tornado`]), and the variance of each target by source
//! ([`sources`]).
//!
//! Like sweeps, everything here runs variants of scenarios on the same
//! seed and paths, so a stream with the same kind and id draws the same
//! numbers in every variant, and differences come from the inputs, not
//! from noise.

pub mod compare;
pub mod html;
pub mod sources;
pub mod tornado;
