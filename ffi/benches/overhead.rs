//! The Rust side of the FFI benchmark (`ffi/benches/run.sh`): the exported functions called
//! directly, without a binding, on the inputs of `benches/wallet/inputs.json`. Prints one JSON
//! object `{"op": median_ns_per_call, ...}`. Not a criterion bench: it is one column of a
//! side-by-side table with Python, Node.js, ethers and @solana/web3.js.

use std::error::Error;
use std::hint::black_box;
use std::time::Instant;

use trestle_ffi::{Language, Wallet};

const MNEMONIC: &str = "test test test test test test test test test test test junk";
const EVM_ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const SOLANA_ADDRESS: &str = "4cWak4GAri1LGNQaMtpy7mD4jRAZrzwW6Z1T25TGENwR";
const BLOCKHASH: &str = "5tiiMAsAjnVFfBXSD8yg5uJLQoEHBRSQZ4TsTqRDqk55";
const EIP1559_JSON: &str = r#"{"type":"0x2","chainId":"0x1","nonce":"0x7","maxPriorityFeePerGas":"0x3b9aca00","maxFeePerGas":"0x6fc23ac00","gas":"0x5208","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","value":"0xde0b6b3a7640000","data":"0x"}"#;
const SAMPLES: usize = 7;
const SAMPLE_NS: u128 = 20_000_000;

type Op<'a> = Box<dyn FnMut() -> Result<(), Box<dyn Error>> + 'a>;

/// Median nanoseconds per call of `f`, in batches of about 20 ms.
fn measure(f: &mut Op<'_>) -> Result<f64, Box<dyn Error>> {
    f()?;
    let mut batch: u32 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..batch {
            f()?;
        }
        if start.elapsed().as_nanos() >= SAMPLE_NS / 4 || batch >= 1 << 24 {
            break;
        }
        batch *= 2;
    }
    batch *= 4;
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        for _ in 0..batch {
            f()?;
        }
        samples.push(start.elapsed().as_nanos() as f64 / f64::from(batch));
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples.get(SAMPLES / 2).copied().unwrap_or(f64::NAN))
}

fn main() -> Result<(), Box<dyn Error>> {
    let typed_data = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../benches/wallet/inputs.json"
    ))?;
    // The `eip712` member of the shared inputs, cut out without a JSON library.
    let start = typed_data
        .find("\"eip712\": ")
        .ok_or("no eip712 in inputs")?
        + 10;
    let end = typed_data
        .find(",\n  \"solana_transfer\"")
        .ok_or("no solana_transfer")?;
    let typed_data = typed_data.get(start..end).ok_or("bad inputs")?.to_owned();

    let wallet = Wallet::from_mnemonic(MNEMONIC.into(), String::new(), Language::English)?;
    let evm_path = wallet.evm_account(0)?.path;
    let sol_path = wallet
        .solana_account(0, trestle_ffi::SolanaPathStyle::Bip44Change)?
        .path;

    let mut ops: Vec<(&str, Op<'_>)> = vec![
        (
            "is_valid_evm_address",
            Box::new(|| {
                black_box(trestle_ffi::is_valid_evm_address(EVM_ADDRESS.into()));
                Ok(())
            }),
        ),
        (
            "parse_solana_address",
            Box::new(|| {
                black_box(trestle_ffi::parse_solana_address(SOLANA_ADDRESS.into())?);
                Ok(())
            }),
        ),
        (
            "validate_mnemonic",
            Box::new(|| {
                black_box(trestle_ffi::validate_mnemonic(
                    MNEMONIC.into(),
                    Language::English,
                )?);
                Ok(())
            }),
        ),
        (
            "mnemonic_to_evm_address",
            Box::new(|| {
                let w = Wallet::from_mnemonic(MNEMONIC.into(), String::new(), Language::English)?;
                black_box(w.evm_account(0)?.address);
                Ok(())
            }),
        ),
        (
            "mnemonic_to_solana_address",
            Box::new(|| {
                let w = Wallet::from_mnemonic(MNEMONIC.into(), String::new(), Language::English)?;
                black_box(w.solana_account(0, trestle_ffi::SolanaPathStyle::Bip44Change)?);
                Ok(())
            }),
        ),
        (
            "sign_eip1559",
            Box::new(|| {
                black_box(wallet.sign_evm_transaction_json(evm_path.clone(), EIP1559_JSON.into())?);
                Ok(())
            }),
        ),
        (
            "sign_eip712",
            Box::new(|| {
                black_box(wallet.sign_typed_data(evm_path.clone(), typed_data.clone())?);
                Ok(())
            }),
        ),
        (
            "sign_sol_transfer",
            Box::new(|| {
                black_box(wallet.sign_sol_transfer(
                    sol_path.clone(),
                    SOLANA_ADDRESS.into(),
                    1_000_000,
                    BLOCKHASH.into(),
                    0,
                )?);
                Ok(())
            }),
        ),
    ];
    let mut out = Vec::new();
    for (name, op) in &mut ops {
        out.push(format!("\"{name}\": {:.1}", measure(op)?));
    }
    println!("{{{}}}", out.join(", "));
    Ok(())
}
