//! End to end on solana-test-validator with the program loaded at genesis as an upgradeable
//! program (`--upgradeable-program`, the payer its upgrade authority): set up (initialize by the
//! upgrade authority only, a remote with its validator set and a home token through the
//! timelock), one `send` read back from the "Program data:" log, and one `deliver` paying out
//! to the beneficiary.

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
use trestle_tests::SolanaValidator;

use crate::common::*;

struct Chain {
    node: SolanaValidator,
    payer: Keypair,
}

impl Chain {
    fn blockhash(&self) -> Hash {
        let v = self
            .node
            .rpc("getLatestBlockhash", json!([{ "commitment": "confirmed" }]))
            .unwrap();
        Hash::from_str(v["value"]["blockhash"].as_str().unwrap()).unwrap()
    }

    /// Sends and confirms; returns the confirmed transaction (logs, compute units) or the error.
    fn submit(&self, ixs: &[Instruction], extra: &[&Keypair]) -> Result<Value, String> {
        let mut signers: Vec<&Keypair> = vec![&self.payer];
        signers.extend_from_slice(extra);
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&self.payer.pubkey()),
            &signers,
            self.blockhash(),
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
        let sig = sig.as_str().unwrap().to_owned();
        self.node
            .wait_for_confirmation(&sig, Duration::from_secs(60))
            .map_err(|e| e.to_string())?;
        self.node
            .rpc(
                "getTransaction",
                json!([sig, { "commitment": "confirmed", "encoding": "json", "maxSupportedTransactionVersion": 0 }]),
            )
            .map_err(|e| e.to_string())
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

#[test]
fn send_and_deliver_on_solana_test_validator() {
    // Deployed as after `solana program deploy`: upgradeable, the payer its upgrade authority.
    let payer = Keypair::new();
    let node = SolanaValidator::builder()
        .upgradeable_program(
            PROGRAM_ID.to_string(),
            program_so(),
            payer.pubkey().to_string(),
        )
        .spawn()
        .unwrap();
    node.airdrop(&payer.pubkey().to_string(), 50_000_000_000)
        .unwrap();
    let chain = Chain { node, payer };
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

    // initialize (admin delay 1 s) by the upgrade authority only; then the remote ORIGIN with a
    // 1-of-1 set and the token through the timelock.
    let init = Borsh::ix("initialize")
        .u32(DOMAIN)
        .raw(admin.pubkey().as_ref())
        .raw(guardian.pubkey().as_ref())
        .i64(1)
        .0;
    let init_by = |signer: &Pubkey| {
        Instruction::new_with_bytes(
            PROGRAM_ID,
            &init,
            vec![
                AccountMeta::new(*signer, true),
                AccountMeta::new(config_pda(), false),
                AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
                AccountMeta::new_readonly(PROGRAM_ID, false),
                AccountMeta::new_readonly(program_data_address(), false),
            ],
        )
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
    let govern = |id: u64, action: Vec<u8>, extra: Vec<AccountMeta>| {
        let propose = Instruction::new_with_bytes(
            PROGRAM_ID,
            &Borsh::ix("propose").raw(&action).0,
            vec![
                AccountMeta::new(admin.pubkey(), true),
                AccountMeta::new(config_pda(), false),
                AccountMeta::new(proposal_pda(id), false),
                AccountMeta::new_readonly(CLOCK, false),
                AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            ],
        );
        chain.submit(&[propose], &[&admin]).unwrap();
        let mut accounts = vec![
            AccountMeta::new(chain.payer.pubkey(), true),
            AccountMeta::new(config_pda(), false),
            AccountMeta::new(proposal_pda(id), false),
            AccountMeta::new_readonly(CLOCK, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        ];
        accounts.extend(extra);
        let execute = Instruction::new_with_bytes(
            PROGRAM_ID,
            &Borsh::ix("execute_proposal").u64(id).0,
            accounts,
        );
        chain.submit_when_ready(&[execute], &[]);
    };
    govern(
        0,
        set_remote_action(ORIGIN, &bridge, 1, 1, &[validator.address]),
        vec![AccountMeta::new(remote_pda(ORIGIN), false)],
    );
    let token_id = token_id(DOMAIN, &mint.pubkey().to_bytes());
    let register = Limits::default()
        .encode(
            Borsh::default()
                .u8(2)
                .u32(DOMAIN)
                .raw(mint.pubkey().as_ref())
                .raw(mint.pubkey().as_ref())
                .u8(0),
        )
        .0;
    govern(
        1,
        register,
        vec![
            AccountMeta::new(token_pda(&token_id), false),
            AccountMeta::new_readonly(mint.pubkey(), false),
            AccountMeta::new(vault_pda(&mint.pubkey()), false),
            AccountMeta::new_readonly(authority_pda(), false),
            AccountMeta::new_readonly(TOKEN_PROGRAM, false),
        ],
    );

    // send: 300 units locked, the message in the log.
    let send = send_ix(
        &user.pubkey(),
        ORIGIN,
        &[0x42; 32],
        300,
        &token_id,
        &user_token.pubkey(),
        &mint.pubkey(),
        &vault_pda(&mint.pubkey()),
    );
    let sent = chain.submit(&[send], &[&user]).unwrap();
    let body = transfer_body(&token_id, 300, &Pubkey::new_from_array([0x42; 32]));
    let expected = encode_message(0, DOMAIN, &user.pubkey().to_bytes(), ORIGIN, &bridge, &body);
    assert_eq!(
        program_data(&logs(&sent)),
        vec![vec![expected]],
        "the send's Program data line"
    );
    assert_eq!(chain.token_amount(&vault_pda(&mint.pubkey())), 300);
    assert_eq!(chain.token_amount(&user_token.pubkey()), 700);
    println!("e2e send: {} CU", cu(&sent));

    // deliver: 120 units back from the origin, attested 1-of-1.
    let message = encode_message(
        0,
        ORIGIN,
        &[0x5e; 32],
        DOMAIN,
        &PROGRAM_ID.to_bytes(),
        &transfer_body(&token_id, 120, &user.pubkey()),
    );
    let id = keccak(&[&message]);
    let sigs = sign(&digest(ORIGIN, &bridge, 1, &id), &[validator]);
    let accounts = TokenAccounts::home(&token_id, &mint.pubkey(), &user_token.pubkey());
    let mut deliver_accounts = vec![
        AccountMeta::new(chain.payer.pubkey(), true),
        AccountMeta::new_readonly(config_pda(), false),
        AccountMeta::new_readonly(remote_pda(ORIGIN), false),
        AccountMeta::new(receipt_pda(&id), false),
        AccountMeta::new_readonly(PROGRAM_ID, false),
        AccountMeta::new_readonly(CLOCK, false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
    ];
    deliver_accounts.extend(accounts.metas());
    let deliver = Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("deliver").bytes(&message).bytes(&sigs).0,
        deliver_accounts,
    );
    let delivered = chain.submit(std::slice::from_ref(&deliver), &[]).unwrap();
    assert_eq!(chain.token_amount(&user_token.pubkey()), 820);
    assert_eq!(chain.token_amount(&vault_pda(&mint.pubkey())), 180);
    println!(
        "e2e deliver 1-of-1 (release home token): {} CU",
        cu(&delivered)
    );
    // Replay on the validator (another transaction: the admin pays the receipt): refused.
    let mut replay = deliver;
    replay.accounts[0] = AccountMeta::new(admin.pubkey(), true);
    let err = chain.submit(&[replay], &[&admin]).unwrap_err();
    assert!(
        err.contains(&format!("0x{:x}", code("AlreadyDelivered"))),
        "{err}"
    );
}
