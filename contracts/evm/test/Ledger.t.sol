// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeAdmin} from "../src/BridgeAdmin.sol";
import {BridgeBase} from "../src/BridgeBase.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";

/// @notice The signed per-route ledger (docs/protocol.md, "The ledger"): sent to the remote minus
/// received from it. Deliveries are checked on every route but the one from a bridged token's
/// home; sends are checked where the token is bridged, so that nothing is burned that the
/// destination's ledger would refuse. The fixture's bridge (domain 2) mints `wrapped` (home:
/// domain 1) and is the home of `homeToken` and ether.
contract LedgerTest is Fixture {
    uint32 internal constant OTHER = 5; // another chain where `wrapped` is bridged
    bytes32 internal constant OTHER_BRIDGE = bytes32(uint256(0x00c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5));
    int256 internal constant LEDGER_MAX = type(int120).max;
    int256 internal constant LEDGER_MIN = type(int120).min;
    uint256[] internal otherKeys;

    function setUp() public override {
        super.setUp();
        otherKeys = sortedKeys(4, 300);
        bytes[] memory calls = new bytes[](4);
        calls[0] = abi.encodeCall(BridgeAdmin.setRemote, (OTHER, OTHER_BRIDGE, 0));
        calls[1] = abi.encodeCall(BridgeAdmin.setValidatorSet, (OTHER, 1, addrs(otherKeys), 3));
        calls[2] = abi.encodeCall(BridgeAdmin.setRoute, (wrappedId, OTHER, 0, type(uint128).max));
        calls[3] = abi.encodeCall(BridgeAdmin.setLimits, (wrappedId, OTHER, CAPACITY, REFILL, CAPACITY, REFILL));
        adminCalls(calls);
    }

    function _fromOther(uint64 nonce, bytes32 token, uint256 amount, address to)
        internal
        view
        returns (bytes memory m, bytes memory sigs)
    {
        P.Header memory h = header(nonce, b32(address(bridge)));
        h.origin = OTHER;
        m = P.encode(h, P.encodeTransfer(token, amount, b32(to)));
        bytes32 d = P.digest(OTHER, OTHER_BRIDGE, LOCAL, b32(address(bridge)), 1, keccak256(m));
        for (uint256 i; i < otherKeys.length; ++i) {
            sigs = bytes.concat(sigs, sigOf(otherKeys[i], d));
        }
    }

    function _deliverFromHome(uint64 nonce, uint256 amount, address to) internal returns (bytes memory m) {
        m = transferMsg(nonce, wrappedId, amount, to);
        bridge.deliver(m, sign(m, 4));
    }

    function _ledgerExceeded(bytes32 token, uint32 remote, uint256 requested, uint256 available)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(BridgeBase.LedgerExceeded.selector, token, remote, requested, available);
    }

    /// @dev Asserts that USER's send reverts with exactly `err` and moves nothing.
    function _sendRefused(uint32 destination, uint256 amount, bytes memory err) internal {
        uint256 balance = wrapped.balanceOf(USER);
        uint256 supply = wrapped.totalSupply();
        uint64 nonce = gov.outboundNonce();
        uint256 bucket = gov.availableFor(wrappedId, destination, false);
        int256 net = ledgerOf(wrappedId, destination);
        vm.prank(USER);
        (bool ok, bytes memory ret) =
            address(bridge).call(abi.encodeCall(Bridge.sendToken, (destination, wrappedId, amount, b32(BOB))));
        assertTrue(!ok, "send should be refused");
        assertEq(ret, err, "revert data");
        assertEq(wrapped.balanceOf(USER), balance, "nothing burned");
        assertEq(wrapped.totalSupply(), supply, "supply");
        assertEq(gov.outboundNonce(), nonce, "no message");
        assertEq(gov.availableFor(wrappedId, destination, false), bucket, "outbound bucket");
        assertEq(ledgerOf(wrappedId, destination), net, "ledger");
    }

    function _view(bytes32 token, uint32 remote, int256 net, bool inbound, bool outbound, string memory what)
        internal
        view
    {
        (int256 n, bool i, bool o) = gov.ledger(token, remote);
        assertEq(n, net, string.concat(what, ": net"));
        assertTrue(i == inbound, string.concat(what, ": inbound checked"));
        assertTrue(o == outbound, string.concat(what, ": outbound checked"));
    }

    /// Before the signed ledger, the route to a bridged token's home kept no ledger and sends
    /// were never checked: a send home beyond what home had sent here burned the tokens, and
    /// home's ledger refused the message forever.
    function test_bridged_chain_refuses_at_send_beyond_what_came_from_home() public {
        _view(wrappedId, ORIGIN, 0, false, true, "fresh home route");
        _deliverFromHome(0, 5e18, USER);
        _view(wrappedId, ORIGIN, -5e18, false, true, "after a mint from home");
        // USER also holds 3e18 that did not come from domain 1 (minted here by hand: e.g. a
        // local token with other minters); home's ledger for this chain holds only 5e18.
        vm.prank(address(bridge));
        wrapped.mint(USER, 3e18);
        _sendRefused(ORIGIN, 6e18, _ledgerExceeded(wrappedId, ORIGIN, 6e18, 5e18));
        // up to what came from home passes
        vm.prank(USER);
        bridge.sendToken(ORIGIN, wrappedId, 5e18, b32(BOB));
        assertEq(wrapped.balanceOf(USER), 3e18, "burned");
        _view(wrappedId, ORIGIN, 0, false, true, "all of it sent back");
        _sendRefused(ORIGIN, 1, _ledgerExceeded(wrappedId, ORIGIN, 1, 0));
        // a queued delivery from home counts as received (it is owed here)
        _deliverFromHome(1, TIMELOCK_THRESHOLD, BOB);
        assertTrue(bridge.statusOf(transferMsg(1, wrappedId, TIMELOCK_THRESHOLD, BOB)) == BridgeBase.Status.Queued, "queued");
        vm.prank(USER);
        bridge.sendToken(ORIGIN, wrappedId, 3e18, b32(BOB));
        assertEq(ledgerOf(wrappedId, ORIGIN), 3e18 - int256(uint256(TIMELOCK_THRESHOLD)), "ledger");
    }

    /// A spoke (another chain where the token is bridged) has received nothing from here and
    /// sent nothing here: its ledger would refuse anything from here, so this chain refuses the
    /// send (before the signed ledger it burned it). Deliveries from it are refused likewise.
    /// Only once the spoke has sent some here in net may that much go back.
    function test_spoke_to_spoke_refused_until_tokens_came_from_that_spoke() public {
        _deliverFromHome(0, 5e18, USER);
        _view(wrappedId, OTHER, 0, true, true, "spoke route");
        _sendRefused(OTHER, 1e18, _ledgerExceeded(wrappedId, OTHER, 1e18, 0));
        (bytes memory m, bytes memory sigs) = _fromOther(0, wrappedId, 1e18, BOB);
        vm.expectRevert(_ledgerExceeded(wrappedId, OTHER, 1e18, 0));
        bridge.deliver(m, sigs);
        // Both ends of a spoke route wait for the other, so between bridges that follow the
        // protocol it never opens (tokens go through the home chain). The harness sets the
        // ledger as if OTHER had sent 3e18 here in net.
        bridge.forceLedger(wrappedId, OTHER, -3e18);
        _sendRefused(OTHER, 4e18, _ledgerExceeded(wrappedId, OTHER, 4e18, 3e18));
        vm.prank(USER);
        bridge.sendToken(OTHER, wrappedId, 2e18, b32(BOB));
        vm.prank(USER);
        bridge.sendToken(OTHER, wrappedId, 1e18, b32(BOB));
        _view(wrappedId, OTHER, 0, true, true, "all of it sent back");
        _sendRefused(OTHER, 1, _ledgerExceeded(wrappedId, OTHER, 1, 0));
        assertEq(wrapped.balanceOf(USER), 2e18, "burned what was sent");
    }

    /// The ledger is checked after the outbound bucket and before the beneficiary (the order of
    /// docs/protocol.md, "Sending"), and before anything is burned.
    function test_send_checks_in_order() public {
        _deliverFromHome(0, 2 * CAPACITY, USER); // queued (over the threshold), still counted
        expectErrorFrom(
            USER,
            abi.encodeCall(Bridge.sendToken, (ORIGIN, wrappedId, CAPACITY + 1, b32(BOB))),
            0,
            BridgeBase.RateLimited.selector
        );
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendToken, (OTHER, wrappedId, 1, bytes32(0))), 0, BridgeBase.LedgerExceeded.selector
        );
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendToken, (ORIGIN, wrappedId, 1, bytes32(0))), 0, BridgeBase.InvalidBeneficiary.selector
        );
    }

    /// On a token's home chain sends are unchecked and add to the ledger; deliveries take at
    /// most what it holds for their origin.
    function test_home_chain_sends_unchecked_deliveries_checked() public {
        adminCall(abi.encodeCall(BridgeAdmin.setLimits, (homeId, OTHER, CAPACITY, REFILL, CAPACITY, REFILL)));
        adminCall(abi.encodeCall(BridgeAdmin.setRoute, (homeId, OTHER, 0, type(uint128).max)));
        _view(homeId, OTHER, 0, true, false, "home chain route");
        homeToken.mint(USER, 7e18);
        vm.prank(USER);
        homeToken.approve(address(bridge), 7e18);
        vm.prank(USER);
        bridge.sendToken(OTHER, homeId, 7e18, b32(BOB));
        _view(homeId, OTHER, 7e18, true, false, "after a send");
        (bytes memory m, bytes memory sigs) = _fromOther(0, homeId, 8e18, BOB);
        vm.expectRevert(_ledgerExceeded(homeId, OTHER, 8e18, 7e18));
        bridge.deliver(m, sigs);
        (m, sigs) = _fromOther(1, homeId, 7e18, BOB);
        bridge.deliver(m, sigs);
        assertEq(homeToken.balanceOf(BOB), 7e18, "released");
        _view(homeId, OTHER, 0, true, false, "all of it back");
    }

    /// The home route of a bridged token is unchecked, but its ledger counts every delivery
    /// (executed or queued); a cancel gives a queued one back; a refund and an execution of a
    /// queued entry change nothing.
    function test_home_route_counts_unchecked_deliveries() public {
        _deliverFromHome(0, 5e18, USER);
        bytes memory queued = _deliverFromHome(1, TIMELOCK_THRESHOLD, BOB);
        bytes memory cancelled = _deliverFromHome(2, 2 * TIMELOCK_THRESHOLD, BOB);
        int256 all = -(5e18 + 3 * int256(uint256(TIMELOCK_THRESHOLD)));
        assertEq(ledgerOf(wrappedId, ORIGIN), all, "executed and queued");
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(cancelled));
        all += 2 * int256(uint256(TIMELOCK_THRESHOLD));
        assertEq(ledgerOf(wrappedId, ORIGIN), all, "cancel gives back");
        adminCall(abi.encodeCall(BridgeAdmin.refundCancelled, (cancelled)));
        assertEq(ledgerOf(wrappedId, ORIGIN), all, "refund: unchanged");
        vm.warp(block.timestamp + TRANSFER_DELAY);
        bridge.executeQueued(queued);
        assertEq(ledgerOf(wrappedId, ORIGIN), all, "execution of a queued entry: unchanged");
        assertEq(wrapped.totalSupply(), 5e18 + TIMELOCK_THRESHOLD, "minted");
    }

    /// The ledger is an int120 (it shares a slot with the inbound capacity): its range refuses
    /// with `LedgerExceeded` instead of wrapping, and a cancel saturates rather than revert (a
    /// queued entry must stay cancellable).
    function test_ledger_range() public {
        // a home chain's unchecked send at the top of the range
        bridge.forceLedger(homeId, ORIGIN, int120(LEDGER_MAX - 1e18));
        homeToken.mint(USER, 2e18);
        vm.prank(USER);
        homeToken.approve(address(bridge), 2e18);
        vm.expectRevert(_ledgerExceeded(homeId, ORIGIN, 2e18, 1e18));
        vm.prank(USER);
        bridge.sendToken(ORIGIN, homeId, 2e18, b32(BOB));
        vm.prank(USER);
        bridge.sendToken(ORIGIN, homeId, 1e18, b32(BOB));
        assertEq(ledgerOf(homeId, ORIGIN), LEDGER_MAX, "filled");
        // an unchecked delivery at the bottom
        bridge.forceLedger(wrappedId, ORIGIN, int120(LEDGER_MIN + 1e18));
        bytes memory m = transferMsg(0, wrappedId, 2e18, BOB);
        vm.expectRevert(_ledgerExceeded(wrappedId, ORIGIN, 2e18, 1e18));
        bridge.deliver(m, sign(m, 4));
        _deliverFromHome(1, 1e18, BOB);
        assertEq(ledgerOf(wrappedId, ORIGIN), LEDGER_MIN, "emptied");
        // a cancel after sends filled the range since its delivery
        bridge.forceLedger(homeId, ORIGIN, int120(int256(LEDGER)));
        bytes memory q = transferMsg(2, homeId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(q, sign(q, 4));
        bridge.forceLedger(homeId, ORIGIN, int120(LEDGER_MAX - 1));
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(q));
        assertEq(ledgerOf(homeId, ORIGIN), LEDGER_MAX, "saturated");
        assertTrue(bridge.statusOf(q) == BridgeBase.Status.Cancelled, "cancelled");
    }

    /// A delivery writes the route's second slot whole (capacity, ledger, open): the other
    /// fields survive and every view reads what it wrote.
    function test_delivery_keeps_the_route_slot() public {
        bridge.forceLedger(wrappedId, ORIGIN, -7);
        (uint8 e0, uint128 max0, uint128 in0, uint128 out0) = gov.routes(wrappedId, ORIGIN);
        _deliverFromHome(0, 5e18, USER);
        (uint8 e1, uint128 max1, uint128 in1, uint128 out1) = gov.routes(wrappedId, ORIGIN);
        assertTrue(e0 == e1 && max0 == max1 && in0 == in1 && out0 == out1, "route configuration");
        assertEq(ledgerOf(wrappedId, ORIGIN), -5e18 - 7, "ledger");
        assertEq(gov.availableFor(wrappedId, ORIGIN, true), CAPACITY - 5e18, "inbound bucket");
        _deliverFromHome(1, 1e18, USER); // still open, same capacity
        assertEq(gov.availableFor(wrappedId, ORIGIN, true), CAPACITY - 6e18, "inbound bucket again");
        adminCall(abi.encodeCall(BridgeAdmin.setRoute, (wrappedId, ORIGIN, 0, 0)));
        bytes memory m = transferMsg(2, wrappedId, 1e18, USER);
        expectError(abi.encodeCall(Bridge.deliver, (m, sign(m, 4))), BridgeBase.RouteDisabled.selector);
        assertEq(ledgerOf(wrappedId, ORIGIN), -6e18 - 7, "closing the route keeps the ledger");
    }
}
