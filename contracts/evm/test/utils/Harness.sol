// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TrestleProtocol as P} from "../../src/TrestleProtocol.sol";
import {Bridge} from "../../src/Bridge.sol";

/// @notice Exposes the protocol library (calldata in, results out) for the vector tests.
contract ProtocolHarness {
    function decode(bytes calldata m) external pure returns (P.Header memory h, bytes memory body) {
        return P.decode(m);
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
/// (to measure 3-of-5 gas) and a route's ledger (standing for sends that funded the
/// collateral the fixture mints into the bridge); everything else is the real contract.
contract BridgeHarness is Bridge {
    function forceValidatorSet(uint32 origin, uint64 epoch, address[] memory validators, uint8 threshold) external {
        _setValidatorSet(origin, epoch, validators, threshold, false);
    }

    function forceLedger(bytes32 tokenId, uint32 remote, uint256 amount) external {
        _routes[tokenId][remote].ledger = amount;
    }
}
