//! Governance and the guardian on an EVM bridge, as an operator drives them: the calls of the
//! guardian's emergency actions (`pause`, `cancelQueued`, `approveProposal`, `clearFeeOracle`)
//! and of the admin timelock (`propose` -> `adminDelay` -> `execute` within `GRACE_PERIOD`,
//! `cancelProposal`), and the proposals a bridge holds, read from its logs and checked against
//! its `proposals(id)` view.
//!
//! Building a call is separate from sending it: the same calldata goes into a transaction of
//! the operator's key, or into a batch for a Safe multisig that holds the role
//! ([`SafeBatch`]).

use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use serde::Serialize;
use trestle_bridge::evm_bindings::Bridge;
use trestle_core::chain::TxId;
use trestle_core::evm::{EvmAddress, keccak256};
use trestle_core::solana::SolanaSigner;
use trestle_evm::LogFilter;

use crate::error::{Error, Result};
use crate::evm::EvmBridge;

/// How long an executable proposal stays executable (`GRACE_PERIOD`), seconds.
pub const GRACE_PERIOD_SECS: u64 = 14 * 24 * 3_600;

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Waiting for its delay to pass.
    Pending,
    /// Executable now (by anyone), until its grace period ends.
    Ready,
    /// Its grace period ended unexecuted; only a new proposal can make the change.
    Expired,
    /// Executed.
    Executed,
    /// Cancelled by the admin or the guardian.
    Cancelled,
}

impl ProposalState {
    /// Its name, as `--json` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Pending => "pending",
            ProposalState::Ready => "ready",
            ProposalState::Expired => "expired",
            ProposalState::Executed => "executed",
            ProposalState::Cancelled => "cancelled",
        }
    }

    /// Whether nothing more can happen to it.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ProposalState::Expired | ProposalState::Executed | ProposalState::Cancelled
        )
    }
}

/// A proposal of an EVM bridge's admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmProposal {
    /// `keccak256(abi.encode(call, salt))`.
    pub id: [u8; 32],
    /// The proposed call (a self-only function of the bridge).
    pub call: Vec<u8>,
    /// The salt it was proposed with.
    pub salt: [u8; 32],
    /// When it may be executed (Unix seconds; moved earlier by the guardian's approval of a
    /// guardian change).
    pub ready_at: u64,
    /// The block it was proposed in.
    pub proposed_in: u64,
    /// Where it stands, at the chain's latest block time.
    pub state: ProposalState,
}

impl EvmProposal {
    /// The name of the function it calls (`setRoute`, `unpause`, ...), or its selector in hex
    /// when the bridge has no such function.
    pub fn function(&self) -> String {
        function_name(&self.call)
    }
}

/// The bridge function `call` calls, by name, or `0x` + its selector.
pub fn function_name(call: &[u8]) -> String {
    match Bridge::BridgeCalls::abi_decode(call) {
        Ok(decoded) => {
            let debug = format!("{decoded:?}");
            debug
                .split('(')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        }
        Err(_) => format!("0x{}", hex::encode(call.get(..4).unwrap_or(call))),
    }
}

/// The id of proposal (`call`, `salt`), as the bridge computes it.
pub fn proposal_id(call: &[u8], salt: &[u8; 32]) -> [u8; 32] {
    use alloy_sol_types::SolValue;
    let encoded = (call.to_vec(), alloy_primitives::B256::from(*salt)).abi_encode_params();
    keccak256(encoded)
}

impl EvmBridge {
    /// `pause()` (guardian).
    pub fn pause_call() -> Vec<u8> {
        Bridge::pauseCall {}.abi_encode()
    }

    /// `cancelQueued(id)` (guardian): a queued transfer's amount back to its route's ledger.
    pub fn cancel_queued_call(id: &[u8; 32]) -> Vec<u8> {
        Bridge::cancelQueuedCall { id: (*id).into() }.abi_encode()
    }

    /// `approveProposal(id)` (guardian): its consent to a proposal that replaces it.
    pub fn approve_proposal_call(id: &[u8; 32]) -> Vec<u8> {
        Bridge::approveProposalCall { id: (*id).into() }.abi_encode()
    }

    /// `clearFeeOracle()` (guardian).
    pub fn clear_fee_oracle_call() -> Vec<u8> {
        Bridge::clearFeeOracleCall {}.abi_encode()
    }

    /// `propose(call, salt)` (admin).
    pub fn propose_call(call: &[u8], salt: &[u8; 32]) -> Vec<u8> {
        Bridge::proposeCall {
            call: call.to_vec().into(),
            salt: (*salt).into(),
        }
        .abi_encode()
    }

    /// `execute(call, salt)` (anyone, once ready).
    pub fn execute_proposal_call(call: &[u8], salt: &[u8; 32]) -> Vec<u8> {
        Bridge::executeCall {
            call: call.to_vec().into(),
            salt: (*salt).into(),
        }
        .abi_encode()
    }

    /// `cancelProposal(id)` (admin, or the guardian for what it may veto).
    pub fn cancel_proposal_call(id: &[u8; 32]) -> Vec<u8> {
        Bridge::cancelProposalCall { id: (*id).into() }.abi_encode()
    }

    /// `adminDelay()`: seconds between a proposal and its execution.
    pub async fn admin_delay(&self) -> Result<u64> {
        self.view(Bridge::adminDelayCall {}, "adminDelay()").await
    }

    /// `admin()` and `guardian()`.
    pub async fn roles(&self) -> Result<(EvmAddress, EvmAddress)> {
        let admin = self.view(Bridge::adminCall {}, "admin()").await?;
        let guardian = self.view(Bridge::guardianCall {}, "guardian()").await?;
        Ok((
            EvmAddress(admin.into_array()),
            EvmAddress(guardian.into_array()),
        ))
    }

    /// Every proposal made from block `from_block` to the head, oldest first, each as it
    /// stands at the latest block's time (a call proposed again after it was executed or
    /// cancelled is listed once per proposal).
    pub async fn proposals(&self, from_block: u64) -> Result<Vec<EvmProposal>> {
        let chain = self.chain();
        let head = chain.block_number().await?;
        let now = chain
            .header(head)
            .await?
            .map(|h| h.timestamp)
            .ok_or_else(|| {
                Error::Chain(trestle_core::Error::MalformedResponse {
                    endpoint: chain.config().name.clone(),
                    reason: format!("block {head} has no header"),
                })
            })?;
        let filter = LogFilter {
            addresses: vec![self.address()],
            topic0: vec![
                Bridge::Proposed::SIGNATURE_HASH.0,
                Bridge::ProposalApproved::SIGNATURE_HASH.0,
                Bridge::ProposalExecuted::SIGNATURE_HASH.0,
                Bridge::ProposalCancelled::SIGNATURE_HASH.0,
            ],
        };
        let logs = chain.logs(&filter, from_block, head).await?;
        let mut out: Vec<EvmProposal> = Vec::new();
        for log in &logs {
            let topics: Vec<alloy_primitives::B256> =
                log.topics.iter().map(|t| (*t).into()).collect();
            let data = log.data.as_slice();
            let Some(topic0) = log.topics.first() else {
                continue;
            };
            if *topic0 == Bridge::Proposed::SIGNATURE_HASH.0 {
                let e = Bridge::Proposed::decode_raw_log(topics, data)
                    .map_err(|e| self.malformed_log("a Proposed log", e))?;
                // The id is the bridge's hash of (call, salt): a log whose id does not match
                // its call (an endpoint that forges logs) would have `execute` run another
                // proposal than the one asked for.
                if proposal_id(&e.call, &e.salt.0) != e.id.0 {
                    return Err(self.malformed_log(
                        "a Proposed log",
                        format!(
                            "its id 0x{} is not the hash of its call and salt",
                            hex::encode(e.id.0)
                        ),
                    ));
                }
                out.push(EvmProposal {
                    id: e.id.0,
                    call: e.call.to_vec(),
                    salt: e.salt.0,
                    ready_at: e.readyAt,
                    proposed_in: log.height,
                    state: ProposalState::Pending,
                });
            } else if *topic0 == Bridge::ProposalApproved::SIGNATURE_HASH.0 {
                let e = Bridge::ProposalApproved::decode_raw_log(topics, data)
                    .map_err(|e| self.malformed_log("a ProposalApproved log", e))?;
                if let Some(p) = out
                    .iter_mut()
                    .rev()
                    .find(|p| p.id == e.id.0 && !p.state.is_closed())
                {
                    p.ready_at = e.readyAt;
                }
            } else {
                let (id, to) = if *topic0 == Bridge::ProposalExecuted::SIGNATURE_HASH.0 {
                    let e = Bridge::ProposalExecuted::decode_raw_log(topics, data)
                        .map_err(|e| self.malformed_log("a ProposalExecuted log", e))?;
                    (e.id.0, ProposalState::Executed)
                } else {
                    let e = Bridge::ProposalCancelled::decode_raw_log(topics, data)
                        .map_err(|e| self.malformed_log("a ProposalCancelled log", e))?;
                    (e.id.0, ProposalState::Cancelled)
                };
                if let Some(p) = out
                    .iter_mut()
                    .rev()
                    .find(|p| p.id == id && !p.state.is_closed())
                {
                    p.state = to;
                }
            }
        }
        for p in out.iter_mut().filter(|p| !p.state.is_closed()) {
            p.state = if now < p.ready_at {
                ProposalState::Pending
            } else if now <= p.ready_at.saturating_add(GRACE_PERIOD_SECS) {
                ProposalState::Ready
            } else {
                ProposalState::Expired
            };
        }
        Ok(out)
    }

    fn malformed_log(&self, what: &str, e: impl std::fmt::Display) -> Error {
        Error::Chain(trestle_core::Error::MalformedResponse {
            endpoint: self.chain().config().name.clone(),
            reason: format!("{what} does not decode: {e}"),
        })
    }
}

/// A batch of calls in the Safe{Wallet} Transaction Builder's file format (version 1.0), for
/// an admin or guardian that is a Safe multisig: imported in the Transaction Builder app, its
/// owners review, sign and execute it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeBatch {
    /// The format's version: `"1.0"`.
    pub version: String,
    /// The chain id, as a decimal string.
    pub chain_id: String,
    /// When the file was made, Unix milliseconds.
    pub created_at: u64,
    /// Its name, description and the Safe it is for.
    pub meta: SafeBatchMeta,
    /// The calls, executed in order.
    pub transactions: Vec<SafeTransaction>,
}

/// The `meta` object of a [`SafeBatch`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeBatchMeta {
    /// A short title.
    pub name: String,
    /// What the batch does.
    pub description: String,
    /// The Transaction Builder version the format follows.
    pub tx_builder_version: String,
    /// The Safe that executes the batch (checksummed).
    pub created_from_safe_address: String,
    /// The owner who made it (empty: made outside the app).
    pub created_from_owner_address: String,
}

/// One call of a [`SafeBatch`] (raw calldata: `contractMethod` and `contractInputsValues`
/// null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeTransaction {
    /// The called contract (checksummed).
    pub to: String,
    /// Wei sent, as a decimal string.
    pub value: String,
    /// The calldata, 0x hex.
    pub data: String,
    /// Always null here (the calldata is given whole).
    pub contract_method: Option<()>,
    /// Always null here.
    pub contract_inputs_values: Option<()>,
}

impl SafeBatch {
    /// A batch for the Safe at `safe` on chain `chain_id` calling `to` with each of `calls`
    /// (no value), in order.
    pub fn new(
        chain_id: u64,
        safe: EvmAddress,
        to: EvmAddress,
        name: &str,
        description: &str,
        calls: &[Vec<u8>],
        created_at_ms: u64,
    ) -> Self {
        Self {
            version: "1.0".into(),
            chain_id: chain_id.to_string(),
            created_at: created_at_ms,
            meta: SafeBatchMeta {
                name: name.into(),
                description: description.into(),
                tx_builder_version: "1.16.5".into(),
                created_from_safe_address: safe.to_checksum(),
                created_from_owner_address: String::new(),
            },
            transactions: calls
                .iter()
                .map(|data| SafeTransaction {
                    to: to.to_checksum(),
                    value: "0".into(),
                    data: format!("0x{}", hex::encode(data)),
                    contract_method: None,
                    contract_inputs_values: None,
                })
                .collect(),
        }
    }
}

/// A proposal of a Solana bridge program's admin (`Proposal` account `id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolanaProposal {
    /// Its id (the config's `next_proposal` when it was made).
    pub id: u64,
    /// What it does.
    pub action: trestle_bridge::solana::admin::Action,
    /// When it may be executed (Unix seconds).
    pub eta: i64,
    /// Where it stands, at the cluster's clock.
    pub state: ProposalState,
}

/// The cluster's clock (`Clock` sysvar `unix_timestamp`), seconds.
async fn cluster_time(bridge: &crate::SolanaBridge) -> Result<i64> {
    use trestle_core::solana::address::SYSVAR_CLOCK_ID;
    let account = bridge
        .client()
        .account(&SYSVAR_CLOCK_ID)
        .await?
        .ok_or_else(|| Error::input("cluster", "has no Clock sysvar"))?;
    // slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp (LE).
    let bytes: [u8; 8] = account
        .data
        .get(32..40)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::input("Clock sysvar", "is shorter than 40 bytes"))?;
    Ok(i64::from_le_bytes(bytes))
}

impl crate::SolanaBridge {
    /// Every proposal the program's admin made (ids `0..next_proposal`), each as it stands at
    /// the cluster's clock.
    pub async fn proposals(&self) -> Result<Vec<SolanaProposal>> {
        use trestle_bridge::solana::state::{Proposal, ProposalStatus};
        let config = self.config().await?;
        let now = cluster_time(self).await?;
        let mut out = Vec::new();
        for id in 0..config.next_proposal {
            let address = self.program().proposal(id);
            let Some(account) = self.client().account(&address).await? else {
                continue; // closed
            };
            let p = Proposal::decode(&account.data)?;
            let state = match p.status {
                ProposalStatus::Executed => ProposalState::Executed,
                ProposalStatus::Cancelled => ProposalState::Cancelled,
                ProposalStatus::Pending if now < p.eta => ProposalState::Pending,
                ProposalStatus::Pending
                    if now <= p.eta.saturating_add(GRACE_PERIOD_SECS as i64) =>
                {
                    ProposalState::Ready
                }
                ProposalStatus::Pending => ProposalState::Expired,
            };
            out.push(SolanaProposal {
                id: p.id,
                action: p.action,
                eta: p.eta,
                state,
            });
        }
        Ok(out)
    }

    /// `pause()` signed by the guardian.
    pub async fn pause(&self, guardian: &SolanaSigner) -> Result<TxId> {
        let ix = self.program().pause(&guardian.pubkey());
        self.land_one(guardian, ix).await
    }

    /// `propose(action)` signed by the admin; returns the new proposal's id and the
    /// transaction.
    pub async fn propose(
        &self,
        admin: &SolanaSigner,
        action: &trestle_bridge::solana::admin::Action,
    ) -> Result<(u64, TxId)> {
        let id = self.config().await?.next_proposal;
        let ix = self.program().propose(&admin.pubkey(), id, action);
        Ok((id, self.land_one(admin, ix).await?))
    }

    /// `execute_proposal(id)`, paid by `payer` (anyone, once its delay has passed).
    pub async fn execute_proposal(&self, payer: &SolanaSigner, id: u64) -> Result<TxId> {
        use trestle_bridge::solana::state::Proposal;
        let config = self.config().await?;
        let account = self
            .client()
            .account(&self.program().proposal(id))
            .await?
            .ok_or_else(|| Error::input("proposal", format!("{id} does not exist")))?;
        let proposal = Proposal::decode(&account.data)?;
        let ix = self.program().execute_proposal(
            &payer.pubkey(),
            id,
            &proposal.action,
            config.domain,
            None,
        )?;
        self.land_one(payer, ix).await
    }

    /// `cancel_queued` of the queued transfer `message` (from an origin whose bridge is
    /// `origin_bridge`) signed by the guardian. The receipt is the one at the address the
    /// message's own key derives (`origin`, origin bridge, `nonce`: the message is given whole,
    /// so its id is its hash and no node's answer chooses which transfer is cancelled); it must
    /// hold this message's id and be queued.
    pub async fn cancel_queued(
        &self,
        guardian: &SolanaSigner,
        message: &trestle_bridge::Message,
        origin_bridge: &[u8; 32],
    ) -> Result<TxId> {
        use trestle_bridge::solana::ReceiptKey;
        use trestle_bridge::solana::state::{Receipt, ReceiptStatus};
        let id = message.id();
        let key = ReceiptKey::of(message, origin_bridge);
        let address = self.program().receipt(&key);
        let account = self.client().account(&address).await?.ok_or_else(|| {
            Error::input(
                "message id",
                format!(
                    "0x{} was never delivered to the program on {} (no receipt at {address})",
                    hex::encode(id),
                    self.name()
                ),
            )
        })?;
        let receipt = Receipt::decode(&account.data)?;
        if receipt.message_id != id {
            return Err(Error::input(
                "message id",
                format!(
                    "the receipt at {address} holds 0x{}, not 0x{}",
                    hex::encode(receipt.message_id),
                    hex::encode(id)
                ),
            ));
        }
        if receipt.status != ReceiptStatus::Queued {
            return Err(Error::input(
                "message id",
                format!(
                    "0x{} is {:?} on {}, not queued: nothing to cancel",
                    hex::encode(id),
                    receipt.status,
                    self.name()
                ),
            ));
        }
        // The program checks the route account against the token of the receipt it holds.
        let ix = self
            .program()
            .cancel_queued(&guardian.pubkey(), &key, &receipt.token_id);
        self.land_one(guardian, ix).await
    }

    /// `cancel_proposal(id)` signed by the admin or the guardian.
    pub async fn cancel_proposal(&self, authority: &SolanaSigner, id: u64) -> Result<TxId> {
        let ix = self.program().cancel_proposal(&authority.pubkey(), id);
        self.land_one(authority, ix).await
    }

    /// `approve_proposal(id)` signed by the sitting guardian.
    pub async fn approve_proposal(&self, guardian: &SolanaSigner, id: u64) -> Result<TxId> {
        let ix = self.program().approve_proposal(&guardian.pubkey(), id);
        self.land_one(guardian, ix).await
    }

    async fn land_one(
        &self,
        signer: &SolanaSigner,
        ix: trestle_core::solana::instruction::Instruction,
    ) -> Result<TxId> {
        let landed = self
            .client()
            .land(trestle_solana::TransactionRequest::new(signer, vec![ix]))
            .await?;
        Ok(landed.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proposal_id_binds_its_call_and_salt() {
        let call = Bridge::setAdminDelayCall { delay: 5 }.abi_encode();
        let id = proposal_id(&call, &[0; 32]);
        // keccak256(abi.encode(bytes call, bytes32 salt)): offset, salt, length, padded call.
        let mut encoded = Vec::new();
        encoded.extend_from_slice(&alloy_primitives::U256::from(64).to_be_bytes::<32>());
        encoded.extend_from_slice(&[0; 32]);
        encoded.extend_from_slice(&alloy_primitives::U256::from(call.len()).to_be_bytes::<32>());
        encoded.extend_from_slice(&call);
        encoded.resize(encoded.len().div_ceil(32) * 32, 0);
        assert_eq!(id, keccak256(&encoded));
        assert_ne!(id, proposal_id(&call, &[1; 32]));
        let other = Bridge::setAdminDelayCall { delay: 6 }.abi_encode();
        assert_ne!(id, proposal_id(&other, &[0; 32]));
        assert_eq!(function_name(&call), "setAdminDelay");
        assert_eq!(function_name(&[0xde, 0xad, 0xbe, 0xef]), "0xdeadbeef");
    }
}
