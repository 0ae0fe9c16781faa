#!/usr/bin/env node
'use strict';
// The bridge program's Anchor IDL for one deployment.
//
//   contracts/solana/idl.cjs PROGRAM_ID [OUT]
//
// writes idl/trestle_bridge.json with PROGRAM_ID (base58, 32 bytes) in every address field that
// names the program: the IDL's `address` (what `new Program(idl, provider)` calls), and the
// fixed `address` of `initialize.program`, `send.program` and `pay_for_gas.program`. Nothing
// else in the IDL depends on the program id (PDAs are derived from the IDL's `address` by the client; `program_data`'s
// seed is the `program` account), and this script refuses an IDL where something else does.
// Without OUT the IDL goes to stdout. The committed IDL names the placeholder id
// TRESTLEbridge111111111111111111111111111111; any IDL this script wrote can be rewritten
// again. Node.js only (no packages); `require()` it for `idlFor(programId[, idl])`.
//
// See contracts/solana/README.md, "Anchor clients".

const fs = require('node:fs');
const path = require('node:path');

const IDL_PATH = path.join(__dirname, 'idl', 'trestle_bridge.json');
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** The 32 bytes of a base58 Solana address; throws unless `text` is one, in canonical form. */
function addressBytes(text) {
  if (typeof text !== 'string' || !/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(text)) {
    throw new Error(`not a base58 Solana address: ${JSON.stringify(text)}`);
  }
  let n = 0n;
  for (const c of text) n = n * 58n + BigInt(ALPHABET.indexOf(c));
  const bytes = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of text) {
    if (c !== '1') break;
    bytes.unshift(0);
  }
  if (bytes.length !== 32) {
    throw new Error(`not a Solana address: ${text} is ${bytes.length} bytes, not 32`);
  }
  return Buffer.from(bytes);
}

/**
 * `idl` (default: the committed IDL) with `programId` in place of the IDL's own `address`,
 * wherever an `address` field holds it. Throws if that id appears anywhere else (a string
 * mentioning it, or its 32 bytes as a seed or PDA program), since such a field would still
 * name the old deployment, and if `programId` is already in the IDL (the system program, a
 * sysvar, ...).
 */
function idlFor(programId, idl = JSON.parse(fs.readFileSync(IDL_PATH, 'utf8'))) {
  const newBytes = addressBytes(programId);
  const old = idl.address;
  const oldBytes = addressBytes(old);
  const text = JSON.stringify(idl);
  if (programId !== old && (text.includes(programId) || text.includes(`[${[...newBytes].join(',')}]`))) {
    throw new Error(`${programId} already names an account of the IDL (a program or sysvar it calls)`);
  }
  let replaced = 0;
  const walk = (value, where) => {
    if (Array.isArray(value)) {
      if (value.length === 32 && value.every((b, i) => b === oldBytes[i])) {
        throw new Error(`${where}: the bytes of the program id ${old}; only address fields may depend on it`);
      }
      return value.map((v, i) => walk(v, `${where}[${i}]`));
    }
    if (value !== null && typeof value === 'object') {
      const out = {};
      for (const [key, v] of Object.entries(value)) {
        if (key === 'address' && v === old) {
          out[key] = programId;
          replaced += 1;
        } else {
          out[key] = walk(v, `${where}.${key}`);
        }
      }
      return out;
    }
    if (typeof value === 'string' && value.includes(old)) {
      throw new Error(`${where}: names the program id ${old} outside an address field`);
    }
    return value;
  };
  const out = walk(idl, 'idl');
  if (out.address !== programId || replaced < 2) {
    throw new Error(`the IDL's address fields were not rewritten (${replaced} replaced)`);
  }
  return out;
}

function main(argv) {
  if (argv.length < 1 || argv.length > 2 || argv[0] === '-h' || argv[0] === '--help') {
    process.stderr.write('usage: contracts/solana/idl.cjs PROGRAM_ID [OUT]\n');
    return 2;
  }
  let text;
  try {
    text = `${JSON.stringify(idlFor(argv[0]), null, 2)}\n`;
  } catch (e) {
    process.stderr.write(`idl.cjs: ${e.message}\n`);
    return 1;
  }
  if (argv.length === 2) fs.writeFileSync(argv[1], text);
  else process.stdout.write(text);
  return 0;
}

module.exports = { idlFor, addressBytes, IDL_PATH };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
