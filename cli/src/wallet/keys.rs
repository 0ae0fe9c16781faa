//! Where a signing key comes from (an account of the mnemonic, or an encrypted keystore given
//! with `--keystore`), and the key-file commands: keystores for EVM and Solana keys (new,
//! exported from the mnemonic, inspected) and Solana keypair files in solana-keygen's `id.json`
//! format (imported to a keystore, exported from the mnemonic or a keystore).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use trestle_core::evm::EvmSigner;
use trestle_core::solana::SolanaSigner;
use trestle_core::wallet::keystore::{self, KdfParams, Keystore};
use trestle_core::wallet::path::DerivationPath;
use zeroize::Zeroizing;

use super::{AccountArgs, Chain, KdfChoice, chain_name, open_account};
use crate::outcome::Outcome;
use crate::secrets::{read_keystore_password, write_new_private_file};

/// Where the key that signed came from.
#[derive(Debug, Clone)]
pub(super) enum KeyOrigin {
    /// An account of the mnemonic at this path.
    Path(DerivationPath),
    /// A keystore file.
    Keystore(PathBuf),
}

impl KeyOrigin {
    /// `"path": "m/..."` or `"keystore": "FILE"`, added to a JSON answer object.
    pub(super) fn add_to(&self, value: &mut Value) {
        if let Some(map) = value.as_object_mut() {
            let (key, text) = match self {
                KeyOrigin::Path(path) => ("path", path.to_string()),
                KeyOrigin::Keystore(file) => ("keystore", file.display().to_string()),
            };
            map.insert(key.to_owned(), json!(text));
        }
    }
}

impl std::fmt::Display for KeyOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyOrigin::Path(path) => write!(f, "{path}"),
            KeyOrigin::Keystore(file) => write!(f, "keystore {}", file.display()),
        }
    }
}

/// The EVM signer of `--keystore FILE` (password from TRESTLE_KEYSTORE_PASSWORD or a prompt),
/// or else of the mnemonic's account.
pub(super) fn evm_signer(account: &AccountArgs) -> anyhow::Result<(EvmSigner, KeyOrigin)> {
    if let Some(file) = &account.keystore {
        let store = read_keystore(file)?;
        if let Some(address) = store.solana_address() {
            bail!(
                "keystore {} holds the Solana key {address}; an EVM command needs an EVM keystore",
                file.display()
            );
        }
        let password = read_keystore_password(false)?;
        let key = store
            .decrypt(password.as_bytes())
            .with_context(|| format!("keystore {}", file.display()))?;
        let signer = EvmSigner::from_private_key(&key)?;
        return Ok((signer, KeyOrigin::Keystore(file.clone())));
    }
    let (wallet, path) = open_account(Chain::Evm, account)?;
    let signer = wallet.evm_signer(&path)?;
    Ok((signer, KeyOrigin::Path(path)))
}

/// The Solana signer of `--keystore FILE`, which must be a Solana keystore (as `new-keystore
/// --chain solana`, `export-keystore --chain solana` and `import-keypair` write), or else of the
/// mnemonic's account.
pub(super) fn solana_signer(account: &AccountArgs) -> anyhow::Result<(SolanaSigner, KeyOrigin)> {
    if let Some(file) = &account.keystore {
        let store = read_keystore(file)?;
        if store.solana_address().is_none() {
            bail!(
                "keystore {} is not marked as a Solana key (x-trestle){}; a Solana keystore comes \
                 from `trestle wallet new-keystore --chain solana` or `import-keypair` (an older \
                 one's address: `inspect-keystore --chain solana`)",
                file.display(),
                store
                    .address()
                    .map(|a| format!(", it names the EVM address 0x{}", hex::encode(a)))
                    .unwrap_or_default()
            );
        }
        let password = read_keystore_password(false)?;
        let signer = store
            .decrypt_solana(password.as_bytes())
            .with_context(|| format!("keystore {}", file.display()))?;
        return Ok((signer, KeyOrigin::Keystore(file.clone())));
    }
    let (wallet, path) = open_account(Chain::Solana, account)?;
    let signer = wallet.solana_signer(&path)?;
    Ok((signer, KeyOrigin::Path(path)))
}

fn read_keystore(file: &Path) -> anyhow::Result<Keystore> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read keystore {}", file.display()))?;
    Keystore::parse(&text).with_context(|| format!("keystore {}", file.display()))
}

fn kdf_params(kdf: KdfChoice) -> anyhow::Result<KdfParams> {
    Ok(match kdf {
        KdfChoice::Scrypt => KdfParams::scrypt_standard(),
        KdfChoice::ScryptLight => KdfParams::scrypt_light(),
        KdfChoice::Pbkdf2 => KdfParams::pbkdf2(keystore::PBKDF2_DEFAULT_ITERATIONS)?,
    })
}

/// Refuses an `--out` that exists, before any secret is read.
fn refuse_existing(out: &Path, what: &str) -> anyhow::Result<()> {
    if out.exists() {
        bail!(
            "--out {}: the file exists; refusing to overwrite {what}",
            out.display()
        );
    }
    Ok(())
}

/// Writes `store` to `out` (mode 0600) and says what it holds.
fn wrote_keystore(
    out: &Path,
    store: &Keystore,
    chain: Chain,
    address: String,
    origin: Option<&KeyOrigin>,
) -> anyhow::Result<Outcome> {
    write_new_private_file(out, store.to_json().as_bytes())?;
    let mut answer = json!({
        "file": out.display().to_string(),
        "chain": chain_name(chain),
        "address": address,
        "kdf": store.kdf_params().kdf_name(),
    });
    let from = match origin {
        Some(origin) => {
            origin.add_to(&mut answer);
            format!(" ({origin})")
        }
        None => String::new(),
    };
    Ok(Outcome::ok(
        format!("wrote {} for {address}{from}", out.display()),
        answer,
    ))
}

/// `wallet new-keystore`: a fresh random key, only ever in the file.
pub(super) fn new_keystore(chain: Chain, out: &Path, kdf: KdfChoice) -> anyhow::Result<Outcome> {
    refuse_existing(out, "a keystore")?;
    let params = kdf_params(kdf)?;
    let password = read_keystore_password(true)?;
    let (store, address) = match chain {
        Chain::Evm => {
            let store = Keystore::generate(password.as_bytes(), params)?;
            let address = store
                .address()
                .map(|a| trestle_core::evm::EvmAddress(a).to_string())
                .context("a new EVM keystore names its address")?;
            (store, address)
        }
        Chain::Solana => {
            let store = Keystore::generate_solana(password.as_bytes(), params)?;
            let address = store
                .solana_address()
                .map(|a| a.to_string())
                .context("a new Solana keystore names its address")?;
            (store, address)
        }
    };
    wrote_keystore(out, &store, chain, address, None)
}

/// `wallet export-keystore`: the mnemonic account's key in a keystore.
pub(super) fn export_keystore(
    chain: Chain,
    out: &Path,
    kdf: KdfChoice,
    account: &AccountArgs,
) -> anyhow::Result<Outcome> {
    if account.keystore.is_some() {
        bail!(
            "export-keystore writes an account of the mnemonic; --keystore is a keystore already"
        );
    }
    refuse_existing(out, "a keystore")?;
    let params = kdf_params(kdf)?;
    let (wallet, path) = open_account(chain, account)?;
    let password = read_keystore_password(true)?;
    let (store, address) = match chain {
        Chain::Evm => {
            let key = wallet.evm_private_key(&path)?;
            let address = EvmSigner::from_private_key(&key)?.address().to_string();
            (
                Keystore::encrypt(&key, password.as_bytes(), params)?,
                address,
            )
        }
        Chain::Solana => {
            let signer = wallet.solana_signer(&path)?;
            let seed = seed_of(&signer);
            let store = Keystore::encrypt_solana(&seed, password.as_bytes(), params)?;
            (store, signer.pubkey().to_string())
        }
    };
    wrote_keystore(out, &store, chain, address, Some(&KeyOrigin::Path(path)))
}

/// `wallet inspect-keystore`: decrypts the file and prints its address (never the key). A file
/// marked as a Solana key is read as one; `--chain solana` reads an unmarked one's secret as
/// an ed25519 seed (keystores written before the mark).
pub(super) fn inspect_keystore(file: &Path, chain: Option<Chain>) -> anyhow::Result<Outcome> {
    let store = read_keystore(file)?;
    let marked_solana = store.solana_address().is_some();
    let chain = match chain {
        Some(Chain::Evm) if marked_solana => bail!(
            "keystore {} holds a Solana key (x-trestle), not an EVM key",
            file.display()
        ),
        Some(chain) => chain,
        None if marked_solana => Chain::Solana,
        None => Chain::Evm,
    };
    let password = read_keystore_password(false)?;
    let address = match chain {
        Chain::Evm => {
            let key = store
                .decrypt(password.as_bytes())
                .with_context(|| format!("keystore {}", file.display()))?;
            EvmSigner::from_private_key(&key)?.address().to_string()
        }
        Chain::Solana => store
            .decrypt_solana(password.as_bytes())
            .with_context(|| format!("keystore {}", file.display()))?
            .pubkey()
            .to_string(),
    };
    Ok(Outcome::ok(
        address.clone(),
        json!({
            "file": file.display().to_string(),
            "chain": chain_name(chain),
            "address": address,
            "kdf": store.kdf_params().kdf_name(),
        }),
    ))
}

/// `wallet import-keypair`: a solana-keygen `id.json` into a new Solana keystore.
pub(super) fn import_keypair(file: &Path, out: &Path, kdf: KdfChoice) -> anyhow::Result<Outcome> {
    refuse_existing(out, "a keystore")?;
    let params = kdf_params(kdf)?;
    // Checked before the password is asked: a bad file costs no typing.
    let signer = read_keypair_file(file)?;
    let password = read_keystore_password(true)?;
    let seed = seed_of(&signer);
    let store = Keystore::encrypt_solana(&seed, password.as_bytes(), params)?;
    write_new_private_file(out, store.to_json().as_bytes())?;
    let address = signer.pubkey().to_string();
    Ok(Outcome::ok(
        format!(
            "wrote {} for {address} (imported from {})",
            out.display(),
            file.display()
        ),
        json!({
            "file": out.display().to_string(),
            "chain": "solana",
            "address": address,
            "kdf": store.kdf_params().kdf_name(),
            "imported_from": file.display().to_string(),
        }),
    ))
}

/// `wallet export-keypair`: the Solana key of the mnemonic's account or of `--keystore` as a
/// solana-keygen `id.json` (a JSON array of 64 numbers: the seed, then the public key),
/// created with mode 0600.
pub(super) fn export_keypair(out: &Path, account: &AccountArgs) -> anyhow::Result<Outcome> {
    refuse_existing(out, "a keypair file")?;
    let (signer, origin) = solana_signer(account)?;
    let text = keypair_json(&signer);
    write_new_private_file(out, text.as_bytes())?;
    let address = signer.pubkey().to_string();
    let mut answer = json!({
        "file": out.display().to_string(),
        "chain": "solana",
        "address": address,
    });
    origin.add_to(&mut answer);
    Ok(Outcome::ok(
        format!("wrote {} for {address} ({origin})", out.display()),
        answer,
    ))
}

/// Reads and checks a solana-keygen keypair file; the errors name the file and what is wrong
/// (not JSON numbers, how many, a public key that is not the seed's), never its contents.
fn read_keypair_file(file: &Path) -> anyhow::Result<SolanaSigner> {
    // A keypair file is 64 numbers (under 300 bytes); a FIFO, a device or a huge file is
    // refused before it is read.
    const MAX_KEYPAIR_FILE: u64 = 4096;
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if !meta.is_file() || meta.len() > MAX_KEYPAIR_FILE {
        anyhow::bail!(
            "keypair file {}: not a regular file of at most {MAX_KEYPAIR_FILE} bytes (a solana-keygen id.json is a JSON array of 64 numbers)",
            file.display()
        );
    }
    let bytes = Zeroizing::new(
        std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?,
    );
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| anyhow::anyhow!("keypair file {}: not UTF-8 text", file.display()))?;
    SolanaSigner::from_keypair_json(text)
        .with_context(|| format!("keypair file {}", file.display()))
}

/// The 32-byte ed25519 seed of `signer` (the first half of its keypair bytes).
fn seed_of(signer: &SolanaSigner) -> Zeroizing<[u8; 32]> {
    let pair = signer.to_keypair_bytes();
    let mut seed = Zeroizing::new([0u8; 32]);
    for (dst, src) in seed.iter_mut().zip(pair.iter()) {
        *dst = *src;
    }
    seed
}

/// solana-keygen's `id.json` text: `[n,n,...]`, 64 numbers, the seed then the public key, as
/// `serde_json` writes a `Vec<u8>` (no spaces, no newline). Built in place, zeroized on drop.
fn keypair_json(signer: &SolanaSigner) -> Zeroizing<String> {
    let pair = signer.to_keypair_bytes();
    // At most 3 digits and a comma per byte, two brackets: no reallocation leaves a copy.
    let mut text = Zeroizing::new(String::with_capacity(64 * 4 + 2));
    text.push('[');
    for (i, byte) in pair.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        let _ = write!(text, "{byte}");
    }
    text.push(']');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keypair_json_is_what_solana_keygen_writes_and_reads_back() {
        let signer = SolanaSigner::from_secret_key(&[255u8; 32]);
        let text = keypair_json(&signer);
        let numbers: Vec<u8> = serde_json::from_str(&text).unwrap();
        assert_eq!(numbers.as_slice(), signer.to_keypair_bytes().as_slice());
        assert_eq!(*text, serde_json::to_string(&numbers).unwrap());
        assert!(text.capacity() <= 64 * 4 + 2);
        let back = SolanaSigner::from_keypair_json(&text).unwrap();
        assert_eq!(back.pubkey(), signer.pubkey());
    }
}
