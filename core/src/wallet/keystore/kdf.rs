//! Key-derivation parameters and their limits.

use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Largest scrypt memory (`128·n·r` bytes) a keystore may ask for: 256 MiB.
pub const MAX_SCRYPT_MEMORY: u64 = 256 * 1024 * 1024;

/// Largest total scrypt work (`128·n·r·p` bytes mixed) a keystore may ask for: 1 GiB.
pub const MAX_SCRYPT_WORK: u64 = 1024 * 1024 * 1024;

/// Largest PBKDF2 iteration count a keystore may ask for.
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// The PBKDF2 iteration count of the specification's example and of geth-era PBKDF2 files.
pub const PBKDF2_DEFAULT_ITERATIONS: u32 = 262_144;

/// Key-derivation parameters: which KDF turns the password into the file's key, and how
/// expensive it is.
///
/// Every value within the [module limits](super#work-factor-limits) can be built; the
/// constructors refuse the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KdfParams(pub(super) Kdf);

/// The KDF and its parameters, within the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kdf {
    Scrypt { log_n: u8, r: u32, p: u32 },
    Pbkdf2 { c: u32 },
}

impl KdfParams {
    /// geth's standard scrypt parameters: `n = 2^18`, `r = 8`, `p = 1` (256 MiB, about a second
    /// in a release build). The default.
    pub fn scrypt_standard() -> Self {
        KdfParams(Kdf::Scrypt {
            log_n: 18,
            r: 8,
            p: 1,
        })
    }

    /// geth's light scrypt parameters (`--lightkdf`): `n = 2^12`, `r = 8`, `p = 6` (4 MiB).
    pub fn scrypt_light() -> Self {
        KdfParams(Kdf::Scrypt {
            log_n: 12,
            r: 8,
            p: 6,
        })
    }

    /// scrypt with the given parameters. Refuses an `n` that is not a power of two greater than
    /// 1, a zero `r` or `p`, and parameters above [`MAX_SCRYPT_MEMORY`] or [`MAX_SCRYPT_WORK`].
    pub fn scrypt(n: u64, r: u32, p: u32) -> Result<Self> {
        check_scrypt(n, u64::from(r), u64::from(p))
            .map_err(|(field, reason)| Error::InvalidKeystore(format!("scrypt {field}: {reason}")))
    }

    /// PBKDF2-HMAC-SHA256 with `c` iterations ([`PBKDF2_DEFAULT_ITERATIONS`] is the usual
    /// choice). Refuses 0 and more than [`MAX_PBKDF2_ITERATIONS`].
    pub fn pbkdf2(c: u32) -> Result<Self> {
        check_pbkdf2(u64::from(c))
            .map_err(|(field, reason)| Error::InvalidKeystore(format!("pbkdf2 {field}: {reason}")))
    }

    /// The KDF's name as written in the file: `scrypt` or `pbkdf2`.
    pub fn kdf_name(&self) -> &'static str {
        match self.0 {
            Kdf::Scrypt { .. } => "scrypt",
            Kdf::Pbkdf2 { .. } => "pbkdf2",
        }
    }

    /// `(n, r, p)` if this is scrypt.
    pub fn scrypt_params(&self) -> Option<(u64, u32, u32)> {
        match self.0 {
            Kdf::Scrypt { log_n, r, p } => Some((1u64 << log_n, r, p)),
            Kdf::Pbkdf2 { .. } => None,
        }
    }

    /// The iteration count `c` if this is PBKDF2.
    pub fn pbkdf2_iterations(&self) -> Option<u32> {
        match self.0 {
            Kdf::Pbkdf2 { c } => Some(c),
            Kdf::Scrypt { .. } => None,
        }
    }

    /// Derives the 32 bytes the format uses (cipher key, then MAC key).
    ///
    /// A longer `dklen` changes nothing here: both KDFs end in PBKDF2-HMAC-SHA256, whose output
    /// blocks do not depend on the requested length, so the first 32 bytes are the same.
    pub(super) fn derive(&self, password: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let mut key = Zeroizing::new([0u8; 32]);
        match self.0 {
            Kdf::Scrypt { log_n, r, p } => {
                // scrypt 0.12: unlike 0.11 it no longer applies RFC 7914's erroneous
                // `log_n < 16 r` bound (RFC errata 5971), which the Web3 Secret Storage test
                // vector itself (n = 2^18, r = 1) breaks and geth and ethers do not apply.
                let params = scrypt::Params::new(log_n, r, p).map_err(|_| {
                    Error::InvalidKeystore(format!(
                        "scrypt parameters n=2^{log_n}, r={r}, p={p} are invalid"
                    ))
                })?;
                scrypt::scrypt(password, salt, &params, &mut *key)
                    .map_err(|_| Error::InvalidKeystore("scrypt output length is invalid".into()))?
            }
            Kdf::Pbkdf2 { c } => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, c, &mut *key),
        }
        Ok(key)
    }
}

impl Default for KdfParams {
    /// [`KdfParams::scrypt_standard`].
    fn default() -> Self {
        Self::scrypt_standard()
    }
}

/// A field name and what is wrong with it.
pub(super) type FieldError = (&'static str, String);

/// Checks scrypt parameters against the limits.
pub(super) fn check_scrypt(n: u64, r: u64, p: u64) -> std::result::Result<KdfParams, FieldError> {
    if n < 2 || !n.is_power_of_two() {
        return Err(("n", format!("{n} is not a power of two greater than 1")));
    }
    if r == 0 {
        return Err(("r", "must be at least 1".into()));
    }
    if p == 0 {
        return Err(("p", "must be at least 1".into()));
    }
    let memory = 128u128 * u128::from(n) * u128::from(r);
    if memory > u128::from(MAX_SCRYPT_MEMORY) {
        // Blame `r` when it is too large on its own (with the smallest n).
        let field = if 256 * u128::from(r) > u128::from(MAX_SCRYPT_MEMORY) {
            "r"
        } else {
            "n"
        };
        return Err((
            field,
            format!(
                "n = {n} with r = {r} needs {} MiB of memory; the limit is {} MiB",
                memory >> 20,
                MAX_SCRYPT_MEMORY >> 20
            ),
        ));
    }
    if memory * u128::from(p) > u128::from(MAX_SCRYPT_WORK) {
        return Err((
            "p",
            format!(
                "n = {n}, r = {r}, p = {p} is more than {} GiB of scrypt work",
                MAX_SCRYPT_WORK >> 30
            ),
        ));
    }
    // The memory bound keeps n <= 2^21 and the work bound keeps r, p <= 2^22.
    let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| ("n", "too large".to_string()))?;
    let r = u32::try_from(r).map_err(|_| ("r", "too large".to_string()))?;
    let p = u32::try_from(p).map_err(|_| ("p", "too large".to_string()))?;
    Ok(KdfParams(Kdf::Scrypt { log_n, r, p }))
}

/// Checks a PBKDF2 iteration count against the limits.
pub(super) fn check_pbkdf2(c: u64) -> std::result::Result<KdfParams, FieldError> {
    if c == 0 {
        return Err(("c", "must be at least 1".into()));
    }
    match u32::try_from(c) {
        Ok(c) if c <= MAX_PBKDF2_ITERATIONS => Ok(KdfParams(Kdf::Pbkdf2 { c })),
        _ => Err((
            "c",
            format!("{c} iterations is more than the limit of {MAX_PBKDF2_ITERATIONS}"),
        )),
    }
}
