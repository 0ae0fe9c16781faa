//! scrypt (Percival 2009; RFC 7914) for keystores.
//!
//! The `scrypt` crate of our digest generation (0.11) refuses `log2(N) >= 16 * r`, a bound that
//! comes from an erratum in RFC 7914 (a bit count read as a byte count; RFC errata 5971). The Web3
//! Secret Storage test vector itself (`n = 262144`, `r = 1`, `p = 8`) breaks that bound, and geth
//! (`x/crypto/scrypt`) and ethers (`scrypt-js`) accept it, so we compute scrypt here: SMix over
//! Salsa20/8 on top of the `pbkdf2` crate's PBKDF2-HMAC-SHA256. The tests compare it with the
//! `scrypt` crate wherever that crate accepts the parameters, and with RFC 7914's vectors.
//!
//! Callers bound the parameters first ([`super::KdfParams`]); this module still checks every size
//! computation and reports allocation failure instead of aborting.

use pbkdf2::pbkdf2_hmac;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Words (`u32`) in one Salsa20 block of 64 bytes.
const SALSA_WORDS: usize = 16;

/// Derives `out.len()` bytes from `password` and `salt` with scrypt parameters `N = 2^log_n`,
/// `r` and `p`.
pub(super) fn scrypt(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
    out: &mut [u8],
) -> Result<()> {
    let too_big = || Error::InvalidKeystore("scrypt parameters are too large".into());
    let n = 1usize.checked_shl(u32::from(log_n)).ok_or_else(too_big)?;
    let r = usize::try_from(r).map_err(|_| too_big())?;
    let p = usize::try_from(p).map_err(|_| too_big())?;
    if n < 2 || r == 0 || p == 0 {
        return Err(Error::InvalidKeystore(
            "scrypt needs n >= 2, r >= 1 and p >= 1".into(),
        ));
    }
    // One block of 128·r bytes, as 32·r words.
    let block_bytes = r.checked_mul(128).ok_or_else(too_big)?;
    let block_words = block_bytes / 4;
    let b_len = block_bytes.checked_mul(p).ok_or_else(too_big)?;
    let v_len = block_words.checked_mul(n).ok_or_else(too_big)?;

    let mut b = Zeroizing::new(alloc(b_len, 0u8)?);
    pbkdf2_hmac::<Sha256>(password, salt, 1, &mut b);

    let mut v = Zeroizing::new(alloc(v_len, 0u32)?);
    let mut x = Zeroizing::new(alloc(block_words, 0u32)?);
    let mut y = Zeroizing::new(alloc(block_words, 0u32)?);
    for chunk in b.chunks_exact_mut(block_bytes) {
        for (word, bytes) in x.iter_mut().zip(chunk.chunks_exact(4)) {
            *word = bytes
                .iter()
                .rev()
                .fold(0u32, |acc, &byte| (acc << 8) | u32::from(byte));
        }
        ro_mix(&mut x, &mut y, &mut v, n)?;
        for (word, bytes) in x.iter().zip(chunk.chunks_exact_mut(4)) {
            for (dst, src) in bytes.iter_mut().zip(word.to_le_bytes()) {
                *dst = src;
            }
        }
    }

    pbkdf2_hmac::<Sha256>(password, &b, 1, out);
    Ok(())
}

/// A vector of `len` copies of `fill`, or an error if the allocation fails.
fn alloc<T: Clone>(len: usize, fill: T) -> Result<Vec<T>> {
    let mut vec = Vec::new();
    vec.try_reserve_exact(len).map_err(|_| {
        Error::InvalidKeystore(format!("cannot allocate {len} elements of scrypt memory"))
    })?;
    vec.resize(len, fill);
    Ok(vec)
}

/// ROMix (RFC 7914 section 5) on one block `x`, in place; `y` is scratch space of the same length
/// and `v` holds `n` blocks.
fn ro_mix(x: &mut [u32], y: &mut [u32], v: &mut [u32], n: usize) -> Result<()> {
    let len = x.len();
    for slot in v.chunks_exact_mut(len) {
        slot.copy_from_slice(x);
        block_mix(x, y);
        x.copy_from_slice(y);
    }
    // `n` is a power of two no larger than 2^32 (the caller's bounds are far below), so the mask
    // keeps `j` below `n`.
    let mask =
        u32::try_from(n - 1).map_err(|_| Error::InvalidKeystore("scrypt n is too large".into()))?;
    for _ in 0..n {
        let j = integerify(x) & mask;
        let slot = v
            .chunks_exact(len)
            .nth(j as usize)
            .ok_or_else(|| Error::InvalidKeystore("scrypt index out of range".into()))?;
        for (a, b) in x.iter_mut().zip(slot) {
            *a ^= b;
        }
        block_mix(x, y);
        x.copy_from_slice(y);
    }
    Ok(())
}

/// The first word of the last 64-byte block of `x`, read little-endian (RFC 7914 section 5).
fn integerify(x: &[u32]) -> u32 {
    x.chunks_exact(SALSA_WORDS)
        .last()
        .and_then(|block| block.first())
        .copied()
        .unwrap_or(0)
}

/// BlockMix with Salsa20/8 (RFC 7914 section 4): `output` gets the even-numbered results in its
/// first half and the odd-numbered ones in its second half.
fn block_mix(input: &[u32], output: &mut [u32]) {
    let mut t = [0u32; SALSA_WORDS];
    if let Some(last) = input.chunks_exact(SALSA_WORDS).last() {
        for (dst, src) in t.iter_mut().zip(last) {
            *dst = *src;
        }
    }
    let (even, odd) = output.split_at_mut(input.len() / 2);
    let mut even = even.chunks_exact_mut(SALSA_WORDS);
    let mut odd = odd.chunks_exact_mut(SALSA_WORDS);
    for (i, block) in input.chunks_exact(SALSA_WORDS).enumerate() {
        for (a, b) in t.iter_mut().zip(block) {
            *a ^= b;
        }
        salsa20_8(&mut t);
        let dst = if i % 2 == 0 { even.next() } else { odd.next() };
        if let Some(dst) = dst {
            dst.copy_from_slice(&t);
        }
    }
}

/// The Salsa20/8 core (RFC 7914 section 3), in place.
fn salsa20_8(block: &mut [u32; SALSA_WORDS]) {
    let mut x = *block;
    macro_rules! quarter {
        ($a:literal, $b:literal, $c:literal, $d:literal) => {
            x[$b] ^= x[$a].wrapping_add(x[$d]).rotate_left(7);
            x[$c] ^= x[$b].wrapping_add(x[$a]).rotate_left(9);
            x[$d] ^= x[$c].wrapping_add(x[$b]).rotate_left(13);
            x[$a] ^= x[$d].wrapping_add(x[$c]).rotate_left(18);
        };
    }
    for _ in 0..4 {
        // Columns.
        quarter!(0, 4, 8, 12);
        quarter!(5, 9, 13, 1);
        quarter!(10, 14, 2, 6);
        quarter!(15, 3, 7, 11);
        // Rows.
        quarter!(0, 1, 2, 3);
        quarter!(5, 6, 7, 4);
        quarter!(10, 11, 8, 9);
        quarter!(15, 12, 13, 14);
    }
    for (out, mixed) in block.iter_mut().zip(x) {
        *out = out.wrapping_add(mixed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(password: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        scrypt(password, salt, log_n, r, p, &mut out).unwrap();
        out
    }

    /// Password, salt, log2(N), r, p, expected 64-byte output.
    type Vector = (&'static [u8], &'static [u8], u8, u32, u32, &'static str);

    /// RFC 7914 section 12 (the fourth vector, N = 2^20, is left out: 1 GiB).
    #[test]
    fn rfc7914_vectors() {
        let cases: [Vector; 3] = [
            (
                b"",
                b"",
                4,
                1,
                1,
                "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442\
                 fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906",
            ),
            (
                b"password",
                b"NaCl",
                10,
                8,
                16,
                "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162\
                 2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
            ),
            (
                b"pleaseletmein",
                b"SodiumChloride",
                14,
                8,
                1,
                "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2\
                 d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",
            ),
        ];
        for (password, salt, log_n, r, p, expected) in cases {
            assert_eq!(hex::encode(ours(password, salt, log_n, r, p, 64)), expected);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Where the `scrypt` crate accepts the parameters, it agrees with us.
        #[test]
        fn agrees_with_the_scrypt_crate(
            password in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            salt in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            log_n in 1u8..8,
            r in 1u32..5,
            p in 1u32..4,
            len in 10usize..65,
        ) {
            let params = ::scrypt::Params::new(log_n, r, p, len).unwrap();
            let mut theirs = vec![0u8; len];
            ::scrypt::scrypt(&password, &salt, &params, &mut theirs).unwrap();
            proptest::prop_assert_eq!(ours(&password, &salt, log_n, r, p, len), theirs);
        }
    }
}
