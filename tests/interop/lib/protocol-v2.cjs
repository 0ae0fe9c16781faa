'use strict';
// Trestle protocol version 2, re-implemented from docs/protocol.md alone (no Rust or Solidity
// source was read to write it): message encoding and id, body kinds, token ids, the 120-byte
// attestation preimage, its inner hash and EIP-191 digest, signature-set verification in the
// documented order of checks, validator-set rules and the token bucket. Errors carry the codes of
// `trestle_bridge::Error::code()` that the document names, so that the shared vectors
// (bridge/vectors/v2.json) can be compared code for code.

const fs = require('node:fs');
const path = require('node:path');
const ethers = require('ethers');

const VERSION = 2;
const HEADER_LEN = 81; // version 1 + nonce 8 + origin 4 + sender 32 + destination 4 + recipient 32
const MAX_BODY_LEN = 16 * 1024;
const TOKEN_TRANSFER_LEN = 97;
const MESSAGE_BODY_MIN = 9;
const KIND_MESSAGE = 0x00;
const KIND_TOKEN_TRANSFER = 0x01;
const SIGNATURE_LEN = 65;
const SOLANA_MAX_GAS_LIMIT = 1_200_000n;
/** Native ether's home token: the sentinel address, as a universal (left-padded) address. */
const NATIVE_HOME_TOKEN = ethers.zeroPadValue('0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE', 32).toLowerCase();
const DIGEST_TAG = ethers.toUtf8Bytes('TRESTLE'); // the 7 ASCII bytes
const ATTESTATION_PREIMAGE_LEN = 120;
const U64_MAX = (1n << 64n) - 1n;
const SECP256K1_N = ethers.N;
const HALF_N = SECP256K1_N / 2n;

/** A refusal named by its `trestle_bridge::Error::code()`, with the facts that go with it. */
class ProtocolError extends Error {
  constructor(code, detail = {}) {
    super(`${code}${Object.keys(detail).length ? ` ${JSON.stringify(detail, bigintJson)}` : ''}`);
    this.code = code;
    this.detail = detail;
  }
}

function bigintJson(_k, v) {
  return typeof v === 'bigint' ? v.toString() : v;
}

// ---- fixed-width big-endian fields ------------------------------------------------------------

function uint(value, bytes) {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(8 * bytes)) throw new RangeError(`${value} does not fit ${bytes} bytes`);
  return ethers.getBytes(ethers.toBeHex(v, bytes));
}
const u8 = (v) => uint(v, 1);
const u32 = (v) => uint(v, 4);
const u64 = (v) => uint(v, 8);
const u256 = (v) => uint(v, 32);

function bytes32(value) {
  const b = ethers.getBytes(value);
  if (b.length !== 32) throw new RangeError(`${value} is not 32 bytes`);
  return b;
}

/** The universal 32-byte form of an EVM address (12 zero bytes, then the address). */
function universal(address) {
  return ethers.zeroPadValue(ethers.getAddress(address), 32).toLowerCase();
}

/** The EVM address inside a universal address whose upper 12 bytes are zero, else null. */
function evmAddressOf(value) {
  const b = bytes32(value);
  if (b.subarray(0, 12).some((x) => x !== 0)) return null;
  return ethers.getAddress(ethers.hexlify(b.subarray(12)));
}

const readUint = (b, from, to) => BigInt(ethers.hexlify(b.subarray(from, to)));
const hexOf = (b) => ethers.hexlify(b);

// ---- bodies -------------------------------------------------------------------------------

/** `0x00 || gas limit (u64) || payload`. */
function messageBody(gasLimit, payload) {
  return ethers.concat([u8(KIND_MESSAGE), u64(gasLimit), ethers.getBytes(payload)]);
}

/** `0x01 || token id || amount (uint256) || beneficiary`, exactly 97 bytes. */
function tokenTransferBody(tokenIdValue, amount, beneficiary) {
  return ethers.concat([u8(KIND_TOKEN_TRANSFER), bytes32(tokenIdValue), u256(amount), bytes32(beneficiary)]);
}

/** `keccak256(home domain (u32) || home token (bytes32))`. */
function tokenId(homeDomain, homeToken) {
  return ethers.keccak256(ethers.concat([u32(homeDomain), bytes32(homeToken)]));
}

// ---- messages -----------------------------------------------------------------------------

function encodeMessage({ nonce, origin, sender, destination, recipient, body }) {
  return ethers.concat([
    u8(VERSION),
    u64(nonce),
    u32(origin),
    bytes32(sender),
    u32(destination),
    bytes32(recipient),
    ethers.getBytes(body),
  ]);
}

const messageId = (encoded) => ethers.keccak256(encoded);

/**
 * Decodes a message, refusing in the documented order (1-9 of "Message"). Returns the header
 * fields, `body`, `kind` ('message' | 'token_transfer') and the body's own fields.
 */
function decodeMessage(encoded) {
  const b = ethers.getBytes(encoded);
  if (b.length < HEADER_LEN) throw new ProtocolError('message_too_short', { len: b.length });
  const version = b[0];
  if (version !== VERSION) throw new ProtocolError('unsupported_version', { version });
  const origin = Number(readUint(b, 9, 13));
  const destination = Number(readUint(b, 45, 49));
  if (origin === 0 || destination === 0) throw new ProtocolError('zero_domain', { origin, destination });
  const body = b.subarray(HEADER_LEN);
  if (body.length > MAX_BODY_LEN) throw new ProtocolError('body_too_large', { len: body.length });
  if (body.length === 0) throw new ProtocolError('empty_body');
  const header = {
    version,
    nonce: readUint(b, 1, 9),
    origin,
    sender: hexOf(b.subarray(13, 45)),
    destination,
    recipient: hexOf(b.subarray(49, 81)),
    body: hexOf(body),
    id: messageId(b),
  };
  switch (body[0]) {
    case KIND_TOKEN_TRANSFER:
      if (body.length !== TOKEN_TRANSFER_LEN) throw new ProtocolError('token_transfer_length', { len: body.length });
      return {
        ...header,
        kind: 'token_transfer',
        tokenId: hexOf(body.subarray(1, 33)),
        amount: readUint(body, 33, 65),
        beneficiary: hexOf(body.subarray(65, 97)),
      };
    case KIND_MESSAGE: {
      if (body.length < MESSAGE_BODY_MIN) throw new ProtocolError('message_body_length', { len: body.length });
      const gasLimit = readUint(body, 1, 9);
      if (gasLimit === 0n) throw new ProtocolError('zero_gas_limit');
      return { ...header, kind: 'message', gasLimit, payload: hexOf(body.subarray(9)) };
    }
    default:
      throw new ProtocolError('unknown_body_kind', { kind: body[0] });
  }
}

// ---- attestation digest -------------------------------------------------------------------

/** `"TRESTLE" || u8 2 || u32 origin || origin bridge || u32 destination || destination bridge
 *  || u64 epoch || message id`: 120 bytes. */
function attestationPreimage({ origin, originBridge, destination, destinationBridge, epoch, messageId: id }) {
  const p = ethers.concat([
    DIGEST_TAG,
    u8(VERSION),
    u32(origin),
    bytes32(originBridge),
    u32(destination),
    bytes32(destinationBridge),
    u64(epoch),
    bytes32(id),
  ]);
  if (ethers.dataLength(p) !== ATTESTATION_PREIMAGE_LEN) throw new Error('preimage is not 120 bytes');
  return p;
}

const innerHash = (attestation) => ethers.keccak256(attestationPreimage(attestation));

/** keccak256("\x19Ethereum Signed Message:\n32" || inner): ethers' hashMessage of the 32 bytes. */
const attestationDigest = (attestation) => ethers.hashMessage(ethers.getBytes(innerHash(attestation)));

/** A validator's signature: an EIP-191 personal_sign of the 32 bytes of `inner` (r || s || v). */
async function attest(wallet, attestation) {
  return wallet.signMessage(ethers.getBytes(innerHash(attestation)));
}

/** Signs with every wallet and concatenates in strictly ascending signer order. */
async function signatureSet(wallets, attestation) {
  const sigs = await Promise.all(wallets.map(async (w) => ({ addr: BigInt(w.address), sig: await attest(w, attestation) })));
  sigs.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  return ethers.concat(sigs.map((s) => s.sig));
}

// ---- signature sets -----------------------------------------------------------------------

/**
 * Verifies a set against `digest` and a validator set (`validators`, `threshold`), in the
 * documented order: bad_length; per signature bad_v, high_s, recovery_failed, duplicate /
 * unsorted, not_member; then below_threshold. Returns `{ code: 'ok', signers }` or
 * `{ code, index?, signer?, ... }` for the first failure.
 */
function verifySignatureSet(signatures, digest, { validators, threshold }) {
  const b = ethers.getBytes(signatures);
  if (b.length % SIGNATURE_LEN !== 0) return { code: 'bad_length', len: b.length };
  const members = new Set(validators.map((v) => ethers.getAddress(v)));
  const signers = [];
  let previous = null;
  for (let index = 0; index * SIGNATURE_LEN < b.length; index++) {
    const sig = b.subarray(index * SIGNATURE_LEN, (index + 1) * SIGNATURE_LEN);
    const r = readUint(sig, 0, 32);
    const s = readUint(sig, 32, 64);
    const v = sig[64];
    if (v !== 27 && v !== 28) return { code: 'bad_v', index, v };
    if (s > HALF_N) return { code: 'high_s', index };
    const signer = recover(digest, r, s, v);
    if (signer === null) return { code: 'recovery_failed', index };
    if (previous !== null) {
      if (BigInt(signer) === BigInt(previous)) return { code: 'duplicate', index, signer };
      if (BigInt(signer) < BigInt(previous)) return { code: 'unsorted', index, signer, previous };
    }
    if (!members.has(signer)) return { code: 'not_member', index, signer };
    signers.push(signer);
    previous = signer;
  }
  if (signers.length < threshold) return { code: 'below_threshold', got: signers.length, threshold };
  return { code: 'ok', signers };
}

/** ecrecover as the document describes it: null for r or s zero or out of range, a point that
 *  does not recover, or the zero address. */
function recover(digest, r, s, v) {
  if (r === 0n || s === 0n || r >= SECP256K1_N || s >= SECP256K1_N) return null;
  try {
    const signer = ethers.recoverAddress(digest, {
      r: ethers.toBeHex(r, 32),
      s: ethers.toBeHex(s, 32),
      v,
    });
    return signer === ethers.ZeroAddress ? null : signer;
  } catch {
    return null;
  }
}

/** Off-chain verification of an attestation told its epoch: wrong_epoch first, then the set. */
function verifyAttestation(signatures, attestation, set) {
  if (BigInt(attestation.epoch) !== BigInt(set.epoch)) return { code: 'wrong_epoch' };
  return verifySignatureSet(signatures, attestationDigest(attestation), set);
}

// ---- validator sets -----------------------------------------------------------------------

/**
 * The rules of "Validator sets": epoch >= 1, validators non-empty, at most 255, strictly
 * ascending, no zero address, 1 <= threshold <= n; with `configuration`, also
 * ceil(2n/3) <= threshold. Returns null or the error code.
 */
function validatorSetError({ epoch, validators, threshold }, { configuration = false } = {}) {
  if (BigInt(epoch) < 1n) return 'zero_epoch';
  if (validators.length === 0) return 'empty_validator_set';
  if (validators.length > 255) return 'too_many_validators';
  for (let i = 0; i < validators.length; i++) {
    const a = BigInt(validators[i]);
    if (a === 0n) return 'zero_validator';
    if (i > 0 && a <= BigInt(validators[i - 1])) return 'validators_not_ascending';
  }
  const n = validators.length;
  if (threshold < 1 || threshold > n) return 'invalid_threshold';
  if (configuration && threshold < minConfigurationThreshold(n)) return 'threshold_below_two_thirds';
  return null;
}

/** ceil(2n/3): the smallest threshold any configured set may have. */
const minConfigurationThreshold = (n) => Math.ceil((2 * n) / 3);

// ---- token bucket -------------------------------------------------------------------------

/**
 * `(capacity, refill per second)` with available(now) = min(capacity, level + (now - last) *
 * refill). A bucket starts full (the vectors start there; the document does not say). A plain
 * consume takes the amount if available; a queued transfer's consume also executes an amount
 * larger than the capacity on a full bucket and empties it. A refused consume changes nothing.
 */
class TokenBucket {
  constructor(capacity, refill, now) {
    this.capacity = BigInt(capacity);
    this.refill = BigInt(refill);
    this.level = this.capacity;
    this.last = BigInt(now);
  }
  available(now) {
    const t = BigInt(now);
    const elapsed = t > this.last ? t - this.last : 0n;
    const v = this.level + elapsed * this.refill;
    return v < this.capacity ? v : this.capacity;
  }
  consume(amount, now) {
    const a = BigInt(amount);
    const avail = this.available(now);
    if (a > avail) return { code: 'rate_limited', requested: a, available: avail };
    this.level = avail - a;
    this.last = BigInt(now);
    return { code: 'ok' };
  }
  consumeQueued(amount, now) {
    const a = BigInt(amount);
    const avail = this.available(now);
    if (a > this.capacity && avail === this.capacity) {
      this.level = 0n;
      this.last = BigInt(now);
      return { code: 'ok' };
    }
    return this.consume(a, now);
  }
  /** New parameters: the level accrued so far under the old ones, kept under the new capacity
   *  (the vectors' rule; the document does not describe reconfiguration). */
  reconfigure(capacity, refill, now) {
    const avail = this.available(now);
    this.capacity = BigInt(capacity);
    this.refill = BigInt(refill);
    this.level = avail < this.capacity ? avail : this.capacity;
    this.last = BigInt(now);
    return { code: 'ok' };
  }
}

// ---- the shared vectors --------------------------------------------------------------------

/** bridge/vectors/v2.json, with integers beyond 2^53 (u64 nonces, epochs) kept as strings so that
 *  BigInt sees every digit. */
function loadVectors() {
  const file = path.join(__dirname, '..', '..', '..', 'bridge', 'vectors', 'v2.json');
  return JSON.parse(fs.readFileSync(file, 'utf8').replace(/([:[,]\s*)(\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}

/** Orders addresses (or any hex numbers) as numbers: strictly ascending signer order. */
const byNumber = (x, y) => (BigInt(x) < BigInt(y) ? -1 : BigInt(x) > BigInt(y) ? 1 : 0);

module.exports = {
  loadVectors,
  byNumber,
  VERSION,
  HEADER_LEN,
  MAX_BODY_LEN,
  TOKEN_TRANSFER_LEN,
  SIGNATURE_LEN,
  SOLANA_MAX_GAS_LIMIT,
  NATIVE_HOME_TOKEN,
  U64_MAX,
  HALF_N,
  ProtocolError,
  u32,
  u64,
  universal,
  evmAddressOf,
  messageBody,
  tokenTransferBody,
  tokenId,
  encodeMessage,
  decodeMessage,
  messageId,
  attestationPreimage,
  innerHash,
  attestationDigest,
  attest,
  signatureSet,
  verifySignatureSet,
  verifyAttestation,
  validatorSetError,
  minConfigurationThreshold,
  TokenBucket,
};
