//! One running relayer per key on a shared store. Two instances sending with one key collide
//! on its nonces (each replaces the other's transactions) and neither can tell whose claims
//! are stale; so a relayer names itself after its key in its claims and, on PostgreSQL,
//! holds an advisory lock on that name for as long as it runs. A second instance with the
//! same key is refused at start; a restart after a crash or SIGKILL (whose connection, and
//! lock, died with it) takes its own stale claims back at once instead of waiting out their
//! lease.

use super::{Pool, Store};
use crate::error::{Error, Result};

/// Held for as long as the daemon runs: dropping it closes its connection, which releases
/// the lock.
#[derive(Debug)]
pub struct InstanceLock {
    connection: sqlx::PgConnection,
}

impl InstanceLock {
    /// Whether the lock is still held: its connection answers (a server restart, an idle
    /// timeout or a terminated backend ends the connection, and the lock with it).
    pub async fn held(&mut self) -> bool {
        let ping = sqlx::query_as::<_, (i32,)>("SELECT 1").fetch_one(&mut self.connection);
        matches!(
            tokio::time::timeout(std::time::Duration::from_secs(5), ping).await,
            Ok(Ok((1,)))
        )
    }
}

/// The advisory lock key of `identity`: the first 8 bytes of its FNV-1a hash (stable across
/// builds and machines, which is all a lock key needs).
fn lock_key(identity: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in b"trestle-relayer-instance:"
        .iter()
        .chain(identity.as_bytes())
    {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_be_bytes(hash.to_be_bytes())
}

impl Store {
    /// Takes the lock that makes this process the only relayer named `identity` on this store
    /// (PostgreSQL; `None` for SQLite, which one daemon alone opens). Refused while another
    /// process holds it.
    pub async fn lock_instance(&self, identity: &str) -> Result<Option<InstanceLock>> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(None);
        };
        let mut connection = pool.acquire().await?.detach();
        let (locked,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
            .bind(lock_key(identity))
            .fetch_one(&mut connection)
            .await?;
        if !locked {
            return Err(Error::InstanceRunning(identity.to_owned()));
        }
        Ok(Some(InstanceLock { connection }))
    }

    /// Releases the claims whose holder's name starts with `prefix` (this instance's, left
    /// by an earlier run of it) and returns how many there were.
    pub async fn release_claims_of(&self, prefix: &str) -> Result<u64> {
        let length = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
        let released = dispatch!(self, p => {
            sqlx::query(
                "UPDATE messages SET claimed_by = NULL, claimed_until = NULL \
                 WHERE claimed_by IS NOT NULL AND substr(claimed_by, 1, $2) = $1",
            )
            .bind(prefix)
            .bind(length)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(released)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lock_keys_are_stable_and_differ_by_identity() {
        let a = super::lock_key("relayer-0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
        assert_eq!(
            a,
            super::lock_key("relayer-0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")
        );
        assert_ne!(
            a,
            super::lock_key("relayer-0x90F79bf6EB2c4f870365E785982E1f101E93b906")
        );
    }
}
