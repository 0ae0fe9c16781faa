//! The `eth_signTransaction` request object: parsed from JSON field by field, with an error
//! naming the field, and turned into the envelope it asks for.

use ruint::aliases::U256;
use serde_json::{Map, Value};

use super::{
    AccessListItem, Eip1559Transaction, Eip2930Transaction, LegacyTransaction, TypedTransaction,
};
use crate::error::{Error, Result};
use crate::evm::address::EvmAddress;
use crate::evm::quantity::{kind, parse_hex_bytes, parse_u64, parse_u256};

/// The JSON object `eth_signTransaction` takes, parsed and checked field by field.
///
/// Use [`TransactionRequest::from_json`] (or serde) to parse and
/// [`TransactionRequest::to_transaction`] to get the [`TypedTransaction`] to sign.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransactionRequest {
    /// `type`: 0, 1 or 2, if given.
    pub tx_type: Option<u8>,
    /// `from`: if given, signing checks that it is the signer's address.
    pub from: Option<EvmAddress>,
    /// `chainId`.
    pub chain_id: Option<u64>,
    /// `nonce`.
    pub nonce: Option<u64>,
    /// `to`; absent or null creates a contract.
    pub to: Option<EvmAddress>,
    /// `value` (absent means zero).
    pub value: Option<U256>,
    /// `gas` or `gasLimit`.
    pub gas: Option<u64>,
    /// `gasPrice`.
    pub gas_price: Option<U256>,
    /// `maxFeePerGas`.
    pub max_fee_per_gas: Option<U256>,
    /// `maxPriorityFeePerGas`.
    pub max_priority_fee_per_gas: Option<U256>,
    /// `data` or `input`.
    pub data: Option<Vec<u8>>,
    /// `accessList`.
    pub access_list: Option<Vec<AccessListItem>>,
}

fn tx_err(field: &str, reason: impl Into<String>) -> Error {
    Error::InvalidTransaction {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// The fields the request object may carry.
const KNOWN_FIELDS: &[&str] = &[
    "type",
    "from",
    "chainId",
    "nonce",
    "to",
    "value",
    "gas",
    "gasLimit",
    "gasPrice",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
    "data",
    "input",
    "accessList",
];

impl TransactionRequest {
    /// Parses the JSON text of a request object.
    pub fn from_json(json: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| tx_err("(request)", format!("not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Parses a request object.
    ///
    /// Refuses non-objects, unknown fields (a field this signer does not understand, such as
    /// an EIP-4844 or EIP-7702 field, must not be silently dropped), malformed quantities
    /// (negative, over 256 bits, over 64 bits for `nonce`, `gas`, `chainId`), malformed
    /// addresses and hex, `gas` and `gasLimit` or `data` and `input` that disagree, and
    /// unsupported `type`s. A `null` field is treated as absent.
    pub fn from_value(value: &Value) -> Result<Self> {
        let Value::Object(map) = value else {
            return Err(tx_err(
                "(request)",
                format!("expected a JSON object, got {}", kind(value)),
            ));
        };
        Self::from_map(map)
    }

    fn from_map(map: &Map<String, Value>) -> Result<Self> {
        if let Some(unknown) = map.keys().find(|k| !KNOWN_FIELDS.contains(&k.as_str())) {
            return Err(tx_err(unknown, "unknown field"));
        }
        let get = |name: &str| map.get(name).filter(|v| !v.is_null());
        let u64_field = |name: &str| -> Result<Option<u64>> {
            get(name)
                .map(|v| parse_u64(v).map_err(|e| tx_err(name, e)))
                .transpose()
        };
        let u256_field = |name: &str| -> Result<Option<U256>> {
            get(name)
                .map(|v| parse_u256(v).map_err(|e| tx_err(name, e)))
                .transpose()
        };
        let address_field = |name: &str| -> Result<Option<EvmAddress>> {
            get(name)
                .map(|v| match v {
                    Value::String(s) => {
                        EvmAddress::parse(s).map_err(|e| tx_err(name, e.to_string()))
                    }
                    other => Err(tx_err(
                        name,
                        format!("expected an address string, got {}", kind(other)),
                    )),
                })
                .transpose()
        };
        let bytes_field = |name: &str| -> Result<Option<Vec<u8>>> {
            get(name)
                .map(|v| parse_hex_bytes(v).map_err(|e| tx_err(name, e)))
                .transpose()
        };

        let tx_type = match u64_field("type")? {
            None => None,
            Some(t @ 0..=2) => Some(t as u8),
            Some(t) => {
                return Err(tx_err(
                    "type",
                    format!("transaction type {t:#x} is not supported (only 0x0, 0x1, 0x2)"),
                ));
            }
        };
        let gas = match (u64_field("gas")?, u64_field("gasLimit")?) {
            (Some(a), Some(b)) if a != b => {
                return Err(tx_err(
                    "gasLimit",
                    format!("gas ({a}) and gasLimit ({b}) differ"),
                ));
            }
            (a, b) => a.or(b),
        };
        let data = match (bytes_field("data")?, bytes_field("input")?) {
            (Some(a), Some(b)) if a != b => {
                return Err(tx_err("input", "data and input are both given and differ"));
            }
            (a, b) => a.or(b),
        };
        let access_list = get("accessList").map(parse_access_list).transpose()?;
        Ok(Self {
            tx_type,
            from: address_field("from")?,
            chain_id: u64_field("chainId")?,
            nonce: u64_field("nonce")?,
            to: address_field("to")?,
            value: u256_field("value")?,
            gas,
            gas_price: u256_field("gasPrice")?,
            max_fee_per_gas: u256_field("maxFeePerGas")?,
            max_priority_fee_per_gas: u256_field("maxPriorityFeePerGas")?,
            data,
            access_list,
        })
    }

    /// The transaction type this request resolves to: `type` if given; otherwise 2 when
    /// `maxFeePerGas` or `maxPriorityFeePerGas` is present, 1 when `accessList` is, else 0.
    pub fn resolved_type(&self) -> u8 {
        match self.tx_type {
            Some(t) => t,
            None if self.max_fee_per_gas.is_some() || self.max_priority_fee_per_gas.is_some() => 2,
            None if self.access_list.is_some() => 1,
            None => 0,
        }
    }

    /// Builds the transaction to sign.
    ///
    /// Refuses a missing `chainId` (a wallet never signs replayable pre-EIP-155
    /// transactions), `nonce` or `gas`; a missing fee field for the type; fee fields of another
    /// type (`gasPrice` with type 2, `maxFeePerGas` with type 0 or 1, `accessList` with type 0);
    /// and `maxPriorityFeePerGas` above `maxFeePerGas`.
    pub fn to_transaction(&self) -> Result<TypedTransaction> {
        let ty = self.resolved_type();
        let chain_id = self.chain_id.ok_or_else(|| {
            tx_err(
                "chainId",
                "missing; refusing to sign a replayable transaction without a chain id",
            )
        })?;
        let nonce = self.nonce.ok_or_else(|| tx_err("nonce", "missing"))?;
        let gas_limit = self
            .gas
            .ok_or_else(|| tx_err("gas", "missing (also accepted as gasLimit)"))?;
        let to = self.to;
        let value = self.value.unwrap_or(U256::ZERO);
        let data = self.data.clone().unwrap_or_default();
        let type_name = |t: u8| format!("not allowed in a type {t:#x} transaction");
        if ty != 2 {
            if self.max_fee_per_gas.is_some() {
                return Err(tx_err("maxFeePerGas", type_name(ty)));
            }
            if self.max_priority_fee_per_gas.is_some() {
                return Err(tx_err("maxPriorityFeePerGas", type_name(ty)));
            }
        }
        match ty {
            0 => {
                if self.access_list.is_some() {
                    return Err(tx_err("accessList", type_name(0)));
                }
                let gas_price = self
                    .gas_price
                    .ok_or_else(|| tx_err("gasPrice", "missing"))?;
                Ok(TypedTransaction::Legacy(LegacyTransaction {
                    chain_id,
                    nonce,
                    gas_price,
                    gas_limit,
                    to,
                    value,
                    data,
                }))
            }
            1 => {
                let gas_price = self
                    .gas_price
                    .ok_or_else(|| tx_err("gasPrice", "missing"))?;
                Ok(TypedTransaction::Eip2930(Eip2930Transaction {
                    chain_id,
                    nonce,
                    gas_price,
                    gas_limit,
                    to,
                    value,
                    data,
                    access_list: self.access_list.clone().unwrap_or_default(),
                }))
            }
            _ => {
                if self.gas_price.is_some() {
                    return Err(tx_err(
                        "gasPrice",
                        "not allowed in a type 0x2 transaction (use maxFeePerGas and \
                         maxPriorityFeePerGas)",
                    ));
                }
                let max_fee_per_gas = self
                    .max_fee_per_gas
                    .ok_or_else(|| tx_err("maxFeePerGas", "missing"))?;
                let max_priority_fee_per_gas = self
                    .max_priority_fee_per_gas
                    .ok_or_else(|| tx_err("maxPriorityFeePerGas", "missing"))?;
                if max_priority_fee_per_gas > max_fee_per_gas {
                    return Err(tx_err(
                        "maxPriorityFeePerGas",
                        format!(
                            "{max_priority_fee_per_gas} is greater than maxFeePerGas \
                             {max_fee_per_gas}"
                        ),
                    ));
                }
                Ok(TypedTransaction::Eip1559(Eip1559Transaction {
                    chain_id,
                    nonce,
                    max_priority_fee_per_gas,
                    max_fee_per_gas,
                    gas_limit,
                    to,
                    value,
                    data,
                    access_list: self.access_list.clone().unwrap_or_default(),
                }))
            }
        }
    }
}

fn parse_access_list(value: &Value) -> Result<Vec<AccessListItem>> {
    let Value::Array(entries) = value else {
        return Err(tx_err(
            "accessList",
            format!("expected an array, got {}", kind(value)),
        ));
    };
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let field = format!("accessList[{i}]");
        let Value::Object(obj) = entry else {
            return Err(tx_err(
                &field,
                format!("expected an object, got {}", kind(entry)),
            ));
        };
        if let Some(k) = obj.keys().find(|k| *k != "address" && *k != "storageKeys") {
            return Err(tx_err(&format!("{field}.{k}"), "unknown field"));
        }
        let address = match obj.get("address") {
            Some(Value::String(s)) => EvmAddress::parse(s)
                .map_err(|e| tx_err(&format!("{field}.address"), e.to_string()))?,
            Some(other) => {
                return Err(tx_err(
                    &format!("{field}.address"),
                    format!("expected an address string, got {}", kind(other)),
                ));
            }
            None => return Err(tx_err(&format!("{field}.address"), "missing")),
        };
        let keys = match obj.get("storageKeys") {
            Some(Value::Array(keys)) => keys.as_slice(),
            None | Some(Value::Null) => &[],
            Some(other) => {
                return Err(tx_err(
                    &format!("{field}.storageKeys"),
                    format!("expected an array, got {}", kind(other)),
                ));
            }
        };
        let mut storage_keys = Vec::with_capacity(keys.len());
        for (j, key) in keys.iter().enumerate() {
            let kf = format!("{field}.storageKeys[{j}]");
            let bytes = parse_hex_bytes(key).map_err(|e| tx_err(&kf, e))?;
            let key: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| tx_err(&kf, format!("expected 32 bytes, got {}", bytes.len())))?;
            storage_keys.push(key);
        }
        out.push(AccessListItem {
            address,
            storage_keys,
        });
    }
    Ok(out)
}

impl<'de> serde::Deserialize<'de> for TransactionRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<&TransactionRequest> for TypedTransaction {
    type Error = Error;
    fn try_from(request: &TransactionRequest) -> Result<Self> {
        request.to_transaction()
    }
}
