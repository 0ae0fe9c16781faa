//! The Solana side of the demo: the bridge program linked with EVM chain `a` (remotes and
//! validator sets both ways, a/ETH as a 9-decimal bridged SPL mint, a home SPL token bridged
//! to `a`), and the EVM -> Solana and Solana -> EVM transfers.

use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256};
use alloy_sol_types::SolCall;
use trestle_bridge::evm_bindings::Bridge;
use trestle_bridge::solana::ReceiptKey;
use trestle_bridge::solana::admin::Action;
use trestle_bridge::solana::send::TokenKind;
use trestle_bridge::solana::state::{ReceiptStatus, RemoteKind};
use trestle_bridge::token_id;
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::EvmAddress;
use trestle_core::solana::{SolanaAddress, SolanaSigner};

use super::report::{TransferReport, format_ether, hex0x};
use super::{DOMAIN_SOLANA, Demo};
use crate::error::{Error, Result};
use crate::evm::{EvmNode, ether_token, pad};
use crate::keys;
use crate::solana::{NO_TIMELOCK, OPEN_BUCKET, SolanaNode, TIMELOCK_DELAY, new_key, send_params};

/// Decimals of the SPL mints (the bridged ether and the home token).
pub const SPL_DECIMALS: u8 = 9;
/// Ether (18 decimals) on a 9-decimal mint: message amount = local * 10^9.
pub const ETHER_SCALE_EXP: u8 = 9;
/// Base units of the home SPL token minted to the user (1,000 tokens).
pub const HOME_SUPPLY: u64 = 1_000 * 1_000_000_000;

/// The Solana chain and what links it with EVM chain `a`.
#[derive(Debug)]
pub struct SolanaLink {
    /// The validator with the program.
    pub node: SolanaNode,
    /// The user's Solana key (holds the home token, receives bridged ether).
    pub user: SolanaSigner,
    /// The relayer's fee payer on Solana.
    pub relayer: SolanaSigner,
    /// The mint of `a`'s ether on Solana (authority: the program's `authority` PDA).
    pub bridged_ether: SolanaAddress,
    /// A token whose home is Solana (locked in the program's vault when sent).
    pub home_mint: SolanaAddress,
    /// Its token id.
    pub home_token: [u8; 32],
    /// Its `BridgedToken` on `a`.
    pub home_on_evm: EvmAddress,
}

impl SolanaLink {
    /// What identifies on Solana the delivery of message `nonce` from EVM chain `origin`.
    pub fn receipt_key(&self, origin: &EvmNode, nonce: u64) -> ReceiptKey {
        ReceiptKey {
            origin: origin.domain,
            origin_bridge: pad(origin.bridge).0,
            nonce,
        }
    }

    /// Starts Solana and links it with `evm` (whose bridges accept `validators`, 2 of them).
    pub async fn start(evm: &EvmNode, validators: &[EvmAddress]) -> Result<Self> {
        let node = SolanaNode::start("solana", DOMAIN_SOLANA).await?;
        let user = new_key()?;
        let relayer = new_key()?;
        node.airdrop(&user.pubkey()).await?;
        node.airdrop(&relayer.pubkey()).await?;

        let bridged_ether = node
            .create_mint(&node.program.authority(), SPL_DECIMALS)
            .await?;
        let home_mint = node.create_mint(&node.admin.pubkey(), SPL_DECIMALS).await?;
        node.client
            .mint_to(
                &node.payer,
                &home_mint,
                &node.admin,
                &user.pubkey(),
                HOME_SUPPLY,
            )
            .await
            .map_err(|e| Error::Solana {
                what: "minting the home token to the user".into(),
                reason: e.to_string(),
            })?;
        let home_token = token_id(DOMAIN_SOLANA, &UniversalAddress(home_mint.0));

        let mut sorted: Vec<EvmAddress> = validators.to_vec();
        sorted.sort();
        node.govern(&[
            Action::SetRemote {
                domain: evm.domain,
                bridge: pad(evm.bridge).0,
                kind: RemoteKind::Evm,
                epoch: 1,
                threshold: 2,
                validators: sorted.iter().map(|v| v.0).collect(),
            },
            Action::RegisterToken {
                home_domain: evm.domain,
                home_token: trestle_bridge::NATIVE_TOKEN.0,
                mint: bridged_ether,
                scale_exp: ETHER_SCALE_EXP,
                timelock_threshold: NO_TIMELOCK,
                timelock_delay: TIMELOCK_DELAY,
            },
            Action::RegisterToken {
                home_domain: DOMAIN_SOLANA,
                home_token: home_mint.0,
                mint: home_mint,
                scale_exp: 0,
                timelock_threshold: NO_TIMELOCK,
                timelock_delay: TIMELOCK_DELAY,
            },
            // a's ether both ways (home units are wei on both sides of the route), and the
            // home token both ways (its BridgedToken on a has the mint's 9 decimals).
            Action::SetRoute {
                token_id: ether_token(evm.domain),
                domain: evm.domain,
                remote_exp: 0,
                remote_max: u128::MAX,
                inbound: OPEN_BUCKET,
                outbound: OPEN_BUCKET,
            },
            Action::SetRoute {
                token_id: home_token,
                domain: evm.domain,
                remote_exp: 0,
                remote_max: u128::MAX,
                inbound: OPEN_BUCKET,
                outbound: OPEN_BUCKET,
            },
        ])
        .await?;

        let home_on_evm = evm
            .deploy_bridged_token("Demo token from Solana", "DEMO", SPL_DECIMALS)
            .await?;
        let set: Vec<Address> = sorted.iter().map(|v| Address::from(v.0)).collect();
        let home = B256::from(home_token);
        let u64_max = u128::from(u64::MAX);
        let limit = crate::evm::UNLIMITED;
        let refill = crate::evm::REFILL;
        evm.configure(&[
            Bridge::setRemoteCall::new((
                DOMAIN_SOLANA,
                B256::from(node.program.id.0),
                crate::evm::KIND_SOLANA,
            ))
            .abi_encode(),
            Bridge::setValidatorSetCall::new((DOMAIN_SOLANA, 1u64, set, 2u8)).abi_encode(),
            Bridge::setRouteCall::new((
                B256::from(ether_token(evm.domain)),
                DOMAIN_SOLANA,
                ETHER_SCALE_EXP,
                u64_max,
            ))
            .abi_encode(),
            Bridge::setLimitsCall::new((
                B256::from(ether_token(evm.domain)),
                DOMAIN_SOLANA,
                limit,
                refill,
                limit,
                refill,
            ))
            .abi_encode(),
            Bridge::setTokenCall::new((
                DOMAIN_SOLANA,
                B256::from(home_mint.0),
                Address::from(home_on_evm.0),
                0u8,
                u128::MAX,
                3_600u64,
            ))
            .abi_encode(),
            Bridge::setRouteCall::new((home, DOMAIN_SOLANA, 0u8, u64_max)).abi_encode(),
            Bridge::setLimitsCall::new((home, DOMAIN_SOLANA, limit, refill, limit, refill))
                .abi_encode(),
        ])
        .await?;
        Ok(Self {
            node,
            user,
            relayer,
            bridged_ether,
            home_mint,
            home_token,
            home_on_evm,
        })
    }
}

fn tokens(amount: u64) -> String {
    let whole = amount / 1_000_000_000;
    let frac = amount % 1_000_000_000;
    if frac == 0 {
        format!("{whole}")
    } else {
        format!("{whole}.{}", format!("{frac:09}").trim_end_matches('0'))
    }
}

impl Demo {
    fn link(&self) -> Result<&SolanaLink> {
        self.solana
            .as_ref()
            .ok_or_else(|| Error::Setup("this demo runs without Solana".into()))
    }

    /// Sends `amount` wei of `from`'s ether to the user's Solana key, where it arrives as
    /// `amount / 10^9` base units of the bridged mint, and checks the balance and the
    /// program's receipt.
    pub async fn evm_to_solana(&self, from: &str, amount: u128) -> Result<TransferReport> {
        let link = self.link()?;
        let origin = self.evm.node(from)?;
        let route = format!("{from} -> {}", link.node.name);
        let wallet = link.user.pubkey();
        let local =
            u64::try_from(amount / 10u128.pow(u32::from(ETHER_SCALE_EXP))).map_err(|_| {
                Error::Transfer {
                    route: route.clone(),
                    reason: "the amount does not fit an SPL amount".into(),
                }
            })?;
        let before = link
            .node
            .token_balance(&link.bridged_ether, &wallet)
            .await?;
        let value = U256::from(amount);
        let sent = origin
            .send_token(
                &origin.sender(keys::user()),
                DOMAIN_SOLANA,
                ether_token(origin.domain),
                value,
                wallet.0,
                value,
            )
            .await?;
        let sent_at = Instant::now();
        let p = &self.progress;
        p.info(&format!(
            "sendToken on {from}: tx {} (nonce {})",
            hex0x(&sent.tx),
            sent.nonce
        ));
        p.info(&format!("message id {}", hex0x(&sent.id)));
        let done = self.follow(&sent.id, &["delivered"]).await?;
        let expected = before.saturating_add(local);
        self.wait_until(&route, || async {
            let now = link
                .node
                .token_balance(&link.bridged_ether, &wallet)
                .await?;
            Ok((
                now == expected,
                now > expected,
                format!(
                    "{wallet} holds {now} of {}, expected {expected}",
                    link.bridged_ether
                ),
            ))
        })
        .await?;
        let latency = sent_at.elapsed();
        let receipt = link
            .node
            .receipt(&link.receipt_key(origin, sent.nonce))
            .await?
            .ok_or_else(|| Error::Transfer {
                route: route.clone(),
                reason: "no delivery receipt on Solana".into(),
            })?;
        if receipt.status != ReceiptStatus::Executed || receipt.amount != local {
            return Err(Error::Transfer {
                route,
                reason: format!(
                    "receipt {:?} for {} units, expected executed {local}",
                    receipt.status, receipt.amount
                ),
            });
        }
        // Exactly once: one successful transaction wrote the receipt (the deliver), and the
        // relayer recorded that one (its store keeps the signature's first 32 bytes).
        let delivery_tx = match link
            .node
            .receipt_transactions(&link.receipt_key(origin, sent.nonce))?
            .as_slice()
        {
            [tx] => tx.clone(),
            other => {
                return Err(Error::Transfer {
                    route,
                    reason: format!(
                        "{} transactions wrote the delivery receipt: {other:?}",
                        other.len()
                    ),
                });
            }
        };
        let recorded = done.tx_hash.unwrap_or_default();
        let prefix = bs58::decode(&delivery_tx)
            .into_vec()
            .ok()
            .and_then(|b| b.get(..32).map(hex::encode));
        if prefix.as_deref() != Some(recorded.trim_start_matches("0x")) {
            return Err(Error::Transfer {
                route,
                reason: format!(
                    "the relayer recorded delivery {recorded}, but the receipt was written by {delivery_tx}"
                ),
            });
        }
        p.info(&format!("deliver on {}: tx {delivery_tx}", link.node.name));
        let attested = self.attested_by(&sent.id).await;
        p.info(&format!(
            "arrived: {wallet} holds {} more bridged {from}/ETH ({local} base units of mint {}, 9 decimals); one receipt, executed; attested by {}; latency {:.1} s",
            tokens(local),
            link.bridged_ether,
            attested.join(", "),
            latency.as_secs_f64()
        ));
        Ok(TransferReport {
            route,
            from: from.into(),
            to: link.node.name.clone(),
            amount: format_ether(amount),
            id: sent.id,
            nonce: sent.nonce,
            origin_tx: hex0x(&sent.tx),
            delivery_tx,
            executed_tx: None,
            latency,
            fee: None,
            top_up: None,
        })
    }

    /// Sends `amount` base units of the home SPL token from the user's Solana key to the
    /// user's address on `to`, where they arrive as the same number of base units of its
    /// `BridgedToken` (9 decimals), and checks the balance and that `to` delivered it once.
    pub async fn solana_to_evm(&self, to: &str, amount: u64) -> Result<TransferReport> {
        let link = self.link()?;
        let destination = self.evm.node(to)?;
        let route = format!("{} -> {to}", link.node.name);
        let beneficiary = keys::user().address();
        let before = destination
            .balance(Some(link.home_on_evm), beneficiary)
            .await?;
        let params = send_params(
            &link.user.pubkey(),
            link.home_token,
            link.home_mint,
            TokenKind::Home,
            destination.domain,
            pad(beneficiary).0,
            amount,
        )?;
        let sent = link.node.send_token(&link.user, params).await?;
        let sent_at = Instant::now();
        let p = &self.progress;
        p.info(&format!(
            "send on {}: tx {} (nonce {}); {} DEMO locked in the program's vault",
            link.node.name,
            bs58_signature(&sent.tx),
            sent.nonce,
            tokens(amount)
        ));
        p.info(&format!("message id {}", hex0x(&sent.id)));
        self.follow(&sent.id, &["delivered"]).await?;
        let expected = before + U256::from(amount);
        self.wait_until(&route, || async {
            let now = destination
                .balance(Some(link.home_on_evm), beneficiary)
                .await?;
            Ok((
                now == expected,
                now > expected,
                format!(
                    "{beneficiary} holds {now} of {}, expected {expected}",
                    link.home_on_evm
                ),
            ))
        })
        .await?;
        let latency = sent_at.elapsed();
        let delivery_tx = self.delivered_once(destination, &route, sent.id).await?;
        let attested = self.attested_by(&sent.id).await;
        p.info(&format!(
            "arrived: {beneficiary} holds {} more DEMO on {to} (BridgedToken {}); delivered once; attested by {}; latency {:.1} s",
            tokens(amount),
            link.home_on_evm,
            attested.join(", "),
            latency.as_secs_f64()
        ));
        Ok(TransferReport {
            route,
            from: link.node.name.clone(),
            to: to.into(),
            amount: format!("{} DEMO", tokens(amount)),
            id: sent.id,
            nonce: sent.nonce,
            origin_tx: bs58_signature(&sent.tx),
            delivery_tx,
            executed_tx: None,
            latency,
            fee: None,
            top_up: None,
        })
    }

    /// Waits (up to 15 s) until `check` says done; fails at once when it says overshot.
    pub(crate) async fn wait_until<F, Fut>(&self, route: &str, check: F) -> Result<()>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(bool, bool, String)>>,
    {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (done, overshot, state) = check().await?;
            if done {
                return Ok(());
            }
            if overshot || Instant::now() >= deadline {
                return Err(Error::Transfer {
                    route: route.into(),
                    reason: state,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The one transaction that delivered `id` on `destination`; fails on none or several.
    pub(crate) async fn delivered_once(
        &self,
        destination: &EvmNode,
        route: &str,
        id: [u8; 32],
    ) -> Result<String> {
        match destination.deliveries(id).await?.as_slice() {
            [tx] => Ok(hex0x(tx)),
            other => Err(Error::Transfer {
                route: route.into(),
                reason: format!("{} MessageDelivered events for one message", other.len()),
            }),
        }
    }
}

/// A Solana signature (64 bytes) in base58, as explorers show it.
pub fn bs58_signature(bytes: &[u8]) -> String {
    trestle_core::chain::TxId::Solana(<[u8; 64]>::try_from(bytes).unwrap_or([0; 64])).to_string()
}
