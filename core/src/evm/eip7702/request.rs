//! The `eth_signTransaction` request object with type `0x4` and its `authorizationList`.

use serde_json::Value;

use super::SignedAuthorization;
use crate::error::{Error, Result};
use crate::evm::quantity::{kind, parse_u64};
use crate::evm::signer::EvmSigner;
use crate::evm::transaction::{
    Eip7702Transaction, SignedTransaction, TransactionRequest, TypedTransaction,
};

fn tx_err(field: &str, reason: impl Into<String>) -> Error {
    Error::InvalidTransaction {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// An `eth_signTransaction` request object of any type this crate signs: what
/// [`TransactionRequest`] accepts (types 0, 1, 2), and type `0x4` (EIP-7702) with its
/// `authorizationList` of signed authorizations (`{chainId, address, nonce, yParity, r, s}`).
///
/// Parse with [`SignRequest::from_json`], build with [`SignRequest::to_transaction`], or sign
/// with [`SignRequest::sign`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignRequest {
    /// Every field but `type` 0x4 and `authorizationList`, parsed and checked as
    /// [`TransactionRequest`] does.
    pub request: TransactionRequest,
    /// `authorizationList`: present exactly when the request is of type `0x4`.
    pub authorization_list: Option<Vec<SignedAuthorization>>,
}

impl SignRequest {
    /// Parses the JSON text of a request object.
    pub fn from_json(json: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| tx_err("(request)", format!("not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Parses a request object. A request is of type `0x4` when its `type` is 4 or it has an
    /// `authorizationList`; then it refuses an `authorizationList` that is missing, not an
    /// array or holds a malformed entry, another `type`, and `gasPrice`. Everything else is
    /// checked by [`TransactionRequest::from_value`], which refuses unknown fields.
    pub fn from_value(value: &Value) -> Result<Self> {
        let Value::Object(map) = value else {
            return Err(tx_err(
                "(request)",
                format!("expected a JSON object, got {}", kind(value)),
            ));
        };
        let present = |name: &str| map.get(name).filter(|v| !v.is_null());
        let ty = present("type")
            .map(|v| parse_u64(v).map_err(|e| tx_err("type", e)))
            .transpose()?;
        let list = present("authorizationList");
        if ty != Some(4) && list.is_none() {
            return Ok(Self {
                request: TransactionRequest::from_value(value)?,
                authorization_list: None,
            });
        }
        if let Some(other) = ty.filter(|t| *t != 4) {
            return Err(tx_err(
                "authorizationList",
                format!("only allowed in a type 0x4 transaction, this one is type {other:#x}"),
            ));
        }
        let Some(list) = list else {
            return Err(tx_err(
                "authorizationList",
                "missing: a type 0x4 transaction carries at least one authorization",
            ));
        };
        let Value::Array(entries) = list else {
            return Err(tx_err(
                "authorizationList",
                format!("expected an array, got {}", kind(list)),
            ));
        };
        let authorization_list = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                SignedAuthorization::from_json_value(e, &format!("authorizationList[{i}]"))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut rest = map.clone();
        rest.remove("type");
        rest.remove("authorizationList");
        if rest.get("gasPrice").is_some_and(|v| !v.is_null()) {
            return Err(tx_err(
                "gasPrice",
                "not allowed in a type 0x4 transaction (use maxFeePerGas and maxPriorityFeePerGas)",
            ));
        }
        Ok(Self {
            request: TransactionRequest::from_value(&Value::Object(rest))?,
            authorization_list: Some(authorization_list),
        })
    }

    /// The transaction type: 4 with an authorization list, else
    /// [`TransactionRequest::resolved_type`].
    pub fn resolved_type(&self) -> u8 {
        if self.authorization_list.is_some() {
            super::TX_TYPE
        } else {
            self.request.resolved_type()
        }
    }

    /// Builds the transaction to sign.
    ///
    /// For type `0x4`: everything [`TransactionRequest::to_transaction`] refuses for a type
    /// `0x2` transaction, a missing `to` (a type `0x4` transaction cannot create a contract),
    /// an empty `authorizationList`, and any authorization that would be skipped on this chain
    /// (see [`SignedAuthorization::recover_authority`]): its chain id neither 0 nor the
    /// transaction's, a `yParity` other than 0 or 1, a high `s`, or no recoverable signer.
    pub fn to_transaction(&self) -> Result<TypedTransaction> {
        let Some(list) = &self.authorization_list else {
            return self.request.to_transaction();
        };
        let mut base = self.request.clone();
        base.tx_type = Some(2);
        let TypedTransaction::Eip1559(t) = base.to_transaction()? else {
            return Err(tx_err("type", "a type 0x4 transaction has EIP-1559 fees"));
        };
        let to = t.to.ok_or_else(|| {
            tx_err(
                "to",
                "missing: a type 0x4 transaction cannot create a contract",
            )
        })?;
        if list.is_empty() {
            return Err(tx_err(
                "authorizationList",
                "empty: a type 0x4 transaction carries at least one authorization",
            ));
        }
        for (i, auth) in list.iter().enumerate() {
            auth.recover_authority(t.chain_id)
                .map_err(|e| tx_err(&format!("authorizationList[{i}]"), e.to_string()))?;
        }
        Ok(TypedTransaction::Eip7702(Eip7702Transaction {
            chain_id: t.chain_id,
            nonce: t.nonce,
            max_priority_fee_per_gas: t.max_priority_fee_per_gas,
            max_fee_per_gas: t.max_fee_per_gas,
            gas_limit: t.gas_limit,
            to,
            value: t.value,
            data: t.data,
            access_list: t.access_list,
            authorization_list: list.clone(),
        }))
    }

    /// Builds and signs the transaction. Refuses a request whose `from` is not the signer and
    /// everything [`SignRequest::to_transaction`] refuses.
    pub fn sign(&self, signer: &EvmSigner) -> Result<SignedTransaction> {
        if let Some(from) = self.request.from
            && from != signer.address()
        {
            return Err(tx_err(
                "from",
                format!("{from} is not the signer's address {}", signer.address()),
            ));
        }
        signer.sign_transaction(&self.to_transaction()?)
    }
}

impl<'de> serde::Deserialize<'de> for SignRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).map_err(serde::de::Error::custom)
    }
}
