//! Serving a router on a TCP listener with the limits of a server anyone can reach:
//!
//! - a client has [`Limits::header_read_timeout`] to send each request's head (a slowloris
//!   connection, and a kept-alive connection left idle, are closed when it runs out);
//! - at most [`Limits::max_connections`] connections are served at once, and at most
//!   [`Limits::max_connections_per_peer`] of them from one peer (an IPv4 address, an IPv6
//!   /64; see `peer.rs`) and [`Limits::max_connections_per_site`] from one IPv6 /48 (a host
//!   with a /48 has 65,536 /64s): a connection past any cap is accepted and closed at once, so
//!   a flood of idle sockets costs the daemon neither memory nor tasks, and one peer or site
//!   cannot take every slot from the others. On the operator's listener a loopback client
//!   (the daemon's own host: the operator's commands, a scraper, a sidecar, all one address)
//!   is held to the global cap only ([`Limits::per_peer_on_loopback`]);
//! - each answer must be read by the client within [`Limits::write_timeout`] of the server
//!   starting to write it (a client that reads slowly, or not at all, has its connection
//!   closed);
//! - a connection lives at most [`Limits::max_lifetime`]: then it finishes the request it is
//!   in and closes (hyper's graceful shutdown: the answer says `connection: close`), and if
//!   that has not happened [`Limits::shutdown_grace`] later it is dropped. A client that
//!   keeps one connection busy with a request every few seconds therefore still gives its
//!   slot back;
//! - shutdown waits at most [`Limits::shutdown_grace`] for the connections it drains.
//!
//! `axum::serve` (0.8) sets none of these: its hyper connections have no timer, so no header
//! timeout, and it accepts without bound. This is its loop with them: HTTP/1.1 only (the
//! daemon's axum has no HTTP/2), the peer's address in every request as
//! [`ConnectInfo<SocketAddr>`] (the public listener's rate limit reads it). hyper has a
//! header-read timeout and a graceful shutdown, which are used; it has no write timeout,
//! so [`WriteDeadline`] wraps the socket.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

use super::peer::{Peer, Site};

/// The limits of one listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; past it a new connection is closed as soon as it is
    /// accepted.
    pub max_connections: usize,
    /// Connections served at once from one peer (an IPv4 address, an IPv6 /64); past it a
    /// new connection from that peer is closed as soon as it is accepted.
    pub max_connections_per_peer: usize,
    /// Connections served at once from one IPv6 /48, all its /64s together; past it a new
    /// connection from that site is closed as soon as it is accepted.
    pub max_connections_per_site: usize,
    /// Whether a loopback client is held to the per-peer and per-site caps. Every local
    /// client is the one address `127.0.0.1` (or `::1`); when `false` they share the global
    /// cap only.
    pub per_peer_on_loopback: bool,
    /// How long a client has to send the head of a request (request line and headers),
    /// counted from when the server starts waiting for it: on a new connection, and after
    /// each answer on a kept-alive one (so also how long an idle connection stays open).
    pub header_read_timeout: Duration,
    /// How long the client has to read an answer, from when the server starts writing it
    /// until the last byte is in the kernel's send buffer; then the connection is closed.
    pub write_timeout: Duration,
    /// How long a connection is kept: then it finishes the request in progress and closes
    /// (an idle one closes at once), and is dropped [`Limits::shutdown_grace`] later if it
    /// has not.
    pub max_lifetime: Duration,
    /// How long shutdown waits for open connections to finish their requests before it drops
    /// them.
    pub shutdown_grace: Duration,
}

/// The public attestation listener's limits: 256 connections, 16 per peer, 64 per IPv6 /48,
/// 5 s for a request head, 10 s to read an answer, 60 s a connection.
pub const PUBLIC_LIMITS: Limits = Limits {
    max_connections: 256,
    max_connections_per_peer: 16,
    max_connections_per_site: 64,
    per_peer_on_loopback: true,
    header_read_timeout: Duration::from_secs(5),
    write_timeout: Duration::from_secs(10),
    max_lifetime: Duration::from_secs(60),
    shutdown_grace: Duration::from_secs(10),
};

/// The operator's listener's limits: 64 connections (a scraper, probes, a few command-line
/// calls; when it also serves the attestation routes, the relayers that ask for them), 16 per
/// remote peer and 32 per IPv6 /48 (one remote client, or one relayer asking for
/// attestations, leaves the probes and the rest at least 48), loopback clients to the global
/// cap only, 5 s for a request head, 10 s to read an answer, 60 s a connection.
pub const OPERATOR_LIMITS: Limits = Limits {
    max_connections: 64,
    max_connections_per_peer: 16,
    max_connections_per_site: 32,
    per_peer_on_loopback: false,
    header_read_timeout: Duration::from_secs(5),
    write_timeout: Duration::from_secs(10),
    max_lifetime: Duration::from_secs(60),
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
    let peers = PeerSlots::new(&limits);
    let (closing, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    // When each cap was last logged: at most once a minute, however a flood churns.
    let mut warned: Option<Instant> = None;
    let mut warned_peer: Option<Instant> = None;
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
        let Some(peer_slot) = peers.try_take(peer.ip()) else {
            if warned_peer.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                tracing::warn!(
                    %peer,
                    max_connections_per_peer = limits.max_connections_per_peer,
                    max_connections_per_site = limits.max_connections_per_site,
                    "an API client (or its IPv6 /48) is at its connection cap: closing its new connections"
                );
                warned_peer = Some(Instant::now());
            }
            drop(stream);
            continue;
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            if warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "the API listener is at its connection cap: closing new connections"
                );
                warned = Some(Instant::now());
            }
            drop(stream);
            continue;
        };
        connections.spawn(connection(
            stream,
            peer,
            app.clone(),
            limits,
            closing_rx.clone(),
            (permit, peer_slot),
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

/// What a connection is counted against: its peer, and the IPv6 /48 of an IPv6 peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Counted {
    Peer(Peer),
    Site(Site),
}

/// The open connections of each peer and IPv6 site. An entry exists only while it has a
/// connection open, so there are at most twice [`Limits::max_connections`] of them (plus
/// the few accepted and closed at once).
#[derive(Debug, Clone)]
struct PeerSlots {
    per_peer: usize,
    per_site: usize,
    on_loopback: bool,
    open: Arc<Mutex<HashMap<Counted, usize>>>,
}

/// One connection counted against its peer and site until it is dropped (nothing, for a
/// loopback client the caps do not hold).
#[derive(Debug)]
struct PeerSlot {
    slots: PeerSlots,
    counted: Vec<Counted>,
}

impl PeerSlots {
    fn new(limits: &Limits) -> Self {
        PeerSlots {
            per_peer: limits.max_connections_per_peer.max(1),
            per_site: limits.max_connections_per_site.max(1),
            on_loopback: limits.per_peer_on_loopback,
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A slot for one more connection from `ip`, unless its peer or its site is at its cap.
    fn try_take(&self, ip: IpAddr) -> Option<PeerSlot> {
        let loopback = match ip {
            IpAddr::V4(v4) => v4.is_loopback(),
            IpAddr::V6(v6) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        };
        if loopback && !self.on_loopback {
            return Some(PeerSlot {
                slots: self.clone(),
                counted: Vec::new(),
            });
        }
        let peer = Peer::of(ip);
        let mut counted = vec![(Counted::Peer(peer), self.per_peer)];
        if let Some(site) = peer.site() {
            counted.push((Counted::Site(site), self.per_site));
        }
        // Nothing panics while the lock is held; a poisoned lock still holds valid counts.
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if counted
            .iter()
            .any(|(key, max)| open.get(key).is_some_and(|n| *n >= *max))
        {
            return None;
        }
        for (key, _) in &counted {
            *open.entry(*key).or_insert(0) += 1;
        }
        Some(PeerSlot {
            slots: self.clone(),
            counted: counted.into_iter().map(|(key, _)| key).collect(),
        })
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for key in &self.counted {
            if let Some(n) = open.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
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

/// Serves one connection until it ends, a timeout or its lifetime closes it, or shutdown
/// (then it finishes the request in progress). Holds its connection slots (`_slots`) until
/// then.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    mut closing: watch::Receiver<bool>,
    _slots: (OwnedSemaphorePermit, PeerSlot),
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
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let io = WriteDeadline::new(stream, limits.write_timeout);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    // The lifetime: at the first deadline the connection is asked to close, at the second
    // it is dropped.
    let expires = Instant::now() + limits.max_lifetime;
    let deadline = tokio::time::sleep_until(expires);
    tokio::pin!(deadline);
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    // A header or write timeout, a client that went away: the client's
                    // business.
                    tracing::debug!(%peer, error = %e, "API connection ended");
                }
                break;
            }
            _ = closing.wait_for(|closing| *closing), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
                deadline.as_mut().reset(Instant::now() + limits.shutdown_grace);
            }
            () = deadline.as_mut() => {
                if draining {
                    tracing::debug!(%peer, "API connection dropped: it outlived its lifetime");
                    break;
                }
                draining = true;
                conn.as_mut().graceful_shutdown();
                deadline.as_mut().reset(Instant::now() + limits.shutdown_grace);
            }
        }
    }
}

/// A socket whose writes must finish in time: from the first write after the last
/// completed flush (hyper flushes once its buffer is empty, so at the end of each answer),
/// the client has `timeout` to take everything; a write or flush still waiting on the client
/// then fails with [`io::ErrorKind::TimedOut`], which ends the connection. A client that
/// reads a trickle gets no more time than one that reads nothing.
#[derive(Debug)]
struct WriteDeadline<I> {
    io: I,
    timeout: Duration,
    /// When the unfinished write began.
    started: Option<Instant>,
    /// Armed once a write has had to wait on the client.
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<I> WriteDeadline<I> {
    fn new(io: I, timeout: Duration) -> Self {
        WriteDeadline {
            io,
            timeout,
            started: None,
            sleep: None,
        }
    }

    /// A write is under way (its clock starts now unless it already runs).
    fn begin(&mut self) {
        if self.started.is_none() {
            self.started = Some(Instant::now());
        }
    }

    /// Everything written has been taken: the clock stops.
    fn finished(&mut self) {
        self.started = None;
        self.sleep = None;
    }

    /// The write is waiting on the client: pending until the deadline, an error past it.
    fn waiting<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let Some(started) = self.started else {
            return Poll::Pending;
        };
        let timeout = self.timeout;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(started + timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read the answer in time",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for WriteDeadline<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.begin();
        match Pin::new(&mut self.io).poll_write(cx, buf) {
            Poll::Pending => self.waiting(cx),
            ready => ready,
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.begin();
        match Pin::new(&mut self.io).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.waiting(cx),
            ready => ready,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.io).poll_flush(cx) {
            Poll::Ready(Ok(())) => {
                self.finished();
                Poll::Ready(Ok(()))
            }
            Poll::Pending => self.waiting(cx),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    fn v6(segments: [u16; 8]) -> IpAddr {
        let [a, b, c, d, e, f, g, h] = segments;
        IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h))
    }

    fn slots(per_peer: usize, per_site: usize, per_peer_on_loopback: bool) -> PeerSlots {
        PeerSlots::new(&Limits {
            max_connections_per_peer: per_peer,
            max_connections_per_site: per_site,
            per_peer_on_loopback,
            ..PUBLIC_LIMITS
        })
    }

    #[test]
    fn one_ipv6_site_cannot_take_every_slot_through_its_64s() {
        let slots = slots(2, 5, true);
        let mut held = Vec::new();
        // Five /64s of one /48, each under its own cap: the site's cap stops the sixth
        // connection, whichever /64 it comes from.
        for i in 0..5u16 {
            held.push(
                slots
                    .try_take(v6([0x2001, 0xdb8, 7, i, 0, 0, 0, 1]))
                    .unwrap(),
            );
        }
        assert!(
            slots
                .try_take(v6([0x2001, 0xdb8, 7, 99, 0, 0, 0, 1]))
                .is_none()
        );
        // Another /48 is served; and a slot freed in the site is reused.
        assert!(
            slots
                .try_take(v6([0x2001, 0xdb8, 8, 0, 0, 0, 0, 1]))
                .is_some()
        );
        drop(held.pop());
        assert!(
            slots
                .try_take(v6([0x2001, 0xdb8, 7, 99, 0, 0, 0, 1]))
                .is_some()
        );
    }

    #[test]
    fn a_peer_is_held_to_its_cap_and_its_count_goes_when_its_connections_do() {
        let slots = slots(2, 64, true);
        let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        let held: Vec<_> = (0..2).map(|_| slots.try_take(a).unwrap()).collect();
        assert!(slots.try_take(a).is_none());
        drop(held);
        assert!(
            slots.open.lock().unwrap().is_empty(),
            "entries outlive their connections"
        );
        assert!(slots.try_take(a).is_some());
    }

    #[test]
    fn loopback_clients_share_the_global_cap_only_where_the_limits_say() {
        let operator = slots(2, 2, false);
        for ip in [
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V6(Ipv4Addr::LOCALHOST.to_ipv6_mapped()),
        ] {
            let held: Vec<_> = (0..10).map(|_| operator.try_take(ip)).collect();
            assert!(held.iter().all(Option::is_some), "{ip} refused");
        }
        // A remote peer is still capped there.
        let remote = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        let held: Vec<_> = (0..2).map(|_| operator.try_take(remote).unwrap()).collect();
        assert!(operator.try_take(remote).is_none());
        drop(held);
        // The public listener caps loopback like any peer.
        let public = slots(2, 2, true);
        let local = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let _held: Vec<_> = (0..2).map(|_| public.try_take(local).unwrap()).collect();
        assert!(public.try_take(local).is_none());
    }

    #[test]
    fn the_operator_listener_leaves_room_beside_its_greediest_remote_clients() {
        const {
            let l = OPERATOR_LIMITS;
            assert!(l.max_connections_per_peer * 3 <= l.max_connections);
            assert!(l.max_connections_per_site < l.max_connections);
            assert!(PUBLIC_LIMITS.max_connections_per_site < PUBLIC_LIMITS.max_connections);
        }
    }
}
