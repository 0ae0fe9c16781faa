#!/usr/bin/env node
// Checks (or with --bless, writes) storage-layout.json: the storage layout of the bridge's
// implementation, from forge's out/ (foundry.toml asks for the storageLayout output). The
// proxy keeps its storage across upgrades, so a new implementation must keep every existing
// variable at its slot, offset and type (new ones only appended): test.sh fails when the layout
// differs from the committed one, and when Bridge and BridgeAdmin (which runs on the same
// storage by delegatecall) disagree. After an intended, compatible change (an appended
// variable), review the diff and rerun with --bless.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const target = path.join(root, 'storage-layout.json');

// Type ids of named types carry AST ids (t_struct(Route)5123_storage, t_enum(Status)5105),
// which change with unrelated edits; the layout does not depend on them. (Only named types:
// a fixed array's length follows its parenthesis too, t_array(t_uint256)3_storage.)
const norm = (t) => t.replace(/(t_(?:struct|enum|contract|userDefinedValueType)\([^()]*\))\d+/g, '$1');

function layout(file, name) {
  const artifact = JSON.parse(fs.readFileSync(path.join(root, 'out', file, `${name}.json`), 'utf8'));
  const l = artifact.storageLayout;
  if (!l) {
    // forge may keep an artifact compiled before extra_output asked for the layout
    throw new Error(`no storageLayout in out/${file}/${name}.json: run forge build --force once`);
  }
  const entry = (e) => ({ label: e.label, slot: e.slot, offset: e.offset, type: norm(e.type) });
  const types = {};
  for (const [id, t] of Object.entries(l.types || {})) {
    const out = { label: t.label, numberOfBytes: t.numberOfBytes };
    if (t.members) out.members = t.members.map(entry);
    if (t.key) out.key = norm(t.key);
    if (t.value) out.value = norm(t.value);
    types[norm(id)] = out;
  }
  const sorted = {};
  for (const k of Object.keys(types).sort()) sorted[k] = types[k];
  return JSON.stringify({ storage: l.storage.map(entry), types: sorted }, null, 2) + '\n';
}

const bridge = layout('Bridge.sol', 'Bridge');
const admin = layout('BridgeAdmin.sol', 'BridgeAdmin');
if (bridge !== admin) {
  console.error('Bridge and BridgeAdmin storage layouts differ: both must declare state only in BridgeBase');
  process.exit(1);
}
if (process.argv.includes('--bless')) {
  if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== bridge) {
    fs.writeFileSync(target, bridge);
    console.log('wrote storage-layout.json');
  }
} else if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== bridge) {
  console.error('the storage layout differs from storage-layout.json: an upgrade would corrupt the proxy\'s state;');
  console.error('append new state at the end of BridgeBase, or (after review) run contracts/evm/test.sh --bless');
  process.exit(1);
}
