//! The HTTP API: validator attestations, a read-only status API of messages, health and
//! readiness probes, and Prometheus metrics.
//!
//! - `GET /v1/attestations/{message_id}`: the attestations this validator signed for a
//!   message (404 when none);
//! - `POST /v1/attestations` with `{"ids": ["0x..", ...]}` (at most [`MAX_BATCH_IDS`]): the
//!   attestations of several messages in one request, `{"messages": [...]}` holding one
//!   `GET` body per message that has any (the relayer's collect step asks this way);
//! - `GET /v1/messages/{id}` and `GET /v1/messages?state=&sender=&origin=&destination=&limit=`;
//! - `GET /healthz` (the process runs), `GET /readyz` (the chains are connected and the store
//!   answers);
//! - `GET /metrics`: Prometheus text format.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use trestle_bridge_client::api::wire::{
    ApiError, AttestationItem, AttestationsBatch, AttestationsQuery, AttestationsResponse,
    MAX_BATCH_IDS, MessageList, hex0x,
};

use crate::metrics::Metrics;
use crate::store::{AttestationRecord, ListFilter, MessageRecord, MessageState, Store};

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// The store.
    pub store: Store,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// Whether the daemon has connected its chains and started its roles (`/readyz` fails
    /// until then).
    pub ready: Arc<std::sync::atomic::AtomicBool>,
}

fn attestation_item(a: &AttestationRecord) -> AttestationItem {
    AttestationItem {
        epoch: a.epoch,
        signer: hex0x(a.signer),
        signature: hex0x(a.signature),
    }
}

/// The router.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/attestations", post(attestations_batch))
        .route("/v1/attestations/{id}", get(attestations))
        .route("/v1/messages/{id}", get(message))
        .route("/v1/messages", get(messages))
        .with_state(state)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = ApiError {
        error: message.into(),
    };
    (status, Json(body)).into_response()
}

fn parse_hex<const N: usize>(text: &str, what: &str) -> Result<[u8; N], Box<Response>> {
    let bad = |reason: String| Box::new(error(StatusCode::BAD_REQUEST, reason));
    let bytes = hex::decode(text.strip_prefix("0x").unwrap_or(text))
        .map_err(|_| bad(format!("{what} is not hex")))?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| bad(format!("{what} is not {N} bytes")))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<ApiState>) -> Response {
    if !state.ready.load(std::sync::atomic::Ordering::Acquire) {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "starting: waiting for the chains' RPC endpoints",
        );
    }
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

async fn metrics(State(state): State<ApiState>) -> Response {
    let body = state.metrics.render(&state.store).await;
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

async fn attestations(State(state): State<ApiState>, Path(id): Path<String>) -> Response {
    let id: [u8; 32] = match parse_hex(&id, "message id") {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match state.store.attestations(&id).await {
        Ok(list) if list.is_empty() => {
            error(StatusCode::NOT_FOUND, "no attestation for this message")
        }
        Ok(list) => Json(AttestationsResponse {
            message_id: hex0x(id),
            attestations: list.iter().map(attestation_item).collect(),
        })
        .into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

async fn attestations_batch(
    State(state): State<ApiState>,
    Json(query): Json<AttestationsQuery>,
) -> Response {
    if query.ids.len() > MAX_BATCH_IDS {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "{} ids asked; at most {MAX_BATCH_IDS} per request",
                query.ids.len()
            ),
        );
    }
    let mut ids: Vec<[u8; 32]> = Vec::with_capacity(query.ids.len());
    for (index, text) in query.ids.iter().enumerate() {
        match parse_hex(text, &format!("ids[{index}]")) {
            Ok(id) => ids.push(id),
            Err(r) => return *r,
        }
    }
    match state.store.attestations_many(&ids).await {
        Ok(found) => {
            let messages = ids
                .iter()
                .filter_map(|id| {
                    found.get(id).map(|list| AttestationsResponse {
                        message_id: hex0x(id),
                        attestations: list.iter().map(attestation_item).collect(),
                    })
                })
                .collect();
            Json(AttestationsBatch { messages }).into_response()
        }
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

async fn message(State(state): State<ApiState>, Path(id): Path<String>) -> Response {
    let id: [u8; 32] = match parse_hex(&id, "message id") {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match state.store.message(&id).await {
        Ok(Some(m)) => Json(m.view()).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such message"),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

/// Query of `GET /v1/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessagesQuery {
    state: Option<String>,
    sender: Option<String>,
    origin: Option<u32>,
    destination: Option<u32>,
    limit: Option<u32>,
}

async fn messages(State(state): State<ApiState>, Query(q): Query<MessagesQuery>) -> Response {
    let message_state = match q.state.as_deref().map(MessageState::parse).transpose() {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let sender = match q.sender.as_deref() {
        None => None,
        Some(s) => {
            let text = s.strip_prefix("0x").unwrap_or(s);
            if text.len() == 40 {
                match parse_hex::<20>(s, "sender") {
                    Ok(a) => {
                        let mut out = [0u8; 32];
                        if let Some(tail) = out.get_mut(12..) {
                            tail.copy_from_slice(&a);
                        }
                        Some(out)
                    }
                    Err(r) => return *r,
                }
            } else {
                match parse_hex::<32>(s, "sender") {
                    Ok(a) => Some(a),
                    Err(r) => return *r,
                }
            }
        }
    };
    let filter = ListFilter {
        state: message_state,
        sender,
        origin: q.origin,
        destination: q.destination,
        limit: q.limit,
    };
    match state.store.list(&filter).await {
        Ok(list) => Json(MessageList {
            messages: list.iter().map(MessageRecord::view).collect(),
        })
        .into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}
