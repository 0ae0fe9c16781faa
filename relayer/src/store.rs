//! Persisted state: indexer cursors, messages and their pipeline state, collected signatures,
//! and the validator's own attestations.
//!
//! One [`Store`] over SQLite (the embedded default, WAL journal) or PostgreSQL (several relayer
//! instances share one database and split work by row claims with `FOR UPDATE SKIP LOCKED`).
//! Both run the same SQL (`$1` placeholders, `ON CONFLICT`, `RETURNING`) except for the claim,
//! and the migrations in `relayer/migrations/{sqlite,postgres}` create the same tables.
//!
//! Every method that changes state commits before it returns, so the caller's next step
//! acts on persisted state: a crash at any point resumes without loss and without a second
//! delivery.

mod records;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::{Error, Result};

use records::MessageRow;
pub use records::{
    AttestOutcome, AttestationRecord, ListFilter, MessageRecord, MessageState, NewMessage,
    SignatureRecord, StateCount,
};
pub use submissions::Submission;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Moves an indexer's cursor: `$1` chain, `$2` height, `$3` block hash, `$4` now (the indexer
/// recording a range, and a reorg rolling it back).
const SET_CURSOR: &str = "INSERT INTO cursors (chain, height, hash, updated_at) \
     VALUES ($1, $2, $3, $4) \
     ON CONFLICT (chain) DO UPDATE SET height = $2, hash = $3, updated_at = $4";

/// Messages per transaction when the indexer records a range ([`Store::record_indexed`]).
const INDEXED_PER_COMMIT: usize = 256;

/// The columns of `messages`, in [`MessageRow`] order.
const MESSAGE_COLUMNS: &str = "id, origin, nonce, destination, sender, recipient, encoded, \
     origin_height, origin_block_hash, origin_tx, state, attempts, next_attempt_at, last_error, \
     tx_hash, claimed_by, claimed_until, created_at, updated_at, delivered_at";

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the pool of either backend (the body is compiled once for
/// each, so it may use backend-generic sqlx calls).
macro_rules! dispatch {
    ($self:expr, $p:ident => $body:expr) => {
        match &$self.pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}

mod attestations;
mod gaps;
mod lookups;
mod submissions;

pub use gaps::NonceGap;

/// The relayer's store. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    /// Bumped after every committed [`Store::record_indexed`] that added messages, so that a
    /// consumer in the same process (the validator) starts at once instead of at its next
    /// poll.
    indexed: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn i64_of(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::CorruptRow(format!("{what} {value} is above 2^63 - 1")))
}

impl Store {
    /// Opens the store at `url` (`sqlite://PATH`, created if missing, WAL journal; or
    /// `postgres://...`) with at most `max_connections` connections, and applies the
    /// migrations this version has that the database has not.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections.max(1))
                .connect_with(options)
                .await?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            Pool::Sqlite(pool)
        } else {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            Pool::Postgres(pool)
        };
        Ok(Self {
            pool,
            indexed: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
        })
    }

    /// Changes after each committed [`Store::record_indexed`] of this process (through any
    /// clone of this store) that added or revived messages.
    pub fn indexed_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.indexed.subscribe()
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        dispatch!(self, p => p.close().await)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self, p => {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    // ------------------------------------------------------------------ cursors

    /// The indexer cursor of `chain`: `(height, block hash)`, if one was saved.
    pub async fn cursor(&self, chain: &str) -> Result<Option<(u64, [u8; 32])>> {
        let row: Option<(i64, Vec<u8>)> = dispatch!(self, p => {
            sqlx::query_as("SELECT height, hash FROM cursors WHERE chain = $1")
                .bind(chain)
                .fetch_optional(p)
                .await?
        });
        row.map(|(height, hash)| {
            Ok((
                records::u64_of(height, "cursors.height")?,
                records::hash_of(&hash, "cursors.hash")?,
            ))
        })
        .transpose()
    }

    /// Records what the indexer of `chain` read up to `(height, hash)`: inserts the new
    /// messages, [`INDEXED_PER_COMMIT`] per transaction, and moves the cursor with the last
    /// of them. A message already known is left as it is, unless a reorg orphaned it: then it
    /// is pending again at its new block. A crash between commits leaves some messages
    /// recorded and the cursor where it was: the range is read again and recording is
    /// idempotent. (One transaction for a whole catch-up of thousands of messages held
    /// SQLite's write lock for over a second, stalling every other step of the process.)
    /// Each commit that added messages wakes the in-process consumers. Returns how many
    /// messages were new or revived.
    pub async fn record_indexed(
        &self,
        chain: &str,
        height: u64,
        hash: [u8; 32],
        messages: &[NewMessage],
    ) -> Result<usize> {
        let now = now_ms();
        let height = i64_of(height, "height")?;
        let rows: Vec<records::NewRow> = messages
            .iter()
            .map(records::NewRow::of)
            .collect::<Result<_>>()?;
        let mut inserted = 0usize;
        let chunks: Vec<&[records::NewRow]> = if rows.is_empty() {
            vec![&[]]
        } else {
            rows.chunks(INDEXED_PER_COMMIT).collect()
        };
        let last = chunks.len().saturating_sub(1);
        for (index, chunk) in chunks.into_iter().enumerate() {
            let added = self
                .record_chunk(chunk, (index == last).then_some((chain, height, hash)), now)
                .await?;
            if added > 0 {
                self.indexed.send_modify(|n| *n = n.wrapping_add(1));
            }
            inserted += added;
        }
        Ok(inserted)
    }

    /// One transaction of [`Store::record_indexed`]: `rows`, and the cursor when given.
    async fn record_chunk(
        &self,
        rows: &[records::NewRow],
        cursor: Option<(&str, i64, [u8; 32])>,
        now: i64,
    ) -> Result<usize> {
        dispatch!(self, p => {
            let mut tx = p.begin().await?;
            let mut inserted = 0usize;
            for m in rows {
                let done = sqlx::query(
                    "INSERT INTO messages (id, origin, nonce, destination, sender, recipient, \
                     encoded, origin_height, origin_block_hash, origin_tx, state, attempts, \
                     next_attempt_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $12, $12) \
                     ON CONFLICT (id) DO UPDATE SET state = $11, origin_height = $8, \
                     origin_block_hash = $9, origin_tx = $10, attempts = 0, next_attempt_at = $12, \
                     updated_at = $12 WHERE messages.state = $13",
                )
                .bind(&m.id)
                .bind(m.origin)
                .bind(m.nonce)
                .bind(m.destination)
                .bind(&m.sender)
                .bind(&m.recipient)
                .bind(&m.encoded)
                .bind(m.origin_height)
                .bind(&m.origin_block_hash)
                .bind(&m.origin_tx)
                .bind(MessageState::Pending.as_str())
                .bind(now)
                .bind(MessageState::Orphaned.as_str())
                .execute(&mut *tx)
                .await?;
                inserted += usize::try_from(done.rows_affected()).unwrap_or(0);
            }
            if let Some((chain, height, hash)) = cursor {
                sqlx::query(SET_CURSOR)
                .bind(chain)
                .bind(height)
                .bind(hash.as_slice())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(inserted)
        })
    }

    /// A reorg on chain `chain` (domain `origin`) voided the blocks above `height`: messages
    /// from those blocks that were not submitted yet become [`MessageState::Orphaned`] (the
    /// indexer reads the canonical blocks again and records what is really there), and the
    /// cursor moves to `(height, hash)`, in one transaction. Returns how many were orphaned.
    pub async fn rollback(
        &self,
        chain: &str,
        origin: u32,
        height: u64,
        hash: [u8; 32],
    ) -> Result<u64> {
        let now = now_ms();
        let height = i64_of(height, "height")?;
        dispatch!(self, p => {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE messages SET state = $1, updated_at = $2, claimed_by = NULL, \
                 claimed_until = NULL \
                 WHERE origin = $3 AND origin_height > $4 AND state IN ($5, $6)",
            )
            .bind(MessageState::Orphaned.as_str())
            .bind(now)
            .bind(i64::from(origin))
            .bind(height)
            .bind(MessageState::Pending.as_str())
            .bind(MessageState::Ready.as_str())
            .execute(&mut *tx)
            .await?;
            sqlx::query(SET_CURSOR)
            .bind(chain)
            .bind(height)
            .bind(hash.as_slice())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(done.rows_affected())
        })
    }

    // ------------------------------------------------------------------ messages

    /// The message with this id.
    pub async fn message(&self, id: &[u8; 32]) -> Result<Option<MessageRecord>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1");
        let row: Option<MessageRow> = dispatch!(self, p => {
            sqlx::query_as(&sql).bind(id.as_slice()).fetch_optional(p).await?
        });
        row.map(MessageRow::into_record).transpose()
    }

    /// Messages matching `filter`, newest first (by origin and nonce), at most
    /// `filter.limit` (default 100, at most 1,000).
    pub async fn list(&self, filter: &ListFilter) -> Result<Vec<MessageRecord>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.state.is_some() {
            clauses.push(format!("state = {}", next()));
        }
        if filter.sender.is_some() {
            clauses.push(format!("sender = {}", next()));
        }
        if filter.origin.is_some() {
            clauses.push(format!("origin = {}", next()));
        }
        if filter.destination.is_some() {
            clauses.push(format!("destination = {}", next()));
        }
        let limit_param = next();
        let where_clause = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages {where_clause} \
             ORDER BY origin, nonce DESC LIMIT {limit_param}"
        );
        let limit = i64::from(filter.limit.unwrap_or(100).clamp(1, 1_000));
        let rows: Vec<MessageRow> = dispatch!(self, p => {
            let mut q = sqlx::query_as(&sql);
            if let Some(state) = filter.state {
                q = q.bind(state.as_str());
            }
            if let Some(sender) = &filter.sender {
                q = q.bind(sender.to_vec());
            }
            if let Some(origin) = filter.origin {
                q = q.bind(i64::from(origin));
            }
            if let Some(destination) = filter.destination {
                q = q.bind(i64::from(destination));
            }
            q.bind(limit).fetch_all(p).await?
        });
        rows.into_iter().map(MessageRow::into_record).collect()
    }

    /// Claims up to `limit` messages for `destination` in `state` whose next attempt is due
    /// and that no live claim holds, for `worker`, until `lease` from now. On PostgreSQL the
    /// rows are picked with `FOR UPDATE SKIP LOCKED`, so instances sharing the database never
    /// claim the same message; on SQLite the single writer serialises claims. Ordered by
    /// origin and nonce.
    pub async fn claim(
        &self,
        destination: u32,
        state: MessageState,
        worker: &str,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<MessageRecord>> {
        let now = now_ms();
        let until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let lock = match self.pool {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE messages SET claimed_by = $1, claimed_until = $2, updated_at = $3 \
             WHERE id IN (SELECT id FROM messages \
               WHERE destination = $4 AND state = $5 AND next_attempt_at <= $3 \
               AND (claimed_until IS NULL OR claimed_until < $3) \
               ORDER BY origin, nonce LIMIT $6 {lock}) \
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
        let now = now_ms();
        let delivered_at = (to == MessageState::Delivered).then_some(now);
        let done = dispatch!(self, p => {
            sqlx::query(
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
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
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
        let until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
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

    /// Records a failed attempt on a message in `state`: counts it, keeps the error, and
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
        let next = now.saturating_add(i64::try_from(backoff.as_millis()).unwrap_or(i64::MAX));
        let row: Option<(String,)> = dispatch!(self, p => {
            sqlx::query_as(
                "UPDATE messages SET attempts = attempts + 1, last_error = $1, updated_at = $2, \
                 claimed_by = NULL, claimed_until = NULL, next_attempt_at = $3, \
                 state = CASE WHEN attempts + 1 >= $4 THEN $5 ELSE state END \
                 WHERE id = $6 AND state = $7 RETURNING state",
            )
            .bind(error)
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
        let now = now_ms();
        let next = now.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
        dispatch!(self, p => {
            sqlx::query(
                "UPDATE messages SET next_attempt_at = $1, claimed_by = NULL, \
                 claimed_until = NULL WHERE id = $2 AND state = $3",
            )
            .bind(next)
            .bind(id.as_slice())
            .bind(state.as_str())
            .execute(p)
            .await?;
        });
        Ok(())
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
        let now = now_ms();
        let next = now.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
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

    /// Operator: puts a failed, skipped or stuck message back at the start of the pipeline
    /// with a fresh attempt budget. Refuses delivered messages and those the destination
    /// cancelled (final on chain).
    pub async fn retry(&self, id: &[u8; 32]) -> Result<MessageRecord> {
        self.operator_move(id, MessageState::Pending, |s| {
            !matches!(s, MessageState::Delivered | MessageState::Cancelled)
        })
        .await
    }

    /// Operator: takes a message out of the pipeline for good (until `retry`). Refuses
    /// delivered, cancelled and skipped messages.
    pub async fn skip(&self, id: &[u8; 32]) -> Result<MessageRecord> {
        self.operator_move(id, MessageState::Skipped, |s| {
            !matches!(
                s,
                MessageState::Delivered | MessageState::Skipped | MessageState::Cancelled
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

    /// How many messages each destination has in each state.
    pub async fn counts(&self) -> Result<Vec<StateCount>> {
        let rows: Vec<(i64, String, i64)> = dispatch!(self, p => {
            sqlx::query_as(
                "SELECT destination, state, COUNT(*) FROM messages \
                 GROUP BY destination, state ORDER BY destination, state",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(destination, state, count)| {
                Ok(StateCount {
                    destination: records::u32_of(destination, "messages.destination")?,
                    state: MessageState::parse(&state)?,
                    count: records::u64_of(count, "count")?,
                })
            })
            .collect()
    }
}
