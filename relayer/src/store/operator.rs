//! The operator's moves (`trestle relayer retry|skip`): a message put back at the start of the
//! pipeline, or taken out of it, never from a state that is final on chain.

use super::records::{MessageRecord, MessageState};
use super::{Pool, Store, now_ms};
use crate::error::{Error, Result};

/// The states [`Store::retry`] puts back at the start of the pipeline; `pending` first, so
/// that [`Store::retry_all`] counts each message once.
const RETRYABLE: [MessageState; 5] = [
    MessageState::Pending,
    MessageState::Ready,
    MessageState::Underpaid,
    MessageState::Failed,
    MessageState::Skipped,
];

fn retryable(state: MessageState) -> bool {
    RETRYABLE.contains(&state)
}

impl Store {
    /// Operator: puts a message back at the start of the pipeline with a fresh attempt
    /// budget: a failed or skipped one, or one stuck before it was sent (`pending`, `ready`).
    /// Refuses the others: `submitted` (its transaction may still land: the confirm step
    /// settles it), `queued`, `delivered` and `cancelled` (the destination has it), and
    /// `orphaned` (no longer on the origin chain; the indexer revives it if it comes back).
    pub async fn retry(&self, id: &[u8; 32]) -> Result<MessageRecord> {
        self.operator_move(id, MessageState::Pending, retryable)
            .await
    }

    /// Operator: [`Store::retry`] for every message in `state` (every state `retry` accepts
    /// when `None`), to `destination` if given; a message a worker holds a claim on now is
    /// left alone. Refuses a state `retry` refuses. Returns how many were put back.
    pub async fn retry_all(
        &self,
        state: Option<MessageState>,
        destination: Option<u32>,
    ) -> Result<u64> {
        let states: Vec<MessageState> = match state {
            Some(s) if !retryable(s) => {
                return Err(Error::InvalidTransition {
                    id: "*".into(),
                    state: s.as_str().into(),
                    reason: "messages in this state cannot be retried".into(),
                });
            }
            Some(s) => vec![s],
            None => RETRYABLE.to_vec(),
        };
        let now = now_ms();
        let mut moved = 0;
        for s in states {
            moved += dispatch!(self, p => {
                sqlx::query(
                    "UPDATE messages SET state = $1, attempts = 0, next_attempt_at = $2, \
                     updated_at = $2, claimed_by = NULL, claimed_until = NULL \
                     WHERE state = $3 AND ($4 IS NULL OR destination = $4) \
                     AND (claimed_until IS NULL OR claimed_until < $2)",
                )
                .bind(MessageState::Pending.as_str())
                .bind(now)
                .bind(s.as_str())
                .bind(destination.map(i64::from))
                .execute(p)
                .await?
                .rows_affected()
            });
        }
        Ok(moved)
    }

    /// Operator: takes a message out of the pipeline for good (until `retry`). Refuses
    /// `submitted` (its transaction may still land), and delivered, cancelled and skipped
    /// messages.
    pub async fn skip(&self, id: &[u8; 32]) -> Result<MessageRecord> {
        self.operator_move(id, MessageState::Skipped, |s| {
            !matches!(
                s,
                MessageState::Delivered
                    | MessageState::Skipped
                    | MessageState::Cancelled
                    | MessageState::Submitted
            )
        })
        .await
    }

    async fn operator_move(
        &self,
        id: &[u8; 32],
        to: MessageState,
        allowed: impl Fn(MessageState) -> bool,
    ) -> Result<MessageRecord> {
        let current = self
            .message(id)
            .await?
            .ok_or_else(|| Error::UnknownMessage(hex::encode(id)))?;
        if !allowed(current.state) {
            return Err(Error::InvalidTransition {
                id: hex::encode(id),
                state: current.state.as_str().into(),
                reason: format!("it cannot become {}", to.as_str()),
            });
        }
        let now = now_ms();
        let done = dispatch!(self, p => {
            sqlx::query(
                "UPDATE messages SET state = $1, attempts = 0, next_attempt_at = $2, \
                 updated_at = $2, claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $3 AND state = $4",
            )
            .bind(to.as_str())
            .bind(now)
            .bind(id.as_slice())
            .bind(current.state.as_str())
            .execute(p)
            .await?
            .rows_affected()
        });
        if done != 1 {
            return Err(Error::InvalidTransition {
                id: hex::encode(id),
                state: current.state.as_str().into(),
                reason: "it changed state meanwhile; try again".into(),
            });
        }
        self.message(id)
            .await?
            .ok_or_else(|| Error::UnknownMessage(hex::encode(id)))
    }
}
