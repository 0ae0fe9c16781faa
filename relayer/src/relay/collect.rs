//! The collect stage of every destination, EVM or Solana: fetch the attestations of pending
//! messages from the validators of the destination's current set, and move each message to
//! `ready` at the route's threshold.
//!
//! One pass claims at least `batch_size` messages (so that a full batch can become ready at
//! once) and asks the validators for all of them at the same time, at most
//! [`concurrent::IN_FLIGHT`] requests in flight: first, per message, as many members as
//! signatures are missing; then the other members, for the messages still short. Every
//! signature is checked (it must recover to the member asked, for the set's epoch) before it
//! is kept. The pass persists in two commits: the new signatures, then the moves to `ready`
//! (a message is never `ready` without its stored signatures).

use std::collections::BTreeMap;
use std::time::Duration;

use trestle_bridge::signatures::recover_strict;
use trestle_bridge::{Attestation, Message, ValidatorSet};
use trestle_bridge_client::api::wire::AttestationsResponse;
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;

use super::Attempts;
use super::ask;
use super::concurrent::{self, IN_FLIGHT};
use super::fees::FeeQuoter;
use super::routes::{Route, Routes};
use crate::config::{ValidatorEndpoint, Verdict};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::store::{MessageRecord, MessageState, SignatureRecord, now_ms};

/// The fewest pending messages one collect pass claims (more when `batch_size` is larger).
const COLLECT_CLAIM: usize = 32;

/// How many pending messages one collect pass claims with `batch_size`: enough for
/// `batches` full batches, at least [`COLLECT_CLAIM`].
pub(crate) fn claim_limit(batch_size: usize, batches: usize) -> u32 {
    u32::try_from(batch_size.saturating_mul(batches).max(COLLECT_CLAIM)).unwrap_or(u32::MAX)
}

/// How long an `underpaid` message waits before its fee policy weighs it again without a new
/// payment (prices fall, a destination becomes free, an operator changes the policy).
const UNDERPAID_RECHECK: Duration = Duration::from_secs(60);

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

/// One collect pass of a destination, EVM or Solana, over messages it claimed.
pub(crate) struct Collect<'a> {
    /// The destination's domain.
    pub(crate) domain: u32,
    /// The destination's bridge (32 bytes), named in the attestation digest.
    pub(crate) bridge: UniversalAddress,
    /// The routes into the destination, with the sets it holds.
    pub(crate) routes: &'a Routes,
    /// The HTTP client the validators are asked with.
    pub(crate) http: &'a reqwest::Client,
    /// Where failed attempts are recorded (and the store, metrics and settings).
    pub(crate) attempts: Attempts<'a>,
    /// This worker's name in row claims.
    pub(crate) worker: &'a str,
    /// The origins' delivery fees, for the routes' fee policies.
    pub(crate) fees: &'a FeeQuoter,
}

/// What a collect pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Collected {
    /// Some message moved to `ready`.
    pub(crate) moved: bool,
    /// Some recently indexed message still waits for attestations: ask again after
    /// `attestation_poll_ms` rather than a whole tick.
    pub(crate) waiting: bool,
}

/// Member `v`'s signature in `response` of the attestation `digest` (epoch `epoch` of `set`),
/// if it has a valid one. A member signs a message once per epoch: only one item is checked
/// (the first it names as its own for the epoch, else the first for the epoch; an answer with
/// thousands would otherwise cost a recovery and a log line each), and it must recover to `v`.
fn member_signature(
    v: &ValidatorEndpoint,
    response: &AttestationsResponse,
    epoch: u64,
    digest: &[u8; 32],
    set: &ValidatorSet,
    metrics: &Metrics,
) -> Option<[u8; 65]> {
    let mine =
        |signer: &str| hex::decode(signer.trim_start_matches("0x")).is_ok_and(|s| s == v.address.0);
    let mut for_epoch = response.attestations.iter().filter(|a| a.epoch == epoch);
    let first = for_epoch.clone().next()?;
    // None named as its own: the first for the epoch stands for it (an endpoint that answers
    // with another key's signature is counted as wrong once).
    let item = for_epoch.find(|a| mine(&a.signer)).unwrap_or(first);
    let signature = hex::decode(item.signature.trim_start_matches("0x"))
        .ok()
        .and_then(|s| <[u8; 65]>::try_from(s.as_slice()).ok());
    match signature.map(|s| (recover_strict(0, &s, digest), s)) {
        Some((Ok(signer), signature)) if signer == v.address && set.contains(&signer) => {
            Some(signature)
        }
        _ => {
            metrics.failure("collect", "bad_signature");
            tracing::warn!(validator = %v.address, digest = %hex::encode(digest), "attestation does not recover to the validator; ignored");
            None
        }
    }
}

impl Collect<'_> {
    /// Collects the attestations of `records` (claimed `pending` messages), stores them and
    /// moves the messages at their route's threshold to `ready`; the others are put back.
    pub(crate) async fn pass(&self, records: Vec<MessageRecord>) -> Collected {
        if records.is_empty() {
            return Collected::default();
        }
        let store = self.attempts.store;
        let ids: Vec<[u8; 32]> = records.iter().map(|r| r.id).collect();
        let stored = match store.signatures_many(&ids).await {
            Ok(stored) => stored,
            Err(e) => {
                for record in &records {
                    self.fail(record, &e).await;
                }
                return Collected::default();
            }
        };
        let mut jobs = Vec::with_capacity(records.len());
        for record in records {
            let have = stored.get(&record.id).map_or(&[][..], Vec::as_slice);
            match self.collect_job(&record, have) {
                Ok(job) => jobs.push(job),
                Err(e) => self.fail(&record, &e).await,
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

    async fn fail(&self, record: &MessageRecord, e: &Error) {
        self.attempts
            .failed(record, MessageState::Pending, "collect", e)
            .await;
    }

    /// The job of a claimed message, with `have`, the signatures stored for it (any epoch).
    fn collect_job(&self, record: &MessageRecord, have: &[SignatureRecord]) -> Result<Job> {
        let route = self.routes.get(record.origin)?;
        let digest = Attestation {
            origin: record.origin,
            origin_bridge: route.origin_bridge,
            destination: self.domain,
            destination_bridge: self.bridge,
            epoch: route.set.epoch(),
            message_id: record.id,
        }
        .digest();
        Ok(Job {
            record: record.clone(),
            digest,
            signers: counted_signers(&route.set, have),
            route,
            asked: Vec::new(),
            new: Vec::new(),
        })
    }

    /// Keeps the signature of validator `v` in its answer, if it recovers to `v` for the
    /// set's epoch ([`member_signature`]).
    fn accept(&self, job: &mut Job, v: &ValidatorEndpoint, response: &AttestationsResponse) {
        let epoch = job.route.set.epoch();
        let Some(signature) = member_signature(
            v,
            response,
            epoch,
            &job.digest,
            &job.route.set,
            self.attempts.metrics,
        ) else {
            return;
        };
        if !job.signers.contains(&v.address.0) {
            job.signers.push(v.address.0);
            job.new.push(SignatureRecord {
                message_id: job.record.id,
                epoch,
                signer: v.address.0,
                signature,
            });
        }
    }

    /// Stores the pass's signatures (one commit), then moves the messages at the threshold to
    /// `ready` (one commit) and puts the others back for a tick.
    async fn persist_collected(&self, jobs: Vec<Job>) -> Collected {
        let store = self.attempts.store;
        let new: Vec<SignatureRecord> = jobs.iter().flat_map(|j| j.new.iter().cloned()).collect();
        if let Err(e) = store.add_signatures(&new).await {
            for job in &jobs {
                self.fail(&job.record, &e).await;
            }
            return Collected::default();
        }
        for job in &jobs {
            if !job.new.is_empty() {
                self.attempts
                    .metrics
                    .signatures_collected
                    .get_or_create(&vec![("origin", job.route.origin_name.clone())])
                    .inc_by(job.new.len() as u64);
            }
        }
        let (attested, waiting): (Vec<&Job>, Vec<&Job>) =
            jobs.iter().partition(|j| j.missing() == 0);
        let mut out = Collected::default();
        let (ready, unsure) = self.weigh_fees(attested).await;
        let ids: Vec<[u8; 32]> = ready.iter().map(|j| j.record.id).collect();
        match store
            .transition_many(
                &ids,
                MessageState::Pending,
                MessageState::Ready,
                Some(self.worker),
                None,
            )
            .await
        {
            Ok(done) => out.moved = done.contains(&true),
            Err(e) => {
                for job in &ready {
                    self.fail(&job.record, &e).await;
                }
            }
        }
        // Recently indexed messages are asked again soon (their validators are likely just
        // behind); the others, whose validators may be down, a tick later.
        let (young, old): (Vec<&Job>, Vec<&Job>) = waiting
            .iter()
            .partition(|j| now_ms().saturating_sub(j.record.created_at) < RECENT_MS);
        let settings = self.attempts.settings;
        // Once per batch's worth of waiting messages the validators get another poll's time
        // to sign: asking every 10 ms while a flood is signed took validator time from the
        // signing (cold flood 93% -> 71-80% of the block-gas bound, docs/benchmarks.md).
        let batches = young.len() / settings.batch_size.max(1);
        let soon = Duration::from_millis(
            settings
                .attestation_poll_ms
                .saturating_mul(1 + u64::try_from(batches).unwrap_or(u64::MAX)),
        )
        .min(Duration::from_millis(settings.poll_interval_ms));
        let tick = Duration::from_millis(settings.poll_interval_ms);
        // Messages whose fees could not be weighed now (the origin unreadable): a tick later.
        let old: Vec<&Job> = old.into_iter().chain(unsure).collect();
        for (group, delay) in [(young, soon), (old, tick)] {
            let ids: Vec<[u8; 32]> = group.iter().map(|j| j.record.id).collect();
            if let Err(e) = store.defer_many(&ids, MessageState::Pending, delay).await {
                tracing::warn!(error = %e, "cannot defer messages");
            } else if !ids.is_empty() && delay == soon {
                out.waiting = true;
            }
        }
        out
    }
}

impl Collect<'_> {
    /// Weighs attested messages against their routes' fee policies
    /// ([`crate::config::FeePolicy`]): those to deliver are returned first; those the policy
    /// holds back are parked here (`underpaid`, or `skipped` when a deny list names them, with
    /// the reason as the last error); those whose origin's fees cannot be read now are
    /// returned second, to be weighed again later (never delivered unweighed).
    async fn weigh_fees<'j>(&self, attested: Vec<&'j Job>) -> (Vec<&'j Job>, Vec<&'j Job>) {
        let store = self.attempts.store;
        // A payment recorded after this read finds its message still `pending` (not woken):
        // `hold_back` parks only what has the payments it was weighed with.
        let keys: Vec<([u8; 32], u32, u32)> = attested
            .iter()
            .map(|j| (j.record.id, j.record.origin, j.record.destination))
            .collect();
        let paid = match store.paid_and_counted(&keys).await {
            Ok(paid) => paid,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read what was paid for attested messages");
                return (Vec::new(), attested);
            }
        };
        let (mut deliver, mut unsure, mut held) = (Vec::new(), Vec::new(), Vec::new());
        for job in attested {
            let r = &job.record;
            let (sender, recipient) = (UniversalAddress(r.sender), UniversalAddress(r.recipient));
            let (policy, bridge) = (&job.route.config.fees, &job.route.origin_bridge);
            let quote = if policy.needs_quote(bridge, &sender, &recipient) {
                let quoted = match Message::decode(&r.encoded) {
                    Ok(message) => self.fees.quote(&message).await,
                    Err(e) => Ok(Err(e)),
                };
                match quoted {
                    Ok(Ok(q)) => Some(q),
                    Ok(Err(e)) => {
                        // Not a read that may work next tick: parked, weighed again later.
                        let why = format!("the origin's fee configuration cannot price it: {e}");
                        let count = paid.get(&r.id).map_or(0, |(_, n)| *n);
                        held.push((job, MessageState::Underpaid, why, count));
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(origin = r.origin, destination = r.destination, error = %e, "cannot quote the origin's fee; the message waits");
                        self.attempts.metrics.failure("fees", "quote");
                        unsure.push(job);
                        continue;
                    }
                }
            } else {
                None
            };
            let (amount, count) = paid.get(&r.id).copied().unwrap_or((0, 0));
            match policy.verdict(
                bridge,
                &sender,
                &recipient,
                amount,
                quote,
                job.route.min_paid,
            ) {
                Verdict::Deliver => deliver.push(job),
                Verdict::Underpaid(why) => held.push((job, MessageState::Underpaid, why, count)),
                Verdict::Denied(why) => held.push((job, MessageState::Skipped, why, count)),
            }
        }
        let moves: Vec<([u8; 32], MessageState, String, i64)> = held
            .iter()
            .map(|(job, state, why, count)| (job.record.id, *state, why.clone(), *count))
            .collect();
        match store
            .hold_back(&moves, self.worker, UNDERPAID_RECHECK)
            .await
        {
            Ok(moved) => {
                for ((job, state, why, _), moved) in held.into_iter().zip(moved) {
                    if moved {
                        tracing::info!(id = %hex::encode(job.record.id), state = %state, reason = %why, "held back by the route's fee policy");
                    } else {
                        // Paid meanwhile (or no longer ours): weighed again next time.
                        unsure.push(job);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot park messages the fee policy holds back");
                unsure.extend(held.into_iter().map(|(job, _, _, _)| job));
            }
        }
        (deliver, unsure)
    }
}

/// The signers of `have` (a message's stored signatures, any epoch) that count towards `set`'s
/// threshold: each member of the set with a signature for its epoch, once. A stored signature
/// of a non-member (a set the route held before, at the same epoch) never counts: it would
/// move the message to `ready` short of the threshold, and submit would send it back.
fn counted_signers(set: &ValidatorSet, have: &[SignatureRecord]) -> Vec<[u8; 20]> {
    let mut signers: Vec<[u8; 20]> = have
        .iter()
        .filter(|s| s.epoch == set.epoch() && set.contains(&EvmAddress(s.signer)))
        .map(|s| s.signer)
        .collect();
    signers.sort_unstable();
    signers.dedup();
    signers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_members_signatures_for_the_sets_epoch_count_once() {
        let v = |b: u8| EvmAddress([b; 20]);
        let set = ValidatorSet::new(3, vec![v(1), v(2), v(3)], 2).unwrap();
        let sig = |signer: u8, epoch: u64| SignatureRecord {
            message_id: [7; 32],
            epoch,
            signer: [signer; 20],
            signature: [0; 65],
        };
        let have = [sig(1, 3), sig(1, 3), sig(2, 2), sig(9, 3), sig(3, 3)];
        assert_eq!(counted_signers(&set, &have), vec![[1; 20], [3; 20]]);
        // A non-member at the set's epoch and a member at another epoch: none counts.
        assert!(counted_signers(&set, &[sig(9, 3), sig(2, 2)]).is_empty());
    }
}
