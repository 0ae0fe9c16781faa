//! `trestle`: the Trestle command line.
//!
//! Secrets never come from argv: the mnemonic is read from `TRESTLE_MNEMONIC` or the first line
//! of standard input, a BIP39 passphrase from `TRESTLE_PASSPHRASE`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let json = args.json;
    match cli::run(args) {
        Ok(outcome) => {
            outcome.print(json);
            outcome.exit_code()
        }
        Err(err) => {
            cli::print_error(&err, json);
            ExitCode::FAILURE
        }
    }
}
