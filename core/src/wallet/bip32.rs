//! BIP32 hierarchical deterministic secp256k1 keys: the master key of a seed, private child
//! derivation along a [`DerivationPath`], and the `xprv`/`xpub` Base58Check serialisation.
//!
//! The derivation loop does only what the next step needs: a hardened step is one HMAC-SHA512
//! and a scalar addition, a non-hardened step also needs the parent's public key (one
//! multiplication by the generator). Key fingerprints are computed only when a serialisation
//! asks for them.

use std::fmt;

use hmac::{Hmac, Mac};
use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::ops::MulByGenerator;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::{FieldBytes, NonZeroScalar, ProjectivePoint, Scalar, SecretKey};
use ripemd::Ripemd160;
use sha2::{Digest, Sha256, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};
use crate::wallet::path::{ChildNumber, DerivationPath, MAX_DEPTH};

/// Version bytes of a mainnet extended private key (`xprv`).
pub const XPRV_VERSION: [u8; 4] = [0x04, 0x88, 0xAD, 0xE4];
/// Version bytes of a mainnet extended public key (`xpub`).
pub const XPUB_VERSION: [u8; 4] = [0x04, 0x88, 0xB2, 0x1E];

/// The HMAC key of the BIP32 master key.
const MASTER_HMAC_KEY: &[u8] = b"Bitcoin seed";
/// Length of a serialised extended key before Base58Check.
const SERIALIZED_LEN: usize = 78;

/// A BIP32 extended private key for secp256k1: a private key, its chain code, and where it
/// sits in the tree (depth, parent fingerprint, child number).
///
/// The private key and chain code are zeroized on drop; `Debug` prints only the position in
/// the tree. There is no `Display`: use [`ExtendedPrivateKey::to_xprv`] deliberately.
#[derive(Clone)]
pub struct ExtendedPrivateKey {
    key: SecretKey,
    chain_code: Zeroizing<[u8; 32]>,
    depth: u8,
    child_number: ChildNumber,
    parent: Parent,
}

/// What is known about the parent, enough to produce its fingerprint when asked.
#[derive(Clone, Copy)]
enum Parent {
    /// This is a master key: the parent fingerprint is `00000000`.
    None,
    /// The parent fingerprint itself (from a parsed `xprv`).
    Fingerprint([u8; 4]),
    /// The parent's compressed public key, hashed only when the fingerprint is needed.
    PublicKey([u8; 33]),
}

impl Parent {
    fn fingerprint(&self) -> [u8; 4] {
        match self {
            Parent::None => [0; 4],
            Parent::Fingerprint(f) => *f,
            Parent::PublicKey(pk) => fingerprint_of(pk),
        }
    }
}

impl ZeroizeOnDrop for ExtendedPrivateKey {}

impl fmt::Debug for ExtendedPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtendedPrivateKey")
            .field("depth", &self.depth)
            .field("child_number", &self.child_number)
            .field("key", &"<redacted>")
            .field("chain_code", &"<redacted>")
            .finish()
    }
}

impl ExtendedPrivateKey {
    /// The master key of `seed`: `I = HMAC-SHA512(key = "Bitcoin seed", data = seed)`, the key
    /// is `I_L` and the chain code `I_R`.
    ///
    /// Refuses seeds shorter than 16 or longer than 64 bytes (BIP32 allows 128 to 512 bits), and
    /// the (probability below 2^-127) seeds whose `I_L` is zero or not below the curve order.
    pub fn new_master(seed: &[u8]) -> Result<Self> {
        if !(16..=64).contains(&seed.len()) {
            return Err(Error::InvalidKey(format!(
                "a BIP32 seed is 16 to 64 bytes, got {}",
                seed.len()
            )));
        }
        let i = hmac_sha512(MASTER_HMAC_KEY, &[seed])?;
        let (il, ir) = split_halves(&i)?;
        let key = scalar_from_bytes(il)
            .and_then(|s| Option::<NonZeroScalar>::from(NonZeroScalar::new(s)))
            .ok_or_else(|| {
                Error::InvalidKey(
                    "this seed gives an invalid BIP32 master key (I_L is zero or not below the \
                     curve order); use another seed"
                        .to_owned(),
                )
            })?;
        Ok(ExtendedPrivateKey {
            key: SecretKey::from(key),
            chain_code: Zeroizing::new(*ir),
            depth: 0,
            child_number: ChildNumber::from_raw(0),
            parent: Parent::None,
        })
    }

    /// The child `child` of this key (BIP32 `CKDpriv`).
    ///
    /// Refuses to go deeper than depth 255, and the (probability below 2^-127) indexes whose
    /// child key is invalid; BIP32 says to skip to the next index then.
    pub fn derive_child(&self, child: ChildNumber) -> Result<Self> {
        let depth = self.child_depth(1, || child.to_string())?;
        let parent_scalar = Zeroizing::new(*self.key.to_nonzero_scalar());
        let parent_public = public_key_of(&parent_scalar)?;
        let (key, chain_code) = ckd_priv(&parent_scalar, &self.chain_code, child, &parent_public)?;
        Ok(ExtendedPrivateKey {
            key: secret_key(&key, child)?,
            chain_code,
            depth,
            child_number: child,
            parent: Parent::PublicKey(parent_public),
        })
    }

    /// The key at `path`, read relative to this key (`m` is this key itself).
    ///
    /// Refuses a path that would go deeper than depth 255, and paths that reach an invalid
    /// child (probability below 2^-127 per step). Intermediate keys are zeroized. Hardened
    /// intermediate steps compute no public key; non-hardened ones need their parent's, and the
    /// final key's parent gets one too (its fingerprint is part of the xprv), so a
    /// hardened-only path of n steps costs n HMACs and one multiplication.
    pub fn derive_path(&self, path: &DerivationPath) -> Result<Self> {
        let Some((last, init)) = path.children().split_last() else {
            return Ok(self.clone());
        };
        let depth = self.child_depth(path.depth(), || path.to_string())?;
        let mut scalar = Zeroizing::new(*self.key.to_nonzero_scalar());
        let mut chain_code = self.chain_code.clone();
        for &child in init {
            let (next_scalar, next_chain_code) = if child.is_hardened() {
                ckd_priv_hardened(&scalar, &chain_code, child)?
            } else {
                let public = public_key_of(&scalar)?;
                ckd_priv(&scalar, &chain_code, child, &public)?
            };
            scalar = next_scalar;
            chain_code = next_chain_code;
        }
        // The last step also records the parent's public key for the fingerprint. For a
        // non-hardened step it is computed anyway; for a hardened one it costs one
        // multiplication, paid here so that the child never holds its parent's secret.
        let parent_public = public_key_of(&scalar)?;
        let (key, chain_code) = ckd_priv(&scalar, &chain_code, *last, &parent_public)?;
        Ok(ExtendedPrivateKey {
            key: secret_key(&key, *last)?,
            chain_code,
            depth,
            child_number: *last,
            parent: Parent::PublicKey(parent_public),
        })
    }

    /// The 32-byte private key (big-endian scalar), zeroized when the returned value drops.
    pub fn private_key_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut bytes = self.key.to_bytes();
        let mut out = Zeroizing::new([0u8; 32]);
        for (o, b) in out.iter_mut().zip(bytes.iter()) {
            *o = *b;
        }
        bytes.as_mut_slice().zeroize();
        out
    }

    /// The private key as a `k256` secret key (zeroized on drop), for signing.
    pub fn secret_key(&self) -> &SecretKey {
        &self.key
    }

    /// The 32-byte chain code, zeroized when the returned value drops.
    pub fn chain_code(&self) -> Zeroizing<[u8; 32]> {
        self.chain_code.clone()
    }

    /// The SEC1 compressed public key (33 bytes, `02`/`03` prefix). Costs one multiplication
    /// by the generator (precomputed tables).
    pub fn public_key_sec1_compressed(&self) -> [u8; 33] {
        encode_public::<33>(&self.key, true)
    }

    /// The SEC1 uncompressed public key (65 bytes, `04` prefix); an EVM address is the last 20
    /// bytes of Keccak-256 over the 64 bytes after the prefix. Costs one multiplication by the
    /// generator (precomputed tables).
    pub fn public_key_uncompressed(&self) -> [u8; 65] {
        encode_public::<65>(&self.key, false)
    }

    /// The depth in the tree: 0 for a master key.
    pub fn depth(&self) -> u8 {
        self.depth
    }

    /// The child number this key was derived with (`0` for a master key).
    pub fn child_number(&self) -> ChildNumber {
        self.child_number
    }

    /// The first 4 bytes of the parent's key identifier (`00000000` for a master key).
    pub fn parent_fingerprint(&self) -> [u8; 4] {
        self.parent.fingerprint()
    }

    /// The key identifier: `RIPEMD160(SHA256(compressed public key))`.
    pub fn identifier(&self) -> [u8; 20] {
        hash160(&self.public_key_sec1_compressed())
    }

    /// The first 4 bytes of [`ExtendedPrivateKey::identifier`], which children record as their
    /// parent fingerprint.
    pub fn fingerprint(&self) -> [u8; 4] {
        fingerprint_of(&self.public_key_sec1_compressed())
    }

    /// The mainnet extended private key (`xprv...`, Base58Check of the 78-byte BIP32
    /// serialisation), zeroized when the returned string drops.
    pub fn to_xprv(&self) -> Zeroizing<String> {
        let mut data = Zeroizing::new([0u8; SERIALIZED_LEN]);
        let key = self.private_key_bytes();
        let mut key_data = Zeroizing::new([0u8; 33]);
        for (o, b) in key_data.iter_mut().skip(1).zip(key.iter()) {
            *o = *b;
        }
        self.serialize_into(&mut data, XPRV_VERSION, &key_data);
        Zeroizing::new(bs58::encode(data.as_slice()).with_check().into_string())
    }

    /// The mainnet extended public key (`xpub...`) of this key: same position and chain code,
    /// the compressed public key instead of the private one.
    pub fn to_xpub(&self) -> String {
        let mut data = [0u8; SERIALIZED_LEN];
        self.serialize_into(&mut data, XPUB_VERSION, &self.public_key_sec1_compressed());
        bs58::encode(data.as_slice()).with_check().into_string()
    }

    /// Parses a mainnet extended private key (`xprv...`).
    ///
    /// Refuses input that is not Base58Check, is not 78 bytes, has another version (an `xpub`,
    /// a testnet `tprv`, ...), a key byte that is not `00`, a key outside `1..n-1`, or a depth-0
    /// key with a non-zero parent fingerprint or child number. Surrounding whitespace is
    /// ignored. Errors never repeat the input.
    pub fn from_xprv(xprv: &str) -> Result<Self> {
        let invalid = |why: &str| Error::InvalidKey(format!("invalid xprv: {why}"));
        let decoded = Zeroizing::new(
            bs58::decode(xprv.trim())
                .with_check(None)
                .into_vec()
                .map_err(|e| match e {
                    bs58::decode::Error::InvalidChecksum { .. } => {
                        invalid("the Base58Check checksum does not match")
                    }
                    bs58::decode::Error::InvalidCharacter { .. }
                    | bs58::decode::Error::NonAsciiCharacter { .. } => {
                        invalid("it contains a character outside the Base58 alphabet")
                    }
                    _ => invalid("it is not Base58Check"),
                })?,
        );
        let data: &[u8; SERIALIZED_LEN] = decoded.as_slice().try_into().map_err(|_| {
            invalid(&format!(
                "it decodes to {} bytes, an extended key is {SERIALIZED_LEN}",
                decoded.len()
            ))
        })?;
        let (version, rest) = split_array::<4, 74>(data)?;
        let (depth, rest) = split_array::<1, 73>(rest)?;
        let (parent_fingerprint, rest) = split_array::<4, 69>(rest)?;
        let (child_number, rest) = split_array::<4, 65>(rest)?;
        let (chain_code, key_data) = split_array::<32, 33>(rest)?;
        if *version != XPRV_VERSION {
            let what = if *version == XPUB_VERSION {
                "it is an xpub, not an xprv".to_owned()
            } else {
                format!(
                    "unknown version bytes {}, expected {} (mainnet xprv)",
                    hex::encode(version),
                    hex::encode(XPRV_VERSION)
                )
            };
            return Err(invalid(&what));
        }
        let [depth] = *depth;
        let child_number = ChildNumber::from_raw(u32::from_be_bytes(*child_number));
        if depth == 0 && *parent_fingerprint != [0; 4] {
            return Err(invalid("depth 0 with a non-zero parent fingerprint"));
        }
        if depth == 0 && child_number.to_raw() != 0 {
            return Err(invalid("depth 0 with a non-zero child number"));
        }
        let (prefix, key) = split_array::<1, 32>(key_data)?;
        if *prefix != [0] {
            return Err(invalid("the private key must be preceded by a 00 byte"));
        }
        let key = SecretKey::from_bytes(FieldBytes::from_slice(key))
            .map_err(|_| invalid("the private key is not in 1..n-1"))?;
        Ok(ExtendedPrivateKey {
            key,
            chain_code: Zeroizing::new(*chain_code),
            depth,
            child_number,
            parent: if depth == 0 {
                Parent::None
            } else {
                Parent::Fingerprint(*parent_fingerprint)
            },
        })
    }

    /// The depth after `steps` more derivations, or an error if it would exceed 255.
    fn child_depth(&self, steps: usize, what: impl FnOnce() -> String) -> Result<u8> {
        usize::from(self.depth)
            .checked_add(steps)
            .filter(|d| *d <= MAX_DEPTH)
            .and_then(|d| u8::try_from(d).ok())
            .ok_or_else(|| Error::InvalidPath {
                path: what(),
                reason: format!(
                    "deriving {steps} level(s) below a depth-{} key exceeds the BIP32 maximum \
                     depth of {MAX_DEPTH}",
                    self.depth
                ),
            })
    }

    /// Writes the 78-byte BIP32 serialisation with the given version and 33-byte key data.
    fn serialize_into(&self, out: &mut [u8; SERIALIZED_LEN], version: [u8; 4], key: &[u8; 33]) {
        let fields: [&[u8]; 6] = [
            &version,
            &[self.depth],
            &self.parent.fingerprint(),
            &self.child_number.to_raw().to_be_bytes(),
            self.chain_code.as_slice(),
            key,
        ];
        for (o, b) in out.iter_mut().zip(fields.into_iter().flatten()) {
            *o = *b;
        }
    }
}

/// `CKDpriv` for any child; `parent_public` is only read for a non-hardened child.
fn ckd_priv(
    parent: &Scalar,
    chain_code: &[u8; 32],
    child: ChildNumber,
    parent_public: &[u8; 33],
) -> Result<(Zeroizing<Scalar>, Zeroizing<[u8; 32]>)> {
    if child.is_hardened() {
        return ckd_priv_hardened(parent, chain_code, child);
    }
    let i = hmac_sha512(chain_code, &[parent_public, &child.to_raw().to_be_bytes()])?;
    finish_child(parent, &i, child)
}

/// `CKDpriv` for a hardened child: `HMAC-SHA512(c, 0x00 || ser256(k) || ser32(i))`.
fn ckd_priv_hardened(
    parent: &Scalar,
    chain_code: &[u8; 32],
    child: ChildNumber,
) -> Result<(Zeroizing<Scalar>, Zeroizing<[u8; 32]>)> {
    let mut key_bytes = parent.to_bytes();
    let i = hmac_sha512(
        chain_code,
        &[&[0u8], key_bytes.as_slice(), &child.to_raw().to_be_bytes()],
    );
    key_bytes.as_mut_slice().zeroize();
    finish_child(parent, &*i?, child)
}

/// `k_i = parse256(I_L) + k_par (mod n)`, `c_i = I_R`; refuses `I_L >= n` and `k_i = 0`.
fn finish_child(
    parent: &Scalar,
    i: &[u8; 64],
    child: ChildNumber,
) -> Result<(Zeroizing<Scalar>, Zeroizing<[u8; 32]>)> {
    let (il, ir) = split_halves(i)?;
    let tweak = Zeroizing::new(scalar_from_bytes(il).ok_or_else(|| invalid_child(child))?);
    let key = Zeroizing::new(*tweak + parent);
    if bool::from(key.is_zero()) {
        return Err(invalid_child(child));
    }
    Ok((key, Zeroizing::new(*ir)))
}

fn invalid_child(child: ChildNumber) -> Error {
    Error::InvalidKey(format!(
        "BIP32 child {child} is invalid (probability below 2^-127); use the next index"
    ))
}

/// Wraps a derived scalar (known to be non-zero) as a secret key.
fn secret_key(scalar: &Scalar, child: ChildNumber) -> Result<SecretKey> {
    let nz: Option<NonZeroScalar> = NonZeroScalar::new(*scalar).into();
    nz.map(SecretKey::from).ok_or_else(|| invalid_child(child))
}

/// `parse256(bytes)` if it is below the curve order.
fn scalar_from_bytes(bytes: &[u8; 32]) -> Option<Scalar> {
    Scalar::from_repr(FieldBytes::from(*bytes)).into()
}

/// The SEC1 encoding of `point(k)`, `N` = 33 (compressed) or 65 (uncompressed) bytes.
fn encode_public<const N: usize>(key: &SecretKey, compress: bool) -> [u8; N] {
    let scalar = Zeroizing::new(*key.to_nonzero_scalar());
    let encoded = ProjectivePoint::mul_by_generator(&*scalar)
        .to_affine()
        .to_encoded_point(compress);
    let mut out = [0u8; N];
    for (o, b) in out.iter_mut().zip(encoded.as_bytes()) {
        *o = *b;
    }
    out
}

/// The compressed public key `point(k)`.
fn public_key_of(scalar: &Scalar) -> Result<[u8; 33]> {
    let encoded = ProjectivePoint::mul_by_generator(scalar)
        .to_affine()
        .to_encoded_point(true);
    encoded
        .as_bytes()
        .try_into()
        .map_err(|_| Error::InvalidKey("the public key is the point at infinity".to_owned()))
}

/// `HMAC-SHA512(key, parts...)`, zeroized on drop.
pub(crate) fn hmac_sha512(key: &[u8], parts: &[&[u8]]) -> Result<Zeroizing<[u8; 64]>> {
    let mut mac = Hmac::<Sha512>::new_from_slice(key)
        .map_err(|_| Error::InvalidKey("HMAC-SHA512 refused its key".to_owned()))?;
    for part in parts {
        mac.update(part);
    }
    let mut tag = mac.finalize().into_bytes();
    let mut out = Zeroizing::new([0u8; 64]);
    for (o, b) in out.iter_mut().zip(tag.iter()) {
        *o = *b;
    }
    tag.as_mut_slice().zeroize();
    Ok(out)
}

/// Splits a 64-byte HMAC output into `I_L` and `I_R`.
fn split_halves(i: &[u8; 64]) -> Result<(&[u8; 32], &[u8; 32])> {
    split_array::<32, 32>(i)
}

/// Splits an `A + B`-byte array into its first `A` and last `B` bytes.
fn split_array<const A: usize, const B: usize>(bytes: &[u8]) -> Result<(&[u8; A], &[u8; B])> {
    let (head, tail) = bytes
        .split_first_chunk::<A>()
        .ok_or_else(|| Error::InvalidKey(format!("expected at least {A} bytes")))?;
    let tail: &[u8; B] = tail
        .try_into()
        .map_err(|_| Error::InvalidKey(format!("expected {} bytes", A + B)))?;
    Ok((head, tail))
}

/// `RIPEMD160(SHA256(data))`.
fn hash160(data: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(data)).into()
}

/// The first 4 bytes of `hash160(public_key)`.
fn fingerprint_of(public_key: &[u8; 33]) -> [u8; 4] {
    let id = hash160(public_key);
    let mut out = [0u8; 4];
    for (o, b) in out.iter_mut().zip(id.iter()) {
        *o = *b;
    }
    out
}

#[cfg(test)]
mod tests;
