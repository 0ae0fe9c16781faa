// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TrestleProtocol as P} from "./TrestleProtocol.sol";
import {IERC20} from "./IERC20.sol";
import {IMessageRecipient} from "./IMessageRecipient.sol";
import {BridgeConfig} from "./BridgeConfig.sol";

/// @notice Mint/burn interface of a `BridgedToken`.
interface IBridgedToken {
    function mint(address to, uint256 value) external;
    function burn(address from, uint256 value) external;
}

/// @title Trestle bridge (EVM side of protocol v1, docs/protocol.md).
/// @notice Sends messages and token transfers to remote domains, and delivers messages from
/// them once M of N validators of the origin's current set have signed the attestation digest.
/// Large and over-limit inbound transfers wait in a queue; the guardian pauses at once and
/// cancels queued transfers during their delay; every admin change is timelocked
/// (`propose` -> delay -> `execute`; see `BridgeConfig`). A payout the beneficiary (or its
/// token) refuses is owed to it and withdrawn later (`withdraw`, `claim`): it never blocks a
/// delivery.
contract Bridge is BridgeConfig {
    // ------------------------------------------------------------------ errors
    error Reentrancy();
    error WrongDestination(uint32 destination);
    error NoValidatorSet(uint32 origin);
    error AlreadyDelivered(bytes32 id);
    error WrongRecipient(bytes32 recipient);
    error InvalidBeneficiary(bytes32 beneficiary);
    error InvalidAmount(uint256 amount);
    error RouteDisabled(bytes32 tokenId, uint32 destination);
    error NotQueued(bytes32 id);
    error TimelockElapsed(uint256 now_, uint256 readyAt);
    error NotFailed(bytes32 id);
    error RetryFailed(bytes32 id);
    error TransferFailed();
    error LengthMismatch();
    error NothingOwed(address token, address account);
    error NotCancelled(bytes32 id);
    error AlreadyRefunded(bytes32 id);
    error InsufficientGas(uint256 left, uint256 needed);

    // ------------------------------------------------------------------ events
    /// @notice A message left for `destination`; `message` is its full encoding.
    event MessageSent(bytes32 indexed id, uint32 indexed destination, uint64 indexed nonce, bytes message);
    /// @notice A message was accepted; `status` is what happened to it (see `Status`).
    event MessageDelivered(bytes32 indexed id, uint32 indexed origin, uint64 nonce, Status status);
    /// @notice A queued transfer waits until `readyAt` (and for the inbound bucket).
    event TransferQueued(bytes32 indexed id, uint64 readyAt, bool timelocked);
    /// @notice A queued transfer or a failed message was executed later.
    event MessageExecuted(bytes32 indexed id);
    /// @notice The guardian cancelled a queued transfer.
    event TransferCancelled(bytes32 indexed id);
    /// @notice One item of `deliverBatch` failed; the others went on.
    event BatchItemFailed(uint256 index, bytes reason);
    /// @notice The payout of transfer `id` failed (the beneficiary refused ether, or the token
    /// refused the transfer): `amount` of `token` (local units; `NATIVE` for ether) is owed to
    /// `beneficiary`, who withdraws it with `withdraw` (or anyone retries with `claim`).
    event PayoutOwed(bytes32 indexed id, address indexed beneficiary, address token, uint256 amount);
    /// @notice `amount` of `token` owed to `account` was paid to `to`.
    event Withdrawn(address indexed account, address token, address to, uint256 amount);
    /// @notice Cancelled transfer `id` was sent back to its origin as transfer `refundId`.
    event TransferRefunded(bytes32 indexed id, bytes32 indexed refundId);

    // ------------------------------------------------------------------ types
    /// @notice What happened to a message id on this bridge.
    enum Status {
        None,
        Executed,
        Queued,
        Failed,
        Cancelled
    }

    struct Record {
        Status status;
        uint64 readyAt;
    }

    /// @notice Gas given to a payout call (ether to the beneficiary's code, or the token's
    /// `transfer`): enough for any wallet's `receive` and any ordinary ERC-20, and a bound on
    /// what a beneficiary that burns gas costs the relayer. A payout that fails with it is
    /// owed (`withdraw`). A payout never starts with less (`InsufficientGas`), so a low gas
    /// limit (e.g. from `eth_estimateGas`) reverts instead of turning a payout into a debt.
    uint256 public constant PAYOUT_GAS = 100_000;
    /// @dev What the payout call itself may cost the caller before the callee runs (cold
    /// account, value transfer, new account, memory): at most ~37k.
    uint256 private constant CALL_RESERVE = 40_000;

    // ------------------------------------------------------------------ state
    /// @dev Delivered nonces, per origin, 256 to a word: `(origin, nonce)` is unique per origin
    /// bridge, so after the first of each 256 a delivery pays 5k, not 22k, for replay protection.
    mapping(uint32 => mapping(uint256 => uint256)) private _delivered;
    /// @notice Messages that did not execute at delivery: queued, failed, cancelled, and
    /// those executed later. A message executed at delivery only sets its delivered bit.
    mapping(bytes32 => Record) public records;
    /// @notice Payouts that failed: local token (`NATIVE` for ether) => beneficiary => amount.
    mapping(address => mapping(address => uint256)) public owed;
    /// @notice Cancelled transfer id => the id of the message that returned it to its origin.
    mapping(bytes32 => bytes32) public refunds;

    bool private transient _locked;

    constructor(uint32 localDomain_, address admin_, address guardian_, uint64 adminDelay_)
        BridgeConfig(localDomain_, admin_, guardian_, adminDelay_)
    {}

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    // ================================================================== send
    /// @notice Sends `payload` to `recipient` on `destination`; it will be called with
    /// `handle(localDomain, msg.sender, payload)`. Returns the message id. Refuses a body
    /// (`0x00 || payload`) over `maxBody[destination]` (default: the protocol's 16 KiB).
    function sendMessage(uint32 destination, bytes32 recipient, bytes calldata payload)
        external
        whenNotPaused
        returns (bytes32)
    {
        if (recipient == bytes32(0)) revert ZeroValue();
        uint256 cap = maxBody[destination];
        if (payload.length + 1 > (cap == 0 ? P.MAX_BODY_LEN : cap)) revert P.BodyTooLarge(payload.length + 1);
        return _send(destination, recipient, abi.encodePacked(P.KIND_MESSAGE, payload));
    }

    /// @notice Sends `amount` (local base units) of token `tokenId` to `beneficiary` on
    /// `destination`: locks it here if this is its home chain (native ether: exactly
    /// `msg.value`), else burns the caller's bridged tokens. Refuses amounts the destination
    /// cannot represent exactly and amounts over the outbound bucket. Returns the message id.
    function sendToken(uint32 destination, bytes32 tokenId, uint256 amount, bytes32 beneficiary)
        external
        payable
        whenNotPaused
        nonReentrant
        returns (bytes32)
    {
        if (amount == 0 || beneficiary == bytes32(0)) revert ZeroValue();
        Token memory t = tokens[tokenId];
        if (t.local == address(0)) revert UnknownToken(tokenId);
        Route memory route = routes[tokenId][destination];
        if (route.remoteMax == 0) revert RouteDisabled(tokenId, destination);
        uint256 home = amount * 10 ** t.localExp;
        uint256 scale = 10 ** route.remoteExp;
        if (home % scale != 0 || home / scale > route.remoteMax) revert InvalidAmount(amount);
        _consume(outboundBuckets[tokenId], amount, true);
        if (t.local == NATIVE) {
            if (msg.value != amount) revert InvalidAmount(msg.value);
        } else {
            if (msg.value != 0) revert InvalidAmount(msg.value);
            if (t.home) {
                uint256 before = IERC20(t.local).balanceOf(address(this));
                if (!_tryCall(
                        t.local, abi.encodeCall(IERC20.transferFrom, (msg.sender, address(this), amount)), gasleft()
                    )) {
                    revert TransferFailed();
                }
                // Fee-on-transfer and rebasing tokens would lock less than the message says.
                if (IERC20(t.local).balanceOf(address(this)) - before != amount) revert InvalidAmount(amount);
            } else {
                IBridgedToken(t.local).burn(msg.sender, amount);
            }
        }
        return _send(destination, remoteBridge[destination], P.encodeTransfer(tokenId, home, beneficiary));
    }

    function _send(uint32 destination, bytes32 recipient, bytes memory body) private returns (bytes32 id) {
        if (remoteBridge[destination] == bytes32(0)) revert UnknownRemote(destination);
        uint64 nonce = outboundNonce++;
        bytes memory message = P.encode(
            P.Header({
                nonce: nonce,
                origin: localDomain,
                sender: bytes32(uint256(uint160(msg.sender))),
                destination: destination,
                recipient: recipient
            }),
            body
        );
        id = keccak256(message);
        emit MessageSent(id, destination, nonce, message);
    }

    // ================================================================== deliver
    /// @notice Verifies `message` and its validator `signatures` and executes it (token
    /// transfer: release/mint, or queue when timelocked or over the inbound bucket; message:
    /// call the recipient, recording a failure for retry).
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
        if (h.destination != localDomain) revert WrongDestination(h.destination);
        bytes32 id = keccak256(message);
        _verifyAndMark(h, id, signatures);
        if (uint8(body[0]) == P.KIND_MESSAGE) {
            if (_callRecipient(h, body[1:])) {
                emit MessageDelivered(id, h.origin, h.nonce, Status.Executed);
            } else {
                records[id].status = Status.Failed;
                emit MessageDelivered(id, h.origin, h.nonce, Status.Failed);
            }
        } else {
            _deliverTransfer(id, h, body);
        }
    }

    /// @dev Refuses an unknown origin or a delivered nonce, verifies the signature set over
    /// the digest for the origin's current set, and marks the nonce delivered (before any call
    /// out, so a reentrant delivery of it is a replay).
    function _verifyAndMark(P.Header memory h, bytes32 id, bytes calldata signatures) private {
        Remote memory r = _remotes[h.origin];
        if (r.validators == address(0)) {
            if (remoteBridge[h.origin] == bytes32(0)) revert UnknownRemote(h.origin);
            revert NoValidatorSet(h.origin);
        }
        uint256 word = _delivered[h.origin][h.nonce >> 8];
        // forge-lint: disable-next-line(incorrect-shift)
        uint256 bit = 1 << (h.nonce & 0xff); // bit (nonce mod 256) of word (nonce / 256)
        if (word & bit != 0) revert AlreadyDelivered(id);
        (bytes32 originBridge, bytes memory validators) = _loadSet(r);
        P.verify(P.digest(h.origin, originBridge, r.epoch, id), signatures, validators, r.threshold);
        _delivered[h.origin][h.nonce >> 8] = word | bit;
    }

    function _deliverTransfer(bytes32 id, P.Header memory h, bytes calldata body) private {
        if (h.recipient != bytes32(uint256(uint160(address(this))))) revert WrongRecipient(h.recipient);
        (bytes32 tokenId, uint256 amount, bytes32 beneficiary) = P.decodeTransfer(body);
        (Token memory t, address to, uint256 local) = _checkTransfer(tokenId, amount, beneficiary);
        Bucket storage b = inboundBuckets[tokenId];
        bool timelocked = local >= b.timelockThreshold;
        if (!timelocked && _consume(b, local, false)) {
            emit MessageDelivered(id, h.origin, h.nonce, Status.Executed);
            _release(id, t, to, local);
        } else {
            uint64 readyAt = uint64(block.timestamp) + (timelocked ? t.delay : 0);
            records[id] = Record(Status.Queued, readyAt);
            emit MessageDelivered(id, h.origin, h.nonce, Status.Queued);
            emit TransferQueued(id, readyAt, timelocked);
        }
    }

    /// @notice Whether `(origin, nonce)` was delivered (executed, queued or failed).
    function delivered(uint32 origin, uint64 nonce) public view returns (bool) {
        // forge-lint: disable-next-line(incorrect-shift)
        return _delivered[origin][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @notice What happened to `message` here: `None` if never delivered, else its record,
    /// or `Executed` for a message executed at delivery.
    function statusOf(bytes calldata message) external view returns (Status) {
        Status st = records[keccak256(message)].status;
        if (st != Status.None) return st;
        (P.Header memory h,) = P.decode(message);
        return delivered(h.origin, h.nonce) ? Status.Executed : Status.None;
    }

    // ================================================================== queue and retries
    /// @notice Executes a queued transfer once its delay has passed and the inbound bucket
    /// holds the amount. Anyone may call it.
    function executeQueued(bytes calldata message) external whenNotPaused nonReentrant {
        bytes32 id = keccak256(message);
        Record memory rec = records[id];
        if (rec.status != Status.Queued) revert NotQueued(id);
        if (block.timestamp < rec.readyAt) revert TimelockPending(block.timestamp, rec.readyAt);
        (, bytes calldata body) = P.decode(message);
        (bytes32 tokenId, uint256 amount, bytes32 beneficiary) = P.decodeTransfer(body);
        (Token memory t, address to, uint256 local) = _checkTransfer(tokenId, amount, beneficiary);
        _consume(inboundBuckets[tokenId], local, true);
        records[id].status = Status.Executed;
        emit MessageExecuted(id);
        _release(id, t, to, local);
    }

    /// @notice Guardian: cancels a queued transfer before its delay ends. The tokens stay
    /// locked (or burned) on the origin until governance returns them with `refundCancelled`.
    function cancelQueued(bytes32 id) external onlyGuardian {
        Record memory rec = records[id];
        if (rec.status != Status.Queued) revert NotQueued(id);
        if (block.timestamp >= rec.readyAt) revert TimelockElapsed(block.timestamp, rec.readyAt);
        records[id].status = Status.Cancelled;
        emit TransferCancelled(id);
    }

    /// @notice Admin, through the timelock (guardian veto): sends cancelled transfer `message`
    /// back to its origin as a token transfer of the same token and amount to its original
    /// sender, from this bridge; the origin releases (or mints) it like any delivery, under
    /// its own rate limits and timelock. Once per cancelled transfer. Governance must first
    /// check that the origin really emitted `message` (its `MessageSent`): a cancelled forgery
    /// must never be refunded. No outbound bucket applies (nothing leaves this chain).
    function refundCancelled(bytes calldata message) external override onlySelf {
        bytes32 id = keccak256(message);
        if (records[id].status != Status.Cancelled) revert NotCancelled(id);
        if (refunds[id] != bytes32(0)) revert AlreadyRefunded(id);
        (P.Header memory h, bytes calldata body) = P.decode(message);
        if (h.sender == bytes32(0)) revert ZeroValue();
        (bytes32 tokenId, uint256 amount,) = P.decodeTransfer(body);
        bytes32 refundId = _send(h.origin, remoteBridge[h.origin], P.encodeTransfer(tokenId, amount, h.sender));
        refunds[id] = refundId;
        emit TransferRefunded(id, refundId);
    }

    /// @notice Calls the recipient of a message whose call failed, again. Anyone may call it;
    /// the message stays retryable if the call fails again.
    function retryMessage(bytes calldata message) external whenNotPaused nonReentrant {
        bytes32 id = keccak256(message);
        if (records[id].status != Status.Failed) revert NotFailed(id);
        (P.Header memory h, bytes calldata body) = P.decode(message);
        records[id].status = Status.Executed; // before the call: a reentrant retry finds no failure
        if (!_callRecipient(h, body[1:])) revert RetryFailed(id);
        emit MessageExecuted(id);
    }

    function _checkTransfer(bytes32 tokenId, uint256 amount, bytes32 beneficiary)
        private
        view
        returns (Token memory t, address to, uint256 local)
    {
        t = tokens[tokenId];
        if (t.local == address(0)) revert UnknownToken(tokenId);
        if (beneficiary == bytes32(0) || uint256(beneficiary) >> 160 != 0) revert InvalidBeneficiary(beneficiary);
        to = address(uint160(uint256(beneficiary)));
        uint256 scale = 10 ** t.localExp;
        if (amount == 0 || amount % scale != 0) revert InvalidAmount(amount);
        local = amount / scale;
    }

    function _callRecipient(P.Header memory h, bytes calldata payload) private returns (bool ok) {
        if (uint256(h.recipient) >> 160 != 0) return false;
        address to = address(uint160(uint256(h.recipient)));
        if (to == address(this) || to.code.length == 0) return false;
        bytes memory data = abi.encodeCall(IMessageRecipient.handle, (h.origin, h.sender, payload));
        assembly ("memory-safe") {
            // No return data is copied: a recipient cannot make the bridge pay for it.
            ok := call(gas(), to, 0, add(data, 32), mload(data), 0, 0)
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
            owed[t.local][to] += amount;
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
        uint256 amount = owed[token][account];
        if (amount == 0) revert NothingOwed(token, account);
        owed[token][account] = 0;
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
