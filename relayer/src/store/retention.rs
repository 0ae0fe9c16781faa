//! Retention: the messages the destination settled long ago (`delivered`, `cancelled`), with
//! the signatures, attestations, payments and transactions kept for them, are deleted after
//! `store.retention_days` (and so is every entry of the send journal that old), so that a
//! relayer's store does not grow forever. Only a contiguous prefix of each origin's nonces
//! goes: every message below the first nonce that is not settled before the cut-off, below
//! the message just under the first missing nonce (a gap the indexer has not closed yet keeps
//! both its neighbours, which its gap check reads the origin's history again between), and
//! never an origin's last one. An orphaned message (its block reorganised away) counts as
//! missing and does not hold the prefix back once its own time is up. What remains therefore
//! has no hole the gap check would miss or read history again for. The validators' equivocation guard
//! (`attested_nonces`) is kept whole.

use super::{MessageState, Pool, Store};
use crate::error::Result;

/// The states after which nothing more happens to a message.
const SETTLED: [MessageState; 2] = [MessageState::Delivered, MessageState::Cancelled];

impl Store {
    /// Deletes up to `limit` messages settled before `before_ms` (the store's clock) as the
    /// module docs say, with what was kept for them, in one database transaction. Returns how
    /// many messages went; fewer than `limit` means nothing more is due.
    pub async fn prune(&self, before_ms: i64, limit: u32) -> Result<u64> {
        let (delivered, cancelled) = (SETTLED[0].as_str(), SETTLED[1].as_str());
        dispatch!(self, p => {
            let mut tx = p.begin().await?;
            // Per origin, the lowest nonce that must stay: one not settled before the
            // cut-off, or the message just below a missing nonce (the gap check needs both of
            // a gap's neighbours); the last nonce stays in any case. Orphaned messages count
            // as missing (their nonce is a gap until the message is seen again) and go with
            // the prefix they are in once their own time is up.
            let due: Vec<(Vec<u8>, Option<Vec<u8>>)> = sqlx::query_as(
                "WITH seen AS ( \
                   SELECT origin, nonce, state, updated_at, \
                          LAG(nonce) OVER (PARTITION BY origin ORDER BY nonce) AS prev \
                   FROM messages WHERE state <> $1), \
                 bounds AS ( \
                   SELECT origin, MAX(nonce) AS last, MIN(CASE \
                       WHEN prev IS NOT NULL AND nonce > prev + 1 THEN prev \
                       WHEN state NOT IN ($2, $3) OR updated_at >= $4 THEN nonce \
                     END) AS keep \
                   FROM seen GROUP BY origin) \
                 SELECT m.id, m.tx_hash FROM messages m JOIN bounds b ON b.origin = m.origin \
                 WHERE m.nonce < b.last AND (b.keep IS NULL OR m.nonce < b.keep) \
                 AND m.updated_at < $4 AND m.state IN ($1, $2, $3) \
                 ORDER BY m.origin, m.nonce LIMIT $5",
            )
            .bind(MessageState::Orphaned.as_str())
            .bind(delivered)
            .bind(cancelled)
            .bind(before_ms)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await?;
            for (id, _) in &due {
                for table in ["signatures", "attestations", "gas_payments"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE message_id = $1"))
                        .bind(id.as_slice())
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("DELETE FROM messages WHERE id = $1")
                    .bind(id.as_slice())
                    .execute(&mut *tx)
                    .await?;
            }
            // A transaction's versions go with the last message it carried.
            for root in due.iter().filter_map(|(_, root)| root.as_ref()) {
                sqlx::query(
                    "DELETE FROM submissions WHERE root = $1 \
                     AND NOT EXISTS (SELECT 1 FROM messages WHERE tx_hash = $1)",
                )
                .bind(root.as_slice())
                .execute(&mut *tx)
                .await?;
            }
            // The send journal's transactions are mined or replaced long before.
            sqlx::query("DELETE FROM sent_transactions WHERE created_at < $1")
                .bind(before_ms)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(due.len() as u64)
        })
    }
}
