//! SPL Token account/mint checks, amount scaling and representability, and the token buckets of
//! a `Route`.

use pinocchio::{AccountView, Address};

use crate::bytes;
use crate::checks::{self, TOKEN_PROGRAM_ID};
use crate::error::BridgeError;
use crate::state::{bucket, token};

/// Size of an SPL token account.
pub const TOKEN_ACCOUNT_LEN: usize = 165;
/// Size of an SPL mint.
pub const MINT_LEN: usize = 82;

/// Refuses `account` unless it is an initialized SPL token account (owned by SPL Token) of
/// `mint` owned by `owner`, not frozen.
pub fn check_token_account(
    account: &AccountView,
    mint: &Address,
    owner: &[u8; 32],
) -> Result<(), BridgeError> {
    checks::owner(account, &TOKEN_PROGRAM_ID)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if data.len() != TOKEN_ACCOUNT_LEN {
        return Err(BridgeError::WrongAccountData);
    }
    if bytes::read::<32>(&data, 0)? != *mint.as_array() {
        return Err(BridgeError::WrongMint);
    }
    if bytes::read::<32>(&data, 32)? != *owner {
        return Err(BridgeError::WrongTokenOwner);
    }
    if bytes::read_u8(&data, 108)? != 1 {
        return Err(BridgeError::WrongAccountData);
    }
    Ok(())
}

/// Refuses `mint` unless it is an initialized SPL mint (owned by SPL Token) at `expected`.
/// With `authority`, also requires that the mint authority is exactly that key.
pub fn check_mint(
    mint: &AccountView,
    expected: &Address,
    authority: Option<&Address>,
) -> Result<(), BridgeError> {
    checks::address(mint, expected)?;
    checks::owner(mint, &TOKEN_PROGRAM_ID)?;
    let data = mint
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if data.len() != MINT_LEN || bytes::read_u8(&data, 45)? != 1 {
        return Err(BridgeError::WrongAccountData);
    }
    if let Some(authority) = authority {
        let tag = bytes::read_u32(&data, 0)?;
        if tag != 1 || bytes::read::<32>(&data, 4)? != *authority.as_array() {
            return Err(BridgeError::WrongMintAuthority);
        }
    }
    Ok(())
}

/// `10^exp`, refusing exponents whose power does not fit a u64 (exp > 19).
#[inline(always)]
pub fn pow10(exp: u8) -> Result<u64, BridgeError> {
    if exp > 19 {
        return Err(BridgeError::Overflow);
    }
    let mut power = 1u64;
    for _ in 0..exp {
        power *= 10; // at most 10^19 < 2^64
    }
    Ok(power)
}

/// `a * b` as (high, low) 64-bit halves, without 128-bit arithmetic (the SBF target built with
/// upstream LLVM has no `__multi3`).
#[inline(always)]
fn mul_wide(a: u64, b: u64) -> (u64, u64) {
    let (a_hi, a_lo) = (a >> 32, a & 0xffff_ffff);
    let (b_hi, b_lo) = (b >> 32, b & 0xffff_ffff);
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    let cross = (lo_lo >> 32) + (hi_lo & 0xffff_ffff) + (lo_hi & 0xffff_ffff);
    let low = (cross << 32) | (lo_lo & 0xffff_ffff);
    let high = hi_hi + (hi_lo >> 32) + (lo_hi >> 32) + (cross >> 32);
    (high, low)
}

/// The message amount (32 bytes BE) for `local` units scaled by `10^exp`.
pub fn to_message_amount(local: u64, exp: u8) -> Result<[u8; 32], BridgeError> {
    let (high, low) = mul_wide(local, pow10(exp)?);
    let mut out = [0u8; 32];
    out[16..24].copy_from_slice(&high.to_be_bytes());
    out[24..32].copy_from_slice(&low.to_be_bytes());
    Ok(out)
}

/// `amount / 10^exp` of a 32-byte big-endian amount as eight big-endian 32-bit limbs, refusing
/// zero and a remainder (never truncated). Divides by 10 `exp` times over 32-bit limbs (no
/// 128-bit division on this target).
#[inline(always)]
fn div_exact_pow10(amount: &[u8; 32], exp: u8) -> Result<[u32; 8], BridgeError> {
    let mut limbs = [0u32; 8];
    for (limb, chunk) in limbs.iter_mut().zip(amount.chunks_exact(4)) {
        let mut b = [0u8; 4];
        b.copy_from_slice(chunk);
        *limb = u32::from_be_bytes(b);
    }
    if limbs.iter().all(|l| *l == 0) {
        return Err(BridgeError::BadAmount);
    }
    for _ in 0..exp {
        let mut rem = 0u64;
        for limb in limbs.iter_mut() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / 10) as u32;
            rem = cur % 10;
        }
        if rem != 0 {
            return Err(BridgeError::BadAmount);
        }
    }
    Ok(limbs)
}

/// The local amount for a message amount: `amount / 10^exp`, refusing zero, a remainder, or a
/// value that does not fit a u64 (never truncated).
#[inline(always)]
pub fn to_local_amount(amount: &[u8; 32], exp: u8) -> Result<u64, BridgeError> {
    let [h0, h1, h2, h3, h4, h5, l0, l1] = div_exact_pow10(amount, exp)?;
    if [h0, h1, h2, h3, h4, h5].iter().any(|l| *l != 0) {
        return Err(BridgeError::BadAmount);
    }
    let value = (u64::from(l0) << 32) | u64::from(l1);
    if value == 0 {
        return Err(BridgeError::BadAmount);
    }
    Ok(value)
}

/// Whether the message amount `amount` (home units) is representable at a remote of scale
/// `remote_exp` and maximum `remote_max` (u128, little-endian as stored): a non-zero exact
/// multiple of `10^remote_exp` whose quotient is at most `remote_max`. `BadAmount` otherwise.
#[inline(always)]
pub fn check_representable(
    amount: &[u8; 32],
    remote_exp: u8,
    remote_max_le: &[u8; 16],
) -> Result<(), BridgeError> {
    let limbs = div_exact_pow10(amount, remote_exp)?;
    let mut quotient = [0u8; 32];
    for (chunk, limb) in quotient.chunks_exact_mut(4).zip(limbs.iter()) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    let mut max = [0u8; 32];
    for (dst, src) in max.iter_mut().skip(16).zip(remote_max_le.iter().rev()) {
        *dst = *src;
    }
    // Big-endian byte strings of equal length compare as the numbers they encode.
    if quotient > max {
        return Err(BridgeError::BadAmount);
    }
    Ok(())
}

/// A token bucket stored at `offset` of a `Route`.
pub struct Bucket {
    /// Most the bucket holds.
    pub capacity: u64,
    /// Units added per second.
    pub refill: u64,
    /// Level at `last_update`.
    pub level: u64,
    /// When `level` was measured (unix seconds).
    pub last_update: i64,
}

impl Bucket {
    /// Reads the bucket at `offset`.
    pub fn read(data: &[u8], offset: usize) -> Result<Self, BridgeError> {
        Ok(Self {
            capacity: bytes::read_u64(data, offset + bucket::CAPACITY)?,
            refill: bytes::read_u64(data, offset + bucket::REFILL_PER_SECOND)?,
            level: bytes::read_u64(data, offset + bucket::LEVEL)?,
            last_update: bytes::read_i64(data, offset + bucket::LAST_UPDATE)?,
        })
    }

    /// Writes the bucket at `offset`.
    pub fn write(&self, data: &mut [u8], offset: usize) -> Result<(), BridgeError> {
        bytes::write(
            data,
            offset + bucket::CAPACITY,
            &self.capacity.to_le_bytes(),
        )?;
        bytes::write(
            data,
            offset + bucket::REFILL_PER_SECOND,
            &self.refill.to_le_bytes(),
        )?;
        bytes::write(data, offset + bucket::LEVEL, &self.level.to_le_bytes())?;
        bytes::write(
            data,
            offset + bucket::LAST_UPDATE,
            &self.last_update.to_le_bytes(),
        )
    }

    /// `min(capacity, level + (now - last_update) * refill)`, refusing a clock before
    /// `last_update`.
    #[inline(always)]
    pub fn available(&self, now: i64) -> Result<u64, BridgeError> {
        let elapsed = now
            .checked_sub(self.last_update)
            .ok_or(BridgeError::Overflow)?;
        let elapsed = u64::try_from(elapsed).map_err(|_| BridgeError::ClockBackwards)?;
        let refill = match mul_wide(elapsed, self.refill) {
            (0, low) => low,
            _ => u64::MAX,
        };
        Ok(self.level.saturating_add(refill).min(self.capacity))
    }

    /// Takes `amount` at `now`, or `None` if more than available.
    #[inline(always)]
    pub fn try_consume(&mut self, amount: u64, now: i64) -> Result<bool, BridgeError> {
        let available = self.available(now)?;
        match available.checked_sub(amount) {
            Some(level) => {
                self.level = level;
                self.last_update = now;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Takes a queued transfer's `amount` at `now` (`execute_queued`): as [`Bucket::try_consume`],
    /// except that an amount above the capacity (which no bucket ever holds) passes once the
    /// bucket is full, and empties it (`TokenBucket::consume_queued` of `bridge/`).
    #[inline(always)]
    pub fn try_consume_queued(&mut self, amount: u64, now: i64) -> Result<bool, BridgeError> {
        let available = self.available(now)?;
        if amount > self.capacity && available == self.capacity {
            self.level = 0;
            self.last_update = now;
            return Ok(true);
        }
        self.try_consume(amount, now)
    }

    /// A full bucket at `now`; refuses zero capacity.
    pub fn full(capacity: u64, refill: u64, now: i64) -> Result<Self, BridgeError> {
        if capacity == 0 {
            return Err(BridgeError::ZeroValue);
        }
        Ok(Self {
            capacity,
            refill,
            level: capacity,
            last_update: now,
        })
    }

    /// The bucket reconfigured at `now`: refilled under the old rate, capped at the new capacity.
    pub fn reconfigure(&self, capacity: u64, refill: u64, now: i64) -> Result<Self, BridgeError> {
        if capacity == 0 {
            return Err(BridgeError::ZeroValue);
        }
        let level = self.available(now)?.min(capacity);
        Ok(Self {
            capacity,
            refill,
            level,
            last_update: now,
        })
    }
}

/// The stored `TokenConfig` fields a transfer needs.
pub struct TokenInfo {
    /// The SPL mint.
    pub mint: Address,
    /// Whether Solana is the token's home (vault) or not (bridged mint).
    pub is_home: bool,
    /// The token's home domain.
    pub home_domain: u32,
    /// Message amount = local * 10^scale_exp.
    pub scale_exp: u8,
    /// The vault token account (home tokens).
    pub vault: Address,
    /// Transfers at or above this are queued behind the timelock.
    pub timelock_threshold: u64,
    /// The queued transfers' delay.
    pub timelock_delay: i64,
}

/// Reads a `TokenConfig`.
pub fn read_info(data: &[u8]) -> Result<TokenInfo, BridgeError> {
    Ok(TokenInfo {
        mint: Address::new_from_array(bytes::read(data, token::MINT)?),
        is_home: bytes::read_u8(data, token::IS_HOME)? == 1,
        home_domain: bytes::read_u32(data, token::HOME_DOMAIN)?,
        scale_exp: bytes::read_u8(data, token::SCALE_EXP)?,
        vault: Address::new_from_array(bytes::read(data, token::VAULT)?),
        timelock_threshold: bytes::read_u64(data, token::TIMELOCK_THRESHOLD)?,
        timelock_delay: bytes::read_i64(data, token::TIMELOCK_DELAY)?,
    })
}
