//! EVM transactions: the `eth_signTransaction` request object, the four signable envelope
//! types (legacy with EIP-155, EIP-2930, EIP-1559, EIP-7702), their signing hashes, signed
//! encodings and decoding of signed raw transactions.

mod decode;
mod request;

pub use decode::decode_signed;
pub use request::TransactionRequest;

use ruint::aliases::U256;

use crate::evm::address::EvmAddress;
use crate::evm::eip7702::{SignedAuthorization, encode_authorization_list};
use crate::evm::keccak256;
use crate::evm::rlp;
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

/// An EIP-7702 (type `0x04`) transaction: EIP-1559 fees, and a list of authorizations that
/// set the code of their signers' accounts before the call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Eip7702Transaction {
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
    /// Recipient: a type `0x04` transaction cannot create a contract.
    pub to: EvmAddress,
    /// Wei transferred.
    pub value: U256,
    /// Call data.
    pub data: Vec<u8>,
    /// Accounts and storage slots to pre-warm.
    pub access_list: Vec<AccessListItem>,
    /// The authorizations, applied in order (a valid transaction has at least one).
    pub authorization_list: Vec<SignedAuthorization>,
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
    /// EIP-7702 (type `0x4`).
    Eip7702(Eip7702Transaction),
}

impl TypedTransaction {
    /// The EIP-2718 type number: 0, 1, 2 or 4.
    pub fn tx_type(&self) -> u8 {
        match self {
            Self::Legacy(_) => 0,
            Self::Eip2930(_) => 1,
            Self::Eip1559(_) => 2,
            Self::Eip7702(_) => 4,
        }
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        match self {
            Self::Legacy(t) => t.chain_id,
            Self::Eip2930(t) => t.chain_id,
            Self::Eip1559(t) => t.chain_id,
            Self::Eip7702(t) => t.chain_id,
        }
    }

    /// The sender's nonce.
    pub fn nonce(&self) -> u64 {
        match self {
            Self::Legacy(t) => t.nonce,
            Self::Eip2930(t) => t.nonce,
            Self::Eip1559(t) => t.nonce,
            Self::Eip7702(t) => t.nonce,
        }
    }

    /// The gas limit.
    pub fn gas_limit(&self) -> u64 {
        match self {
            Self::Legacy(t) => t.gas_limit,
            Self::Eip2930(t) => t.gas_limit,
            Self::Eip1559(t) => t.gas_limit,
            Self::Eip7702(t) => t.gas_limit,
        }
    }

    /// The recipient, `None` for contract creation.
    pub fn to(&self) -> Option<EvmAddress> {
        match self {
            Self::Legacy(t) => t.to,
            Self::Eip2930(t) => t.to,
            Self::Eip1559(t) => t.to,
            Self::Eip7702(t) => Some(t.to),
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
            Self::Eip7702(t) => {
                rlp::encode_u64(&mut out, t.chain_id);
                rlp::encode_u64(&mut out, t.nonce);
                rlp::encode_u256(&mut out, &t.max_priority_fee_per_gas);
                rlp::encode_u256(&mut out, &t.max_fee_per_gas);
                rlp::encode_u64(&mut out, t.gas_limit);
                rlp::encode_bytes(&mut out, t.to.as_bytes());
                rlp::encode_u256(&mut out, &t.value);
                rlp::encode_bytes(&mut out, &t.data);
                encode_access_list(&mut out, &t.access_list);
                encode_authorization_list(&mut out, &t.authorization_list);
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

#[cfg(test)]
mod tests;
