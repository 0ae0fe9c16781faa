//! The Solana chain of the local network: solana-test-validator with the bridge program loaded
//! as an upgradeable program (as after `solana program deploy`), initialized by its upgrade
//! authority, and configured through the program's admin timelock (`propose`, then
//! `execute_proposal` once the admin delay has passed).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use trestle_bridge::solana::admin::{Action, BucketLimits};
use trestle_bridge::solana::send::{SendParams, TokenKind, send_paying};
use trestle_bridge::solana::state::{Config, Receipt};
use trestle_bridge::solana::{BridgeProgram, LOCAL_PROGRAM_ID, ReceiptKey};
use trestle_core::chain::TxId;
use trestle_core::solana::SolanaAddress;
use trestle_core::solana::SolanaSigner;
use trestle_core::solana::address::TOKEN_PROGRAM_ID;
use trestle_solana::{Landed, SolanaClient, TransactionRequest};
use trestle_tests::SolanaValidator;

use crate::error::{Error, Result};
use crate::evm::SentMessage;

/// Environment variable naming the program's `.so` (default
/// `$TRESTLE_CACHE/sbf/trestle_bridge.so`, built by `contracts/solana/build.sh`).
pub const PROGRAM_SO_ENV: &str = "TRESTLE_SOLANA_PROGRAM_SO";
/// The admin delay the program is initialized with (seconds).
pub const ADMIN_DELAY: i64 = 1;
/// The program's `ProposalPending` error (6074 in the IDL) as it appears in a refused
/// transaction: `execute_proposal` before the admin delay has passed.
const PROPOSAL_PENDING: &str = "0x17ba";
/// Lamports airdropped to each key that pays fees or rent.
pub const AIRDROP: u64 = 10_000_000_000;

/// A route's rate limit under which no demo transfer is limited or queued.
pub const OPEN_BUCKET: BucketLimits = BucketLimits {
    capacity: u64::MAX,
    refill_per_second: u64::MAX / 1_000_000,
};
/// A timelock threshold no demo transfer reaches.
pub const NO_TIMELOCK: u64 = u64::MAX;
/// The timelock delay registered with [`NO_TIMELOCK`] (seconds).
pub const TIMELOCK_DELAY: i64 = 3_600;

/// The built program: `$TRESTLE_SOLANA_PROGRAM_SO`, else `$TRESTLE_CACHE/sbf/trestle_bridge.so`.
pub fn program_so() -> Result<PathBuf> {
    let path = match std::env::var_os(PROGRAM_SO_ENV) {
        Some(p) => PathBuf::from(p),
        None => {
            let cache = std::env::var_os(trestle_tests::CACHE_ENV)
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/trestle"))
                })
                .unwrap_or_else(|| PathBuf::from(".cache/trestle"));
            cache.join("sbf/trestle_bridge.so")
        }
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::Solana {
            what: "loading the bridge program".into(),
            reason: format!(
                "{} is missing: build it with contracts/solana/build.sh (after scripts/setup-sbf.sh), or set {PROGRAM_SO_ENV}",
                path.display()
            ),
        })
    }
}

fn sol(what: impl Into<String>) -> impl FnOnce(trestle_solana::Error) -> Error {
    let what = what.into();
    move |e| Error::Solana {
        what,
        reason: e.to_string(),
    }
}

/// A new random key.
pub fn new_key() -> Result<SolanaSigner> {
    SolanaSigner::generate().map_err(|e| Error::Solana {
        what: "generating a key".into(),
        reason: e.to_string(),
    })
}

/// The Solana chain with the bridge program. Dropping it stops the validator.
#[derive(Debug)]
pub struct SolanaNode {
    /// Name in daemon configs and output.
    pub name: String,
    /// Protocol domain.
    pub domain: u32,
    /// The validator process.
    pub validator: SolanaValidator,
    /// A client of its RPC.
    pub client: SolanaClient,
    /// The bridge program.
    pub program: BridgeProgram,
    /// Pays for setup transactions; the program's upgrade authority.
    pub payer: SolanaSigner,
    /// The bridge admin.
    pub admin: SolanaSigner,
    /// The bridge guardian.
    pub guardian: SolanaSigner,
}

impl SolanaNode {
    /// Starts solana-test-validator with the program at [`LOCAL_PROGRAM_ID`] as an upgradeable
    /// program whose upgrade authority is a new key, funds the keys, and initializes the
    /// bridge for `domain` (by the upgrade authority, admin delay [`ADMIN_DELAY`]).
    pub async fn start(name: &str, domain: u32) -> Result<Self> {
        let so = program_so()?;
        let payer = new_key()?;
        let authority = payer.pubkey().to_string();
        let validator = tokio::task::spawn_blocking(move || {
            SolanaValidator::builder()
                .upgradeable_program(LOCAL_PROGRAM_ID, so, authority)
                .spawn()
        })
        .await
        .map_err(|e| Error::Solana {
            what: "starting solana-test-validator".into(),
            reason: e.to_string(),
        })?
        .map_err(Error::node("starting solana-test-validator"))?;
        let client = SolanaClient::localnet(validator.rpc_url());
        let program_id = SolanaAddress::parse(LOCAL_PROGRAM_ID).map_err(|e| Error::Solana {
            what: "the program id".into(),
            reason: e.to_string(),
        })?;
        let node = Self {
            name: name.into(),
            domain,
            validator,
            client,
            program: BridgeProgram::new(program_id),
            payer,
            admin: new_key()?,
            guardian: new_key()?,
        };
        node.airdrop(&node.payer.pubkey()).await?;
        node.airdrop(&node.admin.pubkey()).await?;
        let init = node.program.initialize(
            &node.payer.pubkey(),
            domain,
            &node.admin.pubkey(),
            &node.guardian.pubkey(),
            ADMIN_DELAY,
        );
        node.land(&node.payer, vec![init], &[], "initialize")
            .await?;
        Ok(node)
    }

    /// Airdrops [`AIRDROP`] lamports to `to` and waits for it.
    pub async fn airdrop(&self, to: &SolanaAddress) -> Result<()> {
        let what = format!("airdropping to {to}");
        let id = self
            .client
            .airdrop(to, AIRDROP)
            .await
            .map_err(sol(what.clone()))?;
        self.client
            .wait_for(
                &id,
                trestle_solana::Commitment::Confirmed,
                Duration::from_secs(30),
            )
            .await
            .map_err(sol(what))?;
        Ok(())
    }

    /// Lands `instructions` paid by `payer`, also signed by `signers`.
    pub async fn land(
        &self,
        payer: &SolanaSigner,
        instructions: Vec<trestle_core::solana::instruction::Instruction>,
        signers: &[&SolanaSigner],
        what: &str,
    ) -> Result<Landed> {
        let mut request = TransactionRequest::new(payer, instructions);
        for s in signers {
            request = request.signer(s);
        }
        self.client.land(request).await.map_err(sol(what))
    }

    /// The bridge's config account.
    pub async fn config(&self) -> Result<Config> {
        let what = "reading the bridge config";
        let account = self
            .client
            .account(&self.program.config())
            .await
            .map_err(sol(what))?
            .ok_or_else(|| Error::Solana {
                what: what.into(),
                reason: "the config account does not exist (not initialized)".into(),
            })?;
        Config::decode(&account.data).map_err(|e| Error::Solana {
            what: what.into(),
            reason: e.to_string(),
        })
    }

    /// Runs `actions` through the admin timelock: proposes each, waits out the admin delay on
    /// the validator's clock, executes each in order.
    pub async fn govern(&self, actions: &[Action]) -> Result<()> {
        let first = self.config().await?.next_proposal;
        for (i, action) in actions.iter().enumerate() {
            let ix = self
                .program
                .propose(&self.admin.pubkey(), first + i as u64, action);
            self.land(&self.admin, vec![ix], &[], "propose").await?;
        }
        for (i, action) in actions.iter().enumerate() {
            let id = first + i as u64;
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let ix = self
                    .program
                    .execute_proposal(&self.payer.pubkey(), id, action, self.domain, None)
                    .map_err(|e| Error::Solana {
                        what: "building execute_proposal".into(),
                        reason: e.to_string(),
                    })?;
                match self
                    .land(&self.payer, vec![ix], &[], "execute_proposal")
                    .await
                {
                    Ok(_) => break,
                    // The delay runs on the validator's clock (unix_timestamp of the slot).
                    Err(e)
                        if Instant::now() < deadline
                            && e.to_string().contains(PROPOSAL_PENDING) =>
                    {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Creates a new SPL mint with `decimals` whose mint authority is `authority`.
    pub async fn create_mint(
        &self,
        authority: &SolanaAddress,
        decimals: u8,
    ) -> Result<SolanaAddress> {
        let mint = new_key()?;
        self.client
            .create_mint(&self.payer, &mint, authority, decimals, &TOKEN_PROGRAM_ID)
            .await
            .map_err(sol("creating a mint"))?;
        Ok(mint.pubkey())
    }

    /// The balance of `owner`'s associated token account of `mint` (0 when missing).
    pub async fn token_balance(&self, mint: &SolanaAddress, owner: &SolanaAddress) -> Result<u64> {
        self.client
            .token_balance_of(mint, owner)
            .await
            .map_err(sol(format!("reading {owner}'s balance of {mint}")))
    }

    /// The delivery fee (lamports) the program charges now for a token transfer to
    /// `destination`: the quote of its `FeeConfig` account, 0 when it has none.
    pub async fn quote_transfer(&self, destination: u32) -> Result<u64> {
        let what = "quoting the delivery fee";
        let account = self
            .client
            .account_at(
                &self.program.fee_config(destination),
                trestle_solana::Commitment::Confirmed,
            )
            .await
            .map_err(sol(what))?;
        let Some(account) = account.filter(|a| a.owner == self.program.id) else {
            return Ok(0);
        };
        let bad = |reason: String| Error::Solana {
            what: what.into(),
            reason,
        };
        let fee = trestle_bridge::solana::state::FeeConfigAccount::decode(&account.data)
            .and_then(|a| a.config.quote_transfer())
            .map_err(|e| bad(e.to_string()))?;
        u64::try_from(fee).map_err(|_| bad(format!("{fee} lamports is above u64::MAX")))
    }

    /// Calls the program's `send` from `user`'s associated token account, paying the
    /// destination's delivery fee as quoted now ([`Self::quote_transfer`]), and returns the
    /// message it emitted (read back from the transaction's `MessageSent` self-CPI event).
    pub async fn send_token(&self, user: &SolanaSigner, params: SendParams) -> Result<SentMessage> {
        let max_fee = self.quote_transfer(params.destination).await?;
        let ix = send_paying(&self.program, &params, max_fee);
        let landed = self.land(user, vec![ix], &[], "send").await?;
        let TxId::Solana(signature) = landed.id else {
            return Err(Error::Solana {
                what: "send".into(),
                reason: "landed without a Solana signature".into(),
            });
        };
        let bad = |reason: String| Error::Solana {
            what: "reading the message of send".into(),
            reason,
        };
        let tx = self
            .client
            .program_transaction_at(
                &landed.id,
                &self.program.id,
                trestle_solana::Commitment::Confirmed,
            )
            .await
            .map_err(sol("reading the transaction of send"))?
            .ok_or_else(|| bad("the node does not return the landed transaction".into()))?;
        let messages = trestle_bridge_client::solana::sent_messages(&self.program, &tx)
            .map_err(|e| bad(e.to_string()))?;
        let message = match messages.as_slice() {
            [sent] => sent.message.clone(),
            other => return Err(bad(format!("{} messages in one send", other.len()))),
        };
        Ok(SentMessage {
            id: message.id(),
            nonce: message.nonce,
            tx: signature.to_vec(),
        })
    }

    /// The receipt the program keeps for the delivered message `key` names, if any.
    pub async fn receipt(&self, key: &ReceiptKey) -> Result<Option<Receipt>> {
        let what = "reading a delivery receipt";
        let Some(account) = self
            .client
            .account(&self.program.receipt(key))
            .await
            .map_err(sol(what))?
        else {
            return Ok(None);
        };
        Receipt::decode(&account.data)
            .map(Some)
            .map_err(|e| Error::Solana {
                what: what.into(),
                reason: e.to_string(),
            })
    }

    /// The transactions that touched the delivery receipt of the message `key` names (base58
    /// signatures, oldest first): the `deliver` that created it, then an `execute_queued` or
    /// `cancel_queued` if it was queued. Empty when the message was never delivered.
    pub fn receipt_transactions(&self, key: &ReceiptKey) -> Result<Vec<String>> {
        let receipt = self.program.receipt(key).to_string();
        let what = "reading the transactions of a delivery receipt";
        let answer = tokio::task::block_in_place(|| {
            self.validator.rpc(
                "getSignaturesForAddress",
                serde_json::json!([receipt, { "commitment": "confirmed" }]),
            )
        })
        .map_err(Error::node(what))?;
        let list = answer.as_array().ok_or_else(|| Error::Solana {
            what: what.into(),
            reason: format!("getSignaturesForAddress answered {answer}"),
        })?;
        let mut out: Vec<String> = list
            .iter()
            .filter(|s| s.get("err").is_none_or(serde_json::Value::is_null))
            .filter_map(|s| s.get("signature").and_then(serde_json::Value::as_str))
            .map(str::to_owned)
            .collect();
        out.reverse();
        Ok(out)
    }

    /// The `[[chains]]` entry of this chain for the daemons (indexed at `confirmed`).
    pub fn chain_table(&self) -> toml::Table {
        let mut t = toml::Table::new();
        t.insert("name".into(), self.name.clone().into());
        t.insert("kind".into(), "solana".into());
        t.insert("domain".into(), i64::from(self.domain).into());
        t.insert(
            "rpc_urls".into(),
            toml::Value::Array(vec![self.validator.rpc_url().into()]),
        );
        t.insert("bridge".into(), self.program.id.to_string().into());
        t.insert("commitment".into(), "confirmed".into());
        t.insert("poll_interval_ms".into(), 200.into());
        t
    }
}

/// `send` parameters of a token held in `user`'s associated token account.
pub fn send_params(
    user: &SolanaAddress,
    token_id: [u8; 32],
    mint: SolanaAddress,
    kind: TokenKind,
    destination: u32,
    beneficiary: [u8; 32],
    amount: u64,
) -> Result<SendParams> {
    let sender_token = trestle_core::solana::instruction::get_associated_token_address(
        user,
        &mint,
        &TOKEN_PROGRAM_ID,
    )
    .map_err(|e| Error::Solana {
        what: "the sender's token account".into(),
        reason: e.to_string(),
    })?;
    Ok(SendParams {
        sender: *user,
        token_id,
        mint,
        sender_token,
        kind,
        destination,
        beneficiary,
        amount,
    })
}
