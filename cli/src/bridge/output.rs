//! What `trestle bridge` prints with `--json`: one object per sent message and per status.

use serde_json::{Value, json};
use trestle_bridge_client::{SentMessage, Stage, StatusSource, TransferStatus};

/// A sent message: its id, nonce, domains, parties, origin transaction and encoding.
pub fn sent_json(sent: &SentMessage, from: &str, to: &str) -> Value {
    json!({
        "id": sent.id_hex(),
        "nonce": sent.nonce(),
        "from": from,
        "to": to,
        "origin": sent.message.origin,
        "destination": sent.message.destination,
        "sender": format!("0x{}", hex::encode(sent.message.sender.0)),
        "recipient": format!("0x{}", hex::encode(sent.message.recipient.0)),
        "origin_tx": sent.origin_tx.to_string(),
        "origin_height": sent.origin_height,
        "message": format!("0x{}", hex::encode(sent.encoded())),
    })
}

/// A status as a person reads it: the id and the stage, and on a line of its own the
/// relayer's last error while the message is still on its way (`ready`, `submitted`,
/// `queued`, ...: the attempts that failed, with the bridge's errors in words), unless the
/// stage says it already (`failed: ...`, `underpaid, ...: ...`).
pub fn status_text(s: &TransferStatus) -> String {
    let mut text = format!("{} {}", s.id_hex(), s.stage);
    let shown = matches!(
        s.stage,
        Stage::Failed { reason: Some(_) } | Stage::Underpaid { reason: Some(_) }
    );
    let settled = matches!(s.stage, Stage::Delivered | Stage::Cancelled);
    if let Some(error) = s.last_error.as_deref().filter(|_| !shown && !settled) {
        text.push_str(&format!("\nlast error: {error}"));
    }
    text
}

/// A status: `stage` (machine name), `detail` (words), `source`, the known facts, and the
/// stage's own fields (`signatures`/`threshold`, `release_at`, `tx`).
pub fn status_json(s: &TransferStatus) -> Value {
    let mut v = json!({
        "id": s.id_hex(),
        "stage": s.stage.name(),
        "detail": s.stage.to_string(),
        "source": match s.source {
            StatusSource::Relayer => "relayer",
            StatusSource::Destination => "destination",
        },
        "origin": s.origin,
        "destination": s.destination,
        "nonce": s.nonce,
        "last_error": s.last_error,
    });
    if let Some(obj) = v.as_object_mut() {
        match &s.stage {
            Stage::Attesting {
                signatures,
                threshold,
            } => {
                obj.insert("signatures".into(), json!(signatures));
                obj.insert("threshold".into(), json!(threshold));
            }
            Stage::Queued { release_at } => {
                obj.insert("release_at".into(), json!(release_at));
            }
            Stage::Submitted { tx } => {
                obj.insert("tx".into(), json!(tx));
            }
            _ => {}
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use trestle_bridge_client::TransferStatus;

    use super::*;

    #[test]
    fn plain_status_shows_the_last_error_while_on_the_way() {
        let mut s = TransferStatus::unknown([7; 32], StatusSource::Relayer);
        s.stage = Stage::Ready;
        s.last_error = Some("Paused: the bridge is paused".into());
        let id = format!("0x{}", "07".repeat(32));
        assert_eq!(
            status_text(&s),
            format!(
                "{id} attested, waiting for submission\nlast error: Paused: the bridge is paused"
            )
        );
        s.stage = Stage::Delivered;
        assert_eq!(status_text(&s), format!("{id} delivered"));
        s.stage = Stage::Failed {
            reason: s.last_error.clone(),
        };
        assert_eq!(
            status_text(&s),
            format!("{id} failed: Paused: the bridge is paused")
        );
    }
}
