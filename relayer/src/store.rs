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

pub use instance::InstanceLock;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::{Error, Result};

use records::MessageRow;
pub use records::{
    AttestOutcome, AttestationRecord, ListFilter, MessageRecord, MessageState, NewMessage,
    SignatureRecord, StateCount,
};
pub use sent::SentTransaction;
pub use submissions::Submission;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Moves an indexer's cursor: `$1` chain, `$2` height, `$3` block hash, `$4` now (the indexer
/// recording a range, and a reorg rolling it back).
const SET_CURSOR: &str = "INSERT INTO cursors (chain, height, hash, updated_at) \
     VALUES ($1, $2, $3, $4) \
     ON CONFLICT (chain) DO UPDATE SET height = $2, hash = $3, updated_at = $4";

/// How long a reader ([`Store::connect_reader`]) waits for a connection of its pool.
pub const READER_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a reader's statement may run on PostgreSQL before the server cancels it.
pub const READER_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

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
mod claims;
mod gaps;
mod instance;
mod list;
mod lookups;
mod operator;
mod payments;
mod retention;
mod sent;
mod submissions;

pub use payments::NewPayment;
use payments::insert_payments;

pub use gaps::NonceGap;
pub use list::{ListCursor, MAX_PAGE, MessagePage};

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

/// Whether a PostgreSQL connection goes to a server off this machine (not a loopback address,
/// not a Unix socket) without verifying its certificate (`sslmode` other than `verify-full` or
/// `verify-ca`; the default is `prefer`, which takes any certificate): [`Store::connect`] warns
/// about it but connects.
/// The options of the PostgreSQL store at `url`, for either pool. Refuses `sslmode=verify-ca`:
/// sqlx builds its verifier on rustls' process-wide crypto provider, which this build (ring
/// for sqlx, aws-lc-rs for HTTP) leaves unset, and it panics.
fn postgres_options(url: &str) -> Result<PgConnectOptions> {
    let options = PgConnectOptions::from_str(url)?;
    if matches!(options.get_ssl_mode(), PgSslMode::VerifyCa) {
        return Err(Error::config(
            "store.url",
            "sslmode=verify-ca is not supported: use sslmode=verify-full (with \
             sslrootcert=/path/to/ca.pem), which checks the server's name as well",
        ));
    }
    Ok(options)
}

fn is_unverified_remote(options: &PgConnectOptions) -> bool {
    let host = options.get_host();
    let local = options.get_socket().is_some()
        || host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let verified = matches!(
        options.get_ssl_mode(),
        PgSslMode::VerifyFull | PgSslMode::VerifyCa
    );
    !local && !verified
}

impl Store {
    /// Opens the store at `url` (`sqlite://PATH`, created if missing, WAL journal; or
    /// `postgres://...`) with at most `max_connections` connections, and applies the
    /// migrations this version has that the database has not.
    ///
    /// PostgreSQL speaks TLS (rustls) as the URL's `sslmode` says: `verify-full` with
    /// `sslrootcert=/path/to/ca.pem` checks the server's certificate and name against that CA
    /// (and the Mozilla roots); a certificate that does not check out fails the connection.
    /// `sslmode=verify-ca` is refused (a configuration error). A server off this machine
    /// without `verify-full` is logged as a warning.
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
            let options = postgres_options(url)?;
            if is_unverified_remote(&options) {
                tracing::warn!(
                    host = options.get_host(),
                    sslmode = ?options.get_ssl_mode(),
                    "store: the PostgreSQL server is not on this machine and its certificate is \
                     not verified, so anyone on the network path can pose as it and read or \
                     change the store (the validator's record of what it signed included): add \
                     sslmode=verify-full&sslrootcert=/path/to/ca.pem to store.url"
                );
            }
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

    /// A read-only view of the store at `url` (opened and migrated already by
    /// [`Store::connect`]) over a pool of its own, at most `max_connections`: the HTTP API
    /// reads through it, so a flood of API requests queues for these connections and never
    /// for the ones the indexers, validators and relayers work with. Its connections refuse
    /// writes; a request waits at most [`READER_ACQUIRE_TIMEOUT`] for one, and on PostgreSQL a
    /// statement is cancelled after [`READER_STATEMENT_TIMEOUT`]. Refuses an in-memory SQLite
    /// database (a second pool would open another, empty one).
    pub async fn connect_reader(url: &str, max_connections: u32) -> Result<Self> {
        let pool = if url.starts_with("sqlite:") {
            if url.contains(":memory:") || url.contains("mode=memory") {
                return Err(Error::config(
                    "store.url",
                    "an in-memory SQLite database cannot be the daemon's store: give a file",
                ));
            }
            let options = SqliteConnectOptions::from_str(url)?
                .read_only(true)
                .busy_timeout(READER_ACQUIRE_TIMEOUT);
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(READER_ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?;
            Pool::Sqlite(pool)
        } else {
            let options = postgres_options(url)?;
            let timeout = READER_STATEMENT_TIMEOUT.as_millis().to_string();
            let options = options.application_name("trestle-relayer-api").options([
                ("default_transaction_read_only", "on"),
                ("statement_timeout", timeout.as_str()),
            ]);
            let pool = PgPoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(READER_ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?;
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
        self.record_read(chain, height, hash, messages, &[]).await
    }

    /// [`Store::record_indexed`] with the range's delivery-fee `payments`, recorded in the
    /// commit that moves the cursor (each once; one for an `underpaid` message makes it due to
    /// be woken).
    pub async fn record_read(
        &self,
        chain: &str,
        height: u64,
        hash: [u8; 32],
        messages: &[NewMessage],
        payments: &[NewPayment],
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
            let at_cursor = index == last;
            let added = self
                .record_chunk(
                    chunk,
                    at_cursor.then_some((chain, height, hash)),
                    if at_cursor { payments } else { &[] },
                    now,
                )
                .await?;
            if added > 0 {
                self.indexed.send_modify(|n| *n = n.wrapping_add(1));
            }
            inserted += added;
        }
        Ok(inserted)
    }

    /// One transaction of [`Store::record_read`]: `rows`, then `payments`, and the cursor
    /// when given.
    async fn record_chunk(
        &self,
        rows: &[records::NewRow],
        cursor: Option<(&str, i64, [u8; 32])>,
        payments: &[NewPayment],
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
            insert_payments!(tx, payments, now);
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
    /// from those blocks that were not submitted yet become [`MessageState::Orphaned`] and
    /// their fee payments are deleted (the
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
                 WHERE origin = $3 AND origin_height > $4 AND state IN ($5, $6, $7, $8)",
            )
            .bind(MessageState::Orphaned.as_str())
            .bind(now)
            .bind(i64::from(origin))
            .bind(height)
            .bind(MessageState::Pending.as_str())
            .bind(MessageState::Ready.as_str())
            .bind(MessageState::Underpaid.as_str())
            .bind(MessageState::Signed.as_str())
            .execute(&mut *tx)
            .await?;
            // Payments of the voided blocks go too (the canonical ones are read again).
            sqlx::query("DELETE FROM gas_payments WHERE origin = $1 AND origin_height > $2")
            .bind(i64::from(origin))
            .bind(height)
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
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::postgres::PgConnectOptions;

    use super::is_unverified_remote;

    #[test]
    fn only_an_unverified_server_off_this_machine_is_warned_about() {
        let cases = [
            ("postgres://u:p@db.example.com/trestle", true),
            ("postgres://u:p@db.example.com/trestle?sslmode=prefer", true),
            (
                "postgres://u:p@db.example.com/trestle?sslmode=require",
                true,
            ),
            ("postgres://u:p@10.0.0.5:5433/trestle?sslmode=disable", true),
            ("postgres://u:p@[2001:db8::1]/trestle?sslmode=require", true),
            (
                "postgres://u:p@db.example.com/trestle?sslmode=verify-full",
                false,
            ),
            (
                "postgres://u:p@db.example.com/t?sslmode=verify-ca&sslrootcert=/ca.pem",
                false,
            ),
            ("postgres://u:p@127.0.0.1/trestle", false),
            (
                "postgres://u:p@127.0.0.2:5432/trestle?sslmode=disable",
                false,
            ),
            ("postgres://u:p@localhost/trestle", false),
            ("postgres://u:p@[::1]/trestle", false),
            ("postgres://u@%2Fvar%2Frun%2Fpostgresql/trestle", false),
            ("postgres:///trestle?host=/var/run/postgresql", false),
        ];
        for (url, warned) in cases {
            let options = PgConnectOptions::from_str(url).unwrap();
            assert_eq!(is_unverified_remote(&options), warned, "{url}");
        }
    }
}
