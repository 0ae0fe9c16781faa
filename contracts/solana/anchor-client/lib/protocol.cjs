'use strict';
// The bytes of docs/protocol.md (version 2), written from the document alone: messages,
// token-transfer bodies, token ids, the attestation digest and secp256k1 signature sets
// (@noble/curves). Integers here are big-endian and fixed width, as the protocol says; Solana
// seeds and Borsh are little-endian and live in the test.

const { keccak_256 } = require('@noble/hashes/sha3');
const { secp256k1 } = require('@noble/curves/secp256k1');

const VERSION = 2;
const HEADER_LEN = 81;

const keccak = (...parts) => Buffer.from(keccak_256(Buffer.concat(parts.map((p) => Buffer.from(p)))));

function u32be(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u64be(n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

function u256be(n) {
  const hex = BigInt(n).toString(16).padStart(64, '0');
  if (hex.length > 64) throw new RangeError(`${n} does not fit 256 bits`);
  return Buffer.from(hex, 'hex');
}

function bytes32(b) {
  const buf = Buffer.from(b);
  if (buf.length !== 32) throw new RangeError(`expected 32 bytes, got ${buf.length}`);
  return buf;
}

/** `version || nonce || origin || sender || destination || recipient || body`. */
function encodeMessage({ nonce, origin, sender, destination, recipient, body }) {
  return Buffer.concat([
    Buffer.from([VERSION]),
    u64be(nonce),
    u32be(origin),
    bytes32(sender),
    u32be(destination),
    bytes32(recipient),
    Buffer.from(body),
  ]);
}

/** `0x01 || token id || amount (uint256) || beneficiary`, 97 bytes. */
function transferBody(tokenId, amount, beneficiary) {
  return Buffer.concat([Buffer.from([1]), bytes32(tokenId), u256be(amount), bytes32(beneficiary)]);
}

/** `keccak256(home domain (u32) || home token (bytes32))`. */
function tokenId(homeDomain, homeToken) {
  return keccak(u32be(homeDomain), bytes32(homeToken));
}

const messageId = (message) => keccak(message);

/** The attestation preimage (120 bytes), its hash `inner`, and the EIP-191 `digest`. */
function digest({ origin, originBridge, destination, destinationBridge, epoch, id }) {
  const preimage = Buffer.concat([
    Buffer.from('TRESTLE', 'ascii'),
    Buffer.from([VERSION]),
    u32be(origin),
    bytes32(originBridge),
    u32be(destination),
    bytes32(destinationBridge),
    u64be(epoch),
    bytes32(id),
  ]);
  const inner = keccak(preimage);
  return { preimage, inner, digest: keccak(Buffer.from('\x19Ethereum Signed Message:\n32', 'ascii'), inner) };
}

/** A validator: a secp256k1 key and its Ethereum address. */
function validator(privateKey) {
  const pub = secp256k1.getPublicKey(privateKey, false);
  return { privateKey, address: keccak(pub.subarray(1)).subarray(12) };
}

/** A set: the 65-byte `r || s || v` signatures (v 27/28, low s) in ascending signer order. */
function signatureSet(digestBytes, validators) {
  return Buffer.concat(
    [...validators]
      .sort((a, b) => Buffer.compare(a.address, b.address))
      .map((v) => {
        const sig = secp256k1.sign(digestBytes, v.privateKey, { lowS: true });
        return Buffer.concat([u256be(sig.r), u256be(sig.s), Buffer.from([27 + sig.recovery])]);
      }),
  );
}

module.exports = {
  HEADER_LEN,
  VERSION,
  digest,
  encodeMessage,
  keccak,
  messageId,
  signatureSet,
  tokenId,
  transferBody,
  validator,
};
