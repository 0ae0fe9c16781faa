//! The EVM bridge from a relayer's and a validator's side: the validator set it holds for an
//! origin, what it recorded for a message, the `MessageSent` logs an origin emits and the
//! `MessageDelivered` logs a delivery emits, and the calldata of `deliver`, `deliverBatch` and
//! `executeQueued`.

use std::collections::BTreeMap;

use alloy_primitives::B256;
use alloy_sol_types::{SolCall, SolEvent};
use trestle_bridge::evm_bindings::Bridge;
use trestle_bridge::{Message, ValidatorSet};
use trestle_core::chain::{ChainEvent, UniversalAddress};
use trestle_core::evm::EvmAddress;
use trestle_evm::LogFilter;

use super::EvmBridge;
use crate::delivery::DeliveryStatus;
use crate::error::{Error, Result};

/// What a bridge holds for a remote domain (`remote(domain)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// The remote's bridge it accepts messages from and sends to (32 bytes).
    pub bridge: UniversalAddress,
    /// The remote's kind ([`super::KIND_EVM`], [`super::KIND_SOLANA`]).
    pub kind: u8,
    /// Epoch of the validator set for messages from the remote.
    pub epoch: u64,
    /// Signatures required.
    pub threshold: u8,
    /// Validators, ascending.
    pub validators: Vec<EvmAddress>,
}

impl EvmBridge {
    /// `remote(domain)`; `None` when the bridge knows no such remote.
    pub async fn remote(&self, domain: u32) -> Result<Option<Remote>> {
        let r = self
            .view(Bridge::remoteCall { domain }, "remote(domain)")
            .await?;
        if r.bridge == B256::ZERO {
            return Ok(None);
        }
        Ok(Some(Remote {
            bridge: UniversalAddress(r.bridge.0),
            kind: r.kind,
            epoch: r.epoch,
            threshold: r.threshold,
            validators: r.validators.iter().map(|a| EvmAddress(a.0.0)).collect(),
        }))
    }

    /// The validator set this bridge holds for messages from `origin`, whose bridge must be
    /// `origin_bridge`: signatures for any other origin bridge are useless here.
    /// [`Error::Remote`] when the bridge knows no such origin, accepts another bridge for
    /// it, or holds no usable set.
    pub async fn validator_set(
        &self,
        origin: u32,
        origin_bridge: &UniversalAddress,
    ) -> Result<ValidatorSet> {
        let remote = self.remote(origin).await?.ok_or_else(|| Error::Remote {
            chain: self.name().to_owned(),
            reason: format!(
                "the bridge {} knows no origin domain {origin}",
                self.address
            ),
        })?;
        if remote.bridge != *origin_bridge {
            return Err(Error::Remote {
                chain: self.name().to_owned(),
                reason: format!(
                    "the bridge {} accepts origin bridge 0x{} for domain {origin}, not 0x{}",
                    self.address,
                    hex::encode(remote.bridge.0),
                    hex::encode(origin_bridge.0)
                ),
            });
        }
        ValidatorSet::new(
            remote.epoch,
            remote.validators,
            usize::from(remote.threshold),
        )
        .map_err(|e| Error::Remote {
            chain: self.name().to_owned(),
            reason: format!(
                "the bridge {}'s validator set for domain {origin} is not usable: {e}",
                self.address
            ),
        })
    }

    /// `delivered(origin, originBridge, nonce)`: replay protection is keyed by the origin's
    /// bridge (a redeployed origin numbers its messages from 0 again).
    pub async fn delivered(
        &self,
        origin: u32,
        origin_bridge: &UniversalAddress,
        nonce: u64,
    ) -> Result<bool> {
        self.view(
            Bridge::deliveredCall {
                origin,
                originBridge: B256::from(origin_bridge.0),
                nonce,
            },
            "delivered(origin, originBridge, nonce)",
        )
        .await
    }

    /// [`EvmBridge::delivered`] asked of every endpoint of the chain: `true` only when every
    /// endpoint says so; an endpoint that does not answer is an error (ask again later), so
    /// that a liar's `true` never stands alone while the honest endpoints are down. For a
    /// decision that must not rest on one endpoint's word, such as settling a message as
    /// delivered without sending it.
    pub async fn delivered_everywhere(
        &self,
        origin: u32,
        origin_bridge: &UniversalAddress,
        nonce: u64,
    ) -> Result<bool> {
        let call = Bridge::deliveredCall {
            origin,
            originBridge: B256::from(origin_bridge.0),
            nonce,
        };
        let mut first_error = None;
        for (endpoint, out) in self.chain.call_each(self.address, &call.abi_encode()).await {
            match out.map_err(Error::from).and_then(|out| {
                Bridge::deliveredCall::abi_decode_returns(&out)
                    .map_err(|e| super::malformed(&self.chain, "delivered(...)", e))
            }) {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(chain = %self.name(), %endpoint, origin, nonce, "an endpoint says the message is not delivered where another says it is");
                    return Ok(false);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(true), Err)
    }

    /// `statusOf(message)`: what the bridge recorded for the encoded message.
    pub async fn status_of(&self, message: &[u8]) -> Result<DeliveryStatus> {
        let status = self
            .view(
                Bridge::statusOfCall {
                    message: message.to_vec().into(),
                },
                "statusOf(message)",
            )
            .await?;
        let value: u8 = status;
        DeliveryStatus::from_evm(value).ok_or_else(|| {
            super::malformed(
                &self.chain,
                "statusOf(message)",
                format!("status {value} is not a Bridge.Status"),
            )
        })
    }

    /// The filter of this bridge's `MessageSent` logs.
    pub fn message_sent_filter(&self) -> LogFilter {
        LogFilter::contract(self.address).with_event(Bridge::MessageSent::SIGNATURE_HASH.0)
    }

    /// The message of a `MessageSent` log of this bridge on domain `origin`: the data decodes
    /// to a message whose id is the indexed id and whose origin is `origin`. `None` for any
    /// other log; an error for a `MessageSent` log that is not self-consistent.
    pub fn decode_message_sent(&self, event: &ChainEvent, origin: u32) -> Result<Option<Message>> {
        if event.emitter != UniversalAddress::from_evm(self.address.0)
            || event.topics.first() != Some(&Bridge::MessageSent::SIGNATURE_HASH.0)
        {
            return Ok(None);
        }
        let message = self.decode_sent(event)?;
        if message.origin != origin {
            return Err(super::malformed(
                &self.chain,
                &format!(
                    "the MessageSent log at block {} index {}",
                    event.height, event.index
                ),
                format!(
                    "message origin {} is not this chain's domain {origin}",
                    message.origin
                ),
            ));
        }
        Ok(Some(message))
    }

    /// The status each `MessageDelivered` log of this bridge among `logs` (a delivery
    /// transaction's receipt) records, by message id. Other contracts' logs, other events and
    /// malformed ones are left out.
    pub fn delivered_outcomes(&self, logs: &[ChainEvent]) -> BTreeMap<[u8; 32], DeliveryStatus> {
        let emitter = UniversalAddress::from_evm(self.address.0);
        let mut out = BTreeMap::new();
        for log in logs {
            if log.emitter != emitter
                || log.topics.first() != Some(&Bridge::MessageDelivered::SIGNATURE_HASH.0)
            {
                continue;
            }
            // Data: `uint64 nonce`, `Status status`, one 32-byte word each.
            let word = (log.data.len() == 64).then(|| log.data.get(32..)).flatten();
            let (Some(id), Some((last, zeros))) =
                (log.topics.get(1), word.and_then(<[u8]>::split_last))
            else {
                continue;
            };
            if zeros.iter().any(|b| *b != 0) {
                continue;
            }
            match DeliveryStatus::from_evm(*last) {
                Some(status) if status.is_delivered() => {
                    out.insert(*id, status);
                }
                _ => {}
            }
        }
        out
    }

    /// Calldata of `deliver(message, signatures)`.
    pub fn deliver_call(message: &[u8], signatures: &[u8]) -> Vec<u8> {
        Bridge::deliverCall {
            message: message.to_vec().into(),
            signatures: signatures.to_vec().into(),
        }
        .abi_encode()
    }

    /// Calldata of `deliverBatch(messages, signatures)` for `(message, signatures)` items.
    pub fn deliver_batch_call<'a>(
        items: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
    ) -> Vec<u8> {
        let (messages, signatures): (Vec<_>, Vec<_>) = items
            .into_iter()
            .map(|(m, s)| (m.to_vec().into(), s.to_vec().into()))
            .unzip();
        Bridge::deliverBatchCall {
            messages,
            signatures,
        }
        .abi_encode()
    }

    /// Calldata of `executeQueued(message)`.
    pub fn execute_queued_call(message: &[u8]) -> Vec<u8> {
        Bridge::executeQueuedCall {
            message: message.to_vec().into(),
        }
        .abi_encode()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use trestle_core::chain::TxId;
    use trestle_evm::{EvmChain, EvmChainConfig, Preset};

    use super::*;

    fn word(v: u8) -> [u8; 32] {
        let mut w = [0u8; 32];
        w[31] = v;
        w
    }

    fn delivered_log(emitter: EvmAddress, id: [u8; 32], status: u8) -> ChainEvent {
        let mut data = word(7).to_vec(); // nonce
        data.extend_from_slice(&word(status));
        ChainEvent {
            height: 1,
            block_hash: [1; 32],
            tx_id: TxId::Evm([2; 32]),
            index: 0,
            emitter: UniversalAddress::from_evm(emitter.0),
            topics: vec![Bridge::MessageDelivered::SIGNATURE_HASH.0, id, word(5)],
            data,
        }
    }

    #[test]
    fn outcomes_come_from_the_bridges_message_delivered_logs_only() {
        let address = EvmAddress([0xb0; 20]);
        let config = EvmChainConfig::preset(Preset::Anvil, vec!["http://127.0.0.1:1".into()]);
        let chain = EvmChain::new(config).unwrap();
        let bridge = EvmBridge::new(Arc::new(chain), address);
        let other = EvmAddress([0xcc; 20]);
        let mut wrong_event = delivered_log(address, [9; 32], 1);
        wrong_event.topics[0] = Bridge::MessageSent::SIGNATURE_HASH.0;
        let mut short = delivered_log(address, [10; 32], 1);
        short.data.truncate(32);
        let mut dirty = delivered_log(address, [11; 32], 1);
        dirty.data[40] = 1;
        let logs = vec![
            delivered_log(address, [1; 32], 1),
            delivered_log(address, [2; 32], 2),
            delivered_log(address, [3; 32], 3),
            delivered_log(address, [4; 32], 4),
            delivered_log(address, [5; 32], 0),
            delivered_log(address, [6; 32], 9),
            delivered_log(other, [7; 32], 1),
            wrong_event,
            short,
            dirty,
        ];
        assert_eq!(
            bridge
                .delivered_outcomes(&logs)
                .into_iter()
                .collect::<Vec<_>>(),
            vec![
                ([1; 32], DeliveryStatus::Executed),
                ([2; 32], DeliveryStatus::Queued),
                ([3; 32], DeliveryStatus::RecipientFailed),
                ([4; 32], DeliveryStatus::Cancelled),
            ]
        );
    }
}
