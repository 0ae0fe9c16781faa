// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeAdmin} from "../src/BridgeAdmin.sol";
import {BridgeBase} from "../src/BridgeBase.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";
import {EtherReceiver, MockRecipient, MockERC20} from "./utils/Mocks.sol";

/// @notice A second implementation: the same bridge plus one function.
contract BridgeNext is Bridge {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice Upgrades through the admin timelock (UUPS behind the ERC-1967 proxy): a bridge
/// holding every kind of state is upgraded and reads it all back, then keeps working; nothing
/// but an executed proposal upgrades it, and nothing initializes it twice.
contract UpgradeTest is Fixture {
    uint32 internal constant SOLANA = 3;
    bytes32 internal constant IMPL_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    EtherReceiver internal refuser;
    MockRecipient internal recipient;
    bytes internal queued;
    bytes internal failed;
    bytes internal cancelled;
    bytes internal pendingCall;
    bytes32 internal pendingId;
    bytes32 internal guardianChangeId;

    function setUp() public override {
        super.setUp();
        // remotes, routes and a body cap beyond the fixture's
        bytes[] memory calls = new bytes[](4);
        calls[0] = abi.encodeCall(BridgeAdmin.setRemote, (SOLANA, keccak256("solana program"), 1));
        calls[1] = abi.encodeCall(BridgeAdmin.setRoute, (nativeId, SOLANA, 9, type(uint64).max));
        calls[2] = abi.encodeCall(BridgeAdmin.setLimits, (nativeId, SOLANA, CAPACITY, REFILL, CAPACITY, 2 * REFILL));
        calls[3] = abi.encodeCall(BridgeAdmin.setMaxBody, (SOLANA, 681));
        adminCalls(calls);
        // a pause that ended (pausedAt), sends both ways (ledgers, nonce, outbound buckets)
        vm.prank(GUARDIAN);
        gov.pause();
        adminCall(abi.encodeCall(BridgeAdmin.unpause, ()));
        vm.deal(USER, 10 ether);
        vm.prank(USER);
        bridge.sendToken{value: 3 ether}(SOLANA, nativeId, 3 ether, keccak256("wallet"));
        vm.prank(USER);
        bridge.sendMessage(ORIGIN, b32(BOB), GAS_LIMIT, "out");
        // deliveries: executed, owed, queued, failed, cancelled and refunded
        bytes memory m0 = transferMsg(0, wrappedId, 5e18, BOB);
        bridge.deliver(m0, sign(m0, 4));
        refuser = new EtherReceiver();
        refuser.setMode(1);
        bytes memory m300 = transferMsg(300, nativeId, 2 ether, address(refuser));
        bridge.deliver(m300, sign(m300, 4));
        queued = transferMsg(1, wrappedId, TIMELOCK_THRESHOLD, BOB);
        bridge.deliver(queued, sign(queued, 4));
        recipient = new MockRecipient(address(bridge));
        recipient.setFailing(true);
        failed = plainMsg(2, address(recipient), "later");
        bridge.deliver(failed, sign(failed, 4));
        cancelled = transferMsg(3, homeId, TIMELOCK_THRESHOLD * 2, BOB);
        bridge.deliver(cancelled, sign(cancelled, 4));
        vm.prank(GUARDIAN);
        gov.cancelQueued(keccak256(cancelled));
        adminCall(abi.encodeCall(BridgeAdmin.refundCancelled, (cancelled)));
        // a pending proposal, and a pending guardian change (30 days)
        pendingCall = abi.encodeCall(BridgeAdmin.setAdminDelay, (3 days));
        vm.prank(ADMIN);
        pendingId = gov.propose(pendingCall, bytes32(uint256(0xabc)));
        vm.prank(ADMIN);
        guardianChangeId = gov.propose(abi.encodeCall(BridgeAdmin.setRoles, (ADMIN, address(0x6B2D))), 0);
    }

    /// @dev Everything the views say, in one blob.
    function _snapshot() internal view returns (bytes memory s) {
        s = abi.encode(gov.localDomain(), gov.admin(), gov.guardian(), gov.paused(), gov.pausedAt(), gov.adminDelay());
        s = bytes.concat(s, abi.encode(gov.outboundNonce(), gov.remoteBridge(SOLANA), gov.maxBody(SOLANA)));
        {
            (bytes32 b, uint8 k, uint64 e, uint8 t, address[] memory v) = gov.remote(ORIGIN);
            s = bytes.concat(s, abi.encode(b, k, e, t, v));
            (b, k, e, t, v) = gov.remote(SOLANA);
            s = bytes.concat(s, abi.encode(b, k, e, t, v));
        }
        bytes32[3] memory ids = [wrappedId, homeId, nativeId];
        for (uint256 i; i < 3; ++i) {
            (address l, uint32 hd, uint8 e, bool h, uint128 th, uint64 d) = gov.tokens(ids[i]);
            s = bytes.concat(s, abi.encode(l, hd, e, h, th, d));
            s = bytes.concat(s, _route(ids[i], ORIGIN));
        }
        s = bytes.concat(s, _route(nativeId, SOLANA));
        for (uint64 n; n < 5; ++n) {
            s = bytes.concat(s, abi.encode(bridge.delivered(ORIGIN, REMOTE_BRIDGE, n)));
        }
        s = bytes.concat(s, abi.encode(bridge.delivered(ORIGIN, REMOTE_BRIDGE, 300)));
        bytes[3] memory ms = [queued, failed, cancelled];
        for (uint256 i; i < 3; ++i) {
            (BridgeBase.Status st, uint64 r, uint32 o, uint128 a, bytes32 t, bytes32 ob) = gov.records(keccak256(ms[i]));
            s = bytes.concat(s, abi.encode(bridge.statusOf(ms[i]), st, r, o, a, t, ob));
        }
        s = bytes.concat(s, abi.encode(gov.owed(NATIVE, address(refuser)), gov.refunds(keccak256(cancelled))));
        (uint64 ready, uint64 proposedAt, bytes4 sel, bool gc, uint64 pc) = gov.proposals(pendingId);
        s = bytes.concat(s, abi.encode(ready, proposedAt, sel, gc, pc), abi.encode(gov.pauseCount()));
        (ready, proposedAt, sel, gc, pc) = gov.proposals(guardianChangeId);
        s = bytes.concat(s, abi.encode(ready, proposedAt, sel, gc, pc));
    }

    function _route(bytes32 id, uint32 remote) internal view returns (bytes memory s) {
        (uint8 e, uint128 max, uint128 inCap, uint128 outCap) = gov.routes(id, remote);
        s = abi.encode(e, max, inCap, outCap);
        (int256 net, bool inChecked, bool outChecked) = gov.ledger(id, remote);
        s = bytes.concat(s, abi.encode(net, inChecked, outChecked));
        s = bytes.concat(s, abi.encode(gov.availableFor(id, remote, true), gov.availableFor(id, remote, false)));
    }

    function _upgradeCall(address impl) internal pure returns (bytes memory) {
        return abi.encodeCall(UUPSUpgradeable.upgradeToAndCall, (impl, ""));
    }

    function test_upgrade_keeps_every_piece_of_state() public {
        bytes memory before = _snapshot();
        // sanity: the state is really there
        assertEq(ledgerOf(nativeId, SOLANA), 3 ether, "ledger filled");
        assertEq(ledgerOf(wrappedId, ORIGIN), -(5e18 + int256(uint256(TIMELOCK_THRESHOLD))), "negative ledger filled");
        assertEq(gov.owed(NATIVE, address(refuser)), 2 ether, "owed filled");
        assertTrue(bridge.statusOf(queued) == BridgeBase.Status.Queued, "queued filled");
        assertEq(gov.outboundNonce(), 3, "nonce filled");
        (,,, bool guardianChange,) = gov.proposals(guardianChangeId);
        assertTrue(guardianChange, "guardian change pending");
        (,,,,, bytes32 from) = gov.records(keccak256(queued));
        assertEq(from, REMOTE_BRIDGE, "queued record names its origin bridge");

        address oldImpl = address(uint160(uint256(vm.load(address(bridge), IMPL_SLOT))));
        BridgeNext next = new BridgeNext();
        adminCall(_upgradeCall(address(next)));
        assertEq(address(uint160(uint256(vm.load(address(bridge), IMPL_SLOT)))), address(next), "implementation");
        assertTrue(oldImpl != address(next), "a new implementation");
        assertEq(BridgeNext(address(bridge)).version(), 2, "new code runs");
        assertEq(_snapshot(), before, "state after the upgrade");
        assertEq(gov.localDomain(), LOCAL, "localDomain");

        // ... and keeps working on it
        gov.execute(pendingCall, bytes32(uint256(0xabc)));
        assertEq(gov.adminDelay(), 3 days, "pending proposal executed");
        vm.prank(GUARDIAN);
        gov.approveProposal(guardianChangeId);
        (uint64 approvedAt,,,,) = gov.proposals(guardianChangeId);
        vm.warp(approvedAt); // proposedAt + the admin delay (now 3 days)
        gov.execute(abi.encodeCall(BridgeAdmin.setRoles, (ADMIN, address(0x6B2D))), 0);
        assertEq(gov.guardian(), address(0x6B2D), "approved guardian change executed");
        vm.warp(block.timestamp + TRANSFER_DELAY);
        bridge.executeQueued(queued);
        assertEq(wrapped.balanceOf(BOB), 5e18 + TIMELOCK_THRESHOLD, "queued entry executed");
        recipient.setFailing(false);
        bridge.retryMessage(failed);
        assertEq(recipient.calls(), 1, "failed message retried");
        refuser.withdrawFrom(address(bridge), NATIVE, USER);
        assertEq(USER.balance, 7 ether + 2 ether, "owed balance withdrawn");
        bytes memory m0 = transferMsg(0, wrappedId, 5e18, BOB);
        expectError(abi.encodeCall(Bridge.deliver, (m0, sign(m0, 4))), BridgeBase.AlreadyDelivered.selector);
        bytes memory m4 = transferMsg(4, wrappedId, 1e18, BOB);
        bridge.deliver(m4, sign(m4, 4)); // same digest: the proxy's address is the bridge
        assertEq(wrapped.balanceOf(BOB), 6e18 + TIMELOCK_THRESHOLD, "new delivery");
    }

    /// Second review, F-3: the allowlist, "unpause only while paused", the stale-unpause rule
    /// and the guardian's veto limits looked at the outer selector only, and
    /// `upgradeToAndCall(currentImpl, data)` runs `data` as the bridge itself: an unpause
    /// queued before a pause, or a message sent by the bridge, rode inside a no-op upgrade.
    /// Now an upgrade proposal carries no call data (`UpgradeWithCall`).
    function test_review2_F3_upgrade_proposals_carry_no_call() public {
        address impl = address(uint160(uint256(vm.load(address(bridge), IMPL_SLOT))));
        bytes[4] memory inner = [
            abi.encodeCall(BridgeAdmin.unpause, ()),
            abi.encodeCall(Bridge.sendMessage, (ORIGIN, b32(BOB), GAS_LIMIT, "from the bridge")),
            abi.encodeCall(BridgeAdmin.setRoles, (ADMIN, address(0xE71))),
            abi.encodeCall(BridgeAdmin.initialize, (9, ADMIN, address(0xE71), 1))
        ];
        for (uint256 i; i < inner.length; ++i) {
            bytes memory wrapped_ = abi.encodeCall(UUPSUpgradeable.upgradeToAndCall, (impl, inner[i]));
            expectErrorFrom(ADMIN, abi.encodeCall(BridgeAdmin.propose, (wrapped_, 0)), 0, BridgeBase.UpgradeWithCall.selector);
        }
        // The PoC's sequence now: the unpause cannot be queued ahead of a pause at all.
        expectErrorFrom(
            ADMIN,
            abi.encodeCall(BridgeAdmin.propose, (abi.encodeCall(BridgeAdmin.unpause, ()), 0)),
            0,
            BridgeBase.NotPaused.selector
        );
        // A plain upgrade is proposed (and vetoable) as before.
        BridgeNext next = new BridgeNext();
        adminCall(_upgradeCall(address(next)));
        assertEq(BridgeNext(address(bridge)).version(), 2, "upgraded without a call");
    }

    function test_only_an_executed_proposal_upgrades() public {
        BridgeNext next = new BridgeNext();
        bytes memory call = _upgradeCall(address(next));
        expectErrorFrom(ADMIN, call, 0, BridgeBase.OnlySelf.selector);
        expectErrorFrom(GUARDIAN, call, 0, BridgeBase.OnlySelf.selector);
        // the implementation itself cannot be upgraded or initialized
        address impl = address(uint160(uint256(vm.load(address(bridge), IMPL_SLOT))));
        (bool ok, bytes memory ret) = impl.call(call);
        assertTrue(!ok && selectorOf(ret) == UUPSUpgradeable.UUPSUnauthorizedCallContext.selector, "impl upgrade");
        bytes memory init = abi.encodeCall(BridgeAdmin.initialize, (LOCAL, USER, BOB, 1));
        (ok, ret) = impl.call(init);
        assertTrue(!ok && selectorOf(ret) == Initializable.InvalidInitialization.selector, "impl initialize");
        // the proxy cannot be initialized twice (e.g. with another domain or admin)
        expectErrorFrom(USER, init, 0, Initializable.InvalidInitialization.selector);
        // the admin module alone has no roles and no initializer
        address module = Bridge(payable(impl)).ADMIN_MODULE();
        (ok, ret) = module.call(init);
        assertTrue(!ok && selectorOf(ret) == Initializable.InvalidInitialization.selector, "module initialize");
        vm.prank(ADMIN);
        (ok, ret) = module.call(abi.encodeCall(BridgeAdmin.setRemote, (9, bytes32(uint256(1)), 0)));
        assertTrue(!ok && selectorOf(ret) == BridgeBase.OnlySelf.selector, "module setter");
        // the guardian vetoes an upgrade
        vm.prank(ADMIN);
        bytes32 id = gov.propose(call, bytes32(uint256(1)));
        vm.prank(GUARDIAN);
        gov.cancelProposal(id);
        vm.warp(block.timestamp + ADMIN_DELAY);
        expectError(abi.encodeCall(BridgeAdmin.execute, (call, bytes32(uint256(1)))), BridgeBase.UnknownProposal.selector);
        // a contract that is not a UUPS implementation is refused
        bytes memory bad = _upgradeCall(address(new MockERC20()));
        vm.prank(ADMIN);
        gov.propose(bad, 0);
        vm.warp(block.timestamp + ADMIN_DELAY);
        expectError(abi.encodeCall(BridgeAdmin.execute, (bad, 0)), ERC1967Utils.ERC1967InvalidImplementation.selector);
        assertEq(address(uint160(uint256(vm.load(address(bridge), IMPL_SLOT)))), impl, "unchanged");
        // ether sent to an admin selector is refused (the fallback is not payable)
        vm.deal(USER, 1 ether);
        vm.prank(USER);
        (ok,) = address(bridge).call{value: 1}(abi.encodeCall(BridgeAdmin.adminDelay, ()));
        assertTrue(!ok, "ether through the fallback");
    }
}
