//! The HTTP API: validator attestations, a read-only status API of messages, health and
//! readiness probes, and Prometheus metrics.
//!
//! - `GET /v1/attestations/{message_id}`: the attestations this validator signed for a
//!   message (404 when none);
//! - `POST /v1/attestations` with `{"ids": ["0x..", ...]}` (at most [`MAX_BATCH_IDS`]): the
//!   attestations of several messages in one request, `{"messages": [...]}` holding one
//!   `GET` body per message that has any (the relayer's collect step asks this way);
//! - `GET /v1/messages/{id}` and
//!   `GET /v1/messages?state=&sender=&origin=&destination=&limit=&after=`: a page of at most
//!   `limit` (100, at most 1,000), `next` in the answer the `after` of the next page;
//! - `GET /healthz` (the process runs), `GET /readyz` (the chains are connected, every
//!   indexer read its chain successfully within its bound, [`crate::metrics::stale_after`],
//!   and the store answers);
//! - `GET /metrics`: Prometheus text format.
//!
//! A validator may serve the attestation routes on a listener of their own
//! (`api.public_listen`, [`public_router`]: body limit, timeout, load shedding, a rate limit
//! per client), and keep the rest on the operator's (`api.listen`, loopback unless a bearer
//! token guards it, [`router`]). Both listeners are served by [`serve()`] within their
//! [`Limits`]: a header-read timeout, a cap on connections and (public listener) on one
//! peer's connections, a deadline for the client to read each answer, a lifetime per
//! connection. A peer, for the connection cap and the rate limit alike, is an IPv4 address or
//! an IPv6 /64.

mod peer;
mod rate_limit;
mod serve;

pub use rate_limit::{RateLimit, RateLimiter};
pub use serve::{Limits, OPERATOR_LIMITS, PUBLIC_LIMITS, serve};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use trestle_bridge_client::api::wire::{
    ApiError, AttestationItem, AttestationsBatch, AttestationsQuery, AttestationsResponse,
    MAX_BATCH_IDS, MessageList, hex0x,
};

use crate::metrics::Metrics;
use crate::store::{AttestationRecord, ListCursor, ListFilter, MessageRecord, MessageState, Store};

/// Connections of the API's own read-only pool ([`Store::connect_reader`]): the daemon's
/// roles keep theirs whatever the API is asked.
pub const API_STORE_CONNECTIONS: u32 = 2;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// The store (the daemon gives the API a read-only pool of its own,
    /// [`API_STORE_CONNECTIONS`]).
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

/// The largest request body the public listener reads: a batch of [`MAX_BATCH_IDS`] ids
/// (68 characters each) with room to spare.
pub const PUBLIC_BODY_LIMIT: usize = 128 * 1024;

/// How long a request to the public listener may take before it is answered 503.
pub const PUBLIC_TIMEOUT: Duration = Duration::from_secs(5);

/// Requests the public listener works on at once; one more is answered 503 at once rather
/// than queued (a flood sheds load instead of growing memory and latency for everyone).
pub const PUBLIC_IN_FLIGHT: usize = 64;

/// The bearer token the operator's routes require, from the environment variable
/// `api.token_env`: never logged, zeroized when dropped.
#[derive(Clone)]
pub struct OperatorToken(Arc<zeroize::Zeroizing<String>>);

impl OperatorToken {
    /// The token; an error when it is shorter than 16 characters.
    pub fn new(token: String) -> Result<Self, String> {
        // Surrounding whitespace (a trailing newline from a secrets file) is not part of it.
        let token = zeroize::Zeroizing::new(token.trim().to_owned());
        if token.chars().count() < 16 {
            return Err("the operator API token must be at least 16 characters".into());
        }
        Ok(Self(Arc::new(token)))
    }

    /// Whether an `Authorization` header value carries the token (compared in constant
    /// time for a given length).
    fn admits(&self, header: Option<&str>) -> bool {
        let Some(given) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
            return false;
        };
        let expected = self.0.as_bytes();
        given.len() == expected.len()
            && given
                .bytes()
                .zip(expected)
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }
}

impl std::fmt::Debug for OperatorToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OperatorToken(<redacted>)")
    }
}

/// The attestation routes, public on a validator, with the public listener's limits: each
/// client at most `rate` ([`RateLimiter`], 429 past it; a request without the peer's address,
/// which [`serve()`] always adds, is not counted), each request's body at most
/// [`PUBLIC_BODY_LIMIT`], answered within [`PUBLIC_TIMEOUT`], at most [`PUBLIC_IN_FLIGHT`] at
/// once (wherever they are served).
fn attestation_routes(rate: RateLimit) -> Router<ApiState> {
    let in_flight = Arc::new(tokio::sync::Semaphore::new(PUBLIC_IN_FLIGHT));
    let limiter = Arc::new(RateLimiter::new(rate));
    Router::new()
        .route("/v1/attestations", post(attestations_batch))
        .route("/v1/attestations/{id}", get(attestations))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let permit = in_flight.clone().try_acquire_owned();
            async move {
                let Ok(_permit) = permit else {
                    return error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "busy: too many requests in flight; try again",
                    );
                };
                match tokio::time::timeout(PUBLIC_TIMEOUT, next.run(request)).await {
                    Ok(response) => response,
                    Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "timed out"),
                }
            }
        }))
        .layer(DefaultBodyLimit::max(PUBLIC_BODY_LIMIT))
        // Outermost: a refused request takes no in-flight slot and reads no body.
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let admitted = match request.extensions().get::<ConnectInfo<SocketAddr>>() {
                Some(ConnectInfo(peer)) => limiter.admit(peer.ip(), Instant::now()),
                None => Ok(()),
            };
            async move {
                match admitted {
                    Ok(()) => next.run(request).await,
                    Err(wait) => too_many_requests(wait),
                }
            }
        }))
}

/// 429 with `Retry-After` (whole seconds, at least 1).
fn too_many_requests(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = error(
        StatusCode::TOO_MANY_REQUESTS,
        "too many requests from this address; try again later",
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(seconds.max(1)),
    );
    response
}

/// The operator's router: probes, metrics and the status API (behind `token` when one is
/// set; the probes never are), and the attestation routes with their limits (`attestations`
/// the rate limit per client) when they have no public listener of their own.
pub fn router(
    state: ApiState,
    attestations: Option<RateLimit>,
    token: Option<OperatorToken>,
) -> Router {
    let mut operator = Router::new()
        .route("/metrics", get(metrics))
        .route("/v1/messages/{id}", get(message))
        .route("/v1/messages", get(messages));
    if let Some(token) = token {
        operator = operator.layer(middleware::from_fn(move |request: Request, next: Next| {
            let token = token.clone();
            async move {
                let header = request
                    .headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok());
                if token.admits(header) {
                    next.run(request).await
                } else {
                    error(
                        StatusCode::UNAUTHORIZED,
                        "this route needs the operator's bearer token (Authorization: Bearer ...)",
                    )
                }
            }
        }));
    }
    // The probes stay outside every limit: a flood of attestation requests must not make a
    // liveness probe fail (and a supervisor restart the daemon).
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(operator);
    if let Some(rate) = attestations {
        app = app.merge(attestation_routes(rate));
    }
    app.with_state(state)
}

/// A validator's public router: the attestation routes, with their limits
/// ([`attestation_routes`]; `rate` per client), and `/healthz` outside them.
pub fn public_router(state: ApiState, rate: RateLimit) -> Router {
    attestation_routes(rate)
        .route("/healthz", get(healthz))
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
    let stale = state.metrics.stale_indexers();
    if !stale.is_empty() {
        let chains: Vec<String> = stale
            .iter()
            .map(|s| {
                format!(
                    "{}: no successful read for {:.1} s (bound {:.1} s)",
                    s.chain,
                    s.age.as_secs_f64(),
                    s.bound.as_secs_f64()
                )
            })
            .collect();
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("indexer behind its chain's RPC: {}", chains.join("; ")),
        );
    }
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        // The detail (a driver's error may name the database's host, user or file) is the
        // operator's, in the log; a client learns only that the store does not answer.
        Err(e) => store_failed(&e),
    }
}

/// What the API answers (503) when the store fails a request: the error itself is logged.
pub const STORE_UNAVAILABLE: &str = "store unavailable";

/// The answer to a request the store failed: 503 [`STORE_UNAVAILABLE`], the error logged.
fn store_failed(e: &crate::error::Error) -> Response {
    tracing::warn!(error = %e, "API request: the store failed");
    error(StatusCode::SERVICE_UNAVAILABLE, STORE_UNAVAILABLE)
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
        Err(e) => store_failed(&e),
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
        Err(e) => store_failed(&e),
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
        Err(e) => store_failed(&e),
    }
}

/// The answer to a `?state=` that names no state: what was asked and every valid name.
fn unknown_state(name: &str) -> String {
    let valid: Vec<&str> = MessageState::ALL.iter().map(|s| s.as_str()).collect();
    // The name is the client's own text: quoted as JSON would (no control characters).
    format!(
        "unknown state {:?}; valid states: {}",
        name.chars().take(64).collect::<String>(),
        valid.join(", ")
    )
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
    /// The `next` of the previous page.
    after: Option<String>,
}

async fn messages(State(state): State<ApiState>, Query(q): Query<MessagesQuery>) -> Response {
    let message_state = match q.state.as_deref() {
        None => None,
        Some(name) => match MessageState::ALL.into_iter().find(|s| s.as_str() == name) {
            Some(s) => Some(s),
            None => return error(StatusCode::BAD_REQUEST, unknown_state(name)),
        },
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
    let after = match q.after.as_deref().map(ListCursor::parse) {
        None => None,
        Some(Some(cursor)) => Some(cursor),
        Some(None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "`after` is not a cursor: pass the `next` of the previous page",
            );
        }
    };
    let filter = ListFilter {
        state: message_state,
        sender,
        origin: q.origin,
        destination: q.destination,
        limit: q.limit,
    };
    match state.store.list_page(&filter, after.as_ref()).await {
        Ok(page) => Json(MessageList {
            messages: page.messages.iter().map(MessageRecord::view).collect(),
            next: page.next.map(|c| c.to_string()),
        })
        .into_response(),
        Err(e) => store_failed(&e),
    }
}
