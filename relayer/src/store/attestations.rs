//! The validator's attestations (with the one-message-per-nonce rule) and the signatures the
//! relayer collects.

use super::records::{self, AttestationRow, MessageRow, SignatureRow};
use super::{MESSAGE_COLUMNS, Pool, Store, i64_of, now_ms};
use crate::error::{Error, Result};
use crate::store::{
    AttestOutcome, AttestationRecord, MessageRecord, MessageState, SignatureRecord,
};

impl Store {
    /// Messages from `origin` to one of `destinations` for which `signer` has attested
    /// nothing at their `(origin, origin_bridge, nonce)` yet, lowest nonce first, skipping
    /// orphaned ones.
    pub async fn unattested(
        &self,
        origin: u32,
        origin_bridge: &[u8; 32],
        destinations: &[u32],
        signer: &[u8; 20],
        limit: u32,
    ) -> Result<Vec<MessageRecord>> {
        self.unattested_from(origin, origin_bridge, destinations, signer, 0, limit)
            .await
    }

    /// [`Store::unattested`] from nonce `from_nonce` up: the rows below it are not looked at
    /// (a validator that knows them attested spares itself scanning its whole history).
    pub async fn unattested_from(
        &self,
        origin: u32,
        origin_bridge: &[u8; 32],
        destinations: &[u32],
        signer: &[u8; 20],
        from_nonce: u64,
        limit: u32,
    ) -> Result<Vec<MessageRecord>> {
        if destinations.is_empty() {
            return Ok(Vec::new());
        }
        // Domains are integers, so they are inlined rather than bound (no injection).
        let list: Vec<String> = destinations.iter().map(u32::to_string).collect();
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.origin = $1 AND m.state <> $2 \
             AND m.nonce >= $3 AND m.destination IN ({}) \
             AND NOT EXISTS (SELECT 1 FROM attested_nonces a WHERE a.origin = m.origin \
             AND a.origin_bridge = $6 AND a.nonce = m.nonce AND a.signer = $4) \
             ORDER BY m.nonce LIMIT $5",
            list.join(", ")
        );
        let rows: Vec<MessageRow> = dispatch!(self, p => {
            sqlx::query_as(&sql)
                .bind(i64::from(origin))
                .bind(MessageState::Orphaned.as_str())
                .bind(i64_of(from_nonce, "nonce")?)
                .bind(signer.as_slice())
                .bind(i64::from(limit))
                .bind(origin_bridge.as_slice())
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(MessageRow::into_record).collect()
    }

    /// Messages from `origin` to `destination` that `signer` attested (under some epoch) but
    /// not under `epoch`, from nonce `from_nonce` up, lowest first, skipping orphaned ones: after
    /// a rotation that kept the signer, what it may sign again for the new epoch (the same
    /// message, so no equivocation).
    #[allow(
        clippy::too_many_arguments,
        reason = "the query's key (origin, origin bridge, destination, epoch, signer) and its page"
    )]
    pub async fn attested_before_epoch(
        &self,
        origin: u32,
        origin_bridge: &[u8; 32],
        destination: u32,
        epoch: u64,
        signer: &[u8; 20],
        from_nonce: u64,
        limit: u32,
    ) -> Result<Vec<MessageRecord>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.origin = $2 AND m.destination = $3 \
             AND m.state <> $4 AND m.nonce >= $5 \
             AND EXISTS (SELECT 1 FROM attested_nonces n WHERE n.origin = m.origin \
             AND n.origin_bridge = $8 AND n.nonce = m.nonce AND n.signer = $1 \
             AND n.message_id = m.id) \
             AND NOT EXISTS (SELECT 1 FROM attestations a WHERE a.message_id = m.id \
             AND a.epoch = $6 AND a.signer = $1) ORDER BY m.nonce LIMIT $7"
        );
        let rows: Vec<MessageRow> = dispatch!(self, p => {
            sqlx::query_as(&sql)
                .bind(signer.as_slice())
                .bind(i64::from(origin))
                .bind(i64::from(destination))
                .bind(MessageState::Orphaned.as_str())
                .bind(i64_of(from_nonce, "nonce")?)
                .bind(i64_of(epoch, "epoch")?)
                .bind(i64::from(limit))
                .bind(origin_bridge.as_slice())
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(MessageRow::into_record).collect()
    }

    /// The highest nonce from `origin` (its bridge `origin_bridge`) that `signer` has
    /// attested a message for, if any.
    pub async fn max_attested_nonce(
        &self,
        origin: u32,
        origin_bridge: &[u8; 32],
        signer: &[u8; 20],
    ) -> Result<Option<u64>> {
        // Walks the (origin, origin bridge, nonce, signer) key down from the top, rather than
        // MAX() over every row of the origin.
        let row: Option<(i64,)> = dispatch!(self, p => {
            sqlx::query_as(
                "SELECT nonce FROM attested_nonces WHERE origin = $1 AND origin_bridge = $3 \
                 AND signer = $2 ORDER BY nonce DESC LIMIT 1",
            )
            .bind(i64::from(origin))
            .bind(signer.as_slice())
            .bind(origin_bridge.as_slice())
            .fetch_optional(p)
            .await?
        });
        row.map(|(n,)| records::u64_of(n, "nonce")).transpose()
    }

    /// On a daemon that does not relay to `destinations`: moves the `pending` messages from
    /// `origin` (its bridge `origin_bridge`) to one of them that `signer` has attested to
    /// [`MessageState::Signed`], its validator's work on them done. Returns how many moved.
    /// Reads only `pending` rows (an index on state), so a pass costs what is left to sign.
    pub async fn mark_signed(
        &self,
        origin: u32,
        origin_bridge: &[u8; 32],
        destinations: &[u32],
        signer: &[u8; 20],
    ) -> Result<u64> {
        if destinations.is_empty() {
            return Ok(0);
        }
        // Domains are integers, so they are inlined rather than bound (no injection).
        let list: Vec<String> = destinations.iter().map(u32::to_string).collect();
        let sql = format!(
            "UPDATE messages SET state = $1, updated_at = $2 WHERE state = $3 AND origin = $4 \
             AND destination IN ({}) AND EXISTS (SELECT 1 FROM attested_nonces a \
             WHERE a.origin = messages.origin AND a.origin_bridge = $5 \
             AND a.nonce = messages.nonce AND a.signer = $6 AND a.message_id = messages.id)",
            list.join(", ")
        );
        let done = dispatch!(self, p => {
            sqlx::query(&sql)
                .bind(MessageState::Signed.as_str())
                .bind(now_ms())
                .bind(MessageState::Pending.as_str())
                .bind(i64::from(origin))
                .bind(origin_bridge.as_slice())
                .bind(signer.as_slice())
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(done)
    }

    /// Gives the messages to `destinations` that a validator-only run left
    /// [`MessageState::Signed`] back to the relayer (`pending`), as a daemon that relays to
    /// them starts. Returns how many.
    pub async fn unmark_signed(&self, destinations: &[u32]) -> Result<u64> {
        if destinations.is_empty() {
            return Ok(0);
        }
        let list: Vec<String> = destinations.iter().map(u32::to_string).collect();
        let sql = format!(
            "UPDATE messages SET state = $1, updated_at = $2 WHERE state = $3 \
             AND destination IN ({})",
            list.join(", ")
        );
        let done = dispatch!(self, p => {
            sqlx::query(&sql)
                .bind(MessageState::Pending.as_str())
                .bind(now_ms())
                .bind(MessageState::Signed.as_str())
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(done)
    }

    // ------------------------------------------------------------------ signatures

    /// Keeps a signature the relayer collected (idempotent).
    pub async fn add_signature(&self, record: &SignatureRecord) -> Result<()> {
        self.add_signatures(std::slice::from_ref(record)).await
    }

    /// [`Store::add_signature`] for several signatures in one database transaction (one
    /// commit; all or none).
    pub async fn add_signatures(&self, records: &[SignatureRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        dispatch!(self, p => {
            let mut tx = p.begin().await?;
            for record in records {
                let epoch = i64_of(record.epoch, "epoch")?;
                sqlx::query(
                    "INSERT INTO signatures (message_id, epoch, signer, signature, created_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (message_id, epoch, signer) DO NOTHING",
                )
                .bind(record.message_id.as_slice())
                .bind(epoch)
                .bind(record.signer.as_slice())
                .bind(record.signature.as_slice())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The signatures collected for a message under `epoch`, ascending by signer.
    pub async fn signatures(
        &self,
        message_id: &[u8; 32],
        epoch: u64,
    ) -> Result<Vec<SignatureRecord>> {
        let epoch = i64_of(epoch, "epoch")?;
        let rows: Vec<SignatureRow> = dispatch!(self, p => {
            sqlx::query_as(
                "SELECT message_id, epoch, signer, signature FROM signatures \
                 WHERE message_id = $1 AND epoch = $2 ORDER BY signer",
            )
            .bind(message_id.as_slice())
            .bind(epoch)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(SignatureRow::into_record).collect()
    }

    // ------------------------------------------------------------------ attestations

    /// Records the validator's attestation of a message from the origin bridge
    /// `origin_bridge`, refusing equivocation: the first message attested for
    /// `(origin, origin bridge, nonce)` by a signer is the only one it will ever attest for
    /// that key. Call this *before* publishing a signature; publish only on
    /// [`AttestOutcome::Stored`] or [`AttestOutcome::AlreadyStored`]. A refusal is
    /// [`Error::Equivocation`] and writes nothing.
    pub async fn attest(
        &self,
        origin_bridge: &[u8; 32],
        record: &AttestationRecord,
    ) -> Result<AttestOutcome> {
        let mut outcomes = self
            .attest_many(origin_bridge, std::slice::from_ref(record))
            .await?;
        outcomes.pop().ok_or_else(|| {
            Error::CorruptRow("attest_many returned no outcome for one attestation".into())
        })?
    }

    /// [`Store::attest`] for several attestations in one database transaction (one commit),
    /// each judged as `attest` would judge it alone, in order: against the rows stored before
    /// and against the earlier items of `records`. The outer error means the transaction
    /// failed and nothing was written; otherwise one outcome per record, in order, where a
    /// refused record is `Err(`[`Error::Equivocation`]`)` (or a nonce or epoch the database
    /// cannot hold), writes nothing, and does not affect the others.
    pub async fn attest_many(
        &self,
        origin_bridge: &[u8; 32],
        records: &[AttestationRecord],
    ) -> Result<Vec<Result<AttestOutcome>>> {
        let mut outcomes = Vec::with_capacity(records.len());
        if records.is_empty() {
            return Ok(outcomes);
        }
        let now = now_ms();
        dispatch!(self, p => {
            let mut tx = p.begin().await?;
            for record in records {
                let (nonce, epoch) =
                    match (i64_of(record.nonce, "nonce"), i64_of(record.epoch, "epoch")) {
                        (Ok(nonce), Ok(epoch)) => (nonce, epoch),
                        (Err(e), _) | (_, Err(e)) => {
                            outcomes.push(Err(e));
                            continue;
                        }
                    };
                let claimed = sqlx::query(
                    "INSERT INTO attested_nonces (origin, origin_bridge, nonce, signer, \
                     message_id, created_at) VALUES ($1, $6, $2, $3, $4, $5) \
                     ON CONFLICT (origin, origin_bridge, nonce, signer) DO NOTHING",
                )
                .bind(i64::from(record.origin))
                .bind(nonce)
                .bind(record.signer.as_slice())
                .bind(record.message_id.as_slice())
                .bind(now)
                .bind(origin_bridge.as_slice())
                .execute(&mut *tx)
                .await?;
                if claimed.rows_affected() == 0 {
                    // The signer attested something for this (origin, origin bridge, nonce)
                    // before: only the same message may be attested again (another epoch).
                    let (signed,): (Vec<u8>,) = sqlx::query_as(
                        "SELECT message_id FROM attested_nonces \
                         WHERE origin = $1 AND origin_bridge = $4 AND nonce = $2 AND signer = $3",
                    )
                    .bind(i64::from(record.origin))
                    .bind(nonce)
                    .bind(record.signer.as_slice())
                    .bind(origin_bridge.as_slice())
                    .fetch_one(&mut *tx)
                    .await?;
                    if signed.as_slice() != record.message_id.as_slice() {
                        outcomes.push(Err(Error::Equivocation {
                            origin: record.origin,
                            nonce: record.nonce,
                            signed: hex::encode(signed),
                            new: hex::encode(record.message_id),
                        }));
                        continue;
                    }
                }
                let done = sqlx::query(
                    "INSERT INTO attestations (message_id, epoch, signer, origin, nonce, \
                     destination, signature, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (message_id, epoch, signer) DO NOTHING",
                )
                .bind(record.message_id.as_slice())
                .bind(epoch)
                .bind(record.signer.as_slice())
                .bind(i64::from(record.origin))
                .bind(nonce)
                .bind(i64::from(record.destination))
                .bind(record.signature.as_slice())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                outcomes.push(Ok(if done.rows_affected() == 0 {
                    AttestOutcome::AlreadyStored
                } else {
                    AttestOutcome::Stored
                }));
            }
            tx.commit().await?;
        });
        Ok(outcomes)
    }

    /// The attestations this validator signed for a message (one per epoch and signer).
    pub async fn attestations(&self, message_id: &[u8; 32]) -> Result<Vec<AttestationRecord>> {
        let rows: Vec<AttestationRow> = dispatch!(self, p => {
            sqlx::query_as(
                "SELECT message_id, epoch, signer, origin, nonce, destination, signature \
                 FROM attestations WHERE message_id = $1 ORDER BY epoch, signer",
            )
            .bind(message_id.as_slice())
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(AttestationRow::into_record).collect()
    }

    /// How many attestations this store holds.
    pub async fn attestation_count(&self) -> Result<u64> {
        let (n,): (i64,) = dispatch!(self, p => {
            sqlx::query_as("SELECT COUNT(*) FROM attestations").fetch_one(p).await?
        });
        records::u64_of(n, "count")
    }
}
