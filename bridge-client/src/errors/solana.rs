//! The Solana program's errors: `InstructionError::Custom(code)`, codes from 6000 as Anchor
//! numbers them. The names and codes are the program's `BridgeError`
//! (`contracts/solana/program/src/error.rs`), as its committed IDL lists them
//! (`contracts/solana/idl/trestle_bridge.json`); the tests compare them with the IDL, so an
//! error added to the program and not here fails them.

use super::ContractError;

/// `(code, name, sentence)` of every error of the program.
pub(super) const ERRORS: &[(u32, &str, &str)] = &[
    (
        6000,
        "MessageTooShort",
        "message shorter than its 81-byte header",
    ),
    (6001, "UnsupportedVersion", "message version is not 2"),
    (
        6002,
        "ZeroDomain",
        "message origin or destination domain is 0",
    ),
    (6003, "BodyTooLarge", "message body too large"),
    (6004, "EmptyBody", "message body is empty"),
    (6005, "UnknownBodyKind", "unknown message body kind"),
    (
        6006,
        "TokenTransferLength",
        "token-transfer body is not 97 bytes",
    ),
    (
        6007,
        "MessageBodyLength",
        "message body shorter than 9 bytes",
    ),
    (6008, "ZeroGasLimit", "message gas limit is 0"),
    (6010, "ZeroEpoch", "validator-set epoch is 0"),
    (6011, "EmptyValidatorSet", "validator set is empty"),
    (6012, "TooManyValidators", "more than 255 validators"),
    (6013, "ZeroValidator", "a validator address is zero"),
    (
        6014,
        "ValidatorsNotAscending",
        "validators are not strictly ascending",
    ),
    (
        6015,
        "InvalidThreshold",
        "threshold is 0 or above the number of validators",
    ),
    (
        6016,
        "ThresholdBelowTwoThirds",
        "threshold below two thirds of the validators",
    ),
    (
        6017,
        "EpochNotIncreasing",
        "validator-set epoch does not increase",
    ),
    (
        6020,
        "BadLength",
        "signatures are not a whole number of 65-byte signatures",
    ),
    (6021, "BadV", "signature v is not 27 or 28"),
    (6022, "HighS", "signature s is in the high half"),
    (6023, "RecoveryFailed", "signer recovery failed"),
    (6024, "Unsorted", "signers are not ascending"),
    (6025, "Duplicate", "the same signer twice"),
    (
        6026,
        "NotMember",
        "signer outside the current validator set",
    ),
    (
        6027,
        "BelowThreshold",
        "fewer signatures than the threshold",
    ),
    (
        6030,
        "WrongDestination",
        "message destination is not this bridge's domain",
    ),
    (
        6031,
        "UnknownRemote",
        "the bridge has no remote bridge for this domain",
    ),
    (
        6032,
        "AlreadyDelivered",
        "the message was delivered already",
    ),
    (6033, "Paused", "the bridge is paused"),
    (
        6034,
        "TokenNotRegistered",
        "the token is not registered on this bridge",
    ),
    (
        6035,
        "WrongRecipient",
        "recipient is not this bridge, or not the recipient program",
    ),
    (
        6036,
        "BadAmount",
        "amount is zero, inexact at the scale, or too large",
    ),
    (
        6037,
        "RateLimited",
        "the route's rate limit does not allow this amount now",
    ),
    (
        6038,
        "TimelockPending",
        "the queued transfer is not executable yet (its timelock has not passed)",
    ),
    (
        6039,
        "NotQueued",
        "receipt is not in the state this instruction needs",
    ),
    (6040, "Overflow", "arithmetic overflow"),
    (
        6041,
        "ClockBackwards",
        "clock before the bucket's last update",
    ),
    (
        6042,
        "SignatureSetMismatch",
        "staged signature set is for another digest",
    ),
    (6043, "RecipientFailed", "recipient program call failed"),
    (
        6044,
        "RouteDisabled",
        "no enabled route for this token and domain",
    ),
    (
        6045,
        "InvalidBeneficiary",
        "beneficiary cannot be paid at the destination",
    ),
    (
        6046,
        "LedgerExceeded",
        "delivery above the route's ledger for its origin",
    ),
    (
        6047,
        "InsufficientCompute",
        "fewer compute units left than the message's gas limit",
    ),
    (
        6048,
        "ForbiddenRecipient",
        "recipient is a program the bridge never calls",
    ),
    (
        6050,
        "WrongAccountAddress",
        "account address is not the expected one",
    ),
    (
        6051,
        "WrongAccountOwner",
        "account owner is not the expected program",
    ),
    (6052, "MissingSignature", "a required signature is missing"),
    (6053, "NotWritable", "account is not writable"),
    (
        6054,
        "WrongAccountData",
        "account data is not the expected type",
    ),
    (6055, "WrongTokenProgram", "token program is not SPL Token"),
    (6056, "WrongMint", "token account of another mint"),
    (6057, "WrongTokenOwner", "token account of another owner"),
    (
        6058,
        "WrongMintAuthority",
        "mint authority is not the bridge",
    ),
    (6059, "NotAdmin", "signer is not the admin"),
    (6060, "NotGuardian", "signer is not the guardian"),
    (6061, "NotEnoughAccounts", "wrong number of accounts"),
    (6062, "AlreadyInitialized", "already initialized"),
    (
        6063,
        "NotUpgradeAuthority",
        "signer is not the program's upgrade authority",
    ),
    (
        6064,
        "NotSignatureSetPayer",
        "signer is not the signature set's payer",
    ),
    (
        6070,
        "InvalidInstructionData",
        "instruction data does not decode",
    ),
    (
        6071,
        "ZeroValue",
        "a zero or default value where none is accepted",
    ),
    (
        6072,
        "SameAdminAndGuardian",
        "admin and guardian are the same key",
    ),
    (6073, "ProposalNotPending", "proposal is not pending"),
    (6074, "ProposalPending", "proposal delay has not elapsed"),
    (
        6075,
        "BadTokenRegistration",
        "inconsistent or repeated token registration",
    ),
    (6076, "ProposalExpired", "proposal expired"),
    (
        6077,
        "GuardianCannotVeto",
        "the guardian cannot cancel this proposal",
    ),
    (6078, "AlreadyPaused", "the bridge is paused already"),
    (6079, "NotPaused", "the bridge is not paused"),
    (
        6080,
        "StaleUnpause",
        "unpause proposed before the current pause",
    ),
    (6081, "OutOfRange", "value out of range"),
    (
        6082,
        "EventAuthority",
        "event instruction not signed by the event authority",
    ),
    (
        6083,
        "CodeHashMismatch",
        "buffer does not hold the code of the proposal's code hash",
    ),
    (
        6084,
        "BufferNotHandedOver",
        "buffer authority is not the upgrade-authority PDA",
    ),
    (
        6085,
        "NotGuardianChange",
        "proposal does not replace the guardian",
    ),
    (
        6086,
        "WrongRemote",
        "the origin's remote is not the bridge the message came from",
    ),
    (6087, "FeeTooLow", "delivery fee quote above max_fee"),
    (6088, "FeeOverflow", "delivery fee overflow"),
    (
        6089,
        "FeeNotConfigured",
        "delivery fee not configured for this destination",
    ),
    (6090, "FeeUpdateTooSoon", "fee price update too soon"),
    (6091, "FeeChangeTooLarge", "fee price change too large"),
    (6092, "NotFeeOracle", "signer is not the fee oracle"),
    (6093, "NoFeeBeneficiary", "no fee beneficiary set"),
];

/// The bridge program's error `code` (`custom program error: 0x...`, `Custom(n)`) in words;
/// `None` for a code the program does not use (another program's error).
pub fn program_error(code: u32) -> Option<ContractError> {
    ERRORS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, name, sentence)| ContractError {
            name,
            sentence,
            arguments: Vec::new(),
        })
}
