//! [`Store::attest_many`], the validator's one-commit write of a pass's attestations, on
//! SQLite and on a real PostgreSQL server: each item is judged as [`Store::attest`] would judge
//! it alone (against earlier rows and earlier items of the batch), a refused item writes
//! nothing and does not stop the others, and a repeated batch changes nothing.

use trestle_bridge::Message;
use trestle_core::chain::UniversalAddress;
use trestle_relayer::Error;
use trestle_relayer::store::{AttestOutcome, AttestationRecord, NewMessage, Store};

/// The origin bridge the validator attests messages of.
const ORIGIN_BRIDGE: [u8; 32] = [0xb1; 32];

crate::store::backend_suite!(
    a_batch_refuses_equivocation_inside_itself_per_item,
    a_batch_refuses_equivocation_against_earlier_rows,
    a_repeated_batch_changes_nothing,
    an_item_the_database_cannot_hold_does_not_stop_the_others,
    a_whole_pass_is_committed_and_drops_out_of_unattested,
    max_attested_nonce_is_per_origin_and_signer,
    a_redeployed_origin_bridge_numbers_its_nonces_afresh,
);

/// Message `nonce` from domain 1 to domain 2; `variant` makes different messages with one
/// nonce.
fn message(nonce: u64, variant: u8) -> Message {
    Message::new(
        nonce,
        1,
        UniversalAddress([variant; 32]),
        2,
        UniversalAddress([0xbb; 32]),
        vec![variant, 1, 2],
    )
    .unwrap()
}

fn att(m: &Message, signer: u8, epoch: u64) -> AttestationRecord {
    AttestationRecord {
        message_id: m.id(),
        epoch,
        signer: [signer; 20],
        origin: m.origin,
        nonce: m.nonce,
        destination: m.destination,
        signature: [signer; 65],
    }
}

/// Unwraps each outcome into `Ok(outcome)` or the equivocation's `(signed, new)` hex ids;
/// any other error fails the test.
fn judged(
    outcomes: Vec<trestle_relayer::Result<AttestOutcome>>,
) -> Vec<Result<AttestOutcome, (String, String)>> {
    outcomes
        .into_iter()
        .map(|o| match o {
            Ok(outcome) => Ok(outcome),
            Err(Error::Equivocation { signed, new, .. }) => Err((signed, new)),
            Err(e) => panic!("expected an outcome or an equivocation, got {e}"),
        })
        .collect()
}

fn refused(signed: &Message, new: &Message) -> Result<AttestOutcome, (String, String)> {
    Err((hex::encode(signed.id()), hex::encode(new.id())))
}

async fn a_batch_refuses_equivocation_inside_itself_per_item(store: Store) {
    let m1 = message(7, 1);
    let m2 = message(7, 2);
    let m3 = message(8, 1);
    assert_ne!(m1.id(), m2.id());
    let outcomes = store
        .attest_many(
            &ORIGIN_BRIDGE,
            &[
                att(&m1, 1, 1),
                // Another message for (1, 7) by the same signer, after m1 in the same batch.
                att(&m2, 1, 1),
                att(&m3, 1, 1),
                // m1 again in the same batch: nothing new; under another epoch: new.
                att(&m1, 1, 1),
                att(&m1, 1, 2),
                // Still refused under any epoch.
                att(&m2, 1, 2),
                // Another signer has its own history.
                att(&m2, 2, 1),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        judged(outcomes),
        vec![
            Ok(AttestOutcome::Stored),
            refused(&m1, &m2),
            Ok(AttestOutcome::Stored),
            Ok(AttestOutcome::AlreadyStored),
            Ok(AttestOutcome::Stored),
            refused(&m1, &m2),
            Ok(AttestOutcome::Stored),
        ]
    );
    assert_eq!(
        store.attestations(&m1.id()).await.unwrap(),
        vec![att(&m1, 1, 1), att(&m1, 1, 2)]
    );
    // The refused items wrote nothing: m2 is attested by signer 2 only.
    assert_eq!(
        store.attestations(&m2.id()).await.unwrap(),
        vec![att(&m2, 2, 1)]
    );
    assert_eq!(
        store.attestations(&m3.id()).await.unwrap(),
        vec![att(&m3, 1, 1)]
    );
    assert_eq!(store.attestation_count().await.unwrap(), 4);
    // And the single-row call agrees with what the batch stored.
    assert!(matches!(
        store.attest(&ORIGIN_BRIDGE, &att(&m2, 1, 3)).await,
        Err(Error::Equivocation { nonce: 7, .. })
    ));
}

async fn a_batch_refuses_equivocation_against_earlier_rows(store: Store) {
    let m1 = message(3, 1);
    let m2 = message(3, 2);
    let m4 = message(4, 1);
    assert_eq!(
        store.attest(&ORIGIN_BRIDGE, &att(&m1, 1, 1)).await.unwrap(),
        AttestOutcome::Stored
    );
    let outcomes = store
        .attest_many(
            &ORIGIN_BRIDGE,
            &[
                att(&m2, 1, 1),
                att(&m4, 1, 1),
                att(&m1, 1, 1),
                att(&m2, 1, 5),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        judged(outcomes),
        vec![
            refused(&m1, &m2),
            Ok(AttestOutcome::Stored),
            Ok(AttestOutcome::AlreadyStored),
            refused(&m1, &m2),
        ]
    );
    assert!(store.attestations(&m2.id()).await.unwrap().is_empty());
    assert_eq!(
        store.attestations(&m4.id()).await.unwrap(),
        vec![att(&m4, 1, 1)]
    );
    assert_eq!(store.attestation_count().await.unwrap(), 2);
}

async fn a_repeated_batch_changes_nothing(store: Store) {
    let batch: Vec<AttestationRecord> = (0..20)
        .map(|n| att(&message(n, 1), 1, 1))
        .chain([att(&message(5, 2), 1, 1)])
        .collect();
    let first = judged(store.attest_many(&ORIGIN_BRIDGE, &batch).await.unwrap());
    assert_eq!(
        first
            .iter()
            .filter(|o| **o == Ok(AttestOutcome::Stored))
            .count(),
        20
    );
    assert_eq!(first[20], refused(&message(5, 1), &message(5, 2)));
    // A validator that crashed after the commit and signs the same pass again (signatures
    // are deterministic): every row is already there, the equivocation is still refused.
    let again = judged(store.attest_many(&ORIGIN_BRIDGE, &batch).await.unwrap());
    assert!(
        again[..20]
            .iter()
            .all(|o| *o == Ok(AttestOutcome::AlreadyStored))
    );
    assert_eq!(again[20], first[20]);
    assert_eq!(store.attestation_count().await.unwrap(), 20);
    assert!(
        store
            .attest_many(&ORIGIN_BRIDGE, &[])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn an_item_the_database_cannot_hold_does_not_stop_the_others(store: Store) {
    let m = message(1, 1);
    let too_big = AttestationRecord {
        epoch: u64::MAX,
        ..att(&m, 1, 1)
    };
    let outcomes = store
        .attest_many(
            &ORIGIN_BRIDGE,
            &[too_big, att(&m, 1, 1), att(&message(2, 1), 1, 1)],
        )
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 3);
    match &outcomes[0] {
        Err(Error::CorruptRow(reason)) => assert!(reason.contains("epoch"), "{reason}"),
        other => panic!("expected the epoch to be refused, got {other:?}"),
    }
    assert_eq!(outcomes[1].as_ref().unwrap(), &AttestOutcome::Stored);
    assert_eq!(outcomes[2].as_ref().unwrap(), &AttestOutcome::Stored);
    assert_eq!(store.attestation_count().await.unwrap(), 2);
}

async fn a_whole_pass_is_committed_and_drops_out_of_unattested(store: Store) {
    let count = 300;
    let msgs: Vec<NewMessage> = (0..count)
        .map(|n| NewMessage {
            message: message(n, 1),
            origin_height: 10,
            origin_block_hash: [10; 32],
            origin_tx: vec![0x77; 32],
        })
        .collect();
    store
        .record_indexed("a", 10, [10; 32], &msgs)
        .await
        .unwrap();
    let signer = [1u8; 20];
    let todo = store
        .unattested(1, &ORIGIN_BRIDGE, &[2], &signer, 1000)
        .await
        .unwrap();
    assert_eq!(todo.len(), 300);
    let batch: Vec<AttestationRecord> = todo
        .iter()
        .map(|r| AttestationRecord {
            message_id: r.id,
            epoch: 1,
            signer,
            origin: r.origin,
            nonce: r.nonce,
            destination: r.destination,
            signature: [1; 65],
        })
        .collect();
    let outcomes = store.attest_many(&ORIGIN_BRIDGE, &batch).await.unwrap();
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(AttestOutcome::Stored)))
    );
    assert_eq!(store.attestation_count().await.unwrap(), 300);
    assert!(
        store
            .unattested(1, &ORIGIN_BRIDGE, &[2], &signer, 1000)
            .await
            .unwrap()
            .is_empty()
    );
    // A scan from a nonce up sees only what is left from there.
    store
        .record_indexed(
            "a",
            11,
            [11; 32],
            &[NewMessage {
                message: message(count, 1),
                origin_height: 11,
                origin_block_hash: [11; 32],
                origin_tx: vec![0x78; 32],
            }],
        )
        .await
        .unwrap();
    let nonces = |v: Vec<trestle_relayer::store::MessageRecord>| {
        v.iter().map(|r| r.nonce).collect::<Vec<_>>()
    };
    assert_eq!(
        nonces(
            store
                .unattested_from(1, &ORIGIN_BRIDGE, &[2], &signer, 250, 10)
                .await
                .unwrap()
        ),
        vec![count]
    );
    assert!(
        store
            .unattested_from(1, &ORIGIN_BRIDGE, &[2], &signer, count + 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        nonces(
            store
                .unattested_from(1, &ORIGIN_BRIDGE, &[2], &[2; 20], 298, 10)
                .await
                .unwrap()
        ),
        vec![298, 299, count]
    );
    // Another signer sharing the database still has all of them to do.
    assert_eq!(
        store
            .unattested(1, &ORIGIN_BRIDGE, &[2], &[2; 20], 1000)
            .await
            .unwrap()
            .len(),
        301
    );
}

async fn max_attested_nonce_is_per_origin_and_signer(store: Store) {
    assert_eq!(
        store
            .max_attested_nonce(1, &ORIGIN_BRIDGE, &[1; 20])
            .await
            .unwrap(),
        None
    );
    let outcomes = store
        .attest_many(
            &ORIGIN_BRIDGE,
            &[
                att(&message(9, 1), 1, 1),
                att(&message(3, 1), 1, 1),
                att(&message(20, 1), 2, 1),
                // Refused: writes no nonce.
                att(&message(30, 1), 1, 1),
                att(&message(30, 2), 1, 1),
            ],
        )
        .await
        .unwrap();
    assert!(outcomes[4].is_err());
    assert_eq!(
        store
            .max_attested_nonce(1, &ORIGIN_BRIDGE, &[1; 20])
            .await
            .unwrap(),
        Some(30)
    );
    assert_eq!(
        store
            .max_attested_nonce(1, &ORIGIN_BRIDGE, &[2; 20])
            .await
            .unwrap(),
        Some(20)
    );
    assert_eq!(
        store
            .max_attested_nonce(1, &ORIGIN_BRIDGE, &[3; 20])
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .max_attested_nonce(4, &ORIGIN_BRIDGE, &[1; 20])
            .await
            .unwrap(),
        None
    );
}

/// Protocol v2, finding 5: the one-message-per-nonce rule is keyed by the origin bridge. An
/// origin domain whose bridge was redeployed numbers its messages from 0 again; the new
/// bridge's messages are not equivocations of the old one's (v1 keyed by domain refused them
/// forever), while a second message from the same bridge still is.
async fn a_redeployed_origin_bridge_numbers_its_nonces_afresh(store: Store) {
    let redeployed = [0xb2; 32];
    let old = message(7, 1);
    let new = message(7, 2);
    assert_eq!(
        store
            .attest(&ORIGIN_BRIDGE, &att(&old, 1, 1))
            .await
            .unwrap(),
        AttestOutcome::Stored
    );
    assert_eq!(
        store.attest(&redeployed, &att(&new, 1, 1)).await.unwrap(),
        AttestOutcome::Stored
    );
    assert!(matches!(
        store.attest(&ORIGIN_BRIDGE, &att(&new, 1, 2)).await,
        Err(Error::Equivocation { nonce: 7, .. })
    ));
    assert!(matches!(
        store.attest(&redeployed, &att(&old, 1, 2)).await,
        Err(Error::Equivocation { nonce: 7, .. })
    ));
    // Each bridge has its own attested history.
    assert_eq!(
        store
            .max_attested_nonce(1, &redeployed, &[1; 20])
            .await
            .unwrap(),
        Some(7)
    );
    assert_eq!(
        store
            .max_attested_nonce(1, &[0xb3; 32], &[1; 20])
            .await
            .unwrap(),
        None
    );
}
