//! `EventSource::events` end to end over JSON-RPC, against a scripted node: no program in the
//! validator's genesis logs `Program data:`, so this node answers with a real signed
//! transaction (built by `trestle-core`) and the logs a bridge program would write.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use trestle_core::chain::{EventSource, TxId, UniversalAddress};
use trestle_core::solana::{
    AccountMeta, Instruction, Message, SolanaAddress, SolanaSigner, Transaction,
};
use trestle_solana::{SolanaClient, SolanaConfig};

/// A JSON-RPC server on a free loopback port answering each method with `answer(request)`.
fn scripted_node(answer: impl Fn(&Value) -> Value + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answer = Arc::new(answer);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let answer = Arc::clone(&answer);
            thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let request: Value = serde_json::from_slice(&body).unwrap();
                let response =
                    json!({"jsonrpc": "2.0", "id": request["id"], "result": answer(&request)})
                        .to_string();
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{response}",
                    response.len()
                );
            });
        }
    });
    url
}

fn meta(err: Value, logs: &[String]) -> Value {
    json!({
        "err": err,
        "status": if err.is_null() { json!({"Ok": null}) } else { json!({"Err": err}) },
        "fee": 5000,
        "preBalances": [10_000_000, 1, 1],
        "postBalances": [9_995_000, 1, 1],
        "innerInstructions": [],
        "logMessages": logs,
        "preTokenBalances": [],
        "postTokenBalances": [],
        "rewards": [],
        "loadedAddresses": {"writable": [], "readonly": []},
        "computeUnitsConsumed": 1234,
    })
}

#[tokio::test]
async fn solana_events_from_program_data_logs() {
    let bridge = SolanaAddress([0xb1; 32]);
    let other = SolanaAddress([0x0e; 32]);
    let payer = SolanaSigner::generate().unwrap();
    let signed = |data: u8| {
        let ix = Instruction {
            program_id: bridge,
            accounts: vec![
                AccountMeta::new(payer.pubkey(), true),
                AccountMeta::new_readonly(other, false),
            ],
            data: vec![data],
        };
        let message = Message::try_compile(&[ix], Some(&payer.pubkey()), [7; 32]).unwrap();
        let mut tx = Transaction::new_unsigned(message);
        tx.sign(&[&payer]).unwrap();
        (tx.id().unwrap(), BASE64.encode(tx.serialize().unwrap()))
    };
    let (ok_id, ok_tx) = signed(1);
    let (failed_id, failed_tx) = signed(2);
    let (truncated_id, truncated_tx) = signed(3);
    let ok_logs: Vec<String> = vec![
        format!("Program {bridge} invoke [1]"),
        "Program log: Instruction: Send".into(),
        "Program data: AQID".into(),
        format!("Program {other} invoke [2]"),
        "Program data: /w==".into(),
        format!("Program {other} success"),
        "Program data: BAUG BwgJ".into(),
        format!("Program {bridge} consumed 1234 of 200000 compute units"),
        format!("Program {bridge} success"),
    ];
    let failed_logs: Vec<String> = vec![
        format!("Program {bridge} invoke [1]"),
        "Program data: qg==".into(),
        format!("Program {bridge} failed: custom program error: 0x1"),
    ];
    // Logs past the runtime's budget: the program's `invoke` has no end and a data line is
    // cut. Anyone can send such a transaction naming the bridge.
    let truncated_logs: Vec<String> = vec![
        format!("Program {bridge} invoke [1]"),
        "Program data: AQID".into(),
        "Log truncated".into(),
        format!("Program {other} success"),
    ];
    let garbage_id = bs58::encode([9u8; 64]).into_string();
    let blockhash = bs58::encode([0x42u8; 32]).into_string();
    let mut transactions = HashMap::new();
    transactions.insert(
        ok_id.clone(),
        json!({"slot": 41, "transaction": [ok_tx, "base64"], "meta": meta(Value::Null, &ok_logs), "blockTime": 1_700_000_000}),
    );
    transactions.insert(
        truncated_id.clone(),
        json!({"slot": 42, "transaction": [truncated_tx, "base64"], "meta": meta(Value::Null, &truncated_logs), "blockTime": 1_700_000_000}),
    );
    // An answer that is not a transaction at all (a broken or lying node).
    transactions.insert(
        garbage_id.clone(),
        json!({"slot": 43, "transaction": [BASE64.encode([1, 2, 3]), "base64"], "meta": meta(Value::Null, &[]), "blockTime": 1_700_000_000}),
    );
    // The failed transaction is listed with its error and never fetched (the node would not
    // find it in `transactions` and the request would fail): a failing transaction that names
    // the program costs the reader nothing more than its listing.
    let _ = (failed_tx, failed_logs);
    let signatures = json!([
        {"signature": garbage_id, "slot": 43, "err": null, "memo": null, "blockTime": 1_700_000_000, "confirmationStatus": "finalized"},
        {"signature": truncated_id, "slot": 42, "err": null, "memo": null, "blockTime": 1_700_000_000, "confirmationStatus": "finalized"},
        {"signature": ok_id, "slot": 41, "err": null, "memo": null, "blockTime": 1_700_000_000, "confirmationStatus": "finalized"},
        {"signature": failed_id, "slot": 40, "err": {"InstructionError": [0, {"Custom": 1}]}, "memo": null, "blockTime": 1_700_000_000, "confirmationStatus": "finalized"},
        {"signature": bs58::encode([3u8; 64]).into_string(), "slot": 12, "err": null, "memo": null, "blockTime": 1_700_000_000, "confirmationStatus": "finalized"},
    ]);
    let url = scripted_node(move |request| match request["method"].as_str().unwrap() {
        "getSignaturesForAddress" => {
            assert_eq!(request["params"][0], bridge.to_string());
            assert_eq!(request["params"][1]["commitment"], "finalized");
            signatures.clone()
        }
        "getTransaction" => transactions[request["params"][0].as_str().unwrap()].clone(),
        "getBlock" => {
            assert_eq!(request["params"][0], 41);
            json!({"previousBlockhash": bs58::encode([0x41u8; 32]).into_string(), "blockhash": blockhash, "parentSlot": 40, "blockTime": 1_700_000_000, "blockHeight": 30})
        }
        other => panic!("unexpected method {other}"),
    });
    let client = SolanaClient::new(SolanaConfig::new("scripted", url));

    let emitter = UniversalAddress(bridge.0);
    let events = client.events(&emitter, 20, 50).await.unwrap();
    // The failed transaction's event did not happen; the other program's event is not the
    // bridge's; the slot-12 transaction is outside the range (and never fetched); the
    // truncated and the undecodable transactions are skipped, not a reason to fail the range.
    assert_eq!(events.len(), 2, "{events:?}");
    let ok = TxId::Solana(bs58::decode(&ok_id).into_vec().unwrap().try_into().unwrap());
    for (index, (event, data)) in events
        .iter()
        .zip([vec![1, 2, 3], vec![4, 5, 6, 7, 8, 9]])
        .enumerate()
    {
        assert_eq!(event.height, 41);
        assert_eq!(event.block_hash, [0x42; 32]);
        assert_eq!(event.tx_id, ok);
        assert_eq!(event.index, index as u64);
        assert_eq!(event.emitter, emitter);
        assert!(event.topics.is_empty());
        assert_eq!(event.data, data);
    }

    // The decoded transactions, failed one included, oldest first; the undecodable one is
    // reported, not fatal; the truncated one keeps its instructions (what indexers read).
    let read = client.program_transactions(&bridge, 20, 50).await.unwrap();
    assert_eq!(read.unparseable.len(), 1, "{:?}", read.unparseable);
    assert_eq!(read.unparseable[0].slot, 43);
    assert_eq!(read.unparseable[0].id.to_string(), garbage_id);
    let txs = read.transactions;
    assert_eq!(txs.len(), 3);
    assert_eq!(txs[2].slot, 42);
    assert_eq!(txs[2].instructions[0].data, [3]);
    assert!(txs[2].events.is_empty());
    assert!(
        txs[2]
            .log_problem
            .as_deref()
            .unwrap()
            .contains("do not parse"),
        "{:?}",
        txs[2].log_problem
    );
    assert_eq!(txs[1].log_problem, None);
    assert_eq!(txs[0].slot, 40);
    assert!(
        txs[0]
            .error
            .as_deref()
            .unwrap()
            .contains("custom program error")
    );
    assert_eq!(txs[1].instructions.len(), 1);
    assert_eq!(txs[1].instructions[0].data, [1]);
    assert_eq!(txs[1].instructions[0].accounts, [payer.pubkey(), other]);
    assert_eq!(txs[1].logs, ok_logs);
}
