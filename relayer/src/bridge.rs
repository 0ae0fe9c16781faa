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

/// `delivered(origin, originBridge, nonce)` on the destination bridge: replay is keyed by the
/// origin bridge (a redeployed origin numbers its messages from 0 again).
pub async fn delivered(
    chain: &EvmChain,
    bridge: EvmAddress,
    origin: u32,
    origin_bridge: &UniversalAddress,
    nonce: u64,
) -> Result<bool> {
    let data = Bridge::deliveredCall {
        origin,
        originBridge: origin_bridge.0.into(),
        nonce,
    }
    .abi_encode();
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

/// What a destination bridge holds for an origin domain (`remote(origin)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSet {
    /// The origin bridge it accepts (32 bytes).
    pub bridge: [u8; 32],
    /// The remote's kind (0 EVM, 1 Solana).
    pub kind: u8,
    /// Epoch of the validator set.
    pub epoch: u64,
    /// Threshold.
    pub threshold: u8,
    /// Validators, ascending.
    pub validators: Vec<EvmAddress>,
}

/// Reads `remote(origin)` from the destination bridge.
pub async fn remote(chain: &EvmChain, bridge: EvmAddress, origin: u32) -> Result<RemoteSet> {
    use alloy_sol_types::sol_data;
    let data = Bridge::remoteCall { domain: origin }.abi_encode();
    let out = chain.call(bridge, &data).await?;
    type Returns = (
        sol_data::FixedBytes<32>,
        sol_data::Uint<8>,
        sol_data::Uint<64>,
        sol_data::Uint<8>,
        sol_data::Array<sol_data::Address>,
    );
    let (remote_bridge, kind, epoch, threshold, validators) =
        <Returns as SolType>::abi_decode_params(&out).map_err(|e| {
            Error::Chain(trestle_core::Error::MalformedResponse {
                endpoint: chain.config().name.clone(),
                reason: format!("remote({origin}) does not decode: {e}"),
            })
        })?;
    Ok(RemoteSet {
        bridge: remote_bridge.0,
        kind,
        epoch,
        threshold,
        validators: validators.into_iter().map(|a| EvmAddress(a.0.0)).collect(),
    })
}

/// How a route's configuration differs from what the destination bridge holds; empty when
/// they agree. The relayer's signatures are useless (and the validator's too) when they
/// differ.
pub fn route_mismatches(
    origin_bridge: EvmAddress,
    set: &trestle_bridge::ValidatorSet,
    remote: &RemoteSet,
) -> Vec<String> {
    let mut out = Vec::new();
    if remote.bridge != UniversalAddress::from_evm(origin_bridge.0).0 {
        out.push(format!(
            "the destination accepts origin bridge 0x{}, the config says {origin_bridge}",
            hex::encode(remote.bridge)
        ));
    }
    if remote.epoch != set.epoch() {
        out.push(format!(
            "the destination's validator-set epoch is {}, the config says {}",
            remote.epoch,
            set.epoch()
        ));
    }
    if usize::from(remote.threshold) != set.threshold() {
        out.push(format!(
            "the destination's threshold is {}, the config says {}",
            remote.threshold,
            set.threshold()
        ));
    }
    if remote.validators.as_slice() != set.validators() {
        out.push("the destination's validators differ from the config's".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_mismatches_names_each_difference() {
        let v = |b: u8| EvmAddress([b; 20]);
        let set = trestle_bridge::ValidatorSet::new(3, vec![v(1), v(2), v(3)], 2).unwrap();
        let bridge = v(9);
        let same = RemoteSet {
            bridge: UniversalAddress::from_evm(bridge.0).0,
            kind: 0,
            epoch: 3,
            threshold: 2,
            validators: vec![v(1), v(2), v(3)],
        };
        assert!(route_mismatches(bridge, &set, &same).is_empty());
        let other = RemoteSet {
            bridge: [0; 32],
            kind: 0,
            epoch: 4,
            threshold: 3,
            validators: vec![v(1), v(2)],
        };
        let diffs = route_mismatches(bridge, &set, &other);
        assert_eq!(diffs.len(), 4, "{diffs:?}");
        assert!(diffs[1].contains("epoch is 4"));
    }
}
