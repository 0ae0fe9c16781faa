// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeAdmin} from "../src/BridgeAdmin.sol";
import {BridgeBase} from "../src/BridgeBase.sol";
import {BridgeHarness} from "./utils/Harness.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";
import {GasRecipient, MockRecipient} from "./utils/Mocks.sol";
import {Vm} from "./Vm.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";

/// @notice What a compromised admin would install: a UUPS implementation that empties the proxy
/// (second review, F-2; it never gets past the guardian here).
contract Drainer is UUPSUpgradeable {
    function _authorizeUpgrade(address) internal override {}

    function drain(address token, address to) external {
        (bool ok,) = to.call{value: address(this).balance}("");
        require(ok, "eth");
        (ok,) = token.call(abi.encodeWithSignature("transfer(address,uint256)", to, 1));
        require(ok, "token");
    }
}

/// @notice One regression test (or a few) per finding of the v2 security review
/// (docs/protocol.md, "Changes from version 1"), each failing on the v1 contracts.
contract FindingsTest is Fixture {
    uint32 internal constant OTHER = 5; // a second EVM origin with its own validator set
    bytes32 internal constant OTHER_BRIDGE = bytes32(uint256(0x00c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5));
    uint32 internal constant SOLANA = 3;
    bytes32 internal constant SOLANA_BRIDGE = keccak256("solana program");
    uint256[] internal otherKeys;

    function setUp() public override {
        super.setUp();
        otherKeys = sortedKeys(4, 300);
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(BridgeAdmin.setRemote, (OTHER, OTHER_BRIDGE, 0));
        calls[1] = abi.encodeCall(BridgeAdmin.setValidatorSet, (OTHER, 1, addrs(otherKeys), 3));
        adminCalls(calls);
    }

    function deliverCall(bytes memory m, bytes memory s) internal pure returns (bytes memory) {
        return abi.encodeCall(Bridge.deliver, (m, s));
    }

    function status(bytes memory m) internal view returns (BridgeBase.Status) {
        return bridge.statusOf(m);
    }

    /// @dev A token transfer from `origin` (its bridge `originBridge`) to this bridge.
    function transferFrom_(uint32 origin, uint64 nonce, bytes32 token, uint256 amount, address to)
        internal
        view
        returns (bytes memory)
    {
        P.Header memory h = header(nonce, b32(address(bridge)));
        h.origin = origin;
        return P.encode(h, P.encodeTransfer(token, amount, b32(to)));
    }

    /// @dev All of `ks` sign `m` as attested from `origin`/`originBridge` for `destBridge`.
    function signFor(uint32 origin, bytes32 originBridge, address destBridge, uint256[] memory ks, bytes memory m)
        internal
        pure
        returns (bytes memory sigs)
    {
        bytes32 d = P.digest(origin, originBridge, LOCAL, b32(destBridge), 1, keccak256(m));
        for (uint256 i; i < ks.length; ++i) {
            sigs = bytes.concat(sigs, sigOf(ks[i], d));
        }
    }

    function _routeFromOther(bytes32 token) internal {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(BridgeAdmin.setRoute, (token, OTHER, 0, type(uint128).max));
        calls[1] = abi.encodeCall(BridgeAdmin.setLimits, (token, OTHER, CAPACITY, REFILL, CAPACITY, REFILL));
        adminCalls(calls);
    }

    function _solanaRemote() internal {
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeCall(BridgeAdmin.setRemote, (SOLANA, SOLANA_BRIDGE, 1));
        calls[1] = abi.encodeCall(BridgeAdmin.setRoute, (nativeId, SOLANA, 9, type(uint64).max));
        calls[2] = abi.encodeCall(BridgeAdmin.setLimits, (nativeId, SOLANA, CAPACITY, REFILL, CAPACITY, REFILL));
        adminCalls(calls);
    }

    function _drainInbound(bytes32 token, uint64 firstNonce) internal {
        for (uint64 i; i < 5; ++i) {
            bytes memory mi = transferMsg(firstNonce + i, token, 999e18, BOB);
            bridge.deliver(mi, sign(mi, 4));
        }
    }

    // ================================================================ 2: every queued transfer passes the bucket

    /// v1 let a queued transfer above the bucket's capacity wait forever (or, on Solana, skip
    /// the bucket); v2 executes it once the bucket is full, and empties it.
    function test_finding2_timelocked_transfer_above_capacity_waits_for_a_full_bucket() public {
        bytes memory big = transferMsg(0, wrappedId, CAPACITY + 1_000e18, BOB);
        bridge.deliver(big, sign(big, 4));
        assertTrue(status(big) == BridgeBase.Status.Queued, "timelocked");
        vm.warp(block.timestamp + TRANSFER_DELAY);
        bytes memory small = transferMsg(1, wrappedId, 10e18, BOB);
        bridge.deliver(small, sign(small, 4)); // the bucket is 10e18 short of full
        expectError(abi.encodeCall(Bridge.executeQueued, (big)), BridgeBase.RateLimited.selector);
        vm.warp(block.timestamp + 10);
        bridge.executeQueued(big);
        assertEq(wrapped.balanceOf(BOB), CAPACITY + 1_010e18, "executed on a full bucket");
        assertEq(gov.availableFor(wrappedId, ORIGIN, true), 0, "and emptied it");
        // what follows waits for the bucket like any transfer
        bytes memory next = transferMsg(2, wrappedId, 1e18, BOB);
        bridge.deliver(next, sign(next, 4));
        assertTrue(status(next) == BridgeBase.Status.Queued, "rate-limited after the big one");
    }

    /// A timelocked transfer within the capacity but above what the bucket holds waits for it.
    function test_finding2_timelocked_transfer_consumes_the_bucket() public {
        adminCall(abi.encodeCall(BridgeAdmin.setLimits, (wrappedId, ORIGIN, CAPACITY, 1e15, CAPACITY, REFILL)));
        _drainInbound(wrappedId, 0); // 5e18 left, refilling 0.001 per second
        bytes memory m = transferMsg(5, wrappedId, 2_000e18, BOB);
        bridge.deliver(m, sign(m, 4));
        vm.warp(block.timestamp + TRANSFER_DELAY); // + 86.4e18
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.RateLimited.selector);
        vm.warp(block.timestamp + 1_910_000); // 5e18 + 1,996,400 s * 1e15 >= 2,000e18
        uint256 before = gov.availableFor(wrappedId, ORIGIN, true);
        bridge.executeQueued(m);
        assertEq(gov.availableFor(wrappedId, ORIGIN, true), before - 2_000e18, "consumed");
    }

    /// Second review, F-1: a transfer above the route's inbound capacity but below the token's
    /// timelock threshold was queued with no delay, and `executeQueued` let it through on a full
    /// bucket in the same transaction: one message moved up to the threshold at once, whatever
    /// the capacity, and the guardian had no time to cancel it. Now a transfer no bucket can
    /// ever hold is timelocked (the token's delay), and still needs a full bucket.
    function test_review2_F1_over_capacity_transfer_is_timelocked() public {
        uint128 cap = 100 ether;
        uint128 refill = 0.0012 ether; // ~100 ether per 83,333 s
        adminCall(abi.encodeCall(BridgeAdmin.setLimits, (nativeId, ORIGIN, cap, refill, CAPACITY, REFILL)));
        assertEq(gov.availableFor(nativeId, ORIGIN, true), cap, "bucket full");
        address attacker = address(0xBAD);
        uint256 big = TIMELOCK_THRESHOLD - 1 ether; // ~10x the capacity, below the threshold
        bytes memory m = transferMsg(0, nativeId, big, attacker);
        uint256 t0 = block.timestamp;
        vm.recordLogs();
        bridge.deliver(m, sign(m, 4));
        (uint64 readyAt, bool timelocked) = _queuedEvent();
        assertTrue(timelocked, "TransferQueued says timelocked");
        assertEq(readyAt, t0 + TRANSFER_DELAY, "readyAt = delivered at + the token's delay");
        (BridgeBase.Status st, uint64 recReady,,,,) = gov.records(keccak256(m));
        assertTrue(st == BridgeBase.Status.Queued, "queued");
        assertEq(recReady, t0 + TRANSFER_DELAY, "record readyAt");
        // Not in the same transaction, not before the delay: the guardian has the delay.
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.TimelockPending.selector);
        vm.warp(t0 + TRANSFER_DELAY - 1);
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.TimelockPending.selector);
        assertEq(attacker.balance, 0, "nothing released");
        // A second one the guardian cancels within the delay.
        bytes memory m2 = transferMsg(1, nativeId, big, attacker);
        bridge.deliver(m2, sign(m2, 4));
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(m2));
        // After the delay the first still passes the bucket: full, then emptied.
        vm.warp(t0 + TRANSFER_DELAY);
        bytes memory small = transferMsg(2, nativeId, 1 ether, BOB);
        bridge.deliver(small, sign(small, 4)); // 1 ether short of full
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.RateLimited.selector);
        vm.warp(block.timestamp + 1 ether / uint256(refill) + 1);
        bridge.executeQueued(m);
        assertEq(attacker.balance, big, "released after the delay, on a full bucket");
        assertEq(gov.availableFor(nativeId, ORIGIN, true), 0, "which it emptied");
        expectError(abi.encodeCall(Bridge.executeQueued, (m2)), BridgeBase.NotQueued.selector);
    }

    /// The F-1 boundary: exactly the capacity is not over it (executed at once on a full
    /// bucket); one unit more is timelocked; below the capacity but over what the bucket holds
    /// now is rate-limited (no delay).
    function test_review2_F1_capacity_boundary() public {
        uint128 cap = 100 ether;
        adminCall(abi.encodeCall(BridgeAdmin.setLimits, (nativeId, ORIGIN, cap, 1 ether, CAPACITY, REFILL)));
        bytes memory atCap = transferMsg(0, nativeId, cap, BOB);
        bridge.deliver(atCap, sign(atCap, 4));
        assertTrue(bridge.statusOf(atCap) == BridgeBase.Status.Executed, "= capacity: executed at once");
        vm.warp(block.timestamp + 100); // full again
        vm.recordLogs();
        bytes memory over = transferMsg(1, nativeId, uint256(cap) + 1, BOB);
        bridge.deliver(over, sign(over, 4));
        (uint64 readyAt, bool timelocked) = _queuedEvent();
        assertTrue(timelocked && readyAt == block.timestamp + TRANSFER_DELAY, "capacity + 1: timelocked");
        assertEq(gov.availableFor(nativeId, ORIGIN, true), cap, "the bucket is untouched");
        bytes memory drain = transferMsg(2, nativeId, 60 ether, BOB);
        bridge.deliver(drain, sign(drain, 4));
        vm.recordLogs();
        bytes memory limited = transferMsg(3, nativeId, 50 ether, BOB);
        bridge.deliver(limited, sign(limited, 4));
        (readyAt, timelocked) = _queuedEvent();
        assertTrue(!timelocked && readyAt == block.timestamp, "within capacity, over the level: rate-limited");
    }

    /// @dev The (readyAt, timelocked) of the only `TransferQueued` among the recorded logs.
    function _queuedEvent() internal returns (uint64 readyAt, bool timelocked) {
        bytes32 topic = keccak256("TransferQueued(bytes32,uint64,bool)");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics.length > 0 && logs[i].topics[0] == topic) {
                (readyAt, timelocked) = abi.decode(logs[i].data, (uint64, bool));
                ++found;
            }
        }
        assertEq(found, 1, "one TransferQueued");
    }

    // ================================================================ 3: everything queued stays cancellable

    /// v1: `cancelQueued` refused an entry past its release time (so every rate-limited entry,
    /// whose release time is its delivery): a forged entry could not be stopped.
    function test_finding3_guardian_cancels_a_rate_limited_entry_after_its_release_while_paused() public {
        _drainInbound(nativeId, 0);
        bytes memory m = transferMsg(5, nativeId, 999e18, BOB);
        bridge.deliver(m, sign(m, 4));
        assertTrue(status(m) == BridgeBase.Status.Queued, "rate-limited");
        vm.warp(block.timestamp + 10);
        vm.prank(GUARDIAN);
        gov.pause();
        int256 ledgerBefore = ledgerOf(nativeId, ORIGIN);
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(m));
        assertTrue(status(m) == BridgeBase.Status.Cancelled, "cancelled");
        assertEq(ledgerOf(nativeId, ORIGIN), ledgerBefore + 999e18, "amount back to the route's ledger");
        adminCall(abi.encodeCall(BridgeAdmin.unpause, ()));
        vm.warp(block.timestamp + 10_000);
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.NotQueued.selector);
    }

    function test_finding3_admin_voids_a_queued_entry_and_a_refund_moves_no_ledger() public {
        bytes memory m = transferMsg(0, homeId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(m, sign(m, 4));
        assertEq(ledgerOf(homeId, ORIGIN), int256(LEDGER - TIMELOCK_THRESHOLD), "delivery took it from the ledger");
        bytes memory call = abi.encodeCall(BridgeAdmin.voidQueued, (keccak256(m)));
        expectErrorFrom(ADMIN, call, 0, BridgeBase.OnlySelf.selector);
        expectErrorFrom(GUARDIAN, call, 0, BridgeBase.OnlySelf.selector);
        adminCall(call);
        assertTrue(status(m) == BridgeBase.Status.Cancelled, "voided");
        assertEq(ledgerOf(homeId, ORIGIN), int256(LEDGER), "given back");
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.NotQueued.selector);
        // a second void or cancel finds nothing queued
        expectErrorFrom(GUARDIAN, abi.encodeCall(BridgeAdmin.cancelQueued, (keccak256(m))), 0, BridgeBase.NotQueued.selector);
        // the refund sends it back without touching the ledger or the outbound bucket
        uint256 outBefore = gov.availableFor(homeId, ORIGIN, false);
        adminCall(abi.encodeCall(BridgeAdmin.refundCancelled, (m)));
        assertTrue(gov.refunds(keccak256(m)) != bytes32(0), "refunded");
        assertEq(ledgerOf(homeId, ORIGIN), int256(LEDGER), "refund moves no ledger");
        assertEq(gov.availableFor(homeId, ORIGIN, false), outBefore, "nor the outbound bucket");
    }

    // ================================================================ 4: routes per origin, per-origin ledger

    /// v1 released any registered token for any configured origin.
    function test_finding4_inbound_needs_a_route_for_the_origin() public {
        bytes memory m = transferFrom_(OTHER, 0, homeId, 1e18, BOB);
        expectError(deliverCall(m, signFor(OTHER, OTHER_BRIDGE, address(bridge), otherKeys, m)), BridgeBase.RouteDisabled.selector);
        // a route without limits carries nothing either
        adminCall(abi.encodeCall(BridgeAdmin.setRoute, (homeId, OTHER, 0, type(uint128).max)));
        expectError(deliverCall(m, signFor(OTHER, OTHER_BRIDGE, address(bridge), otherKeys, m)), BridgeBase.RouteDisabled.selector);
        // and remoteMax 0 disables a configured route both ways (in-flight entries wait)
        adminCall(abi.encodeCall(BridgeAdmin.setRoute, (homeId, ORIGIN, 0, 0)));
        bytes memory m1 = transferMsg(0, homeId, 1e18, BOB);
        expectError(deliverCall(m1, sign(m1, 4)), BridgeBase.RouteDisabled.selector);
    }

    /// docs/protocol.md, "Routes, buckets and the per-origin ledger": `remoteMax` 0 disables a
    /// route in both directions. Deliveries from its remote and executions of what it queued
    /// revert `RouteDisabled` and stay retryable; the guardian still cancels what is queued;
    /// once governance enables the route again the same message and the same entry go through.
    function test_disabled_route_refuses_deliveries_and_queued_executions_until_enabled() public {
        bytes memory queued = transferMsg(0, homeId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(queued, sign(queued, 4));
        bytes memory other = transferMsg(1, homeId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(other, sign(other, 4));
        int256 ledgerBefore = ledgerOf(homeId, ORIGIN);
        adminCall(abi.encodeCall(BridgeAdmin.setRoute, (homeId, ORIGIN, 0, 0)));
        vm.warp(block.timestamp + TRANSFER_DELAY);
        // a due queued entry waits
        expectError(abi.encodeCall(Bridge.executeQueued, (queued)), BridgeBase.RouteDisabled.selector);
        assertTrue(status(queued) == BridgeBase.Status.Queued, "still queued");
        // a new delivery reverts and is not recorded
        bytes memory late = transferMsg(2, homeId, 1e18, BOB);
        expectError(deliverCall(late, sign(late, 4)), BridgeBase.RouteDisabled.selector);
        assertTrue(!bridge.delivered(ORIGIN, REMOTE_BRIDGE, 2), "not delivered");
        assertEq(ledgerOf(homeId, ORIGIN), ledgerBefore, "nothing taken from the ledger");
        // the guardian still cancels on a disabled route
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(other));
        assertTrue(status(other) == BridgeBase.Status.Cancelled, "cancelled");
        assertEq(ledgerOf(homeId, ORIGIN), ledgerBefore + int256(uint256(TIMELOCK_THRESHOLD)), "given back");
        // enabled again: the same entry executes and the same message delivers
        adminCall(abi.encodeCall(BridgeAdmin.setRoute, (homeId, ORIGIN, 0, type(uint128).max)));
        bridge.executeQueued(queued);
        assertTrue(status(queued) == BridgeBase.Status.Executed, "executed");
        bridge.deliver(late, sign(late, 4));
        assertEq(homeToken.balanceOf(BOB), TIMELOCK_THRESHOLD + 1e18, "paid once each");
    }

    /// A compromised origin releases at most what was sent to it: its own route's ledger.
    function test_finding4_an_origin_releases_at_most_its_ledger() public {
        _routeFromOther(homeId);
        bytes memory forged = transferFrom_(OTHER, 0, homeId, 1e18, BOB);
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.LedgerExceeded.selector, homeId, OTHER, 1e18, 0));
        bridge.deliver(forged, signFor(OTHER, OTHER_BRIDGE, address(bridge), otherKeys, forged));
        // a user sends 3e18 to OTHER: that much becomes releasable for OTHER
        homeToken.mint(USER, 3e18);
        vm.prank(USER);
        homeToken.approve(address(bridge), 3e18);
        vm.prank(USER);
        bridge.sendToken(OTHER, homeId, 3e18, b32(USER));
        assertEq(ledgerOf(homeId, OTHER), 3e18, "send adds to the ledger");
        bytes memory m0 = transferFrom_(OTHER, 1, homeId, 2e18, BOB);
        bridge.deliver(m0, signFor(OTHER, OTHER_BRIDGE, address(bridge), otherKeys, m0));
        assertEq(homeToken.balanceOf(BOB), 2e18, "released within the ledger");
        bytes memory m1 = transferFrom_(OTHER, 2, homeId, 2e18, BOB);
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.LedgerExceeded.selector, homeId, OTHER, 2e18, 1e18));
        bridge.deliver(m1, signFor(OTHER, OTHER_BRIDGE, address(bridge), otherKeys, m1));
        assertEq(ledgerOf(homeId, ORIGIN), int256(LEDGER), "the other origin's collateral is untouched");
        assertTrue(!bridge.delivered(OTHER, OTHER_BRIDGE, 2), "a refused delivery records nothing");
    }

    /// Deliveries of a bridged token are checked on every route but the one from its home
    /// domain (the source of its supply); that one's ledger still counts them.
    function test_finding4_bridged_token_deliveries_checked_off_its_home_route() public {
        _routeFromOther(wrappedId);
        (, bool homeChecked,) = gov.ledger(wrappedId, ORIGIN);
        (, bool otherChecked,) = gov.ledger(wrappedId, OTHER);
        assertTrue(!homeChecked && otherChecked, "checked routes");
        bytes memory m = transferFrom_(OTHER, 0, wrappedId, 1e18, BOB);
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.LedgerExceeded.selector, wrappedId, OTHER, 1e18, 0));
        bridge.deliver(m, signFor(OTHER, OTHER_BRIDGE, address(bridge), otherKeys, m));
        bytes memory fromHome = transferMsg(0, wrappedId, 5e18, USER);
        bridge.deliver(fromHome, sign(fromHome, 4));
        assertEq(ledgerOf(wrappedId, ORIGIN), -5e18, "the home route counts what it minted");
        assertEq(ledgerOf(wrappedId, OTHER), 0, "the other route is untouched");
    }

    function test_finding4_buckets_are_per_route() public {
        _routeFromOther(homeId);
        bridge.forceLedger(homeId, OTHER, 10_000e18);
        for (uint64 i; i < 5; ++i) {
            bytes memory mi = transferMsg(i, homeId, 999e18, BOB);
            bridge.deliver(mi, sign(mi, 4));
        }
        assertEq(gov.availableFor(homeId, ORIGIN, true), 5e18, "origin 1's bucket drained");
        assertEq(gov.availableFor(homeId, OTHER, true), CAPACITY, "OTHER's bucket full");
        bytes memory m = transferFrom_(OTHER, 0, homeId, 999e18, BOB);
        bridge.deliver(m, signFor(OTHER, OTHER_BRIDGE, address(bridge), otherKeys, m));
        assertTrue(status(m) == BridgeBase.Status.Executed, "OTHER's own bucket");
        // outbound buckets are per route as well
        vm.deal(USER, CAPACITY * 2);
        vm.prank(USER);
        bridge.sendToken{value: CAPACITY}(ORIGIN, nativeId, CAPACITY, b32(USER));
        assertEq(gov.availableFor(nativeId, ORIGIN, false), 0, "route to 1 drained");
        _routeFromOther(nativeId);
        vm.prank(USER);
        bridge.sendToken{value: 1e18}(OTHER, nativeId, 1e18, b32(USER));
    }

    // ================================================================ 5: replay keyed by origin bridge

    /// v1 keyed replay by (origin domain, nonce): a redeployed origin bridge, whose nonces start
    /// again at 0, could never deliver its first messages.
    function test_finding5_a_redeployed_origin_bridge_starts_a_new_nonce_space() public {
        bytes memory old = transferMsg(0, wrappedId, 1e18, BOB);
        bridge.deliver(old, sign(old, 4));
        bytes32 newBridge = bytes32(uint256(0x00b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2));
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, newBridge, 0)));
        bytes memory fresh = transferMsg(0, wrappedId, 2e18, BOB);
        bytes memory sigs = signFor(ORIGIN, newBridge, address(bridge), keys, fresh);
        bridge.deliver(fresh, sigs);
        assertEq(wrapped.balanceOf(BOB), 3e18, "nonce 0 of the new bridge delivered");
        assertTrue(bridge.delivered(ORIGIN, REMOTE_BRIDGE, 0), "old key");
        assertTrue(bridge.delivered(ORIGIN, newBridge, 0) && !bridge.delivered(ORIGIN, newBridge, 1), "new key");
        expectError(deliverCall(fresh, sigs), BridgeBase.AlreadyDelivered.selector);
        assertTrue(status(fresh) == BridgeBase.Status.Executed, "status relative to the current bridge");
        // the old bridge's signatures no longer verify (the digest names the origin bridge)
        bytes memory old1 = transferMsg(1, wrappedId, 1e18, BOB);
        (bool ok,) = address(bridge).call(deliverCall(old1, sign(old1, 4)));
        assertTrue(!ok, "old origin bridge accepted");
    }

    /// @dev The same message bytes, attested for `originBridge` as the origin's bridge.
    function _signFrom(bytes32 originBridge, bytes memory m) internal view returns (bytes memory sigs) {
        bytes32 d = P.digest(ORIGIN, originBridge, LOCAL, b32(address(bridge)), epoch, keccak256(m));
        for (uint256 i; i < 4; ++i) {
            sigs = bytes.concat(sigs, sigOf(keys[i], d));
        }
    }

    bytes32 internal constant NEW_BRIDGE = bytes32(uint256(0x00b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2));

    /// Second review, F-4: records are keyed by the message id, which does not name the origin
    /// bridge, while replay is keyed by (origin, origin bridge, nonce). A byte-identical message
    /// from a redeployed origin bridge overwrote the old record: a queued entry was lost (the
    /// ledger taken twice, paid once, the second uncancellable). Now such a delivery reverts
    /// `AlreadyDelivered` and nothing of it is recorded.
    function test_review2_F4_identical_message_cannot_overwrite_a_queued_record() public {
        bytes memory m = transferMsg(7, homeId, TIMELOCK_THRESHOLD, BOB); // timelocked
        bridge.deliver(m, sign(m, 4));
        bytes32 id = keccak256(m);
        int256 afterFirst = ledgerOf(homeId, ORIGIN);
        (, uint64 readyAt,,,,) = gov.records(id);
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, NEW_BRIDGE, 0)));
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.AlreadyDelivered.selector, id));
        bridge.deliver(m, _signFrom(NEW_BRIDGE, m));
        assertEq(ledgerOf(homeId, ORIGIN), afterFirst, "the ledger is taken once");
        assertTrue(!bridge.delivered(ORIGIN, NEW_BRIDGE, 7), "nothing marked for the new bridge");
        (BridgeBase.Status st, uint64 stillReady,,,, bytes32 from) = gov.records(id);
        assertTrue(st == BridgeBase.Status.Queued && stillReady == readyAt, "the first record is intact");
        assertEq(from, REMOTE_BRIDGE, "and names the bridge it came from");
        // ... and stays cancellable by the guardian.
        vm.prank(GUARDIAN);
        gov.cancelQueued(id);
        assertEq(ledgerOf(homeId, ORIGIN), int256(LEDGER), "given back once");
        // A different message with the same nonce from the new bridge is a new key.
        bytes memory other = transferMsg(7, homeId, 1e18, BOB);
        bridge.deliver(other, _signFrom(NEW_BRIDGE, other));
        assertEq(homeToken.balanceOf(BOB), 1e18, "delivered");
    }

    /// F-4: a cancelled entry came back to life as `Queued` (and its refund path was lost).
    function test_review2_F4_cancelled_record_is_not_resurrected() public {
        bytes memory m = transferMsg(7, homeId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(m, sign(m, 4));
        bytes32 id = keccak256(m);
        vm.prank(GUARDIAN);
        gov.cancelQueued(id);
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, NEW_BRIDGE, 0)));
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.AlreadyDelivered.selector, id));
        bridge.deliver(m, _signFrom(NEW_BRIDGE, m));
        assertTrue(status(m) == BridgeBase.Status.Cancelled, "still cancelled");
        // Its refund waits for the origin's remote to be the bridge it came from (F-5).
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, REMOTE_BRIDGE, 0)));
        adminCall(abi.encodeCall(BridgeAdmin.refundCancelled, (m)));
        assertTrue(gov.refunds(id) != bytes32(0), "refunded");
    }

    /// F-4 for arbitrary messages: a failed message's record is not overwritten either; an
    /// identical message whose call succeeds writes no record, so it is not refused.
    function test_review2_F4_failed_record_is_not_overwritten() public {
        MockRecipient r = new MockRecipient(address(bridge));
        r.setFailing(true);
        bytes memory m = plainMsg(3, address(r), "once");
        bridge.deliver(m, sign(m, 4));
        assertTrue(status(m) == BridgeBase.Status.Failed, "failed");
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, NEW_BRIDGE, 0)));
        bytes memory sigs = _signFrom(NEW_BRIDGE, m);
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.AlreadyDelivered.selector, keccak256(m)));
        bridge.deliver(m, sigs);
        assertTrue(!bridge.delivered(ORIGIN, NEW_BRIDGE, 3), "not marked");
        r.setFailing(false);
        bridge.deliver(m, sigs); // executes: no record is written
        assertEq(r.calls(), 1, "called");
        assertTrue(status(m) == BridgeBase.Status.Failed, "the old bridge's failure stays retryable");
        bridge.retryMessage(m);
        assertEq(r.calls(), 2, "retried");
    }

    // ================================================================ 6: governance

    function test_finding6_proposals_expire_after_the_grace_period() public {
        assertEq(gov.GRACE_PERIOD(), 14 days, "grace period");
        bytes memory call = abi.encodeCall(BridgeAdmin.setAdminDelay, (3 days));
        vm.prank(ADMIN);
        gov.propose(call, bytes32(uint256(1)));
        vm.prank(ADMIN);
        gov.propose(call, bytes32(uint256(2)));
        vm.warp(block.timestamp + ADMIN_DELAY + 14 days);
        gov.execute(call, bytes32(uint256(1))); // the last second of its grace period
        vm.warp(block.timestamp + 1);
        expectError(abi.encodeCall(BridgeAdmin.execute, (call, bytes32(uint256(2)))), BridgeBase.ProposalExpired.selector);
        assertEq(gov.adminDelay(), 3 days, "the first one executed");
    }

    function test_finding6_guardian_cannot_veto_its_replacement_or_an_unpause() public {
        bytes memory roles = abi.encodeCall(BridgeAdmin.setRoles, (address(0xA2), address(0xB2)));
        vm.prank(ADMIN);
        bytes32 id = gov.propose(roles, 0);
        expectErrorFrom(GUARDIAN, abi.encodeCall(BridgeAdmin.cancelProposal, (id)), 0, BridgeBase.GuardianCannotVeto.selector);
        vm.prank(GUARDIAN);
        gov.pause();
        bytes memory unpause = abi.encodeCall(BridgeAdmin.unpause, ());
        vm.prank(ADMIN);
        bytes32 uid = gov.propose(unpause, 0);
        expectErrorFrom(GUARDIAN, abi.encodeCall(BridgeAdmin.cancelProposal, (uid)), 0, BridgeBase.GuardianCannotVeto.selector);
        // the guardian still vetoes everything else, upgrades included
        bytes memory upgrade = abi.encodeWithSignature("upgradeToAndCall(address,bytes)", address(1), "");
        vm.prank(ADMIN);
        bytes32 upid = gov.propose(upgrade, 0);
        vm.prank(GUARDIAN);
        gov.cancelProposal(upid);
        // and the admin may drop its own proposals
        vm.prank(ADMIN);
        gov.cancelProposal(id);
        // the role change executes while paused (the guardian consents to its replacement, so
        // it waits the admin delay, not GUARDIAN_CHANGE_DELAY)
        vm.prank(ADMIN);
        bytes32 id9 = gov.propose(roles, bytes32(uint256(9)));
        vm.prank(GUARDIAN);
        gov.approveProposal(id9);
        vm.warp(block.timestamp + ADMIN_DELAY);
        gov.execute(roles, bytes32(uint256(9)));
        assertEq(gov.admin(), address(0xA2), "admin replaced while paused");
        assertEq(gov.guardian(), address(0xB2), "guardian replaced while paused");
        gov.execute(unpause, 0);
        assertTrue(!gov.paused(), "unpaused");
    }

    function test_finding6_pause_refuses_a_second_pause_and_records_its_start() public {
        vm.prank(GUARDIAN);
        gov.pause();
        assertEq(gov.pausedAt(), block.timestamp, "pausedAt");
        expectErrorFrom(GUARDIAN, abi.encodeCall(BridgeAdmin.pause, ()), 0, BridgeBase.AlreadyPaused.selector);
    }

    /// No unpause can be queued ahead of a pause: one proposed during an earlier pause is stale.
    function test_finding6_an_unpause_ends_only_the_pause_it_was_proposed_in() public {
        bytes memory unpause = abi.encodeCall(BridgeAdmin.unpause, ());
        expectErrorFrom(ADMIN, abi.encodeCall(BridgeAdmin.propose, (unpause, 0)), 0, BridgeBase.NotPaused.selector);
        vm.prank(GUARDIAN);
        gov.pause();
        vm.warp(block.timestamp + 1);
        vm.startPrank(ADMIN);
        gov.propose(unpause, bytes32(uint256(1)));
        gov.propose(unpause, bytes32(uint256(2)));
        vm.stopPrank();
        vm.warp(block.timestamp + ADMIN_DELAY);
        gov.execute(unpause, bytes32(uint256(1)));
        vm.warp(block.timestamp + 1);
        vm.prank(GUARDIAN);
        gov.pause();
        expectError(abi.encodeCall(BridgeAdmin.execute, (unpause, bytes32(uint256(2)))), BridgeBase.StaleUnpause.selector);
        vm.prank(ADMIN);
        gov.propose(unpause, bytes32(uint256(3)));
        vm.warp(block.timestamp + ADMIN_DELAY);
        gov.execute(unpause, bytes32(uint256(3)));
        assertTrue(!gov.paused(), "the current pause's unpause");
    }

    /// Second review, F-2: the admin key alone replaced the guardian (`setRoles`, which the
    /// guardian cannot veto) after one admin delay, then pushed an upgrade that drained the
    /// bridge past nobody, even while paused. Now a proposal that replaces the guardian waits
    /// `GUARDIAN_CHANGE_DELAY` (30 days): in two admin delays the guardian is still there and
    /// vetoes the upgrade, and keeps vetoing every other proposal for the 30 days.
    function test_review2_F2_admin_alone_cannot_replace_the_guardian_and_upgrade() public {
        assertEq(gov.GUARDIAN_CHANGE_DELAY(), 30 days, "GUARDIAN_CHANGE_DELAY");
        address evilGuardian = address(0xE71);
        bytes memory roles = abi.encodeCall(BridgeAdmin.setRoles, (ADMIN, evilGuardian));
        uint256 t0 = block.timestamp;
        vm.prank(ADMIN);
        bytes32 rid = gov.propose(roles, bytes32(uint256(1)));
        (uint64 readyAt, uint64 proposedAt,, bool guardianChange,) = gov.proposals(rid);
        assertEq(readyAt, t0 + 30 days, "a guardian change waits 30 days");
        assertEq(proposedAt, t0, "proposedAt");
        assertTrue(guardianChange, "marked as a guardian change");
        // The guardian still cannot veto it...
        expectErrorFrom(GUARDIAN, abi.encodeCall(BridgeAdmin.cancelProposal, (rid)), 0, BridgeBase.GuardianCannotVeto.selector);
        vm.prank(GUARDIAN);
        gov.pause();
        // ...but after one admin delay it does not execute,
        vm.warp(t0 + ADMIN_DELAY);
        expectError(abi.encodeCall(BridgeAdmin.execute, (roles, bytes32(uint256(1)))), BridgeBase.TimelockPending.selector);
        // and the upgrade the admin proposes meanwhile meets the sitting guardian's veto.
        Drainer drainer = new Drainer();
        bytes memory up = abi.encodeCall(UUPSUpgradeable.upgradeToAndCall, (address(drainer), ""));
        for (uint256 i; i < 14; ++i) {
            vm.prank(ADMIN);
            bytes32 upId = gov.propose(up, bytes32(100 + i));
            vm.prank(GUARDIAN);
            gov.cancelProposal(upId);
            vm.warp(block.timestamp + ADMIN_DELAY);
            expectError(abi.encodeCall(BridgeAdmin.execute, (up, bytes32(100 + i))), BridgeBase.UnknownProposal.selector);
            assertEq(gov.guardian(), GUARDIAN, "the guardian is still the guardian");
            if (block.timestamp < t0 + 30 days) {
                expectError(abi.encodeCall(BridgeAdmin.execute, (roles, bytes32(uint256(1)))), BridgeBase.TimelockPending.selector);
            }
        }
        assertEq(address(bridge).balance, LEDGER, "nothing drained");
        assertEq(homeToken.balanceOf(address(bridge)), LEDGER, "nothing drained");
        // After 30 days the replacement executes (still while paused): the admin is the root of
        // trust, but the guardian and the users had 30 days.
        vm.warp(t0 + 30 days);
        gov.execute(roles, bytes32(uint256(1)));
        assertEq(gov.guardian(), evilGuardian, "replaced after GUARDIAN_CHANGE_DELAY");
    }

    /// F-2: the sitting guardian consents with `approveProposal`, which brings the proposal
    /// down to the admin delay (only for a guardian change, only the guardian, never later
    /// than it was, never into its past grace period); other role changes keep the admin delay.
    function test_review2_F2_guardian_approves_its_replacement() public {
        address next = address(0x6B2D);
        bytes memory roles = abi.encodeCall(BridgeAdmin.setRoles, (ADMIN, next));
        uint256 t0 = block.timestamp;
        vm.prank(ADMIN);
        bytes32 rid = gov.propose(roles, 0);
        bytes memory approve = abi.encodeCall(BridgeAdmin.approveProposal, (rid));
        expectErrorFrom(ADMIN, approve, 0, BridgeBase.OnlyGuardian.selector);
        expectErrorFrom(next, approve, 0, BridgeBase.OnlyGuardian.selector);
        expectErrorFrom(
            GUARDIAN, abi.encodeCall(BridgeAdmin.approveProposal, (bytes32(uint256(5)))), 0, BridgeBase.UnknownProposal.selector
        );
        vm.warp(t0 + 1 hours);
        vm.recordLogs();
        vm.prank(GUARDIAN);
        gov.approveProposal(rid);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one event");
        assertEq(logs[0].topics[0], keccak256("ProposalApproved(bytes32,uint64)"), "ProposalApproved");
        assertEq(logs[0].topics[1], rid, "its id");
        assertEq(abi.decode(logs[0].data, (uint64)), t0 + ADMIN_DELAY, "its new readyAt");
        (uint64 readyAt,,,,) = gov.proposals(rid);
        assertEq(readyAt, t0 + ADMIN_DELAY, "proposedAt + adminDelay");
        vm.warp(t0 + ADMIN_DELAY - 1);
        expectError(abi.encodeCall(BridgeAdmin.execute, (roles, bytes32(0))), BridgeBase.TimelockPending.selector);
        vm.warp(t0 + ADMIN_DELAY);
        gov.execute(roles, 0);
        assertEq(gov.guardian(), next, "replaced after the admin delay");
    }

    /// F-2: approval only for guardian changes (an admin change keeps the guardian and the
    /// admin delay; other proposals are not approvable either); a late approval makes the
    /// proposal executable now, not expired; an approval after its grace period is refused.
    function test_review2_F2_approval_rules() public {
        address next = GUARDIAN;
        bytes memory adminOnly = abi.encodeCall(BridgeAdmin.setRoles, (address(0xA2), next));
        vm.prank(ADMIN);
        bytes32 aid = gov.propose(adminOnly, 0);
        (uint64 aReady,,, bool aChange,) = gov.proposals(aid);
        assertTrue(!aChange && aReady == block.timestamp + ADMIN_DELAY, "an admin change waits the admin delay");
        expectErrorFrom(next, abi.encodeCall(BridgeAdmin.approveProposal, (aid)), 0, BridgeBase.NotAGuardianChange.selector);
        bytes memory delay = abi.encodeCall(BridgeAdmin.setAdminDelay, (3 days));
        vm.prank(ADMIN);
        bytes32 did = gov.propose(delay, 0);
        expectErrorFrom(next, abi.encodeCall(BridgeAdmin.approveProposal, (did)), 0, BridgeBase.NotAGuardianChange.selector);
        bytes memory back = abi.encodeCall(BridgeAdmin.setRoles, (ADMIN, address(0x6B2D)));
        uint256 t1 = block.timestamp;
        vm.prank(ADMIN);
        bytes32 bid = gov.propose(back, 0);
        vm.warp(t1 + 20 days);
        vm.prank(next);
        gov.approveProposal(bid);
        (uint64 late,,,,) = gov.proposals(bid);
        assertEq(late, t1 + 20 days, "executable from the approval");
        bytes memory stale = abi.encodeCall(BridgeAdmin.setRoles, (ADMIN, address(0x6C2D)));
        vm.prank(ADMIN);
        bytes32 sid = gov.propose(stale, 0);
        vm.warp(block.timestamp + 30 days + gov.GRACE_PERIOD() + 1);
        expectErrorFrom(next, abi.encodeCall(BridgeAdmin.approveProposal, (sid)), 0, BridgeBase.ProposalExpired.selector);
    }

    /// F-2: a `setRoles` proposed while it kept the guardian waits only the admin delay, so it
    /// must never replace a guardian installed since (it would be a guardian change without
    /// the 30 days or that guardian's consent).
    function test_review2_F2_no_change_proposal_cannot_replace_a_newer_guardian() public {
        address next = address(0x6B2D);
        bytes memory keep = abi.encodeCall(BridgeAdmin.setRoles, (address(0xA2), GUARDIAN));
        bytes memory change = abi.encodeCall(BridgeAdmin.setRoles, (ADMIN, next));
        vm.startPrank(ADMIN);
        gov.propose(keep, 0);
        bytes32 cid = gov.propose(change, 0);
        vm.stopPrank();
        vm.prank(GUARDIAN);
        gov.approveProposal(cid);
        vm.warp(block.timestamp + ADMIN_DELAY);
        gov.execute(change, 0);
        assertEq(gov.guardian(), next, "the consented change");
        bytes32 keepId = keccak256(abi.encode(keep, bytes32(0)));
        expectError(abi.encodeCall(BridgeAdmin.execute, (keep, bytes32(0))), BridgeBase.GuardianChanged.selector);
        (uint64 stillThere,,,,) = gov.proposals(keepId);
        assertTrue(stillThere != 0, "left pending (the admin cancels it)");
        assertEq(gov.guardian(), next, "the new guardian stays");
    }

    /// Stale unpause by count (second review): an unpause proposed during one pause never ends
    /// a later one, even when the later pause began in the very second it was proposed (the
    /// timestamp rule, `proposedAt < pausedAt`, let that one through).
    function test_review2_unpause_from_an_earlier_pause_in_the_same_second_is_stale() public {
        bytes memory unpause = abi.encodeCall(BridgeAdmin.unpause, ());
        vm.prank(GUARDIAN);
        gov.pause();
        assertEq(gov.pauseCount(), 1, "first pause");
        vm.prank(ADMIN);
        gov.propose(unpause, bytes32(uint256(1)));
        vm.warp(block.timestamp + ADMIN_DELAY);
        // In one second: the admin proposes a second unpause (still paused), the first ends
        // the pause, and the guardian pauses again.
        vm.prank(ADMIN);
        bytes32 u2 = gov.propose(unpause, bytes32(uint256(2)));
        (,,,, uint64 proposedIn) = gov.proposals(u2);
        assertEq(proposedIn, 1, "proposed in pause 1");
        gov.execute(unpause, bytes32(uint256(1)));
        vm.prank(GUARDIAN);
        gov.pause();
        assertEq(gov.pauseCount(), 2, "second pause");
        assertEq(gov.pausedAt(), block.timestamp, "the same second");
        vm.warp(block.timestamp + ADMIN_DELAY);
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.StaleUnpause.selector, uint64(1), uint64(2)));
        gov.execute(unpause, bytes32(uint256(2)));
        assertTrue(gov.paused(), "still paused");
    }

    // ================================================================ 7: sends that can never be delivered

    /// v1 accepted any non-zero beneficiary, which an EVM destination can never pay.
    function test_finding7_send_refuses_beneficiaries_the_remote_cannot_pay() public {
        vm.deal(USER, 10 ether);
        bytes32 notAnAddress = bytes32(uint256(1) << 160 | uint256(uint160(BOB)));
        expectErrorFrom(
            USER,
            abi.encodeCall(Bridge.sendToken, (ORIGIN, nativeId, 1 ether, notAnAddress)),
            1 ether,
            BridgeBase.InvalidBeneficiary.selector
        );
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendToken, (ORIGIN, nativeId, 1 ether, 0)), 1 ether, BridgeBase.InvalidBeneficiary.selector
        );
        _solanaRemote();
        vm.prank(USER);
        bridge.sendToken{value: 1 ether}(SOLANA, nativeId, 1 ether, keccak256("a solana wallet"));
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendToken, (SOLANA, nativeId, 1 ether, 0)), 1 ether, BridgeBase.InvalidBeneficiary.selector
        );
        // unknown destination, and a token without a route there
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendToken, (9, nativeId, 1 ether, b32(BOB))), 1 ether, BridgeBase.UnknownRemote.selector
        );
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendToken, (OTHER, nativeId, 1 ether, b32(BOB))), 1 ether, BridgeBase.RouteDisabled.selector
        );
    }

    function test_finding7_send_message_refuses_recipients_and_gas_the_remote_cannot_take() public {
        bytes32 notAnAddress = bytes32(uint256(1) << 160 | uint256(uint160(BOB)));
        expectErrorFrom(USER, abi.encodeCall(Bridge.sendMessage, (ORIGIN, notAnAddress, GAS_LIMIT, "x")), 0, BridgeBase.InvalidRecipient.selector);
        expectErrorFrom(USER, abi.encodeCall(Bridge.sendMessage, (ORIGIN, 0, GAS_LIMIT, "x")), 0, BridgeBase.InvalidRecipient.selector);
        expectErrorFrom(USER, abi.encodeCall(Bridge.sendMessage, (ORIGIN, b32(BOB), 0, "x")), 0, P.ZeroGasLimit.selector);
        _solanaRemote();
        uint64 max = gov.SOLANA_MAX_GAS_LIMIT();
        assertEq(max, 1_200_000, "Solana cap");
        expectErrorFrom(USER, abi.encodeCall(Bridge.sendMessage, (SOLANA, keccak256("program"), max + 1, "x")), 0, BridgeBase.GasLimitTooHigh.selector);
        vm.prank(USER);
        bridge.sendMessage(SOLANA, keccak256("program"), max, "x");
        // EVM destinations take any gas limit
        vm.prank(USER);
        bridge.sendMessage(ORIGIN, b32(BOB), max + 1, "x");
    }

    /// Second review, F-6: a beneficiary equal to the bridge itself was accepted at delivery (a
    /// home ERC-20 "paid" to the bridge stayed in it while the route's ledger counted it
    /// released: stranded collateral), and the destination bridge was accepted as a beneficiary
    /// at send. Both are `InvalidBeneficiary` now, before anything moves.
    function test_review2_F6_the_bridge_is_never_a_beneficiary() public {
        int256 ledgerBefore = ledgerOf(homeId, ORIGIN);
        bytes memory m = transferMsg(0, homeId, 5e18, address(bridge));
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.InvalidBeneficiary.selector, b32(address(bridge))));
        bridge.deliver(m, sign(m, 4));
        assertEq(ledgerOf(homeId, ORIGIN), ledgerBefore, "the ledger is untouched");
        assertTrue(!bridge.delivered(ORIGIN, REMOTE_BRIDGE, 0), "not delivered");
        // nor the bridged token, nor a queued (timelocked) one
        bytes memory w = transferMsg(1, wrappedId, TIMELOCK_THRESHOLD, address(bridge));
        expectError(deliverCall(w, sign(w, 4)), BridgeBase.InvalidBeneficiary.selector);
        // At send: never the destination's bridge.
        homeToken.mint(USER, 1e18);
        vm.prank(USER);
        homeToken.approve(address(bridge), 1e18);
        uint64 nonce = gov.outboundNonce();
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.InvalidBeneficiary.selector, REMOTE_BRIDGE));
        vm.prank(USER);
        bridge.sendToken(ORIGIN, homeId, 1e18, REMOTE_BRIDGE);
        assertEq(homeToken.balanceOf(USER), 1e18, "nothing locked");
        assertEq(gov.outboundNonce(), nonce, "nothing sent");
        _solanaRemote();
        vm.deal(USER, 1 ether);
        expectErrorFrom(
            USER,
            abi.encodeCall(Bridge.sendToken, (SOLANA, nativeId, 1 ether, SOLANA_BRIDGE)),
            1 ether,
            BridgeBase.InvalidBeneficiary.selector
        );
        vm.prank(USER);
        bridge.sendToken(ORIGIN, homeId, 1e18, b32(BOB)); // an ordinary beneficiary
    }

    /// F-6: a refund of a refund (a cancelled transfer whose sender is the origin bridge) would
    /// pay the origin bridge itself, which it refuses: the refund is refused at send.
    function test_review2_F6_refund_to_the_origin_bridge_is_refused() public {
        P.Header memory h = header(0, b32(address(bridge)));
        h.sender = REMOTE_BRIDGE; // a refund sent by the origin bridge
        bytes memory m = P.encode(h, P.encodeTransfer(homeId, TIMELOCK_THRESHOLD, b32(BOB)));
        bridge.deliver(m, sign(m, 4));
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(m));
        bytes memory call = abi.encodeCall(BridgeAdmin.refundCancelled, (m));
        vm.prank(ADMIN);
        gov.propose(call, bytes32(uint256(0xf6)));
        vm.warp(block.timestamp + ADMIN_DELAY);
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.InvalidBeneficiary.selector, REMOTE_BRIDGE));
        gov.execute(call, bytes32(uint256(0xf6)));
    }

    // ================================================================ 8: the digest names the destination

    /// v1's digest named neither destination domain nor bridge: a set signed for one deployment
    /// verified on every other that shared domain ids and keys.
    function test_finding8_a_set_for_another_deployment_does_not_verify() public {
        BridgeHarness second = deployBridge(LOCAL, ADMIN, GUARDIAN, ADMIN_DELAY);
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, REMOTE_BRIDGE, 0));
        calls[1] = abi.encodeCall(BridgeAdmin.setValidatorSet, (ORIGIN, 1, addrs(keys), 4));
        for (uint256 i; i < 2; ++i) {
            vm.prank(ADMIN);
            BridgeAdmin(address(second)).propose(calls[i], bytes32(i));
        }
        vm.warp(block.timestamp + ADMIN_DELAY);
        for (uint256 i; i < 2; ++i) {
            BridgeAdmin(address(second)).execute(calls[i], bytes32(i));
        }
        MockRecipient r = new MockRecipient(address(second));
        bytes memory m = plainMsg(0, address(r), "hello");
        bytes memory forFirst = sign(m, 4); // for `bridge`
        (bool ok, bytes memory ret) = address(second).call(deliverCall(m, forFirst));
        assertTrue(!ok, "a set for another deployment verified");
        bytes4 sel = selectorOf(ret);
        assertTrue(sel == P.NotMember.selector || sel == P.Unsorted.selector, "signature error");
        second.deliver(m, signFor(ORIGIN, REMOTE_BRIDGE, address(second), keys, m));
        assertEq(r.calls(), 1, "its own set delivers");
        // the destination domain is named too
        bytes32 d = P.digest(ORIGIN, REMOTE_BRIDGE, 7, b32(address(bridge)), 1, keccak256(m));
        bytes memory s;
        for (uint256 i; i < 4; ++i) {
            s = bytes.concat(s, sigOf(keys[i], d));
        }
        (ok,) = address(bridge).call(deliverCall(m, s));
        assertTrue(!ok, "a set for another destination domain verified");
    }

    // ================================================================ 9: recipient gas

    error Outcome(bool ok, bytes4 sel, uint8 status, uint256 gasAtEntry);

    /// @dev Delivers with `gasLimit` and reverts with what happened (rolled back).
    function attempt(bytes calldata data, uint256 gasLimit, GasRecipient r, bytes calldata m) external {
        (bool ok, bytes memory ret) = address(bridge).call{gas: gasLimit}(data);
        revert Outcome(ok, selectorOf(ret), uint8(bridge.statusOf(m)), r.gasAtEntry());
    }

    function _outcome(bytes memory data, uint256 gasLimit, GasRecipient r, bytes memory m)
        internal
        returns (bool ok, bytes4 sel, uint8 st, uint256 gasAtEntry)
    {
        try this.attempt(data, gasLimit, r, m) {}
        catch (bytes memory ret) {
            assertEq(bytes32(selectorOf(ret)), bytes32(Outcome.selector), "outcome");
            bytes memory args = new bytes(ret.length - 4);
            for (uint256 i; i < args.length; ++i) {
                args[i] = ret[i + 4];
            }
            (ok, sel, st, gasAtEntry) = abi.decode(args, (bool, bytes4, uint8, uint256));
        }
    }

    /// v1 called the recipient with whatever gas the relayer left: a low transaction gas limit
    /// made it fail (recorded `Failed`). Now every gas limit either delivers with the
    /// recipient's full gas limit or reverts `InsufficientGas` (nothing recorded, retryable).
    function test_finding9_a_relayer_cannot_starve_the_recipient() public {
        GasRecipient r = new GasRecipient();
        uint64 gasLimit = 300_000;
        bytes memory m = gasMsg(0, address(r), gasLimit, "x");
        bytes memory data = deliverCall(m, sign(m, 4));
        (bool ok,,, uint256 full) = _outcome(data, 5_000_000, r, m);
        assertTrue(ok && full > gasLimit - 1_000 && full <= gasLimit, "ample gas: the recipient gets its gas limit");
        uint256 delivered;
        uint256 refused;
        for (uint256 g = 250_000; g <= 520_000; g += 2_000) {
            (bool ok_, bytes4 sel, uint8 st, uint256 got) = _outcome(data, g, r, m);
            assertTrue(st != uint8(BridgeBase.Status.Failed), "a gas limit made the recipient fail");
            if (ok_) {
                ++delivered;
                assertEq(got, full, "delivered with less than the full gas limit");
            } else {
                assertEq(st, uint8(BridgeBase.Status.None), "refused deliveries record nothing");
                if (sel == BridgeBase.InsufficientGas.selector) ++refused;
            }
        }
        assertTrue(delivered > 0 && refused > 0, "both outcomes seen");
        // the refused message is delivered later with enough gas
        bridge.deliver(m, sign(m, 4));
        assertEq(r.calls(), 1, "delivered");
    }

    /// The recipient gets exactly its gas limit, so one that burns everything costs the relayer
    /// its gas limit plus the delivery, whatever the transaction's gas limit; it is `Failed`
    /// and retryable under the same rule.
    function test_finding9_a_burning_recipient_burns_at_most_its_gas_limit() public {
        GasRecipient r = new GasRecipient();
        r.setBurn(true);
        uint64 gasLimit = 100_000;
        bytes memory m = gasMsg(0, address(r), gasLimit, "");
        bytes memory data = deliverCall(m, sign(m, 4));
        uint256 g = gasleft();
        (bool ok,) = address(bridge).call{gas: 10_000_000}(data);
        uint256 used = g - gasleft();
        assertTrue(ok, "delivered");
        assertTrue(status(m) == BridgeBase.Status.Failed, "recorded failed");
        log("burning recipient: delivery gas with a 100k gas limit", used);
        assertLe(used, gasLimit + 150_000, "burned more than its gas limit");
        // retry: too little gas refuses, enough gas fails again at the same bounded cost
        (ok,) = address(bridge).call{gas: 90_000}(abi.encodeCall(Bridge.retryMessage, (m)));
        assertTrue(!ok, "retry with too little gas");
        g = gasleft();
        (bool retried, bytes memory ret) = address(bridge).call{gas: 10_000_000}(abi.encodeCall(Bridge.retryMessage, (m)));
        used = g - gasleft();
        assertTrue(!retried && selectorOf(ret) == BridgeBase.RetryFailed.selector, "retry fails again");
        assertLe(used, gasLimit + 60_000, "retry burned more than its gas limit");
        assertTrue(status(m) == BridgeBase.Status.Failed, "still retryable");
    }

    function test_finding9_the_gas_limit_is_in_the_message() public {
        GasRecipient r = new GasRecipient();
        bytes memory zero = P.encode(header(0, b32(address(r))), abi.encodePacked(uint8(0), uint64(0), "x"));
        expectError(deliverCall(zero, sign(zero, 4)), P.ZeroGasLimit.selector);
        bytes memory short = P.encode(header(0, b32(address(r))), abi.encodePacked(uint8(0), uint32(1)));
        expectError(deliverCall(short, sign(short, 4)), P.MessageBodyLength.selector);
        vm.recordLogs();
        vm.prank(USER);
        bridge.sendMessage(ORIGIN, b32(address(r)), 123_456, "pay");
        bytes memory expected = P.encode(
            P.Header({nonce: 0, origin: LOCAL, sender: b32(USER), destination: ORIGIN, recipient: b32(address(r))}),
            abi.encodePacked(uint8(0), uint64(123_456), "pay")
        );
        (bytes32 topicId,) = _sent();
        assertEq(topicId, keccak256(expected), "sent message carries the gas limit");
    }

    function _sent() internal returns (bytes32 id, bytes memory message) {
        bytes32 topic = keccak256("MessageSent(bytes32,uint32,uint64,bytes)");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics.length > 0 && logs[i].topics[0] == topic) {
                id = logs[i].topics[1];
                message = abi.decode(logs[i].data, (bytes));
            }
        }
    }
}
