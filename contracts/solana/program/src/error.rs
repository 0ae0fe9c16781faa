//! The program's errors: `ProgramError::Custom(code)`, codes from 6000 as Anchor numbers them.
//! The signature-set and message errors carry the names of `trestle_bridge::Error::code()`
//! (`bad_length`, `high_s`, ...) so the shared vectors can be checked by code.

use pinocchio::error::ProgramError;

/// Every way the bridge program refuses an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum BridgeError {
    // ---- protocol: messages (trestle_bridge codes) ----
    /// `message_too_short`: fewer than 81 bytes.
    MessageTooShort = 6000,
    /// `unsupported_version`: version byte is not 1.
    UnsupportedVersion = 6001,
    /// `zero_domain`: origin or destination domain is 0.
    ZeroDomain = 6002,
    /// `body_too_large`: body over 16 KiB.
    BodyTooLarge = 6003,
    /// `empty_body`: no body kind byte.
    EmptyBody = 6004,
    /// `unknown_body_kind`.
    UnknownBodyKind = 6005,
    /// `token_transfer_length`: a token-transfer body that is not 97 bytes.
    TokenTransferLength = 6006,
    // ---- protocol: validator sets ----
    /// `zero_epoch`.
    ZeroEpoch = 6010,
    /// `empty_validator_set`.
    EmptyValidatorSet = 6011,
    /// `too_many_validators`.
    TooManyValidators = 6012,
    /// `zero_validator`.
    ZeroValidator = 6013,
    /// `validators_not_ascending`.
    ValidatorsNotAscending = 6014,
    /// `invalid_threshold`: 0 or above the number of validators.
    InvalidThreshold = 6015,
    /// `threshold_below_two_thirds`.
    ThresholdBelowTwoThirds = 6016,
    /// A new validator set must have a higher epoch than the current one.
    EpochNotIncreasing = 6017,
    // ---- protocol: signature sets ----
    /// `bad_length`: not a whole number of 65-byte signatures.
    BadLength = 6020,
    /// `bad_v`: v is not 27 or 28.
    BadV = 6021,
    /// `high_s`: s above secp256k1n/2.
    HighS = 6022,
    /// `recovery_failed`.
    RecoveryFailed = 6023,
    /// `unsorted`: a signer below the previous one.
    Unsorted = 6024,
    /// `duplicate`: the same signer twice.
    Duplicate = 6025,
    /// `not_member`: a signer outside the current set.
    NotMember = 6026,
    /// `below_threshold`.
    BelowThreshold = 6027,
    // ---- delivery rules ----
    /// The destination domain is not this bridge's domain.
    WrongDestination = 6030,
    /// The origin domain is not a configured remote, or the remote account is another one.
    UnknownRemote = 6031,
    /// The message id was delivered before (its receipt exists).
    AlreadyDelivered = 6032,
    /// The bridge is paused.
    Paused = 6033,
    /// The token id is not registered (no token config account at its address).
    TokenNotRegistered = 6034,
    /// The recipient of a token transfer is not this program.
    WrongRecipient = 6035,
    /// The amount is zero, not a multiple of the scale, or does not fit a u64 here.
    BadAmount = 6036,
    /// An outbound send above the outbound bucket (`rate_limited`).
    RateLimited = 6037,
    /// A queued transfer whose time has not come (`timelock_pending`).
    TimelockPending = 6038,
    /// The receipt is not in the state the instruction needs (a queued transfer for
    /// `execute_queued`/`cancel_queued`, a received message for `execute_message`).
    NotQueued = 6039,
    /// Arithmetic overflow on amounts or times (`time_overflow`).
    Overflow = 6040,
    /// The clock went backwards relative to a bucket (`clock_backwards`).
    ClockBackwards = 6041,
    /// A staged signature set for another digest (origin, bridge, epoch or message).
    SignatureSetMismatch = 6042,
    /// The recipient program of an arbitrary message failed (the receipt stays `received`).
    RecipientFailed = 6043,
    // ---- accounts (the Wormhole 2022 lesson: every account is checked) ----
    /// An account's address is not the expected PDA / id.
    WrongAccountAddress = 6050,
    /// An account is owned by another program than expected.
    WrongAccountOwner = 6051,
    /// A required signature is missing.
    MissingSignature = 6052,
    /// An account that must be writable is not.
    NotWritable = 6053,
    /// An account's data is not the expected account type (discriminator or length).
    WrongAccountData = 6054,
    /// The token program is not SPL Token.
    WrongTokenProgram = 6055,
    /// A token account's mint is not the token's mint.
    WrongMint = 6056,
    /// A token account's owner is not the beneficiary / sender.
    WrongTokenOwner = 6057,
    /// A bridged mint's mint authority is not the bridge authority PDA.
    WrongMintAuthority = 6058,
    /// The signer is not the admin.
    NotAdmin = 6059,
    /// The signer is not the guardian.
    NotGuardian = 6060,
    /// Too few accounts for the instruction.
    NotEnoughAccounts = 6061,
    /// The config account exists already.
    AlreadyInitialized = 6062,
    /// `initialize` not signed by the program's upgrade authority (or the program is immutable).
    NotUpgradeAuthority = 6063,
    /// The signer is not the payer who staged the signature set.
    NotSignatureSetPayer = 6064,
    // ---- arguments ----
    /// Instruction data does not decode (unknown discriminator, short or trailing bytes).
    InvalidInstructionData = 6070,
    /// A zero or default value where one is never accepted (domain, key, delay, capacity...).
    ZeroValue = 6071,
    /// Admin and guardian are the same key.
    SameAdminAndGuardian = 6072,
    /// The proposal is not pending (executed or cancelled) or is another id.
    ProposalNotPending = 6073,
    /// The proposal's delay has not elapsed.
    ProposalPending = 6074,
    /// The token is registered already / inconsistent registration.
    BadTokenRegistration = 6075,
}

impl From<BridgeError> for ProgramError {
    fn from(e: BridgeError) -> Self {
        ProgramError::Custom(e as u32)
    }
}
