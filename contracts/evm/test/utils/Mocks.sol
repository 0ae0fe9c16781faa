// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMessageRecipient} from "../../src/IMessageRecipient.sol";

/// @notice A plain ERC-20 anyone can mint (test only).
contract MockERC20 {
    event Transfer(address indexed from, address indexed to, uint256 value);

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;
    uint256 public feeBps; // non-zero: behaves like a fee-on-transfer token
    /// @dev How `transfer` treats a recipient: 0 normal, 1 returns false, 2 reverts (a
    /// blocklist, a paused token).
    mapping(address => uint8) public blocked;

    function mint(address to, uint256 value) external {
        balanceOf[to] += value;
        totalSupply += value;
    }

    function setFee(uint256 bps) external {
        feeBps = bps;
    }

    function setBlocked(address account, uint8 mode) external {
        blocked[account] = mode;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        if (blocked[to] == 1) return false;
        require(blocked[to] != 2, "recipient blocked");
        _move(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        allowance[from][msg.sender] -= value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        balanceOf[from] -= value;
        uint256 fee = value * feeBps / 10_000;
        balanceOf[to] += value - fee;
        totalSupply -= fee;
        emit Transfer(from, to, value);
    }
}

/// @notice Records what the bridge delivered; can be told to fail.
contract MockRecipient is IMessageRecipient {
    address public immutable bridge;
    bool public failing;
    uint256 public calls;
    uint32 public lastOrigin;
    bytes32 public lastSender;
    bytes public lastPayload;

    constructor(address bridge_) {
        bridge = bridge_;
    }

    function setFailing(bool f) external {
        failing = f;
    }

    function handle(uint32 origin, bytes32 sender, bytes calldata payload) external {
        require(msg.sender == bridge, "not the bridge");
        require(!failing, "recipient failing");
        calls += 1;
        lastOrigin = origin;
        lastSender = sender;
        lastPayload = payload;
    }
}

/// @notice A beneficiary contract whose `receive` accepts ether, refuses it, burns all the
/// gas it is given, or accepts it at a cost (two new storage slots, ~45k gas); it can
/// withdraw what the bridge owes it.
contract EtherReceiver {
    /// @dev 0 accepts, 1 reverts, 2 loops until out of gas, 3 accepts and writes two slots.
    uint8 public mode;
    uint256 public received;
    uint256 public lastAt;

    function setMode(uint8 m) external {
        mode = m;
    }

    function withdrawFrom(address bridge, address token, address to) external {
        (bool ok, bytes memory ret) = bridge.call(abi.encodeWithSignature("withdraw(address,address)", token, to));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    receive() external payable {
        if (mode == 1) revert("no ether");
        if (mode == 2) {
            while (true) {}
        }
        if (mode == 3) {
            received += msg.value;
            lastAt = block.timestamp;
        }
    }
}

/// @notice A recipient that records the gas it was given (at entry) or burns all of it.
contract GasRecipient is IMessageRecipient {
    /// @dev true: loops until out of gas.
    bool public burn;
    uint256 public gasAtEntry;
    uint256 public calls;

    function setBurn(bool b) external {
        burn = b;
    }

    function handle(uint32, bytes32, bytes calldata) external {
        uint256 g = gasleft();
        if (burn) {
            while (true) {}
        }
        gasAtEntry = g;
        calls += 1;
    }
}
