//! The execute stage on an EVM destination: a `queued` message (held by the destination's
//! timelock or rate limit) is executed with `executeQueued` once the call would succeed. The
//! stage itself, and what it records, is every destination's ([`destination::execute`]); this
//! is the EVM bridge's part of it.

use std::time::Duration;

use trestle_bridge_client::{DeliveryStatus, EvmBridge};
use trestle_core::chain::{Chain, UniversalAddress};
use trestle_evm::TxRequest;

use super::Destination;
use super::destination::{self, DestinationBridge};
use crate::error::Result;
use crate::remote_set::DestinationSet;
use crate::store::{MessageRecord, MessageState};

impl Destination {
    pub(super) async fn stage_execute(&self) -> bool {
        let records = self.lane.claim(MessageState::Queued, 8).await;
        let mut moved = false;
        for record in records {
            match destination::execute(self, &self.lane.ledger(), &record).await {
                Ok(true) => moved = true,
                Ok(false) => {
                    self.lane
                        .defer(&record, MessageState::Queued, self.lane.tick() * 5)
                        .await
                }
                Err(e) => {
                    self.lane
                        .fail(&record, MessageState::Queued, "execute", &e)
                        .await
                }
            }
        }
        moved
    }
}

impl DestinationBridge for Destination {
    fn destination_set(&self) -> DestinationSet {
        DestinationSet::Evm(self.contract.clone())
    }

    async fn balance(&self) -> Result<(u128, u32)> {
        let account = UniversalAddress::from_evm(self.sender.address().0);
        let wei = self.contract.chain().native_balance(&account).await?;
        Ok((u128::try_from(wei).unwrap_or(u128::MAX), 18))
    }

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
        tracing::info!(destination = %self.lane.name, tx = %pending.id(), id = %hex::encode(record.id), "queued transfer executed");
        Ok(true)
    }
}
