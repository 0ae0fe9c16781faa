//! EVM -> EVM transfers of the demo: ether of one anvil chain to its bridged token on
//! another, including a transfer large enough to wait in the destination's timelock.

use std::time::{Duration, Instant};

use trestle_bridge_client::api::wire::RelayerState;
use trestle_core::chain::U256;
use trestle_core::evm::EvmAddress;

use super::Demo;
use super::report::{TransferReport, format_ether, hex0x, print_state};
use crate::error::{Error, Result};
use crate::evm::{ether_token, pad};
use crate::keys;
use crate::status::MessageStatus;

/// What a demo transfer pays for its delivery at its send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeAtSend {
    /// The origin bridge's quote (the least it accepts).
    Quote,
    /// The relayer's floor on the route (`min_paid`), in wei, when it is above the quote.
    RelayerFloor(u128),
}

impl Demo {
    /// Sends `amount` wei of chain `from`'s ether to the user's address on `to`, paying
    /// `fee` for its delivery, follows the message through the relayer until the funds arrive
    /// (topping it up with `payForGas` when the relayer holds it underpaid: its floor
    /// `relayer_floor` wei is above what was paid), and checks the balance and that the
    /// message was delivered exactly once.
    pub async fn evm_ether_transfer(
        &self,
        from: &str,
        to: &str,
        amount: u128,
        fee: FeeAtSend,
        relayer_floor: Option<u128>,
    ) -> Result<TransferReport> {
        let route = format!("{from} -> {to}");
        let origin = self.evm.node(from)?;
        let destination = self.evm.node(to)?;
        let token = self
            .evm
            .wrapped_ether(origin.domain, destination.domain)
            .ok_or_else(|| Error::Setup(format!("no bridged ether of {from} on {to}")))?;
        let user = keys::user();
        let beneficiary: EvmAddress = user.address();
        let before = destination.balance(Some(token), beneficiary).await?;
        let value = U256::from(amount);
        let quote = origin.quote_transfer(destination.domain).await?;
        let paid = match fee {
            FeeAtSend::Quote => quote,
            FeeAtSend::RelayerFloor(floor) => quote.max(U256::from(floor)),
        };
        let sender = origin.sender(user);
        let sent = origin
            .send_token(
                &sender,
                destination.domain,
                ether_token(origin.domain),
                value,
                pad(beneficiary).0,
                value + paid,
            )
            .await?;
        let sent_at = Instant::now();
        let p = &self.progress;
        p.info(&format!(
            "sendToken on {from}: tx {} (nonce {}); delivery fee paid {} ({from} quotes {})",
            hex0x(&sent.tx),
            sent.nonce,
            format_ether(paid.saturating_to::<u128>()),
            format_ether(quote.saturating_to::<u128>())
        ));
        p.info(&format!("message id {}", hex0x(&sent.id)));

        let status = self.daemons.status()?;
        let timeout = self.options.transfer_timeout;
        let print = |s: &MessageStatus, t: Duration| print_state(p, s, t);
        let mut reached = status
            .follow(&sent.id, timeout, print, |s| {
                matches!(
                    s.state,
                    RelayerState::Delivered | RelayerState::Queued | RelayerState::Underpaid
                )
            })
            .await?;
        let mut top_up = None;
        if reached.state == RelayerState::Underpaid {
            let floor = relayer_floor.ok_or_else(|| Error::Transfer {
                route: route.clone(),
                reason: format!(
                    "held underpaid with no floor on the route: {}",
                    reached.last_error.as_deref().unwrap_or("no reason given")
                ),
            })?;
            let more = U256::from(floor).saturating_sub(paid);
            let tx = origin
                .pay_for_gas(&sender, sent.id, destination.domain, more)
                .await?;
            p.info(&format!(
                "topped up with payForGas on {from}: {} more (tx {}); the relayer's floor on {route} is {}",
                format_ether(more.saturating_to::<u128>()),
                hex0x(&tx),
                format_ether(floor)
            ));
            top_up = Some(format_ether(more.saturating_to::<u128>()));
            let print = |s: &MessageStatus, t: Duration| print_state(p, s, t);
            reached = status
                .follow(&sent.id, timeout, print, |s| {
                    matches!(s.state, RelayerState::Delivered | RelayerState::Queued)
                })
                .await?;
        }
        let mut executed_tx = None;
        if reached.state == RelayerState::Queued {
            let ready_at =
                destination
                    .queued_until(sent.id)
                    .await?
                    .ok_or_else(|| Error::Transfer {
                        route: route.clone(),
                        reason: "the relayer says queued but the bridge has no queued record"
                            .into(),
                    })?;
            let now = destination.now().await?;
            p.info(&format!(
                "queued in {to}'s timelock: executable at {ready_at} (chain clock now {now}, {} s to go); funds not released yet",
                ready_at.saturating_sub(now)
            ));
            let held = destination.balance(Some(token), beneficiary).await?;
            if held != before {
                return Err(Error::Transfer {
                    route,
                    reason: format!("released while queued: balance {before} -> {held}"),
                });
            }
            let print_new = |s: &MessageStatus, t: Duration| {
                match s.state.as_str() {
                "queued" => {}
                "delivered" => p.info(&format!(
                    "relayer: delivered +{:.1}s  timelock over: the relayer executed the queued transfer",
                    t.as_secs_f64()
                )),
                _ => print_state(p, s, t),
            }
            };
            status
                .follow(&sent.id, timeout, print_new, |s| {
                    s.state == RelayerState::Delivered
                })
                .await?;
            let executions = destination.executions(sent.id).await?;
            match executions.as_slice() {
                [tx] => {
                    executed_tx = Some(hex0x(tx));
                    p.info(&format!("executeQueued on {to}: tx {}", hex0x(tx)));
                }
                other => {
                    return Err(Error::Transfer {
                        route,
                        reason: format!(
                            "{} MessageExecuted events for one queued transfer",
                            other.len()
                        ),
                    });
                }
            }
        }
        // The funds have arrived, exactly once.
        let expected = before + value;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let now = destination.balance(Some(token), beneficiary).await?;
            if now == expected {
                break;
            }
            if now > expected || Instant::now() >= deadline {
                return Err(Error::Transfer {
                    route,
                    reason: format!(
                        "balance of {beneficiary} in {token} on {to} is {now}, expected {expected}"
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let latency = sent_at.elapsed();
        let deliveries = destination.deliveries(sent.id).await?;
        let delivery_tx = match deliveries.as_slice() {
            [tx] => hex0x(tx),
            other => {
                return Err(Error::Transfer {
                    route,
                    reason: format!("{} MessageDelivered events for one message", other.len()),
                });
            }
        };
        let attested = self.attested_by(&sent.id).await;
        p.info(&format!(
            "arrived: {beneficiary} holds {} more of {to}'s bridged ether (total {}); delivered once; attested by {}; latency {:.1} s",
            format_ether(amount),
            format_ether(expected.saturating_to::<u128>()),
            attested.join(", "),
            latency.as_secs_f64()
        ));
        Ok(TransferReport {
            route,
            from: from.into(),
            to: to.into(),
            amount: format_ether(amount),
            id: sent.id,
            nonce: sent.nonce,
            origin_tx: hex0x(&sent.tx),
            delivery_tx,
            executed_tx,
            latency,
            fee: Some(format_ether(paid.saturating_to::<u128>())),
            top_up,
        })
    }
}
