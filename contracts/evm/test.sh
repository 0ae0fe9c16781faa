#!/usr/bin/env bash
# Builds and tests the Solidity bridge: forge build + forge test (unit, fuzz, invariant, shared
# vectors) --offline with the solcjs shim, the gas report of `deliver`, and a check that the
# committed artifacts in abi/ (ABI + bytecode, read by bridge/src/evm_bindings.rs) match a fresh
# compile; script/anvil-gas.sh cross-checks the gas on a local anvil with real transactions.
# Idempotent; run it from anywhere.
#
#   contracts/evm/test.sh           build, test, gas report, artifact check
#   contracts/evm/test.sh --bless   ... and rewrite abi/*.json instead of checking them
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

echo "==> forge build (with contract sizes; forge fails on a contract over the EIP-170 limit)"
"$forge" build --offline --sizes

echo "==> forge test (unit, fuzz, invariant, shared vectors)"
"$forge" test --offline

echo "==> gas of deliver (token transfer; transaction gas = 21000 + calldata + execution)"
"$forge" test --offline --match-contract GasTest -vv | grep -E '^\s+(deliver|per extra)' | sed 's/^ */    /'
echo "==> gas of deliver as real transactions on anvil (cross-check; receipts' gasUsed)"
"$here/script/anvil-gas.sh"

echo "==> artifacts (abi/*.json)"
if ((bless)); then
  node script/artifacts.js
else
  node script/artifacts.js --check
fi
echo "==> contracts/evm: all passed"
