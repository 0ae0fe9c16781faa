'use strict';
// Sign-In with Ethereum (EIP-4361) against the `siwe` package (Spruce's reference
// implementation) and ethers: messages the dApp side builds with `SiweMessage.prepareMessage()`
// are parsed by trestle-core into the same fields and rendered back to the same text; the
// wallet's signature over the text as given passes `SiweMessage.verify` and ethers
// `verifyMessage`; and the wallet refuses a message from another domain, for another chain,
// with another nonce, or expired.

const test = require('node:test');
const assert = require('node:assert/strict');
const { ethers } = require('ethers');
const { SiweMessage } = require('siwe');
const { Rng, Driver, forCases, cases, hex } = require('./lib/harness.cjs');

let driver;
test.before(() => {
  driver = new Driver();
});
test.after(() => driver.close());

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const STATEMENT = `${ALNUM} .,;:!?'()-_/&@#$*+=~`;

function word(rng, alphabet, min, max) {
  let s = '';
  const n = rng.int(min, max);
  for (let i = 0; i < n; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
  return s;
}

function iso(ms) {
  return new Date(ms).toISOString();
}

/** Random fields of a message as a dApp's back end would issue them. */
function randomFields(rng, address, issuedMs) {
  const host = `${word(rng, 'abcdefghijklmnopqrstuvwxyz', 1, 12)}.${rng.pick(['com', 'org', 'xyz', 'example'])}`;
  const domain = rng.chance(0.3) ? `${host}:${rng.int(1, 65535)}` : host;
  const fields = {
    domain,
    address,
    uri: `https://${domain}/${word(rng, ALNUM, 0, 10)}`,
    version: '1',
    chainId: rng.pick([1, 10, 137, 8453, 42161, rng.int(1, 2 ** 31)]),
    nonce: word(rng, ALNUM, 8, 24),
    issuedAt: iso(issuedMs),
  };
  if (rng.chance(0.2)) fields.scheme = 'https';
  if (rng.chance(0.8)) fields.statement = word(rng, STATEMENT, 1, 60).trim() || 'Sign in';
  if (rng.chance(0.5)) fields.expirationTime = iso(issuedMs + rng.int(600, 86400) * 1000);
  if (rng.chance(0.3)) fields.notBefore = iso(issuedMs);
  if (rng.chance(0.3)) fields.requestId = word(rng, ALNUM, 1, 16);
  if (rng.chance(0.4)) {
    fields.resources = Array.from({ length: rng.int(1, 3) }, () => `ipfs://${word(rng, ALNUM, 10, 46)}`);
  }
  return fields;
}

test('Sign-In with Ethereum: siwe messages parse to their fields and render back byte for byte; signatures pass SiweMessage.verify', async () => {
  const rng = new Rng('siwe');
  await forCases('siwe', cases(80), async () => {
    const secret = rng.bytes(32);
    const wallet = new ethers.Wallet(`0x${hex(secret)}`);
    const issuedMs = Date.UTC(2026, 0, 1) + rng.int(0, 1e9) * 1000;
    const fields = randomFields(rng, wallet.address, issuedMs);
    const text = new SiweMessage(fields).prepareMessage();

    const parsed = await driver.ok('siwe_parse', { text });
    assert.equal(parsed.text, text, 'rendered back');
    for (const k of ['domain', 'address', 'uri', 'chainId', 'nonce', 'issuedAt', 'statement', 'expirationTime', 'notBefore', 'requestId', 'scheme']) {
      assert.equal(parsed[k] ?? undefined, fields[k], k);
    }
    assert.deepEqual(parsed.resources, fields.resources ?? []);

    const now = iso(issuedMs + 60_000);
    const request = { secret: hex(secret), text, domain: fields.domain, chainId: fields.chainId, nonce: fields.nonce, now };
    const signed = await driver.ok('siwe_sign', request);
    assert.equal(signed.address, wallet.address);
    assert.equal(ethers.verifyMessage(text, signed.signature), wallet.address);
    assert.equal(signed.signature, await wallet.signMessage(text), 'the same signature as ethers');
    const verified = await new SiweMessage(text).verify({
      signature: signed.signature,
      domain: fields.domain,
      nonce: fields.nonce,
      time: now,
    });
    assert.ok(verified.success, 'SiweMessage.verify');

    // What the wallet refuses, naming why.
    const refused = async (change, pattern) => {
      const r = await driver.call('siwe_sign', { ...request, ...change });
      assert.ok(r.err, `signed with ${JSON.stringify(change)}`);
      assert.match(r.err, pattern);
    };
    await refused({ domain: 'evil.example' }, /domain/i);
    await refused({ chainId: fields.chainId + 1 }, /chain id/i);
    await refused({ nonce: `${fields.nonce}x` }, /nonce/i);
    if (fields.expirationTime) await refused({ now: fields.expirationTime }, /expir/i);
  });
});

test('Sign-In with Ethereum: what siwe parses back from our rendering, and malformed texts refused', async () => {
  const rng = new Rng('siwe-render');
  await forCases('siwe render', cases(40), async () => {
    const wallet = ethers.Wallet.createRandom();
    const fields = randomFields(rng, wallet.address, Date.UTC(2026, 0, 1) + rng.int(0, 1e9) * 1000);
    const text = new SiweMessage(fields).prepareMessage();
    const ours = await driver.ok('siwe_parse', { text });
    const theirs = new SiweMessage(ours.text);
    assert.equal(theirs.domain, fields.domain);
    assert.equal(theirs.address, fields.address);
    assert.equal(theirs.nonce, fields.nonce);
    assert.equal(theirs.chainId, fields.chainId);
    // Malformed texts are refused: a lower-case (non EIP-55) address, a short nonce.
    const lower = text.replace(wallet.address, wallet.address.toLowerCase());
    if (lower !== text) assert.ok((await driver.call('siwe_parse', { text: lower })).err, 'lower-case address');
    const shortNonce = text.replace(`Nonce: ${fields.nonce}`, 'Nonce: abc');
    assert.match((await driver.call('siwe_parse', { text: shortNonce })).err, /nonce/i);
  });
});
