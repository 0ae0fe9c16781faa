//! [`Tracker`]: the status of a message id from every source configured (the relayer's status
//! API, the validators' attestation endpoints, the destination chain), and following it to
//! delivery with a callback per change.

use std::time::{Duration, Instant};

use trestle_bridge::{Message, MessageId};

use crate::api::RelayerApi;
use crate::error::{Error, Result};
use crate::evm::EvmBridge;
use crate::solana::SolanaBridge;
use crate::status::{Stage, StatusSource, TransferStatus};

/// The destination bridge of a message.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A bridge contract on an EVM chain.
    Evm(EvmBridge),
    /// The bridge program on Solana.
    Solana(SolanaBridge),
}

impl Destination {
    /// What the destination did with message `id` (see [`EvmBridge::delivery`] and
    /// [`SolanaBridge::delivery`]).
    pub async fn delivery(
        &self,
        id: &MessageId,
        origin_nonce: Option<(u32, u64)>,
        search_from: u64,
    ) -> Result<Stage> {
        match self {
            Destination::Evm(b) => b.delivery(id, origin_nonce, search_from).await,
            Destination::Solana(b) => b.delivery(id, origin_nonce).await,
        }
    }

    /// The attestation threshold the destination requires for messages from `origin`.
    pub async fn threshold(&self, origin: u32) -> Result<Option<usize>> {
        match self {
            Destination::Evm(b) => b.threshold(origin).await,
            Destination::Solana(b) => b.threshold(origin).await,
        }
    }
}

/// When [`Tracker::follow`] stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUntil {
    /// At the destination: delivered, or queued there (with its release time), or any final
    /// stage.
    Destination,
    /// Only when nothing more will happen: a queued transfer is followed until it is
    /// executed or cancelled.
    Final,
}

/// Where to ask about a message. Every source is optional; at least one is needed.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    api: Option<RelayerApi>,
    validators: Vec<RelayerApi>,
    threshold: Option<usize>,
    destination: Option<Destination>,
    search_from: u64,
}

impl Tracker {
    /// A tracker with no source yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the relayer's status API.
    pub fn with_api(mut self, api: RelayerApi) -> Self {
        self.api = Some(api);
        self
    }

    /// Counts attestations on these validators' endpoints while the message is attested;
    /// `threshold` is the route's (else read from the destination).
    pub fn with_validators(
        mut self,
        validators: Vec<RelayerApi>,
        threshold: Option<usize>,
    ) -> Self {
        self.validators = validators;
        self.threshold = threshold;
        self
    }

    /// Asks the destination chain directly. `search_from` is the first block an EVM
    /// destination's `MessageDelivered` logs are searched from when the message's origin and
    /// nonce are unknown.
    pub fn with_destination(mut self, destination: Destination, search_from: u64) -> Self {
        self.destination = Some(destination);
        self.search_from = search_from;
        self
    }

    async fn signatures(&self, id: &MessageId) -> Option<usize> {
        if self.validators.is_empty() {
            return None;
        }
        let mut k = 0;
        for v in &self.validators {
            match v.attestation_count(id).await {
                Ok(n) if n > 0 => k += 1,
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(validator = %v.url(), error = %e, "attestations unavailable")
                }
            }
        }
        Some(k)
    }

    /// The status of message `id` now. `known` is the message when the caller has it (from
    /// a send): it gives the destination its origin and nonce.
    ///
    /// The destination chain's answer wins when it has a record; otherwise the relayer's.
    /// A relayer that does not know the id yet gives [`Stage::Unknown`]. Errors from the
    /// relayer are returned only when no destination is configured to answer instead.
    pub async fn status(&self, id: &MessageId, known: Option<&Message>) -> Result<TransferStatus> {
        if self.api.is_none() && self.destination.is_none() {
            return Err(Error::input(
                "status source",
                "neither a relayer API nor a destination chain is configured",
            ));
        }
        let mut status = TransferStatus::unknown(*id, StatusSource::Relayer);
        if let Some(m) = known {
            status.origin = Some(m.origin);
            status.destination = Some(m.destination);
            status.nonce = Some(m.nonce);
        }
        if let Some(api) = &self.api {
            match api.message(id).await {
                Ok(m) => status = m.status(None, None),
                Err(Error::NotFound { .. }) => {}
                Err(e) if self.destination.is_some() => {
                    tracing::debug!(error = %e, "relayer API failed; asking the destination");
                    status.last_error = Some(e.to_string());
                }
                Err(e) => return Err(e),
            }
        }
        let mut threshold = self.threshold;
        if let Some(dest) = &self.destination {
            if threshold.is_none()
                && !self.validators.is_empty()
                && let Some(origin) = status.origin
            {
                threshold = dest.threshold(origin).await?;
            }
            let origin_nonce = status.origin.zip(status.nonce);
            let stage = dest.delivery(id, origin_nonce, self.search_from).await?;
            if stage != Stage::Unknown {
                status.stage = stage;
                status.source = StatusSource::Destination;
                return Ok(status);
            }
        }
        let attesting = matches!(status.stage, Stage::Attesting { .. })
            || (status.stage == Stage::Unknown && known.is_some() && self.api.is_none());
        if attesting && !self.validators.is_empty() {
            status.stage = Stage::Attesting {
                signatures: self.signatures(id).await,
                threshold,
            };
        }
        Ok(status)
    }

    /// Polls [`Tracker::status`] every `poll` until `until` is reached, calling `on_change`
    /// with every new status (the first one included). Retryable errors (an unreachable
    /// relayer, an RPC timeout) are retried until `timeout`; [`Error::FollowTimeout`] when it
    /// runs out.
    pub async fn follow(
        &self,
        id: &MessageId,
        known: Option<&Message>,
        until: FollowUntil,
        timeout: Duration,
        poll: Duration,
        mut on_change: impl FnMut(&TransferStatus),
    ) -> Result<TransferStatus> {
        let deadline = Instant::now() + timeout;
        let mut last: Option<TransferStatus> = None;
        loop {
            match self.status(id, known).await {
                Ok(status) => {
                    let changed = last
                        .as_ref()
                        .is_none_or(|l| l.stage != status.stage || l.source != status.source);
                    if changed {
                        on_change(&status);
                    }
                    let done = status.stage.is_final()
                        || (until == FollowUntil::Destination
                            && status.stage.reached_destination());
                    if done {
                        return Ok(status);
                    }
                    last = Some(status);
                }
                Err(e) if e.is_retryable() && Instant::now() < deadline => {
                    tracing::debug!(error = %e, "status query failed; retrying");
                }
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Err(Error::FollowTimeout {
                    id: hex::encode(id),
                    seconds: timeout.as_secs(),
                    last: last.map_or_else(|| "none".to_owned(), |l| l.stage.to_string()),
                });
            }
            tokio::time::sleep(poll).await;
        }
    }
}
