use sha3::{Digest as _, Keccak256};

use super::*;
use crate::wallet::mnemonic::Mnemonic;

mod vectors;

fn path(s: &str) -> DerivationPath {
    DerivationPath::parse(s).unwrap()
}

fn evm_address(key: &ExtendedPrivateKey) -> String {
    let public = key.public_key_uncompressed();
    let hash = Keccak256::digest(&public[1..]);
    hex::encode(&hash[12..])
}

#[test]
fn bip32_test_vectors_1_to_4() {
    for (n, vector) in vectors::VECTORS.iter().enumerate() {
        let seed = hex::decode(vector.seed).unwrap();
        let master = ExtendedPrivateKey::new_master(&seed).unwrap();
        let mut walked = master.clone();
        for (i, &(chain, xpub, xprv)) in vector.chains.iter().enumerate() {
            let p = path(chain);
            let key = master.derive_path(&p).unwrap();
            assert_eq!(
                key.to_xprv().as_str(),
                xprv,
                "vector {} {chain} xprv",
                n + 1
            );
            assert_eq!(key.to_xpub(), xpub, "vector {} {chain} xpub", n + 1);
            assert_eq!(usize::from(key.depth()), p.depth());

            // One derive_child at a time gives the same key.
            if i > 0 {
                walked = walked.derive_child(*p.children().last().unwrap()).unwrap();
            }
            assert_eq!(
                walked.to_xprv().as_str(),
                xprv,
                "vector {} {chain} walked",
                n + 1
            );
            assert_eq!(walked.to_xpub(), xpub);

            // The xprv parses back to the same key and position.
            let parsed = ExtendedPrivateKey::from_xprv(xprv).unwrap();
            assert_eq!(parsed.to_xprv().as_str(), xprv);
            assert_eq!(parsed.to_xpub(), xpub);
            assert_eq!(*parsed.private_key_bytes(), *key.private_key_bytes());
            assert_eq!(*parsed.chain_code(), *key.chain_code());
            assert_eq!(parsed.child_number(), key.child_number());
            assert_eq!(parsed.parent_fingerprint(), key.parent_fingerprint());
        }
    }
}

#[test]
fn derive_path_is_relative_and_m_is_identity() {
    let seed = hex::decode(vectors::VECTORS[0].seed).unwrap();
    let master = ExtendedPrivateKey::new_master(&seed).unwrap();
    assert_eq!(
        master
            .derive_path(&DerivationPath::master())
            .unwrap()
            .to_xprv(),
        master.to_xprv()
    );
    let direct = master.derive_path(&path("m/0'/1/2'/2")).unwrap();
    let split = master
        .derive_path(&path("m/0'/1"))
        .unwrap()
        .derive_path(&path("m/2'/2"))
        .unwrap();
    assert_eq!(direct.to_xprv(), split.to_xprv());
    // Fingerprints chain: the child records the parent's fingerprint.
    let parent = master.derive_path(&path("m/0'/1/2'")).unwrap();
    assert_eq!(direct.parent_fingerprint(), parent.fingerprint());
    assert_eq!(&parent.identifier()[..4], &parent.fingerprint());
    assert_eq!(master.parent_fingerprint(), [0; 4]);
    // The master of vector 1 has the fingerprint 3442193e (listed in BIP32's older text and
    // visible in every depth-1 serialisation of vector 1).
    assert_eq!(hex::encode(master.fingerprint()), "3442193e");
}

#[test]
fn bip32_test_vector_5_invalid_xprvs_are_refused() {
    let cases = [
        (
            "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFGTQQD3dC4H2D5GBj7vWvSQaaBv5cxi9gafk7NF3pnBju6dwKvH",
            "prvkey version / pubkey mismatch",
        ),
        (
            "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFGpWnsj83BHtEy5Zt8CcDr1UiRXuWCmTQLxEK9vbz5gPstX92JQ",
            "invalid prvkey prefix 04",
        ),
        (
            "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFAzHGBP2UuGCqWLTAPLcMtD9y5gkZ6Eq3Rjuahrv17fEQ3Qen6J",
            "invalid prvkey prefix 01",
        ),
        (
            "xprv9s2SPatNQ9Vc6GTbVMFPFo7jsaZySyzk7L8n2uqKXJen3KUmvQNTuLh3fhZMBoG3G4ZW1N2kZuHEPY53qmbZzCHshoQnNf4GvELZfqTUrcv",
            "zero depth with non-zero parent fingerprint",
        ),
        (
            "xprv9s21ZrQH4r4TsiLvyLXqM9P7k1K3EYhA1kkD6xuquB5i39AU8KF42acDyL3qsDbU9NmZn6MsGSUYZEsuoePmjzsB3eFKSUEh3Gu1N3cqVUN",
            "zero depth with non-zero index",
        ),
        (
            "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzF93Y5wvzdUayhgkkFoicQZcP3y52uPPxFnfoLZB21Teqt1VvEHx",
            "private key 0 not in 1..n-1",
        ),
        (
            "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFAzHGBP2UuGCqWLTAPLcMtD5SDKr24z3aiUvKr9bJpdrcLg1y3G",
            "private key n not in 1..n-1",
        ),
        (
            "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHL",
            "invalid checksum",
        ),
        (
            "DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHGMQzT7ayAmfo4z3gY5KfbrZWZ6St24UVf2Qgo6oujFktLHdHY4",
            "unknown extended key version",
        ),
        (
            "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8",
            "an xpub is not an xprv",
        ),
        ("xprv0OIl", "not Base58"),
        ("", "empty"),
        ("3QJmnh", "too short"),
    ];
    for (xprv, why) in cases {
        let e = ExtendedPrivateKey::from_xprv(xprv).unwrap_err();
        assert!(matches!(e, Error::InvalidKey(_)), "{why}: {e:?}");
        let text = e.to_string();
        assert!(
            xprv.len() < 12 || !text.contains(&xprv[4..12]),
            "{why}: input echoed in {text}"
        );
    }
}

#[test]
fn anvil_default_accounts() {
    // anvil's (and hardhat's) default dev accounts: "test test ... junk", no passphrase,
    // m/44'/60'/0'/0/i.
    let m = Mnemonic::parse("test test test test test test test test test test test junk").unwrap();
    let master = ExtendedPrivateKey::new_master(m.to_seed("").as_bytes()).unwrap();
    let cases = [
        (
            0,
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            "f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
        ),
        (
            1,
            "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
            "70997970c51812dc3a010c7d01b50e0d17dc79c8",
        ),
    ];
    for (index, private_key, address) in cases {
        let key = master
            .derive_path(&DerivationPath::evm(index).unwrap())
            .unwrap();
        assert_eq!(
            hex::encode(*key.private_key_bytes()),
            private_key,
            "account {index}"
        );
        assert_eq!(evm_address(&key), address, "account {index}");
        assert_eq!(
            key.secret_key().to_bytes().as_slice(),
            &key.private_key_bytes()[..]
        );
    }
}

#[test]
fn abandon_about_first_evm_account() {
    // The address every wallet shows for "abandon ... about" (no passphrase) at
    // m/44'/60'/0'/0/0: 0x9858EfFD232B4033E47d90003D41EC34EcaEda94.
    let m = Mnemonic::parse(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    )
    .unwrap();
    let master = ExtendedPrivateKey::new_master(m.to_seed("").as_bytes()).unwrap();
    let key = master
        .derive_path(&DerivationPath::evm(0).unwrap())
        .unwrap();
    assert_eq!(
        hex::encode(*key.private_key_bytes()),
        "1ab42cc412b618bdea3a599e3c9bae199ebf030895b039e9db1e30dafb12b727"
    );
    assert_eq!(
        evm_address(&key),
        "9858effd232b4033e47d90003d41ec34ecaeda94"
    );
    let compressed = key.public_key_sec1_compressed();
    let uncompressed = key.public_key_uncompressed();
    assert_eq!(uncompressed[0], 4);
    assert_eq!(compressed[1..], uncompressed[1..33]);
    assert_eq!(compressed[0], 2 + (uncompressed[64] & 1));
}

#[test]
fn refuses_bad_seeds_and_excess_depth() {
    for len in [0, 15, 65, 100] {
        let e = ExtendedPrivateKey::new_master(&vec![1u8; len]).unwrap_err();
        assert!(e.to_string().contains(&format!("got {len}")), "{e}");
    }
    assert!(ExtendedPrivateKey::new_master(&[1u8; 16]).is_ok());
    assert!(ExtendedPrivateKey::new_master(&[1u8; 64]).is_ok());

    let master = ExtendedPrivateKey::new_master(&[7u8; 32]).unwrap();
    let deep = master
        .derive_path(&path(&format!("m{}", "/0'".repeat(200))))
        .unwrap();
    assert_eq!(deep.depth(), 200);
    let e = deep
        .derive_path(&path(&format!("m{}", "/1".repeat(56))))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidPath { .. }), "{e}");
    let deepest = deep
        .derive_path(&path(&format!("m{}", "/1".repeat(55))))
        .unwrap();
    assert_eq!(deepest.depth(), 255);
    assert!(deepest.derive_child(ChildNumber::from_raw(0)).is_err());
}

#[test]
fn secrets_are_redacted() {
    let seed = hex::decode(vectors::VECTORS[0].seed).unwrap();
    let key = ExtendedPrivateKey::new_master(&seed).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("redacted"), "{debug}");
    let secret_hex = hex::encode(*key.private_key_bytes());
    let chain_hex = hex::encode(*key.chain_code());
    assert!(
        !debug.contains(&secret_hex) && !debug.contains(&chain_hex),
        "{debug}"
    );
    let as_list = format!("{:?}", &key.private_key_bytes()[..4]);
    assert!(!debug.contains(as_list.trim_matches(['[', ']'])), "{debug}");
}
