use super::*;

#[test]
fn errors_name_what_is_wrong() {
    let e = Mnemonic::parse("abandon abandon").unwrap_err();
    assert!(matches!(e, Error::MnemonicWordCount { got: 2 }), "{e}");

    let phrase = "abandon abandon abandon abandon abandon abandonn abandon abandon abandon abandon abandon about";
    let e = Mnemonic::parse(phrase).unwrap_err();
    assert!(
        matches!(e, Error::MnemonicUnknownWord { position: 6, .. }),
        "{e}"
    );
    assert!(
        !e.to_string().contains("abandonn"),
        "the word must not be echoed: {e}"
    );

    let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon";
    assert!(matches!(
        Mnemonic::parse(phrase).unwrap_err(),
        Error::MnemonicChecksum
    ));
}

#[test]
fn generate_every_word_count() {
    for n in WORD_COUNTS {
        let m = Mnemonic::generate(n, Language::English).unwrap();
        assert_eq!(m.word_count(), n);
        assert_eq!(Mnemonic::parse(m.phrase()).unwrap().phrase(), m.phrase());
    }
    assert!(matches!(
        Mnemonic::generate(13, Language::English),
        Err(Error::UnsupportedWordCount(13))
    ));
}

#[test]
fn debug_is_redacted() {
    let m = Mnemonic::parse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about").unwrap();
    let dbg = format!("{m:?} {:?}", m.to_seed(""));
    assert!(!dbg.contains("abandon"), "{dbg}");
}

mod bip39_vectors;

/// Runs one table of trezor/python-mnemonic vectors: entropy -> mnemonic, mnemonic -> entropy
/// (by parsing), mnemonic + "TREZOR" -> seed, seed -> BIP32 root xprv.
fn check_vectors(language: Language, table: &[bip39_vectors::Vector]) {
    use crate::wallet::bip32::ExtendedPrivateKey;

    for (i, &(entropy, phrase, seed, xprv)) in table.iter().enumerate() {
        let at = format!("{language} vector {}", i + 1);
        let canonical: String = phrase.replace('\u{3000}', " ").nfkd().collect();

        let from_entropy =
            Mnemonic::from_entropy(&hex::decode(entropy).unwrap(), language).unwrap();
        assert_eq!(
            from_entropy.phrase(),
            canonical,
            "{at}: entropy -> mnemonic"
        );
        assert_eq!(
            from_entropy.word_count(),
            hex::decode(entropy).unwrap().len() * 3 / 4
        );

        let parsed = Mnemonic::parse_in(language, phrase).unwrap();
        assert_eq!(parsed.phrase(), canonical, "{at}: parse");

        let computed = parsed.to_seed("TREZOR");
        assert_eq!(hex::encode(computed.as_bytes()), seed, "{at}: seed");

        let root = ExtendedPrivateKey::new_master(computed.as_bytes()).unwrap();
        assert_eq!(root.to_xprv().as_str(), xprv, "{at}: BIP32 root key");
    }
}

#[test]
fn trezor_english_vectors() {
    check_vectors(Language::English, &bip39_vectors::ENGLISH);
}

#[test]
fn trezor_japanese_vectors() {
    check_vectors(Language::Japanese, &bip39_vectors::JAPANESE);
}

#[test]
fn known_seed_without_passphrase() {
    // BIP39's best-known seed: "abandon ... about" with an empty passphrase.
    let m = Mnemonic::parse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about").unwrap();
    assert_eq!(
        hex::encode(m.to_seed("").as_bytes()),
        "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4"
    );
}
