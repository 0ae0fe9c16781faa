//! Signing a transaction a dApp built (Wallet Standard `signTransaction` and
//! `signAllTransactions`), byte-exact.
//!
//! A wire transaction is `shortvec(signature count) || signatures (64 bytes each) || message`.
//! The message is signed **as given**: it is decoded only to check it and to find the signer's
//! slot, never re-encoded, so the signature is over exactly the bytes the dApp sent (legacy or
//! v0 with address lookup tables). The signature goes into the slot of the signer's position
//! among the message's required signers; every other byte of the input, the other signers'
//! signatures included, is left as it was.
//!
//! ```
//! use trestle_core::solana::instruction::system_transfer;
//! use trestle_core::solana::{Message, SolanaSigner, Transaction, WireTransaction};
//!
//! # fn main() -> trestle_core::Result<()> {
//! let wallet = SolanaSigner::from_secret_key(&[7; 32]);
//! let dapp = SolanaSigner::from_secret_key(&[8; 32]);
//! // A dApp pays the fee and asks the wallet to co-sign a transfer from it.
//! let ix = system_transfer(&wallet.pubkey(), &dapp.pubkey(), 1_000);
//! let message = Message::try_compile(&[ix], Some(&dapp.pubkey()), [1; 32])?;
//! let mut tx = Transaction::new_unsigned(message);
//! tx.partial_sign(&[&dapp])?;
//! let from_dapp = tx.serialize()?;
//!
//! let mut wire = WireTransaction::parse(&from_dapp)?;
//! let signed = wire.sign(&wallet)?;
//! assert_eq!(signed.index, 1);
//! assert!(!signed.fee_payer);
//! // Only the wallet's slot changed; the message bytes are the dApp's.
//! assert_eq!(wire.message_bytes(), &from_dapp[1 + 2 * 64..]);
//! Transaction::deserialize(wire.as_bytes())?.verify()?;
//! # Ok(())
//! # }
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, Result};
use crate::solana::address::SolanaAddress;
use crate::solana::message::{MESSAGE_VERSION_PREFIX, MessageHeader, VersionedMessage};
use crate::solana::signer::SolanaSigner;
use crate::solana::transaction::PACKET_DATA_SIZE;
use crate::solana::wire::Reader;

/// Base64 text of a maximal transaction is at most this long.
const MAX_BASE64_LEN: usize = PACKET_DATA_SIZE.div_ceil(3) * 4;
/// The bytes of one ed25519 signature.
const SIGNATURE_LEN: usize = 64;

/// The message format of a wire transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageVersion {
    /// A legacy message (no version prefix).
    Legacy,
    /// A version-0 message (prefix `0x80`), possibly with address lookup tables.
    V0,
}

impl MessageVersion {
    /// `"legacy"` or `"v0"`, as web3.js names them.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Legacy => "legacy",
            Self::V0 => "v0",
        }
    }
}

/// A wire transaction as a dApp sent it: the bytes, unchanged except for signatures written
/// into their slots by [`WireTransaction::sign`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireTransaction {
    bytes: Vec<u8>,
    /// Where the first signature starts (after the compact-u16 count).
    signatures_start: usize,
    /// Where the message starts (after the last signature).
    message_start: usize,
    /// The message, decoded to check it and to read its header and keys. Never re-encoded.
    message: VersionedMessage,
}

/// What [`WireTransaction::sign`] did.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WireSignature {
    /// The signer's address.
    pub signer: SolanaAddress,
    /// The signer's slot: its position among the message's required signers, which is also
    /// the position of its signature in the transaction.
    pub index: usize,
    /// The ed25519 signature over the message bytes.
    pub signature: [u8; 64],
    /// Whether the signer is the fee payer (slot 0): it pays the fee and any rent.
    pub fee_payer: bool,
    /// Whether the message lets the signer's account be written (debited, closed, ...).
    pub writable: bool,
}

impl WireSignature {
    /// The signature in base58, as RPC and explorers show it.
    pub fn signature_base58(&self) -> String {
        bs58::encode(self.signature).into_string()
    }
}

impl WireTransaction {
    /// Checks wire bytes and finds their parts. Refuses, with an error that says which: more
    /// than [`PACKET_DATA_SIZE`] bytes, truncated input, a message version other than legacy
    /// and v0, a message the runtime's sanitizer refuses (see
    /// [`VersionedMessage::deserialize`]), trailing bytes after the message, and a signature
    /// count that is not the message's `num_required_signatures`. Signatures are not verified.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > PACKET_DATA_SIZE {
            return Err(Error::InvalidSolanaMessage(format!(
                "the transaction is {} bytes; at most {PACKET_DATA_SIZE} fit a packet",
                bytes.len()
            )));
        }
        if bytes.is_empty() {
            return Err(Error::InvalidSolanaMessage(
                "the transaction is empty".to_owned(),
            ));
        }
        let mut reader = Reader::new(bytes);
        let count = reader.compact_u16("signature count")?;
        let signatures_start = reader.offset();
        let need = count.saturating_mul(SIGNATURE_LEN);
        reader.bytes(need, "signatures")?;
        let message_start = signatures_start + need;
        let message_bytes = bytes.get(message_start..).unwrap_or_default();
        let first = message_bytes.first().copied().unwrap_or(0);
        if first & MESSAGE_VERSION_PREFIX != 0 && first != MESSAGE_VERSION_PREFIX {
            return Err(Error::InvalidSolanaMessage(format!(
                "message version {} is not supported (only legacy and v0)",
                first & !MESSAGE_VERSION_PREFIX
            )));
        }
        let message = VersionedMessage::deserialize(message_bytes)?;
        let required = usize::from(message.header().num_required_signatures);
        if count != required {
            return Err(Error::InvalidSolanaMessage(format!(
                "the transaction has {count} signatures but its message requires {required} \
                 (header num_required_signatures)"
            )));
        }
        Ok(Self {
            bytes: bytes.to_vec(),
            signatures_start,
            message_start,
            message,
        })
    }

    /// Decodes standard base64 (as `signTransaction` callers and `sendTransaction` pass it)
    /// and parses it; see [`WireTransaction::parse`].
    pub fn from_base64(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.len() > MAX_BASE64_LEN {
            return Err(Error::InvalidSolanaMessage(format!(
                "the base64 transaction is {} characters; a {PACKET_DATA_SIZE}-byte transaction \
                 takes at most {MAX_BASE64_LEN}",
                text.len()
            )));
        }
        let bytes = STANDARD
            .decode(text)
            .map_err(|e| Error::InvalidSolanaMessage(format!("transaction is not base64: {e}")))?;
        Self::parse(&bytes)
    }

    /// The wire bytes: the input, with the signatures made so far in their slots.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The wire bytes in standard base64.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.bytes)
    }

    /// The message bytes exactly as given: what every signature is over.
    pub fn message_bytes(&self) -> &[u8] {
        self.bytes.get(self.message_start..).unwrap_or_default()
    }

    /// The decoded message, for display and checks. Signing never uses its encoding.
    pub fn message(&self) -> &VersionedMessage {
        &self.message
    }

    /// Legacy or v0.
    pub fn version(&self) -> MessageVersion {
        match self.message {
            VersionedMessage::Legacy(_) => MessageVersion::Legacy,
            VersionedMessage::V0(_) => MessageVersion::V0,
        }
    }

    /// The message header.
    pub fn header(&self) -> &MessageHeader {
        self.message.header()
    }

    /// The static account keys, in wire order.
    pub fn static_account_keys(&self) -> &[SolanaAddress] {
        self.message.static_account_keys()
    }

    /// The required signers, in slot order.
    pub fn required_signers(&self) -> &[SolanaAddress] {
        self.message.signers()
    }

    /// The fee payer: the first required signer (a parsed message always has one).
    pub fn fee_payer(&self) -> Option<&SolanaAddress> {
        self.required_signers().first()
    }

    /// The signatures in slot order; an unsigned slot holds 64 zero bytes.
    pub fn signatures(&self) -> Vec<[u8; 64]> {
        self.bytes
            .get(self.signatures_start..self.message_start)
            .unwrap_or_default()
            .chunks_exact(SIGNATURE_LEN)
            .filter_map(|chunk| chunk.try_into().ok())
            .collect()
    }

    /// The required signers paired with whether their slot holds a signature (any non-zero
    /// bytes; not verified).
    pub fn signature_slots(&self) -> Vec<(SolanaAddress, bool)> {
        self.required_signers()
            .iter()
            .zip(self.signatures())
            .map(|(key, signature)| (*key, signature != [0; 64]))
            .collect()
    }

    /// The slot of `pubkey`: its position among the required signers. Refuses, naming the
    /// account, an address that is not a required signer (saying when it is an account of the
    /// message that does not sign).
    pub fn signer_index(&self, pubkey: &SolanaAddress) -> Result<usize> {
        let signers = self.required_signers();
        if let Some(index) = signers.iter().position(|key| key == pubkey) {
            return Ok(index);
        }
        let listed: Vec<String> = signers.iter().map(ToString::to_string).collect();
        let reason = if self.static_account_keys().contains(pubkey) {
            format!(
                "is an account of this transaction but not one of its {} required signers ({})",
                signers.len(),
                listed.join(", ")
            )
        } else {
            format!(
                "is not a required signer of this transaction (its {} required signers are {})",
                signers.len(),
                listed.join(", ")
            )
        };
        Err(Error::SolanaSignerMismatch {
            pubkey: pubkey.to_string(),
            reason,
        })
    }

    /// Signs the message bytes as given with `signer` and writes the signature into the
    /// signer's slot, leaving every other byte unchanged. Refuses, naming the account, a
    /// signer that is not a required signer; then nothing changes. Signing again replaces the
    /// signer's own slot (ed25519 is deterministic: with the same bytes).
    pub fn sign(&mut self, signer: &SolanaSigner) -> Result<WireSignature> {
        let pubkey = signer.pubkey();
        let index = self.signer_index(&pubkey)?;
        let signature = signer.sign_message(self.message_bytes());
        let start = self.signatures_start + index * SIGNATURE_LEN;
        let slot = self
            .bytes
            .get_mut(start..start + SIGNATURE_LEN)
            .ok_or_else(|| {
                // parse() checked there is one slot per required signer.
                Error::InvalidSolanaMessage(format!("no signature slot {index}"))
            })?;
        slot.copy_from_slice(&signature);
        let header = self.header();
        let writable = index
            < usize::from(header.num_required_signatures)
                .saturating_sub(usize::from(header.num_readonly_signed_accounts));
        Ok(WireSignature {
            signer: pubkey,
            index,
            signature,
            fee_payer: index == 0,
            writable,
        })
    }
}

/// Signs several dApp transactions with one signer (Wallet Standard `signAllTransactions`),
/// all or nothing: every transaction is parsed and the signer's slot found in each before any
/// signature is made. Refuses an empty list; an error names the transaction (`transaction 2 of
/// 3: ...`) and what is wrong with it.
pub fn sign_all(
    transactions: &[&[u8]],
    signer: &SolanaSigner,
) -> Result<Vec<(WireTransaction, WireSignature)>> {
    if transactions.is_empty() {
        return Err(Error::InvalidSolanaMessage(
            "no transactions to sign".to_owned(),
        ));
    }
    let total = transactions.len();
    let pubkey = signer.pubkey();
    let mut parsed = Vec::with_capacity(total);
    for (i, bytes) in transactions.iter().enumerate() {
        let wire = WireTransaction::parse(bytes)
            .and_then(|wire| wire.signer_index(&pubkey).map(|_| wire))
            .map_err(|e| in_transaction(e, i, total))?;
        parsed.push(wire);
    }
    parsed
        .into_iter()
        .enumerate()
        .map(|(i, mut wire)| {
            let signed = wire.sign(signer).map_err(|e| in_transaction(e, i, total))?;
            Ok((wire, signed))
        })
        .collect()
}

/// Prefixes an error with which transaction of a batch it is about.
fn in_transaction(err: Error, index: usize, total: usize) -> Error {
    let which = format!("transaction {} of {total}", index + 1);
    match err {
        Error::InvalidSolanaMessage(reason) => {
            Error::InvalidSolanaMessage(format!("{which}: {reason}"))
        }
        Error::SolanaSignerMismatch { pubkey, reason } => Error::SolanaSignerMismatch {
            pubkey,
            reason: format!("{reason} ({which})"),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests;
