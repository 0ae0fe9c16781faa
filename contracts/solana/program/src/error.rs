//! The program's errors: `ProgramError::Custom(code)`, codes from 6000 as Anchor numbers them,
//! each logged in Anchor's format before the instruction fails (`AnchorError occurred. Error
//! Code: <Name>. Error Number: <n>. Error Message: <msg>.`, what `AnchorError.parse` of
//! `@coral-xyz/anchor` reads), so an Anchor client gets a typed error. The IDL's `errors` list
//! the same names, codes and messages (the tests compare them line by line with the table
//! below: one error per line, `Name = code => "message",`).
//!
//! The signature-set and message errors carry the names of `trestle_bridge::Error::code()`
//! (`bad_length`, `high_s`, ...) so the shared vectors can be checked by code.

use pinocchio::error::ProgramError;

macro_rules! errors {
    ($( $(#[$doc:meta])* $name:ident = $code:literal => $msg:literal, )*) => {
        /// Every way the bridge program refuses an instruction.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub enum BridgeError {
            $( $(#[$doc])* $name = $code, )*
        }

        impl BridgeError {
            /// The error's name (the IDL's `name`, Anchor's "Error Code").
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$name => stringify!($name), )*
                }
            }

            /// The error's message (the IDL's `msg`, Anchor's "Error Message").
            pub const fn message(self) -> &'static str {
                match self {
                    $( Self::$name => $msg, )*
                }
            }
        }
    };
}

errors! {
    // ---- protocol: messages (trestle_bridge codes, in the decoder's order) ----
    /// `message_too_short`: fewer than 81 bytes.
    MessageTooShort = 6000 => "Message shorter than its 81-byte header",
    /// `unsupported_version`: version byte is not 2.
    UnsupportedVersion = 6001 => "Message version is not 2",
    /// `zero_domain`: origin or destination domain is 0.
    ZeroDomain = 6002 => "Message origin or destination domain is 0",
    /// `body_too_large`: body over 16 KiB, or over what this program forwards.
    BodyTooLarge = 6003 => "Message body too large",
    /// `empty_body`: no body kind byte.
    EmptyBody = 6004 => "Message body is empty",
    /// `unknown_body_kind`: a kind other than 0 (message) or 1 (token transfer), or not the
    /// kind the instruction handles.
    UnknownBodyKind = 6005 => "Unknown message body kind",
    /// `token_transfer_length`: a token-transfer body that is not 97 bytes.
    TokenTransferLength = 6006 => "Token-transfer body is not 97 bytes",
    /// `message_body_length`: a message body shorter than 9 bytes (kind and gas limit).
    MessageBodyLength = 6007 => "Message body shorter than 9 bytes",
    /// `zero_gas_limit`: a message body whose gas limit is 0.
    ZeroGasLimit = 6008 => "Message gas limit is 0",
    // ---- protocol: validator sets ----
    /// `zero_epoch`.
    ZeroEpoch = 6010 => "Validator-set epoch is 0",
    /// `empty_validator_set`.
    EmptyValidatorSet = 6011 => "Validator set is empty",
    /// `too_many_validators`.
    TooManyValidators = 6012 => "More than 255 validators",
    /// `zero_validator`.
    ZeroValidator = 6013 => "A validator address is zero",
    /// `validators_not_ascending`.
    ValidatorsNotAscending = 6014 => "Validators are not strictly ascending",
    /// `invalid_threshold`: 0 or above the number of validators.
    InvalidThreshold = 6015 => "Threshold is 0 or above the number of validators",
    /// `threshold_below_two_thirds`.
    ThresholdBelowTwoThirds = 6016 => "Threshold below two thirds of the validators",
    /// A new validator set must have a higher epoch than the current one.
    EpochNotIncreasing = 6017 => "Validator-set epoch does not increase",
    // ---- protocol: signature sets ----
    /// `bad_length`: not a whole number of 65-byte signatures.
    BadLength = 6020 => "Signatures are not a whole number of 65-byte signatures",
    /// `bad_v`: v is not 27 or 28.
    BadV = 6021 => "Signature v is not 27 or 28",
    /// `high_s`: s above secp256k1n/2.
    HighS = 6022 => "Signature s is in the high half",
    /// `recovery_failed`.
    RecoveryFailed = 6023 => "Signer recovery failed",
    /// `unsorted`: a signer below the previous one.
    Unsorted = 6024 => "Signers are not ascending",
    /// `duplicate`: the same signer twice.
    Duplicate = 6025 => "The same signer twice",
    /// `not_member`: a signer outside the current set.
    NotMember = 6026 => "Signer outside the current validator set",
    /// `below_threshold`.
    BelowThreshold = 6027 => "Fewer signatures than the threshold",
    // ---- delivery and sending rules ----
    /// The destination domain is not this bridge's domain.
    WrongDestination = 6030 => "Message destination is not this bridge's domain",
    /// The domain is not a configured remote, or the remote account is another one.
    UnknownRemote = 6031 => "Unknown remote domain",
    /// The message was delivered before (its receipt exists).
    AlreadyDelivered = 6032 => "Message already delivered",
    /// The bridge is paused.
    Paused = 6033 => "The bridge is paused",
    /// The token id is not registered (no token config account at its address).
    TokenNotRegistered = 6034 => "Token not registered",
    /// The recipient of a token transfer is not this program.
    WrongRecipient = 6035 => "Recipient is not this bridge, or not the recipient program",
    /// The amount is zero, not a multiple of the scale, does not fit a u64 here, or is not
    /// representable at the destination (`inexact_amount`, `amount_too_large`).
    BadAmount = 6036 => "Amount is zero, inexact at the scale, or too large",
    /// A send above the route's outbound bucket, or a queued transfer the inbound bucket does
    /// not allow yet (`rate_limited`).
    RateLimited = 6037 => "Rate limited",
    /// A queued transfer whose time has not come (`timelock_pending`).
    TimelockPending = 6038 => "Queued transfer not executable yet",
    /// The receipt is not in the state the instruction needs (a queued transfer for
    /// `execute_queued`/`cancel_queued`/`VoidQueued`, a received message for `execute_message`,
    /// a cancelled transfer for `RefundCancelled`).
    NotQueued = 6039 => "Receipt is not in the state this instruction needs",
    /// Arithmetic overflow on amounts or times (`time_overflow`).
    Overflow = 6040 => "Arithmetic overflow",
    /// The clock went backwards relative to a bucket (`clock_backwards`).
    ClockBackwards = 6041 => "Clock before the bucket's last update",
    /// A staged signature set for another digest (origin, bridge, epoch or message).
    SignatureSetMismatch = 6042 => "Staged signature set is for another digest",
    /// The recipient program of an arbitrary message could not be called.
    RecipientFailed = 6043 => "Recipient program call failed",
    /// No route for (token, domain), or a disabled one (`remote_max = 0`): sends to the remote,
    /// deliveries from it and executions of what it queued are all refused.
    RouteDisabled = 6044 => "No enabled route for this token and domain",
    /// A beneficiary the destination can never pay: zero, the destination bridge itself, or for
    /// an EVM destination a value whose upper 12 bytes are not zero; on delivery here, zero, this
    /// program or its authority PDA.
    InvalidBeneficiary = 6045 => "Beneficiary cannot be paid at the destination",
    /// A delivery above what the route's ledger allows for its origin (per-origin solvency).
    LedgerExceeded = 6046 => "Delivery above the route's ledger for its origin",
    /// Fewer compute units remain than the message's gas limit (or the transaction has other
    /// instructions than compute-budget ones before `execute_message`, or any after it).
    InsufficientCompute = 6047 => "Fewer compute units left than the message's gas limit",
    /// The message names a recipient the bridge never calls: itself, the system program, a
    /// token program or a loader.
    ForbiddenRecipient = 6048 => "Recipient is a program the bridge never calls",
    // ---- accounts (the Wormhole 2022 lesson: every account is checked) ----
    /// An account's address is not the expected PDA / id.
    WrongAccountAddress = 6050 => "Account address is not the expected one",
    /// An account is owned by another program than expected.
    WrongAccountOwner = 6051 => "Account owner is not the expected program",
    /// A required signature is missing.
    MissingSignature = 6052 => "A required signature is missing",
    /// An account that must be writable is not.
    NotWritable = 6053 => "Account is not writable",
    /// An account's data is not the expected account type (discriminator or length).
    WrongAccountData = 6054 => "Account data is not the expected type",
    /// The token program is not SPL Token.
    WrongTokenProgram = 6055 => "Token program is not SPL Token",
    /// A token account's mint is not the token's mint.
    WrongMint = 6056 => "Token account of another mint",
    /// A token account's owner is not the beneficiary / sender.
    WrongTokenOwner = 6057 => "Token account of another owner",
    /// A bridged mint's mint authority is not the bridge authority PDA.
    WrongMintAuthority = 6058 => "Mint authority is not the bridge",
    /// The signer is not the admin.
    NotAdmin = 6059 => "Signer is not the admin",
    /// The signer is not the guardian.
    NotGuardian = 6060 => "Signer is not the guardian",
    /// Too few accounts for the instruction (or too many pass-through accounts).
    NotEnoughAccounts = 6061 => "Wrong number of accounts",
    /// The config account exists already.
    AlreadyInitialized = 6062 => "Already initialized",
    /// `initialize` not signed by the program's upgrade authority (or the program is immutable).
    NotUpgradeAuthority = 6063 => "Signer is not the program's upgrade authority",
    /// The signer is not the payer who staged the signature set.
    NotSignatureSetPayer = 6064 => "Signer is not the signature set's payer",
    // ---- arguments and governance ----
    /// Instruction data does not decode (unknown discriminator, short or trailing bytes).
    InvalidInstructionData = 6070 => "Instruction data does not decode",
    /// A zero or default value where one is never accepted (domain, key, delay, capacity...).
    ZeroValue = 6071 => "A zero or default value",
    /// Admin and guardian are the same key.
    SameAdminAndGuardian = 6072 => "Admin and guardian are the same key",
    /// The proposal is not pending (executed or cancelled) or is another id.
    ProposalNotPending = 6073 => "Proposal is not pending",
    /// The proposal's delay has not elapsed.
    ProposalPending = 6074 => "Proposal delay has not elapsed",
    /// The token is registered already / inconsistent registration.
    BadTokenRegistration = 6075 => "Inconsistent or repeated token registration",
    /// The proposal is past its ETA + 14 days (`proposal_expired`).
    ProposalExpired = 6076 => "Proposal expired",
    /// The guardian cannot cancel a proposal that changes the roles or unpauses.
    GuardianCannotVeto = 6077 => "The guardian cannot cancel this proposal",
    /// `pause` while paused.
    AlreadyPaused = 6078 => "Already paused",
    /// An unpause proposed or executed while the bridge is not paused.
    NotPaused = 6079 => "Not paused",
    /// An unpause proposed before the current pause began (in another pause: its pause count
    /// is not the config's).
    StaleUnpause = 6080 => "Unpause proposed before the current pause",
    /// A value out of its allowed range (remote kind, admin or token delay above 30 days).
    OutOfRange = 6081 => "Value out of range",
    /// The self-CPI event instruction not signed by the event authority PDA.
    EventAuthority = 6082 => "Event instruction not signed by the event authority",
    /// An `Upgrade` whose buffer's program bytes do not hash to the proposal's `code_hash`.
    CodeHashMismatch = 6083 => "Buffer does not hold the code of the proposal's code hash",
    /// An `Upgrade` buffer that is not a loader buffer whose authority is the
    /// `["upgrade_authority"]` PDA (anyone else could still write to it).
    BufferNotHandedOver = 6084 => "Buffer authority is not the upgrade-authority PDA",
    /// `approve_proposal` of a proposal that does not replace the sitting guardian.
    NotGuardianChange = 6085 => "Proposal does not replace the guardian",
    /// A `RefundCancelled` whose origin's remote is no longer the bridge the cancelled message
    /// came from.
    WrongRemote = 6086 => "The origin's remote is not the bridge the message came from",
    // ---- delivery fees ----
    /// `send` with a `max_fee` below the destination's quote (the quote is logged before).
    FeeTooLow = 6087 => "Delivery fee quote above max_fee",
    /// `fee_overflow`: a quote whose cost or fee does not fit a u128, or a fee above u64::MAX
    /// lamports.
    FeeOverflow = 6088 => "Delivery fee overflow",
    /// `fee_not_configured`: a price update for a destination whose prices governance has
    /// not set.
    FeeNotConfigured = 6089 => "Delivery fee not configured for this destination",
    /// `fee_update_too_soon`: a price update less than 60 s after the last one.
    FeeUpdateTooSoon = 6090 => "Fee price update too soon",
    /// `fee_change_too_large`: a new price of 0, above twice or below half the current one.
    FeeChangeTooLarge = 6091 => "Fee price change too large",
    /// The signer is not the fee oracle (or none is set).
    NotFeeOracle = 6092 => "Signer is not the fee oracle",
    /// `withdraw_fees` with no fee beneficiary set.
    NoFeeBeneficiary = 6093 => "No fee beneficiary set",
}

impl From<BridgeError> for ProgramError {
    fn from(e: BridgeError) -> Self {
        ProgramError::Custom(e as u32)
    }
}

/// Longest line [`BridgeError::log`] writes.
const LOG_LEN: usize = 200;

impl BridgeError {
    /// Logs the error as Anchor does (`sol_log`): `AnchorError occurred. Error Code: <Name>.
    /// Error Number: <n>. Error Message: <msg>.`
    pub fn log(self) {
        let mut line = [0u8; LOG_LEN];
        let mut at = 0usize;
        let code = self as u32;
        let digits = [
            b'0' + (code / 1000 % 10) as u8,
            b'0' + (code / 100 % 10) as u8,
            b'0' + (code / 10 % 10) as u8,
            b'0' + (code % 10) as u8,
        ];
        let parts: [&[u8]; 7] = [
            b"AnchorError occurred. Error Code: ",
            self.name().as_bytes(),
            b". Error Number: ",
            &digits,
            b". Error Message: ",
            self.message().as_bytes(),
            b".",
        ];
        for part in parts {
            let end = at.saturating_add(part.len()).min(LOG_LEN);
            if let (Some(dst), Some(src)) = (line.get_mut(at..end), part.get(..end - at)) {
                dst.copy_from_slice(src);
            }
            at = end;
        }
        crate::log(line.get(..at).unwrap_or(&[]));
    }
}
