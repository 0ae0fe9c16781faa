#!/usr/bin/env node
// Writes (or with --check, compares) the committed artifacts abi/<Contract>.json from forge's
// out/: {"contractName", "abi", "bytecode", "deployedBytecode"}. bridge/src/evm_bindings.rs
// generates the Rust bindings from these files with alloy's sol! macro.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const contracts = [
  ['Bridge.sol', 'Bridge'],
  ['BridgedToken.sol', 'BridgedToken'],
  ['IMessageRecipient.sol', 'IMessageRecipient'],
];
const check = process.argv.includes('--check');
let stale = [];
for (const [file, name] of contracts) {
  const artifact = JSON.parse(fs.readFileSync(path.join(root, 'out', file, `${name}.json`), 'utf8'));
  const wanted = JSON.stringify(
    {
      contractName: name,
      abi: artifact.abi,
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
