//! Reads of many messages' signatures or attestations in one query, for the steps that work
//! a batch at a time (the relayer's collect and submit passes, the validators' batch API).

use std::collections::BTreeMap;

use super::records::{AttestationRow, SignatureRow};
use super::{Pool, Store};
use crate::error::Result;
use crate::store::{AttestationRecord, SignatureRecord};

/// The most ids bound in one `IN (...)` list (SQLite allows 32,766 parameters; PostgreSQL
/// 65,535); longer lists are read in several queries.
const IDS_PER_QUERY: usize = 512;

/// `$first, $first+1, ..., $first+count-1`.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// The collected signatures of each of `message_ids` (every epoch), by message id,
    /// ascending by epoch then signer. Ids without signatures are absent.
    pub async fn signatures_many(
        &self,
        message_ids: &[[u8; 32]],
    ) -> Result<BTreeMap<[u8; 32], Vec<SignatureRecord>>> {
        let rows: Vec<SignatureRow> = self
            .rows_for_ids(
                "SELECT message_id, epoch, signer, signature FROM signatures",
                message_ids,
            )
            .await?;
        by_message(rows.into_iter().map(SignatureRow::into_record), |r| {
            r.message_id
        })
    }

    /// The attestations this validator signed for each of `message_ids` (one per epoch and
    /// signer), by message id, ascending by epoch then signer. Ids without attestations are
    /// absent.
    pub async fn attestations_many(
        &self,
        message_ids: &[[u8; 32]],
    ) -> Result<BTreeMap<[u8; 32], Vec<AttestationRecord>>> {
        let rows: Vec<AttestationRow> = self
            .rows_for_ids(
                "SELECT message_id, epoch, signer, origin, nonce, destination, signature \
                 FROM attestations",
                message_ids,
            )
            .await?;
        by_message(rows.into_iter().map(AttestationRow::into_record), |r| {
            r.message_id
        })
    }

    /// The rows of `select` (a `SELECT ... FROM table` of a table keyed by `message_id`,
    /// `epoch`, `signer`) for `message_ids`, [`IDS_PER_QUERY`] ids per query, ordered by
    /// message, epoch and signer.
    async fn rows_for_ids<R>(&self, select: &str, message_ids: &[[u8; 32]]) -> Result<Vec<R>>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        let mut out = Vec::new();
        for chunk in message_ids.chunks(IDS_PER_QUERY) {
            let sql = format!(
                "{select} WHERE message_id IN ({}) ORDER BY message_id, epoch, signer",
                placeholders(1, chunk.len())
            );
            let rows: Vec<R> = dispatch!(self, p => {
                let mut query = sqlx::query_as(&sql);
                for id in chunk {
                    query = query.bind(id.as_slice());
                }
                query.fetch_all(p).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }
}

/// Groups decoded rows by message id, keeping their order.
fn by_message<T>(
    records: impl Iterator<Item = Result<T>>,
    id: impl Fn(&T) -> [u8; 32],
) -> Result<BTreeMap<[u8; 32], Vec<T>>> {
    let mut out: BTreeMap<[u8; 32], Vec<T>> = BTreeMap::new();
    for record in records {
        let record = record?;
        out.entry(id(&record)).or_default().push(record);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn numbers_placeholders_from_first() {
        assert_eq!(placeholders(1, 3), "$1, $2, $3");
        assert_eq!(placeholders(4, 1), "$4");
    }
}
