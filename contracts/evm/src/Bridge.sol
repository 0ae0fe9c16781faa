// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TrestleProtocol as P} from "./TrestleProtocol.sol";
import {IERC20} from "./IERC20.sol";
import {IMessageRecipient} from "./IMessageRecipient.sol";

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
/// (`propose` -> delay -> `execute`).
contract Bridge {
    // ------------------------------------------------------------------ errors
    error Paused();
    error NotPaused();
    error OnlyAdmin();
    error OnlyGuardian();
    error OnlyGuardianOrAdmin();
    error OnlySelf();
    error Reentrancy();
    error ZeroValue();
    error InvalidConfig();
    error WrongDestination(uint32 destination);
    error UnknownRemote(uint32 domain);
    error NoValidatorSet(uint32 origin);
    error EpochNotIncreasing(uint64 current, uint64 proposed);
    error AlreadyDelivered(bytes32 id);
    error WrongRecipient(bytes32 recipient);
    error UnknownToken(bytes32 tokenId);
    error InvalidBeneficiary(bytes32 beneficiary);
    error InvalidAmount(uint256 amount);
    error RouteDisabled(bytes32 tokenId, uint32 destination);
    error RateLimited(uint256 requested, uint256 available);
    error NotQueued(bytes32 id);
    error TimelockPending(uint256 now_, uint256 readyAt);
    error TimelockElapsed(uint256 now_, uint256 readyAt);
    error NotFailed(bytes32 id);
    error RetryFailed(bytes32 id);
    error UnknownProposal(bytes32 id);
    error NotAnAdminCall(bytes4 selector);
    error ProposalExists(bytes32 id);
    error TransferFailed();
    error LengthMismatch();

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
    event PausedBy(address guardian);
    event Unpaused();
    event Proposed(bytes32 indexed id, bytes call, bytes32 salt, uint64 readyAt);
    event ProposalExecuted(bytes32 indexed id);
    event ProposalCancelled(bytes32 indexed id);
    event RemoteSet(uint32 indexed domain, bytes32 bridge);
    event ValidatorSetChanged(uint32 indexed origin, uint64 epoch, address[] validators, uint8 threshold);
    event TokenSet(
        bytes32 indexed tokenId, address local, bool home, uint8 localExp, uint128 timelockThreshold, uint64 delay
    );
    event RouteSet(bytes32 indexed tokenId, uint32 indexed remote, uint8 remoteExp, uint128 remoteMax);
    event LimitsSet(
        bytes32 indexed tokenId, uint128 inCapacity, uint128 inRefill, uint128 outCapacity, uint128 outRefill
    );
    event RolesSet(address admin, address guardian);
    event AdminDelaySet(uint64 delay);

    // ------------------------------------------------------------------ types
    /// @notice What happened to a message id on this bridge.
    enum Status {
        None,
        Executed,
        Queued,
        Failed,
        Cancelled
    }

    /// @notice The validator set this bridge accepts for an origin, in one storage slot. The
    /// origin bridge and the addresses live in the code of a data contract (written once per
    /// rotation): `0x00 || origin bridge (32) || validators (20 each, ascending)`.
    struct Remote {
        uint64 epoch;
        uint8 threshold;
        uint8 count;
        address validators;
    }

    /// @notice A token this bridge moves. `home`: locked/released here (native or ERC-20),
    /// else a `BridgedToken` minted/burned here. Message amounts are home units;
    /// `local = home / 10^localExp`.
    struct Token {
        address local;
        bool home;
        uint8 localExp;
        uint64 delay;
    }

    /// @notice Sending a token to a remote: the remote's amounts are `home / 10^remoteExp` and
    /// must not exceed `remoteMax` (e.g. `type(uint64).max` for SPL amounts).
    struct Route {
        uint8 remoteExp;
        uint128 remoteMax;
    }

    /// @notice A token bucket (`available = min(capacity, level + elapsed * refill)`), in
    /// local units; two slots: the state with the rate, then the capacity with the timelock
    /// threshold (inbound buckets only: transfers of at least it wait `Token.delay`).
    struct Bucket {
        uint128 level;
        uint40 lastUpdate;
        uint88 refill;
        uint128 capacity;
        uint128 timelockThreshold;
    }

    struct Record {
        Status status;
        uint64 readyAt;
    }

    /// @notice The home-token sentinel for native ether.
    address public constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    // ------------------------------------------------------------------ state
    uint32 public immutable localDomain;
    address public admin;
    uint64 public outboundNonce;
    address public guardian;
    bool public paused;
    uint64 public adminDelay;

    mapping(uint32 => Remote) internal _remotes;
    /// @notice The bridge (address or program id) of each remote domain.
    mapping(uint32 => bytes32) public remoteBridge;
    /// @dev Delivered nonces, per origin, 256 to a word: `(origin, nonce)` is unique per origin
    /// bridge, so after the first of each 256 a delivery pays 5k, not 22k, for replay protection.
    mapping(uint32 => mapping(uint256 => uint256)) private _delivered;
    mapping(bytes32 => Token) public tokens;
    mapping(bytes32 => mapping(uint32 => Route)) public routes;
    mapping(bytes32 => Bucket) public inboundBuckets;
    mapping(bytes32 => Bucket) public outboundBuckets;
    /// @notice Messages that did not execute at delivery: queued, failed, cancelled, and
    /// those executed later. A message executed at delivery only sets its delivered bit.
    mapping(bytes32 => Record) public records;
    /// @notice Admin proposals: id => executable at (0 = none).
    mapping(bytes32 => uint64) public proposals;

    bool private transient _locked;

    constructor(uint32 localDomain_, address admin_, address guardian_, uint64 adminDelay_) {
        if (localDomain_ == 0 || admin_ == address(0) || guardian_ == address(0) || adminDelay_ == 0) {
            revert ZeroValue();
        }
        if (admin_ == guardian_) revert InvalidConfig();
        localDomain = localDomain_;
        admin = admin_;
        guardian = guardian_;
        adminDelay = adminDelay_;
        emit RolesSet(admin_, guardian_);
        emit AdminDelaySet(adminDelay_);
    }

    // ------------------------------------------------------------------ modifiers
    modifier whenNotPaused() {
        if (paused) revert Paused();
        _;
    }

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    modifier onlySelf() {
        if (msg.sender != address(this)) revert OnlySelf();
        _;
    }

    modifier onlyGuardian() {
        if (msg.sender != guardian) revert OnlyGuardian();
        _;
    }

    // ================================================================== send
    /// @notice Sends `payload` to `recipient` on `destination`; it will be called with
    /// `handle(localDomain, msg.sender, payload)`. Returns the message id.
    function sendMessage(uint32 destination, bytes32 recipient, bytes calldata payload)
        external
        whenNotPaused
        returns (bytes32)
    {
        if (recipient == bytes32(0)) revert ZeroValue();
        if (payload.length > P.MAX_BODY_LEN - 1) revert P.BodyTooLarge(payload.length + 1);
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
                _call(t.local, abi.encodeCall(IERC20.transferFrom, (msg.sender, address(this), amount)));
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
            _release(t, to, local);
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
        _release(t, to, local);
    }

    /// @notice Guardian: cancels a queued transfer before its delay ends.
    function cancelQueued(bytes32 id) external onlyGuardian {
        Record memory rec = records[id];
        if (rec.status != Status.Queued) revert NotQueued(id);
        if (block.timestamp >= rec.readyAt) revert TimelockElapsed(block.timestamp, rec.readyAt);
        records[id].status = Status.Cancelled;
        emit TransferCancelled(id);
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

    function _release(Token memory t, address to, uint256 amount) private {
        if (!t.home) {
            IBridgedToken(t.local).mint(to, amount);
        } else if (t.local == NATIVE) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert TransferFailed();
        } else {
            _call(t.local, abi.encodeCall(IERC20.transfer, (to, amount)));
        }
    }

    /// @dev Calls an ERC-20 and accepts no return data or `true` (tokens that return nothing).
    function _call(address token, bytes memory data) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok || (ret.length != 0 && !abi.decode(ret, (bool))) || token.code.length == 0) revert TransferFailed();
    }

    // ================================================================== rate limits
    /// @notice What the bucket allows now: `min(capacity, level + elapsed * refill)`.
    function _available(Bucket memory b) private view returns (uint256) {
        uint256 level = uint256(b.level) + (block.timestamp - b.lastUpdate) * b.refill;
        return level < b.capacity ? level : b.capacity;
    }

    /// @notice What the inbound (`inbound`) or outbound bucket of `tokenId` allows now.
    function availableFor(bytes32 tokenId, bool inbound) external view returns (uint256) {
        return _available(inbound ? inboundBuckets[tokenId] : outboundBuckets[tokenId]);
    }

    /// @dev Takes `amount` from the bucket; if it lacks it, reverts (`strict`) or returns false.
    function _consume(Bucket storage b, uint256 amount, bool strict) private returns (bool) {
        uint256 avail = _available(b);
        if (amount > avail) {
            if (strict) revert RateLimited(amount, avail);
            return false;
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        b.level = uint128(avail - amount); // avail <= capacity, a uint128
        b.lastUpdate = uint40(block.timestamp);
        return true;
    }

    // ================================================================== validator sets
    /// @dev The origin bridge and the packed validators from the set's data contract.
    function _loadSet(Remote memory r) private view returns (bytes32 originBridge, bytes memory packed) {
        uint256 len = uint256(r.count) * 20;
        packed = new bytes(len);
        address data = r.validators;
        assembly ("memory-safe") {
            extcodecopy(data, 0, 1, 32)
            originBridge := mload(0)
            extcodecopy(data, add(packed, 32), 33, len)
        }
    }

    /// @dev Deploys `0x00 || origin bridge || packed` as code: 12 bytes of init code copy it
    /// and return it. The leading STOP byte makes the data contract inert if called.
    function _storeSet(bytes32 originBridge, bytes memory packed) private returns (address data) {
        bytes memory init = abi.encodePacked(
            hex"61", uint16(packed.length + 33), hex"80600c6000396000f3", hex"00", originBridge, packed
        );
        assembly ("memory-safe") {
            data := create(0, add(init, 32), mload(init))
        }
        if (data == address(0)) revert InvalidConfig();
    }

    /// @notice The remote bridge and validator set for `domain`.
    function remote(uint32 domain)
        external
        view
        returns (bytes32 bridge, uint64 epoch, uint8 threshold, address[] memory validators)
    {
        Remote memory r = _remotes[domain];
        validators = new address[](r.count);
        if (r.validators != address(0)) {
            (, bytes memory packed) = _loadSet(r);
            for (uint256 i; i < r.count; ++i) {
                address v;
                assembly ("memory-safe") {
                    v := shr(96, mload(add(add(packed, 32), mul(i, 20))))
                }
                validators[i] = v;
            }
        }
        return (remoteBridge[domain], r.epoch, r.threshold, validators);
    }

    // ================================================================== guardian
    /// @notice Guardian: pauses sending, delivery and execution at once.
    function pause() external onlyGuardian {
        paused = true;
        emit PausedBy(msg.sender);
    }

    // ================================================================== admin timelock
    /// @notice Admin: proposes `call` (an ABI-encoded call of one of this contract's
    /// self-only setters), executable by anyone after `adminDelay`.
    function propose(bytes calldata call, bytes32 salt) external returns (bytes32 id) {
        if (msg.sender != admin) revert OnlyAdmin();
        _checkAdminCall(call);
        id = keccak256(abi.encode(call, salt));
        if (proposals[id] != 0) revert ProposalExists(id);
        uint64 readyAt = uint64(block.timestamp) + adminDelay;
        proposals[id] = readyAt;
        emit Proposed(id, call, salt, readyAt);
    }

    /// @notice Executes a proposal whose delay has passed. Anyone may call it.
    function execute(bytes calldata call, bytes32 salt) external {
        bytes32 id = keccak256(abi.encode(call, salt));
        uint64 readyAt = proposals[id];
        if (readyAt == 0) revert UnknownProposal(id);
        if (block.timestamp < readyAt) revert TimelockPending(block.timestamp, readyAt);
        delete proposals[id];
        (bool ok, bytes memory ret) = address(this).call(call);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        emit ProposalExecuted(id);
    }

    /// @dev Proposals may only call the self-only setters: never `sendMessage`/`sendToken` (a
    /// message "from the bridge"), `deliver` or anything else with the bridge as caller.
    function _checkAdminCall(bytes calldata call) private pure {
        bytes4 sel = call.length >= 4 ? bytes4(call[:4]) : bytes4(0);
        if (
            sel != this.setRemote.selector && sel != this.setValidatorSet.selector && sel != this.setToken.selector
                && sel != this.setRoute.selector && sel != this.setLimits.selector && sel != this.setAdminDelay.selector
                && sel != this.setRoles.selector && sel != this.unpause.selector
        ) revert NotAnAdminCall(sel);
    }

    /// @notice Admin or guardian: drops a pending proposal.
    function cancelProposal(bytes32 id) external {
        if (msg.sender != admin && msg.sender != guardian) revert OnlyGuardianOrAdmin();
        if (proposals[id] == 0) revert UnknownProposal(id);
        delete proposals[id];
        emit ProposalCancelled(id);
    }

    // ---- self-only setters (reachable only through propose/execute) ----

    /// @notice Sets the bridge of a remote domain (not this one, never zero).
    function setRemote(uint32 domain, bytes32 bridge) external onlySelf {
        if (domain == 0 || bridge == bytes32(0)) revert ZeroValue();
        if (domain == localDomain) revert InvalidConfig();
        remoteBridge[domain] = bridge;
        Remote memory r = _remotes[domain];
        if (r.validators != address(0)) {
            // Same set, new origin bridge: rewrite the data contract.
            (, bytes memory packed) = _loadSet(r);
            _remotes[domain].validators = _storeSet(bridge, packed);
        }
        emit RemoteSet(domain, bridge);
    }

    /// @notice Rotates the validator set accepted for `origin` to a strictly newer epoch.
    /// Refuses every set `TrestleProtocol.checkValidatorSet` refuses, threshold < ceil(2n/3)
    /// included.
    function setValidatorSet(uint32 origin, uint64 epoch, address[] calldata validators, uint8 threshold)
        external
        onlySelf
    {
        _setValidatorSet(origin, epoch, validators, threshold, true);
    }

    /// @dev `forConfiguration` is always true in this contract; test harnesses measure sets
    /// below two thirds (e.g. 3-of-5) by passing false.
    function _setValidatorSet(
        uint32 origin,
        uint64 epoch,
        address[] memory validators,
        uint8 threshold,
        bool forConfiguration
    ) internal {
        Remote storage r = _remotes[origin];
        bytes32 bridge = remoteBridge[origin];
        if (bridge == bytes32(0)) revert UnknownRemote(origin);
        if (epoch <= r.epoch) revert EpochNotIncreasing(r.epoch, epoch);
        bytes memory packed = P.checkValidatorSet(epoch, validators, threshold, forConfiguration);
        r.validators = _storeSet(bridge, packed);
        r.epoch = epoch;
        r.threshold = threshold;
        r.count = uint8(validators.length);
        emit ValidatorSetChanged(origin, epoch, validators, threshold);
    }

    /// @notice Registers or updates a token: its local contract (or `NATIVE`), whether this is
    /// its home chain, its decimal shift, and its timelock threshold (local units) and delay.
    function setToken(
        bytes32 tokenId,
        address local,
        bool home,
        uint8 localExp,
        uint128 timelockThreshold,
        uint64 delay
    ) external onlySelf {
        if (tokenId == bytes32(0) || local == address(0) || timelockThreshold == 0 || delay == 0) {
            revert ZeroValue();
        }
        if (localExp > 77 || (local == NATIVE && !home)) revert InvalidConfig();
        tokens[tokenId] = Token(local, home, localExp, delay);
        inboundBuckets[tokenId].timelockThreshold = timelockThreshold;
        emit TokenSet(tokenId, local, home, localExp, timelockThreshold, delay);
    }

    /// @notice Enables sending `tokenId` to `remote` (`remoteMax` 0 disables it).
    function setRoute(bytes32 tokenId, uint32 remote_, uint8 remoteExp, uint128 remoteMax) external onlySelf {
        if (tokens[tokenId].local == address(0)) revert UnknownToken(tokenId);
        if (remoteBridge[remote_] == bytes32(0)) revert UnknownRemote(remote_);
        if (remoteExp > 77) revert InvalidConfig();
        routes[tokenId][remote_] = Route(remoteExp, remoteMax);
        emit RouteSet(tokenId, remote_, remoteExp, remoteMax);
    }

    /// @notice Sets both buckets of a token (capacity never 0). A new bucket starts full; an
    /// existing one keeps its level, refilled to now and capped at the new capacity.
    function setLimits(bytes32 tokenId, uint128 inCapacity, uint128 inRefill, uint128 outCapacity, uint128 outRefill)
        external
        onlySelf
    {
        if (tokens[tokenId].local == address(0)) revert UnknownToken(tokenId);
        if (inCapacity == 0 || outCapacity == 0) revert ZeroValue();
        if (inRefill > type(uint88).max || outRefill > type(uint88).max) revert InvalidConfig();
        _reconfigure(inboundBuckets[tokenId], inCapacity, inRefill);
        _reconfigure(outboundBuckets[tokenId], outCapacity, outRefill);
        emit LimitsSet(tokenId, inCapacity, inRefill, outCapacity, outRefill);
    }

    function _reconfigure(Bucket storage b, uint128 capacity, uint128 refill) private {
        uint256 level = b.capacity == 0 ? capacity : _available(b);
        // forge-lint: disable-next-line(unsafe-typecast)
        b.level = uint128(level < capacity ? level : capacity); // at most capacity, a uint128
        b.capacity = capacity;
        // forge-lint: disable-next-line(unsafe-typecast)
        b.refill = uint88(refill); // setLimits refuses a refill above type(uint88).max
        b.lastUpdate = uint40(block.timestamp);
    }

    /// @notice Changes the admin delay (never 0).
    function setAdminDelay(uint64 delay) external onlySelf {
        if (delay == 0) revert ZeroValue();
        adminDelay = delay;
        emit AdminDelaySet(delay);
    }

    /// @notice Changes the roles (never zero, never the same key).
    function setRoles(address admin_, address guardian_) external onlySelf {
        if (admin_ == address(0) || guardian_ == address(0)) revert ZeroValue();
        if (admin_ == guardian_) revert InvalidConfig();
        admin = admin_;
        guardian = guardian_;
        emit RolesSet(admin_, guardian_);
    }

    /// @notice Unpauses (timelocked like every admin change).
    function unpause() external onlySelf {
        if (!paused) revert NotPaused();
        paused = false;
        emit Unpaused();
    }
}
