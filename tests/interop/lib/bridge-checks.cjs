'use strict';
// What the protocol tests assert with: decoded reverts by name and arguments, the on-chain error
// an off-chain signature-set result corresponds to, and two contracts made from raw bytecode
// (the artifacts have no message recipient with code).

const assert = require('node:assert/strict');
const ethers = require('ethers');
const E = require('./evm-bridge.cjs');

const ETHER = 10n ** 18n;
const U128_MAX = (1n << 128n) - 1n;
const DAY = 86_400;

/** JSON with BigInts as decimal strings (for messages). */
const fmt = (x) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
/** A decoded revert's arguments, strings lower-cased (addresses and hashes compare as hex). */
const argsOf = (r) => (r.args ? [...r.args].map((a) => (typeof a === 'string' ? a.toLowerCase() : a)) : []);

/** Asserts a decoded revert's name and (optionally) its arguments. */
function assertRevert(r, name, args, what) {
  const got = r.code === 'ok' ? 'did not revert' : `reverted ${r.name}(${fmt(argsOf(r))})`;
  assert.equal(r.name, name, `${what}: ${got}, expected ${name}`);
  if (args) assert.deepEqual(argsOf(r), args.map((a) => (typeof a === 'string' ? a.toLowerCase() : a)), `${what}: ${name} arguments`);
}

/** The on-chain error an off-chain verification result corresponds to (name and arguments). */
function expectedOnchainError(result) {
  switch (result.code) {
    case 'bad_length':
      return ['BadLength', [BigInt(result.len)]];
    case 'bad_v':
      return ['BadV', [BigInt(result.index), BigInt(result.v)]];
    case 'high_s':
      return ['HighS', [BigInt(result.index)]];
    case 'recovery_failed':
      return ['RecoveryFailed', [BigInt(result.index)]];
    case 'duplicate':
      return ['Duplicate', [BigInt(result.index), result.signer]];
    case 'unsorted':
      return ['Unsorted', [BigInt(result.index), result.signer, result.previous]];
    case 'not_member':
      return ['NotMember', [BigInt(result.index), result.signer]];
    case 'below_threshold':
      return ['BelowThreshold', [BigInt(result.got), BigInt(result.threshold)]];
    default:
      return [null, null];
  }
}

// A message recipient from raw bytecode (the artifacts' IMessageRecipient has no code): it logs
// (LOG0) the gas it was given (GAS as its first instruction: the forwarded gas minus 2) as one
// 32-byte word followed by its calldata, and stops.
//   runtime: GAS PUSH1 0 MSTORE  CALLDATASIZE PUSH1 0 PUSH1 32 CALLDATACOPY
//            CALLDATASIZE PUSH1 32 ADD PUSH1 0 LOG0 STOP
//   init:    PUSH1 18 DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN
const RECIPIENT_RUNTIME = '5a600052366000602037366020016000a000';
const RECIPIENT_INITCODE = `0x601280600b6000396000f3${RECIPIENT_RUNTIME}`;
const GAS_OPCODE_COST = 2n;
// A contract that reverts whatever it is sent:  PUSH1 0 PUSH1 0 REVERT.
const REFUSER_INITCODE = '0x600580600b6000396000f360006000fd';

/** The calls the logging recipient at `address` received in a receipt. */
function recipientCalls(receipt, address) {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === address.toLowerCase() && l.topics.length === 0)
    .map((l) => {
      const data = ethers.getBytes(l.data);
      const call = E.recipientIface.parseTransaction({ data: ethers.hexlify(data.subarray(32)) });
      return { gas: BigInt(ethers.hexlify(data.subarray(0, 32))), name: call.name, args: call.args };
    });
}

module.exports = {
  ETHER,
  U128_MAX,
  DAY,
  fmt,
  argsOf,
  assertRevert,
  expectedOnchainError,
  RECIPIENT_RUNTIME,
  RECIPIENT_INITCODE,
  GAS_OPCODE_COST,
  REFUSER_INITCODE,
  recipientCalls,
};
