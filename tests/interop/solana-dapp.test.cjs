'use strict';
// What a wallet signs for Solana dApps, against what the dApp side runs: transactions built by
// @solana/web3.js 1.x (legacy, and v0 with an address lookup table; two signers, one of them
// the dApp's key that has already signed) signed by trestle-core's `WireTransaction`, then
// checked in web3.js and tweetnacl: the bytes after the signatures are the input's, the
// wallet's signature verifies over `message.serialize()`, the other signature is untouched and
// `VersionedTransaction.deserialize` round-trips. Sign-In With Solana texts against
// @solana/wallet-standard-util's `createSignInMessageText`, `parseSignInMessageText` and
// `verifySignIn`.

const test = require('node:test');
const assert = require('node:assert/strict');
const web3 = require('@solana/web3.js');
const nacl = require('tweetnacl');
const siws = require('@solana/wallet-standard-util');
const { Rng, Driver, forCases, cases, hex } = require('./lib/harness.cjs');

let driver;
test.before(() => {
  driver = new Driver();
});
test.after(() => driver.close());

const keypair = (rng) => {
  const seed = rng.bytes(32);
  return { seed, kp: web3.Keypair.fromSeed(seed) };
};
const pubkey = (rng) => new web3.PublicKey(rng.bytes(32));

/** The offset where the message starts: after the compact-u16 count and the signatures. */
function messageStart(wire) {
  let count = 0;
  let i = 0;
  for (let shift = 0; ; shift += 7) {
    const b = wire[i++];
    count |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
  }
  return i + 64 * count;
}

/**
 * A random dApp transaction with two required signers: the wallet and the dApp's key, either
 * of them the fee payer; the dApp's key has signed, the wallet has not.
 */
function dappTransaction(rng, wallet, dapp) {
  const walletPays = rng.chance(0.5);
  const payer = walletPays ? wallet.publicKey : dapp.publicKey;
  const recentBlockhash = pubkey(rng).toBase58();
  const others = Array.from({ length: rng.int(1, 6) }, () => pubkey(rng));
  const instructions = [
    web3.SystemProgram.transfer({ fromPubkey: wallet.publicKey, toPubkey: others[0], lamports: rng.int(1, 1e9) }),
    new web3.TransactionInstruction({
      programId: pubkey(rng),
      keys: [
        { pubkey: dapp.publicKey, isSigner: true, isWritable: rng.chance(0.5) },
        ...others.map((p) => ({ pubkey: p, isSigner: false, isWritable: rng.chance(0.5) })),
      ],
      data: rng.bytes(rng.int(0, 40)),
    }),
  ];
  if (rng.chance(0.5)) {
    instructions.unshift(web3.ComputeBudgetProgram.setComputeUnitPrice({ microLamports: rng.int(0, 1e6) }));
  }
  if (rng.chance(0.5)) {
    // Legacy.
    const tx = new web3.Transaction({ feePayer: payer, recentBlockhash }).add(...instructions);
    tx.partialSign(dapp);
    return { version: 'legacy', walletPays, wire: tx.serialize({ requireAllSignatures: false, verifySignatures: false }) };
  }
  // v0 with a lookup table holding some of the non-signer accounts (and unrelated ones).
  const tableAddresses = rng.shuffle([...others, ...Array.from({ length: rng.int(0, 5) }, () => pubkey(rng))]);
  const table = new web3.AddressLookupTableAccount({
    key: pubkey(rng),
    state: {
      deactivationSlot: BigInt('18446744073709551615'),
      lastExtendedSlot: 0,
      lastExtendedSlotStartIndex: 0,
      authority: undefined,
      addresses: tableAddresses,
    },
  });
  const message = new web3.TransactionMessage({ payerKey: payer, recentBlockhash, instructions }).compileToV0Message([table]);
  const tx = new web3.VersionedTransaction(message);
  tx.sign([dapp]);
  return { version: 'v0', walletPays, wire: Buffer.from(tx.serialize()), lookups: message.addressTableLookups.length };
}

test('dApp transactions from web3.js: signed in the wallet slot over the exact message bytes', async () => {
  const rng = new Rng('solana-dapp-wire');
  let v0WithTables = 0;
  await forCases('wire signing', cases(60), async () => {
    const { seed, kp: wallet } = keypair(rng);
    const { kp: dapp } = keypair(rng);
    const built = dappTransaction(rng, wallet, dapp);
    if (built.lookups > 0) v0WithTables++;
    const input = Buffer.from(built.wire);
    const start = messageStart(input);
    const ours = await driver.ok('sol_sign_wire', { secret: hex(seed), wire: hex(input) });
    const out = Buffer.from(ours.wire, 'hex');

    assert.equal(ours.version, built.version);
    assert.equal(out.length, input.length);
    // Byte-identical after the signatures, and the count is unchanged.
    assert.ok(out.subarray(start).equals(input.subarray(start)), 'message bytes changed');
    assert.ok(out.subarray(0, start - 128).equals(input.subarray(0, start - 128)), 'signature count changed');

    const tx = web3.VersionedTransaction.deserialize(out);
    assert.equal(tx.version, built.version === 'legacy' ? 'legacy' : 0);
    const keys = tx.message.staticAccountKeys.map((k) => k.toBase58());
    const walletSlot = keys.indexOf(wallet.publicKey.toBase58());
    const dappSlot = keys.indexOf(dapp.publicKey.toBase58());
    assert.equal(ours.index, walletSlot);
    assert.equal(ours.fee_payer, built.walletPays);
    assert.equal(walletSlot === 0, built.walletPays);
    assert.equal(tx.message.header.numRequiredSignatures, 2);

    const messageBytes = tx.message.serialize();
    assert.ok(Buffer.from(messageBytes).equals(input.subarray(start)), 'web3.js re-serialises the same message');
    assert.equal(hex(tx.signatures[walletSlot]), ours.signature);
    assert.ok(nacl.sign.detached.verify(messageBytes, tx.signatures[walletSlot], wallet.publicKey.toBytes()));
    // The dApp's signature is the one it made, untouched, and still verifies.
    const before = web3.VersionedTransaction.deserialize(input);
    assert.equal(hex(tx.signatures[dappSlot]), hex(before.signatures[dappSlot]));
    assert.ok(nacl.sign.detached.verify(messageBytes, tx.signatures[dappSlot], dapp.publicKey.toBytes()));
    // Round trip through web3.js.
    assert.ok(Buffer.from(tx.serialize()).equals(out));
    if (built.version === 'legacy') {
      assert.ok(web3.Transaction.from(out).verifySignatures(), 'web3.js Transaction.verifySignatures');
    }
  });
  assert.ok(v0WithTables > 0, 'some v0 cases load accounts from the lookup table');
});

test('refusals: a key that is not a required signer, malformed bytes; signAll is all or nothing', async () => {
  const rng = new Rng('solana-dapp-refusals');
  const { kp: wallet, seed } = keypair(rng);
  const { kp: dapp } = keypair(rng);
  const { kp: stranger, seed: strangerSeed } = keypair(rng);
  const a = dappTransaction(rng, wallet, dapp).wire;
  const b = dappTransaction(rng, wallet, dapp).wire;

  let r = await driver.call('sol_sign_wire', { secret: hex(strangerSeed), wire: hex(a) });
  assert.match(r.err, new RegExp(`${stranger.publicKey.toBase58()}.*is not a required signer`));

  r = await driver.call('sol_sign_wire', { secret: hex(seed), wire: hex(Buffer.concat([a, Buffer.from([0])])) });
  assert.match(r.err, /trailing bytes/);
  r = await driver.call('sol_sign_wire', { secret: hex(seed), wire: hex(a.subarray(0, a.length - 3)) });
  assert.match(r.err, /truncated/);

  const both = await driver.ok('sol_sign_all', { secret: hex(seed), wires: [hex(a), hex(b)] });
  assert.equal(both.length, 2);
  for (const [k, signed] of both.entries()) {
    const input = [a, b][k];
    const tx = web3.VersionedTransaction.deserialize(Buffer.from(signed.wire, 'hex'));
    assert.ok(Buffer.from(tx.message.serialize()).equals(input.subarray(messageStart(input))));
    assert.ok(nacl.sign.detached.verify(tx.message.serialize(), tx.signatures[signed.index], wallet.publicKey.toBytes()));
  }
  // A transaction the wallet does not sign, second in the batch: nothing is signed.
  const foreign = new web3.Transaction({ feePayer: dapp.publicKey, recentBlockhash: pubkey(rng).toBase58() }).add(
    web3.SystemProgram.transfer({ fromPubkey: dapp.publicKey, toPubkey: pubkey(rng), lamports: 1 }),
  );
  const foreignWire = foreign.serialize({ requireAllSignatures: false, verifySignatures: false });
  r = await driver.call('sol_sign_all', { secret: hex(seed), wires: [hex(a), hex(foreignWire)] });
  assert.match(r.err, /transaction 2 of 2/);
  assert.equal(r.ok, undefined);
});

// ---- Sign-In With Solana ----------------------------------------------------------------------

const NONCE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const nonce = (rng) => Array.from({ length: rng.int(8, 32) }, () => rng.pick(NONCE_CHARS)).join('');
/** One line of text without line breaks that does not start like a field line. */
function oneLine(rng, maxLen) {
  // No control, line-separator or text-direction characters: the wallet refuses them.
  const text = rng
    .text(maxLen)
    .replace(/[\p{Cc}\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/gu, ' ')
    .trim();
  return `${rng.pick(['Sign in', 'Welcome', '¡Hola', '登录', 'Accept'])} ${text}`;
}

function randomInput(rng, address, issuedMs) {
  const input = {
    domain: rng.pick(['example.com', 'localhost:3000', 'app.trestle.dev', 'sub.domain.example.org:8443']),
    address,
  };
  const opt = (p, key, value) => {
    if (rng.chance(p)) input[key] = value;
  };
  opt(0.7, 'statement', oneLine(rng, 60));
  opt(0.7, 'uri', `https://${input.domain}/${rng.pick(['login', 'auth?x=1', ''])}`);
  opt(0.7, 'version', '1');
  opt(0.6, 'chainId', rng.pick(['mainnet', 'devnet', 'testnet', 'localnet', 'solana:mainnet']));
  input.nonce = nonce(rng);
  opt(0.8, 'issuedAt', new Date(issuedMs).toISOString());
  opt(0.5, 'expirationTime', new Date(issuedMs + rng.int(120, 3600) * 1000).toISOString());
  opt(0.4, 'notBefore', new Date(issuedMs - rng.int(0, 60) * 1000).toISOString());
  opt(0.3, 'requestId', nonce(rng));
  opt(0.3, 'resources', Array.from({ length: rng.int(0, 3) }, (_, i) => `https://${input.domain}/r/${i}`));
  return input;
}

test('Sign-In With Solana: texts equal createSignInMessageText, signatures pass verifySignIn', async () => {
  const rng = new Rng('solana-dapp-siws');
  await forCases('sign-in', cases(80), async () => {
    const { seed, kp } = keypair(rng);
    const address = kp.publicKey.toBase58();
    const issuedMs = Date.UTC(2026, 0, 1) + rng.int(0, 1e9) * 1000;
    const input = randomInput(rng, address, issuedMs);
    const theirs = siws.createSignInMessageText(input);
    const ours = await driver.ok('siws_text', input);
    assert.equal(ours.text, theirs);
    const parsed = siws.parseSignInMessageText(theirs);
    assert.equal(parsed.domain, input.domain);
    assert.equal(parsed.nonce, input.nonce);

    const now = new Date(issuedMs + 60_000).toISOString();
    const signed = await driver.ok('siws_sign', { secret: hex(seed), text: theirs, domain: input.domain, now });
    assert.equal(signed.address, address);
    const output = {
      account: { publicKey: kp.publicKey.toBytes(), address },
      signedMessage: new TextEncoder().encode(theirs),
      signature: Buffer.from(signed.signature, 'hex'),
    };
    assert.ok(siws.verifySignIn(input, output), 'verifySignIn');
    // The wallet refuses a request from another origin, and an expired one.
    const r = await driver.call('siws_sign', { secret: hex(seed), text: theirs, domain: 'evil.example', now });
    assert.match(r.err, /request came from "evil.example"/);
    if (input.expirationTime) {
      const late = await driver.call('siws_sign', { secret: hex(seed), text: theirs, domain: input.domain, now: input.expirationTime });
      assert.match(late.err, /expired/);
    }
  });
});
