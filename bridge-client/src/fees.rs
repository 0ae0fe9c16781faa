//! Delivery fees from a client's side (docs/protocol.md, "Delivery fees"): what an origin
//! bridge charges for a destination, and the payments (`GasPaid`) a relayer adds up per
//! message.

use trestle_bridge::MessageId;

/// One payment for the delivery of a message: at its send or a top-up (`payForGas`,
/// `pay_for_gas`), in the origin's base units (wei, lamports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GasPayment {
    /// The message paid for.
    pub id: MessageId,
    /// The destination domain the payer named.
    pub destination: u32,
    /// What was paid.
    pub amount: u128,
}
