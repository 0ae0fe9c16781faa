//! v0 transactions with address lookup tables.

use trestle_core::solana::address::SYSTEM_PROGRAM_ID;
use trestle_core::solana::instruction::system_transfer;
use trestle_core::solana::{SolanaSigner, VersionedMessage};
use trestle_solana::TransactionRequest;

use crate::common::{funded, start};

#[tokio::test]
async fn solana_v0_transaction_with_lookup_table() {
    let (_validator, client) = start();
    let payer = funded(&client, 2).await;
    let recipients: Vec<_> = (0..25)
        .map(|_| SolanaSigner::generate().unwrap().pubkey())
        .collect();

    // 25 addresses: two extensions (20 + 5).
    let table = client
        .create_lookup_table(&payer, &recipients)
        .await
        .unwrap();
    assert_eq!(table.addresses, recipients);
    let state = client.lookup_table_state(&table.key).await.unwrap();
    assert_eq!(state.authority, Some(payer.pubkey()));
    assert_eq!(state.deactivation_slot, u64::MAX);

    // 25 transfers in one transaction: 25 * 32 address bytes would not fit a legacy
    // transaction; through the table each costs one index byte.
    let instructions: Vec<_> = recipients
        .iter()
        .enumerate()
        .map(|(i, to)| system_transfer(&payer.pubkey(), to, 1_000_000 + i as u64))
        .collect();
    assert!(
        client
            .land(TransactionRequest::new(&payer, instructions.clone()))
            .await
            .is_err(),
        "a legacy transaction with 25 recipients should not fit a packet"
    );
    let landed = client
        .land(TransactionRequest::new(&payer, instructions).lookup_tables(vec![table.clone()]))
        .await
        .unwrap();
    // The table was ready when create_lookup_table returned: the first signed bytes land.
    assert_eq!(landed.rebuilds, 0);
    assert!(landed.sends <= 2, "sends {}", landed.sends);
    for (i, to) in recipients.iter().enumerate() {
        assert_eq!(client.balance(to).await.unwrap(), 1_000_000 + i as u64);
    }

    // Read it back: a v0 message loading the recipients from the table, and the System
    // program's instructions resolved through it.
    let tx = client
        .program_transaction(&landed.id, &SYSTEM_PROGRAM_ID)
        .await
        .unwrap()
        .unwrap();
    let transfers: Vec<_> = tx
        .instructions
        .iter()
        .filter(|ix| ix.data.first() == Some(&2))
        .collect();
    assert_eq!(transfers.len(), 25);
    for (ix, to) in transfers.iter().zip(&recipients) {
        assert_eq!(ix.accounts, [payer.pubkey(), *to]);
    }
    let raw = client.transaction(&landed.id).await.unwrap().unwrap();
    match raw.message {
        VersionedMessage::V0(message) => {
            assert_eq!(message.address_table_lookups.len(), 1);
            assert_eq!(message.address_table_lookups[0].account_key, table.key);
            assert_eq!(message.address_table_lookups[0].writable_indexes.len(), 25);
        }
        VersionedMessage::Legacy(_) => panic!("expected a v0 message"),
    }
}
