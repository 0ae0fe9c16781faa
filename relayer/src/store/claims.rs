//! The destination workers' side of the store: claiming due messages with a lease, moving them
//! between states (one row or many in one commit), the write-ahead of a send, recording a
//! failed attempt with backoff, deferring and releasing claims.

use std::time::Duration;

use super::records::{MessageRecord, MessageRow, MessageState};
use super::{MESSAGE_COLUMNS, Pool, Store, now_ms};
use crate::error::Result;

/// The most characters of an error the store keeps for a message.
pub const LAST_ERROR_CHARS: usize = 1_000;

/// `error` as a message's `last_error` keeps it, which the status API serves and logs show:
/// the bridge's contract errors in words (`Paused: the bridge is paused`, not `custom error
/// 0x9e87fac8`), every URL in it redacted (an RPC error can name its endpoint, API key
/// included) and at most [`LAST_ERROR_CHARS`] characters.
fn last_error(error: &str) -> String {
    use trestle_bridge_client::errors::{in_words, printable};
    // Recipient programs' logs and nodes' messages are in the text: no escape sequences or
    // direction marks reach the status API or a terminal.
    let scrubbed = printable(&trestle_core::redact::scrub_urls(&in_words(error))).into_owned();
    match scrubbed.char_indices().nth(LAST_ERROR_CHARS) {
        Some((end, _)) => format!("{}…", scrubbed.get(..end).unwrap_or_default()),
        None => scrubbed,
    }
}

/// The store's clock (milliseconds since the Unix epoch) `delay` from now.
fn after(delay: Duration) -> i64 {
    now_ms().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))
}

impl Store {
    /// Claims up to `limit` messages for `destination` in `state` whose next attempt is due
    /// and that no live claim holds, for `worker`, until `lease` from now. On PostgreSQL the
    /// rows are picked with `FOR UPDATE SKIP LOCKED`, so instances sharing the database never
    /// claim the same message; on SQLite the single writer serialises claims. The longest
    /// due are taken first (by `next_attempt_at`, then origin and nonce), so that a flood from
    /// one origin, or a backlog retried with backoff, never holds up another origin's newer
    /// messages for long; the claimed records are returned by origin and nonce. A claim is
    /// not a change: `updated_at` keeps the time of the last one
    /// (the confirm step gives up on a receipt five minutes after the send).
    pub async fn claim(
        &self,
        destination: u32,
        state: MessageState,
        worker: &str,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<MessageRecord>> {
        let now = now_ms();
        let until = after(lease);
        let lock = match self.pool {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE messages SET claimed_by = $1, claimed_until = $2 \
             WHERE id IN (SELECT id FROM messages \
               WHERE destination = $4 AND state = $5 AND next_attempt_at <= $3 \
               AND (claimed_until IS NULL OR claimed_until < $3) \
               ORDER BY next_attempt_at, origin, nonce LIMIT $6 {lock}) \
             RETURNING {MESSAGE_COLUMNS}"
        );
        let rows: Vec<MessageRow> = dispatch!(self, p => {
            sqlx::query_as(&sql)
                .bind(worker)
                .bind(until)
                .bind(now)
                .bind(i64::from(destination))
                .bind(state.as_str())
                .bind(i64::from(limit))
                .fetch_all(p)
                .await?
        });
        let mut records: Vec<MessageRecord> = rows
            .into_iter()
            .map(MessageRow::into_record)
            .collect::<Result<_>>()?;
        records.sort_by_key(|r| (r.origin, r.nonce));
        Ok(records)
    }

    /// Moves a message from `from` to `to` and releases any claim, if it is still in `from`
    /// (and, when `worker` is given, still claimed by it). Sets the transaction hash when
    /// given; entering [`MessageState::Delivered`] stamps the delivery time. Returns whether
    /// the row changed (false: someone else moved it first).
    pub async fn transition(
        &self,
        id: &[u8; 32],
        from: MessageState,
        to: MessageState,
        worker: Option<&str>,
        tx_hash: Option<[u8; 32]>,
    ) -> Result<bool> {
        let moved = self
            .transition_many(&[*id], from, to, worker, tx_hash)
            .await?;
        Ok(moved.first().copied().unwrap_or(false))
    }

    /// [`Store::transition`] for several messages in one database transaction (one commit):
    /// each moves from `from` to `to` if it is still in `from` (and claimed by `worker` when
    /// given). Returns, in order, whether each row changed. Nothing is changed if the
    /// transaction fails.
    pub async fn transition_many(
        &self,
        ids: &[[u8; 32]],
        from: MessageState,
        to: MessageState,
        worker: Option<&str>,
        tx_hash: Option<[u8; 32]>,
    ) -> Result<Vec<bool>> {
        let now = now_ms();
        let delivered_at = (to == MessageState::Delivered).then_some(now);
        let mut moved = Vec::with_capacity(ids.len());
        if ids.is_empty() {
            return Ok(moved);
        }
        dispatch!(self, p => {
            let mut tx = p.begin().await?;
            for id in ids {
                let done = sqlx::query(
                    "UPDATE messages SET state = $1, updated_at = $2, claimed_by = NULL, \
                     claimed_until = NULL, tx_hash = COALESCE($3, tx_hash), \
                     delivered_at = COALESCE($4, delivered_at), next_attempt_at = $2, \
                     last_error = CASE WHEN $1 = $5 THEN NULL ELSE last_error END \
                     WHERE id = $6 AND state = $7 AND ($8 IS NULL OR claimed_by = $8)",
                )
                .bind(to.as_str())
                .bind(now)
                .bind(tx_hash.map(|h| h.to_vec()))
                .bind(delivered_at)
                .bind(MessageState::Delivered.as_str())
                .bind(id.as_slice())
                .bind(from.as_str())
                .bind(worker)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                moved.push(done == 1);
            }
            tx.commit().await?;
        });
        Ok(moved)
    }

    /// Write-ahead of a delivery transaction: moves each of `ids` still `ready` and claimed by
    /// `worker` to `submitted` with no transaction hash, keeping the claim for `lease` (so no
    /// confirm pass touches it while it is being sent), in one commit. Once the transaction is
    /// sent, [`Store::transition_many`] (`submitted` -> `submitted` with its hash) releases
    /// the claim. If the process stops in between, the message is found `submitted` without
    /// a hash once the lease ends: its send was interrupted, so it goes back to `ready` with a
    /// counted failure and is checked on the destination before it is sent again. Returns,
    /// per id, whether it was marked.
    pub async fn mark_sending(
        &self,
        ids: &[[u8; 32]],
        worker: &str,
        lease: Duration,
    ) -> Result<Vec<bool>> {
        let now = now_ms();
        let until = after(lease);
        let mut marked = Vec::with_capacity(ids.len());
        if ids.is_empty() {
            return Ok(marked);
        }
        dispatch!(self, p => {
            let mut tx = p.begin().await?;
            for id in ids {
                let done = sqlx::query(
                    "UPDATE messages SET state = $1, tx_hash = NULL, updated_at = $2, \
                     claimed_until = $3 \
                     WHERE id = $4 AND state = $5 AND claimed_by = $6",
                )
                .bind(MessageState::Submitted.as_str())
                .bind(now)
                .bind(until)
                .bind(id.as_slice())
                .bind(MessageState::Ready.as_str())
                .bind(worker)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                marked.push(done == 1);
            }
            tx.commit().await?;
        });
        Ok(marked)
    }

    /// Records a failed attempt on a message in `state`: counts it, keeps the error (redacted
    /// and capped, [`LAST_ERROR_CHARS`]), and
    /// either schedules the next attempt after `backoff` or, once `max_attempts` are used,
    /// parks it as [`MessageState::Failed`] (an operator can `retry` it). Releases the claim.
    /// Returns the message's state afterwards, or `None` if it was no longer in `state`.
    pub async fn record_failure(
        &self,
        id: &[u8; 32],
        state: MessageState,
        error: &str,
        backoff: Duration,
        max_attempts: u32,
    ) -> Result<Option<MessageState>> {
        let now = now_ms();
        let next = after(backoff);
        let error = last_error(error);
        let row: Option<(String,)> = dispatch!(self, p => {
            sqlx::query_as(
                "UPDATE messages SET attempts = attempts + 1, last_error = $1, updated_at = $2, \
                 claimed_by = NULL, claimed_until = NULL, next_attempt_at = $3, \
                 state = CASE WHEN attempts + 1 >= $4 THEN $5 ELSE state END \
                 WHERE id = $6 AND state = $7 RETURNING state",
            )
            .bind(&error)
            .bind(now)
            .bind(next)
            .bind(i64::from(max_attempts))
            .bind(MessageState::Failed.as_str())
            .bind(id.as_slice())
            .bind(state.as_str())
            .fetch_optional(p)
            .await?
        });
        row.map(|(s,)| MessageState::parse(&s)).transpose()
    }

    /// Puts a claimed message in `state` back for `delay` without counting a failure (it is
    /// waiting for something: attestations, finality, a timelock). Releases the claim.
    pub async fn defer(&self, id: &[u8; 32], state: MessageState, delay: Duration) -> Result<()> {
        self.defer_many(&[*id], state, delay).await
    }

    /// [`Store::defer`] for several messages in one database transaction (one commit).
    pub async fn defer_many(
        &self,
        ids: &[[u8; 32]],
        state: MessageState,
        delay: Duration,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let next = after(delay);
        dispatch!(self, p => {
            let mut tx = p.begin().await?;
            for id in ids {
                sqlx::query(
                    "UPDATE messages SET next_attempt_at = $1, claimed_by = NULL, \
                     claimed_until = NULL WHERE id = $2 AND state = $3",
                )
                .bind(next)
                .bind(id.as_slice())
                .bind(state.as_str())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Releases a claim without recording anything (the work was not attempted).
    pub async fn release(&self, id: &[u8; 32], worker: &str) -> Result<()> {
        dispatch!(self, p => {
            sqlx::query(
                "UPDATE messages SET claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $1 AND claimed_by = $2",
            )
            .bind(id.as_slice())
            .bind(worker)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// Releases every claim, whoever holds it, and returns how many there were. Only for a
    /// store no other process uses (an embedded SQLite store at the start of the one daemon
    /// that opens it): the claims are then those of an earlier run of this daemon that
    /// stopped without releasing them (a crash, SIGKILL), and waiting out their leases would
    /// hold its messages for minutes. Never for a shared PostgreSQL store, where another
    /// instance's claims are live.
    pub async fn release_all_claims(&self) -> Result<u64> {
        let released = dispatch!(self, p => {
            sqlx::query(
                "UPDATE messages SET claimed_by = NULL, claimed_until = NULL \
                 WHERE claimed_by IS NOT NULL",
            )
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(released)
    }
}
