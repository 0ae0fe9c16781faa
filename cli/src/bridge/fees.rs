//! Delivery fees from the command line: what a send costs and when it would arrive
//! (`trestle bridge quote`, and the lines `trestle bridge send` prints before it signs), and
//! top-ups of sent messages (`trestle bridge pay`).

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use trestle_bridge_client::{
    Arrival, format_units, parse_base_units, parse_message_id, parse_units,
};
use trestle_core::chain::U256;
use trestle_evm::{Erc20, EvmSender};
use trestle_relayer::config::ChainConfig;

use super::chains::{Bridge, ChainsFile, connect, parse_address};
use super::{
    KeyArgs, SendRequest, SourceArgs, evm_signer, parse_amount, parse_hex, resolve_token,
    solana_signer,
};
use crate::outcome::Outcome;

/// What a send would cost on its origin and do at its destination.
pub(super) struct Preview {
    /// The delivery fee, in the origin's base units.
    pub fee: U256,
    /// The origin's native token: decimals and the name of its base unit.
    native: (u8, &'static str),
    /// The destination's verdict on a token transfer (`None` for a message; an error when
    /// the destination could not be read: the verdict is advisory, the send goes on).
    pub arrival: Option<Result<Arrival, String>>,
}

impl Preview {
    /// `0.000197 (197000000000000 wei)`.
    fn fee_text(&self) -> String {
        let (decimals, unit) = self.native;
        format!("{} ({} {unit})", format_units(self.fee, decimals), self.fee)
    }

    /// The lines `send` prints before it signs.
    pub fn lines(&self, origin: &str, dest: &str) -> String {
        let mut text = format!(
            "fee: {} to the bridge on {origin}, for the delivery on {dest}",
            self.fee_text()
        );
        match &self.arrival {
            Some(Ok(a)) => text.push_str(&format!("\narrival: {a}")),
            Some(Err(e)) => text.push_str(&format!("\narrival: unknown ({e})")),
            None => {}
        }
        text
    }

    /// `{"fee": {...}, "arrival": {...}}` fields.
    pub fn json(&self) -> Value {
        let (decimals, unit) = self.native;
        let mut v = json!({
            "fee": {
                "amount": self.fee.to_string(),
                "decimals": decimals,
                "unit": unit,
                "display": format_units(self.fee, decimals),
            },
        });
        let arrival = match &self.arrival {
            None => return v,
            Some(Err(e)) => json!({"kind": "unknown", "detail": e}),
            Some(Ok(a)) => {
                let mut arrival = json!({"kind": a.name(), "detail": a.to_string()});
                if let Some(obj) = arrival.as_object_mut() {
                    match a {
                        Arrival::Timelocked { delay } => {
                            obj.insert("delay_seconds".into(), json!(delay));
                        }
                        Arrival::RateLimited { wait } => {
                            obj.insert("wait_seconds".into(), json!(wait));
                        }
                        Arrival::Refused { reason } => {
                            obj.insert("reason".into(), json!(reason));
                        }
                        Arrival::AtOnce | Arrival::Paused => {}
                    }
                }
                arrival
            }
        };
        if let Some(obj) = v.as_object_mut() {
            obj.insert("arrival".into(), arrival);
        }
        v
    }
}

/// The fee of `req` on `origin` now and, for a token, the destination's verdict on it.
pub(super) async fn preview(
    origin: &ChainConfig,
    origin_bridge: &Bridge,
    dest: &ChainConfig,
    req: &SendRequest,
) -> anyhow::Result<Preview> {
    if let Some(payload) = &req.payload {
        let Bridge::Evm(bridge) = origin_bridge else {
            bail!("messages from Solana are not sent by this command yet; send a token");
        };
        let payload = parse_hex("--payload", payload)?;
        let fee = bridge
            .quote_message(dest.domain, req.gas_limit, payload.len())
            .await?;
        return Ok(Preview {
            fee: U256::from(fee),
            native: (18, "wei"),
            arrival: None,
        });
    }
    let id = resolve_token(origin, req)?;
    let (fee, native, home) = match origin_bridge {
        Bridge::Evm(bridge) => {
            let token = bridge.token(&id).await?;
            let decimals = if token.is_native() {
                18
            } else {
                Erc20::new(token.local).decimals(bridge.chain()).await?
            };
            let amount = parse_amount(req, decimals)?;
            let home = amount
                .checked_mul(U256::from(10u8).pow(U256::from(token.local_exp)))
                .context("--amount is too large for the token's home units")?;
            let fee = U256::from(bridge.quote_transfer(dest.domain).await?);
            (fee, (18, "wei"), home)
        }
        Bridge::Solana(bridge) => {
            let token = bridge.token(&id).await?;
            let (_, decimals) = bridge.client().mint_info(&token.mint).await?;
            let amount = parse_amount(req, decimals)?;
            let home = amount
                .checked_mul(U256::from(10u8).pow(U256::from(token.scale_exp)))
                .context("--amount is too large for the token's home units")?;
            let fee = U256::from(bridge.quote_transfer(dest.domain).await?);
            (fee, (9, "lamports"), home)
        }
    };
    let arrival = async {
        Ok::<_, anyhow::Error>(match connect(dest).await? {
            Bridge::Evm(d) => d.arrival(origin.domain, &id, home).await?,
            Bridge::Solana(d) => d.arrival(origin.domain, &id, home).await?,
        })
    }
    .await
    .map_err(|e| {
        trestle_core::redact::scrub_urls(&format!("cannot read the bridge on {}: {e:#}", dest.name))
    });
    Ok(Preview {
        fee,
        native,
        arrival: Some(arrival),
    })
}

/// `trestle bridge quote`.
pub(super) async fn quote(source: &SourceArgs, req: &SendRequest) -> anyhow::Result<Outcome> {
    let file = ChainsFile::load(&source.config)?;
    let origin = file.chain(&req.from).context("--from")?;
    let dest = file.chain(&req.to).context("--to")?;
    if origin.name == dest.name {
        bail!("--from and --to are the same chain `{}`", origin.name);
    }
    if let Some(r) = &req.recipient {
        parse_address(dest, "--recipient", r)?;
    }
    let bridge = connect(origin).await?;
    let preview = preview(origin, &bridge, dest, req).await?;
    let mut out = preview.json();
    if let Some(obj) = out.as_object_mut() {
        obj.insert("from".into(), json!(origin.name));
        obj.insert("to".into(), json!(dest.name));
    }
    Ok(Outcome::ok(preview.lines(&origin.name, &dest.name), out))
}

/// A top-up: `trestle bridge pay`.
pub(super) struct Payment {
    pub id: String,
    pub from: String,
    pub to: String,
    pub amount: String,
    pub base_units: bool,
}

/// `trestle bridge pay`.
pub(super) async fn pay(
    source: &SourceArgs,
    pay: &Payment,
    key: &KeyArgs,
) -> anyhow::Result<Outcome> {
    let id = parse_message_id(&pay.id)?;
    let file = ChainsFile::load(&source.config)?;
    let origin = file.chain(&pay.from).context("--from")?;
    let dest = file.chain(&pay.to).context("--to")?;
    if origin.name == dest.name {
        bail!("--from and --to are the same chain `{}`", origin.name);
    }
    let timeout = Duration::from_secs(source.timeout.clamp(10, 600));
    let amount_of = |decimals: u8| -> anyhow::Result<U256> {
        Ok(if pay.base_units {
            parse_base_units(&pay.amount)?
        } else {
            parse_units(&pay.amount, decimals)?
        })
    };
    let (tx, amount, native) = match connect(origin).await? {
        Bridge::Evm(bridge) => {
            let amount = amount_of(18)?;
            let sender = EvmSender::new(bridge.chain().clone(), evm_signer(key)?);
            let hash = bridge
                .pay_for_gas(&sender, &id, dest.domain, amount, timeout)
                .await?;
            (format!("0x{}", hex::encode(hash)), amount, (18u8, "wei"))
        }
        Bridge::Solana(bridge) => {
            let amount = amount_of(9)?;
            let lamports = u64::try_from(amount)
                .map_err(|_| anyhow::anyhow!("--amount {amount} lamports does not fit a u64"))?;
            let signer = solana_signer(key)?;
            let tx = bridge
                .pay_for_gas(&signer, &id, dest.domain, lamports)
                .await?;
            (tx.to_string(), amount, (9u8, "lamports"))
        }
    };
    let text = format!(
        "paid {} ({} {}) more for the delivery of 0x{} on {} in {tx}",
        format_units(amount, native.0),
        amount,
        native.1,
        hex::encode(id),
        dest.name
    );
    let out = json!({
        "id": format!("0x{}", hex::encode(id)),
        "from": origin.name,
        "to": dest.name,
        "amount": amount.to_string(),
        "unit": native.1,
        "tx": tx,
    });
    Ok(Outcome::ok(text, out))
}
