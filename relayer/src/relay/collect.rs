//! The collect stage: fetch the attestations of pending messages from the validators of the
//! destination's current set, and move each message to `ready` at the route's threshold.
//!
//! One pass claims at least `batch_size` messages (so that a full batch can become ready at
//! once) and asks the validators for all of them at the same time, at most
//! [`concurrent::IN_FLIGHT`] requests in flight: first, per message, as many members as
//! signatures are missing; then the other members, for the messages still short. Every
//! signature is checked (it must recover to the member asked, for the set's epoch) before it
//! is kept. The pass persists in two commits: the new signatures, then the moves to `ready`
//! (a message is never `ready` without its stored signatures).

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use trestle_bridge::Attestation;
use trestle_bridge::signatures::recover_strict;
use trestle_core::chain::UniversalAddress;

use super::ask;
use super::concurrent::{self, IN_FLIGHT};
use super::{Destination, Route};
use crate::config::ValidatorEndpoint;
use crate::error::Result;
use crate::store::{MessageRecord, MessageState, SignatureRecord, now_ms};
use trestle_bridge_client::api::wire::AttestationsResponse;

/// The fewest pending messages one collect pass claims (more when `batch_size` is larger).
const COLLECT_CLAIM: usize = 32;

/// How long after indexing a message waiting for attestations is asked again after
/// `attestation_poll_ms` rather than after a tick.
const RECENT_MS: i64 = 10_000;

/// One claimed message during a collect pass.
struct Job {
    record: MessageRecord,
    route: Route,
    digest: [u8; 32],
    /// Signers whose signature for the set's epoch is stored or was collected in this pass.
    signers: Vec<[u8; 20]>,
    /// Members asked in this pass.
    asked: Vec<[u8; 20]>,
    /// Signatures collected in this pass, not stored yet.
    new: Vec<SignatureRecord>,
}

impl Job {
    fn missing(&self) -> usize {
        self.route
            .set
            .threshold()
            .saturating_sub(self.signers.len())
    }

    /// The members of the destination's current set that have an endpoint, hold no
    /// signature here and were not asked in this pass, in the set's order.
    fn candidates(&self) -> Vec<ValidatorEndpoint> {
        self.route
            .set
            .validators()
            .iter()
            .filter_map(|a| self.route.config.endpoint(a))
            .filter(|v| !self.signers.contains(&v.address.0) && !self.asked.contains(&v.address.0))
            .cloned()
            .collect()
    }
}

impl Destination {
    pub(super) async fn stage_collect(&self) -> bool {
        let limit = self
            .settings
            .batch_size
            .saturating_mul(super::BATCHES_PER_PASS)
            .max(COLLECT_CLAIM);
        let records = self
            .claim(
                MessageState::Pending,
                u32::try_from(limit).unwrap_or(u32::MAX),
            )
            .await;
        if records.is_empty() {
            return false;
        }
        let ids: Vec<[u8; 32]> = records.iter().map(|r| r.id).collect();
        let stored = match self.store.signatures_many(&ids).await {
            Ok(stored) => stored,
            Err(e) => {
                for record in &records {
                    self.fail(record, MessageState::Pending, "collect", &e)
                        .await;
                }
                return false;
            }
        };
        let mut jobs = Vec::with_capacity(records.len());
        for record in records {
            let have = stored.get(&record.id).map_or(&[][..], Vec::as_slice);
            match self.collect_job(&record, have) {
                Ok(job) => jobs.push(job),
                Err(e) => {
                    self.fail(&record, MessageState::Pending, "collect", &e)
                        .await
                }
            }
        }
        for round in 0..2 {
            // By validator: its endpoint and the jobs to ask it about.
            let mut asks: BTreeMap<[u8; 20], (ValidatorEndpoint, Vec<usize>)> = BTreeMap::new();
            for (index, job) in jobs.iter_mut().enumerate() {
                let missing = job.missing();
                if missing == 0 {
                    continue;
                }
                let candidates = job.candidates();
                let take = if round == 0 {
                    missing
                } else {
                    candidates.len()
                };
                for v in candidates.into_iter().take(take) {
                    job.asked.push(v.address.0);
                    asks.entry(v.address.0)
                        .or_insert_with(|| (v, Vec::new()))
                        .1
                        .push(index);
                }
            }
            if asks.is_empty() {
                break;
            }
            let requests = asks
                .values()
                .map(|(v, indexes)| {
                    let (http, url) = (self.http.clone(), v.url.clone());
                    let ids: Vec<[u8; 32]> = indexes
                        .iter()
                        .filter_map(|i| jobs.get(*i).map(|j| j.record.id))
                        .collect();
                    async move { ask::attestations(&http, &url, &ids).await }
                })
                .collect();
            let answers = concurrent::bounded(requests, IN_FLIGHT).await;
            for ((v, indexes), answers) in asks.into_values().zip(answers) {
                let Some(answers) = answers else { continue };
                for index in indexes {
                    if let Some(job) = jobs.get_mut(index)
                        && let Some(answer) = answers.get(&job.record.id)
                    {
                        self.accept(job, &v, answer);
                    }
                }
            }
        }
        self.persist_collected(jobs).await
    }

    /// The job of a claimed message, with `have`, the signatures stored for it (any epoch).
    fn collect_job(&self, record: &MessageRecord, have: &[SignatureRecord]) -> Result<Job> {
        let route = self.route(record.origin)?;
        let digest = Attestation {
            origin: record.origin,
            origin_bridge: route.origin_bridge,
            destination: self.domain,
            destination_bridge: UniversalAddress::from_evm(self.bridge.0),
            epoch: route.set.epoch(),
            message_id: record.id,
        }
        .digest();
        let epoch = route.set.epoch();
        Ok(Job {
            record: record.clone(),
            digest,
            signers: have
                .iter()
                .filter(|s| s.epoch == epoch)
                .map(|s| s.signer)
                .collect(),
            route,
            asked: Vec::new(),
            new: Vec::new(),
        })
    }

    /// Keeps the signatures of validator `v`'s answer that recover to `v` for the set's epoch.
    fn accept(&self, job: &mut Job, v: &ValidatorEndpoint, response: &AttestationsResponse) {
        let epoch = job.route.set.epoch();
        for item in response.attestations.iter().filter(|a| a.epoch == epoch) {
            let Ok(sig) = hex::decode(item.signature.trim_start_matches("0x")) else {
                continue;
            };
            let Ok(signature) = <[u8; 65]>::try_from(sig.as_slice()) else {
                continue;
            };
            match recover_strict(0, &signature, &job.digest) {
                Ok(signer) if signer == v.address && job.route.set.contains(&signer) => {
                    if !job.signers.contains(&signer.0) {
                        job.signers.push(signer.0);
                        job.new.push(SignatureRecord {
                            message_id: job.record.id,
                            epoch,
                            signer: signer.0,
                            signature,
                        });
                    }
                }
                _ => {
                    self.metrics.failure("collect", "bad_signature");
                    tracing::warn!(validator = %v.address, id = %hex::encode(job.record.id), "attestation does not recover to the validator; ignored");
                }
            }
        }
    }

    /// Stores the pass's signatures (one commit), then moves the messages at the threshold to
    /// `ready` (one commit) and puts the others back for a tick. Returns whether any moved.
    async fn persist_collected(&self, jobs: Vec<Job>) -> bool {
        let new: Vec<SignatureRecord> = jobs.iter().flat_map(|j| j.new.iter().cloned()).collect();
        if let Err(e) = self.store.add_signatures(&new).await {
            for job in &jobs {
                self.fail(&job.record, MessageState::Pending, "collect", &e)
                    .await;
            }
            return false;
        }
        for job in &jobs {
            if !job.new.is_empty() {
                self.metrics
                    .signatures_collected
                    .get_or_create(&vec![("origin", job.route.origin_name.clone())])
                    .inc_by(job.new.len() as u64);
            }
        }
        let (ready, waiting): (Vec<&Job>, Vec<&Job>) = jobs.iter().partition(|j| j.missing() == 0);
        let mut moved = false;
        let ids: Vec<[u8; 32]> = ready.iter().map(|j| j.record.id).collect();
        match self
            .store
            .transition_many(
                &ids,
                MessageState::Pending,
                MessageState::Ready,
                Some(&self.worker),
                None,
            )
            .await
        {
            Ok(done) => moved = done.contains(&true),
            Err(e) => {
                for job in &ready {
                    self.fail(&job.record, MessageState::Pending, "collect", &e)
                        .await;
                }
            }
        }
        // Recently indexed messages are asked again soon (their validators are likely just
        // behind); the others, whose validators may be down, a tick later.
        let (young, old): (Vec<&Job>, Vec<&Job>) = waiting
            .iter()
            .partition(|j| now_ms().saturating_sub(j.record.created_at) < RECENT_MS);
        let soon = Duration::from_millis(self.settings.attestation_poll_ms);
        for (group, delay) in [(young, soon), (old, self.tick())] {
            let ids: Vec<[u8; 32]> = group.iter().map(|j| j.record.id).collect();
            if let Err(e) = self
                .store
                .defer_many(&ids, MessageState::Pending, delay)
                .await
            {
                tracing::warn!(error = %e, "cannot defer messages");
            } else if !ids.is_empty() && delay == soon {
                self.waiting.store(true, Ordering::Relaxed);
            }
        }
        moved
    }
}
