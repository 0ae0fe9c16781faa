'use strict';
// Web3 Secret Storage v3 keystores: ours decrypt in ethers v6 and ethers' decrypt in ours,
// with random keys, passwords and light scrypt / pbkdf2 parameters.

const test = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const { Rng, Driver, forCases, cases, hex } = require('./lib/harness.cjs');

function privateKey(rng) {
  for (;;) {
    const k = rng.bytes(32);
    const v = BigInt(`0x${hex(k)}`);
    if (v > 0n && v < ethers.N) return k;
  }
}

// Password bytes: ASCII, random Unicode (ethers NFKC-normalises string passwords, so the
// bytes given to both sides are the NFKC form's UTF-8), or random non-UTF-8 bytes.
function password(rng) {
  switch (rng.int(0, 3)) {
    case 0:
      return Buffer.alloc(0);
    case 1:
      return Buffer.from(rng.bytes(rng.int(1, 20)).toString('base64'));
    case 2:
      return Buffer.from(rng.text(12).normalize('NFKC'), 'utf8');
    default:
      return rng.bytes(rng.int(1, 40));
  }
}

let driver;
test.before(() => {
  driver = new Driver();
});
test.after(() => driver.close());

test('our keystores decrypt in ethers', async () => {
  const rng = new Rng('keystore-ours');
  await forCases('keystore encrypt', cases(12), async (i) => {
    const key = privateKey(rng);
    const pw = password(rng);
    const kdf =
      i % 2 === 0
        ? { kdf: 'scrypt', n: 2 ** rng.int(1, 11), r: rng.int(1, 8), p: rng.int(1, 2) }
        : { kdf: 'pbkdf2', c: rng.int(1, 3000) };
    const what = `key ${hex(key)}, password 0x${hex(pw)}, ${JSON.stringify(kdf)}`;
    const json = await driver.ok('keystore_encrypt', { key: hex(key), password: hex(pw), ...kdf });
    const account = ethers.decryptKeystoreJsonSync(json, pw);
    assert.equal(account.privateKey, `0x${hex(key)}`, `ethers decrypts our file (${what})`);
    assert.equal(account.address, new ethers.Wallet(account.privateKey).address, `address (${what})`);
    const wrong = Buffer.concat([pw, Buffer.from('x')]);
    assert.throws(() => ethers.decryptKeystoreJsonSync(json, wrong), /password/, `ethers, wrong password (${what})`);
  });
});

test('ethers keystores decrypt in ours', async () => {
  const rng = new Rng('keystore-ethers');
  await forCases('keystore decrypt', cases(12), async () => {
    const key = privateKey(rng);
    const pw = password(rng);
    const scrypt = { N: 2 ** rng.int(1, 11), r: rng.int(1, 8), p: rng.int(1, 2) };
    const what = `key ${hex(key)}, password 0x${hex(pw)}, scrypt ${JSON.stringify(scrypt)}`;
    const address = new ethers.Wallet(`0x${hex(key)}`).address;
    const json = ethers.encryptKeystoreJsonSync({ address, privateKey: `0x${hex(key)}` }, pw, { scrypt });
    assert.equal(await driver.ok('keystore_decrypt', { json, password: hex(pw) }), hex(key), `we decrypt ethers' file (${what})`);
    const wrong = await driver.call('keystore_decrypt', { json, password: hex(Buffer.concat([pw, Buffer.from('x')])) });
    assert.ok(wrong.err !== undefined, `we accept a wrong password (${what})`);
  });
});
