//! A token's route to one remote (`Route`): the ledger rules of docs/protocol.md ("The ledger
//! (per-origin solvency)") and access to its buckets. A route is loaded with
//! [`crate::accounts::route`] first; these functions only read and write its data.

use crate::bytes;
use crate::error::BridgeError;
use crate::state::route;
use crate::token::Bucket;

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

/// Whether the route has a ledger (every route but the one from a bridged mint's home).
#[inline(always)]
fn bounded(data: &[u8]) -> Result<bool, BridgeError> {
    Ok(bytes::read_u8(data, route::LEDGER_BOUNDED)? != 0)
}

/// A send of `amount` local units to the route's remote adds it to the ledger.
#[inline(always)]
pub fn credit(data: &mut [u8], amount: u64) -> Result<(), BridgeError> {
    if !bounded(data)? {
        return Ok(());
    }
    let ledger = bytes::read_u64(data, route::LEDGER)?
        .checked_add(amount)
        .ok_or(BridgeError::Overflow)?;
    bytes::write(data, route::LEDGER, &ledger.to_le_bytes())
}

/// A cancelled or voided queued transfer of `amount` gives it back to the ledger. Saturating:
/// a cancellation never fails on arithmetic.
#[inline(always)]
pub fn give_back(data: &mut [u8], amount: u64) -> Result<(), BridgeError> {
    if !bounded(data)? {
        return Ok(());
    }
    let ledger = bytes::read_u64(data, route::LEDGER)?.saturating_add(amount);
    bytes::write(data, route::LEDGER, &ledger.to_le_bytes())
}

/// A delivery of `amount` local units from the route's remote: requires and subtracts it from
/// the ledger (`LedgerExceeded` otherwise, after logging `Requested: <n>` and `Available:
/// <m>`), except on the unbounded route.
#[inline(always)]
pub fn debit(data: &mut [u8], amount: u64) -> Result<(), BridgeError> {
    if !bounded(data)? {
        return Ok(());
    }
    let available = bytes::read_u64(data, route::LEDGER)?;
    let Some(left) = available.checked_sub(amount) else {
        log_compared(amount, available);
        return Err(BridgeError::LedgerExceeded);
    };
    bytes::write(data, route::LEDGER, &left.to_le_bytes())
}

/// Logs `Requested: <n>` and `Available: <m>` (before the dispatcher's Anchor error line).
fn log_compared(requested: u64, available: u64) {
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
