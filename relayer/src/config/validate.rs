//! The checks of a parsed configuration ([`Config::validate`]): each error names the first bad
//! key and says what it must be.

use std::collections::{BTreeMap, BTreeSet};

use trestle_core::evm::EvmAddress;

use super::{
    ChainConfig, ChainKind, Config, KeyConfig, SolanaChainConfig, parse_amount, redact_url, solana,
};
use crate::error::{Error, Result};

impl Config {
    /// Checks every value; the error names the first bad key.
    pub fn validate(&self) -> Result<()> {
        self.validate_store()?;
        self.validate_api()?;
        self.validate_chains()?;
        self.validate_routes()?;
        if self.validator.is_none() && self.relayer.is_none() && self.fee_oracle.is_none() {
            return Err(Error::config(
                "validator",
                "no role enabled: add a [validator] table, a [relayer] table, or both (or a [fee_oracle] table)",
            ));
        }
        if let Some(o) = &self.fee_oracle {
            validate_key("fee_oracle", &o.key())?;
            if !(1..=100).contains(&o.drift_percent) {
                return Err(Error::config(
                    "fee_oracle.drift_percent",
                    format!("{} is not a percentage (1..=100)", o.drift_percent),
                ));
            }
            if o.interval_ms < 1_000 {
                return Err(Error::config(
                    "fee_oracle.interval_ms",
                    "at least 1000 (an origin takes one update a minute)",
                ));
            }
            let (min, max) = o.band().map_err(|(field, e)| Error::config(field, e))?;
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                return Err(Error::config("fee_oracle.max_gwei", "below min_gwei"));
            }
            if let (Some(min), Some(max)) = (o.min_micro_lamports, o.max_micro_lamports)
                && min > max
            {
                return Err(Error::config(
                    "fee_oracle.max_micro_lamports",
                    "below min_micro_lamports",
                ));
            }
            if let Some(k) = &o.solana {
                validate_key("fee_oracle.solana", &k.key())?;
            }
        }
        if let Some(v) = &self.validator {
            super::pkcs11::validate_source("validator", &v.keystore, v.pkcs11.as_ref())?;
            if v.pkcs11.is_none() {
                validate_key("validator", &v.key())?;
            }
        }
        if let Some(r) = &self.relayer {
            super::pkcs11::validate_source("relayer", &r.keystore, r.pkcs11.as_ref())?;
            if r.pkcs11.is_none() {
                validate_key("relayer", &r.key())?;
            }
            match &r.solana {
                Some(k) => validate_key("relayer.solana", &k.key())?,
                None => {
                    if let Some(route) = self
                        .routes
                        .iter()
                        .find(|route| self.chain(&route.to).is_some_and(|c| c.solana().is_some()))
                    {
                        return Err(Error::config(
                            "relayer.solana",
                            format!(
                                "route {} -> {} ends at a solana chain: add [relayer.solana] with the keystore of the fee payer there",
                                route.from, route.to
                            ),
                        ));
                    }
                }
            }
            if !(1..=64).contains(&r.batch_size) {
                return Err(Error::config("relayer.batch_size", "must be 1..=64"));
            }
            if r.max_attempts == 0 {
                return Err(Error::config("relayer.max_attempts", "must be at least 1"));
            }
            if r.backoff_initial_ms == 0 {
                return Err(Error::config(
                    "relayer.backoff_initial_ms",
                    "must not be zero",
                ));
            }
            if r.backoff_max_ms < r.backoff_initial_ms {
                return Err(Error::config(
                    "relayer.backoff_max_ms",
                    "must be at least relayer.backoff_initial_ms",
                ));
            }
            if r.poll_interval_ms == 0 {
                return Err(Error::config(
                    "relayer.poll_interval_ms",
                    "must not be zero",
                ));
            }
            if r.attestation_poll_ms == 0 {
                return Err(Error::config(
                    "relayer.attestation_poll_ms",
                    "must not be zero",
                ));
            }
            if r.replace_after_ms == 0 {
                return Err(Error::config(
                    "relayer.replace_after_ms",
                    "must not be zero",
                ));
            }
        }
        Ok(())
    }

    fn validate_api(&self) -> Result<()> {
        let operator = self.api_listen()?;
        if let Some(public) = self.api_public_listen()?
            && public == operator
        {
            return Err(Error::config(
                "api.public_listen",
                "is the operator's `api.listen`: give the public listener its own address",
            ));
        }
        if let Some(name) = &self.api.token_env
            && name.trim().is_empty()
        {
            return Err(Error::config(
                "api.token_env",
                "is empty: name an environment variable",
            ));
        }
        if !operator.ip().is_loopback() && self.api.token_env.is_none() {
            return Err(Error::config(
                "api.listen",
                format!(
                    "`{operator}` is not loopback: the operator API (messages, metrics) then \
                     needs a bearer token, `api.token_env`; validators publish attestations \
                     on `api.public_listen`"
                ),
            ));
        }
        Ok(())
    }

    fn validate_store(&self) -> Result<()> {
        let url = &self.store.url;
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(Error::config(
                "store.url",
                format!(
                    "`{}` is neither sqlite://PATH nor postgres://...",
                    redact_url(url)
                ),
            ));
        }
        if !(1..=100).contains(&self.store.max_connections) {
            return Err(Error::config("store.max_connections", "must be 1..=100"));
        }
        Ok(())
    }

    fn validate_chains(&self) -> Result<()> {
        if self.chains.is_empty() {
            return Err(Error::config("chains", "at least one chain is needed"));
        }
        let mut names = BTreeSet::new();
        let mut domains = BTreeMap::new();
        for (i, c) in self.chains.iter().enumerate() {
            let key = |field: &str| format!("chains[{i}].{field}");
            if c.name.trim().is_empty() || c.name.chars().any(|ch| ch.is_whitespace()) {
                return Err(Error::config(
                    key("name"),
                    "must be non-empty without whitespace",
                ));
            }
            if !names.insert(c.name.as_str()) {
                return Err(Error::config(
                    key("name"),
                    format!("`{}` is used by another chain", c.name),
                ));
            }
            if c.domain == 0 {
                return Err(Error::config(key("domain"), "domain 0 is invalid"));
            }
            if let Some(other) = domains.insert(c.domain, c.name.as_str()) {
                return Err(Error::config(
                    key("domain"),
                    format!("domain {} is also chain `{other}`", c.domain),
                ));
            }
            if let Some(text) = &c.low_balance {
                parse_amount(text, c.native_decimals())
                    .map_err(|e| Error::config(key("low_balance"), e))?;
            }
            if !(1..=100_000).contains(&c.index_batch_blocks) {
                return Err(Error::config(
                    key("index_batch_blocks"),
                    "must be 1..=100000",
                ));
            }
            if c.poll_interval_ms == Some(0) {
                return Err(Error::config(key("poll_interval_ms"), "must not be zero"));
            }
            if let Some(quorum) = c.quorum
                && !(1..=c.rpc_urls.len()).contains(&quorum)
            {
                return Err(Error::config(
                    key("quorum"),
                    format!(
                        "{quorum} endpoints cannot agree: it must be 1..={} (the number of rpc_urls)",
                        c.rpc_urls.len()
                    ),
                ));
            }
            let evm = match &c.kind {
                ChainKind::Solana(solana) => {
                    validate_solana_chain(c, solana, &key)?;
                    continue;
                }
                ChainKind::Evm(evm) => evm,
            };
            // The same endpoint twice would count twice toward a validator's quorum (Solana
            // chains refuse it in validate_solana_chain).
            let mut seen_urls = BTreeSet::new();
            for (j, url) in c.rpc_urls.iter().enumerate() {
                if !seen_urls.insert(url.trim().trim_end_matches('/').to_ascii_lowercase()) {
                    return Err(Error::config(
                        key(&format!("rpc_urls[{j}]")),
                        "is listed twice: each endpoint counts once toward `quorum`",
                    ));
                }
            }
            if let Some(url) = &evm.ws_url {
                trestle_evm::heads::parse_ws_url(url)
                    .map_err(|reason| Error::config(key("ws_url"), reason))?;
            }
            if evm.bridge.0 == [0u8; 20] {
                return Err(Error::config(
                    key("bridge"),
                    "the zero address is not a bridge",
                ));
            }
            c.adapter_config(evm).validate().map_err(|e| match e {
                trestle_evm::Error::Config { field, reason } => Error::config(key(&field), reason),
                other => Error::config(key("rpc_urls"), other.to_string()),
            })?;
        }
        Ok(())
    }

    fn validate_routes(&self) -> Result<()> {
        let mut seen = BTreeSet::new();
        for (i, r) in self.routes.iter().enumerate() {
            let key = |field: &str| format!("routes[{i}].{field}");
            if self.chain(&r.from).is_none() {
                return Err(Error::config(
                    key("from"),
                    format!("no chain is named `{}`", r.from),
                ));
            }
            if self.chain(&r.to).is_none() {
                return Err(Error::config(
                    key("to"),
                    format!("no chain is named `{}`", r.to),
                ));
            }
            if r.from == r.to {
                return Err(Error::config(
                    key("to"),
                    "a route needs two different chains",
                ));
            }
            if !seen.insert((r.from.as_str(), r.to.as_str())) {
                return Err(Error::config(
                    key("to"),
                    format!("route {} -> {} is configured twice", r.from, r.to),
                ));
            }
            if let (Some(text), Some(origin)) = (&r.fees.min_paid, self.chain(&r.from))
                && let Err(e) = super::parse_amount(text, origin.native_decimals())
            {
                return Err(Error::config(key("fees.min_paid"), e));
            }
            if r.fees.min_paid.is_some() && r.fees.policy == super::PaymentPolicy::None {
                return Err(Error::config(
                    key("fees.min_paid"),
                    "a floor needs policy = \"paid\" (policy \"none\" delivers whatever was paid)",
                ));
            }
            if r.fees.tolerance_percent > 100 {
                return Err(Error::config(
                    key("fees.tolerance_percent"),
                    format!("{} is not a percentage (0..=100)", r.fees.tolerance_percent),
                ));
            }
            let mut addresses: Vec<EvmAddress> = Vec::with_capacity(r.validators.len());
            let listed = r
                .validators
                .iter()
                .enumerate()
                .map(|(j, v)| ("validators", j, v))
                .chain(r.standby.iter().enumerate().map(|(j, v)| ("standby", j, v)));
            for (list, j, v) in listed {
                if addresses.contains(&v.address) {
                    return Err(Error::config(
                        format!("routes[{i}].{list}[{j}].address"),
                        format!("{} is listed twice", v.address),
                    ));
                }
                if !(v.url.starts_with("http://") || v.url.starts_with("https://")) {
                    return Err(Error::config(
                        format!("routes[{i}].{list}[{j}].url"),
                        "must be an http:// or https:// URL",
                    ));
                }
                addresses.push(v.address);
            }
            self.validator_set(r).map_err(|e| {
                let field = match &e {
                    trestle_bridge::Error::ZeroEpoch => "epoch",
                    trestle_bridge::Error::EmptyValidatorSet
                    | trestle_bridge::Error::TooManyValidators { .. }
                    | trestle_bridge::Error::ZeroValidator { .. } => "validators",
                    _ => "threshold",
                };
                Error::config(key(field), e.to_string())
            })?;
        }
        Ok(())
    }
}

/// The checks of a Solana chain (`key` names a field of this chain).
fn validate_solana_chain(
    c: &ChainConfig,
    solana: &SolanaChainConfig,
    key: &dyn Fn(&str) -> String,
) -> Result<()> {
    if solana.program.0 == [0u8; 32] {
        return Err(Error::config(
            key("bridge"),
            "the system program id (all zeros) is not a bridge",
        ));
    }
    solana::validate_rpc_urls(&c.rpc_urls, key)
}

fn validate_key(table: &str, key: &KeyConfig) -> Result<()> {
    if key.keystore.as_os_str().is_empty() {
        return Err(Error::config(
            format!("{table}.keystore"),
            "must not be empty",
        ));
    }
    let env_ok = !key.password_env.is_empty()
        && key
            .password_env
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !env_ok {
        return Err(Error::config(
            format!("{table}.password_env"),
            "must be the name of an environment variable (A-Z, 0-9, _)",
        ));
    }
    Ok(())
}
