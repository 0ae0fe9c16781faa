//! Sends bridge transfers on the origin chain: native ether to a beneficiary (or to several,
//! in turn) on the destination through `sendToken`, from several funded accounts in parallel
//! (one nonce sequence each).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use trestle_bridge_client::{EvmBridge, TokenSend};
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::{EvmChain, EvmSender, TxRequest};

/// Transfers from origin to destination.
#[derive(Debug, Clone)]
pub struct Load {
    senders: Vec<Arc<EvmSender>>,
    bridge: EvmBridge,
    send: TokenSend,
    /// Transfer `i` goes to `beneficiaries[i % len]`; empty: to `send.beneficiary`.
    beneficiaries: Vec<UniversalAddress>,
    gas_limit: u64,
}

impl Load {
    /// Transfers of `amount` wei of the origin's native token (`token` is its bridge token
    /// id) through `bridge` to `destination`, sent by `users` on `chain`.
    pub async fn new(
        chain: Arc<EvmChain>,
        users: Vec<EvmSigner>,
        bridge: EvmAddress,
        destination: u32,
        token: [u8; 32],
        amount: u128,
    ) -> Result<Self> {
        let senders: Vec<Arc<EvmSender>> = users
            .into_iter()
            .map(|u| Arc::new(EvmSender::new(chain.clone(), u)))
            .collect();
        let first = senders
            .first()
            .ok_or_else(|| anyhow!("no funded user account for the load"))?;
        let mut load = Self {
            senders: senders.clone(),
            bridge: EvmBridge::new(chain.clone(), bridge),
            send: TokenSend {
                destination,
                token_id: token,
                amount: U256::from(amount),
                beneficiary: UniversalAddress::from_evm([0x42; 20]),
            },
            beneficiaries: Vec::new(),
            gas_limit: 0,
        };
        let request = load.request(0);
        let estimate = chain
            .estimate_gas(first.address(), request.to, request.value, &request.data)
            .await
            .context("estimating the gas of sendToken (is the route configured?)")?;
        // Later sends touch warm storage; the first one pays for cold slots, so the estimate
        // is an upper bound. A margin for the nonce slot being written anyway.
        load.gas_limit = estimate + estimate / 5;
        Ok(load)
    }

    /// The same transfers to `beneficiaries` in turn (e.g. Solana wallets, for a Solana
    /// destination whose program pays out to the beneficiary's token account).
    pub fn with_beneficiaries(mut self, beneficiaries: Vec<UniversalAddress>) -> Self {
        self.beneficiaries = beneficiaries;
        self
    }

    fn request(&self, i: usize) -> TxRequest {
        match self.beneficiaries.get(i % self.beneficiaries.len().max(1)) {
            Some(b) => {
                let mut send = self.send;
                send.beneficiary = *b;
                self.bridge.send_token_request(&send, true, 0)
            }
            None => self.bridge.send_token_request(&self.send, true, 0),
        }
    }

    /// Sends transfer `i` from the `i`-th account (modulo the number of accounts).
    pub async fn send_one(&self, i: usize) -> Result<()> {
        let sender = self
            .senders
            .get(i % self.senders.len().max(1))
            .ok_or_else(|| anyhow!("no sender"))?;
        sender
            .send(self.request(i).with_gas_limit(self.gas_limit))
            .await
            .context("sending a transfer")?;
        Ok(())
    }

    /// Sends `n` transfers, one every `interval`, round-robin over the accounts.
    pub async fn paced(&self, n: usize, interval: Duration) -> Result<()> {
        let start = Instant::now();
        for i in 0..n {
            let due = start + interval * u32::try_from(i).unwrap_or(u32::MAX);
            tokio::time::sleep_until(due.into()).await;
            self.send_one(i).await?;
        }
        Ok(())
    }

    /// Sends `n` transfers as fast as the node takes them: every account in parallel.
    pub async fn flood(&self, n: usize) -> Result<Duration> {
        let start = Instant::now();
        let k = self.senders.len().max(1);
        let mut tasks = Vec::new();
        for s in 0..k {
            let me = self.clone();
            let count = n / k + usize::from(s < n % k);
            tasks.push(tokio::spawn(async move {
                for j in 0..count {
                    // Account s sends transfers s, s + k, s + 2k, ...
                    me.send_one(s + j * k).await?;
                }
                anyhow::Ok(())
            }));
        }
        for t in tasks {
            t.await.context("a flood task")??;
        }
        Ok(start.elapsed())
    }
}
