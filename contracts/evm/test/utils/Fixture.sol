// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TestBase} from "../TestBase.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Bridge} from "../../src/Bridge.sol";
import {BridgeAdmin} from "../../src/BridgeAdmin.sol";
import {BridgedToken} from "../../src/BridgedToken.sol";
import {TrestleProtocol as P} from "../../src/TrestleProtocol.sol";
import {MockERC20} from "./Mocks.sol";
import {BridgeHarness} from "./Harness.sol";

/// @notice A destination bridge on domain 2 (a harness implementation behind an ERC-1967
/// proxy, as deployed) that accepts domain 1 (an EVM remote), with a 4-of-5 validator set, a
/// bridged token (home on 1), a home ERC-20 and native ether, each with a route to and from 1;
/// helpers to build, sign and deliver messages.
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
    uint64 internal constant GAS_LIMIT = 200_000; // recipient gas of plainMsg
    /// @dev The home routes' ledgers (what domain 1 has sent here in net) in the fixture.
    uint256 internal constant LEDGER = 1_000_000e18;

    /// @dev The proxy, typed as the harness (deliver, send, queue, payouts, test hooks).
    BridgeHarness internal bridge;
    /// @dev The same proxy, typed as the admin module (governance, configuration, views).
    BridgeAdmin internal gov;
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
        bridge = deployBridge(LOCAL, ADMIN, GUARDIAN, ADMIN_DELAY);
        gov = BridgeAdmin(address(bridge));
        keys = sortedKeys(5, 0);
        wrapped = new BridgedToken(address(bridge), "Wrapped Ether", "tWETH", 18);
        homeToken = new MockERC20();
        wrappedId = P.tokenId(ORIGIN, bytes32(uint256(0x70)));
        homeId = P.tokenId(LOCAL, bytes32(uint256(uint160(address(homeToken)))));
        nativeId = P.tokenId(LOCAL, bytes32(uint256(uint160(NATIVE))));

        bytes[] memory calls = new bytes[](11);
        calls[0] = abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, REMOTE_BRIDGE, 0));
        calls[1] = abi.encodeCall(BridgeAdmin.setValidatorSet, (ORIGIN, 1, addrs(keys), 4));
        calls[2] = abi.encodeCall(
            BridgeAdmin.setToken,
            (ORIGIN, bytes32(uint256(0x70)), address(wrapped), 0, TIMELOCK_THRESHOLD, TRANSFER_DELAY)
        );
        calls[3] = abi.encodeCall(
            BridgeAdmin.setToken, (LOCAL, b32(address(homeToken)), address(homeToken), 0, TIMELOCK_THRESHOLD, TRANSFER_DELAY)
        );
        calls[4] =
            abi.encodeCall(BridgeAdmin.setToken, (LOCAL, b32(NATIVE), NATIVE, 0, TIMELOCK_THRESHOLD, TRANSFER_DELAY));
        calls[5] = abi.encodeCall(BridgeAdmin.setRoute, (wrappedId, ORIGIN, 0, type(uint128).max));
        calls[6] = abi.encodeCall(BridgeAdmin.setRoute, (homeId, ORIGIN, 0, type(uint128).max));
        calls[7] = abi.encodeCall(BridgeAdmin.setRoute, (nativeId, ORIGIN, 0, type(uint128).max));
        calls[8] = abi.encodeCall(BridgeAdmin.setLimits, (wrappedId, ORIGIN, CAPACITY, REFILL, CAPACITY, REFILL));
        calls[9] = abi.encodeCall(BridgeAdmin.setLimits, (homeId, ORIGIN, CAPACITY, REFILL, CAPACITY, REFILL));
        calls[10] = abi.encodeCall(BridgeAdmin.setLimits, (nativeId, ORIGIN, CAPACITY, REFILL, CAPACITY, REFILL));
        adminCalls(calls);

        // Collateral and its ledger: as if domain 1 had been sent LEDGER of each home token.
        homeToken.mint(address(bridge), LEDGER);
        vm.deal(address(bridge), LEDGER);
        bridge.forceLedger(homeId, ORIGIN, int120(int256(LEDGER)));
        bridge.forceLedger(nativeId, ORIGIN, int120(int256(LEDGER)));
    }

    /// @dev A harness implementation behind an ERC-1967 proxy, initialized in the proxy's
    /// constructor (as a deployment does).
    function deployBridge(uint32 domain, address admin_, address guardian_, uint64 delay)
        internal
        returns (BridgeHarness)
    {
        BridgeHarness impl = new BridgeHarness();
        bytes memory init = abi.encodeCall(BridgeAdmin.initialize, (domain, admin_, guardian_, delay));
        return BridgeHarness(address(new ERC1967Proxy(address(impl), init)));
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
    function signWith(uint256[] memory ks, bytes memory message, uint64 ep) internal view returns (bytes memory sigs) {
        bytes32 d = P.digest(ORIGIN, REMOTE_BRIDGE, LOCAL, b32(address(bridge)), ep, keccak256(message));
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
        return gasMsg(nonce, recipient, GAS_LIMIT, payload);
    }

    function gasMsg(uint64 nonce, address recipient, uint64 gasLimit, bytes memory payload)
        internal
        pure
        returns (bytes memory)
    {
        return P.encode(header(nonce, b32(recipient)), P.encodeMessage(gasLimit, payload));
    }

    // ---- views ----

    /// @dev The signed net of route `(token, remote)`'s ledger.
    function ledgerOf(bytes32 token, uint32 remote) internal view returns (int256 net) {
        (net,,) = gov.ledger(token, remote);
    }

    // ---- calls ----

    /// @dev Proposes every call, waits the admin delay, executes them in order.
    function adminCalls(bytes[] memory calls) internal {
        uint256 first = _salt;
        for (uint256 i; i < calls.length; ++i) {
            vm.prank(ADMIN);
            gov.propose(calls[i], bytes32(_salt++));
        }
        vm.warp(block.timestamp + ADMIN_DELAY);
        for (uint256 i; i < calls.length; ++i) {
            gov.execute(calls[i], bytes32(first + i));
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
