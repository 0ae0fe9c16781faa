//! `trestle wallet ...`: mnemonics, addresses and signing.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use ruint::aliases::U256;
use serde_json::json;
use trestle_core::evm::eip7702::{Authorization, SignRequest};
use trestle_core::evm::{EvmAddress, TypedData};
use trestle_core::solana::{self, SolanaAddress};
use trestle_core::wallet::HdWallet;
use trestle_core::wallet::mnemonic::{Language, Mnemonic};
use trestle_core::wallet::path::{DerivationPath, SolanaPathStyle};

use crate::outcome::Outcome;
use crate::secrets::{read_mnemonic, read_passphrase};

mod dapp;
mod keys;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Chain {
    /// Ethereum and EVM chains.
    Evm,
    /// Solana.
    Solana,
}

/// Which key to use: an account of the mnemonic, or an encrypted keystore.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// Account index: m/44'/60'/0'/0/I on EVM, m/44'/501'/I'/0' on Solana (see
    /// --solana-path-style).
    #[arg(long, default_value_t = 0, conflicts_with_all = ["path", "keystore"])]
    index: u32,
    /// Full derivation path instead of an index, e.g. "m/44'/60'/0'/0/7" (hardened markers
    /// ' or h).
    #[arg(long, conflicts_with = "keystore")]
    path: Option<String>,
    /// Sign with the key of this encrypted keystore instead of the mnemonic (an EVM keystore
    /// for EVM commands, a Solana one for Solana commands); its password comes from
    /// TRESTLE_KEYSTORE_PASSWORD, or is asked at a terminal.
    #[arg(long, value_name = "FILE")]
    keystore: Option<PathBuf>,
    /// Solana path style for --index: bip44-change = m/44'/501'/I'/0' (Phantom, Solflare,
    /// solana-keygen), bip44 = m/44'/501'/I' (Ledger Live, Trust Wallet).
    #[arg(long, default_value = "bip44-change")]
    solana_path_style: String,
    /// Wordlist of the mnemonic (english, japanese, spanish, ...).
    #[arg(long, default_value = "english")]
    language: String,
}

#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Generate a fresh mnemonic from the operating system's random number generator.
    New {
        /// Number of words: 12, 15, 18, 21 or 24.
        #[arg(long, default_value_t = 24)]
        words: usize,
        /// Wordlist (english, japanese, korean, spanish, chinese-simplified,
        /// chinese-traditional, french, italian, czech, portuguese).
        #[arg(long, default_value = "english")]
        language: String,
    },
    /// Print the address of an account of the mnemonic.
    Address {
        /// Chain family.
        #[arg(long, value_enum)]
        chain: Chain,
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Check an address: exit 0 if valid, else exit 1 and say why.
    ValidateAddress {
        /// Chain family.
        #[arg(long, value_enum)]
        chain: Chain,
        /// The address to check.
        address: String,
    },
    /// Sign a transaction: an eth_signTransaction JSON file on EVM; on Solana a SOL transfer,
    /// or a dApp's wire transaction (--wire) signed over its message bytes as given.
    SignTx {
        /// Chain family.
        #[arg(long, value_enum)]
        chain: Chain,
        /// EVM: file holding the transaction as eth_signTransaction JSON ("-" for stdin when
        /// the mnemonic comes from TRESTLE_MNEMONIC).
        #[arg(long)]
        tx: Option<PathBuf>,
        /// Solana: build and sign a SOL transfer.
        #[arg(long)]
        transfer: bool,
        /// Solana: recipient address.
        #[arg(long)]
        to: Option<String>,
        /// Solana: lamports to send.
        #[arg(long)]
        lamports: Option<u64>,
        /// Solana: recent blockhash (base58).
        #[arg(long)]
        blockhash: Option<String>,
        /// Solana: a dApp's wire transaction, base64 (legacy or v0, possibly partly signed),
        /// signed over its message bytes as given; repeat to sign several, all or none.
        #[arg(long)]
        wire: Vec<String>,
        /// Solana: file of dApp wire transactions, base64, one per line ("-" for stdin when the
        /// mnemonic comes from TRESTLE_MNEMONIC).
        #[arg(long)]
        wire_file: Option<PathBuf>,
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Sign a message: EIP-191 personal message on EVM (0x-hex), ed25519 on Solana (base58).
    SignMessage {
        /// Chain family.
        #[arg(long, value_enum)]
        chain: Chain,
        /// The message text (signed as UTF-8 bytes).
        #[arg(long)]
        message: String,
        /// Solana: sign the message wrapped in the Solana off-chain message format (as
        /// `solana sign-offchain-message` does) instead of the raw bytes (as wallets'
        /// signMessage does).
        #[arg(long)]
        offchain: bool,
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Write an account's private key as an encrypted Web3 Secret Storage v3 keystore: on EVM
    /// readable by geth, ethers, MetaMask and `trestle relayer`; on Solana the ed25519 seed,
    /// marked with its address, for `trestle relayer` ([relayer.solana], [fee_oracle.solana])
    /// and --keystore. The password comes from TRESTLE_KEYSTORE_PASSWORD, or is asked twice at
    /// a terminal.
    ExportKeystore {
        /// Chain family of the key.
        #[arg(long, value_enum, default_value = "evm")]
        chain: Chain,
        /// File to create (never overwritten; created with mode 0600).
        #[arg(long)]
        out: PathBuf,
        /// Key derivation: scrypt (n=2^18, geth's standard), scrypt-light (n=2^12, p=6) or
        /// pbkdf2 (262,144 iterations).
        #[arg(long, value_enum, default_value = "scrypt")]
        kdf: KdfChoice,
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Create a keystore holding a new random key, which exists nowhere else (e.g. the
    /// relayer's fee payer on Solana, or a fee oracle's key); prints its address to fund. The
    /// password comes from TRESTLE_KEYSTORE_PASSWORD, or is asked twice at a terminal.
    NewKeystore {
        /// Chain family of the key.
        #[arg(long, value_enum)]
        chain: Chain,
        /// File to create (never overwritten; created with mode 0600).
        #[arg(long)]
        out: PathBuf,
        /// Key derivation: scrypt (n=2^18, geth's standard), scrypt-light (n=2^12, p=6) or
        /// pbkdf2 (262,144 iterations).
        #[arg(long, value_enum, default_value = "scrypt")]
        kdf: KdfChoice,
    },
    /// Decrypt a keystore with TRESTLE_KEYSTORE_PASSWORD (or a prompt) and print its address
    /// (a Solana keystore's Solana address); the key itself is never printed.
    InspectKeystore {
        /// The keystore file.
        #[arg(long)]
        file: PathBuf,
        /// Read the key as this chain's: by default a keystore marked as a Solana key is read
        /// as one and any other as an EVM key; `solana` reads an unmarked keystore's secret as
        /// an ed25519 seed (Solana keystores written before the mark).
        #[arg(long, value_enum)]
        chain: Option<Chain>,
    },
    /// Import a Solana keypair file in solana-keygen's id.json format (a JSON array of 64
    /// numbers: the secret seed, then the public key) into a new Solana keystore. Refuses a
    /// file of the wrong length or whose public key is not its seed's.
    ImportKeypair {
        /// The id.json file.
        #[arg(long)]
        file: PathBuf,
        /// The keystore to create (never overwritten; created with mode 0600).
        #[arg(long)]
        out: PathBuf,
        /// Key derivation of the keystore.
        #[arg(long, value_enum, default_value = "scrypt")]
        kdf: KdfChoice,
    },
    /// Write a Solana key (of the mnemonic's account, or of --keystore) as a solana-keygen
    /// id.json keypair file, unencrypted, for the solana CLI and web3.js'
    /// Keypair.fromSecretKey. Created with mode 0600, never overwritten.
    ExportKeypair {
        /// File to create.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Sign in with Solana (Wallet Standard solana:signIn): build the message from fields, or
    /// check a dApp's message (--message-file) against --domain, the account and the clock;
    /// then sign its text with ed25519.
    SignIn(dapp::SignInArgs),
    /// Sign an EIP-7702 authorization (delegate this account's code to --address); prints
    /// `{chainId, address, nonce, yParity, r, s}` as an authorizationList entry.
    SignAuthorization {
        /// The chain it is valid on (0: every chain).
        #[arg(long)]
        chain_id: String,
        /// The contract whose code the account delegates to (the zero address clears a
        /// delegation).
        #[arg(long)]
        address: String,
        /// The account's nonce when the authorization is applied (the sending transaction's
        /// nonce + 1 when the account sends it itself).
        #[arg(long)]
        nonce: u64,
        /// Required with --chain-id 0: the authorization hands the account to --address on
        /// every EVM chain, the classic phishing request.
        #[arg(long)]
        all_chains: bool,
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Sign EIP-712 typed data given as eth_signTypedData_v4 JSON.
    SignTypedData {
        /// File holding the typed data JSON.
        #[arg(long)]
        file: PathBuf,
        #[command(flatten)]
        account: AccountArgs,
    },
}

/// Key-derivation function for new keystores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KdfChoice {
    /// scrypt n=2^18 r=8 p=1 (geth's standard).
    Scrypt,
    /// scrypt n=2^12 r=8 p=6 (geth's light).
    ScryptLight,
    /// PBKDF2-HMAC-SHA256, 262,144 iterations.
    Pbkdf2,
}

pub fn run(command: WalletCommand) -> anyhow::Result<Outcome> {
    match command {
        WalletCommand::New { words, language } => {
            let language: Language = language.parse()?;
            let mnemonic = Mnemonic::generate(words, language)?;
            Ok(Outcome::ok(
                mnemonic.phrase(),
                json!({ "mnemonic": mnemonic.phrase(), "words": words, "language": language.name() }),
            ))
        }
        WalletCommand::Address { chain, account } => {
            let (address, origin) = match chain {
                Chain::Evm => {
                    let (signer, origin) = keys::evm_signer(&account)?;
                    (signer.address().to_string(), origin)
                }
                Chain::Solana => {
                    let (signer, origin) = keys::solana_signer(&account)?;
                    (signer.pubkey().to_string(), origin)
                }
            };
            let mut answer = json!({ "chain": chain_name(chain), "address": address });
            origin.add_to(&mut answer);
            Ok(Outcome::ok(address, answer))
        }
        WalletCommand::ValidateAddress { chain, address } => Ok(validate_address(chain, &address)),
        WalletCommand::SignTx {
            chain,
            tx,
            transfer,
            to,
            lamports,
            blockhash,
            wire,
            wire_file,
            account,
        } => match chain {
            Chain::Evm => {
                if transfer
                    || to.is_some()
                    || lamports.is_some()
                    || blockhash.is_some()
                    || !wire.is_empty()
                    || wire_file.is_some()
                {
                    bail!(
                        "--transfer, --to, --lamports, --blockhash, --wire and --wire-file are for \
                         --chain solana; an EVM transaction comes from --tx FILE"
                    );
                }
                let file = tx.context("--chain evm needs --tx FILE (eth_signTransaction JSON)")?;
                let text = read_input_file(&file)?;
                // Types 0, 1, 2 and 0x4 (EIP-7702, with its authorizationList).
                let request = SignRequest::from_json(&text)
                    .with_context(|| format!("transaction file {}", file.display()))?;
                let (signer, _) = keys::evm_signer(&account)?;
                let signed = request.sign(&signer)?;
                let raw = format!("0x{}", hex::encode(&signed.raw));
                Ok(Outcome::ok(
                    raw.clone(),
                    json!({
                        "chain": "evm",
                        "from": signer.address().to_string(),
                        "raw": raw,
                        "hash": format!("0x{}", hex::encode(signed.hash)),
                    }),
                ))
            }
            Chain::Solana => {
                if tx.is_some() {
                    bail!(
                        "--tx is for --chain evm; a Solana transfer uses --transfer --to --lamports --blockhash"
                    );
                }
                if !wire.is_empty() || wire_file.is_some() {
                    if transfer || to.is_some() || lamports.is_some() || blockhash.is_some() {
                        bail!(
                            "--wire/--wire-file sign a dApp's transaction as given; \
                             --transfer, --to, --lamports and --blockhash build one instead"
                        );
                    }
                    let wires = dapp::read_wires(wire, wire_file)?;
                    return dapp::sign_wires(wires, &account);
                }
                if !transfer {
                    bail!(
                        "--chain solana signs a dApp's transaction (--wire BASE64 or --wire-file FILE) or a SOL \
                         transfer (--transfer --to ADDRESS --lamports N --blockhash HASH)"
                    );
                }
                let to = to.context("--transfer needs --to ADDRESS")?;
                let to = SolanaAddress::parse(&to).context("--to")?;
                let lamports = lamports.context("--transfer needs --lamports N")?;
                let blockhash = blockhash.context("--transfer needs --blockhash HASH")?;
                let blockhash = parse_blockhash(&blockhash)?;
                let (signer, _) = keys::solana_signer(&account)?;
                let from = signer.pubkey();
                let transfer = solana::instruction::system_transfer(&from, &to, lamports);
                let message = solana::Message::try_compile(&[transfer], Some(&from), blockhash)?;
                let mut tx = solana::Transaction::new_unsigned(message);
                tx.sign(&[&signer])?;
                let wire = tx.to_base64()?;
                Ok(Outcome::ok(
                    wire.clone(),
                    json!({
                        "chain": "solana",
                        "from": signer.pubkey().to_string(),
                        "transaction": wire,
                        "signature": tx.id(),
                    }),
                ))
            }
        },
        WalletCommand::SignMessage {
            chain,
            message,
            offchain,
            account,
        } => match chain {
            Chain::Evm => {
                if offchain {
                    bail!("--offchain is for --chain solana");
                }
                let (signer, _) = keys::evm_signer(&account)?;
                let signature = format!(
                    "0x{}",
                    hex::encode(signer.sign_message(message.as_bytes())?.to_bytes())
                );
                Ok(Outcome::ok(
                    signature.clone(),
                    json!({ "chain": "evm", "address": signer.address().to_string(), "signature": signature }),
                ))
            }
            Chain::Solana => {
                let (signer, _) = keys::solana_signer(&account)?;
                let signature = if offchain {
                    signer.sign_offchain_message(&message)?
                } else {
                    signer.sign_message(message.as_bytes())
                };
                let signature = bs58::encode(signature).into_string();
                Ok(Outcome::ok(
                    signature.clone(),
                    json!({
                        "chain": "solana",
                        "address": signer.pubkey().to_string(),
                        "signature": signature,
                        "format": if offchain { "offchain" } else { "raw" },
                    }),
                ))
            }
        },
        WalletCommand::ExportKeystore {
            chain,
            out,
            kdf,
            account,
        } => keys::export_keystore(chain, &out, kdf, &account),
        WalletCommand::NewKeystore { chain, out, kdf } => keys::new_keystore(chain, &out, kdf),
        WalletCommand::InspectKeystore { file, chain } => keys::inspect_keystore(&file, chain),
        WalletCommand::ImportKeypair { file, out, kdf } => keys::import_keypair(&file, &out, kdf),
        WalletCommand::ExportKeypair { out, account } => keys::export_keypair(&out, &account),
        WalletCommand::SignIn(args) => dapp::sign_in(args),
        WalletCommand::SignAuthorization {
            chain_id,
            address,
            nonce,
            all_chains,
            account,
        } => {
            let chain_id = parse_chain_id(&chain_id)?;
            let address = EvmAddress::parse(&address)
                .map_err(|e| anyhow::anyhow!("--address {address}: {e}"))?;
            if chain_id.is_zero() && !all_chains {
                bail!(
                    "--chain-id 0 makes the authorization valid on every EVM chain: the account's \
                     code becomes {address}'s everywhere; pass --all-chains if that is meant"
                );
            }
            let (signer, _) = keys::evm_signer(&account)?;
            let signed = Authorization {
                chain_id,
                address,
                nonce,
            }
            .sign(&signer)?;
            let entry = signed.to_json();
            Ok(Outcome::ok(entry.to_string(), entry))
        }
        WalletCommand::SignTypedData { file, account } => {
            let text = read_input_file(&file)?;
            let typed = TypedData::from_json(&text)
                .with_context(|| format!("typed data file {}", file.display()))?;
            let (signer, _) = keys::evm_signer(&account)?;
            let signature = signer.sign_typed_data(&typed)?;
            let signature = format!("0x{}", hex::encode(signature.to_bytes()));
            Ok(Outcome::ok(
                signature.clone(),
                json!({
                    "chain": "evm",
                    "address": signer.address().to_string(),
                    "digest": format!("0x{}", hex::encode(typed.signing_hash())),
                    "signature": signature,
                }),
            ))
        }
    }
}

fn chain_name(chain: Chain) -> &'static str {
    match chain {
        Chain::Evm => "evm",
        Chain::Solana => "solana",
    }
}

/// Reads the mnemonic and passphrase and resolves the account's derivation path.
fn open_account(chain: Chain, account: &AccountArgs) -> anyhow::Result<(HdWallet, DerivationPath)> {
    let path = match (&account.path, chain) {
        (Some(p), _) => DerivationPath::parse(p).context("--path")?,
        (None, Chain::Evm) => DerivationPath::evm(account.index)?,
        (None, Chain::Solana) => {
            let style: SolanaPathStyle = account
                .solana_path_style
                .parse()
                .context("--solana-path-style")?;
            DerivationPath::solana(account.index, style).context("--index")?
        }
    };
    let language: Language = account.language.parse().context("--language")?;
    let mnemonic = read_mnemonic(language)?;
    let passphrase = read_passphrase()?;
    Ok((HdWallet::from_mnemonic(&mnemonic, &passphrase), path))
}

fn validate_address(chain: Chain, input: &str) -> Outcome {
    match chain {
        Chain::Evm => match EvmAddress::parse(input) {
            Ok(address) => Outcome::ok(
                format!("valid EVM address {address}"),
                json!({ "valid": true, "chain": "evm", "address": address.to_string() }),
            ),
            Err(e) => Outcome::failed(
                format!("invalid: {e}"),
                json!({ "valid": false, "chain": "evm", "error": e.to_string() }),
            ),
        },
        Chain::Solana => match SolanaAddress::parse(input) {
            Ok(address) => {
                let on_curve = address.is_on_curve();
                let kind = if on_curve {
                    "on the ed25519 curve: a wallet (keypair) address"
                } else {
                    "off the ed25519 curve: a program-derived address, no private key can sign for it"
                };
                Outcome::ok(
                    format!("valid Solana address {address} ({kind})"),
                    json!({ "valid": true, "chain": "solana", "address": address.to_string(), "on_curve": on_curve }),
                )
            }
            Err(e) => Outcome::failed(
                format!("invalid: {e}"),
                json!({ "valid": false, "chain": "solana", "error": e.to_string() }),
            ),
        },
    }
}

/// A base58 blockhash: exactly 32 bytes.
fn parse_blockhash(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = bs58::decode(text.trim())
        .into_vec()
        .map_err(|e| anyhow::anyhow!("--blockhash {text:?} is not base58: {e}"))?;
    let len = bytes.len();
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("--blockhash {text:?} decodes to {len} bytes, expected 32"))
}

fn read_input_file(file: &std::path::Path) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        if std::env::var_os(crate::secrets::MNEMONIC_ENV).is_none() {
            bail!(
                "reading the file from stdin (\"-\") needs the mnemonic in TRESTLE_MNEMONIC, since stdin would otherwise carry the mnemonic"
            );
        }
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("cannot read standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

/// `--chain-id` of an authorization: a decimal or `0x` hex quantity up to 2^256 - 1.
fn parse_chain_id(text: &str) -> anyhow::Result<U256> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() => U256::from_str_radix(hex, 16),
        Some(_) => bail!("--chain-id {text}: no digits after 0x"),
        None => U256::from_str_radix(text, 10),
    };
    parsed.map_err(|e| anyhow::anyhow!("--chain-id {text}: not a chain id ({e})"))
}
