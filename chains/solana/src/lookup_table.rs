//! Address lookup tables: the `CreateLookupTable` and `ExtendLookupTable` instructions, the
//! table account layout, and creating a table ready for v0 transactions.

use std::time::Duration;

use trestle_core::solana::address::{ADDRESS_LOOKUP_TABLE_PROGRAM_ID, SYSTEM_PROGRAM_ID};
use trestle_core::solana::{
    AccountMeta, AddressLookupTableAccount, Instruction, SolanaAddress, SolanaSigner,
};

use crate::client::SolanaClient;
use crate::config::Commitment;
use crate::error::{self, Error, Result};
use crate::landing::TransactionRequest;

/// Bytes of a lookup table's metadata before its addresses.
pub const LOOKUP_TABLE_META_SIZE: usize = 56;
/// The most addresses one table holds.
pub const LOOKUP_TABLE_MAX_ADDRESSES: usize = 256;
/// Addresses per `ExtendLookupTable` instruction that keep a transaction within a packet.
pub const EXTEND_CHUNK: usize = 20;

/// `CreateLookupTable`: a table at the program address of `[authority, recent_slot]`, paid by
/// `payer`. `recent_slot` must be a slot the cluster still has in its slot hashes (a recent
/// finalized slot). Returns the instruction and the table's address. The authority signs
/// (which every cluster accepts, with or without the relaxed-signer feature).
pub fn create_lookup_table(
    authority: &SolanaAddress,
    payer: &SolanaAddress,
    recent_slot: u64,
) -> Result<(Instruction, SolanaAddress)> {
    let slot_bytes = recent_slot.to_le_bytes();
    let seeds: [&[u8]; 2] = [authority.as_ref(), &slot_bytes];
    let (table, bump) =
        SolanaAddress::find_program_address(&seeds, &ADDRESS_LOOKUP_TABLE_PROGRAM_ID)?;
    let mut data = Vec::with_capacity(13);
    data.extend_from_slice(&0u32.to_le_bytes());
    data.extend_from_slice(&slot_bytes);
    data.push(bump);
    let instruction = Instruction {
        program_id: ADDRESS_LOOKUP_TABLE_PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(table, false),
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new(*payer, true),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data,
    };
    Ok((instruction, table))
}

/// `ExtendLookupTable`: appends `addresses` to `table`; `payer` funds the extra rent.
/// Refuses an empty list and more addresses than a table holds.
pub fn extend_lookup_table(
    table: &SolanaAddress,
    authority: &SolanaAddress,
    payer: &SolanaAddress,
    addresses: &[SolanaAddress],
) -> Result<Instruction> {
    if addresses.is_empty() || addresses.len() > LOOKUP_TABLE_MAX_ADDRESSES {
        return Err(Error::InvalidSolanaMessage(format!(
            "a lookup table is extended by 1 to {LOOKUP_TABLE_MAX_ADDRESSES} addresses, not {}",
            addresses.len()
        )));
    }
    let mut data = Vec::with_capacity(12 + 32 * addresses.len());
    data.extend_from_slice(&2u32.to_le_bytes());
    data.extend_from_slice(&(addresses.len() as u64).to_le_bytes());
    for address in addresses {
        data.extend_from_slice(address.as_bytes());
    }
    Ok(Instruction {
        program_id: ADDRESS_LOOKUP_TABLE_PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(*table, false),
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new(*payer, true),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data,
    })
}

/// A lookup table account's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupTableState {
    /// `u64::MAX` while active; the slot it was deactivated in otherwise.
    pub deactivation_slot: u64,
    /// The slot of the last extension; its new addresses are usable from the next slot.
    pub last_extended_slot: u64,
    /// Who may extend, deactivate and close it (`None` once frozen).
    pub authority: Option<SolanaAddress>,
    /// The addresses, in index order.
    pub addresses: Vec<SolanaAddress>,
}

/// Decodes a lookup table account's data. Refuses data that is not an initialized table.
pub fn parse_lookup_table(data: &[u8]) -> std::result::Result<LookupTableState, String> {
    let (meta, body) = data
        .split_at_checked(LOOKUP_TABLE_META_SIZE)
        .ok_or_else(|| format!("{} bytes is shorter than a table's metadata", data.len()))?;
    let u64_at = |offset: usize| {
        meta.get(offset..offset + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| "truncated metadata".to_owned())
    };
    let discriminator = meta
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| "truncated metadata".to_owned())?;
    if discriminator != 1 {
        return Err(format!(
            "state discriminator {discriminator} is not an initialized lookup table (1)"
        ));
    }
    let authority = match meta.get(21) {
        Some(0) => None,
        Some(1) => Some(
            meta.get(22..54)
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .map(SolanaAddress)
                .ok_or_else(|| "truncated authority".to_owned())?,
        ),
        other => return Err(format!("authority option tag {other:?} is neither 0 nor 1")),
    };
    if body.len() % 32 != 0 {
        return Err(format!(
            "{} bytes of addresses is not a multiple of 32",
            body.len()
        ));
    }
    let addresses = body
        .chunks_exact(32)
        .filter_map(|c| <[u8; 32]>::try_from(c).ok().map(SolanaAddress))
        .collect();
    Ok(LookupTableState {
        deactivation_slot: u64_at(4)?,
        last_extended_slot: u64_at(12)?,
        authority,
        addresses,
    })
}

impl SolanaClient {
    /// The lookup table at `address`, read at the read commitment. Refuses an account that
    /// does not exist, is not owned by the lookup table program or does not decode.
    pub async fn lookup_table(&self, address: &SolanaAddress) -> Result<AddressLookupTableAccount> {
        Ok(AddressLookupTableAccount {
            key: *address,
            addresses: self.lookup_table_state(address).await?.addresses,
        })
    }

    /// The full state of the lookup table at `address`; see [`SolanaClient::lookup_table`].
    pub async fn lookup_table_state(&self, address: &SolanaAddress) -> Result<LookupTableState> {
        let account = self.account(address).await?.ok_or_else(|| Error::Rpc {
            endpoint: self.endpoint().to_owned(),
            reason: format!("lookup table {address} does not exist"),
            retryable: false,
        })?;
        if account.owner != ADDRESS_LOOKUP_TABLE_PROGRAM_ID {
            return Err(Error::Rpc {
                endpoint: self.endpoint().to_owned(),
                reason: format!(
                    "account {address} is owned by {}, not the lookup table program",
                    account.owner
                ),
                retryable: false,
            });
        }
        parse_lookup_table(&account.data).map_err(|reason| {
            error::malformed(self.endpoint(), format!("lookup table {address}: {reason}"))
        })
    }

    /// Creates a lookup table owned by `authority` (who also pays), extends it with
    /// `addresses` ([`EXTEND_CHUNK`] per transaction), waits until the new addresses are
    /// usable by leaders (the last extension finalized: ~13 s on a busy cluster, up to ~17 s
    /// on a fresh validator), and returns it ready for [`TransactionRequest::lookup_tables`].
    pub async fn create_lookup_table(
        &self,
        authority: &SolanaSigner,
        addresses: &[SolanaAddress],
    ) -> Result<AddressLookupTableAccount> {
        let recent_slot = self.slot(Commitment::Finalized).await?;
        let (create, table) =
            create_lookup_table(&authority.pubkey(), &authority.pubkey(), recent_slot)?;
        let created = self
            .land(TransactionRequest::new(authority, vec![create]))
            .await?;
        tracing::info!(%table, slot = created.slot, "lookup table created");
        self.extend_lookup_table(authority, &table, addresses)
            .await?;
        self.lookup_table(&table).await
    }

    /// Appends `addresses` to `table` ([`EXTEND_CHUNK`] per transaction, signed and paid by
    /// `authority`) and waits until they are usable by leaders (the last extension
    /// finalized).
    pub async fn extend_lookup_table(
        &self,
        authority: &SolanaSigner,
        table: &SolanaAddress,
        addresses: &[SolanaAddress],
    ) -> Result<()> {
        let mut last_slot = None;
        for chunk in addresses.chunks(EXTEND_CHUNK) {
            let extend =
                extend_lookup_table(table, &authority.pubkey(), &authority.pubkey(), chunk)?;
            let landed = self
                .land(TransactionRequest::new(authority, vec![extend]))
                .await?;
            last_slot = Some(landed.slot);
        }
        if let Some(slot) = last_slot {
            // The leader's scheduler resolves lookup tables against its root (finalized) bank:
            // until the extension is rooted, a v0 transaction using the new addresses
            // simulates fine but is dropped on submission. Wait for the root to pass it.
            self.wait_for_slot_after(slot, Commitment::Finalized)
                .await?;
        }
        Ok(())
    }

    /// Polls until the slot at `commitment` is past `slot`.
    pub(crate) async fn wait_for_slot_after(
        &self,
        slot: u64,
        commitment: Commitment,
    ) -> Result<()> {
        let timeout = Duration::from_secs(60);
        let deadline = tokio::time::Instant::now() + timeout;
        while self.slot(commitment).await? <= slot {
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: format!("{commitment} slot to pass {slot}"),
                    after: timeout,
                });
            }
            tokio::time::sleep(self.config.landing.poll_interval).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_layouts() {
        let authority = SolanaAddress([7; 32]);
        let (ix, table) = create_lookup_table(&authority, &authority, 0x0102).unwrap();
        assert_eq!(ix.data.len(), 13);
        assert_eq!(ix.data[..12], [0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(ix.accounts[0].pubkey, table);
        let again = create_lookup_table(&authority, &authority, 0x0102)
            .unwrap()
            .1;
        assert_eq!(table, again);
        let ext =
            extend_lookup_table(&table, &authority, &authority, &[SolanaAddress([9; 32])]).unwrap();
        assert_eq!(ext.data[..12], [2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(ext.data[12..], [9; 32]);
        assert!(extend_lookup_table(&table, &authority, &authority, &[]).is_err());
    }

    #[test]
    fn table_decoding() {
        let mut data = vec![0u8; LOOKUP_TABLE_META_SIZE];
        data[..4].copy_from_slice(&1u32.to_le_bytes());
        data[4..12].copy_from_slice(&u64::MAX.to_le_bytes());
        data[12..20].copy_from_slice(&5u64.to_le_bytes());
        data[21] = 1;
        data[22..54].copy_from_slice(&[3; 32]);
        data.extend_from_slice(&[4; 32]);
        data.extend_from_slice(&[5; 32]);
        let state = parse_lookup_table(&data).unwrap();
        assert_eq!(state.deactivation_slot, u64::MAX);
        assert_eq!(state.last_extended_slot, 5);
        assert_eq!(state.authority, Some(SolanaAddress([3; 32])));
        assert_eq!(
            state.addresses,
            [SolanaAddress([4; 32]), SolanaAddress([5; 32])]
        );

        assert!(parse_lookup_table(&data[..10]).is_err());
        assert!(parse_lookup_table(&data[..LOOKUP_TABLE_META_SIZE + 5]).is_err());
        let mut bad = data.clone();
        bad[21] = 2;
        assert!(parse_lookup_table(&bad).is_err());
        bad[..4].copy_from_slice(&0u32.to_le_bytes());
        assert!(parse_lookup_table(&bad).is_err());
    }
}
