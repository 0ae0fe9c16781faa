//! Nonce gaps: an origin bridge numbers its messages 0, 1, 2, ... in chain order, so a nonce
//! missing between two recorded ones is a message the indexer did not see (a node that
//! omitted a log, a transaction it could not parse). The indexer asks for gaps after it
//! records messages and reads the blocks between the two neighbours again
//! ([`crate::origin::indexer::gaps`]).

use super::{Pool, Store, i64_of, records};
use crate::error::Result;
use crate::store::{MessageState, NewMessage};

/// Nonces `first..=last` of an origin are missing: the message before them (nonce
/// `first - 1`) is at height `from_height`, the one after them (nonce `last + 1`) at
/// `to_height`, so the missing ones were sent in `from_height..=to_height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceGap {
    /// The first missing nonce.
    pub first: u64,
    /// The last missing nonce.
    pub last: u64,
    /// Height (block or slot) of the message before the gap.
    pub from_height: u64,
    /// Height of the message after the gap.
    pub to_height: u64,
}

impl NonceGap {
    /// How many nonces are missing.
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Never empty (a gap misses at least one nonce); for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl Store {
    /// The gaps among the nonces of messages from `origin` at or above `from_nonce`, lowest
    /// first, at most `limit`. Orphaned messages (their block was reorganised away) do not
    /// count as seen.
    pub async fn nonce_gaps(
        &self,
        origin: u32,
        from_nonce: u64,
        limit: u32,
    ) -> Result<Vec<NonceGap>> {
        let rows: Vec<(i64, i64, i64, i64)> = dispatch!(self, p => {
            sqlx::query_as(
                "SELECT prev_nonce, nonce, prev_height, origin_height FROM ( \
                   SELECT nonce, origin_height, \
                          LAG(nonce) OVER (ORDER BY nonce) AS prev_nonce, \
                          LAG(origin_height) OVER (ORDER BY nonce) AS prev_height \
                   FROM messages WHERE origin = $1 AND nonce >= $2 AND state <> $3 \
                 ) AS ordered \
                 WHERE prev_nonce IS NOT NULL AND nonce > prev_nonce + 1 \
                 ORDER BY nonce LIMIT $4",
            )
            .bind(i64::from(origin))
            .bind(i64_of(from_nonce, "from_nonce")?)
            .bind(MessageState::Orphaned.as_str())
            .bind(i64::from(limit))
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(before, after, from_height, to_height)| {
                Ok(NonceGap {
                    first: records::u64_of(before, "messages.nonce")? + 1,
                    last: records::u64_of(after, "messages.nonce")? - 1,
                    from_height: records::u64_of(from_height, "messages.origin_height")?,
                    to_height: records::u64_of(to_height, "messages.origin_height")?,
                })
            })
            .collect()
    }

    /// The highest nonce recorded from `origin` (orphaned messages aside), if any.
    pub async fn max_nonce(&self, origin: u32) -> Result<Option<u64>> {
        let row: (Option<i64>,) = dispatch!(self, p => {
            sqlx::query_as("SELECT MAX(nonce) FROM messages WHERE origin = $1 AND state <> $2")
                .bind(i64::from(origin))
                .bind(MessageState::Orphaned.as_str())
                .fetch_one(p)
                .await?
        });
        row.0
            .map(|n| records::u64_of(n, "messages.nonce"))
            .transpose()
    }

    /// Records messages and payments found outside the indexer's forward pass (a re-scan of
    /// a gap), as [`Store::record_read`] does but without moving any cursor (the payments with
    /// the last messages; each payment once). Returns how many messages were new or revived.
    pub async fn record_found(
        &self,
        messages: &[NewMessage],
        payments: &[super::NewPayment],
    ) -> Result<usize> {
        let rows: Vec<records::NewRow> = messages
            .iter()
            .map(records::NewRow::of)
            .collect::<Result<_>>()?;
        let mut inserted = 0usize;
        let chunks: Vec<&[records::NewRow]> = if rows.is_empty() {
            vec![&[]]
        } else {
            rows.chunks(super::INDEXED_PER_COMMIT).collect()
        };
        let last = chunks.len().saturating_sub(1);
        for (index, chunk) in chunks.into_iter().enumerate() {
            let paid = if index == last { payments } else { &[] };
            let added = self
                .record_chunk(chunk, None, paid, super::now_ms())
                .await?;
            if added > 0 {
                self.indexed.send_modify(|n| *n = n.wrapping_add(1));
            }
            inserted += added;
        }
        Ok(inserted)
    }
}
