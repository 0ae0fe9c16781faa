//! Differential tests: trestle-core's Solana code against the Solana crates (4.2.x family)
//! on random inputs, plus decoders fed hostile bytes.

// Test helpers outside `#[test]` functions: a failed unwrap or index is a failed test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use proptest::sample::Index;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer as _;
use trestle_core::solana::address::{
    self, ASSOCIATED_TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use trestle_core::solana::instruction as ix;
use trestle_core::solana::{
    AccountMeta, AddressLookupTableAccount, Instruction, Message, OffchainMessage, SolanaAddress,
    SolanaSigner, Transaction, V0Message, VersionedMessage,
};

fn p(a: &SolanaAddress) -> Pubkey {
    Pubkey::new_from_array(a.0)
}

fn theirs_ix(i: &Instruction) -> solana_instruction::Instruction {
    solana_instruction::Instruction {
        program_id: p(&i.program_id),
        accounts: i
            .accounts
            .iter()
            .map(|m| solana_instruction::AccountMeta {
                pubkey: p(&m.pubkey),
                is_signer: m.is_signer,
                is_writable: m.is_writable,
            })
            .collect(),
        data: i.data.clone(),
    }
}

fn assert_same_ix(ours: &Instruction, theirs: &solana_instruction::Instruction) {
    assert_eq!(&theirs_ix(ours), theirs);
}

/// A random instruction over a pool of keys: (program, [(account, signer, writable)], data).
type IxSpec = (Index, Vec<(Index, bool, bool)>, Vec<u8>);

fn ix_spec() -> impl Strategy<Value = IxSpec> {
    (
        any::<Index>(),
        prop::collection::vec((any::<Index>(), any::<bool>(), any::<bool>()), 0..6),
        prop::collection::vec(any::<u8>(), 0..12),
    )
}

fn build(pool: &[SolanaAddress], specs: &[IxSpec], nonce: bool) -> Vec<Instruction> {
    let mut out = Vec::new();
    if nonce {
        // AdvanceNonceAccount: the nonce account must stay static in v0 messages.
        out.push(Instruction {
            program_id: SYSTEM_PROGRAM_ID,
            accounts: vec![
                AccountMeta::new(pool[0], false),
                AccountMeta::new_readonly(address::SYSVAR_RECENT_BLOCKHASHES_ID, false),
                AccountMeta::new_readonly(pool[1 % pool.len()], true),
            ],
            data: vec![4, 0, 0, 0],
        });
    }
    for (program, accounts, data) in specs {
        out.push(Instruction {
            program_id: *program.get(pool),
            accounts: accounts
                .iter()
                .map(|(k, s, w)| AccountMeta {
                    pubkey: *k.get(pool),
                    is_signer: *s,
                    is_writable: *w,
                })
                .collect(),
            data: data.clone(),
        });
    }
    out
}

fn signers(n: usize) -> Vec<SolanaSigner> {
    (0..n)
        .map(|i| SolanaSigner::from_secret_key(&[i as u8 + 1; 32]))
        .collect()
}

fn keypair_for(signer_seeds: &[SolanaSigner], key: &SolanaAddress) -> Keypair {
    let s = signer_seeds.iter().find(|s| s.pubkey() == *key).unwrap();
    let bytes = s.to_keypair_bytes();
    Keypair::new_from_array(bytes[..32].try_into().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn legacy_message_and_transaction_match(
        n in 2usize..10,
        specs in prop::collection::vec(ix_spec(), 1..6),
        payer in any::<Index>(),
        no_payer in any::<bool>(),
        nonce in any::<bool>(),
        blockhash in any::<[u8; 32]>(),
    ) {
        let keys = signers(n);
        let pool: Vec<SolanaAddress> = keys.iter().map(SolanaSigner::pubkey).collect();
        let payer = (!no_payer).then(|| *payer.get(&pool));
        let ixs = build(&pool, &specs, nonce);
        let their_ixs: Vec<_> = ixs.iter().map(theirs_ix).collect();

        let ours = Message::try_compile(&ixs, payer.as_ref(), blockhash).unwrap();
        let their_payer = payer.as_ref().map(p);
        let theirs = solana_message::Message::new_with_blockhash(
            &their_ixs, their_payer.as_ref(), &Hash::new_from_array(blockhash));
        let bytes = ours.serialize().unwrap();
        prop_assert_eq!(&bytes, &theirs.serialize());

        // Our strict decoder accepts exactly what the reference sanitizer accepts.
        let decoded = VersionedMessage::deserialize(&bytes);
        prop_assert_eq!(
            decoded.is_ok(),
            solana_message::VersionedMessage::Legacy(theirs.clone()).sanitize().is_ok()
        );
        if let Ok(decoded) = decoded {
            prop_assert_eq!(decoded, VersionedMessage::Legacy(ours.clone()));
        }

        // Signed transactions are byte-identical (ed25519 is deterministic).
        let required = ours.signers().to_vec();
        let our_signers: Vec<&SolanaSigner> = required
            .iter()
            .map(|k| keys.iter().find(|s| s.pubkey() == *k).unwrap())
            .collect();
        let their_keypairs: Vec<Keypair> = required.iter().map(|k| keypair_for(&keys, k)).collect();
        let their_refs: Vec<&Keypair> = their_keypairs.iter().collect();
        let mut tx = Transaction::new_unsigned(ours);
        tx.sign(&our_signers).unwrap();
        tx.verify().unwrap();
        let their_tx = solana_transaction::Transaction::new(
            &their_refs, theirs, Hash::new_from_array(blockhash));
        let their_bytes = wincode::serialize(&their_tx).unwrap();
        if their_bytes.len() <= 1232 {
            let our_bytes = tx.serialize().unwrap();
            prop_assert_eq!(&our_bytes, &their_bytes);
            let back = Transaction::deserialize(&our_bytes);
            prop_assert_eq!(
                back.is_ok(),
                solana_transaction::versioned::VersionedTransaction::from(their_tx.clone()).sanitize().is_ok()
            );
            if let Ok(back) = back {
                prop_assert_eq!(&back, &tx);
                prop_assert_eq!(Transaction::from_base64(&tx.to_base64().unwrap()).unwrap(), back);
            }
            if let Some(id) = tx.id() {
                prop_assert_eq!(id, their_tx.signatures[0].to_string());
            }
            let text = Hash::new_from_array(blockhash).to_string();
            prop_assert_eq!(trestle_core::solana::message::parse_blockhash(&text).unwrap(), blockhash);
        } else {
            prop_assert!(tx.serialize().is_err());
        }
    }

    #[test]
    fn v0_message_and_transaction_match(
        n in 2usize..12,
        specs in prop::collection::vec(ix_spec(), 1..6),
        payer in any::<Index>(),
        nonce in any::<bool>(),
        tables in prop::collection::vec(
            (any::<[u8; 32]>(), prop::collection::vec(any::<Index>(), 0..8), prop::collection::vec(any::<[u8; 32]>(), 0..3)),
            0..4),
        blockhash in any::<[u8; 32]>(),
    ) {
        let keys = signers(n);
        let pool: Vec<SolanaAddress> = keys.iter().map(SolanaSigner::pubkey).collect();
        let payer = *payer.get(&pool);
        let ixs = build(&pool, &specs, nonce);
        let their_ixs: Vec<_> = ixs.iter().map(theirs_ix).collect();
        let alts: Vec<AddressLookupTableAccount> = tables
            .iter()
            .map(|(key, picks, extra)| {
                let mut addresses: Vec<SolanaAddress> = extra.iter().map(|e| SolanaAddress(*e)).collect();
                addresses.extend(picks.iter().map(|i| *i.get(&pool)));
                AddressLookupTableAccount { key: SolanaAddress(*key), addresses }
            })
            .collect();
        let their_alts: Vec<solana_message::AddressLookupTableAccount> = alts
            .iter()
            .map(|t| solana_message::AddressLookupTableAccount {
                key: p(&t.key),
                addresses: t.addresses.iter().map(p).collect(),
            })
            .collect();

        let ours = V0Message::try_compile(&payer, &ixs, &alts, blockhash).unwrap();
        let theirs = solana_message::v0::Message::try_compile(
            &p(&payer), &their_ixs, &their_alts, Hash::new_from_array(blockhash)).unwrap();
        let their_versioned = solana_message::VersionedMessage::V0(theirs);
        let bytes = VersionedMessage::V0(ours.clone()).serialize().unwrap();
        prop_assert_eq!(&bytes, &their_versioned.serialize());

        let decoded = VersionedMessage::deserialize(&bytes);
        prop_assert_eq!(decoded.is_ok(), their_versioned.sanitize().is_ok());
        if let Ok(decoded) = decoded {
            prop_assert_eq!(decoded, VersionedMessage::V0(ours.clone()));
        }

        let required = ours.signers().to_vec();
        let our_signers: Vec<&SolanaSigner> = required
            .iter()
            .map(|k| keys.iter().find(|s| s.pubkey() == *k).unwrap())
            .collect();
        let their_keypairs: Vec<Keypair> = required.iter().map(|k| keypair_for(&keys, k)).collect();
        let their_refs: Vec<&Keypair> = their_keypairs.iter().collect();
        let mut tx = Transaction::new_unsigned(ours);
        tx.sign(&our_signers).unwrap();
        tx.verify().unwrap();
        let their_tx = solana_transaction::versioned::VersionedTransaction::try_new(
            their_versioned, &their_refs).unwrap();
        let their_bytes = wincode::serialize(&their_tx).unwrap();
        if their_bytes.len() <= 1232 {
            let our_bytes = tx.serialize().unwrap();
            prop_assert_eq!(&our_bytes, &their_bytes);
            let back = Transaction::deserialize(&our_bytes);
            prop_assert_eq!(back.is_ok(), their_tx.sanitize().is_ok());
            if let Ok(back) = back {
                prop_assert_eq!(back, tx);
            }
        }
    }

    #[test]
    fn program_addresses_match(
        seeds in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..34), 0..17),
        program in any::<[u8; 32]>(),
    ) {
        let program = SolanaAddress(program);
        let seed_refs: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
        let ours = SolanaAddress::create_program_address(&seed_refs, &program);
        let theirs = Pubkey::create_program_address(&seed_refs, &p(&program));
        prop_assert_eq!(ours.ok().map(|a| a.0), theirs.ok().map(|a| a.to_bytes()));
        let ours = SolanaAddress::find_program_address(&seed_refs, &program);
        let theirs = Pubkey::try_find_program_address(&seed_refs, &p(&program));
        prop_assert_eq!(ours.ok().map(|(a, b)| (a.0, b)), theirs.map(|(a, b)| (a.to_bytes(), b)));
    }

    #[test]
    fn token_instructions_match(
        wallet in any::<[u8; 32]>(),
        to in any::<[u8; 32]>(),
        mint in any::<[u8; 32]>(),
        amount in any::<u64>(),
        decimals in any::<u8>(),
        token_2022 in any::<bool>(),
    ) {
        let (wallet, to, mint) = (SolanaAddress(wallet), SolanaAddress(to), SolanaAddress(mint));
        let program = if token_2022 { TOKEN_2022_PROGRAM_ID } else { TOKEN_PROGRAM_ID };
        let ata = ix::get_associated_token_address(&wallet, &mint, &program).unwrap();
        let their_ata = spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
            &p(&wallet), &p(&mint), &p(&program));
        prop_assert_eq!(ata.0, their_ata.to_bytes());

        let ours = ix::create_associated_token_account_idempotent(&wallet, &to, &mint, &program).unwrap();
        let theirs = spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &p(&wallet), &p(&to), &p(&mint), &p(&program));
        assert_same_ix(&ours, &theirs);

        let ixs = ix::spl_transfer(&wallet, &to, &mint, amount, decimals, &program).unwrap();
        assert_same_ix(&ixs[0], &theirs);
        let to_ata = spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
            &p(&to), &p(&mint), &p(&program));
        // spl-token-interface only builds for SPL Token; Token-2022's TransferChecked has the
        // same accounts and data, so only the program id differs.
        let mut theirs = spl_token_interface::instruction::transfer_checked(
            &spl_token_interface::ID, &their_ata, &p(&mint), &to_ata, &p(&wallet), &[], amount, decimals).unwrap();
        theirs.program_id = p(&program);
        assert_same_ix(&ixs[1], &theirs);

        assert_same_ix(
            &ix::system_transfer(&wallet, &to, amount),
            &solana_system_interface::instruction::transfer(&p(&wallet), &p(&to), amount),
        );
        assert_same_ix(
            &ix::set_compute_unit_limit(amount as u32),
            &solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(amount as u32),
        );
        assert_same_ix(
            &ix::set_compute_unit_price(amount),
            &solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(amount),
        );
    }

    #[test]
    fn offchain_messages_match(text in ".{0,40}", pad in 0usize..1300, seed in any::<[u8; 32]>()) {
        let text = if pad > 1150 { format!("{text}{}", "x".repeat(pad)) } else { text };
        let ours = OffchainMessage::new(text.as_bytes());
        let theirs = solana_offchain_message::OffchainMessage::new(0, text.as_bytes());
        prop_assert_eq!(ours.is_ok(), theirs.is_ok());
        if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
            let bytes = ours.serialize();
            prop_assert_eq!(&bytes, &theirs.serialize().unwrap());
            prop_assert_eq!(ours.format() as u8, theirs.get_format() as u8);
            prop_assert_eq!(ours.hash(), theirs.hash().unwrap().to_bytes());
            prop_assert_eq!(OffchainMessage::deserialize(&bytes).unwrap(), ours);
            let signer = SolanaSigner::from_secret_key(&seed);
            let keypair = Keypair::new_from_array(seed);
            let sig = signer.sign_offchain_message(&text).unwrap();
            prop_assert_eq!(sig, <[u8; 64]>::from(theirs.sign(&keypair).unwrap()));
            SolanaSigner::verify_offchain_message(&signer.pubkey(), &text, &sig).unwrap();
            // Raw signMessage-style signatures too.
            prop_assert_eq!(
                signer.sign_message(text.as_bytes()),
                <[u8; 64]>::from(keypair.sign_message(text.as_bytes()))
            );
        }
    }

    #[test]
    fn keypairs_match(seed in any::<[u8; 32]>()) {
        let ours = SolanaSigner::from_secret_key(&seed);
        let theirs = Keypair::new_from_array(seed);
        prop_assert_eq!(ours.pubkey().0, theirs.pubkey().to_bytes());
        prop_assert_eq!(*ours.to_keypair_bytes(), theirs.to_bytes());
        prop_assert_eq!(
            SolanaSigner::from_keypair_bytes(&theirs.to_bytes()).unwrap().pubkey(),
            ours.pubkey()
        );
        prop_assert_eq!(ours.pubkey().to_string(), theirs.pubkey().to_string());
    }

    #[test]
    fn decoders_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..1400)) {
        let _ = VersionedMessage::deserialize(&bytes);
        let _ = Transaction::deserialize(&bytes);
        let _ = OffchainMessage::deserialize(&bytes);
        let _ = Transaction::from_base64(&String::from_utf8_lossy(&bytes));
        let _ = SolanaAddress::parse(&String::from_utf8_lossy(&bytes));
    }

    /// Mutated valid messages: whatever our decoder accepts, the reference decodes to the
    /// same bytes and its sanitizer accepts.
    #[test]
    fn mutated_messages(
        n in 2usize..8,
        specs in prop::collection::vec(ix_spec(), 1..4),
        v0 in any::<bool>(),
        flips in prop::collection::vec((any::<Index>(), any::<u8>()), 1..4),
        cut in any::<Index>(),
        truncate in any::<bool>(),
    ) {
        let pool: Vec<SolanaAddress> = signers(n).iter().map(SolanaSigner::pubkey).collect();
        let ixs = build(&pool, &specs, false);
        let msg: VersionedMessage = if v0 {
            V0Message::try_compile(&pool[0], &ixs, &[], [7; 32]).unwrap().into()
        } else {
            Message::try_compile(&ixs, Some(&pool[0]), [7; 32]).unwrap().into()
        };
        let mut bytes = msg.serialize().unwrap();
        for (at, value) in &flips {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        if let Ok(ours) = VersionedMessage::deserialize(&bytes) {
            prop_assert_eq!(&ours.serialize().unwrap(), &bytes);
            let theirs: solana_message::VersionedMessage = wincode::deserialize(&bytes).unwrap();
            prop_assert!(theirs.sanitize().is_ok());
            prop_assert_eq!(theirs.serialize(), bytes);
        }
    }
}

#[test]
fn signing_errors_name_the_signer() {
    let keys = signers(3);
    let a = keys[0].pubkey();
    let b = keys[1].pubkey();
    let ixs = vec![ix::system_transfer(&a, &b, 1), ix::memo("hi", &[b])];
    let msg = Message::try_compile(&ixs, Some(&a), [1; 32]).unwrap();
    let mut tx = Transaction::new_unsigned(msg);
    let err = tx.sign(&[&keys[0]]).unwrap_err().to_string();
    assert!(err.contains(&b.to_string()), "{err}");
    let err = tx
        .sign(&[&keys[0], &keys[1], &keys[2]])
        .unwrap_err()
        .to_string();
    assert!(err.contains(&keys[2].pubkey().to_string()), "{err}");
    assert!(tx.verify().is_err());
    tx.partial_sign(&[&keys[1]]).unwrap();
    assert!(tx.verify().is_err());
    tx.sign(&[&keys[1], &keys[0]]).unwrap();
    tx.verify().unwrap();
    let mut bytes = tx.serialize().unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    assert!(Transaction::deserialize(&bytes).unwrap().verify().is_err());
    bytes.push(0);
    let err = Transaction::deserialize(&bytes).unwrap_err().to_string();
    assert!(err.contains("trailing"), "{err}");
}

#[test]
fn oversized_transactions_are_refused() {
    let keys = signers(2);
    let a = keys[0].pubkey();
    let ixs = vec![Instruction {
        program_id: address::MEMO_PROGRAM_ID,
        accounts: vec![],
        data: vec![b'x'; 1200],
    }];
    let msg = Message::try_compile(&ixs, Some(&a), [1; 32]).unwrap();
    let mut tx = Transaction::new_unsigned(msg);
    tx.sign(&[&keys[0]]).unwrap();
    let err = tx.serialize().unwrap_err().to_string();
    assert!(err.contains("1232"), "{err}");
}

#[test]
fn too_many_accounts_is_an_error_not_a_panic() {
    let a = SolanaAddress([1; 32]);
    let accounts: Vec<AccountMeta> = (0..300u16)
        .map(|i| {
            let mut k = [9u8; 32];
            k[..2].copy_from_slice(&i.to_le_bytes());
            AccountMeta::new(SolanaAddress(k), false)
        })
        .collect();
    let ixs = vec![Instruction {
        program_id: address::MEMO_PROGRAM_ID,
        accounts,
        data: vec![],
    }];
    assert!(Message::try_compile(&ixs, Some(&a), [1; 32]).is_err());
    assert!(V0Message::try_compile(&a, &ixs, &[], [1; 32]).is_err());
}

#[test]
fn program_ids_match_the_reference() {
    assert_eq!(TOKEN_PROGRAM_ID.0, spl_token_interface::ID.to_bytes());
    assert_eq!(
        ASSOCIATED_TOKEN_PROGRAM_ID.0,
        spl_associated_token_account_interface::program::ID.to_bytes()
    );
    assert_eq!(
        SYSTEM_PROGRAM_ID.0,
        solana_system_interface::program::ID.to_bytes()
    );
    assert_eq!(
        address::COMPUTE_BUDGET_PROGRAM_ID.0,
        solana_compute_budget_interface::ID.to_bytes()
    );
}
