use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::keccak256;
use alloy_sol_types::SolError;
use trestle_bridge::evm_bindings::{Bridge, BridgedToken, ERC1967Proxy};

use super::*;

fn repo_file(path: &str) -> serde_json::Value {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// A custom error of the ABI: its name and `(type, name)` of each parameter.
type AbiError = (String, Vec<(String, String)>);

/// Every `error` of every committed ABI, by selector (keccak-256 of the canonical signature).
fn abi_errors() -> BTreeMap<[u8; 4], AbiError> {
    let dir = format!("{}/../contracts/evm/abi", env!("CARGO_MANIFEST_DIR"));
    let mut all = BTreeMap::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        files += 1;
        let artifact: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let abi = artifact.get("abi").unwrap_or(&artifact).as_array().unwrap();
        for item in abi.iter().filter(|i| i["type"] == "error") {
            let name = item["name"].as_str().unwrap().to_owned();
            let params: Vec<(String, String)> = item["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["type"].as_str().unwrap().to_owned(),
                        i["name"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            let types: Vec<&str> = params.iter().map(|(t, _)| t.as_str()).collect();
            let hash = keccak256(format!("{name}({})", types.join(",")));
            let selector: [u8; 4] = hash[..4].try_into().unwrap();
            all.insert(selector, (name, params));
        }
    }
    assert!(files >= 4, "no ABI found in {dir}");
    all
}

#[test]
fn the_table_is_every_custom_error_of_the_committed_abi() {
    let abi = abi_errors();
    let table = &*evm::TABLE;
    assert_eq!(
        table.len(),
        evm::ERRORS.len(),
        "a declaration does not parse"
    );
    let mut seen = BTreeSet::new();
    for entry in table {
        assert!(seen.insert(entry.selector), "{} twice", entry.name);
        let Some((name, params)) = abi.get(&entry.selector) else {
            panic!("{} is in no committed ABI (removed?)", entry.signature());
        };
        assert_eq!(entry.name, name);
        let ours: Vec<(String, String)> = entry
            .params
            .iter()
            .map(|(t, n)| ((*t).to_owned(), (*n).to_owned()))
            .collect();
        assert_eq!(&ours, params, "{name}: parameters differ from the ABI");
        assert!(!entry.sentence.is_empty());
        // Every parameter is one ABI word (the decoder relies on it).
        for (ty, _) in &entry.params {
            assert!(
                ty.starts_with("uint") || ["address", "bytes32", "bytes4"].contains(ty),
                "{name}: {ty} is not a static one-word type"
            );
        }
    }
    let missing: Vec<&String> = abi
        .iter()
        .filter(|(s, _)| !seen.contains(*s))
        .map(|(_, (name, _))| name)
        .collect();
    assert!(
        missing.is_empty(),
        "custom errors of the ABI with no words in bridge-client/src/errors/evm.rs: {missing:?}"
    );
}

#[test]
fn every_error_of_the_generated_bindings_decodes() {
    let selectors = Bridge::BridgeErrors::SELECTORS
        .iter()
        .chain(BridgedToken::BridgedTokenErrors::SELECTORS)
        .chain(ERC1967Proxy::ERC1967ProxyErrors::SELECTORS);
    for selector in selectors {
        let error = evm_revert(selector).unwrap_or_else(|| panic!("0x{}", hex::encode(selector)));
        assert!(error.arguments.is_empty());
    }
    assert_eq!(Bridge::Paused::SELECTOR, [0x9e, 0x87, 0xfa, 0xc8]);
}

#[test]
fn arguments_are_decoded_by_type() {
    let data = Bridge::LedgerExceeded {
        tokenId: [0xab; 32].into(),
        remote: 7,
        requested: alloy_primitives::U256::from(5_000u64),
        available: alloy_primitives::U256::from(12u64),
    }
    .abi_encode();
    let error = evm_revert(&data).unwrap();
    assert_eq!(error.name, "LedgerExceeded");
    assert_eq!(
        error.to_string(),
        format!(
            "LedgerExceeded: the route's ledger does not allow this amount (tokenId 0x{}, \
             remote 7, requested 5000, available 12)",
            "ab".repeat(32)
        )
    );
    let signer = alloy_primitives::Address::from([0x11; 20]);
    let data = Bridge::Unsorted {
        index: alloy_primitives::U256::from(1u64),
        signer,
        previous: alloy_primitives::Address::ZERO,
    }
    .abi_encode();
    let error = evm_revert(&data).unwrap();
    assert_eq!(
        error.arguments,
        vec![
            ("index", "1".to_owned()),
            ("signer", signer.to_checksum(None)),
            (
                "previous",
                alloy_primitives::Address::ZERO.to_checksum(None)
            ),
        ]
    );
    let data = Bridge::TimelockPending {
        now_: alloy_primitives::U256::from(10u64),
        readyAt: alloy_primitives::U256::from(20u64),
    }
    .abi_encode();
    assert!(
        evm_revert(&data)
            .unwrap()
            .to_string()
            .ends_with("(now 10, readyAt 20)")
    );
    // The selector alone: the error without arguments. Unknown selectors and short data: none.
    let error = evm_revert(&data[..4]).unwrap();
    assert!(error.arguments.is_empty());
    assert_eq!(evm_revert(&[1, 2, 3, 4]), None);
    assert_eq!(evm_revert(&[0x9e, 0x87]), None);
}

#[test]
fn every_program_error_of_the_idl_has_words() {
    let idl = repo_file("contracts/solana/idl/trestle_bridge.json");
    let from_idl: BTreeSet<(u32, String)> = idl["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                u32::try_from(e["code"].as_u64().unwrap()).unwrap(),
                e["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let ours: BTreeSet<(u32, String)> = solana::ERRORS
        .iter()
        .map(|(code, name, _)| (*code, (*name).to_owned()))
        .collect();
    assert_eq!(ours.len(), solana::ERRORS.len(), "a code twice");
    let missing: Vec<_> = from_idl.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&from_idl).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "bridge-client/src/errors/solana.rs differs from the IDL: missing {missing:?}, not in \
         the IDL {extra:?}"
    );
    for (code, name, sentence) in solana::ERRORS {
        assert!(
            sentence.starts_with(|c: char| c.is_lowercase()),
            "{name} ({code}): {sentence:?}"
        );
    }
}

#[test]
fn texts_are_rewritten_in_words() {
    let paused = "Paused: the bridge is paused";
    let cases: Vec<(String, String)> = vec![
        // anvil through trestle-evm: the selector in the message, the data after it.
        (
            "transaction rejected by a: eth_estimateGas: execution reverted: custom error \
             0x9e87fac8 (code 3, revert data 0x9e87fac8)"
                .into(),
            format!(
                "transaction rejected by a: eth_estimateGas: execution reverted: {paused} (code 3)"
            ),
        ),
        // Only the selector (an older relayer's stored text).
        (
            "execution reverted: custom error 0x9e87fac8".into(),
            format!("execution reverted: {paused}"),
        ),
        // A node that names no custom error: the data alone, with arguments.
        (
            format!(
                "eth_call: execution reverted (code 3, revert data 0x{})",
                hex::encode(
                    Bridge::RateLimited {
                        requested: alloy_primitives::U256::from(9u64),
                        available: alloy_primitives::U256::from(2u64),
                    }
                    .abi_encode()
                )
            ),
            "eth_call: execution reverted: RateLimited: the route's rate limit does not allow \
             this amount now (requested 9, available 2) (code 3)"
                .into(),
        ),
        // Solana: the transaction error's text and its Debug form.
        (
            "Error processing Instruction 1: custom program error: 0x1791".into(),
            format!("Error processing Instruction 1: {paused} (program error 6033)"),
        ),
        (
            "InstructionError(0, Custom(6033)); again Custom(6033)".into(),
            format!(
                "InstructionError(0, {paused} (program error 6033)); again {paused} (program \
                 error 6033)"
            ),
        ),
    ];
    for (text, expected) in cases {
        let words = in_words(&text);
        assert_eq!(words, expected);
        // Once in words, nothing more changes.
        assert_eq!(in_words(&words), expected);
    }
    // Not the bridge's: left as they are.
    for text in [
        "execution reverted: custom error 0x01020304 (code 3, revert data 0x01020304)",
        "Error processing Instruction 0: custom program error: 0x1",
        "InstructionError(0, Custom(1))",
        "Custom(6033 and more",
        "nothing here",
    ] {
        assert!(matches!(in_words(text), Cow::Borrowed(_)), "{text}");
    }
}

#[test]
fn escape_sequences_and_direction_marks_are_made_visible() {
    // Regression (third review L1): a recipient program's log or a node's message put
    // terminal escape sequences and carriage returns into last_error and `bridge status`.
    let hostile = "failed\r\u{1b}[2K\u{1b}]52;c;aGk=\u{7}delivered \u{202e}lapyap";
    let shown = printable(hostile);
    assert!(
        !shown
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{shown}"
    );
    assert!(!shown.contains('\u{202e}'));
    assert!(
        shown.contains("\\u{1b}[2K") && shown.contains("\\u{d}"),
        "{shown}"
    );
    // Ordinary text, line breaks and other scripts are left as they are.
    let plain = "Paused: the bridge is paused\nretry: 登录 ¡ok!\t(1)";
    assert!(matches!(printable(plain), Cow::Borrowed(_)));
}

#[test]
fn a_huge_error_is_read_and_kept_only_to_its_first_16_kib() {
    // Regression (third review M2): megabytes of `Custom(6033)` from a hostile node made
    // each rewording quadratic in the text's length.
    let huge = "Custom(6033) ".repeat(200_000);
    let started = std::time::Instant::now();
    let out = in_words(&huge);
    // (Each code becomes a sentence: the words are a few times the codes they replace.)
    assert!(out.len() <= MAX_TEXT * 8, "{} bytes kept", out.len());
    assert!(out.ends_with('…'));
    assert!(
        out.starts_with("Paused: the bridge is paused"),
        "{}",
        &out[..60]
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Cut on a character boundary.
    let wide = "é".repeat(MAX_TEXT);
    assert!(in_words(&wide).ends_with('…'));
}
