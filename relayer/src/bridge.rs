//! Reading and calling the EVM bridge contract: `MessageSent` logs, delivery status, and the
//! calldata of `deliver`, `deliverBatch` and `executeQueued`.

use alloy_sol_types::{SolCall, SolEvent, SolType};
use trestle_bridge::Message;
use trestle_bridge::evm_bindings::Bridge;
use trestle_core::chain::{ChainEvent, UniversalAddress};
use trestle_core::evm::EvmAddress;
use trestle_evm::{EvmChain, LogFilter};

use crate::error::{Error, Result};

/// What the destination bridge says about a message (`Bridge.Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Never delivered.
    None,
    /// Executed (released/minted, or the recipient call succeeded).
    Executed,
    /// Held behind a timelock or the inbound rate limit.
    Queued,
    /// The recipient call failed; retryable on chain.
    Failed,
    /// Cancelled by the guardian.
    Cancelled,
}

/// The `MessageSent` topic.
pub fn message_sent_topic() -> [u8; 32] {
    Bridge::MessageSent::SIGNATURE_HASH.0
}

/// The log filter of `MessageSent` events of `bridge`.
pub fn message_sent_filter(bridge: EvmAddress) -> LogFilter {
    LogFilter::contract(bridge).with_event(message_sent_topic())
}

/// Decodes a `MessageSent` log of `bridge` on domain `origin`: the event's data decodes to a
/// message whose id is the indexed id and whose origin is `origin`. Returns `None` for other
/// logs, an error for a `MessageSent` log that is not self-consistent.
pub fn decode_message_sent(
    event: &ChainEvent,
    bridge: EvmAddress,
    origin: u32,
) -> Result<Option<Message>> {
    if event.emitter != UniversalAddress::from_evm(bridge.0)
        || event.topics.first() != Some(&message_sent_topic())
    {
        return Ok(None);
    }
    let bytes = <alloy_sol_types::sol_data::Bytes as SolType>::abi_decode(&event.data)
        .map_err(|e| inconsistent(event, &format!("data does not decode: {e}")))?;
    let message = Message::decode(&bytes)?;
    if event.topics.get(1) != Some(&message.id()) {
        return Err(inconsistent(
            event,
            "the indexed id is not the message's id",
        ));
    }
    if message.origin != origin {
        return Err(inconsistent(
            event,
            &format!(
                "message origin {} is not this chain's domain {origin}",
                message.origin
            ),
        ));
    }
    Ok(Some(message))
}

fn inconsistent(event: &ChainEvent, reason: &str) -> Error {
    Error::Chain(trestle_core::Error::MalformedResponse {
        endpoint: format!(
            "MessageSent log at block {} index {}",
            event.height, event.index
        ),
        reason: reason.to_owned(),
    })
}

/// `delivered(origin, nonce)` on the destination bridge.
pub async fn delivered(
    chain: &EvmChain,
    bridge: EvmAddress,
    origin: u32,
    nonce: u64,
) -> Result<bool> {
    let data = Bridge::deliveredCall { origin, nonce }.abi_encode();
    let out = chain.call(bridge, &data).await?;
    Ok(out.last().is_some_and(|b| *b == 1))
}

/// `statusOf(message)` on the destination bridge.
pub async fn status_of(
    chain: &EvmChain,
    bridge: EvmAddress,
    message: &[u8],
) -> Result<DeliveryStatus> {
    let data = Bridge::statusOfCall {
        message: message.to_vec().into(),
    }
    .abi_encode();
    let out = chain.call(bridge, &data).await?;
    Ok(match out.last() {
        Some(1) => DeliveryStatus::Executed,
        Some(2) => DeliveryStatus::Queued,
        Some(3) => DeliveryStatus::Failed,
        Some(4) => DeliveryStatus::Cancelled,
        _ => DeliveryStatus::None,
    })
}

/// Calldata of `deliver(message, signatures)`.
pub fn deliver_calldata(message: &[u8], signatures: &[u8]) -> Vec<u8> {
    Bridge::deliverCall {
        message: message.to_vec().into(),
        signatures: signatures.to_vec().into(),
    }
    .abi_encode()
}

/// Calldata of `deliverBatch(messages, signatures)`.
pub fn deliver_batch_calldata(items: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    Bridge::deliverBatchCall {
        messages: items.iter().map(|(m, _)| m.clone().into()).collect(),
        signatures: items.iter().map(|(_, s)| s.clone().into()).collect(),
    }
    .abi_encode()
}

/// Calldata of `executeQueued(message)`.
pub fn execute_queued_calldata(message: &[u8]) -> Vec<u8> {
    Bridge::executeQueuedCall {
        message: message.to_vec().into(),
    }
    .abi_encode()
}
