// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Trestle protocol v2 (docs/protocol.md): message layout, ids, token ids, attestation
/// digests, validator-set rules and M-of-N signature checks.
/// @notice The Rust crate `trestle-bridge` is the source of truth; every error here has the
/// CamelCase name of the snake_case code `trestle_bridge::Error::code()` gives, and the checks run
/// in the same order, so both name the same first failure for the shared vectors.
library TrestleProtocol {
    uint8 internal constant VERSION = 2;
    uint256 internal constant HEADER_LEN = 81;
    uint256 internal constant MAX_BODY_LEN = 16 * 1024;
    /// @dev The largest body (gas limit included) a Solana destination can take in one
    /// delivery (`trestle_bridge::message::SOLANA_MAX_BODY_LEN`): a send's default cap there.
    uint256 internal constant SOLANA_MAX_BODY_LEN = 681;
    uint256 internal constant TOKEN_TRANSFER_LEN = 97;
    /// @notice An arbitrary message's body before its payload: the kind byte and the gas limit.
    uint256 internal constant MESSAGE_PREFIX_LEN = 9;
    uint8 internal constant KIND_MESSAGE = 0x00;
    uint8 internal constant KIND_TOKEN_TRANSFER = 0x01;
    uint256 internal constant MAX_VALIDATORS = 255;
    /// @dev secp256k1n / 2: a larger `s` is a malleable twin and is refused.
    uint256 internal constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    // ---- messages ----
    error MessageTooShort(uint256 len);
    error UnsupportedVersion(uint8 version);
    error ZeroDomain();
    error BodyTooLarge(uint256 len);
    error EmptyBody();
    error UnknownBodyKind(uint8 kind);
    error TokenTransferLength(uint256 len);
    error MessageBodyLength(uint256 len);
    error ZeroGasLimit();
    // ---- signature sets ----
    error BadLength(uint256 len);
    error BadV(uint256 index, uint8 v);
    error HighS(uint256 index);
    error RecoveryFailed(uint256 index);
    error Unsorted(uint256 index, address signer, address previous);
    error Duplicate(uint256 index, address signer);
    error NotMember(uint256 index, address signer);
    error BelowThreshold(uint256 got, uint256 threshold);
    // ---- validator sets ----
    error ZeroEpoch();
    error EmptyValidatorSet();
    error TooManyValidators(uint256 len);
    error ZeroValidator(uint256 index);
    error ValidatorsNotAscending(uint256 index);
    error InvalidThreshold(uint256 threshold, uint256 len);
    error ThresholdBelowTwoThirds(uint256 threshold, uint256 len, uint256 min);

    /// @notice The fixed-width header of a message.
    struct Header {
        uint64 nonce;
        uint32 origin;
        bytes32 sender;
        uint32 destination;
        bytes32 recipient;
    }

    /// @notice Decodes a message strictly, body kind included: refuses (in this order) a short
    /// header, a version other than 2, a zero domain, a body over 16 KiB, an empty body, an
    /// unknown kind, a token transfer that is not exactly 97 bytes, an arbitrary-message body
    /// shorter than 9 bytes and a zero recipient gas limit.
    function decode(bytes calldata m) internal pure returns (Header memory h, bytes calldata body) {
        if (m.length < HEADER_LEN) revert MessageTooShort(m.length);
        if (uint8(m[0]) != VERSION) revert UnsupportedVersion(uint8(m[0]));
        h.nonce = uint64(bytes8(m[1:9]));
        h.origin = uint32(bytes4(m[9:13]));
        h.sender = bytes32(m[13:45]);
        h.destination = uint32(bytes4(m[45:49]));
        h.recipient = bytes32(m[49:81]);
        if (h.origin == 0 || h.destination == 0) revert ZeroDomain();
        body = m[HEADER_LEN:];
        if (body.length > MAX_BODY_LEN) revert BodyTooLarge(body.length);
        if (body.length == 0) revert EmptyBody();
        uint8 kind = uint8(body[0]);
        if (kind == KIND_TOKEN_TRANSFER) {
            if (body.length != TOKEN_TRANSFER_LEN) revert TokenTransferLength(body.length);
        } else if (kind == KIND_MESSAGE) {
            if (body.length < MESSAGE_PREFIX_LEN) revert MessageBodyLength(body.length);
            if (bytes8(body[1:9]) == 0) revert ZeroGasLimit();
        } else {
            revert UnknownBodyKind(kind);
        }
    }

    /// @notice `version || nonce || origin || sender || destination || recipient || body`.
    function encode(Header memory h, bytes memory body) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, h.nonce, h.origin, h.sender, h.destination, h.recipient, body);
    }

    /// @notice `0x00 || gas limit || payload`.
    function encodeMessage(uint64 gasLimit, bytes memory payload) internal pure returns (bytes memory) {
        return abi.encodePacked(KIND_MESSAGE, gasLimit, payload);
    }

    /// @notice The fields of an arbitrary-message body already checked by `decode`.
    function decodeMessage(bytes calldata body) internal pure returns (uint64 gasLimit, bytes calldata payload) {
        gasLimit = uint64(bytes8(body[1:9]));
        payload = body[MESSAGE_PREFIX_LEN:];
    }

    /// @notice `0x01 || token id || amount || beneficiary`.
    function encodeTransfer(bytes32 token, uint256 amount, bytes32 beneficiary) internal pure returns (bytes memory) {
        return abi.encodePacked(KIND_TOKEN_TRANSFER, token, amount, beneficiary);
    }

    /// @notice The fields of a token-transfer body already checked by `decode`.
    function decodeTransfer(bytes calldata body)
        internal
        pure
        returns (bytes32 token, uint256 amount, bytes32 beneficiary)
    {
        token = bytes32(body[1:33]);
        amount = uint256(bytes32(body[33:65]));
        beneficiary = bytes32(body[65:97]);
    }

    /// @notice `keccak256(home domain (u32) || home token (bytes32))`.
    function tokenId(uint32 homeDomain, bytes32 homeToken) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(homeDomain, homeToken));
    }

    /// @notice `keccak256("TRESTLE" || 2 || origin || origin bridge || destination ||
    /// destination bridge || epoch || message id)` (120 bytes): the plain-Solidity reference
    /// of `digest`'s inner hash.
    function innerHash(
        uint32 origin,
        bytes32 originBridge,
        uint32 destination,
        bytes32 destinationBridge,
        uint64 epoch,
        bytes32 id
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked("TRESTLE", VERSION, origin, originBridge, destination, destinationBridge, epoch, id)
        );
    }

    /// @notice The EIP-191 digest validators sign: `keccak256("\x19Ethereum Signed Message:\n32" || inner)`.
    /// @dev Built in scratch memory past the free pointer (no allocation); `innerHash` is the
    /// plain-Solidity reference and the shared vectors check both.
    function digest(
        uint32 originDomain,
        bytes32 originBridge,
        uint32 destination,
        bytes32 destinationBridge,
        uint64 epoch,
        bytes32 id
    ) internal pure returns (bytes32 d) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            // Each store writes a full word at a rising offset; a later one overwrites the
            // previous one's tail. Layout: tag+version 0..8, origin 8..12, origin bridge
            // 12..44, destination 44..48, destination bridge 48..80, epoch 80..88, id 88..120.
            mstore(p, or(shl(192, 0x54524553544c4502), shl(160, and(originDomain, 0xffffffff))))
            mstore(add(p, 12), originBridge)
            mstore(add(p, 44), shl(224, and(destination, 0xffffffff)))
            mstore(add(p, 48), destinationBridge)
            mstore(add(p, 80), shl(192, and(epoch, 0xffffffffffffffff)))
            mstore(add(p, 88), id)
            let inner := keccak256(p, 120)
            mstore(0, "\x19Ethereum Signed Message:\n32")
            mstore(28, inner)
            d := keccak256(0, 60)
        }
    }

    /// @notice `ceil(2n/3)`, for every n (1-of-1, 2-of-2, 2-of-3, 3-of-4, 4-of-5, ...).
    function minConfigThreshold(uint256 n) internal pure returns (uint256) {
        return (2 * n + 2) / 3;
    }

    /// @notice Checks a validator set (epoch >= 1, 1..255 strictly ascending non-zero
    /// addresses, 1 <= threshold <= n, and when `forConfiguration` threshold >= ceil(2n/3)),
    /// and returns the addresses packed 20 bytes each.
    function checkValidatorSet(uint64 epoch, address[] memory validators, uint256 threshold, bool forConfiguration)
        internal
        pure
        returns (bytes memory packed)
    {
        if (epoch == 0) revert ZeroEpoch();
        uint256 n = validators.length;
        if (n == 0) revert EmptyValidatorSet();
        if (n > MAX_VALIDATORS) revert TooManyValidators(n);
        packed = new bytes(n * 20);
        address previous;
        for (uint256 i; i < n; ++i) {
            address v = validators[i];
            if (v == address(0)) revert ZeroValidator(i);
            if (v <= previous) revert ValidatorsNotAscending(i);
            previous = v;
            assembly ("memory-safe") {
                mstore(add(add(packed, 32), mul(i, 20)), shl(96, v))
            }
        }
        // The last mstore wrote 12 bytes past the array; nothing lives there yet (fresh memory).
        if (threshold == 0 || threshold > n) revert InvalidThreshold(threshold, n);
        if (forConfiguration) {
            uint256 min = minConfigThreshold(n);
            if (threshold < min) revert ThresholdBelowTwoThirds(threshold, n, min);
        }
    }

    /// @notice Verifies a concatenated set of 65-byte `r || s || v` signatures over `hash`
    /// against `validators` (packed, 20 bytes each, strictly ascending) and `threshold`.
    /// Order of checks: whole signatures; then per signature v, low s, recovery, strictly
    /// ascending, membership; then the threshold. Returns the number of signatures.
    function verify(bytes32 hash, bytes calldata sigs, bytes memory validators, uint256 threshold)
        internal
        view
        returns (uint256 count)
    {
        if (sigs.length % 65 != 0) revert BadLength(sigs.length);
        count = sigs.length / 65;
        uint256 n = validators.length / 20;
        uint256 next; // index of the first validator not yet passed (signers ascend, so do matches)
        address previous;
        for (uint256 i; i < count; ++i) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                let p := add(sigs.offset, mul(i, 65))
                r := calldataload(p)
                s := calldataload(add(p, 32))
                v := byte(0, calldataload(add(p, 64)))
            }
            if (v != 27 && v != 28) revert BadV(i, v);
            if (uint256(s) > HALF_N) revert HighS(i);
            address signer;
            assembly ("memory-safe") {
                // ecrecover precompile on scratch memory past the free pointer; an invalid
                // signature returns no data, leaving the zeroed output word at 0.
                let p := mload(0x40)
                mstore(p, hash)
                mstore(add(p, 32), v)
                mstore(add(p, 64), r)
                mstore(add(p, 96), s)
                mstore(0, 0)
                pop(staticcall(gas(), 1, p, 128, 0, 32))
                signer := mload(0)
            }
            if (signer == address(0)) revert RecoveryFailed(i);
            if (signer <= previous) {
                if (signer == previous) revert Duplicate(i, signer);
                revert Unsorted(i, signer, previous);
            }
            address candidate;
            do {
                if (next == n) revert NotMember(i, signer);
                assembly ("memory-safe") {
                    candidate := shr(96, mload(add(add(validators, 32), mul(next, 20))))
                }
                ++next;
            } while (candidate < signer);
            if (candidate != signer) revert NotMember(i, signer);
            previous = signer;
        }
        if (count < threshold) revert BelowThreshold(count, threshold);
    }
}
