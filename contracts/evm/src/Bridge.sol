// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {TrestleProtocol as P} from "./TrestleProtocol.sol";
import {IERC20} from "./IERC20.sol";
import {IMessageRecipient} from "./IMessageRecipient.sol";
import {BridgeBase} from "./BridgeBase.sol";
import {BridgeAdmin} from "./BridgeAdmin.sol";

/// @notice Mint/burn interface of a `BridgedToken`.
interface IBridgedToken {
    function mint(address to, uint256 value) external;
    function burn(address from, uint256 value) external;
}

/// @title Trestle bridge (EVM side of protocol v2, docs/protocol.md): the implementation behind
/// an ERC-1967 proxy (UUPS).
/// @notice Sends messages and token transfers to remote domains, and delivers messages from
/// them once M of N validators of the origin's current set have signed the attestation digest
/// (which names this proxy as the destination bridge). Inbound transfers need a route for
/// (token, origin) and fit its ledger; large and over-limit ones wait in a queue, and every
/// queued transfer passes the route's inbound bucket when it executes. A payout the
/// beneficiary (or its token) refuses is owed to it (`withdraw`, `claim`). Configuration,
/// governance (the admin timelock, the guardian) and the views run in `BridgeAdmin`, on this
/// contract's storage: every selector not defined here is delegated to it. Upgrades
/// (`upgradeToAndCall`) are admin proposals like every other change.
contract Bridge is BridgeBase, UUPSUpgradeable {
    /// @notice Gas given to a payout call (ether to the beneficiary's code, or the token's
    /// `transfer`): enough for any wallet's `receive` and any ordinary ERC-20, and a bound on
    /// what a beneficiary that burns gas costs the relayer. A payout that fails with it is
    /// owed (`withdraw`). A payout never starts with less (`InsufficientGas`), so a low gas
    /// limit (e.g. from `eth_estimateGas`) reverts instead of turning a payout into a debt.
    uint256 public constant PAYOUT_GAS = 100_000;
    /// @notice What the bridge keeps beyond `gasLimit + gasLimit / 63` before calling a message
    /// recipient (`InsufficientGas` otherwise), so that the recipient surely gets all of its
    /// `gasLimit`: the call itself (cold account, memory) costs at most ~3k of it; the rest is
    /// margin (docs/protocol.md, "Recipient gas").
    uint256 public constant RECIPIENT_GAS_RESERVE = 10_000;
    /// @dev What the payout call itself may cost the caller before the callee runs (cold
    /// account, value transfer, new account, memory): at most ~37k.
    uint256 private constant CALL_RESERVE = 40_000;

    /// @notice The configuration and governance half, run by delegatecall on this storage.
    address public immutable ADMIN_MODULE;

    /// @notice The implementation: deploys its `BridgeAdmin` and can never be initialized
    /// itself (only a proxy's storage is).
    constructor() {
        _disableInitializers();
        ADMIN_MODULE = address(new BridgeAdmin());
    }

    /// @notice Every other selector (configuration, governance, views) runs in `ADMIN_MODULE`
    /// on this storage, with this call's sender. Refuses ether.
    fallback() external {
        address module = ADMIN_MODULE;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @dev Upgrades are self-calls: only an executed admin proposal reaches them.
    function _authorizeUpgrade(address) internal view override onlySelf {}

    // ================================================================== send
    /// @notice Sends `payload` to `recipient` on `destination`, where it is called with
    /// `handle(localDomain, msg.sender, payload)` and exactly `gasLimit` gas (compute units on
    /// Solana). Refuses an unknown destination, a recipient the destination cannot call (zero;
    /// on an EVM remote, not a left-padded address), a zero gas limit, more than
    /// `SOLANA_MAX_GAS_LIMIT` to Solana, and a body (`0x00 || gasLimit || payload`) over
    /// `maxBody(destination)` (when none is set: `SOLANA_MAX_BODY_LEN`, 681, to a Solana remote,
    /// the protocol's 16 KiB to an EVM one). `msg.value` pays the delivery: at least
    /// `quote(destination, gasLimit, body length)` (`FeeTooLow`), all of it recorded for the
    /// message (`GasPaid`). Returns the message id.
    function sendMessage(uint32 destination, bytes32 recipient, uint64 gasLimit, bytes calldata payload)
        external
        payable
        whenNotPaused
        returns (bytes32 id)
    {
        if (_remoteBridge[destination] == bytes32(0)) revert UnknownRemote(destination);
        uint8 kind = _remotes[destination].kind;
        if (!_payable(kind, recipient)) revert InvalidRecipient(recipient);
        if (gasLimit == 0) revert P.ZeroGasLimit();
        if (kind == KIND_SOLANA && gasLimit > SOLANA_MAX_GAS_LIMIT) {
            revert GasLimitTooHigh(gasLimit, SOLANA_MAX_GAS_LIMIT);
        }
        uint256 len = P.MESSAGE_PREFIX_LEN + payload.length;
        uint256 cap = _maxBody[destination];
        if (cap == 0) cap = kind == KIND_SOLANA ? P.SOLANA_MAX_BODY_LEN : P.MAX_BODY_LEN;
        if (len > cap) revert P.BodyTooLarge(len);
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 fee = _quote(_fees[destination], gasLimit, uint64(len)); // len <= 16 KiB
        if (msg.value < fee) revert FeeTooLow(msg.value, fee);
        id = _send(destination, bytes32(uint256(uint160(msg.sender))), recipient, P.encodeMessage(gasLimit, payload));
        _payFee(id, destination, msg.value);
    }

    /// @notice Sends `amount` (local base units) of token `tokenId` to `beneficiary` on
    /// `destination`: locks it here if this is its home chain (native ether: exactly
    /// `msg.value`), else burns the caller's bridged tokens, and adds it to the route's ledger.
    /// Refuses (before anything moves) an unknown destination or token, a disabled route, an
    /// amount that is zero, not representable at the destination or above its maximum, an
    /// amount over the route's outbound bucket, a bridged token's amount above what the
    /// destination sent here in net (`LedgerExceeded`: its ledger would refuse it), and a
    /// beneficiary the destination can never pay (`InvalidBeneficiary`: zero, the destination
    /// bridge itself, or on an EVM remote not a left-padded address). What `msg.value` holds
    /// beyond the ether sent (all of it for an ERC-20) pays the delivery: at least
    /// `quoteTransfer(destination)` (`FeeTooLow`), all of it recorded for the message
    /// (`GasPaid`). Returns the message id.
    function sendToken(uint32 destination, bytes32 tokenId, uint256 amount, bytes32 beneficiary)
        external
        payable
        whenNotPaused
        nonReentrant
        returns (bytes32 id)
    {
        bytes32 remoteBridge = _remoteBridge[destination];
        if (remoteBridge == bytes32(0)) revert UnknownRemote(destination);
        Token memory t = _tokens[tokenId];
        if (t.local == address(0)) revert UnknownToken(tokenId);
        uint256 home = _takeOutbound(t, tokenId, destination, amount, beneficiary, remoteBridge);
        uint256 paid = _lock(t, amount);
        FeeConfig storage f = _fees[destination];
        uint256 fee = _quote(f, f.transferGas, uint64(P.TOKEN_TRANSFER_LEN));
        if (paid < fee) revert FeeTooLow(paid, fee);
        id = _send(
            destination, bytes32(uint256(uint160(msg.sender))), remoteBridge, P.encodeTransfer(tokenId, home, beneficiary)
        );
        _payFee(id, destination, paid);
    }

    /// @notice Pays `msg.value` more for the delivery of message `id` to `destination` (a
    /// top-up of an underpaid or stuck message; anyone, at any time, even while paused).
    /// Relayers add it to what the message paid at its send (`GasPaid`).
    function payForGas(bytes32 id, uint32 destination) external payable {
        if (msg.value == 0) revert ZeroValue();
        if (_remoteBridge[destination] == bytes32(0)) revert UnknownRemote(destination);
        _payFee(id, destination, msg.value);
    }

    /// @notice The fee oracle sets `destination`'s two prices: only after governance set them,
    /// at most once per `FEE_UPDATE_INTERVAL`, each within half and twice its current value.
    function updateFeePrices(uint32 destination, uint128 gasPrice, uint128 exchangeRate) external {
        if (msg.sender != _feeOracle || msg.sender == address(0)) revert OnlyFeeOracle();
        FeeConfig storage f = _fees[destination];
        _checkPriceUpdate(f, destination, gasPrice, exchangeRate);
        f.gasPrice = gasPrice;
        f.exchangeRate = exchangeRate;
        f.lastUpdate = uint64(block.timestamp);
        emit FeePricesUpdated(destination, gasPrice, exchangeRate);
    }

    /// @notice Pays every fee held to the fee beneficiary (anyone may call it).
    function withdrawFees() external nonReentrant {
        address to = _feeBeneficiary;
        if (to == address(0)) revert NoFeeBeneficiary();
        uint256 amount = _feesHeld;
        if (amount == 0) revert NothingOwed(NATIVE, to);
        _feesHeld = 0;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
        emit FeesWithdrawn(to, amount);
    }

    /// @notice The delivery fee (wei) of a message to `destination` whose recipient gas limit
    /// is `gasLimit` and whose body (`0x00 || gasLimit || payload`) is `bodyLen` bytes
    /// (docs/protocol.md, "Delivery fees"). 0 where no fees are set.
    function quote(uint32 destination, uint64 gasLimit, uint64 bodyLen) external view returns (uint256) {
        return _quote(_fees[destination], gasLimit, bodyLen);
    }

    /// @notice The delivery fee (wei) of a token transfer to `destination`, paid on top of the
    /// ether sent (`sendToken`).
    function quoteTransfer(uint32 destination) external view returns (uint256) {
        FeeConfig storage f = _fees[destination];
        return _quote(f, f.transferGas, uint64(P.TOKEN_TRANSFER_LEN));
    }

    /// @dev The send-side checks of a token transfer on its route (in the order of the spec),
    /// the outbound bucket and the ledger. Returns the amount in home units.
    /// Ledger: where the token is bridged, at most `-ledger` (what the destination sent here
    /// in net, the most its own ledger accepts from here: in-flight messages towards here are
    /// not counted yet, those from here already are, so whatever passes is accepted there).
    /// On the home chain unchecked but for the ledger's range (`available` is then what the
    /// range still holds).
    function _takeOutbound(
        Token memory t,
        bytes32 tokenId,
        uint32 destination,
        uint256 amount,
        bytes32 beneficiary,
        bytes32 remoteBridge
    ) private returns (uint256 home) {
        Route storage route = _routes[tokenId][destination];
        uint256 remoteMax = route.remoteMax;
        uint256 capacity = route.outCapacity;
        if (remoteMax == 0 || capacity == 0) revert RouteDisabled(tokenId, destination);
        uint256 localScale = 10 ** t.localExp;
        if (amount == 0 || amount > type(uint256).max / localScale) revert InvalidAmount(amount);
        home = amount * localScale;
        uint256 scale = 10 ** route.remoteExp;
        if (home % scale != 0 || home / scale > remoteMax) revert InvalidAmount(amount);
        _consume(route.outbound, capacity, amount, true);
        int256 net = route.ledger;
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 room = _outboundChecked(t) ? (net < 0 ? uint256(-net) : 0) : uint256(LEDGER_MAX - net);
        if (amount > room) revert LedgerExceeded(tokenId, destination, amount, room);
        // forge-lint: disable-next-line(unsafe-typecast)
        route.ledger = int120(net + int256(amount)); // amount <= room < 2^120: within the range
        // Never the destination bridge itself: tokens paid to it would be stranded there.
        if (!_payable(_remotes[destination].kind, beneficiary) || beneficiary == remoteBridge) {
            revert InvalidBeneficiary(beneficiary);
        }
    }

    /// @dev Takes `amount` from the caller: ether from `msg.value`, a home ERC-20 into the
    /// lock (refusing fee-on-transfer tokens), or a bridged token burned. Returns what
    /// `msg.value` holds beyond the ether sent: the delivery's payment.
    function _lock(Token memory t, uint256 amount) private returns (uint256 paid) {
        if (t.local == NATIVE) {
            if (msg.value < amount) revert InvalidAmount(msg.value);
            return msg.value - amount;
        }
        paid = msg.value;
        if (t.home) {
            uint256 before = IERC20(t.local).balanceOf(address(this));
            if (!_tryCall(t.local, abi.encodeCall(IERC20.transferFrom, (msg.sender, address(this), amount)), gasleft()))
            {
                revert TransferFailed();
            }
            // A fee-on-transfer token would lock less than the message says. (A token that
            // rebases later is not detected: see the README's known limits.)
            if (IERC20(t.local).balanceOf(address(this)) - before != amount) revert InvalidAmount(amount);
        } else {
            IBridgedToken(t.local).burn(msg.sender, amount);
        }
    }

    // ================================================================== deliver
    /// @notice Verifies `message` and its validator `signatures` and executes it (token
    /// transfer: release/mint, or queue: with the token's delay when at or above its timelock
    /// threshold or above the route's inbound capacity, without delay when over what the
    /// inbound bucket holds now; message: call the recipient with its gas limit, recording a
    /// failure for retry). A delivery that would write a record over another message's (an
    /// identical message from a redeployed origin bridge) reverts `AlreadyDelivered`.
    function deliver(bytes calldata message, bytes calldata signatures) external {
        _deliver(message, signatures);
    }

    /// @notice `deliver` for several messages; an item that fails is reported with
    /// `BatchItemFailed` and does not stop the others. Returns which items were delivered.
    function deliverBatch(bytes[] calldata messages, bytes[] calldata signatures) external returns (bool[] memory ok) {
        if (messages.length != signatures.length) revert LengthMismatch();
        ok = new bool[](messages.length);
        for (uint256 i; i < messages.length; ++i) {
            try this.deliver(messages[i], signatures[i]) {
                ok[i] = true;
            } catch (bytes memory reason) {
                emit BatchItemFailed(i, reason);
            }
        }
    }

    function _deliver(bytes calldata message, bytes calldata signatures) private whenNotPaused nonReentrant {
        (P.Header memory h, bytes calldata body) = P.decode(message);
        if (h.destination != _localDomain) revert WrongDestination(h.destination);
        bytes32 id = keccak256(message);
        bytes32 originBridge = _verifyAndMark(h, id, signatures);
        if (uint8(body[0]) == P.KIND_MESSAGE) {
            if (_callRecipient(h, body)) {
                emit MessageDelivered(id, h.origin, h.nonce, Status.Executed);
            } else {
                Record storage rec = _records[id];
                // Never over the record of an identical message from an earlier origin bridge.
                if (rec.status != Status.None) revert AlreadyDelivered(id);
                rec.status = Status.Failed;
                emit MessageDelivered(id, h.origin, h.nonce, Status.Failed);
            }
        } else {
            _deliverTransfer(id, h, body, originBridge);
        }
    }

    /// @dev Refuses an unknown origin or a delivered `(origin, origin bridge, nonce)`, verifies
    /// the signature set over the digest for the origin's current set (naming this bridge's
    /// domain and address), and marks the nonce delivered (before any call out, so a reentrant
    /// delivery of it is a replay). Returns the origin bridge.
    function _verifyAndMark(P.Header memory h, bytes32 id, bytes calldata signatures)
        private
        returns (bytes32 originBridge)
    {
        Remote memory r = _remotes[h.origin];
        if (r.validators == address(0)) {
            if (_remoteBridge[h.origin] == bytes32(0)) revert UnknownRemote(h.origin);
            revert NoValidatorSet(h.origin);
        }
        bytes memory validators;
        (originBridge, validators) = _loadSet(r);
        mapping(uint256 => uint256) storage bits = _delivered[_originKey(h.origin, originBridge)];
        uint256 word = bits[h.nonce >> 8];
        // forge-lint: disable-next-line(incorrect-shift)
        uint256 bit = 1 << (h.nonce & 0xff); // bit (nonce mod 256) of word (nonce / 256)
        if (word & bit != 0) revert AlreadyDelivered(id);
        P.verify(
            P.digest(h.origin, originBridge, h.destination, bytes32(uint256(uint160(address(this)))), r.epoch, id),
            signatures,
            validators,
            r.threshold
        );
        bits[h.nonce >> 8] = word | bit;
    }

    /// @dev Checks a token transfer in the order of the spec (recipient, token, route, amount,
    /// beneficiary, ledger), takes it from the route's ledger, then executes it or queues it.
    /// Timelocked (the token's delay): at or above the token's threshold, or above the route's
    /// inbound capacity (no bucket can ever hold it, so `executeQueued` would let it through on
    /// a full bucket at once: it gets the guardian the delay instead).
    function _deliverTransfer(bytes32 id, P.Header memory h, bytes calldata body, bytes32 originBridge) private {
        if (h.recipient != bytes32(uint256(uint160(address(this))))) revert WrongRecipient(h.recipient);
        (bytes32 tokenId, uint256 amount, bytes32 beneficiary) = P.decodeTransfer(body);
        (Token memory t, Route storage route, uint256 local, uint256 capacity) =
            _takeInbound(tokenId, h.origin, amount, beneficiary);
        bool timelocked = local >= t.timelockThreshold;
        // (A transfer over the capacity never passes `_consume`: it is told from a rate-limited
        // one on the queue path only.)
        if (!timelocked && _consume(route.inbound, capacity, local, false)) {
            emit MessageDelivered(id, h.origin, h.nonce, Status.Executed);
            _release(id, t, address(uint160(uint256(beneficiary))), local);
        } else {
            _queue(id, h, tokenId, local, timelocked || local > capacity ? t.delay : 0, originBridge);
        }
    }

    /// @dev Records transfer `id` as queued until `delay` from now (0: rate-limited only;
    /// timelocked otherwise: a token's delay is never 0), never over the record of an identical
    /// message from an earlier origin bridge (its queued or cancelled entry would be lost).
    function _queue(bytes32 id, P.Header memory h, bytes32 tokenId, uint256 local, uint64 delay, bytes32 originBridge)
        private
    {
        if (_records[id].status != Status.None) revert AlreadyDelivered(id);
        uint64 readyAt = uint64(block.timestamp) + delay;
        // forge-lint: disable-next-line(unsafe-typecast)
        _records[id] = Record(Status.Queued, readyAt, h.origin, uint128(local), tokenId, originBridge); // local <= uint128 max
        emit MessageDelivered(id, h.origin, h.nonce, Status.Queued);
        emit TransferQueued(id, readyAt, delay != 0);
    }

    /// @dev The inbound checks after the recipient, and the ledger: returns the token, the
    /// route `(tokenId, origin)`, the amount in local units (at most `uint128` max) and the
    /// route's inbound capacity.
    /// Ledger: at most `ledger` (what was sent to the origin in net), except on the route from
    /// the home domain of a token bridged here, which only the ledger's range bounds
    /// (`available` is then what the range still holds); subtracted either way.
    /// The route's second slot (capacity, ledger, open) is read and written whole: one `SLOAD`
    /// and one `SSTORE` on the hot path (field by field, the compiler reads it four times).
    function _takeInbound(bytes32 tokenId, uint32 origin, uint256 amount, bytes32 beneficiary)
        private
        returns (Token memory t, Route storage route, uint256 local, uint256 capacity)
    {
        t = _tokens[tokenId];
        if (t.local == address(0)) revert UnknownToken(tokenId);
        route = _routes[tokenId][origin];
        uint256 word = _loadInboundWord(route);
        capacity = uint128(word);
        if (capacity == 0 || word >> OPEN_SHIFT == 0) revert RouteDisabled(tokenId, origin);
        uint256 scale = 10 ** t.localExp;
        if (amount == 0 || amount % scale != 0) revert InvalidAmount(amount);
        local = amount / scale;
        if (local > type(uint128).max) revert InvalidAmount(amount);
        // Never this bridge: a payout to itself would leave the tokens here while the ledger
        // counts them released.
        if (!_payable(KIND_EVM, beneficiary) || beneficiary == bytes32(uint256(uint160(address(this))))) {
            revert InvalidBeneficiary(beneficiary);
        }
        int256 net = _ledgerOf(word);
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 room = _inboundChecked(t, origin) ? (net > 0 ? uint256(net) : 0) : uint256(net - LEDGER_MIN);
        if (local > room) revert LedgerExceeded(tokenId, origin, local, room);
        _storeInboundWord(route, _withLedger(word, net - int256(local))); // local <= room: in range
    }

    /// @notice Whether `(origin, originBridge, nonce)` was delivered (executed, queued or failed).
    function delivered(uint32 origin, bytes32 originBridge, uint64 nonce) public view returns (bool) {
        // forge-lint: disable-next-line(incorrect-shift)
        return _delivered[_originKey(origin, originBridge)][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @notice What happened to `message` here: its record if it has one, else `Executed` if
    /// its nonce was delivered from the origin's current bridge, else `None`.
    function statusOf(bytes calldata message) external view returns (Status) {
        Status st = _records[keccak256(message)].status;
        if (st != Status.None) return st;
        (P.Header memory h,) = P.decode(message);
        return delivered(h.origin, _remoteBridge[h.origin], h.nonce) ? Status.Executed : Status.None;
    }

    // ================================================================== queue and retries
    /// @notice Executes a queued transfer once its delay has passed and the route's inbound
    /// bucket lets it through (`_consumeQueued`): timelocked and rate-limited transfers alike.
    /// Anyone may call it; it refuses while paused and while the route is disabled.
    function executeQueued(bytes calldata message) external whenNotPaused nonReentrant {
        bytes32 id = keccak256(message);
        Record storage rec = _records[id];
        if (rec.status != Status.Queued) revert NotQueued(id);
        uint256 readyAt = rec.readyAt;
        if (block.timestamp < readyAt) revert TimelockPending(block.timestamp, readyAt);
        bytes32 tokenId = rec.tokenId;
        uint32 origin = rec.origin;
        uint256 amount = rec.amount;
        Route storage route = _routes[tokenId][origin];
        uint256 capacity = route.inCapacity;
        if (capacity == 0 || !route.open) revert RouteDisabled(tokenId, origin);
        _consumeQueued(route.inbound, capacity, amount);
        rec.status = Status.Executed;
        emit MessageExecuted(id);
        (, bytes calldata body) = P.decode(message);
        (,, bytes32 beneficiary) = P.decodeTransfer(body);
        _release(id, _tokens[tokenId], address(uint160(uint256(beneficiary))), amount);
    }

    /// @notice Calls the recipient of a message whose call failed, again, under the same gas
    /// rule. Anyone may call it; the message stays retryable if the call fails again.
    function retryMessage(bytes calldata message) external whenNotPaused nonReentrant {
        bytes32 id = keccak256(message);
        if (_records[id].status != Status.Failed) revert NotFailed(id);
        (P.Header memory h, bytes calldata body) = P.decode(message);
        _records[id].status = Status.Executed; // before the call: a reentrant retry finds no failure
        if (!_callRecipient(h, body)) revert RetryFailed(id);
        emit MessageExecuted(id);
    }

    /// @dev Calls `handle(origin, sender, payload)` with exactly the message's gas limit, after
    /// making sure that much is there to give (`InsufficientGas` otherwise, so that no relayer
    /// turns a delivery into a recipient failure by its choice of transaction gas). False for a
    /// recipient that is not an EVM address, has no code or is this bridge, and for a call that
    /// reverts or runs out of its gas limit.
    function _callRecipient(P.Header memory h, bytes calldata body) private returns (bool ok) {
        (uint64 gasLimit, bytes calldata payload) = P.decodeMessage(body);
        if (uint256(h.recipient) >> 160 != 0) return false;
        address to = address(uint160(uint256(h.recipient)));
        if (to == address(this) || to.code.length == 0) return false;
        bytes memory data = abi.encodeCall(IMessageRecipient.handle, (h.origin, h.sender, payload));
        uint256 needed = uint256(gasLimit) + gasLimit / 63 + RECIPIENT_GAS_RESERVE;
        if (gasleft() < needed) revert InsufficientGas(gasleft(), needed);
        assembly ("memory-safe") {
            // Exactly gasLimit; no return data is copied (a recipient cannot make the bridge
            // pay for it).
            ok := call(gasLimit, to, 0, add(data, 32), mload(data), 0, 0)
        }
    }

    // ================================================================== payouts
    /// @dev Mints a bridged token, or pays a home token out of the lock. A native payout the
    /// beneficiary refuses (or that needs more than `PAYOUT_GAS`) and an ERC-20 transfer that
    /// reverts, returns false or needs more than `PAYOUT_GAS` are owed to the beneficiary
    /// instead: the message stays executed (once) and later messages are not held up.
    function _release(bytes32 id, Token memory t, address to, uint256 amount) private {
        if (!t.home) {
            IBridgedToken(t.local).mint(to, amount);
            return;
        }
        // The callee must get all of PAYOUT_GAS (EIP-150 keeps 1/64 back): its failure is then
        // its own, never the transaction's gas limit.
        uint256 needed = PAYOUT_GAS + PAYOUT_GAS / 63 + CALL_RESERVE;
        if (gasleft() < needed) revert InsufficientGas(gasleft(), needed);
        bool ok;
        if (t.local == NATIVE) {
            assembly ("memory-safe") {
                // No return data is copied (a beneficiary cannot make the bridge pay for it).
                ok := call(PAYOUT_GAS, to, amount, 0, 0, 0, 0)
            }
        } else {
            ok = _tryCall(t.local, abi.encodeCall(IERC20.transfer, (to, amount)), PAYOUT_GAS);
        }
        if (!ok) {
            _owed[t.local][to] += amount;
            emit PayoutOwed(id, to, t.local, amount);
        }
    }

    /// @notice Pays what is owed to the caller in `token` (`NATIVE` for ether) to `to`: the
    /// payouts that failed at delivery, e.g. to a contract that refuses ether or an address
    /// the token blocks. Reverts (and keeps the balance) if this payment fails too.
    function withdraw(address token, address to) external whenNotPaused nonReentrant {
        _payOwed(token, msg.sender, to);
    }

    /// @notice Pays what is owed to `account` in `token` to `account` itself: a retry of its
    /// failed payouts that anyone may run (e.g. once a paused token resumes).
    function claim(address token, address account) external whenNotPaused nonReentrant {
        _payOwed(token, account, account);
    }

    function _payOwed(address token, address account, address to) private {
        if (to == address(0)) revert ZeroValue();
        uint256 amount = _owed[token][account];
        if (amount == 0) revert NothingOwed(token, account);
        _owed[token][account] = 0;
        bool ok;
        if (token == NATIVE) {
            assembly ("memory-safe") {
                ok := call(gas(), to, amount, 0, 0, 0, 0)
            }
        } else {
            ok = _tryCall(token, abi.encodeCall(IERC20.transfer, (to, amount)), gasleft());
        }
        if (!ok) revert TransferFailed();
        emit Withdrawn(account, token, to, amount);
    }

    /// @dev Calls an ERC-20 with `gasLimit`; true iff it has code, did not revert, and returned
    /// nothing or exactly `true` (tokens that return nothing are accepted). Copies at most 32
    /// bytes back.
    function _tryCall(address token, bytes memory data, uint256 gasLimit) private returns (bool ok) {
        if (token.code.length == 0) return false;
        uint256 size;
        uint256 word;
        assembly ("memory-safe") {
            ok := call(gasLimit, token, 0, add(data, 32), mload(data), 0, 32)
            size := returndatasize()
            word := mload(0)
        }
        return ok && (size == 0 || (size >= 32 && word == 1));
    }
}
