// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeBase} from "../src/BridgeBase.sol";
import {BridgeAdmin} from "../src/BridgeAdmin.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";

/// @notice Fuzz tests: signature subsets and orders, tampered signatures, amounts against the
/// timelock and bucket rules, outbound bucket sequences, delivery orders, garbage input.
contract FuzzTest is Fixture {
    function _deliverOk(bytes memory m, bytes memory s) internal returns (bool ok, bytes4 sel) {
        bytes memory ret;
        (ok, ret) = address(bridge).call(abi.encodeCall(Bridge.deliver, (m, s)));
        sel = selectorOf(ret);
    }

    /// Any subset of the 5 validators in ascending order passes iff it has >= 4 members; a
    /// reversed subset of two or more is refused as unsorted.
    function testFuzz_signature_subsets(uint8 mask, bool reversed) public {
        mask = mask & 31;
        uint256 count;
        for (uint256 i; i < 5; ++i) {
            if (mask & (1 << i) != 0) ++count;
        }
        uint256[] memory ks = new uint256[](count);
        uint256 j;
        for (uint256 i; i < 5; ++i) {
            if (mask & (1 << i) != 0) ks[reversed ? count - 1 - j++ : j++] = keys[i];
        }
        bytes memory m = transferMsg(mask, wrappedId, 1, BOB);
        (bool ok, bytes4 sel) = _deliverOk(m, signWith(ks, m, 1));
        if (reversed && count >= 2) {
            assertTrue(!ok && sel == P.Unsorted.selector, "reversed must be unsorted");
        } else if (count >= 4) {
            assertTrue(ok, "threshold met");
            assertEq(wrapped.balanceOf(BOB), 1, "minted once");
        } else {
            assertTrue(!ok && sel == P.BelowThreshold.selector, "below threshold");
        }
    }

    /// Changing any single byte of a valid signature set never yields an accepted delivery.
    function testFuzz_tampered_signatures_are_refused(uint256 pos, uint8 xor) public {
        vm.assume(xor != 0);
        bytes memory m = transferMsg(0, wrappedId, 1, BOB);
        bytes memory s = sign(m, 4);
        pos = pos % s.length;
        s[pos] = bytes1(uint8(s[pos]) ^ xor);
        (bool ok,) = _deliverOk(m, s);
        assertTrue(!ok, "tampered set accepted");
        assertEq(wrapped.totalSupply(), 0, "nothing minted");
    }

    /// Changing any single byte of a signed message never yields an accepted delivery.
    function testFuzz_tampered_messages_are_refused(uint256 pos, uint8 xor) public {
        vm.assume(xor != 0);
        bytes memory m = transferMsg(0, wrappedId, 1, BOB);
        bytes memory s = sign(m, 4);
        pos = pos % m.length;
        m[pos] = bytes1(uint8(m[pos]) ^ xor);
        (bool ok,) = _deliverOk(m, s);
        assertTrue(!ok, "tampered message accepted");
    }

    /// Inbound amounts against a fuzzed inbound capacity (above or below the timelock
    /// threshold): executed at once iff 0 < amount < timelock threshold, amount <= capacity and
    /// amount <= available; otherwise queued (never lost), timelocked (`readyAt` = now + the
    /// token's delay) iff amount >= threshold or amount > capacity, else rate-limited (`readyAt`
    /// = now); zero is refused.
    function testFuzz_inbound_amounts(uint256 first, uint256 amount, uint32 wait, uint256 capSeed) public {
        uint256 cap = bound(capSeed, 1e18, 2 * uint256(TIMELOCK_THRESHOLD));
        if (cap != CAPACITY) {
            // forge-lint: disable-next-line(unsafe-typecast)
            adminCall(abi.encodeCall(BridgeAdmin.setLimits, (wrappedId, ORIGIN, uint128(cap), REFILL, CAPACITY, REFILL)));
        }
        first = bound(first, 1, TIMELOCK_THRESHOLD - 1);
        bytes memory m0 = transferMsg(0, wrappedId, first, BOB);
        bridge.deliver(m0, sign(m0, 4));
        uint256 minted = bridge.statusOf(m0) == BridgeBase.Status.Executed ? first : 0;
        vm.warp(block.timestamp + bound(wait, 0, 10_000));
        uint256 avail = gov.availableFor(wrappedId, ORIGIN, true);
        assertLe(avail, cap, "bucket within capacity");
        amount = bound(amount, 0, 3 * cap);
        bytes memory m = transferMsg(1, wrappedId, amount, BOB);
        (bool ok, bytes4 sel) = _deliverOk(m, sign(m, 4));
        if (amount == 0) {
            assertTrue(!ok && sel == BridgeBase.InvalidAmount.selector, "zero refused");
            return;
        }
        assertTrue(ok, "delivered");
        BridgeBase.Status st = bridge.statusOf(m);
        bool timelocked = amount >= TIMELOCK_THRESHOLD || amount > cap;
        if (!timelocked && amount <= avail) {
            assertTrue(st == BridgeBase.Status.Executed, "executed");
            assertEq(wrapped.balanceOf(BOB), minted + amount, "minted");
            assertEq(gov.availableFor(wrappedId, ORIGIN, true), avail - amount, "consumed");
        } else {
            assertTrue(st == BridgeBase.Status.Queued, "queued");
            assertEq(wrapped.balanceOf(BOB), minted, "not yet");
            assertEq(gov.availableFor(wrappedId, ORIGIN, true), avail, "not consumed");
            (, uint64 readyAt,,,,) = gov.records(keccak256(m));
            assertEq(readyAt, block.timestamp + (timelocked ? TRANSFER_DELAY : 0), "readyAt");
        }
    }

    /// Outbound sends over time: each succeeds iff amount <= available; the bucket never
    /// exceeds its capacity and refills monotonically.
    function testFuzz_outbound_bucket(uint256[8] memory amounts, uint32[8] memory waits) public {
        vm.deal(USER, type(uint128).max);
        for (uint256 i; i < 8; ++i) {
            uint256 before = gov.availableFor(nativeId, ORIGIN, false);
            vm.warp(block.timestamp + bound(waits[i], 0, 5_000));
            uint256 avail = gov.availableFor(nativeId, ORIGIN, false);
            assertTrue(avail >= before, "refill is monotone");
            assertLe(avail, CAPACITY, "within capacity");
            uint256 amount = bound(amounts[i], 1, CAPACITY + 1e18);
            vm.prank(USER);
            (bool ok,) = address(bridge).call{value: amount}(
                abi.encodeCall(Bridge.sendToken, (ORIGIN, nativeId, amount, b32(BOB)))
            );
            assertTrue(ok == (amount <= avail), "send iff within the bucket");
            if (ok) assertEq(gov.availableFor(nativeId, ORIGIN, false), avail - amount, "consumed");
        }
    }

    /// Messages delivered in any order each execute exactly once.
    function testFuzz_delivery_order(uint256 seed) public {
        uint256 n = 8;
        uint64[] memory order = new uint64[](n);
        for (uint256 i; i < n; ++i) {
            order[i] = uint64(i);
        }
        for (uint256 i = n - 1; i > 0; --i) {
            uint256 j = uint256(keccak256(abi.encode(seed, i))) % (i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        uint256 total;
        for (uint256 i; i < n; ++i) {
            uint256 amount = 1 + order[i];
            bytes memory m = transferMsg(order[i] * 97, wrappedId, amount, BOB);
            bridge.deliver(m, sign(m, 4));
            total += amount;
            (bool ok, bytes4 sel) = _deliverOk(m, sign(m, 5));
            assertTrue(!ok && sel == BridgeBase.AlreadyDelivered.selector, "replay");
        }
        assertEq(wrapped.balanceOf(BOB), total, "each once");
    }

    /// Arbitrary bytes as a message, with a structurally valid signature set, are refused and
    /// change nothing.
    function testFuzz_garbage_is_refused(bytes calldata junk) public {
        bytes memory s = sign(junk, 4);
        (bool ok,) = _deliverOk(junk, s);
        assertTrue(!ok, "garbage accepted");
        assertEq(wrapped.totalSupply(), 0, "nothing minted");
    }

    /// The configuration rule through the admin timelock: a set of n validators is accepted
    /// with threshold t iff 1 <= t <= n and t >= ceil(2n/3); so neither 3-of-5 nor 1-of-2 ever is.
    function testFuzz_threshold_rule_on_rotation(uint8 n, uint8 t) public {
        n = uint8(bound(n, 1, 40));
        t = uint8(bound(t, 0, uint256(n) + 1));
        address[] memory vals = new address[](n);
        for (uint256 i; i < n; ++i) {
            vals[i] = address(uint160(0x1000 + i));
        }
        bytes memory call = abi.encodeCall(BridgeAdmin.setValidatorSet, (ORIGIN, 2, vals, t));
        vm.prank(ADMIN);
        gov.propose(call, bytes32(uint256(0xfeed)));
        vm.warp(block.timestamp + ADMIN_DELAY);
        (bool ok, bytes memory ret) =
            address(bridge).call(abi.encodeCall(BridgeAdmin.execute, (call, bytes32(uint256(0xfeed)))));
        bool legal = t >= 1 && t <= n && 3 * uint256(t) >= 2 * uint256(n);
        assertTrue(ok == legal, "accepted iff legal");
        if (!legal) {
            bytes4 sel = selectorOf(ret);
            bytes4 expected = t == 0 || t > n ? P.InvalidThreshold.selector : P.ThresholdBelowTwoThirds.selector;
            assertEq(bytes32(sel), bytes32(expected), "error");
        } else {
            (,, uint64 ep, uint8 th,) = gov.remote(ORIGIN);
            assertEq(ep, 2, "epoch");
            assertEq(th, t, "threshold");
        }
    }
}
