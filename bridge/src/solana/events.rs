//! The program's events, as Anchor writes them: `sha256("event:<Name>")[..8]` followed by the
//! Borsh fields.
//!
//! - `MessageSent { id, destination, nonce, message }` (from `send` and the `RefundCancelled`
//!   action) and `GasPaid { id, destination, amount }` (from `send` when it charges a fee, and
//!   `pay_for_gas`) are emitted as **self-CPI events**: an inner instruction to the bridge
//!   program whose data is [`EVENT_IX_TAG`] (little-endian) followed by the event, and whose
//!   only account is the event authority PDA `["__event_authority"]`, signing. The program
//!   refuses that instruction unless the PDA signs, which only the program itself can do, and
//!   inner instructions are kept whole in the transaction's metadata: indexers and validators
//!   read messages ([`message_sent_events`]) and payments ([`cpi_events_in`]) there, never
//!   from logs.
//! - Every event, `MessageSent` included, is also logged as one `Program data:` line (Anchor's
//!   `emit!`); [`decode_event`] reads one such record, for clients that read logs.
//!
//! Both decoders are strict: an unknown discriminator, a wrong length or a `MessageSent` whose
//! fields disagree with its message is an error naming what is wrong.

use trestle_core::evm::keccak256;
use trestle_core::solana::SolanaAddress;
use trestle_core::solana::message::CompiledInstruction;

use super::BridgeProgram;
use super::event_discriminator;
use super::state::ReceiptStatus;
use crate::error::{Error, Result};
use crate::message::Message;

/// Anchor's `EVENT_IX_TAG`: the self-CPI event instruction starts with its 8 bytes,
/// little-endian (`e4 45 a5 2e 51 cb 9a 1d`).
pub const EVENT_IX_TAG: u64 = 0x1d9a_cb51_2ea5_45e4;

/// A message the bridge sent, with the fields of its `MessageSent` event checked against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSent {
    /// `keccak256(message)`.
    pub id: [u8; 32],
    /// The message's destination domain.
    pub destination: u32,
    /// The message's nonce.
    pub nonce: u64,
    /// The message.
    pub message: Message,
}

/// One event of the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `send` or a refund: a message left this chain.
    MessageSent(MessageSent),
    /// `deliver`: a message arrived; what became of it.
    MessageDelivered {
        /// The message id.
        id: [u8; 32],
        /// Its origin domain.
        origin: u32,
        /// Its nonce.
        nonce: u64,
        /// Executed, queued or (arbitrary messages) received.
        status: ReceiptStatus,
    },
    /// `execute_queued`: a queued transfer was paid out.
    TransferExecuted {
        /// The message id.
        id: [u8; 32],
    },
    /// `cancel_queued` or `VoidQueued`: a queued transfer was cancelled.
    TransferCancelled {
        /// The message id.
        id: [u8; 32],
    },
    /// `RefundCancelled`: a cancelled transfer was sent back to its origin.
    TransferRefunded {
        /// The cancelled message's id.
        id: [u8; 32],
        /// The refund message's id.
        refund_id: [u8; 32],
    },
    /// `execute_message`: an arbitrary message was handed to its recipient program.
    MessageExecuted {
        /// The message id.
        id: [u8; 32],
    },
    /// `pause`.
    Paused {
        /// The guardian who paused.
        guardian: SolanaAddress,
    },
    /// `propose`.
    ProposalCreated {
        /// The proposal id.
        id: u64,
        /// When it becomes executable.
        eta: i64,
    },
    /// `execute_proposal`.
    ProposalExecuted {
        /// The proposal id.
        id: u64,
    },
    /// `cancel_proposal`.
    ProposalCancelled {
        /// The proposal id.
        id: u64,
    },
    /// `approve_proposal`: the guardian consented to its replacement.
    ProposalApproved {
        /// The proposal id.
        id: u64,
        /// When it becomes executable now.
        eta: i64,
    },
    /// `send` with a delivery fee, or `pay_for_gas`: lamports paid for delivering message
    /// `id` (relayers add up every `GasPaid` of an id).
    GasPaid {
        /// The message id.
        id: [u8; 32],
        /// Its destination domain (as the payer gave it, for `pay_for_gas`).
        destination: u32,
        /// Lamports paid.
        amount: u64,
    },
    /// `withdraw_fees`: the fee vault paid the fees to the beneficiary.
    FeesWithdrawn {
        /// The fee beneficiary.
        beneficiary: SolanaAddress,
        /// Lamports paid.
        amount: u64,
    },
    /// `clear_fee_oracle`: the guardian removed the fee oracle.
    FeeOracleCleared {
        /// The guardian who removed it.
        guardian: SolanaAddress,
        /// The oracle removed (zero when none was set).
        oracle: SolanaAddress,
    },
}

fn invalid(reason: String) -> Error {
    Error::InvalidAccount {
        account: "event",
        reason,
    }
}

/// A cursor over an event's Borsh fields.
struct Fields<'a> {
    name: &'static str,
    data: &'a [u8],
}

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.data.len() < n {
            return Err(invalid(format!(
                "{} ends {} bytes early",
                self.name,
                n - self.data.len()
            )));
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    fn finish(&self) -> Result<()> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(invalid(format!(
                "{} has {} bytes after its fields",
                self.name,
                self.data.len()
            )))
        }
    }
}

/// Decodes one event (discriminator, then fields; a `Program data:` record of the bridge
/// program, or a self-CPI event instruction's data after [`EVENT_IX_TAG`]).
pub fn decode_event(data: &[u8]) -> Result<Event> {
    let Some((disc, fields)) = data.split_first_chunk::<8>() else {
        return Err(invalid(format!("{} bytes: no discriminator", data.len())));
    };
    let name = EVENT_NAMES
        .iter()
        .copied()
        .find(|name| event_discriminator(name) == *disc)
        .ok_or_else(|| invalid(format!("unknown discriminator {disc:02x?}")))?;
    let mut f = Fields { name, data: fields };
    let event = match name {
        "MessageSent" => {
            let id = f.array()?;
            let destination = f.u32()?;
            let nonce = f.u64()?;
            let len = f.u32()? as usize;
            let bytes = f.take(len)?;
            let message = Message::decode(bytes)?;
            if keccak256(bytes) != id {
                return Err(invalid("MessageSent id is not its message's".to_owned()));
            }
            if message.destination != destination || message.nonce != nonce {
                return Err(invalid(
                    "MessageSent destination or nonce is not its message's".to_owned(),
                ));
            }
            Event::MessageSent(MessageSent {
                id,
                destination,
                nonce,
                message,
            })
        }
        "MessageDelivered" => {
            let id = f.array()?;
            let origin = f.u32()?;
            let nonce = f.u64()?;
            let [byte] = f.array::<1>()?;
            let status = ReceiptStatus::from_u8(byte)
                .ok_or_else(|| invalid(format!("MessageDelivered status {byte}")))?;
            Event::MessageDelivered {
                id,
                origin,
                nonce,
                status,
            }
        }
        "TransferExecuted" => Event::TransferExecuted { id: f.array()? },
        "TransferCancelled" => Event::TransferCancelled { id: f.array()? },
        "TransferRefunded" => Event::TransferRefunded {
            id: f.array()?,
            refund_id: f.array()?,
        },
        "MessageExecuted" => Event::MessageExecuted { id: f.array()? },
        "Paused" => Event::Paused {
            guardian: SolanaAddress(f.array()?),
        },
        "ProposalCreated" => Event::ProposalCreated {
            id: f.u64()?,
            eta: f.i64()?,
        },
        "ProposalExecuted" => Event::ProposalExecuted { id: f.u64()? },
        "ProposalApproved" => Event::ProposalApproved {
            id: f.u64()?,
            eta: f.i64()?,
        },
        "GasPaid" => Event::GasPaid {
            id: f.array()?,
            destination: f.u32()?,
            amount: f.u64()?,
        },
        "FeesWithdrawn" => Event::FeesWithdrawn {
            beneficiary: SolanaAddress(f.array()?),
            amount: f.u64()?,
        },
        "FeeOracleCleared" => Event::FeeOracleCleared {
            guardian: SolanaAddress(f.array()?),
            oracle: SolanaAddress(f.array()?),
        },
        _ => Event::ProposalCancelled { id: f.u64()? },
    };
    f.finish()?;
    Ok(event)
}

/// Every event the program emits.
pub const EVENT_NAMES: [&str; 14] = [
    "MessageSent",
    "MessageDelivered",
    "TransferExecuted",
    "TransferCancelled",
    "TransferRefunded",
    "MessageExecuted",
    "Paused",
    "ProposalCreated",
    "ProposalExecuted",
    "ProposalCancelled",
    "ProposalApproved",
    "GasPaid",
    "FeesWithdrawn",
    "FeeOracleCleared",
];

/// An inner instruction with its program and accounts resolved to addresses (as a reader that
/// has resolved the transaction's lookup tables holds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedInstruction<'a> {
    /// The program it invokes.
    pub program_id: &'a SolanaAddress,
    /// Its accounts.
    pub accounts: &'a [SolanaAddress],
    /// Its data.
    pub data: &'a [u8],
}

/// The self-CPI events `program` emitted in one successful transaction, read from its inner
/// instructions, in order: every inner instruction to the program whose data starts with
/// [`EVENT_IX_TAG`] must be an event the program emits that way (`MessageSent` or `GasPaid`)
/// whose only account is the program's event authority (errors name what is not). Inner
/// instructions of other programs, or of the program without the tag, are skipped. Only inner
/// instructions may be passed, and only those of a successful transaction: its success proves
/// the event authority signed, which only the program itself can make it do.
pub fn cpi_events_in<'a>(
    program: &BridgeProgram,
    inner: impl IntoIterator<Item = ResolvedInstruction<'a>>,
) -> Result<Vec<Event>> {
    let tag = EVENT_IX_TAG.to_le_bytes();
    let authority = program.event_authority();
    let mut out = Vec::new();
    for ix in inner {
        if *ix.program_id != program.id {
            continue;
        }
        let Some(event) = ix.data.strip_prefix(&tag[..]) else {
            continue;
        };
        if ix.accounts != [authority] {
            return Err(invalid(
                "an event instruction's only account is not the event authority".to_owned(),
            ));
        }
        match decode_event(event)? {
            event @ (Event::MessageSent(_) | Event::GasPaid { .. }) => out.push(event),
            other => {
                return Err(invalid(format!(
                    "an event instruction carries {other:?}, not MessageSent or GasPaid"
                )));
            }
        }
    }
    Ok(out)
}

/// The messages `program` sent in one successful transaction: the `MessageSent` events of
/// [`cpi_events_in`] (whose rules and errors apply to every event instruction, the
/// `GasPaid` ones skipped here included).
pub fn message_sent_in<'a>(
    program: &BridgeProgram,
    inner: impl IntoIterator<Item = ResolvedInstruction<'a>>,
) -> Result<Vec<MessageSent>> {
    Ok(cpi_events_in(program, inner)?
        .into_iter()
        .filter_map(|event| match event {
            Event::MessageSent(sent) => Some(sent),
            _ => None,
        })
        .collect())
}

/// [`message_sent_in`] over compiled inner instructions: `account_keys` are the transaction's
/// account keys as inner instructions index them (the static keys, then the addresses loaded
/// from lookup tables, writable then read-only); `inner` are the transaction's inner
/// instructions (all groups, in order).
pub fn message_sent_events<'a>(
    program: &BridgeProgram,
    account_keys: &[SolanaAddress],
    inner: impl IntoIterator<Item = &'a CompiledInstruction>,
) -> Result<Vec<MessageSent>> {
    let key = |index: &u8| {
        account_keys
            .get(usize::from(*index))
            .copied()
            .ok_or_else(|| {
                invalid(format!(
                    "account index {index} beyond the transaction's {} keys",
                    account_keys.len()
                ))
            })
    };
    let resolved = inner
        .into_iter()
        .map(|ix| {
            Ok((
                key(&ix.program_id_index)?,
                ix.accounts.iter().map(key).collect::<Result<Vec<_>>>()?,
                ix.data.as_slice(),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    message_sent_in(
        program,
        resolved
            .iter()
            .map(|(program_id, accounts, data)| ResolvedInstruction {
                program_id,
                accounts,
                data,
            }),
    )
}

#[cfg(test)]
mod tests {
    use trestle_core::chain::UniversalAddress;

    use super::*;
    use crate::body::Body;

    fn message() -> Message {
        Message::new(
            4,
            3,
            UniversalAddress([1; 32]),
            1,
            UniversalAddress([2; 32]),
            Body::message(1, b"payload".to_vec()).encode(),
        )
        .unwrap()
    }

    /// The event bytes of `MessageSent` for `m`, as the program writes them.
    fn sent_bytes(m: &Message) -> Vec<u8> {
        let encoded = m.encode();
        let mut out = event_discriminator("MessageSent").to_vec();
        out.extend_from_slice(&m.id());
        out.extend_from_slice(&m.destination.to_le_bytes());
        out.extend_from_slice(&m.nonce.to_le_bytes());
        out.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
        out.extend_from_slice(&encoded);
        out
    }

    fn event(name: &str, fields: &[u8]) -> Vec<u8> {
        let mut out = event_discriminator(name).to_vec();
        out.extend_from_slice(fields);
        out
    }

    #[test]
    fn decodes_every_event_of_the_program() {
        let m = message();
        assert_eq!(
            decode_event(&sent_bytes(&m)).unwrap(),
            Event::MessageSent(MessageSent {
                id: m.id(),
                destination: 1,
                nonce: 4,
                message: m.clone(),
            })
        );
        let id = [7u8; 32];
        let mut delivered = id.to_vec();
        delivered.extend_from_slice(&3u32.to_le_bytes());
        delivered.extend_from_slice(&9u64.to_le_bytes());
        delivered.push(2);
        assert_eq!(
            decode_event(&event("MessageDelivered", &delivered)).unwrap(),
            Event::MessageDelivered {
                id,
                origin: 3,
                nonce: 9,
                status: ReceiptStatus::Queued
            }
        );
        let mut refunded = id.to_vec();
        refunded.extend_from_slice(&[8; 32]);
        let mut created = 5u64.to_le_bytes().to_vec();
        created.extend_from_slice(&(-1i64).to_le_bytes());
        for (bytes, expected) in [
            (
                event("TransferExecuted", &id),
                Event::TransferExecuted { id },
            ),
            (
                event("TransferCancelled", &id),
                Event::TransferCancelled { id },
            ),
            (
                event("TransferRefunded", &refunded),
                Event::TransferRefunded {
                    id,
                    refund_id: [8; 32],
                },
            ),
            (event("MessageExecuted", &id), Event::MessageExecuted { id }),
            (
                event("Paused", &[9; 32]),
                Event::Paused {
                    guardian: SolanaAddress([9; 32]),
                },
            ),
            (
                event("ProposalCreated", &created),
                Event::ProposalCreated { id: 5, eta: -1 },
            ),
            (
                event("ProposalExecuted", &5u64.to_le_bytes()),
                Event::ProposalExecuted { id: 5 },
            ),
            (
                event("ProposalCancelled", &5u64.to_le_bytes()),
                Event::ProposalCancelled { id: 5 },
            ),
            (
                event("ProposalApproved", &created),
                Event::ProposalApproved { id: 5, eta: -1 },
            ),
            (
                event("FeeOracleCleared", &[[9; 32], [4; 32]].concat()),
                Event::FeeOracleCleared {
                    guardian: SolanaAddress([9; 32]),
                    oracle: SolanaAddress([4; 32]),
                },
            ),
        ] {
            assert_eq!(decode_event(&bytes).unwrap(), expected);
            // Strict: a byte more or less is refused.
            let mut long = bytes.clone();
            long.push(0);
            assert!(decode_event(&long).is_err());
            assert!(decode_event(&bytes[..bytes.len() - 1]).is_err());
        }
        // Unknown discriminator, unknown status.
        assert!(decode_event(&event("Unknown", &id)).is_err());
        let mut bad_status = event("MessageDelivered", &delivered);
        *bad_status.last_mut().unwrap() = 9;
        assert!(decode_event(&bad_status).is_err());
    }

    #[test]
    fn message_sent_must_agree_with_its_message() {
        let m = message();
        let good = sent_bytes(&m);
        let mut wrong_id = good.clone();
        wrong_id[8] ^= 1;
        let mut wrong_nonce = good.clone();
        wrong_nonce[44] ^= 1;
        let mut wrong_destination = good.clone();
        wrong_destination[40] ^= 1;
        let mut bad_message = good.clone();
        bad_message[56] = 9; // version byte of the message
        for bad in [wrong_id, wrong_nonce, wrong_destination, bad_message] {
            assert!(decode_event(&bad).is_err());
        }
    }

    #[test]
    fn reads_message_sent_from_inner_instructions_only() {
        let program = BridgeProgram::new(SolanaAddress([0xbb; 32]));
        let other = SolanaAddress([0xcc; 32]);
        let keys = vec![
            SolanaAddress([1; 32]),
            program.id,
            program.event_authority(),
            other,
        ];
        let m = message();
        let mut data = EVENT_IX_TAG.to_le_bytes().to_vec();
        data.extend_from_slice(&sent_bytes(&m));
        let event_ix = CompiledInstruction {
            program_id_index: 1,
            accounts: vec![2],
            data: data.clone(),
        };
        // Another program's instruction with the same bytes, and a bridge instruction that is
        // not an event, are skipped.
        let foreign = CompiledInstruction {
            program_id_index: 3,
            accounts: vec![2],
            data: data.clone(),
        };
        let plain = CompiledInstruction {
            program_id_index: 1,
            accounts: vec![0],
            data: vec![1, 2, 3],
        };
        let got = message_sent_events(&program, &keys, [&foreign, &event_ix, &plain]).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message, m);
        // A send that charges a fee also emits GasPaid: read by cpi_events_in, skipped (not
        // refused) by message_sent_events.
        let mut paid = EVENT_IX_TAG.to_le_bytes().to_vec();
        let mut fields = m.id().to_vec();
        fields.extend_from_slice(&1u32.to_le_bytes());
        fields.extend_from_slice(&5_000u64.to_le_bytes());
        paid.extend_from_slice(&event("GasPaid", &fields));
        let gas_ix = CompiledInstruction {
            data: paid,
            ..event_ix.clone()
        };
        let got = message_sent_events(&program, &keys, [&event_ix, &gas_ix]).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message, m);
        let resolved = |ix: &CompiledInstruction| {
            (
                keys[usize::from(ix.program_id_index)],
                ix.accounts
                    .iter()
                    .map(|i| keys[usize::from(*i)])
                    .collect::<Vec<_>>(),
                ix.data.clone(),
            )
        };
        let owned: Vec<_> = [&event_ix, &foreign, &gas_ix]
            .into_iter()
            .map(resolved)
            .collect();
        let events = cpi_events_in(
            &program,
            owned
                .iter()
                .map(|(program_id, accounts, data)| ResolvedInstruction {
                    program_id,
                    accounts,
                    data,
                }),
        )
        .unwrap();
        assert_eq!(events.len(), 2, "the foreign program's event is not read");
        assert!(matches!(events[0], Event::MessageSent(_)));
        assert_eq!(
            events[1],
            Event::GasPaid {
                id: m.id(),
                destination: 1,
                amount: 5_000
            }
        );
        // An event instruction with another account: refused.
        let wrong_authority = CompiledInstruction {
            accounts: vec![3],
            ..event_ix.clone()
        };
        assert!(message_sent_events(&program, &keys, [&wrong_authority]).is_err());
        // An index beyond the keys, a non-MessageSent event: refused.
        let beyond = CompiledInstruction {
            program_id_index: 9,
            ..event_ix.clone()
        };
        assert!(message_sent_events(&program, &keys, [&beyond]).is_err());
        let mut paused = EVENT_IX_TAG.to_le_bytes().to_vec();
        paused.extend_from_slice(&event("Paused", &[9; 32]));
        let not_sent = CompiledInstruction {
            data: paused,
            ..event_ix
        };
        assert!(message_sent_events(&program, &keys, [&not_sent]).is_err());
    }
}
