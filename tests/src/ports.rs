//! Blocks of loopback ports that no other harness-started node uses.
//!
//! A validator needs a fixed RPC port, faucet port and a range of dynamic ports, all chosen
//! before it starts. Tests run in several processes (nextest runs one process per test), so an
//! in-process counter is not enough: each block is claimed with an exclusive lock on a file in
//! the temporary directory, held for the node's lifetime and released by the OS when the
//! holder exits, even on a crash. Every port of a claimed block is then checked to be free on
//! 127.0.0.1 (TCP and UDP). The range lies below Linux's ephemeral ports (32768 and up), where
//! `--port 0` listeners such as anvil's and outgoing connections land.

use std::fs::{File, OpenOptions, TryLockError};
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::path::PathBuf;

use crate::error::{Error, Result};

/// First port of the first block.
const FIRST: u16 = 20_000;
/// Ports per block.
pub(crate) const WIDTH: u16 = 100;
/// Number of blocks: 20000..32000.
const BLOCKS: u16 = 120;

/// A claimed block `base..base + WIDTH`; the claim lasts as long as this value.
#[derive(Debug)]
pub(crate) struct PortBlock {
    base: u16,
    _claim: File,
}

impl PortBlock {
    /// Claims a free block, starting the search at a process-dependent block so that parallel
    /// test processes rarely contend for the same lock file.
    pub(crate) fn claim() -> Result<Self> {
        let dir = claim_dir();
        std::fs::create_dir_all(&dir).map_err(Error::io(format!("creating {}", dir.display())))?;
        let start = u16::try_from(std::process::id() % u32::from(BLOCKS)).unwrap_or(0);
        for i in 0..BLOCKS {
            let block = (start + i) % BLOCKS;
            let base = FIRST + block * WIDTH;
            let path = dir.join(format!("{base}.lock"));
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(Error::io(format!("opening {}", path.display())))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Error(e)) => {
                    return Err(Error::io(format!("locking {}", path.display()))(e));
                }
            }
            if (base..base + WIDTH).all(port_is_free) {
                return Ok(Self { base, _claim: file });
            }
        }
        Err(Error::NoFreePorts {
            width: WIDTH,
            first: FIRST,
            last: FIRST + BLOCKS * WIDTH,
        })
    }

    /// The block's `offset`-th port (`offset < WIDTH`).
    pub(crate) fn port(&self, offset: u16) -> u16 {
        self.base + offset.min(WIDTH - 1)
    }
}

fn claim_dir() -> PathBuf {
    std::env::temp_dir().join("trestle-port-claims")
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
        && UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_exclusive_and_released_on_drop() {
        let a = PortBlock::claim().unwrap();
        let b = PortBlock::claim().unwrap();
        assert_ne!(a.base, b.base);
        assert!(a.base.abs_diff(b.base) >= WIDTH);
        assert_eq!(a.port(0), a.base);
        assert_eq!(a.port(WIDTH), a.base + WIDTH - 1);
        let path = claim_dir().join(format!("{}.lock", a.base));
        let other = File::open(&path).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(a);
        other.try_lock().unwrap();
    }
}
