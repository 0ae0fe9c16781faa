//! Keys that live outside this process: an HSM reached through PKCS#11, a cloud KMS. They sign
//! a 32-byte prehash with plain ECDSA; [`EvmSigner::from_external`](crate::evm::EvmSigner::from_external)
//! turns what they return into an EVM signature (low `s`, recovery id found against the key's
//! public key).

/// A secp256k1 key held elsewhere that signs 32-byte prehashes with plain ECDSA.
///
/// Implementations hold no secret an `EvmSigner` can see; their `Debug`, if any, and
/// [`ExternalSigner::describe`] must not show one either (no PIN, no credentials).
pub trait ExternalSigner: Send + Sync + 'static {
    /// The key's 65-byte uncompressed SEC1 public key (`0x04 || x || y`).
    fn public_key(&self) -> crate::Result<[u8; 65]>;

    /// ECDSA over `hash` as is (no hashing by the device): `r || s`, big-endian, 32 bytes
    /// each. `s` may be in either half of the group order; the caller normalises it.
    fn sign_prehash(&self, hash: &[u8; 32]) -> crate::Result<[u8; 64]>;

    /// Where the key lives, for logs, errors and `Debug` (`pkcs11 token "ops" key
    /// "validator"`). Never a secret.
    fn describe(&self) -> String;
}
