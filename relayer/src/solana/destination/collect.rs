//! The `pending` stage of the Solana destination worker (attestations up to the program's
//! threshold) and its start-up check of the routes against the program's remote accounts.
//! A message whose body no `deliver` transaction can hold is parked as `failed` here, at once.

use std::time::Duration;

use trestle_bridge::message::SOLANA_MAX_BODY_LEN;
use trestle_bridge::signatures::recover_strict;
use trestle_core::evm::EvmAddress;

use super::SolanaDestination;
use crate::error::Result;
use crate::store::{MessageRecord, MessageState, SignatureRecord};
use trestle_bridge_client::api::wire::AttestationsResponse;

impl SolanaDestination {
    /// Compares each route with the set the program holds for its origin and logs every
    /// difference (the program's set is what counts; a rotation may be under way).
    pub(super) async fn check_routes(&self) {
        for (origin, route) in &self.routes {
            match self.set(route, *origin).await {
                Ok(set) => {
                    let mut expected: Vec<EvmAddress> =
                        route.config.validators.iter().map(|v| v.address).collect();
                    expected.sort();
                    if set.epoch() != route.config.epoch
                        || set.threshold() != route.config.threshold
                        || set.validators() != expected.as_slice()
                    {
                        tracing::error!(from = %route.origin_name, to = %self.name, epoch = set.epoch(), threshold = set.threshold(), "the route's validator set differs from the program's remote account; the program's is used");
                    }
                }
                Err(e) => {
                    tracing::error!(from = %route.origin_name, to = %self.name, error = %e, "the route does not match the program's remote account");
                }
            }
        }
    }

    /// Fetches attestations from the members of the program's current set until its
    /// threshold; then `pending` -> `ready`. A message whose body is over
    /// [`SOLANA_MAX_BODY_LEN`] goes to `failed` instead.
    pub(super) async fn collect(&self, record: &MessageRecord) -> Result<bool> {
        if let Some(parked) = self.park_oversized(record).await? {
            return Ok(parked);
        }
        let route = self.route(record.origin)?;
        let set = self.set(route, record.origin).await?;
        let digest = self.attestation(route, record, &set).digest();
        let have = self.store.signatures(&record.id, set.epoch()).await?;
        let mut count = have
            .iter()
            .filter(|s| set.contains(&EvmAddress(s.signer)))
            .count();
        for member in set.validators() {
            if count >= set.threshold() {
                break;
            }
            if have.iter().any(|s| s.signer == member.0) {
                continue;
            }
            // Members of a rotated set may be listed as `standby` in the route.
            let Some(endpoint) = route.config.endpoint(member) else {
                continue;
            };
            let url = format!(
                "{}/v1/attestations/0x{}",
                endpoint.url.trim_end_matches('/'),
                hex::encode(record.id)
            );
            let Ok(response) = self.http.get(&url).send().await else {
                continue;
            };
            if !response.status().is_success() {
                continue;
            }
            let Ok(body) = response.json::<AttestationsResponse>().await else {
                tracing::warn!(validator = %member, "malformed attestation response");
                continue;
            };
            for item in body.attestations.iter().filter(|a| a.epoch == set.epoch()) {
                let Ok(bytes) = hex::decode(item.signature.trim_start_matches("0x")) else {
                    continue;
                };
                let Ok(signature) = <[u8; 65]>::try_from(bytes.as_slice()) else {
                    continue;
                };
                match recover_strict(0, &signature, &digest) {
                    Ok(signer) if signer == *member => {
                        self.store
                            .add_signature(&SignatureRecord {
                                message_id: record.id,
                                epoch: set.epoch(),
                                signer: signer.0,
                                signature,
                            })
                            .await?;
                        self.metrics
                            .signatures_collected
                            .get_or_create(&vec![("origin", route.origin_name.clone())])
                            .inc();
                        count += 1;
                    }
                    _ => {
                        self.metrics.failure("collect", "bad_signature");
                        tracing::warn!(validator = %member, id = %hex::encode(record.id), "attestation does not recover to the validator; ignored");
                    }
                }
            }
        }
        if count < set.threshold() {
            return Ok(false);
        }
        self.store
            .transition(
                &record.id,
                MessageState::Pending,
                MessageState::Ready,
                Some(&self.worker),
                None,
            )
            .await
    }

    /// A body over [`SOLANA_MAX_BODY_LEN`] can never land (one `deliver` transaction holds at
    /// most that much), so retrying it would only spend fees and time: `pending` -> `failed`
    /// at once with the reason, never submitted. `None` when the body fits.
    async fn park_oversized(&self, record: &MessageRecord) -> Result<Option<bool>> {
        let len = record.message()?.body.len();
        if len <= SOLANA_MAX_BODY_LEN {
            return Ok(None);
        }
        let reason = format!(
            "body of {len} bytes is over {SOLANA_MAX_BODY_LEN}, the most one Solana deliver \
             transaction holds: it can never be delivered to {}",
            self.name
        );
        self.metrics.failure("collect", "permanent");
        tracing::error!(destination = %self.name, id = %hex::encode(record.id), nonce = record.nonce, origin = record.origin, %reason, "message parked as failed");
        // No attempts left: the store parks it as failed with the reason.
        let parked = self
            .store
            .record_failure(
                &record.id,
                MessageState::Pending,
                &reason,
                Duration::ZERO,
                0,
            )
            .await?;
        Ok(Some(parked == Some(MessageState::Failed)))
    }
}
