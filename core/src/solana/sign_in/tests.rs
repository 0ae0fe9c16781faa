use super::*;

const ADDRESS: &str = "AqM9bN1ueQHxYSjTAMxAVzjSZuhiVF7dJ6fKqtwhcE2m";

fn wallet() -> SolanaSigner {
    SolanaSigner::from_secret_key(&[7; 32])
}

fn full(address: SolanaAddress) -> SignInFields {
    SignInFields {
        domain: "example.com".to_owned(),
        address,
        statement: Some("Sign in to Example: I accept the Terms".to_owned()),
        uri: Some("https://example.com/login".to_owned()),
        version: Some("1".to_owned()),
        chain_id: Some("mainnet".to_owned()),
        nonce: Some("32891756aB".to_owned()),
        issued_at: Some("2026-01-01T00:00:00.000Z".to_owned()),
        expiration_time: Some("2026-01-01T00:10:00.000Z".to_owned()),
        not_before: Some("2025-12-31T23:59:00Z".to_owned()),
        request_id: Some("req-1".to_owned()),
        resources: Some(vec![
            "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/".to_owned(),
            "https://example.com/my-web2-claim.json".to_owned(),
        ]),
    }
}

/// Written from the template in `createSignInMessageText` (@solana/wallet-standard-util
/// 1.1.4); `tests/interop/solana-dapp.test.cjs` checks the same texts against the package.
#[test]
fn writes_the_wallet_standard_text() {
    let address = SolanaAddress::parse(ADDRESS).unwrap();
    let m = SignInMessage::new(full(address)).unwrap();
    assert_eq!(
        m.text(),
        "example.com wants you to sign in with your Solana account:\n\
         AqM9bN1ueQHxYSjTAMxAVzjSZuhiVF7dJ6fKqtwhcE2m\n\
         \n\
         Sign in to Example: I accept the Terms\n\
         \n\
         URI: https://example.com/login\n\
         Version: 1\n\
         Chain ID: mainnet\n\
         Nonce: 32891756aB\n\
         Issued At: 2026-01-01T00:00:00.000Z\n\
         Expiration Time: 2026-01-01T00:10:00.000Z\n\
         Not Before: 2025-12-31T23:59:00Z\n\
         Request ID: req-1\n\
         Resources:\n\
         - ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/\n\
         - https://example.com/my-web2-claim.json"
    );
    assert_eq!(SignInMessage::parse(m.text()).unwrap(), m);

    // Only the required lines.
    let minimal = SignInMessage::new(SignInFields {
        domain: "localhost:3000".to_owned(),
        address,
        ..SignInFields::default()
    })
    .unwrap();
    assert_eq!(
        minimal.text(),
        "localhost:3000 wants you to sign in with your Solana account:\n\
         AqM9bN1ueQHxYSjTAMxAVzjSZuhiVF7dJ6fKqtwhcE2m"
    );
    assert_eq!(SignInMessage::parse(minimal.text()).unwrap(), minimal);

    // A statement and no fields; fields and no statement.
    for fields in [
        SignInFields {
            statement: Some("Hello".to_owned()),
            ..minimal.fields().clone()
        },
        SignInFields {
            nonce: Some("abcdefgh".to_owned()),
            resources: Some(Vec::new()),
            ..minimal.fields().clone()
        },
    ] {
        let m = SignInMessage::new(fields).unwrap();
        assert_eq!(SignInMessage::parse(m.text()).unwrap(), m);
    }
}

#[test]
fn signs_after_checking_domain_address_and_time() {
    let w = wallet();
    let m = SignInMessage::new(full(w.pubkey())).unwrap();
    let now = SignInMessage::parse_time("2026-01-01T00:05:00Z").unwrap();
    let signature = m.sign(&w, "EXAMPLE.com", now).unwrap();
    m.verify(&signature).unwrap();
    SolanaSigner::verify(&w.pubkey(), m.text().as_bytes(), &signature).unwrap();

    let err = |r: Result<[u8; 64]>| r.unwrap_err().to_string();
    let e = err(m.sign(&w, "evil.example", now));
    assert!(
        e.contains("for domain \"example.com\", but the request came from \"evil.example\""),
        "{e}"
    );
    let other = SolanaSigner::from_secret_key(&[8; 32]);
    let e = err(m.sign(&other, "example.com", now));
    assert!(e.contains(&other.pubkey().to_string()), "{e}");
    assert!(e.contains(&w.pubkey().to_string()), "{e}");
    let late = SignInMessage::parse_time("2026-01-01T00:10:00Z").unwrap();
    let e = err(m.sign(&w, "example.com", late));
    assert!(e.contains("expired at 2026-01-01T00:10:00.000Z"), "{e}");
    let early = SignInMessage::parse_time("2025-12-31T23:58:59Z").unwrap();
    let e = err(m.sign(&w, "example.com", early));
    assert!(
        e.contains("not valid before 2025-12-31T23:59:00.000Z"),
        "{e}"
    );

    let no_nonce = SignInMessage::new(SignInFields {
        nonce: None,
        ..full(w.pubkey())
    })
    .unwrap();
    let e = err(no_nonce.sign(&w, "example.com", now));
    assert!(e.contains("no nonce"), "{e}");

    let backwards = SignInMessage::new(SignInFields {
        expiration_time: Some("2025-12-31T00:00:00Z".to_owned()),
        not_before: None,
        ..full(w.pubkey())
    })
    .unwrap();
    let e = err(backwards.sign(&w, "example.com", now));
    assert!(e.contains("is not after Issued At"), "{e}");
}

#[test]
fn refuses_bad_fields_naming_them() {
    let address = wallet().pubkey();
    let cases: Vec<(SignInFields, &str)> = vec![
        (
            SignInFields {
                domain: String::new(),
                ..full(address)
            },
            "the domain is empty",
        ),
        (
            SignInFields {
                domain: "exa mple.com".to_owned(),
                ..full(address)
            },
            "a domain is a host[:port]",
        ),
        (
            SignInFields {
                statement: Some("two\nlines".to_owned()),
                ..full(address)
            },
            "the statement contains a line break",
        ),
        (
            SignInFields {
                nonce: Some("short1".to_owned()),
                ..full(address)
            },
            "at least 8 ASCII letters or digits",
        ),
        (
            SignInFields {
                nonce: Some("abcd-efgh".to_owned()),
                ..full(address)
            },
            "at least 8 ASCII letters or digits",
        ),
        (
            SignInFields {
                version: Some("2".to_owned()),
                ..full(address)
            },
            "version \"2\" is not supported",
        ),
        (
            SignInFields {
                issued_at: Some("yesterday".to_owned()),
                ..full(address)
            },
            "Issued At \"yesterday\"",
        ),
        (
            SignInFields {
                uri: Some(String::new()),
                ..full(address)
            },
            "the URI field is empty",
        ),
        (
            SignInFields {
                statement: Some("URI: https://evil.example".to_owned()),
                uri: None,
                version: None,
                chain_id: None,
                nonce: None,
                issued_at: None,
                expiration_time: None,
                not_before: None,
                request_id: None,
                resources: None,
                ..full(address)
            },
            "reads back as field lines",
        ),
    ];
    for (fields, want) in cases {
        let e = SignInMessage::new(fields).unwrap_err().to_string();
        assert!(e.contains(want), "{e} (wanted {want:?})");
    }
}

#[test]
fn refuses_texts_not_in_the_exact_format() {
    let m = SignInMessage::new(full(wallet().pubkey())).unwrap();
    let text = m.text();
    let cases = [
        (format!("{text}\n"), "ends with a line break"),
        (
            text.replacen(" wants you", " want you", 1),
            "the first line",
        ),
        (
            text.replacen(&wallet().pubkey().to_string(), "0xabc", 1),
            "address",
        ),
        (
            text.replacen(
                "Version: 1\nChain ID: mainnet",
                "Chain ID: mainnet\nVersion: 1",
                1,
            ),
            "in its place",
        ),
        (text.replacen("Nonce:", "Nonce :", 1), "is not a field"),
        (text.replacen("\n\nSign in", "\nSign in", 1), "blank line"),
        (text.replacen("- https", "* https", 1), "after Resources:"),
        (
            "example.com wants you to sign in with your Solana account:".to_owned(),
            "address) is missing",
        ),
    ];
    for (bad_text, want) in cases {
        let e = SignInMessage::parse(&bad_text).unwrap_err().to_string();
        assert!(e.contains(want), "{e} (wanted {want:?})");
    }
}

#[test]
fn statements_that_would_display_otherwise_are_refused() {
    for bad in [
        "a\u{202E}b",
        "a\u{2028}URI: https://evil",
        "a\u{0085}b",
        "a\u{7}b",
        "x\u{2067}y",
    ] {
        let fields = SignInFields {
            domain: "example.com".into(),
            address: SolanaAddress([7; 32]),
            statement: Some(bad.into()),
            ..SignInFields::default()
        };
        let e = SignInMessage::new(fields).unwrap_err().to_string();
        assert!(e.contains("the statement contains"), "{bad:?}: {e}");
    }
    // Other scripts and symbols are fine.
    let fields = SignInFields {
        domain: "example.com".into(),
        address: SolanaAddress([7; 32]),
        statement: Some("¡Hola! 登录 — ok".into()),
        ..SignInFields::default()
    };
    SignInMessage::new(fields).unwrap();
}
