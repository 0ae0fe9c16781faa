//! Arbitrary messages on a Solana destination: `deliver` only records them (receipt
//! `received`); the worker then lands `execute_message`, which calls the recipient program
//! signed by the bridge's messenger PDA (receipt `message_executed`).

use trestle_bridge::solana::relay as ix;
use trestle_solana::TransactionRequest;

use super::SolanaDestination;
use crate::error::Result;
use crate::store::MessageRecord;

impl SolanaDestination {
    /// Hands a delivered arbitrary message to its recipient program, with no accounts of the
    /// recipient's own (a recipient that needs some is called by its application, with them),
    /// in a transaction whose compute-unit limit gives the recipient the message's gas limit
    /// (the program refuses less: `InsufficientCompute`).
    ///
    /// A call the node or the program refuses (the recipient fails, or needs accounts) leaves
    /// the message delivered, as a failed recipient call on an EVM destination does: the
    /// receipt stays `received` and anyone may call `execute_message` again; it is logged and
    /// counted. A call that could not be sent or confirmed (RPC error, timeout, expired
    /// blockhash) is an error: the confirm stage is retried with backoff and reads the
    /// receipt again first, so the recipient is never called twice.
    pub(super) async fn execute_message(&self, record: &MessageRecord) -> Result<()> {
        let message = record.message()?;
        let origin_bridge = self.lane.route(record.origin)?.origin_bridge.0;
        let call = ix::execute_message(&self.program, &message, &origin_bridge, &[]);
        let limit = ix::execute_message_compute_limit(&self.program, &message, 0)?;
        let request = TransactionRequest::new(&self.payer, vec![call]).compute_unit_limit(limit);
        match self.land_request(request, "execute_message").await {
            Ok(landed) => {
                tracing::info!(destination = %self.lane.name, tx = %landed.id, id = %hex::encode(record.id), "message handed to its recipient");
                Ok(())
            }
            Err(e) if e.is_retryable() => Err(e),
            Err(e) => {
                self.lane.metrics.failure("execute_message", "permanent");
                tracing::warn!(destination = %self.lane.name, id = %hex::encode(record.id), recipient = %hex::encode(message.recipient.0), error = %e, "the recipient program refused the message; it is delivered and anyone may call execute_message again (with the accounts the recipient needs)");
                Ok(())
            }
        }
    }
}
