//! All integration tests build as one binary (as ripgrep does): one link
//! step instead of one per file.

mod bench;
mod browser;
mod cli;
mod closed_form;
mod common;
mod determinism;
mod errors;
mod html;
mod memory;
mod provenance;
mod samples;
mod scenarios;
mod snapshots;
mod solve;
mod sweep;
mod sweep_cli;
