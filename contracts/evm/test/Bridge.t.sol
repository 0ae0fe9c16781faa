// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeBase} from "../src/BridgeBase.sol";
import {BridgeAdmin} from "../src/BridgeAdmin.sol";
import {BridgedToken} from "../src/BridgedToken.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";
import {MockERC20, MockRecipient} from "./utils/Mocks.sol";
import {Vm} from "./Vm.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @notice Unit tests: every delivery rule and every rejection, send, timelock, rate limits,
/// pause, admin timelock, roles, failing recipients, batches.
contract BridgeTest is Fixture {
    function deliverCall(bytes memory m, bytes memory s) internal pure returns (bytes memory) {
        return abi.encodeCall(Bridge.deliver, (m, s));
    }

    function status(bytes memory m) internal view returns (BridgeBase.Status) {
        return bridge.statusOf(m);
    }

    // ================================================================ delivery: happy paths

    function test_deliver_mints_bridged_token() public {
        bytes memory m = transferMsg(0, wrappedId, 10e18, BOB);
        bridge.deliver(m, sign(m, 4));
        assertEq(wrapped.balanceOf(BOB), 10e18, "minted");
        assertEq(wrapped.totalSupply(), 10e18, "supply");
        assertTrue(status(m) == BridgeBase.Status.Executed, "executed");
    }

    function test_deliver_releases_native_and_erc20() public {
        bytes memory m1 = transferMsg(0, nativeId, 3 ether, BOB);
        bytes memory m2 = transferMsg(1, homeId, 7e18, BOB);
        bridge.deliver(m1, sign(m1, 4));
        bridge.deliver(m2, sign(m2, 5)); // an extra signature beyond the threshold is fine
        assertEq(BOB.balance, 3 ether, "ether released");
        assertEq(homeToken.balanceOf(BOB), 7e18, "erc20 released");
    }

    function test_deliver_accepts_any_threshold_subset() public {
        uint256[] memory ks = new uint256[](4);
        (ks[0], ks[1], ks[2], ks[3]) = (keys[0], keys[2], keys[3], keys[4]);
        bytes memory m = transferMsg(0, wrappedId, 1, BOB);
        bridge.deliver(m, signWith(ks, m, 1));
        assertEq(wrapped.balanceOf(BOB), 1, "minted");
    }

    // ================================================================ delivery: rejections

    function test_replay_is_rejected() public {
        bytes memory m = transferMsg(0, wrappedId, 1e18, BOB);
        bytes memory s = sign(m, 4);
        bridge.deliver(m, s);
        expectError(deliverCall(m, s), BridgeBase.AlreadyDelivered.selector);
        expectError(deliverCall(m, sign(m, 5)), BridgeBase.AlreadyDelivered.selector);
        // another message with the same (origin, nonce) is refused too
        bytes memory other = transferMsg(0, wrappedId, 2e18, BOB);
        expectError(deliverCall(other, sign(other, 4)), BridgeBase.AlreadyDelivered.selector);
        // nonces are independent, in any order
        bytes memory m300 = transferMsg(300, wrappedId, 1e18, BOB);
        bridge.deliver(m300, sign(m300, 4));
        bytes memory m1 = transferMsg(1, wrappedId, 1e18, BOB);
        bridge.deliver(m1, sign(m1, 4));
        assertTrue(bridge.delivered(ORIGIN, REMOTE_BRIDGE, 300) && bridge.delivered(ORIGIN, REMOTE_BRIDGE, 1)
                && !bridge.delivered(ORIGIN, REMOTE_BRIDGE, 2), "bits");
        assertEq(wrapped.balanceOf(BOB), 3e18, "once each");
    }

    function test_wrong_destination() public {
        P.Header memory h = header(0, b32(address(bridge)));
        h.destination = 3;
        bytes memory m = P.encode(h, P.encodeTransfer(wrappedId, 1, b32(BOB)));
        expectError(deliverCall(m, sign(m, 4)), BridgeBase.WrongDestination.selector);
    }

    function test_unknown_origin() public {
        P.Header memory h = header(0, b32(address(bridge)));
        h.origin = 9;
        bytes memory m = P.encode(h, P.encodeTransfer(wrappedId, 1, b32(BOB)));
        expectError(deliverCall(m, sign(m, 4)), BridgeBase.UnknownRemote.selector);
    }

    function test_malformed_messages() public {
        bytes memory good = transferMsg(0, wrappedId, 1, BOB);
        bytes memory s = sign(good, 4);
        bytes memory m = bytes.concat(good);
        assembly { mstore(m, 80) }
        expectError(deliverCall(m, s), P.MessageTooShort.selector);
        m = bytes.concat(good);
        m[0] = 0x01; // version 1 is not read by v2
        expectError(deliverCall(m, s), P.UnsupportedVersion.selector);
        m = bytes.concat(good);
        (m[9], m[10], m[11], m[12]) = (0, 0, 0, 0);
        expectError(deliverCall(m, s), P.ZeroDomain.selector);
        m = bytes.concat(good);
        m[81] = 0x07;
        expectError(deliverCall(m, s), P.UnknownBodyKind.selector);
        expectError(deliverCall(bytes.concat(good, hex"00"), s), P.TokenTransferLength.selector);
        m = bytes.concat(good);
        assembly { mstore(m, 81) }
        expectError(deliverCall(m, s), P.EmptyBody.selector);
        m = P.encode(header(0, b32(BOB)), new bytes(16 * 1024 + 1));
        expectError(deliverCall(m, s), P.BodyTooLarge.selector);
    }

    function test_signature_rejections() public {
        bytes memory m = transferMsg(0, wrappedId, 1, BOB);
        bytes memory s = sign(m, 4);
        // bad length
        expectError(deliverCall(m, bytes.concat(s, hex"00")), P.BadLength.selector);
        // below threshold (and empty)
        expectError(deliverCall(m, sign(m, 3)), P.BelowThreshold.selector);
        expectError(deliverCall(m, ""), P.BelowThreshold.selector);
        // bad v
        bytes memory t = bytes.concat(s);
        t[64] = bytes1(uint8(1));
        expectError(deliverCall(m, t), P.BadV.selector);
        // high s: the malleable twin of signature 0
        t = bytes.concat(s);
        uint256 sv;
        assembly { sv := mload(add(t, 64)) }
        uint256 twin = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141 - sv;
        assembly { mstore(add(t, 64), twin) }
        t[64] = t[64] == bytes1(uint8(27)) ? bytes1(uint8(28)) : bytes1(uint8(27));
        expectError(deliverCall(m, t), P.HighS.selector);
        // zero r: no signer recovers
        t = bytes.concat(s);
        assembly { mstore(add(t, 32), 0) }
        expectError(deliverCall(m, t), P.RecoveryFailed.selector);
        // unsorted
        uint256[] memory ks = new uint256[](4);
        (ks[0], ks[1], ks[2], ks[3]) = (keys[1], keys[0], keys[2], keys[3]);
        expectError(deliverCall(m, signWith(ks, m, 1)), P.Unsorted.selector);
        // duplicate
        (ks[0], ks[1], ks[2], ks[3]) = (keys[0], keys[1], keys[1], keys[2]);
        expectError(deliverCall(m, signWith(ks, m, 1)), P.Duplicate.selector);
        // not a member
        uint256[] memory outsider = sortedKeys(1, 100);
        expectError(deliverCall(m, signWith(outsider, m, 1)), P.NotMember.selector);
        assertEq(wrapped.totalSupply(), 0, "nothing minted");
    }

    function test_signatures_for_another_epoch_or_origin_bridge_fail() public {
        bytes memory m = transferMsg(0, wrappedId, 1, BOB);
        bytes memory s = signWith(keys, m, 2); // epoch 2 is not current
        (bool ok, bytes memory ret) = address(bridge).call(deliverCall(m, s));
        assertTrue(!ok, "wrong epoch accepted");
        bytes4 sel = selectorOf(ret);
        assertTrue(sel == P.NotMember.selector || sel == P.Unsorted.selector, "wrong epoch error");
        bytes32 d = P.digest(ORIGIN, bytes32(uint256(0xdead)), LOCAL, b32(address(bridge)), 1, keccak256(m));
        bytes memory s2;
        for (uint256 i; i < 4; ++i) {
            s2 = bytes.concat(s2, sigOf(keys[i], d));
        }
        (ok, ret) = address(bridge).call(deliverCall(m, s2));
        assertTrue(!ok, "wrong origin bridge accepted");
        sel = selectorOf(ret);
        assertTrue(sel == P.NotMember.selector || sel == P.Unsorted.selector, "wrong bridge error");
    }

    function test_token_transfer_checks() public {
        // recipient must be this bridge
        bytes memory m = P.encode(header(0, b32(BOB)), P.encodeTransfer(wrappedId, 1, b32(BOB)));
        expectError(deliverCall(m, sign(m, 4)), BridgeBase.WrongRecipient.selector);
        // unknown token
        m = transferMsg(0, bytes32(uint256(123)), 1, BOB);
        expectError(deliverCall(m, sign(m, 4)), BridgeBase.UnknownToken.selector);
        // beneficiary not an EVM address, or zero
        m = P.encode(header(0, b32(address(bridge))), P.encodeTransfer(wrappedId, 1, bytes32(type(uint256).max)));
        expectError(deliverCall(m, sign(m, 4)), BridgeBase.InvalidBeneficiary.selector);
        m = transferMsg(0, wrappedId, 1, address(0));
        expectError(deliverCall(m, sign(m, 4)), BridgeBase.InvalidBeneficiary.selector);
        // zero amount
        m = transferMsg(0, wrappedId, 0, BOB);
        expectError(deliverCall(m, sign(m, 4)), BridgeBase.InvalidAmount.selector);
    }

    function test_paused_refuses_everything_and_only_timelock_unpauses() public {
        expectErrorFrom(ADMIN, abi.encodeCall(BridgeAdmin.pause, ()), 0, BridgeBase.OnlyGuardian.selector);
        vm.prank(GUARDIAN);
        gov.pause();
        bytes memory m = transferMsg(0, wrappedId, 1, BOB);
        expectError(deliverCall(m, sign(m, 4)), BridgeBase.Paused.selector);
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendMessage, (ORIGIN, b32(BOB), GAS_LIMIT, "x")), 0, BridgeBase.Paused.selector
        );
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.Paused.selector);
        expectError(abi.encodeCall(Bridge.retryMessage, (m)), BridgeBase.Paused.selector);
        expectErrorFrom(GUARDIAN, abi.encodeCall(BridgeAdmin.unpause, ()), 0, BridgeBase.OnlySelf.selector);
        expectErrorFrom(ADMIN, abi.encodeCall(BridgeAdmin.unpause, ()), 0, BridgeBase.OnlySelf.selector);
        adminCall(abi.encodeCall(BridgeAdmin.unpause, ()));
        bridge.deliver(m, sign(m, 4));
        assertEq(wrapped.balanceOf(BOB), 1, "delivered after unpause");
    }

    // ================================================================ validator sets

    function test_rotation_to_a_new_epoch() public {
        uint256[] memory next = sortedKeys(4, 50);
        adminCall(abi.encodeCall(BridgeAdmin.setValidatorSet, (ORIGIN, 2, addrs(next), 3)));
        bytes memory m = transferMsg(0, wrappedId, 1, BOB);
        // the old set, even signing for the new epoch, is refused
        expectError(deliverCall(m, signWith(keys, m, 2)), P.NotMember.selector);
        // the new set signing for the old epoch is refused
        (bool ok,) = address(bridge).call(deliverCall(m, signWith(next, m, 1)));
        assertTrue(!ok, "new set, old epoch");
        bridge.deliver(m, signWith(next, m, 2));
        assertEq(wrapped.balanceOf(BOB), 1, "new set accepted");
        (,, uint64 ep, uint8 th, address[] memory vals) = gov.remote(ORIGIN);
        assertEq(ep, 2, "epoch");
        assertEq(th, 3, "threshold");
        assertEq(vals.length, 4, "count");
    }

    function test_validator_set_config_rules() public {
        address[] memory five = addrs(keys);
        bytes4 sel;
        sel = _rejectSet(2, five, 3); // 3 < ceil(10/3) = 4
        assertEq(bytes32(sel), bytes32(P.ThresholdBelowTwoThirds.selector), "two thirds");
        sel = _rejectSet(1, five, 4); // epoch must increase
        assertEq(bytes32(sel), bytes32(BridgeBase.EpochNotIncreasing.selector), "epoch");
        sel = _rejectSet(2, five, 0);
        assertEq(bytes32(sel), bytes32(P.InvalidThreshold.selector), "zero threshold");
        sel = _rejectSet(2, five, 6);
        assertEq(bytes32(sel), bytes32(P.InvalidThreshold.selector), "threshold above n");
        sel = _rejectSet(2, new address[](0), 1);
        assertEq(bytes32(sel), bytes32(P.EmptyValidatorSet.selector), "empty");
        address[] memory bad = addrs(keys);
        (bad[0], bad[1]) = (bad[1], bad[0]);
        sel = _rejectSet(2, bad, 4);
        assertEq(bytes32(sel), bytes32(P.ValidatorsNotAscending.selector), "unsorted");
        bad = addrs(keys);
        bad[1] = bad[0];
        sel = _rejectSet(2, bad, 4);
        assertEq(bytes32(sel), bytes32(P.ValidatorsNotAscending.selector), "duplicate");
        bad = addrs(keys);
        bad[0] = address(0);
        sel = _rejectSet(2, bad, 4);
        assertEq(bytes32(sel), bytes32(P.ZeroValidator.selector), "zero address");
    }

    /// docs/protocol.md, "Validator sets": a configured set is checked against its own rules
    /// (the shared vectors' `config_error`) before its epoch is compared with the current one,
    /// so epoch 0 is `ZeroEpoch` on an origin with a set or without one, as on Solana.
    function test_validator_set_rules_come_before_the_epoch_rule() public {
        address[] memory five = addrs(keys);
        // ORIGIN holds epoch 1.
        bytes4 sel = _rejectSet(0, five, 4);
        assertEq(bytes32(sel), bytes32(P.ZeroEpoch.selector), "epoch 0 over epoch 1");
        sel = _rejectSet(1, new address[](0), 1);
        assertEq(bytes32(sel), bytes32(P.EmptyValidatorSet.selector), "stale epoch, empty set");
        sel = _rejectSet(1, five, 3);
        assertEq(bytes32(sel), bytes32(P.ThresholdBelowTwoThirds.selector), "stale epoch, weak set");
        // A remote without a set (its epoch is 0).
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (7, bytes32(uint256(0x77)), 0)));
        sel = _rejectSetOf(7, 0, five, 4);
        assertEq(bytes32(sel), bytes32(P.ZeroEpoch.selector), "epoch 0, no set yet");
        // Every validator-set vector, as the first set of a remote of its own, is accepted iff
        // its `config_error` is null, else refused with that error.
        string memory json = vm.readFile("../../bridge/vectors/v2.json");
        uint256 n = vm.parseJsonUint(json, ".validator_set_count");
        for (uint256 i; i < n; ++i) {
            string memory base = string.concat(".validator_sets[", vm.toString(i), "]");
            string memory name = vm.parseJsonString(json, string.concat(base, ".name"));
            address[] memory vals = keccak256(bytes(name)) == keccak256("empty")
                ? new address[](0)
                : vm.parseJsonAddressArray(json, string.concat(base, ".validators"));
            uint64 ep = uint64(vm.parseJsonUint(json, string.concat(base, ".epoch")));
            uint8 th = uint8(vm.parseJsonUint(json, string.concat(base, ".threshold")));
            string memory want = vm.parseJsonString(json, string.concat(base, ".config_error"));
            uint32 domain = uint32(100 + i);
            adminCall(abi.encodeCall(BridgeAdmin.setRemote, (domain, bytes32(uint256(0x100 + i)), 0)));
            if (bytes(want).length == 0 || keccak256(bytes(want)) == keccak256("null")) {
                adminCall(abi.encodeCall(BridgeAdmin.setValidatorSet, (domain, ep, vals, th)));
                (,, uint64 stored,,) = gov.remote(domain);
                assertEq(stored, ep, name);
            } else {
                sel = _rejectSetOf(domain, ep, vals, th);
                assertEq(bytes32(sel), bytes32(_configSelector(want)), name);
            }
        }
    }

    function _configSelector(string memory code) internal pure returns (bytes4) {
        bytes32 h = keccak256(bytes(code));
        if (h == keccak256("zero_epoch")) return P.ZeroEpoch.selector;
        if (h == keccak256("empty_validator_set")) return P.EmptyValidatorSet.selector;
        if (h == keccak256("zero_validator")) return P.ZeroValidator.selector;
        if (h == keccak256("validators_not_ascending")) return P.ValidatorsNotAscending.selector;
        if (h == keccak256("invalid_threshold")) return P.InvalidThreshold.selector;
        if (h == keccak256("threshold_below_two_thirds")) return P.ThresholdBelowTwoThirds.selector;
        revert(string.concat("no selector for ", code));
    }

    function _rejectSet(uint64 ep, address[] memory vals, uint8 th) internal returns (bytes4) {
        return _rejectSetOf(ORIGIN, ep, vals, th);
    }

    function _rejectSetOf(uint32 origin, uint64 ep, address[] memory vals, uint8 th) internal returns (bytes4) {
        bytes memory call = abi.encodeCall(BridgeAdmin.setValidatorSet, (origin, ep, vals, th));
        bytes32 salt = keccak256(abi.encode(call, block.timestamp));
        vm.prank(ADMIN);
        gov.propose(call, salt);
        vm.warp(block.timestamp + ADMIN_DELAY);
        (bool ok, bytes memory ret) = address(bridge).call(abi.encodeCall(BridgeAdmin.execute, (call, salt)));
        assertTrue(!ok, "bad set accepted");
        return selectorOf(ret);
    }

    // ================================================================ timelock

    function test_large_transfer_waits_and_anyone_executes() public {
        bytes memory m = transferMsg(0, wrappedId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(m, sign(m, 4));
        assertTrue(status(m) == BridgeBase.Status.Queued, "queued");
        assertEq(wrapped.balanceOf(BOB), 0, "not yet");
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.TimelockPending.selector);
        vm.warp(block.timestamp + TRANSFER_DELAY - 1);
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.TimelockPending.selector);
        vm.warp(block.timestamp + 1);
        vm.prank(address(0xCAFE));
        bridge.executeQueued(m);
        assertEq(wrapped.balanceOf(BOB), TIMELOCK_THRESHOLD, "executed");
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.NotQueued.selector);
        expectError(deliverCall(m, sign(m, 4)), BridgeBase.AlreadyDelivered.selector);
    }

    function test_guardian_cancels_any_queued_transfer_until_it_executes() public {
        bytes memory m = transferMsg(0, wrappedId, TIMELOCK_THRESHOLD * 2, BOB);
        bytes memory m2 = transferMsg(1, wrappedId, TIMELOCK_THRESHOLD * 2, BOB);
        bridge.deliver(m, sign(m, 4));
        bridge.deliver(m2, sign(m2, 4));
        bytes32 id = keccak256(m);
        expectErrorFrom(ADMIN, abi.encodeCall(BridgeAdmin.cancelQueued, (id)), 0, BridgeBase.OnlyGuardian.selector);
        vm.prank(GUARDIAN);
        gov.cancelQueued(id);
        assertTrue(status(m) == BridgeBase.Status.Cancelled, "cancelled");
        vm.warp(block.timestamp + TRANSFER_DELAY);
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.NotQueued.selector);
        // v2: past its release time a queued transfer is still cancellable (until it executes)
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(m2));
        assertTrue(status(m2) == BridgeBase.Status.Cancelled, "cancelled after its delay");
        expectError(abi.encodeCall(Bridge.executeQueued, (m2)), BridgeBase.NotQueued.selector);
        // an executed transfer cannot be cancelled
        bytes memory m3 = transferMsg(2, wrappedId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(m3, sign(m3, 4));
        vm.warp(block.timestamp + TRANSFER_DELAY);
        bridge.executeQueued(m3);
        expectErrorFrom(GUARDIAN, abi.encodeCall(BridgeAdmin.cancelQueued, (keccak256(m3))), 0, BridgeBase.NotQueued.selector);
        assertEq(wrapped.balanceOf(BOB), TIMELOCK_THRESHOLD, "only m3");
    }

    // ================================================================ rate limits

    function test_inbound_over_limit_is_queued_not_lost() public {
        // 5 transfers of 999e18 (below the timelock threshold) drain the 5000e18 bucket
        for (uint64 i; i < 5; ++i) {
            bytes memory mi = transferMsg(i, wrappedId, 999e18, BOB);
            bridge.deliver(mi, sign(mi, 4));
        }
        assertEq(wrapped.balanceOf(BOB), 4995e18, "five executed");
        bytes memory m = transferMsg(5, wrappedId, 999e18, BOB);
        bridge.deliver(m, sign(m, 4));
        assertTrue(status(m) == BridgeBase.Status.Queued, "queued by the limit");
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.RateLimited.selector);
        vm.warp(block.timestamp + 993); // 5 + 993 * 1 = 998 < 999
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.RateLimited.selector);
        vm.warp(block.timestamp + 1);
        bridge.executeQueued(m);
        assertEq(wrapped.balanceOf(BOB), 5994e18, "executed after refill");
        // v2: the guardian cancels an item that waits only for the bucket (no delay) too
        bytes memory m2 = transferMsg(6, wrappedId, 999e18, BOB);
        bridge.deliver(m2, sign(m2, 4));
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(m2));
        assertTrue(status(m2) == BridgeBase.Status.Cancelled, "rate-limited entry cancelled");
    }

    function test_outbound_over_limit_is_refused() public {
        homeToken.mint(USER, 10_000e18);
        vm.prank(USER);
        homeToken.approve(address(bridge), type(uint256).max);
        vm.prank(USER);
        bridge.sendToken(ORIGIN, homeId, CAPACITY, b32(BOB));
        expectErrorFrom(
            USER,
            abi.encodeCall(Bridge.sendToken, (ORIGIN, homeId, 1e18, b32(BOB))),
            0,
            BridgeBase.RateLimited.selector
        );
        vm.warp(block.timestamp + 1);
        vm.prank(USER);
        bridge.sendToken(ORIGIN, homeId, 1e18, b32(BOB));
    }

    // ================================================================ send

    function test_send_native_locks_and_emits_the_encoded_message() public {
        vm.deal(USER, 10 ether);
        uint256 before = address(bridge).balance;
        vm.recordLogs();
        vm.prank(USER);
        bytes32 id = bridge.sendToken{value: 2 ether}(ORIGIN, nativeId, 2 ether, b32(BOB));
        assertEq(address(bridge).balance - before, 2 ether, "locked");
        bytes memory expected = P.encode(
            P.Header({nonce: 0, origin: LOCAL, sender: b32(USER), destination: ORIGIN, recipient: REMOTE_BRIDGE}),
            P.encodeTransfer(nativeId, 2 ether, b32(BOB))
        );
        assertEq(id, keccak256(expected), "id");
        assertEq(_lastMessage(), expected, "event message");
        assertEq(gov.outboundNonce(), 1, "nonce");
        expectErrorFrom(
            USER,
            abi.encodeCall(Bridge.sendToken, (ORIGIN, nativeId, 2 ether, b32(BOB))),
            1 ether,
            BridgeBase.InvalidAmount.selector
        );
    }

    function _lastMessage() internal returns (bytes memory message) {
        bytes32 topic = keccak256("MessageSent(bytes32,uint32,uint64,bytes)");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics.length > 0 && logs[i].topics[0] == topic) {
                message = abi.decode(logs[i].data, (bytes));
            }
        }
    }

    function test_send_erc20_locks_and_bridged_burns() public {
        homeToken.mint(USER, 100e18);
        vm.prank(USER);
        homeToken.approve(address(bridge), 100e18);
        uint256 before = homeToken.balanceOf(address(bridge));
        vm.prank(USER);
        bridge.sendToken(ORIGIN, homeId, 40e18, b32(BOB));
        assertEq(homeToken.balanceOf(address(bridge)) - before, 40e18, "locked");
        // bridged tokens are burned on the way home
        bytes memory m = transferMsg(0, wrappedId, 50e18, USER);
        bridge.deliver(m, sign(m, 4));
        vm.prank(USER);
        bridge.sendToken(ORIGIN, wrappedId, 20e18, b32(BOB));
        assertEq(wrapped.balanceOf(USER), 30e18, "burned from sender");
        assertEq(wrapped.totalSupply(), 30e18, "supply");
        assertEq(gov.outboundNonce(), 2, "nonces");
        // a fee-on-transfer token would lock less than the message says
        homeToken.setFee(100);
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendToken, (ORIGIN, homeId, 10e18, b32(BOB))), 0, BridgeBase.InvalidAmount.selector
        );
    }

    function test_send_refuses_undeliverable_amounts() public {
        adminCalls(_solanaRoute());
        vm.deal(USER, 100 ether);
        expectErrorFrom(
            USER,
            abi.encodeCall(Bridge.sendToken, (3, nativeId, 1e9 + 1, b32(BOB))),
            1e9 + 1,
            BridgeBase.InvalidAmount.selector
        );
        expectErrorFrom(
            USER,
            abi.encodeCall(Bridge.sendToken, (3, nativeId, 11 ether, b32(BOB))),
            11 ether,
            BridgeBase.InvalidAmount.selector
        );
        vm.prank(USER);
        bridge.sendToken{value: 10 ether}(3, nativeId, 10 ether, b32(BOB)); // exactly the cap
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendToken, (3, homeId, 1e18, b32(BOB))), 0, BridgeBase.RouteDisabled.selector
        );
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendToken, (ORIGIN, nativeId, 0, b32(BOB))), 0, BridgeBase.InvalidAmount.selector
        );
        expectErrorFrom(
            USER,
            abi.encodeCall(Bridge.sendToken, (ORIGIN, bytes32(uint256(5)), 1, b32(BOB))),
            0,
            BridgeBase.UnknownToken.selector
        );
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendMessage, (77, b32(BOB), GAS_LIMIT, "x")), 0, BridgeBase.UnknownRemote.selector
        );
    }

    /// @dev A Solana-like remote (domain 3): 9 decimals there (scale 10^9), and a cap of 10
    /// whole tokens per message standing in for the u64 bound.
    function _solanaRoute() internal pure returns (bytes[] memory calls) {
        calls = new bytes[](3);
        bytes32 native = P.tokenId(LOCAL, bytes32(uint256(uint160(NATIVE))));
        calls[0] = abi.encodeCall(BridgeAdmin.setRemote, (3, keccak256("solana program"), 1));
        calls[1] = abi.encodeCall(BridgeAdmin.setRoute, (native, 3, 9, 10e9));
        calls[2] = abi.encodeCall(BridgeAdmin.setLimits, (native, 3, CAPACITY, REFILL, CAPACITY, REFILL));
    }

    // ================================================================ arbitrary messages

    function test_message_calls_recipient_and_failures_are_retryable() public {
        MockRecipient r = new MockRecipient(address(bridge));
        bytes memory m = plainMsg(0, address(r), "hello");
        bridge.deliver(m, sign(m, 4));
        assertEq(r.calls(), 1, "called");
        assertEq(r.lastOrigin(), ORIGIN, "origin");
        assertEq(r.lastSender(), b32(USER), "sender");
        assertEq(r.lastPayload(), bytes("hello"), "payload");

        r.setFailing(true);
        bytes memory m1 = plainMsg(1, address(r), "fails");
        bridge.deliver(m1, sign(m1, 4));
        assertTrue(status(m1) == BridgeBase.Status.Failed, "recorded as failed");
        // later messages are not blocked
        bytes memory m2 = transferMsg(2, wrappedId, 1, BOB);
        bridge.deliver(m2, sign(m2, 4));
        assertEq(wrapped.balanceOf(BOB), 1, "later message");
        // a failing retry keeps it retryable; a succeeding one executes it once
        expectError(abi.encodeCall(Bridge.retryMessage, (m1)), BridgeBase.RetryFailed.selector);
        assertTrue(status(m1) == BridgeBase.Status.Failed, "still failed");
        r.setFailing(false);
        bridge.retryMessage(m1);
        assertEq(r.calls(), 2, "retried");
        expectError(abi.encodeCall(Bridge.retryMessage, (m1)), BridgeBase.NotFailed.selector);
        expectError(deliverCall(m1, sign(m1, 4)), BridgeBase.AlreadyDelivered.selector);
    }

    function test_message_to_non_contract_or_non_evm_recipient_fails_softly() public {
        bytes memory m = plainMsg(0, BOB, "x"); // no code
        bridge.deliver(m, sign(m, 4));
        assertTrue(status(m) == BridgeBase.Status.Failed, "no code");
        m = P.encode(header(1, bytes32(type(uint256).max)), P.encodeMessage(GAS_LIMIT, ""));
        bridge.deliver(m, sign(m, 4));
        assertTrue(status(m) == BridgeBase.Status.Failed, "not an EVM address");
    }

    // ================================================================ batches

    function test_batch_isolates_failures() public {
        bytes[] memory ms = new bytes[](3);
        bytes[] memory ss = new bytes[](3);
        ms[0] = transferMsg(0, wrappedId, 1, BOB);
        ms[1] = transferMsg(1, wrappedId, 2, BOB);
        ms[2] = transferMsg(2, wrappedId, 4, BOB);
        ss[0] = sign(ms[0], 4);
        ss[1] = sign(ms[1], 3); // below threshold
        ss[2] = sign(ms[2], 4);
        bool[] memory ok = bridge.deliverBatch(ms, ss);
        assertTrue(ok[0] && !ok[1] && ok[2], "results");
        assertEq(wrapped.balanceOf(BOB), 5, "two delivered");
        expectError(abi.encodeCall(Bridge.deliverBatch, (ms, new bytes[](2))), BridgeBase.LengthMismatch.selector);
    }

    // ================================================================ admin and roles

    function test_admin_changes_only_through_the_timelock() public {
        expectErrorFrom(
            ADMIN, abi.encodeCall(BridgeAdmin.setRemote, (5, bytes32(uint256(1)), 0)), 0, BridgeBase.OnlySelf.selector
        );
        bytes memory call = abi.encodeCall(BridgeAdmin.setRemote, (5, bytes32(uint256(1)), 0));
        expectErrorFrom(GUARDIAN, abi.encodeCall(BridgeAdmin.propose, (call, 0)), 0, BridgeBase.OnlyAdmin.selector);
        vm.prank(ADMIN);
        bytes32 id = gov.propose(call, 0);
        expectErrorFrom(ADMIN, abi.encodeCall(BridgeAdmin.propose, (call, 0)), 0, BridgeBase.ProposalExists.selector);
        expectError(abi.encodeCall(BridgeAdmin.execute, (call, 0)), BridgeBase.TimelockPending.selector);
        vm.warp(block.timestamp + ADMIN_DELAY);
        gov.execute(call, 0); // anyone
        (bytes32 rb,,,,) = gov.remote(5);
        assertEq(rb, bytes32(uint256(1)), "remote set");
        expectError(abi.encodeCall(BridgeAdmin.execute, (call, 0)), BridgeBase.UnknownProposal.selector);
        // the guardian can veto a pending proposal
        vm.prank(ADMIN);
        id = gov.propose(call, bytes32(uint256(1)));
        expectErrorFrom(
            USER, abi.encodeCall(BridgeAdmin.cancelProposal, (id)), 0, BridgeBase.OnlyGuardianOrAdmin.selector
        );
        vm.prank(GUARDIAN);
        gov.cancelProposal(id);
        vm.warp(block.timestamp + ADMIN_DELAY);
        expectError(
            abi.encodeCall(BridgeAdmin.execute, (call, bytes32(uint256(1)))), BridgeBase.UnknownProposal.selector
        );
    }

    function test_proposals_only_call_admin_setters() public {
        bytes[3] memory bad = [
            abi.encodeCall(Bridge.sendMessage, (ORIGIN, b32(BOB), GAS_LIMIT, "from the bridge")),
            abi.encodeCall(Bridge.deliver, ("", "")),
            bytes("")
        ];
        for (uint256 i; i < bad.length; ++i) {
            expectErrorFrom(
                ADMIN, abi.encodeCall(BridgeAdmin.propose, (bad[i], 0)), 0, BridgeBase.NotAnAdminCall.selector
            );
        }
    }

    function test_config_refuses_zero_values_and_shared_roles() public {
        bytes4 sel = _rejectCall(abi.encodeCall(BridgeAdmin.setRoles, (ADMIN, ADMIN)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "same key");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setRoles, (address(0), GUARDIAN)));
        assertEq(bytes32(sel), bytes32(BridgeBase.ZeroValue.selector), "zero admin");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setRemote, (LOCAL, bytes32(uint256(1)), 0)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "self remote");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setRemote, (7, bytes32(0), 0)));
        assertEq(bytes32(sel), bytes32(BridgeBase.ZeroValue.selector), "zero remote");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setLimits, (wrappedId, ORIGIN, 0, 1, 1, 1)));
        assertEq(bytes32(sel), bytes32(BridgeBase.ZeroValue.selector), "zero capacity");
        // A bucket that never refills is refused both ways (as Solana's SetRoute refuses it).
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setLimits, (wrappedId, ORIGIN, 1, 0, 1, 1)));
        assertEq(bytes32(sel), bytes32(BridgeBase.ZeroValue.selector), "zero inbound refill");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setLimits, (wrappedId, ORIGIN, 1, 1, 1, 0)));
        assertEq(bytes32(sel), bytes32(BridgeBase.ZeroValue.selector), "zero outbound refill");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setToken, (ORIGIN, bytes32(uint256(0x70)), address(wrapped), 0, 0, 1)));
        assertEq(bytes32(sel), bytes32(BridgeBase.ZeroValue.selector), "zero threshold");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setAdminDelay, (0)));
        assertEq(bytes32(sel), bytes32(BridgeBase.ZeroValue.selector), "zero delay");
        // v2: an unpause can only be proposed while paused
        expectErrorFrom(
            ADMIN,
            abi.encodeCall(BridgeAdmin.propose, (abi.encodeCall(BridgeAdmin.unpause, ()), 0)),
            0,
            BridgeBase.NotPaused.selector
        );
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setAdminDelay, (31 days)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "admin delay above 30 days");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setRemote, (7, bytes32(uint256(1)), 2)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "unknown kind");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setRemote, (7, bytes32(type(uint256).max), 0)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "EVM remote that is no address");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setToken, (ORIGIN, bytes32(uint256(0x70)), address(0xDEAD), 0, 1, 1)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "local contract changed");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setToken, (LOCAL, bytes32(uint256(1)), address(homeToken), 0, 1, 1)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "home token is not the local contract");
        address impl = address(new Bridge());
        vm.expectRevert(BridgeBase.InvalidConfig.selector);
        new ERC1967Proxy(impl, abi.encodeCall(BridgeAdmin.initialize, (LOCAL, ADMIN, ADMIN, 1)));
        vm.expectRevert(BridgeBase.ZeroValue.selector);
        new ERC1967Proxy(impl, abi.encodeCall(BridgeAdmin.initialize, (0, ADMIN, GUARDIAN, 1)));
        vm.expectRevert(BridgeBase.ZeroValue.selector);
        new ERC1967Proxy(impl, abi.encodeCall(BridgeAdmin.initialize, (LOCAL, ADMIN, GUARDIAN, 0)));
        vm.expectRevert(BridgeBase.InvalidConfig.selector);
        new ERC1967Proxy(impl, abi.encodeCall(BridgeAdmin.initialize, (LOCAL, ADMIN, GUARDIAN, 31 days)));
    }

    /// docs/protocol.md, "Buckets and the queue": a token's delay is at most `MAX_DELAY` (30
    /// days, as the admin delay), so no configuration holds a timelocked transfer past what
    /// the guardian and governance can act on.
    function test_token_delay_is_bounded() public {
        assertEq(gov.MAX_DELAY(), 30 days, "MAX_DELAY");
        bytes4 sel = _rejectCall(
            abi.encodeCall(BridgeAdmin.setToken, (ORIGIN, bytes32(uint256(0x70)), address(wrapped), 0, 1, 30 days + 1))
        );
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "delay above MAX_DELAY");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setToken, (LOCAL, b32(NATIVE), NATIVE, 0, 1, type(uint64).max)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "a delay that never ends");
        adminCall(abi.encodeCall(BridgeAdmin.setToken, (ORIGIN, bytes32(uint256(0x70)), address(wrapped), 0, 1, 30 days)));
        (,,,,, uint64 delay) = gov.tokens(wrappedId);
        assertEq(delay, 30 days, "MAX_DELAY itself is accepted");
    }

    /// docs/protocol.md, "Amounts and scales": on its home chain a token's local units are its
    /// home units, so a home token with a decimal shift is refused (as Solana refuses a home
    /// mint with a `scale_exp`): it would send `amount * 10^localExp` home units for `amount`
    /// locked.
    function test_home_token_has_no_decimal_shift() public {
        MockERC20 other = new MockERC20();
        bytes4 sel = _rejectCall(
            abi.encodeCall(BridgeAdmin.setToken, (LOCAL, b32(address(other)), address(other), 9, 1, 1))
        );
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "home token with a shift");
        adminCall(abi.encodeCall(BridgeAdmin.setToken, (LOCAL, b32(address(other)), address(other), 0, 1, 1)));
        (address local,, uint8 localExp, bool home,,) = gov.tokens(P.tokenId(LOCAL, b32(address(other))));
        assertTrue(local == address(other) && localExp == 0 && home, "registered without a shift");
        // A bridged token keeps its shift.
        BridgedToken w = new BridgedToken(address(bridge), "Wrapped", "W", 9);
        adminCall(abi.encodeCall(BridgeAdmin.setToken, (ORIGIN, bytes32(uint256(0x71)), address(w), 9, 1, 1)));
        (, , localExp,,,) = gov.tokens(P.tokenId(ORIGIN, bytes32(uint256(0x71))));
        assertEq(localExp, 9, "bridged shift");
    }

    function test_no_validator_set_means_no_delivery() public {
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (8, REMOTE_BRIDGE, 0)));
        P.Header memory h = header(0, b32(address(bridge)));
        h.origin = 8;
        bytes memory m = P.encode(h, P.encodeTransfer(wrappedId, 1, b32(BOB)));
        expectError(deliverCall(m, ""), BridgeBase.NoValidatorSet.selector);
    }

    function _rejectCall(bytes memory call) internal returns (bytes4) {
        bytes32 salt = keccak256(abi.encode(call, block.timestamp, "reject"));
        vm.prank(ADMIN);
        bytes32 id = gov.propose(call, salt);
        (uint64 readyAt,,,,) = gov.proposals(id); // a guardian change waits longer
        vm.warp(readyAt);
        (bool ok, bytes memory ret) = address(bridge).call(abi.encodeCall(BridgeAdmin.execute, (call, salt)));
        assertTrue(!ok, "bad config accepted");
        return selectorOf(ret);
    }

    function test_bridged_token_only_bridge_mints_and_burns() public {
        vm.expectRevert(BridgedToken.OnlyBridge.selector);
        wrapped.mint(USER, 1);
        vm.expectRevert(BridgedToken.OnlyBridge.selector);
        wrapped.burn(USER, 1);
        bytes memory m = transferMsg(0, wrappedId, 10, USER);
        bridge.deliver(m, sign(m, 4));
        vm.prank(USER);
        wrapped.transfer(BOB, 4);
        assertEq(wrapped.balanceOf(BOB), 4, "transfer");
        vm.prank(USER);
        wrapped.approve(BOB, 3);
        vm.prank(BOB);
        wrapped.transferFrom(USER, BOB, 3);
        assertEq(wrapped.balanceOf(USER), 3, "transferFrom");
    }
}

