//! The execute stage on an EVM destination: a `queued` message (held by the destination's
//! timelock or rate limit) is executed with `executeQueued` once the call would succeed. The
//! stage itself, and what it records, is every destination's ([`destination::execute`]); this
//! is the EVM bridge's part of it.

use std::time::Duration;

use trestle_bridge_client::{DeliveryStatus, EvmBridge};
use trestle_evm::TxRequest;

use super::Destination;
use super::destination::{self, DestinationBridge};
use crate::error::Result;
use crate::store::{MessageRecord, MessageState};

impl Destination {
    pub(super) async fn stage_execute(&self) -> bool {
        let records = self.claim(MessageState::Queued, 8).await;
        let mut moved = false;
        for record in records {
            match destination::execute(self, &self.ledger(), &record).await {
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
}

impl DestinationBridge for Destination {
    async fn status(&self, record: &MessageRecord) -> Result<DeliveryStatus> {
        Ok(self.contract.status_of(&record.encoded).await?)
    }

    async fn execute_queued(&self, record: &MessageRecord) -> Result<bool> {
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
        Ok(true)
    }
}
