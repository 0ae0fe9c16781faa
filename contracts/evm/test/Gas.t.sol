// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeBase} from "../src/BridgeBase.sol";
import {BridgeAdmin} from "../src/BridgeAdmin.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";
import {BridgedToken} from "../src/BridgedToken.sol";

/// @notice Gas of `deliver` for a token transfer (mint of a bridged token from its home domain to
/// a fresh holder: the route whose ledger is written but not checked) at several validator
/// sets, as a whole transaction would pay it:
/// `21000 + calldata (4/zero byte, 16/non-zero byte) + execution`.
/// Each set is configured in `setUp` (a separate transaction), so storage and accounts are
/// cold in the measured call as in a real transaction; the bridge account is warmed first,
/// as a transaction's `to` is.
contract GasTest is Fixture {
    uint32 internal constant O_1_OF_1 = 11;
    uint32 internal constant O_3_OF_5 = 12;
    uint32 internal constant O_13_OF_19 = 13;
    uint32 internal constant O_3_OF_19 = 14;
    uint256[] internal keys19;

    function setUp() public override {
        super.setUp();
        keys19 = sortedKeys(19, 1000);
        uint256[] memory one = sortedKeys(1, 2000);
        uint32[4] memory origins = [O_1_OF_1, O_3_OF_5, O_13_OF_19, O_3_OF_19];
        bytes[] memory calls = new bytes[](17);
        for (uint256 i; i < 4; ++i) {
            // Each origin is the home of a token bridged here (its ledger unchecked, written).
            uint32 o = origins[i];
            BridgedToken w = new BridgedToken(address(bridge), "W", "W", 18);
            calls[4 * i] = abi.encodeCall(BridgeAdmin.setRemote, (o, REMOTE_BRIDGE, 0));
            calls[4 * i + 1] =
                abi.encodeCall(BridgeAdmin.setToken, (o, bytes32(uint256(0x70)), address(w), 0, TIMELOCK_THRESHOLD, 1));
            calls[4 * i + 2] = abi.encodeCall(BridgeAdmin.setRoute, (_token(o), o, 0, type(uint128).max));
            calls[4 * i + 3] =
                abi.encodeCall(BridgeAdmin.setLimits, (_token(o), o, CAPACITY, REFILL, CAPACITY, REFILL));
        }
        calls[16] = abi.encodeCall(BridgeAdmin.setValidatorSet, (O_1_OF_1, 1, addrs(one), 1));
        adminCalls(calls);
        calls = new bytes[](1);
        calls[0] = abi.encodeCall(BridgeAdmin.setValidatorSet, (O_13_OF_19, 1, addrs(keys19), 13));
        adminCalls(calls);
        // Sets below two thirds cannot be configured; the harness installs them to measure.
        bridge.forceValidatorSet(O_3_OF_5, 1, addrs(keys), 3);
        bridge.forceValidatorSet(O_3_OF_19, 1, addrs(keys19), 3);
        // Every token has a supply and a holder with a balance (0xF00D); nonce 0 of origin
        // O_3_OF_5 is delivered (so that nonce 1 shares a delivered-bitmap word in use).
        bytes memory m = _msg(O_3_OF_5, 0, address(0xF00D));
        bridge.deliver(m, _sigs(O_3_OF_5, m, keys, 3));
        m = _msg(O_1_OF_1, 100_000, address(0xF00D));
        bridge.deliver(m, _sigs(O_1_OF_1, m, one, 1));
        m = _msg(O_13_OF_19, 100_000, address(0xF00D));
        bridge.deliver(m, _sigs(O_13_OF_19, m, keys19, 13));
        m = _msg(O_3_OF_19, 100_000, address(0xF00D));
        bridge.deliver(m, _sigs(O_3_OF_19, m, keys19, 3));
        m = _msg(ORIGIN, 100_000, address(0xF00D));
        bridge.deliver(m, sign(m, 4));
    }

    /// @dev The token whose home is `origin` (bridged here).
    function _token(uint32 origin) internal pure returns (bytes32) {
        return P.tokenId(origin, bytes32(uint256(0x70)));
    }

    function _msg(uint32 origin, uint64 nonce, address to) internal view returns (bytes memory) {
        P.Header memory h = header(nonce, b32(address(bridge)));
        h.origin = origin;
        return P.encode(h, P.encodeTransfer(_token(origin), 1e18, b32(to)));
    }

    function _sigs(uint32 origin, bytes memory m, uint256[] memory ks, uint256 m_)
        internal
        view
        returns (bytes memory s)
    {
        bytes32 d = P.digest(origin, REMOTE_BRIDGE, LOCAL, b32(address(bridge)), 1, keccak256(m));
        for (uint256 i; i < m_; ++i) {
            s = bytes.concat(s, sigOf(ks[i], d));
        }
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; ++i) {
            g += data[i] == 0 ? 4 : 16;
        }
    }

    /// @dev Returns (execution gas, transaction gas) of one delivery. The delivery runs inside
    /// `measureAndRevert` (rolled back), so the number is the same with and without forge's
    /// call isolation (which `--gas-report` turns on).
    function _measure(string memory label, bytes memory m, bytes memory s)
        internal
        returns (uint256 exec, uint256 txGas)
    {
        bytes memory data = abi.encodeCall(Bridge.deliver, (m, s));
        exec = _executionGas(data);
        txGas = 21_000 + _calldataGas(data) + exec;
        log(string.concat(label, " execution gas"), exec);
        log(string.concat(label, " transaction gas"), txGas);
    }

    function test_gas_deliver_1_of_1() public {
        uint256[] memory one = sortedKeys(1, 2000);
        bytes memory m = _msg(O_1_OF_1, 0, address(0xBEEF));
        _measure("deliver 1-of-1 (new bitmap word, new holder)", m, _sigs(O_1_OF_1, m, one, 1));
    }

    /// @dev Worst case: the first nonce of a fresh 256-nonce bitmap word, a holder with no
    /// balance (two zero-to-non-zero stores).
    function test_gas_deliver_3_of_5_worst_case() public {
        bytes memory m = _msg(O_3_OF_5, 256, address(0xBEEF));
        (, uint256 txGas) = _measure("deliver 3-of-5 (new bitmap word, new holder)", m, _sigs(O_3_OF_5, m, keys, 3));
        assertLe(txGas, 131_000, "3-of-5 target (v1 without a proxy: 119,384; v2 before the signed ledger: 127,076)");
    }

    /// @dev The common case: a bitmap word already in use, a holder with no balance.
    function test_gas_deliver_3_of_5() public {
        bytes memory m = _msg(O_3_OF_5, 1, address(0xBEEF));
        (, uint256 txGas) = _measure("deliver 3-of-5 (new holder)", m, _sigs(O_3_OF_5, m, keys, 3));
        assertLe(txGas, 114_000, "3-of-5 target (v1 without a proxy: 102,272; v2 before the signed ledger: 109,936)");
    }

    function test_gas_deliver_3_of_5_existing_holder() public {
        bytes memory m = _msg(O_3_OF_5, 1, address(0xF00D));
        _measure("deliver 3-of-5 (holder has a balance)", m, _sigs(O_3_OF_5, m, keys, 3));
    }

    function test_gas_deliver_4_of_5() public {
        bytes memory m = _msg(ORIGIN, 0, address(0xBEEF));
        _measure("deliver 4-of-5 (new bitmap word, new holder)", m, sign(m, 4));
    }

    /// @dev A home ERC-20 released on a route whose ledger is checked and written, 4-of-5.
    function test_gas_deliver_4_of_5_release_erc20() public {
        P.Header memory h = header(0, b32(address(bridge)));
        bytes memory m = P.encode(h, P.encodeTransfer(homeId, 1e18, b32(address(0xBEEF))));
        (, uint256 txGas) = _measure("deliver 4-of-5 (release ERC-20, ledger, new holder)", m, sign(m, 4));
        assertLe(txGas, 144_000, "release target (v2 before the signed ledger: 144,794)");
    }

    /// @dev A timelocked transfer (queued: its record is written, including the origin bridge a
    /// refund may go back to), 4-of-5, first nonce of a word.
    function test_gas_deliver_4_of_5_queued() public {
        bytes memory m = transferMsg(0, wrappedId, TIMELOCK_THRESHOLD, address(0xBEEF));
        _measure("deliver 4-of-5 (timelocked: queued record)", m, sign(m, 4));
    }

    function test_gas_deliver_13_of_19() public {
        bytes memory m = _msg(O_13_OF_19, 0, address(0xBEEF));
        _measure("deliver 13-of-19 (new bitmap word, new holder)", m, _sigs(O_13_OF_19, m, keys19, 13));
    }

    /// @dev The marginal signature on one set (19 validators): 13 vs 3 signatures.
    function test_gas_marginal_signature() public {
        bytes memory m = _msg(O_3_OF_19, 0, address(0xBEEF));
        bytes memory s3 = _sigs(O_3_OF_19, m, keys19, 3);
        bytes memory s13 = _sigs(O_3_OF_19, m, keys19, 13);
        bytes memory d3 = abi.encodeCall(Bridge.deliver, (m, s3));
        bytes memory d13 = abi.encodeCall(Bridge.deliver, (m, s13));
        uint256 exec3 = _executionGas(d3);
        uint256 exec13 = _executionGas(d13);
        uint256 perSig = (exec13 + _calldataGas(d13) - exec3 - _calldataGas(d3)) / 10;
        uint256 calldataPerSig = (_calldataGas(d13) - _calldataGas(d3)) / 10;
        log("per extra signature: total gas", perSig);
        log("per extra signature: calldata gas", calldataPerSig);
        log("per extra signature: floor (3000 ecrecover + calldata)", 3000 + calldataPerSig);
        assertLe(perSig * 100, (3000 + calldataPerSig) * 125, "per-signature cost within 1.25x of its floor");
    }

    /// @dev What paying a delivery fee adds to `sendToken` (native ether, a route sent on
    /// before, the bridge's storage cold): free destination vs fees set, the first fee ever
    /// held (zero to non-zero) and a later one.
    function test_gas_send_fee_overhead() public {
        address sender = address(0x5E4D);
        vm.deal(sender, 100 ether);
        vm.prank(sender);
        bridge.sendToken{value: 1 ether}(ORIGIN, nativeId, 1 ether, b32(BOB));
        bytes memory data = abi.encodeCall(Bridge.sendToken, (ORIGIN, nativeId, 1 ether, b32(BOB)));
        uint256 free = _sendGas(sender, data, 1 ether);
        adminCall(abi.encodeCall(BridgeAdmin.setFeeConfig, (ORIGIN, 3e18, 1e18, 0, 65_000, 21_000, 110_000, 16)));
        uint256 fee = bridge.quoteTransfer(ORIGIN);
        uint256 first = _sendGas(sender, data, 1 ether + fee);
        bridge.payForGas{value: 1}(bytes32(0), ORIGIN);
        uint256 later = _sendGas(sender, data, 1 ether + fee);
        log("sendToken native, free destination: execution gas", free);
        log("sendToken native, fee paid (first fee held): execution gas", first);
        log("sendToken native, fee paid: execution gas", later);
        log("sendToken native, fee paid: overhead", later - free);
        assertLe(later - free, 12_000, "a paid send costs at most 12k gas more than a free one");
    }

    function _sendGas(address sender, bytes memory data, uint256 value) internal returns (uint256 exec) {
        vm.deal(address(this), value);
        try this.measureSendAndRevert(sender, data, value) {}
        catch (bytes memory ret) {
            if (ret.length != 36) revert("unexpected revert");
            assembly ("memory-safe") {
                exec := mload(add(ret, 36))
            }
        }
    }

    function measureSendAndRevert(address sender, bytes memory data, uint256 value) external {
        vm.cool(address(bridge)); // its storage cold, as in a transaction of its own
        vm.prank(sender);
        uint256 g = gasleft();
        (bool ok,) = address(bridge).call{value: value}(data);
        uint256 used = g - gasleft();
        require(ok, "send failed");
        revert Measured(used);
    }

    /// @dev Execution gas of a delivery, rolled back so that measurements see the same state.
    function _executionGas(bytes memory data) internal returns (uint256 exec) {
        try this.measureAndRevert(data) {}
        catch (bytes memory ret) {
            if (ret.length != 36) revert("unexpected revert");
            assembly ("memory-safe") {
                exec := mload(add(ret, 36))
            }
        }
    }

    error Measured(uint256 gas);

    function measureAndRevert(bytes memory data) external {
        // Warm the proxy account only, as a transaction's `to` is; the implementation stays
        // cold (a real delivery pays its first DELEGATECALL to it).
        require(address(bridge).code.length > 0, "no bridge");
        uint256 g = gasleft();
        (bool ok,) = address(bridge).call(data);
        uint256 used = g - gasleft();
        require(ok, "delivery failed");
        revert Measured(used);
    }
}
