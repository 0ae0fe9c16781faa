//! The Solana bridge program from a relayer's and a validator's side: the validator set it
//! holds for an origin (its `Remote` account), what it recorded for a message (the receipt
//! account), the payout accounts of a transfer, and whether a transaction fits a packet.

use trestle_bridge::solana::ReceiptKey;
use trestle_bridge::solana::relay::{Payout, transfer_of};
use trestle_bridge::solana::send::TokenKind;
use trestle_bridge::solana::state::{Receipt, ReceiptStatus, TokenConfig};
use trestle_bridge::{Message, ValidatorSet};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;
use trestle_core::solana::instruction::Instruction;
use trestle_core::solana::transaction::PACKET_DATA_SIZE;
use trestle_core::solana::{Message as SolanaMessage, SolanaAddress};
use trestle_solana::Commitment;

use super::SolanaBridge;
use crate::delivery::DeliveryStatus;
use crate::error::{Error, Result};

/// Bytes a landing adds for its compute-budget instructions (the program key and two small
/// instructions), kept free when deciding whether a transaction fits a packet.
const COMPUTE_BUDGET_ROOM: usize = 64;

impl SolanaBridge {
    /// The validator set the program holds for messages from `origin` (its `Remote`
    /// account), whose bridge must be `origin_bridge`: signatures for any other origin bridge
    /// are useless here. [`Error::Remote`] when the program knows no such origin, accepts
    /// another bridge for it, or holds no usable set.
    pub async fn validator_set(
        &self,
        origin: u32,
        origin_bridge: &UniversalAddress,
    ) -> Result<ValidatorSet> {
        let remote = self.remote(origin).await?.ok_or_else(|| Error::Remote {
            chain: self.name().to_owned(),
            reason: format!(
                "the bridge program {} has no remote for domain {origin} ({})",
                self.program.id,
                self.program.remote(origin)
            ),
        })?;
        if remote.domain != origin || remote.bridge != origin_bridge.0 {
            return Err(Error::Remote {
                chain: self.name().to_owned(),
                reason: format!(
                    "the bridge program {}'s remote {origin} is bridge 0x{}, not 0x{}",
                    self.program.id,
                    hex::encode(remote.bridge),
                    hex::encode(origin_bridge.0)
                ),
            });
        }
        ValidatorSet::new(
            remote.epoch,
            remote.validators.iter().map(|v| EvmAddress(*v)).collect(),
            usize::from(remote.threshold),
        )
        .map_err(|e| Error::Remote {
            chain: self.name().to_owned(),
            reason: format!(
                "the bridge program {}'s validator set for domain {origin} is not usable: {e}",
                self.program.id
            ),
        })
    }

    /// The receipt of the message `key` names (origin, origin bridge, nonce) at `commitment`,
    /// `None` when it was not delivered. A receipt that holds another message than
    /// `message_id` (another message under the same key) is refused.
    pub async fn receipt(
        &self,
        key: &ReceiptKey,
        message_id: &[u8; 32],
        commitment: Commitment,
    ) -> Result<Option<Receipt>> {
        let Some(data) = self
            .program_account_at(&self.program.receipt(key), "Receipt", commitment)
            .await?
        else {
            return Ok(None);
        };
        let receipt = Receipt::decode(&data)?;
        if receipt.message_id != *message_id {
            return Err(Error::Chain(trestle_core::Error::MalformedResponse {
                endpoint: self.name().to_owned(),
                reason: format!(
                    "the receipt of origin {} nonce {} holds message 0x{}, not 0x{}",
                    key.origin,
                    key.nonce,
                    hex::encode(receipt.message_id),
                    hex::encode(message_id)
                ),
            }));
        }
        Ok(Some(receipt))
    }

    /// The payout accounts of `token_id` for `beneficiary`, from the token's `TokenConfig`;
    /// [`Error::UnknownToken`] when the program does not know the token.
    pub async fn payout(&self, token_id: [u8; 32], beneficiary: SolanaAddress) -> Result<Payout> {
        let token: TokenConfig = self.token(&token_id).await?;
        Ok(Payout {
            token_id,
            mint: token.mint,
            kind: if token.is_home {
                TokenKind::Home
            } else {
                TokenKind::Bridged
            },
            beneficiary,
        })
    }

    /// The payout of a token-transfer message, `None` for an arbitrary message.
    pub async fn payout_of(&self, message: &Message) -> Result<Option<Payout>> {
        match transfer_of(message)? {
            Some((token_id, beneficiary)) => Ok(Some(self.payout(token_id, beneficiary).await?)),
            None => Ok(None),
        }
    }
}

impl From<ReceiptStatus> for DeliveryStatus {
    fn from(status: ReceiptStatus) -> Self {
        match status {
            ReceiptStatus::Executed | ReceiptStatus::MessageExecuted => DeliveryStatus::Executed,
            ReceiptStatus::Queued => DeliveryStatus::Queued,
            ReceiptStatus::Cancelled | ReceiptStatus::Refunded => DeliveryStatus::Cancelled,
            ReceiptStatus::Received => DeliveryStatus::Received,
        }
    }
}

/// The size of `instructions` as one legacy transaction paid by `payer`, in bytes (with its
/// signatures); `None` when they do not compile into one.
pub fn transaction_size(payer: &SolanaAddress, instructions: &[Instruction]) -> Option<usize> {
    let message = SolanaMessage::try_compile(instructions, Some(payer), [0; 32]).ok()?;
    let signatures = message.signers().len();
    let bytes = message.serialize().ok()?;
    // A compact-u16 count (one byte below 128) then 64 bytes per signature.
    Some(1 + 64 * signatures + bytes.len())
}

/// Whether `instructions` fit one transaction paid by `payer`, with room for the compute
/// budget instructions a landing adds.
pub fn fits_in_a_packet(payer: &SolanaAddress, instructions: &[Instruction]) -> bool {
    transaction_size(payer, instructions)
        .is_some_and(|size| size + COMPUTE_BUDGET_ROOM <= PACKET_DATA_SIZE)
}
