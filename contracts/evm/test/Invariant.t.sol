// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TestBase} from "./TestBase.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeConfig} from "../src/BridgeConfig.sol";
import {BridgedToken} from "../src/BridgedToken.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";
import {MockERC20} from "./utils/Mocks.sol";

/// @notice Drives two bridges in one EVM: A (domain 1) is the home of token T; B (domain 2)
/// mints its representation W. Users send both ways, a relayer delivers, replays, executes
/// queued transfers, T refuses payouts to some users (owed, withdrawn later), the guardian
/// cancels queued transfers and governance refunds them, and time passes. A ghost ledger
/// records what moved.
contract Handler is TestBase {
    Bridge public immutable a;
    Bridge public immutable b;
    MockERC20 public immutable t;
    BridgedToken public immutable w;
    bytes32 public immutable tokenId;
    uint256[] internal keys;
    address internal immutable admin;
    address internal constant GUARDIAN = address(0x6A2D);
    uint256 internal salt;

    bytes[] internal toB;
    bytes[] internal toA;
    mapping(bytes32 => uint256) public executions;

    // ghost ledger
    uint256 public locked; // T locked on A by sends
    uint256 public released; // T released on A by deliveries
    uint256 public minted; // W minted on B by deliveries
    uint256 public burned; // W burned on B by sends
    bool public doubleExecution;
    bool public replayAccepted;
    uint256 public refunded; // cancelled transfers sent back to their origin

    constructor(Bridge a_, Bridge b_, MockERC20 t_, BridgedToken w_, bytes32 tokenId_, uint256[] memory keys_) {
        (a, b, t, w, tokenId, keys) = (a_, b_, t_, w_, tokenId_, keys_);
        admin = msg.sender;
    }

    function _actor(uint256 seed) internal pure returns (address) {
        return address(uint160(0x1000 + (seed % 4)));
    }

    /// @notice T owed by A to the actors (payouts T refused).
    function owedTotal() external view returns (uint256 sum) {
        for (uint256 i; i < 4; ++i) {
            sum += a.owed(address(t), _actor(i));
        }
    }

    function _sigs(Bridge from, bytes memory m) internal view returns (bytes memory s) {
        (P.Header memory h,) = this.decodeHeader(m);
        bytes32 d = P.digest(h.origin, bytes32(uint256(uint160(address(from)))), 1, keccak256(m));
        for (uint256 i; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s_) = vm.sign(keys[i], d);
            s = bytes.concat(s, abi.encodePacked(r, s_, v));
        }
    }

    function decodeHeader(bytes calldata m) external pure returns (P.Header memory h, bytes memory body) {
        return P.decode(m);
    }

    function _message(Bridge from, Bridge to, uint64 nonce, address sender, uint256 amount, address beneficiary)
        internal
        view
        returns (bytes memory)
    {
        return P.encode(
            P.Header({
                nonce: nonce,
                origin: from.localDomain(),
                sender: bytes32(uint256(uint160(sender))),
                destination: to.localDomain(),
                recipient: bytes32(uint256(uint160(address(to))))
            }),
            P.encodeTransfer(tokenId, amount, bytes32(uint256(uint160(beneficiary))))
        );
    }

    function sendAtoB(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        amount = bound(amount, 1, 2_000e18);
        t.mint(actor, amount);
        vm.prank(actor);
        t.approve(address(a), amount);
        uint64 nonce = a.outboundNonce();
        vm.prank(actor);
        try a.sendToken(2, tokenId, amount, bytes32(uint256(uint160(actor)))) returns (bytes32 id) {
            bytes memory m = _message(a, b, nonce, actor, amount, actor);
            assertEq(id, keccak256(m), "message id");
            toB.push(m);
            locked += amount;
        } catch {}
    }

    function sendBtoA(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        uint256 balance = w.balanceOf(actor);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        uint64 nonce = b.outboundNonce();
        vm.prank(actor);
        try b.sendToken(1, tokenId, amount, bytes32(uint256(uint160(actor)))) {
            toA.push(_message(b, a, nonce, actor, amount, actor));
            burned += amount;
        } catch {}
    }

    function _deliver(Bridge from, Bridge to, bytes memory m) internal {
        bool before = _wasDelivered(to, m);
        try to.deliver(m, _sigs(from, m)) {
            if (before) replayAccepted = true;
            if (to.statusOf(m) == Bridge.Status.Executed) _executed(to, m);
        } catch {}
    }

    function _wasDelivered(Bridge to, bytes memory m) internal view returns (bool) {
        return to.statusOf(m) != Bridge.Status.None;
    }

    function _executed(Bridge to, bytes memory m) internal {
        bytes32 id = keccak256(m);
        if (++executions[id] > 1) doubleExecution = true;
        (, bytes memory body) = this.decodeHeader(m);
        uint256 amount;
        assembly ("memory-safe") {
            amount := mload(add(body, 65))
        }
        if (address(to) == address(b)) minted += amount;
        else released += amount;
    }

    function deliverToB(uint256 i) external {
        if (toB.length == 0) return;
        _deliver(a, b, toB[i % toB.length]);
    }

    function deliverToA(uint256 i) external {
        if (toA.length == 0) return;
        _deliver(b, a, toA[i % toA.length]);
    }

    function executeQueued(uint256 i, bool onB) external {
        bytes[] storage list = onB ? toB : toA;
        if (list.length == 0) return;
        bytes memory m = list[i % list.length];
        Bridge to = onB ? b : a;
        try to.executeQueued(m) {
            _executed(to, m);
        } catch {}
    }

    /// @dev T refuses transfers to an actor: 0 no, 1 returns false, 2 reverts.
    function blockActor(uint256 actorSeed, uint8 mode) external {
        t.setBlocked(_actor(actorSeed), mode % 3);
    }

    /// @dev An actor withdraws the T A owes it, to itself or to another address.
    function withdrawOwed(uint256 actorSeed, bool elsewhere) external {
        address actor = _actor(actorSeed);
        vm.prank(actor);
        try a.withdraw(address(t), elsewhere ? address(0x2000) : actor) {} catch {}
    }

    /// @dev The guardian cancels a queued transfer (on B if `onB`, else on A) and governance
    /// returns it to its sender: the refund is a new message back to the origin.
    function cancelAndRefund(uint256 i, bool onB) external {
        bytes[] storage list = onB ? toB : toA;
        if (list.length == 0) return;
        bytes memory m = list[i % list.length];
        Bridge to = onB ? b : a;
        Bridge back = onB ? a : b;
        bytes32 id = keccak256(m);
        (Bridge.Status st, uint64 readyAt) = to.records(id);
        if (st != Bridge.Status.Queued || block.timestamp >= readyAt) return;
        vm.prank(GUARDIAN);
        to.cancelQueued(id);
        (P.Header memory h, bytes memory body) = this.decodeHeader(m);
        uint256 amount;
        assembly ("memory-safe") {
            amount := mload(add(body, 65))
        }
        bytes memory call = abi.encodeCall(Bridge.refundCancelled, (m));
        vm.prank(admin);
        to.propose(call, bytes32(++salt));
        vm.warp(block.timestamp + 1);
        uint64 nonce = to.outboundNonce();
        to.execute(call, bytes32(salt));
        bytes memory refund = _message(to, back, nonce, address(to), amount, address(uint160(uint256(h.sender))));
        assertEq(to.refunds(id), keccak256(refund), "refund id");
        (onB ? toA : toB).push(refund);
        refunded += 1;
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 2 days));
    }
}

/// @notice Two configured bridges, a token each side, and the handler; the invariant checks.
abstract contract TwoBridges is TestBase {
    Bridge internal a;
    Bridge internal b;
    MockERC20 internal t;
    BridgedToken internal w;
    Handler internal handler;
    address internal constant GUARDIAN = address(0x6A2D);

    function setUp() public {
        vm.warp(1_700_000_000);
        a = new Bridge(1, address(this), GUARDIAN, 1);
        b = new Bridge(2, address(this), GUARDIAN, 1);
        t = new MockERC20();
        w = new BridgedToken(address(b), "W", "W", 18);
        bytes32 tokenId = P.tokenId(1, bytes32(uint256(uint160(address(t)))));
        uint256[] memory keys = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            keys[i] = uint256(keccak256(abi.encodePacked("trestle-invariant-validator", i))) % (2 ** 255);
        }
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(keys[j]) < vm.addr(keys[j - 1]); --j) {
                (keys[j], keys[j - 1]) = (keys[j - 1], keys[j]);
            }
        }
        address[] memory vals = new address[](3);
        for (uint256 i; i < 3; ++i) {
            vals[i] = vm.addr(keys[i]);
        }
        _configure(a, 2, address(b), vals, tokenId, address(t), true);
        _configure(b, 1, address(a), vals, tokenId, address(w), false);
        handler = new Handler(a, b, t, w, tokenId, keys);
    }

    function _configure(
        Bridge br,
        uint32 remoteDomain,
        address remoteBridge,
        address[] memory vals,
        bytes32 tokenId,
        address local,
        bool home
    ) internal {
        bytes[] memory calls = new bytes[](5);
        calls[0] = abi.encodeCall(BridgeConfig.setRemote, (remoteDomain, bytes32(uint256(uint160(remoteBridge)))));
        calls[1] = abi.encodeCall(BridgeConfig.setValidatorSet, (remoteDomain, 1, vals, 2));
        calls[2] = abi.encodeCall(BridgeConfig.setToken, (tokenId, local, home, 0, 1_500e18, 1 days));
        calls[3] = abi.encodeCall(BridgeConfig.setLimits, (tokenId, 4_000e18, 1e17, 6_000e18, 1e17));
        calls[4] = abi.encodeCall(BridgeConfig.setRoute, (tokenId, remoteDomain, 0, type(uint128).max));
        for (uint256 i; i < calls.length; ++i) {
            br.propose(calls[i], bytes32(i));
        }
        vm.warp(block.timestamp + 1);
        for (uint256 i; i < calls.length; ++i) {
            br.execute(calls[i], bytes32(i));
        }
    }

    /// @notice Forge fuzzes only the handler.
    function targetContracts() public view returns (address[] memory out) {
        out = new address[](1);
        out[0] = address(handler);
    }

    /// W in circulation is backed by T held by A and owed to no one.
    function checkMintedNeverExceedsLocked() internal view {
        assertLe(w.totalSupply() + handler.owedTotal(), t.balanceOf(address(a)), "W supply > T locked");
    }

    function checkLedger() internal view {
        assertEq(t.balanceOf(address(a)) - handler.owedTotal(), handler.locked() - handler.released(), "T locked");
        assertEq(w.totalSupply(), handler.minted() - handler.burned(), "W supply");
    }

    function checkAtMostOnce() internal view {
        assertTrue(!handler.doubleExecution(), "a message executed twice");
        assertTrue(!handler.replayAccepted(), "a replay was accepted");
    }
}

/// @notice Invariants over the handler's random sequences (ghost ledger).
contract InvariantTest is TwoBridges {
    /// Minted on the destination never exceeds what is locked on the origin.
    function invariant_minted_never_exceeds_locked() public view {
        checkMintedNeverExceedsLocked();
    }

    /// The ghost ledger matches the chains.
    function invariant_ledger_matches_balances() public view {
        checkLedger();
    }

    /// A message executes at most once, and a delivered message is never accepted again.
    function invariant_each_message_executes_at_most_once() public view {
        checkAtMostOnce();
    }
}

/// @notice The handler's actions really move tokens (so the invariants are not vacuous).
contract HandlerSanityTest is TwoBridges {
    function test_handler_moves_tokens_both_ways() public {
        uint256 sent = bound(10e18, 1, 2_000e18); // what the handler makes of the input
        handler.sendAtoB(0, 10e18);
        handler.deliverToB(0);
        assertEq(handler.minted(), sent, "minted");
        assertEq(w.balanceOf(address(0x1000)), sent, "W balance");
        handler.deliverToB(0); // replay attempt: refused, not counted
        assertEq(handler.minted(), sent, "replay refused");
        uint256 back = bound(4e18, 1, sent);
        handler.sendBtoA(0, 4e18);
        handler.deliverToA(0);
        assertEq(handler.released(), back, "released");
        uint256 large = bound(1_600e18, 1, 2_000e18); // over the 1500e18 timelock threshold
        handler.sendAtoB(1, 1_600e18);
        handler.deliverToB(1);
        assertEq(handler.minted(), sent, "queued, not minted");
        handler.executeQueued(1, true);
        assertEq(handler.minted(), sent, "still waiting");
        handler.warp(2 days);
        handler.executeQueued(1, true);
        assertEq(handler.minted(), sent + large, "executed after the delay");
        checkMintedNeverExceedsLocked();
        checkLedger();
        checkAtMostOnce();
    }

    function test_handler_owes_withdraws_and_refunds() public {
        handler.sendAtoB(0, 10e18);
        handler.deliverToB(0);
        handler.sendBtoA(0, 4e18);
        handler.blockActor(0, 1); // T returns false for 0x1000
        handler.deliverToA(0);
        assertEq(handler.released(), 4e18, "executed");
        assertEq(handler.owedTotal(), 4e18, "owed, not paid");
        handler.withdrawOwed(0, false); // still blocked: fails, stays owed
        assertEq(handler.owedTotal(), 4e18, "still owed");
        handler.withdrawOwed(0, true);
        assertEq(handler.owedTotal(), 0, "withdrawn");
        assertEq(t.balanceOf(address(0x2000)), 4e18, "to the named address");
        // a large transfer to B is cancelled there and refunded: it comes back to its sender
        handler.sendAtoB(1, 1_600e18);
        handler.deliverToB(1);
        handler.cancelAndRefund(1, true);
        assertEq(handler.refunded(), 1, "refunded");
        handler.deliverToA(1); // the refund, over A's timelock threshold: queued there
        handler.warp(2 days);
        handler.executeQueued(1, false);
        assertEq(t.balanceOf(address(0x1001)), 1_600e18, "back to the sender");
        assertEq(w.totalSupply(), 6e18, "never minted on B");
        checkMintedNeverExceedsLocked();
        checkLedger();
        checkAtMostOnce();
    }
}
