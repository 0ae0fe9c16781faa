use std::time::{Duration, UNIX_EPOCH};

use super::*;

/// The example message of EIP-4361.
const EIP_EXAMPLE: &str = "example.com wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

I accept the ExampleOrg Terms of Service: https://example.com/tos

URI: https://example.com/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24Z
Resources:
- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
- https://example.com/my-web2-claim.json";

fn signer() -> EvmSigner {
    EvmSigner::from_private_key(&[0x46; 32]).unwrap()
}

fn field_of(err: Error) -> String {
    match err {
        Error::InvalidSiweMessage { field, .. } => field,
        other => panic!("not a SIWE error: {other}"),
    }
}

fn at(unix: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

#[test]
fn parses_the_eip_example() {
    let m = SiweMessage::parse(EIP_EXAMPLE).unwrap();
    assert_eq!(m.scheme, None);
    assert_eq!(m.domain, "example.com");
    assert_eq!(
        m.address.to_checksum(),
        "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
    );
    assert_eq!(
        m.statement.as_deref(),
        Some("I accept the ExampleOrg Terms of Service: https://example.com/tos")
    );
    assert_eq!(m.uri, "https://example.com/login");
    assert_eq!(m.chain_id, 1);
    assert_eq!(m.nonce, "32891756");
    assert_eq!(m.issued_at.as_str(), "2021-09-30T16:25:24Z");
    assert_eq!(m.resources.len(), 2);
    assert_eq!(m.to_message().unwrap(), EIP_EXAMPLE);
    // The same with a scheme in the header (the EIP's second example).
    let with_scheme = format!("https://{EIP_EXAMPLE}");
    let m = SiweMessage::parse(&with_scheme).unwrap();
    assert_eq!(m.scheme.as_deref(), Some("https"));
    assert_eq!(m.to_message().unwrap(), with_scheme);
}

#[test]
fn statement_forms_round_trip() {
    let base = SiweMessage::new(
        "localhost:3000",
        signer().address(),
        "http://localhost:3000/",
        10,
        "abcdefgh12345678",
        DateTime::parse("2024-01-01T00:00:00.000Z").unwrap(),
    );
    for statement in [None, Some(""), Some("Sign in!")] {
        let mut m = base.clone();
        m.statement = statement.map(str::to_owned);
        m.expiration_time = Some(DateTime::parse("2024-01-02T00:00:00+01:00").unwrap());
        m.not_before = Some(DateTime::parse("2023-12-31T23:00:00Z").unwrap());
        m.request_id = Some("req-1:@!".into());
        m.resources = vec!["https://example.com/a".into()];
        let text = m.to_message().unwrap();
        let newlines = match statement {
            None => "\n\n\nURI",
            Some("") => "\n\n\n\nURI",
            Some(_) => "\n\nSign in!\n\nURI",
        };
        assert!(text.contains(newlines), "{text:?}");
        assert_eq!(SiweMessage::parse(&text).unwrap(), m);
    }
}

#[test]
fn parse_refusals_name_the_field() {
    let cases: &[(&str, &str, &str)] = &[
        ("example.com wants", "example.com asks", "header"),
        (
            "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
            "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",
            "address",
        ),
        (
            "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
            "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc",
            "address",
        ),
        ("Version: 1", "Version: 2", "Version"),
        ("Chain ID: 1", "Chain ID: 01", "Chain ID"),
        ("Chain ID: 1", "Chain ID: 18446744073709551616", "Chain ID"),
        ("Chain ID: 1", "Chain ID: one", "Chain ID"),
        ("Nonce: 32891756", "Nonce: 3289175", "Nonce"),
        ("Nonce: 32891756", "Nonce: 32891756!", "Nonce"),
        ("2021-09-30T16:25:24Z", "2021-09-30 16:25:24Z", "Issued At"),
        (
            "URI: https://example.com/login",
            "URI: example.com/login",
            "URI",
        ),
        (
            "URI: https://example.com/login",
            "Uri: https://example.com/login",
            "URI",
        ),
        ("example.com wants", "exa mple.com wants", "domain"),
        ("Terms of Service:", "Terms of \"Service\":", "statement"),
        ("Terms of Service:", "Terms of Service™:", "statement"),
        (
            "- https://example.com/my-web2-claim.json",
            "- not a uri",
            "Resources[1]",
        ),
        (
            "- https://example.com/my-web2-claim.json",
            "-https://x.y",
            "message",
        ),
    ];
    for (from, to, field) in cases {
        assert!(EIP_EXAMPLE.contains(from), "{from}");
        let text = EIP_EXAMPLE.replacen(from, to, 1);
        let err = SiweMessage::parse(&text).unwrap_err();
        assert_eq!(field_of(err), *field, "{to}");
    }
    // Structure: CRLF, a trailing line break, missing lines, fields out of order or twice.
    for (text, field) in [
        (EIP_EXAMPLE.replace('\n', "\r\n"), "header"),
        (format!("{EIP_EXAMPLE}\n"), "message"),
        (EIP_EXAMPLE.replacen("\nVersion: 1", "", 1), "Version"),
        (EIP_EXAMPLE.replacen("\n\nURI:", "\nURI:", 1), "statement"),
        (
            EIP_EXAMPLE.replacen(
                "\nResources:",
                "\nNot Before: 2021-09-30T16:25:24Z\nExpiration Time: 2021-09-30T16:25:24Z\nResources:",
                1,
            ),
            "message",
        ),
        (
            EIP_EXAMPLE.replacen(
                "\nResources:",
                "\nRequest ID: a\nRequest ID: b\nResources:",
                1,
            ),
            "message",
        ),
        (EIP_EXAMPLE.split("\nNonce").next().unwrap().to_owned(), "Nonce"),
    ] {
        let err = SiweMessage::parse(&text).unwrap_err();
        assert_eq!(field_of(err), field, "{text:?}");
    }
}

#[test]
fn validate_names_the_mismatch() {
    let mut m = SiweMessage::parse(EIP_EXAMPLE).unwrap();
    m.expiration_time = Some(DateTime::parse("2021-10-01T00:00:00Z").unwrap());
    m.not_before = Some(DateTime::parse("2021-09-30T00:00:00Z").unwrap());
    let ok = SiweExpectations {
        domain: Some("example.com".into()),
        scheme: Some("https".into()),
        address: Some(m.address),
        chain_id: Some(1),
        nonce: Some("32891756".into()),
        time: Some(at(1_633_019_124)),
    };
    m.validate(&ok).unwrap();
    let check = |edit: &dyn Fn(&mut SiweExpectations), field: &str| {
        let mut e = ok.clone();
        edit(&mut e);
        assert_eq!(field_of(m.validate(&e).unwrap_err()), field);
    };
    check(&|e| e.domain = Some("evil.com".into()), "domain");
    check(&|e| e.address = Some(EvmAddress::ZERO), "address");
    check(&|e| e.chain_id = Some(10), "Chain ID");
    check(&|e| e.nonce = Some("00000000".into()), "Nonce");
    // Expired exactly at the expiration time; not valid a second before Not Before.
    check(&|e| e.time = Some(at(1_633_046_400)), "Expiration Time");
    check(&|e| e.time = Some(at(1_632_960_000 - 1)), "Not Before");
    let mut at_nbf = ok.clone();
    at_nbf.time = Some(at(1_632_960_000));
    m.validate(&at_nbf).unwrap();
    // A message that names a scheme is held to it.
    let mut https = m.clone();
    https.scheme = Some("http".into());
    assert_eq!(field_of(https.validate(&ok).unwrap_err()), "scheme");
}

#[test]
fn sign_and_verify() {
    let s = signer();
    let m = SiweMessage::new(
        "example.com",
        s.address(),
        "https://example.com/login",
        1,
        "32891756abc",
        DateTime::from_unix(1_700_000_000).unwrap(),
    );
    let (text, sig) = m.sign(&s).unwrap();
    assert_eq!(
        verify(&text, &sig, &SiweExpectations::default()).unwrap(),
        m
    );
    // Tampering with the text breaks the signature.
    let forged = text.replace("Chain ID: 1", "Chain ID: 2");
    assert!(verify(&forged, &sig, &SiweExpectations::default()).is_err());
    // A message for another account is not signed.
    let mut other = m.clone();
    other.address = EvmAddress::ZERO;
    assert_eq!(field_of(other.sign(&s).unwrap_err()), "address");
    let text_other = other.to_message().unwrap();
    let expected = SiweExpectations {
        domain: Some("example.com".into()),
        ..SiweExpectations::default()
    };
    let err = sign_message_text(&text_other, &expected, &s).unwrap_err();
    assert_eq!(field_of(err), "address");
    // A dApp's text is signed as given.
    let (parsed, sig2) = sign_message_text(&text, &expected, &s).unwrap();
    assert_eq!(parsed, m);
    assert_eq!(sig2, sig);
    let wrong_domain = SiweExpectations {
        domain: Some("example.org".into()),
        ..SiweExpectations::default()
    };
    assert_eq!(
        field_of(sign_message_text(&text, &wrong_domain, &s).unwrap_err()),
        "domain"
    );
    // Building refuses what parsing would refuse.
    let mut bad = m.clone();
    bad.statement = Some("two\nlines".into());
    assert_eq!(field_of(bad.to_message().unwrap_err()), "statement");
    let mut bad = m;
    bad.nonce = "short".into();
    assert_eq!(field_of(bad.to_message().unwrap_err()), "Nonce");
}

proptest::proptest! {
    #[test]
    fn parse_never_panics(text in "\\PC{0,400}") {
        let _ = SiweMessage::parse(&text);
    }

    #[test]
    fn parse_never_panics_near_valid(cut in 0usize..500, insert in "[\\x00-\\x7f]{0,3}") {
        let mut text = EIP_EXAMPLE.to_owned();
        let at = cut.min(text.len());
        text.insert_str(at, &insert);
        if let Ok(m) = SiweMessage::parse(&text) {
            proptest::prop_assert_eq!(m.to_message().unwrap(), text);
        }
    }
}

#[test]
fn a_wallet_signs_only_for_a_domain_it_names_and_https_unless_told() {
    let signer = EvmSigner::from_private_key(&[0x11; 32]).unwrap();
    let mut m = SiweMessage::new(
        "example.com",
        signer.address(),
        "https://example.com/login",
        1,
        "abcdefgh1",
        DateTime::parse("2026-01-01T00:00:00Z").unwrap(),
    );
    let text = m.to_message().unwrap();
    let e = sign_message_text(&text, &SiweExpectations::default(), &signer)
        .unwrap_err()
        .to_string();
    assert!(e.contains("domain"), "{e}");
    let for_example = SiweExpectations {
        domain: Some("example.com".into()),
        ..SiweExpectations::default()
    };
    sign_message_text(&text, &for_example, &signer).unwrap();

    m.scheme = Some("http".into());
    let text = m.to_message().unwrap();
    let e = sign_message_text(&text, &for_example, &signer)
        .unwrap_err()
        .to_string();
    assert!(e.contains("scheme"), "{e}");
    let over_http = SiweExpectations {
        scheme: Some("http".into()),
        ..for_example
    };
    sign_message_text(&text, &over_http, &signer).unwrap();
}
