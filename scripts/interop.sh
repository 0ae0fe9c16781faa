#!/usr/bin/env bash
# Interoperability tests: trestle-core's wallet against the JavaScript libraries users compare
# it with (ethers v6, @metamask/eth-sig-util, @solana/web3.js 1.x, @solana/spl-token,
# micro-ed25519-hdkey, @scure/bip39, tweetnacl), on seeded random inputs; and protocol v2 from
# docs/protocol.md as an independent ethers client, against the shared vectors and the EVM
# bridge's committed artifacts on anvil (bridge-*.test.cjs; anvil from scripts/setup.sh). See
# tests/interop/README.md.
#
#   scripts/interop.sh                               # the CI run (well under a minute)
#   TRESTLE_INTEROP_SEED=xyz scripts/interop.sh      # another seed (a failure prints its seed)
#   TRESTLE_INTEROP_SCALE=20 scripts/interop.sh      # 20 times as many random cases
#
# 1. Installs the exact npm packages of tests/interop/package-lock.json with `npm ci` into
#    ${TRESTLE_CACHE:-~/.cache/trestle}/interop (never into the repository), skipped while the
#    lock file's hash matches the last install.
# 2. Builds the Rust driver, trestle-core's `interop_driver` example (honours CARGO_TARGET_DIR).
# 3. Runs the Node tests with node's built-in test runner and prints its summary.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
suite="$root/tests/interop"
cache="${TRESTLE_CACHE:-$HOME/.cache/trestle}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"
modules="$cache/interop"

command -v node >/dev/null || { echo "error: node (>= 20.19) is required" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  { echo "error: node >= 20.19 is required (require() of ES modules), found $(node --version)" >&2; exit 1; }

# --- 1. npm packages, exact versions ---------------------------------------------------------
want="$(sha256sum "$suite/package-lock.json" | cut -d' ' -f1)"
stamp="$modules/.package-lock.sha256"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" || ! -d "$modules/node_modules" ]]; then
  echo "==> npm ci into $modules (package-lock.json changed or first run)"
  rm -rf "$modules"
  mkdir -p "$modules"
  cp "$suite/package.json" "$suite/package-lock.json" "$modules/"
  # No install scripts are needed: the only ones build optional native speed-ups.
  (cd "$modules" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "$want" >"$stamp"
fi

# --- 2. the Rust driver ----------------------------------------------------------------------
echo "==> cargo build --locked -p trestle-core --example interop_driver"
(cd "$root" && cargo build --locked --quiet -p trestle-core --example interop_driver)
driver="$CARGO_TARGET_DIR/debug/examples/interop_driver"
[[ -x "$driver" ]] || { echo "error: $driver was not built" >&2; exit 1; }

# --- 3. the tests ----------------------------------------------------------------------------
echo "==> node --test (seed ${TRESTLE_INTEROP_SEED:-default}, scale ${TRESTLE_INTEROP_SCALE:-1})"
cd "$suite"
export NODE_PATH="$modules/node_modules"
export TRESTLE_INTEROP_DRIVER="$driver"
exec node --disable-warning=ExperimentalWarning --test --test-reporter=spec \
  mnemonic.test.cjs evm.test.cjs eip712.test.cjs solana.test.cjs solana-dapp.test.cjs siwe.test.cjs \
  keystore.test.cjs bridge-vectors.test.cjs bridge-evm.test.cjs
