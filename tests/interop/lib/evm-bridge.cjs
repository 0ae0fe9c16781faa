'use strict';
// The EVM bridge as a client sees it: the committed artifacts of contracts/evm/abi (ABI and
// bytecode, nothing from the Solidity sources), deployment behind OpenZeppelin's ERC1967Proxy as
// contracts/evm/README.md describes it, governance through the admin timelock, and custom errors
// decoded with the ABI.

const fs = require('node:fs');
const path = require('node:path');
const ethers = require('ethers');

// TRESTLE_INTEROP_EVM_ABI points at another build's artifacts (a candidate contract).
const ABI_DIR = process.env.TRESTLE_INTEROP_EVM_ABI || path.join(__dirname, '..', '..', '..', 'contracts', 'evm', 'abi');

function artifact(name) {
  const file = path.join(ABI_DIR, `${name}.json`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { abi: json.abi, bytecode: json.bytecode, deployedBytecode: json.deployedBytecode, file };
}

const BRIDGE = artifact('Bridge');
const PROXY = artifact('ERC1967Proxy');
const BRIDGED_TOKEN = artifact('BridgedToken');
const RECIPIENT = artifact('IMessageRecipient');

const bridgeIface = new ethers.Interface(BRIDGE.abi);
const tokenIface = new ethers.Interface(BRIDGED_TOKEN.abi);
const recipientIface = new ethers.Interface(RECIPIENT.abi);

/** Every custom error of every artifact, for decoding whatever a call reverts with. */
const errorIface = (() => {
  const seen = new Set();
  const fragments = [];
  for (const a of [BRIDGE, PROXY, BRIDGED_TOKEN]) {
    for (const f of a.abi) {
      if (f.type !== 'error') continue;
      const sig = ethers.ErrorFragment.from(f).format('sighash');
      if (seen.has(sig)) continue;
      seen.add(sig);
      fragments.push(f);
    }
  }
  return new ethers.Interface(fragments);
})();

/** The ERC-1967 implementation slot: keccak256("eip1967.proxy.implementation") - 1. */
const IMPLEMENTATION_SLOT = ethers.toBeHex(BigInt(ethers.id('eip1967.proxy.implementation')) - 1n, 32);

/** `MessageTooShort` -> `message_too_short` (the vectors' codes are the errors' names). */
const codeOf = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

function revertData(e) {
  for (const c of [e?.data, e?.info?.error?.data, e?.error?.data, e?.error?.error?.data]) {
    if (typeof c === 'string' && c.startsWith('0x')) return c;
    if (c && typeof c.data === 'string') return c.data;
  }
  return null;
}

/**
 * Awaits a call that must revert; returns `{ name, args, code }` of the decoded custom error.
 * Fails if it does not revert, or reverts with data no artifact's ABI decodes.
 */
async function revertOf(promise, what = 'call') {
  let e;
  try {
    await promise;
  } catch (err) {
    e = err;
  }
  if (!e) throw new Error(`${what} did not revert`);
  const data = revertData(e);
  if (!data) throw new Error(`${what} failed without revert data: ${e.shortMessage || e.message}`);
  if (data === '0x') return { name: '(empty revert)', args: [], code: 'empty_revert', data };
  const parsed = errorIface.parseError(data);
  if (!parsed) throw new Error(`${what} reverted with data no artifact decodes: ${data}`);
  return { name: parsed.name, args: parsed.args, code: codeOf(parsed.name), data };
}

/** Runs a static call and answers 'ok' or the revert's code (with the decoded error). */
async function outcome(promise, what) {
  try {
    const value = await promise;
    return { code: 'ok', value };
  } catch (e) {
    const data = revertData(e);
    if (!data) throw e;
    if (data === '0x') return { code: 'empty_revert', name: '(empty revert)', args: [] };
    const parsed = errorIface.parseError(data);
    if (!parsed) throw new Error(`${what} reverted with data no artifact decodes: ${data}`);
    return { code: codeOf(parsed.name), name: parsed.name, args: parsed.args };
  }
}

/**
 * Sends a transaction and returns its receipt; a refusal becomes an error that names the decoded
 * custom error (ethers decodes custom errors of static calls only).
 */
async function send(anvil, txPromise, what = 'transaction') {
  try {
    return await anvil.receipt(txPromise);
  } catch (e) {
    const data = revertData(e);
    const parsed = data && data !== '0x' ? errorIface.parseError(data) : null;
    if (!parsed) throw e;
    throw new Error(`${what} reverted ${parsed.name}(${[...parsed.args].join(', ')})`, { cause: e });
  }
}

/** Decodes the logs of `iface` in a receipt (optionally only those emitted by `address`). */
function eventsOf(receipt, iface, name, address) {
  const out = [];
  for (const log of receipt.logs) {
    if (address && log.address.toLowerCase() !== address.toLowerCase()) continue;
    let parsed;
    try {
      parsed = iface.parseLog(log);
    } catch {
      parsed = null;
    }
    if (parsed && parsed.name === name) out.push(parsed);
  }
  return out;
}

async function deploy(anvil, signer, art, args = []) {
  const factory = new ethers.ContractFactory(art.abi, art.bytecode, signer);
  const contract = await factory.deploy(...args);
  const receipt = await anvil.receipt(Promise.resolve(contract.deploymentTransaction()));
  return { address: receipt.contractAddress, contract: contract.connect(signer), receipt };
}

/**
 * Deploys `Bridge` (no constructor arguments) and `ERC1967Proxy(implementation,
 * initialize(localDomain, admin, guardian, adminDelay))`; returns the proxy as a Bridge.
 */
async function deployBridge(anvil, deployer, { domain, admin, guardian, adminDelay }) {
  const impl = await deploy(anvil, deployer, BRIDGE);
  const init = bridgeIface.encodeFunctionData('initialize', [domain, admin, guardian, adminDelay]);
  const proxy = await deploy(anvil, deployer, PROXY, [impl.address, init]);
  return {
    address: proxy.address,
    implementation: impl.address,
    bridge: new ethers.Contract(proxy.address, BRIDGE.abi, deployer),
  };
}

/**
 * Governance through the admin timelock: `propose(call, salt)` for each `[function, args]` as
 * the admin, the clock moved past the latest ETA (`evm_increaseTime`), then `execute(call, salt)`
 * for each, in order, by `executor`. An entry made with `simulated` is executed as a static call
 * only: its `outcome` ('ok' or the decoded revert) is returned and the proposal stays pending.
 * Returns, per call, the receipt or the outcome.
 */
async function govern(anvil, bridgeAddress, admin, executor, calls, { saltBase = 0 } = {}) {
  const asAdmin = new ethers.Contract(bridgeAddress, BRIDGE.abi, admin);
  const asExecutor = new ethers.Contract(bridgeAddress, BRIDGE.abi, executor);
  const proposed = [];
  let latest = 0n;
  for (const [i, c] of calls.entries()) {
    const [fn, args] = c;
    const call = bridgeIface.encodeFunctionData(fn, args);
    const salt = ethers.zeroPadValue(ethers.toBeHex(BigInt(saltBase) * 1000n + BigInt(i) + 1n), 32);
    const receipt = await send(anvil, asAdmin.propose(call, salt), `propose(${fn})`);
    const [ev] = eventsOf(receipt, bridgeIface, 'Proposed', bridgeAddress);
    if (!ev) throw new Error(`propose(${fn}) emitted no Proposed event`);
    if (ev.args.readyAt > latest) latest = ev.args.readyAt;
    proposed.push({ fn, call, salt, id: ev.args.id, readyAt: ev.args.readyAt, simulate: Boolean(c.simulate) });
  }
  const now = await anvil.timestamp();
  if (latest >= now) await anvil.increaseTime(Number(latest - now) + 1);
  const results = [];
  for (const p of proposed) {
    if (p.simulate) {
      results.push({ ...p, outcome: await outcome(asExecutor.execute.staticCall(p.call, p.salt), `execute(${p.fn})`) });
    } else {
      results.push({ ...p, receipt: await send(anvil, asExecutor.execute(p.call, p.salt), `execute(${p.fn})`) });
    }
  }
  return results;
}

/** A call list entry that `govern` executes as a static call only. */
function simulated(fn, args) {
  const c = [fn, args];
  c.simulate = true;
  return c;
}

module.exports = {
  BRIDGE,
  PROXY,
  BRIDGED_TOKEN,
  RECIPIENT,
  bridgeIface,
  tokenIface,
  recipientIface,
  errorIface,
  IMPLEMENTATION_SLOT,
  codeOf,
  revertOf,
  outcome,
  send,
  eventsOf,
  deploy,
  deployBridge,
  govern,
  simulated,
};
