#![doc = include_str!("../README.md")]

mod bridge;
mod outcome;
mod relayer;
mod secrets;
mod wallet;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::outcome::{Outcome, print_error};

/// Trestle: bridge tokens and messages between EVM chains and Solana, and hold the keys that
/// do it.
#[derive(Debug, Parser)]
#[command(name = "trestle", version, about, long_about = None)]
struct Cli {
    /// Print one JSON object instead of plain text (errors too, on stderr).
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Mnemonics, addresses and signing. The mnemonic is read from TRESTLE_MNEMONIC or the
    /// first line of standard input; a BIP39 passphrase from TRESTLE_PASSPHRASE.
    Wallet {
        #[command(subcommand)]
        command: wallet::WalletCommand,
    },
    /// Send tokens and messages across the bridge and follow them to delivery. Chains come
    /// from a relayer configuration file's [[chains]]; keys from the mnemonic
    /// (TRESTLE_MNEMONIC or standard input) or an EVM keystore.
    Bridge {
        #[command(subcommand)]
        command: bridge::BridgeCommand,
    },
    /// The bridge daemon (validator and relayer roles) and its operator commands.
    Relayer {
        #[command(subcommand)]
        command: relayer::RelayerCommand,
    },
    /// The guardian's emergency actions on a chain's bridge: pause, cancel a queued
    /// transfer, approve its replacement, remove the fee oracle.
    Guardian {
        #[command(subcommand)]
        command: bridge::govern::GuardianCommand,
    },
    /// The admin's timelocked proposals on a chain's bridge: list, propose, execute, cancel.
    Governance {
        #[command(subcommand)]
        command: bridge::govern::GovernanceCommand,
    },
}

/// Runs the parsed command line.
fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Wallet { command } => wallet::run(command),
        Command::Bridge { command } => bridge::run(command, cli.json),
        Command::Relayer { command } => relayer::run(command),
        Command::Guardian { command } => bridge::govern::run_guardian(command),
        Command::Governance { command } => bridge::govern::run_governance(command),
    }
}

fn main() -> ExitCode {
    let args = Cli::parse();
    let json = args.json;
    match run(args) {
        Ok(outcome) => {
            outcome.print(json);
            outcome.exit_code()
        }
        Err(err) => {
            print_error(&err, json);
            ExitCode::FAILURE
        }
    }
}
