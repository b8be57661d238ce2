//! All integration tests build as one binary (as ripgrep does): one link
//! step instead of one per file.

mod bench;
mod browser;
mod cli;
mod closed_form;
mod common;
mod compare;
mod correlation;
mod determinism;
mod distributions;
mod drivers;
mod errors;
mod factors;
mod hardening;
mod html;
mod memory;
mod precision;
mod properties;
mod provenance;
mod samples;
mod scenarios;
mod sensitivity;
mod shards;
mod snapshots;
mod solve;
mod sweep;
mod sweep_cli;
mod targets;
