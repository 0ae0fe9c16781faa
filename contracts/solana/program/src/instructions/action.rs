//! The timelocked admin actions (`Action`, a Borsh enum: the tag is the variant's position),
//! decoded and validated against the current config both when proposed and when executed.
//!
//! | tag | action | fields |
//! | --- | --- | --- |
//! | 0 | `SetValidatorSet` | `domain: u32, epoch: u64, threshold: u8, validators: Vec<[u8; 20]>` |
//! | 1 | `SetRemote` | `domain: u32, bridge: [u8; 32], kind: u8, epoch: u64, threshold: u8, validators: Vec<[u8; 20]>` |
//! | 2 | `RegisterToken` | `home_domain: u32, home_token: [u8; 32], mint: Pubkey, scale_exp: u8, timelock_threshold: u64, timelock_delay: i64` |
//! | 3 | `SetTokenLimits` | `token_id: [u8; 32], timelock_threshold: u64, timelock_delay: i64` |
//! | 4 | `Unpause` | |
//! | 5 | `SetRoles` | `admin: Pubkey, guardian: Pubkey` |
//! | 6 | `SetRoute` | `token_id: [u8; 32], domain: u32, remote_exp: u8, remote_max: u128, inbound: BucketLimits, outbound: BucketLimits` |
//! | 7 | `SetAdminDelay` | `admin_delay: i64` |
//! | 8 | `VoidQueued` | `origin: u32, origin_bridge: [u8; 32], nonce: u64` |
//! | 9 | `RefundCancelled` | `origin: u32, origin_bridge: [u8; 32], nonce: u64` |
//! | 10 | `Upgrade` | `buffer: Pubkey, spill: Pubkey, code_hash: [u8; 32]` |
//! | 11 | `SetFeeConfig` | `destination: u32, config: FeeConfigArgs` |
//! | 12 | `SetFeeRoles` | `oracle: Pubkey, beneficiary: Pubkey` |
//!
//! `BucketLimits { capacity: u64, refill_per_second: u64 }`, both non-zero. A token's timelock
//! delay is 1 s to 30 days (`OutOfRange` above). `code_hash` is sha256 of the buffer's program
//! bytes (everything after the loader's 37-byte buffer header), non-zero.
//! `FeeConfigArgs { gas_price: u128, exchange_rate: u128, fixed_cost: u128, message_gas: u64,
//! signatures_gas: u64, transfer_gas: u64, gas_per_byte: u32 }` (any values; the destination
//! is not 0 nor this bridge's domain, and a configured remote when executed). `SetFeeRoles`' oracle is neither the
//! admin nor the guardian (`OutOfRange`); a zero key is none. Conversely, `SetRoles`' admin and
//! guardian are not the fee oracle (`OutOfRange`): `propose` and `execute_proposal` check that
//! with the `["fees"]` account ([`super::fees::check_not_oracle`]), which `parse` does not see.

use crate::bytes::{self, Reader};
use crate::error::BridgeError;
use crate::fee::FeeParams;
use crate::instructions::fees::read_params;
use crate::state::{self, config, remote};
use crate::token::pow10;
use crate::validators::validate_set;

/// `SetValidatorSet`.
pub const SET_VALIDATOR_SET: u8 = 0;
/// `SetRemote`.
pub const SET_REMOTE: u8 = 1;
/// `RegisterToken`.
pub const REGISTER_TOKEN: u8 = 2;
/// `SetTokenLimits`.
pub const SET_TOKEN_LIMITS: u8 = 3;
/// `Unpause`.
pub const UNPAUSE: u8 = 4;
/// `SetRoles`.
pub const SET_ROLES: u8 = 5;
/// `SetRoute`.
pub const SET_ROUTE: u8 = 6;
/// `SetAdminDelay`.
pub const SET_ADMIN_DELAY: u8 = 7;
/// `VoidQueued`.
pub const VOID_QUEUED: u8 = 8;
/// `RefundCancelled`.
pub const REFUND_CANCELLED: u8 = 9;
/// `Upgrade`.
pub const UPGRADE: u8 = 10;
/// `SetFeeConfig`.
pub const SET_FEE_CONFIG: u8 = 11;
/// `SetFeeRoles`.
pub const SET_FEE_ROLES: u8 = 12;

/// Largest remote exponent: `10^77` is the largest power of ten below `2^256`.
pub const MAX_REMOTE_EXP: u8 = 77;

/// A bucket's configuration.
#[derive(Clone, Copy)]
pub struct BucketLimits {
    /// Most it holds (local units).
    pub capacity: u64,
    /// Units added per second.
    pub refill: u64,
}

/// A decoded, validated action.
pub enum Action<'a> {
    /// 0
    SetValidatorSet {
        /// The remote.
        domain: u32,
        /// New epoch (must increase).
        epoch: u64,
        /// Threshold.
        threshold: u8,
        /// Flat 20-byte addresses.
        validators: &'a [u8],
    },
    /// 1
    SetRemote {
        /// The remote.
        domain: u32,
        /// Its bridge.
        bridge: [u8; 32],
        /// 0 EVM, 1 Solana.
        kind: u8,
        /// Epoch (above the current one for an existing remote).
        epoch: u64,
        /// Threshold.
        threshold: u8,
        /// Flat 20-byte addresses.
        validators: &'a [u8],
    },
    /// 2
    RegisterToken {
        /// Home domain.
        home_domain: u32,
        /// Home token.
        home_token: [u8; 32],
        /// The SPL mint here.
        mint: [u8; 32],
        /// Message amount = local * 10^scale_exp.
        scale_exp: u8,
        /// Inbound amounts at or above it queue behind the timelock.
        timelock_threshold: u64,
        /// Their delay.
        timelock_delay: i64,
    },
    /// 3
    SetTokenLimits {
        /// The token.
        token_id: [u8; 32],
        /// Timelock threshold.
        timelock_threshold: u64,
        /// Timelock delay.
        timelock_delay: i64,
    },
    /// 4
    Unpause,
    /// 5
    SetRoles {
        /// New admin.
        admin: [u8; 32],
        /// New guardian.
        guardian: [u8; 32],
    },
    /// 6
    SetRoute {
        /// The token.
        token_id: [u8; 32],
        /// The remote.
        domain: u32,
        /// Remote local = home / 10^remote_exp.
        remote_exp: u8,
        /// Largest remote local amount, u128 little-endian (0 disables sends).
        remote_max: [u8; 16],
        /// Inbound bucket.
        inbound: BucketLimits,
        /// Outbound bucket.
        outbound: BucketLimits,
    },
    /// 7
    SetAdminDelay {
        /// Seconds, 1..=30 days.
        admin_delay: i64,
    },
    /// 8
    VoidQueued {
        /// Receipt key.
        key: (u32, [u8; 32], u64),
    },
    /// 9
    RefundCancelled {
        /// Receipt key.
        key: (u32, [u8; 32], u64),
    },
    /// 10
    Upgrade {
        /// The buffer holding the new program (its authority is the upgrade-authority PDA).
        buffer: [u8; 32],
        /// Who receives the buffer's lamports.
        spill: [u8; 32],
        /// sha256 of the buffer's program bytes.
        code_hash: [u8; 32],
    },
    /// 11
    SetFeeConfig {
        /// The destination domain.
        destination: u32,
        /// Its fee configuration (`last_update` is not part of the action).
        config: FeeParams,
    },
    /// 12
    SetFeeRoles {
        /// Updates prices within bounds (zero: none).
        oracle: [u8; 32],
        /// Receives the fees (zero: none).
        beneficiary: [u8; 32],
    },
}

fn read_bucket(r: &mut Reader) -> Result<BucketLimits, BridgeError> {
    let limits = BucketLimits {
        capacity: r.u64()?,
        refill: r.u64()?,
    };
    if limits.capacity == 0 || limits.refill == 0 {
        return Err(BridgeError::ZeroValue);
    }
    Ok(limits)
}

fn read_timelock(r: &mut Reader) -> Result<(u64, i64), BridgeError> {
    let threshold = r.u64()?;
    let delay = r.i64()?;
    if threshold == 0 || delay <= 0 {
        return Err(BridgeError::ZeroValue);
    }
    if delay > state::MAX_TIMELOCK_DELAY {
        return Err(BridgeError::OutOfRange);
    }
    Ok((threshold, delay))
}

/// A remote domain: not 0, not this bridge's own.
fn check_remote_domain(remote: u32, own: u32) -> Result<(), BridgeError> {
    if remote == 0 {
        return Err(BridgeError::ZeroValue);
    }
    if remote == own {
        return Err(BridgeError::UnknownRemote);
    }
    Ok(())
}

/// A receipt key (no zero origin or bridge).
fn read_key(r: &mut Reader) -> Result<(u32, [u8; 32], u64), BridgeError> {
    let key = (r.u32()?, r.array()?, r.u64()?);
    if key.0 == 0 || key.1 == [0u8; 32] {
        return Err(BridgeError::ZeroValue);
    }
    Ok(key)
}

/// The action's tag (its first byte), without decoding the rest.
pub fn tag(bytes_in: &[u8]) -> Result<u8, BridgeError> {
    bytes_in
        .first()
        .copied()
        .ok_or(BridgeError::InvalidInstructionData)
}

/// Decodes and validates an action against the current config.
pub fn parse<'a>(bytes_in: &'a [u8], config_data: &[u8]) -> Result<Action<'a>, BridgeError> {
    let mut r = Reader::new(bytes_in);
    let domain = bytes::read_u32(config_data, config::DOMAIN)?;
    let action = match r.u8()? {
        SET_VALIDATOR_SET => {
            let d = r.u32()?;
            let epoch = r.u64()?;
            let threshold = r.u8()?;
            let validators = r.vec_of::<20>()?;
            check_remote_domain(d, domain)?;
            validate_set(epoch, threshold, validators)?;
            Action::SetValidatorSet {
                domain: d,
                epoch,
                threshold,
                validators,
            }
        }
        SET_REMOTE => {
            let d = r.u32()?;
            let bridge: [u8; 32] = r.array()?;
            let kind = r.u8()?;
            let epoch = r.u64()?;
            let threshold = r.u8()?;
            let validators = r.vec_of::<20>()?;
            check_remote_domain(d, domain)?;
            if bridge == [0u8; 32] {
                return Err(BridgeError::ZeroValue);
            }
            if kind != remote::KIND_EVM && kind != remote::KIND_SOLANA {
                return Err(BridgeError::OutOfRange);
            }
            // An EVM bridge is an address left-padded with 12 zero bytes (as EVM `setRemote`).
            if kind == remote::KIND_EVM && bridge[..12] != [0u8; 12] {
                return Err(BridgeError::OutOfRange);
            }
            validate_set(epoch, threshold, validators)?;
            Action::SetRemote {
                domain: d,
                bridge,
                kind,
                epoch,
                threshold,
                validators,
            }
        }
        REGISTER_TOKEN => {
            let home_domain = r.u32()?;
            let home_token: [u8; 32] = r.array()?;
            let mint: [u8; 32] = r.array()?;
            let scale_exp = r.u8()?;
            let (timelock_threshold, timelock_delay) = read_timelock(&mut r)?;
            if home_domain == 0 || home_token == [0u8; 32] || mint == [0u8; 32] {
                return Err(BridgeError::ZeroValue);
            }
            pow10(scale_exp)?;
            if home_domain == domain && (home_token != mint || scale_exp != 0) {
                return Err(BridgeError::BadTokenRegistration);
            }
            Action::RegisterToken {
                home_domain,
                home_token,
                mint,
                scale_exp,
                timelock_threshold,
                timelock_delay,
            }
        }
        SET_TOKEN_LIMITS => {
            let token_id: [u8; 32] = r.array()?;
            let (timelock_threshold, timelock_delay) = read_timelock(&mut r)?;
            Action::SetTokenLimits {
                token_id,
                timelock_threshold,
                timelock_delay,
            }
        }
        UNPAUSE => Action::Unpause,
        SET_ROLES => {
            let admin: [u8; 32] = r.array()?;
            let guardian: [u8; 32] = r.array()?;
            if admin == [0u8; 32] || guardian == [0u8; 32] {
                return Err(BridgeError::ZeroValue);
            }
            if admin == guardian {
                return Err(BridgeError::SameAdminAndGuardian);
            }
            Action::SetRoles { admin, guardian }
        }
        SET_ROUTE => {
            let token_id: [u8; 32] = r.array()?;
            let d = r.u32()?;
            let remote_exp = r.u8()?;
            let remote_max: [u8; 16] = r.array()?;
            let inbound = read_bucket(&mut r)?;
            let outbound = read_bucket(&mut r)?;
            check_remote_domain(d, domain)?;
            if remote_exp > MAX_REMOTE_EXP {
                return Err(BridgeError::OutOfRange);
            }
            Action::SetRoute {
                token_id,
                domain: d,
                remote_exp,
                remote_max,
                inbound,
                outbound,
            }
        }
        SET_ADMIN_DELAY => {
            let admin_delay = r.i64()?;
            if admin_delay <= 0 {
                return Err(BridgeError::ZeroValue);
            }
            if admin_delay > state::MAX_ADMIN_DELAY {
                return Err(BridgeError::OutOfRange);
            }
            Action::SetAdminDelay { admin_delay }
        }
        VOID_QUEUED => Action::VoidQueued {
            key: read_key(&mut r)?,
        },
        REFUND_CANCELLED => Action::RefundCancelled {
            key: read_key(&mut r)?,
        },
        UPGRADE => {
            let buffer: [u8; 32] = r.array()?;
            let spill: [u8; 32] = r.array()?;
            let code_hash: [u8; 32] = r.array()?;
            if buffer == [0u8; 32] || spill == [0u8; 32] || code_hash == [0u8; 32] {
                return Err(BridgeError::ZeroValue);
            }
            Action::Upgrade {
                buffer,
                spill,
                code_hash,
            }
        }
        SET_FEE_CONFIG => {
            let destination = r.u32()?;
            let config = read_params(&mut r)?;
            check_remote_domain(destination, domain)?;
            Action::SetFeeConfig {
                destination,
                config,
            }
        }
        SET_FEE_ROLES => {
            let oracle: [u8; 32] = r.array()?;
            let beneficiary: [u8; 32] = r.array()?;
            // The oracle is its own key: a stolen oracle key must not be a role's too.
            if oracle == bytes::read::<32>(config_data, config::ADMIN)?
                || oracle == bytes::read::<32>(config_data, config::GUARDIAN)?
            {
                return Err(BridgeError::OutOfRange);
            }
            Action::SetFeeRoles {
                oracle,
                beneficiary,
            }
        }
        _ => return Err(BridgeError::InvalidInstructionData),
    };
    r.finish()?;
    Ok(action)
}
