//! A route's delivery-fee policy (`[routes.fees]`, relayer only: validators sign whatever was
//! sent): whether this relayer delivers a message only when what was paid for it on the
//! origin covers the origin's current quote (docs/protocol.md, "Delivery fees"), and the
//! senders and recipients it always or never delivers for.
//!
//! ```toml
//! [routes.fees]
//! policy = "paid"            # or "none": deliver whatever was paid
//! tolerance_percent = 10     # deliver at 90% of the quote (prices move between send and relay)
//! min_paid = "0.0005"        # and never for less (origin's native token): this relayer's floor
//! allow_senders = ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]   # delivered unpaid
//! deny_recipients = ["4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"] # never delivered
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;
use trestle_core::solana::SolanaAddress;

/// Whether a route's deliveries must be paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentPolicy {
    /// Deliver a message only when what was paid covers the origin's quote for it now (less
    /// the tolerance); otherwise it waits `underpaid` for a top-up.
    #[default]
    Paid,
    /// Deliver every message, paid or not.
    None,
}

/// The delivery-fee policy of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeePolicy {
    /// `paid` (default) or `none`.
    #[serde(default)]
    pub policy: PaymentPolicy,
    /// How far below the current quote a payment may be and still be delivered, in percent
    /// (0..=100; default 10): prices may rise between the send and the delivery.
    #[serde(default = "default_tolerance")]
    pub tolerance_percent: u8,
    /// The least this relayer delivers a paid message for, in the origin's native token
    /// (`"0.0005"` ether or SOL), whatever the origin quotes: a floor under an origin's fee
    /// oracle (one that lags, or a stolen oracle key halving prices every minute). Default
    /// none.
    #[serde(default)]
    pub min_paid: Option<String>,
    /// Senders whose messages are delivered whatever was paid.
    #[serde(default)]
    pub allow_senders: Vec<Account>,
    /// Recipients whose messages are delivered whatever was paid.
    #[serde(default)]
    pub allow_recipients: Vec<Account>,
    /// Senders whose messages this relayer never delivers (they are `skipped`).
    #[serde(default)]
    pub deny_senders: Vec<Account>,
    /// Recipients this relayer never delivers to (their messages are `skipped`).
    #[serde(default)]
    pub deny_recipients: Vec<Account>,
}

fn default_tolerance() -> u8 {
    10
}

impl Default for FeePolicy {
    fn default() -> Self {
        Self {
            policy: PaymentPolicy::default(),
            tolerance_percent: default_tolerance(),
            min_paid: None,
            allow_senders: Vec::new(),
            allow_recipients: Vec::new(),
            deny_senders: Vec::new(),
            deny_recipients: Vec::new(),
        }
    }
}

/// An account on either chain kind, as a message names senders and recipients (32 bytes):
/// written as an EVM address (`0x` and 40 hex digits, left-padded), 32 bytes of hex (`0x` and
/// 64 digits), or a Solana address (base58).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Account(pub UniversalAddress);

impl Account {
    /// Parses one of the three forms; the error says what each would need.
    pub fn parse(text: &str) -> Result<Self, String> {
        let hex_digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"));
        match hex_digits.map(str::len) {
            Some(40) => EvmAddress::parse(text)
                .map(|a| Account(UniversalAddress::from_evm(a.0)))
                .map_err(|e| e.to_string()),
            Some(64) => {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(&text[2..], &mut bytes)
                    .map_err(|e| format!("`{text}` is not 32 bytes of hex: {e}"))?;
                Ok(Account(UniversalAddress(bytes)))
            }
            Some(n) => Err(format!(
                "`{text}` has {n} hex digits: an EVM address has 40, a 32-byte account 64"
            )),
            None => SolanaAddress::parse(text)
                .map(|a| Account(UniversalAddress(a.0)))
                .map_err(|e| e.to_string()),
        }
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0.0))
    }
}

impl Serialize for Account {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Account::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// What a route's fee policy says of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Deliver it.
    Deliver,
    /// Hold it until more is paid (the reason names what was paid and what is needed).
    Underpaid(String),
    /// Never deliver it (the reason names the list).
    Denied(String),
}

impl FeePolicy {
    /// Whether this policy needs the origin's quote to decide about a message from `sender`
    /// to `recipient` on a route whose origin bridge is `origin_bridge` (it does unless a list
    /// decides, the message is a refund, or nothing needs paying).
    pub fn needs_quote(
        &self,
        origin_bridge: &UniversalAddress,
        sender: &UniversalAddress,
        recipient: &UniversalAddress,
    ) -> bool {
        self.listed(origin_bridge, sender, recipient).is_none()
            && self.policy == PaymentPolicy::Paid
    }

    fn listed(
        &self,
        origin_bridge: &UniversalAddress,
        sender: &UniversalAddress,
        recipient: &UniversalAddress,
    ) -> Option<Verdict> {
        // A refund of a cancelled transfer is sent by the origin bridge itself, which pays no
        // fee: it returns a user's funds and is always delivered.
        if sender == origin_bridge {
            return Some(Verdict::Deliver);
        }
        let has = |list: &[Account], a: &UniversalAddress| list.iter().any(|x| x.0 == *a);
        if has(&self.deny_senders, sender) {
            return Some(Verdict::Denied(format!(
                "sender {} is on this relayer's deny list",
                Account(*sender)
            )));
        }
        if has(&self.deny_recipients, recipient) {
            return Some(Verdict::Denied(format!(
                "recipient {} is on this relayer's deny list",
                Account(*recipient)
            )));
        }
        (has(&self.allow_senders, sender) || has(&self.allow_recipients, recipient))
            .then_some(Verdict::Deliver)
    }

    /// The verdict on a message from `sender` to `recipient` on a route whose origin bridge
    /// is `origin_bridge`, for which `paid` was paid (origin base units) and whose quote is
    /// `quote` now (`None` when the policy does not need it): a refund (sent by the origin
    /// bridge) is delivered; then deny lists, allow lists, and the payment against the quote
    /// less the tolerance (rounded up), and at least `floor` (`min_paid` in base units).
    pub fn verdict(
        &self,
        origin_bridge: &UniversalAddress,
        sender: &UniversalAddress,
        recipient: &UniversalAddress,
        paid: u128,
        quote: Option<u128>,
        floor: u128,
    ) -> Verdict {
        if let Some(v) = self.listed(origin_bridge, sender, recipient) {
            return v;
        }
        let (PaymentPolicy::Paid, Some(quote)) = (self.policy, quote) else {
            return Verdict::Deliver;
        };
        let needed = self.needed(quote).max(floor);
        if paid >= needed {
            Verdict::Deliver
        } else {
            let floor = if floor > 0 {
                format!(", and never less than {floor}")
            } else {
                String::new()
            };
            Verdict::Underpaid(format!(
                "paid {paid}, needs {needed} (the origin quotes {quote} now; this relayer delivers at {}% of it{floor}): top it up with payForGas / pay_for_gas",
                100 - self.tolerance_percent.min(100)
            ))
        }
    }

    /// `quote` less the tolerance, rounded up: `ceil(quote * (100 - tolerance) / 100)`.
    pub fn needed(&self, quote: u128) -> u128 {
        let keep = u128::from(100 - self.tolerance_percent.min(100));
        // quote = 100q + r: ceil((100q + r) * keep / 100) = q * keep + ceil(r * keep / 100).
        (quote / 100) * keep + ((quote % 100) * keep).div_ceil(100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evm(b: u8) -> UniversalAddress {
        UniversalAddress::from_evm([b; 20])
    }

    #[test]
    fn accounts_parse_in_three_forms_and_say_why_not() {
        let a = Account::parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8").unwrap();
        assert_eq!(a.0.0[..12], [0; 12]);
        let padded = format!("0x{}", hex::encode(a.0.0));
        assert_eq!(Account::parse(&padded).unwrap(), a);
        let sol = Account::parse("4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T").unwrap();
        assert_ne!(sol.0.0[..12], [0; 12]);
        assert!(
            Account::parse("0x1234")
                .unwrap_err()
                .contains("4 hex digits")
        );
        assert!(Account::parse("not an address!").is_err());
        // A wrong EIP-55 checksum is refused, as everywhere else.
        assert!(Account::parse("0x70997970c51812dc3a010c7d01b50e0d17dc79C8").is_err());
    }

    #[test]
    fn refunds_go_then_deny_wins_then_allow_then_the_payment_against_the_quote() {
        let bridge = evm(0xb1);
        let mut p = FeePolicy {
            allow_senders: vec![Account(evm(1))],
            deny_recipients: vec![Account(evm(9))],
            ..FeePolicy::default()
        };
        assert!(matches!(
            p.verdict(&bridge, &evm(1), &evm(9), 0, None, 0),
            Verdict::Denied(_)
        ));
        assert_eq!(
            p.verdict(&bridge, &evm(1), &evm(2), 0, None, 0),
            Verdict::Deliver
        );
        assert!(!p.needs_quote(&bridge, &evm(1), &evm(2)));
        assert!(p.needs_quote(&bridge, &evm(3), &evm(2)));
        // 10% tolerance: 90 of 100 is enough, 89 is not.
        assert_eq!(
            p.verdict(&bridge, &evm(3), &evm(2), 90, Some(100), 0),
            Verdict::Deliver
        );
        let Verdict::Underpaid(why) = p.verdict(&bridge, &evm(3), &evm(2), 89, Some(100), 0) else {
            panic!("89 of 100 is underpaid");
        };
        assert!(why.contains("paid 89, needs 90"), "{why}");
        // A refund, sent by the origin bridge itself, pays nothing and is delivered, whatever
        // the lists say (regression: it waited underpaid forever).
        p.deny_senders.push(Account(bridge));
        assert_eq!(
            p.verdict(&bridge, &bridge, &evm(2), 0, Some(100), 0),
            Verdict::Deliver
        );
        assert!(!p.needs_quote(&bridge, &bridge, &evm(2)));
        // This relayer's floor: 95 is below it, whatever the origin quotes.
        let Verdict::Underpaid(why) = p.verdict(&bridge, &evm(3), &evm(2), 95, Some(100), 96)
        else {
            panic!("95 is under the floor of 96");
        };
        assert!(
            why.contains("needs 96") && why.contains("never less than 96"),
            "{why}"
        );
        assert_eq!(
            p.verdict(&bridge, &evm(3), &evm(2), 96, Some(10), 96),
            Verdict::Deliver
        );
        p.policy = PaymentPolicy::None;
        assert_eq!(
            p.verdict(&bridge, &evm(3), &evm(2), 0, Some(100), 0),
            Verdict::Deliver
        );
    }

    #[test]
    fn the_tolerance_rounds_against_the_payer_without_overflow() {
        let p = FeePolicy {
            tolerance_percent: 10,
            ..FeePolicy::default()
        };
        assert_eq!(p.needed(0), 0);
        assert_eq!(p.needed(1), 1);
        assert_eq!(p.needed(101), 91); // 90.9 -> 91
        // ceil((2^128 - 1) * 0.9), computed without overflowing.
        assert_eq!(
            p.needed(u128::MAX),
            306_254_130_228_844_617_117_037_146_688_591_390_310
        );
        let exact = FeePolicy {
            tolerance_percent: 0,
            ..FeePolicy::default()
        };
        assert_eq!(exact.needed(u128::MAX), u128::MAX);
    }
}
