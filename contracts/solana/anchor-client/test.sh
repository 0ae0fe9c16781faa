#!/usr/bin/env bash
# The Anchor client check of the Solana bridge program (see contracts/solana/README.md, "Anchor
# clients"): an ordinary @coral-xyz/anchor client built from idl/trestle_bridge.json, as
# contracts/solana/idl.cjs writes it for a random program id, drives the program deployed at that
# id on solana-test-validator (bridge.test.cjs). Idempotent; run it from anywhere; no stdin.
#
# 1. Installs the exact npm packages of package-lock.json with `npm ci` into node_modules/ here
#    (git-ignored), skipped while package.json and package-lock.json hash as at the last install.
# 2. Installs the SBF toolchain and solana-test-validator when missing (scripts/setup-sbf.sh,
#    scripts/setup-chains.sh; both no-ops once done) and builds the program
#    (contracts/solana/build.sh; a no-op when nothing changed).
# 3. Runs the test with node's test runner. It starts its own validator on a claimed block of
#    loopback ports with a ledger in a temporary directory; this script removes the directory
#    and ends that validator (by its recorded pid) on any exit.
#
# Environment: TRESTLE_CACHE (default ~/.cache/trestle).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
# shellcheck source=../../../scripts/common.sh
source "$repo/scripts/common.sh"

command -v node >/dev/null || die "node (>= 20.14) is required"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=14)?0:1)' ||
  die "node >= 20.14 is required (node --test --test-force-exit), found $(node --version)"

# --- 1. npm packages, exact versions ---------------------------------------------------------
cd "$here"
lock_hash="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
stamp="node_modules/.trestle-lock-sha256"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_hash" && -f node_modules/@coral-xyz/anchor/package.json ]]; then
  info "npm packages up to date (lock ${lock_hash:0:12})"
else
  info "npm ci (package-lock.json changed or first run)"
  # No install scripts: the only ones build optional native speed-ups (bigint-buffer then says
  # "Failed to load bindings, pure JS will be used").
  npm ci --no-audit --no-fund --no-progress --ignore-scripts --loglevel=error
  printf '%s\n' "$lock_hash" >"$stamp"
fi

# --- 2. toolchains and the program -----------------------------------------------------------
"$repo/scripts/setup-sbf.sh" >/dev/null
"$repo/scripts/setup-chains.sh" >/dev/null
so="$("$repo/contracts/solana/build.sh" | tail -n 1)"
[[ -f "$so" ]] || die "contracts/solana/build.sh printed no program path"
info "program: $so"

# --- 3. the test -----------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/trestle-anchor-client.XXXXXX")"
cleanup() {
  local pid
  pid="$(cat "$work/validator.pid" 2>/dev/null || true)"
  # Only the validator this run started (its own process group), and only if it still runs.
  if [[ -n "$pid" ]] && grep -qa solana-test-validator "/proc/$pid/cmdline" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

export TRESTLE_BRIDGE_SO="$so" TRESTLE_ANCHOR_WORKDIR="$work"
# --test-force-exit: web3.js's WebSocket client can keep a finished run alive (as mocha's --exit
# in Anchor projects).
node --test --test-force-exit --test-reporter=spec bridge.test.cjs </dev/null
