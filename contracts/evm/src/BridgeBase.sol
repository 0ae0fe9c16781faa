// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {TrestleProtocol as P} from "./TrestleProtocol.sol";

/// @title What the two halves of the Trestle bridge share: storage, types, events, errors and
/// the helpers both use.
/// @notice The bridge is one ERC-1967 proxy whose implementation is `Bridge` (sending,
/// delivery, the queue, payouts, upgrades); `Bridge` delegates every other selector to
/// `BridgeAdmin` (configuration, governance, guardian actions and views), which runs on the
/// same storage. Both inherit this contract and declare no state of their own, so they cannot
/// disagree on the layout; `storage-layout.json` pins it across upgrades (checked by test.sh).
/// New state is only ever appended at the end.
abstract contract BridgeBase is Initializable {
    // ------------------------------------------------------------------ errors
    error Paused();
    error NotPaused();
    error AlreadyPaused();
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
    error ProposalExpired(uint256 now_, uint256 expiresAt);
    error GuardianCannotVeto(bytes32 id);
    /// @notice An unpause proposed during pause number `proposedIn` cannot end pause number
    /// `current` (see `pauseCount`).
    error StaleUnpause(uint64 proposedIn, uint64 current);
    /// @notice `approveProposal` of a proposal that does not replace the guardian.
    error NotAGuardianChange(bytes32 id);
    /// @notice A `setRoles` proposed when it left the guardian unchanged would now replace the
    /// guardian installed since: a guardian change must be proposed as one (and wait for it).
    error GuardianChanged(bytes32 id);
    /// @notice A proposal of `upgradeToAndCall` with call data (every self-only call is
    /// proposed as itself).
    error UpgradeWithCall();
    /// @notice A refund of a transfer from `origin`'s bridge `expected`, while `origin`'s remote
    /// bridge is now `current` (which never locked it).
    error RemoteChanged(uint32 origin, bytes32 expected, bytes32 current);
    error Reentrancy();
    error WrongDestination(uint32 destination);
    error NoValidatorSet(uint32 origin);
    error AlreadyDelivered(bytes32 id);
    error WrongRecipient(bytes32 recipient);
    error InvalidBeneficiary(bytes32 beneficiary);
    error InvalidRecipient(bytes32 recipient);
    error InvalidAmount(uint256 amount);
    error GasLimitTooHigh(uint64 gasLimit, uint64 max);
    error RouteDisabled(bytes32 tokenId, uint32 domain);
    /// @notice A delivery from `remote`, or a send to it, that the route's ledger refuses:
    /// `available` is what it allows now (see `Route.ledger`).
    error LedgerExceeded(bytes32 tokenId, uint32 remote, uint256 requested, uint256 available);
    error NotQueued(bytes32 id);
    error NotFailed(bytes32 id);
    error RetryFailed(bytes32 id);
    error TransferFailed();
    error LengthMismatch();
    error NothingOwed(address token, address account);
    error NotCancelled(bytes32 id);
    error AlreadyRefunded(bytes32 id);
    error InsufficientGas(uint256 left, uint256 needed);
    /// @notice A send that paid less than its delivery fee (`quote`; docs/protocol.md,
    /// "Delivery fees").
    error FeeTooLow(uint256 paid, uint256 quote);
    /// @notice A fee whose cost in destination units or whose amount exceeds `2^128 - 1`.
    error FeeOverflow();
    error OnlyFeeOracle();
    /// @notice A price update for a destination whose prices governance has not set.
    error FeeNotConfigured(uint32 destination);
    error FeeUpdateTooSoon(uint256 now_, uint256 nextAt);
    /// @notice A price update beyond half or twice the current price (or to 0).
    error FeeChangeTooLarge(uint256 old, uint256 proposed);
    error NoFeeBeneficiary();

    // ------------------------------------------------------------------ events
    /// @notice A message left for `destination`; `message` is its full encoding.
    event MessageSent(bytes32 indexed id, uint32 indexed destination, uint64 indexed nonce, bytes message);
    /// @notice A message was accepted; `status` is what happened to it (see `Status`).
    event MessageDelivered(bytes32 indexed id, uint32 indexed origin, uint64 nonce, Status status);
    /// @notice A queued transfer waits until `readyAt` and for the route's inbound bucket.
    event TransferQueued(bytes32 indexed id, uint64 readyAt, bool timelocked);
    /// @notice A queued transfer or a failed message was executed later.
    event MessageExecuted(bytes32 indexed id);
    /// @notice A queued transfer was cancelled (guardian `cancelQueued` or admin `voidQueued`);
    /// its amount went back to the route's ledger.
    event TransferCancelled(bytes32 indexed id);
    /// @notice One item of `deliverBatch` failed; the others went on.
    event BatchItemFailed(uint256 index, bytes reason);
    /// @notice The payout of transfer `id` failed: `amount` of `token` (local units; `NATIVE`
    /// for ether) is owed to `beneficiary` (`withdraw`, or anyone `claim`s it).
    event PayoutOwed(bytes32 indexed id, address indexed beneficiary, address token, uint256 amount);
    /// @notice `amount` of `token` owed to `account` was paid to `to`.
    event Withdrawn(address indexed account, address token, address to, uint256 amount);
    /// @notice `amount` (wei) was paid for the delivery of message `id` to `destination`, at
    /// its send or as a top-up (`payForGas`). Relayers add up every payment of an id.
    event GasPaid(bytes32 indexed id, uint32 indexed destination, uint256 amount);
    /// @notice The fee oracle set `destination`'s prices.
    event FeePricesUpdated(uint32 indexed destination, uint128 gasPrice, uint128 exchangeRate);
    event FeeConfigSet(uint32 indexed destination, FeeConfig config);
    event FeeRolesSet(address oracle, address beneficiary);
    /// @notice Every fee held (`feesHeld`) was paid to the fee beneficiary.
    event FeesWithdrawn(address indexed beneficiary, uint256 amount);
    /// @notice Cancelled transfer `id` was sent back to its origin as transfer `refundId`.
    event TransferRefunded(bytes32 indexed id, bytes32 indexed refundId);
    event PausedBy(address guardian);
    event Unpaused();
    event Proposed(bytes32 indexed id, bytes call, bytes32 salt, uint64 readyAt);
    /// @notice The sitting guardian consented to proposal `id` replacing it: executable from
    /// `readyAt` (the admin delay after the proposal) instead of `GUARDIAN_CHANGE_DELAY` after.
    event ProposalApproved(bytes32 indexed id, uint64 readyAt);
    event ProposalExecuted(bytes32 indexed id);
    event ProposalCancelled(bytes32 indexed id);
    event RemoteSet(uint32 indexed domain, bytes32 bridge, uint8 kind);
    event ValidatorSetChanged(uint32 indexed origin, uint64 epoch, address[] validators, uint8 threshold);
    event TokenSet(
        bytes32 indexed tokenId,
        uint32 homeDomain,
        bytes32 homeToken,
        address local,
        uint8 localExp,
        uint128 timelockThreshold,
        uint64 delay
    );
    event RouteSet(bytes32 indexed tokenId, uint32 indexed remote, uint8 remoteExp, uint128 remoteMax);
    event LimitsSet(
        bytes32 indexed tokenId,
        uint32 indexed remote,
        uint128 inCapacity,
        uint128 inRefill,
        uint128 outCapacity,
        uint128 outRefill
    );
    event RolesSet(address admin, address guardian);
    event AdminDelaySet(uint64 delay);
    /// @notice `sendMessage` to `domain` now refuses bodies over `maxLen` bytes.
    event MaxBodySet(uint32 indexed domain, uint32 maxLen);

    // ------------------------------------------------------------------ types
    /// @notice What happened to a message id on this bridge.
    enum Status {
        None,
        Executed,
        Queued,
        Failed,
        Cancelled
    }

    /// @notice The validator set this bridge accepts for an origin and the origin's kind, in one
    /// slot. The origin bridge and the addresses live in the code of a data contract (written
    /// at each rotation and each change of the remote's bridge): `0x00 || origin bridge (32) ||
    /// validators (20 each, ascending)`.
    struct Remote {
        uint64 epoch;
        uint8 threshold;
        uint8 count;
        uint8 kind;
        address validators;
    }

    /// @notice A token this bridge moves. `home`: locked/released here (native or ERC-20;
    /// `homeDomain == localDomain`), else a `BridgedToken` minted/burned here. Message amounts
    /// are home units; `local = home / 10^localExp`. Transfers of at least `timelockThreshold`
    /// (local units) wait `delay` seconds.
    struct Token {
        address local;
        uint32 homeDomain;
        uint8 localExp;
        bool home;
        uint128 timelockThreshold;
        uint64 delay;
    }

    /// @notice The state of a token bucket (`available = min(capacity, level + elapsed *
    /// refill)`, local units); its capacity lives beside it in the route.
    struct Bucket {
        uint128 level;
        uint40 lastUpdate;
        uint88 refill;
    }

    /// @notice A token's route to and from one remote domain: the remote's scale for sends
    /// (`home / 10^remoteExp <= remoteMax`; `remoteMax == 0` disables the route both ways), an
    /// inbound and an outbound bucket, and the ledger (docs/protocol.md, "The ledger"): what
    /// this chain sent to the remote minus what it received from it, local units, signed. A
    /// delivery from the remote (executed or queued) requires `ledger >= amount` and subtracts
    /// it, except on the route from the home domain of a token bridged here (the source of its
    /// supply: subtracted, not checked); a send to the remote of a token bridged here requires
    /// `-ledger >= amount` (the remote's own ledger then accepts it), unchecked on the token's
    /// home chain, and adds it; a cancel or void adds a queued delivery back.
    /// Five slots. A delivery reads the first two: the inbound bucket, and the inbound capacity
    /// with the ledger and `open` (a copy of `remoteMax != 0`), so the ledger costs a delivery
    /// one write to a slot it reads anyway. That slot leaves the ledger 120 bits:
    /// `|ledger| < 2^119` (~6.6e35 local units; `LedgerExceeded` beyond).
    struct Route {
        Bucket inbound;
        uint128 inCapacity;
        int120 ledger;
        bool open;
        Bucket outbound;
        uint128 outCapacity;
        uint128 remoteMax;
        uint8 remoteExp;
    }

    /// @notice A message that did not execute at delivery. For queued transfers also the origin,
    /// the token and the local amount, so that a cancel credits the right ledger back with what
    /// the delivery took from it, and the origin bridge it came from (the remote's bridge at
    /// delivery), so that a refund goes back only to that bridge (`RemoteChanged`).
    struct Record {
        Status status;
        uint64 readyAt;
        uint32 origin;
        uint128 amount;
        bytes32 tokenId;
        bytes32 originBridge;
    }

    /// @notice A pending admin proposal: executable from `readyAt` to `readyAt + GRACE_PERIOD`.
    /// `guardianChange`: a `setRoles` that replaces the sitting guardian (`readyAt` is then
    /// `GUARDIAN_CHANGE_DELAY` after `proposedAt`, until the guardian approves it).
    /// `pauseCount`: for an unpause, the pause it was proposed in (`_pauseCount` then).
    struct Proposal {
        uint64 readyAt;
        uint64 proposedAt;
        bytes4 selector;
        bool guardianChange;
        uint64 pauseCount;
    }

    /// @notice The delivery fees of one destination (docs/protocol.md, "Delivery fees";
    /// `trestle_bridge::FeeConfig`), in three slots. `gasPrice`: 10^-9 destination base units
    /// per gas unit; `exchangeRate`: origin wei per destination base unit, times 10^18;
    /// `fixedCost`: destination base units per delivery; the gas fields: destination gas;
    /// `lastUpdate`: the fee oracle's last price update. All zero: free.
    struct FeeConfig {
        uint128 gasPrice;
        uint128 exchangeRate;
        uint128 fixedCost;
        uint64 messageGas;
        uint64 signaturesGas;
        uint64 transferGas;
        uint32 gasPerByte;
        uint64 lastUpdate;
    }

    // ------------------------------------------------------------------ constants
    /// @notice The home-token sentinel for native ether.
    address public constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    /// @notice Remote kinds: what a remote can pay (EVM: 20-byte addresses; Solana: any key).
    uint8 public constant KIND_EVM = 0;
    uint8 public constant KIND_SOLANA = 1;
    /// @notice The largest recipient gas limit (compute units) a message to Solana may carry.
    uint64 public constant SOLANA_MAX_GAS_LIMIT = 1_200_000;
    /// @notice How long a proposal stays executable after its ETA.
    uint64 public constant GRACE_PERIOD = 14 days;
    /// @notice The largest admin delay (a longer one would let governance lock itself out).
    uint64 public constant MAX_ADMIN_DELAY = 30 days;
    /// @dev The range of a route's ledger (`int120`, see `Route`).
    int256 internal constant LEDGER_MAX = type(int120).max;
    int256 internal constant LEDGER_MIN = type(int120).min;
    /// @dev The scales of `FeeConfig.gasPrice` and `FeeConfig.exchangeRate`.
    uint256 internal constant PRICE_SCALE = 1e9;
    uint256 internal constant RATE_SCALE = 1e18;
    /// @notice The least time between two price updates of one destination by the fee oracle.
    uint64 public constant FEE_UPDATE_INTERVAL = 60;

    // ------------------------------------------------------------------ state
    // slot 0
    address internal _admin;
    uint64 internal _outboundNonce;
    // slot 1: what every delivery reads first
    address internal _guardian;
    bool internal _paused;
    uint32 internal _localDomain;
    /// @dev When the current (or last) pause began (stale unpauses are told by `_pauseCount`;
    /// this only keeps unpauses proposed before an upgrade to the count from ending a later
    /// pause).
    uint40 internal _pausedAt;
    // slot 2
    uint64 internal _adminDelay;
    mapping(uint32 => Remote) internal _remotes;
    /// @dev The bridge (address or program id) of each remote domain.
    mapping(uint32 => bytes32) internal _remoteBridge;
    /// @dev The largest body `sendMessage` accepts for a destination (0: 16 KiB).
    mapping(uint32 => uint32) internal _maxBody;
    mapping(bytes32 => Token) internal _tokens;
    mapping(bytes32 => mapping(uint32 => Route)) internal _routes;
    /// @dev Delivered nonces, 256 to a word, per origin key `keccak256(origin || origin bridge)`.
    mapping(bytes32 => mapping(uint256 => uint256)) internal _delivered;
    /// @dev Messages that did not execute at delivery (queued, failed, cancelled, executed
    /// later). A message executed at delivery only sets its delivered bit.
    mapping(bytes32 => Record) internal _records;
    /// @dev Failed payouts: local token (`NATIVE` for ether) => beneficiary => amount.
    mapping(address => mapping(address => uint256)) internal _owed;
    /// @dev Cancelled transfer id => the id of the message that returned it to its origin.
    mapping(bytes32 => bytes32) internal _refunds;
    mapping(bytes32 => Proposal) internal _proposals;
    /// @dev How many times the bridge was paused (an unpause ends only the pause it was
    /// proposed in).
    uint64 internal _pauseCount;
    /// @dev Delivery fees per destination domain.
    mapping(uint32 => FeeConfig) internal _fees;
    /// @dev Updates destinations' prices within bounds (`updateFeePrices`).
    address internal _feeOracle;
    /// @dev Receives the fees held (`withdrawFees`).
    address internal _feeBeneficiary;
    /// @dev Fees paid and not withdrawn yet (wei), apart from the ether locked for transfers.
    uint256 internal _feesHeld;

    bool private transient _locked;

    // ------------------------------------------------------------------ modifiers
    modifier whenNotPaused() {
        if (_paused) revert Paused();
        _;
    }

    modifier onlySelf() {
        if (msg.sender != address(this)) revert OnlySelf();
        _;
    }

    modifier onlyGuardian() {
        if (msg.sender != _guardian) revert OnlyGuardian();
        _;
    }

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    // ------------------------------------------------------------------ helpers
    /// @dev The replay key of an origin: `keccak256(origin (u32) || origin bridge)`.
    function _originKey(uint32 originDomain, bytes32 originBridge) internal pure returns (bytes32 k) {
        assembly ("memory-safe") {
            mstore(0, shl(224, and(originDomain, 0xffffffff)))
            mstore(4, originBridge)
            k := keccak256(0, 36)
        }
    }

    // A route's second slot, as a delivery reads it: `inCapacity` (bits 0-127), `ledger` (128-247,
    // two's complement) and `open` (248-255), the offsets of `Route` (storage-layout.json pins
    // them; the ledger tests read back through the Solidity fields what deliveries wrote here).
    uint256 internal constant LEDGER_SHIFT = 128;
    uint256 internal constant OPEN_SHIFT = 248;

    function _loadInboundWord(Route storage r) internal view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(add(r.slot, 1))
        }
    }

    function _storeInboundWord(Route storage r, uint256 word) internal {
        assembly ("memory-safe") {
            sstore(add(r.slot, 1), word)
        }
    }

    /// @dev The ledger in a route's second slot.
    function _ledgerOf(uint256 word) internal pure returns (int256) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return int120(uint120(word >> LEDGER_SHIFT));
    }

    /// @dev A route's second slot with its ledger replaced by `net` (within the ledger's range).
    function _withLedger(uint256 word, int256 net) internal pure returns (uint256) {
        uint256 mask = uint256(type(uint120).max) << LEDGER_SHIFT;
        // forge-lint: disable-next-line(unsafe-typecast)
        return (word & ~mask) | (uint256(uint120(int120(net))) << LEDGER_SHIFT);
    }

    /// @dev Whether deliveries from `remote` are checked against the route's ledger: on every
    /// route except the one from the home domain of a token bridged (minted) here, the source
    /// of its supply (there the ledger is only subtracted from).
    function _inboundChecked(Token memory t, uint32 remote) internal pure returns (bool) {
        return t.home || remote != t.homeDomain;
    }

    /// @dev Whether sends of the token are checked against the route's ledger: on a chain that
    /// mints it (the remote's ledger accepts from here at most what it sent here in net), not
    /// on its home chain (the remote mints what comes from home).
    function _outboundChecked(Token memory t) internal pure returns (bool) {
        return !t.home;
    }

    /// @dev Whether a beneficiary or recipient can be paid/called on a remote of `kind`: never
    /// zero; on an EVM remote a left-padded 20-byte address.
    function _payable(uint8 kind, bytes32 account) internal pure returns (bool) {
        return account != bytes32(0) && (kind != KIND_EVM || uint256(account) >> 160 == 0);
    }

    /// @dev Emits a message from `sender` (nonce = the outbound counter) and returns its id.
    function _send(uint32 destination, bytes32 sender, bytes32 recipient, bytes memory body)
        internal
        returns (bytes32 id)
    {
        uint64 nonce = _outboundNonce++;
        bytes memory message = P.encode(
            P.Header({
                nonce: nonce, origin: _localDomain, sender: sender, destination: destination, recipient: recipient
            }),
            body
        );
        id = keccak256(message);
        emit MessageSent(id, destination, nonce, message);
    }

    /// @dev The delivery fee (wei) of a message to a destination with fees `f`, whose recipient
    /// gas limit is `gasLimit` and whose body is `bodyLen` bytes: the spec's formula, each
    /// division rounded up (`trestle_bridge::FeeConfig::quote`). No step can overflow: `gas <
    /// 2^98`, so `gas * gasPrice < 2^226`; `cost < 2^128`, so `cost * exchangeRate < 2^256 -
    /// 2^129`. An exchange rate of 0 makes the destination free (one storage read).
    function _quote(FeeConfig storage f, uint64 gasLimit, uint64 bodyLen) internal view returns (uint256 fee) {
        if (f.exchangeRate == 0) return 0;
        uint256 gas = uint256(f.messageGas) + f.signaturesGas + gasLimit + uint256(bodyLen) * f.gasPerByte;
        uint256 cost = (gas * f.gasPrice + PRICE_SCALE - 1) / PRICE_SCALE + f.fixedCost;
        if (cost > type(uint128).max) revert FeeOverflow();
        fee = (cost * f.exchangeRate + RATE_SCALE - 1) / RATE_SCALE;
        if (fee > type(uint128).max) revert FeeOverflow();
    }

    /// @dev Refuses a fee-oracle update of `destination` (fees `f`) to `gasPrice` and
    /// `exchangeRate` now, unless governance set both prices, `FEE_UPDATE_INTERVAL` has passed
    /// since the last update, and each new price is within half and twice the current one
    /// (`trestle_bridge::FeeConfig::check_price_update`).
    function _checkPriceUpdate(FeeConfig storage f, uint32 destination, uint128 gasPrice, uint128 exchangeRate)
        internal
        view
    {
        if (f.gasPrice == 0 || f.exchangeRate == 0) revert FeeNotConfigured(destination);
        uint256 nextAt = uint256(f.lastUpdate) + FEE_UPDATE_INTERVAL;
        if (block.timestamp < nextAt) revert FeeUpdateTooSoon(block.timestamp, nextAt);
        _checkFactor(f.gasPrice, gasPrice);
        _checkFactor(f.exchangeRate, exchangeRate);
    }

    /// @dev `proposed` is not 0 and within half and twice `old`, exactly.
    function _checkFactor(uint256 old, uint256 proposed) private pure {
        if (proposed == 0 || proposed > old * 2 || proposed * 2 < old) revert FeeChangeTooLarge(old, proposed);
    }

    /// @dev Records `amount` wei paid for message `id` to `destination` (nothing when 0).
    function _payFee(bytes32 id, uint32 destination, uint256 amount) internal {
        if (amount == 0) return;
        _feesHeld += amount;
        emit GasPaid(id, destination, amount);
    }

    /// @dev What the bucket allows now: `min(capacity, level + elapsed * refill)`.
    function _available(Bucket memory b, uint256 capacity) internal view returns (uint256) {
        uint256 level = uint256(b.level) + (block.timestamp - b.lastUpdate) * b.refill;
        return level < capacity ? level : capacity;
    }

    /// @dev Takes `amount` from the bucket; if it lacks it, reverts (`strict`) or returns false.
    function _consume(Bucket storage b, uint256 capacity, uint256 amount, bool strict) internal returns (bool) {
        uint256 avail = _available(b, capacity);
        if (amount > avail) {
            if (strict) revert RateLimited(amount, avail);
            return false;
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        b.level = uint128(avail - amount); // avail <= capacity, a uint128
        b.lastUpdate = uint40(block.timestamp);
        return true;
    }

    /// @dev A queued transfer passes the bucket (`TokenBucket::consume_queued` in Rust): it
    /// takes the amount, or, when the amount is above the capacity, waits for a full bucket
    /// and empties it. Reverts `RateLimited` otherwise. The capacity is never 0 here (a route
    /// without limits is disabled).
    function _consumeQueued(Bucket storage b, uint256 capacity, uint256 amount) internal {
        if (amount > capacity && _available(b, capacity) == capacity) {
            b.level = 0;
            b.lastUpdate = uint40(block.timestamp);
        } else {
            _consume(b, capacity, amount, true);
        }
    }

    /// @dev A bucket's new configuration (`TokenBucket::reconfigure`): a new bucket
    /// (`oldCapacity` 0) starts full; an existing one keeps its level, refilled to now under the
    /// old rate and capped at the new capacity. The caller stores the new capacity.
    function _reconfigure(Bucket storage b, uint256 oldCapacity, uint128 capacity, uint128 refill) internal {
        uint256 level = oldCapacity == 0 ? capacity : _available(b, oldCapacity);
        // forge-lint: disable-next-line(unsafe-typecast)
        b.level = uint128(level < capacity ? level : capacity); // at most capacity, a uint128
        // forge-lint: disable-next-line(unsafe-typecast)
        b.refill = uint88(refill); // setLimits refuses a refill above type(uint88).max
        b.lastUpdate = uint40(block.timestamp);
    }

    /// @dev Marks queued transfer `id` cancelled and gives its amount back to its route's
    /// ledger (guardian `cancelQueued`, admin `voidQueued`).
    function _cancelQueued(bytes32 id) internal {
        Record storage rec = _records[id];
        if (rec.status != Status.Queued) revert NotQueued(id);
        rec.status = Status.Cancelled;
        Route storage route = _routes[rec.tokenId][rec.origin];
        // The delivery took the amount from the ledger; it never paid out, so it goes back.
        // Sends since then (unchecked on a home chain) may have filled the ledger's range: it
        // saturates rather than revert, so that nothing queued ever becomes uncancellable
        // (the ledger then under-counts what the remote may take: the safe side).
        int256 net = int256(route.ledger) + int256(uint256(rec.amount));
        // forge-lint: disable-next-line(unsafe-typecast)
        route.ledger = int120(net < LEDGER_MAX ? net : LEDGER_MAX); // >= the ledger's minimum
        emit TransferCancelled(id);
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
    function _storeSet(bytes32 originBridge, bytes memory packed) internal returns (address data) {
        bytes memory init = abi.encodePacked(
            hex"61", uint16(packed.length + 33), hex"80600c6000396000f3", hex"00", originBridge, packed
        );
        assembly ("memory-safe") {
            data := create(0, add(init, 32), mload(init))
        }
        if (data == address(0)) revert InvalidConfig();
    }

    /// @dev `forConfiguration` is true for every set governance installs; test harnesses
    /// measure sets below two thirds (e.g. 3-of-5) by passing false.
    function _setValidatorSet(
        uint32 origin,
        uint64 epoch,
        address[] memory validators,
        uint8 threshold,
        bool forConfiguration
    ) internal {
        Remote storage r = _remotes[origin];
        bytes32 bridge = _remoteBridge[origin];
        if (bridge == bytes32(0)) revert UnknownRemote(origin);
        // The set's own rules first (in the shared vectors' order: epoch 0 is `ZeroEpoch`
        // whatever the current epoch), then the rotation rule.
        bytes memory packed = P.checkValidatorSet(epoch, validators, threshold, forConfiguration);
        if (epoch <= r.epoch) revert EpochNotIncreasing(r.epoch, epoch);
        r.validators = _storeSet(bridge, packed);
        r.epoch = epoch;
        r.threshold = threshold;
        r.count = uint8(validators.length);
        emit ValidatorSetChanged(origin, epoch, validators, threshold);
    }
}
