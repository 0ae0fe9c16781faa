// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Vm} from "./Vm.sol";

/// @notice Minimal assertions and helpers (our own; no forge-std).
abstract contract TestBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    /// @dev Where forge picks up `console.log` calls (printed with -vv).
    address internal constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    /// @dev `console.log(string, uint256)`: a plain staticcall (the address has no code, so a
    /// typed interface call would revert on Solidity's code-size check).
    function log(string memory label, uint256 value) internal view {
        (bool ok,) = CONSOLE.staticcall(abi.encodeWithSignature("log(string,uint256)", label, value));
        ok;
    }

    function fail(string memory message) internal pure {
        revert(message);
    }

    function assertTrue(bool ok, string memory message) internal pure {
        if (!ok) revert(message);
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(int256 a, int256 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(bytes32 a, bytes32 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(address a, address b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(bytes memory a, bytes memory b, string memory message) internal pure {
        if (keccak256(a) != keccak256(b)) revert(string.concat(message, ": bytes differ"));
    }

    function assertLe(uint256 a, uint256 b, string memory message) internal pure {
        if (a > b) revert(string.concat(message, ": ", vm.toString(a), " > ", vm.toString(b)));
    }

    /// @dev `x` if it is in `[lo, hi]`, else `x` mapped into it.
    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        if (hi <= lo) return lo;
        if (x >= lo && x <= hi) return x;
        return lo + (x % (hi - lo + 1));
    }

    /// @dev The 4-byte selector of revert data (0 if shorter).
    function selectorOf(bytes memory ret) internal pure returns (bytes4 sel) {
        if (ret.length >= 4) {
            assembly ("memory-safe") {
                sel := mload(add(ret, 32))
            }
        }
    }
}
