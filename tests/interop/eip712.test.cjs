'use strict';
// EIP-712 (eth_signTypedData_v4) on random typed-data documents built from random type graphs,
// against @metamask/eth-sig-util V4 (digest, domain separator, signature) and, where ethers'
// TypedDataEncoder defines the document, ethers v6.

const test = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const sigUtil = require('@metamask/eth-sig-util');
const { Rng, Driver, forCases, cases, hex } = require('./lib/harness.cjs');

const ATOMIC_NAME = /^(u?int\d*|bytes\d*|bool|address|string|function)$/;
const DOMAIN_FIELDS = [
  ['name', 'string'],
  ['version', 'string'],
  ['chainId', 'uint256'],
  ['verifyingContract', 'address'],
  ['salt', 'bytes32'],
];

function identifier(rng, upper) {
  const first = 'abcdefghijklmnopqrstuvwxyz';
  const rest = `${first}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_`;
  let s = rng.pick([...first]);
  if (upper || rng.chance(0.3)) s = s.toUpperCase();
  for (let n = rng.int(0, 6); n > 0; n--) s += rng.pick([...rest]);
  return s;
}

function atomicType(rng) {
  switch (rng.int(0, 6)) {
    case 0:
      return `uint${8 * rng.int(1, 32)}`;
    case 1:
      return `int${8 * rng.int(1, 32)}`;
    case 2:
      return 'bool';
    case 3:
      return 'address';
    case 4:
      return `bytes${rng.int(1, 32)}`;
    case 5:
      return 'bytes';
    default:
      return 'string';
  }
}

/**
 * A random acyclic type graph: struct i may use struct j only if j > i, so struct 0 (the
 * primary type) is the only root. `flags.v4only` is set when the document is outside what
 * ethers' TypedDataEncoder defines (unused types, null structs, extra keys, ...).
 */
function randomTypes(rng, flags) {
  const names = [];
  const count = rng.int(1, 5);
  while (names.length < count) {
    const name = identifier(rng, rng.chance(0.7));
    if (!ATOMIC_NAME.test(name) && name !== 'EIP712Domain' && !names.includes(name)) names.push(name);
  }
  const types = {};
  const used = new Set();
  names.forEach((name, i) => {
    const fields = [];
    const fieldNames = new Set();
    for (let n = rng.int(1, 4); n > 0; n--) {
      let fname = identifier(rng, false);
      while (fieldNames.has(fname)) fname = identifier(rng, false);
      fieldNames.add(fname);
      let type;
      if (i + 1 < names.length && rng.chance(0.35)) {
        const j = rng.int(i + 1, names.length - 1);
        type = names[j];
        used.add(j);
      } else {
        type = atomicType(rng);
      }
      for (let d = rng.pick([0, 0, 0, 1, 1, 2]); d > 0; d--) type += rng.chance(0.5) ? '[]' : `[${rng.int(1, 3)}]`;
      fields.push({ name: fname, type });
    }
    types[name] = fields;
  });
  // Make every struct reachable from the primary type (ethers wants one root), except
  // sometimes: V4 hashes documents with unused types too.
  for (let j = 1; j < names.length; j++) {
    if (used.has(j)) continue;
    if (rng.chance(0.1)) {
      flags.v4only = 'an unused struct type';
      continue;
    }
    const i = rng.int(0, j - 1);
    let fname = identifier(rng, false);
    while (types[names[i]].some((f) => f.name === fname)) fname = identifier(rng, false);
    types[names[i]].push({ name: fname, type: names[j] + (rng.chance(0.3) ? '[]' : '') });
  }
  return { names, types };
}

function numberValue(rng, v) {
  const safe = v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER);
  if (safe && rng.chance(0.4)) return Number(v);
  if (v >= 0n && rng.chance(0.4)) return `0x${v.toString(16)}`;
  return v.toString(10);
}

// Inputs that eth-sig-util V4 defines and trestle documents as read the same way, but that
// ethers refuses; each sets `flags.v4only` so that only eth-sig-util is compared.
function v4Quirk(rng, type, flags) {
  let m;
  const quirk = (why, value) => {
    flags.v4only = why;
    return { value };
  };
  if (type === 'bytes') {
    switch (rng.int(0, 3)) {
      case 0:
        return quirk('odd-length hex bytes', `0x${hex(rng.bytes(rng.int(1, 8))).slice(1)}`);
      case 1:
        return quirk('a non-hex string as bytes (UTF-8)', `${rng.text(6)}g`);
      case 2:
        return quirk('a number as bytes', rng.int(0, 2 ** 31));
      default:
        // Not "0X" alone: eth-sig-util reads only "0x" alone as empty bytes, "0X" as the UTF-8
        // of "0X" (trestle reads both as empty; see the README).
        return quirk('upper-case 0X hex bytes', `0X${hex(rng.bytes(rng.int(1, 8))).toUpperCase()}`);
    }
  }
  if (type === 'string') return rng.chance(0.5) ? quirk('a null string', null) : quirk('a number as string', rng.int(0, 2 ** 31));
  if ((m = /^bytes(\d+)$/.exec(type))) {
    return rng.chance(0.5)
      ? quirk('a number as bytesN', rng.int(0, 2 ** (8 * Math.min(Number(m[1]), 6)) - 1))
      : quirk('short hex for bytesN', `0x${hex(rng.bytes(rng.int(0, Number(m[1]) - 1)))}`);
  }
  if (type === 'address') {
    const a = [...hex(rng.bytes(20))].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c)).join('');
    return quirk('an address in random case', `0x${a}`);
  }
  if (/^u?int\d+$/.test(type)) return null;
  return null;
}

function atomicValue(rng, type, flags = {}) {
  let m;
  if (rng.chance(0.02)) {
    const q = v4Quirk(rng, type, flags);
    if (q) return q.value;
  }
  if ((m = /^uint(\d+)$/.exec(type))) return numberValue(rng, rng.bigBits(Number(m[1])));
  if ((m = /^int(\d+)$/.exec(type))) {
    const bits = Number(m[1]);
    let v = rng.bigBits(bits - 1);
    if (rng.chance(0.5)) v = -v - (rng.chance(0.5) ? 1n : 0n); // down to -2^(bits-1)
    return numberValue(rng, v);
  }
  if (type === 'bool') return rng.chance(0.5);
  if (type === 'address') {
    const a = `0x${hex(rng.bytes(20))}`;
    return rng.chance(0.5) ? a : ethers.getAddress(a);
  }
  if ((m = /^bytes(\d+)$/.exec(type))) return `0x${hex(rng.bytes(Number(m[1])))}`;
  if (type === 'bytes') return `0x${hex(rng.bytes(rng.pick([0, 1, 20, 32, rng.int(0, 80)])))}`;
  if (type === 'string') return rng.text(rng.pick([0, 3, 20]));
  throw new Error(`no generator for ${type}`);
}

function randomValue(rng, types, type, flags, depth) {
  const arr = /^(.*)\[(\d*)\]$/.exec(type);
  if (arr) {
    const len = arr[2] === '' ? rng.int(0, depth > 3 ? 1 : 3) : Number(arr[2]);
    return Array.from({ length: len }, () => randomValue(rng, types, arr[1], flags, depth + 1));
  }
  if (types[type]) {
    if (depth > 0 && rng.chance(0.03)) {
      flags.v4only = 'a null struct value (V4 encodes 32 zero bytes)';
      return null;
    }
    const obj = {};
    for (const f of types[type]) {
      if (types[f.type] && rng.chance(0.03)) {
        flags.v4only = 'a missing struct value (V4 encodes 32 zero bytes)';
        continue;
      }
      obj[f.name] = randomValue(rng, types, f.type, flags, depth + 1);
    }
    if (rng.chance(0.03)) {
      flags.v4only = 'a message key that is not a field';
      obj[`${identifier(rng, false)}Extra`] = 'ignored';
    }
    return obj;
  }
  return atomicValue(rng, type, flags);
}

function randomDocument(rng) {
  const flags = {};
  const { names, types } = randomTypes(rng, flags);
  const domainFields = DOMAIN_FIELDS.filter(() => rng.chance(0.6));
  const domain = {};
  for (const [name, type] of domainFields) {
    domain[name] = name === 'chainId' ? numberValue(rng, rng.bigBits(rng.pick([8, 32, 64, 256]))) : atomicValue(rng, type, flags);
  }
  const allTypes = { EIP712Domain: domainFields.map(([name, type]) => ({ name, type })), ...types };
  if (rng.chance(0.04)) {
    delete allTypes.EIP712Domain;
    for (const k of Object.keys(domain)) delete domain[k];
    flags.v4only = 'no EIP712Domain type (V4: an empty struct)';
  }
  let primaryType = names[0];
  if (rng.chance(0.04)) {
    primaryType = 'EIP712Domain';
    flags.v4only = 'primaryType EIP712Domain (V4: the domain separator alone)';
  }
  const message = randomValue(rng, allTypes, names[0], flags, 0);
  return { doc: { types: allTypes, primaryType, domain, message }, flags };
}

test('EIP-712 V4: random documents against eth-sig-util and ethers', async () => {
  const rng = new Rng('eip712');
  const driver = new Driver();
  let viaEthers = 0;
  try {
    await forCases('EIP-712', cases(300), async () => {
      const key = rng.bytes(32);
      const { doc, flags } = randomDocument(rng);
      const what = `document ${JSON.stringify(doc)}`;
      const r = await driver.call('eip712', { key: hex(key), data: doc });
      const digest = hex(sigUtil.TypedDataUtils.eip712Hash(doc, sigUtil.SignTypedDataVersion.V4));
      assert.equal(r.err, undefined, `we refuse a document eth-sig-util hashes to ${digest}: ${r.err} (${what})`);
      const ours = r.ok;
      assert.equal(ours.digest, digest, `digest vs eth-sig-util (${what})`);
      const domainHash = hex(sigUtil.TypedDataUtils.eip712DomainHash(doc, sigUtil.SignTypedDataVersion.V4));
      assert.equal(ours.domain_separator, domainHash, `domain separator vs eth-sig-util (${what})`);
      const signature = sigUtil.signTypedData({ privateKey: key, data: doc, version: sigUtil.SignTypedDataVersion.V4 });
      assert.equal(ours.signature, signature, `signature vs eth-sig-util (${what})`);
      if (flags.v4only) return;
      viaEthers++;
      const { EIP712Domain, ...types } = doc.types;
      const ethersDomain = { ...doc.domain };
      const ethersDigest = ethers.TypedDataEncoder.hash(ethersDomain, types, doc.message);
      assert.equal(`0x${ours.digest}`, ethersDigest, `digest vs ethers TypedDataEncoder (${what})`);
      assert.equal(`0x${ours.domain_separator}`, ethers.TypedDataEncoder.hashDomain(ethersDomain), `domain vs ethers (${what})`);
      const wallet = new ethers.Wallet(`0x${hex(key)}`);
      assert.equal(ours.signature, await wallet.signTypedData(ethersDomain, types, doc.message), `signature vs ethers (${what})`);
    });
  } finally {
    driver.close();
  }
  assert.ok(viaEthers > cases(300) / 2, `only ${viaEthers} documents were also checked with ethers`);
});

// eth_signTypedData_v4 receives JSON text; MetaMask reads it with JSON.parse, so a JSON number
// is an IEEE double and one beyond 2^53 means the nearest double, not its decimal digits
// (JavaScript itself writes 2^60 as 1152921504606847000). trestle-core's own rule is to refuse
// numbers a JSON number does not carry exactly (parse_integer in core/src/evm/eip712.rs), but
// integers in (2^53, 2^64) pass through as_u64/as_i64 and are hashed as their decimal digits: a
// different message from the one MetaMask and the dapp (ethers) hash. Ours must refuse them or
// hash what V4 hashes. Fails until parse_integer bounds the u64/i64 branches by 2^53.
test('EIP-712 V4: JSON numbers beyond 2^53 are refused or read as JSON.parse reads them', async () => {
  const rng = new Rng('eip712-json-numbers');
  const driver = new Driver();
  try {
    await forCases('EIP-712 JSON numbers', cases(20), async (i) => {
      const type = i % 2 === 0 ? 'uint256' : 'int256';
      let v = 2n ** 53n + 1n + (rng.bigBits(63) % (2n ** 64n - 2n ** 53n - 1n));
      if (type === 'int256') v = -(v % 2n ** 63n) - 1n;
      if (v > -(2n ** 53n) && v < 2n ** 53n) v = -(2n ** 53n) - 1n;
      const text = `{"types":{"EIP712Domain":[],"M":[{"name":"v","type":"${type}"}]},"primaryType":"M","domain":{},"message":{"v":${v}}}`;
      const doc = JSON.parse(text); // what MetaMask holds: v rounded to a double
      const theirs = hex(sigUtil.TypedDataUtils.eip712Hash(doc, sigUtil.SignTypedDataVersion.V4));
      // toJson writes the BigInt's exact digits, so the driver reads the same text.
      const r = await driver.call('eip712', { key: hex(rng.bytes(32)), data: { ...doc, message: { v } } });
      if (r.err !== undefined) return; // refused: fine
      assert.equal(
        r.ok.digest,
        theirs,
        `message {"v": ${v}} (${type}): eth-sig-util hashes v = ${BigInt(doc.message.v)} (the JSON.parse value), we hash v = ${v}`,
      );
    });
  } finally {
    driver.close();
  }
});
