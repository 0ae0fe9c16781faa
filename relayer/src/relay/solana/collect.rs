//! The `pending` stage of the Solana destination worker: the collect pass every destination
//! shares (attestations up to the threshold of the set the program holds). A message whose
//! body no `deliver` transaction can hold is parked as `failed` here, at once.

use std::time::Duration;

use trestle_bridge::message::SOLANA_MAX_BODY_LEN;

use super::SolanaDestination;
use crate::error::Result;
use crate::store::{MessageRecord, MessageState};

impl SolanaDestination {
    /// Collects the attestations of claimed `pending` messages in one pass, as the EVM
    /// destination does ([`crate::relay::collect::Collect`]: one batched request per validator, the sets the
    /// routes hold); a message whose body no `deliver` can hold is parked as `failed` first.
    /// Returns whether any message moved on.
    pub(super) async fn collect_deliverable(&self, records: Vec<MessageRecord>) -> bool {
        let mut fit = Vec::with_capacity(records.len());
        let mut moved = false;
        for record in records {
            match self.park_oversized(&record).await {
                Ok(None) => fit.push(record),
                Ok(Some(parked)) => moved |= parked,
                Err(e) => {
                    self.lane
                        .fail(&record, MessageState::Pending, "collect", &e)
                        .await;
                }
            }
        }
        moved | self.lane.collect(fit).await
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
            self.lane.name
        );
        self.lane.metrics.failure("collect", "permanent");
        tracing::error!(destination = %self.lane.name, id = %hex::encode(record.id), nonce = record.nonce, origin = record.origin, %reason, "message parked as failed");
        // No attempts left: the store parks it as failed with the reason.
        let parked = self
            .lane
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
