//! The Anchor IDL (`idl/trestle_bridge.json`) against the program: discriminators recomputed
//! from the names and compared with the program's constants (`program/src/discriminator.rs`),
//! error codes against `program/src/error.rs`.

use crate::common::{PROGRAM_ID, account_disc, error_codes, ix_disc};
use serde_json::Value;

fn idl() -> Value {
    serde_json::from_str(include_str!("../../../idl/trestle_bridge.json")).unwrap()
}

/// `NAME: [u8; 8] = [..]` constants of the program's discriminator module.
fn program_constants() -> Vec<(String, Vec<u8>)> {
    include_str!("../../../program/src/discriminator.rs")
        .lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("pub const ")?;
            let (name, rest) = rest.split_once(": [u8; 8] = [")?;
            let bytes = rest
                .strip_suffix("];")?
                .split(", ")
                .map(|b| b.parse().unwrap())
                .collect();
            Some((name.to_owned(), bytes))
        })
        .collect()
}

fn constant(name: &str) -> Vec<u8> {
    program_constants()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("program/src/discriminator.rs has no {name}"))
        .1
}

fn bytes(v: &Value) -> Vec<u8> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect()
}

#[test]
fn idl_is_anchor_spec_0_1_0_for_this_program() {
    let idl = idl();
    assert_eq!(idl["address"], PROGRAM_ID.to_string());
    assert_eq!(idl["metadata"]["spec"], "0.1.0");
    assert_eq!(idl["metadata"]["name"], "trestle_bridge");
    for key in ["instructions", "accounts", "types", "errors"] {
        assert!(
            idl[key].as_array().is_some_and(|a| !a.is_empty()),
            "IDL lacks {key}"
        );
    }
}

#[test]
fn instruction_discriminators_match_the_program() {
    let idl = idl();
    let instructions = idl["instructions"].as_array().unwrap();
    let constants: Vec<_> = program_constants()
        .into_iter()
        .filter(|(n, _)| !n.ends_with("_ACCOUNT"))
        .collect();
    assert_eq!(
        instructions.len(),
        constants.len(),
        "IDL and program list different instructions"
    );
    for ix in instructions {
        let name = ix["name"].as_str().unwrap();
        let disc = bytes(&ix["discriminator"]);
        assert_eq!(
            disc,
            ix_disc(name),
            "IDL discriminator of {name} is not sha256(global:{name})[..8]"
        );
        assert_eq!(
            disc,
            constant(&name.to_uppercase()),
            "program constant of {name} differs from the IDL"
        );
        for a in ix["accounts"].as_array().unwrap() {
            assert!(a["name"].is_string());
        }
    }
}

#[test]
fn account_discriminators_match_the_program() {
    let idl = idl();
    let accounts = idl["accounts"].as_array().unwrap();
    let types = idl["types"].as_array().unwrap();
    for a in accounts {
        let name = a["name"].as_str().unwrap();
        let disc = bytes(&a["discriminator"]);
        assert_eq!(
            disc,
            account_disc(name),
            "IDL discriminator of account {name}"
        );
        let snake: String = name
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let sep = (i > 0 && c.is_uppercase()).then_some('_');
                sep.into_iter()
                    .chain(std::iter::once(c.to_ascii_uppercase()))
            })
            .collect();
        assert_eq!(
            disc,
            constant(&format!("{snake}_ACCOUNT")),
            "program constant of account {name}"
        );
        assert!(
            types.iter().any(|t| t["name"] == name),
            "IDL has no type for account {name}"
        );
    }
    assert_eq!(
        accounts.len(),
        program_constants()
            .iter()
            .filter(|(n, _)| n.ends_with("_ACCOUNT"))
            .count()
    );
}

#[test]
fn errors_match_the_program() {
    let idl = idl();
    let errors: Vec<(String, u32)> = idl["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["code"].as_u64().unwrap() as u32,
            )
        })
        .collect();
    assert_eq!(
        &errors,
        error_codes(),
        "IDL errors differ from program/src/error.rs"
    );
    for e in idl["errors"].as_array().unwrap() {
        assert!(
            e["msg"].as_str().is_some_and(|m| !m.is_empty()),
            "error {} has no msg",
            e["name"]
        );
    }
}
