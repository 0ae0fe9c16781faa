//! [`SolanaClient`]: the RPC connection, typed reads, and the [`Chain`] implementation.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::{Response, RpcBlockhash, RpcPrioritizationFee};
use trestle_core::ChainKind;
use trestle_core::chain::{
    Chain, ChainInfo, FeeSuggestion, FinalityRule, TxContext, TxId, U256, UniversalAddress,
};
use trestle_core::solana::address::{TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use trestle_core::solana::instruction::get_associated_token_address;
use trestle_core::solana::{Message, SolanaAddress};

use crate::config::{Commitment, SolanaConfig};
use crate::endpoints::Endpoints;
use crate::error::{self, Error, Result};
use crate::fees::percentile_fee;

/// Decimals of SOL (1 SOL = 10^9 lamports).
pub const SOL_DECIMALS: u8 = 9;

/// A recent blockhash and the last block height at which a transaction built on it can land.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blockhash {
    /// The blockhash.
    pub hash: [u8; 32],
    /// The last block height (not slot) at which the blockhash is still accepted.
    pub last_valid_block_height: u64,
}

/// An account as the chain holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    /// Balance in lamports.
    pub lamports: u64,
    /// The program that owns the account.
    pub owner: SolanaAddress,
    /// The account's data.
    pub data: Vec<u8>,
    /// Whether the account holds a program.
    pub executable: bool,
}

/// The JSON shape of an account in `getAccountInfo` with base64 encoding.
#[derive(Deserialize)]
struct RpcAccount {
    lamports: u64,
    owner: String,
    data: (String, String),
    executable: bool,
}

/// A connection to a Solana cluster through one or more RPC endpoints, implementing
/// Trestle's chain traits ([`Chain`], [`trestle_core::chain::Submitter`],
/// [`trestle_core::chain::EventSource`]) and the Solana operations the bridge and its tests
/// need (landing transactions, SOL and SPL transfers, lookup tables, reading a program's
/// transactions).
///
/// With several endpoints ([`SolanaConfig::rpc_urls`]) every request goes to the one in use
/// and fails over to the next when that one cannot answer (unreachable, timed out, HTTP
/// 429/5xx, not JSON-RPC, node unhealthy or behind); the endpoint that answered stays in
/// use. Answers about the request itself (a failed simulation, a missing account) do not
/// fail over. When every endpoint fails, the error names each endpoint with its error.
/// Landing resends the same signed transaction (same signature) through whichever endpoint
/// is in use, and polls its status the same way.
///
/// Cheap to share: wrap it in an `Arc`. Every method reports [`trestle_core::Error`].
pub struct SolanaClient {
    endpoints: Endpoints,
    pub(crate) config: SolanaConfig,
    info: ChainInfo,
}

impl std::fmt::Debug for SolanaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolanaClient")
            .field("name", &self.config.name)
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl SolanaClient {
    /// A client for `config.rpc_urls`. Makes no request: an unreachable endpoint shows up as
    /// [`Error::Rpc`] (retryable) on the first call, or as a failover to the next one. A
    /// configuration without endpoints gives a client whose every call is a non-retryable
    /// [`Error::Rpc`] saying so.
    pub fn new(config: SolanaConfig) -> Self {
        let endpoints = Endpoints::new(&config);
        let info = ChainInfo {
            name: config.name.clone(),
            kind: ChainKind::Solana,
            chain_id: 0,
            finality: FinalityRule::Finalized,
            native_decimals: SOL_DECIMALS,
        };
        Self {
            endpoints,
            config,
            info,
        }
    }

    /// A client with the default configuration for `rpc_url`, named `solana-localnet`.
    pub fn localnet(rpc_url: impl Into<String>) -> Self {
        Self::new(SolanaConfig::new("solana-localnet", rpc_url))
    }

    /// The configuration.
    pub fn config(&self) -> &SolanaConfig {
        &self.config
    }

    /// The endpoint in use, as it appears in errors (no credentials); the chain name when
    /// none is configured.
    pub fn endpoint(&self) -> &str {
        self.endpoints.label()
    }

    /// Every configured endpoint as it appears in errors (no credentials), in configuration
    /// order.
    pub fn endpoints(&self) -> Vec<&str> {
        self.endpoints.labels()
    }

    /// The index (in [`SolanaConfig::rpc_urls`]) of the endpoint in use.
    pub fn current_endpoint(&self) -> usize {
        self.endpoints.current()
    }

    /// The bank transactions are simulated against: the configured simulation commitment,
    /// but never later than the inclusion commitment, so a transaction that depends on one
    /// just landed (at `processed`, say) is not simulated against a bank without it.
    pub(crate) fn simulation_commitment(&self) -> Commitment {
        self.config
            .commitments
            .simulation
            .min(self.config.commitments.inclusion)
    }

    /// One JSON-RPC call through the solana RPC client on the endpoint in use, failing over
    /// to the others on endpoint faults, errors mapped to core errors.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        request: RpcRequest,
        params: Value,
    ) -> Result<T> {
        self.endpoints.call(request, params).await
    }

    /// The current slot at `commitment`.
    pub async fn slot(&self, commitment: Commitment) -> Result<u64> {
        self.call(
            RpcRequest::GetSlot,
            json!([{ "commitment": commitment.as_str() }]),
        )
        .await
    }

    /// The lowest slot the node still has in its ledger (`minimumLedgerSlot`): it cannot
    /// list or return transactions below it.
    pub async fn minimum_ledger_slot(&self) -> Result<u64> {
        self.call(RpcRequest::MinimumLedgerSlot, json!([])).await
    }

    /// The current block height at `commitment` (what blockhash expiry is measured in).
    pub async fn block_height(&self, commitment: Commitment) -> Result<u64> {
        self.call(
            RpcRequest::GetBlockHeight,
            json!([{ "commitment": commitment.as_str() }]),
        )
        .await
    }

    /// The latest blockhash at the configured blockhash commitment.
    pub async fn latest_blockhash(&self) -> Result<Blockhash> {
        let commitment = self.config.commitments.blockhash;
        let answer: Response<RpcBlockhash> = self
            .call(
                RpcRequest::GetLatestBlockhash,
                json!([{ "commitment": commitment.as_str() }]),
            )
            .await?;
        Ok(Blockhash {
            hash: self.decode_hash(&answer.value.blockhash, "blockhash")?,
            last_valid_block_height: answer.value.last_valid_block_height,
        })
    }

    /// The lamports held by `account` at the read commitment (0 when it does not exist).
    pub async fn balance(&self, account: &SolanaAddress) -> Result<u64> {
        let answer: Response<u64> = self
            .call(
                RpcRequest::GetBalance,
                json!([account.to_string(), { "commitment": self.config.commitments.read.as_str() }]),
            )
            .await?;
        Ok(answer.value)
    }

    /// The account at `address` at the read commitment, `None` when it does not exist.
    pub async fn account(&self, address: &SolanaAddress) -> Result<Option<AccountInfo>> {
        self.account_at(address, self.config.commitments.read).await
    }

    /// The account at `address` at `commitment`, `None` when it does not exist.
    pub async fn account_at(
        &self,
        address: &SolanaAddress,
        commitment: Commitment,
    ) -> Result<Option<AccountInfo>> {
        let answer: Response<Option<RpcAccount>> = self
            .call(
                RpcRequest::GetAccountInfo,
                json!([address.to_string(), {
                    "encoding": "base64",
                    "commitment": commitment.as_str(),
                }]),
            )
            .await?;
        let Some(account) = answer.value else {
            return Ok(None);
        };
        let (data, encoding) = account.data;
        if encoding != "base64" {
            return Err(error::malformed(
                self.endpoint(),
                format!("account {address} data in encoding {encoding:?}, asked for base64"),
            ));
        }
        Ok(Some(AccountInfo {
            lamports: account.lamports,
            owner: self.parse_address(&account.owner, "account owner")?,
            data: self.decode_base64(&data, "account data")?,
            executable: account.executable,
        }))
    }

    /// The accounts `program` owns whose data holds each of `filters` (`(offset, bytes)`, a
    /// `memcmp` filter each), at the read commitment, with their addresses
    /// (`getProgramAccounts`; some providers refuse it or need filters to answer it).
    pub async fn program_accounts(
        &self,
        program: &SolanaAddress,
        filters: &[(usize, &[u8])],
    ) -> Result<Vec<(SolanaAddress, AccountInfo)>> {
        #[derive(Deserialize)]
        struct Keyed {
            pubkey: String,
            account: RpcAccount,
        }
        let filters: Vec<Value> = filters
            .iter()
            .map(|(offset, bytes)| {
                json!({ "memcmp": {
                    "offset": offset,
                    "bytes": bs58::encode(bytes).into_string(),
                    "encoding": "base58",
                }})
            })
            .collect();
        let answer: Vec<Keyed> = self
            .call(
                RpcRequest::GetProgramAccounts,
                json!([program.to_string(), {
                    "encoding": "base64",
                    "commitment": self.config.commitments.read.as_str(),
                    "filters": filters,
                }]),
            )
            .await?;
        answer
            .into_iter()
            .map(|keyed| {
                let address = self.parse_address(&keyed.pubkey, "program account")?;
                let (data, encoding) = keyed.account.data;
                if encoding != "base64" {
                    return Err(error::malformed(
                        self.endpoint(),
                        format!(
                            "account {address} data in encoding {encoding:?}, asked for base64"
                        ),
                    ));
                }
                Ok((
                    address,
                    AccountInfo {
                        lamports: keyed.account.lamports,
                        owner: self.parse_address(&keyed.account.owner, "account owner")?,
                        data: self.decode_base64(&data, "account data")?,
                        executable: keyed.account.executable,
                    },
                ))
            })
            .collect()
    }

    /// The lamports an account of `space` data bytes needs to be rent-exempt.
    pub async fn minimum_balance_for_rent_exemption(&self, space: u64) -> Result<u64> {
        self.call(
            RpcRequest::GetMinimumBalanceForRentExemption,
            json!([space]),
        )
        .await
    }

    /// The compute-unit price (micro-lamports) to pay for a transaction writing
    /// `writable_accounts`: the configured percentile of the recent prioritization fees of
    /// those accounts, clamped to the configured minimum and maximum.
    pub async fn priority_fee(&self, writable_accounts: &[SolanaAddress]) -> Result<u64> {
        let fee = self.clamp_priority_fee(self.recent_priority_fee(writable_accounts).await?);
        tracing::debug!(fee, "priority fee");
        Ok(fee)
    }

    /// The configured percentile of the recent prioritization fees of `writable_accounts`
    /// as the node reports them, not clamped (what a fee oracle checks against its band
    /// before believing it).
    pub async fn recent_priority_fee(&self, writable_accounts: &[SolanaAddress]) -> Result<u64> {
        let addresses: Vec<String> = writable_accounts.iter().map(ToString::to_string).collect();
        let fees: Vec<RpcPrioritizationFee> = self
            .call(RpcRequest::GetRecentPrioritizationFees, json!([addresses]))
            .await?;
        let values: Vec<u64> = fees.iter().map(|f| f.prioritization_fee).collect();
        Ok(percentile_fee(
            &values,
            self.config.landing.priority_fee_percentile,
        ))
    }

    /// `fee` within the configured minimum and maximum compute-unit price.
    pub fn clamp_priority_fee(&self, fee: u64) -> u64 {
        let landing = &self.config.landing;
        fee.clamp(
            landing.min_priority_fee_micro_lamports,
            landing
                .max_priority_fee_micro_lamports
                .max(landing.min_priority_fee_micro_lamports),
        )
    }

    /// The base fee of a transaction with one signature, from `getFeeForMessage`.
    pub async fn lamports_per_signature(&self) -> Result<u64> {
        let blockhash = self.latest_blockhash().await?;
        // A message with only a fee payer: its fee is exactly the per-signature fee.
        let payer = SolanaAddress([1; 32]);
        let message = Message::try_compile(&[], Some(&payer), blockhash.hash)?.serialize()?;
        let answer: Response<Option<u64>> = self
            .call(
                RpcRequest::GetFeeForMessage,
                json!([BASE64.encode(message), {
                    "commitment": self.config.commitments.blockhash.as_str()
                }]),
            )
            .await?;
        answer.value.ok_or_else(|| Error::Rpc {
            endpoint: self.endpoint().to_owned(),
            reason: "getFeeForMessage did not know the blockhash it just returned".into(),
            retryable: true,
        })
    }

    /// Requests `lamports` from the endpoint's faucet (test validators, devnet) and waits
    /// until the airdrop is included at the inclusion commitment.
    pub async fn airdrop(&self, to: &SolanaAddress, lamports: u64) -> Result<TxId> {
        let signature: String = self
            .call(
                RpcRequest::RequestAirdrop,
                json!([to.to_string(), lamports, {
                    "commitment": self.config.commitments.inclusion.as_str()
                }]),
            )
            .await?;
        let id = TxId::Solana(self.decode_signature(&signature)?);
        self.wait_for(
            &id,
            self.config.commitments.inclusion,
            Duration::from_secs(60),
        )
        .await?;
        Ok(id)
    }

    /// The token program that owns `mint` (SPL Token or Token-2022), and the mint's decimals.
    /// Refuses a mint that does not exist or is not owned by either token program.
    pub async fn mint_info(&self, mint: &SolanaAddress) -> Result<(SolanaAddress, u8)> {
        let account = self.account(mint).await?.ok_or_else(|| Error::Rpc {
            endpoint: self.endpoint().to_owned(),
            reason: format!("mint {mint} does not exist"),
            retryable: false,
        })?;
        if account.owner != TOKEN_PROGRAM_ID && account.owner != TOKEN_2022_PROGRAM_ID {
            return Err(Error::Rpc {
                endpoint: self.endpoint().to_owned(),
                reason: format!(
                    "account {mint} is owned by {}, not by a token program",
                    account.owner
                ),
                retryable: false,
            });
        }
        // Mint layout: COption<authority> (36), supply (8), decimals (1), ...
        let decimals = account.data.get(44).copied().ok_or_else(|| {
            error::malformed(
                self.endpoint(),
                format!(
                    "mint {mint} has {} bytes of data, fewer than a mint",
                    account.data.len()
                ),
            )
        })?;
        Ok((account.owner, decimals))
    }

    /// The SPL balance (base units) `owner` holds of `mint` in its associated token account;
    /// zero when that account does not exist.
    pub async fn token_balance_of(
        &self,
        mint: &SolanaAddress,
        owner: &SolanaAddress,
    ) -> Result<u64> {
        let (token_program, _) = self.mint_info(mint).await?;
        let ata = get_associated_token_address(owner, mint, &token_program)?;
        let Some(account) = self.account(&ata).await? else {
            return Ok(0);
        };
        // Token account layout: mint (32), owner (32), amount (8), ...
        let amount = account
            .data
            .get(64..72)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .ok_or_else(|| {
                error::malformed(
                    self.endpoint(),
                    format!(
                        "token account {ata} has {} bytes of data",
                        account.data.len()
                    ),
                )
            })?;
        Ok(u64::from_le_bytes(amount))
    }

    pub(crate) fn decode_hash(&self, text: &str, what: &str) -> Result<[u8; 32]> {
        let mut out = [0u8; 32];
        match bs58::decode(text).onto(&mut out) {
            Ok(32) => Ok(out),
            _ => Err(error::malformed(
                self.endpoint(),
                format!("{what} {text:?} is not 32 bytes of base58"),
            )),
        }
    }

    pub(crate) fn decode_signature(&self, text: &str) -> Result<[u8; 64]> {
        let mut out = [0u8; 64];
        match bs58::decode(text).onto(&mut out) {
            Ok(64) => Ok(out),
            _ => Err(error::malformed(
                self.endpoint(),
                format!("signature {text:?} is not 64 bytes of base58"),
            )),
        }
    }

    pub(crate) fn parse_address(&self, text: &str, what: &str) -> Result<SolanaAddress> {
        SolanaAddress::parse(text).map_err(|e| {
            error::malformed(
                self.endpoint(),
                format!("{what} {text:?} is not an address: {e}"),
            )
        })
    }

    pub(crate) fn decode_base64(&self, text: &str, what: &str) -> Result<Vec<u8>> {
        BASE64
            .decode(text)
            .map_err(|e| error::malformed(self.endpoint(), format!("{what} is not base64: {e}")))
    }
}

#[async_trait]
impl Chain for SolanaClient {
    fn info(&self) -> &ChainInfo {
        &self.info
    }

    async fn latest_height(&self) -> Result<u64> {
        self.slot(self.config.commitments.read).await
    }

    async fn finalized_height(&self) -> Result<u64> {
        self.slot(Commitment::Finalized).await
    }

    async fn native_balance(&self, account: &UniversalAddress) -> Result<U256> {
        Ok(U256::from(self.balance(&SolanaAddress(account.0)).await?))
    }

    async fn token_balance(
        &self,
        token: &UniversalAddress,
        owner: &UniversalAddress,
    ) -> Result<U256> {
        Ok(U256::from(
            self.token_balance_of(&SolanaAddress(token.0), &SolanaAddress(owner.0))
                .await?,
        ))
    }

    async fn tx_context(&self, _signer: &UniversalAddress) -> Result<TxContext> {
        let blockhash = self.latest_blockhash().await?;
        Ok(TxContext::Solana {
            blockhash: blockhash.hash,
            last_valid_block_height: blockhash.last_valid_block_height,
        })
    }

    async fn suggest_fees(&self) -> Result<FeeSuggestion> {
        Ok(FeeSuggestion::Solana {
            lamports_per_signature: self.lamports_per_signature().await?,
            compute_unit_price_micro_lamports: self.priority_fee(&[]).await?,
        })
    }
}
