//! What a destination bridge recorded for a message, in one vocabulary for the EVM bridge
//! (`statusOf`, `MessageDelivered`) and the Solana program (its receipt account).

use std::fmt;

/// A destination bridge's record of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Never delivered.
    None,
    /// Executed: tokens released or minted, or the recipient's call succeeded.
    Executed,
    /// Held behind the token's timelock or the inbound rate limit.
    Queued,
    /// Delivered, but the recipient's call failed (anyone may retry it on chain).
    RecipientFailed,
    /// Cancelled by the guardian while queued (never executed).
    Cancelled,
    /// Recorded, waiting for its recipient to be called (a Solana message before
    /// `execute_message`).
    Received,
}

impl DeliveryStatus {
    /// The EVM bridge's `Status` enum value (`statusOf`, `records`, `MessageDelivered`);
    /// `None` for a value the bridge does not define.
    pub fn from_evm(value: u8) -> Option<Self> {
        Some(match value {
            0 => DeliveryStatus::None,
            1 => DeliveryStatus::Executed,
            2 => DeliveryStatus::Queued,
            3 => DeliveryStatus::RecipientFailed,
            4 => DeliveryStatus::Cancelled,
            _ => return None,
        })
    }

    /// Whether the bridge holds the message (any status but `None`): it will not be
    /// delivered again.
    pub fn is_delivered(self) -> bool {
        self != DeliveryStatus::None
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeliveryStatus::None => "not delivered",
            DeliveryStatus::Executed => "executed",
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::RecipientFailed => "delivered, recipient call failed",
            DeliveryStatus::Cancelled => "cancelled",
            DeliveryStatus::Received => "received",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evm_status_values_are_the_bridges_enum() {
        let all = [
            DeliveryStatus::None,
            DeliveryStatus::Executed,
            DeliveryStatus::Queued,
            DeliveryStatus::RecipientFailed,
            DeliveryStatus::Cancelled,
        ];
        for (value, status) in all.into_iter().enumerate() {
            assert_eq!(
                DeliveryStatus::from_evm(u8::try_from(value).unwrap()),
                Some(status)
            );
        }
        assert_eq!(DeliveryStatus::from_evm(5), None);
        assert!(!DeliveryStatus::None.is_delivered());
        assert!(DeliveryStatus::Cancelled.is_delivered());
    }
}
