//! Encrypted key files in the Web3 Secret Storage format, version 3: the `UTC--…` files of geth,
//! ethers, MyEtherWallet and most EVM wallets.
//!
//! [`decrypt`] reads a file and returns the 32-byte secp256k1 private key; [`encrypt`] writes one
//! that geth and ethers read. [`Keystore`] is the parsed file, for reading its address or KDF
//! parameters without the password.
//!
//! # What is accepted
//!
//! - `version` must be the number 3. The encrypted section may be called `crypto` or, as ethers
//!   and some older tools write it, `Crypto` (not both).
//! - `kdf` is `scrypt` (`n`, `r`, `p`, `dklen`, `salt`) or `pbkdf2` (`c`, `dklen`,
//!   `prf: "hmac-sha256"`, `salt`); `cipher` is `aes-128-ctr` with a 16-byte `iv`; the
//!   `ciphertext` and `mac` are 32 bytes each. Hex may be upper or lower case, with or without
//!   `0x` (ethers accepts the prefix; geth writes none).
//! - `id` and `address` are optional, as in geth. An `address` (any case, with or without `0x`)
//!   must be the key's address: [`decrypt`] checks it, as ethers does.
//! - Unknown fields, such as ethers' `x-ethers`, are ignored.
//! - A Solana key (its 32-byte ed25519 seed) is kept in the same format, marked by
//!   `"x-trestle": {"chain": "solana", "address": "<base58 public key>"}` and without an EVM
//!   `address`: see [`Keystore::encrypt_solana`]. [`Keystore::decrypt`] refuses such a file,
//!   [`Keystore::decrypt_solana`] checks its address.
//! - The decrypted secret must be 32 bytes and a valid secp256k1 scalar. Very early geth
//!   versions wrote 31- or 30-byte keys (geth's own test data has two); those are refused.
//!
//! # Work-factor limits
//!
//! A keystore names its own KDF cost, so a hostile file could ask for any amount of memory or
//! time. Files above these limits are refused with [`Error::InvalidKeystore`] before any work is
//! done; every file written by geth, ethers or this module fits:
//!
//! - scrypt memory, `128·n·r` bytes: at most [`MAX_SCRYPT_MEMORY`] (256 MiB, exactly geth's
//!   "standard" `n = 2^18, r = 8`);
//! - scrypt work, `128·n·r·p` bytes mixed: at most [`MAX_SCRYPT_WORK`] (1 GiB, four times geth's
//!   standard; a few seconds in a release build);
//! - PBKDF2 iterations `c`: at most [`MAX_PBKDF2_ITERATIONS`] (10 million);
//! - `dklen` between [`MIN_DKLEN`] and [`MAX_DKLEN`]; a salt of at most [`MAX_SALT_LEN`] bytes;
//!   a file of at most [`MAX_JSON_LEN`] bytes.
//!
//! # Passwords
//!
//! Passwords are bytes and are used as given. geth uses the bytes it reads; ethers turns a string
//! password into UTF-8 after NFKC normalisation, so a non-ASCII password typed in a different
//! Unicode form only opens an ethers file after the same normalisation.
//!
//! Errors never contain the password or key material. A wrong password and a file whose
//! ciphertext or MAC was altered look the same: [`Error::KeystoreWrongPassword`].

mod kdf;
mod solana;

use std::fmt;
use std::str::FromStr;

use aes::Aes128;
use ctr::cipher::{KeyIvInit, StreamCipher};
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::elliptic_curve::subtle::ConstantTimeEq;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use sha3::{Digest, Keccak256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::solana::SolanaAddress;

pub use kdf::{
    KdfParams, MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY, MAX_SCRYPT_WORK, PBKDF2_DEFAULT_ITERATIONS,
};

use kdf::{FieldError, Kdf, check_pbkdf2, check_scrypt};

/// The only format version this module reads and writes.
pub const VERSION: u64 = 3;

/// Smallest `dklen`: the cipher key is bytes 0..16 and the MAC key bytes 16..32.
pub const MIN_DKLEN: u64 = 32;

/// Largest `dklen` accepted (ethers asks for 64 bytes internally and writes 32).
pub const MAX_DKLEN: u64 = 64;

/// Largest keystore file accepted, in bytes (real ones are under 1 KiB).
pub const MAX_JSON_LEN: usize = 64 * 1024;

/// Longest salt accepted, in bytes (geth and ethers write 32).
pub const MAX_SALT_LEN: usize = 1024;

/// Length of the salt this module writes.
const SALT_LEN: usize = 32;

type Aes128Ctr = ctr::Ctr128BE<Aes128>;

/// A parsed Web3 Secret Storage v3 file: everything in it has been checked except the password.
///
/// Build one with [`Keystore::parse`] (or `str::parse`, or serde) or [`Keystore::encrypt`]; write
/// it with [`Keystore::to_json`] (or serde).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keystore {
    id: Option<String>,
    address: Option<[u8; 20]>,
    /// The Solana public key of a file holding an ed25519 seed (`x-trestle`).
    solana: Option<SolanaAddress>,
    kdf: KdfParams,
    dklen: u64,
    salt: Vec<u8>,
    iv: [u8; 16],
    ciphertext: [u8; 32],
    mac: [u8; 32],
}

impl Keystore {
    /// Parses and checks a keystore file without decrypting it.
    ///
    /// Refuses, with [`Error::InvalidKeystore`] naming the field: more than [`MAX_JSON_LEN`]
    /// bytes, JSON that does not parse, a missing or mistyped field, a version other than 3, an
    /// unknown cipher, KDF or PRF, hex that does not decode or has the wrong length, and KDF
    /// parameters outside the [module limits](self#work-factor-limits).
    pub fn parse(json: &str) -> Result<Self> {
        if json.len() > MAX_JSON_LEN {
            return Err(Error::InvalidKeystore(format!(
                "{} bytes is longer than the limit of {MAX_JSON_LEN}",
                json.len()
            )));
        }
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::InvalidKeystore(format!("not JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Encrypts `private_key` under `password`, with a fresh random salt, IV and UUID v4 id.
    ///
    /// Refuses a key that is not a valid secp256k1 scalar ([`Error::InvalidKey`]) and reports a
    /// failing OS random number generator ([`Error::Rng`]).
    pub fn encrypt(private_key: &[u8; 32], password: &[u8], params: KdfParams) -> Result<Self> {
        let secret = secret_key(private_key).ok_or_else(|| {
            Error::InvalidKey(
                "not a secp256k1 private key: zero or not below the curve order".into(),
            )
        })?;
        Self::seal(
            private_key,
            password,
            params,
            Some(address_of(&secret)),
            None,
        )
    }

    /// A new random secp256k1 key from the OS random number generator, encrypted under
    /// `password`: the key exists only in the file. Reports a failing generator.
    pub fn generate(password: &[u8], params: KdfParams) -> Result<Self> {
        let mut key = Zeroizing::new([0u8; 32]);
        // A uniform 32-byte value is a valid scalar but with probability about 2^-128.
        loop {
            OsRng
                .try_fill_bytes(key.as_mut_slice())
                .map_err(|e| Error::Rng(e.to_string()))?;
            if let Some(secret) = secret_key(&key) {
                return Self::seal(&key, password, params, Some(address_of(&secret)), None);
            }
        }
    }

    /// Encrypts `secret` with fresh randomness; the file names `address` and `solana`.
    fn seal(
        secret: &[u8; 32],
        password: &[u8],
        params: KdfParams,
        address: Option<[u8; 20]>,
        solana: Option<SolanaAddress>,
    ) -> Result<Self> {
        let mut salt = vec![0u8; SALT_LEN];
        let mut iv = [0u8; 16];
        let mut uuid = [0u8; 16];
        for buf in [salt.as_mut_slice(), iv.as_mut_slice(), uuid.as_mut_slice()] {
            OsRng
                .try_fill_bytes(buf)
                .map_err(|e| Error::Rng(e.to_string()))?;
        }

        let derived = params.derive(password, &salt)?;
        let (cipher_key, mac_key) = derived.split_at(16);
        let mut buffer = Zeroizing::new(*secret);
        apply_cipher(cipher_key, &iv, &mut *buffer)?;
        let ciphertext = *buffer;
        let mac = mac(mac_key, &ciphertext);

        Ok(Keystore {
            id: Some(
                uuid::Builder::from_random_bytes(uuid)
                    .into_uuid()
                    .to_string(),
            ),
            address,
            solana,
            kdf: params,
            dklen: MIN_DKLEN,
            salt,
            iv,
            ciphertext,
            mac,
        })
    }

    /// Decrypts the private key.
    ///
    /// Returns [`Error::KeystoreWrongPassword`] when the MAC does not match (compared in constant
    /// time), and [`Error::InvalidKeystore`] when the secret is not a valid secp256k1 key or is
    /// not the key of the file's `address`, or the file holds a Solana key (`x-trestle`).
    pub fn decrypt(&self, password: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        if let Some(solana) = &self.solana {
            return Err(invalid(
                "x-trestle",
                format!("the file holds the Solana key {solana} (an ed25519 seed), not an EVM key"),
            ));
        }
        let key = self.open(password)?;
        let secret = secret_key(&key).ok_or_else(|| {
            Error::InvalidKeystore(
                "ciphertext: the decrypted secret is not a secp256k1 private key".into(),
            )
        })?;
        if let Some(expected) = self.address {
            let actual = address_of(&secret);
            if actual != expected {
                return Err(Error::InvalidKeystore(format!(
                    "address: the file says 0x{} but its key belongs to 0x{}",
                    hex::encode(expected),
                    hex::encode(actual)
                )));
            }
        }
        Ok(key)
    }

    /// The decrypted 32-byte secret, after the MAC check.
    fn open(&self, password: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let derived = self.kdf.derive(password, &self.salt)?;
        let (cipher_key, mac_key) = derived.split_at(16);
        if !bool::from(mac(mac_key, &self.ciphertext).ct_eq(&self.mac)) {
            return Err(Error::KeystoreWrongPassword);
        }
        let mut key = Zeroizing::new(self.ciphertext);
        apply_cipher(cipher_key, &self.iv, &mut *key)?;
        Ok(key)
    }

    /// The 20-byte EVM address the file claims to hold, if it names one.
    ///
    /// It is read without the password and so is not authenticated: only [`Keystore::decrypt`]
    /// checks it against the key.
    pub fn address(&self) -> Option<[u8; 20]> {
        self.address
    }

    /// The file's `id` (a UUID in files written by geth, ethers and this module), if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The key-derivation parameters, for example to warn about a weak file.
    pub fn kdf_params(&self) -> KdfParams {
        self.kdf
    }

    /// The file as compact JSON, in the layout geth writes (lowercase hex without `0x`, the
    /// `crypto` section in lowercase).
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    fn to_value(&self) -> Value {
        let mut kdfparams = Map::new();
        match self.kdf.0 {
            Kdf::Scrypt { log_n, r, p } => {
                kdfparams.insert("dklen".into(), self.dklen.into());
                kdfparams.insert("n".into(), (1u64 << log_n).into());
                kdfparams.insert("p".into(), p.into());
                kdfparams.insert("r".into(), r.into());
            }
            Kdf::Pbkdf2 { c } => {
                kdfparams.insert("c".into(), c.into());
                kdfparams.insert("dklen".into(), self.dklen.into());
                kdfparams.insert("prf".into(), "hmac-sha256".into());
            }
        }
        kdfparams.insert("salt".into(), hex::encode(&self.salt).into());

        let mut cipherparams = Map::new();
        cipherparams.insert("iv".into(), hex::encode(self.iv).into());

        let mut crypto = Map::new();
        crypto.insert("cipher".into(), "aes-128-ctr".into());
        crypto.insert("ciphertext".into(), hex::encode(self.ciphertext).into());
        crypto.insert("cipherparams".into(), cipherparams.into());
        crypto.insert("kdf".into(), self.kdf.kdf_name().into());
        crypto.insert("kdfparams".into(), kdfparams.into());
        crypto.insert("mac".into(), hex::encode(self.mac).into());

        let mut root = Map::new();
        if let Some(address) = self.address {
            root.insert("address".into(), hex::encode(address).into());
        }
        root.insert("crypto".into(), crypto.into());
        if let Some(id) = &self.id {
            root.insert("id".into(), id.as_str().into());
        }
        root.insert("version".into(), VERSION.into());
        if let Some(solana) = &self.solana {
            root.insert("x-trestle".into(), solana::marker(solana));
        }
        root.into()
    }

    fn from_value(value: &Value) -> Result<Self> {
        let root = value
            .as_object()
            .ok_or_else(|| invalid("(top level)", "expected a JSON object"))?;

        let version = field(root, "version", "version")?;
        if version.as_u64() != Some(VERSION) {
            return Err(invalid(
                "version",
                format!("expected {VERSION}, found {}", describe(version)),
            ));
        }

        let id = match root.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(other) => {
                return Err(invalid(
                    "id",
                    format!("expected a string, found {}", describe(other)),
                ));
            }
        };

        let address = match root.get("address") {
            None | Some(Value::Null) => None,
            // ethers treats an empty address as no address.
            Some(Value::String(s)) if s.is_empty() => None,
            Some(other) => Some(hex_array::<20>(other, "address")?),
        };

        let solana = solana::parse_marker(root)?;

        let crypto = match (root.get("crypto"), root.get("Crypto")) {
            (Some(crypto), None) | (None, Some(crypto)) => crypto,
            (Some(_), Some(_)) => {
                return Err(invalid("crypto", "both `crypto` and `Crypto` are present"));
            }
            (None, None) => return Err(invalid("crypto", "missing")),
        };
        let crypto = crypto
            .as_object()
            .ok_or_else(|| invalid("crypto", "expected an object"))?;

        let cipher = string(crypto, "cipher", "crypto.cipher")?;
        if cipher != "aes-128-ctr" {
            return Err(invalid(
                "crypto.cipher",
                format!(
                    "unsupported cipher {}; expected aes-128-ctr",
                    quoted(cipher)
                ),
            ));
        }
        let cipherparams = object(crypto, "cipherparams", "crypto.cipherparams")?;
        let iv = hex_array::<16>(
            field(cipherparams, "iv", "crypto.cipherparams.iv")?,
            "crypto.cipherparams.iv",
        )?;
        let ciphertext = hex_array::<32>(
            field(crypto, "ciphertext", "crypto.ciphertext")?,
            "crypto.ciphertext",
        )?;
        let mac = hex_array::<32>(field(crypto, "mac", "crypto.mac")?, "crypto.mac")?;

        let kdf_name = string(crypto, "kdf", "crypto.kdf")?;
        let params = object(crypto, "kdfparams", "crypto.kdfparams")?;
        let number = |name: &'static str, path: &'static str| -> Result<u64> {
            let value = field(params, name, path)?;
            value.as_u64().ok_or_else(|| {
                invalid(
                    path,
                    format!("expected a non-negative integer, found {}", describe(value)),
                )
            })
        };
        let kdf_field =
            |(name, reason): FieldError| invalid(&format!("crypto.kdfparams.{name}"), reason);
        let kdf = match kdf_name {
            "scrypt" => {
                let n = number("n", "crypto.kdfparams.n")?;
                let r = number("r", "crypto.kdfparams.r")?;
                let p = number("p", "crypto.kdfparams.p")?;
                check_scrypt(n, r, p).map_err(kdf_field)?
            }
            "pbkdf2" => {
                let prf = string(params, "prf", "crypto.kdfparams.prf")?;
                if prf != "hmac-sha256" {
                    return Err(invalid(
                        "crypto.kdfparams.prf",
                        format!("unsupported PRF {}; expected hmac-sha256", quoted(prf)),
                    ));
                }
                let c = number("c", "crypto.kdfparams.c")?;
                check_pbkdf2(c).map_err(kdf_field)?
            }
            other => {
                return Err(invalid(
                    "crypto.kdf",
                    format!(
                        "unsupported KDF {}; expected scrypt or pbkdf2",
                        quoted(other)
                    ),
                ));
            }
        };
        let dklen = number("dklen", "crypto.kdfparams.dklen")?;
        if !(MIN_DKLEN..=MAX_DKLEN).contains(&dklen) {
            return Err(invalid(
                "crypto.kdfparams.dklen",
                format!("{dklen} is outside {MIN_DKLEN}..={MAX_DKLEN}"),
            ));
        }
        let salt = hex_bytes(
            field(params, "salt", "crypto.kdfparams.salt")?,
            "crypto.kdfparams.salt",
        )?;
        if salt.len() > MAX_SALT_LEN {
            return Err(invalid(
                "crypto.kdfparams.salt",
                format!(
                    "{} bytes is longer than the limit of {MAX_SALT_LEN}",
                    salt.len()
                ),
            ));
        }

        Ok(Keystore {
            id,
            address,
            solana,
            kdf,
            dklen,
            salt,
            iv,
            ciphertext,
            mac,
        })
    }
}

impl FromStr for Keystore {
    type Err = Error;

    /// [`Keystore::parse`].
    fn from_str(json: &str) -> Result<Self> {
        Self::parse(json)
    }
}

impl Serialize for Keystore {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Keystore {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// Decrypts a keystore file: [`Keystore::parse`] then [`Keystore::decrypt`].
pub fn decrypt(json: &str, password: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    Keystore::parse(json)?.decrypt(password)
}

/// Encrypts `private_key` under `password` into a keystore file (JSON) that geth and ethers read:
/// [`Keystore::encrypt`] then [`Keystore::to_json`].
pub fn encrypt(private_key: &[u8; 32], password: &[u8], params: KdfParams) -> Result<String> {
    Ok(Keystore::encrypt(private_key, password, params)?.to_json())
}

// ---- crypto helpers ----

fn secret_key(bytes: &[u8; 32]) -> Option<k256::SecretKey> {
    k256::SecretKey::from_slice(bytes).ok()
}

/// The EVM address of a key: the last 20 bytes of keccak256 of the uncompressed public key
/// without its 0x04 prefix.
fn address_of(secret: &k256::SecretKey) -> [u8; 20] {
    let point = secret.public_key().to_encoded_point(false);
    let hash = Keccak256::digest(point.as_bytes().get(1..).unwrap_or_default());
    let mut address = [0u8; 20];
    for (dst, src) in address.iter_mut().zip(hash.iter().skip(12)) {
        *dst = *src;
    }
    address
}

fn mac(mac_key: &[u8], ciphertext: &[u8]) -> [u8; 32] {
    Keccak256::new()
        .chain_update(mac_key)
        .chain_update(ciphertext)
        .finalize()
        .into()
}

fn apply_cipher(key: &[u8], iv: &[u8; 16], data: &mut [u8]) -> Result<()> {
    let mut cipher = Aes128Ctr::new_from_slices(key, iv)
        .map_err(|_| Error::InvalidKeystore("AES-128 key or IV of the wrong length".into()))?;
    cipher.apply_keystream(data);
    Ok(())
}

// ---- JSON helpers: every error names the field ----

fn invalid(path: &str, reason: impl fmt::Display) -> Error {
    Error::InvalidKeystore(format!("{path}: {reason}"))
}

fn field<'a>(object: &'a Map<String, Value>, name: &str, path: &str) -> Result<&'a Value> {
    object.get(name).ok_or_else(|| invalid(path, "missing"))
}

fn object<'a>(
    parent: &'a Map<String, Value>,
    name: &str,
    path: &str,
) -> Result<&'a Map<String, Value>> {
    let value = field(parent, name, path)?;
    value.as_object().ok_or_else(|| {
        invalid(
            path,
            format!("expected an object, found {}", describe(value)),
        )
    })
}

fn string<'a>(object: &'a Map<String, Value>, name: &str, path: &str) -> Result<&'a str> {
    let value = field(object, name, path)?;
    value.as_str().ok_or_else(|| {
        invalid(
            path,
            format!("expected a string, found {}", describe(value)),
        )
    })
}

fn hex_bytes(value: &Value, path: &str) -> Result<Vec<u8>> {
    let text = value.as_str().ok_or_else(|| {
        invalid(
            path,
            format!("expected a hex string, found {}", describe(value)),
        )
    })?;
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    hex::decode(digits).map_err(|e| invalid(path, format!("not hex: {e}")))
}

fn hex_array<const N: usize>(value: &Value, path: &str) -> Result<[u8; N]> {
    let bytes = hex_bytes(value, path)?;
    <[u8; N]>::try_from(bytes.as_slice())
        .map_err(|_| invalid(path, format!("{} bytes, expected {N}", bytes.len())))
}

/// A short description of a JSON value for an error message (never more than about 40
/// characters of input).
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("the string {}", quoted(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// `s` in quotes, cut to 32 characters.
fn quoted(s: &str) -> String {
    const MAX: usize = 32;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut:?}…")
    } else {
        format!("{s:?}")
    }
}

#[cfg(test)]
mod tests;
