'use strict';
// Solana transfers (SOL and SPL: create-ATA-idempotent + TransferChecked, optional compute
// budget, legacy and v0 messages with random address lookup tables), ATA addresses, raw and
// off-chain message signatures, on random inputs, against @solana/web3.js 1.x,
// @solana/spl-token 0.4.x and tweetnacl.

const test = require('node:test');
const assert = require('node:assert/strict');
const web3 = require('@solana/web3.js');
const nacl = require('tweetnacl');
const { encodeBase58 } = require('ethers');
const { toJson, Rng, Driver, forCases, cases, hex } = require('./lib/harness.cjs');

// @solana/spl-token pulls in bigint-buffer, which prints a warning about its optional native
// binding when loaded; the pure-JS fallback is what we want, so keep the output clean.
const spl = (() => {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return require('@solana/spl-token');
  } finally {
    console.warn = warn;
  }
})();

const TOKEN_PROGRAMS = { token: spl.TOKEN_PROGRAM_ID, 'token-2022': spl.TOKEN_2022_PROGRAM_ID };

let driver;
test.before(() => {
  driver = new Driver();
});
test.after(() => driver.close());

const pubkey = (rng) => new web3.PublicKey(rng.bytes(32));

function ixJson(ix) {
  return {
    program: ix.programId.toBase58(),
    accounts: ix.keys.map((k) => ({ pubkey: k.pubkey.toBase58(), signer: k.isSigner, writable: k.isWritable })),
    data: hex(ix.data),
  };
}

/** The signer/writable flags each account gets in a message compiled from `ixs`. */
function mergedFlags(ixs, payer) {
  const flags = new Map([[payer, { signer: true, writable: true }]]);
  for (const ix of ixs) {
    if (!flags.has(ix.program)) flags.set(ix.program, { signer: false, writable: false });
    for (const a of ix.accounts) {
      const f = flags.get(a.pubkey) || { signer: false, writable: false };
      flags.set(a.pubkey, { signer: f.signer || a.signer, writable: f.writable || a.writable });
    }
  }
  return flags;
}

/** Decompiled instructions (web3.js) against ours, with the flags the message gives. */
function assertDecompiled(decompiled, ours, payer, what) {
  const flags = mergedFlags(ours, payer);
  assert.equal(decompiled.length, ours.length, `instruction count (${what})`);
  decompiled.forEach((ix, k) => {
    const want = ours[k];
    assert.equal(ix.programId.toBase58(), want.program, `instruction ${k} program (${what})`);
    assert.equal(hex(ix.data), want.data, `instruction ${k} data (${what})`);
    assert.deepEqual(
      ix.keys.map((m) => ({ pubkey: m.pubkey.toBase58(), signer: m.isSigner, writable: m.isWritable })),
      want.accounts.map((a) => ({ pubkey: a.pubkey, ...flags.get(a.pubkey) })),
      `instruction ${k} accounts (${what})`,
    );
  });
}

/** A v0 message's content up to key order: header, static key set, per-table loaded sets. */
function v0Shape(msg) {
  const lookups = {};
  for (const l of msg.addressTableLookups) {
    lookups[l.accountKey.toBase58()] = { writable: l.writableIndexes.length, readonly: l.readonlyIndexes.length };
  }
  return {
    header: msg.header,
    staticKeys: msg.staticAccountKeys.map((k) => k.toBase58()).sort(),
    lookups,
  };
}

function randomCase(rng) {
  const secret = rng.bytes(32);
  const payer = web3.Keypair.fromSeed(secret).publicKey;
  const c = {
    secret,
    payer,
    kind: rng.chance(0.4) ? 'sol' : 'spl',
    to: rng.chance(0.03) ? payer : pubkey(rng),
    amount: rng.bigBits(64),
    blockhash: encodeBase58(rng.bytes(32)),
    version: rng.chance(0.5) ? 'legacy' : 'v0',
  };
  if (rng.chance(0.3)) c.computeUnitLimit = rng.int(0, 0xffffffff);
  if (rng.chance(0.3)) c.computeUnitPrice = rng.bigBits(64);
  if (c.kind === 'spl') {
    c.mint = pubkey(rng);
    c.decimals = rng.int(0, 255);
    c.tokenProgram = rng.pick(Object.keys(TOKEN_PROGRAMS));
  }
  return c;
}

function theirInstructions(c) {
  const ixs = [];
  if (c.computeUnitLimit !== undefined) ixs.push(web3.ComputeBudgetProgram.setComputeUnitLimit({ units: c.computeUnitLimit }));
  if (c.computeUnitPrice !== undefined) ixs.push(web3.ComputeBudgetProgram.setComputeUnitPrice({ microLamports: c.computeUnitPrice }));
  if (c.kind === 'sol') {
    ixs.push(web3.SystemProgram.transfer({ fromPubkey: c.payer, toPubkey: c.to, lamports: c.amount }));
  } else {
    const program = TOKEN_PROGRAMS[c.tokenProgram];
    const source = spl.getAssociatedTokenAddressSync(c.mint, c.payer, true, program);
    const destination = spl.getAssociatedTokenAddressSync(c.mint, c.to, true, program);
    ixs.push(spl.createAssociatedTokenAccountIdempotentInstruction(c.payer, destination, c.to, c.mint, program));
    ixs.push(spl.createTransferCheckedInstruction(source, c.mint, destination, c.payer, c.amount, c.decimals, [], program));
  }
  return ixs;
}

/** Random lookup tables holding some of the transaction's accounts and some strangers. */
function randomTables(rng, ixs) {
  const candidates = [...new Set(ixs.flatMap((ix) => ix.keys.map((k) => k.pubkey.toBase58())))];
  const tables = [];
  for (let n = rng.int(0, 2); n > 0; n--) {
    const addresses = rng.shuffle([
      ...candidates.filter(() => rng.chance(0.5)),
      ...Array.from({ length: rng.int(0, 5) }, () => pubkey(rng).toBase58()),
    ]);
    tables.push({ key: pubkey(rng).toBase58(), addresses });
  }
  return tables;
}

test('SOL and SPL transfers: instructions, wire bytes and signatures in web3.js', async (t) => {
  const rng = new Rng('solana-transfers');
  let sameLegacyBytes = 0;
  await forCases('Solana transfers', cases(200), async () => {
    const c = randomCase(rng);
    const ixs = theirInstructions(c);
    const tables = c.version === 'v0' ? randomTables(rng, ixs) : [];
    const request = {
      secret: hex(c.secret),
      kind: c.kind,
      to: c.to.toBase58(),
      blockhash: c.blockhash,
      version: c.version,
      tables,
    };
    const what = `case ${toJson({ ...c, secret: hex(c.secret), payer: c.payer.toBase58(), to: c.to.toBase58(), mint: c.mint && c.mint.toBase58(), tables })}`;
    const ours = await driver.ok('sol_tx', {
      ...request,
      amount: c.amount,
      mint: c.mint && c.mint.toBase58(),
      decimals: c.decimals,
      token_program: c.tokenProgram,
      compute_unit_limit: c.computeUnitLimit,
      compute_unit_price: c.computeUnitPrice,
    });
    assert.equal(ours.payer, c.payer.toBase58(), `payer (${what})`);

    // The builders: our instructions are web3.js' and spl-token's, flag for flag.
    assert.deepEqual(ours.instructions, ixs.map(ixJson), `instructions (${what})`);

    const wire = Buffer.from(ours.wire, 'hex');
    const message = Buffer.from(ours.message, 'hex');
    if (c.version === 'legacy') {
      const tx = web3.Transaction.from(wire);
      assert.ok(tx.verifySignatures(), `web3.js verifySignatures (${what})`);
      assert.equal(hex(tx.serialize()), ours.wire, `web3.js re-serialises our wire bytes (${what})`);
      assert.equal(hex(tx.serializeMessage()), ours.message, `message bytes (${what})`);
      assert.equal(encodeBase58(tx.signature), ours.signature, `signature (${what})`);
      assertDecompiled(tx.instructions, ours.instructions, ours.payer, what);
      // web3.js' own compilation has the same header and keys; for SOL transfers (one
      // writable non-signer, programs that sort the same by bytes and by base58) the
      // same bytes too.
      const theirs = new web3.Transaction({ feePayer: c.payer, recentBlockhash: c.blockhash }).add(...ixs);
      const theirMessage = theirs.compileMessage();
      assert.deepEqual(tx.compileMessage().header, theirMessage.header, `header vs web3.js compile (${what})`);
      assert.deepEqual(
        tx.compileMessage().accountKeys.map((k) => k.toBase58()).sort(),
        theirMessage.accountKeys.map((k) => k.toBase58()).sort(),
        `account keys vs web3.js compile (${what})`,
      );
      if (c.kind === 'sol' && !c.to.equals(c.payer)) {
        assert.equal(hex(theirs.serializeMessage()), ours.message, `message bytes vs web3.js compile (${what})`);
      }
      if (hex(theirs.serializeMessage()) === ours.message) sameLegacyBytes++;
    } else {
      const vtx = web3.VersionedTransaction.deserialize(wire);
      assert.equal(vtx.version, 0, `version (${what})`);
      assert.equal(hex(vtx.serialize()), ours.wire, `web3.js re-serialises our wire bytes (${what})`);
      assert.equal(hex(vtx.message.serialize()), ours.message, `message bytes (${what})`);
      assert.equal(vtx.signatures.length, 1, `signature count (${what})`);
      assert.ok(nacl.sign.detached.verify(message, vtx.signatures[0], c.payer.toBytes()), `nacl verifies our signature (${what})`);
      const lookupAccounts = tables.map(
        (t) =>
          new web3.AddressLookupTableAccount({
            key: new web3.PublicKey(t.key),
            state: {
              deactivationSlot: 2n ** 64n - 1n,
              lastExtendedSlot: 0,
              lastExtendedSlotStartIndex: 0,
              addresses: t.addresses.map((a) => new web3.PublicKey(a)),
            },
          }),
      );
      const decompiled = web3.TransactionMessage.decompile(vtx.message, { addressLookupTableAccounts: lookupAccounts });
      assert.equal(decompiled.payerKey.toBase58(), ours.payer, `payer (${what})`);
      assert.equal(decompiled.recentBlockhash, c.blockhash, `blockhash (${what})`);
      assertDecompiled(decompiled.instructions, ours.instructions, ours.payer, what);
      // web3.js' own v0 compilation loads the same accounts from the same tables.
      const theirs = new web3.TransactionMessage({ payerKey: c.payer, recentBlockhash: c.blockhash, instructions: ixs })
        .compileToV0Message(lookupAccounts);
      assert.deepEqual(v0Shape(vtx.message), v0Shape(theirs), `v0 layout vs web3.js compileToV0Message (${what})`);
    }
  });
  t.diagnostic(`legacy messages byte-identical to web3.js' compile: ${sameLegacyBytes}`);
});

// The other direction: transactions web3.js compiles and signs (random programs, accounts,
// data, several signers, legacy and v0 with lookup tables) decode, verify and re-serialise
// byte for byte in ours; a flipped signature bit fails our verify as it fails web3.js'.
test('web3.js transactions decode, verify and re-serialise in ours', async () => {
  const rng = new Rng('solana-decode');
  await forCases('web3.js transactions', cases(150), async () => {
    const signers = Array.from({ length: rng.int(1, 3) }, () => web3.Keypair.fromSeed(rng.bytes(32)));
    const pool = [...signers.map((k) => k.publicKey), ...Array.from({ length: rng.int(1, 6) }, () => pubkey(rng))];
    const ixs = Array.from({ length: rng.int(1, 4) }, () => {
      const keys = Array.from({ length: rng.int(0, 5) }, () => {
        const key = rng.pick(pool);
        const isSignerKey = signers.some((k) => k.publicKey.equals(key));
        return { pubkey: key, isSigner: isSignerKey && rng.chance(0.7), isWritable: rng.chance(0.5) };
      });
      return new web3.TransactionInstruction({ programId: pubkey(rng), keys, data: rng.bytes(rng.int(0, 40)) });
    });
    // Every signer must appear as a signer somewhere (web3.js refuses unknown signers).
    ixs.push(
      new web3.TransactionInstruction({
        programId: pubkey(rng),
        keys: signers.map((k) => ({ pubkey: k.publicKey, isSigner: true, isWritable: rng.chance(0.5) })),
        data: Buffer.alloc(0),
      }),
    );
    const payer = signers[0].publicKey;
    const blockhash = encodeBase58(rng.bytes(32));
    let wire;
    if (rng.chance(0.5)) {
      const tx = new web3.Transaction({ feePayer: payer, recentBlockhash: blockhash }).add(...ixs);
      tx.sign(...signers);
      wire = tx.serialize();
    } else {
      const tables = randomTables(rng, ixs).map(
        (t) =>
          new web3.AddressLookupTableAccount({
            key: new web3.PublicKey(t.key),
            state: {
              deactivationSlot: 2n ** 64n - 1n,
              lastExtendedSlot: 0,
              lastExtendedSlotStartIndex: 0,
              addresses: t.addresses.map((a) => new web3.PublicKey(a)),
            },
          }),
      );
      const msg = new web3.TransactionMessage({ payerKey: payer, recentBlockhash: blockhash, instructions: ixs }).compileToV0Message(tables);
      const vtx = new web3.VersionedTransaction(msg);
      vtx.sign(signers);
      wire = Buffer.from(vtx.serialize());
    }
    const what = `wire ${hex(wire)}`;
    const ours = await driver.ok('sol_decode', { wire: hex(wire) });
    assert.equal(ours.wire, hex(wire), `we re-serialise web3.js' bytes (${what})`);
    assert.equal(ours.verify, null, `our verify (${what})`);
    assert.equal(ours.signers[0], payer.toBase58(), `fee payer (${what})`);
    assert.deepEqual([...ours.signers].sort(), signers.map((k) => k.publicKey.toBase58()).sort(), `signers (${what})`);
    // Flip one bit of one signature.
    const bad = Buffer.from(wire);
    const at = 1 + 64 * rng.int(0, signers.length - 1) + rng.int(0, 63);
    bad[at] ^= 1 << rng.int(0, 7);
    const flipped = await driver.ok('sol_decode', { wire: hex(bad) });
    assert.notEqual(flipped.verify, null, `we verify a corrupted signature (byte ${at}) (${what})`);
  });
});

test('associated token addresses equal getAssociatedTokenAddressSync', async () => {
  const rng = new Rng('solana-ata');
  await forCases('ATA', cases(100), async () => {
    const wallet = rng.chance(0.5) ? web3.Keypair.fromSeed(rng.bytes(32)).publicKey : pubkey(rng);
    const mint = pubkey(rng);
    const program = rng.pick(Object.keys(TOKEN_PROGRAMS));
    const ours = await driver.ok('sol_ata', { wallet: wallet.toBase58(), mint: mint.toBase58(), token_program: program });
    const theirs = spl.getAssociatedTokenAddressSync(mint, wallet, true, TOKEN_PROGRAMS[program]).toBase58();
    assert.equal(ours, theirs, `ATA of wallet ${wallet.toBase58()}, mint ${mint.toBase58()}, ${program}`);
  });
});

test('base58 addresses: same acceptance and bytes as web3.js PublicKey', async () => {
  const rng = new Rng('solana-base58');
  const ALPHABET = [...'123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'];
  await forCases('base58 addresses', cases(300), async () => {
    let input;
    const key = rng.bytes(32);
    key.fill(0, 0, rng.pick([0, 0, 1, 2, rng.int(0, 32)]));
    const canonical = new web3.PublicKey(key).toBase58();
    switch (rng.int(0, 4)) {
      case 0:
        input = canonical;
        break;
      case 1: // an extra or missing leading zero digit, or a truncation
        input = rng.pick([`1${canonical}`, canonical.slice(1), canonical.slice(0, rng.int(0, canonical.length - 1))]);
        break;
      case 2: // one character replaced, possibly by one outside the alphabet
        {
          const at = rng.int(0, canonical.length - 1);
          input = canonical.slice(0, at) + rng.pick([...ALPHABET, '0', 'O', 'I', 'l', ' ', '+']) + canonical.slice(at + 1);
        }
        break;
      default:
        input = Array.from({ length: rng.int(0, 46) }, () => rng.pick(ALPHABET)).join('');
    }
    let theirs;
    try {
      theirs = hex(new web3.PublicKey(input).toBytes());
    } catch {
      theirs = null;
    }
    const r = await driver.call('sol_parse_address', { input });
    const ours = r.err === undefined ? r.ok : null;
    assert.equal(ours, theirs, `${JSON.stringify(input)}: ours ${r.err ?? r.ok}, web3.js ${theirs ?? 'refuses'}`);
  });
});

test('raw ed25519 and off-chain message signatures equal tweetnacl', async () => {
  const rng = new Rng('solana-sign');
  await forCases('Solana signatures', cases(100), async () => {
    const secret = rng.bytes(32);
    const pair = nacl.sign.keyPair.fromSeed(secret);
    const message = rng.bytes(rng.pick([0, 1, 32, rng.int(0, 2000)]));
    const ours = await driver.ok('sol_sign', { secret: hex(secret), message: hex(message) });
    assert.equal(ours.pubkey, encodeBase58(pair.publicKey), `public key of ${hex(secret)}`);
    assert.equal(ours.signature, hex(nacl.sign.detached(message, pair.secretKey)), `signature of 0x${hex(message)}`);

    // Off-chain message v0: domain, version, format (0 printable ASCII, 1 UTF-8, 2 long
    // UTF-8 beyond a packet), u16 LE length, body.
    const text = rng.chance(0.5) ? rng.bytes(rng.int(1, 60)).toString('base64') : rng.text(rng.pick([1, 30, 700]));
    if (text.length === 0) return;
    const body = Buffer.from(text, 'utf8');
    const format = body.length > 1212 ? 2 : /^[\x20-\x7e]*$/.test(text) ? 0 : 1;
    const len = Buffer.alloc(2);
    len.writeUInt16LE(body.length);
    const expected = Buffer.concat([Buffer.from('\xffsolana offchain', 'latin1'), Buffer.from([0, format]), len, body]);
    const off = await driver.ok('sol_offchain', { secret: hex(secret), text });
    assert.equal(off.serialized, hex(expected), `off-chain message bytes of ${JSON.stringify(text)}`);
    assert.equal(off.signature, hex(nacl.sign.detached(expected, pair.secretKey)), `off-chain signature of ${JSON.stringify(text)}`);
  });
});
