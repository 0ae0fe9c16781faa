// Reads the JSON lines that run.sh collected (one line per implementation per round), checks that
// every implementation produced the same bytes for the same operation, and prints the medians, the
// ratios to Trestle and whether the targets are met. With --markdown FILE it also writes
// the same tables as Markdown for docs/benchmarks.md.
//
// Exit status: 0 when every output agrees (targets missed are reported, not failed), 1 when any
// implementation disagrees with Trestle (the comparison would then be of different work), 2 on
// bad input.

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { markdown: { type: 'string' }, machine: { type: 'string', default: '' } },
});
if (positionals.length !== 1) {
  console.error('usage: node report.mjs [--markdown FILE] [--machine TEXT] RESULTS.jsonl');
  process.exit(2);
}

/** Operations in table order, with the label the issue uses. */
const OPS = [
  ['evm_address', 'mnemonic -> first EVM address'],
  ['sol_address', 'mnemonic -> first Solana address'],
  ['sign_eip1559', 'sign EIP-1559 transaction'],
  ['sign_eip712', 'sign EIP-712 typed data'],
  ['sign_sol_transfer', 'sign Solana SOL transfer'],
  ['pbkdf2', 'floor: PBKDF2-HMAC-SHA512 x2048 alone'],
];
/** Implementations in column order, with a description for the legend. */
const IMPLS = [
  ['trestle', 'Trestle (Rust, release build)'],
  ['ethers', 'ethers v6 on Node (Node crypto = OpenSSL for PBKDF2/HMAC/SHA-2)'],
  ['ethers-rn', 'ethers v6 with its browser/React Native crypto (pure-JS @noble/hashes)'],
  ['solana-web3', '@solana/web3.js 1.x + @scure/bip39 + micro-ed25519-hdkey'],
  ['wallet-core', '@trustwallet/wallet-core (WASM)'],
  ['node-crypto', "Node's crypto.pbkdf2Sync (OpenSSL), floor reference"],
  ['noble', '@noble/hashes pbkdf2 (pure JS), floor reference'],
];
const SIGNING_TARGET = 20; // signing at least 20x faster than ethers v6
const FLOOR_TARGET = 1.2; // mnemonic -> address within 1.2x of the PBKDF2 floor

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function fmtTime(ns) {
  if (ns === undefined) return '';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e3).toFixed(1)} us`;
}
const fmtRatio = (r) => (r === undefined ? '' : `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`);

// ---------------------------------------------------------------------------------------------
// Load: impl -> op -> { outputs: Set, samples: [], roundMedians: [] }; impl -> versions.

const data = new Map();
const versions = new Map();
const lines = readFileSync(positionals[0], 'utf8').split('\n').filter((l) => l.trim());
for (const line of lines) {
  const rec = JSON.parse(line);
  versions.set(rec.impl, rec.versions);
  if (!data.has(rec.impl)) data.set(rec.impl, new Map());
  for (const [op, r] of Object.entries(rec.results)) {
    const byOp = data.get(rec.impl);
    if (!byOp.has(op)) byOp.set(op, { outputs: new Set(), samples: [], roundMedians: [] });
    const cell = byOp.get(op);
    cell.outputs.add(r.output);
    cell.samples.push(...r.samples_ns);
    if (r.samples_ns.length) cell.roundMedians.push(median(r.samples_ns));
  }
}
if (!data.has('trestle')) {
  console.error('no Trestle results in the input');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Output check: every implementation must produce Trestle's bytes for every operation it runs.

const checks = [];
let mismatch = false;
for (const [op, label] of OPS) {
  const reference = data.get('trestle').get(op);
  if (!reference) continue;
  const [want] = reference.outputs;
  const agree = [];
  for (const [impl] of IMPLS) {
    const cell = data.get(impl)?.get(op);
    if (!cell) continue;
    const ok = cell.outputs.size === 1 && cell.outputs.has(want);
    if (!ok) {
      mismatch = true;
      checks.push(`MISMATCH ${label}: ${impl} produced ${[...cell.outputs].join(' / ')}, Trestle ${want}`);
    } else if (impl !== 'trestle') {
      agree.push(impl);
    }
  }
  const shown = want.length > 70 ? `${want.slice(0, 66)}...` : want;
  checks.push(`same output  ${label.padEnd(38)} trestle = ${agree.join(' = ')}  (${shown})`);
}

// ---------------------------------------------------------------------------------------------
// Tables.

const med = (impl, op) => {
  const cell = data.get(impl)?.get(op);
  return cell && cell.samples.length ? median(cell.samples) : undefined;
};
const best = (impl, op) => {
  const cell = data.get(impl)?.get(op);
  return cell && cell.samples.length ? Math.min(...cell.samples) : undefined;
};
const spread = (impl, op) => {
  const rm = data.get(impl)?.get(op)?.roundMedians ?? [];
  return rm.length ? [Math.min(...rm), Math.max(...rm)] : undefined;
};
const present = IMPLS.filter(([impl]) => data.has(impl));

const rows = [];
for (const [op, label] of OPS) {
  const t = med('trestle', op);
  for (const [impl] of present) {
    const m = med(impl, op);
    if (m === undefined) continue;
    const sp = spread(impl, op);
    const n = data.get(impl).get(op).samples.length;
    rows.push({
      label,
      impl,
      median: fmtTime(m),
      best: fmtTime(best(impl, op)),
      spread: sp ? `${fmtTime(sp[0])} .. ${fmtTime(sp[1])}` : '',
      samples: String(n),
      ratio: impl === 'trestle' || t === undefined ? '' : fmtRatio(m / t),
    });
  }
}

const targets = [];
for (const op of ['sign_eip1559', 'sign_eip712']) {
  const label = OPS.find(([o]) => o === op)[1];
  for (const impl of ['ethers', 'ethers-rn']) {
    const e = med(impl, op);
    const t = med('trestle', op);
    if (e === undefined || t === undefined) continue;
    const r = e / t;
    targets.push({
      what: `${label}: ${impl} / Trestle`,
      value: fmtRatio(r),
      fastest: fmtRatio(best(impl, op) / best('trestle', op)),
      target: `>= ${SIGNING_TARGET}x`,
      verdict: r >= SIGNING_TARGET ? 'MET' : 'MISSED',
    });
  }
}
for (const op of ['evm_address', 'sol_address']) {
  const label = OPS.find(([o]) => o === op)[1];
  const t = med('trestle', op);
  const floor = med('trestle', 'pbkdf2');
  if (t === undefined || floor === undefined) continue;
  const r = t / floor;
  targets.push({
    what: `${label}: Trestle / PBKDF2 floor (pbkdf2+sha2 crates)`,
    value: fmtRatio(r),
    fastest: fmtRatio(best('trestle', op) / best('trestle', 'pbkdf2')),
    target: `<= ${FLOOR_TARGET}x`,
    verdict: r <= FLOOR_TARGET ? 'MET' : 'MISSED',
  });
}
for (const op of ['sign_sol_transfer']) {
  const label = OPS.find(([o]) => o === op)[1];
  for (const impl of ['solana-web3', 'wallet-core']) {
    const e = med(impl, op);
    const t = med('trestle', op);
    if (e === undefined || t === undefined) continue;
    targets.push({
      what: `${label}: ${impl} / Trestle`,
      value: fmtRatio(e / t),
      fastest: fmtRatio(best(impl, op) / best('trestle', op)),
      target: '(no target)',
      verdict: 'info',
    });
  }
}

function textTable(header, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
function mdTable(header, body) {
  const esc = (c) => c.replaceAll('|', '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

const timeHeader = [
  'operation',
  'implementation',
  'median',
  'round medians (min .. max)',
  'fastest sample',
  'samples',
  'median / Trestle',
];
const timeBody = rows.map((r) => [r.label, r.impl, r.median, r.spread, r.best, r.samples, r.ratio]);
const targetHeader = ['claim', 'ratio of medians', 'target', 'verdict (on medians)', 'ratio of fastest samples'];
const targetBody = targets.map((t) => [t.what, t.value, t.target, t.verdict, t.fastest]);
const legend = present.map(([impl, desc]) => {
  const v = Object.entries(versions.get(impl) ?? {})
    .map(([k, val]) => `${k} ${val}`)
    .join(', ');
  return [impl, desc, v];
});
const rounds = Math.max(...[...data.get('trestle').values()].map((c) => c.roundMedians.length));

if (rows.length) {
  console.log(`\nTrestle wallet benchmark: medians over ${rounds} interleaved rounds (lower is better)\n`);
  console.log(textTable(timeHeader, timeBody));
  console.log('\nTargets\n');
  console.log(textTable(targetHeader, targetBody));
}
console.log('\nOutput check (a benchmark comparing different work is worthless)\n');
console.log(checks.join('\n'));
console.log('\nImplementations\n');
console.log(textTable(['name', 'what', 'versions'], legend));

if (args.markdown) {
  const md = [
    args.machine,
    `Medians over ${rounds} interleaved rounds; lower is better.`,
    '',
    mdTable(timeHeader, timeBody),
    '',
    mdTable(targetHeader, targetBody),
    '',
    'Output check:',
    '',
    '```text',
    ...checks,
    '```',
    '',
    mdTable(['name', 'what', 'versions'], legend),
    '',
  ].join('\n');
  writeFileSync(args.markdown, md);
}

if (mismatch) {
  console.error('\nFAILED: implementations disagree; the timings above compare different work.');
  process.exit(1);
}
