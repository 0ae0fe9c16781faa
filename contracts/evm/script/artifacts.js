#!/usr/bin/env node
// Writes (or with --check, compares) the committed artifacts abi/<Contract>.json from forge's
// out/: {"contractName", "abi", "bytecode", "deployedBytecode"}. bridge/src/evm_bindings.rs
// generates the Rust bindings from these files with alloy's sol! macro.
//
// Bridge.json is the bridge as callers see it at its proxy: the bytecode of the `Bridge`
// implementation, and the ABI of `Bridge` together with that of `BridgeAdmin` (every selector
// Bridge does not define runs in BridgeAdmin through Bridge's fallback, on the proxy's storage).
// ERC1967Proxy.json is OpenZeppelin's proxy (constructor(address implementation, bytes data)):
// deploy Bridge, then the proxy with data = BridgeAdmin.initialize(...) calldata.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const contracts = [
  ['Bridge.sol', 'Bridge', ['BridgeAdmin.sol', 'BridgeAdmin']],
  ['BridgedToken.sol', 'BridgedToken'],
  ['IMessageRecipient.sol', 'IMessageRecipient'],
  ['ERC1967Proxy.sol', 'ERC1967Proxy'],
];

const read = (file, name) => JSON.parse(fs.readFileSync(path.join(root, 'out', file, `${name}.json`), 'utf8'));
// One ABI entry per (kind, name, input types); the module's constructor is not the bridge's.
const key = (e) => `${e.type} ${e.name || ''}(${(e.inputs || []).map((i) => i.type).join(',')})`;
function mergeAbi(abi, extra) {
  const seen = new Set(abi.map(key));
  const out = [...abi];
  for (const e of extra) {
    if (e.type === 'constructor' || seen.has(key(e))) continue;
    seen.add(key(e));
    out.push(e);
  }
  return out;
}
const check = process.argv.includes('--check');
let stale = [];
for (const [file, name, module] of contracts) {
  const artifact = read(file, name);
  const abi = module ? mergeAbi(artifact.abi, read(...module).abi) : artifact.abi;
  const wanted = JSON.stringify(
    {
      contractName: name,
      abi,
      bytecode: artifact.bytecode.object,
      deployedBytecode: artifact.deployedBytecode.object,
    },
    null,
    2,
  ) + '\n';
  const target = path.join(root, 'abi', `${name}.json`);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current === wanted) continue;
  if (check) {
    stale.push(path.relative(root, target));
  } else {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, wanted);
    console.log(`wrote ${path.relative(root, target)}`);
  }
}
if (stale.length > 0) {
  console.error(`stale artifacts: ${stale.join(', ')}; run contracts/evm/test.sh --bless and commit them`);
  process.exit(1);
}
