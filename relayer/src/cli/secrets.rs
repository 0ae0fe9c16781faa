//! Reading secrets for the command line: never from argv.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use trestle_core::wallet::mnemonic::{Language, Mnemonic};
use zeroize::Zeroizing;

/// Environment variable holding the mnemonic.
pub const MNEMONIC_ENV: &str = "TRESTLE_MNEMONIC";
/// Environment variable holding the optional BIP39 passphrase.
pub const PASSPHRASE_ENV: &str = "TRESTLE_PASSPHRASE";

/// Reads the mnemonic from `TRESTLE_MNEMONIC`, or else from the first line of standard input
/// (without echo when standard input is a terminal), and validates it.
pub fn read_mnemonic(language: Language) -> anyhow::Result<Mnemonic> {
    let phrase = match std::env::var(MNEMONIC_ENV) {
        Ok(value) => Zeroizing::new(value),
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("{MNEMONIC_ENV} is not valid UTF-8")
        }
        Err(std::env::VarError::NotPresent) => read_first_stdin_line()?,
    };
    if phrase.trim().is_empty() {
        bail!(
            "no mnemonic: set {MNEMONIC_ENV} or write the mnemonic as the first line of standard input"
        );
    }
    Mnemonic::parse_in(language, &phrase).context("the mnemonic is not valid")
}

/// The BIP39 passphrase from `TRESTLE_PASSPHRASE`, or the empty passphrase.
pub fn read_passphrase() -> anyhow::Result<Zeroizing<String>> {
    match std::env::var(PASSPHRASE_ENV) {
        Ok(value) => Ok(Zeroizing::new(value)),
        Err(std::env::VarError::NotPresent) => Ok(Zeroizing::new(String::new())),
        Err(std::env::VarError::NotUnicode(_)) => bail!("{PASSPHRASE_ENV} is not valid UTF-8"),
    }
}

fn read_first_stdin_line() -> anyhow::Result<Zeroizing<String>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let line = rpassword::prompt_password("mnemonic (input hidden): ")
            .context("cannot read the mnemonic from the terminal")?;
        return Ok(Zeroizing::new(line));
    }
    let mut line = Zeroizing::new(String::new());
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the mnemonic from standard input")?;
    Ok(line)
}
