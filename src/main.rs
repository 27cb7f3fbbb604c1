//! The `stadscan` binary: parse arguments, run the command, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = stadscan::cli::Cli::parse();
    stadscan::commands::run(cli)
}
