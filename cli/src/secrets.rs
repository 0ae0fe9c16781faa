//! Reading secrets for the command line: never from argv.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use trestle_core::wallet::mnemonic::{Language, Mnemonic};
use zeroize::Zeroizing;

/// Environment variable holding the mnemonic.
pub const MNEMONIC_ENV: &str = "TRESTLE_MNEMONIC";
/// Environment variable holding a keystore password.
pub const KEYSTORE_PASSWORD_ENV: &str = "TRESTLE_KEYSTORE_PASSWORD";
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

/// The keystore password from `TRESTLE_KEYSTORE_PASSWORD`, or asked at the terminal (twice when
/// `confirm`, for a new keystore). Refuses an empty password.
pub fn read_keystore_password(confirm: bool) -> anyhow::Result<Zeroizing<String>> {
    let password = match std::env::var(KEYSTORE_PASSWORD_ENV) {
        Ok(value) => Zeroizing::new(value),
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("{KEYSTORE_PASSWORD_ENV} is not valid UTF-8")
        }
        Err(std::env::VarError::NotPresent) => {
            if !std::io::stdin().is_terminal() {
                bail!("no keystore password: set {KEYSTORE_PASSWORD_ENV}");
            }
            let first = Zeroizing::new(
                rpassword::prompt_password("keystore password: ")
                    .context("cannot read the password from the terminal")?,
            );
            if confirm {
                let second = Zeroizing::new(
                    rpassword::prompt_password("repeat the password: ")
                        .context("cannot read the password from the terminal")?,
                );
                if first != second {
                    bail!("the two passwords differ");
                }
            }
            first
        }
    };
    if password.is_empty() {
        bail!("the keystore password is empty");
    }
    Ok(password)
}

/// Creates `path` (which must not exist) readable by its owner only, and writes `bytes`.
pub fn write_new_private_file(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;

    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
