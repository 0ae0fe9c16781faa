//! What a wallet signs for dApps: Solana wire transactions, byte-exact
//! (`sign-tx --chain solana --wire`), and sign-in messages (`sign-in`: Sign-In With Solana,
//! and EIP-4361 Sign-In with Ethereum).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::{Value, json};
use trestle_core::evm::siwe::{DateTime, SiweExpectations, SiweMessage, sign_message_text};
use trestle_core::solana::sign_in::{SignInFields, SignInMessage};
use trestle_core::solana::{SolanaSigner, WireSignature, WireTransaction, sign_all};

use super::{AccountArgs, Chain, keys, read_input_file};
use crate::outcome::Outcome;

/// Reads the transactions of `--wire` (repeatable) and `--wire-file` (one base64 transaction
/// per line), parsed and checked; the errors say which one is wrong.
pub(super) fn read_wires(
    wire: Vec<String>,
    wire_file: Option<PathBuf>,
) -> anyhow::Result<Vec<WireTransaction>> {
    let mut texts: Vec<(String, String)> = wire
        .into_iter()
        .enumerate()
        .map(|(i, text)| (format!("--wire #{}", i + 1), text))
        .collect();
    if let Some(file) = wire_file {
        let content = read_input_file(&file)?;
        for (n, line) in content.lines().enumerate() {
            if !line.trim().is_empty() {
                texts.push((
                    format!("{} line {}", file.display(), n + 1),
                    line.to_owned(),
                ));
            }
        }
    }
    if texts.is_empty() {
        bail!("no transaction given: --wire BASE64 or --wire-file FILE");
    }
    texts
        .iter()
        .map(|(what, text)| WireTransaction::from_base64(text).with_context(|| what.clone()))
        .collect()
}

/// `sign-tx --chain solana --wire ...`: every transaction is checked (the account must be one
/// of its required signers) before any is signed.
pub(super) fn sign_wires(
    wires: Vec<WireTransaction>,
    account: &AccountArgs,
) -> anyhow::Result<Outcome> {
    let (signer, origin) = keys::solana_signer(account)?;
    let bytes: Vec<&[u8]> = wires.iter().map(WireTransaction::as_bytes).collect();
    let signed = sign_all(&bytes, &signer)?;
    let one = signed.len() == 1;
    let mut texts = Vec::new();
    let mut objects = Vec::new();
    for (wire, signature) in &signed {
        texts.push(describe(wire, signature));
        objects.push(wire_json(wire, signature));
    }
    let json = if one {
        let mut object = objects.into_iter().next().unwrap_or_default();
        if let Some(map) = object.as_object_mut() {
            map.insert("chain".to_owned(), json!("solana"));
        }
        object
    } else {
        json!({
            "chain": "solana",
            "signer": signer.pubkey().to_string(),
            "transactions": objects,
        })
    };
    let mut json = json;
    origin.add_to(&mut json);
    Ok(Outcome::ok(texts.join("\n\n"), json))
}

fn describe(wire: &WireTransaction, s: &WireSignature) -> String {
    let total = wire.required_signers().len();
    let fee_payer = wire
        .fee_payer()
        .map(ToString::to_string)
        .unwrap_or_default();
    format!(
        "{}\nsigner: {} (slot {} of {total}, {})\nsignature: {}\nfee payer: {}",
        wire.to_base64(),
        s.signer,
        s.index,
        if s.writable { "writable" } else { "read-only" },
        s.signature_base58(),
        if s.fee_payer {
            "yes (this account pays the fee)".to_owned()
        } else {
            format!("no ({fee_payer} pays the fee)")
        }
    )
}

fn wire_json(wire: &WireTransaction, s: &WireSignature) -> Value {
    json!({
        "transaction": wire.to_base64(),
        "version": wire.version().as_str(),
        "signer": s.signer.to_string(),
        "signature": s.signature_base58(),
        "slot": s.index,
        "fee_payer": s.fee_payer,
        "fee_payer_address": wire.fee_payer().map(ToString::to_string),
        "writable": s.writable,
        "signatures": wire
            .signature_slots()
            .iter()
            .map(|(key, signed)| json!({ "signer": key.to_string(), "signed": signed }))
            .collect::<Vec<_>>(),
    })
}

/// `trestle wallet sign-in`: a Sign-In With Solana or Sign-In with Ethereum (EIP-4361)
/// message, built from fields or read from a dApp, checked, then signed.
#[derive(Debug, Args)]
pub struct SignInArgs {
    /// Chain family: solana (Sign-In With Solana) or evm (EIP-4361, personal_sign).
    #[arg(long, value_enum)]
    chain: Chain,
    /// The domain asking for the sign-in (host[:port]); a --message-file must name it.
    #[arg(long)]
    domain: String,
    /// The dApp's nonce (at least 8 letters or digits); required unless --message-file (on
    /// EVM, checked against the file's when given).
    #[arg(long)]
    nonce: Option<String>,
    /// Statement shown to the user (one line).
    #[arg(long, conflicts_with = "message_file")]
    statement: Option<String>,
    /// URI the sign-in is for.
    #[arg(long, conflicts_with = "message_file")]
    uri: Option<String>,
    /// Chain ID line: on Solana mainnet, devnet, testnet, localnet (or solana:mainnet, ...);
    /// on EVM the EIP-155 chain id, required when building, and checked against a
    /// --message-file when given.
    #[arg(long)]
    chain_id: Option<String>,
    /// Issued At (RFC 3339); default: now.
    #[arg(long, conflicts_with = "message_file")]
    issued_at: Option<String>,
    /// Expiration Time (RFC 3339).
    #[arg(long, conflicts_with = "message_file")]
    expiration_time: Option<String>,
    /// Not Before (RFC 3339).
    #[arg(long, conflicts_with = "message_file")]
    not_before: Option<String>,
    /// Request ID.
    #[arg(long, conflicts_with = "message_file")]
    request_id: Option<String>,
    /// A resource URI (repeatable).
    #[arg(long = "resource", conflicts_with = "message_file")]
    resources: Vec<String>,
    /// Sign this dApp-provided message text (its exact bytes, no trailing newline) after
    /// checking it against --domain, the account and the clock.
    #[arg(long)]
    message_file: Option<PathBuf>,
    /// Check the message's times against this instant (RFC 3339) instead of the clock.
    #[arg(long)]
    now: Option<String>,
    #[command(flatten)]
    account: AccountArgs,
}

pub(super) fn sign_in(args: SignInArgs) -> anyhow::Result<Outcome> {
    if args.chain == Chain::Evm {
        return sign_in_with_ethereum(args);
    }
    if args.message_file.is_some() && (args.chain_id.is_some() || args.nonce.is_some()) {
        bail!(
            "--chain-id and --nonce build a Sign-In With Solana message; a --message-file names its own"
        );
    }
    let now_ms = match &args.now {
        Some(text) => SignInMessage::parse_time(text).context("--now")?,
        None => {
            let since = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .context("the system clock is before 1970")?;
            i64::try_from(since.as_millis()).context("the system clock is out of range")?
        }
    };
    // Read the dApp's text before the mnemonic, so a bad file costs no secret input.
    let given = match &args.message_file {
        Some(file) => {
            let text = read_input_file(file)?;
            Some(
                SignInMessage::parse(&text)
                    .with_context(|| format!("message file {}", file.display()))?,
            )
        }
        None => None,
    };
    let (signer, origin) = keys::solana_signer(&args.account)?;
    let message = match given {
        Some(message) => message,
        None => build(&args, &signer, now_ms)?,
    };
    let signature = message.sign(&signer, &args.domain, now_ms)?;
    let signature = bs58::encode(signature).into_string();
    let text = message.text();
    let mut answer = json!({
        "chain": "solana",
        "address": signer.pubkey().to_string(),
        "message": text,
        "signed_message": hex::encode(text.as_bytes()),
        "signature": signature,
        "signature_type": "ed25519",
    });
    origin.add_to(&mut answer);
    Ok(Outcome::ok(
        format!("{text}\n\nsignature: {signature}"),
        answer,
    ))
}

fn build(args: &SignInArgs, signer: &SolanaSigner, now_ms: i64) -> anyhow::Result<SignInMessage> {
    let nonce = args
        .nonce
        .clone()
        .context("--nonce is required (the dApp's nonce), or --message-file")?;
    let fields = SignInFields {
        domain: args.domain.clone(),
        address: signer.pubkey(),
        statement: args.statement.clone(),
        uri: args.uri.clone(),
        version: Some("1".to_owned()),
        chain_id: args.chain_id.clone(),
        nonce: Some(nonce),
        issued_at: Some(
            args.issued_at
                .clone()
                .unwrap_or_else(|| SignInMessage::format_time(now_ms)),
        ),
        expiration_time: args.expiration_time.clone(),
        not_before: args.not_before.clone(),
        request_id: args.request_id.clone(),
        resources: (!args.resources.is_empty()).then(|| args.resources.clone()),
    };
    Ok(SignInMessage::new(fields)?)
}

/// `sign-in --chain evm`: an EIP-4361 message read from the dApp (checked against --domain,
/// the account, --chain-id and --nonce when given, and the clock; its exact text signed) or
/// built from fields, signed with `personal_sign`.
fn sign_in_with_ethereum(args: SignInArgs) -> anyhow::Result<Outcome> {
    let now = match &args.now {
        Some(text) => {
            let t = DateTime::parse(text).map_err(|e| anyhow::anyhow!("--now {text}: {e}"))?;
            let seconds = u64::try_from(t.unix_seconds())
                .map_err(|_| anyhow::anyhow!("--now {text}: before 1970"))?;
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds)
        }
        None => std::time::SystemTime::now(),
    };
    let chain_id = args
        .chain_id
        .as_deref()
        .map(|id| {
            id.parse::<u64>()
                .map_err(|_| anyhow::anyhow!("--chain-id {id}: an EVM chain id is a number"))
        })
        .transpose()?;
    let given = match &args.message_file {
        Some(file) => Some(read_input_file(file)?),
        None => None,
    };
    let (signer, origin) = keys::evm_signer(&args.account)?;
    let expected = SiweExpectations {
        domain: Some(args.domain.clone()),
        chain_id,
        nonce: args.nonce.clone(),
        time: Some(now),
        ..SiweExpectations::default()
    };
    let text = match given {
        Some(text) => text,
        None => {
            let chain_id = chain_id.context("--chain-id is required to build an EVM sign-in")?;
            let uri = args
                .uri
                .clone()
                .context("--uri is required to build an EVM sign-in")?;
            let nonce = args
                .nonce
                .clone()
                .context("--nonce is required (the dApp's nonce), or --message-file")?;
            let time = |flag: &str, value: &Option<String>| {
                value
                    .as_deref()
                    .map(|t| DateTime::parse(t).map_err(|e| anyhow::anyhow!("{flag} {t}: {e}")))
                    .transpose()
            };
            let issued_at = match time("--issued-at", &args.issued_at)? {
                Some(t) => t,
                None => DateTime::from_system_time(now)
                    .map_err(|e| anyhow::anyhow!("the clock: {e}"))?,
            };
            let mut message = SiweMessage::new(
                &args.domain,
                signer.address(),
                uri,
                chain_id,
                nonce,
                issued_at,
            );
            message.statement = args.statement.clone();
            message.expiration_time = time("--expiration-time", &args.expiration_time)?;
            message.not_before = time("--not-before", &args.not_before)?;
            message.request_id = args.request_id.clone();
            message.resources = args.resources.clone();
            message.to_message()?
        }
    };
    let (_, signature) = sign_message_text(&text, &expected, &signer)?;
    let signature = signature.to_hex();
    let mut answer = json!({
        "chain": "evm",
        "address": signer.address().to_string(),
        "message": text,
        "signature": signature,
        "signature_type": "personal_sign",
    });
    origin.add_to(&mut answer);
    Ok(Outcome::ok(
        format!("{text}\n\nsignature: {signature}"),
        answer,
    ))
}
