//! Deploying and governing the EVM bridge: the implementation behind an ERC-1967 proxy
//! initialized in the proxy's own constructor (so nobody can initialize it first), and the
//! admin timelock (`propose` -> delay -> `execute`) that every configuration change takes.

use std::time::Duration;

use alloy_primitives::{Address, B256};
use alloy_sol_types::{SolCall, SolConstructor};
use trestle_bridge::evm_bindings::{Bridge, ERC1967Proxy};
use trestle_core::evm::EvmAddress;
use trestle_evm::{EvmSender, LandingPolicy, Receipt, TxRequest};

use super::EvmBridge;
use crate::error::{Error, Result};

/// What a new bridge is initialized with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BridgeInit {
    /// This chain's protocol domain (never 0; fixed for the bridge's life).
    pub domain: u32,
    /// The admin: proposes every configuration change (never the guardian).
    pub admin: EvmAddress,
    /// The guardian: pauses, cancels queued transfers, vetoes proposals.
    pub guardian: EvmAddress,
    /// Seconds between a proposal and its execution (at least 1).
    pub admin_delay: u64,
}

fn policy(timeout: Duration) -> LandingPolicy {
    LandingPolicy {
        stuck_after: (timeout / 3).max(Duration::from_secs(1)),
        timeout,
    }
}

impl EvmBridge {
    /// Deploys a bridge from `sender`: the implementation (which deploys its admin module),
    /// then an ERC-1967 proxy that calls `initialize` in its constructor. Returns the bridge
    /// at the proxy's address, the address everyone calls and validators sign for.
    pub async fn deploy(sender: &EvmSender, init: &BridgeInit, timeout: Duration) -> Result<Self> {
        if init.domain == 0 {
            return Err(Error::input("domain", "must not be 0"));
        }
        if init.admin == init.guardian {
            return Err(Error::input(
                "guardian",
                "must not be the admin: the roles are separate keys",
            ));
        }
        if init.admin_delay == 0 {
            return Err(Error::input("admin delay", "must be at least 1 second"));
        }
        let implementation = deploy_code(sender, Bridge::BYTECODE.to_vec(), timeout).await?;
        let initialize = Bridge::initializeCall {
            localDomain_: init.domain,
            admin_: Address::from(init.admin.0),
            guardian_: Address::from(init.guardian.0),
            adminDelay_: init.admin_delay,
        }
        .abi_encode();
        let mut code = ERC1967Proxy::BYTECODE.to_vec();
        code.extend(
            ERC1967Proxy::constructorCall::new((
                Address::from(implementation.0),
                initialize.into(),
            ))
            .abi_encode(),
        );
        let proxy = deploy_code(sender, code, timeout).await?;
        Ok(Self::new(sender.chain().clone(), proxy))
    }

    /// Admin: proposes `call` (the ABI-encoded call of one of the bridge's self-only setters)
    /// with `salt`; it becomes executable after the admin delay. Returns the proposal's id.
    pub async fn propose(
        &self,
        admin: &EvmSender,
        call: &[u8],
        salt: [u8; 32],
        timeout: Duration,
    ) -> Result<[u8; 32]> {
        let data = Bridge::proposeCall {
            call: call.to_vec().into(),
            salt: B256::from(salt),
        }
        .abi_encode();
        self.transact(admin, data, timeout).await?;
        Ok(proposal_id(call, salt))
    }

    /// Executes a proposal whose delay has passed (anyone may).
    pub async fn execute(
        &self,
        sender: &EvmSender,
        call: &[u8],
        salt: [u8; 32],
        timeout: Duration,
    ) -> Result<Receipt> {
        let data = Bridge::executeCall {
            call: call.to_vec().into(),
            salt: B256::from(salt),
        }
        .abi_encode();
        self.transact(sender, data, timeout).await
    }

    /// Sends `data` to the bridge from `sender` and waits for its successful receipt.
    pub async fn transact(
        &self,
        sender: &EvmSender,
        data: Vec<u8>,
        timeout: Duration,
    ) -> Result<Receipt> {
        let (_, receipt) = sender
            .land(TxRequest::call(self.address(), data), policy(timeout))
            .await?;
        Ok(receipt)
    }
}

/// The id of a proposal: `keccak256(abi.encode(call, salt))`.
pub fn proposal_id(call: &[u8], salt: [u8; 32]) -> [u8; 32] {
    use alloy_sol_types::SolValue;
    let encoded = (
        alloy_primitives::Bytes::from(call.to_vec()),
        B256::from(salt),
    )
        .abi_encode_params();
    trestle_core::evm::keccak256(encoded)
}

async fn deploy_code(sender: &EvmSender, code: Vec<u8>, timeout: Duration) -> Result<EvmAddress> {
    let (pending, receipt) = sender
        .land(TxRequest::deploy(code), policy(timeout))
        .await?;
    receipt.contract_address.ok_or_else(|| {
        Error::Chain(trestle_core::Error::MalformedResponse {
            endpoint: sender.chain().config().name.clone(),
            reason: format!(
                "the receipt of deployment 0x{} names no contract address",
                hex::encode(pending.hash)
            ),
        })
    })
}
