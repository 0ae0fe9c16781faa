#!/usr/bin/env node
// A `solc` executable that forge accepts as its compiler, backed by the solcjs npm package.
//
// There is no native solc in any registry this project can reach, so scripts/setup-chains.sh
// installs this file next to the pinned `solc` package and links it as `$TRESTLE_CACHE/bin/solc`.
// It implements only what forge uses:
//   solc --version                      -> "Version: 0.8.37+commit...." like native solc
//   solc [--base-path P] [--include-path P]... [--allow-paths A,B] --standard-json [-]
//                                       -> Standard JSON in on stdin, Standard JSON out on stdout
// It calls the package's JS `compile(input, { import })` API, never the solcjs CLI (which prints
// a line before the JSON). Imports that are not in the input are read from disk relative to the
// base path, the include paths, the allowed paths and the working directory, in that order, and
// only when the resolved file lies inside one of those directories.
'use strict';

const fs = require('fs');
const path = require('path');

function usage(message) {
  process.stderr.write(`solc (trestle solcjs shim): ${message}\n`);
  process.stderr.write('usage: solc --version | solc [--base-path P] [--include-path P] [--allow-paths A,B] --standard-json\n');
  process.exitCode = 1;
}

function parseArgs(argv) {
  const opts = { version: false, standardJson: false, basePath: null, includePaths: [], allowPaths: [] };
  const takesValue = new Set(['--base-path', '--include-path', '--allow-paths']);
  for (let i = 0; i < argv.length; i += 1) {
    let arg = argv[i];
    let value = null;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (takesValue.has(arg) && value === null) {
      i += 1;
      if (i >= argv.length) {
        throw new Error(`${arg} needs a value`);
      }
      value = argv[i];
    }
    switch (arg) {
      case '--version':
      case '-v':
        opts.version = true;
        break;
      case '--standard-json':
        opts.standardJson = true;
        break;
      case '--base-path':
        opts.basePath = value;
        break;
      case '--include-path':
        opts.includePaths.push(value);
        break;
      case '--allow-paths':
        opts.allowPaths.push(...value.split(',').filter((p) => p.length > 0));
        break;
      case '-':
        break; // "read standard input", which --standard-json does anyway
      default:
        throw new Error(`unsupported argument ${JSON.stringify(argv[i])}`);
    }
  }
  return opts;
}

function isInside(dir, file) {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function makeImportCallback(opts) {
  const cwd = process.cwd();
  const roots = [opts.basePath, ...opts.includePaths, ...opts.allowPaths, cwd]
    .filter((p) => p !== null && p !== undefined && p !== '')
    .map((p) => path.resolve(cwd, p));
  return function findImport(importPath) {
    const candidates = path.isAbsolute(importPath)
      ? [path.normalize(importPath)]
      : roots.map((root) => path.resolve(root, importPath));
    for (const candidate of candidates) {
      if (!roots.some((root) => isInside(root, candidate))) {
        continue;
      }
      try {
        return { contents: fs.readFileSync(candidate, 'utf8') };
      } catch (_) {
        // not under this root; try the next one
      }
    }
    return { error: `File not found inside the base path, include paths or allowed paths: ${importPath}` };
  };
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    usage(err.message);
    return;
  }
  const solc = require('solc');
  if (opts.version) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (!opts.standardJson) {
    usage('only --version and --standard-json are supported');
    return;
  }
  const chunks = [];
  process.stdin.on('data', (chunk) => chunks.push(chunk));
  process.stdin.on('end', () => {
    const input = Buffer.concat(chunks).toString('utf8');
    const output = solc.compile(input, { import: makeImportCallback(opts) });
    process.stdout.write(output);
    process.stdout.write('\n');
  });
}

main();
