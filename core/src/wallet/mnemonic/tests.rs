use super::*;

#[test]
fn errors_name_what_is_wrong() {
    let e = Mnemonic::parse("abandon abandon").unwrap_err();
    assert!(matches!(e, Error::MnemonicWordCount { got: 2 }), "{e}");

    let phrase = "abandon abandon abandon abandon abandon abandonn abandon abandon abandon abandon abandon about";
    let e = Mnemonic::parse(phrase).unwrap_err();
    assert!(matches!(e, Error::MnemonicUnknownWord { position: 6, .. }), "{e}");
    assert!(!e.to_string().contains("abandonn"), "the word must not be echoed: {e}");

    let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon";
    assert!(matches!(Mnemonic::parse(phrase).unwrap_err(), Error::MnemonicChecksum));
}

#[test]
fn generate_every_word_count() {
    for n in WORD_COUNTS {
        let m = Mnemonic::generate(n, Language::English).unwrap();
        assert_eq!(m.word_count(), n);
        assert_eq!(Mnemonic::parse(m.phrase()).unwrap().phrase(), m.phrase());
    }
    assert!(matches!(Mnemonic::generate(13, Language::English), Err(Error::UnsupportedWordCount(13))));
}

#[test]
fn debug_is_redacted() {
    let m = Mnemonic::parse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about").unwrap();
    let dbg = format!("{m:?} {:?}", m.to_seed(""));
    assert!(!dbg.contains("abandon"), "{dbg}");
}
