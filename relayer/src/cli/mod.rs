//! Command-line parsing and output.

mod bridge;
mod relayer;
mod secrets;
mod wallet;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Trestle: bridge tokens and messages between EVM chains and Solana, and hold the keys that
/// do it.
#[derive(Debug, Parser)]
#[command(name = "trestle", version, about, long_about = None)]
pub struct Cli {
    /// Print one JSON object instead of plain text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,

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
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Wallet { command } => wallet::run(command),
        Command::Bridge { command } => bridge::run(command, cli.json),
        Command::Relayer { command } => relayer::run(command),
    }
}

/// What a command produced: text for people, JSON for programs, and whether it succeeded.
#[derive(Debug)]
pub struct Outcome {
    text: String,
    json: serde_json::Value,
    success: bool,
}

impl Outcome {
    /// A successful result.
    pub fn ok(text: impl Into<String>, json: serde_json::Value) -> Self {
        Outcome {
            text: text.into(),
            json,
            success: true,
        }
    }

    /// A result that is reported normally but exits with status 1 (for example an invalid
    /// address given to `validate-address`). The text goes to stderr.
    pub fn failed(text: impl Into<String>, json: serde_json::Value) -> Self {
        Outcome {
            text: text.into(),
            json,
            success: false,
        }
    }

    /// Prints the outcome in the chosen format.
    pub fn print(&self, json: bool) {
        let body = if json {
            self.json.to_string()
        } else {
            self.text.clone()
        };
        if self.success {
            println!("{body}");
        } else {
            eprintln!("{body}");
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        if self.success {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// Prints an error to stderr, as text (`error: ...: cause`) or as `{"error": "..."}`.
pub fn print_error(err: &anyhow::Error, json: bool) {
    let message = format!("{err:#}");
    if json {
        eprintln!("{}", serde_json::json!({ "error": message }));
    } else {
        eprintln!("error: {message}");
    }
}
