//! ERC-20 helpers on the standard interface (alloy `sol!`): balances, allowances, transfer
//! and approve requests, and decoding of `Transfer` events.

use alloy_primitives::Address;
use alloy_sol_types::{SolCall, SolEvent, sol};
use trestle_core::Error as CoreError;
use trestle_core::chain::{ChainEvent, U256};
use trestle_core::evm::EvmAddress;

use crate::chain::{EvmChain, LogFilter};
use crate::error::Result;
use crate::sender::{EvmSender, PendingTx, TxRequest};

sol! {
    /// The ERC-20 interface (EIP-20), as far as the bridge uses it.
    interface IERC20 {
        function balanceOf(address owner) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function decimals() external view returns (uint8);
        function transfer(address to, uint256 amount) external returns (bool);
        function approve(address spender, uint256 amount) external returns (bool);
        event Transfer(address indexed from, address indexed to, uint256 value);
        event Approval(address indexed owner, address indexed spender, uint256 value);
    }
}

/// A decoded `Transfer(from, to, value)` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    /// The token contract.
    pub token: EvmAddress,
    /// Sender (zero for a mint).
    pub from: EvmAddress,
    /// Recipient (zero for a burn).
    pub to: EvmAddress,
    /// Amount in the token's base units.
    pub value: U256,
}

/// One ERC-20 token contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erc20 {
    address: EvmAddress,
}

impl Erc20 {
    /// `keccak256("Transfer(address,address,uint256)")`, topic 0 of `Transfer` logs.
    pub const TRANSFER_TOPIC: [u8; 32] = IERC20::Transfer::SIGNATURE_HASH.0;

    /// The token at `address`.
    pub fn new(address: EvmAddress) -> Self {
        Self { address }
    }

    /// The token contract address.
    pub fn address(&self) -> EvmAddress {
        self.address
    }

    /// A filter for this token's `Transfer` events, for [`crate::Indexer`] or
    /// [`EvmChain::logs`].
    pub fn transfer_filter(&self) -> LogFilter {
        LogFilter::contract(self.address).with_event(Self::TRANSFER_TOPIC)
    }

    async fn view<C: SolCall>(&self, chain: &EvmChain, call: C) -> Result<C::Return, CoreError> {
        let out = chain.call(self.address, &call.abi_encode()).await?;
        C::abi_decode_returns(&out).map_err(|e| CoreError::MalformedResponse {
            endpoint: chain.config().name.clone(),
            reason: format!(
                "{} of token {}: cannot decode the answer ({} bytes): {e}",
                C::SIGNATURE,
                self.address,
                out.len()
            ),
        })
    }

    /// `balanceOf(owner)`.
    pub async fn balance_of(&self, chain: &EvmChain, owner: EvmAddress) -> Result<U256, CoreError> {
        self.view(
            chain,
            IERC20::balanceOfCall {
                owner: Address::from(owner.0),
            },
        )
        .await
    }

    /// `allowance(owner, spender)`.
    pub async fn allowance(
        &self,
        chain: &EvmChain,
        owner: EvmAddress,
        spender: EvmAddress,
    ) -> Result<U256, CoreError> {
        self.view(
            chain,
            IERC20::allowanceCall {
                owner: Address::from(owner.0),
                spender: Address::from(spender.0),
            },
        )
        .await
    }

    /// `decimals()`.
    pub async fn decimals(&self, chain: &EvmChain) -> Result<u8, CoreError> {
        self.view(chain, IERC20::decimalsCall {}).await
    }

    /// The request of `transfer(to, amount)`.
    pub fn transfer_request(&self, to: EvmAddress, amount: U256) -> TxRequest {
        let data = IERC20::transferCall {
            to: Address::from(to.0),
            amount,
        }
        .abi_encode();
        TxRequest::call(self.address, data)
    }

    /// The request of `approve(spender, amount)`.
    pub fn approve_request(&self, spender: EvmAddress, amount: U256) -> TxRequest {
        let data = IERC20::approveCall {
            spender: Address::from(spender.0),
            amount,
        }
        .abi_encode();
        TxRequest::call(self.address, data)
    }

    /// Sends `transfer(to, amount)` from the sender's account.
    pub async fn transfer(
        &self,
        sender: &EvmSender,
        to: EvmAddress,
        amount: U256,
    ) -> Result<PendingTx> {
        sender.send(self.transfer_request(to, amount)).await
    }

    /// Sends `approve(spender, amount)` from the sender's account.
    pub async fn approve(
        &self,
        sender: &EvmSender,
        spender: EvmAddress,
        amount: U256,
    ) -> Result<PendingTx> {
        sender.send(self.approve_request(spender, amount)).await
    }

    /// Decodes a `Transfer` event of any ERC-20 contract; `None` for other events (or a
    /// malformed one, such as an ERC-721 `Transfer` with an indexed token id).
    pub fn decode_transfer(event: &ChainEvent) -> Option<Transfer> {
        let topics: Vec<alloy_primitives::B256> =
            event.topics.iter().map(|t| (*t).into()).collect();
        let log = alloy_primitives::LogData::new(topics, event.data.clone().into())?;
        let decoded = IERC20::Transfer::decode_log_data(&log).ok()?;
        Some(Transfer {
            token: EvmAddress(event.emitter.to_evm().ok()?),
            from: EvmAddress(decoded.from.0.0),
            to: EvmAddress(decoded.to.0.0),
            value: decoded.value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trestle_core::chain::{TxId, UniversalAddress};

    #[test]
    fn transfer_topic_is_the_event_signature_hash() {
        assert_eq!(
            Erc20::TRANSFER_TOPIC,
            trestle_core::evm::keccak256(b"Transfer(address,address,uint256)")
        );
    }

    #[test]
    fn decodes_transfers_and_refuses_others() {
        let from = [0x11u8; 20];
        let to = [0x22u8; 20];
        let mut t1 = [0u8; 32];
        t1[12..].copy_from_slice(&from);
        let mut t2 = [0u8; 32];
        t2[12..].copy_from_slice(&to);
        let event = ChainEvent {
            height: 1,
            block_hash: [0; 32],
            tx_id: TxId::Evm([0; 32]),
            index: 0,
            emitter: UniversalAddress::from_evm([0x33; 20]),
            topics: vec![Erc20::TRANSFER_TOPIC, t1, t2],
            data: U256::from(1234).to_be_bytes::<32>().to_vec(),
        };
        let t = Erc20::decode_transfer(&event).unwrap();
        assert_eq!(
            (t.from.0, t.to.0, t.value, t.token.0),
            (from, to, U256::from(1234), [0x33; 20])
        );
        // ERC-721 style: the value indexed, empty data.
        let nft = ChainEvent {
            topics: vec![Erc20::TRANSFER_TOPIC, t1, t2, [0; 32]],
            data: vec![],
            ..event.clone()
        };
        assert_eq!(Erc20::decode_transfer(&nft), None);
        let short = ChainEvent {
            data: vec![1, 2, 3],
            ..event
        };
        assert_eq!(Erc20::decode_transfer(&short), None);
    }

    #[test]
    fn encodes_transfer_calls() {
        let token = Erc20::new(EvmAddress([0x33; 20]));
        let req = token.transfer_request(EvmAddress([0x22; 20]), U256::from(5));
        assert_eq!(req.to, Some(EvmAddress([0x33; 20])));
        assert_eq!(
            &req.data[..4],
            &trestle_core::evm::keccak256(b"transfer(address,uint256)")[..4]
        );
        assert_eq!(req.data.len(), 4 + 64);
    }
}
