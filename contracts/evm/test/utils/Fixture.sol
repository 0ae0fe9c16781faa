// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TestBase} from "../TestBase.sol";
import {Bridge} from "../../src/Bridge.sol";
import {BridgeConfig} from "../../src/BridgeConfig.sol";
import {BridgedToken} from "../../src/BridgedToken.sol";
import {TrestleProtocol as P} from "../../src/TrestleProtocol.sol";
import {MockERC20} from "./Mocks.sol";
import {BridgeHarness} from "./Harness.sol";

/// @notice A destination bridge on domain 2 that accepts domain 1, with a 4-of-5 validator set,
/// a bridged token (home on 1), a home ERC-20 and native ether; helpers to build, sign and
/// deliver messages.
abstract contract Fixture is TestBase {
    uint32 internal constant ORIGIN = 1;
    uint32 internal constant LOCAL = 2;
    bytes32 internal constant REMOTE_BRIDGE = bytes32(uint256(0x00b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1));
    address internal constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    address internal constant ADMIN = address(0xA11CE);
    address internal constant GUARDIAN = address(0x6A2D);
    address internal constant USER = address(0x5E5E);
    address internal constant BOB = address(0xB0B);
    uint64 internal constant ADMIN_DELAY = 2 days;
    uint64 internal constant TRANSFER_DELAY = 1 days;
    uint128 internal constant TIMELOCK_THRESHOLD = 1_000e18;
    uint128 internal constant CAPACITY = 5_000e18;
    uint128 internal constant REFILL = 1e18; // per second

    BridgeHarness internal bridge;
    BridgedToken internal wrapped;
    MockERC20 internal homeToken;
    bytes32 internal wrappedId;
    bytes32 internal homeId;
    bytes32 internal nativeId;
    /// @dev Validator private keys sorted by address (index = rank).
    uint256[] internal keys;
    uint64 internal epoch = 1;
    uint256 private _salt;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        bridge = new BridgeHarness(LOCAL, ADMIN, GUARDIAN, ADMIN_DELAY);
        keys = sortedKeys(5, 0);
        wrapped = new BridgedToken(address(bridge), "Wrapped Ether", "tWETH", 18);
        homeToken = new MockERC20();
        wrappedId = P.tokenId(ORIGIN, bytes32(uint256(0x70)));
        homeId = P.tokenId(LOCAL, bytes32(uint256(uint160(address(homeToken)))));
        nativeId = P.tokenId(LOCAL, bytes32(uint256(uint160(NATIVE))));

        bytes[] memory calls = new bytes[](11);
        calls[0] = abi.encodeCall(BridgeConfig.setRemote, (ORIGIN, REMOTE_BRIDGE));
        calls[1] = abi.encodeCall(BridgeConfig.setValidatorSet, (ORIGIN, 1, addrs(keys), 4));
        calls[2] = abi.encodeCall(
            BridgeConfig.setToken, (wrappedId, address(wrapped), false, 0, TIMELOCK_THRESHOLD, TRANSFER_DELAY)
        );
        calls[3] = abi.encodeCall(
            BridgeConfig.setToken, (homeId, address(homeToken), true, 0, TIMELOCK_THRESHOLD, TRANSFER_DELAY)
        );
        calls[4] =
            abi.encodeCall(BridgeConfig.setToken, (nativeId, NATIVE, true, 0, TIMELOCK_THRESHOLD, TRANSFER_DELAY));
        calls[5] = abi.encodeCall(BridgeConfig.setLimits, (wrappedId, CAPACITY, REFILL, CAPACITY, REFILL));
        calls[6] = abi.encodeCall(BridgeConfig.setLimits, (homeId, CAPACITY, REFILL, CAPACITY, REFILL));
        calls[7] = abi.encodeCall(BridgeConfig.setLimits, (nativeId, CAPACITY, REFILL, CAPACITY, REFILL));
        calls[8] = abi.encodeCall(BridgeConfig.setRoute, (wrappedId, ORIGIN, 0, type(uint128).max));
        calls[9] = abi.encodeCall(BridgeConfig.setRoute, (homeId, ORIGIN, 0, type(uint128).max));
        calls[10] = abi.encodeCall(BridgeConfig.setRoute, (nativeId, ORIGIN, 0, type(uint128).max));
        adminCalls(calls);

        homeToken.mint(address(bridge), 1_000_000e18);
        vm.deal(address(bridge), 1_000_000 ether);
    }

    // ---- keys and signatures ----

    /// @dev `n` keys from a fixed seed (offset `from`), sorted by address.
    function sortedKeys(uint256 n, uint256 from) internal pure returns (uint256[] memory ks) {
        ks = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ks[i] = uint256(keccak256(abi.encodePacked("trestle-foundry-validator", from + i))) % (2 ** 255);
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(ks[j]) < vm.addr(ks[j - 1]); --j) {
                (ks[j], ks[j - 1]) = (ks[j - 1], ks[j]);
            }
        }
    }

    function addrs(uint256[] memory ks) internal pure returns (address[] memory out) {
        out = new address[](ks.length);
        for (uint256 i; i < ks.length; ++i) {
            out[i] = vm.addr(ks[i]);
        }
    }

    function sigOf(uint256 key, bytes32 hash) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, hash);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signatures of `ks` (in the given order) over the digest of `message` at `ep`.
    function signWith(uint256[] memory ks, bytes memory message, uint64 ep) internal pure returns (bytes memory sigs) {
        bytes32 d = P.digest(ORIGIN, REMOTE_BRIDGE, ep, keccak256(message));
        for (uint256 i; i < ks.length; ++i) {
            sigs = bytes.concat(sigs, sigOf(ks[i], d));
        }
    }

    /// @dev The first `m` validators (ascending) sign.
    function sign(bytes memory message, uint256 m) internal view returns (bytes memory) {
        uint256[] memory ks = new uint256[](m);
        for (uint256 i; i < m; ++i) {
            ks[i] = keys[i];
        }
        return signWith(ks, message, epoch);
    }

    // ---- messages ----

    function b32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }

    function header(uint64 nonce, bytes32 recipient) internal pure returns (P.Header memory) {
        return P.Header({nonce: nonce, origin: ORIGIN, sender: b32(USER), destination: LOCAL, recipient: recipient});
    }

    function transferMsg(uint64 nonce, bytes32 token, uint256 amount, address to) internal view returns (bytes memory) {
        return P.encode(header(nonce, b32(address(bridge))), P.encodeTransfer(token, amount, b32(to)));
    }

    function plainMsg(uint64 nonce, address recipient, bytes memory payload) internal pure returns (bytes memory) {
        return P.encode(header(nonce, b32(recipient)), abi.encodePacked(uint8(0), payload));
    }

    // ---- calls ----

    /// @dev Proposes every call, waits the admin delay, executes them in order.
    function adminCalls(bytes[] memory calls) internal {
        uint256 first = _salt;
        for (uint256 i; i < calls.length; ++i) {
            vm.prank(ADMIN);
            bridge.propose(calls[i], bytes32(_salt++));
        }
        vm.warp(block.timestamp + ADMIN_DELAY);
        for (uint256 i; i < calls.length; ++i) {
            bridge.execute(calls[i], bytes32(first + i));
        }
    }

    function adminCall(bytes memory call) internal {
        bytes[] memory calls = new bytes[](1);
        calls[0] = call;
        adminCalls(calls);
    }

    /// @dev Asserts that calling the bridge with `data` reverts with custom error `sel`.
    function expectError(bytes memory data, bytes4 sel) internal {
        expectErrorFrom(address(this), data, 0, sel);
    }

    function expectErrorFrom(address from, bytes memory data, uint256 value, bytes4 sel) internal {
        vm.prank(from);
        (bool ok, bytes memory ret) = address(bridge).call{value: value}(data);
        assertTrue(!ok, "call should revert");
        assertEq(bytes32(selectorOf(ret)), bytes32(sel), "revert selector");
    }
}
