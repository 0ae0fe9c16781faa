//! [`SOLANA_MAX_BODY_LEN`] is the largest body whose `deliver` fits one Solana transaction:
//! measured with the relayer's own instruction builder, in a signed legacy transaction with the
//! two compute-budget instructions landing adds, against the 1,232-byte packet limit.

use trestle_bridge::message::SOLANA_MAX_BODY_LEN;
use trestle_bridge::solana::BridgeProgram;
use trestle_bridge::solana::relay::{Signatures, deliver};
use trestle_bridge::{Body, Message};
use trestle_core::chain::UniversalAddress;
use trestle_core::solana::instruction::{set_compute_unit_limit, set_compute_unit_price};
use trestle_core::solana::{Message as LegacyMessage, SolanaAddress, SolanaSigner, Transaction};

/// The largest serialized transaction Solana accepts.
const PACKET_DATA_SIZE: usize = 1232;

/// Bytes of a signed `deliver` transaction of an arbitrary message with a `body_len`-byte body,
/// or `None` when it is over the packet limit (the serializer refuses it).
fn deliver_tx_size(
    body_len: usize,
    signatures: &Signatures,
    compute_budget: bool,
) -> Option<usize> {
    let program = BridgeProgram::new(SolanaAddress::new([7; 32]));
    let payer = SolanaSigner::from_secret_key(&[9; 32]);
    let body = Body::message(1, vec![0xcc; body_len - 9]).encode();
    let message = Message::new(
        u64::MAX,
        0x0102_0304,
        UniversalAddress([0xaa; 32]),
        0x0506_0708,
        UniversalAddress([0xbb; 32]),
        body,
    )
    .unwrap();
    let mut instructions = Vec::new();
    if compute_budget {
        instructions.push(set_compute_unit_limit(1_400_000));
        instructions.push(set_compute_unit_price(u64::MAX));
    }
    instructions.push(
        deliver(
            &program,
            &payer.pubkey(),
            &message,
            &[0xb1; 32],
            signatures,
            None,
        )
        .unwrap(),
    );
    let compiled =
        LegacyMessage::try_compile(&instructions, Some(&payer.pubkey()), [1; 32]).unwrap();
    let mut tx = Transaction::new_unsigned(compiled);
    tx.sign(&[&payer]).unwrap();
    match tx.serialize() {
        Ok(bytes) => Some(bytes.len()),
        Err(e) => {
            assert!(e.to_string().contains("1232"), "{e}");
            None
        }
    }
}

#[test]
fn solana_body_cap_is_what_one_transaction_holds() {
    let one_signature = Signatures::Inline(vec![0x11; 65]);
    let cap = SOLANA_MAX_BODY_LEN;
    assert_eq!(
        deliver_tx_size(cap, &one_signature, true),
        Some(PACKET_DATA_SIZE)
    );
    assert_eq!(deliver_tx_size(cap + 1, &one_signature, true), None);
    // A staged set of any size: the signatures leave the transaction, one account joins it.
    let staged = Signatures::Staged { epoch: 1 };
    assert_eq!(
        deliver_tx_size(cap, &staged, true),
        Some(PACKET_DATA_SIZE - 33)
    );
    assert_eq!(
        deliver_tx_size(cap + 33, &staged, true),
        Some(PACKET_DATA_SIZE)
    );
    // Without compute-budget instructions there would be 52 bytes more (not what relayers send).
    assert_eq!(
        deliver_tx_size(cap + 52, &one_signature, false),
        Some(PACKET_DATA_SIZE)
    );
    // Every extra inline signature costs 65 bytes: 4-of-5 inline fits 195 bytes less.
    let four = Signatures::Inline(vec![0x11; 4 * 65]);
    assert_eq!(
        deliver_tx_size(cap - 195, &four, true),
        Some(PACKET_DATA_SIZE)
    );
}
