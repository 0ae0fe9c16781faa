//! EIP-7702 (set code for EOAs): authorization tuples and the request object of a type `0x4`
//! transaction.
//!
//! An authorization lets an account (its *authority*) delegate its code to `address`:
//! `[chain_id, address, nonce, y_parity, r, s]`, signed over
//! `keccak256(0x05 || rlp([chain_id, address, nonce]))`. A `chain_id` of 0 is valid on every
//! chain. The type `0x4` transaction itself ([`crate::evm::transaction::Eip7702Transaction`])
//! carries a non-empty list of them and is signed like an EIP-1559 transaction.

mod request;

pub use request::SignRequest;

use ruint::aliases::U256;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::evm::address::EvmAddress;
use crate::evm::keccak256;
use crate::evm::quantity::{kind, parse_u64, parse_u256};
use crate::evm::rlp::{self, Item};
use crate::evm::signature::Signature;
use crate::evm::signer::EvmSigner;

/// The byte an authorization's signing payload starts with.
pub const MAGIC: u8 = 0x05;

/// The EIP-2718 type of a set-code transaction.
pub const TX_TYPE: u8 = 0x04;

/// An unsigned authorization: "my account runs the code of `address`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Authorization {
    /// The chain it is valid on; 0 means every chain.
    pub chain_id: U256,
    /// The contract whose code the authority delegates to (the zero address clears a
    /// delegation).
    pub address: EvmAddress,
    /// The authority's account nonce at the time the authorization is applied.
    pub nonce: u64,
}

impl Authorization {
    /// `0x05 || rlp([chain_id, address, nonce])`, the bytes whose keccak256 is signed.
    pub fn signing_payload(&self) -> Vec<u8> {
        let mut fields = Vec::with_capacity(64);
        rlp::encode_u256(&mut fields, &self.chain_id);
        rlp::encode_bytes(&mut fields, self.address.as_bytes());
        rlp::encode_u64(&mut fields, self.nonce);
        let mut out = Vec::with_capacity(fields.len() + 4);
        out.push(MAGIC);
        rlp::encode_list(&mut out, &fields);
        out
    }

    /// keccak256 of [`Authorization::signing_payload`].
    pub fn signing_hash(&self) -> [u8; 32] {
        keccak256(self.signing_payload())
    }

    /// Signs the authorization with `signer` (low `s`, `y_parity` 0 or 1). Refuses nonce
    /// 2^64 - 1, which no account can ever have (EIP-2681), so its authorization never applies.
    pub fn sign(&self, signer: &EvmSigner) -> Result<SignedAuthorization> {
        if self.nonce == u64::MAX {
            return Err(Error::InvalidSignature(
                "authorization nonce 2^64-1 can never be used (EIP-2681)".into(),
            ));
        }
        let signature = signer.sign_hash(&self.signing_hash())?;
        Ok(SignedAuthorization {
            authorization: *self,
            y_parity: u8::from(signature.y_parity),
            r: signature.r,
            s: signature.s,
        })
    }
}

/// A signed authorization as it travels in a transaction's `authorization_list`.
///
/// It holds what the wire format can hold (`y_parity` up to 255, any `r` and `s` below
/// 2^256): a transaction carrying an authorization that does not verify is still valid, the
/// authorization is skipped. [`SignedAuthorization::recover_authority`] is where such tuples
/// are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignedAuthorization {
    /// What was signed.
    pub authorization: Authorization,
    /// The signature's `y` parity (valid only as 0 or 1).
    pub y_parity: u8,
    /// The signature's `r`, big-endian.
    pub r: [u8; 32],
    /// The signature's `s`, big-endian.
    pub s: [u8; 32],
}

fn auth_err(reason: impl Into<String>) -> Error {
    Error::InvalidSignature(format!("authorization: {}", reason.into()))
}

impl SignedAuthorization {
    /// The signature, refusing a `y_parity` other than 0 or 1.
    pub fn signature(&self) -> Result<Signature> {
        let y_parity = match self.y_parity {
            0 => false,
            1 => true,
            other => return Err(auth_err(format!("yParity must be 0 or 1, got {other}"))),
        };
        Ok(Signature {
            r: self.r,
            s: self.s,
            y_parity,
        })
    }

    /// The account that signed, on whatever chain. Refuses `y_parity` other than 0 or 1,
    /// `s` above n/2 (EIP-2), `r` or `s` zero or not below n, nonce 2^64 - 1, and signatures
    /// from which no key recovers: the tuples EIP-7702 skips.
    pub fn authority(&self) -> Result<EvmAddress> {
        let signature = self.signature()?;
        if signature.is_high_s() {
            return Err(auth_err(
                "s is in the upper half of the curve order (invalid since EIP-2)",
            ));
        }
        if self.authorization.nonce == u64::MAX {
            return Err(auth_err("nonce 2^64-1 can never be used (EIP-2681)"));
        }
        signature
            .recover_address(&self.authorization.signing_hash())
            .map_err(|e| auth_err(e.to_string()))
    }

    /// The account that signed, checked for use on `chain_id`: everything
    /// [`SignedAuthorization::authority`] refuses, and a `chain_id` that is neither 0 nor
    /// `chain_id`.
    pub fn recover_authority(&self, chain_id: u64) -> Result<EvmAddress> {
        let signed_for = self.authorization.chain_id;
        if signed_for != U256::ZERO && signed_for != U256::from(chain_id) {
            return Err(auth_err(format!(
                "signed for chain {signed_for}, not for chain {chain_id} (or 0, every chain)"
            )));
        }
        self.authority()
    }

    /// `rlp([chain_id, address, nonce, y_parity, r, s])`.
    pub fn to_rlp(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(110);
        self.encode(&mut out);
        out
    }

    /// Appends `rlp([chain_id, address, nonce, y_parity, r, s])`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let a = &self.authorization;
        let mut fields = Vec::with_capacity(110);
        rlp::encode_u256(&mut fields, &a.chain_id);
        rlp::encode_bytes(&mut fields, a.address.as_bytes());
        rlp::encode_u64(&mut fields, a.nonce);
        rlp::encode_u64(&mut fields, u64::from(self.y_parity));
        rlp::encode_u256(&mut fields, &U256::from_be_bytes(self.r));
        rlp::encode_u256(&mut fields, &U256::from_be_bytes(self.s));
        rlp::encode_list(out, &fields);
    }

    /// Decodes one `rlp([chain_id, address, nonce, y_parity, r, s])`, strictly (canonical RLP,
    /// no trailing bytes, a 20-byte address, the EIP's bounds: nonce below 2^64, `y_parity`
    /// below 2^8). Does not check the signature: see [`SignedAuthorization::recover_authority`].
    pub fn from_rlp(bytes: &[u8]) -> Result<Self> {
        let item = rlp::decode_exact(bytes).map_err(Error::TransactionDecode)?;
        Self::from_item(&item, "authorization").map_err(Error::TransactionDecode)
    }

    /// Decodes a tuple from an already decoded RLP item; `what` names it in errors.
    pub(crate) fn from_item(item: &Item<'_>, what: &str) -> Result<Self, String> {
        let fields = item.list(what)?;
        let [chain_id, address, nonce, y_parity, r, s] = fields else {
            return Err(format!(
                "{what} has {} fields, expected 6 [chainId, address, nonce, yParity, r, s]",
                fields.len()
            ));
        };
        let address = address.bytes(&format!("{what}.address"))?;
        let address: [u8; 20] = address.try_into().map_err(|_| {
            format!(
                "{what}.address: expected 20 bytes, got {} (an authorization names a contract)",
                address.len()
            )
        })?;
        let y_parity = y_parity.u64(&format!("{what}.yParity"))?;
        let y_parity = u8::try_from(y_parity)
            .map_err(|_| format!("{what}.yParity: {y_parity} does not fit in 8 bits"))?;
        Ok(Self {
            authorization: Authorization {
                chain_id: chain_id.u256(&format!("{what}.chainId"))?,
                address: EvmAddress(address),
                nonce: nonce.u64(&format!("{what}.nonce"))?,
            },
            y_parity,
            r: r.u256(&format!("{what}.r"))?.to_be_bytes(),
            s: s.u256(&format!("{what}.s"))?.to_be_bytes(),
        })
    }

    /// The JSON object of an `authorizationList` entry, as `eth_signTransaction` and
    /// `eth_getTransactionByHash` show it: `{chainId, address, nonce, yParity, r, s}` with hex
    /// quantities and the address in EIP-55 form.
    pub fn to_json(&self) -> Value {
        let a = &self.authorization;
        json!({
            "chainId": format!("{:#x}", a.chain_id),
            "address": a.address.to_checksum(),
            "nonce": format!("{:#x}", a.nonce),
            "yParity": format!("{:#x}", self.y_parity),
            "r": format!("{:#x}", U256::from_be_bytes(self.r)),
            "s": format!("{:#x}", U256::from_be_bytes(self.s)),
        })
    }

    /// Parses an `authorizationList` entry (see [`SignedAuthorization::to_json`]); quantities
    /// may be hex strings, decimal strings or JSON integers. `field` names the entry in errors
    /// (`authorizationList[0]`). Refuses unknown and missing fields, `yParity` other than 0 or
    /// 1 and malformed quantities and addresses; does not check the signature.
    pub fn from_json_value(value: &Value, field: &str) -> Result<Self> {
        let err = |name: &str, reason: String| Error::InvalidTransaction {
            field: if name.is_empty() {
                field.to_owned()
            } else {
                format!("{field}.{name}")
            },
            reason,
        };
        let Value::Object(map) = value else {
            return Err(err("", format!("expected an object, got {}", kind(value))));
        };
        const FIELDS: [&str; 6] = ["chainId", "address", "nonce", "yParity", "r", "s"];
        if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(err(unknown, "unknown field".into()));
        }
        let get = |map: &Map<String, Value>, name: &str| -> Result<Value> {
            map.get(name)
                .filter(|v| !v.is_null())
                .cloned()
                .ok_or_else(|| err(name, "missing".into()))
        };
        let u256 =
            |name: &str| -> Result<U256> { parse_u256(&get(map, name)?).map_err(|e| err(name, e)) };
        let address = match get(map, "address")? {
            Value::String(s) => EvmAddress::parse(&s).map_err(|e| err("address", e.to_string()))?,
            other => {
                return Err(err(
                    "address",
                    format!("expected an address string, got {}", kind(&other)),
                ));
            }
        };
        let nonce = parse_u64(&get(map, "nonce")?).map_err(|e| err("nonce", e))?;
        let y_parity = match parse_u64(&get(map, "yParity")?).map_err(|e| err("yParity", e))? {
            p @ (0 | 1) => p as u8,
            other => return Err(err("yParity", format!("must be 0 or 1, got {other}"))),
        };
        Ok(Self {
            authorization: Authorization {
                chain_id: u256("chainId")?,
                address,
                nonce,
            },
            y_parity,
            r: u256("r")?.to_be_bytes(),
            s: u256("s")?.to_be_bytes(),
        })
    }
}

/// Appends the RLP list of an `authorization_list`.
pub(crate) fn encode_authorization_list(out: &mut Vec<u8>, list: &[SignedAuthorization]) {
    let mut items = Vec::with_capacity(list.len() * 110);
    for auth in list {
        auth.encode(&mut items);
    }
    rlp::encode_list(out, &items);
}

/// Decodes an `authorization_list`, refusing an empty one (a type `0x4` transaction without
/// authorizations is invalid).
pub(crate) fn decode_authorization_list(
    item: &Item<'_>,
) -> Result<Vec<SignedAuthorization>, String> {
    let list = item.list("authorizationList")?;
    if list.is_empty() {
        return Err(
            "authorizationList is empty (a type 0x4 transaction needs at least one)".into(),
        );
    }
    list.iter()
        .enumerate()
        .map(|(i, entry)| SignedAuthorization::from_item(entry, &format!("authorizationList[{i}]")))
        .collect()
}

#[cfg(test)]
mod tests;
