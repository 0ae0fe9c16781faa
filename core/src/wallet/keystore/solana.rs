//! Solana keys in a Web3 Secret Storage file: the 32-byte ed25519 seed is encrypted exactly as
//! an EVM private key is, and the file says what it holds with
//! `"x-trestle": {"chain": "solana", "address": "<base58 public key>"}` instead of an EVM
//! `address`, so that its address can be read without the password and a tool never takes the
//! seed for a secp256k1 key.

use rand_core::{OsRng, RngCore};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::{KdfParams, Keystore, describe, invalid, quoted};
use crate::error::{Error, Result};
use crate::solana::{SolanaAddress, SolanaSigner};

/// The only `x-trestle.chain` this module knows.
const CHAIN: &str = "solana";

impl Keystore {
    /// Encrypts a Solana key, its 32-byte ed25519 `seed` (what `SolanaSigner::from_secret_key`
    /// takes: the first half of a solana-keygen keypair), under `password`, with a fresh random
    /// salt, IV and UUID v4 id. The file names the public key in `x-trestle.address` and no EVM
    /// address. Reports a failing OS random number generator.
    pub fn encrypt_solana(seed: &[u8; 32], password: &[u8], params: KdfParams) -> Result<Self> {
        let address = SolanaSigner::from_secret_key(seed).pubkey();
        Self::seal(seed, password, params, None, Some(address))
    }

    /// A new random Solana key (a seed from the OS random number generator), encrypted under
    /// `password` as [`Keystore::encrypt_solana`] does: the seed exists only in the file.
    pub fn generate_solana(password: &[u8], params: KdfParams) -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 32]);
        OsRng
            .try_fill_bytes(seed.as_mut_slice())
            .map_err(|e| Error::Rng(e.to_string()))?;
        Self::encrypt_solana(&seed, password, params)
    }

    /// Decrypts a Solana key: the secret is taken as an ed25519 seed.
    ///
    /// Returns [`Error::KeystoreWrongPassword`](crate::Error::KeystoreWrongPassword) when the
    /// MAC does not match, and [`Error::InvalidKeystore`](crate::Error::InvalidKeystore) when
    /// the file names a Solana address (`x-trestle.address`) that is not its seed's key. A file
    /// without the mark (an EVM-style keystore holding a seed, as older tools wrote) is read
    /// as a seed too: the caller says it is a Solana key.
    pub fn decrypt_solana(&self, password: &[u8]) -> Result<SolanaSigner> {
        let seed: Zeroizing<[u8; 32]> = self.open(password)?;
        let signer = SolanaSigner::from_secret_key(&seed);
        if let Some(expected) = &self.solana
            && *expected != signer.pubkey()
        {
            return Err(invalid(
                "x-trestle.address",
                format!(
                    "the file says {expected} but its seed's key is {}",
                    signer.pubkey()
                ),
            ));
        }
        Ok(signer)
    }

    /// The Solana public key the file says it holds (`x-trestle.address`), if it is marked as
    /// a Solana key. Read without the password and so not authenticated: only
    /// [`Keystore::decrypt_solana`] checks it against the seed.
    pub fn solana_address(&self) -> Option<SolanaAddress> {
        self.solana
    }
}

/// The `x-trestle` object of a file holding the Solana key `address`.
pub(super) fn marker(address: &SolanaAddress) -> Value {
    json!({ "chain": CHAIN, "address": address.to_string() })
}

/// Reads `x-trestle` from the file's top level: `None` when absent. Refuses a mark that is not
/// an object with `chain: "solana"` and a base58 public key, and a file that names both a
/// Solana and an EVM address.
pub(super) fn parse_marker(root: &Map<String, Value>) -> Result<Option<SolanaAddress>> {
    let mark = match root.get("x-trestle") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(mark)) => mark,
        Some(other) => {
            return Err(invalid(
                "x-trestle",
                format!("expected an object, found {}", describe(other)),
            ));
        }
    };
    match mark.get("chain") {
        Some(Value::String(chain)) if chain == CHAIN => {}
        Some(Value::String(chain)) => {
            return Err(invalid(
                "x-trestle.chain",
                format!("unknown chain {}; expected \"{CHAIN}\"", quoted(chain)),
            ));
        }
        Some(other) => {
            return Err(invalid(
                "x-trestle.chain",
                format!("expected \"{CHAIN}\", found {}", describe(other)),
            ));
        }
        None => return Err(invalid("x-trestle.chain", "missing")),
    }
    let address = match mark.get("address") {
        Some(Value::String(text)) => SolanaAddress::parse(text)
            .map_err(|e| invalid("x-trestle.address", format!("{}: {e}", quoted(text))))?,
        Some(other) => {
            return Err(invalid(
                "x-trestle.address",
                format!("expected a base58 string, found {}", describe(other)),
            ));
        }
        None => return Err(invalid("x-trestle.address", "missing")),
    };
    if matches!(root.get("address"), Some(Value::String(s)) if !s.is_empty()) {
        return Err(invalid(
            "address",
            "a Solana keystore (x-trestle) names no EVM address",
        ));
    }
    Ok(Some(address))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn light() -> KdfParams {
        KdfParams::scrypt_light()
    }

    #[test]
    fn a_solana_keystore_round_trips_and_names_its_address() {
        let seed = [7u8; 32];
        let signer = SolanaSigner::from_secret_key(&seed);
        let store = Keystore::encrypt_solana(&seed, b"pw", light()).unwrap();
        assert_eq!(store.solana_address(), Some(signer.pubkey()));
        assert_eq!(store.address(), None);
        let json = store.to_json();
        let value: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["x-trestle"]["chain"], "solana");
        assert_eq!(value["x-trestle"]["address"], signer.pubkey().to_string());
        assert!(value.get("address").is_none(), "{json}");

        let parsed = Keystore::parse(&json).unwrap();
        assert_eq!(parsed, store);
        let opened = parsed.decrypt_solana(b"pw").unwrap();
        assert_eq!(opened.pubkey(), signer.pubkey());
        assert!(matches!(
            parsed.decrypt_solana(b"wrong"),
            Err(Error::KeystoreWrongPassword)
        ));
        // Never taken for an EVM key.
        let e = parsed.decrypt(b"pw").unwrap_err().to_string();
        assert!(e.contains("x-trestle") && e.contains("Solana"), "{e}");
    }

    #[test]
    fn generated_keys_open_with_their_password() {
        let store = Keystore::generate_solana(b"pw", light()).unwrap();
        let signer = store.decrypt_solana(b"pw").unwrap();
        assert_eq!(store.solana_address(), Some(signer.pubkey()));
        let other = Keystore::generate_solana(b"pw", light()).unwrap();
        assert_ne!(other.solana_address(), store.solana_address());

        let store = Keystore::generate(b"pw", light()).unwrap();
        let key = store.decrypt(b"pw").unwrap();
        let address = crate::evm::EvmSigner::from_private_key(&key)
            .unwrap()
            .address();
        assert_eq!(store.address(), Some(address.0));
        assert_eq!(store.solana_address(), None);
    }

    #[test]
    fn an_unmarked_keystore_opens_as_a_seed() {
        // What the relayer's tests and older tools wrote: an EVM-style file around the seed.
        let seed = [9u8; 32];
        let json = super::super::encrypt(&seed, b"pw", light()).unwrap();
        let signer = Keystore::parse(&json)
            .unwrap()
            .decrypt_solana(b"pw")
            .unwrap();
        assert_eq!(
            signer.pubkey(),
            SolanaSigner::from_secret_key(&seed).pubkey()
        );
    }

    #[test]
    fn a_wrong_or_malformed_mark_is_refused_by_name() {
        let store = Keystore::encrypt_solana(&[7u8; 32], b"pw", light()).unwrap();
        let other = SolanaSigner::from_secret_key(&[8u8; 32]).pubkey();
        let mut value: Value = serde_json::from_str(&store.to_json()).unwrap();
        value["x-trestle"]["address"] = json!(other.to_string());
        let e = Keystore::parse(&value.to_string())
            .unwrap()
            .decrypt_solana(b"pw")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x-trestle.address") && e.contains(&other.to_string()),
            "{e}"
        );

        for (mark, field) in [
            (json!("solana"), "x-trestle"),
            (json!({"address": other.to_string()}), "x-trestle.chain"),
            (
                json!({"chain": "bitcoin", "address": "x"}),
                "x-trestle.chain",
            ),
            (json!({"chain": "solana"}), "x-trestle.address"),
            (
                json!({"chain": "solana", "address": "0OIl"}),
                "x-trestle.address",
            ),
        ] {
            let mut value: Value = serde_json::from_str(&store.to_json()).unwrap();
            value["x-trestle"] = mark;
            let e = Keystore::parse(&value.to_string()).unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
        let mut value: Value = serde_json::from_str(&store.to_json()).unwrap();
        value["address"] = json!("f39fd6e51aad88f6f4ce6ab8827279cfffb92266");
        let e = Keystore::parse(&value.to_string()).unwrap_err().to_string();
        assert!(e.contains("names no EVM address"), "{e}");
    }
}
