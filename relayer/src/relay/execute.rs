//! The execute stage: a `queued` message (held by the destination's timelock or rate limit)
//! is executed with `executeQueued` once the call would succeed, and recorded `delivered`, or
//! `cancelled` when the destination's guardian cancelled it.

use std::time::Duration;

use trestle_bridge_client::{DeliveryStatus, EvmBridge};
use trestle_evm::TxRequest;

use super::Destination;
use crate::error::Result;
use crate::store::{MessageRecord, MessageState};

impl Destination {
    pub(super) async fn stage_execute(&self) -> bool {
        let records = self.claim(MessageState::Queued, 8).await;
        let mut moved = false;
        for record in records {
            match self.execute(&record).await {
                Ok(true) => moved = true,
                Ok(false) => {
                    self.defer(&record, MessageState::Queued, self.tick() * 5)
                        .await
                }
                Err(e) => {
                    self.fail(&record, MessageState::Queued, "execute", &e)
                        .await
                }
            }
        }
        moved
    }

    async fn execute(&self, record: &MessageRecord) -> Result<bool> {
        if self.contract.status_of(&record.encoded).await? == DeliveryStatus::Queued {
            let data = EvmBridge::execute_queued_call(&record.encoded);
            // Not executable yet (timelock pending, bucket empty): the call reverts; wait.
            if self
                .contract
                .chain()
                .call(self.contract.address(), &data)
                .await
                .is_err()
            {
                return Ok(false);
            }
            let (pending, _receipt) = self
                .sender
                .send_and_wait(
                    TxRequest::call(self.contract.address(), data),
                    Duration::from_secs(120),
                )
                .await?;
            tracing::info!(destination = %self.name, tx = %pending.id(), id = %hex::encode(record.id), "queued transfer executed");
        }
        match self.contract.status_of(&record.encoded).await? {
            DeliveryStatus::Queued => Ok(false),
            DeliveryStatus::Cancelled => {
                // The guardian cancelled it: it will never execute; stop trying.
                let moved = self
                    .store
                    .transition(
                        &record.id,
                        MessageState::Queued,
                        MessageState::Cancelled,
                        Some(&self.worker),
                        None,
                    )
                    .await?;
                if moved {
                    tracing::warn!(destination = %self.name, id = %hex::encode(record.id), "queued transfer cancelled by the destination's guardian");
                }
                Ok(moved)
            }
            _ => {
                let moved = self
                    .store
                    .transition(
                        &record.id,
                        MessageState::Queued,
                        MessageState::Delivered,
                        Some(&self.worker),
                        None,
                    )
                    .await?;
                if moved {
                    self.delivered(record);
                }
                Ok(moved)
            }
        }
    }
}
