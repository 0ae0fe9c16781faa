// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TrestleProtocol as P} from "../../src/TrestleProtocol.sol";
import {Bridge} from "../../src/Bridge.sol";
import {BridgeBase} from "../../src/BridgeBase.sol";

/// @notice Exposes the protocol library (calldata in, results out) for the vector tests.
contract ProtocolHarness {
    function decode(bytes calldata m) external pure returns (P.Header memory h, bytes memory body) {
        return P.decode(m);
    }

    function decodeMessage(bytes calldata body) external pure returns (uint64 gasLimit, bytes memory payload) {
        return P.decodeMessage(body);
    }

    function encode(P.Header memory h, bytes memory body) external pure returns (bytes memory) {
        return P.encode(h, body);
    }

    function tokenId(uint32 homeDomain, bytes32 homeToken) external pure returns (bytes32) {
        return P.tokenId(homeDomain, homeToken);
    }

    function innerHash(uint32 origin, bytes32 originBridge, uint32 destination, bytes32 destinationBridge, uint64 epoch, bytes32 id)
        external
        pure
        returns (bytes32)
    {
        return P.innerHash(origin, originBridge, destination, destinationBridge, epoch, id);
    }

    function digest(uint32 origin, bytes32 originBridge, uint32 destination, bytes32 destinationBridge, uint64 epoch, bytes32 id)
        external
        pure
        returns (bytes32)
    {
        return P.digest(origin, originBridge, destination, destinationBridge, epoch, id);
    }

    function checkValidatorSet(uint64 epoch, address[] memory validators, uint256 threshold, bool forConfiguration)
        external
        pure
        returns (bytes memory)
    {
        return P.checkValidatorSet(epoch, validators, threshold, forConfiguration);
    }

    function verify(bytes32 hash, bytes calldata sigs, address[] memory validators, uint256 threshold)
        external
        view
        returns (uint256)
    {
        bytes memory packed = P.checkValidatorSet(1, validators, threshold, false);
        return P.verify(hash, sigs, packed, threshold);
    }
}

/// @notice A Bridge implementation whose test may install a validator set below two thirds
/// (to measure 3-of-5 gas) and a route's ledger (standing for traffic that happened before the
/// test, e.g. the sends that funded the collateral the fixture mints into the bridge);
/// everything else is the real contract.
contract BridgeHarness is Bridge {
    function forceValidatorSet(uint32 origin, uint64 epoch, address[] memory validators, uint8 threshold) external {
        _setValidatorSet(origin, epoch, validators, threshold, false);
    }

    /// @dev Sets route `(tokenId, remote)`'s ledger to `net` (sent there minus received from
    /// there), as if that traffic had happened.
    function forceLedger(bytes32 tokenId, uint32 remote, int120 net) external {
        _routes[tokenId][remote].ledger = net;
    }
}

/// @notice The bridge's token-bucket code (`BridgeBase`) on one route, for the shared vectors'
/// bucket steps: the same functions `deliver`, `executeQueued` and `setLimits` run.
contract BucketHarness is BridgeBase {
    bytes32 internal constant TOKEN = bytes32(uint256(1));
    uint32 internal constant REMOTE = 1;

    function reconfigure(uint128 capacity, uint128 refill) external {
        Route storage r = _routes[TOKEN][REMOTE];
        _reconfigure(r.inbound, r.inCapacity, capacity, refill);
        r.inCapacity = capacity;
    }

    function consume(uint256 amount) external {
        Route storage r = _routes[TOKEN][REMOTE];
        _consume(r.inbound, r.inCapacity, amount, true);
    }

    function consumeQueued(uint256 amount) external {
        Route storage r = _routes[TOKEN][REMOTE];
        _consumeQueued(r.inbound, r.inCapacity, amount);
    }

    function available() external view returns (uint256) {
        Route storage r = _routes[TOKEN][REMOTE];
        return _available(r.inbound, r.inCapacity);
    }

    function level() external view returns (uint256) {
        return _routes[TOKEN][REMOTE].inbound.level;
    }
}

/// @notice The bridge's fee code (`BridgeBase._quote`, `_checkPriceUpdate`) on one
/// destination's fee configuration, for the shared vectors' `fee_quotes` and `fee_updates`:
/// the same functions `sendMessage`, `sendToken`, `quote` and `updateFeePrices` run.
contract FeeHarness is BridgeBase {
    uint32 internal constant DESTINATION = 1;

    function set(FeeConfig memory f) external {
        _fees[DESTINATION] = f;
    }

    function quote(uint64 gasLimit, uint64 bodyLen) external view returns (uint256) {
        return _quote(_fees[DESTINATION], gasLimit, bodyLen);
    }

    function checkPriceUpdate(uint128 gasPrice, uint128 exchangeRate) external view {
        _checkPriceUpdate(_fees[DESTINATION], DESTINATION, gasPrice, exchangeRate);
    }
}
