use proptest::prelude::*;

use super::*;

fn reason(input: &str) -> String {
    match DerivationPath::parse(input) {
        Err(Error::InvalidPath { path, reason }) => {
            assert_eq!(path, input, "the error must carry the path as given");
            reason
        }
        other => panic!("{input:?} should be refused, got {other:?}"),
    }
}

#[test]
fn parses_and_prints_canonical_form() {
    let cases = [
        ("m", "m"),
        ("m/0", "m/0"),
        ("m/44'/60'/0'/0/0", "m/44'/60'/0'/0/0"),
        ("m/44h/60h/0h/0/7", "m/44'/60'/0'/0/7"),
        ("m/44H/501H/0H/0H", "m/44'/501'/0'/0'"),
        ("m/0'/1/2h/2/1000000000", "m/0'/1/2'/2/1000000000"),
        ("m/2147483647'/2147483647", "m/2147483647'/2147483647"),
    ];
    for (input, canonical) in cases {
        let path = DerivationPath::parse(input).unwrap();
        assert_eq!(path.to_string(), canonical);
        assert_eq!(input.parse::<DerivationPath>().unwrap(), path);
    }
    let path = DerivationPath::parse("m/44'/60'/0'/0/5").unwrap();
    assert_eq!(path.depth(), 5);
    let raw: Vec<u32> = path.iter().map(|c| c.to_raw()).collect();
    assert_eq!(raw, [0x8000_002C, 0x8000_003C, 0x8000_0000, 0, 5]);
    assert!(DerivationPath::parse("m").unwrap().is_master());
    assert_eq!(DerivationPath::master().to_string(), "m");
}

#[test]
fn refuses_malformed_paths_naming_the_component() {
    let cases = [
        ("", "starts with"),
        ("44'/60'", "starts with"),
        ("M/0", "starts with"),
        ("/0", "starts with"),
        ("mm/0", "starts with"),
        (" m/0", "whitespace"),
        ("m /0", "whitespace"),
        ("m/ 0", "component 1 (\" 0\") contains whitespace"),
        ("m/0 ", "whitespace"),
        ("m/0/\t1", "whitespace"),
        ("m/", "component 1 is empty"),
        ("m//0", "component 1 is empty"),
        ("m/0/", "component 2 is empty"),
        ("m/44'/+1", "component 2 (\"+1\") contains a sign"),
        ("m/-1", "a sign"),
        ("m/1''", "more than one hardened marker"),
        ("m/1h'", "more than one hardened marker"),
        ("m/'", "no index"),
        ("m/h", "no index"),
        ("m/0x10", "not a decimal digit"),
        ("m/1.5", "not a decimal digit"),
        ("m/٣", "not a decimal digit"),
        ("m/01", "leading zero"),
        ("m/00'", "leading zero"),
        ("m/2147483648", "out of range"),
        ("m/2147483648'", "out of range"),
        ("m/4294967296", "out of range"),
        ("m/99999999999999999999999999", "out of range"),
    ];
    for (input, expected) in cases {
        let reason = reason(input);
        assert!(
            reason.contains(expected),
            "{input:?}: {reason:?} lacks {expected:?}"
        );
    }
    let e = DerivationPath::parse("m/44'/60'/x/0").unwrap_err();
    assert!(
        e.to_string().contains("component 3") && e.to_string().contains("\"x\""),
        "{e}"
    );
}

#[test]
fn depth_is_limited_to_255() {
    let ok = format!("m{}", "/0'".repeat(MAX_DEPTH));
    let path = DerivationPath::parse(&ok).unwrap();
    assert_eq!(path.depth(), 255);
    let too_deep = format!("m{}", "/0".repeat(MAX_DEPTH + 1));
    assert!(reason(&too_deep).contains("more than 255"));
    assert!(path.child(ChildNumber::normal(0).unwrap()).is_err());
    assert!(DerivationPath::from_children(vec![ChildNumber::from_raw(0); 256]).is_err());
    assert_eq!(
        DerivationPath::from_children(vec![ChildNumber::from_raw(0); 255]).unwrap(),
        { DerivationPath::parse(&format!("m{}", "/0".repeat(255))).unwrap() }
    );
}

#[test]
fn child_numbers() {
    assert!(ChildNumber::hardened(HARDENED_BIT).is_err());
    assert!(ChildNumber::normal(HARDENED_BIT).is_err());
    let h = ChildNumber::hardened(HARDENED_BIT - 1).unwrap();
    assert_eq!(h.to_raw(), u32::MAX);
    assert_eq!(ChildNumber::from_raw(u32::MAX), h);
    assert_eq!(
        ChildNumber::from_raw(0x8000_0000),
        ChildNumber::hardened(0).unwrap()
    );
    assert_eq!("44'".parse::<ChildNumber>().unwrap().to_string(), "44'");
    assert_eq!(
        "7".parse::<ChildNumber>().unwrap(),
        ChildNumber::normal(7).unwrap()
    );
    assert!("7 ".parse::<ChildNumber>().is_err());
    assert!("".parse::<ChildNumber>().is_err());
    let e = "2147483648h".parse::<ChildNumber>().unwrap_err();
    assert!(
        e.to_string().contains("\"2147483648h\" is out of range"),
        "{e}"
    );
}

#[test]
fn evm_and_solana_constructors() {
    assert_eq!(
        DerivationPath::evm(0).unwrap().to_string(),
        "m/44'/60'/0'/0/0"
    );
    assert_eq!(
        DerivationPath::evm(12).unwrap().to_string(),
        "m/44'/60'/0'/0/12"
    );
    assert!(DerivationPath::evm(HARDENED_BIT).is_err());

    let sol = |i, s| DerivationPath::solana(i, s).unwrap().to_string();
    assert_eq!(sol(0, SolanaPathStyle::default()), "m/44'/501'/0'/0'");
    assert_eq!(sol(3, SolanaPathStyle::Bip44Change), "m/44'/501'/3'/0'");
    assert_eq!(sol(3, SolanaPathStyle::Bip44), "m/44'/501'/3'");
    assert!(DerivationPath::solana(HARDENED_BIT, SolanaPathStyle::Bip44).is_err());
    assert!(DerivationPath::solana(HARDENED_BIT - 1, SolanaPathStyle::Bip44).is_ok());
}

#[test]
fn solana_path_style_names() {
    for (name, style) in [
        ("bip44-change", SolanaPathStyle::Bip44Change),
        ("phantom", SolanaPathStyle::Bip44Change),
        ("Solflare", SolanaPathStyle::Bip44Change),
        ("bip44_change", SolanaPathStyle::Bip44Change),
        ("bip44", SolanaPathStyle::Bip44),
        ("ledger", SolanaPathStyle::Bip44),
    ] {
        assert_eq!(name.parse::<SolanaPathStyle>().unwrap(), style, "{name}");
    }
    for style in SolanaPathStyle::ALL {
        assert_eq!(style.to_string().parse::<SolanaPathStyle>().unwrap(), style);
    }
    let e = "trust".parse::<SolanaPathStyle>().unwrap_err();
    assert!(
        e.to_string().contains("\"trust\"") && e.to_string().contains("bip44-change"),
        "{e}"
    );
}

fn arb_child() -> impl Strategy<Value = ChildNumber> {
    (0..HARDENED_BIT, any::<bool>()).prop_map(|(i, h)| ChildNumber::new(i, h).unwrap())
}

proptest! {
    #[test]
    fn display_then_parse_round_trips(children in prop::collection::vec(arb_child(), 0..40)) {
        let path = DerivationPath::from_children(children).unwrap();
        let text = path.to_string();
        prop_assert_eq!(DerivationPath::parse(&text).unwrap(), path);
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(s in ".{0,64}") {
        let _ = DerivationPath::parse(&s);
        let _ = s.parse::<SolanaPathStyle>();
        let _ = s.parse::<ChildNumber>();
    }

    #[test]
    fn parsing_path_like_text_never_panics(s in "m(/[0-9hH'+ -]{0,12}){0,6}") {
        if let Ok(path) = DerivationPath::parse(&s) {
            prop_assert_eq!(DerivationPath::parse(&path.to_string()).unwrap(), path);
        }
    }
}
