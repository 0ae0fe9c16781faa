//! The Rust side of the interoperability tests in `tests/interop/` (run by `scripts/interop.sh`).
//!
//! Reads one JSON request per line on stdin, `{"id": 1, "op": "...", ...}`, and writes one JSON
//! answer per line on stdout, `{"id": 1, "ok": {...}}` or `{"id": 1, "err": "message"}`, in the
//! same order. Every answer is computed with trestle-core's public API only; the Node tests
//! compare it with ethers, eth-sig-util, @solana/web3.js and friends.
//!
//! Byte strings travel as lowercase hex without `0x`, except where a format has its own text
//! form (EVM addresses, Solana base58 addresses and blockhashes, keystore JSON).

use std::io::{self, BufRead, Write};

use serde_json::{Map, Value, json};
use trestle_core::evm::transaction::decode_signed;
use trestle_core::evm::{EvmAddress, EvmSigner, TransactionRequest, TypedData};
use trestle_core::solana::address::{TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use trestle_core::solana::instruction::{
    get_associated_token_address, set_compute_unit_limit, set_compute_unit_price, spl_transfer,
    system_transfer,
};
use trestle_core::solana::message::parse_blockhash;
use trestle_core::solana::{
    AddressLookupTableAccount, Instruction, Message, OffchainMessage, SolanaAddress, SolanaSigner,
    Transaction, V0Message, VersionedMessage,
};
use trestle_core::wallet::HdWallet;
use trestle_core::wallet::keystore::{self, KdfParams};
use trestle_core::wallet::mnemonic::{Language, Mnemonic};
use trestle_core::wallet::path::{DerivationPath, SolanaPathStyle};

type Answer = Result<Value, String>;

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut out = io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Value>(&line) {
            Ok(request) => {
                let id = request.get("id").cloned().unwrap_or(Value::Null);
                match handle(&request) {
                    Ok(ok) => json!({ "id": id, "ok": ok }),
                    Err(err) => json!({ "id": id, "err": err }),
                }
            }
            Err(e) => json!({ "id": null, "err": format!("request is not JSON: {e}") }),
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    Ok(())
}

fn handle(request: &Value) -> Answer {
    match str_field(request, "op")? {
        "mnemonic" => mnemonic(request),
        "evm_checksum" => evm_checksum(request),
        "evm_parse_address" => evm_parse_address(request),
        "evm_sign_tx" => evm_sign_tx(request),
        "evm_decode_tx" => evm_decode_tx(request),
        "evm_sign_message" => evm_sign_message(request),
        "eip712" => eip712(request),
        "sol_tx" => sol_tx(request),
        "sol_decode" => sol_decode(request),
        "sol_sign" => sol_sign(request),
        "sol_offchain" => sol_offchain(request),
        "sol_ata" => sol_ata(request),
        "sol_parse_address" => sol_parse_address(request),
        "sol_sign_wire" => sol_sign_wire(request),
        "sol_sign_all" => sol_sign_all(request),
        "siws_text" => siws_text(request),
        "siws_sign" => siws_sign(request),
        "siwe_parse" => siwe_parse(request),
        "siwe_sign" => siwe_sign(request),
        "keystore_encrypt" => keystore_encrypt(request),
        "keystore_decrypt" => keystore_decrypt(request),
        other => Err(format!("unknown op {other:?}")),
    }
}

// ---- request helpers -------------------------------------------------------------------------

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, String> {
    v.get(name).ok_or_else(|| format!("missing field {name}"))
}

fn str_field<'a>(v: &'a Value, name: &str) -> Result<&'a str, String> {
    field(v, name)?
        .as_str()
        .ok_or_else(|| format!("field {name} is not a string"))
}

fn u64_field(v: &Value, name: &str) -> Result<u64, String> {
    field(v, name)?
        .as_u64()
        .ok_or_else(|| format!("field {name} is not an unsigned integer"))
}

fn u32_field(v: &Value, name: &str) -> Result<u32, String> {
    u32::try_from(u64_field(v, name)?).map_err(|_| format!("field {name} exceeds u32"))
}

fn hex_field(v: &Value, name: &str) -> Result<Vec<u8>, String> {
    hex::decode(str_field(v, name)?).map_err(|e| format!("field {name}: {e}"))
}

fn key32_field(v: &Value, name: &str) -> Result<[u8; 32], String> {
    hex_field(v, name)?
        .try_into()
        .map_err(|_| format!("field {name} is not 32 bytes"))
}

fn sol_field(v: &Value, name: &str) -> Result<SolanaAddress, String> {
    SolanaAddress::parse(str_field(v, name)?).map_err(|e| e.to_string())
}

fn str_err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

// ---- wallet ----------------------------------------------------------------------------------

/// `{entropy | phrase, language, passphrase, evm_paths: [..], solana_count}` ->
/// `{phrase, seed, evm: [address per path], solana_bip44_change: [..], solana_bip44: [..]}`.
fn mnemonic(r: &Value) -> Answer {
    let language: Language = str_field(r, "language")?.parse().map_err(str_err)?;
    let mnemonic = match r.get("phrase").and_then(Value::as_str) {
        Some(phrase) => Mnemonic::parse_in(language, phrase).map_err(str_err)?,
        None => Mnemonic::from_entropy(&hex_field(r, "entropy")?, language).map_err(str_err)?,
    };
    let passphrase = str_field(r, "passphrase")?;
    let seed = mnemonic.to_seed(passphrase);
    let wallet = HdWallet::from_mnemonic(&mnemonic, passphrase);
    let mut evm = Vec::new();
    for path in field(r, "evm_paths")?
        .as_array()
        .ok_or("evm_paths is not an array")?
    {
        let path = DerivationPath::parse(path.as_str().ok_or("evm path is not a string")?)
            .map_err(str_err)?;
        let signer = wallet.evm_signer(&path).map_err(str_err)?;
        evm.push(Value::String(signer.address().to_checksum()));
    }
    let count = u32_field(r, "solana_count")?;
    let mut solana = Map::new();
    for style in SolanaPathStyle::ALL {
        let mut list = Vec::new();
        for i in 0..count {
            let signer = wallet.solana_account(i, style).map_err(str_err)?;
            list.push(Value::String(signer.pubkey().to_string()));
        }
        solana.insert(style.name().to_owned(), Value::Array(list));
    }
    Ok(json!({
        "phrase": mnemonic.phrase(),
        "seed": hex::encode(seed.as_bytes()),
        "evm": evm,
        "solana": solana,
    }))
}

// ---- EVM -------------------------------------------------------------------------------------

fn evm_checksum(r: &Value) -> Answer {
    let bytes: [u8; 20] = hex_field(r, "address")?
        .try_into()
        .map_err(|_| "address is not 20 bytes".to_owned())?;
    Ok(Value::String(EvmAddress::new(bytes).to_checksum()))
}

/// Parses `input`; answers the checksummed form, or an error if the input is refused.
fn evm_parse_address(r: &Value) -> Answer {
    EvmAddress::parse(str_field(r, "input")?)
        .map(|a| Value::String(a.to_checksum()))
        .map_err(str_err)
}

fn evm_signer(r: &Value) -> Result<EvmSigner, String> {
    EvmSigner::from_private_key(&key32_field(r, "key")?).map_err(str_err)
}

/// `{key, request}` -> `{raw, hash, from}` (hex with `0x`, as ethers writes them).
fn evm_sign_tx(r: &Value) -> Answer {
    let signer = evm_signer(r)?;
    let request = TransactionRequest::from_value(field(r, "request")?).map_err(str_err)?;
    let signed = signer.sign_request(&request).map_err(str_err)?;
    Ok(json!({
        "raw": signed.raw_hex(),
        "hash": signed.hash_hex(),
        "from": signed.from.to_checksum(),
    }))
}

/// `{raw}` -> `{type, from, signing_hash}` of a signed transaction.
fn evm_decode_tx(r: &Value) -> Answer {
    let raw = hex_field(r, "raw")?;
    let (tx, _signature, from) = decode_signed(&raw).map_err(str_err)?;
    Ok(json!({
        "type": tx.tx_type(),
        "from": from.to_checksum(),
        "signing_hash": hex::encode(tx.signing_hash()),
    }))
}

/// EIP-191 `personal_sign` of the bytes `message`.
fn evm_sign_message(r: &Value) -> Answer {
    let signer = evm_signer(r)?;
    let signature = signer
        .sign_message(&hex_field(r, "message")?)
        .map_err(str_err)?;
    Ok(Value::String(signature.to_hex()))
}

/// `{key, data: <eth_signTypedData_v4 object>}` -> `{digest, domain_separator, signature}`.
fn eip712(r: &Value) -> Answer {
    let signer = evm_signer(r)?;
    let data = TypedData::from_value(field(r, "data")?).map_err(str_err)?;
    let signature = signer.sign_typed_data(&data).map_err(str_err)?;
    Ok(json!({
        "digest": hex::encode(data.signing_hash()),
        "domain_separator": hex::encode(data.domain_separator()),
        "signature": signature.to_hex(),
    }))
}

// ---- Solana ----------------------------------------------------------------------------------

fn token_program(name: &str) -> Result<SolanaAddress, String> {
    match name {
        "token" => Ok(TOKEN_PROGRAM_ID),
        "token-2022" => Ok(TOKEN_2022_PROGRAM_ID),
        other => Err(format!("unknown token program {other:?}")),
    }
}

fn instruction_json(ix: &Instruction) -> Value {
    json!({
        "program": ix.program_id.to_string(),
        "accounts": ix.accounts.iter().map(|m| json!({
            "pubkey": m.pubkey.to_string(),
            "signer": m.is_signer,
            "writable": m.is_writable,
        })).collect::<Vec<_>>(),
        "data": hex::encode(&ix.data),
    })
}

/// Builds, compiles and signs a transfer:
/// `{secret, kind: "sol" | "spl", to, amount, mint?, decimals?, token_program?, blockhash,
///   version: "legacy" | "v0", compute_unit_limit?, compute_unit_price?, tables?: [{key,
///   addresses}]}` -> `{payer, instructions, message, wire, signature}`.
fn sol_tx(r: &Value) -> Answer {
    let signer = SolanaSigner::from_secret_key(&key32_field(r, "secret")?);
    let payer = signer.pubkey();
    let to = sol_field(r, "to")?;
    let amount = u64_field(r, "amount")?;
    let mut instructions = Vec::new();
    if let Some(units) = r.get("compute_unit_limit").and_then(Value::as_u64) {
        let units = u32::try_from(units).map_err(str_err)?;
        instructions.push(set_compute_unit_limit(units));
    }
    if let Some(price) = r.get("compute_unit_price").and_then(Value::as_u64) {
        instructions.push(set_compute_unit_price(price));
    }
    match str_field(r, "kind")? {
        "sol" => instructions.push(system_transfer(&payer, &to, amount)),
        "spl" => {
            let mint = sol_field(r, "mint")?;
            let decimals = u8::try_from(u64_field(r, "decimals")?).map_err(str_err)?;
            let program = token_program(str_field(r, "token_program")?)?;
            instructions.extend(
                spl_transfer(&payer, &to, &mint, amount, decimals, &program).map_err(str_err)?,
            );
        }
        other => return Err(format!("unknown kind {other:?}")),
    }
    let blockhash = parse_blockhash(str_field(r, "blockhash")?).map_err(str_err)?;
    let mut tx = match str_field(r, "version")? {
        "legacy" => Transaction::new_unsigned(
            Message::try_compile(&instructions, Some(&payer), blockhash).map_err(str_err)?,
        ),
        "v0" => {
            let mut tables = Vec::new();
            for t in r
                .get("tables")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let addresses = field(t, "addresses")?
                    .as_array()
                    .ok_or("table addresses is not an array")?
                    .iter()
                    .map(|a| SolanaAddress::parse(a.as_str().unwrap_or_default()).map_err(str_err))
                    .collect::<Result<Vec<_>, _>>()?;
                tables.push(AddressLookupTableAccount {
                    key: sol_field(t, "key")?,
                    addresses,
                });
            }
            Transaction::new_unsigned(
                V0Message::try_compile(&payer, &instructions, &tables, blockhash)
                    .map_err(str_err)?,
            )
        }
        other => return Err(format!("unknown version {other:?}")),
    };
    tx.sign(&[&signer]).map_err(str_err)?;
    tx.verify().map_err(str_err)?;
    let wire = tx.serialize().map_err(str_err)?;
    Ok(json!({
        "payer": payer.to_string(),
        "instructions": instructions.iter().map(instruction_json).collect::<Vec<_>>(),
        "message": hex::encode(tx.message.serialize().map_err(str_err)?),
        "wire": hex::encode(wire),
        "signature": tx.id(),
    }))
}

/// `{wire}` -> `{wire (re-serialised), version, signers, verify: null | error}` of a
/// transaction another library wrote.
fn sol_decode(r: &Value) -> Answer {
    let tx = Transaction::deserialize(&hex_field(r, "wire")?).map_err(str_err)?;
    let version = match tx.message {
        VersionedMessage::Legacy(_) => "legacy",
        VersionedMessage::V0(_) => "v0",
    };
    Ok(json!({
        "wire": hex::encode(tx.serialize().map_err(str_err)?),
        "version": version,
        "signers": tx.message.signers().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "verify": tx.verify().err().map(|e| e.to_string()),
    }))
}

/// `{secret, message}` -> `{pubkey, signature}` (ed25519 over the raw bytes).
fn sol_sign(r: &Value) -> Answer {
    let signer = SolanaSigner::from_secret_key(&key32_field(r, "secret")?);
    let signature = signer.sign_message(&hex_field(r, "message")?);
    Ok(json!({
        "pubkey": signer.pubkey().to_string(),
        "signature": hex::encode(signature),
    }))
}

/// `{secret, text}` -> `{pubkey, serialized, signature}` of an off-chain message.
fn sol_offchain(r: &Value) -> Answer {
    let signer = SolanaSigner::from_secret_key(&key32_field(r, "secret")?);
    let text = str_field(r, "text")?;
    let serialized = OffchainMessage::new(text.as_bytes())
        .map_err(str_err)?
        .serialize();
    let signature = signer.sign_offchain_message(text).map_err(str_err)?;
    Ok(json!({
        "pubkey": signer.pubkey().to_string(),
        "serialized": hex::encode(serialized),
        "signature": hex::encode(signature),
    }))
}

/// Parses a base58 address; answers its 32 bytes, or an error if the input is refused.
fn sol_parse_address(r: &Value) -> Answer {
    Ok(Value::String(hex::encode(
        sol_field(r, "input")?.to_bytes(),
    )))
}

fn sol_ata(r: &Value) -> Answer {
    let ata = get_associated_token_address(
        &sol_field(r, "wallet")?,
        &sol_field(r, "mint")?,
        &token_program(str_field(r, "token_program")?)?,
    )
    .map_err(str_err)?;
    Ok(Value::String(ata.to_string()))
}

// ---- keystores -------------------------------------------------------------------------------

/// `{key, password (hex of the bytes), kdf: "scrypt" (n, r, p) | "pbkdf2" (c)}` -> JSON text.
fn keystore_encrypt(r: &Value) -> Answer {
    let params = match str_field(r, "kdf")? {
        "scrypt" => KdfParams::scrypt(u64_field(r, "n")?, u32_field(r, "r")?, u32_field(r, "p")?),
        "pbkdf2" => KdfParams::pbkdf2(u32_field(r, "c")?),
        other => return Err(format!("unknown kdf {other:?}")),
    }
    .map_err(str_err)?;
    let json = keystore::encrypt(&key32_field(r, "key")?, &hex_field(r, "password")?, params)
        .map_err(str_err)?;
    Ok(Value::String(json))
}

/// `{json, password (hex)}` -> the private key, hex.
fn keystore_decrypt(r: &Value) -> Answer {
    let key =
        keystore::decrypt(str_field(r, "json")?, &hex_field(r, "password")?).map_err(str_err)?;
    Ok(Value::String(hex::encode(*key)))
}

// ---- dApp requests: wire transactions and Sign-In With Solana --------------------------------

fn wire_signed_json(
    wire: &trestle_core::solana::WireTransaction,
    signed: &trestle_core::solana::WireSignature,
) -> Value {
    json!({
        "wire": hex::encode(wire.as_bytes()),
        "version": wire.version().as_str(),
        "signature": hex::encode(signed.signature),
        "index": signed.index,
        "fee_payer": signed.fee_payer,
        "writable": signed.writable,
    })
}

/// `{secret, wire}` -> the dApp's wire transaction signed in the key's slot, byte-exact.
fn sol_sign_wire(r: &Value) -> Answer {
    let signer = SolanaSigner::from_secret_key(&key32_field(r, "secret")?);
    let mut wire =
        trestle_core::solana::WireTransaction::parse(&hex_field(r, "wire")?).map_err(str_err)?;
    let signed = wire.sign(&signer).map_err(str_err)?;
    Ok(wire_signed_json(&wire, &signed))
}

/// `{secret, wires: [hex]}` -> `[signed]`, all or nothing (`signAllTransactions`).
fn sol_sign_all(r: &Value) -> Answer {
    let signer = SolanaSigner::from_secret_key(&key32_field(r, "secret")?);
    let wires = field(r, "wires")?
        .as_array()
        .ok_or("field wires is not an array")?
        .iter()
        .map(|w| {
            w.as_str()
                .and_then(|h| hex::decode(h).ok())
                .ok_or_else(|| "wires holds a non-hex entry".to_owned())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let slices: Vec<&[u8]> = wires.iter().map(Vec::as_slice).collect();
    let signed = trestle_core::solana::sign_all(&slices, &signer).map_err(str_err)?;
    Ok(Value::Array(
        signed.iter().map(|(w, s)| wire_signed_json(w, s)).collect(),
    ))
}

/// `SolanaSignInInput` JSON (camelCase) -> `{text}`.
fn siws_text(r: &Value) -> Answer {
    use trestle_core::solana::sign_in::{SignInFields, SignInMessage};
    let opt = |name: &str| r.get(name).and_then(Value::as_str).map(str::to_owned);
    let fields = SignInFields {
        domain: str_field(r, "domain")?.to_owned(),
        address: sol_field(r, "address")?,
        statement: opt("statement"),
        uri: opt("uri"),
        version: opt("version"),
        chain_id: opt("chainId"),
        nonce: opt("nonce"),
        issued_at: opt("issuedAt"),
        expiration_time: opt("expirationTime"),
        not_before: opt("notBefore"),
        request_id: opt("requestId"),
        resources: r.get("resources").and_then(Value::as_array).map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        }),
    };
    let message = SignInMessage::new(fields).map_err(str_err)?;
    Ok(json!({ "text": message.text() }))
}

/// `{secret, text, domain, now (RFC 3339)}` -> `{address, signature}` after the wallet's checks.
fn siws_sign(r: &Value) -> Answer {
    use trestle_core::solana::sign_in::SignInMessage;
    let signer = SolanaSigner::from_secret_key(&key32_field(r, "secret")?);
    let message = SignInMessage::parse(str_field(r, "text")?).map_err(str_err)?;
    let now = SignInMessage::parse_time(str_field(r, "now")?).map_err(str_err)?;
    let signature = message
        .sign(&signer, str_field(r, "domain")?, now)
        .map_err(str_err)?;
    Ok(json!({
        "address": signer.pubkey().to_string(),
        "signature": hex::encode(signature),
    }))
}

// ---- Sign-In with Ethereum (EIP-4361) -------------------------------------------------------

/// `{text}` -> the message's fields (as the `siwe` package names them) and its text rendered
/// again from them.
fn siwe_parse(r: &Value) -> Answer {
    use trestle_core::evm::siwe::SiweMessage;
    let m = SiweMessage::parse(str_field(r, "text")?).map_err(str_err)?;
    let time =
        |t: &Option<trestle_core::evm::siwe::DateTime>| t.as_ref().map(|t| t.as_str().to_owned());
    Ok(json!({
        "scheme": m.scheme,
        "domain": m.domain,
        "address": m.address.to_checksum(),
        "statement": m.statement,
        "uri": m.uri,
        "chainId": m.chain_id,
        "nonce": m.nonce,
        "issuedAt": m.issued_at.as_str(),
        "expirationTime": time(&m.expiration_time),
        "notBefore": time(&m.not_before),
        "requestId": m.request_id,
        "resources": m.resources,
        "text": m.to_message().map_err(str_err)?,
    }))
}

/// `{secret, text, domain, chainId, nonce, now (RFC 3339)}` -> `{address, signature}`: the
/// wallet's checks, then `personal_sign` of the text as given.
fn siwe_sign(r: &Value) -> Answer {
    use trestle_core::evm::siwe::{DateTime, SiweExpectations, sign_message_text};
    let signer = EvmSigner::from_private_key(&key32_field(r, "secret")?).map_err(str_err)?;
    let now = DateTime::parse(str_field(r, "now")?).map_err(str_err)?;
    let seconds = u64::try_from(now.unix_seconds()).map_err(str_err)?;
    let expected = SiweExpectations {
        domain: Some(str_field(r, "domain")?.to_owned()),
        chain_id: r.get("chainId").and_then(Value::as_u64),
        nonce: r.get("nonce").and_then(Value::as_str).map(str::to_owned),
        time: Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds)),
        ..SiweExpectations::default()
    };
    let (_, signature) =
        sign_message_text(str_field(r, "text")?, &expected, &signer).map_err(str_err)?;
    Ok(json!({
        "address": signer.address().to_checksum(),
        "signature": signature.to_hex(),
    }))
}
