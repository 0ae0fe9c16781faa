'use strict';
// Protocol v2 from docs/protocol.md alone, as an independent client: the JavaScript
// re-implementation in lib/protocol-v2.cjs against every shared vector of bridge/vectors/v2.json,
// then the EVM bridge deployed from the committed artifacts (contracts/evm/abi) behind
// ERC1967Proxy on anvil, placed at the vectors' destination bridge address, against the same
// vectors and against multi-fault messages and signature sets; governance rules. The end-to-end
// flows between two bridges are in bridge-evm.test.cjs.
//
// The test asserts the document (and its vectors); a disagreement found with the deployed
// contract is listed in README.md, "Disagreements found" (none is open).

const test = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const P = require('./lib/protocol-v2.cjs');
const { Anvil } = require('./lib/anvil.cjs');
const E = require('./lib/evm-bridge.cjs');
const { Rng, forCases, cases } = require('./lib/harness.cjs');
const { U128_MAX, DAY, fmt, argsOf, assertRevert, expectedOnchainError } = require('./lib/bridge-checks.cjs');

const VECTORS = P.loadVectors();
const universal = P.universal;
const byNumber = P.byNumber;
const checked = { offline: 0, onchain: 0 };

// ================================================================================================
// 1. The shared vectors, offline
// ================================================================================================

test('vectors: file header', () => {
  assert.equal(VECTORS.version, 2);
  assert.equal(VECTORS.native_token, P.NATIVE_HOME_TOKEN, 'native ether sentinel as a universal address');
  for (const key of ['message', 'invalid_message', 'digest', 'signature_set', 'validator_set']) {
    const list = VECTORS[`${key}s`];
    assert.equal(list.length, VECTORS[`${key}_count`], `${key}_count`);
  }
});

test('vectors: messages encode, decode and hash as the document says', () => {
  for (const v of VECTORS.messages) {
    const body = v.kind === 'token_transfer'
      ? P.tokenTransferBody(v.token_id, BigInt(v.amount), v.beneficiary)
      : P.messageBody(BigInt(v.gas_limit), v.payload);
    assert.equal(body, v.body, `${v.name}: body`);
    const encoded = P.encodeMessage({
      nonce: BigInt(v.nonce),
      origin: v.origin,
      sender: v.sender,
      destination: v.destination,
      recipient: v.recipient,
      body,
    });
    assert.equal(encoded, v.encoded, `${v.name}: encoding`);
    assert.equal(P.messageId(encoded), v.id, `${v.name}: id`);
    const d = P.decodeMessage(v.encoded);
    assert.equal(d.version, 2);
    assert.equal(d.nonce, BigInt(v.nonce), `${v.name}: nonce`);
    assert.equal(d.origin, v.origin);
    assert.equal(d.destination, v.destination);
    assert.equal(d.sender, v.sender);
    assert.equal(d.recipient, v.recipient);
    assert.equal(d.body, v.body);
    assert.equal(d.id, v.id);
    assert.equal(d.kind, v.kind, `${v.name}: kind`);
    if (v.kind === 'token_transfer') {
      assert.equal(d.tokenId, v.token_id);
      assert.equal(d.amount, BigInt(v.amount));
      assert.equal(d.beneficiary, v.beneficiary);
    } else {
      assert.equal(d.gasLimit, BigInt(v.gas_limit));
      assert.equal(d.payload, v.payload);
    }
    checked.offline++;
  }
});

test('vectors: invalid messages are refused in the documented order, with its codes', () => {
  for (const v of VECTORS.invalid_messages) {
    assert.throws(
      () => P.decodeMessage(v.encoded),
      (e) => e instanceof P.ProtocolError && e.code === v.error,
      `${v.name}: expected ${v.error}`,
    );
    checked.offline++;
  }
});

test('vectors: token ids', () => {
  for (const v of VECTORS.token_ids) {
    assert.equal(P.tokenId(v.home_domain, v.home_token), v.token_id, v.name);
    checked.offline++;
  }
});

const attestationOf = (v, epoch) => ({
  origin: v.origin,
  originBridge: v.origin_bridge,
  destination: v.destination,
  destinationBridge: v.destination_bridge,
  epoch: BigInt(epoch),
  messageId: v.message_id,
});

test('vectors: attestation preimage (120 bytes), inner hash and EIP-191 digest', () => {
  for (const v of VECTORS.digests) {
    const a = attestationOf(v, v.epoch);
    const preimage = P.attestationPreimage(a);
    assert.equal(ethers.dataLength(preimage), 120);
    assert.equal(preimage, v.preimage, `${v.name}: preimage`);
    assert.equal(P.innerHash(a), v.inner, `${v.name}: inner`);
    assert.equal(P.attestationDigest(a), v.digest, `${v.name}: digest`);
    // The digest is exactly "\x19Ethereum Signed Message:\n32" || inner.
    const manual = ethers.keccak256(ethers.concat([ethers.toUtf8Bytes('\x19Ethereum Signed Message:\n32'), v.inner]));
    assert.equal(manual, v.digest, `${v.name}: EIP-191 by hand`);
    checked.offline++;
  }
});

test('vectors: signature sets reach the same expected and onchain_expected codes', () => {
  for (const v of VECTORS.signature_sets) {
    const set = { epoch: BigInt(v.epoch), validators: v.validators, threshold: v.threshold };
    assert.equal(P.attestationDigest(attestationOf(v, v.epoch)), v.onchain_digest, `${v.name}: onchain digest`);
    const attested = P.verifyAttestation(v.signatures, attestationOf(v, v.attested_epoch), set);
    assert.equal(attested.code, v.expected, `${v.name}: expected (${JSON.stringify(attested, (_k, x) => (typeof x === 'bigint' ? `${x}` : x))})`);
    const onchain = P.verifySignatureSet(v.signatures, v.onchain_digest, set);
    assert.equal(onchain.code, v.onchain_expected, `${v.name}: onchain_expected`);
    if (onchain.code === 'ok') assert.ok(onchain.signers.length >= v.threshold);
    checked.offline++;
  }
});

test('vectors: signatures ethers makes are the sets the document describes', async () => {
  // The vector keys sign the first digest vector: ethers' signMessage of the 32 inner bytes is
  // low-s with v in {27, 28}, recovers to the key's address, and sorted sets verify.
  const keys = VECTORS.validator_keys;
  for (const k of keys) assert.equal(new ethers.Wallet(k.private_key).address.toLowerCase(), k.address, `key ${k.index}`);
  const d = VECTORS.digests[0];
  const a = attestationOf(d, d.epoch);
  const wallets = keys.slice(0, 5).map((k) => new ethers.Wallet(k.private_key));
  for (const w of wallets) {
    const sig = ethers.getBytes(await P.attest(w, a));
    assert.equal(sig.length, 65);
    assert.ok(sig[64] === 27 || sig[64] === 28);
    assert.ok(BigInt(ethers.hexlify(sig.subarray(32, 64))) <= P.HALF_N, 'ethers signs low-s');
    assert.equal(ethers.recoverAddress(d.digest, ethers.hexlify(sig)), w.address);
  }
  const validators = wallets.map((w) => w.address).sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
  const set = { validators, threshold: P.minConfigurationThreshold(5) };
  assert.equal(P.verifySignatureSet(await P.signatureSet(wallets, a), d.digest, set).code, 'ok');
  assert.equal(P.verifySignatureSet(await P.signatureSet(wallets.slice(0, 3), a), d.digest, set).code, 'below_threshold');
});

test('vectors: validator sets (plain rules and the configuration rule ceil(2n/3))', () => {
  for (const v of VECTORS.validator_sets) {
    const set = { epoch: BigInt(v.epoch), validators: v.validators, threshold: v.threshold };
    assert.equal(P.validatorSetError(set), v.error, `${v.name}: error`);
    assert.equal(P.validatorSetError(set, { configuration: true }), v.config_error, `${v.name}: config_error`);
    checked.offline++;
  }
  // The examples the document gives: 1-of-2 is refused, ceil(4/3) = 2.
  assert.equal(P.minConfigurationThreshold(2), 2);
  assert.equal(P.minConfigurationThreshold(3), 2);
  assert.equal(P.minConfigurationThreshold(5), 4);
  assert.equal(P.minConfigurationThreshold(19), 13);
});

test('vectors: bucket steps (with the over-capacity rule for queued transfers)', () => {
  for (const v of VECTORS.bucket_steps) {
    const bucket = new P.TokenBucket(BigInt(v.capacity), BigInt(v.refill_per_second), v.start);
    for (const [i, s] of v.steps.entries()) {
      let r;
      if (s.op === 'consume') r = bucket.consume(BigInt(s.amount), s.now);
      else if (s.op === 'consume_queued') r = bucket.consumeQueued(BigInt(s.amount), s.now);
      else if (s.op === 'reconfigure') r = bucket.reconfigure(BigInt(s.capacity), BigInt(s.refill_per_second), s.now);
      else assert.fail(`${v.name} step ${i}: unknown op ${s.op}`);
      const where = `${v.name} step ${i} (${s.op} ${s.amount ?? ''} at ${s.now})`;
      assert.equal(r.code, s.expected, `${where}: result`);
      assert.equal(bucket.level, BigInt(s.level), `${where}: level`);
      assert.equal(bucket.available(s.now), BigInt(s.available), `${where}: available`);
    }
    checked.offline++;
  }
});

// ================================================================================================
// 2. The deployed EVM bridge (committed artifacts) against the vectors
// ================================================================================================

/**
 * Random signature sets with several faults (the vectors have one each): signers in and out of
 * the set, sorted or not, repeated, with bad v, high s, r or s zero or out of range, and wrong
 * lengths. Our verifier applies the document's order; `deliver` must name the same first failure
 * with the same index and signer. Seeded (TRESTLE_INTEROP_SEED); TRESTLE_INTEROP_SCALE scales it.
 */
function randomSetChecker(bridge, message) {
  const keys = new Map(VECTORS.validator_keys.map((k) => [k.address, new ethers.SigningKey(k.private_key)]));
  for (let i = 0; i < 3; i++) {
    const key = new ethers.SigningKey(ethers.id(`trestle-interop/outsider/${i}`));
    keys.set(ethers.computeAddress(key).toLowerCase(), key);
  }
  return async (validators, threshold, v) => {
    const digest = v.onchain_digest;
    const members = validators.filter((a) => keys.has(a));
    const outsiders = [...keys.keys()].filter((a) => !validators.includes(a));
    const sigOf = new Map();
    const sign = (addr) => {
      if (!sigOf.has(addr)) sigOf.set(addr, ethers.getBytes(keys.get(addr).sign(digest).serialized));
      return Uint8Array.from(sigOf.get(addr));
    };
    const mutations = [
      (sig, rng) => {
        sig[64] = rng.pick([0, 1, 26, 29, 255]);
      },
      (sig) => {
        const s = BigInt(ethers.hexlify(sig.subarray(32, 64)));
        sig.set(ethers.getBytes(ethers.toBeHex(ethers.N - s, 32)), 32);
        sig[64] = sig[64] === 27 ? 28 : 27;
      },
      (sig) => sig.fill(0, 0, 32),
      (sig) => sig.fill(0, 32, 64),
      (sig) => sig.set(ethers.getBytes(ethers.toBeHex(ethers.N, 32)), 0),
      (sig, rng) => sig.set(rng.bytes(32), 0),
    ];
    const rng = new Rng(`bridge/signature-sets/${validators.length}`);
    const seen = {};
    await forCases(`random signature sets (${validators.length} validators)`, cases(60), async (i) => {
      const n = rng.chance(0.6) ? rng.int(0, Math.min(6, validators.length + 1)) : rng.int(0, validators.length + 2);
      let signers = Array.from({ length: n }, () => (rng.chance(0.85) ? rng.pick(members) : rng.pick(outsiders)));
      if (rng.chance(0.8)) signers = [...new Set(signers)].sort(byNumber);
      if (rng.chance(0.1) && signers.length > 0) signers.splice(rng.int(0, signers.length - 1), 0, signers[0]);
      const sigs = signers.map((a) => {
        const sig = sign(a);
        if (rng.chance(0.12)) rng.pick(mutations)(sig, rng);
        return sig;
      });
      let set = ethers.getBytes(sigs.length ? ethers.concat(sigs) : '0x');
      if (rng.chance(0.06)) set = ethers.getBytes(ethers.concat([set, rng.bytes(rng.int(1, 64))]));
      const ours = P.verifySignatureSet(set, digest, { validators, threshold });
      seen[ours.code] = (seen[ours.code] ?? 0) + 1;
      const r = await E.outcome(bridge.deliver.staticCall(message.encoded, set), `case ${i}`);
      assert.equal(r.code, ours.code, `case ${i}: ours ${fmt(ours)}, deliver ${r.name ?? 'ok'}(${fmt(argsOf(r))}); set ${ethers.hexlify(set)}`);
      const [name, args] = expectedOnchainError(ours);
      if (name) assertRevert(r, name, args, `case ${i}`);
    });
    return seen;
  };
}

test('EVM bridge on anvil: the shared vectors against the deployed contract', async (t) => {
  const anvil = await Anvil.spawn({ chainId: 31_339 });
  t.after(() => anvil.stop());
  const admin = anvil.account(0);
  const guardian = anvil.account(1);
  const relayer = anvil.account(3);
  const D = VECTORS.domains; // origin 1, destination 2
  const destinationBridge = P.evmAddressOf(VECTORS.destination_bridge); // 0xb2...b2
  const adminDelay = DAY;

  // The vectors name the destination bridge 0xb2..b2: a real proxy's code is placed there (the
  // ERC-1967 implementation slot set to a deployed `Bridge`) and initialized like any proxy.
  const model = await E.deployBridge(anvil, admin, { domain: D.destination, admin: admin.address, guardian: guardian.address, adminDelay });
  await anvil.provider.send('anvil_setCode', [destinationBridge, await anvil.provider.getCode(model.address)]);
  await anvil.provider.send('anvil_setStorageAt', [destinationBridge, E.IMPLEMENTATION_SLOT, ethers.zeroPadValue(model.implementation, 32)]);
  const bridge = new ethers.Contract(destinationBridge, E.BRIDGE.abi, relayer);
  await anvil.receipt(bridge.connect(admin).initialize(D.destination, admin.address, guardian.address, adminDelay));
  assert.equal(await bridge.localDomain(), BigInt(D.destination));

  const token = await E.deploy(anvil, admin, E.BRIDGED_TOKEN, [destinationBridge, 'Vector Ether', 'vETH', 18]);
  const tokenIdNative = P.tokenId(D.origin, P.NATIVE_HOME_TOKEN);
  await E.govern(anvil, destinationBridge, admin, relayer, [
    ['setRemote', [D.origin, VECTORS.origin_bridge, 0]],
    ['setToken', [D.origin, P.NATIVE_HOME_TOKEN, token.address, 0, U128_MAX, 1]],
    ['setRoute', [tokenIdNative, D.origin, 0, U128_MAX]],
    ['setLimits', [tokenIdNative, D.origin, U128_MAX, 1, U128_MAX, 1]],
  ]);

  const DECODE_CODES = new Set(VECTORS.invalid_messages.map((v) => v.error));
  await t.test('valid messages: deliver decodes each (its refusal, if any, is not a decoding one)', async () => {
    for (const v of VECTORS.messages) {
      const r = await E.outcome(bridge.deliver.staticCall(v.encoded, '0x'), v.name);
      assert.ok(!DECODE_CODES.has(r.code), `${v.name}: ${r.name}`);
      if (v.destination !== D.destination) assertRevert(r, 'WrongDestination', [BigInt(v.destination)], v.name);
      checked.onchain++;
    }
  });

  await t.test('invalid messages: deliver refuses each with the vector code', async () => {
    for (const v of VECTORS.invalid_messages) {
      const r = await E.outcome(bridge.deliver.staticCall(v.encoded, '0x'), v.name);
      assert.equal(r.code, v.error, `${v.name}: ${r.name}(${fmt(argsOf(r))})`);
      checked.onchain++;
    }
  });

  await t.test('decoding order: messages with several faults are refused for the first in the documented order', async () => {
    // The vectors have one fault each; here every combination of version, zero domains, body kind
    // and size, and truncation. Our decoder applies the document's order (and agrees with every
    // vector); the bridge must name the same first failure.
    const bodies = {
      empty: () => new Uint8Array(0),
      unknownKind: (big) => ethers.concat([new Uint8Array([7]), new Uint8Array(big ? 16_384 : 96)]),
      transfer96: (big) => ethers.concat([new Uint8Array([1]), new Uint8Array(big ? 16_384 : 95)]),
      messageShort: () => new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]),
      zeroGas: (big) => ethers.concat([new Uint8Array(9), new Uint8Array(big ? 16_376 : 3)]),
      valid: (big) => P.messageBody(1n, new Uint8Array(big ? 16_376 : 3)),
    };
    const inputs = [];
    for (const version of [2, 3]) {
      for (const origin of [D.origin, 0]) {
        for (const destination of [D.destination, 0]) {
          for (const [kind, make] of Object.entries(bodies)) {
            for (const big of kind === 'empty' || kind === 'messageShort' ? [false] : [false, true]) {
              const m = ethers.getBytes(P.encodeMessage({ nonce: 9n, origin, sender: VECTORS.origin_bridge, destination, recipient: VECTORS.destination_bridge, body: make(big) }));
              m[0] = version;
              inputs.push({ what: `v${version} origin ${origin} destination ${destination} ${kind}${big ? ' 16385+' : ''}`, bytes: ethers.hexlify(m) });
              if (origin === 0 && destination === 0 && kind === 'valid' && !big) inputs.push({ what: `v${version} truncated to 80 bytes`, bytes: ethers.hexlify(m.subarray(0, 80)) });
            }
          }
        }
      }
    }
    const counts = {};
    for (const { what, bytes } of inputs) {
      let ours = 'ok';
      try {
        P.decodeMessage(bytes);
      } catch (e) {
        ours = e.code;
      }
      counts[ours] = (counts[ours] ?? 0) + 1;
      const r = await E.outcome(bridge.deliver.staticCall(bytes, '0x'), what);
      if (ours === 'ok') assert.ok(!DECODE_CODES.has(r.code), `${what}: decodes, but deliver answered ${r.name}`);
      else assert.equal(r.code, ours, `${what}: ${r.name}(${fmt(argsOf(r))})`);
    }
    t.diagnostic(`decoding order: ${inputs.length} multi-fault messages (${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  });

  await t.test('validator sets: setValidatorSet answers each config_error code', async () => {
    const results = await E.govern(
      anvil,
      destinationBridge,
      admin,
      relayer,
      VECTORS.validator_sets.map((v) => E.simulated('setValidatorSet', [D.origin, v.epoch, v.validators, v.threshold])),
      { saltBase: 1 },
    );
    for (const [i, v] of VECTORS.validator_sets.entries()) {
      const got = results[i].outcome;
      assert.equal(got.code, v.config_error ?? 'ok', `${v.name}: ${got.name ?? 'ok'}(${fmt(argsOf(got))})`);
      checked.onchain++;
    }
  });

  // One validator set per group of signature-set vectors (1, 5 and 19 validators, all epoch 1),
  // each installed from the same snapshot through the timelock. A group whose vector threshold is
  // below ceil(2n/3) (3-of-5) is configured at ceil(2n/3): the bridge refuses the vector's own
  // threshold (as the vectors' validator sets say), so an `ok` vector with fewer signatures
  // answers below_threshold there.
  const groups = new Map();
  for (const v of VECTORS.signature_sets) {
    const key = v.validators.join(',');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(v);
  }
  const message = VECTORS.messages.find((m) => m.id === VECTORS.signature_sets[0].message_id);
  assert.ok(message, 'the signature sets attest a message of the vectors');
  const randomSets = randomSetChecker(bridge, message);
  for (const [gi, list] of [...groups.values()].entries()) {
    const { validators, epoch } = list[0];
    const threshold = Math.max(...list.map((v) => v.threshold), P.minConfigurationThreshold(validators.length));
    await t.test(`signature sets on chain: ${validators.length} validators, threshold ${threshold}`, async () => {
      const snapshot = await anvil.provider.send('evm_snapshot', []);
      try {
        await E.govern(anvil, destinationBridge, admin, relayer, [['setValidatorSet', [D.origin, epoch, validators, threshold]]], { saltBase: 10 + gi });
        const [, , onchainEpoch, onchainThreshold, onchainValidators] = await bridge.remote(D.origin);
        assert.equal(onchainEpoch, BigInt(epoch));
        assert.equal(onchainThreshold, BigInt(threshold));
        assert.deepEqual(onchainValidators.map((a) => a.toLowerCase()), validators);
        for (const v of list) {
          assert.equal(v.message_id, message.id);
          const ours = P.verifySignatureSet(v.signatures, v.onchain_digest, { validators, threshold });
          const documented = v.onchain_expected === 'ok' && v.signature_count < threshold ? 'below_threshold' : v.onchain_expected;
          assert.equal(ours.code, documented, `${v.name}: our verifier`);
          const r = await E.outcome(bridge.deliver.staticCall(message.encoded, v.signatures), v.name);
          assert.equal(r.code, documented, `${v.name}: deliver answered ${r.name ?? 'ok'}(${fmt(argsOf(r))})`);
          const [name, args] = expectedOnchainError(ours);
          if (name) assertRevert(r, name, args, v.name);
          checked.onchain++;
        }
        const seen = await randomSets(validators, threshold, list[0]);
        t.diagnostic(`random sets, ${validators.length} validators: ${Object.entries(seen).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      } finally {
        assert.equal(await anvil.provider.send('evm_revert', [snapshot]), true);
      }
    });
  }

  await t.test('governance: pause, vetoes, role changes and stale unpauses ("Roles and governance")', async () => {
    const one = VECTORS.signature_sets.find((v) => v.name === 'ok_1_of_1');
    await E.govern(anvil, destinationBridge, admin, relayer, [['setValidatorSet', [D.origin, 1, one.validators, 1]]], { saltBase: 20 });
    assert.equal((await E.outcome(bridge.deliver.staticCall(message.encoded, one.signatures), 'deliver')).code, 'ok');
    const asAdmin = bridge.connect(admin);
    const asGuardian = bridge.connect(guardian);
    const propose = async (fn, args, label) => {
      const call = E.bridgeIface.encodeFunctionData(fn, args);
      const salt = ethers.id(label);
      const r = await E.send(anvil, asAdmin.propose(call, salt), `propose ${label}`);
      const [ev] = E.eventsOf(r, E.bridgeIface, 'Proposed', destinationBridge);
      const at = BigInt((await anvil.provider.getBlock(r.blockNumber)).timestamp);
      return { call, salt, id: ev.args.id, readyAt: ev.args.readyAt, at };
    };
    const unpauseCall = E.bridgeIface.encodeFunctionData('unpause', []);
    assertRevert(await E.revertOf(asAdmin.propose.staticCall(unpauseCall, ethers.id('u0')), 'unpause while running'), 'NotPaused', [], 'an unpause is proposed only while paused');

    await E.send(anvil, asGuardian.pause(), 'pause');
    assert.equal(await bridge.paused(), true);
    assertRevert(await E.revertOf(asGuardian.pause.staticCall(), 'pause twice'), 'AlreadyPaused', [], 'pause twice');
    assertRevert(await E.revertOf(bridge.deliver.staticCall(message.encoded, one.signatures), 'deliver while paused'), 'Paused', [], 'deliver while paused');

    const newGuardian = anvil.account(5);
    const u1 = await propose('unpause', [], 'u1');
    const u2 = await propose('unpause', [], 'u2');
    const roles = await propose('setRoles', [admin.address, newGuardian.address], 'roles');
    const body = await propose('setMaxBody', [D.origin, 1000], 'body');
    for (const p of [u1, roles]) assertRevert(await E.revertOf(asGuardian.cancelProposal.staticCall(p.id), 'veto'), 'GuardianCannotVeto', [p.id], 'the guardian cannot veto');
    const vetoed = await E.send(anvil, asGuardian.cancelProposal(body.id), 'veto setMaxBody');
    assert.equal(E.eventsOf(vetoed, E.bridgeIface, 'ProposalCancelled', destinationBridge)[0]?.args.id, body.id);

    // Second review: a proposal that replaces the guardian waits GUARDIAN_CHANGE_DELAY (30 days),
    // not the admin delay, unless the sitting guardian consents (approveProposal), which makes it
    // executable after the admin delay.
    const guardianDelay = await bridge.GUARDIAN_CHANGE_DELAY();
    assert.equal(guardianDelay, 2_592_000n, 'GUARDIAN_CHANGE_DELAY = 30 days');
    assert.equal(roles.readyAt, roles.at + guardianDelay, 'a guardian change waits 30 days');
    assert.equal(u1.readyAt, u1.at + BigInt(adminDelay), 'an unpause waits the admin delay');
    assert.notEqual((await E.outcome(bridge.connect(admin).approveProposal.staticCall(roles.id), 'the admin approves')).code, 'ok', 'only the guardian consents');
    const approved = await E.send(anvil, asGuardian.approveProposal(roles.id), 'the guardian consents to its replacement');
    const [ap] = E.eventsOf(approved, E.bridgeIface, 'ProposalApproved', destinationBridge);
    assert.equal(ap?.args.id, roles.id, 'ProposalApproved');
    assert.equal(ap.args.readyAt, roles.at + BigInt(adminDelay), 'executable after the admin delay');
    assert.notEqual((await E.outcome(asGuardian.approveProposal.staticCall(u2.id), 'approve an unpause')).code, 'ok', 'only a guardian change is approved');
    roles.readyAt = ap.args.readyAt;

    // From its ETA exactly (not a second before), while paused, setRoles executes.
    assertRevert(await E.revertOf(bridge.execute.staticCall(roles.call, roles.salt), 'early'), 'TimelockPending', null, 'before the ETA');
    await anvil.provider.send('evm_setNextBlockTimestamp', [ethers.toQuantity(roles.readyAt)]);
    const rr = await E.send(anvil, bridge.execute(roles.call, roles.salt), 'execute setRoles at its ETA');
    assert.equal(BigInt((await anvil.provider.getBlock(rr.blockNumber)).timestamp), roles.readyAt);
    assert.equal(await bridge.guardian(), newGuardian.address);
    assert.notEqual((await E.outcome(bridge.execute.staticCall(body.call, body.salt), 'vetoed')).code, 'ok', 'a vetoed proposal never executes');

    await E.send(anvil, bridge.execute(u1.call, u1.salt), 'unpause');
    assert.equal(await bridge.paused(), false);
    assert.notEqual((await E.outcome(asGuardian.pause.staticCall(), 'old guardian')).code, 'ok', 'the replaced guardian cannot pause');
    await E.send(anvil, bridge.connect(newGuardian).pause(), 'pause again');
    assertRevert(await E.revertOf(bridge.execute.staticCall(u2.call, u2.salt), 'stale'), 'StaleUnpause', null, 'an unpause proposed before the current pause');
    await E.send(anvil, asAdmin.cancelProposal(u2.id), 'the admin cancels its own proposal');

    // Roles are different keys; a guardian-less or admin-less bridge is refused.
    const same = await E.outcome(asAdmin.propose.staticCall(E.bridgeIface.encodeFunctionData('setRoles', [admin.address, admin.address]), ethers.id('same')), 'same roles');
    const sameExec = same.code === 'ok' ? 'proposable' : same.name;
    const init = await E.outcome(E.deployBridge(anvil, admin, { domain: 7, admin: admin.address, guardian: admin.address, adminDelay }), 'admin = guardian');
    assert.notEqual(init.code, 'ok', 'initialize with admin = guardian is refused');
    const zero = await E.outcome(E.deployBridge(anvil, admin, { domain: 0, admin: admin.address, guardian: guardian.address, adminDelay }), 'domain 0');
    assert.notEqual(zero.code, 'ok', 'initialize with local domain 0 is refused');
    t.diagnostic(`initialize(admin = guardian) reverts ${init.name}; initialize(domain 0) reverts ${zero.name}; propose(setRoles(a, a)): ${sameExec}`);
  });

  await t.test('validator sets: at most 255 validators', async () => {
    const many = (n) => Array.from({ length: n }, (_, i) => ethers.getAddress(ethers.toBeHex(BigInt(i + 1) * 0x10000n + 1n, 20)));
    const g = await E.govern(anvil, destinationBridge, admin, relayer, [
      E.simulated('setValidatorSet', [D.origin, 2, many(256), P.minConfigurationThreshold(256)]),
      E.simulated('setValidatorSet', [D.origin, 2, many(255), P.minConfigurationThreshold(255)]),
    ], { saltBase: 30 });
    assert.equal(P.validatorSetError({ epoch: 2n, validators: many(256), threshold: 171 }, { configuration: true }), 'too_many_validators');
    assertRevert(g[0].outcome, 'TooManyValidators', [256n], '256 validators');
    assert.equal(g[1].outcome.code, 'ok', '255 validators, threshold 170');
  });

  await t.test('upgrades only through the timelock; state and localDomain survive', async () => {
    const impl2 = await E.deploy(anvil, admin, E.BRIDGE);
    const direct = await E.outcome(bridge.connect(admin).upgradeToAndCall.staticCall(impl2.address, '0x'), 'direct upgrade');
    assert.notEqual(direct.code, 'ok', 'the admin cannot upgrade without the timelock');
    const before = await bridge.remote(D.origin);
    const reinit = E.bridgeIface.encodeFunctionData('initialize', [99, admin.address, guardian.address, adminDelay]);
    // Second review: an upgrade proposal carries no call data (UpgradeWithCall), whatever the
    // data would call (here initialize; an unpause or a send would run as the bridge itself).
    for (const data of [reinit, E.bridgeIface.encodeFunctionData('unpause', [])]) {
      const call = E.bridgeIface.encodeFunctionData('upgradeToAndCall', [impl2.address, data]);
      assertRevert(await E.revertOf(bridge.connect(admin).propose.staticCall(call, ethers.id('upgrade with call'))), 'UpgradeWithCall', [], 'propose(upgradeToAndCall with call data)');
    }
    // setRoles(a, a) replaces the guardian: it waits 30 days (govern waits for it) and is refused.
    const [same] = await E.govern(anvil, destinationBridge, admin, relayer, [E.simulated('setRoles', [admin.address, admin.address])], { saltBase: 39 });
    assert.notEqual(same.outcome.code, 'ok', 'admin and guardian are different keys');
    const g = await E.govern(anvil, destinationBridge, admin, relayer, [['upgradeToAndCall', [impl2.address, '0x']]], { saltBase: 40 });
    t.diagnostic(`direct upgrade reverts ${direct.name}; setRoles(a, a) reverts ${same.outcome.name}`);
    assert.equal(E.eventsOf(g[0].receipt, E.bridgeIface, 'Upgraded', destinationBridge)[0]?.args.implementation, impl2.address);
    assert.equal(await anvil.provider.getStorage(destinationBridge, E.IMPLEMENTATION_SLOT), ethers.zeroPadValue(impl2.address, 32).toLowerCase());
    assert.equal(await bridge.localDomain(), BigInt(D.destination));
    assert.deepEqual((await bridge.remote(D.origin)).toArray(), before.toArray());
  });

  await t.test('a send to the local domain is refused, even with a remote configured for it', async () => {
    const g = await E.govern(anvil, destinationBridge, admin, relayer, [['unpause', []], E.simulated('setRemote', [D.destination, VECTORS.origin_bridge, 0])], { saltBase: 50 });
    assert.equal(await bridge.paused(), false);
    if (g[1].outcome.code !== 'ok') {
      t.diagnostic(`setRemote(local domain) reverts ${g[1].outcome.name}`);
      return;
    }
    await E.govern(anvil, destinationBridge, admin, relayer, [['setRemote', [D.destination, VECTORS.origin_bridge, 0]]], { saltBase: 51 });
    const r = await E.outcome(bridge.sendMessage.staticCall(D.destination, universal(relayer.address), 1, '0x'), 'send to self');
    assert.notEqual(r.code, 'ok', 'sendMessage to the local domain');
  });

  await t.test('a proposal expires 14 days after its ETA (ProposalExpired)', async () => {
    const call = E.bridgeIface.encodeFunctionData('setMaxBody', [D.origin, 1000]);
    const salt = ethers.id('expiry');
    const r = await anvil.receipt(bridge.connect(admin).propose(call, salt));
    const [ev] = E.eventsOf(r, E.bridgeIface, 'Proposed', destinationBridge);
    const grace = await bridge.GRACE_PERIOD();
    assert.equal(grace, 1_209_600n, 'GRACE_PERIOD');
    const early = await E.revertOf(bridge.execute.staticCall(call, salt), 'execute before the ETA');
    t.diagnostic(`execute before the ETA reverts ${early.name} (the document names no error for it)`);
    const now = await anvil.timestamp();
    await anvil.increaseTime(Number(ev.args.readyAt - now + grace) + 1);
    const late = await E.revertOf(bridge.execute.staticCall(call, salt), 'execute after the grace period');
    assert.equal(late.name, 'ProposalExpired');
  });
});

test('every vector was checked', (t) => {
  // Offline: messages, invalid messages, token ids, digests, signature sets, validator sets and
  // bucket step cases. On chain: messages, invalid messages, validator sets, signature sets.
  const offline = ['messages', 'invalid_messages', 'token_ids', 'digests', 'signature_sets', 'validator_sets', 'bucket_steps'];
  const onchain = ['messages', 'invalid_messages', 'validator_sets', 'signature_sets'];
  const count = (keys) => keys.reduce((n, k) => n + VECTORS[k].length, 0);
  assert.equal(checked.offline, count(offline), 'offline');
  assert.equal(checked.onchain, count(onchain), 'on chain');
  const steps = VECTORS.bucket_steps.reduce((n, b) => n + b.steps.length, 0);
  t.diagnostic(`vectors: ${checked.offline} checked offline (${steps} bucket steps in ${VECTORS.bucket_steps.length} cases), ${checked.onchain} of them also against the deployed bridge`);
});
