//! The send journal: every transaction the relayer's EVM senders sign, recorded before it is
//! broadcast (`sent_transactions`), so that whatever holds one of the relayer's nonces is known
//! and can be replaced when stuck ([`crate::relay`]'s unsticking).

use super::records;
use super::{Pool, Store, now_ms};
use crate::error::{Error, Result};

/// One signed transaction of a relayer's sender, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentTransaction {
    /// Its hash.
    pub tx_hash: [u8; 32],
    /// Its nonce.
    pub nonce: u64,
    /// The raw signed bytes.
    pub raw: Vec<u8>,
    /// The transaction of the same nonce it replaces, if any.
    pub replaces: Option<[u8; 32]>,
    /// When it was recorded, just before its broadcast (Unix ms).
    pub created_at: i64,
}

/// `(tx_hash, nonce, raw, replaces, created_at)` as stored.
type SentRow = (Vec<u8>, i64, Vec<u8>, Option<Vec<u8>>, i64);

impl Store {
    /// Records a transaction `sender` signed on the chain of `domain`, before it is broadcast.
    /// Idempotent.
    pub async fn record_sent(
        &self,
        domain: u32,
        sender: &[u8; 20],
        nonce: u64,
        tx_hash: &[u8; 32],
        raw: &[u8],
        replaces: Option<&[u8; 32]>,
    ) -> Result<()> {
        let nonce = i64::try_from(nonce)
            .map_err(|_| Error::CorruptRow(format!("nonce {nonce} is above what is stored")))?;
        dispatch!(self, p => {
            sqlx::query(
                "INSERT INTO sent_transactions \
                 (tx_hash, chain, sender, nonce, raw, replaces, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tx_hash) DO NOTHING",
            )
            .bind(tx_hash.as_slice())
            .bind(i64::from(domain))
            .bind(sender.as_slice())
            .bind(nonce)
            .bind(raw)
            .bind(replaces.map(|r| r.as_slice()))
            .bind(now_ms())
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// The transaction `sender` signed last for `nonce` on the chain of `domain`, if any.
    pub async fn latest_sent(
        &self,
        domain: u32,
        sender: &[u8; 20],
        nonce: u64,
    ) -> Result<Option<SentTransaction>> {
        let Ok(nonce) = i64::try_from(nonce) else {
            return Ok(None);
        };
        let row: Option<SentRow> = dispatch!(self, p => {
            sqlx::query_as(
                "SELECT tx_hash, nonce, raw, replaces, created_at FROM sent_transactions \
                 WHERE chain = $1 AND sender = $2 AND nonce = $3 \
                 ORDER BY created_at DESC, tx_hash DESC LIMIT 1",
            )
            .bind(i64::from(domain))
            .bind(sender.as_slice())
            .bind(nonce)
            .fetch_optional(p)
            .await?
        });
        row.map(|(tx_hash, nonce, raw, replaces, created_at)| {
            Ok(SentTransaction {
                tx_hash: records::hash_of(&tx_hash, "sent_transactions.tx_hash")?,
                nonce: u64::try_from(nonce).map_err(|_| {
                    Error::CorruptRow(format!("sent_transactions.nonce is {nonce}"))
                })?,
                raw,
                replaces: replaces
                    .map(|r| records::hash_of(&r, "sent_transactions.replaces"))
                    .transpose()?,
                created_at,
            })
        })
        .transpose()
    }

    /// Forgets `tx_hash`: the node refused it, so it was never broadcast and holds no nonce.
    pub async fn abandon_sent(&self, tx_hash: &[u8; 32]) -> Result<()> {
        dispatch!(self, p => {
            sqlx::query("DELETE FROM sent_transactions WHERE tx_hash = $1")
                .bind(tx_hash.as_slice())
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// The highest nonce `sender` signed a transaction for on the chain of `domain`, if any.
    pub async fn highest_sent_nonce(&self, domain: u32, sender: &[u8; 20]) -> Result<Option<u64>> {
        let (highest,): (Option<i64>,) = dispatch!(self, p => {
            sqlx::query_as(
                "SELECT MAX(nonce) FROM sent_transactions WHERE chain = $1 AND sender = $2",
            )
            .bind(i64::from(domain))
            .bind(sender.as_slice())
            .fetch_one(p)
            .await?
        });
        highest
            .map(|n| {
                u64::try_from(n)
                    .map_err(|_| Error::CorruptRow(format!("sent_transactions.nonce is {n}")))
            })
            .transpose()
    }

    /// The first version (root) of the delivery transaction one of whose versions is
    /// `tx_hash`, if it is one.
    pub async fn submission_root(&self, tx_hash: &[u8; 32]) -> Result<Option<[u8; 32]>> {
        let root: Option<(Vec<u8>,)> = dispatch!(self, p => {
            sqlx::query_as("SELECT root FROM submissions WHERE tx_hash = $1")
                .bind(tx_hash.as_slice())
                .fetch_optional(p)
                .await?
        });
        root.map(|(r,)| records::hash_of(&r, "submissions.root"))
            .transpose()
    }
}
