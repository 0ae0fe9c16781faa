'use strict';
// solana-test-validator on loopback ports of its own, started as the Rust harness does
// (tests/src/solana.rs): a fresh ledger in a temporary directory, `--reset --quiet
// --bind-address 127.0.0.1`, RPC/faucet/gossip ports and the dynamic range inside one claimed
// block of 100 ports, ready once getHealth is ok and a slot is confirmed. `stop()` kills the
// process (by its own id and process group) and deletes the directory.
//
// Port blocks are claimed exactly like tests/src/ports.rs claims them, so this test and the
// Rust end-to-end tests never take the same ports on one machine: an exclusive flock(2) on
// `$TMPDIR/trestle-port-claims/<base>.lock` (held here by `flock(1)` for as long as this process
// lives), then every port of the block checked free on 127.0.0.1 (TCP and UDP).

const { spawn } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const FIRST = 20_000;
const WIDTH = 100;
const BLOCKS = 120;
const RPC_OFFSET = 0; // RPC takes rpc and rpc + 1 (WebSocket)
const FAUCET_OFFSET = 2;
const GOSSIP_OFFSET = 3;
const DYNAMIC_OFFSET = 10;
const POLL_MS = 50;

function locateBinary() {
  const explicit = process.env.TRESTLE_SOLANA_TEST_VALIDATOR;
  if (explicit) return explicit;
  const cache = process.env.TRESTLE_CACHE || path.join(os.homedir(), '.cache', 'trestle');
  return path.join(cache, 'bin', 'solana-test-validator');
}

function tcpFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function udpFree(port) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: '127.0.0.1', port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** Holds the lock file of one block through `flock -n`; resolves to a release function, or null when taken. */
function lockBlock(base) {
  const dir = path.join(os.tmpdir(), 'trestle-port-claims');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${base}.lock`);
  return new Promise((resolve, reject) => {
    // `cat` waits on our pipe: the lock lasts until we close it or this process dies.
    const holder = spawn('flock', ['-n', '-E', '75', file, 'sh', '-c', 'echo locked && exec cat'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let settled = false;
    holder.once('error', (e) => {
      settled = true;
      reject(new Error(`flock (util-linux) is needed to claim ports: ${e.message}`));
    });
    holder.stdout.once('data', () => {
      settled = true;
      resolve(() => {
        holder.stdin.end();
        holder.stdout.destroy();
      });
    });
    holder.once('exit', (code) => {
      if (!settled) {
        settled = true;
        if (code === 75) resolve(null);
        else reject(new Error(`flock ${file} exited with ${code}`));
      }
    });
  });
}

async function claimPorts() {
  const start = process.pid % BLOCKS;
  for (let i = 0; i < BLOCKS; i++) {
    const base = FIRST + ((start + i) % BLOCKS) * WIDTH;
    const release = await lockBlock(base);
    if (!release) continue;
    let free = true;
    for (let port = base; port < base + WIDTH && free; port++) {
      free = (await tcpFree(port)) && (await udpFree(port));
    }
    if (free) return { base, release };
    release();
  }
  throw new Error(`no free block of ${WIDTH} loopback ports in ${FIRST}..${FIRST + BLOCKS * WIDTH}`);
}

async function rpcCall(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/**
 * Starts the validator. `programs`: [{ id, so, upgradeAuthority }] loaded with
 * `--upgradeable-program` (as after `solana program deploy`); `args`: extra arguments.
 * `workDir` (optional) is used for the ledger and log instead of a new temporary directory;
 * the validator's pid is written to `<workDir>/validator.pid` so a wrapper can clean up.
 */
async function startValidator({ programs = [], args = [], workDir, timeoutMs = 90_000 } = {}) {
  const binary = locateBinary();
  if (!fs.existsSync(binary)) {
    throw new Error(`${binary} not found: run scripts/setup-chains.sh (or set TRESTLE_SOLANA_TEST_VALIDATOR)`);
  }
  for (const p of programs) {
    if (!fs.existsSync(p.so)) throw new Error(`program ${p.id}: ${p.so} is not a file (run contracts/solana/build.sh)`);
  }
  const ownDir = !workDir;
  const dir = workDir || fs.mkdtempSync(path.join(os.tmpdir(), 'trestle-anchor-client-'));
  fs.mkdirSync(dir, { recursive: true });
  const { base, release } = await claimPorts();
  const rpcPort = base + RPC_OFFSET;
  const argv = [
    '--ledger', path.join(dir, 'ledger'),
    '--reset', '--quiet', '--bind-address', '127.0.0.1',
    '--rpc-port', String(rpcPort),
    '--faucet-port', String(base + FAUCET_OFFSET),
    '--gossip-port', String(base + GOSSIP_OFFSET),
    // Exclusive end: the last port of the block.
    '--dynamic-port-range', `${base + DYNAMIC_OFFSET}-${base + WIDTH - 1}`,
  ];
  for (const p of programs) argv.push('--upgradeable-program', p.id, p.so, p.upgradeAuthority);
  argv.push(...args);

  const logPath = path.join(dir, 'validator.log');
  const log = fs.openSync(logPath, 'w');
  // Its own process group, so that stop() ends it and anything it started, and nothing else.
  const child = spawn(binary, argv, { cwd: dir, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  let exited = null;
  const exitedPromise = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = { code, signal };
    resolve();
  }));
  if (workDir) fs.writeFileSync(path.join(dir, 'validator.pid'), `${child.pid}\n`);

  let stopped = false;
  const killGroup = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  // Backstop for an abnormal exit of this process (a failed assertion still runs stop()).
  const onExit = () => {
    if (!stopped) {
      killGroup();
      if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', onExit);
  // An interrupted run (Ctrl-C, a CI timeout) ends the validator too.
  const onSignal = (signal) => {
    onExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (!exited) {
      killGroup();
      await exitedPromise;
    }
    release();
    fs.rmSync(ownDir ? dir : path.join(dir, 'ledger'), { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${rpcPort}`;
  const deadline = Date.now() + timeoutMs;
  let healthy = false;
  let last = 'not started';
  for (;;) {
    try {
      if (!healthy) {
        const health = await rpcCall(url, 'getHealth');
        if (health === 'ok') {
          healthy = true;
          continue;
        }
        last = `getHealth answered ${JSON.stringify(health)}`;
      } else {
        const slot = await rpcCall(url, 'getSlot', [{ commitment: 'confirmed' }]);
        if (slot > 0) break;
        last = `no confirmed slot yet (${slot})`;
      }
    } catch (e) {
      last = e.message;
    }
    if (exited || Date.now() >= deadline) {
      const output = fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n') : '';
      await stop();
      throw new Error(
        `solana-test-validator ${exited ? `exited (${JSON.stringify(exited)})` : 'not ready in time'}: ${last}\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { url, wsUrl: `ws://127.0.0.1:${rpcPort + 1}`, pid: child.pid, dir, stop };
}

module.exports = { startValidator };
