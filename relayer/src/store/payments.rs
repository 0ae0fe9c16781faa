//! Delivery-fee payments (`gas_payments`): every `GasPaid` event the origin indexers read,
//! recorded with the messages of the same range, and what the collect pass asks for: the sum
//! paid per message. A payment for an `underpaid` message makes it due to go back to
//! `pending` (`wake_underpaid`, a few a tick), where the collect pass weighs it again.

use std::collections::HashMap;

use trestle_bridge_client::GasPayment;

use super::{MessageState, Pool, Store, now_ms};
use crate::error::{Error, Result};

/// A `GasPaid` event as an origin's indexer read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// The origin domain.
    pub origin: u32,
    /// The transaction that paid.
    pub origin_tx: Vec<u8>,
    /// The event's position (EVM log index in its block; Solana: in its transaction).
    pub index: u64,
    /// The block (slot) of the transaction.
    pub origin_height: u64,
    /// The payment.
    pub payment: GasPayment,
}

/// Inserts `payments` (each once, by origin, transaction and index) and makes every
/// `underpaid` message they pay for (on its own route) due to be woken, in the caller's
/// transaction.
macro_rules! insert_payments {
    ($tx:expr, $payments:expr, $now:expr) => {{
        for p in $payments {
            let added = sqlx::query(
                "INSERT INTO gas_payments (origin, origin_tx, log_index, message_id, destination, \
                 amount, origin_height, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (origin, origin_tx, log_index) DO NOTHING",
            )
            .bind(i64::from(p.origin))
            .bind(&p.origin_tx)
            .bind(i64_of(p.index, "log index")?)
            .bind(p.payment.id.as_slice())
            .bind(i64::from(p.payment.destination))
            .bind(p.payment.amount.to_string())
            .bind(i64_of(p.origin_height, "height")?)
            .bind($now)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if added == 1 {
                // A payment makes its underpaid message due at once; the wake itself goes
                // through `wake_underpaid` and its cap per tick, so that 1-unit top-ups of many
                // parked messages cannot fill every collect pass ahead of paid ones. Only a
                // payment on the message's own route counts (one for the same id on another
                // chain pays nothing).
                sqlx::query(
                    "UPDATE messages SET next_attempt_at = $1 \
                     WHERE id = $2 AND state = $3 AND origin = $4 AND destination = $5",
                )
                .bind($now)
                .bind(p.payment.id.as_slice())
                .bind(MessageState::Underpaid.as_str())
                .bind(i64::from(p.origin))
                .bind(i64::from(p.payment.destination))
                .execute(&mut *$tx)
                .await?;
            }
        }
    }};
}
pub(super) use insert_payments;

impl Store {
    /// What was paid for each of `messages` (id, origin domain, destination domain): the sum
    /// of its recorded payments made on its own origin for its own destination, in the
    /// origin's base units. A payment made on another chain for the same id, or naming another
    /// destination, pays nothing here (its units are another chain's). Messages without a
    /// payment are absent.
    pub async fn paid(&self, messages: &[([u8; 32], u32, u32)]) -> Result<HashMap<[u8; 32], u128>> {
        Ok(self
            .paid_and_counted(messages)
            .await?
            .into_iter()
            .map(|(id, (amount, _))| (id, amount))
            .collect())
    }

    /// [`Store::paid`], with how many payments each sum is made of (what
    /// [`Store::hold_back`] checks has not changed since).
    pub async fn paid_and_counted(
        &self,
        messages: &[([u8; 32], u32, u32)],
    ) -> Result<HashMap<[u8; 32], (u128, i64)>> {
        let mut out: HashMap<[u8; 32], (u128, i64)> = HashMap::new();
        if messages.is_empty() {
            return Ok(out);
        }
        let marks: Vec<String> = (1..=messages.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT message_id, origin, destination, amount FROM gas_payments \
             WHERE message_id IN ({})",
            marks.join(", ")
        );
        let rows: Vec<(Vec<u8>, i64, i64, String)> = dispatch!(self, p => {
            let mut q = sqlx::query_as(&sql);
            for (id, _, _) in messages {
                q = q.bind(id.as_slice());
            }
            q.fetch_all(p).await?
        });
        let routes: HashMap<[u8; 32], (i64, i64)> = messages
            .iter()
            .map(|(id, o, d)| (*id, (i64::from(*o), i64::from(*d))))
            .collect();
        for (id, origin, destination, amount) in rows {
            let id: [u8; 32] = id
                .try_into()
                .map_err(|_| Error::CorruptRow("gas_payments.message_id is not 32 bytes".into()))?;
            if routes.get(&id) != Some(&(origin, destination)) {
                continue;
            }
            let amount: u128 = amount
                .parse()
                .map_err(|_| Error::CorruptRow(format!("gas_payments.amount `{amount}`")))?;
            let (sum, count) = out.entry(id).or_default();
            *sum = sum.saturating_add(amount);
            *count += 1;
        }
        Ok(out)
    }

    /// Moves each of `moves` (`id`, the state, the reason, how many payments it was weighed
    /// with) from `pending`, claimed by `worker`, to its state with its reason as the last
    /// error, in one commit: the collect pass parking what the fee policy holds back, to be
    /// weighed again after `recheck` (a payment on its route wakes it sooner). A message with
    /// more payments on its route than it was weighed with (one recorded while it was being
    /// weighed, which could not wake it: it was not parked yet) is not moved. Returns whether
    /// each moved.
    pub async fn hold_back(
        &self,
        moves: &[([u8; 32], MessageState, String, i64)],
        worker: &str,
        recheck: std::time::Duration,
    ) -> Result<Vec<bool>> {
        let now = now_ms();
        let mut moved = Vec::with_capacity(moves.len());
        if moves.is_empty() {
            return Ok(moved);
        }
        dispatch!(self, p => {
            let mut tx = p.begin().await?;
            for (id, state, reason, weighed) in moves {
                let done = sqlx::query(
                    "UPDATE messages SET state = $1, last_error = $2, updated_at = $3, \
                     next_attempt_at = $7, claimed_by = NULL, claimed_until = NULL \
                     WHERE id = $4 AND state = $5 AND claimed_by = $6 AND \
                     (SELECT COUNT(*) FROM gas_payments g WHERE g.message_id = $4 \
                      AND g.origin = messages.origin \
                      AND g.destination = messages.destination) = $8",
                )
                .bind(state.as_str())
                .bind(reason)
                .bind(now)
                .bind(id.as_slice())
                .bind(MessageState::Pending.as_str())
                .bind(worker)
                .bind(now.saturating_add(i64::try_from(recheck.as_millis()).unwrap_or(i64::MAX)))
                .bind(*weighed)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                moved.push(done == 1);
            }
            tx.commit().await?;
        });
        Ok(moved)
    }

    /// Sends at most `limit` of the `underpaid` messages to `destination` that are due again
    /// (their fee policy's recheck time has come: prices fall, a destination becomes free, a
    /// policy changes), the longest due first, back to `pending`, where the collect pass weighs
    /// them again. The limit keeps a crowd of underpaid messages (cheap to send) from filling
    /// every collect pass ahead of paid ones. Returns how many.
    pub async fn wake_underpaid(&self, destination: u32, limit: u32) -> Result<u64> {
        let now = now_ms();
        let done = dispatch!(self, p => {
            sqlx::query(
                "UPDATE messages SET state = $1, updated_at = $2, next_attempt_at = $2 \
                 WHERE id IN (SELECT id FROM messages WHERE destination = $3 AND state = $4 \
                 AND next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT $5) AND state = $4",
            )
            .bind(MessageState::Pending.as_str())
            .bind(now)
            .bind(i64::from(destination))
            .bind(MessageState::Underpaid.as_str())
            .bind(i64::from(limit))
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(done)
    }
}
