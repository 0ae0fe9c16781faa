//! The EVM bridge as every destination's shared code reads and calls it
//! ([`DestinationBridge`]): the set it holds, the status of a message, the relayer's balance,
//! and `executeQueued` for a `queued` message (held by the destination's timelock or rate
//! limit) once the call would succeed. The execute stage itself, and what it records, is
//! every destination's ([`super::destination::execute`]).

use std::time::Duration;

use trestle_bridge::ValidatorSet;
use trestle_bridge_client::{DeliveryStatus, EvmBridge};
use trestle_core::chain::{Chain, UniversalAddress};
use trestle_evm::{LandingPolicy, TxRequest};

use super::EvmDestination;
use super::destination::DestinationBridge;
use crate::error::Result;
use crate::store::MessageRecord;

impl DestinationBridge for EvmDestination {
    async fn validator_set(
        &self,
        origin: u32,
        origin_bridge: &UniversalAddress,
    ) -> Result<ValidatorSet> {
        Ok(self.contract.validator_set(origin, origin_bridge).await?)
    }

    async fn balance(&self) -> Result<(u128, u32)> {
        let account = UniversalAddress::from_evm(self.sender.address().0);
        let wei = self.contract.chain().native_balance(&account).await?;
        Ok((u128::try_from(wei).unwrap_or(u128::MAX), 18))
    }

    async fn status(&self, record: &MessageRecord) -> Result<DeliveryStatus> {
        Ok(self.contract.status_of(&record.encoded).await?)
    }

    async fn paused(&self) -> Result<bool> {
        Ok(self.contract.paused().await?)
    }

    async fn unstick(&self) {
        EvmDestination::unstick(self).await;
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
        // Replaced with a fee bump while it waits, like a delivery; past the wait, the
        // unsticker follows it (it is in the send journal).
        let policy = LandingPolicy {
            stuck_after: Duration::from_millis(self.lane.settings.replace_after_ms),
            timeout: Duration::from_secs(120),
        };
        let (pending, _receipt) = self
            .sender
            .land(TxRequest::call(self.contract.address(), data), policy)
            .await?;
        tracing::info!(destination = %self.lane.name, tx = %pending.id(), id = %hex::encode(record.id), "queued transfer executed");
        Ok(true)
    }
}
