//! The EVM contracts' custom errors: every `error` of the committed ABI
//! (`contracts/evm/abi/*.json`: the bridge with its admin module and proxy, the bridged token),
//! with its parameters and a sentence. The selectors are computed from the signatures here,
//! and the tests compare both with the ABI, so an error added to a contract and not here
//! fails them.

use std::sync::LazyLock;

use alloy_primitives::{Address, U256, keccak256};

use super::ContractError;

/// `Name(type name,...)` as the Solidity source declares it, and what it means.
pub(super) const ERRORS: &[(&str, &str)] = &[
    // ---- the bridge: pause, roles, governance ----
    ("Paused()", "the bridge is paused"),
    ("NotPaused()", "the bridge is not paused"),
    ("AlreadyPaused()", "the bridge is paused already"),
    ("OnlyAdmin()", "only the bridge's admin may do this"),
    ("OnlyGuardian()", "only the bridge's guardian may do this"),
    (
        "OnlyGuardianOrAdmin()",
        "only the bridge's guardian or admin may do this",
    ),
    (
        "OnlySelf()",
        "only the bridge itself may do this: propose it through the admin timelock",
    ),
    ("ZeroValue()", "a zero value where none is accepted"),
    ("InvalidConfig()", "a configuration value out of range"),
    (
        "UnknownRemote(uint32 domain)",
        "the bridge has no remote bridge for this domain",
    ),
    (
        "EpochNotIncreasing(uint64 current, uint64 proposed)",
        "the new validator set's epoch is not above the current one",
    ),
    (
        "UnknownToken(bytes32 tokenId)",
        "the token is not registered on this bridge",
    ),
    (
        "RateLimited(uint256 requested, uint256 available)",
        "the route's rate limit does not allow this amount now",
    ),
    (
        "TimelockPending(uint256 now_, uint256 readyAt)",
        "its timelock has not passed yet",
    ),
    ("UnknownProposal(bytes32 id)", "no such proposal"),
    (
        "NotAnAdminCall(bytes4 selector)",
        "the proposal calls a function governance cannot call",
    ),
    ("ProposalExists(bytes32 id)", "this proposal exists already"),
    (
        "ProposalExpired(uint256 now_, uint256 expiresAt)",
        "the proposal expired",
    ),
    (
        "GuardianCannotVeto(bytes32 id)",
        "the guardian cannot cancel this proposal",
    ),
    (
        "StaleUnpause(uint64 proposedIn, uint64 current)",
        "the unpause was proposed during an earlier pause",
    ),
    (
        "NotAGuardianChange(bytes32 id)",
        "the proposal does not replace the guardian",
    ),
    (
        "GuardianChanged(bytes32 id)",
        "the guardian changed since the proposal: propose the guardian change as one",
    ),
    (
        "UpgradeWithCall()",
        "an upgrade proposal with call data (propose each call as itself)",
    ),
    (
        "RemoteChanged(uint32 origin, bytes32 expected, bytes32 current)",
        "the origin's remote bridge is no longer the one the message came from",
    ),
    ("Reentrancy()", "a reentrant call into the bridge"),
    // ---- the bridge: deliveries and sends ----
    (
        "WrongDestination(uint32 destination)",
        "the message is for another domain than this bridge's",
    ),
    (
        "NoValidatorSet(uint32 origin)",
        "the bridge holds no validator set for this origin",
    ),
    (
        "AlreadyDelivered(bytes32 id)",
        "the message was delivered already",
    ),
    (
        "WrongRecipient(bytes32 recipient)",
        "the token transfer's recipient is not this bridge",
    ),
    (
        "InvalidBeneficiary(bytes32 beneficiary)",
        "the beneficiary cannot be paid at the destination",
    ),
    (
        "InvalidRecipient(bytes32 recipient)",
        "the message's recipient cannot be called",
    ),
    (
        "InvalidAmount(uint256 amount)",
        "the amount is zero, not a whole number of the token's units at the destination, or too large",
    ),
    (
        "GasLimitTooHigh(uint64 gasLimit, uint64 max)",
        "the message's gas limit is above the destination's maximum",
    ),
    (
        "RouteDisabled(bytes32 tokenId, uint32 domain)",
        "the token's route with this domain is disabled",
    ),
    (
        "LedgerExceeded(bytes32 tokenId, uint32 remote, uint256 requested, uint256 available)",
        "the route's ledger does not allow this amount",
    ),
    (
        "NotQueued(bytes32 id)",
        "the transfer is not queued (executed, cancelled or never queued)",
    ),
    ("NotFailed(bytes32 id)", "the message did not fail"),
    (
        "RetryFailed(bytes32 id)",
        "the message's recipient failed again",
    ),
    ("TransferFailed()", "a token or ether transfer failed"),
    ("LengthMismatch()", "lists of different lengths"),
    (
        "NothingOwed(address token, address account)",
        "the bridge owes this account nothing in this token",
    ),
    ("NotCancelled(bytes32 id)", "the transfer was not cancelled"),
    (
        "AlreadyRefunded(bytes32 id)",
        "the cancelled transfer was refunded already",
    ),
    (
        "InsufficientGas(uint256 left, uint256 needed)",
        "too little gas left for the message's gas limit",
    ),
    (
        "FeeTooLow(uint256 paid, uint256 quote)",
        "the value sent does not cover the delivery fee",
    ),
    ("FeeOverflow()", "the delivery fee does not fit"),
    ("OnlyFeeOracle()", "only the fee oracle may update prices"),
    (
        "FeeNotConfigured(uint32 destination)",
        "no delivery fee prices are set for this destination",
    ),
    (
        "FeeUpdateTooSoon(uint256 now_, uint256 nextAt)",
        "a price update too soon after the last one",
    ),
    (
        "FeeChangeTooLarge(uint256 old, uint256 proposed)",
        "a new price of 0, or above twice or below half the current one",
    ),
    ("NoFeeBeneficiary()", "no fee beneficiary is set"),
    // ---- the protocol: messages ----
    (
        "MessageTooShort(uint256 len)",
        "the message is shorter than its 81-byte header",
    ),
    (
        "UnsupportedVersion(uint8 version)",
        "the message's version is not 2",
    ),
    (
        "ZeroDomain()",
        "the message's origin or destination domain is 0",
    ),
    (
        "BodyTooLarge(uint256 len)",
        "the message body is larger than the destination accepts",
    ),
    ("EmptyBody()", "the message body is empty"),
    (
        "UnknownBodyKind(uint8 kind)",
        "the message body is of an unknown kind",
    ),
    (
        "TokenTransferLength(uint256 len)",
        "the token-transfer body is not 97 bytes",
    ),
    (
        "MessageBodyLength(uint256 len)",
        "the message body is shorter than 9 bytes",
    ),
    ("ZeroGasLimit()", "the message's gas limit is 0"),
    // ---- the protocol: signature sets ----
    (
        "BadLength(uint256 len)",
        "the signatures are not a whole number of 65-byte signatures",
    ),
    (
        "BadV(uint256 index, uint8 v)",
        "a signature's v is not 27 or 28",
    ),
    (
        "HighS(uint256 index)",
        "a signature's s is in the high half",
    ),
    (
        "RecoveryFailed(uint256 index)",
        "a signature's signer cannot be recovered",
    ),
    (
        "Unsorted(uint256 index, address signer, address previous)",
        "the signers are not in ascending order",
    ),
    (
        "Duplicate(uint256 index, address signer)",
        "the same validator signed twice",
    ),
    (
        "NotMember(uint256 index, address signer)",
        "a signer is not in the validator set",
    ),
    (
        "BelowThreshold(uint256 got, uint256 threshold)",
        "fewer validator signatures than the threshold",
    ),
    // ---- the protocol: validator sets ----
    ("ZeroEpoch()", "the validator set's epoch is 0"),
    ("EmptyValidatorSet()", "the validator set is empty"),
    ("TooManyValidators(uint256 len)", "more than 255 validators"),
    (
        "ZeroValidator(uint256 index)",
        "a validator's address is zero",
    ),
    (
        "ValidatorsNotAscending(uint256 index)",
        "the validators are not in strictly ascending order",
    ),
    (
        "InvalidThreshold(uint256 threshold, uint256 len)",
        "the threshold is 0 or above the number of validators",
    ),
    (
        "ThresholdBelowTwoThirds(uint256 threshold, uint256 len, uint256 min)",
        "the threshold is below two thirds of the validators",
    ),
    // ---- the proxy and upgrades (OpenZeppelin) ----
    (
        "AddressEmptyCode(address target)",
        "the address holds no contract code",
    ),
    (
        "ERC1967InvalidImplementation(address implementation)",
        "the new implementation is not a contract",
    ),
    (
        "ERC1967NonPayable()",
        "ether sent with an upgrade that takes none",
    ),
    ("FailedCall()", "a call the contract made failed"),
    (
        "InvalidInitialization()",
        "the contract is initialized already",
    ),
    ("NotInitializing()", "the contract is not initializing"),
    (
        "UUPSUnauthorizedCallContext()",
        "an upgrade call made other than through the proxy",
    ),
    (
        "UUPSUnsupportedProxiableUUID(bytes32 slot)",
        "the new implementation is not upgradeable the same way",
    ),
    // ---- the bridged token ----
    (
        "OnlyBridge()",
        "only the bridge may mint or burn this token",
    ),
    ("ZeroAddress()", "the zero address"),
    (
        "InsufficientBalance(uint256 balance, uint256 needed)",
        "the token balance is too low",
    ),
    (
        "InsufficientAllowance(uint256 allowance, uint256 needed)",
        "the bridge's allowance is too low: approve the amount first",
    ),
];

/// One error of [`ERRORS`], parsed.
pub(super) struct Entry {
    pub(super) selector: [u8; 4],
    pub(super) name: &'static str,
    /// `(type, name)` of each parameter, in order.
    pub(super) params: Vec<(&'static str, &'static str)>,
    pub(super) sentence: &'static str,
}

impl Entry {
    fn parse(declaration: &'static str, sentence: &'static str) -> Option<Entry> {
        let (name, rest) = declaration.split_once('(')?;
        let list = rest.strip_suffix(')')?;
        let params = list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once(' '))
            .collect::<Option<Vec<_>>>()?;
        Some(Entry {
            selector: selector(name, params.iter().map(|(ty, _)| *ty)),
            name,
            params,
            sentence,
        })
    }

    /// The canonical signature, `Name(type,...)`.
    #[cfg(test)]
    pub(super) fn signature(&self) -> String {
        let types: Vec<&str> = self.params.iter().map(|(ty, _)| *ty).collect();
        format!("{}({})", self.name, types.join(","))
    }
}

/// The first four bytes of the keccak-256 of `name(types,...)`.
pub(super) fn selector<'a>(name: &str, types: impl Iterator<Item = &'a str>) -> [u8; 4] {
    let types: Vec<&str> = types.collect();
    let hash = keccak256(format!("{name}({})", types.join(",")));
    let mut out = [0u8; 4];
    out.copy_from_slice(hash.get(..4).unwrap_or(&[0; 4]));
    out
}

/// [`ERRORS`] parsed, with their selectors.
pub(super) static TABLE: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    ERRORS
        .iter()
        .filter_map(|(declaration, sentence)| Entry::parse(declaration, sentence))
        .collect()
});

/// Decodes revert data (a custom error's selector and its ABI-encoded arguments) into the
/// error's name, sentence and arguments. Returns `None` for a selector no contract of the
/// bridge declares (and for data shorter than a selector). Data that is only the selector, or
/// too short for the arguments, gives the error without its arguments.
pub fn evm_revert(data: &[u8]) -> Option<ContractError> {
    let (selector, args) = data.split_first_chunk::<4>()?;
    let entry = TABLE.iter().find(|e| &e.selector == selector)?;
    // Every parameter of the bridge's errors is a static type: one 32-byte word each.
    let words: Vec<&[u8]> = args.chunks_exact(32).collect();
    let arguments = if words.len() >= entry.params.len() {
        entry
            .params
            .iter()
            .zip(words)
            .map(|((ty, name), word)| (name.trim_end_matches('_'), format_word(ty, word)))
            .collect()
    } else {
        Vec::new()
    };
    Some(ContractError {
        name: entry.name,
        sentence: entry.sentence,
        arguments,
    })
}

/// A custom error's name and sentence from its selector alone (its arguments unknown).
pub(super) fn by_selector(selector: [u8; 4]) -> Option<ContractError> {
    evm_revert(&selector)
}

/// One ABI word as a value of `ty`: a decimal integer, a checksummed address, or hex bytes.
fn format_word(ty: &str, word: &[u8]) -> String {
    match ty {
        "address" => Address::from_slice(word.get(12..).unwrap_or(&[0; 20])).to_checksum(None),
        "bytes4" => format!("0x{}", hex::encode(word.get(..4).unwrap_or_default())),
        t if t.starts_with("uint") => U256::from_be_slice(word).to_string(),
        _ => format!("0x{}", hex::encode(word)),
    }
}
