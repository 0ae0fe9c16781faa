//! The send journal: every transaction a sender signs is recorded before it is broadcast, a
//! replacement and a cancellation name what they replace, and a journal that cannot record
//! stops the broadcast and gives the nonce back.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::json;
use trestle_core::chain::U256;
use trestle_core::evm::EvmAddress;
use trestle_evm::{Error, EvmChain, EvmSender, PendingTx, SendJournal, Signed, TxRequest};

use trestle_tests::Anvil;

use crate::common::*;

/// Hash, nonce and what it replaces, as the journal was given them.
type Seen = ([u8; 32], u64, Option<[u8; 32]>);

/// What the journal was given, and whether the transaction was in the node's pool then.
type Entry = (Seen, Vec<u8>, bool);

#[derive(Debug)]
struct Recorder {
    chain: Arc<EvmChain>,
    entries: Mutex<Vec<Entry>>,
    refuse: Mutex<bool>,
    abandoned: Mutex<Vec<[u8; 32]>>,
}

#[async_trait]
impl SendJournal for Recorder {
    async fn record(&self, signed: Signed<'_>) -> Result<(), String> {
        if *self.refuse.lock().unwrap() {
            return Err("disk full".into());
        }
        let known = self.chain.knows_transaction(signed.hash).await.unwrap();
        self.entries.lock().unwrap().push((
            (signed.hash, signed.nonce, signed.replaces),
            signed.raw.to_vec(),
            known,
        ));
        Ok(())
    }

    async fn abandoned(&self, hash: [u8; 32]) -> Result<(), String> {
        self.abandoned.lock().unwrap().push(hash);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_every_signed_transaction_is_journaled_before_it_is_broadcast() {
    let anvil = Anvil::builder().no_mining(true).spawn().unwrap();
    let chain = chain(&anvil).await;
    let recorder = Arc::new(Recorder {
        chain: chain.clone(),
        entries: Mutex::default(),
        refuse: Mutex::new(false),
        abandoned: Mutex::default(),
    });
    let sender =
        EvmSender::new(chain.clone(), dev_signer(&anvil, 4)).with_journal(recorder.clone());
    let me = sender.address();

    let first = sender
        .send(TxRequest::transfer(EvmAddress([9; 20]), U256::from(1u64)))
        .await
        .unwrap();
    let bumped = sender.replace(&first).await.unwrap();
    let fees = bumped.fees;
    let cancel = sender
        .cancel(
            first.nonce(),
            trestle_evm::fees::replacement_fees("anvil", fees, None, &chain.config().fees).unwrap(),
            Some(bumped.hash),
        )
        .await
        .unwrap();
    let entries = recorder.entries.lock().unwrap().clone();
    let seen: Vec<(Seen, bool)> = entries.iter().map(|(s, _, k)| (*s, *k)).collect();
    assert_eq!(
        seen,
        vec![
            ((first.hash, first.nonce(), None), false),
            ((bumped.hash, first.nonce(), Some(first.hash)), false),
            ((cancel.hash, first.nonce(), Some(bumped.hash)), false),
        ],
        "each recorded before the node had it, naming what it replaces"
    );
    // The journal's bytes are the transaction: read back, it is what was sent.
    let read = PendingTx::from_raw(&entries[2].1).unwrap();
    assert_eq!((read.hash, read.fees), (cancel.hash, cancel.fees));
    let (tx, _, from) = trestle_core::evm::transaction::decode_signed(&entries[2].1).unwrap();
    assert_eq!(from, me);
    assert_eq!(tx.nonce(), first.nonce());

    // The cancellation is what is mined at that nonce.
    anvil_rpc(&anvil, "evm_mine", json!([])).await;
    let receipt = sender.wait(&cancel, WAIT).await.unwrap();
    assert!(receipt.success);
    assert!(chain.receipt(first.hash).await.unwrap().is_none());
    assert!(chain.receipt(bumped.hash).await.unwrap().is_none());

    // A journal that cannot record: nothing broadcast, and the nonce is not used up.
    *recorder.refuse.lock().unwrap() = true;
    let refused = sender
        .send(TxRequest::transfer(EvmAddress([9; 20]), U256::from(1u64)))
        .await;
    assert!(
        matches!(&refused, Err(Error::Journal { reason, .. }) if reason == "disk full"),
        "{refused:?}"
    );
    assert_eq!(chain.pending_nonce(me).await.unwrap(), first.nonce() + 1);
    *recorder.refuse.lock().unwrap() = false;
    let next = sender
        .send(TxRequest::transfer(EvmAddress([9; 20]), U256::from(1u64)))
        .await
        .unwrap();
    assert_eq!(
        next.nonce(),
        first.nonce() + 1,
        "no gap left by the refused send"
    );

    assert!(recorder.abandoned.lock().unwrap().is_empty());

    // A transaction the node refuses (more than the balance) is taken out of the journal:
    // it holds no nonce.
    let too_much = sender
        .send(TxRequest::transfer(EvmAddress([9; 20]), U256::MAX))
        .await;
    assert!(too_much.is_err(), "{too_much:?}");
    let last = recorder.entries.lock().unwrap().last().unwrap().0.0;
    assert_eq!(*recorder.abandoned.lock().unwrap(), vec![last]);

    // A cancellation at the nonce this sender's next send takes could replace that send:
    // refused, nothing signed.
    let recorded = recorder.entries.lock().unwrap().len();
    let refused = sender.cancel(next.nonce() + 1, fees, None).await;
    assert!(
        matches!(&refused, Err(Error::Core(e)) if e.to_string().contains("its next send fills it")),
        "{refused:?}"
    );
    assert_eq!(recorder.entries.lock().unwrap().len(), recorded);
}
