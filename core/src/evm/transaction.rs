//! EVM transactions: the `eth_signTransaction` request object, the three signable envelope
//! types (legacy with EIP-155, EIP-2930, EIP-1559), their signing hashes, signed encodings and
//! decoding of signed raw transactions.

use ruint::aliases::U256;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::evm::address::EvmAddress;
use crate::evm::keccak256;
use crate::evm::quantity::{kind, parse_hex_bytes, parse_u64, parse_u256};
use crate::evm::rlp::{self, Item};
use crate::evm::signature::Signature;

/// One entry of an EIP-2930 access list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccessListItem {
    /// The account whose storage is pre-warmed.
    pub address: EvmAddress,
    /// The storage slots of `address` that are pre-warmed.
    pub storage_keys: Vec<[u8; 32]>,
}

/// A legacy transaction, signed with EIP-155 replay protection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LegacyTransaction {
    /// The chain id bound into the signature (EIP-155).
    pub chain_id: u64,
    /// The sender's nonce.
    pub nonce: u64,
    /// Price per unit of gas, in wei.
    pub gas_price: U256,
    /// Gas limit.
    pub gas_limit: u64,
    /// Recipient; `None` creates a contract.
    pub to: Option<EvmAddress>,
    /// Wei transferred.
    pub value: U256,
    /// Call data or init code.
    pub data: Vec<u8>,
}

/// An EIP-2930 (type `0x01`) transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Eip2930Transaction {
    /// The chain id.
    pub chain_id: u64,
    /// The sender's nonce.
    pub nonce: u64,
    /// Price per unit of gas, in wei.
    pub gas_price: U256,
    /// Gas limit.
    pub gas_limit: u64,
    /// Recipient; `None` creates a contract.
    pub to: Option<EvmAddress>,
    /// Wei transferred.
    pub value: U256,
    /// Call data or init code.
    pub data: Vec<u8>,
    /// Accounts and storage slots to pre-warm.
    pub access_list: Vec<AccessListItem>,
}

/// An EIP-1559 (type `0x02`) transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Eip1559Transaction {
    /// The chain id.
    pub chain_id: u64,
    /// The sender's nonce.
    pub nonce: u64,
    /// Tip per unit of gas, in wei.
    pub max_priority_fee_per_gas: U256,
    /// Maximum total fee per unit of gas, in wei.
    pub max_fee_per_gas: U256,
    /// Gas limit.
    pub gas_limit: u64,
    /// Recipient; `None` creates a contract.
    pub to: Option<EvmAddress>,
    /// Wei transferred.
    pub value: U256,
    /// Call data or init code.
    pub data: Vec<u8>,
    /// Accounts and storage slots to pre-warm.
    pub access_list: Vec<AccessListItem>,
}

/// A transaction of one of the envelope types this crate signs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypedTransaction {
    /// Legacy (type `0x0`) with EIP-155.
    Legacy(LegacyTransaction),
    /// EIP-2930 (type `0x1`).
    Eip2930(Eip2930Transaction),
    /// EIP-1559 (type `0x2`).
    Eip1559(Eip1559Transaction),
}

impl TypedTransaction {
    /// The EIP-2718 type number: 0, 1 or 2.
    pub fn tx_type(&self) -> u8 {
        match self {
            Self::Legacy(_) => 0,
            Self::Eip2930(_) => 1,
            Self::Eip1559(_) => 2,
        }
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        match self {
            Self::Legacy(t) => t.chain_id,
            Self::Eip2930(t) => t.chain_id,
            Self::Eip1559(t) => t.chain_id,
        }
    }

    /// The sender's nonce.
    pub fn nonce(&self) -> u64 {
        match self {
            Self::Legacy(t) => t.nonce,
            Self::Eip2930(t) => t.nonce,
            Self::Eip1559(t) => t.nonce,
        }
    }

    /// The gas limit.
    pub fn gas_limit(&self) -> u64 {
        match self {
            Self::Legacy(t) => t.gas_limit,
            Self::Eip2930(t) => t.gas_limit,
            Self::Eip1559(t) => t.gas_limit,
        }
    }

    /// The recipient, `None` for contract creation.
    pub fn to(&self) -> Option<EvmAddress> {
        match self {
            Self::Legacy(t) => t.to,
            Self::Eip2930(t) => t.to,
            Self::Eip1559(t) => t.to,
        }
    }

    /// The bytes whose keccak256 is signed: for legacy
    /// `rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0])`, for typed transactions
    /// `type || rlp([fields...])`.
    pub fn signing_payload(&self) -> Vec<u8> {
        let mut fields = self.unsigned_fields();
        if let Self::Legacy(t) = self {
            rlp::encode_u64(&mut fields, t.chain_id);
            rlp::encode_u64(&mut fields, 0);
            rlp::encode_u64(&mut fields, 0);
        }
        self.envelope(&fields)
    }

    /// keccak256 of [`TypedTransaction::signing_payload`].
    pub fn signing_hash(&self) -> [u8; 32] {
        keccak256(self.signing_payload())
    }

    /// The raw signed transaction (what `eth_sendRawTransaction` takes). Legacy transactions
    /// carry `v = chainId * 2 + 35 + yParity`; typed ones carry `yParity` as the field.
    pub fn encode_signed(&self, signature: &Signature) -> Vec<u8> {
        let mut fields = self.unsigned_fields();
        match self {
            Self::Legacy(t) => {
                let v = U256::from(t.chain_id) * U256::from(2u8)
                    + U256::from(35u8)
                    + U256::from(u8::from(signature.y_parity));
                rlp::encode_u256(&mut fields, &v);
            }
            _ => rlp::encode_u64(&mut fields, u64::from(signature.y_parity)),
        }
        rlp::encode_u256(&mut fields, &U256::from_be_bytes(signature.r));
        rlp::encode_u256(&mut fields, &U256::from_be_bytes(signature.s));
        self.envelope(&fields)
    }

    /// Wraps encoded fields in a list and, for typed transactions, prefixes the type byte.
    fn envelope(&self, fields: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(fields.len() + 4);
        if !matches!(self, Self::Legacy(_)) {
            out.push(self.tx_type());
        }
        rlp::encode_list(&mut out, fields);
        out
    }

    /// The RLP of the fields every encoding shares, concatenated, without the list header.
    fn unsigned_fields(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Self::Legacy(t) => {
                rlp::encode_u64(&mut out, t.nonce);
                rlp::encode_u256(&mut out, &t.gas_price);
                rlp::encode_u64(&mut out, t.gas_limit);
                encode_to(&mut out, t.to.as_ref());
                rlp::encode_u256(&mut out, &t.value);
                rlp::encode_bytes(&mut out, &t.data);
            }
            Self::Eip2930(t) => {
                rlp::encode_u64(&mut out, t.chain_id);
                rlp::encode_u64(&mut out, t.nonce);
                rlp::encode_u256(&mut out, &t.gas_price);
                rlp::encode_u64(&mut out, t.gas_limit);
                encode_to(&mut out, t.to.as_ref());
                rlp::encode_u256(&mut out, &t.value);
                rlp::encode_bytes(&mut out, &t.data);
                encode_access_list(&mut out, &t.access_list);
            }
            Self::Eip1559(t) => {
                rlp::encode_u64(&mut out, t.chain_id);
                rlp::encode_u64(&mut out, t.nonce);
                rlp::encode_u256(&mut out, &t.max_priority_fee_per_gas);
                rlp::encode_u256(&mut out, &t.max_fee_per_gas);
                rlp::encode_u64(&mut out, t.gas_limit);
                encode_to(&mut out, t.to.as_ref());
                rlp::encode_u256(&mut out, &t.value);
                rlp::encode_bytes(&mut out, &t.data);
                encode_access_list(&mut out, &t.access_list);
            }
        }
        out
    }
}

fn encode_to(out: &mut Vec<u8>, to: Option<&EvmAddress>) {
    rlp::encode_bytes(out, to.map(|a| a.as_bytes().as_slice()).unwrap_or(&[]));
}

fn encode_access_list(out: &mut Vec<u8>, list: &[AccessListItem]) {
    let mut items = Vec::new();
    for item in list {
        let mut keys = Vec::new();
        for key in &item.storage_keys {
            rlp::encode_bytes(&mut keys, key);
        }
        let mut entry = Vec::new();
        rlp::encode_bytes(&mut entry, item.address.as_bytes());
        rlp::encode_list(&mut entry, &keys);
        rlp::encode_list(&mut items, &entry);
    }
    rlp::encode_list(out, &items);
}

/// A signed transaction ready to broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTransaction {
    /// The transaction that was signed.
    pub transaction: TypedTransaction,
    /// The signature over its signing hash.
    pub signature: Signature,
    /// The signer's address.
    pub from: EvmAddress,
    /// The raw encoding for `eth_sendRawTransaction`.
    pub raw: Vec<u8>,
    /// The transaction hash, keccak256 of `raw`.
    pub hash: [u8; 32],
}

impl SignedTransaction {
    /// `0x`-prefixed hex of [`SignedTransaction::raw`].
    pub fn raw_hex(&self) -> String {
        format!("0x{}", hex::encode(&self.raw))
    }

    /// `0x`-prefixed hex of [`SignedTransaction::hash`].
    pub fn hash_hex(&self) -> String {
        format!("0x{}", hex::encode(self.hash))
    }
}

fn decode_err(reason: impl Into<String>) -> Error {
    Error::TransactionDecode(reason.into())
}

/// Decodes a raw signed transaction (legacy with EIP-155, type 1 or type 2) and recovers its
/// sender.
///
/// Refuses trailing bytes, non-canonical RLP, other transaction types, pre-EIP-155 legacy
/// transactions (`v` of 27 or 28: they carry no chain id), high-`s` signatures (invalid since
/// EIP-2) and signatures from which no key recovers.
pub fn decode_signed(raw: &[u8]) -> Result<(TypedTransaction, Signature, EvmAddress)> {
    let (&first, rest) = raw.split_first().ok_or_else(|| decode_err("empty input"))?;
    let (tx, signature) = match first {
        0xc0..=0xff => decode_legacy(raw)?,
        0x01 | 0x02 => decode_typed(first, rest)?,
        other => {
            return Err(decode_err(format!(
                "transaction type 0x{other:02x} is not supported (only legacy, 0x01 and 0x02)"
            )));
        }
    };
    if tx.encode_signed(&signature) != raw {
        return Err(decode_err("encoding is not canonical"));
    }
    if signature.is_high_s() {
        return Err(decode_err(
            "signature s is in the upper half of the curve order (invalid since EIP-2)",
        ));
    }
    let from = signature
        .recover_address(&tx.signing_hash())
        .map_err(|e| decode_err(format!("cannot recover the sender: {e}")))?;
    Ok((tx, signature, from))
}

fn fields_of<'a>(items: &'a [Item<'a>], n: usize, what: &str) -> Result<&'a [Item<'a>]> {
    if items.len() != n {
        return Err(decode_err(format!(
            "{what} has {} fields, expected {n}",
            items.len()
        )));
    }
    Ok(items)
}

fn decode_legacy(raw: &[u8]) -> Result<(TypedTransaction, Signature)> {
    let item = rlp::decode_exact(raw).map_err(decode_err)?;
    let list = item.list("legacy transaction").map_err(decode_err)?;
    let f = fields_of(list, 9, "legacy transaction")?;
    let [nonce, gas_price, gas, to, value, data, v, r, s] = f else {
        return Err(decode_err("legacy transaction must have 9 fields"));
    };
    let v = v.u256("v").map_err(decode_err)?;
    if v == U256::from(27u8) || v == U256::from(28u8) {
        return Err(decode_err(
            "pre-EIP-155 legacy transaction (v = 27/28) has no chain id; refusing replayable \
             transactions",
        ));
    }
    if v < U256::from(35u8) {
        return Err(decode_err(format!("invalid legacy v {v}")));
    }
    let offset = v - U256::from(35u8);
    let chain_id = u64::try_from(offset >> 1)
        .map_err(|_| decode_err(format!("chain id from v {v} exceeds 64 bits")))?;
    let y_parity = offset.bit(0);
    let tx = LegacyTransaction {
        chain_id,
        nonce: nonce.u64("nonce").map_err(decode_err)?,
        gas_price: gas_price.u256("gasPrice").map_err(decode_err)?,
        gas_limit: gas.u64("gas").map_err(decode_err)?,
        to: decode_to(to)?,
        value: value.u256("value").map_err(decode_err)?,
        data: data.bytes("data").map_err(decode_err)?.to_vec(),
    };
    let signature = decode_rs(r, s, y_parity)?;
    Ok((TypedTransaction::Legacy(tx), signature))
}

fn decode_typed(ty: u8, body: &[u8]) -> Result<(TypedTransaction, Signature)> {
    let item = rlp::decode_exact(body).map_err(decode_err)?;
    let what = if ty == 1 {
        "EIP-2930 transaction"
    } else {
        "EIP-1559 transaction"
    };
    let list = item.list(what).map_err(decode_err)?;
    let n = if ty == 1 { 11 } else { 12 };
    let f = fields_of(list, n, what)?;
    let (tx, tail) = match f {
        [
            chain_id,
            nonce,
            gas_price,
            gas,
            to,
            value,
            data,
            al,
            tail @ ..,
        ] if ty == 1 => (
            TypedTransaction::Eip2930(Eip2930Transaction {
                chain_id: chain_id.u64("chainId").map_err(decode_err)?,
                nonce: nonce.u64("nonce").map_err(decode_err)?,
                gas_price: gas_price.u256("gasPrice").map_err(decode_err)?,
                gas_limit: gas.u64("gas").map_err(decode_err)?,
                to: decode_to(to)?,
                value: value.u256("value").map_err(decode_err)?,
                data: data.bytes("data").map_err(decode_err)?.to_vec(),
                access_list: decode_access_list(al)?,
            }),
            tail,
        ),
        [
            chain_id,
            nonce,
            tip,
            max_fee,
            gas,
            to,
            value,
            data,
            al,
            tail @ ..,
        ] => (
            TypedTransaction::Eip1559(Eip1559Transaction {
                chain_id: chain_id.u64("chainId").map_err(decode_err)?,
                nonce: nonce.u64("nonce").map_err(decode_err)?,
                max_priority_fee_per_gas: tip.u256("maxPriorityFeePerGas").map_err(decode_err)?,
                max_fee_per_gas: max_fee.u256("maxFeePerGas").map_err(decode_err)?,
                gas_limit: gas.u64("gas").map_err(decode_err)?,
                to: decode_to(to)?,
                value: value.u256("value").map_err(decode_err)?,
                data: data.bytes("data").map_err(decode_err)?.to_vec(),
                access_list: decode_access_list(al)?,
            }),
            tail,
        ),
        _ => return Err(decode_err(format!("{what} has the wrong number of fields"))),
    };
    let [y, r, s] = tail else {
        return Err(decode_err(format!("{what} has the wrong number of fields")));
    };
    let y_parity = match y.u64("yParity").map_err(decode_err)? {
        0 => false,
        1 => true,
        other => return Err(decode_err(format!("yParity must be 0 or 1, got {other}"))),
    };
    Ok((tx, decode_rs(r, s, y_parity)?))
}

fn decode_to(item: &Item<'_>) -> Result<Option<EvmAddress>> {
    let b = item.bytes("to").map_err(decode_err)?;
    if b.is_empty() {
        return Ok(None);
    }
    let arr: [u8; 20] = b
        .try_into()
        .map_err(|_| decode_err(format!("to: expected 0 or 20 bytes, got {}", b.len())))?;
    Ok(Some(EvmAddress(arr)))
}

fn decode_access_list(item: &Item<'_>) -> Result<Vec<AccessListItem>> {
    let list = item.list("accessList").map_err(decode_err)?;
    let mut out = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let what = format!("accessList[{i}]");
        let [address, keys] = entry.list(&what).map_err(decode_err)? else {
            return Err(decode_err(format!(
                "{what}: expected [address, storageKeys]"
            )));
        };
        let address = address.bytes(&what).map_err(decode_err)?;
        let address: [u8; 20] = address.try_into().map_err(|_| {
            decode_err(format!(
                "{what}.address: expected 20 bytes, got {}",
                address.len()
            ))
        })?;
        let keys = keys.list(&what).map_err(decode_err)?;
        let mut storage_keys = Vec::with_capacity(keys.len());
        for (j, key) in keys.iter().enumerate() {
            let kw = format!("{what}.storageKeys[{j}]");
            let key = key.bytes(&kw).map_err(decode_err)?;
            let key: [u8; 32] = key
                .try_into()
                .map_err(|_| decode_err(format!("{kw}: expected 32 bytes, got {}", key.len())))?;
            storage_keys.push(key);
        }
        out.push(AccessListItem {
            address: EvmAddress(address),
            storage_keys,
        });
    }
    Ok(out)
}

fn decode_rs(r: &Item<'_>, s: &Item<'_>, y_parity: bool) -> Result<Signature> {
    let r = r.u256("r").map_err(decode_err)?;
    let s = s.u256("s").map_err(decode_err)?;
    Ok(Signature {
        r: r.to_be_bytes(),
        s: s.to_be_bytes(),
        y_parity,
    })
}

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

#[cfg(test)]
mod tests;
