//! `trestle bridge ...`: send a token or a message from one configured chain to another, and
//! follow a message id to delivery.
//!
//! Chains come from the `[[chains]]` table of a relayer configuration file (`--config`), so
//! one file serves the daemon and its users. Keys come from the mnemonic
//! (`TRESTLE_MNEMONIC` or the first line of standard input, never argv) or, on EVM chains,
//! from an encrypted keystore whose password is in `TRESTLE_KEYSTORE_PASSWORD`.

mod chains;
mod fees;
pub mod govern;
mod output;

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use trestle_bridge::{NATIVE_TOKEN, token_id};
use trestle_bridge_client::api::ApiToken;
use trestle_bridge_client::{
    FollowUntil, RelayerApi, Stage, TokenSend, Tracker, TransferStatus, parse_base_units,
    parse_message_id, parse_units,
};
use trestle_core::chain::U256;
use trestle_core::evm::EvmSigner;
use trestle_core::solana::SolanaSigner;
use trestle_core::wallet::HdWallet;
use trestle_core::wallet::keystore::Keystore;
use trestle_core::wallet::mnemonic::Language;
use trestle_core::wallet::path::{DerivationPath, SolanaPathStyle};
use trestle_evm::{Erc20, EvmSender};
use trestle_relayer::config::ChainConfig;
use zeroize::Zeroizing;

use self::chains::{Bridge, ChainsFile, connect, is_solana, parse_address};
use self::output::{sent_json, status_json, status_text};
use crate::outcome::Outcome;
use crate::secrets::{read_keystore_password, read_mnemonic, read_passphrase};

/// Environment variable with the relayer API URL (`--api`).
pub const API_ENV: &str = "TRESTLE_API_URL";

/// The chains file and the status sources shared by both commands.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// The TOML file with the `[[chains]]` table (a relayer configuration file serves).
    #[arg(long, short = 'c', env = "TRESTLE_RELAYER_CONFIG")]
    config: PathBuf,
    /// The relayer's status API (`http://host:port`). Default: TRESTLE_API_URL, else the
    /// file's `[api] listen`.
    #[arg(long)]
    api: Option<String>,
    /// The environment variable holding the bearer token of the relayer's operator API (what
    /// a listener bound off loopback asks for; never on the command line). Default, for the
    /// file's `[api] listen`: the file's `[api] token_env`, when that variable is set.
    #[arg(long, value_name = "NAME")]
    api_token_env: Option<String>,
    /// How long to follow a message, in seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// How often to ask while following, in milliseconds.
    #[arg(long, default_value_t = 1_000)]
    poll_ms: u64,
    /// Follow a queued transfer until it is executed (by default following stops when the
    /// transfer is at the destination, queued or not).
    #[arg(long)]
    until_final: bool,
}

/// The key that signs a send.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// Account index of the mnemonic (m/44'/60'/0'/0/I on EVM, m/44'/501'/I'/0' on Solana).
    #[arg(long, default_value_t = 0, conflicts_with_all = ["path", "keystore"])]
    index: u32,
    /// Full derivation path instead of an index.
    #[arg(long, conflicts_with = "keystore")]
    path: Option<String>,
    /// EVM only: an encrypted Web3 Secret Storage keystore instead of the mnemonic (password
    /// from TRESTLE_KEYSTORE_PASSWORD).
    #[arg(long)]
    keystore: Option<PathBuf>,
    /// Wordlist of the mnemonic.
    #[arg(long, default_value = "english")]
    language: String,
}

#[derive(Debug, Subcommand)]
pub enum BridgeCommand {
    /// Send a token (--token or --token-id, --amount) or a message (--payload) from chain
    /// --from to --recipient on chain --to; prints the message id. With --wait, follows it
    /// to the destination.
    Send {
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        request: SendRequest,
        /// Follow the message to the destination.
        #[arg(long)]
        wait: bool,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// What a send would cost and when it would arrive, without sending: the origin's
    /// delivery fee now, and for a token the destination's verdict (at once, held by its
    /// timelock or rate limit, paused, or refused).
    Quote {
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        request: SendRequest,
    },
    /// Pay more for the delivery of a sent message (a top-up of one the relayer holds
    /// `underpaid`): --amount in the origin's native token (ether, SOL).
    Pay {
        #[command(flatten)]
        source: SourceArgs,
        /// The message id (0x + 64 hex digits).
        id: String,
        /// The message's origin chain, where the payment is made.
        #[arg(long)]
        from: String,
        /// The message's destination chain.
        #[arg(long)]
        to: String,
        /// The amount in the native token's units (`0.001`); see --base-units.
        #[arg(long)]
        amount: String,
        /// --amount is an integer of base units (wei, lamports) instead.
        #[arg(long)]
        base_units: bool,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// The status of a message id: from the relayer's API and the destination chain
    /// (--to, or the destination the relayer names). With --follow, shows every change until
    /// the message is at the destination.
    Status {
        #[command(flatten)]
        source: SourceArgs,
        /// The message id (0x + 64 hex digits).
        id: String,
        /// The destination chain, to ask it directly.
        #[arg(long)]
        to: Option<String>,
        /// The origin chain: for the attestation count of its route and, on EVM, to find the
        /// message in its logs when neither --to nor the relayer names the destination.
        #[arg(long)]
        from: Option<String>,
        /// Follow until delivered (or queued at the destination), or --timeout.
        #[arg(long)]
        follow: bool,
    },
}

pub fn run(command: BridgeCommand, json_output: bool) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match command {
            BridgeCommand::Send {
                source,
                request,
                wait,
                key,
            } => send(&source, request, wait, &key, json_output).await,
            BridgeCommand::Quote { source, request } => fees::quote(&source, &request).await,
            BridgeCommand::Pay {
                source,
                id,
                from,
                to,
                amount,
                base_units,
                key,
            } => {
                let pay = fees::Payment {
                    id,
                    from,
                    to,
                    amount,
                    base_units,
                };
                fees::pay(&source, &pay, &key).await
            }
            BridgeCommand::Status {
                source,
                id,
                to,
                from,
                follow,
            } => status(&source, &id, to, from, follow, json_output).await,
        }
    })
}

/// What to send, from where to where (`send` and `quote`).
#[derive(Debug, Args)]
pub struct SendRequest {
    /// The origin chain (a name in the file).
    #[arg(long)]
    from: String,
    /// The destination chain.
    #[arg(long)]
    to: String,
    /// The beneficiary of a token, or the recipient contract/program of a message, on the
    /// destination (`send` needs it).
    #[arg(long)]
    recipient: Option<String>,
    /// A token whose home is the origin chain: `native` (ether), an ERC-20 address or an
    /// SPL mint.
    #[arg(long, conflicts_with_all = ["token_id", "payload"])]
    token: Option<String>,
    /// Any registered token by its bridge token id (32 bytes hex), e.g. a bridged token
    /// sent back home.
    #[arg(long, conflicts_with = "payload")]
    token_id: Option<String>,
    /// The amount in token units (`1.5`), scaled by the token's decimals; see
    /// --base-units.
    #[arg(long)]
    amount: Option<String>,
    /// --amount is an integer of base units (wei, lamports-like) instead.
    #[arg(long)]
    base_units: bool,
    /// Send a message with this payload (0x hex) instead of a token (EVM origins).
    #[arg(long)]
    payload: Option<String>,
    /// The gas the recipient's call gets on the destination (compute units on Solana),
    /// signed into the message: no relayer can give it less.
    #[arg(long, requires = "payload", default_value_t = DEFAULT_MESSAGE_GAS_LIMIT)]
    gas_limit: u64,
}

/// The recipient gas of a message sent without `--gas-limit`.
const DEFAULT_MESSAGE_GAS_LIMIT: u64 = 200_000;

fn parse_hex(what: &str, text: &str) -> anyhow::Result<Vec<u8>> {
    let digits = text
        .strip_prefix("0x")
        .with_context(|| format!("{what} `{text}` is not 0x-prefixed hex"))?;
    hex::decode(digits).with_context(|| format!("{what} `{text}` is not hex"))
}

fn parse_token_id(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = parse_hex("--token-id", text)?;
    let len = bytes.len();
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("--token-id `{text}` is {len} bytes, expected 32"))
}

/// The token id of `--token` (home on `origin`) or `--token-id`.
fn resolve_token(origin: &ChainConfig, req: &SendRequest) -> anyhow::Result<[u8; 32]> {
    match (&req.token, &req.token_id) {
        (_, Some(id)) => parse_token_id(id),
        (Some(t), None) if t == "native" => {
            if is_solana(origin) {
                bail!("--token native is ether on an EVM chain; on Solana give the SPL mint");
            }
            Ok(token_id(origin.domain, &NATIVE_TOKEN))
        }
        (Some(t), None) => Ok(token_id(
            origin.domain,
            &parse_address(origin, "--token", t)?,
        )),
        (None, None) => bail!("give --token or --token-id with --amount, or --payload"),
    }
}

fn parse_amount(req: &SendRequest, decimals: u8) -> anyhow::Result<U256> {
    let text = req
        .amount
        .as_deref()
        .context("a token send needs --amount")?;
    Ok(if req.base_units {
        parse_base_units(text)?
    } else {
        parse_units(text, decimals)?
    })
}

fn open_wallet(key: &KeyArgs) -> anyhow::Result<HdWallet> {
    let language: Language = key.language.parse().context("--language")?;
    let mnemonic = read_mnemonic(language)?;
    let passphrase = read_passphrase()?;
    Ok(HdWallet::from_mnemonic(&mnemonic, &passphrase))
}

fn evm_signer(key: &KeyArgs) -> anyhow::Result<EvmSigner> {
    if let Some(file) = &key.keystore {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let store =
            Keystore::parse(&text).with_context(|| format!("keystore {}", file.display()))?;
        let password = read_keystore_password(false)?;
        let private = store
            .decrypt(password.as_bytes())
            .with_context(|| format!("keystore {}", file.display()))?;
        return Ok(EvmSigner::from_private_key(&private)?);
    }
    let path = match &key.path {
        Some(p) => DerivationPath::parse(p).context("--path")?,
        None => DerivationPath::evm(key.index)?,
    };
    Ok(open_wallet(key)?.evm_signer(&path)?)
}

fn solana_signer(key: &KeyArgs) -> anyhow::Result<SolanaSigner> {
    if key.keystore.is_some() {
        bail!("--keystore holds an EVM key; a Solana origin signs with the mnemonic");
    }
    let path = match &key.path {
        Some(p) => DerivationPath::parse(p).context("--path")?,
        None => DerivationPath::solana(key.index, SolanaPathStyle::Bip44Change)?,
    };
    Ok(open_wallet(key)?.solana_signer(&path)?)
}

fn api(source: &SourceArgs, file: &ChainsFile) -> anyhow::Result<Option<RelayerApi>> {
    let (url, from_file) = match &source.api {
        Some(url) => (Some(url.clone()), false),
        None => match std::env::var(API_ENV) {
            Ok(url) => (Some(url), false),
            Err(_) => (file.api_url(), true),
        },
    };
    let Some(url) = url else {
        return Ok(None);
    };
    let api = RelayerApi::new(&url).context("--api")?;
    let token = match &source.api_token_env {
        Some(name) => Some(std::env::var(name).with_context(|| {
            format!("--api-token-env: the environment variable {name} is not set")
        })?),
        // The relayer of this file reads its token from there: so may its operator.
        None if from_file => file
            .api_token_env()
            .and_then(|name| std::env::var(name).ok()),
        None => None,
    };
    Ok(Some(match token {
        Some(token) => {
            let token = Zeroizing::new(token);
            api.with_token(ApiToken::new(&token).context("--api-token-env")?)?
        }
        None => api,
    }))
}

async fn send(
    source: &SourceArgs,
    req: SendRequest,
    wait: bool,
    key: &KeyArgs,
    json_output: bool,
) -> anyhow::Result<Outcome> {
    let file = ChainsFile::load(&source.config)?;
    let origin = file.chain(&req.from).context("--from")?;
    let dest = file.chain(&req.to).context("--to")?;
    if origin.name == dest.name {
        bail!("--from and --to are the same chain `{}`", origin.name);
    }
    let recipient = req.recipient.as_deref().context(
        "`send` needs --recipient: the beneficiary of a token, or the recipient of a message",
    )?;
    let recipient = parse_address(dest, "--recipient", recipient)?;
    let timeout = Duration::from_secs(source.timeout.clamp(10, 600));
    let origin_bridge = connect(origin).await?;
    // What it costs and what the destination would do with it, before anything is signed.
    let preview = fees::preview(origin, &origin_bridge, dest, &req).await?;
    if let Some(Ok(trestle_bridge_client::Arrival::Refused { reason })) = &preview.arrival {
        bail!(
            "the bridge on {} would refuse this transfer ({reason}); nothing was sent",
            dest.name
        );
    }
    if !json_output {
        let _ = writeln!(
            std::io::stderr(),
            "{}",
            preview.lines(&origin.name, &dest.name)
        );
    }
    let sent = match (&origin_bridge, &req.payload) {
        (Bridge::Evm(bridge), Some(payload)) => {
            if req.amount.is_some() {
                bail!("--payload sends a message; --amount is for tokens");
            }
            let payload = parse_hex("--payload", payload)?;
            let sender = EvmSender::new(bridge.chain().clone(), evm_signer(key)?);
            bridge
                .send_message(
                    &sender,
                    dest.domain,
                    recipient,
                    req.gas_limit,
                    &payload,
                    timeout,
                )
                .await
                .with_context(|| format!("sending from {}", origin.name))?
        }
        (Bridge::Solana(_), Some(_)) => {
            bail!("messages from Solana are not sent by this command yet; send a token")
        }
        (Bridge::Evm(bridge), None) => {
            let id = resolve_token(origin, &req)?;
            let token = bridge.token(&id).await?;
            let decimals = if token.is_native() {
                18
            } else {
                Erc20::new(token.local).decimals(bridge.chain()).await?
            };
            let amount = parse_amount(&req, decimals)?;
            let sender = EvmSender::new(bridge.chain().clone(), evm_signer(key)?);
            let send = TokenSend {
                destination: dest.domain,
                token_id: id,
                amount,
                beneficiary: recipient,
            };
            bridge
                .send_token(&sender, &send, timeout)
                .await
                .with_context(|| format!("sending from {}", origin.name))?
        }
        (Bridge::Solana(bridge), None) => {
            let id = resolve_token(origin, &req)?;
            let token = bridge.token(&id).await?;
            let (_, decimals) = bridge.client().mint_info(&token.mint).await?;
            let amount = parse_amount(&req, decimals)?;
            let amount = u64::try_from(amount)
                .map_err(|_| anyhow::anyhow!("--amount {amount} does not fit an SPL amount"))?;
            let signer = solana_signer(key)?;
            bridge
                .send_token(&signer, dest.domain, &id, amount, recipient)
                .await
                .with_context(|| format!("sending from {}", origin.name))?
        }
    };
    let mut out = sent_json(&sent, &origin.name, &dest.name);
    if let (Some(obj), Value::Object(extra)) = (out.as_object_mut(), preview.json()) {
        obj.extend(extra);
    }
    let mut text = format!(
        "sent message {} (nonce {}) from {} to {} in {}",
        sent.id_hex(),
        sent.nonce(),
        origin.name,
        dest.name,
        sent.origin_tx
    );
    if wait {
        let tracker = tracker(
            source,
            &file,
            Some(dest),
            Some(&origin.name),
            Some(&dest.name),
        )
        .await?;
        let status = follow(source, &tracker, &sent.id, Some(&sent.message), json_output).await?;
        text.push_str(&format!("\n{}", status.stage));
        if let Some(obj) = out.as_object_mut() {
            obj.insert("status".into(), status_json(&status));
        }
    }
    Ok(Outcome::ok(text, out))
}

/// A tracker with the relayer API, the route's validators and the destination chain.
async fn tracker(
    source: &SourceArgs,
    file: &ChainsFile,
    dest: Option<&ChainConfig>,
    from: Option<&str>,
    to: Option<&str>,
) -> anyhow::Result<Tracker> {
    let mut tracker = Tracker::new();
    if let Some(api) = api(source, file)? {
        tracker = tracker.with_api(api);
    }
    if let (Some(from), Some(to)) = (from, to)
        && let Some((validators, threshold)) = file.route(from, to)?
    {
        tracker = tracker.with_validators(validators, Some(threshold));
    }
    if let Some(dest) = dest {
        tracker = tracker.with_destination(connect(dest).await?.destination(), 0);
    }
    Ok(tracker)
}

async fn follow(
    source: &SourceArgs,
    tracker: &Tracker,
    id: &[u8; 32],
    known: Option<&trestle_bridge::Message>,
    json_output: bool,
) -> anyhow::Result<TransferStatus> {
    let until = if source.until_final {
        FollowUntil::Final
    } else {
        FollowUntil::Destination
    };
    let started = std::time::Instant::now();
    let status = tracker
        .follow(
            id,
            known,
            until,
            Duration::from_secs(source.timeout),
            Duration::from_millis(source.poll_ms.max(50)),
            |s| {
                // Progress goes to stderr so that stdout holds only the result.
                let line = if json_output {
                    status_json(s).to_string()
                } else {
                    format!("[{:>4}s] {}", started.elapsed().as_secs(), s.stage)
                };
                let _ = writeln!(std::io::stderr(), "{line}");
            },
        )
        .await?;
    Ok(status)
}

async fn status(
    source: &SourceArgs,
    id: &str,
    to: Option<String>,
    from: Option<String>,
    follow_it: bool,
    json_output: bool,
) -> anyhow::Result<Outcome> {
    let id = parse_message_id(id)?;
    let file = ChainsFile::load(&source.config)?;
    let api = api(source, &file)?;
    let mut dest = to
        .as_deref()
        .map(|n| file.chain(n).context("--to"))
        .transpose()?;
    let mut from_name = from.clone();
    if let Some(n) = &from {
        file.chain(n).context("--from")?;
    }
    // Without --to, the relayer names the destination (and the origin).
    if let (None, Some(api)) = (dest, &api) {
        match api.message(&id).await {
            Ok(m) => {
                dest = file.chain_by_domain(m.message.destination);
                if from_name.is_none() {
                    from_name = file
                        .chain_by_domain(m.message.origin)
                        .map(|c| c.name.clone());
                }
            }
            Err(trestle_bridge_client::Error::NotFound { .. }) if follow_it => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Without a destination yet, an EVM origin's MessageSent logs give the message (and so
    // its destination, origin and nonce).
    let mut known = None;
    if let (None, Some(name)) = (dest, &from)
        && let Bridge::Evm(origin) = connect(file.chain(name)?).await?
    {
        match origin.find_sent(&id, 0).await? {
            Some(sent) => {
                dest = file.chain_by_domain(sent.message.destination);
                known = Some(sent.message);
            }
            None if api.is_none() => {
                bail!(
                    "message 0x{} was not sent by the bridge of `{name}`",
                    hex::encode(id)
                )
            }
            None => {}
        }
    }
    if api.is_none() && dest.is_none() {
        bail!(
            "no status source: give --api URL (or set {API_ENV}, or [api] in the file), or --to CHAIN"
        );
    }
    let to_name = dest.map(|d| d.name.clone());
    let tracker = tracker(
        source,
        &file,
        dest,
        from_name.as_deref(),
        to_name.as_deref(),
    )
    .await?;
    let status = if follow_it {
        follow(source, &tracker, &id, known.as_ref(), json_output).await?
    } else {
        tracker.status(&id, known.as_ref()).await?
    };
    if status.stage == Stage::Unknown && !follow_it {
        let mut asked = Vec::new();
        if let Some(api) = &api {
            asked.push(format!("the relayer at {}", api.url()));
        }
        if let Some(name) = &to_name {
            asked.push(format!("the destination chain `{name}`"));
        }
        let text = format!(
            "message {} is unknown to {}",
            status.id_hex(),
            asked.join(" and ")
        );
        let mut out = status_json(&status);
        if let Some(obj) = out.as_object_mut() {
            obj.insert("error".into(), json!(text));
        }
        return Ok(Outcome::failed(text, out));
    }
    Ok(Outcome::ok(status_text(&status), status_json(&status)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trestle_core::chain::UniversalAddress;
    use trestle_core::evm::EvmAddress;

    #[test]
    fn token_ids_come_from_the_origin_domain_or_are_given() {
        let file: ChainsFile = toml::from_str(
            r#"
            [[chains]]
            name = "a"
            domain = 7
            chain_id = 31337
            rpc_urls = ["http://127.0.0.1:1"]
            bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
            "#,
        )
        .unwrap();
        let a = file.chain("a").unwrap();
        let req = |token: Option<&str>, id: Option<&str>| SendRequest {
            from: "a".into(),
            to: "b".into(),
            recipient: None,
            token: token.map(str::to_owned),
            token_id: id.map(str::to_owned),
            amount: None,
            base_units: false,
            payload: None,
            gas_limit: DEFAULT_MESSAGE_GAS_LIMIT,
        };
        assert_eq!(
            resolve_token(a, &req(Some("native"), None)).unwrap(),
            token_id(7, &NATIVE_TOKEN)
        );
        let erc20 = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
        assert_eq!(
            resolve_token(a, &req(Some(erc20), None)).unwrap(),
            token_id(
                7,
                &UniversalAddress::from_evm(EvmAddress::parse(erc20).unwrap().0)
            )
        );
        let id = format!("0x{}", "11".repeat(32));
        assert_eq!(resolve_token(a, &req(None, Some(&id))).unwrap(), [0x11; 32]);
        assert!(resolve_token(a, &req(None, Some("0x11"))).is_err());
        assert!(resolve_token(a, &req(Some("0x1234"), None)).is_err());
        assert!(
            file.chain("nope")
                .unwrap_err()
                .to_string()
                .contains("configured: a")
        );
    }
}
