//! The same client against solana-test-validator's JSON-RPC: slots, the existence of accounts
//! (delivery receipts, feature gates), a program's signatures and one transaction's slot,
//! accounts and compute units, read from the node as it answers (`confirmed` unless said).

use anyhow::{Result, anyhow};
use serde_json::{Value, json};

use super::{Rpc, field};

/// Accounts per `getMultipleAccounts` (the node's limit).
const ACCOUNTS_PER_CALL: usize = 100;
/// Signatures per `getSignaturesForAddress` page (the node's limit).
const SIGNATURE_PAGE: usize = 1_000;

/// A transaction listed for an address.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Base58 signature.
    pub signature: String,
    /// It failed (its effects did not happen).
    pub failed: bool,
}

/// The parts of a landed transaction the bench uses.
#[derive(Debug, Clone)]
pub struct Landed {
    /// The slot it landed in.
    pub slot: u64,
    /// `meta.computeUnitsConsumed`.
    pub compute_units: Option<u64>,
    /// Its account keys (static, then loaded writable, then loaded read-only), base58.
    pub accounts: Vec<String>,
    /// It failed.
    pub failed: bool,
}

impl Rpc {
    /// The slot at `commitment` (`processed`, `confirmed`, `finalized`).
    pub fn slot(&self, commitment: &str) -> Result<u64> {
        let v = self.call("getSlot", json!([{ "commitment": commitment }]))?;
        v.as_u64().ok_or_else(|| anyhow!("getSlot answered {v}"))
    }

    /// Whether each of `addresses` (base58) exists at `confirmed`, in order.
    pub fn accounts_exist(&self, addresses: &[String]) -> Result<Vec<bool>> {
        let mut out = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(ACCOUNTS_PER_CALL) {
            let v = self.call(
                "getMultipleAccounts",
                json!([chunk, { "commitment": "confirmed", "encoding": "base64",
                                "dataSlice": { "offset": 0, "length": 0 } }]),
            )?;
            let values = field(&v, "value")
                .as_array()
                .ok_or_else(|| anyhow!("getMultipleAccounts answered {v}"))?;
            out.extend(values.iter().map(|a| !a.is_null()));
        }
        Ok(out)
    }

    /// Whether each feature gate of `ids` (base58) is active: its account exists and holds
    /// `Some(activation slot)` (bincode: first byte 1).
    pub fn features_active(&self, ids: &[&str]) -> Result<Vec<bool>> {
        let v = self.call(
            "getMultipleAccounts",
            json!([ids, { "commitment": "confirmed", "encoding": "base64" }]),
        )?;
        let values = field(&v, "value")
            .as_array()
            .ok_or_else(|| anyhow!("getMultipleAccounts answered {v}"))?;
        Ok(values
            .iter()
            .map(|a| {
                field(a, "data")
                    .get(0)
                    .and_then(Value::as_str)
                    .and_then(base64_first_byte)
                    == Some(1)
            })
            .collect())
    }

    /// The transactions that mention `address` and landed in slot `from` or later, at
    /// `confirmed`, oldest first.
    pub fn signatures_since(&self, address: &str, from: u64) -> Result<Vec<Listed>> {
        let mut out = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let mut config = json!({ "commitment": "confirmed", "limit": SIGNATURE_PAGE });
            if let (Some(b), Some(c)) = (&before, config.as_object_mut()) {
                c.insert("before".into(), json!(b));
            }
            let v = self.call("getSignaturesForAddress", json!([address, config]))?;
            let page = v
                .as_array()
                .ok_or_else(|| anyhow!("getSignaturesForAddress answered {v}"))?;
            let mut reached = false;
            for entry in page {
                let slot = field(entry, "slot")
                    .as_u64()
                    .ok_or_else(|| anyhow!("a listed signature without a slot: {entry}"))?;
                if slot < from {
                    reached = true;
                    break;
                }
                out.push(Listed {
                    signature: field(entry, "signature")
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    failed: !field(entry, "err").is_null(),
                });
            }
            before = page
                .last()
                .and_then(|e| field(e, "signature").as_str())
                .map(str::to_owned);
            if reached || page.len() < SIGNATURE_PAGE || before.is_none() {
                break;
            }
        }
        out.reverse();
        Ok(out)
    }

    /// The landed transaction `signature` (base58), at `confirmed`.
    pub fn landed(&self, signature: &str) -> Result<Landed> {
        let v = self.call(
            "getTransaction",
            json!([signature, { "commitment": "confirmed", "encoding": "json",
                                "maxSupportedTransactionVersion": 0 }]),
        )?;
        if v.is_null() {
            return Err(anyhow!("the node does not return transaction {signature}"));
        }
        let meta = field(&v, "meta");
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        };
        let mut accounts = strings(field(
            field(field(&v, "transaction"), "message"),
            "accountKeys",
        ));
        let loaded = field(meta, "loadedAddresses");
        accounts.extend(strings(field(loaded, "writable")));
        accounts.extend(strings(field(loaded, "readonly")));
        Ok(Landed {
            slot: field(&v, "slot")
                .as_u64()
                .ok_or_else(|| anyhow!("transaction {signature} without a slot"))?,
            compute_units: field(meta, "computeUnitsConsumed").as_u64(),
            accounts,
            failed: !field(meta, "err").is_null(),
        })
    }
}

/// The first byte of base64 `text` (two characters are enough), if it decodes.
fn base64_first_byte(text: &str) -> Option<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let index = |c: u8| ALPHABET.iter().position(|a| *a == c).map(|i| i as u8);
    let mut chars = text.bytes();
    let (a, b) = (index(chars.next()?)?, index(chars.next()?)?);
    Some((a << 2) | (b >> 4))
}

#[cfg(test)]
mod tests {
    use super::base64_first_byte;

    #[test]
    fn first_byte_of_base64() {
        // A feature account: bincode Option<u64>, Some(0) and None.
        assert_eq!(base64_first_byte("AQAAAAAAAAAA"), Some(1));
        assert_eq!(base64_first_byte("AAAAAAAAAAAA"), Some(0));
        assert_eq!(base64_first_byte("/w=="), Some(0xff));
        assert_eq!(base64_first_byte("A"), None);
        assert_eq!(base64_first_byte("*A"), None);
    }
}
