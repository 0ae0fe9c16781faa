//! Trestle's side of the side-by-side wallet benchmark in `benches/wallet/`.
//!
//! Run the whole comparison with `benches/wallet/run.sh`: it builds this binary with the
//! release profile, runs it and the JavaScript libraries on the same
//! `benches/wallet/inputs.json`, checks that all of them produce the same bytes and prints the
//! ratios. Performance claims come from that script, never from a timed test.
//!
//! Alone: `cargo run --release -p trestle-benches --bin wallet-bench` prints one JSON line:
//! for every operation, the output it produced and one timing per sample (nanoseconds per
//! operation). Operations are interleaved sample by sample, so machine noise lands on all of
//! them alike; the caller takes medians. Options: `--inputs FILE` (default
//! `benches/wallet/inputs.json`), `--samples N` (default 15), `--sample-ms M` (default 20,
//! the length of one sample), `--check-only` (outputs only, no timing).

use std::error::Error as StdError;
use std::hint::black_box;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use ruint::aliases::U256;
use serde_json::{Value, json};
use trestle_core::evm::transaction::Eip1559Transaction;
use trestle_core::evm::{EvmAddress, EvmSigner, TypedData, TypedTransaction};
use trestle_core::solana::instruction::system_transfer;
use trestle_core::solana::{Message, SolanaAddress, SolanaSigner, Transaction};
use trestle_core::wallet::hd_wallet::HdWallet;
use trestle_core::wallet::mnemonic::Mnemonic;
use trestle_core::wallet::path::DerivationPath;

/// Errors of this binary: anything that stops the benchmark, with its message.
type BoxError = Box<dyn StdError>;

/// PBKDF2 iterations of a BIP39 seed.
const BIP39_ITERATIONS: u32 = 2048;

/// One benchmarked operation: its name in the report and a closure that returns its output in
/// the normalised form the report compares (checksummed address, base58 key, `0x` hex).
type Op<'a> = (&'static str, Box<dyn Fn() -> Result<String, BoxError> + 'a>);

/// Command-line options.
struct Options {
    /// `--inputs FILE`: the shared inputs.
    inputs: PathBuf,
    /// `--samples N`: samples per operation.
    samples: usize,
    /// `--sample-ms M`: the target length of one sample, in milliseconds.
    sample_ms: f64,
    /// `--check-only`: print outputs without timing.
    check_only: bool,
}

impl Options {
    /// Parses the command line. Refuses unknown arguments and missing or malformed values.
    fn parse() -> Result<Self, BoxError> {
        let mut options = Options {
            inputs: PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../wallet/inputs.json"
            )),
            samples: 15,
            sample_ms: 20.0,
            check_only: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
            match arg.as_str() {
                "--check-only" => options.check_only = true,
                "--inputs" => options.inputs = PathBuf::from(value("--inputs")?),
                "--samples" => options.samples = value("--samples")?.parse()?,
                "--sample-ms" => options.sample_ms = value("--sample-ms")?.parse()?,
                other => {
                    return Err(format!(
                        "unknown argument {other:?}; expected --inputs FILE, --samples N, \
                         --sample-ms M or --check-only"
                    )
                    .into());
                }
            }
        }
        Ok(options)
    }
}

/// The string at `pointer` in `inputs`.
fn text<'a>(inputs: &'a Value, pointer: &str) -> Result<&'a str, BoxError> {
    inputs
        .pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("inputs: {pointer} must be a string").into())
}

/// The unsigned integer at `pointer` in `inputs`.
fn number(inputs: &Value, pointer: &str) -> Result<u64, BoxError> {
    inputs
        .pointer(pointer)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("inputs: {pointer} must be an unsigned integer").into())
}

/// The decimal `U256` string at `pointer` in `inputs`.
fn amount(inputs: &Value, pointer: &str) -> Result<U256, BoxError> {
    Ok(text(inputs, pointer)?.parse::<U256>()?)
}

/// Mnemonic to the EVM signer at `path`, through [`HdWallet`]: BIP39 checksum check, PBKDF2
/// seed, BIP32 derivation, public key and address, as a wallet's "import a recovery phrase"
/// does.
fn evm_account(phrase: &str, passphrase: &str, path: &str) -> Result<EvmSigner, BoxError> {
    let wallet = HdWallet::from_mnemonic(&Mnemonic::parse(phrase)?, passphrase);
    Ok(wallet.evm_signer(&DerivationPath::parse(path)?)?)
}

/// Mnemonic to the Solana signer at `path`, through [`HdWallet`]: BIP39 checksum check,
/// PBKDF2 seed, SLIP-10 ed25519 derivation and public key.
fn solana_account(phrase: &str, passphrase: &str, path: &str) -> Result<SolanaSigner, BoxError> {
    let wallet = HdWallet::from_mnemonic(&Mnemonic::parse(phrase)?, passphrase);
    Ok(wallet.solana_signer(&DerivationPath::parse(path)?)?)
}

/// Builds the operations over `inputs`. Keys used by the signing operations are derived once,
/// here, outside the timed code, as a wallet holds them unlocked.
fn operations(inputs: &Value) -> Result<Vec<Op<'_>>, BoxError> {
    let phrase = text(inputs, "/mnemonic")?;
    let passphrase = text(inputs, "/passphrase")?;
    let evm_path = text(inputs, "/evm_path")?;
    let solana_path = text(inputs, "/solana_path")?;

    let evm_signer = evm_account(phrase, passphrase, evm_path)?;
    let typed_data_signer = evm_signer.clone();
    let solana_signer = solana_account(phrase, passphrase, solana_path)?;

    let chain_id = number(inputs, "/eip1559/chain_id")?;
    let nonce = number(inputs, "/eip1559/nonce")?;
    let max_priority_fee_per_gas = amount(inputs, "/eip1559/max_priority_fee_per_gas")?;
    let max_fee_per_gas = amount(inputs, "/eip1559/max_fee_per_gas")?;
    let gas_limit = number(inputs, "/eip1559/gas_limit")?;
    let to = EvmAddress::parse(text(inputs, "/eip1559/to")?)?;
    let value = amount(inputs, "/eip1559/value")?;
    let data = hex::decode(text(inputs, "/eip1559/data")?.trim_start_matches("0x"))?;

    // eth_signTypedData_v4 hands the wallet a JSON string; every implementation starts there.
    let typed_data_json = serde_json::to_string(
        inputs
            .get("eip712")
            .ok_or("inputs: /eip712 must be an object")?,
    )?;

    let sol_to = SolanaAddress::parse(text(inputs, "/solana_transfer/to")?)?;
    let lamports = number(inputs, "/solana_transfer/lamports")?;
    let blockhash = SolanaAddress::parse(text(inputs, "/solana_transfer/recent_blockhash")?)?;

    let ops: Vec<Op<'_>> = vec![
        (
            "evm_address",
            Box::new(move || {
                let signer = evm_account(black_box(phrase), black_box(passphrase), evm_path)?;
                Ok(signer.address().to_string())
            }),
        ),
        (
            "sol_address",
            Box::new(move || {
                let signer = solana_account(black_box(phrase), black_box(passphrase), solana_path)?;
                Ok(signer.pubkey().to_string())
            }),
        ),
        (
            "sign_eip1559",
            Box::new(move || {
                let tx = TypedTransaction::Eip1559(Eip1559Transaction {
                    chain_id: black_box(chain_id),
                    nonce: black_box(nonce),
                    max_priority_fee_per_gas,
                    max_fee_per_gas,
                    gas_limit,
                    to: Some(to),
                    value,
                    data: data.clone(),
                    access_list: Vec::new(),
                });
                Ok(evm_signer.sign_transaction(black_box(&tx))?.raw_hex())
            }),
        ),
        (
            "sign_eip712",
            Box::new(move || {
                let typed = TypedData::from_json(black_box(&typed_data_json))?;
                Ok(typed_data_signer.sign_typed_data(&typed)?.to_hex())
            }),
        ),
        (
            "sign_sol_transfer",
            Box::new(move || {
                let from = solana_signer.pubkey();
                let transfer = system_transfer(&from, &sol_to, black_box(lamports));
                let message = Message::try_compile(&[transfer], Some(&from), blockhash.0)?;
                let mut tx = Transaction::new_unsigned(message);
                tx.sign(&[&solana_signer])?;
                Ok(format!("0x{}", hex::encode(tx.serialize()?)))
            }),
        ),
        (
            // The floor: the BIP39 seed's PBKDF2-HMAC-SHA512 alone, through the same `pbkdf2`
            // and `sha2` crates `Mnemonic::to_seed` uses, on the same (ASCII, NFKD-stable) text.
            "pbkdf2",
            Box::new(move || {
                let mut seed = [0u8; 64];
                let salt = format!("mnemonic{passphrase}");
                pbkdf2::pbkdf2_hmac::<sha2::Sha512>(
                    black_box(phrase.as_bytes()),
                    salt.as_bytes(),
                    BIP39_ITERATIONS,
                    &mut seed,
                );
                Ok(format!("0x{}", hex::encode(black_box(seed))))
            }),
        ),
    ];
    Ok(ops)
}

/// Nanoseconds that `n` runs of `op` take.
fn time_batch(op: &dyn Fn() -> Result<String, BoxError>, n: u64) -> Result<f64, BoxError> {
    let start = Instant::now();
    for _ in 0..n {
        black_box(op()?);
    }
    Ok(start.elapsed().as_nanos() as f64)
}

/// The number of runs of `op` that take about `sample_ns`.
fn calibrate(op: &dyn Fn() -> Result<String, BoxError>, sample_ns: f64) -> Result<u64, BoxError> {
    let mut n: u64 = 1;
    loop {
        let ns = time_batch(op, n)?;
        if ns >= sample_ns / 4.0 || n >= 1 << 20 {
            return Ok(((n as f64 * sample_ns / ns.max(1.0)).round() as u64).max(1));
        }
        n *= 2;
    }
}

/// Computes every output, then (unless `check_only`) times every operation: calibrate, warm
/// up, then `samples` rounds in which each operation takes one sample.
fn run(options: &Options, inputs: &Value) -> Result<Value, BoxError> {
    let ops = operations(inputs)?;
    let sample_ns = options.sample_ms * 1e6;
    let mut outputs = Vec::with_capacity(ops.len());
    for (_, op) in &ops {
        outputs.push(op()?);
    }
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); ops.len()];
    if !options.check_only {
        let mut batches = Vec::with_capacity(ops.len());
        for (_, op) in &ops {
            let n = calibrate(op.as_ref(), sample_ns)?;
            time_batch(op.as_ref(), n)?; // warm-up at full batch size
            batches.push(n);
        }
        for _ in 0..options.samples {
            for (((_, op), n), out) in ops.iter().zip(&batches).zip(samples.iter_mut()) {
                out.push(time_batch(op.as_ref(), *n)? / *n as f64);
            }
        }
    }
    let mut results = serde_json::Map::new();
    for (((name, _), output), samples_ns) in ops.iter().zip(outputs).zip(samples) {
        results.insert(
            (*name).to_owned(),
            json!({ "output": output, "samples_ns": samples_ns }),
        );
    }
    Ok(json!({
        "impl": "trestle",
        "versions": {
            "trestle-core": env!("CARGO_PKG_VERSION"),
            "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        },
        "results": results,
    }))
}

fn main() -> Result<(), BoxError> {
    let options = Options::parse()?;
    let text = std::fs::read_to_string(&options.inputs)
        .map_err(|e| format!("reading {}: {e}", options.inputs.display()))?;
    let inputs: Value = serde_json::from_str(&text)?;
    let report = run(&options, &inputs)?;
    // One line on stdout; a closed pipe is an error value, not a panic.
    writeln!(std::io::stdout().lock(), "{report}")?;
    Ok(())
}
