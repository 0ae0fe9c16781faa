// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {TestBase} from "./TestBase.sol";
import {Bridge} from "../src/Bridge.sol";
import {BridgeAdmin} from "../src/BridgeAdmin.sol";
import {BridgeBase} from "../src/BridgeBase.sol";
import {BridgedToken} from "../src/BridgedToken.sol";
import {TrestleProtocol as P} from "../src/TrestleProtocol.sol";
import {MockERC20} from "./utils/Mocks.sol";

/// @notice Drives three bridges (each an ERC-1967 proxy) in one EVM: A (domain 1) is the home
/// of token T; B (2) and C (3) mint its representations. Every pair has a route both ways.
/// Users send in every direction, a relayer delivers, replays and executes queued transfers, T
/// refuses payouts to some users (owed, withdrawn later), the guardian cancels queued
/// transfers (refunded by governance), time passes, and C's validator set is compromised:
/// `forgeFromC` has it sign transfers from C that C never sent, to A and to B. Ghost ledgers
/// per (chain, remote) record what moved. Every genuine message's first delivery is watched:
/// a send that passed must be accepted by its destination's ledger, the only exception being
/// a transfer from C to a chain whose ledger for C C's forgeries have taken from.
contract Handler is TestBase {
    address internal constant GUARDIAN = address(0x6A2D);
    uint64 internal constant FORGED_NONCES = 1 << 40;

    Bridge[3] internal br;
    BridgedToken[3] internal w; // w[1] on B, w[2] on C
    MockERC20 public immutable t;
    bytes32 public immutable tokenId;
    uint256[] internal keys;
    address internal immutable admin;
    uint256 internal salt;
    uint64 internal forgedNonce = FORGED_NONCES;

    bytes[][3] internal inbox; // messages to each bridge (genuine, refunds and forged)
    mapping(bytes32 => uint256) public executions;
    mapping(bytes32 => bool) public forged;

    /// @dev Ghosts, local units, indexed [chain][remote]: what chain sent to remote, what it
    /// took for deliveries from remote (executed or queued), what cancels gave back; and the
    /// part of `taken` and `givenBack` that were C's forgeries.
    uint256[3][3] internal sent;
    uint256[3][3] internal taken;
    uint256[3][3] internal givenBack;
    uint256[3][3] internal forgedIn;
    uint256[3][3] internal forgedBack;
    uint256 public queuedAtA; // T queued on A, neither executed nor cancelled
    uint256 public forgedTaken; // what C's forgeries got through (executed or queued)
    bool public doubleExecution;
    bool public replayAccepted;
    /// @dev Sends refused by the origin's ledger (`LedgerExceeded` at send, nothing burned).
    uint256 public sendsRefused;
    /// @dev A send refused with arguments other than the amount and `max(-ledger, 0)`, or on
    /// the home chain (where sends are unchecked).
    bool public badSendRefusal;
    /// @dev Genuine first deliveries refused, all of them from C after C's forgeries took
    /// that much of the destination's ledger for C.
    uint256 public refusedAfterForgery;
    /// @dev A genuine first delivery that reverted for any other reason, and that reason.
    bool public genuineRefused;
    bytes public genuineRefusal;

    constructor(Bridge[3] memory br_, BridgedToken[3] memory w_, MockERC20 t_, bytes32 tokenId_, uint256[] memory keys_) {
        (br, w, t, tokenId, keys) = (br_, w_, t_, tokenId_, keys_);
        admin = msg.sender;
    }

    // ---------------------------------------------------------------- views for the invariants
    function ledgerOf(uint256 chain, uint256 remote) public view returns (int256 net) {
        (net,,) = BridgeAdmin(address(br[chain])).ledger(tokenId, uint32(remote + 1));
    }

    function ghost(uint256 chain, uint256 remote) external view returns (uint256 s, uint256 tk, uint256 g) {
        return (sent[chain][remote], taken[chain][remote], givenBack[chain][remote]);
    }

    /// @dev What C's forgeries hold of `chain`'s ledger for `remote` (taken, less cancelled).
    function forgedNet(uint256 chain, uint256 remote) public view returns (uint256) {
        return forgedIn[chain][remote] - forgedBack[chain][remote];
    }

    function owedTotal() external view returns (uint256 sum) {
        for (uint256 i; i < 4; ++i) {
            sum += BridgeAdmin(address(br[0])).owed(address(t), _actor(i));
        }
    }

    function inboxLength(uint256 d) external view returns (uint256) {
        return inbox[d].length;
    }

    // ---------------------------------------------------------------- helpers
    function _actor(uint256 seed) internal pure returns (address) {
        return address(uint160(0x1000 + (seed % 4)));
    }

    function _b32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }

    function _message(uint256 o, uint256 d, uint64 nonce, bytes32 sender, uint256 amount, address beneficiary)
        internal
        view
        returns (bytes memory)
    {
        return P.encode(
            P.Header({
                nonce: nonce, origin: uint32(o + 1), sender: sender, destination: uint32(d + 1), recipient: _b32(address(br[d]))
            }),
            P.encodeTransfer(tokenId, amount, _b32(beneficiary))
        );
    }

    /// @dev Origin index and amount of a transfer message.
    function _parse(bytes memory m) internal pure returns (uint256 o, uint256 amount) {
        uint32 originDomain;
        assembly ("memory-safe") {
            originDomain := shr(224, mload(add(m, 41))) // bytes 9..13
            amount := mload(add(m, 146)) // body bytes 33..65 = message bytes 114..146
        }
        o = originDomain - 1;
    }

    function _sigs(uint256 o, uint256 d, bytes memory m) internal view returns (bytes memory s) {
        bytes32 dg = P.digest(uint32(o + 1), _b32(address(br[o])), uint32(d + 1), _b32(address(br[d])), 1, keccak256(m));
        for (uint256 i; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s_) = vm.sign(keys[i], dg);
            s = bytes.concat(s, abi.encodePacked(r, s_, v));
        }
    }

    function _executed(bytes memory m) internal {
        if (++executions[keccak256(m)] > 1) doubleExecution = true;
    }

    /// @dev The arguments of `LedgerExceeded` revert data (`ok` false for another error).
    function _ledgerExceeded(bytes memory ret)
        internal
        pure
        returns (bool ok, uint256 remote, uint256 requested, uint256 available)
    {
        if (selectorOf(ret) != BridgeBase.LedgerExceeded.selector || ret.length != 132) return (false, 0, 0, 0);
        assembly ("memory-safe") {
            remote := mload(add(ret, 68))
            requested := mload(add(ret, 100))
            available := mload(add(ret, 132))
        }
        ok = true;
    }

    // ---------------------------------------------------------------- actions
    /// @dev A user sends from chain `fromSeed % 3` to one of the two others.
    function send(uint256 fromSeed, uint256 toSeed, uint256 actorSeed, uint256 amount) external {
        uint256 f = fromSeed % 3;
        uint256 d = (f + 1 + toSeed % 2) % 3;
        address actor = _actor(actorSeed);
        if (f == 0) {
            amount = bound(amount, 1, 2_000e18);
            t.mint(actor, amount);
            vm.prank(actor);
            t.approve(address(br[0]), amount);
        } else {
            // the first actor from the seed on who holds some (sends that burn nothing are
            // refused by the token whatever the ledger says)
            uint256 balance;
            for (uint256 k; k < 4 && balance == 0; ++k) {
                actor = _actor(actorSeed % 4 + k);
                balance = w[f].balanceOf(actor);
            }
            if (balance == 0) return;
            amount = bound(amount, 1, balance);
        }
        uint64 nonce = BridgeAdmin(address(br[f])).outboundNonce();
        int256 net = ledgerOf(f, d);
        vm.prank(actor);
        try br[f].sendToken(uint32(d + 1), tokenId, amount, _b32(actor)) returns (bytes32 id) {
            bytes memory m = _message(f, d, nonce, _b32(actor), amount, actor);
            assertEq(id, keccak256(m), "message id");
            inbox[d].push(m);
            sent[f][d] += amount;
        } catch (bytes memory ret) {
            (bool refused, uint256 remote, uint256 requested, uint256 available) = _ledgerExceeded(ret);
            if (!refused) return;
            ++sendsRefused;
            // forge-lint: disable-next-line(unsafe-typecast)
            uint256 expected = net < 0 ? uint256(-net) : 0;
            if (f == 0 || remote != d + 1 || requested != amount || available != expected) badSendRefusal = true;
        }
    }

    /// @dev C's compromised set signs a transfer C never sent, to A or B.
    function forgeFromC(uint256 toSeed, uint256 actorSeed, uint256 amount) external {
        uint256 d = toSeed % 2;
        amount = bound(amount, 1, 3_000e18);
        bytes memory m = _message(2, d, forgedNonce++, _b32(address(0xBAD)), amount, _actor(actorSeed));
        forged[keccak256(m)] = true;
        inbox[d].push(m);
    }

    function deliver(uint256 dSeed, uint256 i) external {
        uint256 d = dSeed % 3;
        if (inbox[d].length == 0) return;
        bytes memory m = inbox[d][i % inbox[d].length];
        (uint256 o, uint256 amount) = _parse(m);
        bool before = br[d].statusOf(m) != BridgeBase.Status.None;
        bool isForged = forged[keccak256(m)];
        try br[d].deliver(m, _sigs(o, d, m)) {
            if (before) replayAccepted = true;
            taken[d][o] += amount;
            if (isForged) {
                forgedTaken += amount;
                forgedIn[d][o] += amount;
            }
            BridgeBase.Status st = br[d].statusOf(m);
            if (st == BridgeBase.Status.Executed) _executed(m);
            else if (d == 0) queuedAtA += amount;
        } catch (bytes memory ret) {
            if (before || isForged) return; // a replay, or a forgery: may be refused
            // A genuine message: its origin's ledger let it be sent, so its destination's ledger
            // takes it, unless forgeries from the same origin took that much of it first.
            (bool refused,, uint256 requested, uint256 available) = _ledgerExceeded(ret);
            if (refused && requested <= available + forgedNet(d, o)) {
                ++refusedAfterForgery;
            } else {
                genuineRefused = true;
                genuineRefusal = ret;
            }
        }
    }

    function executeQueued(uint256 dSeed, uint256 i) external {
        uint256 d = dSeed % 3;
        if (inbox[d].length == 0) return;
        bytes memory m = inbox[d][i % inbox[d].length];
        try br[d].executeQueued(m) {
            _executed(m);
            (, uint256 amount) = _parse(m);
            if (d == 0) queuedAtA -= amount;
        } catch {}
    }

    /// @dev The guardian cancels a queued transfer on chain `dSeed % 3` (any queued one, at any
    /// time) and, for a genuine one, governance sends it back to its sender.
    function cancelAndRefund(uint256 dSeed, uint256 i, bool refund) external {
        uint256 d = dSeed % 3;
        if (inbox[d].length == 0) return;
        bytes memory m = inbox[d][i % inbox[d].length];
        bytes32 id = keccak256(m);
        if (br[d].statusOf(m) != BridgeBase.Status.Queued) return;
        vm.prank(GUARDIAN);
        BridgeAdmin(address(br[d])).cancelQueued(id);
        (uint256 o, uint256 amount) = _parse(m);
        givenBack[d][o] += amount;
        if (forged[id]) forgedBack[d][o] += amount;
        if (d == 0) queuedAtA -= amount;
        if (!refund || forged[id]) return; // a forgery is never refunded
        bytes32 sender;
        assembly ("memory-safe") {
            sender := mload(add(m, 45)) // bytes 13..45
        }
        // A cancelled refund is not refunded again: its sender is the origin bridge, which
        // cannot be a beneficiary (refundCancelled refuses it, InvalidBeneficiary).
        if (sender == _b32(address(br[o]))) return;
        BridgeAdmin g = BridgeAdmin(address(br[d]));
        bytes memory call = abi.encodeCall(BridgeAdmin.refundCancelled, (m));
        vm.prank(admin);
        g.propose(call, bytes32(++salt));
        vm.warp(block.timestamp + 1);
        uint64 nonce = g.outboundNonce();
        g.execute(call, bytes32(salt));
        bytes memory back = _message(d, o, nonce, _b32(address(br[d])), amount, address(uint160(uint256(sender))));
        assertEq(g.refunds(id), keccak256(back), "refund id");
        inbox[o].push(back);
    }

    /// @dev T refuses transfers to an actor: 0 no, 1 returns false, 2 reverts.
    function blockActor(uint256 actorSeed, uint8 mode) external {
        t.setBlocked(_actor(actorSeed), mode % 3);
    }

    function withdrawOwed(uint256 actorSeed, bool elsewhere) external {
        address actor = _actor(actorSeed);
        vm.prank(actor);
        try br[0].withdraw(address(t), elsewhere ? address(0x2000) : actor) {} catch {}
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 2 days));
    }
}

/// @notice Three configured bridges, the tokens and the handler; the invariant checks.
abstract contract ThreeBridges is TestBase {
    address internal constant GUARDIAN = address(0x6A2D);
    Bridge[3] internal br;
    BridgedToken[3] internal w;
    MockERC20 internal t;
    bytes32 internal tokenId;
    Handler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        address impl = address(new Bridge());
        for (uint256 d; d < 3; ++d) {
            bytes memory init = abi.encodeCall(BridgeAdmin.initialize, (uint32(d + 1), address(this), GUARDIAN, 1));
            br[d] = Bridge(payable(address(new ERC1967Proxy(impl, init))));
        }
        t = new MockERC20();
        w[1] = new BridgedToken(address(br[1]), "WB", "WB", 18);
        w[2] = new BridgedToken(address(br[2]), "WC", "WC", 18);
        tokenId = P.tokenId(1, bytes32(uint256(uint160(address(t)))));
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
        for (uint256 d; d < 3; ++d) {
            _configure(d, vals, d == 0 ? address(t) : address(w[d]));
        }
        handler = new Handler(br, w, t, tokenId, keys);
    }

    function _configure(uint256 d, address[] memory vals, address local) internal {
        bytes[] memory calls = new bytes[](9);
        calls[0] = abi.encodeCall(
            BridgeAdmin.setToken, (1, bytes32(uint256(uint160(address(t)))), local, 0, 1_500e18, 1 days)
        );
        uint256 k = 1;
        for (uint256 o; o < 3; ++o) {
            if (o == d) continue;
            uint32 od = uint32(o + 1);
            calls[k++] = abi.encodeCall(BridgeAdmin.setRemote, (od, bytes32(uint256(uint160(address(br[o])))), 0));
            calls[k++] = abi.encodeCall(BridgeAdmin.setValidatorSet, (od, 1, vals, 2));
            calls[k++] = abi.encodeCall(BridgeAdmin.setRoute, (tokenId, od, 0, type(uint128).max));
            calls[k++] = abi.encodeCall(BridgeAdmin.setLimits, (tokenId, od, 4_000e18, 1e17, 6_000e18, 1e17));
        }
        BridgeAdmin g = BridgeAdmin(address(br[d]));
        for (uint256 i; i < calls.length; ++i) {
            g.propose(calls[i], bytes32(i));
        }
        vm.warp(block.timestamp + 1);
        for (uint256 i; i < calls.length; ++i) {
            g.execute(calls[i], bytes32(i));
        }
    }

    /// @notice Forge fuzzes only the handler.
    function targetContracts() public view returns (address[] memory out) {
        out = new address[](1);
        out[0] = address(handler);
    }

    /// Every route's ledger is exactly what its chain sent to the remote, less what it took for
    /// deliveries from it, plus what cancels gave back. Per origin, on every route whose
    /// deliveries are checked (all but B's and C's routes from A, the home): what a chain took
    /// from a remote, less what cancels gave back, never exceeds what it sent there; this holds
    /// for C's forgeries too (a compromised origin releases at most its own route's ledger). On
    /// B and C, where T is bridged, sends never take a ledger above zero.
    function checkLedgers() internal view {
        for (uint256 c; c < 3; ++c) {
            for (uint256 r; r < 3; ++r) {
                if (c == r) continue;
                (uint256 s, uint256 tk, uint256 g) = handler.ghost(c, r);
                int256 net = handler.ledgerOf(c, r);
                assertEq(net, int256(s) + int256(g) - int256(tk), "ledger");
                if (c == 0 || r != 0) assertLe(tk - g, s, "an origin released more than was sent to it");
                if (c != 0) assertTrue(net <= 0, "a bridged chain sent more than it received");
            }
        }
    }

    /// Every send that passed its origin's ledger is accepted by its destination's ledger: no
    /// genuine message is ever refused on delivery (C's forgeries aside, which only take what
    /// the destination's ledger for C held, and so may hold up C's genuine transfers to it by
    /// at most that much), and a send is refused only where T is bridged, for `-ledger`.
    function checkSendsThatPassAreAccepted() internal view {
        assertTrue(!handler.genuineRefused(), string.concat("a genuine delivery was refused: ", vm.toString(bytes32(selectorOf(handler.genuineRefusal())))));
        assertTrue(!handler.badSendRefusal(), "a send was refused other than by -ledger where T is bridged");
    }

    /// Every WB (WC) in circulation came from a delivery that B's (C's) ledgers counted: the
    /// supply is at most what they received in net.
    function checkBridgedSupplyCounted() internal view {
        for (uint256 c = 1; c < 3; ++c) {
            int256 received = -(handler.ledgerOf(c, 0) + handler.ledgerOf(c, 3 - c));
            assertTrue(int256(w[c].totalSupply()) <= received, "bridged supply above its ledgers");
        }
    }

    /// A's T is exactly its ledgers plus what it owes and what waits in its queue.
    function checkCollateral() internal view {
        assertEq(
            int256(t.balanceOf(address(br[0]))),
            handler.ledgerOf(0, 1) + handler.ledgerOf(0, 2) + int256(handler.owedTotal() + handler.queuedAtA()),
            "T held by A"
        );
    }

    /// B's validators are honest: every WB in circulation is backed by T A holds for B, whatever
    /// C's compromised set signs (to A or to B).
    function checkHonestOriginSolvent() internal view {
        assertTrue(int256(w[1].totalSupply()) <= handler.ledgerOf(0, 1), "WB supply > T locked for B");
    }

    function checkAtMostOnce() internal view {
        assertTrue(!handler.doubleExecution(), "a message executed twice");
        assertTrue(!handler.replayAccepted(), "a replay was accepted");
    }
}

/// @notice Invariants over the handler's random sequences.
contract InvariantTest is ThreeBridges {
    function invariant_per_origin_ledgers() public view {
        checkLedgers();
    }

    function invariant_home_collateral_matches_ledgers() public view {
        checkCollateral();
    }

    function invariant_honest_origin_stays_solvent() public view {
        checkHonestOriginSolvent();
    }

    function invariant_each_message_executes_at_most_once() public view {
        checkAtMostOnce();
    }

    function invariant_sends_that_pass_are_accepted() public view {
        checkSendsThatPassAreAccepted();
    }

    function invariant_bridged_supply_counted_by_ledgers() public view {
        checkBridgedSupplyCounted();
    }
}

/// @notice The handler's actions really move tokens and forgeries really hit the ledger (so
/// the invariants are not vacuous).
contract HandlerSanityTest is ThreeBridges {
    function _all() internal view {
        checkLedgers();
        checkCollateral();
        checkHonestOriginSolvent();
        checkAtMostOnce();
        checkSendsThatPassAreAccepted();
        checkBridgedSupplyCounted();
    }

    function test_handler_moves_tokens_on_every_route() public {
        handler.send(0, 0, 0, 10e18); // A -> B
        handler.deliver(1, 0);
        assertEq(w[1].balanceOf(address(0x1000)), 10e18, "minted on B");
        handler.deliver(1, 0); // replay: refused
        assertEq(w[1].totalSupply(), 10e18, "replay refused");
        handler.send(0, 1, 1, 20e18); // A -> C
        handler.deliver(2, 0);
        assertEq(w[2].balanceOf(address(0x1001)), 20e18, "minted on C");
        // C -> B: B never sent anything to C, so B's ledger would refuse it; C refuses it at
        // send and burns nothing (before v2's signed ledger, C burned it and B refused it forever)
        handler.send(2, 1, 1, 5e18);
        assertEq(handler.sendsRefused(), 1, "C -> B refused at send");
        assertEq(w[2].balanceOf(address(0x1001)), 20e18, "nothing burned on C");
        assertEq(handler.inboxLength(1), 1, "no message to B");
        handler.send(1, 0, 0, 4e18); // B -> C: likewise
        assertEq(handler.sendsRefused(), 2, "B -> C refused at send");
        assertEq(w[1].balanceOf(address(0x1000)), 10e18, "nothing burned on B");
        handler.send(1, 1, 0, 6e18); // B -> A: within what came from A
        handler.deliver(0, 0);
        assertEq(t.balanceOf(address(0x1000)), 6e18, "released on A");
        assertEq(handler.ledgerOf(1, 0), -4e18, "B's ledger for A: sent 6, received 10");
        assertEq(handler.ledgerOf(0, 1), 4e18, "A's ledger for B: the other side of it");
        _all();
    }

    function test_forgeries_from_c_are_bounded_by_what_was_sent_to_c() public {
        handler.send(0, 0, 0, 100e18); // A -> B
        handler.deliver(1, 0);
        handler.send(0, 1, 1, 30e18); // A -> C: A holds 30e18 for C
        handler.deliver(2, 0);
        handler.forgeFromC(0, 2, 25e18);
        handler.deliver(0, 0);
        assertEq(t.balanceOf(address(0x1002)), 25e18, "within C's ledger");
        handler.forgeFromC(0, 3, 25e18);
        handler.deliver(0, 1);
        assertEq(t.balanceOf(address(0x1003)), 0, "beyond C's ledger: refused");
        assertEq(handler.ledgerOf(0, 1), 100e18, "B's collateral untouched");
        handler.forgeFromC(1, 3, 1e18); // to B: B never sent to C
        handler.deliver(1, 1);
        assertEq(w[1].balanceOf(address(0x1003)), 0, "B refuses C's forgery");
        assertEq(handler.forgedTaken(), 25e18, "forged total");
        // C's holder sends its 30e18 home: C's ledger allows it, A's ledger for C holds only
        // the 5e18 the forgery left. The one way a genuine transfer is refused on delivery; it
        // waits (retryable) until A holds enough for C again.
        handler.send(2, 0, 1, 30e18); // C -> A
        handler.deliver(0, 2);
        assertEq(handler.refusedAfterForgery(), 1, "refused after C's forgery took A's ledger");
        assertEq(t.balanceOf(address(0x1001)), 0, "not released");
        handler.send(0, 1, 0, 25e18); // A -> C (in flight)
        handler.deliver(0, 2);
        assertEq(t.balanceOf(address(0x1001)), 30e18, "released once A held enough for C");
        _all();
    }

    function test_handler_owes_withdraws_cancels_and_refunds() public {
        handler.send(0, 0, 0, 10e18); // A -> B
        handler.deliver(1, 0);
        handler.send(1, 1, 0, 4e18); // B -> A
        handler.blockActor(0, 1);
        handler.deliver(0, 0);
        assertEq(handler.owedTotal(), 4e18, "owed, not paid");
        handler.withdrawOwed(0, true);
        assertEq(t.balanceOf(address(0x2000)), 4e18, "withdrawn");
        handler.send(0, 0, 1, 1_600e18); // over B's timelock threshold: queued there
        handler.deliver(1, 1);
        handler.cancelAndRefund(1, 1, true);
        handler.deliver(0, 1); // the refund, over A's threshold: queued on A
        handler.warp(2 days);
        handler.executeQueued(0, 1);
        assertEq(t.balanceOf(address(0x1001)), 1_600e18, "back to the sender");
        handler.forgeFromC(0, 0, 1e18); // queued? no: A holds nothing for C, refused
        handler.deliver(0, 2);
        _all();
    }
}
