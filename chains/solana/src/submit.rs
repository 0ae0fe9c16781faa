//! Sending signed transactions and following them: the [`Submitter`] implementation.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::Response;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, TransactionConfirmationStatus, TransactionStatus,
};
use trestle_core::chain::{Submitter, TxId, TxStatus};
use trestle_core::solana::Transaction;

use crate::client::SolanaClient;
use crate::config::Commitment;
use crate::error::{self, Error, Result};

/// Where a transaction stands, with the commitment it has reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Unknown to the node (not landed, dropped, or expired).
    NotFound,
    /// Landed in `slot` and succeeded, at `commitment`.
    Landed { slot: u64, commitment: Commitment },
    /// Landed in `slot` and failed with `error`.
    Failed { slot: u64, error: String },
}

impl SolanaClient {
    /// Sends wire bytes (base64) and returns the signature the node reports. With
    /// `skip_preflight = false` the node simulates first and a failure comes back as
    /// [`Error::TransactionRejected`] with the program logs. `max_retries = Some(0)` stops the
    /// node from rebroadcasting on its own (the landing loop resends itself).
    pub(crate) async fn send_wire(
        &self,
        wire: &[u8],
        skip_preflight: bool,
        max_retries: Option<usize>,
    ) -> Result<[u8; 64]> {
        let mut config = json!({
            "encoding": "base64",
            "skipPreflight": skip_preflight,
            "preflightCommitment": self.simulation_commitment().as_str(),
        });
        if let (Some(n), Some(map)) = (max_retries, config.as_object_mut()) {
            map.insert("maxRetries".into(), json!(n));
        }
        let signature: String = self
            .call(
                RpcRequest::SendTransaction,
                json!([BASE64.encode(wire), config]),
            )
            .await?;
        self.decode_signature(&signature)
    }

    /// The status of `signature` (searching the node's history).
    pub(crate) async fn seen(&self, signature: &[u8; 64]) -> Result<Seen> {
        let answer: Response<Vec<Option<TransactionStatus>>> = self
            .call(
                RpcRequest::GetSignatureStatuses,
                json!([[bs58::encode(signature).into_string()], {
                    "searchTransactionHistory": true
                }]),
            )
            .await?;
        let Some(status) = answer.value.into_iter().next().flatten() else {
            return Ok(Seen::NotFound);
        };
        if let Some(err) = status.err {
            return Ok(Seen::Failed {
                slot: status.slot,
                error: err.to_string(),
            });
        }
        let commitment = match (status.confirmation_status, status.confirmations) {
            (Some(TransactionConfirmationStatus::Finalized), _) | (None, None) => {
                Commitment::Finalized
            }
            (Some(TransactionConfirmationStatus::Confirmed), _) => Commitment::Confirmed,
            (Some(TransactionConfirmationStatus::Processed), _) | (None, Some(_)) => {
                Commitment::Processed
            }
        };
        Ok(Seen::Landed {
            slot: status.slot,
            commitment,
        })
    }

    /// The log messages of a landed transaction (empty when the node has none).
    pub async fn transaction_logs(&self, signature: &[u8; 64]) -> Result<Vec<String>> {
        let tx: Option<EncodedConfirmedTransactionWithStatusMeta> = self
            .call(
                RpcRequest::GetTransaction,
                json!([bs58::encode(signature).into_string(), {
                    "encoding": "base64",
                    "commitment": "confirmed",
                    "maxSupportedTransactionVersion": 0,
                }]),
            )
            .await?;
        Ok(tx
            .and_then(|tx| tx.transaction.meta)
            .and_then(|meta| Option::<Vec<String>>::from(meta.log_messages))
            .unwrap_or_default())
    }

    /// The fee in lamports the fee payer of the landed transaction `id` paid (`meta.fee` of
    /// `getTransaction` at `confirmed`: signatures and priority fee, not rent), `None` when
    /// the node does not have it (yet) or did not say.
    pub async fn transaction_fee(&self, id: &TxId) -> Result<Option<u64>> {
        let tx: Option<EncodedConfirmedTransactionWithStatusMeta> = self
            .call(
                RpcRequest::GetTransaction,
                json!([id.to_string(), {
                    "encoding": "base64",
                    "commitment": "confirmed",
                    "maxSupportedTransactionVersion": 0,
                }]),
            )
            .await?;
        Ok(tx.and_then(|tx| tx.transaction.meta).map(|meta| meta.fee))
    }

    /// A [`Error::TransactionFailed`] for `signature` with `error` and its program logs.
    pub(crate) async fn failure(&self, signature: &[u8; 64], error: &str) -> Error {
        let mut reason = error.to_owned();
        match self.transaction_logs(signature).await {
            Ok(logs) => error::append_logs(&mut reason, &logs),
            Err(e) => reason.push_str(&format!(" (program logs unavailable: {e})")),
        }
        Error::TransactionFailed {
            tx: bs58::encode(signature).into_string(),
            reason,
        }
    }

    /// Polls until `id` reaches `commitment`, failing with [`Error::TransactionFailed`] (with
    /// logs) if it fails and [`Error::Timeout`] after `timeout`.
    pub async fn wait_for(
        &self,
        id: &TxId,
        commitment: Commitment,
        timeout: Duration,
    ) -> Result<TxStatus> {
        let signature = solana_signature(id)?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.seen(&signature).await? {
                Seen::Landed {
                    slot,
                    commitment: reached,
                } if reached >= commitment => {
                    return Ok(if reached == Commitment::Finalized {
                        TxStatus::Finalized { height: slot }
                    } else {
                        TxStatus::Included { height: slot }
                    });
                }
                Seen::Failed { error, .. } => return Err(self.failure(&signature, &error).await),
                Seen::Landed { .. } | Seen::NotFound => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: format!("transaction {id} to reach {commitment} commitment"),
                    after: timeout,
                });
            }
            tokio::time::sleep(self.config.landing.poll_interval).await;
        }
    }
}

/// The Solana signature inside a [`TxId`]; refuses an EVM transaction hash.
pub(crate) fn solana_signature(id: &TxId) -> Result<[u8; 64]> {
    match id {
        TxId::Solana(signature) => Ok(*signature),
        TxId::Evm(_) => Err(Error::InvalidTransaction {
            field: "tx_id".into(),
            reason: format!("{id} is an EVM transaction hash, not a Solana signature"),
        }),
    }
}

#[async_trait]
impl Submitter for SolanaClient {
    /// Sends a signed transaction (wire bytes) with preflight simulation. Refuses bytes that
    /// are not a transaction before sending; a simulation failure is
    /// [`Error::TransactionRejected`] with the program logs.
    async fn submit_raw(&self, raw: &[u8]) -> Result<TxId> {
        let tx = Transaction::deserialize(raw)?;
        let expected = tx.signature().copied().ok_or_else(|| {
            Error::InvalidSolanaMessage("the transaction has no signatures".into())
        })?;
        let signature = self.send_wire(raw, false, None).await?;
        if signature != expected {
            return Err(error::malformed(
                self.endpoint(),
                "sendTransaction answered with a signature that is not the transaction's",
            ));
        }
        tracing::debug!(signature = %bs58::encode(signature).into_string(), "submitted");
        Ok(TxId::Solana(signature))
    }

    async fn status(&self, id: &TxId) -> Result<TxStatus> {
        let signature = solana_signature(id)?;
        Ok(match self.seen(&signature).await? {
            Seen::NotFound => TxStatus::Pending,
            Seen::Failed { slot, error } => TxStatus::Failed {
                height: slot,
                reason: error,
            },
            Seen::Landed {
                slot,
                commitment: Commitment::Finalized,
            } => TxStatus::Finalized { height: slot },
            Seen::Landed { slot, .. } => TxStatus::Included { height: slot },
        })
    }

    async fn wait(&self, id: &TxId, until_final: bool, timeout: Duration) -> Result<TxStatus> {
        let commitment = if until_final {
            Commitment::Finalized
        } else {
            self.config.commitments.inclusion
        };
        self.wait_for(id, commitment, timeout).await
    }
}
