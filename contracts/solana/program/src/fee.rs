//! Delivery fees (docs/protocol.md, "Delivery fees"; the reference is `trestle_bridge::fee`):
//! the quote of a message to a destination in lamports, and the bounds of a fee-oracle price
//! update, with the same exact integer arithmetic as the reference.
//!
//! ```text
//! gas  = message_gas + signatures_gas + gas_limit + body_len * gas_per_byte
//! cost = ceil(gas * gas_price / 10^9) + fixed_cost        (> 2^128-1: FeeOverflow)
//! fee  = ceil(cost * exchange_rate / 10^18)                (> 2^64-1 lamports: FeeOverflow)
//! ```
//!
//! An exchange rate of 0 makes the destination free: every quote is 0, whatever else is set.
//!
//! Everything is computed on 256-bit numbers held as eight 32-bit limbs with 64-bit
//! intermediates only: the SBF target built with upstream LLVM has no `__multi3` or
//! `__udivti3`, so no `u128` multiplication or division appears here. `u128` values stay the
//! 16 little-endian bytes they are stored as. `ceil(x / 10^18)` is computed as
//! `ceil(ceil(x / 10^9) / 10^9)`, which is equal for every integer `x >= 0`.

use pinocchio::{AccountView, Address};

use crate::bytes;
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::state::{self, fee_config as layout};

/// `PRICE_SCALE` = 10^9, and `RATE_SCALE` = 10^18 = `PRICE_SCALE`^2.
const BILLION: u32 = 1_000_000_000;

/// The least time between two price updates of one destination by the fee oracle, seconds.
pub const FEE_UPDATE_INTERVAL: u64 = 60;

/// The body length a token transfer is quoted with (its body is always 97 bytes).
pub const TRANSFER_BODY_LEN: u64 = 97;

/// A 256-bit unsigned number: eight 32-bit limbs, least significant first.
type Wide = [u32; 8];

/// `n` (a u128 as its 16 little-endian bytes) widened.
#[inline(always)]
fn from_le16(n: &[u8; 16]) -> Wide {
    let mut out = [0u32; 8];
    for (limb, chunk) in out.iter_mut().zip(n.chunks_exact(4)) {
        let mut b = [0u8; 4];
        b.copy_from_slice(chunk);
        *limb = u32::from_le_bytes(b);
    }
    out
}

/// `n` widened.
#[inline(always)]
fn from_u64(n: u64) -> Wide {
    let mut out = [0u32; 8];
    out[0] = n as u32;
    out[1] = (n >> 32) as u32;
    out
}

/// `a + b`, `None` above 2^256 - 1.
#[inline(always)]
fn add(a: &Wide, b: &Wide) -> Option<Wide> {
    let mut out = [0u32; 8];
    let mut carry = 0u64;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        let t = u64::from(*x) + u64::from(*y) + carry;
        *o = t as u32;
        carry = t >> 32;
    }
    (carry == 0).then_some(out)
}

/// `a * b`, `None` above 2^256 - 1. Each step is at most `(2^32-1)^2 + 2 (2^32-1) = 2^64 - 1`.
#[inline(always)]
fn mul(a: &Wide, b: &Wide) -> Option<Wide> {
    let mut out = [0u32; 8];
    for (i, x) in a.iter().enumerate() {
        if *x == 0 {
            continue;
        }
        let mut carry = 0u64;
        for (j, y) in b.iter().enumerate() {
            let product = u64::from(*x) * u64::from(*y);
            match out.get_mut(i + j) {
                Some(o) => {
                    let t = product + u64::from(*o) + carry;
                    *o = t as u32;
                    carry = t >> 32;
                }
                None if product != 0 || carry != 0 => return None,
                None => {}
            }
        }
        // The row's last carry would land at index i + 8.
        if carry != 0 {
            return None;
        }
    }
    Some(out)
}

/// `ceil(a / d)` for a non-zero 32-bit `d` (never overflows: the quotient is at most `a`,
/// and `a / d < a` when a remainder is left and `d > 1`).
#[inline(always)]
fn div_ceil_small(a: &Wide, d: u32) -> Wide {
    let d = u64::from(d.max(1));
    let mut out = [0u32; 8];
    let mut rem = 0u64;
    for (o, x) in out.iter_mut().zip(a).rev() {
        let cur = (rem << 32) | u64::from(*x);
        *o = (cur / d) as u32;
        rem = cur % d;
    }
    if rem != 0 {
        for o in out.iter_mut() {
            let (v, overflow) = o.overflowing_add(1);
            *o = v;
            if !overflow {
                break;
            }
        }
    }
    out
}

/// Whether `a` has no bits at or above limb `from` (fits `32 * from` bits).
#[inline(always)]
fn fits(a: &Wide, from: usize) -> bool {
    a.get(from..)
        .is_none_or(|high| high.iter().all(|l| *l == 0))
}

/// `a <= b`.
#[inline(always)]
fn le(a: &Wide, b: &Wide) -> bool {
    for (x, y) in a.iter().zip(b).rev() {
        if x != y {
            return x < y;
        }
    }
    true
}

/// One destination's fee configuration (`FeeConfig`), `u128` fields as little-endian bytes.
#[derive(Clone, Copy, Default)]
pub struct FeeParams {
    /// 10^-9 destination base units per gas unit.
    pub gas_price: [u8; 16],
    /// Lamports per destination base unit, times 10^18.
    pub exchange_rate: [u8; 16],
    /// Destination base units per delivery besides gas.
    pub fixed_cost: [u8; 16],
    /// Destination gas of a delivery besides the recipient's gas limit.
    pub message_gas: u64,
    /// Destination gas of verifying one signature set.
    pub signatures_gas: u64,
    /// The gas limit a token transfer is quoted with.
    pub transfer_gas: u64,
    /// Destination gas per body byte.
    pub gas_per_byte: u32,
    /// When the fee oracle last set the prices.
    pub last_update: u64,
}

impl FeeParams {
    /// Reads the fields of a `FeeConfig` account's data.
    pub fn read(data: &[u8]) -> Result<Self, BridgeError> {
        Ok(Self {
            gas_price: bytes::read(data, layout::GAS_PRICE)?,
            exchange_rate: bytes::read(data, layout::EXCHANGE_RATE)?,
            fixed_cost: bytes::read(data, layout::FIXED_COST)?,
            message_gas: bytes::read_u64(data, layout::MESSAGE_GAS)?,
            signatures_gas: bytes::read_u64(data, layout::SIGNATURES_GAS)?,
            transfer_gas: bytes::read_u64(data, layout::TRANSFER_GAS)?,
            gas_per_byte: bytes::read_u32(data, layout::GAS_PER_BYTE)?,
            last_update: bytes::read_u64(data, layout::LAST_UPDATE)?,
        })
    }

    /// Writes the fields into a `FeeConfig` account's data.
    pub fn write(&self, data: &mut [u8]) -> Result<(), BridgeError> {
        bytes::write(data, layout::GAS_PRICE, &self.gas_price)?;
        bytes::write(data, layout::EXCHANGE_RATE, &self.exchange_rate)?;
        bytes::write(data, layout::FIXED_COST, &self.fixed_cost)?;
        bytes::write(data, layout::MESSAGE_GAS, &self.message_gas.to_le_bytes())?;
        bytes::write(
            data,
            layout::SIGNATURES_GAS,
            &self.signatures_gas.to_le_bytes(),
        )?;
        bytes::write(data, layout::TRANSFER_GAS, &self.transfer_gas.to_le_bytes())?;
        bytes::write(data, layout::GAS_PER_BYTE, &self.gas_per_byte.to_le_bytes())?;
        bytes::write(data, layout::LAST_UPDATE, &self.last_update.to_le_bytes())
    }

    /// The fee in lamports of a message whose recipient gas limit is `gas_limit` and whose
    /// body is `body_len` bytes. An exchange rate of 0 makes the destination free (0, whatever
    /// the other fields). `FeeOverflow` when the cost does not fit a u128 or the fee does not
    /// fit a u64.
    pub fn quote(&self, gas_limit: u64, body_len: u64) -> Result<u64, BridgeError> {
        if self.exchange_rate == [0u8; 16] {
            return Ok(0);
        }
        let per_byte = mul(&from_u64(body_len), &from_u64(u64::from(self.gas_per_byte)));
        let gas = per_byte
            .and_then(|g| add(&g, &from_u64(self.message_gas)))
            .and_then(|g| add(&g, &from_u64(self.signatures_gas)))
            .and_then(|g| add(&g, &from_u64(gas_limit)))
            .ok_or(BridgeError::FeeOverflow)?;
        let gas_cost = mul(&gas, &from_le16(&self.gas_price)).ok_or(BridgeError::FeeOverflow)?;
        let cost = add(
            &div_ceil_small(&gas_cost, BILLION),
            &from_le16(&self.fixed_cost),
        )
        .filter(|c| fits(c, 4))
        .ok_or(BridgeError::FeeOverflow)?;
        let value = mul(&cost, &from_le16(&self.exchange_rate)).ok_or(BridgeError::FeeOverflow)?;
        let fee = div_ceil_small(&div_ceil_small(&value, BILLION), BILLION);
        if !fits(&fee, 2) {
            return Err(BridgeError::FeeOverflow);
        }
        Ok(u64::from(fee[0]) | (u64::from(fee[1]) << 32))
    }

    /// [`FeeParams::quote`] of a token transfer: gas limit `transfer_gas`, a 97-byte body.
    pub fn quote_transfer(&self) -> Result<u64, BridgeError> {
        self.quote(self.transfer_gas, TRANSFER_BODY_LEN)
    }

    /// Whether the fee oracle may set the prices to `gas_price` and `exchange_rate` at `now`
    /// (`check_price_update` of the reference): both current prices set (`FeeNotConfigured`),
    /// 60 s since the last update (`FeeUpdateTooSoon`), each new price non-zero and within a
    /// factor of two of the current one (`FeeChangeTooLarge`).
    pub fn check_price_update(
        &self,
        gas_price: &[u8; 16],
        exchange_rate: &[u8; 16],
        now: u64,
    ) -> Result<(), BridgeError> {
        if self.gas_price == [0u8; 16] || self.exchange_rate == [0u8; 16] {
            return Err(BridgeError::FeeNotConfigured);
        }
        if now < self.last_update.saturating_add(FEE_UPDATE_INTERVAL) {
            return Err(BridgeError::FeeUpdateTooSoon);
        }
        if !within_factor(&self.gas_price, gas_price)
            || !within_factor(&self.exchange_rate, exchange_rate)
        {
            return Err(BridgeError::FeeChangeTooLarge);
        }
        Ok(())
    }
}

/// `new != 0`, `new <= 2 old` and `2 new >= old`, exactly.
#[inline(always)]
fn within_factor(old: &[u8; 16], new: &[u8; 16]) -> bool {
    if *new == [0u8; 16] {
        return false;
    }
    let (old, new) = (from_le16(old), from_le16(new));
    // Both below 2^128: doubling stays below 2^129.
    let (Some(old2), Some(new2)) = (add(&old, &old), add(&new, &new)) else {
        return false;
    };
    le(&new, &old2) && le(&old, &new2)
}

/// The fee configuration of `destination` at `account`: `None` when it was never created (not
/// this program's: the destination is free), after checking that `account` is that PDA all
/// the same; otherwise owner, discriminator, length, stored destination and PDA address.
pub fn load_config(
    account: &AccountView,
    program_id: &Address,
    destination: u32,
) -> Result<Option<FeeParams>, BridgeError> {
    let d_le = destination.to_le_bytes();
    if !account.owned_by(program_id) {
        let (expected, _) = checks::find_pda(&[state::SEED_FEE_CONFIG, &d_le], program_id)?;
        checks::address(account, &expected)?;
        return Ok(None);
    }
    checks::program_account(account, program_id, &disc::FEE_CONFIG_ACCOUNT, layout::LEN)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if bytes::read_u32(&data, layout::DESTINATION)? != destination {
        return Err(BridgeError::WrongAccountAddress);
    }
    checks::pda(
        account,
        &[state::SEED_FEE_CONFIG, &d_le],
        bytes::read_u8(&data, layout::BUMP)?,
        program_id,
    )?;
    Ok(Some(FeeParams::read(&data)?))
}

/// The fee roles (`FeeRoles`); a zero key is none.
pub struct FeeRoles {
    /// Updates prices within bounds.
    pub oracle: [u8; 32],
    /// Receives the fees.
    pub beneficiary: [u8; 32],
}

/// The fee roles at `account` (`["fees"]`), or `None` when governance never set them (the
/// account is not this program's; its address is checked all the same).
pub fn load_roles(
    account: &AccountView,
    program_id: &Address,
) -> Result<Option<FeeRoles>, BridgeError> {
    use crate::state::fee_roles as r;
    let seeds: [&[u8]; 1] = [state::SEED_FEE_ROLES];
    if !account.owned_by(program_id) {
        let (expected, _) = checks::find_pda(&seeds, program_id)?;
        checks::address(account, &expected)?;
        return Ok(None);
    }
    checks::program_account(account, program_id, &disc::FEE_ROLES_ACCOUNT, r::LEN)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    checks::pda(account, &seeds, bytes::read_u8(&data, r::BUMP)?, program_id)?;
    Ok(Some(FeeRoles {
        oracle: bytes::read(&data, r::ORACLE)?,
        beneficiary: bytes::read(&data, r::BENEFICIARY)?,
    }))
}

/// Checks the fee vault (`["fee_vault"]`): writable, this program's `FeeVault`, at its PDA.
pub fn check_vault(account: &AccountView, program_id: &Address) -> Result<(), BridgeError> {
    use crate::state::fee_vault as v;
    checks::writable(account)?;
    checks::program_account(account, program_id, &disc::FEE_VAULT_ACCOUNT, v::LEN)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let seeds: [&[u8]; 1] = [state::SEED_FEE_VAULT];
    checks::pda(account, &seeds, bytes::read_u8(&data, v::BUMP)?, program_id)
}

/// The fee vault, created (paid by `payer`) if it does not exist yet, else checked.
pub fn ensure_vault(
    payer: &AccountView,
    account: &AccountView,
    system_program: &AccountView,
    program_id: &Address,
) -> Result<(), BridgeError> {
    use crate::state::fee_vault as v;
    use pinocchio::cpi::Seed;
    if account.owned_by(program_id) {
        return check_vault(account, program_id);
    }
    checks::writable(account)?;
    checks::system_program(system_program)?;
    let seeds: [&[u8]; 1] = [state::SEED_FEE_VAULT];
    let (expected, bump) = checks::find_pda(&seeds, program_id)?;
    checks::address(account, &expected)?;
    let bump_seed = [bump];
    let signer = [Seed::from(state::SEED_FEE_VAULT), Seed::from(&bump_seed)];
    checks::create_pda_account(payer, account, system_program, &signer, v::LEN, program_id)?;
    let mut view = account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    bytes::write(&mut data, 0, &disc::FEE_VAULT_ACCOUNT)?;
    bytes::write(&mut data, v::BUMP, &[bump])
}

/// `n` in decimal (at most 20 digits) in `buf`; returns the digits.
pub fn decimal(n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    let mut n = n;
    loop {
        at -= 1;
        if let Some(b) = buf.get_mut(at) {
            *b = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    buf.get(at..).unwrap_or(&[])
}

/// Logs `Fee quote: <quote> lamports, max_fee <max_fee>` (before `FeeTooLow`).
pub fn log_quote(quote: u64, max_fee: u64) {
    let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
    let parts: [&[u8]; 4] = [
        b"Fee quote: ",
        decimal(quote, &mut a),
        b" lamports, max_fee ",
        decimal(max_fee, &mut b),
    ];
    let mut line = [0u8; 80];
    let mut at = 0usize;
    for part in parts {
        let end = at + part.len();
        if let Some(dst) = line.get_mut(at..end) {
            dst.copy_from_slice(part);
            at = end;
        }
    }
    crate::log(line.get(..at).unwrap_or(&[]));
}
