//! EIP-7702 authorizations and type-4 transactions against alloy (alloy-eip7702 and
//! alloy-consensus), an independent implementation, on random inputs in both directions:
//! Trestle signs and alloy hashes, decodes and recovers; alloy builds and encodes, Trestle
//! decodes and recovers.

// Test helpers outside `#[test]` functions may unwrap and index: a failure is the point.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use alloy_consensus::private::alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_consensus::private::alloy_eips::eip2930 as alloy_2930;
use alloy_consensus::private::alloy_eips::eip7702 as alloy_7702;
use alloy_consensus::private::alloy_rlp::Encodable;
use alloy_consensus::{SignableTransaction, TxEip7702, TxEnvelope};
use alloy_primitives::{Address, Bytes};
use proptest::prelude::*;
use ruint::aliases::U256;
use trestle_core::evm::eip7702::{Authorization, SignedAuthorization};
use trestle_core::evm::transaction::{
    AccessListItem, Eip7702Transaction, TypedTransaction, decode_signed,
};
use trestle_core::evm::{EvmAddress, EvmSigner, Signature};

fn a_u256(x: U256) -> alloy_primitives::U256 {
    alloy_primitives::U256::from_be_bytes(x.to_be_bytes::<32>())
}

fn a_addr(a: &EvmAddress) -> Address {
    Address::from(*a.as_bytes())
}

fn a_auth(s: &SignedAuthorization) -> alloy_7702::SignedAuthorization {
    let a = &s.authorization;
    alloy_7702::SignedAuthorization::new_unchecked(
        alloy_7702::Authorization {
            chain_id: a_u256(a.chain_id),
            address: a_addr(&a.address),
            nonce: a.nonce,
        },
        s.y_parity,
        alloy_primitives::U256::from_be_bytes(s.r),
        alloy_primitives::U256::from_be_bytes(s.s),
    )
}

fn a_tx(t: &Eip7702Transaction) -> TxEip7702 {
    TxEip7702 {
        chain_id: t.chain_id,
        nonce: t.nonce,
        gas_limit: t.gas_limit,
        max_fee_per_gas: u128::try_from(t.max_fee_per_gas).unwrap(),
        max_priority_fee_per_gas: u128::try_from(t.max_priority_fee_per_gas).unwrap(),
        to: a_addr(&t.to),
        value: a_u256(t.value),
        access_list: alloy_2930::AccessList(
            t.access_list
                .iter()
                .map(|i| alloy_2930::AccessListItem {
                    address: a_addr(&i.address),
                    storage_keys: i
                        .storage_keys
                        .iter()
                        .map(|k| alloy_primitives::B256::from(*k))
                        .collect(),
                })
                .collect(),
        ),
        authorization_list: t.authorization_list.iter().map(a_auth).collect(),
        input: Bytes::from(t.data.clone()),
    }
}

// ---- strategies ----

fn key() -> impl Strategy<Value = EvmSigner> {
    any::<[u8; 32]>().prop_filter_map("valid key", |k| EvmSigner::from_private_key(&k).ok())
}

fn address() -> impl Strategy<Value = EvmAddress> {
    any::<[u8; 20]>().prop_map(EvmAddress::new)
}

fn u256() -> impl Strategy<Value = U256> {
    prop_oneof![
        Just(U256::ZERO),
        any::<u64>().prop_map(U256::from),
        any::<[u8; 32]>().prop_map(U256::from_be_bytes),
    ]
}

fn authorization() -> impl Strategy<Value = Authorization> {
    (
        prop_oneof![Just(U256::ZERO), Just(U256::from(1u8)), u256()],
        address(),
        prop_oneof![Just(0u64), 0..u64::MAX],
    )
        .prop_map(|(chain_id, address, nonce)| Authorization {
            chain_id,
            address,
            nonce,
        })
}

fn signed_authorization() -> impl Strategy<Value = SignedAuthorization> {
    (authorization(), key()).prop_map(|(a, k)| a.sign(&k).unwrap())
}

fn fee() -> impl Strategy<Value = U256> {
    prop_oneof![Just(U256::ZERO), any::<u128>().prop_map(U256::from)]
}

fn transaction() -> impl Strategy<Value = Eip7702Transaction> {
    (
        any::<u64>(),
        any::<u64>(),
        fee(),
        fee(),
        any::<u64>(),
        address(),
        u256(),
        proptest::collection::vec(any::<u8>(), 0..200),
        proptest::collection::vec(
            (
                address(),
                proptest::collection::vec(any::<[u8; 32]>(), 0..3),
            )
                .prop_map(|(address, storage_keys)| AccessListItem {
                    address,
                    storage_keys,
                }),
            0..3,
        ),
        proptest::collection::vec(signed_authorization(), 1..4),
    )
        .prop_map(
            |(chain_id, nonce, tip, max_fee, gas_limit, to, value, data, al, auths)| {
                Eip7702Transaction {
                    chain_id,
                    nonce,
                    max_priority_fee_per_gas: tip,
                    max_fee_per_gas: max_fee,
                    gas_limit,
                    to,
                    value,
                    data,
                    access_list: al,
                    authorization_list: auths,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Trestle signs an authorization; alloy computes the same digest and RLP and recovers the
    /// same authority.
    #[test]
    fn authorization_matches_alloy(auth in authorization(), key in key()) {
        let signed = auth.sign(&key).unwrap();
        let theirs = a_auth(&signed);
        prop_assert_eq!(theirs.signature_hash().0, auth.signing_hash());
        let mut rlp = Vec::new();
        theirs.encode(&mut rlp);
        prop_assert_eq!(&rlp, &signed.to_rlp());
        prop_assert_eq!(theirs.recover_authority().unwrap(), a_addr(&key.address()));
        prop_assert_eq!(signed.authority().unwrap(), key.address());
        prop_assert_eq!(SignedAuthorization::from_rlp(&rlp).unwrap(), signed);
    }

    /// Authorizations that are not ours (random r, s, y parity): both accept or both refuse,
    /// and agree on the authority.
    #[test]
    fn authority_agrees_on_arbitrary_signatures(
        auth in authorization(),
        r in any::<[u8; 32]>(),
        s in any::<[u8; 32]>(),
        y in prop_oneof![Just(0u8), Just(1u8), any::<u8>()],
    ) {
        prop_assume!(auth.nonce != u64::MAX);
        let ours = SignedAuthorization { authorization: auth, y_parity: y, r, s };
        let theirs = a_auth(&ours).recover_authority();
        match (ours.authority(), theirs) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a_addr(&a), b),
            (Err(_), Err(_)) => {}
            (a, b) => prop_assert!(false, "trestle {a:?}, alloy {b:?}"),
        }
    }

    /// Trestle signs a type-4 transaction; alloy decodes it, re-encodes the same bytes, and
    /// agrees on the signing hash, transaction hash, sender and every authority.
    #[test]
    fn trestle_signs_alloy_decodes(tx in transaction(), key in key()) {
        let signed = key.sign_transaction(&TypedTransaction::Eip7702(tx.clone())).unwrap();
        let envelope = TxEnvelope::decode_2718(&mut signed.raw.as_slice()).unwrap();
        let TxEnvelope::Eip7702(theirs) = &envelope else {
            panic!("alloy decoded another type: {envelope:?}");
        };
        prop_assert_eq!(theirs.tx(), &a_tx(&tx));
        prop_assert_eq!(theirs.signature_hash().0, signed.transaction.signing_hash());
        prop_assert_eq!(theirs.hash().0, signed.hash);
        prop_assert_eq!(theirs.recover_signer().unwrap(), a_addr(&key.address()));
        prop_assert_eq!(envelope.encoded_2718(), signed.raw.clone());
        for (a, b) in tx.authorization_list.iter().zip(&theirs.tx().authorization_list) {
            prop_assert_eq!(a_addr(&a.authority().unwrap()), b.recover_authority().unwrap());
        }
    }

    /// alloy builds and encodes a type-4 transaction (signed with a Trestle key over alloy's
    /// signing hash); Trestle decodes the same transaction and sender.
    #[test]
    fn alloy_encodes_trestle_decodes(tx in transaction(), key in key()) {
        let theirs = a_tx(&tx);
        let sig = key.sign_hash(&theirs.signature_hash().0).unwrap();
        let asig = alloy_primitives::Signature::new(
            alloy_primitives::U256::from_be_bytes(sig.r),
            alloy_primitives::U256::from_be_bytes(sig.s),
            sig.y_parity,
        );
        let raw = TxEnvelope::from(theirs.into_signed(asig)).encoded_2718();
        let (decoded, signature, from) = decode_signed(&raw).unwrap();
        prop_assert_eq!(decoded, TypedTransaction::Eip7702(tx));
        prop_assert_eq!(signature, Signature { r: sig.r, s: sig.s, y_parity: sig.y_parity });
        prop_assert_eq!(from, key.address());
    }
}
