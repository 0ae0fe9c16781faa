//! End to end on solana-test-validator with the program loaded at genesis as an upgradeable
//! program (`--upgradeable-program`, the payer its upgrade authority), driven through the Rust
//! client: initialize by the upgrade authority only, a remote, a home token and its route
//! through the timelock; a `send` whose message is read from the transaction's inner
//! instructions (the self-CPI event) and its log line; a `deliver` paying out and its replay;
//! then the upgrade procedure of the README: the upgrade authority handed to the
//! `["upgrade_authority"]` PDA (the old key can no longer change the program), a buffer written
//! and handed to the PDA, an `Upgrade` proposal vetoed by the guardian, another executed after
//! the delay, the program data rewritten (its slot), and the program still working with its
//! state.

use std::str::FromStr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use solana_hash::Hash;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;
use trestle_bridge::solana::admin::{Action, BucketLimits};
use trestle_bridge::solana::events::{Event, decode_event, message_sent_events};
use trestle_bridge::solana::loader::{self, ProgramData};
use trestle_bridge::solana::relay::{self, Payout, Signatures};
use trestle_bridge::solana::send::{SendParams, TokenKind, send};
use trestle_bridge::solana::state::RemoteKind;
use trestle_bridge::solana::{BridgeProgram, ReceiptKey};
use trestle_bridge::{Body, Message, TokenTransfer};
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::solana::SolanaAddress;
use trestle_core::solana::instruction as core_ix;
use trestle_core::solana::message::CompiledInstruction;
use trestle_tests::SolanaValidator;

use crate::common::*;

/// SIMD-0500's feature gate: `disable_sbpf_v0_v1_v2_deployment`.
const DISABLE_SBPF_V0_V1_V2_DEPLOYMENT: &str = "B8JJXCy5amZyWG9r7EnUYLwzXSXTxG7GZ1qZ1qggo83g";

struct Chain {
    node: SolanaValidator,
    payer: Keypair,
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

impl Chain {
    fn blockhash(&self) -> Hash {
        let v = self
            .node
            .rpc("getLatestBlockhash", json!([{ "commitment": "confirmed" }]))
            .unwrap();
        Hash::from_str(v["value"]["blockhash"].as_str().unwrap()).unwrap()
    }

    /// Sends without waiting; returns the signature.
    fn send_only(
        &self,
        ixs: &[Instruction],
        extra: &[&Keypair],
        blockhash: Hash,
    ) -> Result<String, String> {
        let mut signers: Vec<&Keypair> = vec![&self.payer];
        signers.extend_from_slice(extra);
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&self.payer.pubkey()),
            &signers,
            blockhash,
        );
        let wire =
            base64::engine::general_purpose::STANDARD.encode(wincode::serialize(&tx).unwrap());
        let sig = self
            .node
            .rpc(
                "sendTransaction",
                json!([wire, { "encoding": "base64", "preflightCommitment": "confirmed" }]),
            )
            .map_err(|e| e.to_string())?;
        Ok(sig.as_str().unwrap().to_owned())
    }

    /// Waits for `sig` and returns the confirmed transaction (logs, inner instructions).
    fn confirm(&self, sig: &str) -> Result<Value, String> {
        self.node
            .wait_for_confirmation(sig, Duration::from_secs(60))
            .map_err(|e| e.to_string())?;
        self.node
            .rpc(
                "getTransaction",
                json!([sig, { "commitment": "confirmed", "encoding": "json", "maxSupportedTransactionVersion": 0 }]),
            )
            .map_err(|e| e.to_string())
    }

    /// Sends and confirms; returns the confirmed transaction or the error.
    fn submit(&self, ixs: &[Instruction], extra: &[&Keypair]) -> Result<Value, String> {
        let sig = self.send_only(ixs, extra, self.blockhash())?;
        self.confirm(&sig)
    }

    /// Retries `ixs` until it lands (the admin timelock has to pass on the validator's clock).
    fn submit_when_ready(&self, ixs: &[Instruction], extra: &[&Keypair]) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match self.submit(ixs, extra) {
                Ok(tx) => return tx,
                Err(e)
                    if Instant::now() < deadline
                        && e.contains(&format!("0x{:x}", code("ProposalPending"))) =>
                {
                    std::thread::sleep(Duration::from_millis(400));
                }
                Err(e) => panic!("transaction failed: {e}"),
            }
        }
    }

    fn rent(&self, len: usize) -> u64 {
        self.node
            .rpc("getMinimumBalanceForRentExemption", json!([len]))
            .unwrap()
            .as_u64()
            .unwrap()
    }

    fn create_account_ix(&self, new: &Pubkey, len: usize, owner: &Pubkey) -> Instruction {
        let mut data = vec![0u8; 4];
        data.extend_from_slice(&self.rent(len).to_le_bytes());
        data.extend_from_slice(&(len as u64).to_le_bytes());
        data.extend_from_slice(owner.as_ref());
        Instruction::new_with_bytes(
            SYSTEM_PROGRAM,
            &data,
            vec![
                AccountMeta::new(self.payer.pubkey(), true),
                AccountMeta::new(*new, true),
            ],
        )
    }

    fn account_data(&self, address: &SolanaAddress) -> Vec<u8> {
        let v = self
            .node
            .rpc(
                "getAccountInfo",
                json!([address.to_string(), { "commitment": "confirmed", "encoding": "base64" }]),
            )
            .unwrap();
        let data = v["value"]["data"][0].as_str().unwrap_or_default();
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap()
    }

    fn token_amount(&self, account: &Pubkey) -> u64 {
        let v = self
            .node
            .rpc(
                "getTokenAccountBalance",
                json!([account.to_string(), { "commitment": "confirmed" }]),
            )
            .unwrap();
        v["value"]["amount"].as_str().unwrap().parse().unwrap()
    }

    fn slot(&self) -> u64 {
        self.node
            .rpc("getSlot", json!([{ "commitment": "confirmed" }]))
            .unwrap()
            .as_u64()
            .unwrap()
    }
}

fn cu(tx: &Value) -> u64 {
    tx["meta"]["computeUnitsConsumed"].as_u64().unwrap()
}

fn logs(tx: &Value) -> Vec<String> {
    tx["meta"]["logMessages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect()
}

/// A confirmed transaction's account keys (static, then loaded writable and read-only) and its
/// inner instructions, as an indexer reads them from `getTransaction`.
fn keys_and_inner(tx: &Value) -> (Vec<SolanaAddress>, Vec<CompiledInstruction>) {
    let mut keys: Vec<SolanaAddress> = tx["transaction"]["message"]["accountKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| SolanaAddress::parse(k.as_str().unwrap()).unwrap())
        .collect();
    for group in ["writable", "readonly"] {
        for k in tx["meta"]["loadedAddresses"][group]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            keys.push(SolanaAddress::parse(k.as_str().unwrap()).unwrap());
        }
    }
    let inner = tx["meta"]["innerInstructions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["instructions"].as_array().unwrap().clone())
        .map(|i| CompiledInstruction {
            program_id_index: i["programIdIndex"].as_u64().unwrap() as u8,
            accounts: i["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_u64().unwrap() as u8)
                .collect(),
            data: bs58::decode(i["data"].as_str().unwrap())
                .into_vec()
                .unwrap(),
        })
        .collect();
    (keys, inner)
}

#[test]
fn send_deliver_and_upgrade_on_solana_test_validator() {
    // Deployed as after `solana program deploy`: upgradeable, the payer its upgrade authority.
    // SIMD-0500 (no more SBPF v0-v2 deployments) is not active on mainnet-beta, and is by
    // default on the test validator: the program is SBPF v0 (sbpf-linker), so without this an
    // upgrade (a deployment) would be refused ("sbpf_version ... not enabled").
    let payer = Keypair::new();
    let node = SolanaValidator::builder()
        .upgradeable_program(
            PROGRAM_ID.to_string(),
            program_so(),
            payer.pubkey().to_string(),
        )
        .arg("--deactivate-feature")
        .arg(DISABLE_SBPF_V0_V1_V2_DEPLOYMENT)
        .spawn()
        .unwrap();
    node.airdrop(&payer.pubkey().to_string(), 50_000_000_000)
        .unwrap();
    let chain = Chain { node, payer };
    let p = BridgeProgram::new(addr(&PROGRAM_ID));
    let (admin, guardian, user, mint_authority) = (
        Keypair::new(),
        Keypair::new(),
        Keypair::new(),
        Keypair::new(),
    );
    chain
        .node
        .airdrop(&admin.pubkey().to_string(), 5_000_000_000)
        .unwrap();
    let validator = &validators(1)[0];
    let bridge = hex32(vectors()["origin_bridge"].as_str().unwrap());

    // A mint whose home is this bridge, and the user's account with 1,000 units.
    let (mint, user_token) = (Keypair::new(), Keypair::new());
    let mut init_mint = vec![20u8, 6];
    init_mint.extend_from_slice(mint_authority.pubkey().as_ref());
    init_mint.push(0);
    let mut init_account = vec![18u8];
    init_account.extend_from_slice(user.pubkey().as_ref());
    let mut mint_to = vec![7u8];
    mint_to.extend_from_slice(&1_000u64.to_le_bytes());
    chain
        .submit(
            &[
                chain.create_account_ix(&mint.pubkey(), 82, &TOKEN_PROGRAM),
                Instruction::new_with_bytes(
                    TOKEN_PROGRAM,
                    &init_mint,
                    vec![AccountMeta::new(mint.pubkey(), false)],
                ),
                chain.create_account_ix(&user_token.pubkey(), 165, &TOKEN_PROGRAM),
                Instruction::new_with_bytes(
                    TOKEN_PROGRAM,
                    &init_account,
                    vec![
                        AccountMeta::new(user_token.pubkey(), false),
                        AccountMeta::new_readonly(mint.pubkey(), false),
                    ],
                ),
                Instruction::new_with_bytes(
                    TOKEN_PROGRAM,
                    &mint_to,
                    vec![
                        AccountMeta::new(mint.pubkey(), false),
                        AccountMeta::new(user_token.pubkey(), false),
                        AccountMeta::new_readonly(mint_authority.pubkey(), true),
                    ],
                ),
            ],
            &[&mint, &user_token, &mint_authority],
        )
        .unwrap();

    // initialize (admin delay 1 s) by the upgrade authority only.
    let init_by = |signer: &Pubkey| {
        sdk(p.initialize(
            &addr(signer),
            DOMAIN,
            &addr(&admin.pubkey()),
            &addr(&guardian.pubkey()),
            1,
        ))
    };
    let refused = chain
        .submit(&[init_by(&admin.pubkey())], &[&admin])
        .unwrap_err();
    assert!(
        refused.contains(&format!("0x{:x}", code("NotUpgradeAuthority"))),
        "{refused}"
    );
    chain
        .submit(&[init_by(&chain.payer.pubkey())], &[])
        .unwrap();
    let next_proposal = std::cell::Cell::new(0u64);
    let govern = |action: &Action, receipt_token: Option<&[u8; 32]>| -> Value {
        let id = next_proposal.get();
        next_proposal.set(id + 1);
        chain
            .submit(
                &[sdk(p.propose(&addr(&admin.pubkey()), id, action))],
                &[&admin],
            )
            .unwrap();
        let execute = sdk(p
            .execute_proposal(
                &addr(&chain.payer.pubkey()),
                id,
                action,
                DOMAIN,
                receipt_token,
            )
            .unwrap());
        chain.submit_when_ready(&[execute], &[])
    };
    govern(
        &Action::SetRemote {
            domain: ORIGIN,
            bridge,
            kind: RemoteKind::Evm,
            epoch: 1,
            threshold: 1,
            validators: vec![validator.address],
        },
        None,
    );
    let token_id = token_id(DOMAIN, &mint.pubkey().to_bytes());
    let l = Limits::default();
    govern(
        &Action::RegisterToken {
            home_domain: DOMAIN,
            home_token: mint.pubkey().to_bytes(),
            mint: addr(&mint.pubkey()),
            scale_exp: 0,
            timelock_threshold: l.timelock_threshold,
            timelock_delay: l.timelock_delay,
        },
        None,
    );
    govern(
        &Action::SetRoute {
            token_id,
            domain: ORIGIN,
            remote_exp: 0,
            remote_max: u128::MAX,
            inbound: BucketLimits {
                capacity: l.inbound_capacity,
                refill_per_second: l.inbound_refill,
            },
            outbound: BucketLimits {
                capacity: l.outbound_capacity,
                refill_per_second: l.outbound_refill,
            },
        },
        None,
    );

    // send: 300 units locked; the message read from the inner instruction and the log line.
    let beneficiary = {
        let mut b = [0u8; 32];
        b[12..].fill(0x42);
        b
    };
    let send_params = |amount| SendParams {
        sender: addr(&user.pubkey()),
        token_id,
        mint: addr(&mint.pubkey()),
        sender_token: addr(&user_token.pubkey()),
        kind: TokenKind::Home,
        destination: ORIGIN,
        beneficiary,
        amount,
    };
    let sent = chain
        .submit(&[sdk(send(&p, &send_params(300)))], &[&user])
        .unwrap();
    let (keys, inner) = keys_and_inner(&sent);
    let events = message_sent_events(&p, &keys, &inner).unwrap();
    assert_eq!(events.len(), 1, "one MessageSent inner instruction");
    let body = transfer_body_to(&token_id, 300, &beneficiary);
    let expected = encode_message(0, DOMAIN, &user.pubkey().to_bytes(), ORIGIN, &bridge, &body);
    assert_eq!(events[0].message.encode(), expected);
    let logged: Vec<Event> = program_data(&logs(&sent))
        .into_iter()
        .map(|f| decode_event(&f[0]).unwrap())
        .collect();
    assert_eq!(logged, vec![Event::MessageSent(events[0].clone())]);
    assert_eq!(chain.token_amount(&vault_pda(&mint.pubkey())), 300);
    assert_eq!(chain.token_amount(&user_token.pubkey()), 700);
    println!("e2e send (self-CPI event): {} CU", cu(&sent));

    // deliver: 120 units back from the origin (its ledger holds the 300), attested 1-of-1.
    let message = Message::new(
        0,
        ORIGIN,
        UniversalAddress([0x5e; 32]),
        DOMAIN,
        UniversalAddress(PROGRAM_ID.to_bytes()),
        Body::TokenTransfer(TokenTransfer {
            token_id,
            amount: U256::from(120u64),
            beneficiary: UniversalAddress(user.pubkey().to_bytes()),
        })
        .encode(),
    )
    .unwrap();
    let sigs = sign(&digest(ORIGIN, &bridge, 1, &message.id()), &[validator]);
    // The payout goes to a token account of the user: here the one the test created.
    let payout = Payout {
        token_id,
        mint: addr(&mint.pubkey()),
        kind: TokenKind::Home,
        beneficiary: addr(&user.pubkey()),
    };
    let mut deliver = sdk(relay::deliver(
        &p,
        &addr(&chain.payer.pubkey()),
        &message,
        &bridge,
        &Signatures::Inline(sigs),
        Some(&payout),
    )
    .unwrap());
    deliver.accounts[11] = AccountMeta::new(user_token.pubkey(), false);
    let delivered = chain.submit(std::slice::from_ref(&deliver), &[]).unwrap();
    assert_eq!(chain.token_amount(&user_token.pubkey()), 820);
    assert_eq!(chain.token_amount(&vault_pda(&mint.pubkey())), 180);
    println!(
        "e2e deliver 1-of-1 (release home token): {} CU",
        cu(&delivered)
    );
    let receipt = p.receipt(&ReceiptKey::of(&message, &bridge));
    assert!(!chain.account_data(&receipt).is_empty());
    // Replay on the validator (another transaction: the admin pays the receipt): refused.
    let mut replay = deliver;
    replay.accounts[0] = AccountMeta::new(admin.pubkey(), true);
    let err = chain.submit(&[replay], &[&admin]).unwrap_err();
    assert!(
        err.contains(&format!("0x{:x}", code("AlreadyDelivered"))),
        "{err}"
    );

    // The upgrade procedure (contracts/solana/README.md, "Upgrades").
    // 1. Hand the program's upgrade authority to the bridge's PDA.
    let payer_addr = addr(&chain.payer.pubkey());
    chain
        .submit(&[sdk(p.hand_over_upgrade_authority(&payer_addr))], &[])
        .unwrap();
    let before = ProgramData::decode(&chain.account_data(&p.program_data())).unwrap();
    assert_eq!(before.upgrade_authority, Some(p.upgrade_authority()));
    // The old key can no longer change the program.
    let back = loader::set_authority(&p.program_data(), &payer_addr, &payer_addr);
    assert!(chain.submit(&[sdk(back)], &[]).is_err());

    // 2. Write the new program into a buffer and hand the buffer to the PDA.
    let so = std::fs::read(program_so()).unwrap();
    let buffer = Keypair::new();
    chain
        .submit(
            &[
                chain.create_account_ix(
                    &buffer.pubkey(),
                    loader::BUFFER_METADATA_LEN + so.len(),
                    &LOADER_V3,
                ),
                sdk(loader::initialize_buffer(
                    &addr(&buffer.pubkey()),
                    &payer_addr,
                )),
            ],
            &[&buffer],
        )
        .unwrap();
    let blockhash = chain.blockhash();
    let started = Instant::now();
    let writes: Vec<String> = so
        .chunks(900)
        .enumerate()
        .map(|(i, chunk)| {
            let ix = loader::write(
                &addr(&buffer.pubkey()),
                &payer_addr,
                (i * 900) as u32,
                chunk,
            );
            chain.send_only(&[sdk(ix)], &[], blockhash).unwrap()
        })
        .collect();
    for sig in &writes {
        chain.confirm(sig).unwrap();
    }
    println!(
        "e2e buffer: {} writes of {} bytes in {:?}",
        writes.len(),
        so.len(),
        started.elapsed()
    );
    // An upgrade signed by the old key, from its own buffer: refused.
    let spill = Keypair::new().pubkey();
    let direct = loader::upgrade(&p.id, &addr(&buffer.pubkey()), &addr(&spill), &payer_addr);
    assert!(chain.submit(&[sdk(direct)], &[]).is_err());
    chain
        .submit(
            &[sdk(p.hand_over_buffer(&addr(&buffer.pubkey()), &payer_addr))],
            &[],
        )
        .unwrap();

    // 3. Propose the upgrade with the code hash of what the buffer holds (the code the guardian
    // reviews: sha256 of the buffer after its header, here the program's bytes); the guardian
    // vetoes one Upgrade proposal; another executes after the delay.
    let code_hash = loader::buffer_code_hash(&chain.account_data(&addr(&buffer.pubkey()))).unwrap();
    assert_eq!(code_hash, loader::code_hash(&so));
    let upgrade = Action::Upgrade {
        buffer: addr(&buffer.pubkey()),
        spill: addr(&spill),
        code_hash,
    };
    let vetoed = next_proposal.get();
    next_proposal.set(vetoed + 1);
    chain
        .submit(
            &[sdk(p.propose(&addr(&admin.pubkey()), vetoed, &upgrade))],
            &[&admin],
        )
        .unwrap();
    chain
        .submit(
            &[sdk(p.cancel_proposal(&addr(&guardian.pubkey()), vetoed))],
            &[&guardian],
        )
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let execute_vetoed = sdk(p
        .execute_proposal(&payer_addr, vetoed, &upgrade, DOMAIN, None)
        .unwrap());
    let err = chain.submit(&[execute_vetoed], &[]).unwrap_err();
    assert!(
        err.contains(&format!("0x{:x}", code("ProposalNotPending"))),
        "{err}"
    );
    let upgraded = govern(&upgrade, None);
    println!("e2e execute_proposal Upgrade: {} CU", cu(&upgraded));
    let after = ProgramData::decode(&chain.account_data(&p.program_data())).unwrap();
    assert!(
        after.slot > before.slot,
        "program data rewritten: slot {} -> {}",
        before.slot,
        after.slot
    );
    assert_eq!(after.upgrade_authority, Some(p.upgrade_authority()));
    assert_eq!(
        &chain.account_data(&p.program_data())[loader::PROGRAM_DATA_METADATA_LEN..][..so.len()],
        so.as_slice()
    );

    // 4. The program still works, with its state: the next send takes nonce 1.
    let deadline = Instant::now() + Duration::from_secs(30);
    while chain.slot() <= after.slot && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let again = chain
        .submit(&[sdk(send(&p, &send_params(10)))], &[&user])
        .unwrap();
    let (keys, inner) = keys_and_inner(&again);
    let events = message_sent_events(&p, &keys, &inner).unwrap();
    assert_eq!(events[0].nonce, 1);
    assert_eq!(chain.token_amount(&vault_pda(&mint.pubkey())), 190);
}
