// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeAdmin} from "../src/BridgeAdmin.sol";
import {BridgeBase} from "../src/BridgeBase.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";
import {GasRecipient} from "./utils/Mocks.sol";
import {IMessageRecipient} from "../src/IMessageRecipient.sol";
import {BridgedToken} from "../src/BridgedToken.sol";

contract BridgedTokenLike is BridgedToken {
    constructor(address b) BridgedToken(b, "Nine", "N9", 9) {}
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

/// @notice What the independent review of the v2 diff (909e3fa..HEAD) verified holds (no
/// finding): each `test_check_*` asserts such a property. Its proofs of concept (`test_poc_*`,
/// passing while a weakness existed) became regression tests asserting the fixed behaviour
/// (docs/protocol.md after the second review), in the suites they belong to:
/// F-1 over-capacity transfers are timelocked (`FindingsTest.test_review2_F1_*`, and
/// `FuzzTest.testFuzz_inbound_amounts`); F-2 a guardian change waits `GUARDIAN_CHANGE_DELAY`
/// unless the guardian approves it (`FindingsTest.test_review2_F2_*`); F-3 upgrade proposals
/// carry no call data (`UpgradeTest.test_review2_F3_*`); F-4 no delivery writes over a record
/// (`FindingsTest.test_review2_F4_*`); F-5 a refund goes only to the origin bridge the transfer
/// came from (`PayoutsTest.test_review2_F5_*`); F-6 the bridge is never a beneficiary
/// (`FindingsTest.test_review2_F6_*`).
contract ReviewPoCTest is Fixture {
    function deliverCall(bytes memory m, bytes memory s) internal pure returns (bytes memory) {
        return abi.encodeCall(Bridge.deliver, (m, s));
    }

    function status(bytes memory m) internal view returns (BridgeBase.Status) {
        return bridge.statusOf(m);
    }

    function _impl() internal view returns (address) {
        return address(
            uint160(uint256(vm.load(address(bridge), 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc)))
        );
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
