//! Retention: the messages the destination settled long ago (`delivered`, `cancelled`), with
//! the signatures, attestations, payments and transactions kept for them, are deleted after
//! `store.retention_days` (and so is every entry of the send journal that old), so that a
//! relayer's store does not grow forever. Only a prefix of each origin's nonces goes (every
//! message at or below the nonce settled before the cut-off, and never an origin's last one):
//! what remains has no hole the indexer's nonce-gap check would read the origin's history
//! again for. The validators' equivocation guard
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
            let due: Vec<(Vec<u8>, Option<Vec<u8>>)> = sqlx::query_as(
                "SELECT m.id, m.tx_hash FROM messages m \
                 WHERE m.state IN ($1, $2) AND m.updated_at < $3 \
                 AND m.nonce < (SELECT MAX(x.nonce) FROM messages x WHERE x.origin = m.origin) \
                 AND NOT EXISTS (SELECT 1 FROM messages y WHERE y.origin = m.origin \
                   AND y.nonce <= m.nonce \
                   AND (y.state NOT IN ($1, $2) OR y.updated_at >= $3)) \
                 ORDER BY m.origin, m.nonce LIMIT $4",
            )
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
