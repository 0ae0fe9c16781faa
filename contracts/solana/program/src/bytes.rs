//! Bounds-checked byte access: a Borsh reader for instruction arguments and fixed-offset
//! reads/writes for account layouts. Nothing here panics; every short input is an error.

use crate::error::BridgeError;

/// Reads Borsh values (little-endian integers, `u32`-length-prefixed vectors) from a slice.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    #[inline(always)]
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The next `n` bytes.
    #[inline(always)]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], BridgeError> {
        if self.data.len() < n {
            return Err(BridgeError::InvalidInstructionData);
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }

    /// The next `N` bytes as an array.
    #[inline(always)]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], BridgeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// A `u8`.
    #[inline(always)]
    pub fn u8(&mut self) -> Result<u8, BridgeError> {
        Ok(u8::from_le_bytes(self.array()?))
    }

    /// A Borsh `bool` (0 or 1; anything else is refused).
    #[inline(always)]
    pub fn bool(&mut self) -> Result<bool, BridgeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(BridgeError::InvalidInstructionData),
        }
    }

    /// A little-endian `u32`.
    #[inline(always)]
    pub fn u32(&mut self) -> Result<u32, BridgeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// A little-endian `u64`.
    #[inline(always)]
    pub fn u64(&mut self) -> Result<u64, BridgeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A little-endian `i64`.
    #[inline(always)]
    pub fn i64(&mut self) -> Result<i64, BridgeError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// A Borsh `Vec<u8>` / `bytes`.
    #[inline(always)]
    pub fn bytes(&mut self) -> Result<&'a [u8], BridgeError> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    /// A Borsh `Vec<[u8; N]>`, returned as the flat bytes (a multiple of `N`).
    #[inline(always)]
    pub fn vec_of<const N: usize>(&mut self) -> Result<&'a [u8], BridgeError> {
        let len = self.u32()? as usize;
        // len <= u32::MAX and N <= 32: the product fits a 64-bit usize.
        let bytes = len * N;
        self.take(bytes)
    }

    /// Refuses trailing bytes (Borsh decoding consumes the whole input).
    #[inline(always)]
    pub fn finish(&self) -> Result<(), BridgeError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(BridgeError::InvalidInstructionData)
        }
    }
}

/// `N` bytes at `offset` of `data`.
#[inline(always)]
pub fn read<const N: usize>(data: &[u8], offset: usize) -> Result<[u8; N], BridgeError> {
    let end = offset.checked_add(N).ok_or(BridgeError::WrongAccountData)?;
    let src = data.get(offset..end).ok_or(BridgeError::WrongAccountData)?;
    let mut out = [0u8; N];
    out.copy_from_slice(src);
    Ok(out)
}

/// Writes `src` at `offset` of `data`.
#[inline(always)]
pub fn write(data: &mut [u8], offset: usize, src: &[u8]) -> Result<(), BridgeError> {
    let end = offset
        .checked_add(src.len())
        .ok_or(BridgeError::WrongAccountData)?;
    data.get_mut(offset..end)
        .ok_or(BridgeError::WrongAccountData)?
        .copy_from_slice(src);
    Ok(())
}

/// A little-endian `u64` at `offset`.
#[inline(always)]
pub fn read_u64(data: &[u8], offset: usize) -> Result<u64, BridgeError> {
    Ok(u64::from_le_bytes(read(data, offset)?))
}

/// A little-endian `i64` at `offset`.
#[inline(always)]
pub fn read_i64(data: &[u8], offset: usize) -> Result<i64, BridgeError> {
    Ok(i64::from_le_bytes(read(data, offset)?))
}

/// A little-endian `u32` at `offset`.
#[inline(always)]
pub fn read_u32(data: &[u8], offset: usize) -> Result<u32, BridgeError> {
    Ok(u32::from_le_bytes(read(data, offset)?))
}

/// The byte at `offset`.
#[inline(always)]
pub fn read_u8(data: &[u8], offset: usize) -> Result<u8, BridgeError> {
    data.get(offset)
        .copied()
        .ok_or(BridgeError::WrongAccountData)
}
