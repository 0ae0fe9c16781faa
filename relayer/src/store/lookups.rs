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
        let mut out: BTreeMap<[u8; 32], Vec<SignatureRecord>> = BTreeMap::new();
        for chunk in message_ids.chunks(IDS_PER_QUERY) {
            let sql = format!(
                "SELECT message_id, epoch, signer, signature FROM signatures \
                 WHERE message_id IN ({}) ORDER BY message_id, epoch, signer",
                placeholders(1, chunk.len())
            );
            let rows: Vec<SignatureRow> = dispatch!(self, p => {
                let mut query = sqlx::query_as(&sql);
                for id in chunk {
                    query = query.bind(id.as_slice());
                }
                query.fetch_all(p).await?
            });
            for row in rows {
                let record = row.into_record()?;
                out.entry(record.message_id).or_default().push(record);
            }
        }
        Ok(out)
    }

    /// The attestations this validator signed for each of `message_ids` (one per epoch and
    /// signer), by message id, ascending by epoch then signer. Ids without attestations are
    /// absent.
    pub async fn attestations_many(
        &self,
        message_ids: &[[u8; 32]],
    ) -> Result<BTreeMap<[u8; 32], Vec<AttestationRecord>>> {
        let mut out: BTreeMap<[u8; 32], Vec<AttestationRecord>> = BTreeMap::new();
        for chunk in message_ids.chunks(IDS_PER_QUERY) {
            let sql = format!(
                "SELECT message_id, epoch, signer, origin, nonce, destination, signature \
                 FROM attestations WHERE message_id IN ({}) ORDER BY message_id, epoch, signer",
                placeholders(1, chunk.len())
            );
            let rows: Vec<AttestationRow> = dispatch!(self, p => {
                let mut query = sqlx::query_as(&sql);
                for id in chunk {
                    query = query.bind(id.as_slice());
                }
                query.fetch_all(p).await?
            });
            for row in rows {
                let record = row.into_record()?;
                out.entry(record.message_id).or_default().push(record);
            }
        }
        Ok(out)
    }
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
