//! Asking one validator for the attestations of many messages: `POST /v1/attestations` with
//! up to [`MAX_BATCH_IDS`] ids per request, so that a collect pass costs one request per
//! validator and batch instead of one per message. A validator that does not serve the batch
//! route (an older daemon answers 404 or 405) is asked message by message with
//! `GET /v1/attestations/{id}` instead.
//!
//! A validator endpoint is another operator's server, and may be hostile: an answer is read
//! up to [`MAX_ANSWER_BYTES`] (else dropped), redirects are not followed (the client,
//! `Lane`), every request has a timeout, only the ids asked for are kept, and the collect
//! pass checks one signature per message and member however many an answer holds.

use std::collections::HashMap;

use reqwest::StatusCode;
use trestle_core::redact::{redact_url, scrub_urls};

use super::concurrent::{self, IN_FLIGHT};
use trestle_bridge_client::api::wire::{
    AttestationsBatch, AttestationsQuery, AttestationsResponse, MAX_BATCH_IDS,
};

/// The largest answer read from a validator: about 40 times an honest answer for
/// [`MAX_BATCH_IDS`] messages with two epochs' signatures each.
pub(crate) const MAX_ANSWER_BYTES: usize = 16 << 20;

/// The answers of one validator, by message id: only the messages it holds attestations for.
pub(super) type Answers = HashMap<[u8; 32], AttestationsResponse>;

/// Asks the validator at `base` for the attestations of `ids`. Unreachable or failing
/// requests leave their ids out (the caller asks again later); a malformed answer is logged
/// and left out too.
pub(super) async fn attestations(http: &reqwest::Client, base: &str, ids: &[[u8; 32]]) -> Answers {
    let base = base.trim_end_matches('/').to_owned();
    let requests = ids
        .chunks(MAX_BATCH_IDS)
        .map(|chunk| {
            let (http, base) = (http.clone(), base.clone());
            let chunk = chunk.to_vec();
            async move { batch(&http, &base, &chunk).await }
        })
        .collect();
    let mut out = Answers::new();
    for answer in concurrent::bounded(requests, IN_FLIGHT).await {
        match answer {
            Some(Batch::Answered(found)) => out.extend(found),
            Some(Batch::Unsupported) => {
                // One GET per message; the ids of this whole call, once.
                return one_by_one(http, &base, ids).await;
            }
            Some(Batch::Failed) | None => {}
        }
    }
    out
}

/// What one batch request got.
enum Batch {
    Answered(Answers),
    /// The validator has no batch route.
    Unsupported,
    Failed,
}

async fn batch(http: &reqwest::Client, base: &str, ids: &[[u8; 32]]) -> Batch {
    let query = AttestationsQuery {
        ids: ids
            .iter()
            .map(|id| format!("0x{}", hex::encode(id)))
            .collect(),
    };
    let response = match http
        .post(format!("{base}/v1/attestations"))
        .json(&query)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(validator = %redact_url(base), error = %scrub_urls(&e.to_string()), "attestation request failed");
            return Batch::Failed;
        }
    };
    match response.status() {
        s if s.is_success() => {}
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => return Batch::Unsupported,
        s => {
            tracing::debug!(validator = %redact_url(base), status = %s, "attestation request refused");
            return Batch::Failed;
        }
    }
    let Some(body) = bounded_body(response, base).await else {
        return Batch::Failed;
    };
    match serde_json::from_slice::<AttestationsBatch>(&body) {
        Ok(answer) => Batch::Answered(
            answer
                .messages
                .into_iter()
                .filter_map(|m| Some((parse_id(&m.message_id)?, m)))
                .filter(|(id, _)| ids.contains(id))
                .collect(),
        ),
        Err(e) => {
            tracing::warn!(validator = %redact_url(base), error = %e, "malformed attestation response");
            Batch::Failed
        }
    }
}

async fn one_by_one(http: &reqwest::Client, base: &str, ids: &[[u8; 32]]) -> Answers {
    let requests = ids
        .iter()
        .map(|id| {
            let http = http.clone();
            let (id, url) = (*id, format!("{base}/v1/attestations/0x{}", hex::encode(id)));
            async move {
                let response = http.get(&url).send().await.ok()?;
                if !response.status().is_success() {
                    return None;
                }
                let body = bounded_body(response, &url).await?;
                match serde_json::from_slice::<AttestationsResponse>(&body) {
                    Ok(answer) => Some((id, answer)),
                    Err(e) => {
                        tracing::warn!(validator = %redact_url(&url), error = %e, "malformed attestation response");
                        None
                    }
                }
            }
        })
        .collect();
    concurrent::bounded(requests, IN_FLIGHT)
        .await
        .into_iter()
        .flatten()
        .flatten()
        .collect()
}

/// The body of `response`, or `None` (logged) when it is longer than [`MAX_ANSWER_BYTES`]
/// or breaks off: it is read a chunk at a time and dropped as soon as it is too long.
async fn bounded_body(mut response: reqwest::Response, from: &str) -> Option<Vec<u8>> {
    let too_long = || {
        tracing::warn!(validator = %redact_url(from), limit = MAX_ANSWER_BYTES, "attestation answer too long; dropped");
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        too_long();
        return None;
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            too_long();
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(body)
}

fn parse_id(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text.strip_prefix("0x").unwrap_or(text)).ok()?;
    <[u8; 32]>::try_from(bytes.as_slice()).ok()
}
