// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TrestleProtocol as P} from "./TrestleProtocol.sol";
import {BridgeBase} from "./BridgeBase.sol";

/// @notice The UUPS upgrade entry point of `Bridge` (named here so that proposals may call it).
interface IUpgradeable {
    function upgradeToAndCall(address newImplementation, bytes calldata data) external payable;
}

/// @title Configuration, governance and views of the Trestle bridge.
/// @notice Runs only by delegatecall from `Bridge` (its fallback), on the proxy's storage and
/// with the original sender: `onlySelf` therefore means "an executed proposal", as in a single
/// contract. What the bridge accepts and how that changes: remotes (bridge, kind) and their
/// validator sets, tokens, routes with their buckets and ledgers, body caps, delivery fees; the
/// roles, the guardian's pause, cancels, vetoes and removal of the fee oracle, and the admin
/// timelock (`propose` -> `adminDelay` -> `execute`, within `GRACE_PERIOD`) that every setter,
/// `voidQueued`, `refundCancelled` and `upgradeToAndCall` go through. Called directly (not
/// through a proxy) it only ever sees its own empty storage, where no role is set.
contract BridgeAdmin is BridgeBase {
    // (Declared here, not in BridgeBase: public constants there would add selectors to
    // `Bridge`'s dispatcher, which every delivery walks.)
    /// @notice The largest timelock delay of a token (`setToken`).
    uint64 public constant MAX_DELAY = 30 days;
    /// @notice How long a proposal that replaces the guardian waits (or the admin delay if
    /// longer), unless the sitting guardian approves it (`approveProposal`).
    uint64 public constant GUARDIAN_CHANGE_DELAY = 30 days;
    /// @notice The largest body (gas limit included) `sendMessage` accepts for a Solana remote
    /// without a cap of its own (`trestle_bridge::message::SOLANA_MAX_BODY_LEN`: what fits a
    /// 1-of-1 inline delivery in one Solana transaction).
    uint32 public constant SOLANA_MAX_BODY_LEN = uint32(P.SOLANA_MAX_BODY_LEN);

    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up a new proxy (called once, by the proxy's constructor): its domain, the
    /// two roles (different, non-zero keys) and the admin delay (1 s .. 30 days).
    function initialize(uint32 localDomain_, address admin_, address guardian_, uint64 adminDelay_)
        external
        initializer
    {
        if (localDomain_ == 0 || admin_ == address(0) || guardian_ == address(0) || adminDelay_ == 0) {
            revert ZeroValue();
        }
        if (admin_ == guardian_ || adminDelay_ > MAX_ADMIN_DELAY) revert InvalidConfig();
        _localDomain = localDomain_;
        _admin = admin_;
        _guardian = guardian_;
        _adminDelay = adminDelay_;
        emit RolesSet(admin_, guardian_);
        emit AdminDelaySet(adminDelay_);
    }

    // ================================================================== guardian
    /// @notice Guardian: pauses sending (refunds of cancelled transfers included), delivery,
    /// execution and payouts at once, and counts the pause (`pauseCount`: only an unpause
    /// proposed during this pause can end it) and records when it began (`pausedAt`).
    function pause() external onlyGuardian {
        if (_paused) revert AlreadyPaused();
        _paused = true;
        _pausedAt = uint40(block.timestamp);
        ++_pauseCount;
        emit PausedBy(msg.sender);
    }

    /// @notice Guardian: cancels any queued transfer (timelocked or rate-limited) until it
    /// executes, also while paused and after its release time. Its amount goes back to the
    /// route's ledger; the tokens stay locked (or burned) on the origin until governance returns
    /// them with `refundCancelled`.
    function cancelQueued(bytes32 id) external onlyGuardian {
        _cancelQueued(id);
    }

    /// @notice Guardian: removes the fee oracle at once (a stolen oracle key could otherwise
    /// halve or double prices every `FEE_UPDATE_INTERVAL` until governance replaced it), also
    /// while paused; the beneficiary stays. Governance may name an oracle again
    /// (`setFeeRoles`). Emits `FeeRolesSet(address(0), beneficiary)`, also when none was set.
    function clearFeeOracle() external onlyGuardian {
        _feeOracle = address(0);
        emit FeeRolesSet(address(0), _feeBeneficiary);
    }

    /// @notice Guardian: consents to proposal `id` replacing it (a `setRoles` that changes the
    /// guardian), which then executes from the admin delay after it was proposed (or now, if
    /// that is past) instead of `GUARDIAN_CHANGE_DELAY` after. The guardian still cannot veto
    /// such a proposal; without its consent the proposal simply waits the longer delay.
    function approveProposal(bytes32 id) external onlyGuardian {
        Proposal storage p = _proposals[id];
        uint64 readyAt = p.readyAt;
        if (readyAt == 0) revert UnknownProposal(id);
        if (!p.guardianChange) revert NotAGuardianChange(id);
        uint256 expiresAt = uint256(readyAt) + GRACE_PERIOD;
        if (block.timestamp > expiresAt) revert ProposalExpired(block.timestamp, expiresAt);
        // Never later than it was, and never in a past that would expire it at once.
        uint64 approved = p.proposedAt + _adminDelay;
        if (approved < block.timestamp) approved = uint64(block.timestamp);
        if (approved < readyAt) {
            p.readyAt = approved;
            readyAt = approved;
        }
        emit ProposalApproved(id, readyAt);
    }

    // ================================================================== admin timelock
    /// @notice Admin: proposes `call` (an ABI-encoded call of a self-only function),
    /// executable by anyone from `adminDelay` later for `GRACE_PERIOD`. A `setRoles` that
    /// replaces the sitting guardian waits `GUARDIAN_CHANGE_DELAY` (or the admin delay if
    /// longer) unless the guardian approves it (`approveProposal`). An unpause may be proposed
    /// only while paused. An upgrade carries no call data (`UpgradeWithCall`).
    function propose(bytes calldata call, bytes32 salt) external returns (bytes32 id) {
        if (msg.sender != _admin) revert OnlyAdmin();
        bytes4 sel = _checkAdminCall(call);
        uint64 delay = _adminDelay;
        bool guardianChange;
        uint64 pausedIn;
        if (sel == this.unpause.selector) {
            if (!_paused) revert NotPaused();
            pausedIn = _pauseCount;
        } else if (sel == this.setRoles.selector) {
            if (_guardianOf(call) != _guardian) {
                guardianChange = true;
                if (delay < GUARDIAN_CHANGE_DELAY) delay = GUARDIAN_CHANGE_DELAY;
            }
        } else if (sel == IUpgradeable.upgradeToAndCall.selector) {
            // The data would run as the bridge (delegatecall, msg.sender the proxy): any
            // self-only call, or a call no proposal may make, past the allowlist and the
            // guardian's and the unpause rules.
            (, bytes memory data) = abi.decode(call[4:], (address, bytes));
            if (data.length != 0) revert UpgradeWithCall();
        }
        id = keccak256(abi.encode(call, salt));
        if (_proposals[id].readyAt != 0) revert ProposalExists(id);
        uint64 readyAt = uint64(block.timestamp) + delay;
        _proposals[id] = Proposal(readyAt, uint64(block.timestamp), sel, guardianChange, pausedIn);
        emit Proposed(id, call, salt, readyAt);
    }

    /// @notice Executes a proposal whose delay has passed and whose grace period has not.
    /// Anyone may call it. An unpause executes only during the pause it was proposed in
    /// (`StaleUnpause`); a `setRoles` proposed as no guardian change never replaces a guardian
    /// installed since (`GuardianChanged`).
    function execute(bytes calldata call, bytes32 salt) external {
        bytes32 id = keccak256(abi.encode(call, salt));
        Proposal memory p = _proposals[id];
        if (p.readyAt == 0) revert UnknownProposal(id);
        if (block.timestamp < p.readyAt) revert TimelockPending(block.timestamp, p.readyAt);
        uint256 expiresAt = uint256(p.readyAt) + GRACE_PERIOD;
        if (block.timestamp > expiresAt) revert ProposalExpired(block.timestamp, expiresAt);
        // (`proposedAt < _pausedAt` never holds for an unpause proposed during the current
        // pause; it keeps an unpause proposed before an upgrade to the pause count, whose count
        // reads 0, from ending a later pause.)
        if (p.selector == this.unpause.selector && (p.pauseCount != _pauseCount || p.proposedAt < _pausedAt)) {
            revert StaleUnpause(p.pauseCount, _pauseCount);
        }
        if (p.selector == this.setRoles.selector && !p.guardianChange && _guardianOf(call) != _guardian) {
            revert GuardianChanged(id);
        }
        delete _proposals[id];
        (bool ok, bytes memory ret) = address(this).call(call);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        emit ProposalExecuted(id);
    }

    /// @dev The guardian a `setRoles` call installs.
    function _guardianOf(bytes calldata call) private pure returns (address guardian_) {
        (, guardian_) = abi.decode(call[4:], (address, address));
    }

    /// @dev Proposals may only call the self-only functions: never `sendMessage`/`sendToken` (a
    /// message "from the bridge"), `deliver` or anything else with the bridge as caller.
    function _checkAdminCall(bytes calldata call) private pure returns (bytes4 sel) {
        sel = call.length >= 4 ? bytes4(call[:4]) : bytes4(0);
        if (
            sel != this.setRemote.selector && sel != this.setValidatorSet.selector && sel != this.setToken.selector
                && sel != this.setRoute.selector && sel != this.setLimits.selector && sel != this.setAdminDelay.selector
                && sel != this.setRoles.selector && sel != this.unpause.selector && sel != this.setMaxBody.selector
                && sel != this.refundCancelled.selector && sel != this.voidQueued.selector
                && sel != this.setFeeConfig.selector && sel != this.setFeeRoles.selector
                && sel != IUpgradeable.upgradeToAndCall.selector
        ) revert NotAnAdminCall(sel);
    }

    /// @notice Admin or guardian: drops a pending proposal. The guardian cannot drop a change of
    /// the roles (its own replacement: it waits `GUARDIAN_CHANGE_DELAY` instead, unless the
    /// guardian approves it) or an unpause (`GuardianCannotVeto`).
    function cancelProposal(bytes32 id) external {
        bool isAdmin = msg.sender == _admin;
        if (!isAdmin && msg.sender != _guardian) revert OnlyGuardianOrAdmin();
        bytes4 sel = _proposals[id].selector;
        if (_proposals[id].readyAt == 0) revert UnknownProposal(id);
        if (!isAdmin && (sel == this.setRoles.selector || sel == this.unpause.selector)) revert GuardianCannotVeto(id);
        delete _proposals[id];
        emit ProposalCancelled(id);
    }

    // ---- self-only (reachable only through propose/execute) ----

    /// @notice Sets the bridge of a remote domain (not this one, never zero) and its kind
    /// (`KIND_EVM` or `KIND_SOLANA`). Its delivered nonces are keyed by the bridge, so a new
    /// bridge starts a new nonce space.
    function setRemote(uint32 domain, bytes32 bridge, uint8 kind) external onlySelf {
        if (domain == 0 || bridge == bytes32(0)) revert ZeroValue();
        if (domain == _localDomain || kind > KIND_SOLANA) revert InvalidConfig();
        if (kind == KIND_EVM && uint256(bridge) >> 160 != 0) revert InvalidConfig();
        _remoteBridge[domain] = bridge;
        Remote memory r = _remotes[domain];
        _remotes[domain].kind = kind;
        if (r.validators != address(0)) {
            // Same set, new origin bridge: rewrite the data contract.
            (, bytes memory packed) = _loadSet(r);
            _remotes[domain].validators = _storeSet(bridge, packed);
        }
        emit RemoteSet(domain, bridge, kind);
    }

    /// @notice Rotates the validator set accepted for `origin` to a strictly newer epoch.
    /// Refuses every set `TrestleProtocol.checkValidatorSet` refuses, threshold < ceil(2n/3)
    /// included, before it compares the epoch with the current one (`EpochNotIncreasing`).
    function setValidatorSet(uint32 origin, uint64 epoch, address[] calldata validators, uint8 threshold)
        external
        onlySelf
    {
        _setValidatorSet(origin, epoch, validators, threshold, true);
    }

    /// @notice Registers token `keccak256(homeDomain || homeToken)` (returned), or updates the
    /// timelock of a registered one: its local contract (on its home chain the home token
    /// itself or `NATIVE`; elsewhere its `BridgedToken`), its decimal shift (`local = home /
    /// 10^localExp`; 0 on the home chain), and its timelock threshold (local units) and delay
    /// (1 s .. `MAX_DELAY`).
    /// The local contract and the shift never change once registered: the routes' ledgers count
    /// in local units.
    function setToken(
        uint32 homeDomain,
        bytes32 homeToken,
        address local,
        uint8 localExp,
        uint128 timelockThreshold,
        uint64 delay
    ) external onlySelf returns (bytes32 tokenId) {
        if (homeDomain == 0 || local == address(0) || timelockThreshold == 0 || delay == 0) revert ZeroValue();
        bool home = homeDomain == _localDomain;
        // On its home chain the local contract is the home token (so `localExp` is 0: local
        // units are home units); elsewhere never ether.
        if (home ? homeToken != bytes32(uint256(uint160(local))) || localExp != 0 : local == NATIVE) {
            revert InvalidConfig();
        }
        if (localExp > 77 || delay > MAX_DELAY) revert InvalidConfig();
        tokenId = P.tokenId(homeDomain, homeToken);
        Token storage t = _tokens[tokenId];
        if (t.local != address(0) && (t.local != local || t.localExp != localExp)) revert InvalidConfig();
        _tokens[tokenId] = Token(local, homeDomain, localExp, home, timelockThreshold, delay);
        emit TokenSet(tokenId, homeDomain, homeToken, local, localExp, timelockThreshold, delay);
    }

    /// @notice Sets the route of `tokenId` with `remote`: the remote's scale and maximum for
    /// sends (`remoteMax` 0 disables the route both ways; in-flight transfers from it wait).
    /// A route also needs its limits (`setLimits`) before it carries anything.
    function setRoute(bytes32 tokenId, uint32 remote_, uint8 remoteExp, uint128 remoteMax) external onlySelf {
        if (_tokens[tokenId].local == address(0)) revert UnknownToken(tokenId);
        if (_remoteBridge[remote_] == bytes32(0)) revert UnknownRemote(remote_);
        if (remoteExp > 77) revert InvalidConfig();
        Route storage r = _routes[tokenId][remote_];
        r.remoteExp = remoteExp;
        r.remoteMax = remoteMax;
        r.open = remoteMax != 0;
        emit RouteSet(tokenId, remote_, remoteExp, remoteMax);
    }

    /// @notice Sets both buckets of the route `(tokenId, remote)` (capacity and refill never
    /// 0). A new bucket starts full; an existing one keeps its level, refilled to now and capped
    /// at the new capacity.
    function setLimits(
        bytes32 tokenId,
        uint32 remote_,
        uint128 inCapacity,
        uint128 inRefill,
        uint128 outCapacity,
        uint128 outRefill
    ) external onlySelf {
        if (_tokens[tokenId].local == address(0)) revert UnknownToken(tokenId);
        if (_remoteBridge[remote_] == bytes32(0)) revert UnknownRemote(remote_);
        if (inCapacity == 0 || inRefill == 0 || outCapacity == 0 || outRefill == 0) revert ZeroValue();
        if (inRefill > type(uint88).max || outRefill > type(uint88).max) revert InvalidConfig();
        Route storage r = _routes[tokenId][remote_];
        _reconfigure(r.inbound, r.inCapacity, inCapacity, inRefill);
        _reconfigure(r.outbound, r.outCapacity, outCapacity, outRefill);
        r.inCapacity = inCapacity;
        r.outCapacity = outCapacity;
        emit LimitsSet(tokenId, remote_, inCapacity, inRefill, outCapacity, outRefill);
    }

    /// @notice Caps the body `sendMessage` accepts for `domain` (a configured remote) at
    /// `maxLen` bytes, from a token transfer's 97 up to the protocol's 16 KiB. Without a cap a
    /// Solana remote takes `SOLANA_MAX_BODY_LEN`, an EVM remote 16 KiB. Token transfers (97
    /// bytes) are never affected.
    function setMaxBody(uint32 domain, uint32 maxLen) external onlySelf {
        if (_remoteBridge[domain] == bytes32(0)) revert UnknownRemote(domain);
        if (maxLen < P.TOKEN_TRANSFER_LEN || maxLen > P.MAX_BODY_LEN) revert InvalidConfig();
        _maxBody[domain] = maxLen;
        emit MaxBodySet(domain, maxLen);
    }

    /// @notice Sets `destination`'s delivery fees (docs/protocol.md, "Delivery fees"): both
    /// prices and every overhead, unbounded (the fee oracle's bounds are for the oracle). The
    /// oracle's last update time is kept. An exchange rate of 0 makes the destination free.
    function setFeeConfig(
        uint32 destination,
        uint128 gasPrice,
        uint128 exchangeRate,
        uint128 fixedCost,
        uint64 messageGas,
        uint64 signaturesGas,
        uint64 transferGas,
        uint32 gasPerByte
    ) external onlySelf {
        if (_remoteBridge[destination] == bytes32(0)) revert UnknownRemote(destination);
        FeeConfig memory f = FeeConfig(
            gasPrice,
            exchangeRate,
            fixedCost,
            messageGas,
            signaturesGas,
            transferGas,
            gasPerByte,
            _fees[destination].lastUpdate
        );
        _fees[destination] = f;
        emit FeeConfigSet(destination, f);
    }

    /// @notice Sets the fee oracle (updates prices within bounds; never the admin or the
    /// guardian; zero: none) and the fee beneficiary (receives `withdrawFees`; zero: none).
    function setFeeRoles(address oracle, address beneficiary) external onlySelf {
        if (oracle != address(0) && (oracle == _admin || oracle == _guardian)) revert InvalidConfig();
        _feeOracle = oracle;
        _feeBeneficiary = beneficiary;
        emit FeeRolesSet(oracle, beneficiary);
    }

    /// @notice Changes the admin delay (1 s .. `MAX_ADMIN_DELAY`).
    function setAdminDelay(uint64 delay) external onlySelf {
        if (delay == 0) revert ZeroValue();
        if (delay > MAX_ADMIN_DELAY) revert InvalidConfig();
        _adminDelay = delay;
        emit AdminDelaySet(delay);
    }

    /// @notice Changes the roles (never zero, never the same key, never the fee oracle: it is
    /// its own key, `InvalidConfig`, as `setFeeRoles` refuses the converse). Executes while
    /// paused; the guardian cannot veto it. A proposal that replaces the guardian waits
    /// `GUARDIAN_CHANGE_DELAY` unless the guardian approves it (see `propose`).
    function setRoles(address admin_, address guardian_) external onlySelf {
        if (admin_ == address(0) || guardian_ == address(0)) revert ZeroValue();
        // (Neither is zero, so a zero oracle, none, never matches.)
        address oracle = _feeOracle;
        if (admin_ == guardian_ || admin_ == oracle || guardian_ == oracle) revert InvalidConfig();
        _admin = admin_;
        _guardian = guardian_;
        emit RolesSet(admin_, guardian_);
    }

    /// @notice Unpauses (timelocked; proposed during the current pause, by `pauseCount`; no
    /// guardian veto).
    function unpause() external onlySelf {
        if (!_paused) revert NotPaused();
        _paused = false;
        emit Unpaused();
    }

    /// @notice Admin: cancels a queued transfer as the guardian's `cancelQueued` does (for
    /// clean-up when the guardian is unavailable).
    function voidQueued(bytes32 id) external onlySelf {
        _cancelQueued(id);
    }

    /// @notice Admin, through the timelock (guardian veto): sends cancelled transfer `message`
    /// back to its origin as a token transfer of the same token and amount to its original
    /// sender, from this bridge; the origin releases (or mints) it like any delivery, under
    /// its own route, ledger, rate limits and timelock. Once per cancelled transfer; only to the
    /// origin bridge the transfer came from (`RemoteChanged` once the origin's remote is another
    /// bridge, which never locked it); never to a sender the origin cannot pay
    /// (`InvalidBeneficiary`, as at send: zero, the origin bridge itself, or on an EVM origin
    /// not a left-padded address). Governance
    /// must first check that the origin really emitted `message` (its `MessageSent`): a
    /// cancelled forgery must never be refunded. No outbound bucket or ledger applies (nothing
    /// leaves this chain). A refund is a send: refused while paused (`Paused`); the reverted
    /// `execute` leaves the proposal pending, executable after the unpause within its grace
    /// period.
    function refundCancelled(bytes calldata message) external onlySelf whenNotPaused {
        bytes32 id = keccak256(message);
        Record storage rec = _records[id];
        if (rec.status != Status.Cancelled) revert NotCancelled(id);
        if (_refunds[id] != bytes32(0)) revert AlreadyRefunded(id);
        (P.Header memory h, bytes calldata body) = P.decode(message);
        bytes32 originBridge = _remoteBridge[h.origin];
        if (originBridge == bytes32(0)) revert UnknownRemote(h.origin);
        // Only to the bridge that locked (or burned) it: a redeployed origin bridge never did.
        bytes32 from = rec.originBridge;
        if (from != originBridge) revert RemoteChanged(h.origin, from, originBridge);
        // As at send: never a beneficiary the origin cannot pay (it could never be delivered),
        // nor the origin bridge itself (a refund of a refund: the origin would refuse it).
        if (!_payable(_remotes[h.origin].kind, h.sender) || h.sender == originBridge) {
            revert InvalidBeneficiary(h.sender);
        }
        (bytes32 tokenId, uint256 amount,) = P.decodeTransfer(body);
        bytes32 refundId = _send(
            h.origin, bytes32(uint256(uint160(address(this)))), originBridge, P.encodeTransfer(tokenId, amount, h.sender)
        );
        _refunds[id] = refundId;
        emit TransferRefunded(id, refundId);
    }

    // ================================================================== fees
    /// @notice `destination`'s delivery fees (all zero: free).
    function feeConfig(uint32 destination) external view returns (FeeConfig memory) {
        return _fees[destination];
    }

    /// @notice The fee oracle and the fee beneficiary (zero: none).
    function feeRoles() external view returns (address oracle, address beneficiary) {
        return (_feeOracle, _feeBeneficiary);
    }

    /// @notice Fees paid and not withdrawn yet (wei).
    function feesHeld() external view returns (uint256) {
        return _feesHeld;
    }

    // ================================================================== views
    function localDomain() external view returns (uint32) {
        return _localDomain;
    }

    function admin() external view returns (address) {
        return _admin;
    }

    function guardian() external view returns (address) {
        return _guardian;
    }

    function paused() external view returns (bool) {
        return _paused;
    }

    /// @notice When the current (or last) pause began (informational; unpauses are matched to
    /// pauses by `pauseCount`).
    function pausedAt() external view returns (uint64) {
        return _pausedAt;
    }

    /// @notice How many times the bridge was paused (the current or last pause's number).
    function pauseCount() external view returns (uint64) {
        return _pauseCount;
    }

    function adminDelay() external view returns (uint64) {
        return _adminDelay;
    }

    /// @notice The nonce of the next message sent from here.
    function outboundNonce() external view returns (uint64) {
        return _outboundNonce;
    }

    /// @notice The bridge (address or program id) of a remote domain (zero: unknown).
    function remoteBridge(uint32 domain) external view returns (bytes32) {
        return _remoteBridge[domain];
    }

    /// @notice The cap set on the body `sendMessage` accepts for `domain` (0: none set, so
    /// `SOLANA_MAX_BODY_LEN` for a Solana remote, the protocol's 16 KiB for an EVM remote).
    function maxBody(uint32 domain) external view returns (uint32) {
        return _maxBody[domain];
    }

    /// @notice The remote bridge, its kind and the validator set for `domain`.
    function remote(uint32 domain)
        external
        view
        returns (bytes32 bridge, uint8 kind, uint64 epoch, uint8 threshold, address[] memory validators)
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
        return (_remoteBridge[domain], r.kind, r.epoch, r.threshold, validators);
    }

    /// @notice A registered token (`local` zero: unknown).
    function tokens(bytes32 tokenId)
        external
        view
        returns (
            address local,
            uint32 homeDomain,
            uint8 localExp,
            bool home,
            uint128 timelockThreshold,
            uint64 delay
        )
    {
        Token memory t = _tokens[tokenId];
        return (t.local, t.homeDomain, t.localExp, t.home, t.timelockThreshold, t.delay);
    }

    /// @notice The configuration of route `(tokenId, remote)` (`remoteMax` 0 or a capacity 0:
    /// disabled).
    function routes(bytes32 tokenId, uint32 remote_)
        external
        view
        returns (uint8 remoteExp, uint128 remoteMax, uint128 inCapacity, uint128 outCapacity)
    {
        Route storage r = _routes[tokenId][remote_];
        return (r.remoteExp, r.remoteMax, r.inCapacity, r.outCapacity);
    }

    /// @notice The ledger of route `(tokenId, remote)`: `net` is what this chain sent to
    /// `remote` minus what it received from it (local units; deliveries count when executed or
    /// queued, a cancelled one no longer counts). `inboundChecked`: deliveries from `remote`
    /// may take at most `max(net, 0)` (false only on the route from the home domain of a token
    /// bridged here). `outboundChecked`: sends to `remote` may take at most `max(-net, 0)`
    /// (true where the token is bridged, false on its home chain).
    function ledger(bytes32 tokenId, uint32 remote_)
        external
        view
        returns (int256 net, bool inboundChecked, bool outboundChecked)
    {
        Token memory t = _tokens[tokenId];
        return (_routes[tokenId][remote_].ledger, _inboundChecked(t, remote_), _outboundChecked(t));
    }

    /// @notice What the inbound (`inbound`) or outbound bucket of route `(tokenId, remote)`
    /// allows now.
    /// @notice How fast the route's buckets refill (local units per second): how long a
    /// rate-limited transfer waits.
    function refills(bytes32 tokenId, uint32 remote_) external view returns (uint256 inbound, uint256 outbound) {
        Route storage r = _routes[tokenId][remote_];
        return (r.inbound.refill, r.outbound.refill);
    }

    function availableFor(bytes32 tokenId, uint32 remote_, bool inbound) external view returns (uint256) {
        Route storage r = _routes[tokenId][remote_];
        return inbound ? _available(r.inbound, r.inCapacity) : _available(r.outbound, r.outCapacity);
    }

    /// @notice A message that did not execute at delivery (see `Record`); `originBridge` is set
    /// for queued transfers (the bridge a refund may go back to).
    function records(bytes32 id)
        external
        view
        returns (
            Status status,
            uint64 readyAt,
            uint32 origin,
            uint128 amount,
            bytes32 tokenId,
            bytes32 originBridge
        )
    {
        Record memory r = _records[id];
        return (r.status, r.readyAt, r.origin, r.amount, r.tokenId, r.originBridge);
    }

    /// @notice What this bridge owes `account` in local `token` (`NATIVE` for ether).
    function owed(address token, address account) external view returns (uint256) {
        return _owed[token][account];
    }

    /// @notice The refund message id of cancelled transfer `id` (zero: not refunded).
    function refunds(bytes32 id) external view returns (bytes32) {
        return _refunds[id];
    }

    /// @notice A pending proposal (`readyAt` 0: none): `guardianChange` for a `setRoles` that
    /// replaces the guardian (see `approveProposal`), `pausedIn` the pause (`pauseCount`) an unpause was
    /// proposed in.
    function proposals(bytes32 id)
        external
        view
        returns (uint64 readyAt, uint64 proposedAt, bytes4 selector, bool guardianChange, uint64 pausedIn)
    {
        Proposal memory p = _proposals[id];
        return (p.readyAt, p.proposedAt, p.selector, p.guardianChange, p.pauseCount);
    }
}
