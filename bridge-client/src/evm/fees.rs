//! Delivery fees on an EVM origin bridge: its fee configuration per destination and quotes
//! (computed by [`FeeConfig`], as the contract computes them), top-ups, and its `GasPaid` logs;
//! and, on a destination bridge, when a transfer would arrive ([`EvmBridge::arrival`]).

use alloy_primitives::B256;
use alloy_sol_types::{SolCall, SolEvent};
use trestle_bridge::evm_bindings::Bridge;
use trestle_bridge::{FeeConfig, MessageId};
use trestle_core::chain::{ChainEvent, U256, UniversalAddress};
use trestle_evm::{EvmSender, LandingPolicy, LogFilter, TxRequest};

use super::EvmBridge;
use crate::arrival::{Arrival, InboundState, predict};
use crate::error::Result;
use crate::fees::GasPayment;

impl EvmBridge {
    /// `feeConfig(destination)`: what this bridge charges for deliveries to `destination`
    /// (all zero where nothing is set: free).
    pub async fn fee_config(&self, destination: u32) -> Result<FeeConfig> {
        let f = self
            .view(
                Bridge::feeConfigCall { destination },
                "feeConfig(destination)",
            )
            .await?;
        Ok(FeeConfig {
            gas_price: f.gasPrice,
            exchange_rate: f.exchangeRate,
            fixed_cost: f.fixedCost,
            message_gas: f.messageGas,
            signatures_gas: f.signaturesGas,
            transfer_gas: f.transferGas,
            gas_per_byte: f.gasPerByte,
            last_update: f.lastUpdate,
        })
    }

    /// The fee (wei) of a token transfer to `destination` now.
    pub async fn quote_transfer(&self, destination: u32) -> Result<u128> {
        Ok(self.fee_config(destination).await?.quote_transfer()?)
    }

    /// The fee (wei) of an arbitrary message to `destination` whose recipient gas limit is
    /// `gas_limit` and whose payload is `payload_len` bytes.
    pub async fn quote_message(
        &self,
        destination: u32,
        gas_limit: u64,
        payload_len: usize,
    ) -> Result<u128> {
        let body_len = u64::try_from(trestle_bridge::body::MESSAGE_PREFIX_LEN + payload_len)
            .unwrap_or(u64::MAX);
        Ok(self
            .fee_config(destination)
            .await?
            .quote(gas_limit, body_len)?)
    }

    /// Pays `amount` wei more for the delivery of message `id` to `destination`
    /// (`payForGas`) with `sender`'s key; waits for the receipt (fee bumps when stuck, at most
    /// `timeout`) and returns the transaction hash.
    pub async fn pay_for_gas(
        &self,
        sender: &EvmSender,
        id: &MessageId,
        destination: u32,
        amount: U256,
        timeout: std::time::Duration,
    ) -> Result<[u8; 32]> {
        if amount.is_zero() {
            return Err(crate::Error::input("amount", "a top-up of 0 pays nothing"));
        }
        self.remote_of(destination, "destination").await?;
        let policy = LandingPolicy {
            stuck_after: (timeout / 3).max(std::time::Duration::from_secs(1)),
            timeout,
        };
        let request = TxRequest::call(self.address, Self::pay_for_gas_call(id, destination))
            .with_value(amount);
        let (pending, _receipt) = sender.land(request, policy).await?;
        Ok(pending.hash)
    }

    /// Calldata of `payForGas(id, destination)` (the value is the payment).
    pub fn pay_for_gas_call(id: &MessageId, destination: u32) -> Vec<u8> {
        Bridge::payForGasCall {
            id: B256::from(*id),
            destination,
        }
        .abi_encode()
    }

    /// The filter of what an origin's indexer reads: this bridge's `MessageSent` and
    /// `GasPaid` logs.
    pub fn origin_filter(&self) -> LogFilter {
        self.message_sent_filter()
            .with_event(Bridge::GasPaid::SIGNATURE_HASH.0)
    }

    /// The payment of a `GasPaid` log of this bridge; `None` for any other log, an error for
    /// a `GasPaid` log that does not decode or pays more than `u128` holds.
    pub fn decode_gas_paid(&self, event: &ChainEvent) -> Result<Option<GasPayment>> {
        if event.emitter != UniversalAddress::from_evm(self.address.0)
            || event.topics.first() != Some(&Bridge::GasPaid::SIGNATURE_HASH.0)
        {
            return Ok(None);
        }
        let what = || {
            format!(
                "the GasPaid log at block {} index {}",
                event.height, event.index
            )
        };
        let (Some(id), Some(destination)) = (event.topics.get(1), event.topics.get(2)) else {
            return Err(super::malformed(
                &self.chain,
                &what(),
                "missing indexed topics",
            ));
        };
        let destination = U256::from_be_bytes(*destination);
        let amount = (event.data.len() == 32)
            .then(|| U256::from_be_slice(&event.data))
            .ok_or_else(|| super::malformed(&self.chain, &what(), "data is not one word"))?;
        match (u32::try_from(destination), u128::try_from(amount)) {
            (Ok(destination), Ok(amount)) => Ok(Some(GasPayment {
                id: *id,
                destination,
                amount,
            })),
            _ => Err(super::malformed(
                &self.chain,
                &what(),
                "destination or amount out of range",
            )),
        }
    }
}

impl EvmBridge {
    /// When a transfer of `home_amount` (message units) of `token_id` from domain `origin`
    /// would arrive at this (destination) bridge, from its state now ([`crate::arrival`]).
    pub async fn arrival(
        &self,
        origin: u32,
        token_id: &[u8; 32],
        home_amount: U256,
    ) -> Result<Arrival> {
        let id = B256::from(*token_id);
        let t = self
            .view(Bridge::tokensCall { tokenId: id }, "tokens(id)")
            .await?;
        if t.local == alloy_primitives::Address::ZERO {
            return Ok(Arrival::Refused {
                reason: format!("the bridge on {} does not know this token", self.name()),
            });
        }
        let paused = self.paused().await?;
        let route = self
            .view(
                Bridge::routesCall {
                    tokenId: id,
                    remote_: origin,
                },
                "routes(id, origin)",
            )
            .await?;
        let available = self
            .view(
                Bridge::availableForCall {
                    tokenId: id,
                    remote_: origin,
                    inbound: true,
                },
                "availableFor(id, origin, true)",
            )
            .await?;
        let refills = self
            .view(
                Bridge::refillsCall {
                    tokenId: id,
                    remote_: origin,
                },
                "refills(id, origin)",
            )
            .await?;
        let ledger = self
            .view(
                Bridge::ledgerCall {
                    tokenId: id,
                    remote_: origin,
                },
                "ledger(id, origin)",
            )
            .await?;
        let scale = U256::from(10u8).checked_pow(U256::from(t.localExp));
        let local = scale.and_then(|s| (home_amount % s).is_zero().then(|| home_amount / s));
        let room = ledger.net.max(alloy_primitives::I256::ZERO).into_raw();
        Ok(predict(&InboundState {
            paused,
            local,
            threshold: U256::from(t.timelockThreshold),
            delay: t.delay,
            open: route.remoteMax != 0,
            capacity: U256::from(route.inCapacity),
            available,
            refill: refills.inbound,
            ledger_room: ledger.inboundChecked.then_some(room),
        }))
    }
}
