//! Sweeps: one scenario run at many points of its parameter space, and the
//! breakeven solver built on them.
//!
//! A sweep file names a scenario and the parameters to vary (see
//! [`mod@file`]); the design ([`mod@design`]) turns it into points;
//! [`run()`] runs them all, in parallel across points and paths, and gives
//! a row per point, which [`mod@csv`], [`mod@json`] and [`mod@table`]
//! print. [`solve()`] finds the value of one parameter at which a target is
//! hit with a given probability.
//!
//! # Guarantees
//!
//! - Common random numbers: every point runs the same seed and paths, and
//!   every stream draws from generators keyed by its own kind and id (see
//!   [`crate::rng`]), so changing one stream's parameters leaves every
//!   other stream's draws, and revenue, bit for bit the same. Differences
//!   between rows come from the parameters, not from noise; where the
//!   model is monotone in a parameter, so is every path, and so is each
//!   estimated probability.
//! - Determinism: rows are in a fixed point order and each is a function of
//!   the sweep file, the seed and the paths only, never of the thread
//!   count.
//! - A point's row holds exactly the statistics a single run of that
//!   variant with the same seed and paths reports.

pub mod csv;
pub mod design;
pub mod file;
pub mod html;
pub mod json;
pub mod run;
pub mod solve;
pub mod table;

pub use design::PointSet;
pub use file::{Design, Level, Levels, Sweep, Vary};
pub use run::{Row, SweepError, SweepResult, TargetInfo, TargetRow, run};
pub use solve::{Breakeven, Solution, SolveError, solve};
