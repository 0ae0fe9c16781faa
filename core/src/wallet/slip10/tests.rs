use ripemd::Ripemd160;
use sha2::{Digest as _, Sha256};

use super::*;
use crate::wallet::mnemonic::Mnemonic;
use crate::wallet::path::SolanaPathStyle;

mod vectors;

fn path(s: &str) -> DerivationPath {
    DerivationPath::parse(s).unwrap()
}

/// SLIP-10's ed25519 fingerprint: the first 4 bytes of hash160(0x00 || public key).
fn fingerprint(public: &[u8; 32]) -> String {
    let mut ser = vec![0u8];
    ser.extend_from_slice(public);
    hex::encode(&Ripemd160::digest(Sha256::digest(&ser))[..4])
}

#[test]
fn slip10_ed25519_test_vectors() {
    for (n, vector) in vectors::VECTORS.iter().enumerate() {
        let seed = hex::decode(vector.seed).unwrap();
        let mut parent: Option<Slip10Key> = None;
        for chain in vector.chains {
            let p = path(chain.path);
            let key = derive_path(&seed, &p).unwrap();
            let at = format!("vector {} {}", n + 1, chain.path);
            assert_eq!(
                hex::encode(*key.chain_code()),
                chain.chain_code,
                "{at} chain code"
            );
            assert_eq!(
                hex::encode(*key.private_key()),
                chain.private,
                "{at} private"
            );
            assert_eq!(
                format!("00{}", hex::encode(key.public_key())),
                chain.public,
                "{at} public"
            );
            assert_eq!(usize::from(key.depth()), p.depth());

            // Step by step from the previous chain gives the same key, and the listed
            // fingerprint is the parent's.
            match &parent {
                None => assert_eq!(chain.fingerprint, "00000000"),
                Some(prev) => {
                    assert_eq!(fingerprint(&prev.public_key()), chain.fingerprint, "{at}");
                    let child = *p.children().last().unwrap();
                    assert_eq!(key.child_number(), child);
                    let stepped = prev.derive_child(child).unwrap();
                    assert_eq!(*stepped.private_key(), *key.private_key(), "{at} stepped");
                    assert_eq!(*stepped.chain_code(), *key.chain_code(), "{at} stepped");
                }
            }
            parent = Some(key);
        }
    }
}

#[test]
fn abandon_about_first_solana_address() {
    // "abandon ... about", no passphrase, m/44'/501'/0'/0' (Phantom's first account): the
    // address published by several independent public projects, one of which checks it
    // against @solana/web3.js `Keypair.fromSeed` on the same path.
    let m = Mnemonic::parse(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    )
    .unwrap();
    let p = DerivationPath::solana(0, SolanaPathStyle::Bip44Change).unwrap();
    let key = derive_path(m.to_seed("").as_bytes(), &p).unwrap();
    assert_eq!(
        bs58::encode(key.public_key()).into_string(),
        "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk"
    );
    // The signing key signs as that public key.
    assert_eq!(
        key.signing_key().verifying_key().to_bytes(),
        key.public_key()
    );
}

#[test]
fn non_hardened_components_are_refused() {
    let seed = [0u8; 16];
    let e = derive_path(&seed, &path("m/44'/501'/0'/0")).unwrap_err();
    match e {
        Error::InvalidPath { path, reason } => {
            assert_eq!(path, "m/44'/501'/0'/0");
            assert!(
                reason
                    .starts_with("ed25519 (SLIP-10) derivation supports hardened components only"),
                "{reason}"
            );
            assert!(reason.contains("component 4"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let master = Slip10Key::new_master(&seed).unwrap();
    let e = master
        .derive_child(ChildNumber::normal(1).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("hardened components only"), "{e}");
    // m is the master key itself.
    let m = derive_path(&seed, &DerivationPath::master()).unwrap();
    assert_eq!(*m.private_key(), *master.private_key());
}

#[test]
fn refuses_bad_seed_lengths_and_excess_depth() {
    for len in [0, 15, 65] {
        let e = Slip10Key::new_master(&vec![0u8; len]).unwrap_err();
        assert!(e.to_string().contains(&format!("got {len}")), "{e}");
    }
    let seed = [9u8; 64];
    let deep = derive_path(&seed, &path(&format!("m{}", "/1'".repeat(255)))).unwrap();
    assert_eq!(deep.depth(), 255);
    assert!(
        deep.derive_child(ChildNumber::hardened(0).unwrap())
            .is_err()
    );
    assert!(deep.derive_path(&path("m/0'")).is_err());
}

#[test]
fn secrets_are_redacted() {
    let key = Slip10Key::new_master(&[3u8; 32]).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("redacted"), "{debug}");
    assert!(!debug.contains(&hex::encode(*key.private_key())), "{debug}");
    let as_list = format!("{:?}", &key.private_key()[..4]);
    assert!(!debug.contains(as_list.trim_matches(['[', ']'])), "{debug}");
}
