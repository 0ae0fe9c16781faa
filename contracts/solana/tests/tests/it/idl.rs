//! The Anchor IDL (`idl/trestle_bridge.json`, spec 0.1.0) against the program, so that an
//! ordinary Anchor client built from it works without workarounds: discriminators (instructions,
//! accounts, events) recomputed from the names and compared with the program's constants
//! (`program/src/discriminator.rs`); errors (name, code, message) against
//! `program/src/error.rs`; account layouts against `program/src/state.rs`; every account and
//! event the program writes decodes with the IDL's types, exactly; and every PDA an Anchor
//! client resolves from the IDL's seeds (constants, arguments, other accounts' keys and data)
//! is the address the program accepts, for every instruction.

use std::collections::HashMap;

use serde_json::Value;
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use trestle_bridge::solana::admin::Action;
use trestle_bridge::solana::relay::{self, Payout, Signatures};
use trestle_bridge::solana::send::{SendParams, TokenKind, send};
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

/// Resolves instruction `ix` (built by the client, accepted by the program) as an Anchor
/// client would from the IDL: for every account with `pda` seeds (constants, arguments decoded
/// from `ix`'s data with the IDL's argument types, other accounts' keys, and fields of other
/// accounts' data decoded with the IDL's types), `relations` or `address`, the resolved key
/// must be `ix`'s; signer and writable flags must be the IDL's. Optional accounts passed as the
/// program id (Anchor's null) are skipped. Returns how many accounts were resolved.
fn resolve(env: &Env, idl: &Value, ix: &Instruction) -> usize {
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
    let mut resolved = 0;
    for (a, meta) in defs.iter().zip(&ix.accounts) {
        let account = a["name"].as_str().unwrap();
        let null = a["optional"] == true && meta.pubkey == PROGRAM_ID;
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
        if null {
            continue;
        }
        if let Some(address) = a["address"].as_str() {
            assert_eq!(meta.pubkey.to_string(), address, "{name}.{account}");
            resolved += 1;
        }
        if let Some(relations) = a["relations"].as_array() {
            let owner = keys[relations[0].as_str().unwrap()];
            let data = env.data(&owner);
            let owner_type = account_type(idl, &data);
            let (fields, _) = decode_as(idl, &owner_type, &data);
            assert_eq!(fields[account].1, meta.pubkey.as_ref(), "{name}.{account}");
            resolved += 1;
        }
        let Some(pda) = a.get("pda") else { continue };
        let seeds: Vec<Vec<u8>> = pda["seeds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|seed| match seed["kind"].as_str().unwrap() {
                "const" => bytes(&seed["value"]),
                "arg" => args[seed["path"].as_str().unwrap()].clone(),
                "account" => {
                    let path = seed["path"].as_str().unwrap();
                    match path.split_once('.') {
                        None => keys[path].to_bytes().to_vec(),
                        Some((other, field)) => {
                            let data = env.data(&keys[other]);
                            let (fields, _) =
                                decode_as(idl, seed["account"].as_str().unwrap(), &data);
                            fields[field].1.to_vec()
                        }
                    }
                }
                k => panic!("seed kind {k}"),
            })
            .collect();
        let program = match pda.get("program") {
            Some(p) => Pubkey::new_from_array(bytes(&p["value"]).try_into().unwrap()),
            None => PROGRAM_ID,
        };
        let refs: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
        let (expected, _) = Pubkey::find_program_address(&refs, &program);
        assert_eq!(meta.pubkey, expected, "{name}.{account}: the IDL's seeds");
        resolved += 1;
    }
    resolved
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
    let mut run = |env: &mut Env, ix: Instruction, signers: &[&solana_keypair::Keypair]| {
        let resolved = resolve(env, &idl, &ix);
        let name = idl["instructions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| bytes(&i["discriminator"]) == ix.data[..8])
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_owned();
        let meta = expect_ok(env.send(&[ix], signers));
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

    // cancel_queued of another queued transfer: route from receipt.token_id.
    let m2 = s.transfer(&s.home_id.clone(), 5_000);
    expect_ok(s.deliver(&m2, &s.home_accounts()));
    let k2 = ReceiptKey::of(&trestle_bridge::Message::decode(&m2).unwrap(), &bridge);
    let guardian = s.env.guardian.insecure_clone();
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
