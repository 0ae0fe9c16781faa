//! The EVM bridge contract from a user's side: send a token (native ether, a home ERC-20
//! after an approval, or a bridged token that is burnt) or a message, read the `MessageSent`
//! log back from the receipt, and ask a destination bridge what became of a message.

use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, B256};
use alloy_sol_types::{SolCall, SolEvent, SolType};
use trestle_bridge::evm_bindings::Bridge;
use trestle_bridge::{Message, MessageId};
use trestle_core::chain::{Chain as _, ChainEvent, TxId, U256, UniversalAddress};
use trestle_core::evm::EvmAddress;
use trestle_evm::{Erc20, EvmChain, EvmSender, LandingPolicy, LogFilter, TxRequest};

use crate::error::{Error, Result};
use crate::sent::SentMessage;
use crate::status::Stage;

mod deploy;
mod fees;
mod relay;

pub use deploy::{BridgeInit, proposal_id};
pub use relay::Remote;

/// The local-token sentinel of native ether in `Bridge.tokens`.
pub const NATIVE: EvmAddress = EvmAddress([0xee; 20]);

/// `remote(domain).kind` of an EVM remote.
pub const KIND_EVM: u8 = 0;
/// `remote(domain).kind` of a Solana remote.
pub const KIND_SOLANA: u8 = 1;

/// A token as the bridge registered it (`tokens(id)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvmToken {
    /// The local contract, or [`NATIVE`] for ether.
    pub local: EvmAddress,
    /// The token's home domain.
    pub home_domain: u32,
    /// Whether this chain is the token's home (locked here) or it is a bridged token (burnt
    /// here).
    pub home: bool,
    /// `local = home units / 10^local_exp`.
    pub local_exp: u8,
    /// Timelock of large inbound transfers, seconds.
    pub delay: u64,
}

impl EvmToken {
    /// Whether the token is native ether.
    pub fn is_native(&self) -> bool {
        self.local == NATIVE
    }
}

/// What to send: `amount` local base units of `token_id` to `beneficiary` on `destination`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSend {
    /// The destination domain.
    pub destination: u32,
    /// The bridge token id.
    pub token_id: [u8; 32],
    /// Local base units (wei for ether).
    pub amount: U256,
    /// The recipient on the destination, as a universal address.
    pub beneficiary: UniversalAddress,
}

/// A Trestle bridge contract on one EVM chain.
#[derive(Debug, Clone)]
pub struct EvmBridge {
    chain: Arc<EvmChain>,
    address: EvmAddress,
}

fn malformed(chain: &EvmChain, what: &str, e: impl std::fmt::Display) -> Error {
    Error::Chain(trestle_core::Error::MalformedResponse {
        endpoint: chain.config().name.clone(),
        reason: format!("{what} does not decode: {e}"),
    })
}

impl EvmBridge {
    /// The bridge at `address` on `chain`. Makes no request.
    pub fn new(chain: Arc<EvmChain>, address: EvmAddress) -> Self {
        Self { chain, address }
    }

    /// The chain.
    pub fn chain(&self) -> &Arc<EvmChain> {
        &self.chain
    }

    /// The contract address.
    pub fn address(&self) -> EvmAddress {
        self.address
    }

    pub(crate) fn name(&self) -> &str {
        &self.chain.config().name
    }

    pub(crate) async fn view<C: SolCall>(&self, call: C, what: &str) -> Result<C::Return> {
        let out = self.chain.call(self.address, &call.abi_encode()).await?;
        if out.is_empty() {
            return Err(Error::Chain(trestle_core::Error::MalformedResponse {
                endpoint: self.name().to_owned(),
                reason: format!(
                    "{what}: empty answer; is {} a Trestle bridge?",
                    self.address
                ),
            }));
        }
        C::abi_decode_returns(&out).map_err(|e| malformed(&self.chain, what, e))
    }

    /// `paused()`: whether the guardian paused the bridge (every delivery and execution
    /// reverts until the admin unpauses it).
    pub async fn paused(&self) -> Result<bool> {
        self.view(Bridge::pausedCall {}, "paused()").await
    }

    /// `localDomain()`.
    pub async fn domain(&self) -> Result<u32> {
        self.view(Bridge::localDomainCall {}, "localDomain()").await
    }

    /// `tokens(id)`; [`Error::UnknownToken`] when the bridge does not know it.
    pub async fn token(&self, token_id: &[u8; 32]) -> Result<EvmToken> {
        let t = self
            .view(
                Bridge::tokensCall {
                    tokenId: B256::from(*token_id),
                },
                "tokens(id)",
            )
            .await?;
        if t.local == Address::ZERO {
            return Err(Error::UnknownToken {
                chain: self.name().to_owned(),
                token_id: hex::encode(token_id),
            });
        }
        Ok(EvmToken {
            local: EvmAddress(t.local.0.0),
            home_domain: t.homeDomain,
            home: t.home,
            local_exp: t.localExp,
            delay: t.delay,
        })
    }

    /// The attestation threshold this bridge requires for messages from `origin`
    /// (`remote(origin).threshold`); `None` when it has no validator set for it.
    pub async fn threshold(&self, origin: u32) -> Result<Option<usize>> {
        let r = self
            .view(Bridge::remoteCall { domain: origin }, "remote(domain)")
            .await?;
        Ok((r.threshold > 0).then_some(usize::from(r.threshold)))
    }

    /// The bridge and kind of remote `domain` (`remote(domain)`); [`Error::Input`] naming
    /// `what` when this bridge has no such remote.
    async fn remote_of(&self, domain: u32, what: &'static str) -> Result<(B256, u8)> {
        let r = self
            .view(Bridge::remoteCall { domain }, "remote(domain)")
            .await?;
        if r.bridge == B256::ZERO {
            return Err(Error::input(
                what,
                format!(
                    "the bridge on {} knows no remote domain {domain}",
                    self.name()
                ),
            ));
        }
        Ok((r.bridge, r.kind))
    }

    /// Checks that `address` can be paid (or called) on a remote of `kind`: never zero, and on
    /// an EVM remote an address (upper 12 bytes zero). The bridge refuses the others at send.
    fn check_remote_address(
        kind: u8,
        address: &UniversalAddress,
        what: &'static str,
    ) -> Result<()> {
        if address.0 == [0u8; 32] {
            return Err(Error::input(what, "must not be the zero address"));
        }
        if kind == KIND_EVM && address.0[..12] != [0u8; 12] {
            return Err(Error::input(
                what,
                "the destination is an EVM chain: it must be a 20-byte address (upper 12 bytes zero)",
            ));
        }
        Ok(())
    }

    /// Checks a token send against what the bridge would refuse, with errors that say why:
    /// zero amount, an unknown remote or token, a beneficiary the destination cannot pay, a
    /// disabled route, an amount the destination cannot represent, the outbound rate limit,
    /// and the sender's balance (of the token, and of ether for the delivery fee). Returns the
    /// token and the fee it checked, which the send pays.
    async fn check_send(&self, from: EvmAddress, send: &TokenSend) -> Result<(EvmToken, u128)> {
        if send.amount.is_zero() {
            return Err(Error::input("amount", "must not be zero"));
        }
        let (_, kind) = self.remote_of(send.destination, "destination").await?;
        Self::check_remote_address(kind, &send.beneficiary, "beneficiary")?;
        let token = self.token(&send.token_id).await?;
        let route = self
            .view(
                Bridge::routesCall {
                    tokenId: B256::from(send.token_id),
                    remote_: send.destination,
                },
                "routes(id, destination)",
            )
            .await?;
        if route.remoteMax == 0 {
            return Err(Error::input(
                "destination",
                format!(
                    "the bridge on {} has no route for this token to domain {}",
                    self.name(),
                    send.destination
                ),
            ));
        }
        let home = trestle_bridge::amount::local_to_home(send.amount, token.local_exp)?;
        trestle_bridge::amount::check_outbound(home, route.remoteExp, U256::from(route.remoteMax))
            .map_err(|e| {
                Error::input(
                    "amount",
                    format!(
                        "{} cannot be sent to domain {}: {e}",
                        send.amount, send.destination
                    ),
                )
            })?;
        let available = self
            .view(
                Bridge::availableForCall {
                    tokenId: B256::from(send.token_id),
                    remote_: send.destination,
                    inbound: false,
                },
                "availableFor(id, destination, false)",
            )
            .await?;
        if send.amount > available {
            return Err(Error::input(
                "amount",
                format!(
                    "{} is over the outbound rate limit of the bridge on {} (available now: {available})",
                    send.amount,
                    self.name()
                ),
            ));
        }
        let balance = if token.is_native() {
            self.chain
                .native_balance(&UniversalAddress::from_evm(from.0))
                .await?
        } else {
            Erc20::new(token.local)
                .balance_of(&self.chain, from)
                .await?
        };
        if balance < send.amount {
            return Err(Error::input(
                "amount",
                format!(
                    "{} is more than the balance {balance} of {from}",
                    send.amount
                ),
            ));
        }
        let fee = self.quote_transfer(send.destination).await?;
        let native = if token.is_native() {
            balance
        } else {
            self.chain
                .native_balance(&UniversalAddress::from_evm(from.0))
                .await?
        };
        let needed = U256::from(fee).saturating_add(if token.is_native() {
            send.amount
        } else {
            U256::ZERO
        });
        if native < needed {
            return Err(Error::input(
                "amount",
                format!(
                    "{from} holds {native} wei: not enough for {needed} (the delivery fee {fee} to domain {}{})",
                    send.destination,
                    if token.is_native() {
                        " plus the amount"
                    } else {
                        ""
                    }
                ),
            ));
        }
        Ok((token, fee))
    }

    /// Sends a token with `sender`'s key: ether as `msg.value`, a home ERC-20 after an
    /// `approve` of exactly the missing allowance (when the current allowance is short), a
    /// bridged token by burning it. Waits for the receipt (fee bumps when stuck, at most
    /// `timeout`) and returns the message read from its `MessageSent` log.
    pub async fn send_token(
        &self,
        sender: &EvmSender,
        send: &TokenSend,
        timeout: Duration,
    ) -> Result<SentMessage> {
        let (token, fee) = self.check_send(sender.address(), send).await?;
        let policy = LandingPolicy {
            stuck_after: (timeout / 3).max(Duration::from_secs(1)),
            timeout,
        };
        if token.home && !token.is_native() {
            let erc20 = Erc20::new(token.local);
            let allowance = erc20
                .allowance(&self.chain, sender.address(), self.address)
                .await?;
            if allowance < send.amount {
                tracing::info!(chain = %self.name(), token = %token.local, "approving the bridge");
                sender
                    .land(erc20.approve_request(self.address, send.amount), policy)
                    .await?;
            }
        }
        let request = self.send_token_request(send, token.is_native(), fee);
        let (pending, receipt) = sender.land(request, policy).await?;
        self.sent_in(pending.hash, receipt.block_number).await
    }

    /// The `sendToken` transaction of `send` to this bridge, paying `fee` (wei, the delivery
    /// fee: [`EvmBridge::quote_transfer`]) and, when the token is the chain's native one
    /// (`native`), the amount as `msg.value`. Checks and sends nothing:
    /// [`EvmBridge::send_token`] does both.
    pub fn send_token_request(&self, send: &TokenSend, native: bool, fee: u128) -> TxRequest {
        let data = Bridge::sendTokenCall {
            destination: send.destination,
            tokenId: B256::from(send.token_id),
            amount: send.amount,
            beneficiary: B256::from(send.beneficiary.0),
        }
        .abi_encode();
        let value = if native { send.amount } else { U256::ZERO };
        TxRequest::call(self.address, data).with_value(value.saturating_add(U256::from(fee)))
    }

    /// Sends `payload` to `recipient` on `destination` (`sendMessage`), giving the recipient's
    /// call `gas_limit` (EVM gas, or compute units on a Solana destination), paying the
    /// delivery fee it quotes now ([`EvmBridge::quote_message`]), and returns the message read
    /// from the receipt.
    pub async fn send_message(
        &self,
        sender: &EvmSender,
        destination: u32,
        recipient: UniversalAddress,
        gas_limit: u64,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<SentMessage> {
        let (_, kind) = self.remote_of(destination, "destination").await?;
        Self::check_remote_address(kind, &recipient, "recipient")?;
        if gas_limit == 0 {
            return Err(Error::input("gas limit", "must not be zero"));
        }
        if kind == KIND_SOLANA && gas_limit > trestle_bridge::body::SOLANA_MAX_GAS_LIMIT {
            return Err(Error::input(
                "gas limit",
                format!(
                    "{gas_limit} compute units; a Solana destination gives a recipient at most {}",
                    trestle_bridge::body::SOLANA_MAX_GAS_LIMIT
                ),
            ));
        }
        if payload.len() > trestle_bridge::body::MAX_PAYLOAD_LEN {
            return Err(Error::input(
                "payload",
                format!(
                    "{} bytes; at most {} fit in a message",
                    payload.len(),
                    trestle_bridge::body::MAX_PAYLOAD_LEN
                ),
            ));
        }
        let fee = self
            .quote_message(destination, gas_limit, payload.len())
            .await?;
        let data = Bridge::sendMessageCall {
            destination,
            recipient: B256::from(recipient.0),
            gasLimit: gas_limit,
            payload: payload.to_vec().into(),
        }
        .abi_encode();
        let policy = LandingPolicy {
            stuck_after: (timeout / 3).max(Duration::from_secs(1)),
            timeout,
        };
        let request = TxRequest::call(self.address, data).with_value(U256::from(fee));
        let (pending, receipt) = sender.land(request, policy).await?;
        self.sent_in(pending.hash, receipt.block_number).await
    }

    /// Decodes a `MessageSent` log: the data is the message, whose id is the first indexed
    /// topic.
    fn decode_sent(&self, event: &ChainEvent) -> Result<Message> {
        let bytes = <alloy_sol_types::sol_data::Bytes as SolType>::abi_decode(&event.data)
            .map_err(|e| malformed(&self.chain, "a MessageSent log", e))?;
        let message = Message::decode(&bytes)?;
        if event.topics.get(1) != Some(&message.id()) {
            return Err(malformed(
                &self.chain,
                "a MessageSent log",
                "the indexed id is not the message's id",
            ));
        }
        Ok(message)
    }

    /// The message that transaction `tx` (mined in `block`) sent through this bridge.
    pub async fn sent_in(&self, tx: [u8; 32], block: u64) -> Result<SentMessage> {
        let logs = self
            .chain
            .logs(&self.message_sent_filter(), block, block)
            .await?;
        let event = logs
            .iter()
            .find(|e| e.tx_id == TxId::Evm(tx))
            .ok_or_else(|| Error::NoMessage {
                chain: self.name().to_owned(),
                tx: TxId::Evm(tx).to_string(),
            })?;
        Ok(SentMessage::new(
            self.decode_sent(event)?,
            event.tx_id.clone(),
            event.height,
        ))
    }

    /// Finds the message with `id` among this bridge's `MessageSent` logs from block
    /// `from_block` to the head (`None` if it is not there).
    pub async fn find_sent(&self, id: &MessageId, from_block: u64) -> Result<Option<SentMessage>> {
        let head = self.chain.block_number().await?;
        let logs = self
            .chain
            .logs(&self.message_sent_filter(), from_block, head)
            .await?;
        match logs.iter().find(|e| e.topics.get(1) == Some(id)) {
            Some(event) => Ok(Some(SentMessage::new(
                self.decode_sent(event)?,
                event.tx_id.clone(),
                event.height,
            ))),
            None => Ok(None),
        }
    }

    /// What this (destination) bridge did with message `id`: its record (`records(id)`:
    /// queued with the release time, failed recipient call, cancelled, executed after a
    /// queue), else whether `(origin, origin's current bridge, nonce)` was delivered when
    /// `origin_nonce` is known, else
    /// whether a `MessageDelivered` log with the id exists from block `search_from`.
    /// [`Stage::Unknown`] when none of these shows it.
    pub async fn delivery(
        &self,
        id: &MessageId,
        origin_nonce: Option<(u32, u64)>,
        search_from: u64,
    ) -> Result<Stage> {
        let record = self
            .view(
                Bridge::recordsCall {
                    id: B256::from(*id),
                },
                "records(id)",
            )
            .await?;
        match record.status {
            1 => return Ok(Stage::Delivered),
            2 => {
                return Ok(Stage::Queued {
                    release_at: Some(record.readyAt),
                });
            }
            3 => return Ok(Stage::RecipientFailed),
            4 => return Ok(Stage::Cancelled),
            _ => {}
        }
        let delivered = match origin_nonce {
            Some((origin, nonce)) => {
                let remote = self
                    .view(Bridge::remoteCall { domain: origin }, "remote(domain)")
                    .await?;
                // A bridge that knows no such origin delivered nothing from it.
                remote.bridge != B256::ZERO
                    && self
                        .view(
                            Bridge::deliveredCall {
                                origin,
                                originBridge: remote.bridge,
                                nonce,
                            },
                            "delivered(origin, originBridge, nonce)",
                        )
                        .await?
            }
            None => {
                let head = self.chain.block_number().await?;
                let filter = LogFilter::contract(self.address)
                    .with_event(Bridge::MessageDelivered::SIGNATURE_HASH.0);
                self.chain
                    .logs(&filter, search_from, head)
                    .await?
                    .iter()
                    .any(|e| e.topics.get(1) == Some(id))
            }
        };
        Ok(if delivered {
            Stage::Delivered
        } else {
            Stage::Unknown
        })
    }
}
