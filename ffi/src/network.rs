//! Network calls through the chain adapters, on a tokio runtime this library owns.
//!
//! Every async method is spawned on that runtime (two worker threads, started on first use);
//! the foreign side only awaits the task's handle, so it works from Kotlin coroutines, Swift
//! async, Python asyncio and JavaScript promises alike. A task that panics becomes
//! [`TrestleError::Internal`]; it never unwinds into the app.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::runtime::Runtime;
use trestle_core::chain::{Chain, FeeSuggestion as CoreFeeSuggestion, Submitter, TxId};
use trestle_core::chain::{TxStatus as CoreTxStatus, UniversalAddress};
use trestle_core::evm::EvmAddress;
use trestle_core::solana::SolanaAddress;
use trestle_evm::{EvmChainConfig, Preset};

use crate::error::{Result, TrestleError, invalid_argument};

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

fn runtime() -> Result<&'static Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("trestle-ffi")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| TrestleError::Internal(format!("cannot start the async runtime: {e}")))
}

/// Runs `fut` on the library's runtime and waits for it from any executor.
pub(crate) async fn on_runtime<T, F>(fut: F) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    let handle = runtime()?.spawn(fut);
    match handle.await {
        Ok(result) => result,
        Err(e) if e.is_panic() => Err(TrestleError::Internal(
            "a network task panicked (this is a bug in Trestle)".to_owned(),
        )),
        Err(_) => Err(TrestleError::Internal(
            "a network task was cancelled".to_owned(),
        )),
    }
}

/// A fee suggestion for the next transaction. Amounts are decimal strings (wei values can
/// exceed 64 bits).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FeeSuggestion {
    /// A chain without EIP-1559: one gas price in wei.
    Legacy {
        /// Gas price in wei.
        gas_price: String,
    },
    /// EIP-1559 fees in wei.
    Eip1559 {
        /// `maxFeePerGas`.
        max_fee_per_gas: String,
        /// `maxPriorityFeePerGas`.
        max_priority_fee_per_gas: String,
        /// The base fee of the latest block.
        base_fee_per_gas: String,
    },
    /// Solana: base fee per signature and a suggested compute-unit price.
    Solana {
        /// Lamports per signature.
        lamports_per_signature: u64,
        /// Suggested compute-unit price in micro-lamports (the `compute_unit_price` argument of
        /// the Solana signing methods).
        compute_unit_price_micro_lamports: u64,
    },
}

impl TryFrom<CoreFeeSuggestion> for FeeSuggestion {
    type Error = TrestleError;

    fn try_from(f: CoreFeeSuggestion) -> Result<Self> {
        Ok(match f {
            CoreFeeSuggestion::Legacy { gas_price } => Self::Legacy {
                gas_price: gas_price.to_string(),
            },
            CoreFeeSuggestion::Eip1559 {
                max_fee_per_gas,
                max_priority_fee_per_gas,
                base_fee_per_gas,
            } => Self::Eip1559 {
                max_fee_per_gas: max_fee_per_gas.to_string(),
                max_priority_fee_per_gas: max_priority_fee_per_gas.to_string(),
                base_fee_per_gas: base_fee_per_gas.to_string(),
            },
            CoreFeeSuggestion::Solana {
                lamports_per_signature,
                compute_unit_price_micro_lamports,
            } => Self::Solana {
                lamports_per_signature,
                compute_unit_price_micro_lamports,
            },
            _ => {
                return Err(TrestleError::Unsupported(
                    "unsupported operation: a fee suggestion of a kind this binding does not know"
                        .to_owned(),
                ));
            }
        })
    }
}

/// How far a submitted transaction has come.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TxStatus {
    /// Not in a block (yet): pending, or unknown to the node.
    Pending,
    /// Included and successful, not yet final.
    Included {
        /// Block number or slot.
        height: u64,
    },
    /// Included, successful and final.
    Finalized {
        /// Block number or slot.
        height: u64,
    },
    /// Included but execution failed.
    Failed {
        /// Block number or slot.
        height: u64,
        /// Revert reason, instruction error or logs.
        reason: String,
    },
}

impl TryFrom<CoreTxStatus> for TxStatus {
    type Error = TrestleError;

    fn try_from(s: CoreTxStatus) -> Result<Self> {
        Ok(match s {
            CoreTxStatus::Pending => Self::Pending,
            CoreTxStatus::Included { height } => Self::Included { height },
            CoreTxStatus::Finalized { height } => Self::Finalized { height },
            CoreTxStatus::Failed { height, reason } => Self::Failed { height, reason },
            _ => {
                return Err(TrestleError::Unsupported(
                    "unsupported operation: a transaction status this binding does not know"
                        .to_owned(),
                ));
            }
        })
    }
}

fn evm_universal(address: &str) -> Result<UniversalAddress> {
    Ok(UniversalAddress::from_evm(EvmAddress::parse(address)?.0))
}

fn evm_tx_id(text: &str) -> Result<TxId> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let bytes = hex::decode(digits).map_err(|e| invalid_argument("transaction hash", e))?;
    let hash = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        invalid_argument(
            "transaction hash",
            format!("expected 32 bytes, got {}", bytes.len()),
        )
    })?;
    Ok(TxId::Evm(hash))
}

fn solana_tx_id(text: &str) -> Result<TxId> {
    let bytes = bs58::decode(text.trim())
        .into_vec()
        .map_err(|e| invalid_argument("transaction signature", e))?;
    let sig = <[u8; 64]>::try_from(bytes.as_slice()).map_err(|_| {
        invalid_argument(
            "transaction signature",
            format!("expected 64 bytes, got {}", bytes.len()),
        )
    })?;
    Ok(TxId::Solana(sig))
}

async fn status<S: Submitter + ?Sized>(submitter: &S, id: TxId) -> Result<TxStatus> {
    submitter.status(&id).await?.try_into()
}

async fn wait<S: Submitter + ?Sized>(
    submitter: &S,
    id: TxId,
    until_final: bool,
    timeout_ms: u64,
) -> Result<TxStatus> {
    submitter
        .wait(&id, until_final, Duration::from_millis(timeout_ms))
        .await?
        .try_into()
}

/// An EVM chain reached over JSON-RPC (one or more endpoints with failover), through
/// `trestle-evm`.
#[derive(Debug, uniffi::Object)]
pub struct EvmChain {
    chain: Arc<trestle_evm::EvmChain>,
}

impl EvmChain {
    /// The adapter, for the bridge wrappers.
    pub(crate) fn inner(&self) -> Arc<trestle_evm::EvmChain> {
        Arc::clone(&self.chain)
    }
}

#[uniffi::export]
impl EvmChain {
    /// A chain with the EIP-155 `chain_id`, reached at `rpc_urls` (`http://` or `https://`, in
    /// order of preference). Known chain ids (1, 10, 56, 137, 42161, 31337) use that chain's
    /// recommended fee and finality settings; others the Ethereum ones. Makes no request.
    /// Refuses a zero chain id, no URL or a malformed URL (`InvalidConfig`).
    #[uniffi::constructor]
    pub fn new(chain_id: u64, rpc_urls: Vec<String>) -> Result<Arc<Self>> {
        let config = match Preset::from_chain_id(chain_id) {
            Some(preset) => EvmChainConfig::preset(preset, rpc_urls),
            None => EvmChainConfig {
                name: format!("evm-{chain_id}"),
                chain_id,
                ..EvmChainConfig::preset(Preset::Ethereum, rpc_urls)
            },
        };
        Ok(Arc::new(Self {
            chain: Arc::new(trestle_evm::EvmChain::new(config)?),
        }))
    }

    /// The EIP-155 chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain.info().chain_id
    }

    /// The balance of `address` in wei, as a decimal string. Refuses a malformed address
    /// (`InvalidAddress`); network failures are `Rpc`, `MalformedResponse` or `Timeout`.
    pub async fn native_balance(&self, address: String) -> Result<String> {
        let chain = Arc::clone(&self.chain);
        let account = evm_universal(&address)?;
        on_runtime(async move { Ok(chain.native_balance(&account).await?.to_string()) }).await
    }

    /// The ERC-20 balance (base units, decimal string) of `owner` in the token contract `token`.
    pub async fn token_balance(&self, token: String, owner: String) -> Result<String> {
        let chain = Arc::clone(&self.chain);
        let token = evm_universal(&token)?;
        let owner = evm_universal(&owner)?;
        on_runtime(async move { Ok(chain.token_balance(&token, &owner).await?.to_string()) }).await
    }

    /// The next nonce of `address`, counting its pending transactions.
    pub async fn next_nonce(&self, address: String) -> Result<u64> {
        let chain = Arc::clone(&self.chain);
        let address = EvmAddress::parse(&address)?;
        on_runtime(async move { Ok(chain.pending_nonce(address).await?) }).await
    }

    /// A fee suggestion for the next transaction (EIP-1559 from the fee history, or a legacy
    /// gas price), within the chain's configured ceiling.
    pub async fn suggest_fees(&self) -> Result<FeeSuggestion> {
        let chain = Arc::clone(&self.chain);
        on_runtime(async move { chain.suggest_fees().await?.try_into() }).await
    }

    /// Broadcasts a signed raw transaction (`SignedEvmTransaction.raw`) and returns its hash.
    /// A node's refusal (nonce too low, underpriced, ...) is `TransactionRejected`.
    pub async fn send_raw_transaction(&self, raw: Vec<u8>) -> Result<String> {
        let chain = Arc::clone(&self.chain);
        on_runtime(async move { Ok(chain.submit_raw(&raw).await?.to_string()) }).await
    }

    /// The status of the transaction with hash `tx_hash` (`0x` hex).
    pub async fn transaction_status(&self, tx_hash: String) -> Result<TxStatus> {
        let chain = Arc::clone(&self.chain);
        let id = evm_tx_id(&tx_hash)?;
        on_runtime(async move { status(chain.as_ref(), id).await }).await
    }

    /// Waits until the transaction is included (or final, with `until_final`), at most
    /// `timeout_ms`. A reverted transaction is `TransactionFailed`, a wait that runs out
    /// `Timeout`.
    pub async fn wait_for_transaction(
        &self,
        tx_hash: String,
        until_final: bool,
        timeout_ms: u64,
    ) -> Result<TxStatus> {
        let chain = Arc::clone(&self.chain);
        let id = evm_tx_id(&tx_hash)?;
        on_runtime(async move { wait(chain.as_ref(), id, until_final, timeout_ms).await }).await
    }
}

/// A Solana cluster reached over JSON-RPC, through `trestle-solana`.
#[derive(Debug, uniffi::Object)]
pub struct SolanaClient {
    client: Arc<trestle_solana::SolanaClient>,
}

impl SolanaClient {
    /// The adapter, for the bridge wrappers.
    pub(crate) fn inner(&self) -> Arc<trestle_solana::SolanaClient> {
        Arc::clone(&self.client)
    }
}

#[uniffi::export]
impl SolanaClient {
    /// A client for the JSON-RPC endpoint `rpc_url`, with the default commitments (reads at
    /// `confirmed`). Makes no request. Refuses a URL that is not `http://` or `https://`
    /// (`InvalidConfig`).
    #[uniffi::constructor]
    pub fn new(rpc_url: String) -> Result<Arc<Self>> {
        if !(rpc_url.starts_with("http://") || rpc_url.starts_with("https://")) {
            return Err(TrestleError::InvalidConfig(
                "invalid Solana RPC URL: expected http:// or https://".to_owned(),
            ));
        }
        let config = trestle_solana::SolanaConfig::new("solana", rpc_url);
        Ok(Arc::new(Self {
            client: Arc::new(trestle_solana::SolanaClient::new(config)),
        }))
    }

    /// The balance of `address` in lamports. Refuses a malformed address (`InvalidAddress`).
    pub async fn balance(&self, address: String) -> Result<u64> {
        let client = Arc::clone(&self.client);
        let address = SolanaAddress::parse(&address)?;
        on_runtime(async move { Ok(client.balance(&address).await?) }).await
    }

    /// The SPL balance (base units) `owner` holds of `mint` in its associated token account;
    /// zero when that account does not exist.
    pub async fn token_balance(&self, mint: String, owner: String) -> Result<u64> {
        let client = Arc::clone(&self.client);
        let mint = SolanaAddress::parse(&mint)?;
        let owner = SolanaAddress::parse(&owner)?;
        on_runtime(async move { Ok(client.token_balance_of(&mint, &owner).await?) }).await
    }

    /// A recent blockhash (base58), for the `recent_blockhash` argument of the signing methods.
    pub async fn latest_blockhash(&self) -> Result<String> {
        let client = Arc::clone(&self.client);
        on_runtime(async move {
            let b = client.latest_blockhash().await?;
            Ok(bs58::encode(b.hash).into_string())
        })
        .await
    }

    /// The base fee per signature and a suggested compute-unit price.
    pub async fn suggest_fees(&self) -> Result<FeeSuggestion> {
        let client = Arc::clone(&self.client);
        on_runtime(async move { client.suggest_fees().await?.try_into() }).await
    }

    /// Broadcasts a signed transaction (`SignedSolanaTransaction.wire`) and returns its
    /// signature (base58). A failed preflight simulation is `TransactionRejected` with the
    /// program logs.
    pub async fn send_transaction(&self, wire: Vec<u8>) -> Result<String> {
        let client = Arc::clone(&self.client);
        on_runtime(async move { Ok(client.submit_raw(&wire).await?.to_string()) }).await
    }

    /// The status of the transaction with `signature` (base58).
    pub async fn transaction_status(&self, signature: String) -> Result<TxStatus> {
        let client = Arc::clone(&self.client);
        let id = solana_tx_id(&signature)?;
        on_runtime(async move { status(client.as_ref(), id).await }).await
    }

    /// Waits until the transaction is confirmed (or finalized, with `until_final`), at most
    /// `timeout_ms`.
    pub async fn wait_for_transaction(
        &self,
        signature: String,
        until_final: bool,
        timeout_ms: u64,
    ) -> Result<TxStatus> {
        let client = Arc::clone(&self.client);
        let id = solana_tx_id(&signature)?;
        on_runtime(async move { wait(client.as_ref(), id, until_final, timeout_ms).await }).await
    }

    /// Asks the cluster's faucet for `lamports` (local validator, devnet, testnet only) and
    /// returns the airdrop transaction's signature.
    pub async fn request_airdrop(&self, address: String, lamports: u64) -> Result<String> {
        let client = Arc::clone(&self.client);
        let address = SolanaAddress::parse(&address)?;
        on_runtime(async move { Ok(client.airdrop(&address, lamports).await?.to_string()) }).await
    }
}
