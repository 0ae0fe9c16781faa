'use strict';
// An ordinary Anchor TypeScript client of the bridge program, built from the IDL alone
// (`new Program(idl, provider)` of @coral-xyz/anchor), on solana-test-validator with the
// program deployed upgradeable at a random program id (not the IDL's placeholder), with the IDL
// for that id that contracts/solana/idl.cjs writes (README, "Anchor clients"). It checks the
// three promises of contracts/solana/README.md that the security review asked for, through
// Anchor's normal paths and no hand-written workaround:
//
// 1. PDA seeds: every account the IDL can resolve (constants, arguments, other accounts' keys
//    and data, `relations`) is left to Anchor's resolver and compared with the address the
//    README's seed table gives (integers little-endian), on ids, nonces and domains whose
//    little- and big-endian bytes differ; the transaction then lands. Only accounts the IDL
//    cannot resolve are passed (`only()` checks that against the IDL, as `.accounts()`'s
//    TypeScript type would), with plain `.accounts()`: a home token and a bridged mint alike
//    (the bridged mint's optional vault resolves to null from its token config).
// 2. Events: Anchor's `EventParser` finds every event in the logs, and the `MessageSent`
//    self-CPI inner instruction (Anchor's emit_cpi: EVENT_IX_TAG || event) decodes with
//    `program.coder.events`; the message bytes, nonce and id are checked against
//    docs/protocol.md (lib/protocol.cjs, itself checked against bridge/vectors/v2.json).
// 3. Errors: refusals reach `.rpc()` callers as `AnchorError` with the IDL's name and code.
// 4. Return data: `quote` answers through Anchor's `.view()` (simulation, the IDL's `returns`).
//
// Environment: TRESTLE_BRIDGE_SO (the program, from contracts/solana/build.sh; default
// $TRESTLE_CACHE/sbf/trestle_bridge.so), TRESTLE_SOLANA_TEST_VALIDATOR or TRESTLE_CACHE (the
// validator binary), TRESTLE_ANCHOR_WORKDIR (optional: ledger and log directory).

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { after, before, describe, it } = require('node:test');

const anchor = require('@coral-xyz/anchor');
const { AnchorError, AnchorProvider, BN, EventParser, Program, Wallet } = anchor;
const web3 = require('@solana/web3.js');
const { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey } = web3;
const spl = require('@solana/spl-token');

const proto = require('./lib/protocol.cjs');
const { startValidator } = require('./lib/validator.cjs');

const REPO = path.resolve(__dirname, '../../..');
const IDL_PATH = path.join(REPO, 'contracts/solana/idl/trestle_bridge.json');
const IDL_SCRIPT = path.join(REPO, 'contracts/solana/idl.cjs');
const VECTORS_PATH = path.join(REPO, 'bridge/vectors/v2.json');
/** The committed IDL, written for the placeholder program id. */
const committedIdl = JSON.parse(fs.readFileSync(IDL_PATH, 'utf8'));
const PLACEHOLDER = committedIdl.address;
/** This run's deployment: a random program id, and the IDL for it as the README says to get it. */
const PROGRAM_ID = Keypair.generate().publicKey;
const idl = JSON.parse(execFileSync(process.execPath, [IDL_SCRIPT, PROGRAM_ID.toBase58()], { encoding: 'utf8' }));
const SO =
  process.env.TRESTLE_BRIDGE_SO ||
  path.join(process.env.TRESTLE_CACHE || path.join(os.homedir(), '.cache', 'trestle'), 'sbf', 'trestle_bridge.so');

const UPGRADEABLE_LOADER = new PublicKey('BPFLoaderUpgradeab1e11111111111111111111111');
/** SIMD-0500 (`disable_sbpf_v0_v1_v2_deployment`): on by default in solana-test-validator 4.2.2, not on mainnet-beta; the program is SBPF v0. */
const DISABLE_SBPF_V0_V1_V2_DEPLOYMENT = 'B8JJXCy5amZyWG9r7EnUYLwzXSXTxG7GZ1qZ1qggo83g';
/** Anchor's `EVENT_IX_TAG` (0x1d9acb512ea545e4, `sha256("anchor:event")[..8]`), little-endian as emit_cpi! writes it. */
const EVENT_IX_TAG_LE = Buffer.from('e445a52e51cb9a1d', 'hex');

// Domains and ids whose little- and big-endian encodings differ, so a wrong seed cannot pass.
const DOMAIN = 40_001; // this bridge (Solana)
const ORIGIN = 31_337; // an EVM remote
const REMOTE_BRIDGE = Buffer.concat([Buffer.alloc(12), Buffer.alloc(20, 0xb1)]);
const NONCES = { release: 258n, cancelled: 259n, staged: 260n, bridged: 261n, message: 262n };
const EXAMPLE_RECIPIENT_SO = path.join(path.dirname(SO), 'trestle_example_recipient.so');
/** An ERC-20 on the EVM remote, bridged here as an SPL mint (18 decimals there, 9 here). */
const BRIDGED_HOME_TOKEN = Buffer.concat([Buffer.alloc(12), Buffer.alloc(20, 0xe2)]);
const BRIDGED_SCALE_EXP = 9;

// ---- the README's PDA table, written independently of the IDL ------------------------------
const le32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const le64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const pda = (...seeds) =>
  PublicKey.findProgramAddressSync(seeds.map((s) => (typeof s === 'string' ? Buffer.from(s) : Buffer.from(s))), PROGRAM_ID)[0];
const PDA = {
  config: () => pda('config'),
  remote: (domain) => pda('remote', le32(domain)),
  token: (id) => pda('token', id),
  route: (id, domain) => pda('route', id, le32(domain)),
  vault: (mint) => pda('vault', mint.toBuffer()),
  authority: () => pda('authority'),
  receipt: (origin, bridge, nonce) => pda('receipt', le32(origin), bridge, le64(nonce)),
  signatures: (id, epoch, payer) => pda('signatures', id, le64(epoch), payer.toBuffer()),
  proposal: (id) => pda('proposal', le64(id)),
  messenger: (recipient) => pda('messenger', recipient.toBuffer()),
  eventAuthority: () => pda('__event_authority'),
  feeConfig: (destination) => pda('fee_config', le32(destination)),
  feeRoles: () => pda('fees'),
  feeVault: () => pda('fee_vault'),
  programData: () => PublicKey.findProgramAddressSync([PROGRAM_ID.toBuffer()], UPGRADEABLE_LOADER)[0],
};
const SYSTEM_PROGRAM = web3.SystemProgram.programId;
const CLOCK = web3.SYSVAR_CLOCK_PUBKEY;

const hex = (b) => Buffer.from(b).toString('hex');
const arr = (b) => Array.from(Buffer.from(b));

// ---- the offline half: this test's protocol encoder against the shared vectors --------------
describe('lib/protocol.cjs reproduces bridge/vectors/v2.json', () => {
  // Integers above 2^53 (u64 nonces, uint256 amounts) are read as strings, exactly.
  const vectors = JSON.parse(fs.readFileSync(VECTORS_PATH, 'utf8').replace(/:\s*(\d{16,})\b/g, ': "$1"'));
  const h = (s) => Buffer.from(s.replace(/^0x/, ''), 'hex');

  it('messages, ids, token ids and digests', () => {
    for (const m of vectors.messages) {
      const encoded = proto.encodeMessage({
        nonce: BigInt(m.nonce),
        origin: m.origin,
        sender: h(m.sender),
        destination: m.destination,
        recipient: h(m.recipient),
        body: h(m.body),
      });
      assert.equal(hex(encoded), hex(h(m.encoded)), m.name);
      assert.equal(hex(proto.messageId(encoded)), hex(h(m.id)), m.name);
      if (m.kind === 'token_transfer') {
        const body = proto.transferBody(h(m.token_id), BigInt(m.amount), h(m.beneficiary));
        assert.equal(hex(body), hex(h(m.body)), m.name);
      }
    }
    for (const t of vectors.token_ids) {
      assert.equal(hex(proto.tokenId(t.home_domain, h(t.home_token))), hex(h(t.token_id)), t.name);
    }
    assert.ok(vectors.digests.length > 0);
    for (const d of vectors.digests) {
      const got = proto.digest({
        origin: d.origin,
        originBridge: h(d.origin_bridge),
        destination: d.destination,
        destinationBridge: h(d.destination_bridge),
        epoch: BigInt(d.epoch),
        id: h(d.message_id),
      });
      assert.equal(hex(got.preimage), hex(h(d.preimage)), d.name);
      assert.equal(hex(got.inner), hex(h(d.inner)), d.name);
      assert.equal(hex(got.digest), hex(h(d.digest)), d.name);
    }
  });

  it("Anchor's EVENT_IX_TAG", () => {
    const tag = crypto.createHash('sha256').update('anchor:event').digest().subarray(0, 8);
    assert.equal(hex(Buffer.from(tag).reverse()), hex(EVENT_IX_TAG_LE));
  });
});

describe("contracts/solana/idl.cjs: the IDL for this run's program id", () => {
  /** Where `a` and `b` differ: [path, a's value, b's value]. */
  function differences(a, b, where = 'idl', out = []) {
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
      for (const k of keys) {
        const name = Array.isArray(a) && a[k] && a[k].name ? a[k].name : k;
        differences(a[k], b[k], Array.isArray(a) ? `${where}[${name}]` : `${where}.${k}`, out);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push([where, a, b]);
    }
    return out;
  }

  it('names the random program id in every address field, and nothing else changes', () => {
    assert.notEqual(PROGRAM_ID.toBase58(), PLACEHOLDER);
    assert.deepEqual(differences(committedIdl, idl), [
      ['idl.address', PLACEHOLDER, PROGRAM_ID.toBase58()],
      ['idl.instructions[initialize].accounts[program].address', PLACEHOLDER, PROGRAM_ID.toBase58()],
      ['idl.instructions[send].accounts[program].address', PLACEHOLDER, PROGRAM_ID.toBase58()],
      ['idl.instructions[pay_for_gas].accounts[program].address', PLACEHOLDER, PROGRAM_ID.toBase58()],
    ]);
    const text = JSON.stringify(idl);
    assert.ok(!text.includes(PLACEHOLDER), 'the placeholder id is gone');
    assert.ok(!text.includes(`[${[...new PublicKey(PLACEHOLDER).toBuffer()].join(',')}]`), "and so are its bytes");
    // The program data account: the loader's PDA of the `program` account, whatever its address.
    const programData = idl.instructions.find((i) => i.name === 'initialize').accounts.find((a) => a.name === 'program_data');
    assert.deepEqual(programData.pda, {
      seeds: [{ kind: 'account', path: 'program' }],
      program: { kind: 'const', value: [...UPGRADEABLE_LOADER.toBuffer()] },
    });
  });

  it('gives the committed IDL back for the placeholder and refuses what is not a program id', () => {
    const run = (...args) => execFileSync(process.execPath, [IDL_SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(run(PLACEHOLDER), fs.readFileSync(IDL_PATH, 'utf8'));
    for (const bad of ['', 'not base58!', 'z'.repeat(44), SYSTEM_PROGRAM.toBase58()]) {
      assert.throws(() => run(bad), (e) => e.status === 1 && e.stdout === '' && /idl\.cjs: /.test(e.stderr), JSON.stringify(bad));
    }
    // OUT instead of stdout; require() gives the same IDL.
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trestle-idl-')), 'trestle_bridge.json');
    try {
      assert.equal(run(PROGRAM_ID.toBase58(), out), '');
      assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), idl);
      assert.deepEqual(require(IDL_SCRIPT).idlFor(PROGRAM_ID.toBase58()), idl);
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});

// ---- the client on solana-test-validator ----------------------------------------------------
describe("an Anchor client built from the IDL for a random program id, on solana-test-validator", () => {
  let node;
  let connection;
  let provider;
  let program;
  let parser;
  const wallet = Keypair.generate(); // fee payer, the program's upgrade authority
  const admin = Keypair.generate();
  const guardian = Keypair.generate();
  const user = Keypair.generate();
  const mintKeypair = Keypair.generate();
  const mintAuthority = Keypair.generate();
  const recipientProgram = Keypair.generate().publicKey; // the example message recipient
  const validators = [1, 2, 3].map((i) => proto.validator(crypto.createHash('sha256').update(`trestle validator ${i}`).digest()));
  let mint;
  let userToken;
  let tokenId;
  let nextProposal = 0;
  let ownDir; // a temporary directory of this test's, when TRESTLE_ANCHOR_WORKDIR is not set

  /**
   * The example recipient trusts one bridge, the constant BRIDGE_ID of its code (the
   * placeholder id, where the Rust tests load the bridge), as a recipient is built for the
   * deployment it trusts: this run loads a copy whose constant names this run's bridge (its
   * 32 bytes, found exactly once in the program, replaced).
   */
  function exampleRecipientFor(bridge, dir) {
    const so = fs.readFileSync(EXAMPLE_RECIPIENT_SO);
    const trusted = new PublicKey(PLACEHOLDER).toBuffer();
    const at = so.indexOf(trusted);
    assert.ok(at >= 0 && so.indexOf(trusted, at + 1) < 0, "the example recipient's BRIDGE_ID, once");
    bridge.toBuffer().copy(so, at);
    const out = path.join(dir, 'trestle_example_recipient.so');
    fs.writeFileSync(out, so);
    return out;
  }

  before(async () => {
    let workDir = process.env.TRESTLE_ANCHOR_WORKDIR;
    if (!workDir) workDir = ownDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trestle-anchor-client-'));
    node = await startValidator({
      programs: [{ id: PROGRAM_ID.toBase58(), so: SO, upgradeAuthority: wallet.publicKey.toBase58() }],
      args: [
        '--bpf-program', recipientProgram.toBase58(), exampleRecipientFor(PROGRAM_ID, workDir),
        '--deactivate-feature', DISABLE_SBPF_V0_V1_V2_DEPLOYMENT,
      ],
      workDir,
    });
    connection = new Connection(node.url, { commitment: 'confirmed', wsEndpoint: node.wsUrl });
    provider = new AnchorProvider(connection, new Wallet(wallet), {
      commitment: 'confirmed',
      preflightCommitment: 'confirmed',
    });
    program = new Program(idl, provider);
    parser = new EventParser(program.programId, program.coder);
    for (const who of [wallet, admin]) {
      const sig = await connection.requestAirdrop(who.publicKey, 20 * LAMPORTS_PER_SOL);
      await connection.confirmTransaction({ signature: sig, ...(await connection.getLatestBlockhash()) }, 'confirmed');
    }
    // An SPL mint whose home is this bridge, and the user's associated account with 1,000 units.
    const opts = { commitment: 'confirmed' };
    mint = await spl.createMint(connection, wallet, mintAuthority.publicKey, null, 6, mintKeypair, opts);
    userToken = await spl.createAssociatedTokenAccount(connection, wallet, mint, user.publicKey, opts);
    await spl.mintTo(connection, wallet, mint, userToken, mintAuthority, 1_000, [], opts);
    tokenId = proto.tokenId(DOMAIN, mint.toBuffer());
  });

  after(async () => {
    // web3.js keeps the WebSocket of its signature subscriptions and would reconnect to the
    // stopped node forever (keeping this process alive): close it first.
    if (connection && connection._rpcWebSocket) connection._rpcWebSocket.close();
    if (node) await node.stop();
    if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
  });

  // -- helpers --------------------------------------------------------------------------------

  /**
   * The accounts a caller passes to `.accounts()`: checked against the IDL as the method's
   * TypeScript type would check them. Nothing the IDL resolves (address, pda, relations) may be
   * given, and every account it cannot resolve must be (signers default to the wallet; optional
   * ones may be null).
   */
  function only(ixName, given) {
    const ix = program.idl.instructions.find((i) => i.name === ixName);
    assert.ok(ix, `instruction ${ixName} in the IDL`);
    const resolvable = (a) => Boolean(a.address || a.pda || a.relations);
    for (const name of Object.keys(given)) {
      const account = ix.accounts.find((a) => a.name === name);
      assert.ok(account, `${ixName}: no account ${name} in the IDL`);
      assert.ok(!resolvable(account), `${ixName}.${name} is resolvable from the IDL: the test must not pass it`);
    }
    for (const account of ix.accounts) {
      if (!resolvable(account) && !account.signer) {
        assert.ok(account.name in given, `${ixName}.${account.name} cannot be resolved from the IDL and must be given`);
      }
    }
    return given;
  }

  /** Compares what Anchor resolved with the README's addresses. */
  async function assertResolved(builder, expected) {
    const keys = await builder.pubkeys();
    for (const [name, want] of Object.entries(expected)) {
      assert.ok(keys[name], `Anchor resolved no address for ${name}`);
      assert.equal(keys[name].toBase58(), want.toBase58(), `Anchor's ${name}`);
    }
    return keys;
  }

  /** Account `name` of instruction `ix` is Anchor's null: the program id, neither signer nor writable. */
  function assertNull(ix, name) {
    const idlIx = program.idl.instructions.find((i) => ix.data.subarray(0, 8).equals(Buffer.from(i.discriminator)));
    const index = idlIx.accounts.findIndex((a) => a.name === name);
    assert.ok(index >= 0, `${idlIx.name}.${name}`);
    const meta = ix.keys[index];
    assert.equal(meta.pubkey.toBase58(), PROGRAM_ID.toBase58(), `${idlIx.name}.${name} is null`);
    assert.equal(meta.isWritable, false, `${idlIx.name}.${name} is not writable`);
    assert.equal(meta.isSigner, false, `${idlIx.name}.${name} is not a signer`);
  }

  /** The confirmed transaction of `signature` (logs, inner instructions), polled with a deadline. */
  async function landed(signature) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const tx = await connection.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
      if (tx) {
        assert.equal(tx.meta.err, null);
        return tx;
      }
      assert.ok(Date.now() < deadline, `transaction ${signature} not found`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Anchor's EventParser over a transaction's logs: [{ name, data }]. */
  const eventsOf = (tx) => [...parser.parseLogs(tx.meta.logMessages)];

  /** Retries `send()` while it fails with the AnchorError `code` (a timelock on the validator's clock). */
  async function whileRefused(code, send, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await send();
      } catch (e) {
        if (!(e instanceof AnchorError) || e.error.errorCode.code !== code || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Asserts that `promise` (an `.rpc()`) rejects with the AnchorError the IDL names `name`. */
  async function assertAnchorError(promise, name) {
    const entry = idl.errors.find((e) => e.name === name);
    assert.ok(entry, `${name} is in the IDL's errors`);
    await assert.rejects(promise, (err) => {
      assert.ok(err instanceof AnchorError, `expected an AnchorError, got ${err && err.constructor && err.constructor.name}: ${err}`);
      assert.equal(err.error.errorCode.code, entry.name);
      assert.equal(err.error.errorCode.number, entry.code);
      assert.equal(err.error.errorMessage, entry.msg);
      assert.equal(err.program.toBase58(), PROGRAM_ID.toBase58(), 'the failing program');
      return true;
    });
  }

  /** propose(action) by the admin, then execute_proposal(id) once the delay has passed. */
  async function govern(action, remaining) {
    const id = nextProposal++;
    const propose = program.methods.propose(action).accounts(only('propose', { admin: admin.publicKey })).signers([admin]);
    await assertResolved(propose, {
      config: PDA.config(),
      proposal: PDA.proposal(id),
      clock: CLOCK,
      systemProgram: SYSTEM_PROGRAM,
    });
    const proposed = await landed(await propose.rpc());
    const created = eventsOf(proposed);
    assert.deepEqual(created.map((e) => e.name), ['proposalCreated']);
    assert.equal(created[0].data.id.toString(), String(id));

    const execute = program.methods
      .executeProposal(new BN(id))
      .accounts(only('executeProposal', { payer: wallet.publicKey }))
      .remainingAccounts(remaining);
    await assertResolved(execute, { config: PDA.config(), proposal: PDA.proposal(id) });
    const executed = await landed(await whileRefused('ProposalPending', () => execute.rpc()));
    const events = eventsOf(executed);
    assert.deepEqual(events.map((e) => e.name), ['proposalExecuted']);
    assert.equal(events[0].data.id.toString(), String(id));
    const proposal = await program.account.proposal.fetch(PDA.proposal(id));
    assert.equal(proposal.id.toString(), String(id));
    assert.equal(proposal.status, 1, 'executed');
    return id;
  }

  const w = (pubkey) => ({ pubkey, isSigner: false, isWritable: true });
  const r = (pubkey) => ({ pubkey, isSigner: false, isWritable: false });

  // -- the steps ------------------------------------------------------------------------------

  it('initialize: by the upgrade authority only; Anchor resolves config, program and program data', async () => {
    const init = (payer) =>
      program.methods
        .initialize(DOMAIN, admin.publicKey, guardian.publicKey, new BN(1))
        .accounts(only('initialize', { payer: payer.publicKey }));
    await assertAnchorError(init(admin).signers([admin]).rpc(), 'NotUpgradeAuthority');

    const builder = init(wallet);
    await assertResolved(builder, {
      config: PDA.config(),
      systemProgram: SYSTEM_PROGRAM,
      program: PROGRAM_ID,
      programData: PDA.programData(),
    });
    await landed(await builder.rpc());
    const config = await program.account.config.fetch(PDA.config());
    assert.equal(config.domain, DOMAIN);
    assert.ok(config.admin.equals(admin.publicKey));
    assert.ok(config.guardian.equals(guardian.publicKey));
    assert.equal(config.paused, false);
    assert.equal(config.outboundNonce.toString(), '0');
    assert.equal(config.adminDelay.toString(), '1');
    assert.equal(config.nextProposal.toString(), '0');
  });

  it('propose / execute_proposal: SetRemote with a validator set, RegisterToken, SetRoute; cancel_proposal by the guardian', async () => {
    const addresses = validators.map((v) => v.address).sort(Buffer.compare);
    await govern(
      {
        setRemote: {
          domain: ORIGIN,
          bridge: arr(REMOTE_BRIDGE),
          kind: { evm: {} },
          epoch: new BN(1),
          threshold: 2,
          validators: addresses.map(arr),
        },
      },
      [w(PDA.remote(ORIGIN))],
    );
    const remote = await program.account.remote.fetch(PDA.remote(ORIGIN));
    assert.equal(remote.domain, ORIGIN);
    assert.equal(hex(remote.bridge), hex(REMOTE_BRIDGE));
    assert.deepEqual(remote.kind, { evm: {} });
    assert.equal(remote.epoch.toString(), '1');
    assert.equal(remote.threshold, 2);
    assert.deepEqual(remote.validators.map(hex), addresses.map(hex));

    await govern(
      {
        registerToken: {
          homeDomain: DOMAIN,
          homeToken: arr(mint.toBuffer()),
          mint,
          scaleExp: 0,
          timelockThreshold: new BN(150),
          timelockDelay: new BN(1),
        },
      },
      [w(PDA.token(tokenId)), r(mint), w(PDA.vault(mint)), r(PDA.authority()), r(spl.TOKEN_PROGRAM_ID)],
    );
    const token = await program.account.tokenConfig.fetch(PDA.token(tokenId));
    assert.equal(hex(token.tokenId), hex(tokenId));
    assert.ok(token.mint.equals(mint));
    assert.equal(token.isHome, true);
    assert.ok(token.vault.equals(PDA.vault(mint)));
    const vault = await spl.getAccount(connection, PDA.vault(mint), 'confirmed');
    assert.ok(vault.owner.equals(PDA.authority()), 'the vault belongs to the authority PDA');

    const limits = { capacity: new BN(1_000), refillPerSecond: new BN(1) };
    await govern(
      {
        setRoute: {
          tokenId: arr(tokenId),
          domain: ORIGIN,
          remoteExp: 0,
          remoteMax: new BN('ffffffffffffffffffffffffffffffff', 16),
          inbound: limits,
          outbound: limits,
        },
      },
      [r(PDA.token(tokenId)), w(PDA.route(tokenId, ORIGIN)), r(PDA.remote(ORIGIN))],
    );
    const route = await program.account.route.fetch(PDA.route(tokenId, ORIGIN));
    assert.equal(route.domain, ORIGIN);
    assert.equal(route.ledger.toString(), '0');
    assert.equal(route.outbound.level.toString(), '1000');

    // A proposal (id 3) the guardian vetoes.
    const id = nextProposal++;
    const propose = program.methods
      .propose({ setAdminDelay: { adminDelay: new BN(2) } })
      .accounts(only('propose', { admin: admin.publicKey }))
      .signers([admin]);
    await assertResolved(propose, { proposal: PDA.proposal(id) });
    await landed(await propose.rpc());
    const cancel = program.methods
      .cancelProposal(new BN(id))
      .accounts(only('cancelProposal', { authority: guardian.publicKey }))
      .signers([guardian]);
    await assertResolved(cancel, { config: PDA.config(), proposal: PDA.proposal(id) });
    const cancelled = eventsOf(await landed(await cancel.rpc()));
    assert.deepEqual(cancelled.map((e) => [e.name, e.data.id.toString()]), [['proposalCancelled', String(id)]]);
    assert.equal((await program.account.proposal.fetch(PDA.proposal(id))).status, 2, 'cancelled');
    assert.equal((await program.account.config.fetch(PDA.config())).nextProposal.toString(), String(nextProposal));
  });

  const beneficiary = Buffer.concat([Buffer.alloc(12), Buffer.alloc(20, 0x42)]); // an EVM address

  /** A send of `amount` to the EVM remote; checks its MessageSent (logs and inner instruction). */
  async function sendAndCheck(amount, nonce) {
    const builder = program.methods
      .send(ORIGIN, arr(tokenId), arr(beneficiary), new BN(amount), new BN(0))
      .accounts(only('send', { sender: user.publicKey, senderToken: userToken }))
      .signers([user]);
    await assertResolved(builder, {
      config: PDA.config(),
      remote: PDA.remote(ORIGIN),
      tokenConfig: PDA.token(tokenId),
      route: PDA.route(tokenId, ORIGIN),
      mint,
      vault: PDA.vault(mint),
      tokenProgram: spl.TOKEN_PROGRAM_ID,
      clock: CLOCK,
      eventAuthority: PDA.eventAuthority(),
      program: PROGRAM_ID,
      feeConfig: PDA.feeConfig(ORIGIN),
      feeVault: PDA.feeVault(),
      systemProgram: SYSTEM_PROGRAM,
    });
    const tx = await landed(await builder.rpc());

    const message = proto.encodeMessage({
      nonce,
      origin: DOMAIN,
      sender: user.publicKey.toBuffer(),
      destination: ORIGIN,
      recipient: REMOTE_BRIDGE,
      body: proto.transferBody(tokenId, amount, beneficiary),
    });
    const id = proto.messageId(message);
    const check = (event, where) => {
      assert.equal(event.name, 'messageSent', where);
      assert.equal(hex(event.data.message), hex(message), `${where}: the message bytes`);
      assert.equal(hex(event.data.id), hex(id), `${where}: id = keccak256(message)`);
      assert.equal(event.data.nonce.toString(), String(nonce), `${where}: nonce`);
      assert.equal(event.data.destination, ORIGIN, `${where}: destination`);
    };

    // (a) The log line, through Anchor's EventParser.
    const logged = eventsOf(tx);
    assert.equal(logged.length, 1, `one event in the logs: ${JSON.stringify(logged.map((e) => e.name))}`);
    check(logged[0], 'EventParser');

    // (b) The self-CPI inner instruction, through program.coder.events.
    const keys = tx.transaction.message.getAccountKeys({ accountKeysFromLookups: tx.meta.loadedAddresses });
    const inner = tx.meta.innerInstructions
      .flatMap((group) => group.instructions)
      .filter((ix) => keys.get(ix.programIdIndex).equals(PROGRAM_ID));
    assert.equal(inner.length, 1, 'one inner instruction to the bridge');
    const data = Buffer.from(anchor.utils.bytes.bs58.decode(inner[0].data));
    assert.equal(hex(data.subarray(0, 8)), hex(EVENT_IX_TAG_LE), 'EVENT_IX_TAG');
    assert.deepEqual(inner[0].accounts.map((i) => keys.get(i).toBase58()), [PDA.eventAuthority().toBase58()]);
    const decoded = program.coder.events.decode(anchor.utils.bytes.base64.encode(data.subarray(8)));
    assert.ok(decoded, 'program.coder.events decodes the inner instruction');
    check(decoded, 'inner instruction');
    return { tx, message, id };
  }

  it('send: Anchor resolves every PDA; MessageSent from the logs (EventParser) and the self-CPI inner instruction', async () => {
    await sendAndCheck(300n, 0n);
    await sendAndCheck(10n, 1n);
    assert.equal((await spl.getAccount(connection, PDA.vault(mint), 'confirmed')).amount, 310n);
    assert.equal((await spl.getAccount(connection, userToken, 'confirmed')).amount, 690n);
    assert.equal((await program.account.config.fetch(PDA.config())).outboundNonce.toString(), '2');
    assert.equal((await program.account.route.fetch(PDA.route(tokenId, ORIGIN))).ledger.toString(), '310');
  });

  /** A token transfer from the EVM remote to the user, and its attestation by `signers`. */
  function inbound(nonce, amount, signers) {
    const message = proto.encodeMessage({
      nonce,
      origin: ORIGIN,
      sender: Buffer.concat([Buffer.alloc(12), Buffer.alloc(20, 0x5e)]),
      destination: DOMAIN,
      recipient: PROGRAM_ID.toBuffer(),
      body: proto.transferBody(tokenId, amount, user.publicKey.toBuffer()),
    });
    const id = proto.messageId(message);
    const { digest } = proto.digest({
      origin: ORIGIN,
      originBridge: REMOTE_BRIDGE,
      destination: DOMAIN,
      destinationBridge: PROGRAM_ID.toBuffer(),
      epoch: 1n,
      id,
    });
    return { message, id, nonce, receipt: PDA.receipt(ORIGIN, REMOTE_BRIDGE, nonce), signatures: proto.signatureSet(digest, signers) };
  }

  /** deliver(message, signatures): only the accounts the IDL cannot resolve (they depend on the message's bytes). */
  function deliver(m, { payer = wallet, signatures = m.signatures, signatureSet = null } = {}) {
    return program.methods
      .deliver(m.message, signatures)
      .accounts(
        only('deliver', {
          payer: payer.publicKey,
          remote: PDA.remote(ORIGIN),
          receipt: m.receipt,
          signatureSet,
          tokenConfig: PDA.token(tokenId),
          route: PDA.route(tokenId, ORIGIN),
          mint,
          vault: PDA.vault(mint),
          beneficiaryToken: userToken,
        }),
      )
      .signers(payer === wallet ? [] : [payer]);
  }

  let released; // the delivered message, replayed below

  it('deliver: 2-of-3 secp256k1 signatures over the v2 digest (destination bridge = the program id); the receipt through program.account.receipt', async () => {
    const m = inbound(NONCES.release, 120n, validators.slice(0, 2));
    released = m;
    const builder = deliver(m);
    await assertResolved(builder, {
      config: PDA.config(),
      clock: CLOCK,
      systemProgram: SYSTEM_PROGRAM,
      authority: PDA.authority(),
      tokenProgram: spl.TOKEN_PROGRAM_ID,
      signatureSet: PROGRAM_ID, // Anchor's null
    });
    const tx = await landed(await builder.rpc());
    const events = eventsOf(tx);
    assert.deepEqual(events.map((e) => e.name), ['messageDelivered']);
    assert.equal(hex(events[0].data.id), hex(m.id));
    assert.equal(events[0].data.origin, ORIGIN);
    assert.equal(events[0].data.nonce.toString(), String(m.nonce));
    assert.equal(events[0].data.status, 1, 'executed');

    const receipt = await program.account.receipt.fetch(m.receipt);
    assert.equal(receipt.status, 1, 'executed');
    assert.equal(receipt.queueReason, 0);
    assert.equal(hex(receipt.messageId), hex(m.id));
    assert.equal(receipt.origin, ORIGIN);
    assert.equal(hex(receipt.originBridge), hex(REMOTE_BRIDGE));
    assert.equal(receipt.nonce.toString(), String(m.nonce));
    assert.equal(receipt.kind, 1, 'token transfer');
    assert.equal(hex(receipt.tokenId), hex(tokenId));
    assert.equal(receipt.amount.toString(), '120');
    assert.ok(receipt.beneficiary.equals(user.publicKey));
    assert.equal((await spl.getAccount(connection, userToken, 'confirmed')).amount, 810n);
    assert.equal((await spl.getAccount(connection, PDA.vault(mint), 'confirmed')).amount, 190n);
  });

  it('queued transfers: cancel_queued by the guardian; post_signatures, a staged deliver, close_signatures and execute_queued', async () => {
    // 150 is the timelock threshold: queued for 1 s. The guardian cancels it.
    const cancelled = inbound(NONCES.cancelled, 150n, validators.slice(1, 3));
    await landed(await deliver(cancelled).rpc());
    const queued = await program.account.receipt.fetch(cancelled.receipt);
    assert.equal(queued.status, 2, 'queued');
    assert.equal(queued.queueReason, 1, 'timelock');
    assert.equal(queued.releaseAt.sub(queued.deliveredAt).toString(), '1');
    const cancel = program.methods
      .cancelQueued(ORIGIN, arr(REMOTE_BRIDGE), new BN(cancelled.nonce.toString()))
      .accounts(only('cancelQueued', { guardian: guardian.publicKey }))
      .signers([guardian]);
    await assertResolved(cancel, {
      config: PDA.config(),
      receipt: cancelled.receipt,
      route: PDA.route(tokenId, ORIGIN),
    });
    const events = eventsOf(await landed(await cancel.rpc()));
    assert.deepEqual(events.map((e) => [e.name, hex(e.data.id)]), [['transferCancelled', hex(cancelled.id)]]);
    assert.equal((await program.account.receipt.fetch(cancelled.receipt)).status, 3, 'cancelled');
    assert.equal((await program.account.route.fetch(PDA.route(tokenId, ORIGIN))).ledger.toString(), '190');

    // Staged signatures: the set's PDA from the message id, the remote's epoch (account data) and the payer.
    const staged = inbound(NONCES.staged, 150n, [validators[0], validators[2]]);
    const post = program.methods
      .postSignatures(arr(staged.id), ORIGIN, staged.signatures)
      .accounts(only('postSignatures', { payer: wallet.publicKey }));
    await assertResolved(post, {
      config: PDA.config(),
      remote: PDA.remote(ORIGIN),
      signatureSet: PDA.signatures(staged.id, 1n, wallet.publicKey),
      systemProgram: SYSTEM_PROGRAM,
    });
    await landed(await post.rpc());
    const set = await program.account.signatureSet.fetch(PDA.signatures(staged.id, 1n, wallet.publicKey));
    assert.equal(set.signers.length, 2);
    await landed(
      await deliver(staged, { signatures: Buffer.alloc(0), signatureSet: PDA.signatures(staged.id, 1n, wallet.publicKey) }).rpc(),
    );
    assert.equal(await connection.getAccountInfo(PDA.signatures(staged.id, 1n, wallet.publicKey)), null, 'deliver closed the set');
    assert.equal((await program.account.receipt.fetch(staged.receipt)).status, 2, 'queued');

    // close_signatures: a staged set nobody delivers goes back to its payer.
    const abandoned = inbound(999n, 1n, validators.slice(0, 2));
    const abandonedSet = PDA.signatures(abandoned.id, 1n, wallet.publicKey);
    const postAbandoned = program.methods
      .postSignatures(arr(abandoned.id), ORIGIN, abandoned.signatures)
      .accounts(only('postSignatures', { payer: wallet.publicKey }));
    await assertResolved(postAbandoned, { signatureSet: abandonedSet });
    await landed(await postAbandoned.rpc());
    await landed(
      await program.methods
        .closeSignatures()
        .accounts(only('closeSignatures', { payer: wallet.publicKey, signatureSet: abandonedSet }))
        .rpc(),
    );
    assert.equal(await connection.getAccountInfo(abandonedSet), null, 'close_signatures closed the set');

    // execute_queued: token config, route (from the receipt's token id), mint (relation), vault and authority resolved.
    const execute = program.methods
      .executeQueued(ORIGIN, arr(REMOTE_BRIDGE), new BN(staged.nonce.toString()))
      .accounts(only('executeQueued', { beneficiaryToken: userToken }));
    await assertResolved(execute, {
      config: PDA.config(),
      receipt: staged.receipt,
      clock: CLOCK,
      tokenConfig: PDA.token(tokenId),
      route: PDA.route(tokenId, ORIGIN),
      mint,
      vault: PDA.vault(mint),
      authority: PDA.authority(),
      tokenProgram: spl.TOKEN_PROGRAM_ID,
    });
    const executed = eventsOf(await landed(await whileRefused('TimelockPending', () => execute.rpc())));
    assert.deepEqual(executed.map((e) => [e.name, hex(e.data.id)]), [['transferExecuted', hex(staged.id)]]);
    assert.equal((await program.account.receipt.fetch(staged.receipt)).status, 1, 'executed');
    assert.equal((await spl.getAccount(connection, userToken, 'confirmed')).amount, 960n);
    assert.equal((await spl.getAccount(connection, PDA.vault(mint), 'confirmed')).amount, 40n);
  });

  it('a bridged mint (home: the EVM remote): deliver queues, execute_queued mints, send burns; the optional vault is null', async () => {
    const bridgedMint = await spl.createMint(connection, wallet, PDA.authority(), null, 9, Keypair.generate(), { commitment: 'confirmed' });
    const bridgedId = proto.tokenId(ORIGIN, BRIDGED_HOME_TOKEN);
    await govern(
      {
        registerToken: {
          homeDomain: ORIGIN,
          homeToken: arr(BRIDGED_HOME_TOKEN),
          mint: bridgedMint,
          scaleExp: BRIDGED_SCALE_EXP,
          // 5 tokens (local units, 9 decimals) and more wait 1 s.
          timelockThreshold: new BN(5_000_000_000),
          timelockDelay: new BN(1),
        },
      },
      // A bridged mint has no vault: the program id in its place.
      [w(PDA.token(bridgedId)), r(bridgedMint), r(PROGRAM_ID), r(PDA.authority()), r(spl.TOKEN_PROGRAM_ID)],
    );
    const limits = { capacity: new BN(10_000_000_000), refillPerSecond: new BN(1) };
    await govern(
      {
        setRoute: {
          tokenId: arr(bridgedId),
          domain: ORIGIN,
          remoteExp: 0,
          remoteMax: new BN('ffffffffffffffffffffffffffffffff', 16),
          inbound: limits,
          outbound: limits,
        },
      },
      [r(PDA.token(bridgedId)), w(PDA.route(bridgedId, ORIGIN)), r(PDA.remote(ORIGIN))],
    );
    const token = await program.account.tokenConfig.fetch(PDA.token(bridgedId));
    assert.equal(token.isHome, false);
    assert.equal(token.scaleExp, BRIDGED_SCALE_EXP);
    const userBridged = await spl.createAssociatedTokenAccount(connection, wallet, bridgedMint, user.publicKey, { commitment: 'confirmed' });

    // 5 tokens (18 decimals at home) arrive: 5 * 10^9 local units, queued by the timelock.
    const home = 5n * 10n ** 18n;
    const message = proto.encodeMessage({
      nonce: NONCES.bridged,
      origin: ORIGIN,
      sender: Buffer.concat([Buffer.alloc(12), Buffer.alloc(20, 0x5e)]),
      destination: DOMAIN,
      recipient: PROGRAM_ID.toBuffer(),
      body: proto.transferBody(bridgedId, home, user.publicKey.toBuffer()),
    });
    const id = proto.messageId(message);
    const { digest } = proto.digest({
      origin: ORIGIN, originBridge: REMOTE_BRIDGE, destination: DOMAIN, destinationBridge: PROGRAM_ID.toBuffer(), epoch: 1n, id,
    });
    const receipt = PDA.receipt(ORIGIN, REMOTE_BRIDGE, NONCES.bridged);
    const delivered = program.methods
      .deliver(message, proto.signatureSet(digest, validators))
      .accounts(
        only('deliver', {
          payer: wallet.publicKey,
          remote: PDA.remote(ORIGIN),
          receipt,
          signatureSet: null,
          tokenConfig: PDA.token(bridgedId),
          route: PDA.route(bridgedId, ORIGIN),
          mint: bridgedMint,
          vault: null,
          beneficiaryToken: userBridged,
        }),
      );
    await assertResolved(delivered, { authority: PDA.authority(), tokenProgram: spl.TOKEN_PROGRAM_ID, vault: PROGRAM_ID });
    const events = eventsOf(await landed(await delivered.rpc()));
    assert.deepEqual(events.map((e) => [e.name, e.data.status]), [['messageDelivered', 2]]);
    const queued = await program.account.receipt.fetch(receipt);
    assert.equal(queued.amount.toString(), '5000000000');
    assert.equal(queued.queueReason, 1, 'timelock');

    // execute_queued with plain .accounts(): Anchor resolves the vault from the token config
    // (relations), which holds the program id for a bridged mint, i.e. Anchor's null.
    const execute = program.methods
      .executeQueued(ORIGIN, arr(REMOTE_BRIDGE), new BN(NONCES.bridged.toString()))
      .accounts(only('executeQueued', { beneficiaryToken: userBridged }));
    await assertResolved(execute, {
      tokenConfig: PDA.token(bridgedId),
      route: PDA.route(bridgedId, ORIGIN),
      mint: bridgedMint,
      vault: PROGRAM_ID,
      authority: PDA.authority(),
    });
    assertNull(await execute.instruction(), 'vault');
    const executed = eventsOf(await landed(await whileRefused('TimelockPending', () => execute.rpc())));
    assert.deepEqual(executed.map((e) => [e.name, hex(e.data.id)]), [['transferExecuted', hex(id)]]);
    assert.equal((await program.account.receipt.fetch(receipt)).status, 1, 'executed');
    assert.equal((await spl.getAccount(connection, userBridged, 'confirmed')).amount, 5_000_000_000n);

    // 2 of them go back: burned here; the message carries home units. Plain .accounts() as
    // for the home token: the vault is null, from the token config.
    const sent = program.methods
      .send(ORIGIN, arr(bridgedId), arr(beneficiary), new BN(2_000_000_000), new BN(0))
      .accounts(only('send', { sender: user.publicKey, senderToken: userBridged }))
      .signers([user]);
    await assertResolved(sent, {
      tokenConfig: PDA.token(bridgedId),
      route: PDA.route(bridgedId, ORIGIN),
      mint: bridgedMint,
      vault: PROGRAM_ID,
      eventAuthority: PDA.eventAuthority(),
      program: PROGRAM_ID,
    });
    assertNull(await sent.instruction(), 'vault');
    const tx = await landed(await sent.rpc());
    const expected = proto.encodeMessage({
      nonce: 2n,
      origin: DOMAIN,
      sender: user.publicKey.toBuffer(),
      destination: ORIGIN,
      recipient: REMOTE_BRIDGE,
      body: proto.transferBody(bridgedId, 2n * 10n ** 18n, beneficiary),
    });
    const logged = eventsOf(tx);
    assert.deepEqual(logged.map((e) => e.name), ['messageSent']);
    assert.equal(hex(logged[0].data.message), hex(expected));
    assert.equal(hex(logged[0].data.id), hex(proto.messageId(expected)));
    assert.equal((await spl.getAccount(connection, userBridged, 'confirmed')).amount, 3_000_000_000n);
    assert.equal((await spl.getMint(connection, bridgedMint, 'confirmed')).supply, 3_000_000_000n);
    assert.equal((await program.account.route.fetch(PDA.route(bridgedId, ORIGIN))).ledger.toString(), '-3000000000');
  });

  it('an arbitrary message: deliver records it; execute_message (messenger PDA resolved) calls the example recipient', async () => {
    const gasLimit = 20_000n;
    const payload = Buffer.from('hello from the EVM remote');
    const body = Buffer.concat([Buffer.from([0]), Buffer.alloc(8), payload]);
    body.writeBigUInt64BE(gasLimit, 1);
    const message = proto.encodeMessage({
      nonce: NONCES.message,
      origin: ORIGIN,
      sender: Buffer.concat([Buffer.alloc(12), Buffer.alloc(20, 0x5e)]),
      destination: DOMAIN,
      recipient: recipientProgram.toBuffer(),
      body,
    });
    const id = proto.messageId(message);
    const { digest } = proto.digest({
      origin: ORIGIN, originBridge: REMOTE_BRIDGE, destination: DOMAIN, destinationBridge: PROGRAM_ID.toBuffer(), epoch: 1n, id,
    });
    const receipt = PDA.receipt(ORIGIN, REMOTE_BRIDGE, NONCES.message);
    // No token accounts: the optional ones the IDL cannot resolve are null; those it can
    // (authority, token program) Anchor fills in, and the program does not read them.
    const delivered = program.methods.deliver(message, proto.signatureSet(digest, validators.slice(0, 2))).accounts(
      only('deliver', {
        payer: wallet.publicKey,
        remote: PDA.remote(ORIGIN),
        receipt,
        signatureSet: null,
        tokenConfig: null,
        route: null,
        mint: null,
        vault: null,
        beneficiaryToken: null,
      }),
    );
    const events = eventsOf(await landed(await delivered.rpc()));
    assert.deepEqual(events.map((e) => [e.name, e.data.status]), [['messageDelivered', 4]]);
    const recorded = await program.account.receipt.fetch(receipt);
    assert.equal(recorded.status, 4, 'received');
    assert.equal(recorded.gasLimit.toString(), String(gasLimit));
    assert.equal(hex(recorded.payloadHash), hex(proto.keccak(payload)));
    assert.ok(recorded.beneficiary.equals(recipientProgram));

    // The compute-unit limit of contracts/solana/README.md: gas + 25,000 + 1,500 per bump tried.
    const [, bump] = PublicKey.findProgramAddressSync([Buffer.from('messenger'), recipientProgram.toBuffer()], PROGRAM_ID);
    const limit = Number(gasLimit) + 25_000 + 1_500 * (256 - bump);
    const execute = (units) =>
      program.methods
        .executeMessage(message)
        .accounts(only('executeMessage', { receipt, recipientProgram }))
        .preInstructions([web3.ComputeBudgetProgram.setComputeUnitLimit({ units })]);
    await assertResolved(execute(limit), {
      config: PDA.config(),
      messenger: PDA.messenger(recipientProgram),
      instructions: web3.SYSVAR_INSTRUCTIONS_PUBKEY,
    });
    await assertAnchorError(execute(limit - 1).rpc(), 'InsufficientCompute');
    const tx = await landed(await execute(limit).rpc());
    assert.deepEqual(eventsOf(tx).map((e) => [e.name, hex(e.data.id)]), [['messageExecuted', hex(id)]]);
    assert.equal((await program.account.receipt.fetch(receipt)).status, 5, 'message executed');
  });

  it('delivery fees: SetFeeConfig and SetFeeRoles through the timelock; quote through .view(); send pays exactly the quote (GasPaid); pay_for_gas; withdraw_fees to the beneficiary; clear_fee_oracle by the guardian', async () => {
    const FEE_DESTINATION = 31_338; // a second EVM remote, so the other steps stay free
    await govern(
      {
        setRemote: {
          domain: FEE_DESTINATION,
          bridge: arr(REMOTE_BRIDGE),
          kind: { evm: {} },
          epoch: new BN(1),
          threshold: 1,
          validators: [arr(Buffer.alloc(20, 0x11))],
        },
      },
      [w(PDA.remote(FEE_DESTINATION))],
    );
    await govern(
      {
        setRoute: {
          tokenId: arr(tokenId),
          domain: FEE_DESTINATION,
          remoteExp: 0,
          remoteMax: new BN('1000000000000'),
          inbound: { capacity: new BN(1_000_000), refillPerSecond: new BN(1_000) },
          outbound: { capacity: new BN(1_000_000), refillPerSecond: new BN(1_000) },
        },
      },
      [r(PDA.token(tokenId)), w(PDA.route(tokenId, FEE_DESTINATION)), r(PDA.remote(FEE_DESTINATION))],
    );
    // The sender pays the fee in lamports.
    const funded = await connection.requestAirdrop(user.publicKey, LAMPORTS_PER_SOL);
    await connection.confirmTransaction({ signature: funded, ...(await connection.getLatestBlockhash()) }, 'confirmed');
    const quoteView = () => program.methods.quote(FEE_DESTINATION, new BN(90_000), new BN(97)).view();
    assert.equal((await quoteView()).toString(), '0', 'free before SetFeeConfig');
    // 2 gwei per gas, 2 * 10^-8 lamports per wei.
    const config = {
      gasPrice: 2n * 10n ** 18n,
      exchangeRate: 2n * 10n ** 10n,
      fixedCost: 10n ** 12n,
      messageGas: 60_000n,
      signaturesGas: 20_000n,
      transferGas: 90_000n,
      gasPerByte: 16n,
    };
    const ceil = (a, b) => (a + b - 1n) / b;
    const gas = config.messageGas + config.signaturesGas + config.transferGas + 97n * config.gasPerByte;
    const cost = ceil(gas * config.gasPrice, 10n ** 9n) + config.fixedCost;
    const fee = ceil(cost * config.exchangeRate, 10n ** 18n);
    const bn = (v) => new BN(v.toString());
    await govern(
      {
        setFeeConfig: {
          destination: FEE_DESTINATION,
          config: {
            gasPrice: bn(config.gasPrice),
            exchangeRate: bn(config.exchangeRate),
            fixedCost: bn(config.fixedCost),
            messageGas: bn(config.messageGas),
            signaturesGas: bn(config.signaturesGas),
            transferGas: bn(config.transferGas),
            gasPerByte: Number(config.gasPerByte),
          },
        },
      },
      [w(PDA.feeConfig(FEE_DESTINATION)), w(PDA.feeVault()), r(PDA.remote(FEE_DESTINATION))],
    );
    const stored = await program.account.feeConfig.fetch(PDA.feeConfig(FEE_DESTINATION));
    assert.equal(stored.destination, FEE_DESTINATION);
    assert.equal(stored.gasPrice.toString(), config.gasPrice.toString());
    assert.equal((await quoteView()).toString(), fee.toString(), 'the quote instruction through .view()');

    const oracle = Keypair.generate();
    const feeBeneficiary = Keypair.generate().publicKey;
    await govern({ setFeeRoles: { oracle: oracle.publicKey, beneficiary: feeBeneficiary } }, [
      w(PDA.feeRoles()),
      w(PDA.feeVault()),
    ]);
    const roles = await program.account.feeRoles.fetch(PDA.feeRoles());
    assert.ok(roles.oracle.equals(oracle.publicKey) && roles.beneficiary.equals(feeBeneficiary));

    // send: max_fee one lamport short is refused; the quote itself is charged exactly.
    const sendWith = (maxFee) =>
      program.methods
        .send(FEE_DESTINATION, arr(tokenId), arr(beneficiary), new BN(5), bn(maxFee))
        .accounts(only('send', { sender: user.publicKey, senderToken: userToken }))
        .signers([user]);
    await assertAnchorError(sendWith(fee - 1n).rpc(), 'FeeTooLow');
    const vaultBefore = BigInt(await connection.getBalance(PDA.feeVault(), 'confirmed'));
    const paying = sendWith(fee + 1_000n);
    await assertResolved(paying, {
      feeConfig: PDA.feeConfig(FEE_DESTINATION),
      feeVault: PDA.feeVault(),
      systemProgram: SYSTEM_PROGRAM,
    });
    const tx = await landed(await paying.rpc());
    const events = eventsOf(tx);
    assert.deepEqual(events.map((e) => e.name), ['messageSent', 'gasPaid']);
    assert.equal(hex(events[1].data.id), hex(events[0].data.id));
    assert.equal(events[1].data.destination, FEE_DESTINATION);
    assert.equal(events[1].data.amount.toString(), fee.toString());
    const vaultAfter = BigInt(await connection.getBalance(PDA.feeVault(), 'confirmed'));
    assert.equal(vaultAfter - vaultBefore, fee, 'exactly the quote');

    // pay_for_gas: a top-up for the same message (event accounts resolved).
    const topUp = program.methods.payForGas(arr(events[0].data.id), FEE_DESTINATION, new BN(7_000)).accounts(only('payForGas', { payer: user.publicKey })).signers([user]);
    await assertResolved(topUp, { feeVault: PDA.feeVault(), eventAuthority: PDA.eventAuthority(), program: PROGRAM_ID });
    const topped = eventsOf(await landed(await topUp.rpc()));
    assert.deepEqual(topped.map((e) => [e.name, e.data.amount.toString()]), [['gasPaid', '7000']]);

    // update_fee_prices: the oracle only, and within bounds.
    const update = (who, gasPrice) =>
      program.methods
        .updateFeePrices(FEE_DESTINATION, bn(gasPrice), bn(config.exchangeRate))
        .accounts(only('updateFeePrices', { oracle: who.publicKey }))
        .signers([who]);
    await assertAnchorError(update(admin, config.gasPrice).rpc(), 'NotFeeOracle');
    await assertAnchorError(update(oracle, 2n * config.gasPrice + 1n).rpc(), 'FeeChangeTooLarge');
    await landed(await update(oracle, 2n * config.gasPrice).rpc());
    assert.equal((await program.account.feeConfig.fetch(PDA.feeConfig(FEE_DESTINATION))).gasPrice.toString(), (2n * config.gasPrice).toString());
    await assertAnchorError(update(oracle, config.gasPrice).rpc(), 'FeeUpdateTooSoon');

    // withdraw_fees: the beneficiary from the fee roles (relations); the vault keeps its rent.
    const withdraw = program.methods.withdrawFees().accounts(only('withdrawFees', {}));
    await assertResolved(withdraw, { feeRoles: PDA.feeRoles(), feeVault: PDA.feeVault(), beneficiary: feeBeneficiary });
    const withdrawn = eventsOf(await landed(await withdraw.rpc()));
    const rent = BigInt(await connection.getMinimumBalanceForRentExemption(9));
    assert.deepEqual(withdrawn.map((e) => e.name), ['feesWithdrawn']);
    assert.equal(withdrawn[0].data.amount.toString(), (vaultAfter + 7_000n - rent).toString());
    assert.equal(BigInt(await connection.getBalance(feeBeneficiary, 'confirmed')), vaultAfter + 7_000n - rent);
    assert.equal(BigInt(await connection.getBalance(PDA.feeVault(), 'confirmed')), rent);

    // clear_fee_oracle: the guardian only (Anchor resolves config and fee_roles); the oracle
    // is gone (FeeOracleCleared names it), the beneficiary stays, and SetRoles may not make
    // a fee oracle a role (the fee roles as its remaining account).
    const clear = (who) => program.methods.clearFeeOracle().accounts(only('clearFeeOracle', { guardian: who.publicKey })).signers([who]);
    await assertAnchorError(clear(oracle).rpc(), 'NotGuardian');
    await assertResolved(clear(guardian), { config: PDA.config(), feeRoles: PDA.feeRoles() });
    const cleared = eventsOf(await landed(await clear(guardian).rpc()));
    assert.deepEqual(cleared.map((e) => e.name), ['feeOracleCleared']);
    assert.ok(cleared[0].data.guardian.equals(guardian.publicKey) && cleared[0].data.oracle.equals(oracle.publicKey));
    const after = await program.account.feeRoles.fetch(PDA.feeRoles());
    assert.ok(after.oracle.equals(PublicKey.default) && after.beneficiary.equals(feeBeneficiary));
    await assertAnchorError(update(oracle, config.gasPrice).rpc(), 'NotFeeOracle');
    const next = Keypair.generate();
    await govern({ setFeeRoles: { oracle: next.publicKey, beneficiary: feeBeneficiary } }, [w(PDA.feeRoles()), w(PDA.feeVault())]);
    await assertAnchorError(
      program.methods
        .propose({ setRoles: { admin: next.publicKey, guardian: guardian.publicKey } })
        .accounts(only('propose', { admin: admin.publicKey }))
        .remainingAccounts([r(PDA.feeRoles())])
        .signers([admin])
        .rpc(),
      'OutOfRange',
    );
  });

  it("typed errors through .rpc(): AnchorError with the IDL's name and code", async () => {
    // A send of 0: BadAmount.
    await assertAnchorError(
      program.methods
        .send(ORIGIN, arr(tokenId), arr(beneficiary), new BN(0), new BN(0))
        .accounts(only('send', { sender: user.publicKey, senderToken: userToken }))
        .signers([user])
        .rpc(),
      'BadAmount',
    );
    // A replayed deliver (another transaction: the admin pays): AlreadyDelivered.
    await assertAnchorError(deliver(released, { payer: admin }).rpc(), 'AlreadyDelivered');
    // A pause by someone other than the guardian: NotGuardian.
    await assertAnchorError(
      program.methods.pause().accounts(only('pause', { guardian: admin.publicKey })).signers([admin]).rpc(),
      'NotGuardian',
    );
    // A proposal by someone other than the admin: NotAdmin.
    await assertAnchorError(
      program.methods
        .propose({ setAdminDelay: { adminDelay: new BN(5) } })
        .accounts(only('propose', { admin: guardian.publicKey }))
        .signers([guardian])
        .rpc(),
      'NotAdmin',
    );
  });

  it('approve_proposal: the guardian consents to its replacement (30 days down to the admin delay); Anchor resolves config, proposal and clock', async () => {
    const id = nextProposal++;
    const newGuardian = Keypair.generate().publicKey;
    const propose = program.methods
      .propose({ setRoles: { admin: admin.publicKey, guardian: newGuardian } })
      .accounts(only('propose', { admin: admin.publicKey }))
      .remainingAccounts([r(PDA.feeRoles())])
      .signers([admin]);
    await assertResolved(propose, { proposal: PDA.proposal(id) });
    const created = eventsOf(await landed(await propose.rpc()));
    const proposed = await program.account.proposal.fetch(PDA.proposal(id));
    assert.equal(created[0].data.eta.toString(), proposed.eta.toString());
    assert.equal(proposed.eta.sub(proposed.createdAt).toString(), String(30 * 24 * 3600), 'a guardian change waits 30 days');
    assert.ok(proposed.approvedBy.equals(PublicKey.default), 'not approved');
    // Only the sitting guardian approves.
    await assertAnchorError(
      program.methods.approveProposal(new BN(id)).accounts(only('approveProposal', { guardian: admin.publicKey })).signers([admin]).rpc(),
      'NotGuardian',
    );
    const approve = program.methods
      .approveProposal(new BN(id))
      .accounts(only('approveProposal', { guardian: guardian.publicKey }))
      .signers([guardian]);
    await assertResolved(approve, { config: PDA.config(), proposal: PDA.proposal(id), clock: CLOCK });
    const events = eventsOf(await landed(await approve.rpc()));
    assert.deepEqual(events.map((e) => [e.name, e.data.id.toString()]), [['proposalApproved', String(id)]]);
    const approved = await program.account.proposal.fetch(PDA.proposal(id));
    const { adminDelay } = await program.account.config.fetch(PDA.config());
    assert.equal(approved.eta.toString(), approved.createdAt.add(adminDelay).toString());
    assert.equal(events[0].data.eta.toString(), approved.eta.toString());
    assert.ok(approved.approvedBy.equals(guardian.publicKey));
    // Still not the guardian's to veto; the admin drops it (the test keeps its guardian).
    await assertAnchorError(
      program.methods.cancelProposal(new BN(id)).accounts(only('cancelProposal', { authority: guardian.publicKey })).signers([guardian]).rpc(),
      'GuardianCannotVeto',
    );
    await landed(
      await program.methods.cancelProposal(new BN(id)).accounts(only('cancelProposal', { authority: admin.publicKey })).signers([admin]).rpc(),
    );
  });

  it('pause by the guardian: the Paused event; a send is then refused (Paused)', async () => {
    const pause = program.methods.pause().accounts(only('pause', { guardian: guardian.publicKey })).signers([guardian]);
    await assertResolved(pause, { config: PDA.config(), clock: CLOCK });
    const events = eventsOf(await landed(await pause.rpc()));
    assert.deepEqual(events.map((e) => e.name), ['paused']);
    assert.ok(events[0].data.guardian.equals(guardian.publicKey));
    assert.equal((await program.account.config.fetch(PDA.config())).paused, true);
    await assertAnchorError(
      program.methods
        .send(ORIGIN, arr(tokenId), arr(beneficiary), new BN(5), new BN(0))
        .accounts(only('send', { sender: user.publicKey, senderToken: userToken }))
        .signers([user])
        .rpc(),
      'Paused',
    );
  });
});
