// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice What the destination bridge calls for an arbitrary message. Implementations must
/// check that `msg.sender` is the bridge and that `(origin, sender)` is someone they trust.
interface IMessageRecipient {
    /// @param origin the origin domain
    /// @param sender the account that called `sendMessage` on the origin (32-byte universal form)
    /// @param payload the message payload
    function handle(uint32 origin, bytes32 sender, bytes calldata payload) external;
}
