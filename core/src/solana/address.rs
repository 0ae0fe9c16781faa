//! Solana addresses (ed25519 public keys and program-derived addresses).

use std::fmt;
use std::str::FromStr;

use curve25519_dalek::edwards::CompressedEdwardsY;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::types::ChainKind;

/// The most seeds a program-derived address may have, the bump seed included.
pub const MAX_SEEDS: usize = 16;
/// The longest a single program-derived-address seed may be, in bytes.
pub const MAX_SEED_LEN: usize = 32;
/// The marker hashed after the seeds and program id to derive a program address.
const PDA_MARKER: &[u8; 21] = b"ProgramDerivedAddress";
/// The longest base58 text a 32-byte value can have; longer input is refused before decoding.
const MAX_BASE58_LEN: usize = 44;
/// How much of a bad input an error repeats.
const MAX_ECHO: usize = 64;

/// A 32-byte Solana address: an ed25519 public key (wallets) or a program-derived address.
///
/// Parsing checks base58 and the length, so a value of this type is always 32 bytes. Its
/// `Display`, `Debug` and `FromStr` use base58, as every Solana tool does.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SolanaAddress(pub [u8; 32]);

/// The System program: creates accounts and transfers SOL.
pub const SYSTEM_PROGRAM_ID: SolanaAddress = SolanaAddress([0; 32]);
/// The SPL Token program (`TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA`).
pub const TOKEN_PROGRAM_ID: SolanaAddress = SolanaAddress([
    6, 221, 246, 225, 215, 101, 161, 147, 217, 203, 225, 70, 206, 235, 121, 172, 28, 180, 133, 237,
    95, 91, 55, 145, 58, 140, 245, 133, 126, 255, 0, 169,
]);
/// The SPL Token-2022 program (`TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb`).
pub const TOKEN_2022_PROGRAM_ID: SolanaAddress = SolanaAddress([
    6, 221, 246, 225, 238, 117, 143, 222, 24, 66, 93, 188, 228, 108, 205, 218, 182, 26, 252, 77,
    131, 185, 13, 39, 254, 189, 249, 40, 216, 161, 139, 252,
]);
/// The SPL Associated Token Account program (`ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL`).
pub const ASSOCIATED_TOKEN_PROGRAM_ID: SolanaAddress = SolanaAddress([
    140, 151, 37, 143, 78, 36, 137, 241, 187, 61, 16, 41, 20, 142, 13, 131, 11, 90, 19, 153, 218,
    255, 16, 132, 4, 142, 123, 216, 219, 233, 248, 89,
]);
/// The SPL Memo program v2 (`MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr`).
pub const MEMO_PROGRAM_ID: SolanaAddress = SolanaAddress([
    5, 74, 83, 90, 153, 41, 33, 6, 77, 36, 232, 113, 96, 218, 56, 124, 124, 53, 181, 221, 188, 146,
    187, 129, 228, 31, 168, 64, 65, 5, 68, 141,
]);
/// The Compute Budget program (`ComputeBudget111111111111111111111111111111`).
pub const COMPUTE_BUDGET_PROGRAM_ID: SolanaAddress = SolanaAddress([
    3, 6, 70, 111, 229, 33, 23, 50, 255, 236, 173, 186, 114, 195, 155, 231, 188, 140, 229, 187,
    197, 247, 18, 107, 44, 67, 155, 58, 64, 0, 0, 0,
]);
/// The Address Lookup Table program (`AddressLookupTab1e1111111111111111111111111`).
pub const ADDRESS_LOOKUP_TABLE_PROGRAM_ID: SolanaAddress = SolanaAddress([
    2, 119, 166, 175, 151, 51, 155, 122, 200, 141, 24, 146, 201, 4, 70, 245, 0, 2, 48, 146, 102,
    246, 46, 83, 193, 24, 36, 73, 130, 0, 0, 0,
]);
/// The ed25519 signature-verification precompile (`Ed25519SigVerify111111111111111111111111111`).
pub const ED25519_PROGRAM_ID: SolanaAddress = SolanaAddress([
    3, 125, 70, 214, 124, 147, 251, 190, 18, 249, 66, 143, 131, 141, 64, 255, 5, 112, 116, 73, 39,
    244, 138, 100, 252, 202, 112, 68, 128, 0, 0, 0,
]);
/// The secp256k1 recovery precompile (`KeccakSecp256k11111111111111111111111111111`).
pub const SECP256K1_PROGRAM_ID: SolanaAddress = SolanaAddress([
    4, 198, 252, 32, 240, 80, 204, 240, 85, 132, 215, 33, 28, 159, 140, 245, 158, 193, 71, 133,
    187, 22, 106, 30, 40, 48, 232, 18, 32, 0, 0, 0,
]);
/// The Instructions sysvar (`Sysvar1nstructions1111111111111111111111111`).
pub const SYSVAR_INSTRUCTIONS_ID: SolanaAddress = SolanaAddress([
    6, 167, 213, 23, 24, 123, 209, 102, 53, 218, 212, 4, 85, 253, 194, 192, 193, 36, 198, 143, 33,
    86, 117, 165, 219, 186, 203, 95, 8, 0, 0, 0,
]);
/// The Rent sysvar (`SysvarRent111111111111111111111111111111111`).
pub const SYSVAR_RENT_ID: SolanaAddress = SolanaAddress([
    6, 167, 213, 23, 25, 44, 92, 81, 33, 140, 201, 76, 61, 74, 241, 127, 88, 218, 238, 8, 155, 161,
    253, 68, 227, 219, 217, 138, 0, 0, 0, 0,
]);
/// The Clock sysvar (`SysvarC1ock11111111111111111111111111111111`).
pub const SYSVAR_CLOCK_ID: SolanaAddress = SolanaAddress([
    6, 167, 213, 23, 24, 199, 116, 201, 40, 86, 99, 152, 105, 29, 94, 182, 139, 94, 184, 163, 155,
    75, 109, 92, 115, 85, 91, 33, 0, 0, 0, 0,
]);
/// The (deprecated) RecentBlockhashes sysvar, still used by durable-nonce instructions.
pub const SYSVAR_RECENT_BLOCKHASHES_ID: SolanaAddress = SolanaAddress([
    6, 167, 213, 23, 25, 44, 86, 142, 224, 138, 132, 95, 115, 210, 151, 136, 207, 3, 92, 49, 69,
    178, 26, 179, 68, 216, 6, 46, 169, 64, 0, 0,
]);

impl SolanaAddress {
    /// Wraps 32 raw bytes. Every 32-byte value is a syntactically valid address.
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw 32 bytes.
    pub const fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The raw 32 bytes, borrowed.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses base58 text. Refuses text that is not base58 or does not decode to exactly 32
    /// bytes; the error says which character is wrong, or how many bytes it decoded to.
    pub fn parse(input: &str) -> Result<Self> {
        let bytes = decode_base58_32(input).map_err(|reason| invalid(input, reason))?;
        Ok(Self(bytes))
    }

    /// Whether the bytes are a point on the ed25519 curve. A wallet's address (a public key)
    /// is on the curve; a program-derived address is not and has no private key.
    pub fn is_on_curve(&self) -> bool {
        CompressedEdwardsY(self.0).decompress().is_some()
    }

    /// Derives a program address from `seeds` (each at most 32 bytes, at most 16 of them) and
    /// `program_id`: `sha256(seeds.. || program_id || "ProgramDerivedAddress")`.
    ///
    /// Refuses too many or too long seeds, a `program_id` that itself ends with the PDA marker,
    /// and seeds whose hash lands on the curve (then the caller must try another bump).
    pub fn create_program_address(seeds: &[&[u8]], program_id: &SolanaAddress) -> Result<Self> {
        derive_program_address(seeds, program_id)?.ok_or_else(|| {
            Error::InvalidSeeds(
                "the derived address is on the ed25519 curve; try another bump seed".to_owned(),
            )
        })
    }

    /// Finds the program address for `seeds` with the highest bump seed (255 down to 1, as
    /// `Pubkey::find_program_address` does) whose address is off the curve, and returns it
    /// with that bump. `seeds` may hold at most 15 seeds, since the bump is one more.
    pub fn find_program_address(seeds: &[&[u8]], program_id: &SolanaAddress) -> Result<(Self, u8)> {
        if seeds.len() >= MAX_SEEDS {
            return Err(Error::InvalidSeeds(format!(
                "{} seeds given, at most {} are allowed besides the bump seed",
                seeds.len(),
                MAX_SEEDS - 1
            )));
        }
        for bump in (1..=u8::MAX).rev() {
            let bump_seed = [bump];
            let mut with_bump: Vec<&[u8]> = Vec::with_capacity(seeds.len() + 1);
            with_bump.extend_from_slice(seeds);
            with_bump.push(&bump_seed);
            if let Some(address) = derive_program_address(&with_bump, program_id)? {
                return Ok((address, bump));
            }
        }
        Err(Error::InvalidSeeds(
            "no bump seed from 255 down to 1 gives an off-curve address".to_owned(),
        ))
    }
}

/// Checks the seeds and hashes them; `None` when the hash is on the curve.
fn derive_program_address(
    seeds: &[&[u8]],
    program_id: &SolanaAddress,
) -> Result<Option<SolanaAddress>> {
    if seeds.len() > MAX_SEEDS {
        return Err(Error::InvalidSeeds(format!(
            "{} seeds given, at most {MAX_SEEDS} are allowed (the bump seed included)",
            seeds.len()
        )));
    }
    for (i, seed) in seeds.iter().enumerate() {
        if seed.len() > MAX_SEED_LEN {
            return Err(Error::InvalidSeeds(format!(
                "seed {i} is {} bytes long, at most {MAX_SEED_LEN} are allowed",
                seed.len()
            )));
        }
    }
    if program_id.0.ends_with(PDA_MARKER) {
        return Err(Error::InvalidSeeds(format!(
            "program id {program_id} ends with the \"ProgramDerivedAddress\" marker"
        )));
    }
    let mut hasher = Sha256::new();
    for seed in seeds {
        hasher.update(seed);
    }
    hasher.update(program_id.0);
    hasher.update(PDA_MARKER);
    let address = SolanaAddress(hasher.finalize().into());
    Ok((!address.is_on_curve()).then_some(address))
}

/// Decodes base58 text that must hold exactly 32 bytes (addresses, blockhashes).
pub(crate) fn decode_base58_32(input: &str) -> std::result::Result<[u8; 32], String> {
    if input.is_empty() {
        return Err("empty string".to_owned());
    }
    if input.len() > MAX_BASE58_LEN {
        return Err(format!(
            "{} characters long; 32 bytes take at most {MAX_BASE58_LEN} base58 characters",
            input.len()
        ));
    }
    let bytes = bs58::decode(input).into_vec().map_err(|e| match e {
        bs58::decode::Error::InvalidCharacter { character, index } => {
            format!("not base58: invalid character {character:?} at position {index}")
        }
        bs58::decode::Error::NonAsciiCharacter { index } => {
            format!("not base58: non-ASCII character at position {index}")
        }
        other => format!("not base58: {other}"),
    })?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("decodes to {} bytes, expected 32", bytes.len()))
}

fn invalid(input: &str, reason: String) -> Error {
    let input = if input.chars().count() > MAX_ECHO {
        let mut short: String = input.chars().take(MAX_ECHO).collect();
        short.push('…');
        short
    } else {
        input.to_owned()
    };
    Error::InvalidAddress {
        chain: ChainKind::Solana,
        input,
        reason,
    }
}

impl fmt::Display for SolanaAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).into_string())
    }
}

impl fmt::Debug for SolanaAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SolanaAddress({self})")
    }
}

impl FromStr for SolanaAddress {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// Serializes as base58 text, the form configs and JSON-RPC use.
impl serde::Serialize for SolanaAddress {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserializes from base58 text with the checks of [`SolanaAddress::parse`].
impl<'de> serde::Deserialize<'de> for SolanaAddress {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl From<[u8; 32]> for SolanaAddress {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl From<SolanaAddress> for [u8; 32] {
    fn from(address: SolanaAddress) -> Self {
        address.0
    }
}

impl AsRef<[u8]> for SolanaAddress {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_ids_match_their_base58() {
        let table = [
            (SYSTEM_PROGRAM_ID, "11111111111111111111111111111111"),
            (
                TOKEN_PROGRAM_ID,
                "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            ),
            (
                TOKEN_2022_PROGRAM_ID,
                "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
            ),
            (
                ASSOCIATED_TOKEN_PROGRAM_ID,
                "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL",
            ),
            (
                MEMO_PROGRAM_ID,
                "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr",
            ),
            (
                COMPUTE_BUDGET_PROGRAM_ID,
                "ComputeBudget111111111111111111111111111111",
            ),
            (
                ADDRESS_LOOKUP_TABLE_PROGRAM_ID,
                "AddressLookupTab1e1111111111111111111111111",
            ),
            (
                ED25519_PROGRAM_ID,
                "Ed25519SigVerify111111111111111111111111111",
            ),
            (
                SECP256K1_PROGRAM_ID,
                "KeccakSecp256k11111111111111111111111111111",
            ),
            (
                SYSVAR_INSTRUCTIONS_ID,
                "Sysvar1nstructions1111111111111111111111111",
            ),
            (
                SYSVAR_RENT_ID,
                "SysvarRent111111111111111111111111111111111",
            ),
            (
                SYSVAR_CLOCK_ID,
                "SysvarC1ock11111111111111111111111111111111",
            ),
            (
                SYSVAR_RECENT_BLOCKHASHES_ID,
                "SysvarRecentB1ockHashes11111111111111111111",
            ),
        ];
        for (id, text) in table {
            assert_eq!(id.to_string(), text);
            assert_eq!(SolanaAddress::parse(text).unwrap(), id);
        }
    }

    #[test]
    fn parse_errors_name_the_problem() {
        let err = SolanaAddress::parse("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0").unwrap_err();
        assert!(
            err.to_string()
                .contains("not base58: invalid character '0' at position 42"),
            "{err}"
        );
        let err = SolanaAddress::parse("1111").unwrap_err();
        assert!(
            err.to_string().contains("decodes to 4 bytes, expected 32"),
            "{err}"
        );
        let long = "2".repeat(45);
        assert!(SolanaAddress::parse(&long).is_err());
        assert!(SolanaAddress::parse("").is_err());
        assert!(SolanaAddress::parse("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DÄ").is_err());
    }

    #[test]
    fn curve_check_separates_wallets_from_pdas() {
        // A public key derived from a seed is on the curve.
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        assert!(SolanaAddress(key.verifying_key().to_bytes()).is_on_curve());
        let (pda, _) = SolanaAddress::find_program_address(&[b"seed"], &TOKEN_PROGRAM_ID).unwrap();
        assert!(!pda.is_on_curve());
    }

    #[test]
    fn serde_uses_base58() {
        let json = serde_json::to_string(&TOKEN_PROGRAM_ID).unwrap();
        assert_eq!(json, "\"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA\"");
        let back: SolanaAddress = serde_json::from_str(&json).unwrap();
        assert_eq!(back, TOKEN_PROGRAM_ID);
        let err = serde_json::from_str::<SolanaAddress>("\"111\"").unwrap_err();
        assert!(err.to_string().contains("decodes to 3 bytes"), "{err}");
    }

    #[test]
    fn seed_limits() {
        let long = [0u8; 33];
        assert!(SolanaAddress::create_program_address(&[&long], &TOKEN_PROGRAM_ID).is_err());
        let many: Vec<&[u8]> = vec![b"a"; 17];
        assert!(SolanaAddress::create_program_address(&many, &TOKEN_PROGRAM_ID).is_err());
        let fifteen: Vec<&[u8]> = vec![b"a"; 15];
        assert!(SolanaAddress::find_program_address(&fifteen, &TOKEN_PROGRAM_ID).is_ok());
        let sixteen: Vec<&[u8]> = vec![b"a"; 16];
        assert!(SolanaAddress::find_program_address(&sixteen, &TOKEN_PROGRAM_ID).is_err());
    }
}
