//! Serving a router on a TCP listener with the limits of a server anyone can reach: a client
//! has [`Limits::header_read_timeout`] to send each request's head (a slowloris connection,
//! and a kept-alive connection left idle, are closed when it runs out), at most
//! [`Limits::max_connections`] connections are served at once (one more is accepted and
//! closed at once, so a flood of idle sockets costs the daemon neither memory nor tasks), and
//! shutdown waits at most [`Limits::shutdown_grace`] for the connections it drains.
//!
//! `axum::serve` (0.8) sets none of these: its hyper connections have no timer, so no header
//! timeout, and it accepts without bound. This is its loop with them: HTTP/1.1 only (the
//! daemon's axum has no HTTP/2), the peer's address in every request as
//! [`ConnectInfo<SocketAddr>`] (the public listener's rate limit reads it).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

/// The limits of one listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; past it a new connection is closed as soon as it is
    /// accepted.
    pub max_connections: usize,
    /// How long a client has to send the head of a request (request line and headers),
    /// counted from when the server starts waiting for it: on a new connection, and after
    /// each answer on a kept-alive one (so also how long an idle connection stays open).
    pub header_read_timeout: Duration,
    /// How long shutdown waits for open connections to finish their requests before it drops
    /// them.
    pub shutdown_grace: Duration,
}

/// The public attestation listener's limits: 5 s for a request head, 256 connections.
pub const PUBLIC_LIMITS: Limits = Limits {
    max_connections: 256,
    header_read_timeout: Duration::from_secs(5),
    shutdown_grace: Duration::from_secs(10),
};

/// The operator's listener's limits: 5 s for a request head, 64 connections (a scraper, a
/// few command-line calls; when it also serves the attestation routes, the relayers that
/// ask for them).
pub const OPERATOR_LIMITS: Limits = Limits {
    max_connections: 64,
    header_read_timeout: Duration::from_secs(5),
    shutdown_grace: Duration::from_secs(10),
};

/// Serves `app` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting, lets each open connection finish the request it is in (idle ones close at
/// once) for up to [`Limits::shutdown_grace`], and drops the rest.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (closing, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    // When the cap was last logged: at most once a minute, however a flood churns.
    let mut warned: Option<tokio::time::Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            // Reap finished connections as they end (a JoinSet keeps their results).
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            if warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "the API listener is at its connection cap: closing new connections"
                );
                warned = Some(tokio::time::Instant::now());
            }
            drop(stream);
            continue;
        };
        connections.spawn(connection(
            stream,
            peer,
            app.clone(),
            limits.header_read_timeout,
            closing_rx.clone(),
            permit,
        ));
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.shutdown_grace, drained)
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "API connections still open after the shutdown grace period: dropped"
        );
        connections.abort_all();
    }
}

/// An accept error: a connection that failed before it was accepted is skipped; anything
/// else (out of file descriptors) waits a moment first rather than spinning.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "the API listener cannot accept a connection");
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// Serves one connection until it ends, the header timeout closes it, or shutdown (then it
/// finishes the request in progress). Holds its connection slot (`_permit`) until then.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    header_read_timeout: Duration,
    mut closing: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut app = app.clone();
        async move {
            let response = tower_service::Service::call(&mut app, request).await;
            Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    // A header timeout, a client that went away: the client's business.
                    tracing::debug!(%peer, error = %e, "API connection ended");
                }
                break;
            }
            _ = closing.wait_for(|closing| *closing), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
