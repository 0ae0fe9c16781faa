// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TrestleProtocol as P} from "./TrestleProtocol.sol";

/// @title Configuration and governance of the Trestle bridge.
/// @notice What the bridge accepts and how that changes: remote bridges and their validator
/// sets, tokens, routes, rate-limit buckets and per-destination body caps; the roles (admin,
/// guardian), the guardian's immediate pause, and the admin timelock (`propose` -> delay ->
/// `execute`) that every setter goes through. `Bridge` adds sending and delivery on top.
abstract contract BridgeConfig {
    // ------------------------------------------------------------------ errors
    error Paused();
    error NotPaused();
    error OnlyAdmin();
    error OnlyGuardian();
    error OnlyGuardianOrAdmin();
    error OnlySelf();
    error ZeroValue();
    error InvalidConfig();
    error UnknownRemote(uint32 domain);
    error EpochNotIncreasing(uint64 current, uint64 proposed);
    error UnknownToken(bytes32 tokenId);
    error RateLimited(uint256 requested, uint256 available);
    error TimelockPending(uint256 now_, uint256 readyAt);
    error UnknownProposal(bytes32 id);
    error NotAnAdminCall(bytes4 selector);
    error ProposalExists(bytes32 id);

    // ------------------------------------------------------------------ events
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
    /// @notice `sendMessage` to `domain` now refuses bodies over `maxLen` bytes.
    event MaxBodySet(uint32 indexed domain, uint32 maxLen);

    // ------------------------------------------------------------------ types
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

    /// @notice The home-token sentinel for native ether.
    address public constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    // ------------------------------------------------------------------ state
    uint32 public immutable localDomain;
    address public admin;
    /// @dev Bridge state, declared here to share a slot with `admin`.
    uint64 public outboundNonce;
    address public guardian;
    bool public paused;
    uint64 public adminDelay;

    mapping(uint32 => Remote) internal _remotes;
    /// @notice The bridge (address or program id) of each remote domain.
    mapping(uint32 => bytes32) public remoteBridge;
    mapping(bytes32 => Token) public tokens;
    mapping(bytes32 => mapping(uint32 => Route)) public routes;
    mapping(bytes32 => Bucket) public inboundBuckets;
    mapping(bytes32 => Bucket) public outboundBuckets;
    /// @notice Admin proposals: id => executable at (0 = none).
    mapping(bytes32 => uint64) public proposals;
    /// @notice The largest body `sendMessage` accepts for a destination (0: the protocol's
    /// 16 KiB). A Solana destination takes less: a message must fit one transaction there.
    mapping(uint32 => uint32) public maxBody;

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

    modifier onlySelf() {
        if (msg.sender != address(this)) revert OnlySelf();
        _;
    }

    modifier onlyGuardian() {
        if (msg.sender != guardian) revert OnlyGuardian();
        _;
    }

    /// @notice Admin, through the timelock: returns a cancelled transfer to its origin
    /// (implemented by `Bridge`; named here so that proposals may call it).
    function refundCancelled(bytes calldata message) external virtual;

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

    /// @dev Proposals may only call the self-only functions: never `sendMessage`/`sendToken` (a
    /// message "from the bridge"), `deliver` or anything else with the bridge as caller.
    function _checkAdminCall(bytes calldata call) private pure {
        bytes4 sel = call.length >= 4 ? bytes4(call[:4]) : bytes4(0);
        if (
            sel != this.setRemote.selector && sel != this.setValidatorSet.selector && sel != this.setToken.selector
                && sel != this.setRoute.selector && sel != this.setLimits.selector && sel != this.setAdminDelay.selector
                && sel != this.setRoles.selector && sel != this.unpause.selector && sel != this.setMaxBody.selector
                && sel != this.refundCancelled.selector
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

    /// @notice Caps the body `sendMessage` accepts for `domain` (a configured remote) at
    /// `maxLen` bytes, from a token transfer's 97 up to the protocol's 16 KiB (which lifts the
    /// cap). Token transfers (97 bytes) are never affected.
    function setMaxBody(uint32 domain, uint32 maxLen) external onlySelf {
        if (remoteBridge[domain] == bytes32(0)) revert UnknownRemote(domain);
        if (maxLen < P.TOKEN_TRANSFER_LEN || maxLen > P.MAX_BODY_LEN) revert InvalidConfig();
        maxBody[domain] = maxLen;
        emit MaxBodySet(domain, maxLen);
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

    // ================================================================== rate limits
    /// @notice What the bucket allows now: `min(capacity, level + elapsed * refill)`.
    function _available(Bucket memory b) internal view returns (uint256) {
        uint256 level = uint256(b.level) + (block.timestamp - b.lastUpdate) * b.refill;
        return level < b.capacity ? level : b.capacity;
    }

    /// @notice What the inbound (`inbound`) or outbound bucket of `tokenId` allows now.
    function availableFor(bytes32 tokenId, bool inbound) external view returns (uint256) {
        return _available(inbound ? inboundBuckets[tokenId] : outboundBuckets[tokenId]);
    }

    /// @dev Takes `amount` from the bucket; if it lacks it, reverts (`strict`) or returns false.
    function _consume(Bucket storage b, uint256 amount, bool strict) internal returns (bool) {
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
    function _loadSet(Remote memory r) internal view returns (bytes32 originBridge, bytes memory packed) {
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
}
