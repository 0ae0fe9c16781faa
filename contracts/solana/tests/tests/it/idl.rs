//! The Anchor IDL (`idl/trestle_bridge.json`, spec 0.1.0) against the program, so that an
//! ordinary Anchor client built from it works without workarounds: discriminators (instructions,
//! accounts, events) recomputed from the names and compared with the program's constants
//! (`program/src/discriminator.rs`); errors (name, code, message) against
//! `program/src/error.rs`; account layouts against `program/src/state.rs`; every account and
//! event the program writes decodes with the IDL's types, exactly; every account an Anchor
//! client resolves from the IDL (seeds of constants, arguments, other accounts' keys and data;
//! `relations`; addresses) is the address the program accepts, for every instruction, a home
//! token and a bridged mint (whose optional vault is null), and the instruction such a client
//! builds is accepted; optional accounts carry no seeds Anchor would fill in where the program
//! takes null; and only the IDL's address fields depend on the deployment: the IDL that
//! `contracts/solana/idl.cjs` writes for another program id drives the program deployed there.

use std::collections::HashMap;

use litesvm::types::TransactionMetadata;
use serde_json::Value;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use trestle_bridge::solana::admin::{Action, BucketLimits};
use trestle_bridge::solana::relay::{self, Payout, Signatures};
use trestle_bridge::solana::send::{SendParams, TokenKind, send, send_paying};
use trestle_bridge::solana::state::RemoteKind;
use trestle_bridge::solana::{BridgeProgram, ReceiptKey};
use trestle_core::solana::SolanaAddress;
use trestle_core::solana::instruction as core_ix;

use crate::common::*;
use crate::deliver::{Setup, evm_sender};

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

/// CamelCase to SCREAMING_SNAKE (`TokenConfig` -> `TOKEN_CONFIG`).
fn screaming(name: &str) -> String {
    name.chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let sep = (i > 0 && c.is_uppercase()).then_some('_');
            sep.into_iter()
                .chain(std::iter::once(c.to_ascii_uppercase()))
        })
        .collect()
}

fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("IDL has no {name}"))
}

#[test]
fn idl_is_anchor_spec_0_1_0_for_this_program() {
    let idl = idl();
    assert_eq!(idl["address"], PROGRAM_ID.to_string());
    assert_eq!(idl["metadata"]["spec"], "0.1.0");
    assert_eq!(idl["metadata"]["name"], "trestle_bridge");
    for key in ["instructions", "accounts", "events", "types", "errors"] {
        assert!(
            idl[key].as_array().is_some_and(|a| !a.is_empty()),
            "IDL lacks {key}"
        );
    }
}

/// A readable path of a value in the IDL: list elements by their `name` where they have one
/// (`idl.instructions[send].accounts[vault]`), else by index.
fn child_path(path: &str, index: usize, element: &Value) -> String {
    match element["name"].as_str() {
        Some(name) => format!("{path}[{name}]"),
        None => format!("{path}[{index}]"),
    }
}

/// Where `key` appears in `v`: a string naming it (base58), or its 32 bytes as an array.
fn occurrences(v: &Value, path: &str, key: &Pubkey, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.contains(&key.to_string()) => out.push(path.to_owned()),
        Value::Array(items) => {
            if items.len() == 32 && items.iter().zip(key.as_ref()).all(|(a, b)| a == *b) {
                out.push(format!("{path} (bytes)"));
            }
            for (i, item) in items.iter().enumerate() {
                occurrences(item, &child_path(path, i, item), key, out);
            }
        }
        Value::Object(fields) => {
            for (k, item) in fields {
                occurrences(item, &format!("{path}.{k}"), key, out);
            }
        }
        _ => {}
    }
}

/// The address fields that name the deployment's program id: nothing else in the IDL
/// depends on it (`contracts/solana/idl.cjs` rewrites exactly these for a deployment).
const PROGRAM_ID_FIELDS: [&str; 4] = [
    "idl.address",
    "idl.instructions[initialize].accounts[program].address",
    "idl.instructions[send].accounts[program].address",
    "idl.instructions[pay_for_gas].accounts[program].address",
];

/// Only the address fields depend on the deployment: the program id appears nowhere else
/// (no seed holds its bytes), and `initialize.program_data` is the upgradeable loader's PDA of
/// the `program` account (Anchor's `account` seed), so an Anchor client resolves it for
/// whatever id the IDL's addresses name.
#[test]
fn only_the_address_fields_name_the_program_id() {
    let idl = idl();
    let mut found = Vec::new();
    occurrences(&idl, "idl", &PROGRAM_ID, &mut found);
    assert_eq!(found, PROGRAM_ID_FIELDS);
    let initialize = named(&idl["instructions"], "initialize");
    let program = named(&initialize["accounts"], "program");
    assert_eq!(program["address"], idl["address"]);
    let program_data = named(&initialize["accounts"], "program_data");
    assert_eq!(
        program_data["pda"],
        serde_json::json!({
            "seeds": [{ "kind": "account", "path": "program" }],
            "program": { "kind": "const", "value": LOADER_V3.to_bytes().to_vec() },
        })
    );
    for key in ["address", "relations", "optional", "writable", "signer"] {
        assert!(program_data.get(key).is_none(), "program_data.{key}");
    }
}

/// Optional accounts resolve only to what the program takes. Anchor's resolver fills in an
/// account's `pda` seeds or `address` whether or not it is optional, so an optional account
/// the program requires as null (the program id) in some cases must not have them: `send`'s
/// and `execute_queued`'s vault are `token_config.vault` (`relations`), the vault of a home
/// token and the program id for a bridged mint (what `RegisterToken` stores there);
/// `deliver`'s token accounts depend on the message, so its vault is given by the caller,
/// like its token config and mint (null for a bridged mint or an arbitrary message). Only
/// `deliver`'s authority and token program keep seeds and an address: the program reads them
/// for a token transfer only, where they are exactly those, and ignores them otherwise.
#[test]
fn optional_accounts_resolve_only_to_what_the_program_takes() {
    let idl = idl();
    let mut resolvable_optionals = Vec::new();
    for ix in idl["instructions"].as_array().unwrap() {
        for a in ix["accounts"].as_array().unwrap() {
            if a["optional"] == true && (a.get("pda").is_some() || a.get("address").is_some()) {
                resolvable_optionals.push(format!("{}.{}", ix["name"], a["name"]).replace('"', ""));
            }
        }
    }
    assert_eq!(
        resolvable_optionals,
        ["deliver.authority", "deliver.token_program"]
    );
    for ix in ["send", "execute_queued"] {
        let accounts = &named(&idl["instructions"], ix)["accounts"];
        let vault = named(accounts, "vault");
        assert_eq!(vault["optional"], true, "{ix}.vault");
        assert_eq!(vault["writable"], true, "{ix}.vault");
        assert_eq!(
            vault["relations"],
            serde_json::json!(["token_config"]),
            "{ix}.vault"
        );
        assert!(
            vault.get("pda").is_none() && vault.get("address").is_none(),
            "{ix}.vault"
        );
        let token_config = named(accounts, "token_config");
        assert!(token_config.get("pda").is_some() && token_config.get("optional").is_none());
    }
    let deliver = &named(&idl["instructions"], "deliver")["accounts"];
    for name in ["token_config", "mint", "vault"] {
        let a = named(deliver, name);
        assert_eq!(a["optional"], true, "deliver.{name}");
        for key in ["pda", "address", "relations"] {
            assert!(
                a.get(key).is_none(),
                "deliver.{name}.{key}: given by the caller"
            );
        }
    }
    let token_config = named(&idl["types"], "TokenConfig");
    let vault = named(&token_config["type"]["fields"], "vault");
    assert_eq!(vault["type"], "pubkey");
}

#[test]
fn instruction_discriminators_match_the_program() {
    let idl = idl();
    let instructions = idl["instructions"].as_array().unwrap();
    let constants: Vec<_> = program_constants()
        .into_iter()
        .filter(|(n, _)| {
            !n.ends_with("_ACCOUNT") && !n.ends_with("_EVENT") && n != "EVENT_IX_TAG_LE"
        })
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
    }
    assert_eq!(constant("EVENT_IX_TAG_LE"), EVENT_IX_TAG.to_vec());
}

#[test]
fn account_and_event_discriminators_match_the_program() {
    let idl = idl();
    let types = &idl["types"];
    for (list, prefix, suffix) in [
        ("accounts", "account", "ACCOUNT"),
        ("events", "event", "EVENT"),
    ] {
        let entries = idl[list].as_array().unwrap();
        for a in entries {
            let name = a["name"].as_str().unwrap();
            let disc = bytes(&a["discriminator"]);
            let expected = match prefix {
                "account" => account_disc(name),
                _ => event_disc(name),
            };
            assert_eq!(disc, expected, "IDL discriminator of {prefix} {name}");
            assert_eq!(
                disc,
                constant(&format!("{}_{suffix}", screaming(name))),
                "program constant of {prefix} {name}"
            );
            named(types, name);
        }
        assert_eq!(
            entries.len(),
            program_constants()
                .iter()
                .filter(|(n, _)| n.ends_with(&format!("_{suffix}")))
                .count(),
            "{list}"
        );
    }
}

#[test]
fn errors_match_the_program() {
    let idl = idl();
    let errors: Vec<(String, u32, String)> = idl["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["code"].as_u64().unwrap() as u32,
                e["msg"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        &errors,
        errors_table(),
        "IDL errors differ from program/src/error.rs"
    );
    for (name, _, msg) in &errors {
        assert!(!msg.is_empty() && !msg.ends_with('.'), "{name}: {msg}");
    }
}

fn errors_table() -> &'static Vec<(String, u32, String)> {
    crate::common::errors()
}

/// A Borsh reader driven by the IDL's types: the byte span of each value.
struct Decoder<'a> {
    types: &'a Value,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        out
    }

    fn len(&mut self) -> usize {
        u32::from_le_bytes(self.take(4).try_into().unwrap()) as usize
    }

    /// Reads one value of IDL type `ty`; returns its bytes.
    fn value(&mut self, ty: &Value) -> &'a [u8] {
        let start = self.pos;
        match ty {
            Value::String(s) => match s.as_str() {
                "u8" | "bool" => {
                    let b = self.take(1);
                    if s == "bool" {
                        assert!(b[0] <= 1, "bool {}", b[0]);
                    }
                }
                "u32" => {
                    self.take(4);
                }
                "u64" | "i64" => {
                    self.take(8);
                }
                "u128" | "i128" => {
                    self.take(16);
                }
                "pubkey" => {
                    self.take(32);
                }
                "bytes" => {
                    let n = self.len();
                    self.take(n);
                }
                other => panic!("type {other}"),
            },
            Value::Object(o) if o.contains_key("array") => {
                let inner = &ty["array"][0];
                for _ in 0..ty["array"][1].as_u64().unwrap() {
                    self.value(inner);
                }
            }
            Value::Object(o) if o.contains_key("vec") => {
                let n = self.len();
                for _ in 0..n {
                    self.value(&ty["vec"]);
                }
            }
            Value::Object(o) if o.contains_key("defined") => {
                let def = named(self.types, ty["defined"]["name"].as_str().unwrap());
                self.defined(def);
            }
            _ => panic!("type {ty}"),
        }
        &self.data[start..self.pos]
    }

    /// Reads a struct or enum definition; returns the byte span of each struct field by name.
    fn defined(&mut self, def: &Value) -> HashMap<String, (usize, &'a [u8])> {
        let mut fields = HashMap::new();
        match def["type"]["kind"].as_str().unwrap() {
            "struct" => {
                for f in def["type"]["fields"].as_array().unwrap() {
                    let at = self.pos;
                    let v = self.value(&f["type"]);
                    fields.insert(f["name"].as_str().unwrap().to_owned(), (at, v));
                }
            }
            "enum" => {
                let tag = self.take(1)[0] as usize;
                let variant = &def["type"]["variants"][tag];
                assert!(!variant.is_null(), "enum {} tag {tag}", def["name"]);
                for f in variant["fields"].as_array().unwrap_or(&Vec::new()) {
                    self.value(&f["type"]);
                }
            }
            k => panic!("kind {k}"),
        }
        fields
    }
}

/// Decodes `data` (after its 8-byte discriminator) as IDL type `name`; returns each field's
/// offset in `data` and bytes, and how many bytes the type used.
fn decode_as<'a>(
    idl: &'a Value,
    name: &str,
    data: &'a [u8],
) -> (HashMap<String, (usize, &'a [u8])>, usize) {
    let mut d = Decoder {
        types: &idl["types"],
        data,
        pos: 8,
    };
    let fields = d.defined(named(&idl["types"], name));
    (fields, d.pos)
}

/// `pub const FIELD: usize = N;` of module `module` in program/src/state.rs.
fn state_offsets(module: &str) -> HashMap<String, usize> {
    let src = include_str!("../../../program/src/state.rs");
    let start = src
        .find(&format!("pub mod {module} {{"))
        .unwrap_or_else(|| panic!("state.rs has no module {module}"));
    let body = &src[start..];
    let body = &body[..body.find("\n}\n").unwrap()];
    body.lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("pub const ")?;
            let (name, value) = rest.split_once(": usize = ")?;
            let value = value.strip_suffix(';')?.parse().ok()?;
            Some((name.to_owned(), value))
        })
        .collect()
}

/// The IDL's account fields sit where program/src/state.rs writes them: for each field its
/// offset is the constant of its upper-case name (a vector's length prefix: `<NAME>_LEN`, its
/// first element `<NAME>`), and fixed-size accounts are `LEN` long.
#[test]
fn account_layouts_match_the_program() {
    let idl = idl();
    for (account, module) in [
        ("Config", "config"),
        ("Remote", "remote"),
        ("TokenConfig", "token"),
        ("Route", "route"),
        ("Receipt", "receipt"),
        ("SignatureSet", "signature_set"),
        ("Proposal", "proposal"),
        ("FeeConfig", "fee_config"),
        ("FeeRoles", "fee_roles"),
        ("FeeVault", "fee_vault"),
    ] {
        let offsets = state_offsets(module);
        let def = named(&idl["types"], account);
        let mut at = 8usize;
        let mut fixed = true;
        for f in def["type"]["fields"].as_array().unwrap() {
            let name = f["name"].as_str().unwrap().to_uppercase();
            let ty = &f["type"];
            let is_vec = ty == "bytes" || ty.get("vec").is_some();
            let key = if is_vec {
                format!("{name}_LEN")
            } else {
                name.clone()
            };
            assert_eq!(
                offsets.get(&key),
                Some(&at),
                "{account}.{} is at {at} in the IDL",
                f["name"]
            );
            if is_vec {
                assert_eq!(offsets.get(&name), Some(&(at + 4)), "{account}.{name}");
                fixed = false;
                break;
            }
            at += fixed_size(&idl, ty);
        }
        if fixed {
            assert_eq!(offsets.get("LEN"), Some(&at), "{account} length");
        }
    }
    let offsets = state_offsets("bucket");
    let mut at = 0;
    for f in named(&idl["types"], "Bucket")["type"]["fields"]
        .as_array()
        .unwrap()
    {
        assert_eq!(
            offsets.get(&f["name"].as_str().unwrap().to_uppercase()),
            Some(&at)
        );
        at += 8;
    }
}

fn fixed_size(idl: &Value, ty: &Value) -> usize {
    match ty {
        Value::String(s) => match s.as_str() {
            "u8" | "bool" => 1,
            "u32" => 4,
            "u64" | "i64" => 8,
            "u128" | "i128" => 16,
            "pubkey" => 32,
            other => panic!("{other} is not fixed"),
        },
        _ if ty.get("array").is_some() => {
            fixed_size(idl, &ty["array"][0]) * ty["array"][1].as_u64().unwrap() as usize
        }
        _ if ty.get("defined").is_some() => {
            let def = named(&idl["types"], ty["defined"]["name"].as_str().unwrap());
            match def["type"]["kind"].as_str().unwrap() {
                "struct" => def["type"]["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| fixed_size(idl, &f["type"]))
                    .sum(),
                _ => 1, // an enum without fields (RemoteKind)
            }
        }
        _ => panic!("{ty} is not fixed"),
    }
}

fn program() -> BridgeProgram {
    BridgeProgram::new(addr(&PROGRAM_ID))
}

fn addr(p: &Pubkey) -> SolanaAddress {
    SolanaAddress(p.to_bytes())
}

fn sdk(ix: core_ix::Instruction) -> Instruction {
    Instruction {
        program_id: Pubkey::new_from_array(ix.program_id.0),
        accounts: ix
            .accounts
            .iter()
            .map(|m| AccountMeta {
                pubkey: Pubkey::new_from_array(m.pubkey.0),
                is_signer: m.is_signer,
                is_writable: m.is_writable,
            })
            .collect(),
        data: ix.data,
    }
}

/// The program id an IDL is for (its `address`).
fn idl_program(idl: &Value) -> Pubkey {
    idl["address"].as_str().unwrap().parse().unwrap()
}

/// An instruction as an Anchor client resolves it from the IDL.
struct Resolved {
    /// The instruction's name in the IDL.
    name: String,
    /// How many of its accounts the IDL resolved (each to the key the program accepts).
    count: usize,
    /// The instruction an Anchor client sends: every account the IDL resolves as Anchor's
    /// resolver fills it in, the others as given, and the flags as Anchor sets them.
    anchor: Instruction,
}

/// Resolves instruction `ix` (built by the client, accepted by the program) as an Anchor
/// client (`AccountsResolver` of `@coral-xyz/anchor` 0.32.1) would from the IDL: for every
/// account with an `address`, `relations` or `pda` seeds (constants, arguments decoded from
/// `ix`'s data with the IDL's argument types, other accounts' keys, and fields of other
/// accounts' data decoded with the IDL's types; the PDA's program likewise), the resolved key
/// must be `ix`'s; signer and writable flags must be the IDL's. An optional account `ix`
/// passes as the program id (Anchor's null) must resolve to the program id where the IDL
/// gives it `relations` (the field then holds the program id); where it gives it seeds or an
/// address, Anchor fills those in even where the program takes null, and the caller runs
/// [`Resolved::anchor`] to see whether the program accepts that.
fn resolve(env: &Env, idl: &Value, ix: &Instruction) -> Resolved {
    let program = idl_program(idl);
    assert_eq!(
        ix.program_id, program,
        "the IDL's address is the program's id"
    );
    let disc = &ix.data[..8];
    let def = idl["instructions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| bytes(&i["discriminator"]) == disc)
        .expect("an IDL instruction");
    let name = def["name"].as_str().unwrap();
    let mut d = Decoder {
        types: &idl["types"],
        data: &ix.data,
        pos: 8,
    };
    let mut args: HashMap<String, Vec<u8>> = HashMap::new();
    for a in def["args"].as_array().unwrap() {
        args.insert(
            a["name"].as_str().unwrap().to_owned(),
            d.value(&a["type"]).to_vec(),
        );
    }
    assert_eq!(
        d.pos,
        ix.data.len(),
        "{name}: the IDL's arguments are all the data"
    );
    let defs = def["accounts"].as_array().unwrap();
    assert!(ix.accounts.len() >= defs.len(), "{name}: accounts");
    let keys: HashMap<&str, Pubkey> = defs
        .iter()
        .zip(&ix.accounts)
        .map(|(a, m)| (a["name"].as_str().unwrap(), m.pubkey))
        .collect();
    let seed_bytes = |seed: &Value| -> Vec<u8> {
        match seed["kind"].as_str().unwrap() {
            "const" => bytes(&seed["value"]),
            "arg" => args[seed["path"].as_str().unwrap()].clone(),
            "account" => {
                let path = seed["path"].as_str().unwrap();
                match path.split_once('.') {
                    None => keys[path].to_bytes().to_vec(),
                    Some((other, field)) => {
                        let data = env.data(&keys[other]);
                        let (fields, _) = decode_as(idl, seed["account"].as_str().unwrap(), &data);
                        fields[field].1.to_vec()
                    }
                }
            }
            k => panic!("seed kind {k}"),
        }
    };
    let mut count = 0;
    let mut metas = Vec::with_capacity(ix.accounts.len());
    for (a, meta) in defs.iter().zip(&ix.accounts) {
        let account = a["name"].as_str().unwrap();
        let optional = a["optional"] == true;
        let null = optional && meta.pubkey == program;
        if !null {
            assert_eq!(
                meta.is_signer,
                a["signer"] == true,
                "{name}.{account} signer"
            );
            assert_eq!(
                meta.is_writable,
                a["writable"] == true,
                "{name}.{account} writable"
            );
        }
        let resolvers = ["address", "relations", "pda"]
            .iter()
            .filter(|k| a.get(**k).is_some())
            .count();
        assert!(resolvers <= 1, "{name}.{account}: one way to resolve it");
        let resolved: Option<Pubkey> = if let Some(address) = a["address"].as_str() {
            Some(address.parse().unwrap())
        } else if let Some(relations) = a["relations"].as_array() {
            let owner = keys[relations[0].as_str().unwrap()];
            assert_ne!(
                owner, program,
                "{name}.{account}: a relation of a null account"
            );
            let data = env.data(&owner);
            let owner_type = account_type(idl, &data);
            let (fields, _) = decode_as(idl, &owner_type, &data);
            Some(Pubkey::new_from_array(
                fields[account].1.try_into().unwrap(),
            ))
        } else if let Some(pda) = a.get("pda") {
            let seeds: Vec<Vec<u8>> = pda["seeds"]
                .as_array()
                .unwrap()
                .iter()
                .map(seed_bytes)
                .collect();
            let pda_program = match pda.get("program") {
                Some(p) => Pubkey::new_from_array(seed_bytes(p).try_into().unwrap()),
                None => program,
            };
            let refs: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
            Some(Pubkey::find_program_address(&refs, &pda_program).0)
        } else {
            None
        };
        if let Some(key) = resolved {
            if !null {
                assert_eq!(meta.pubkey, key, "{name}.{account}: the IDL's resolution");
                count += 1;
            } else if a.get("relations").is_some() {
                assert_eq!(
                    key, program,
                    "{name}.{account}: the program takes null here, the IDL's relation gives another key"
                );
                count += 1;
            }
        }
        // Anchor's InstructionNamespace.accountsArray: an optional account given as the
        // program id is neither signer nor writable.
        let key = resolved.unwrap_or(meta.pubkey);
        let anchor_null = optional && key == program;
        metas.push(AccountMeta {
            pubkey: key,
            is_signer: a["signer"] == true && !anchor_null,
            is_writable: a["writable"] == true && !anchor_null,
        });
    }
    metas.extend_from_slice(&ix.accounts[defs.len()..]);
    Resolved {
        name: name.to_owned(),
        count,
        anchor: Instruction {
            program_id: program,
            accounts: metas,
            data: ix.data.clone(),
        },
    }
}

/// Runs `ix` (built by the client) after resolving it from `idl` ([`resolve`]); where what an
/// Anchor client would send differs from `ix`, that instruction is simulated first and must
/// succeed too. Returns the instruction's name, how many accounts the IDL resolved, and the
/// transaction's metadata.
fn run_resolved(
    env: &mut Env,
    idl: &Value,
    ix: Instruction,
    signers: &[&Keypair],
) -> (String, usize, TransactionMetadata) {
    let r = resolve(env, idl, &ix);
    if r.anchor != ix
        && let Err(failed) = env.simulate(std::slice::from_ref(&r.anchor), signers)
    {
        panic!(
            "{}: the instruction an Anchor client builds from the IDL is refused ({:?}): {:#?}\nlogs: {:#?}",
            r.name, failed.err, r.anchor.accounts, failed.meta.logs
        );
    }
    let meta = expect_ok(env.send(&[ix], signers));
    (r.name, r.count, meta)
}

/// The IDL account type of account data (by discriminator).
fn account_type(idl: &Value, data: &[u8]) -> String {
    idl["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| bytes(&a["discriminator"]) == data[..8])
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .expect("an account of the program")
}

/// Every instruction the client builds for a running bridge, executed by the program (so its
/// accounts are the ones the program accepts), resolved from the IDL; and every account it
/// wrote and every event it logged decodes with the IDL's types, to the last byte.
#[test]
fn an_anchor_client_resolves_every_account_and_decodes_everything() {
    let idl = idl();
    let p = program();
    let l = Limits {
        timelock_threshold: 1_000,
        ..Limits::default()
    };
    let mut s = Setup::new(5, 4, l);
    let payer = s.env.payer.pubkey();
    let user = s.user.insecure_clone();
    let mut checked: Vec<String> = Vec::new();
    let mut events: Vec<Vec<u8>> = Vec::new();
    let mut run = |env: &mut Env, ix: Instruction, signers: &[&Keypair]| {
        let (name, resolved, meta) = run_resolved(env, &idl, ix, signers);
        for fields in program_data(&meta.logs) {
            if fields.len() == 1 {
                events.push(fields[0].clone());
            }
        }
        checked.push(format!("{name} ({resolved} accounts resolved)"));
    };

    // send: PDAs from arguments and the mint from the token config (relations).
    let user_token = s
        .env
        .create_token_account(&s.home_mint, &user.pubkey(), 1_000);
    let send_ix = sdk(send(
        &p,
        &SendParams {
            sender: addr(&user.pubkey()),
            token_id: s.home_id,
            mint: addr(&s.home_mint),
            sender_token: addr(&user_token),
            kind: TokenKind::Home,
            destination: ORIGIN,
            beneficiary: evm_sender(),
            amount: 100,
        },
    ));
    run(&mut s.env, send_ix, &[&user]);

    // Delivery fees: SetFeeConfig and SetFeeRoles through the timelock (the fee config from
    // the destination argument), send paying, update_fee_prices, quote, pay_for_gas (the
    // event accounts), withdraw_fees (the beneficiary from the fee roles: relations),
    // clear_fee_oracle.
    let oracle = Keypair::new();
    let beneficiary = Pubkey::new_unique();
    let admin = s.env.admin.insecure_clone();
    let fee_config = trestle_bridge::FeeConfig {
        gas_price: 2 * 10u128.pow(18),
        exchange_rate: 2 * 10u128.pow(10),
        fixed_cost: 0,
        message_gas: 60_000,
        signatures_gas: 20_000,
        transfer_gas: 90_000,
        gas_per_byte: 16,
        last_update: 0,
    };
    for action in [
        Action::SetFeeConfig {
            destination: ORIGIN,
            config: fee_config,
        },
        Action::SetFeeRoles {
            oracle: addr(&oracle.pubkey()),
            beneficiary: addr(&beneficiary),
        },
    ] {
        let id = s.env.next_proposal();
        run(
            &mut s.env,
            sdk(p.propose(&addr(&admin.pubkey()), id, &action)),
            &[&admin],
        );
        s.env.bump_proposal();
        s.env.advance(ADMIN_DELAY);
        run(
            &mut s.env,
            sdk(p
                .execute_proposal(&addr(&payer), id, &action, DOMAIN, None)
                .unwrap()),
            &[],
        );
    }
    let fee = u64::try_from(fee_config.quote_transfer().unwrap()).unwrap();
    s.env.svm.airdrop(&user.pubkey(), 1_000_000_000).unwrap();
    let paying = sdk(send_paying(
        &p,
        &SendParams {
            sender: addr(&user.pubkey()),
            token_id: s.home_id,
            mint: addr(&s.home_mint),
            sender_token: addr(&user_token),
            kind: TokenKind::Home,
            destination: ORIGIN,
            beneficiary: evm_sender(),
            amount: 100,
        },
        fee,
    ));
    run(&mut s.env, paying, &[&user]);
    run(
        &mut s.env,
        sdk(p.update_fee_prices(
            &addr(&oracle.pubkey()),
            ORIGIN,
            fee_config.gas_price,
            fee_config.exchange_rate,
        )),
        &[&oracle],
    );
    run(&mut s.env, sdk(p.quote(ORIGIN, 200_000, 109)), &[]);
    run(
        &mut s.env,
        sdk(p.pay_for_gas(&addr(&payer), &[7; 32], ORIGIN, 1_000)),
        &[],
    );
    run(&mut s.env, sdk(p.withdraw_fees(&addr(&beneficiary))), &[]);
    assert_eq!(s.env.lamports(&beneficiary), fee + 1_000);
    // clear_fee_oracle: the guardian removes the oracle (FeeOracleCleared).
    let guardian = s.env.guardian.insecure_clone();
    run(
        &mut s.env,
        sdk(p.clear_fee_oracle(&addr(&guardian.pubkey()))),
        &[&guardian],
    );

    // post_signatures (the set from remote.epoch), deliver (queued), execute_queued.
    let payout = Payout {
        token_id: s.home_id,
        mint: addr(&s.home_mint),
        kind: TokenKind::Home,
        beneficiary: addr(&user.pubkey()),
    };
    let ata = Pubkey::new_from_array(payout.beneficiary_token().unwrap().0);
    s.env.put(
        ata,
        TOKEN_PROGRAM,
        token_account_data(&s.home_mint, &user.pubkey(), 0),
    );
    let m = s.transfer(&s.home_id.clone(), 5_000);
    let message = trestle_bridge::Message::decode(&m).unwrap();
    let sigs = s.env.attest(&m, 4);
    let id = keccak(&[&m]);
    let post = sdk(relay::post_signatures(
        &p,
        &addr(&payer),
        &id,
        ORIGIN,
        1,
        &sigs,
    ));
    run(&mut s.env, post, &[]);
    let bridge = s.env.origin_bridge;
    let deliver = sdk(relay::deliver(
        &p,
        &addr(&payer),
        &message,
        &bridge,
        &Signatures::Staged { epoch: 1 },
        Some(&payout),
    )
    .unwrap());
    run(&mut s.env, deliver, &[]);
    let k = ReceiptKey::of(&message, &bridge);
    s.env.advance(l.timelock_delay);
    let execute = sdk(relay::execute_queued(&p, &k, &payout).unwrap());
    run(&mut s.env, execute, &[]);

    // A bridged mint: deliver (queued), execute_queued (minted) and send (burnt), where the
    // program takes null (the program id) for the vault: send's and execute_queued's resolve
    // it from the token config (relations), which holds the program id for a bridged mint.
    let bridged = Payout {
        token_id: s.bridged_id,
        mint: addr(&s.bridged_mint),
        kind: TokenKind::Bridged,
        beneficiary: addr(&user.pubkey()),
    };
    let bridged_ata = Pubkey::new_from_array(bridged.beneficiary_token().unwrap().0);
    s.env.put(
        bridged_ata,
        TOKEN_PROGRAM,
        token_account_data(&s.bridged_mint, &user.pubkey(), 0),
    );
    // 5,000 local units (scale 10^9), at the timelock threshold: queued.
    let mb = s.transfer(&s.bridged_id.clone(), 5_000 * 10u128.pow(9));
    let message_b = trestle_bridge::Message::decode(&mb).unwrap();
    let sigs_b = s.env.attest(&mb, 4);
    let deliver_b = sdk(relay::deliver(
        &p,
        &addr(&payer),
        &message_b,
        &bridge,
        &Signatures::Inline(sigs_b),
        Some(&bridged),
    )
    .unwrap());
    assert_eq!(
        deliver_b.accounts[10].pubkey, PROGRAM_ID,
        "deliver's vault: null"
    );
    run(&mut s.env, deliver_b, &[]);
    s.env.advance(l.timelock_delay);
    let kb = ReceiptKey::of(&message_b, &bridge);
    let execute_b = sdk(relay::execute_queued(&p, &kb, &bridged).unwrap());
    assert_eq!(
        execute_b.accounts[6].pubkey, PROGRAM_ID,
        "execute_queued's vault: null"
    );
    run(&mut s.env, execute_b, &[]);
    assert_eq!(s.env.token_balance(&bridged_ata), 5_000);
    let send_b = sdk(send_paying(
        &p,
        &SendParams {
            sender: addr(&user.pubkey()),
            token_id: s.bridged_id,
            mint: addr(&s.bridged_mint),
            sender_token: addr(&bridged_ata),
            kind: TokenKind::Bridged,
            destination: ORIGIN,
            beneficiary: evm_sender(),
            amount: 2_000,
        },
        fee,
    ));
    assert_eq!(send_b.accounts[7].pubkey, PROGRAM_ID, "send's vault: null");
    run(&mut s.env, send_b, &[&user]);
    assert_eq!(s.env.token_balance(&bridged_ata), 3_000);

    // cancel_queued of another queued transfer: route from receipt.token_id.
    let m2 = s.transfer(&s.home_id.clone(), 5_000);
    expect_ok(s.deliver(&m2, &s.home_accounts()));
    let k2 = ReceiptKey::of(&trestle_bridge::Message::decode(&m2).unwrap(), &bridge);
    let cancel = sdk(p.cancel_queued(&addr(&guardian.pubkey()), &k2, &s.home_id));
    run(&mut s.env, cancel, &[&guardian]);
    // ...refunded through the timelock (MessageSent and TransferRefunded).
    let admin = s.env.admin.insecure_clone();
    let refund = Action::RefundCancelled { key: k2 };
    let rid = s.env.next_proposal();
    run(
        &mut s.env,
        sdk(p.propose(&addr(&admin.pubkey()), rid, &refund)),
        &[&admin],
    );
    s.env.bump_proposal();
    s.env.advance(ADMIN_DELAY);
    run(
        &mut s.env,
        sdk(p
            .execute_proposal(&addr(&payer), rid, &refund, DOMAIN, Some(&s.home_id))
            .unwrap()),
        &[],
    );

    // close_signatures of a staged set.
    let m3 = s.transfer(&s.home_id.clone(), 10);
    let id3 = keccak(&[&m3]);
    let sigs3 = s.env.attest(&m3, 1);
    run(
        &mut s.env,
        sdk(relay::post_signatures(
            &p,
            &addr(&payer),
            &id3,
            ORIGIN,
            1,
            &sigs3,
        )),
        &[],
    );
    run(
        &mut s.env,
        sdk(p.close_signatures(&addr(&payer), &id3, 1)),
        &[],
    );

    // execute_message: the messenger from the recipient program's key.
    let recipient = Pubkey::new_from_array([0x77; 32]);
    s.env.add_program(recipient, "trestle_example_recipient.so");
    let mm = encode_message(
        99,
        ORIGIN,
        &[0x5e; 32],
        DOMAIN,
        &recipient.to_bytes(),
        &message_body(10_000, b"idl"),
    );
    let sigs = s.env.attest(&mm, 4);
    expect_ok(s.env.send(&[s.env.deliver_ix(&mm, &sigs, None, None)], &[]));
    let mm = trestle_bridge::Message::decode(&mm).unwrap();
    run(
        &mut s.env,
        sdk(relay::execute_message(&p, &mm, &bridge, &[])),
        &[],
    );

    // pause, propose (the proposal from config.next_proposal), execute, cancel.
    run(
        &mut s.env,
        sdk(p.pause(&addr(&guardian.pubkey()))),
        &[&guardian],
    );
    let pid = s.env.next_proposal();
    run(
        &mut s.env,
        sdk(p.propose(&addr(&admin.pubkey()), pid, &Action::Unpause)),
        &[&admin],
    );
    s.env.bump_proposal();
    let spare = s.env.next_proposal();
    run(
        &mut s.env,
        sdk(p.propose(&addr(&admin.pubkey()), spare, &Action::Unpause)),
        &[&admin],
    );
    s.env.bump_proposal();
    run(
        &mut s.env,
        sdk(p.cancel_proposal(&addr(&admin.pubkey()), spare)),
        &[&admin],
    );
    s.env.advance(ADMIN_DELAY);
    run(
        &mut s.env,
        sdk(p
            .execute_proposal(&addr(&payer), pid, &Action::Unpause, DOMAIN, None)
            .unwrap()),
        &[],
    );

    // approve_proposal: the guardian consents to its replacement (the proposal from the
    // argument).
    let rid = s.env.next_proposal();
    let roles = Action::SetRoles {
        admin: addr(&admin.pubkey()),
        guardian: addr(&Keypair::new().pubkey()),
    };
    run(
        &mut s.env,
        sdk(p.propose(&addr(&admin.pubkey()), rid, &roles)),
        &[&admin],
    );
    s.env.bump_proposal();
    run(
        &mut s.env,
        sdk(p.approve_proposal(&addr(&guardian.pubkey()), rid)),
        &[&guardian],
    );

    // initialize, on a fresh bridge.
    let mut fresh = Env::bare();
    let init = sdk(p.initialize(
        &addr(&fresh.payer.pubkey()),
        DOMAIN,
        &addr(&fresh.admin.pubkey()),
        &addr(&fresh.guardian.pubkey()),
        ADMIN_DELAY,
    ));
    run(&mut fresh, init, &[]);

    let every: Vec<&str> = idl["instructions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    for name in &every {
        assert!(
            checked.iter().any(|c| c.starts_with(&format!("{name} "))),
            "{name} was not resolved; checked: {checked:?}"
        );
    }
    println!("IDL resolution: {checked:#?}");

    // Every account the program wrote decodes with the IDL's type, to its last byte (a Remote
    // and a SignatureSet are allocated larger than their contents).
    let mut accounts = vec![
        config_pda(),
        remote_pda(ORIGIN),
        token_pda(&s.home_id),
        route_pda(&s.home_id, ORIGIN),
        receipt_pda(&Key::of(&m, &bridge)),
        proposal_pda(pid),
        fee_config_pda(ORIGIN),
        fee_roles_pda(),
        fee_vault_pda(),
    ];
    let m4 = s.transfer(&s.home_id.clone(), 10);
    let id4 = keccak(&[&m4]);
    let sigs4 = s.env.attest(&m4, 1);
    expect_ok(
        s.env
            .send(&[s.env.post_signatures_ix(&id4, ORIGIN, &sigs4)], &[]),
    );
    accounts.push(signatures_pda(&id4, 1, &payer));
    for address in accounts {
        let data = s.env.data(&address);
        let ty = account_type(&idl, &data);
        let (_, used) = decode_as(&idl, &ty, &data);
        if ty == "Remote" || ty == "SignatureSet" {
            assert!(used <= data.len(), "{ty}");
        } else {
            assert_eq!(used, data.len(), "{ty} decodes to its last byte");
        }
    }
    // Every event the program logged decodes with the IDL's type, to its last byte.
    let mut names: Vec<String> = Vec::new();
    for e in &events {
        let name = idl["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| bytes(&x["discriminator"]) == e[..8])
            .expect("an IDL event")["name"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, used) = decode_as(&idl, &name, e);
        assert_eq!(used, e.len(), "event {name}");
        names.push(name);
    }
    for expected in [
        "MessageSent",
        "MessageDelivered",
        "TransferExecuted",
        "TransferCancelled",
        "TransferRefunded",
        "MessageExecuted",
        "Paused",
        "ProposalCreated",
        "ProposalExecuted",
        "ProposalCancelled",
        "ProposalApproved",
        "GasPaid",
        "FeesWithdrawn",
        "FeeOracleCleared",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "no {expected} in {names:?}"
        );
    }
}

/// `AnchorError.parse` of `@coral-xyz/anchor` (ts/packages/anchor/src/error.ts), its first
/// form: `^Program log: AnchorError occurred\. Error Code: (.*)\. Error Number: (\d*)\. Error
/// Message: (.*)\.` (greedy groups), here without a regex engine.
fn anchor_error_parse(logs: &[String]) -> Option<(String, u32, String)> {
    let line = logs
        .iter()
        .find(|l| l.starts_with("Program log: AnchorError"))?;
    let rest = line.strip_prefix("Program log: AnchorError occurred. Error Code: ")?;
    let (code, rest) = rest.rsplit_once(". Error Number: ")?;
    let (number, message) = rest.split_once(". Error Message: ")?;
    let message = message.strip_suffix('.')?;
    if !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((code.to_owned(), number.parse().ok()?, message.to_owned()))
}

/// What the program logs when it refuses is what an Anchor client parses into the IDL's error.
#[test]
fn refusals_parse_as_anchor_errors_of_the_idl() {
    let idl = idl();
    let mut env = Env::new(1, 1);
    let stranger = solana_keypair::Keypair::new();
    let refused = [
        env.send(&[env.pause_ix(&stranger.pubkey())], &[&stranger]),
        env.send(&[env.initialize_ix(DOMAIN)], &[]),
        env.send(
            &[Instruction::new_with_bytes(PROGRAM_ID, &[1, 2, 3], vec![])],
            &[],
        ),
    ];
    for out in refused {
        let failed = out.expect_err("refused");
        let (name, number, message) =
            anchor_error_parse(&failed.meta.logs).expect("an AnchorError log line");
        let entry = idl["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["code"] == number)
            .expect("the IDL's error");
        assert_eq!(entry["name"], name.as_str());
        assert_eq!(entry["msg"], message.as_str());
        assert_eq!(custom_code(&Err(failed)), Some(number));
    }
}

/// `contracts/solana/idl.cjs ARGS` under node (which scripts/setup.sh requires).
fn idl_cjs(args: &[&str]) -> std::process::Output {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../idl.cjs");
    std::process::Command::new("node")
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("node {script}: {e} (Node.js is required, see scripts/setup.sh)")
        })
}

/// Where `a` and `b` differ: (path, value in `a`, value in `b`).
fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<(String, Value, Value)>) {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                differences(u, v, &child_path(path, i, u), out);
            }
        }
        (Value::Object(x), Value::Object(y))
            if x.keys().collect::<Vec<_>>() == y.keys().collect::<Vec<_>>() =>
        {
            for (k, u) in x {
                differences(u, &y[k], &format!("{path}.{k}"), out);
            }
        }
        _ if a == b => {}
        _ => out.push((path.to_owned(), a.clone(), b.clone())),
    }
}

/// The IDL for a deployment elsewhere (`contracts/solana/idl.cjs PROGRAM_ID`) is the
/// committed one with that id in exactly its address fields, and an Anchor client resolves
/// every account from it for the program deployed at that id: `initialize` (its
/// `program_data` from the `program` account), the governance that registers a home token
/// and its route, and a `send`, each also run as the Anchor client would build it.
#[test]
fn the_generated_idl_drives_the_program_at_another_address() {
    let program = Keypair::new().pubkey();
    let out = idl_cjs(&[&program.to_string()]);
    assert!(
        out.status.success(),
        "idl.cjs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut diffs = Vec::new();
    differences(&idl(), &generated, "idl", &mut diffs);
    let expected: Vec<(String, Value, Value)> = PROGRAM_ID_FIELDS
        .iter()
        .map(|p| {
            (
                (*p).to_owned(),
                Value::from(PROGRAM_ID.to_string()),
                Value::from(program.to_string()),
            )
        })
        .collect();
    assert_eq!(diffs, expected, "only the address fields change");
    let mut found = Vec::new();
    occurrences(&generated, "idl", &PROGRAM_ID, &mut found);
    assert!(found.is_empty(), "the placeholder id is left in {found:?}");
    // The placeholder gives the committed IDL back, byte for byte; the script refuses what is
    // not a 32-byte base58 address, and ids the IDL already names (here the system program).
    let same = idl_cjs(&[&PROGRAM_ID.to_string()]);
    assert!(same.status.success());
    assert_eq!(
        same.stdout,
        include_bytes!("../../../idl/trestle_bridge.json")
    );
    let too_long = "z".repeat(44);
    for bad in [
        "",
        "0OIl",
        "TRESTLEbridge11111111111111111111111111111",
        too_long.as_str(),
        "11111111111111111111111111111111",
    ] {
        let refused = idl_cjs(&[bad]);
        assert!(!refused.status.success(), "idl.cjs {bad:?}");
        assert!(refused.stdout.is_empty(), "idl.cjs {bad:?}");
    }

    // The program at `program`, driven through the generated IDL.
    let mut env = Env::bare_at(program);
    let p = BridgeProgram::new(addr(&program));
    let payer = env.payer.pubkey();
    let admin = env.admin.insecure_clone();
    let guardian = env.guardian.pubkey();
    let mut checked = Vec::new();
    let mut run = |env: &mut Env, ix: core_ix::Instruction, signers: &[&Keypair]| {
        let (name, count, _) = run_resolved(env, &generated, sdk(ix), signers);
        checked.push(format!("{name} ({count} accounts resolved)"));
    };
    run(
        &mut env,
        p.initialize(
            &addr(&payer),
            DOMAIN,
            &addr(&admin.pubkey()),
            &addr(&guardian),
            ADMIN_DELAY,
        ),
        &[],
    );
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let id = token_id(DOMAIN, &mint.to_bytes());
    let mut bridge = [0u8; 32];
    bridge[12..].fill(0xb1);
    let limits = BucketLimits {
        capacity: 1_000_000,
        refill_per_second: 1,
    };
    let actions = [
        Action::SetRemote {
            domain: ORIGIN,
            bridge,
            kind: RemoteKind::Evm,
            epoch: 1,
            threshold: 1,
            validators: vec![validators(1)[0].address],
        },
        Action::RegisterToken {
            home_domain: DOMAIN,
            home_token: mint.to_bytes(),
            mint: addr(&mint),
            scale_exp: 0,
            timelock_threshold: 1_000,
            timelock_delay: 60,
        },
        Action::SetRoute {
            token_id: id,
            domain: ORIGIN,
            remote_exp: 0,
            remote_max: u128::MAX,
            inbound: limits,
            outbound: limits,
        },
    ];
    for (proposal, action) in (0u64..).zip(&actions) {
        run(
            &mut env,
            p.propose(&addr(&admin.pubkey()), proposal, action),
            &[&admin],
        );
        env.advance(ADMIN_DELAY);
        run(
            &mut env,
            p.execute_proposal(&addr(&payer), proposal, action, DOMAIN, None)
                .unwrap(),
            &[],
        );
    }
    let user = Keypair::new();
    let user_token = env.create_token_account(&mint, &user.pubkey(), 1_000);
    run(
        &mut env,
        send(
            &p,
            &SendParams {
                sender: addr(&user.pubkey()),
                token_id: id,
                mint: addr(&mint),
                sender_token: addr(&user_token),
                kind: TokenKind::Home,
                destination: ORIGIN,
                beneficiary: evm_sender(),
                amount: 100,
            },
        ),
        &[&user],
    );
    let vault = Pubkey::new_from_array(p.vault(&addr(&mint)).0);
    assert_eq!(env.token_balance(&vault), 100);
    assert_eq!(env.token_balance(&user_token), 900);
    // The other instruction with the program's address (its self-CPI event).
    run(
        &mut env,
        p.pay_for_gas(&addr(&payer), &[7; 32], ORIGIN, 1_000),
        &[],
    );
    for name in [
        "initialize",
        "propose",
        "execute_proposal",
        "send",
        "pay_for_gas",
    ] {
        assert!(
            checked.iter().any(|c| c.starts_with(&format!("{name} "))),
            "{name}: {checked:?}"
        );
    }
    println!("IDL for {program}: {checked:#?}");
}
