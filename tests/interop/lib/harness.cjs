'use strict';
// Shared plumbing of the interop tests: the seeded random generator, the Rust driver process
// (core/examples/interop_driver.rs, one per test file, JSON lines over stdin/stdout) and a
// wrapper that names the seed and the case in every failure so that it can be replayed.

const { spawn } = require('node:child_process');
const readline = require('node:readline');

const DEFAULT_SEED = 'trestle-interop-1';
const SEED = process.env.TRESTLE_INTEROP_SEED || DEFAULT_SEED;
// Multiplies every case count (TRESTLE_INTEROP_SCALE=10 for a long local run).
const SCALE = Number(process.env.TRESTLE_INTEROP_SCALE || '1');

/** How many cases to run of something whose default count is `n`. */
function cases(n) {
  return Math.max(1, Math.round(n * SCALE));
}

// ---- seeded randomness (sfc32 seeded from a string hash; not for secrets) -----------------

function hashSeed(text) {
  // FNV-1a variants into four 32-bit words.
  const out = [];
  for (let k = 0; k < 4; k++) {
    let h = (0x811c9dc5 ^ (k * 0x9e3779b9)) >>> 0;
    for (const byte of Buffer.from(`${k}:${text}`, 'utf8')) {
      h ^= byte;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out.push(h);
  }
  return out;
}

class Rng {
  constructor(label) {
    [this.a, this.b, this.c, this.d] = hashSeed(`${SEED}/${label}`);
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32() {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }
  /** Integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor((this.u32() / 4294967296) * (hi - lo + 1));
  }
  chance(p) {
    return this.u32() / 4294967296 < p;
  }
  pick(list) {
    return list[this.int(0, list.length - 1)];
  }
  bytes(n) {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
  /** A random unsigned integer of at most `bits` bits, biased towards edge sizes. */
  bigBits(bits) {
    const size = Math.min(bits, this.pick([0, 1, 8, bits, bits, this.int(1, bits)]));
    if (size === 0) return 0n;
    let v = BigInt(`0x${this.bytes(Math.ceil(size / 8)).toString('hex')}`);
    v &= (1n << BigInt(size)) - 1n;
    if (this.chance(0.1)) v = (1n << BigInt(size)) - 1n; // all ones: the maximum
    return v;
  }
  shuffle(list) {
    const a = list.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
  /** A random well-formed Unicode string (no lone surrogates) mixing ASCII and wider planes. */
  text(maxLen) {
    const ranges = [
      [0x20, 0x7e], [0x20, 0x7e], [0x00, 0x1f], [0xa0, 0x24f], [0x300, 0x36f],
      [0x3040, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0xfb00, 0xfb06], [0xff01, 0xff5e],
      [0x1f300, 0x1f64f], [0x10000, 0x10ffff],
    ];
    let s = '';
    const n = this.int(0, maxLen);
    for (let i = 0; i < n; i++) {
      const [lo, hi] = this.pick(ranges);
      let cp = this.int(lo, hi);
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
      s += String.fromCodePoint(cp);
    }
    return s;
  }
}

/** JSON text in which BigInts are written as plain JSON numbers (serde reads u64 exactly). */
function toJson(value) {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `\u0000big:${v}` : v)).replace(
    /"\\u0000big:(-?\d+)"/g,
    '$1',
  );
}

// ---- the Rust driver ----------------------------------------------------------------------

class Driver {
  constructor() {
    const exe = process.env.TRESTLE_INTEROP_DRIVER;
    if (!exe) {
      throw new Error('TRESTLE_INTEROP_DRIVER is not set: run scripts/interop.sh');
    }
    this.proc = spawn(exe, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.nextId = 1;
    this.waiting = new Map();
    this.exited = null;
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      // Answers come in request order; one without an id (a request the driver could not
      // read as JSON) answers the oldest request still waiting.
      const id = msg.id === null || msg.id === undefined ? Math.min(...this.waiting.keys()) : msg.id;
      const w = this.waiting.get(id);
      if (!w) return;
      this.waiting.delete(id);
      w(msg);
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = `driver exited (code ${code}, signal ${signal})`;
      for (const w of this.waiting.values()) w({ err: this.exited, crashed: true });
      this.waiting.clear();
    });
  }

  /** Sends one request; resolves to `{ok}` or `{err}` (a refusal by the library). */
  call(op, args) {
    if (this.exited) return Promise.resolve({ err: this.exited, crashed: true });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.stdin.write(`${toJson({ id, op, ...args })}\n`);
    });
  }

  /** Like `call`, but a refusal fails the test. */
  async ok(op, args) {
    const r = await this.call(op, args);
    if (r.err !== undefined) throw new Error(`driver ${op} refused: ${r.err}`);
    return r.ok;
  }

  close() {
    this.proc.stdin.end();
  }
}

/**
 * Runs `body(i)` for each case index and collects failures; throws one error listing them
 * (at most 5 in full) with the seed, so the test output says how to reproduce.
 */
async function forCases(label, count, body) {
  const failures = [];
  for (let i = 0; i < count; i++) {
    try {
      await body(i);
    } catch (e) {
      failures.push(`  case ${i}: ${e && e.stack ? e.stack : e}`);
    }
  }
  if (failures.length > 0) {
    if (process.env.TRESTLE_INTEROP_DUMP) {
      // The full text of every failure (the summary below keeps five), for reducing them.
      require('node:fs').appendFileSync(process.env.TRESTLE_INTEROP_DUMP, `${label} (seed ${SEED})\n${failures.join('\n')}\n`);
    }
    throw new Error(
      `${label}: ${failures.length} of ${count} random cases disagree ` +
        `(seed ${JSON.stringify(SEED)}; rerun with TRESTLE_INTEROP_SEED=${JSON.stringify(SEED)})\n` +
        failures.slice(0, 5).join('\n'),
    );
  }
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');

module.exports = { toJson, Rng, Driver, forCases, cases, SEED, hex };
