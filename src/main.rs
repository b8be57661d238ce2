//! `simulate`: parse the command line, hand off to the library, print.
//! Errors are printed once, here, with their chain; the exit code says
//! what kind of failure it was (2: bad input or usage, 1: run-time, 130:
//! interrupted).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
