// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeBase} from "../src/BridgeBase.sol";
import {BridgeAdmin} from "../src/BridgeAdmin.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";
import {EtherReceiver} from "./utils/Mocks.sol";
import {Vm} from "./Vm.sol";

/// @notice Payouts a beneficiary or its token refuses become owed balances (pull pattern), the
/// timelocked refund of a cancelled transfer, and the per-destination body cap.
contract PayoutsTest is Fixture {
    bytes32 internal constant PAYOUT_OWED = keccak256("PayoutOwed(bytes32,address,address,uint256)");
    bytes32 internal constant MESSAGE_SENT = keccak256("MessageSent(bytes32,uint32,uint64,bytes)");

    function deliverCall(bytes memory m, bytes memory s) internal pure returns (bytes memory) {
        return abi.encodeCall(Bridge.deliver, (m, s));
    }

    /// @dev The data of the only log with `topic0` among the recorded ones (and its topics).
    function _onlyLog(bytes32 topic0) internal returns (bytes32[] memory topics, bytes memory data) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics.length > 0 && logs[i].topics[0] == topic0) {
                (topics, data) = (logs[i].topics, logs[i].data);
                ++found;
            }
        }
        assertEq(found, 1, "one such event");
    }

    // ================================================================ native payouts

    function test_beneficiary_refusing_ether_does_not_block_delivery() public {
        EtherReceiver refuser = new EtherReceiver();
        refuser.setMode(1);
        bytes memory m = transferMsg(0, nativeId, 3 ether, address(refuser));
        uint256 before = address(bridge).balance;
        vm.recordLogs();
        bridge.deliver(m, sign(m, 4));
        (bytes32[] memory topics, bytes memory data) = _onlyLog(PAYOUT_OWED);
        assertEq(topics[1], keccak256(m), "event id");
        assertEq(topics[2], b32(address(refuser)), "event beneficiary");
        (address token, uint256 amount) = abi.decode(data, (address, uint256));
        assertEq(token, NATIVE, "event token");
        assertEq(amount, 3 ether, "event amount");
        assertTrue(bridge.statusOf(m) == BridgeBase.Status.Executed, "executed");
        assertEq(gov.owed(NATIVE, address(refuser)), 3 ether, "owed");
        assertEq(address(bridge).balance, before, "ether stays in the bridge");
        // executed exactly once: the message cannot be delivered again
        expectError(deliverCall(m, sign(m, 4)), BridgeBase.AlreadyDelivered.selector);
        // later messages go through
        bytes memory m1 = transferMsg(1, nativeId, 1 ether, BOB);
        bridge.deliver(m1, sign(m1, 4));
        assertEq(BOB.balance, 1 ether, "later message");
        // the refuser withdraws to an address it names; a second withdrawal finds nothing
        refuser.withdrawFrom(address(bridge), NATIVE, USER);
        assertEq(USER.balance, 3 ether, "withdrawn to the named address");
        assertEq(gov.owed(NATIVE, address(refuser)), 0, "nothing owed");
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.NothingOwed.selector, NATIVE, address(refuser)));
        refuser.withdrawFrom(address(bridge), NATIVE, USER);
    }

    function test_withdraw_that_fails_keeps_the_balance_and_claim_retries() public {
        EtherReceiver refuser = new EtherReceiver();
        refuser.setMode(1);
        bytes memory m = transferMsg(0, nativeId, 2 ether, address(refuser));
        bridge.deliver(m, sign(m, 4));
        // paying itself still fails: the withdrawal reverts and the balance stays owed
        vm.expectRevert(BridgeBase.TransferFailed.selector);
        refuser.withdrawFrom(address(bridge), NATIVE, address(refuser));
        vm.expectRevert(BridgeBase.TransferFailed.selector);
        bridge.claim(NATIVE, address(refuser));
        assertEq(gov.owed(NATIVE, address(refuser)), 2 ether, "still owed");
        expectErrorFrom(
            address(refuser), abi.encodeCall(Bridge.withdraw, (NATIVE, address(0))), 0, BridgeBase.ZeroValue.selector
        );
        // once it accepts ether, anyone may push the payout to it
        refuser.setMode(0);
        vm.prank(address(0xCAFE));
        bridge.claim(NATIVE, address(refuser));
        assertEq(address(refuser).balance, 2 ether, "claimed");
        expectError(abi.encodeCall(Bridge.claim, (NATIVE, address(refuser))), BridgeBase.NothingOwed.selector);
    }

    function test_gas_burning_beneficiary_costs_a_bounded_amount() public {
        EtherReceiver burner = new EtherReceiver();
        burner.setMode(2);
        bytes memory m = transferMsg(0, nativeId, 1 ether, address(burner));
        bytes memory data = deliverCall(m, sign(m, 4));
        // with a modest gas limit the delivery still succeeds: the payout call gets
        // PAYOUT_GAS, not all the gas left
        (bool ok,) = address(bridge).call{gas: 300_000}(data);
        assertTrue(ok, "delivery with 300k gas");
        assertEq(gov.owed(NATIVE, address(burner)), 1 ether, "owed");
        assertEq(bridge.PAYOUT_GAS(), 100_000, "payout gas");
    }

    error Outcome(bool ok, uint256 owed, uint256 paid);

    /// @dev Delivers with `gasLimit` and reverts with what happened (rolled back, so every
    /// attempt starts from the same state).
    function attempt(bytes calldata data, uint256 gasLimit, address token, address who) external {
        (bool ok,) = address(bridge).call{gas: gasLimit}(data);
        uint256 paid = token == NATIVE ? who.balance : homeToken.balanceOf(who);
        revert Outcome(ok, gov.owed(token, who), paid);
    }

    /// @dev Every gas limit from 100k to 400k either reverts or pays in full: none turns the
    /// payout into an owed balance (what `eth_estimateGas` would otherwise find).
    function _sweep(bytes memory data, address token, address who, uint256 amount) internal {
        uint256 delivered;
        for (uint256 g = 100_000; g <= 400_000; g += 1_000) {
            try this.attempt(data, g, token, who) {}
            catch (bytes memory ret) {
                assertEq(bytes32(selectorOf(ret)), bytes32(Outcome.selector), "outcome");
                (bool ok, uint256 owedAmount, uint256 paid) = (false, 0, 0);
                assembly ("memory-safe") {
                    ok := mload(add(ret, 36))
                    owedAmount := mload(add(ret, 68))
                    paid := mload(add(ret, 100))
                }
                if (ok) {
                    ++delivered;
                    assertEq(owedAmount, 0, "a gas limit turned the payout into a debt");
                    assertEq(paid, amount, "paid in full");
                }
            }
        }
        assertTrue(delivered > 0, "some gas limit delivers");
    }

    function test_no_gas_limit_turns_a_payout_into_a_debt() public {
        EtherReceiver costly = new EtherReceiver();
        costly.setMode(3); // its receive needs ~45k gas
        bytes memory m = transferMsg(0, nativeId, 1 ether, address(costly));
        _sweep(deliverCall(m, sign(m, 4)), NATIVE, address(costly), 1 ether);
        bytes memory m2 = transferMsg(0, homeId, 1e18, address(0xF2E5));
        _sweep(deliverCall(m2, sign(m2, 4)), address(homeToken), address(0xF2E5), 1e18);
        // too little gas for a full PAYOUT_GAS: the delivery reverts (and can be retried)
        (bool ok, bytes memory ret) = address(bridge).call{gas: 200_000}(deliverCall(m, sign(m, 4)));
        assertTrue(!ok && selectorOf(ret) == BridgeBase.InsufficientGas.selector, "insufficient gas");
        assertTrue(bridge.statusOf(m) == BridgeBase.Status.None, "not delivered");
    }

    function test_queued_native_payout_to_a_refuser_is_owed_on_execution() public {
        EtherReceiver refuser = new EtherReceiver();
        refuser.setMode(1);
        bytes memory m = transferMsg(0, nativeId, TIMELOCK_THRESHOLD, address(refuser));
        bridge.deliver(m, sign(m, 4));
        assertTrue(bridge.statusOf(m) == BridgeBase.Status.Queued, "queued");
        vm.warp(block.timestamp + TRANSFER_DELAY);
        bridge.executeQueued(m);
        assertTrue(bridge.statusOf(m) == BridgeBase.Status.Executed, "executed");
        assertEq(gov.owed(NATIVE, address(refuser)), TIMELOCK_THRESHOLD, "owed");
        expectError(abi.encodeCall(Bridge.executeQueued, (m)), BridgeBase.NotQueued.selector);
    }

    function test_withdraw_is_paused_with_the_bridge() public {
        EtherReceiver refuser = new EtherReceiver();
        refuser.setMode(1);
        bytes memory m = transferMsg(0, nativeId, 1 ether, address(refuser));
        bridge.deliver(m, sign(m, 4));
        vm.prank(GUARDIAN);
        gov.pause();
        vm.expectRevert(BridgeBase.Paused.selector);
        refuser.withdrawFrom(address(bridge), NATIVE, USER);
        expectError(abi.encodeCall(Bridge.claim, (NATIVE, address(refuser))), BridgeBase.Paused.selector);
    }

    // ================================================================ ERC-20 payouts

    function test_erc20_refusing_the_transfer_is_owed_and_claimable() public {
        homeToken.setBlocked(BOB, 1); // returns false
        homeToken.setBlocked(USER, 2); // reverts
        bytes memory m0 = transferMsg(0, homeId, 5e18, BOB);
        bytes memory m1 = transferMsg(1, homeId, 7e18, USER);
        bytes memory m2 = transferMsg(2, homeId, 1e18, address(0xCAFE));
        bridge.deliver(m0, sign(m0, 4));
        bridge.deliver(m1, sign(m1, 4));
        bridge.deliver(m2, sign(m2, 4));
        assertEq(gov.owed(address(homeToken), BOB), 5e18, "false is a failure");
        assertEq(gov.owed(address(homeToken), USER), 7e18, "revert is a failure");
        assertEq(homeToken.balanceOf(address(0xCAFE)), 1e18, "later transfer paid");
        assertTrue(bridge.statusOf(m0) == BridgeBase.Status.Executed, "m0 executed");
        assertTrue(bridge.statusOf(m1) == BridgeBase.Status.Executed, "m1 executed");
        // BOB is still blocked: it withdraws to another address of its own
        expectError(abi.encodeCall(Bridge.claim, (address(homeToken), BOB)), BridgeBase.TransferFailed.selector);
        vm.prank(BOB);
        bridge.withdraw(address(homeToken), address(0xB0B2));
        assertEq(homeToken.balanceOf(address(0xB0B2)), 5e18, "withdrawn elsewhere");
        // USER is unblocked: anyone retries the payout to USER itself
        homeToken.setBlocked(USER, 0);
        bridge.claim(address(homeToken), USER);
        assertEq(homeToken.balanceOf(USER), 7e18, "claimed");
        assertEq(gov.owed(address(homeToken), USER), 0, "settled");
        // the owed balances of one token are not another's
        expectErrorFrom(BOB, abi.encodeCall(Bridge.withdraw, (NATIVE, BOB)), 0, BridgeBase.NothingOwed.selector);
    }

    // ================================================================ refunds of cancelled transfers

    function _cancelled(uint64 nonce, bytes32 token, uint256 amount) internal returns (bytes memory m) {
        m = transferMsg(nonce, token, amount, BOB);
        bridge.deliver(m, sign(m, 4));
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(m));
    }

    function test_refund_sends_a_cancelled_transfer_back_to_its_sender() public {
        bytes memory m = _cancelled(0, wrappedId, TIMELOCK_THRESHOLD * 3);
        bytes memory call = abi.encodeCall(BridgeAdmin.refundCancelled, (m));
        // only through the timelock
        expectErrorFrom(ADMIN, call, 0, BridgeBase.OnlySelf.selector);
        expectErrorFrom(GUARDIAN, call, 0, BridgeBase.OnlySelf.selector);
        uint64 nonce = gov.outboundNonce();
        vm.recordLogs();
        adminCall(call);
        (bytes32[] memory topics, bytes memory data) = _onlyLog(MESSAGE_SENT);
        bytes memory refund = abi.decode(data, (bytes));
        bytes memory expected = P.encode(
            P.Header({
                nonce: nonce, origin: LOCAL, sender: b32(address(bridge)), destination: ORIGIN, recipient: REMOTE_BRIDGE
            }),
            P.encodeTransfer(wrappedId, TIMELOCK_THRESHOLD * 3, b32(USER))
        );
        assertEq(refund, expected, "refund message: same token and amount, to the original sender");
        assertEq(topics[1], keccak256(expected), "refund id");
        assertEq(gov.refunds(keccak256(m)), keccak256(expected), "recorded");
        assertTrue(bridge.statusOf(m) == BridgeBase.Status.Cancelled, "still cancelled");
        assertEq(wrapped.totalSupply(), 0, "nothing minted here");
        // once only
        bytes4 sel = _rejectCall(call);
        assertEq(bytes32(sel), bytes32(BridgeBase.AlreadyRefunded.selector), "second refund");
    }

    function test_refund_only_of_cancelled_transfers() public {
        bytes memory queued = transferMsg(0, wrappedId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(queued, sign(queued, 4));
        bytes memory done = transferMsg(1, wrappedId, 1e18, BOB);
        bridge.deliver(done, sign(done, 4));
        bytes memory never = transferMsg(2, wrappedId, 1e18, BOB);
        bytes4 sel = _rejectCall(abi.encodeCall(BridgeAdmin.refundCancelled, (queued)));
        assertEq(bytes32(sel), bytes32(BridgeBase.NotCancelled.selector), "queued");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.refundCancelled, (done)));
        assertEq(bytes32(sel), bytes32(BridgeBase.NotCancelled.selector), "executed");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.refundCancelled, (never)));
        assertEq(bytes32(sel), bytes32(BridgeBase.NotCancelled.selector), "never delivered");
    }

    function test_guardian_can_veto_a_refund() public {
        bytes memory m = _cancelled(0, homeId, TIMELOCK_THRESHOLD);
        bytes memory call = abi.encodeCall(BridgeAdmin.refundCancelled, (m));
        vm.prank(ADMIN);
        bytes32 id = gov.propose(call, bytes32(uint256(77)));
        vm.prank(GUARDIAN);
        gov.cancelProposal(id);
        vm.warp(block.timestamp + ADMIN_DELAY);
        expectError(
            abi.encodeCall(BridgeAdmin.execute, (call, bytes32(uint256(77)))), BridgeBase.UnknownProposal.selector
        );
        assertEq(gov.refunds(keccak256(m)), bytes32(0), "not refunded");
    }

    /// docs/protocol.md, "Cancelling, voiding and refunding" step 3: a refund is a send, and a
    /// pause stops every send. The execution reverts `Paused` and leaves the proposal pending;
    /// after the unpause the same proposal executes, within its grace period.
    function test_refund_is_refused_while_paused_and_executes_after_the_unpause() public {
        bytes memory m = _cancelled(0, wrappedId, TIMELOCK_THRESHOLD * 3);
        bytes memory call = abi.encodeCall(BridgeAdmin.refundCancelled, (m));
        bytes32 salt = bytes32(uint256(0x5afe));
        vm.prank(ADMIN);
        bytes32 id = gov.propose(call, salt);
        (uint64 readyAt,,,,) = gov.proposals(id);
        vm.prank(GUARDIAN);
        gov.pause();
        vm.warp(readyAt);
        uint64 nonce = gov.outboundNonce();
        expectError(abi.encodeCall(BridgeAdmin.execute, (call, salt)), BridgeBase.Paused.selector);
        (uint64 stillReady,,,,) = gov.proposals(id);
        assertEq(stillReady, readyAt, "the refund proposal is still pending");
        assertEq(gov.refunds(keccak256(m)), bytes32(0), "not refunded while paused");
        assertEq(gov.outboundNonce(), nonce, "no message sent while paused");
        // The direct call is refused too (onlySelf first, then the pause).
        vm.prank(address(bridge));
        (bool ok, bytes memory ret) = address(bridge).call(call);
        assertTrue(!ok, "refund while paused");
        assertEq(bytes32(selectorOf(ret)), bytes32(BridgeBase.Paused.selector), "self call while paused");
        // Unpause through the timelock; the refund proposal is then still within its grace.
        adminCall(abi.encodeCall(BridgeAdmin.unpause, ()));
        assertTrue(block.timestamp <= uint256(readyAt) + gov.GRACE_PERIOD(), "within the grace period");
        vm.recordLogs();
        gov.execute(call, salt);
        (, bytes memory data) = _onlyLog(MESSAGE_SENT);
        bytes memory refund = abi.decode(data, (bytes));
        assertEq(gov.refunds(keccak256(m)), keccak256(refund), "refunded after the unpause");
        assertEq(gov.outboundNonce(), nonce + 1, "one message");
        (uint64 gone,,,,) = gov.proposals(id);
        assertEq(gone, 0, "executed once");
    }

    /// docs/protocol.md, "Cancelling, voiding and refunding" step 3: like a send, a refund is
    /// refused (`InvalidBeneficiary`) when the origin could never pay the cancelled message's
    /// sender: zero, or for an EVM origin a value with non-zero upper 12 bytes (a Solana origin
    /// pays any non-zero key), as the Solana program refuses it.
    function test_refund_refuses_a_sender_the_origin_cannot_pay() public {
        bytes32 notAnAddress = bytes32(type(uint256).max);
        bytes memory zero = _cancelledFrom(0, bytes32(0));
        bytes memory wide = _cancelledFrom(1, notAnAddress);
        bytes4 sel = _rejectCall(abi.encodeCall(BridgeAdmin.refundCancelled, (zero)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidBeneficiary.selector), "zero sender");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.refundCancelled, (wide)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidBeneficiary.selector), "not an EVM address");
        // The same origin as a Solana remote pays any non-zero key.
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, REMOTE_BRIDGE, 1)));
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.refundCancelled, (zero)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidBeneficiary.selector), "zero sender to Solana");
        adminCall(abi.encodeCall(BridgeAdmin.refundCancelled, (wide)));
        assertTrue(gov.refunds(keccak256(wide)) != bytes32(0), "refunded to a Solana key");
    }

    /// @dev A cancelled timelocked transfer whose origin sender is `sender`.
    function _cancelledFrom(uint64 nonce, bytes32 sender) internal returns (bytes memory m) {
        P.Header memory h = header(nonce, b32(address(bridge)));
        h.sender = sender;
        m = P.encode(h, P.encodeTransfer(wrappedId, TIMELOCK_THRESHOLD, b32(BOB)));
        bridge.deliver(m, sign(m, 4));
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(m));
    }

    /// Second review, F-5: a refund went to the origin domain's current bridge, not to the one
    /// the cancelled transfer came from; after a redeploy the new bridge, which never locked the
    /// amount, would pay it out of what others locked there. The record keeps the origin bridge
    /// and the refund is refused (`RemoteChanged`) while the remote is another bridge.
    function test_review2_F5_refund_only_to_the_origin_bridge_it_came_from() public {
        bytes memory m = _cancelled(3, homeId, TIMELOCK_THRESHOLD);
        bytes32 id = keccak256(m);
        (,,,,, bytes32 from) = gov.records(id);
        assertEq(from, REMOTE_BRIDGE, "the record names the origin bridge");
        bytes32 newBridge = bytes32(uint256(0x00b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2));
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, newBridge, 0)));
        bytes memory call = abi.encodeCall(BridgeAdmin.refundCancelled, (m));
        vm.prank(ADMIN);
        gov.propose(call, bytes32(uint256(0xf5)));
        vm.warp(block.timestamp + ADMIN_DELAY);
        uint64 nonce = gov.outboundNonce();
        vm.expectRevert(abi.encodeWithSelector(BridgeBase.RemoteChanged.selector, ORIGIN, REMOTE_BRIDGE, newBridge));
        gov.execute(call, bytes32(uint256(0xf5)));
        assertEq(gov.outboundNonce(), nonce, "nothing sent");
        assertEq(gov.refunds(id), bytes32(0), "not refunded");
        // Pointed back at the bridge it came from, the same proposal refunds to it.
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (ORIGIN, REMOTE_BRIDGE, 0)));
        vm.recordLogs();
        gov.execute(call, bytes32(uint256(0xf5)));
        (, bytes memory data) = _onlyLog(MESSAGE_SENT);
        (P.Header memory h,) = this.decodeExt(abi.decode(data, (bytes)));
        assertEq(h.recipient, REMOTE_BRIDGE, "refund to the bridge that locked it");
        assertEq(gov.refunds(id), keccak256(abi.decode(data, (bytes))), "refunded");
    }

    function decodeExt(bytes calldata m) external pure returns (P.Header memory h, bytes memory body) {
        return P.decode(m);
    }

    /// A pause longer than the grace period lets a pending refund expire (it is proposed again).
    function test_refund_expires_if_the_pause_outlasts_its_grace_period() public {
        bytes memory m = _cancelled(0, wrappedId, TIMELOCK_THRESHOLD * 3);
        bytes memory call = abi.encodeCall(BridgeAdmin.refundCancelled, (m));
        bytes32 salt = bytes32(uint256(0x5afe));
        vm.prank(ADMIN);
        bytes32 id = gov.propose(call, salt);
        (uint64 readyAt,,,,) = gov.proposals(id);
        vm.prank(GUARDIAN);
        gov.pause();
        vm.warp(uint256(readyAt) + gov.GRACE_PERIOD() - ADMIN_DELAY);
        adminCall(abi.encodeCall(BridgeAdmin.unpause, ()));
        vm.warp(block.timestamp + 1);
        expectError(abi.encodeCall(BridgeAdmin.execute, (call, salt)), BridgeBase.ProposalExpired.selector);
        adminCall(call);
        assertTrue(gov.refunds(keccak256(m)) != bytes32(0), "refunded by a new proposal");
    }

    function _rejectCall(bytes memory call) internal returns (bytes4) {
        bytes32 salt = keccak256(abi.encode(call, block.timestamp, "reject"));
        vm.prank(ADMIN);
        gov.propose(call, salt);
        vm.warp(block.timestamp + ADMIN_DELAY);
        (bool ok, bytes memory ret) = address(bridge).call(abi.encodeCall(BridgeAdmin.execute, (call, salt)));
        assertTrue(!ok, "call accepted");
        return selectorOf(ret);
    }

    // ================================================================ body cap per destination

    function test_max_body_per_destination_is_timelocked_and_enforced() public {
        adminCall(abi.encodeCall(BridgeAdmin.setRemote, (3, keccak256("solana program"), 1)));
        assertEq(gov.maxBody(3), 0, "no cap set by default");
        // Second review: a Solana remote without a cap takes SOLANA_MAX_BODY_LEN (681, what a
        // delivery to Solana can carry), never the protocol's 16 KiB.
        assertEq(gov.SOLANA_MAX_BODY_LEN(), 681, "trestle_bridge::message::SOLANA_MAX_BODY_LEN");
        vm.prank(USER);
        bridge.sendMessage(3, b32(BOB), GAS_LIMIT, new bytes(672)); // body = 9 + 672 = 681
        vm.expectRevert(abi.encodeWithSelector(P.BodyTooLarge.selector, 682));
        vm.prank(USER);
        bridge.sendMessage(3, b32(BOB), GAS_LIMIT, new bytes(673));
        expectErrorFrom(ADMIN, abi.encodeCall(BridgeAdmin.setMaxBody, (3, 600)), 0, BridgeBase.OnlySelf.selector);
        adminCall(abi.encodeCall(BridgeAdmin.setMaxBody, (3, 600)));
        assertEq(gov.maxBody(3), 600, "cap");
        vm.prank(USER);
        bridge.sendMessage(3, b32(BOB), GAS_LIMIT, new bytes(591)); // body = 9 + 591 = the cap
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendMessage, (3, b32(BOB), GAS_LIMIT, new bytes(592))), 0, P.BodyTooLarge.selector
        );
        // a cap set explicitly is the admin's choice, up to 16 KiB
        adminCall(abi.encodeCall(BridgeAdmin.setMaxBody, (3, 1000)));
        vm.prank(USER);
        bridge.sendMessage(3, b32(BOB), GAS_LIMIT, new bytes(991));
        // other destinations keep the protocol's 16 KiB
        vm.prank(USER);
        bridge.sendMessage(ORIGIN, b32(BOB), GAS_LIMIT, new bytes(16 * 1024 - 9));
        expectErrorFrom(
            USER,
            abi.encodeCall(Bridge.sendMessage, (ORIGIN, b32(BOB), GAS_LIMIT, new bytes(16 * 1024 - 8))),
            0,
            P.BodyTooLarge.selector
        );
        // token transfers (97-byte bodies) are not affected
        adminCall(abi.encodeCall(BridgeAdmin.setRoute, (nativeId, 3, 9, type(uint64).max)));
        adminCall(abi.encodeCall(BridgeAdmin.setLimits, (nativeId, 3, CAPACITY, REFILL, CAPACITY, REFILL)));
        vm.deal(USER, 1 ether);
        vm.prank(USER);
        bridge.sendToken{value: 1 ether}(3, nativeId, 1 ether, b32(BOB));
    }

    function test_max_body_config_rules() public {
        bytes4 sel = _rejectCall(abi.encodeCall(BridgeAdmin.setMaxBody, (9, 681)));
        assertEq(bytes32(sel), bytes32(BridgeBase.UnknownRemote.selector), "unknown remote");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setMaxBody, (ORIGIN, 96)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "below a token transfer");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setMaxBody, (ORIGIN, 16 * 1024 + 1)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "above the protocol cap");
        sel = _rejectCall(abi.encodeCall(BridgeAdmin.setMaxBody, (ORIGIN, 0)));
        assertEq(bytes32(sel), bytes32(BridgeBase.InvalidConfig.selector), "zero");
        adminCall(abi.encodeCall(BridgeAdmin.setMaxBody, (ORIGIN, 97)));
        expectErrorFrom(
            USER, abi.encodeCall(Bridge.sendMessage, (ORIGIN, b32(BOB), GAS_LIMIT, new bytes(89))), 0, P.BodyTooLarge.selector
        );
        vm.prank(USER);
        bridge.sendMessage(ORIGIN, b32(BOB), GAS_LIMIT, new bytes(88)); // 97: exactly the cap
        adminCall(abi.encodeCall(BridgeAdmin.setMaxBody, (ORIGIN, 16 * 1024))); // lifts the cap
        vm.prank(USER);
        bridge.sendMessage(ORIGIN, b32(BOB), GAS_LIMIT, new bytes(16 * 1024 - 9));
    }
}
