//! What the Solana destination worker reads from the program's accounts (decoded by
//! `trestle_bridge::solana::state`) and how it sizes transactions.

use trestle_bridge::ValidatorSet;
use trestle_bridge::solana::relay::{Payout, transfer_of};
use trestle_bridge::solana::send::TokenKind;
use trestle_bridge::solana::state::{Receipt, Remote, TokenConfig};
use trestle_bridge::solana::{BridgeProgram, ReceiptKey};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;
use trestle_core::solana::instruction::Instruction;
use trestle_core::solana::transaction::PACKET_DATA_SIZE;
use trestle_core::solana::{Message as SolanaMessage, SolanaAddress};
use trestle_solana::{Commitment, SolanaClient};

use crate::error::{Error, Result};

/// Bytes the landing adds for its compute-budget instructions (the program key and two small
/// instructions), kept free when deciding whether a transaction fits a packet.
const COMPUTE_BUDGET_ROOM: usize = 64;

fn refuse(chain: &str, reason: String) -> Error {
    Error::Chain(trestle_core::Error::MalformedResponse {
        endpoint: chain.to_owned(),
        reason,
    })
}

/// The program account at `address` at `commitment`: `None` when it does not exist; an error
/// when another program owns it.
async fn program_account(
    client: &SolanaClient,
    program: &BridgeProgram,
    address: &SolanaAddress,
    commitment: Commitment,
) -> Result<Option<Vec<u8>>> {
    let Some(account) = client.account_at(address, commitment).await? else {
        return Ok(None);
    };
    if account.owner != program.id {
        return Err(refuse(
            client.endpoint(),
            format!(
                "account {address} is owned by {}, not the bridge program {}",
                account.owner, program.id
            ),
        ));
    }
    Ok(Some(account.data))
}

/// The validator set the program holds for messages from `origin` (its `Remote` account), after
/// checking that the remote's bridge is `origin_bridge`.
pub async fn remote_set(
    client: &SolanaClient,
    program: &BridgeProgram,
    origin: u32,
    origin_bridge: &UniversalAddress,
) -> Result<ValidatorSet> {
    let address = program.remote(origin);
    let data = program_account(client, program, &address, Commitment::Confirmed)
        .await?
        .ok_or_else(|| {
            Error::config(
                "routes",
                format!("the Solana bridge has no remote for domain {origin} ({address})"),
            )
        })?;
    let remote = Remote::decode(&data)?;
    if remote.domain != origin || remote.bridge != origin_bridge.0 {
        return Err(Error::config(
            "routes",
            format!(
                "the Solana bridge's remote {origin} is bridge 0x{}, not the configured origin bridge 0x{}",
                hex::encode(remote.bridge),
                hex::encode(origin_bridge.0)
            ),
        ));
    }
    Ok(ValidatorSet::new(
        remote.epoch,
        remote.validators.iter().map(|v| EvmAddress(*v)).collect(),
        usize::from(remote.threshold),
    )?)
}

/// The receipt of the message `key` names (origin, origin bridge, nonce) at `commitment`,
/// `None` when it was not delivered. A receipt that holds another message than `message_id`
/// (another message with the same key) is refused.
pub async fn receipt(
    client: &SolanaClient,
    program: &BridgeProgram,
    key: &ReceiptKey,
    message_id: &[u8; 32],
    commitment: Commitment,
) -> Result<Option<Receipt>> {
    let Some(data) = program_account(client, program, &program.receipt(key), commitment).await?
    else {
        return Ok(None);
    };
    let receipt = Receipt::decode(&data)?;
    if receipt.message_id != *message_id {
        return Err(refuse(
            client.endpoint(),
            format!(
                "the receipt of origin {} nonce {} holds message 0x{}, not 0x{}",
                key.origin,
                key.nonce,
                hex::encode(receipt.message_id),
                hex::encode(message_id)
            ),
        ));
    }
    Ok(Some(receipt))
}

/// The payout accounts of `token_id` for `beneficiary`, from the token's `TokenConfig`.
pub async fn payout(
    client: &SolanaClient,
    program: &BridgeProgram,
    token_id: [u8; 32],
    beneficiary: SolanaAddress,
) -> Result<Payout> {
    let address = program.token(&token_id);
    let data = program_account(client, program, &address, Commitment::Confirmed)
        .await?
        .ok_or_else(|| {
            refuse(
                client.endpoint(),
                format!(
                    "token 0x{} is not registered on the Solana bridge ({address})",
                    hex::encode(token_id)
                ),
            )
        })?;
    let token = TokenConfig::decode(&data)?;
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
pub async fn payout_of(
    client: &SolanaClient,
    program: &BridgeProgram,
    message: &trestle_bridge::Message,
) -> Result<Option<Payout>> {
    match transfer_of(message)? {
        Some((token_id, beneficiary)) => {
            Ok(Some(payout(client, program, token_id, beneficiary).await?))
        }
        None => Ok(None),
    }
}

/// The size of `instructions` as one legacy transaction paid by `payer`, in bytes (with its
/// signatures), or `None` when it does not compile or is above a packet.
pub fn transaction_size(payer: &SolanaAddress, instructions: &[Instruction]) -> Option<usize> {
    let message = SolanaMessage::try_compile(instructions, Some(payer), [0; 32]).ok()?;
    let signatures = message.signers().len();
    let bytes = message.serialize().ok()?;
    // A compact-u16 count (one byte below 128) then 64 bytes per signature.
    let size = 1 + 64 * signatures + bytes.len();
    Some(size)
}

/// Whether `instructions` fit one transaction with room for the compute budget.
pub fn fits(payer: &SolanaAddress, instructions: &[Instruction]) -> bool {
    transaction_size(payer, instructions)
        .is_some_and(|s| s + COMPUTE_BUDGET_ROOM <= PACKET_DATA_SIZE)
}
