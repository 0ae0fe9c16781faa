#!/usr/bin/env bash
# Builds and tests the Solidity bridge: npm ci of the pinned Solidity dependencies
# (@openzeppelin/contracts, package-lock.json) into node_modules/ when they are missing or stale,
# forge build + forge test (unit, fuzz, invariant, upgrade, shared vectors) --offline with the
# solcjs shim, the gas report of `deliver`, a check that the implementation's storage layout is
# the committed storage-layout.json (upgrade safety), and a check that the committed artifacts
# in abi/ (ABI + bytecode, read by bridge/src/evm_bindings.rs) match a fresh compile;
# script/anvil-gas.sh cross-checks the gas on a local anvil with real transactions.
# Idempotent; run it from anywhere.
#
#   contracts/evm/test.sh           build, test, gas report, layout and artifact checks
#   contracts/evm/test.sh --bless   ... and rewrite abi/*.json and storage-layout.json instead
#
# Environment: TRESTLE_CACHE (default ~/.cache/trestle) holds forge and the solc shim, installed
# by scripts/setup-chains.sh (run here when they are missing).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${TRESTLE_CACHE:-$HOME/.cache/trestle}"
bless=0
for arg in "$@"; do
  case "$arg" in
    --bless) bless=1 ;;
    *) echo "usage: $0 [--bless]" >&2; exit 2 ;;
  esac
done

if [[ ! -x "$cache/bin/forge" || ! -x "$cache/bin/solc" ]]; then
  "$repo/scripts/setup-chains.sh"
fi
forge="$cache/bin/forge"
export FOUNDRY_SOLC="$cache/bin/solc"
cd "$here"

echo "==> Solidity dependencies (npm ci from package-lock.json into node_modules/)"
lock_hash="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
stamp="node_modules/.trestle-lock-sha256"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_hash" && -f node_modules/@openzeppelin/contracts/package.json ]]; then
  echo "    up to date (lock ${lock_hash:0:12})"
else
  npm ci --no-audit --no-fund --no-progress --ignore-scripts --loglevel=warn
  printf '%s\n' "$lock_hash" >"$stamp"
fi

echo "==> forge build (with contract sizes; forge fails on a contract over the EIP-170 limit)"
"$forge" build --offline --sizes

echo "==> forge test (unit, fuzz, invariant, shared vectors)"
"$forge" test --offline

echo "==> gas of deliver (token transfer; transaction gas = 21000 + calldata + execution)"
"$forge" test --offline --match-contract GasTest -vv | grep -E '^\s+(deliver|per extra|sendToken)' | sed 's/^ */    /'

echo "==> storage layout of the implementation (storage-layout.json)"
if ((bless)); then
  node script/storage-layout.js --bless
else
  node script/storage-layout.js
fi

echo "==> artifacts (abi/*.json)"
if ((bless)); then
  node script/artifacts.js
else
  node script/artifacts.js --check
fi
echo "==> gas of deliver as real transactions on anvil (cross-check; receipts' gasUsed)"
"$here/script/anvil-gas.sh"
echo "==> contracts/evm: all passed"
