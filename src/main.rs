//! The `stadscan` binary: parse arguments, run the command, exit with its code.

mod cli;
mod commands;
mod error;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    commands::run(cli)
}
