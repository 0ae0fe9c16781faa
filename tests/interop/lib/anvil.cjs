'use strict';
// An anvil node on a free loopback port, found the way the Rust harness finds it
// (tests/src/tool.rs): $TRESTLE_ANVIL, else $TRESTLE_CACHE/bin/anvil, else
// ~/.cache/trestle/bin/anvil; never from PATH, and a missing binary is an error that says to run
// scripts/setup.sh (tests never skip silently). Readiness is polled with a deadline.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const ethers = require('ethers');

/** The mnemonic anvil derives its ten funded dev accounts from (public; local chains only). */
const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
const STARTUP_TIMEOUT_MS = 30_000;
const RECEIPT_TIMEOUT_MS = 30_000;

function locateAnvil() {
  const override = process.env.TRESTLE_ANVIL;
  let file;
  let source;
  if (override) {
    file = override;
    source = 'TRESTLE_ANVIL';
  } else {
    const cache = process.env.TRESTLE_CACHE || (process.env.HOME ? path.join(process.env.HOME, '.cache', 'trestle') : null);
    if (!cache) throw new Error('anvil not found: neither TRESTLE_CACHE nor HOME is set; run `scripts/setup.sh`');
    file = path.join(cache, 'bin', 'anvil');
    source = 'TRESTLE_CACHE';
  }
  if (!fs.existsSync(file)) {
    throw new Error(`anvil not found at ${file} (from ${source}); run \`scripts/setup.sh\` or set TRESTLE_ANVIL`);
  }
  return file;
}

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

class Anvil {
  /** Starts anvil with `chainId` and resolves once `eth_chainId` answers it. */
  static async spawn({ chainId = 31_337 } = {}) {
    const binary = locateAnvil();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trestle-interop-anvil-'));
    const child = spawn(
      binary,
      ['--host', '127.0.0.1', '--port', '0', '--chain-id', String(chainId), '--accounts', '10', '--mnemonic', DEV_MNEMONIC],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    live.add(child);
    const output = [];
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`anvil printed no "Listening on" line within ${STARTUP_TIMEOUT_MS} ms:\n${output.join('\n')}`)), STARTUP_TIMEOUT_MS);
      const onLine = (line) => {
        output.push(line);
        const m = /Listening on 127\.0\.0\.1:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      readline.createInterface({ input: child.stdout }).on('line', onLine);
      readline.createInterface({ input: child.stderr }).on('line', (l) => output.push(l));
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`anvil exited (code ${code}, signal ${signal}) before listening:\n${output.join('\n')}`));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const provider = new ethers.JsonRpcProvider(url, chainId, {
      staticNetwork: true,
      batchMaxCount: 1,
      pollingInterval: 50,
      cacheTimeout: -1, // no cached answers: nonces and balances change with every block
    });
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      try {
        const id = await provider.send('eth_chainId', []);
        if (BigInt(id) === BigInt(chainId)) break;
        throw new Error(`anvil answered chain id ${id}, not ${chainId}`);
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    return new Anvil(child, dir, url, provider, chainId);
  }

  constructor(child, dir, url, provider, chainId) {
    this.child = child;
    this.dir = dir;
    this.url = url;
    this.provider = provider;
    this.chainId = chainId;
  }

  /** Dev account `i` (m/44'/60'/0'/0/i of the dev mnemonic), connected to this node. */
  account(i) {
    return ethers.HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(this.provider);
  }

  /** Moves the clock forward by `seconds` and mines a block at the new time. */
  async increaseTime(seconds) {
    await this.provider.send('evm_increaseTime', [ethers.toQuantity(seconds)]);
    await this.provider.send('evm_mine', []);
  }

  async timestamp(blockTag = 'latest') {
    const block = await this.provider.getBlock(blockTag);
    return BigInt(block.timestamp);
  }

  /** Waits for a sent transaction's receipt (anvil mines at once; polled with a deadline) and
   *  fails unless it succeeded. */
  async receipt(txPromise) {
    const tx = await txPromise;
    const deadline = Date.now() + RECEIPT_TIMEOUT_MS;
    for (;;) {
      const r = await this.provider.getTransactionReceipt(tx.hash);
      if (r) {
        if (r.status !== 1) throw new Error(`transaction ${tx.hash} reverted`);
        return r;
      }
      if (Date.now() > deadline) throw new Error(`no receipt for ${tx.hash} within ${RECEIPT_TIMEOUT_MS} ms`);
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  async stop() {
    this.provider.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    live.delete(this.child);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { Anvil, DEV_MNEMONIC, locateAnvil };
