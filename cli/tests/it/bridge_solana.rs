//! `trestle bridge send` from Solana: the real binary against solana-test-validator with the
//! bridge program initialised and a home SPL token registered. The token leaves the user's
//! account for the program's vault and the command prints the message the program logged;
//! `trestle bridge status --to sol` reads the program's receipt accounts.
//!
//! Starts solana-test-validator: nextest group `solana-validator`, filter
//! `test(/^bridge_solana::/)`.

use assert_cmd::Command;
use serde_json::Value;
use trestle_bridge::{Message, token_id};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;
use trestle_core::wallet::HdWallet;
use trestle_core::wallet::mnemonic::Mnemonic;
use trestle_core::wallet::path::{DerivationPath, SolanaPathStyle};
use trestle_relayer_harness::solana::{DOMAIN_SOL, SolanaNet, set_remote};

const MNEMONIC: &str = "test test test test test test test test test test test junk";
const DOMAIN_EVM: u32 = 1;

async fn trestle(args: Vec<String>) -> (bool, Value, String) {
    tokio::task::spawn_blocking(move || {
        let out = Command::cargo_bin("trestle")
            .unwrap()
            .env("TRESTLE_MNEMONIC", MNEMONIC)
            .env_remove("TRESTLE_API_URL")
            .arg("--json")
            .arg("bridge")
            .args(&args)
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        (
            out.status.success(),
            serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
            String::from_utf8(out.stderr).unwrap(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridge_send_from_solana_locks_the_token_and_prints_the_logged_message() {
    let sol = SolanaNet::start().await;
    // The CLI's key: account 0 of the mnemonic on Solana (m/44'/501'/0'/0').
    let user = HdWallet::from_mnemonic(&Mnemonic::parse(MNEMONIC).unwrap(), "")
        .solana_signer(&DerivationPath::solana(0, SolanaPathStyle::Bip44Change).unwrap())
        .unwrap();
    sol.fund(&user.pubkey()).await;
    let mint = sol.create_mint(&sol.payer.pubkey(), 6).await;
    sol.client
        .mint_to(&sol.payer, &mint, &sol.payer, &user.pubkey(), 10_000_000)
        .await
        .unwrap();
    let evm_bridge = EvmAddress([0x5f; 20]);
    let validator = EvmAddress([0x11; 20]);
    sol.govern(&[
        set_remote(DOMAIN_EVM, evm_bridge, &[validator], 1),
        trestle_relayer_harness::solana::register_token(
            (DOMAIN_SOL, mint.0),
            (mint, 0),
            (u64::MAX / 4, 3_600),
        ),
        trestle_relayer_harness::solana::route_to((DOMAIN_SOL, mint.0), (DOMAIN_EVM, 0)),
    ])
    .await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chains.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[[chains]]
name = "sol"
kind = "solana"
domain = {DOMAIN_SOL}
rpc_urls = ["{}"]
bridge = "{}"

[[chains]]
name = "evm"
domain = {DOMAIN_EVM}
chain_id = 31337
rpc_urls = ["http://127.0.0.1:1"]
bridge = "{evm_bridge}"
"#,
            sol.node.rpc_url(),
            sol.program.id
        ),
    )
    .unwrap();
    let file = file.display().to_string();
    let beneficiary = "0x4242424242424242424242424242424242424242";
    let send = |amount: &str| {
        [
            "send", "--config", &file, "--from", "sol", "--to", "evm", "--token",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .chain([mint.to_string()])
        .chain(
            ["--amount", amount, "--recipient", beneficiary]
                .iter()
                .map(|s| (*s).to_owned()),
        )
        .collect::<Vec<String>>()
    };

    // 2.5 tokens of 6 decimals.
    let (ok, out, err) = trestle(send("2.5")).await;
    assert!(ok, "{err}");
    assert_eq!(out["origin"], DOMAIN_SOL);
    assert_eq!(out["destination"], DOMAIN_EVM);
    assert_eq!(out["nonce"], 0);
    assert_eq!(out["sender"], format!("0x{}", hex::encode(user.pubkey().0)));
    let message = hex::decode(out["message"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let message = Message::decode(&message).unwrap();
    assert_eq!(out["id"], format!("0x{}", hex::encode(message.id())));
    let transfer = match trestle_bridge::Body::decode(&message.body).unwrap() {
        trestle_bridge::Body::TokenTransfer(t) => t,
        other => panic!("not a transfer: {other:?}"),
    };
    assert_eq!(
        transfer.token_id,
        token_id(DOMAIN_SOL, &UniversalAddress(mint.0))
    );
    assert_eq!(
        transfer.amount,
        trestle_core::chain::U256::from(2_500_000u64)
    );
    assert_eq!(transfer.beneficiary, UniversalAddress::from_evm([0x42; 20]));
    assert_eq!(
        sol.client
            .token_balance_of(&mint, &user.pubkey())
            .await
            .unwrap(),
        7_500_000
    );
    let vault = sol
        .client
        .account(&sol.program.vault(&mint))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        u64::from_le_bytes(vault.data[64..72].try_into().unwrap()),
        2_500_000
    );

    // Lamports sent to the address of the EVM domain's fee configuration (anyone can) make
    // no configuration: the program still charges nothing, and the client must read it so
    // too (regression: quoting failed on the foreign-owned account, and every send with it).
    sol.fund(&sol.program.fee_config(DOMAIN_EVM)).await;
    // The next send takes the next nonce; refusals are named before anything is signed.
    let (ok, out, err) = trestle(send("1")).await;
    assert!(ok, "{err}");
    assert_eq!(out["nonce"], 1);
    assert_eq!(out["fee"]["amount"], "0", "{out}");
    assert_eq!(out["fee"]["unit"], "lamports");
    // The EVM destination is unreachable here: its verdict is unknown, its URL not shown
    // beyond its host.
    assert_eq!(out["arrival"]["kind"], "unknown", "{out}");
    let (ok, _, err) = trestle(send("100")).await;
    assert!(!ok);
    assert!(err.contains("is more than the balance 6500000"), "{err}");
    let (ok, _, err) = trestle(send("0.0000001")).await;
    assert!(!ok);
    assert!(err.contains("more than 6 decimal places"), "{err}");
    let mut unknown = send("1");
    unknown[8] = "So11111111111111111111111111111111111111112".to_owned();
    let (ok, _, err) = trestle(unknown).await;
    assert!(!ok);
    assert!(
        err.contains("is not registered on the bridge of sol"),
        "{err}"
    );

    // Status on Solana as a destination: no receipt for this id.
    let id = format!("0x{}", "ab".repeat(32));
    let (ok, out, err) = trestle(
        ["status", &id, "--config", &file, "--to", "sol"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    )
    .await;
    assert!(!ok);
    assert_eq!(out, Value::Null);
    assert!(
        err.contains("is unknown to the destination chain `sol`"),
        "{err}"
    );
}
