//! A token's route to one remote (`Route`): the signed per-route ledger of docs/protocol.md
//! ("The ledger (per-origin solvency)", `RouteLedger` of `bridge/`) and access to its buckets. A
//! route is loaded with [`crate::accounts::route`] first; these functions only read and write
//! its data.
//!
//! `ledger` is what this chain sent to the remote minus what it received from it (local units):
//! a delivery from the remote needs `ledger >= amount` (unless `inbound_bounded` is false: the
//! route from a bridged mint's home), a send to it needs `-ledger >= amount` where
//! `outbound_bounded` (the token is a bridged mint here: the remote would refuse more), and a
//! cancelled queued delivery gives its amount back.

use crate::bytes;
use crate::error::BridgeError;
use crate::state::route;
use crate::token::Bucket;

/// Refuses a disabled route (`remote_max = 0`, docs/protocol.md "Routes, buckets and the
/// per-origin ledger"): disabled in both directions, for sends to the remote, deliveries from
/// it and executions of transfers it queued (`RouteDisabled`; a refused delivery or execution
/// stays retryable until governance enables the route again).
#[inline(always)]
pub fn check_enabled(data: &[u8]) -> Result<(), BridgeError> {
    let remote_max: [u8; 16] = bytes::read(data, route::REMOTE_MAX)?;
    if remote_max == [0u8; 16] {
        return Err(BridgeError::RouteDisabled);
    }
    Ok(())
}

/// The inbound bucket of a route's data.
#[inline(always)]
pub fn inbound(data: &[u8]) -> Result<Bucket, BridgeError> {
    Bucket::read(data, route::INBOUND)
}

/// The outbound bucket of a route's data.
#[inline(always)]
pub fn outbound(data: &[u8]) -> Result<Bucket, BridgeError> {
    Bucket::read(data, route::OUTBOUND)
}

#[inline(always)]
fn ledger(data: &[u8]) -> Result<i128, BridgeError> {
    Ok(i128::from_le_bytes(bytes::read(data, route::LEDGER)?))
}

#[inline(always)]
fn write_ledger(data: &mut [u8], value: i128) -> Result<(), BridgeError> {
    bytes::write(data, route::LEDGER, &value.to_le_bytes())
}

/// A send of `amount` local units to the route's remote: where the route is outbound-bounded,
/// requires `-ledger >= amount` (`LedgerExceeded` otherwise); adds it.
#[inline(always)]
pub fn on_send(data: &mut [u8], amount: u64) -> Result<(), BridgeError> {
    let net = ledger(data)?;
    let after = net
        .checked_add(i128::from(amount))
        .ok_or(BridgeError::LedgerExceeded)?;
    if bytes::read_u8(data, route::OUTBOUND_BOUNDED)? != 0 && after > 0 {
        log_available(amount, net.checked_neg().unwrap_or(0).max(0));
        return Err(BridgeError::LedgerExceeded);
    }
    write_ledger(data, after)
}

/// A delivery of `amount` local units from the route's remote (executed or queued): where the
/// route is inbound-bounded, requires `ledger >= amount` (`LedgerExceeded` otherwise); subtracts
/// it.
#[inline(always)]
pub fn on_deliver(data: &mut [u8], amount: u64) -> Result<(), BridgeError> {
    let net = ledger(data)?;
    if bytes::read_u8(data, route::INBOUND_BOUNDED)? != 0 && net < i128::from(amount) {
        log_available(amount, net.max(0));
        return Err(BridgeError::LedgerExceeded);
    }
    let after = net
        .checked_sub(i128::from(amount))
        .ok_or(BridgeError::LedgerExceeded)?;
    write_ledger(data, after)
}

/// A cancelled or voided queued delivery of `amount`: it never paid out, so it is given back
/// (saturating: a cancellation never fails on arithmetic).
#[inline(always)]
pub fn on_cancel(data: &mut [u8], amount: u64) -> Result<(), BridgeError> {
    let after = ledger(data)?.saturating_add(i128::from(amount));
    write_ledger(data, after)
}

/// Logs `Requested: <n>` and `Available: <m>` (before the dispatcher's Anchor error line).
fn log_available(requested: u64, available: i128) {
    let available = u64::try_from(available).unwrap_or(u64::MAX);
    for (label, value) in [
        (&b"Requested: "[..], requested),
        (b"Available: ", available),
    ] {
        let mut line = [0u8; 40];
        let mut at = label.len();
        if let Some(dst) = line.get_mut(..at) {
            dst.copy_from_slice(label);
        }
        let mut digits = [0u8; 20];
        let mut n = digits.len();
        let mut v = value;
        loop {
            n -= 1;
            if let Some(d) = digits.get_mut(n) {
                *d = b'0' + (v % 10) as u8;
            }
            v /= 10;
            if v == 0 {
                break;
            }
        }
        for d in digits.get(n..).unwrap_or(&[]) {
            if let Some(slot) = line.get_mut(at) {
                *slot = *d;
            }
            at += 1;
        }
        crate::log(line.get(..at).unwrap_or(&[]));
    }
}
