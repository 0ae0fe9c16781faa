'use strict';
// EIP-55 addresses, signed transactions (legacy + EIP-155, EIP-2930, EIP-1559) and EIP-191
// messages, on random inputs, against ethers v6 and @metamask/eth-sig-util.

const test = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const sigUtil = require('@metamask/eth-sig-util');
const { Rng, Driver, forCases, cases, hex } = require('./lib/harness.cjs');

const N = ethers.N; // secp256k1 group order

function privateKey(rng) {
  for (;;) {
    const k = rng.bytes(32);
    const v = BigInt(`0x${hex(k)}`);
    if (v > 0n && v < N) return k;
  }
}

let driver;
test.before(() => {
  driver = new Driver();
});
test.after(() => driver.close());

test('EIP-55 checksums and mixed-case rejection', async () => {
  const rng = new Rng('eip55');
  await forCases('EIP-55', cases(200), async () => {
    const raw = rng.chance(0.1) ? Buffer.alloc(20, rng.pick([0, 0xff])) : rng.bytes(20);
    const lower = `0x${hex(raw)}`;
    const ours = await driver.ok('evm_checksum', { address: hex(raw) });
    const theirs = ethers.getAddress(lower);
    assert.equal(ours, theirs, `checksum of ${lower}`);
    // All-lower and all-upper inputs are accepted by both.
    for (const input of [lower, `0x${hex(raw).toUpperCase()}`, theirs]) {
      assert.equal(await driver.ok('evm_parse_address', { input }), theirs, `parse ${input}`);
    }
    // Flip the case of one letter: both must refuse (when the result is still mixed case).
    const letters = [...theirs].map((c, i) => (i >= 2 && /[a-fA-F]/.test(c) ? i : -1)).filter((i) => i >= 0);
    if (letters.length < 2) return;
    const at = rng.pick(letters);
    const c = theirs[at];
    const mutated = theirs.slice(0, at) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + theirs.slice(at + 1);
    const mixed = /[a-f]/.test(mutated.slice(2)) && /[A-F]/.test(mutated.slice(2));
    if (!mixed) return;
    assert.throws(() => ethers.getAddress(mutated), /checksum/, `ethers accepts ${mutated}`);
    const r = await driver.call('evm_parse_address', { input: mutated });
    assert.ok(r.err !== undefined, `we accept the bad checksum ${mutated} (ethers refuses it)`);
  });
});

// A quantity for our request object, in one of the forms eth_signTransaction allows.
function quantity(rng, v) {
  if (v <= BigInt(Number.MAX_SAFE_INTEGER) && rng.chance(0.2)) return Number(v);
  if (rng.chance(0.2)) return v.toString(10);
  return `0x${v.toString(16)}`;
}

function accessList(rng) {
  const list = [];
  for (let n = rng.int(0, 3); n > 0; n--) {
    const storageKeys = [];
    for (let k = rng.int(0, 3); k > 0; k--) storageKeys.push(`0x${hex(rng.bytes(32))}`);
    list.push({ address: ethers.getAddress(`0x${hex(rng.bytes(20))}`), storageKeys });
  }
  return list;
}

function randomTx(rng) {
  const type = rng.int(0, 2);
  const chainId = rng.pick([1n, 5n, 137n, 10n, 42161n, BigInt(rng.int(1, 0x7fffffff)), rng.bigBits(53) || 1n, rng.bigBits(64) || 1n]);
  const tx = {
    type,
    chainId,
    nonce: rng.bigBits(rng.pick([8, 32, 53])),
    gasLimit: rng.bigBits(64),
    to: rng.chance(0.15) ? null : ethers.getAddress(`0x${hex(rng.bytes(20))}`),
    value: rng.bigBits(256),
    data: `0x${hex(rng.bytes(rng.pick([0, 0, 1, 4, 36, 68, rng.int(0, 600)])))}`,
  };
  if (type === 2) {
    tx.maxFeePerGas = rng.bigBits(256);
    tx.maxPriorityFeePerGas = tx.maxFeePerGas === 0n ? 0n : BigInt(`0x${hex(rng.bytes(32))}`) % (tx.maxFeePerGas + 1n);
  } else {
    tx.gasPrice = rng.bigBits(256);
  }
  if (type > 0) tx.accessList = accessList(rng);
  return tx;
}

function request(rng, tx) {
  const r = {
    type: `0x${tx.type}`,
    chainId: quantity(rng, tx.chainId),
    nonce: quantity(rng, tx.nonce),
    [rng.pick(['gas', 'gasLimit'])]: quantity(rng, tx.gasLimit),
    value: quantity(rng, tx.value),
    [rng.pick(['data', 'input'])]: tx.data,
  };
  if (tx.to !== null) r.to = rng.chance(0.5) ? tx.to.toLowerCase() : tx.to;
  for (const f of ['gasPrice', 'maxFeePerGas', 'maxPriorityFeePerGas']) {
    if (tx[f] !== undefined) r[f] = quantity(rng, tx[f]);
  }
  if (tx.accessList) r.accessList = tx.accessList;
  return r;
}

test('signed transactions: raw bytes equal ethers Wallet.signTransaction', async () => {
  const rng = new Rng('transactions');
  await forCases('transactions', cases(250), async () => {
    const key = privateKey(rng);
    const wallet = new ethers.Wallet(`0x${hex(key)}`);
    const tx = randomTx(rng);
    const req = request(rng, tx);
    const what = `request ${JSON.stringify(req)}`;
    const ours = await driver.ok('evm_sign_tx', { key: hex(key), request: req });
    const theirs = await wallet.signTransaction(tx);
    assert.equal(ours.raw, theirs, `raw signed transaction (${what})`);
    const parsed = ethers.Transaction.from(ours.raw);
    assert.equal(parsed.from, wallet.address, `ethers recovers the sender (${what})`);
    assert.equal(ours.from, wallet.address, `our sender (${what})`);
    assert.equal(ours.hash, parsed.hash, `transaction hash (${what})`);
    assert.equal(parsed.type, tx.type, `type (${what})`);
    // And we decode what ethers wrote.
    const decoded = await driver.ok('evm_decode_tx', { raw: theirs.slice(2) });
    assert.equal(decoded.from, wallet.address, `we recover ethers' sender (${what})`);
    assert.equal(`0x${decoded.signing_hash}`, parsed.unsignedHash, `signing hash (${what})`);
  });
});

test('EIP-191 personal_sign: equal to ethers signMessage and eth-sig-util personalSign', async () => {
  const rng = new Rng('eip191');
  await forCases('EIP-191', cases(100), async () => {
    const key = privateKey(rng);
    const wallet = new ethers.Wallet(`0x${hex(key)}`);
    const text = rng.chance(0.5) ? rng.text(rng.pick([0, 5, 40, 200])) : null;
    const bytes = text === null ? rng.bytes(rng.pick([0, 1, 32, rng.int(0, 300)])) : Buffer.from(text, 'utf8');
    const what = text === null ? `bytes 0x${hex(bytes)}` : `text ${JSON.stringify(text)}`;
    const ours = await driver.ok('evm_sign_message', { key: hex(key), message: hex(bytes) });
    const theirs = await wallet.signMessage(text === null ? bytes : text);
    assert.equal(ours, theirs, `ethers signMessage (${what})`);
    const mm = sigUtil.personalSign({ privateKey: key, data: `0x${hex(bytes)}` });
    assert.equal(ours, mm, `eth-sig-util personalSign (${what})`);
    assert.equal(ethers.verifyMessage(bytes, ours), wallet.address, `ethers verifyMessage (${what})`);
  });
});

// Raw signed transactions from ethers with one random corruption (a flipped bit, a truncation,
// trailing bytes): we decode what ethers decodes, to the same sender and signing hash, and
// refuse what it refuses, except where we are stricter on purpose or ethers is limited:
// - high-s signatures, invalid since EIP-2 (ethers still recovers a sender);
// - integers with leading zero bytes, non-canonical RLP (geth refuses them too; ethers reads
//   them, and its canonical re-encoding then differs from the input);
// - nonces above 2^53-1: valid (EIP-2681 allows up to 2^64-1), ethers cannot hold them;
// - maxPriorityFeePerGas above maxFeePerGas: ethers refuses to parse it, we decode it as geth's
//   decoder does (the transaction is invalid for execution, not malformed).
test('corrupted raw transactions: decoded and refused as ethers does', async (t) => {
  const rng = new Rng('tx-decode');
  const known = { highS: 0, nonCanonical: 0, bigNonce: 0, feeOrder: 0 };
  await forCases('raw transaction decoding', cases(200), async () => {
    const key = privateKey(rng);
    const wallet = new ethers.Wallet(`0x${hex(key)}`);
    const tx = randomTx(rng);
    tx.data = `0x${hex(rng.bytes(rng.int(0, 40)))}`;
    const raw = Buffer.from((await wallet.signTransaction(tx)).slice(2), 'hex');
    let bad = Buffer.from(raw);
    const how = rng.int(0, 2);
    if (how === 0) bad[rng.int(0, bad.length - 1)] ^= 1 << rng.int(0, 7);
    else if (how === 1) bad = bad.subarray(0, rng.int(0, bad.length - 1));
    else bad = Buffer.concat([bad, rng.bytes(rng.int(1, 3))]);
    let theirs = null; // null when ethers refuses the bytes or recovers no sender from them
    let theirError = null;
    try {
      theirs = ethers.Transaction.from(`0x${hex(bad)}`);
      if (theirs.signature === null || !theirs.from) theirs = null;
    } catch (e) {
      theirError = e;
      theirs = null;
    }
    const r = await driver.call('evm_decode_tx', { raw: hex(bad) });
    const what = `raw 0x${hex(bad)} (corrupted from 0x${hex(raw)})`;
    if (theirs === null) {
      if (r.err === undefined && theirError && theirError.argument === 'nonce' && /overflow/.test(theirError.shortMessage)) {
        known.bigNonce++;
        return;
      }
      if (r.err === undefined && theirError && /priorityFee cannot be more than maxFee/.test(theirError.shortMessage)) {
        known.feeOrder++;
        return;
      }
      assert.ok(r.err !== undefined, `we decode what ethers refuses: ${theirError && theirError.shortMessage} (${what})`);
      return;
    }
    if (r.err !== undefined && BigInt(theirs.signature._s) > ethers.N / 2n) {
      known.highS++;
      return;
    }
    if (r.err !== undefined && /non-canonical/.test(r.err) && theirs.serialized !== `0x${hex(bad)}`) {
      known.nonCanonical++;
      return;
    }
    assert.equal(r.err, undefined, `we refuse what ethers decodes (${what})`);
    assert.equal(r.ok.from, theirs.from, `sender (${what})`);
    assert.equal(`0x${r.ok.signing_hash}`, theirs.unsignedHash, `signing hash (${what})`);
  });
  t.diagnostic(`refused by us only, high-s: ${known.highS}, non-canonical RLP: ${known.nonCanonical}; decoded by us only, nonce > 2^53: ${known.bigNonce}, tip above fee cap: ${known.feeOrder}`);
});
