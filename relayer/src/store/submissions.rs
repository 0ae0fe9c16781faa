//! The versions of each destination transaction (the first and its fee-bump replacements).

use super::records;
use super::{Pool, Store, now_ms};
use crate::error::Result;

/// One broadcast version of a destination transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Its hash.
    pub tx_hash: [u8; 32],
    /// The hash of the first version (what messages record).
    pub root: [u8; 32],
    /// The raw signed transaction.
    pub raw: Vec<u8>,
    /// When it was broadcast (Unix ms).
    pub created_at: i64,
}

/// `(tx_hash, root, raw, created_at)` as stored.
type SubmissionRow = (Vec<u8>, Vec<u8>, Vec<u8>, i64);

impl Store {
    /// Records a broadcast version of the transaction first sent as `root` (`root ==
    /// tx_hash` for the first). Idempotent.
    pub async fn record_submission(
        &self,
        root: &[u8; 32],
        tx_hash: &[u8; 32],
        destination: u32,
        raw: &[u8],
    ) -> Result<()> {
        dispatch!(self, p => {
            sqlx::query(
                "INSERT INTO submissions (tx_hash, root, destination, raw, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tx_hash) DO NOTHING",
            )
            .bind(tx_hash.as_slice())
            .bind(root.as_slice())
            .bind(i64::from(destination))
            .bind(raw)
            .bind(now_ms())
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// Every version of the transaction first sent as `root`, oldest first.
    pub async fn submissions(&self, root: &[u8; 32]) -> Result<Vec<Submission>> {
        let rows: Vec<SubmissionRow> = dispatch!(self, p => {
            sqlx::query_as(
                "SELECT tx_hash, root, raw, created_at FROM submissions WHERE root = $1 \
                 ORDER BY created_at, tx_hash",
            )
            .bind(root.as_slice())
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(tx_hash, root, raw, created_at)| {
                Ok(Submission {
                    tx_hash: records::hash_of(&tx_hash, "submissions.tx_hash")?,
                    root: records::hash_of(&root, "submissions.root")?,
                    raw,
                    created_at,
                })
            })
            .collect()
    }
}
