//! The pieces of Solana's wire format shared by messages and transactions: the compact-u16
//! length prefix ("short vec") and a bounds-checked reader that never panics on hostile bytes.

use crate::error::{Error, Result};

/// Appends `len` as a compact-u16: 7 bits per byte, low bits first, at most 3 bytes.
/// Refuses a length above `u16::MAX`; `what` names the array in the error.
pub(crate) fn write_compact_u16(out: &mut Vec<u8>, len: usize, what: &str) -> Result<()> {
    let mut rem = u16::try_from(len).map_err(|_| {
        Error::InvalidSolanaMessage(format!(
            "{what} has {len} entries; the wire format allows at most {}",
            u16::MAX
        ))
    })?;
    loop {
        let low = (rem & 0x7f) as u8;
        rem >>= 7;
        if rem == 0 {
            out.push(low);
            return Ok(());
        }
        out.push(low | 0x80);
    }
}

/// Appends a compact-u16 length and then the bytes.
pub(crate) fn write_bytes(out: &mut Vec<u8>, bytes: &[u8], what: &str) -> Result<()> {
    write_compact_u16(out, bytes.len(), what)?;
    out.extend_from_slice(bytes);
    Ok(())
}

/// A cursor over untrusted bytes. Every read checks the remaining length and names what it
/// was reading when the input ends early.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    /// Starts at the first byte.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            offset: 0,
        }
    }

    fn truncated(&self, what: &str, need: usize) -> Error {
        Error::InvalidSolanaMessage(format!(
            "truncated at byte {} reading {what}: need {need} more bytes, {} left",
            self.offset,
            self.rest.len()
        ))
    }

    /// How many bytes have been read.
    pub(crate) fn offset(&self) -> usize {
        self.offset
    }

    /// The next byte, without consuming it.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads one byte.
    pub(crate) fn u8(&mut self, what: &str) -> Result<u8> {
        let (first, rest) = self
            .rest
            .split_first()
            .ok_or_else(|| self.truncated(what, 1))?;
        self.rest = rest;
        self.offset += 1;
        Ok(*first)
    }

    /// Reads `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if self.rest.len() < n {
            return Err(self.truncated(what, n));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        self.offset += n;
        Ok(head)
    }

    /// Reads a fixed-size array.
    pub(crate) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let (head, rest) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or_else(|| self.truncated(what, N))?;
        self.rest = rest;
        self.offset += N;
        Ok(*head)
    }

    /// Reads a compact-u16 length, refusing the non-canonical and overlong encodings that
    /// Solana's decoder refuses.
    pub(crate) fn compact_u16(&mut self, what: &str) -> Result<usize> {
        let start = self.offset;
        let mut value: u32 = 0;
        for nth in 0..3u32 {
            let byte = self.u8(what)?;
            if byte == 0 && nth > 0 {
                return Err(Error::InvalidSolanaMessage(format!(
                    "{what}: non-canonical compact-u16 length at byte {start}"
                )));
            }
            if nth == 2 && byte & 0x80 != 0 {
                return Err(Error::InvalidSolanaMessage(format!(
                    "{what}: compact-u16 length at byte {start} is longer than 3 bytes"
                )));
            }
            value |= u32::from(byte & 0x7f) << (7 * nth);
            if value > u32::from(u16::MAX) {
                return Err(Error::InvalidSolanaMessage(format!(
                    "{what}: compact-u16 length at byte {start} overflows 16 bits"
                )));
            }
            if byte & 0x80 == 0 {
                return Ok(value as usize);
            }
        }
        // The third byte has no continuation bit (checked above), so the loop returned.
        Err(Error::InvalidSolanaMessage(format!(
            "{what}: compact-u16 length at byte {start} is longer than 3 bytes"
        )))
    }

    /// Reads a compact-u16 length and then that many bytes.
    pub(crate) fn short_bytes(&mut self, what: &str) -> Result<&'a [u8]> {
        let len = self.compact_u16(what)?;
        self.bytes(len, what)
    }

    /// Reads a compact-u16 count of fixed-size arrays, checking the input is long enough
    /// before allocating.
    pub(crate) fn short_arrays<const N: usize>(&mut self, what: &str) -> Result<Vec<[u8; N]>> {
        let count = self.compact_u16(what)?;
        let need = count.saturating_mul(N);
        if self.rest.len() < need {
            return Err(self.truncated(what, need));
        }
        (0..count).map(|_| self.array::<N>(what)).collect()
    }

    /// Refuses bytes left after a complete value.
    pub(crate) fn finish(&self, what: &str) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidSolanaMessage(format!(
                "{} trailing bytes after the {what} (which ends at byte {})",
                self.rest.len(),
                self.offset
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_u16_known_encodings() {
        for (value, bytes) in [
            (0usize, vec![0u8]),
            (0x7f, vec![0x7f]),
            (0x80, vec![0x80, 0x01]),
            (0x3fff, vec![0xff, 0x7f]),
            (0x4000, vec![0x80, 0x80, 0x01]),
            (0xffff, vec![0xff, 0xff, 0x03]),
        ] {
            let mut out = Vec::new();
            write_compact_u16(&mut out, value, "x").unwrap();
            assert_eq!(out, bytes, "{value}");
            let mut r = Reader::new(&bytes);
            assert_eq!(r.compact_u16("x").unwrap(), value);
            r.finish("x").unwrap();
        }
        let mut out = Vec::new();
        assert!(write_compact_u16(&mut out, 0x1_0000, "x").is_err());
    }

    #[test]
    fn compact_u16_refuses_aliases_and_overflow() {
        for bad in [
            &[0x80, 0x00][..],
            &[0x80, 0x80, 0x00],
            &[0xff, 0xff, 0x04],
            &[0x80, 0x80, 0x80, 0x01],
            &[0x80],
            &[],
        ] {
            assert!(Reader::new(bad).compact_u16("x").is_err(), "{bad:?}");
        }
    }
}
