//! The chain abstraction every other part of Trestle talks to.
//!
//! Three small layers, each `Send + Sync` and usable as `Arc<dyn _>`:
//! - [`Chain`]: identity, finality rule, heights, balances, nonces/blockhashes and fees;
//! - [`Submitter`]: submit signed transactions and follow them to inclusion and finality;
//! - [`EventSource`]: read the bridge-relevant events of a block/slot range.
//!
//! The types here are chain-neutral: addresses are [`UniversalAddress`] (an EVM address
//! left-padded to 32 bytes, or a Solana public key), amounts are [`U256`], heights are block
//! numbers on EVM chains and slots on Solana. The implementations live in `trestle-evm`
//! (alloy) and `trestle-solana` (the solana crates).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
pub use ruint::aliases::U256;

use crate::error::{Error, Result};
use crate::types::ChainKind;

/// A 32-byte address that holds either chain's account: an EVM address left-padded with 12
/// zero bytes, or a Solana public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct UniversalAddress(pub [u8; 32]);

impl UniversalAddress {
    /// The EVM address left-padded to 32 bytes.
    pub fn from_evm(address: [u8; 20]) -> Self {
        let mut out = [0u8; 32];
        for (dst, src) in out.iter_mut().skip(12).zip(address) {
            *dst = src;
        }
        UniversalAddress(out)
    }

    /// The EVM address held in the low 20 bytes, if the high 12 bytes are zero.
    pub fn to_evm(&self) -> Result<[u8; 20]> {
        let (high, low) = self.0.split_at(12);
        if high.iter().any(|b| *b != 0) {
            return Err(Error::InvalidAddress {
                chain: ChainKind::Evm,
                input: self.to_string(),
                reason:
                    "the high 12 bytes of a 32-byte address holding an EVM address must be zero"
                        .into(),
            });
        }
        let mut out = [0u8; 20];
        out.copy_from_slice(low);
        Ok(out)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for UniversalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for UniversalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UniversalAddress({self})")
    }
}

/// When a block (or slot) counts as final on a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalityRule {
    /// Final once this many blocks are built on top of it (`0` = final on inclusion, as on a
    /// local dev chain).
    Confirmations(u64),
    /// Final once the chain's own finality gadget says so (the EVM `finalized` block tag,
    /// Solana's `finalized` commitment).
    Finalized,
}

/// Who a chain is and how it finalises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainInfo {
    /// Human-readable name ("ethereum", "anvil-a", "solana-localnet").
    pub name: String,
    /// The chain family.
    pub kind: ChainKind,
    /// The chain's own id: the EIP-155 chain id on EVM chains, 0 on Solana (which has none;
    /// Solana clusters are told apart by genesis hash).
    pub chain_id: u64,
    /// When a block counts as final.
    pub finality: FinalityRule,
    /// Decimals of the native currency (18 for ether, 9 for SOL).
    pub native_decimals: u8,
}

/// A fee suggestion for the next transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FeeSuggestion {
    /// A pre-EIP-1559 chain (or one configured as such): a single gas price in wei.
    Legacy {
        /// Gas price in wei.
        gas_price: u128,
    },
    /// EIP-1559 fees in wei.
    Eip1559 {
        /// `maxFeePerGas`.
        max_fee_per_gas: u128,
        /// `maxPriorityFeePerGas`.
        max_priority_fee_per_gas: u128,
        /// The base fee of the latest block the suggestion was derived from.
        base_fee_per_gas: u128,
    },
    /// Solana: the base fee per signature and a compute-unit price for priority.
    Solana {
        /// Lamports per signature.
        lamports_per_signature: u64,
        /// Suggested compute-unit price in micro-lamports.
        compute_unit_price_micro_lamports: u64,
    },
}

/// What a signer needs from the chain to build its next transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxContext {
    /// EVM: the account's next nonce (counting pending transactions) and the chain id.
    Evm {
        /// The next nonce.
        nonce: u64,
        /// The EIP-155 chain id.
        chain_id: u64,
    },
    /// Solana: a recent blockhash and the last block height at which it is still valid.
    Solana {
        /// The recent blockhash.
        blockhash: [u8; 32],
        /// The last block height at which a transaction with this blockhash can land.
        last_valid_block_height: u64,
    },
}

/// The identifier of a submitted transaction: a 32-byte hash on EVM chains, a 64-byte
/// signature on Solana.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum TxId {
    /// EVM transaction hash.
    Evm([u8; 32]),
    /// Solana transaction signature (the first signature).
    Solana([u8; 64]),
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxId::Evm(hash) => write!(f, "0x{}", hex::encode(hash)),
            TxId::Solana(sig) => f.write_str(&bs58::encode(sig).into_string()),
        }
    }
}

impl fmt::Debug for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TxId({self})")
    }
}

/// How far a transaction has come.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxStatus {
    /// Not seen in a block (yet): pending in a mempool, or unknown to the node.
    Pending,
    /// Included at `height` and executed successfully, not yet final.
    Included {
        /// Block number or slot.
        height: u64,
    },
    /// Included at `height`, successful, and final by the chain's [`FinalityRule`].
    Finalized {
        /// Block number or slot.
        height: u64,
    },
    /// Included at `height` but execution failed (reverted / instruction error).
    Failed {
        /// Block number or slot.
        height: u64,
        /// The revert reason, instruction error or program logs.
        reason: String,
    },
}

/// One bridge-relevant event read from a chain: an EVM log of the bridge contract, or the data
/// a Solana program emitted in a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainEvent {
    /// Block number or slot.
    pub height: u64,
    /// Hash of the block (Solana: the blockhash of the slot), for reorg detection.
    pub block_hash: [u8; 32],
    /// The transaction that emitted it.
    pub tx_id: TxId,
    /// Position of the event within its block (EVM log index) or transaction (Solana).
    pub index: u64,
    /// The contract or program that emitted it.
    pub emitter: UniversalAddress,
    /// EVM log topics (empty on Solana).
    pub topics: Vec<[u8; 32]>,
    /// The event data (EVM log data; Solana `Program data:` payload).
    pub data: Vec<u8>,
}

/// A chain: identity, heights and account state.
#[async_trait]
pub trait Chain: Send + Sync {
    /// Who this chain is and how it finalises.
    fn info(&self) -> &ChainInfo;

    /// The latest block number (EVM) or slot (Solana) the node knows.
    async fn latest_height(&self) -> Result<u64>;

    /// The latest height that is final by the chain's [`FinalityRule`].
    async fn finalized_height(&self) -> Result<u64>;

    /// The native balance (wei, lamports) of `account`.
    async fn native_balance(&self, account: &UniversalAddress) -> Result<U256>;

    /// The balance of `token` (ERC-20 contract, SPL mint) held by `owner` (for SPL: in the
    /// owner's associated token account; zero when it does not exist).
    async fn token_balance(
        &self,
        token: &UniversalAddress,
        owner: &UniversalAddress,
    ) -> Result<U256>;

    /// What `signer` needs to build its next transaction (nonce or recent blockhash).
    async fn tx_context(&self, signer: &UniversalAddress) -> Result<TxContext>;

    /// A fee suggestion for the next transaction.
    async fn suggest_fees(&self) -> Result<FeeSuggestion>;
}

/// Submits signed transactions and follows them.
#[async_trait]
pub trait Submitter: Send + Sync {
    /// Broadcasts a signed transaction (EVM raw envelope, Solana wire bytes) and returns its id.
    async fn submit_raw(&self, raw: &[u8]) -> Result<TxId>;

    /// The current status of a transaction.
    async fn status(&self, id: &TxId) -> Result<TxStatus>;

    /// Polls until the transaction is included (`until_final = false`) or final, failing with
    /// [`Error::Timeout`] after `timeout` and with [`Error::TransactionFailed`] if it reverts.
    async fn wait(&self, id: &TxId, until_final: bool, timeout: Duration) -> Result<TxStatus>;
}

/// Reads bridge-relevant events.
#[async_trait]
pub trait EventSource: Send + Sync {
    /// Events emitted by `emitter` in heights `from..=to`, in chain order.
    async fn events(
        &self,
        emitter: &UniversalAddress,
        from: u64,
        to: u64,
    ) -> Result<Vec<ChainEvent>>;

    /// The hash of the block at `height`, for reorg detection by hash continuity. Chains
    /// without a notion of it return [`Error::Unsupported`].
    async fn block_hash(&self, height: u64) -> Result<[u8; 32]> {
        let _ = height;
        Err(Error::Unsupported("block_hash"))
    }
}
