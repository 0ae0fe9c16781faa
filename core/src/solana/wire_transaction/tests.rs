use proptest::prelude::*;

use super::*;
use crate::solana::instruction::system_transfer;
use crate::solana::message::{
    AddressLookupTableAccount, CompiledInstruction, Message, MessageAddressTableLookup, V0Message,
};
use crate::solana::transaction::Transaction;
use crate::solana::{AccountMeta, Instruction};

fn wallet() -> SolanaSigner {
    SolanaSigner::from_secret_key(&[7; 32])
}

fn dapp() -> SolanaSigner {
    SolanaSigner::from_secret_key(&[8; 32])
}

/// A legacy transfer from the wallet, fee paid by the dApp, signed by the dApp only.
fn legacy_cosigned() -> Vec<u8> {
    let ix = system_transfer(&wallet().pubkey(), &dapp().pubkey(), 1_000);
    let message = Message::try_compile(&[ix], Some(&dapp().pubkey()), [1; 32]).unwrap();
    let mut tx = Transaction::new_unsigned(message);
    tx.partial_sign(&[&dapp()]).unwrap();
    tx.serialize().unwrap()
}

/// A v0 transaction paid by the wallet, loading two accounts from a lookup table, unsigned.
fn v0_with_table() -> Vec<u8> {
    let table_entries: Vec<SolanaAddress> = (1..=4).map(|i| SolanaAddress([i; 32])).collect();
    let table = AddressLookupTableAccount {
        key: SolanaAddress([99; 32]),
        addresses: table_entries.clone(),
    };
    let ix = Instruction {
        program_id: SolanaAddress([50; 32]),
        accounts: vec![
            AccountMeta::new(wallet().pubkey(), true),
            AccountMeta::new(table_entries[1], false),
            AccountMeta::new_readonly(table_entries[2], false),
        ],
        data: vec![1, 2, 3],
    };
    let message = V0Message::try_compile(&wallet().pubkey(), &[ix], &[table], [2; 32]).unwrap();
    assert_eq!(message.address_table_lookups.len(), 1);
    Transaction::new_unsigned(message).serialize().unwrap()
}

fn err_text(bytes: &[u8]) -> String {
    WireTransaction::parse(bytes).unwrap_err().to_string()
}

#[test]
fn cosigns_a_legacy_transaction_in_its_slot() {
    let input = legacy_cosigned();
    let mut wire = WireTransaction::parse(&input).unwrap();
    assert_eq!(wire.version(), MessageVersion::Legacy);
    assert_eq!(wire.fee_payer(), Some(&dapp().pubkey()));
    assert_eq!(
        wire.signature_slots(),
        vec![(dapp().pubkey(), true), (wallet().pubkey(), false)]
    );
    let signed = wire.sign(&wallet()).unwrap();
    assert_eq!(signed.index, 1);
    assert!(!signed.fee_payer);
    assert!(signed.writable);
    let out = wire.as_bytes();
    assert_eq!(out.len(), input.len());
    // The count, the dApp's signature and the message are the input's bytes.
    assert_eq!(out[..65], input[..65]);
    assert_eq!(out[129..], input[129..]);
    assert_eq!(out[65..129], signed.signature);
    SolanaSigner::verify(&wallet().pubkey(), &input[129..], &signed.signature).unwrap();
    Transaction::deserialize(out).unwrap().verify().unwrap();
}

#[test]
fn signs_a_v0_transaction_as_fee_payer() {
    let input = v0_with_table();
    let wire = WireTransaction::from_base64(&STANDARD.encode(&input)).unwrap();
    assert_eq!(wire.version(), MessageVersion::V0);
    assert_eq!(wire.message_bytes()[0], 0x80);
    let mut wire = wire;
    let signed = wire.sign(&wallet()).unwrap();
    assert_eq!(signed.index, 0);
    assert!(signed.fee_payer);
    assert_eq!(wire.message_bytes(), &input[65..]);
    assert_eq!(wire.signatures(), vec![signed.signature]);
    Transaction::from_base64(&wire.to_base64())
        .unwrap()
        .verify()
        .unwrap();
    // Signing twice gives the same bytes (ed25519 is deterministic).
    let again = wire.as_bytes().to_vec();
    wire.sign(&wallet()).unwrap();
    assert_eq!(wire.as_bytes(), again);
}

#[test]
fn refuses_a_signer_the_message_does_not_require_naming_it() {
    let input = legacy_cosigned();
    let mut wire = WireTransaction::parse(&input).unwrap();
    let stranger = SolanaSigner::from_secret_key(&[9; 32]);
    let err = wire.sign(&stranger).unwrap_err().to_string();
    assert!(err.contains(&stranger.pubkey().to_string()), "{err}");
    assert!(err.contains("is not a required signer"), "{err}");
    assert!(err.contains(&dapp().pubkey().to_string()), "{err}");
    assert_eq!(wire.as_bytes(), input, "nothing changed");

    // An account of the message that does not sign (the recipient of a transfer).
    let recipient = SolanaSigner::from_secret_key(&[10; 32]);
    let ix = system_transfer(&wallet().pubkey(), &recipient.pubkey(), 5);
    let message = Message::try_compile(&[ix], Some(&wallet().pubkey()), [1; 32]).unwrap();
    let bytes = Transaction::new_unsigned(message).serialize().unwrap();
    let err = WireTransaction::parse(&bytes)
        .unwrap()
        .sign(&recipient)
        .unwrap_err()
        .to_string();
    assert!(err.contains(&recipient.pubkey().to_string()), "{err}");
    assert!(
        err.contains("is an account of this transaction but not one of its 1 required signers"),
        "{err}"
    );
}

#[test]
fn refuses_malformed_wire_bytes_saying_what_is_wrong() {
    let input = legacy_cosigned();
    assert!(err_text(&[]).contains("the transaction is empty"));
    // Cut inside the signatures, inside the message.
    let e = err_text(&input[..100]);
    assert!(e.contains("truncated") && e.contains("signatures"), "{e}");
    let e = err_text(&input[..input.len() - 1]);
    assert!(e.contains("truncated"), "{e}");
    // Trailing bytes.
    let mut long = input.clone();
    long.push(0);
    let e = err_text(&long);
    assert!(e.contains("1 trailing bytes after the message"), "{e}");
    // One signature fewer than the header requires (count 1, one slot dropped).
    let mut fewer = vec![1];
    fewer.extend_from_slice(&input[1..65]);
    fewer.extend_from_slice(&input[129..]);
    let e = err_text(&fewer);
    assert!(
        e.contains("has 1 signatures but its message requires 2"),
        "{e}"
    );
    // One more.
    let mut more = vec![3];
    more.extend_from_slice(&input[1..129]);
    more.extend_from_slice(&[0; 64]);
    more.extend_from_slice(&input[129..]);
    let e = err_text(&more);
    assert!(
        e.contains("has 3 signatures but its message requires 2"),
        "{e}"
    );
    // A message version after v0.
    let mut v1 = v0_with_table();
    v1[65] = 0x81;
    let e = err_text(&v1);
    assert!(
        e.contains("message version 1 is not supported (only legacy and v0)"),
        "{e}"
    );
    // A non-canonical signature count.
    let mut noncanonical = vec![0x82, 0x00];
    noncanonical.extend_from_slice(&input[1..]);
    let e = err_text(&noncanonical);
    assert!(e.contains("non-canonical"), "{e}");
}

#[test]
fn refuses_oversized_input() {
    let e = err_text(&[0; PACKET_DATA_SIZE + 1]);
    assert!(
        e.contains("the transaction is 1233 bytes; at most 1232 fit a packet"),
        "{e}"
    );
    let text = "A".repeat(MAX_BASE64_LEN + 4);
    let e = WireTransaction::from_base64(&text).unwrap_err().to_string();
    assert!(e.contains("characters"), "{e}");
    let e = WireTransaction::from_base64("not base64!")
        .unwrap_err()
        .to_string();
    assert!(e.contains("not base64"), "{e}");
}

#[test]
fn refuses_a_message_the_runtime_refuses() {
    // A read-only fee payer: num_readonly_signed_accounts == num_required_signatures.
    let mut tx = v0_with_table();
    tx[65 + 2] = 1;
    let e = err_text(&tx);
    assert!(e.contains("fee payer must be a writable signer"), "{e}");
}

#[test]
fn sign_all_is_all_or_nothing() {
    let a = legacy_cosigned();
    let b = v0_with_table();
    let signed = sign_all(&[&a, &b], &wallet()).unwrap();
    assert_eq!(signed.len(), 2);
    assert_eq!(signed[0].1.index, 1);
    assert_eq!(signed[1].1.index, 0);
    for (wire, _) in &signed {
        Transaction::deserialize(wire.as_bytes())
            .unwrap()
            .verify()
            .unwrap();
    }

    // The dApp key is not a signer of the second: nothing is signed, the error says which.
    let err = sign_all(&[&a, &b], &dapp()).unwrap_err().to_string();
    assert!(err.contains("(transaction 2 of 2)"), "{err}");
    assert!(err.contains(&dapp().pubkey().to_string()), "{err}");
    let err = sign_all(&[&a, &b[..10]], &wallet())
        .unwrap_err()
        .to_string();
    assert!(err.contains("transaction 2 of 2: truncated"), "{err}");
    let err = sign_all(&[], &wallet()).unwrap_err().to_string();
    assert!(err.contains("no transactions"), "{err}");
}

/// A random valid message: `n` static keys with the wallet's key in a random signer slot,
/// random instructions over them and, for v0, random lookups.
fn random_message(
    signer: &SolanaAddress,
    seed: &[u8],
    required: u8,
    readonly_signed: u8,
    slot: u8,
    v0: bool,
) -> VersionedMessage {
    let extra = 2 + seed.len() % 5;
    let n = usize::from(required) + extra;
    let mut keys: Vec<SolanaAddress> = (0..n)
        .map(|i| {
            let mut k = [0u8; 32];
            k[0] = i as u8 + 1;
            k[1..9].copy_from_slice(&seed[..8]);
            SolanaAddress(k)
        })
        .collect();
    keys[usize::from(slot % required)] = *signer;
    let header = MessageHeader {
        num_required_signatures: required,
        num_readonly_signed_accounts: readonly_signed % required,
        num_readonly_unsigned_accounts: 1,
    };
    let lookups = if v0 {
        vec![MessageAddressTableLookup {
            account_key: SolanaAddress([0xaa; 32]),
            writable_indexes: seed[8..10].to_vec(),
            readonly_indexes: seed[10..11].to_vec(),
        }]
    } else {
        Vec::new()
    };
    let total = n + lookups.len() * 3;
    let instructions = seed[11..]
        .chunks(4)
        .map(|c| CompiledInstruction {
            program_id_index: 1 + c[0] % (n as u8 - 1),
            accounts: c.iter().map(|b| b % total as u8).collect(),
            data: c.to_vec(),
        })
        .collect();
    if v0 {
        VersionedMessage::V0(V0Message {
            header,
            account_keys: keys,
            recent_blockhash: [seed[0]; 32],
            instructions,
            address_table_lookups: lookups,
        })
    } else {
        VersionedMessage::Legacy(Message {
            header,
            account_keys: keys,
            recent_blockhash: [seed[0]; 32],
            instructions,
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random valid messages, partly signed with random bytes: the wallet's signature is over
    /// exactly the message bytes as given, lands in its slot, and nothing else changes.
    #[test]
    fn signs_over_exactly_the_given_bytes(
        secret in any::<[u8; 32]>(),
        seed in prop::collection::vec(any::<u8>(), 11..40),
        required in 1u8..6,
        readonly_signed in any::<u8>(),
        slot in any::<u8>(),
        v0 in any::<bool>(),
        others in prop::collection::vec(any::<[u8; 32]>(), 6),
    ) {
        let signer = SolanaSigner::from_secret_key(&secret);
        let message = random_message(&signer.pubkey(), &seed, required, readonly_signed, slot, v0);
        let message_bytes = message.serialize().unwrap();
        let mut input = vec![required];
        for i in 0..usize::from(required) {
            input.extend_from_slice(&others[i]);
            input.extend_from_slice(&others[(i + 1) % 6]);
        }
        input.extend_from_slice(&message_bytes);
        let mut wire = WireTransaction::parse(&input).unwrap();
        let signed = wire.sign(&signer).unwrap();
        let index = usize::from(slot % required);
        prop_assert_eq!(signed.index, index);
        prop_assert_eq!(signed.fee_payer, index == 0);
        let out = wire.as_bytes();
        let start = 1 + index * 64;
        prop_assert_eq!(&out[..start], &input[..start]);
        prop_assert_eq!(&out[start..start + 64], &signed.signature[..]);
        prop_assert_eq!(&out[start + 64..], &input[start + 64..]);
        prop_assert_eq!(wire.message_bytes(), &message_bytes[..]);
        SolanaSigner::verify(&signer.pubkey(), &message_bytes, &signed.signature).unwrap();
    }

    /// Hostile bytes are refused or parsed, never a panic.
    #[test]
    fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = WireTransaction::parse(&bytes);
    }
}
