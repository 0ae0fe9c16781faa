//! Signed Solana transactions: signatures plus a legacy or v0 message, in wire format.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, Result};
use crate::solana::message::VersionedMessage;
use crate::solana::signer::SolanaSigner;
use crate::solana::wire::{Reader, write_compact_u16};

/// The largest serialized transaction the network accepts (IPv6 MTU minus headers).
pub const PACKET_DATA_SIZE: usize = 1232;
/// Base64 text of a maximal transaction is at most this long.
const MAX_BASE64_LEN: usize = PACKET_DATA_SIZE.div_ceil(3) * 4;

/// A transaction: one ed25519 signature per required signer (in the order of the message's
/// first account keys) and the message they sign. An unsigned slot holds 64 zero bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Transaction {
    /// The signatures, one per required signer.
    pub signatures: Vec<[u8; 64]>,
    /// The signed message.
    pub message: VersionedMessage,
}

impl Transaction {
    /// A transaction with an all-zero signature for each required signer.
    pub fn new_unsigned(message: impl Into<VersionedMessage>) -> Self {
        let message = message.into();
        let n = usize::from(message.header().num_required_signatures);
        Self {
            signatures: vec![[0; 64]; n],
            message,
        }
    }

    /// Signs with every required signer. Refuses, naming the address, a signer the message
    /// does not require and a required signer missing from `signers`; then nothing is signed.
    pub fn sign(&mut self, signers: &[&SolanaSigner]) -> Result<()> {
        let required = self.message.signers();
        if let Some(missing) = required
            .iter()
            .find(|key| !signers.iter().any(|s| s.pubkey() == **key))
        {
            return Err(Error::SolanaSignerMismatch {
                pubkey: missing.to_string(),
                reason: "the transaction requires its signature but no such signer was given"
                    .to_owned(),
            });
        }
        self.partial_sign(signers)
    }

    /// Signs with some of the required signers (the others sign later, e.g. a co-signer or
    /// fee payer service). Refuses, naming the address, a signer the message does not
    /// require; then nothing is signed.
    pub fn partial_sign(&mut self, signers: &[&SolanaSigner]) -> Result<()> {
        let required = self.message.signers();
        let mut positions = Vec::with_capacity(signers.len());
        for signer in signers {
            let pubkey = signer.pubkey();
            let position = required
                .iter()
                .position(|key| *key == pubkey)
                .ok_or_else(|| Error::SolanaSignerMismatch {
                    pubkey: pubkey.to_string(),
                    reason: "is not a required signer of this transaction".to_owned(),
                })?;
            positions.push(position);
        }
        let bytes = self.message.serialize()?;
        self.signatures.resize(required.len(), [0; 64]);
        for (signer, position) in signers.iter().zip(positions) {
            if let Some(slot) = self.signatures.get_mut(position) {
                *slot = signer.sign_message(&bytes);
            }
        }
        Ok(())
    }

    /// Checks that there is one signature per required signer and that each verifies
    /// (strictly) over the message. The error names the first signer whose signature fails.
    pub fn verify(&self) -> Result<()> {
        let required = self.message.signers();
        if self.signatures.len() != required.len() {
            return Err(Error::InvalidSignature(format!(
                "the transaction has {} signatures but its message requires {}",
                self.signatures.len(),
                required.len()
            )));
        }
        let bytes = self.message.serialize()?;
        for (i, (key, signature)) in required.iter().zip(&self.signatures).enumerate() {
            if *signature == [0; 64] {
                return Err(Error::InvalidSignature(format!(
                    "signature {i} from {key} is missing"
                )));
            }
            SolanaSigner::verify(key, &bytes, signature)?;
        }
        Ok(())
    }

    /// The first signature (the fee payer's), which identifies the transaction.
    pub fn signature(&self) -> Option<&[u8; 64]> {
        self.signatures.first()
    }

    /// The transaction id: the first signature in base58, as explorers and RPC show it.
    pub fn id(&self) -> Option<String> {
        self.signature().map(|s| bs58::encode(s).into_string())
    }

    /// The wire bytes. Refuses a transaction larger than [`PACKET_DATA_SIZE`] bytes.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        write_compact_u16(&mut out, self.signatures.len(), "signatures")?;
        for signature in &self.signatures {
            out.extend_from_slice(signature);
        }
        out.extend_from_slice(&self.message.serialize()?);
        if out.len() > PACKET_DATA_SIZE {
            return Err(Error::InvalidSolanaMessage(format!(
                "the transaction is {} bytes; at most {PACKET_DATA_SIZE} fit a packet",
                out.len()
            )));
        }
        Ok(out)
    }

    /// Decodes wire bytes. Refuses input larger than [`PACKET_DATA_SIZE`], trailing bytes, an
    /// invalid message (see [`VersionedMessage::deserialize`]) and a signature count that is
    /// not the message's required signer count. Signatures are not verified: call
    /// [`Transaction::verify`].
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > PACKET_DATA_SIZE {
            return Err(Error::InvalidSolanaMessage(format!(
                "the transaction is {} bytes; at most {PACKET_DATA_SIZE} fit a packet",
                bytes.len()
            )));
        }
        let mut reader = Reader::new(bytes);
        let signatures = reader.short_arrays::<64>("signatures")?;
        let message = VersionedMessage::read(&mut reader)?;
        reader.finish("transaction")?;
        let required = usize::from(message.header().num_required_signatures);
        if signatures.len() != required {
            return Err(Error::InvalidSolanaMessage(format!(
                "the transaction has {} signatures but its message requires {required}",
                signatures.len()
            )));
        }
        Ok(Self {
            signatures,
            message,
        })
    }

    /// The wire bytes in standard base64, as `sendTransaction` takes them.
    pub fn to_base64(&self) -> Result<String> {
        Ok(STANDARD.encode(self.serialize()?))
    }

    /// Decodes standard base64 wire bytes; see [`Transaction::deserialize`].
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
        Self::deserialize(&bytes)
    }
}
