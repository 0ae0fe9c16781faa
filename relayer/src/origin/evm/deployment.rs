//! Where an EVM origin's indexer begins when it has no cursor and `chains[].start_block` is
//! not set: just before the block the bridge was deployed in, found by a binary search of
//! `eth_getCode(bridge, block)` over `[0, tip]` (about log2(tip) calls: 24 on a chain of ten
//! million blocks). The bridge is an upgradeable proxy at a fixed address, so the block in
//! which code first appears there is the proxy's deployment; no `MessageSent` or `GasPaid`
//! log of the bridge can be older.
//!
//! A node that cannot answer `eth_getCode` for old blocks (a full node prunes old state; only
//! archive nodes keep it) cannot say when the bridge was deployed: the indexer then starts
//! from block 0, as it would without this search, and logs a warning naming the chain and
//! asking for `start_block`. It does not start at the oldest block the node still has state
//! for: `eth_getLogs` still finds every older log, and a message sent between the deployment
//! and that block would never be indexed. Reading every block's logs from 0 is slow on a long
//! chain, never wrong.
//!
//! The search's answer is believed only when the chain shows the deployment itself: the
//! bridge's ERC-1967 proxy emits `Upgraded(implementation)` in its constructor, so the block
//! found must hold an `Upgraded` log of the bridge. A node that answers `0x` rather than an
//! error for state it pruned (code "appears" at the oldest block it kept) fails this check,
//! and the indexer starts from block 0.
//!
//! No code at the bridge's address at the tip (not deployed yet, a wrong `bridge`, or an
//! endpoint that lags or lies) is not a start: the read fails, naming the address, and is
//! tried again at the next poll, so an endpoint that answers "no code" cannot move a first
//! start to its tip and past every message before it.
//!
//! The search goes through the chain's endpoint in use, like the indexer's reads. A block
//! found too late would hide every message before it for good (the nonce-gap check only
//! sees gaps above the first message recorded), so with more than one endpoint each of the
//! others is asked as well whether the bridge had code in the block before: one that says
//! it had (an endpoint that lied or lost track during the search) makes the start block 0,
//! with a warning. An endpoint that cannot answer that block (no old state), or does not
//! within [`DISPUTE_WAIT`] (they are asked at once), is not counted.

use std::time::Duration;

use trestle_core::evm::EvmAddress;
use trestle_evm::{EvmChain, LogFilter};

use crate::config::ChainConfig;
use crate::error::{Error, Result};

/// Where the indexer of a chain without a cursor begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// The bridge's code first appears in this block.
    Deployed(u64),
    /// The node cannot say when the bridge was deployed (no historical state): from block 0.
    Unknown,
}

impl Start {
    /// The block the indexer starts after (it reads from the next one): the deployment
    /// block's parent, since a message may be sent in the block that deployed the bridge.
    pub(crate) fn after(self) -> u64 {
        match self {
            Start::Deployed(block) => block.saturating_sub(1),
            Start::Unknown => 0,
        }
    }
}

/// Finds the block `bridge` was deployed in on `chain` (configured as `config`). An error
/// when the node answers neither its tip nor the code there, or says there is no code at the
/// bridge's address at its tip (tried again at the next poll).
pub(crate) async fn find(
    chain: &EvmChain,
    bridge: EvmAddress,
    config: &ChainConfig,
) -> Result<Start> {
    let name = config.name.as_str();
    let tip = chain.block_number().await?;
    if chain.code_at(bridge, tip).await?.is_empty() {
        return Err(Error::config(
            format!("chains ({name}).bridge"),
            format!(
                "no contract at {} at block {tip} (the chain's tip as the endpoint answers): not \
                 deployed yet, a wrong address, or an endpoint that lags; indexing waits for it",
                bridge.to_checksum()
            ),
        ));
    }
    // The lowest block in [0, tip] the node says holds code at `bridge`. Code stays once it
    // is there (a proxy is never destroyed), so the answer is monotone; a block the node has
    // no state for counts as "no code" and is checked below.
    let (mut low, mut high) = (0u64, tip);
    while low < high {
        let mid = low + (high - low) / 2;
        let present = chain
            .code_at(bridge, mid)
            .await
            .is_ok_and(|code| !code.is_empty());
        if present {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    if high == 0 {
        return Ok(Start::Deployed(0));
    }
    // The block before must be answered, and empty: otherwise the node may just lack the
    // state of older blocks (or an endpoint failed during the search).
    match chain.code_at(bridge, high - 1).await {
        Ok(code) if code.is_empty() => {
            if let Some(endpoint) = disputed(config, bridge, high - 1).await {
                tracing::warn!(
                    chain = %name,
                    block = high,
                    %endpoint,
                    "an endpoint says the bridge had code before the block the search found: \
                     indexing from block 0; set chains[].start_block to skip the blocks before \
                     the bridge's deployment"
                );
                return Ok(Start::Unknown);
            }
            if !emitted_upgraded(chain, bridge, high).await? {
                tracing::warn!(
                    chain = %name,
                    block = high,
                    "the bridge's code first appears in this block, but its proxy's Upgraded log \
                     is not there (a node answering 0x for state it pruned?): indexing from block \
                     0; set chains[].start_block to the bridge's deployment block to skip the \
                     blocks before it"
                );
                return Ok(Start::Unknown);
            }
            tracing::info!(chain = %name, block = high, "the bridge was deployed in this block: indexing from it");
            Ok(Start::Deployed(high))
        }
        answer => {
            let reason = match answer {
                Ok(_) => "its answers changed during the search".to_owned(),
                Err(e) => e.to_string(),
            };
            tracing::warn!(
                chain = %name,
                oldest_with_code = high,
                %reason,
                "the node cannot say in which block the bridge was deployed (old state is not \
                 kept: not an archive node?); indexing from block 0, which reads the logs of \
                 every block: set chains[].start_block to the bridge's deployment block to skip them"
            );
            Ok(Start::Unknown)
        }
    }
}

/// `keccak256("Upgraded(address)")`: the event an ERC-1967 proxy emits when it is given its
/// implementation, first in its constructor.
const UPGRADED: [u8; 32] = [
    0xbc, 0x7c, 0xd7, 0x5a, 0x20, 0xee, 0x27, 0xfd, 0x9a, 0xde, 0xba, 0xb3, 0x20, 0x41, 0xf7, 0x55,
    0x21, 0x4d, 0xbc, 0x6b, 0xff, 0xa9, 0x0c, 0xc0, 0x22, 0x5b, 0x39, 0xda, 0x2e, 0x5c, 0x2d, 0x3b,
];

/// Whether `bridge` emitted `Upgraded` in `block`: the proxy's construction is there.
async fn emitted_upgraded(chain: &EvmChain, bridge: EvmAddress, block: u64) -> Result<bool> {
    let filter = LogFilter::contract(bridge).with_event(UPGRADED);
    Ok(!chain.logs(&filter, block, block).await?.is_empty())
}

/// How long the other endpoints have to answer whether the bridge had code before the block
/// found: one that is slow or down counts as one that cannot say, and delays a first start by
/// no more than this.
const DISPUTE_WAIT: Duration = Duration::from_secs(2);

/// With more than one endpoint: one (redacted) that says `bridge` had code at `block`, if
/// any answers so within [`DISPUTE_WAIT`]. The endpoints are asked at once.
async fn disputed(config: &ChainConfig, bridge: EvmAddress, block: u64) -> Option<String> {
    if config.rpc_urls.len() < 2 {
        return None;
    }
    let asks = crate::origin::per_endpoint(config).filter_map(|one| {
        let chain = EvmChain::new(one.evm_config()?).ok()?;
        let url = one.rpc_urls.first().cloned().unwrap_or_default();
        Some(async move {
            let answer = tokio::time::timeout(DISPUTE_WAIT, chain.code_at(bridge, block)).await;
            matches!(answer, Ok(Ok(code)) if !code.is_empty())
                .then(|| trestle_core::redact::redact_url(&url))
        })
    });
    futures_util::future::join_all(asks)
        .await
        .into_iter()
        .flatten()
        .next()
}

#[cfg(test)]
mod tests {
    use super::UPGRADED;

    #[test]
    fn the_upgraded_topic_is_the_events_hash() {
        assert_eq!(UPGRADED, trestle_core::evm::keccak256(b"Upgraded(address)"));
    }
}
