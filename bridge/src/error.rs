//! The error type of `trestle-bridge`: one variant per way a message, a validator set, a
//! signature set or a rate-limit/timelock rule can be refused.

use trestle_core::chain::U256;
use trestle_core::evm::EvmAddress;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the protocol refuses.
///
/// [`Error::code`] gives a stable snake-case code per variant; the shared test vectors
/// (`bridge/vectors/v2.json`) name expected rejections by these codes, and the Solidity bridge
/// reverts with the custom error of the same name in CamelCase for every code the vectors use
/// (the amount errors are all `InvalidAmount` there).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- messages and bodies ----
    /// The encoding is shorter than the 81-byte header.
    #[error("message is {len} bytes; the header alone is 81")]
    MessageTooShort {
        /// Length of the input.
        len: usize,
    },
    /// The version byte is not 2.
    #[error("message version {version} is not supported (expected 2)")]
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// The body is longer than 16 KiB.
    #[error("message body is {len} bytes; at most {max} are allowed")]
    BodyTooLarge {
        /// Body length.
        len: usize,
        /// The cap, [`crate::MAX_BODY_LEN`].
        max: usize,
    },
    /// A domain field is zero.
    #[error("{field} domain is 0, which is never a valid domain")]
    ZeroDomain {
        /// `"origin"` or `"destination"`.
        field: &'static str,
    },
    /// The body is empty (it has no kind byte).
    #[error("message body is empty: the first byte must be the body kind")]
    EmptyBody,
    /// The body kind byte is not a known kind.
    #[error("unknown body kind 0x{kind:02x} (0x00 message, 0x01 token transfer)")]
    UnknownBodyKind {
        /// The kind byte found.
        kind: u8,
    },
    /// A token-transfer body is not exactly 97 bytes.
    #[error("token transfer body is {got} bytes; it must be exactly {expected}")]
    TokenTransferLength {
        /// Bytes found.
        got: usize,
        /// Always 97.
        expected: usize,
    },

    /// An arbitrary-message body too short to hold its gas limit.
    #[error(
        "message body is {got} bytes; an arbitrary message needs at least {min} (kind byte and gas limit)"
    )]
    MessageBodyLength {
        /// Bytes found.
        got: usize,
        /// Always 9.
        min: usize,
    },
    /// An arbitrary message with a recipient gas limit of 0.
    #[error("message gas limit is 0: the recipient would get no gas")]
    ZeroGasLimit,

    // ---- validator sets ----
    /// Validator-set epoch 0.
    #[error("validator-set epoch 0 is invalid: epochs start at 1")]
    ZeroEpoch,
    /// No validators.
    #[error("validator set is empty")]
    EmptyValidatorSet,
    /// More validators than the protocol allows.
    #[error("validator set has {len} validators; at most {max} are allowed")]
    TooManyValidators {
        /// Number given.
        len: usize,
        /// [`crate::MAX_VALIDATORS`].
        max: usize,
    },
    /// The zero address in a validator set.
    #[error("validator {index} is the zero address")]
    ZeroValidator {
        /// Position in the list.
        index: usize,
    },
    /// Validators not strictly ascending (unsorted or repeated).
    #[error(
        "validator {index} ({validator}) is not above the previous one: validators must be strictly ascending"
    )]
    ValidatorsNotAscending {
        /// Position in the list.
        index: usize,
        /// The offending validator.
        validator: EvmAddress,
    },
    /// Threshold zero or above the number of validators.
    #[error("threshold {threshold} is invalid for {len} validators (1 <= threshold <= len)")]
    InvalidThreshold {
        /// The threshold given.
        threshold: usize,
        /// Number of validators.
        len: usize,
    },
    /// Threshold below `ceil(2n/3)` (refused when configuring a set).
    #[error("threshold {threshold} of {len} is below two thirds; at least {min} is required")]
    ThresholdBelowTwoThirds {
        /// The threshold given.
        threshold: usize,
        /// Number of validators.
        len: usize,
        /// `ceil(2 * len / 3)`.
        min: usize,
    },

    // ---- signature sets ----
    /// The signature set is not a whole number of 65-byte signatures.
    #[error("signature set is {len} bytes, not a multiple of 65")]
    BadLength {
        /// Length of the set.
        len: usize,
    },
    /// `v` is not 27 or 28.
    #[error("signature {index}: v = {v}, expected 27 or 28")]
    BadV {
        /// Position in the set.
        index: usize,
        /// The `v` byte found.
        v: u8,
    },
    /// `s` in the upper half of the curve order (malleable).
    #[error("signature {index}: s is above secp256k1n/2 (malleable signature)")]
    HighS {
        /// Position in the set.
        index: usize,
    },
    /// No signer recovers (`r`/`s` zero or out of range, no point) or it is the zero address.
    #[error(
        "signature {index}: no signer recovers (r or s zero or out of range, or no curve point)"
    )]
    RecoveryFailed {
        /// Position in the set.
        index: usize,
    },
    /// A signer below the previous one.
    #[error(
        "signature {index}: signer {signer} is below the previous signer {previous}; signers must be strictly ascending"
    )]
    Unsorted {
        /// Position in the set.
        index: usize,
        /// The signer recovered.
        signer: EvmAddress,
        /// The signer of the signature before it.
        previous: EvmAddress,
    },
    /// The same signer twice in a row.
    #[error("signature {index}: signer {signer} signed twice")]
    Duplicate {
        /// Position in the set.
        index: usize,
        /// The signer recovered.
        signer: EvmAddress,
    },
    /// A signer outside the validator set.
    #[error("signature {index}: signer {signer} is not in validator set epoch {epoch}")]
    NotMember {
        /// Position in the set.
        index: usize,
        /// The signer recovered.
        signer: EvmAddress,
        /// Epoch of the set checked against.
        epoch: u64,
    },
    /// Fewer valid signatures than the threshold.
    #[error("{got} signatures; the threshold is {threshold}")]
    BelowThreshold {
        /// Signatures present.
        got: usize,
        /// The set's threshold.
        threshold: usize,
    },
    /// The attestation names a different epoch than the current set's.
    #[error("attestation is for validator-set epoch {got}; the current epoch is {expected}")]
    WrongEpoch {
        /// The current set's epoch.
        expected: u64,
        /// The attestation's epoch.
        got: u64,
    },

    // ---- amounts ----
    /// A zero amount (nothing is accepted on zero).
    #[error("amount is 0")]
    ZeroAmount,
    /// An amount that is not a multiple of the scale `10^exp` (it would leave dust).
    #[error("amount {amount} is not a multiple of 10^{exp}")]
    InexactAmount {
        /// The amount in home units.
        amount: U256,
        /// The scale's exponent.
        exp: u8,
    },
    /// An amount above what the (destination's) integer type holds.
    #[error("amount {amount} is above the maximum {max}")]
    AmountTooLarge {
        /// The amount (in the units `max` is in).
        amount: U256,
        /// The largest representable amount.
        max: U256,
    },
    /// A scale exponent above 77 (`10^78` does not fit a `U256`).
    #[error("scale exponent {exp} is above 77")]
    InvalidScale {
        /// The exponent given.
        exp: u8,
    },

    // ---- rate limits and timelocks ----
    /// A token bucket with zero capacity, or a level above capacity.
    #[error("invalid token bucket: {reason}")]
    InvalidBucket {
        /// What is wrong.
        reason: &'static str,
    },
    /// More than the bucket holds right now.
    #[error("rate limited: {requested} requested, {available} available")]
    RateLimited {
        /// Amount asked for.
        requested: u128,
        /// Amount available now.
        available: u128,
    },
    /// A delivery above what the route's ledger allows for its origin.
    #[error("ledger exceeded: {requested} requested, {available} available for this origin")]
    LedgerExceeded {
        /// Amount asked for (local units).
        requested: u128,
        /// What the route may still pay its remote.
        available: u128,
    },
    /// The clock went backwards relative to the bucket's last update.
    #[error("time {now} is before the bucket's last update {last_update}")]
    ClockBackwards {
        /// The time given.
        now: u64,
        /// The bucket's last update.
        last_update: u64,
    },
    /// A queued item executed before its time.
    #[error("not executable before {ready_at} (now {now})")]
    TimelockPending {
        /// The time given.
        now: u64,
        /// When it becomes executable.
        ready_at: u64,
    },
    /// An admin proposal executed after its grace period.
    #[error("the proposal expired at {expires_at} (now {now}); propose it again")]
    ProposalExpired {
        /// The time given.
        now: u64,
        /// Its ETA plus the grace period.
        expires_at: u64,
    },
    /// `queued at + delay` does not fit in a `u64`.
    #[error("queued at {queued_at} + delay {delay} overflows")]
    TimeOverflow {
        /// When the item was queued.
        queued_at: u64,
        /// The delay.
        delay: u64,
    },

    // ---- delivery fees ----
    /// A quote whose cost in destination units or whose fee does not fit a `u128`.
    #[error(
        "the fee overflows: the destination's fee configuration prices this message above 2^128 units"
    )]
    FeeOverflow,
    /// A fee-oracle update for a destination whose prices governance has not set.
    #[error("the destination has no fee prices yet: governance sets the first ones")]
    FeeNotConfigured,
    /// A fee-oracle update within the update interval of the last one.
    #[error(
        "fee prices were updated less than a minute ago: the next update is allowed at {next_at} (now {now})"
    )]
    FeeUpdateTooSoon {
        /// The time given.
        now: u64,
        /// The earliest time of the next update.
        next_at: u64,
    },
    /// A fee-oracle update that moves a price by more than a factor of two, or to 0.
    #[error("{field} may move to between half and twice {old} in one update, not to {new}")]
    FeeChangeTooLarge {
        /// `"gas_price"` or `"exchange_rate"`.
        field: &'static str,
        /// The current value.
        old: u128,
        /// The value refused.
        new: u128,
    },

    // ---- Solana program accounts ----
    /// An account of the Solana bridge program does not decode (wrong discriminator, length
    /// or field value).
    #[error("{account} account: {reason}")]
    InvalidAccount {
        /// The account type (`Config`, `Remote`, ...).
        account: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// An instruction argument for the Solana bridge program that cannot be encoded or decoded.
    #[error("{what}: {reason}")]
    InvalidInstruction {
        /// The instruction or action.
        what: &'static str,
        /// What was wrong.
        reason: String,
    },
}

impl Error {
    /// The stable snake-case code of this error, as used in the shared vectors and as the
    /// name (in camel case) of the Solidity bridge's custom error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::MessageTooShort { .. } => "message_too_short",
            Error::UnsupportedVersion { .. } => "unsupported_version",
            Error::BodyTooLarge { .. } => "body_too_large",
            Error::ZeroDomain { .. } => "zero_domain",
            Error::EmptyBody => "empty_body",
            Error::UnknownBodyKind { .. } => "unknown_body_kind",
            Error::TokenTransferLength { .. } => "token_transfer_length",
            Error::MessageBodyLength { .. } => "message_body_length",
            Error::ZeroGasLimit => "zero_gas_limit",
            Error::ZeroEpoch => "zero_epoch",
            Error::EmptyValidatorSet => "empty_validator_set",
            Error::TooManyValidators { .. } => "too_many_validators",
            Error::ZeroValidator { .. } => "zero_validator",
            Error::ValidatorsNotAscending { .. } => "validators_not_ascending",
            Error::InvalidThreshold { .. } => "invalid_threshold",
            Error::ThresholdBelowTwoThirds { .. } => "threshold_below_two_thirds",
            Error::BadLength { .. } => "bad_length",
            Error::BadV { .. } => "bad_v",
            Error::HighS { .. } => "high_s",
            Error::RecoveryFailed { .. } => "recovery_failed",
            Error::Unsorted { .. } => "unsorted",
            Error::Duplicate { .. } => "duplicate",
            Error::NotMember { .. } => "not_member",
            Error::BelowThreshold { .. } => "below_threshold",
            Error::WrongEpoch { .. } => "wrong_epoch",
            Error::ZeroAmount => "zero_amount",
            Error::InexactAmount { .. } => "inexact_amount",
            Error::AmountTooLarge { .. } => "amount_too_large",
            Error::InvalidScale { .. } => "invalid_scale",
            Error::InvalidBucket { .. } => "invalid_bucket",
            Error::RateLimited { .. } => "rate_limited",
            Error::LedgerExceeded { .. } => "ledger_exceeded",
            Error::ClockBackwards { .. } => "clock_backwards",
            Error::TimelockPending { .. } => "timelock_pending",
            Error::ProposalExpired { .. } => "proposal_expired",
            Error::TimeOverflow { .. } => "time_overflow",
            Error::FeeOverflow => "fee_overflow",
            Error::FeeNotConfigured => "fee_not_configured",
            Error::FeeUpdateTooSoon { .. } => "fee_update_too_soon",
            Error::FeeChangeTooLarge { .. } => "fee_change_too_large",
            Error::InvalidAccount { .. } => "invalid_account",
            Error::InvalidInstruction { .. } => "invalid_instruction",
        }
    }

    /// Whether the same input may succeed later without change: a rate-limited amount once the
    /// bucket refills, a queued item once its delay has passed. Everything else is final.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. } | Error::TimelockPending { .. }
        )
    }
}
