//! Decoding a signed raw transaction (legacy with EIP-155, EIP-2930, EIP-1559, EIP-7702) and
//! recovering its sender, refusing anything non-canonical.

use ruint::aliases::U256;

use super::{
    AccessListItem, Eip1559Transaction, Eip2930Transaction, Eip7702Transaction, LegacyTransaction,
    TypedTransaction,
};
use crate::error::{Error, Result};
use crate::evm::address::EvmAddress;
use crate::evm::eip7702::decode_authorization_list;
use crate::evm::rlp::{self, Item};
use crate::evm::signature::Signature;

fn decode_err(reason: impl Into<String>) -> Error {
    Error::TransactionDecode(reason.into())
}

/// Decodes a raw signed transaction (legacy with EIP-155, type 1, 2 or 4) and recovers its
/// sender.
///
/// Refuses trailing bytes, non-canonical RLP, other transaction types, a type 4 transaction
/// with no recipient or an empty or malformed authorization list (each tuple exactly
/// `[chainId, address, nonce, yParity, r, s]` within the EIP's bounds; whether each
/// authorization verifies is for [`crate::evm::eip7702::SignedAuthorization::recover_authority`]:
/// one that does not is skipped on chain, it does not invalidate the transaction), pre-EIP-155 legacy
/// transactions (`v` of 27 or 28: they carry no chain id), high-`s` signatures (invalid since
/// EIP-2) and signatures from which no key recovers.
pub fn decode_signed(raw: &[u8]) -> Result<(TypedTransaction, Signature, EvmAddress)> {
    let (&first, rest) = raw.split_first().ok_or_else(|| decode_err("empty input"))?;
    let (tx, signature) = match first {
        0xc0..=0xff => decode_legacy(raw)?,
        0x01 | 0x02 => decode_typed(first, rest)?,
        0x04 => decode_eip7702(rest)?,
        other => {
            return Err(decode_err(format!(
                "transaction type 0x{other:02x} is not supported (only legacy, 0x01, 0x02 and \
                 0x04)"
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
    Ok((tx, decode_signature(y, r, s)?))
}

fn decode_eip7702(body: &[u8]) -> Result<(TypedTransaction, Signature)> {
    const WHAT: &str = "EIP-7702 transaction";
    let item = rlp::decode_exact(body).map_err(decode_err)?;
    let list = item.list(WHAT).map_err(decode_err)?;
    let f = fields_of(list, 13, WHAT)?;
    let [
        chain_id,
        nonce,
        tip,
        max_fee,
        gas,
        to,
        value,
        data,
        al,
        auths,
        y,
        r,
        s,
    ] = f
    else {
        return Err(decode_err(format!("{WHAT} has the wrong number of fields")));
    };
    let to = decode_to(to)?.ok_or_else(|| {
        decode_err("EIP-7702 transaction has no destination (it cannot create a contract)")
    })?;
    let tx = Eip7702Transaction {
        chain_id: chain_id.u64("chainId").map_err(decode_err)?,
        nonce: nonce.u64("nonce").map_err(decode_err)?,
        max_priority_fee_per_gas: tip.u256("maxPriorityFeePerGas").map_err(decode_err)?,
        max_fee_per_gas: max_fee.u256("maxFeePerGas").map_err(decode_err)?,
        gas_limit: gas.u64("gas").map_err(decode_err)?,
        to,
        value: value.u256("value").map_err(decode_err)?,
        data: data.bytes("data").map_err(decode_err)?.to_vec(),
        access_list: decode_access_list(al)?,
        authorization_list: decode_authorization_list(auths).map_err(decode_err)?,
    };
    Ok((TypedTransaction::Eip7702(tx), decode_signature(y, r, s)?))
}

fn decode_signature(y: &Item<'_>, r: &Item<'_>, s: &Item<'_>) -> Result<Signature> {
    let y_parity = match y.u64("yParity").map_err(decode_err)? {
        0 => false,
        1 => true,
        other => return Err(decode_err(format!("yParity must be 0 or 1, got {other}"))),
    };
    decode_rs(r, s, y_parity)
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
