//! EVM signing types: the typed transaction record, the signed result, recovery of signers.

use ruint::aliases::U256;
use trestle_core::evm::signer::{recover_message, recover_typed_data};
use trestle_core::evm::transaction::AccessListItem;
use trestle_core::evm::{EvmAddress, Signature, SignedTransaction, TransactionRequest, TypedData};

use crate::error::{Result, invalid_argument};

/// The EIP-2718 envelope of an EVM transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EvmTransactionType {
    /// Type 0, signed with EIP-155 replay protection; needs `gas_price`.
    Legacy,
    /// Type 1 (EIP-2930); needs `gas_price`, may carry an access list.
    Eip2930,
    /// Type 2 (EIP-1559); needs `max_fee_per_gas` and `max_priority_fee_per_gas`.
    Eip1559,
}

/// One entry of an EIP-2930 access list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccessListEntry {
    /// The account whose storage is pre-warmed (`0x` + 40 hex digits).
    pub address: String,
    /// Its storage slots, each `0x` + 64 hex digits.
    pub storage_keys: Vec<String>,
}

/// An EVM transaction to sign, field by field: the typed alternative to the
/// `eth_signTransaction` JSON that [`crate::Wallet::sign_evm_transaction_json`] takes.
///
/// Amounts (`value` and the fee fields, in wei) are decimal strings or `0x`-prefixed hex, so
/// that 256-bit values survive every language.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EvmTransaction {
    /// The envelope type.
    pub tx_type: EvmTransactionType,
    /// The EIP-155 chain id.
    pub chain_id: u64,
    /// The sender's nonce.
    pub nonce: u64,
    /// The recipient; `None` creates a contract.
    pub to: Option<String>,
    /// Wei transferred.
    pub value: String,
    /// Gas limit.
    pub gas_limit: u64,
    /// Gas price in wei (legacy and EIP-2930).
    pub gas_price: Option<String>,
    /// `maxFeePerGas` in wei (EIP-1559).
    pub max_fee_per_gas: Option<String>,
    /// `maxPriorityFeePerGas` in wei (EIP-1559).
    pub max_priority_fee_per_gas: Option<String>,
    /// Call data (empty for a plain transfer).
    pub data: Vec<u8>,
    /// EIP-2930 access list (must be empty for legacy transactions).
    pub access_list: Vec<AccessListEntry>,
}

/// A signed EVM transaction, ready for `eth_sendRawTransaction`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedEvmTransaction {
    /// The raw signed envelope.
    pub raw: Vec<u8>,
    /// `0x`-prefixed hex of `raw`.
    pub raw_hex: String,
    /// The transaction hash, `0x`-prefixed hex.
    pub hash: String,
    /// The signer's address (EIP-55).
    pub sender: String,
    /// The envelope type: 0, 1 or 2.
    pub tx_type: u8,
}

impl From<SignedTransaction> for SignedEvmTransaction {
    fn from(s: SignedTransaction) -> Self {
        Self {
            raw_hex: s.raw_hex(),
            hash: s.hash_hex(),
            sender: s.from.to_checksum(),
            tx_type: s.transaction.tx_type(),
            raw: s.raw,
        }
    }
}

fn parse_amount(field: &str, text: &str) -> Result<U256> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() => U256::from_str_radix(hex, 16),
        Some(_) => return Err(invalid_argument(field, "`0x` without digits")),
        None if t.is_empty() => return Err(invalid_argument(field, "empty amount")),
        None => U256::from_str_radix(t, 10),
    };
    parsed.map_err(|e| invalid_argument(field, format!("{t:?} is not a 256-bit amount: {e}")))
}

fn parse_opt_amount(field: &str, text: Option<&String>) -> Result<Option<U256>> {
    text.map(|t| parse_amount(field, t)).transpose()
}

fn parse_slot(text: &str) -> Result<[u8; 32]> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let bytes = hex::decode(digits).map_err(|e| invalid_argument("storage key", format!("{e}")))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        invalid_argument(
            "storage key",
            format!("expected 32 bytes, got {}", bytes.len()),
        )
    })
}

impl EvmTransaction {
    /// The core request this record describes; `to_transaction` then checks that the fields
    /// fit the type.
    pub(crate) fn to_request(&self) -> Result<TransactionRequest> {
        let access_list = self
            .access_list
            .iter()
            .map(|e| {
                Ok(AccessListItem {
                    address: EvmAddress::parse(&e.address)?,
                    storage_keys: e
                        .storage_keys
                        .iter()
                        .map(|k| parse_slot(k))
                        .collect::<Result<_>>()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(TransactionRequest {
            tx_type: Some(match self.tx_type {
                EvmTransactionType::Legacy => 0,
                EvmTransactionType::Eip2930 => 1,
                EvmTransactionType::Eip1559 => 2,
            }),
            from: None,
            chain_id: Some(self.chain_id),
            nonce: Some(self.nonce),
            to: self.to.as_deref().map(EvmAddress::parse).transpose()?,
            value: Some(parse_amount("value", &self.value)?),
            gas: Some(self.gas_limit),
            gas_price: parse_opt_amount("gas_price", self.gas_price.as_ref())?,
            max_fee_per_gas: parse_opt_amount("max_fee_per_gas", self.max_fee_per_gas.as_ref())?,
            max_priority_fee_per_gas: parse_opt_amount(
                "max_priority_fee_per_gas",
                self.max_priority_fee_per_gas.as_ref(),
            )?,
            data: Some(self.data.clone()),
            // Legacy transactions refuse an access list, even an empty one.
            access_list: (!access_list.is_empty()).then_some(access_list),
        })
    }
}

/// Recovers the address that signed `message` with EIP-191 (`personal_sign`).
/// `signature` is the 65-byte `r || s || v` in `0x` hex. Refuses malformed signatures
/// (`InvalidSignature`).
#[uniffi::export]
pub fn recover_message_signer(message: Vec<u8>, signature: String) -> Result<String> {
    let sig = Signature::from_hex(&signature)?;
    Ok(recover_message(&message, &sig)?.to_checksum())
}

/// Recovers the address that signed EIP-712 typed data (`eth_signTypedData_v4` JSON).
/// Refuses malformed typed data (`InvalidTypedData`) and signatures (`InvalidSignature`).
#[uniffi::export]
pub fn recover_typed_data_signer(typed_data_json: String, signature: String) -> Result<String> {
    let data = TypedData::from_json(&typed_data_json)?;
    let sig = Signature::from_hex(&signature)?;
    Ok(recover_typed_data(&data, &sig)?.to_checksum())
}

/// The EIP-712 signing hash (`0x` hex) of typed data, for display or for comparison with
/// another implementation. Refuses malformed typed data (`InvalidTypedData`).
#[uniffi::export]
pub fn typed_data_hash(typed_data_json: String) -> Result<String> {
    let data = TypedData::from_json(&typed_data_json)?;
    Ok(format!("0x{}", hex::encode(data.signing_hash())))
}
