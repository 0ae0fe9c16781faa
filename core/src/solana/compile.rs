//! Turning instructions into a message's account list and header, with the same ordering as
//! solana-message's `CompiledKeys`: the fee payer first, then writable signers, read-only
//! signers, writable non-signers and read-only non-signers, each group sorted by address bytes.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::solana::address::{SYSTEM_PROGRAM_ID, SolanaAddress};
use crate::solana::instruction::Instruction;
use crate::solana::message::{
    AddressLookupTableAccount, CompiledInstruction, MessageAddressTableLookup, MessageHeader,
};

/// System program `AdvanceNonceAccount` instruction data.
const ADVANCE_NONCE_DATA: [u8; 4] = [4, 0, 0, 0];

/// What the instructions ask of one account.
#[derive(Debug, Default, Clone, Copy)]
struct KeyMeta {
    signer: bool,
    writable: bool,
    invoked: bool,
    nonce: bool,
}

/// Every account the instructions touch, merged, with the fee payer.
pub(crate) struct CompiledKeys {
    payer: Option<SolanaAddress>,
    keys: BTreeMap<SolanaAddress, KeyMeta>,
}

/// Addresses a message loads from lookup tables: all writable ones, then all read-only ones.
#[derive(Default)]
pub(crate) struct LoadedKeys {
    pub(crate) writable: Vec<SolanaAddress>,
    pub(crate) readonly: Vec<SolanaAddress>,
}

fn fits_u8(n: usize, what: &str) -> Result<u8> {
    u8::try_from(n).map_err(|_| {
        Error::InvalidSolanaMessage(format!("{n} {what}; a message allows at most 255"))
    })
}

impl CompiledKeys {
    /// Merges the accounts of `instructions` (signer and writable flags OR-ed together,
    /// program ids marked invoked) and makes `payer` a writable signer.
    pub(crate) fn compile(instructions: &[Instruction], payer: Option<&SolanaAddress>) -> Self {
        let mut keys = BTreeMap::<SolanaAddress, KeyMeta>::new();
        for ix in instructions {
            keys.entry(ix.program_id).or_default().invoked = true;
            for meta in &ix.accounts {
                let entry = keys.entry(meta.pubkey).or_default();
                entry.signer |= meta.is_signer;
                entry.writable |= meta.is_writable;
            }
        }
        // A durable-nonce transaction's nonce account must stay a static key.
        if let Some(first) = instructions.first()
            && first.program_id == SYSTEM_PROGRAM_ID
            && first.data.starts_with(&ADVANCE_NONCE_DATA)
            && let Some(nonce) = first.accounts.first()
        {
            keys.entry(nonce.pubkey).or_default().nonce = true;
        }
        if let Some(payer) = payer {
            let entry = keys.entry(*payer).or_default();
            entry.signer = true;
            entry.writable = true;
        }
        Self {
            payer: payer.copied(),
            keys,
        }
    }

    /// Moves the keys found in `table` (non-signer, non-program, non-nonce keys) out of the
    /// static set into a lookup; `None` when the table holds none of them.
    pub(crate) fn extract_table_lookup(
        &mut self,
        table: &AddressLookupTableAccount,
    ) -> Result<Option<(MessageAddressTableLookup, LoadedKeys)>> {
        let (writable_indexes, writable) = self.drain_found(table, true)?;
        let (readonly_indexes, readonly) = self.drain_found(table, false)?;
        if writable_indexes.is_empty() && readonly_indexes.is_empty() {
            return Ok(None);
        }
        Ok(Some((
            MessageAddressTableLookup {
                account_key: table.key,
                writable_indexes,
                readonly_indexes,
            },
            LoadedKeys { writable, readonly },
        )))
    }

    fn drain_found(
        &mut self,
        table: &AddressLookupTableAccount,
        writable: bool,
    ) -> Result<(Vec<u8>, Vec<SolanaAddress>)> {
        let mut indexes = Vec::new();
        let mut drained = Vec::new();
        let candidates = self
            .keys
            .iter()
            .filter(|(_, m)| !m.signer && !m.invoked && !m.nonce && m.writable == writable);
        for (key, _) in candidates {
            if let Some(position) = table.addresses.iter().position(|a| a == key) {
                let index = u8::try_from(position).map_err(|_| {
                    Error::InvalidSolanaMessage(format!(
                        "account {key} is at index {position} of lookup table {}; \
                         a lookup index must be below 256",
                        table.key
                    ))
                })?;
                indexes.push(index);
                drained.push(*key);
            }
        }
        for key in &drained {
            self.keys.remove(key);
        }
        Ok((indexes, drained))
    }

    /// The header and the static account keys in wire order.
    pub(crate) fn into_components(self) -> Result<(MessageHeader, Vec<SolanaAddress>)> {
        let Self { payer, mut keys } = self;
        if let Some(payer) = &payer {
            keys.remove(payer);
        }
        let group = |signer: bool, writable: bool| -> Vec<SolanaAddress> {
            keys.iter()
                .filter(|(_, m)| m.signer == signer && m.writable == writable)
                .map(|(k, _)| *k)
                .collect()
        };
        let writable_signers: Vec<SolanaAddress> =
            payer.into_iter().chain(group(true, true)).collect();
        let readonly_signers = group(true, false);
        let writable_others = group(false, true);
        let readonly_others = group(false, false);
        let header = MessageHeader {
            num_required_signatures: fits_u8(
                writable_signers.len() + readonly_signers.len(),
                "signers",
            )?,
            num_readonly_signed_accounts: fits_u8(readonly_signers.len(), "read-only signers")?,
            num_readonly_unsigned_accounts: fits_u8(
                readonly_others.len(),
                "read-only non-signer accounts",
            )?,
        };
        let static_keys = writable_signers
            .into_iter()
            .chain(readonly_signers)
            .chain(writable_others)
            .chain(readonly_others)
            .collect();
        Ok((header, static_keys))
    }
}

/// Replaces each instruction's addresses by their index in `keys` (static keys, then loaded
/// writable, then loaded read-only). Refuses an index above 255.
pub(crate) fn compile_instructions(
    instructions: &[Instruction],
    static_keys: &[SolanaAddress],
    loaded: &LoadedKeys,
) -> Result<Vec<CompiledInstruction>> {
    let mut index = HashMap::new();
    let all = static_keys
        .iter()
        .chain(&loaded.writable)
        .chain(&loaded.readonly);
    for (i, key) in all.enumerate() {
        index.entry(*key).or_insert(i);
    }
    let lookup = |key: &SolanaAddress| -> Result<u8> {
        let i = index.get(key).copied().ok_or_else(|| {
            Error::InvalidSolanaMessage(format!("account {key} is missing from the message"))
        })?;
        u8::try_from(i).map_err(|_| {
            Error::InvalidSolanaMessage(format!(
                "account {key} would be account number {i}; a message can index at most 256 \
                 accounts (use address lookup tables or fewer accounts)"
            ))
        })
    };
    instructions
        .iter()
        .map(|ix| {
            Ok(CompiledInstruction {
                program_id_index: lookup(&ix.program_id)?,
                accounts: ix
                    .accounts
                    .iter()
                    .map(|m| lookup(&m.pubkey))
                    .collect::<Result<_>>()?,
                data: ix.data.clone(),
            })
        })
        .collect()
}
