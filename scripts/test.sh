#!/usr/bin/env bash
# Runs every test of Trestle: formatting, lints, unit/integration/end-to-end tests, doc tests
# and a short run of every fuzz target. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TRESTLE_REPO"

"$TRESTLE_REPO/scripts/setup.sh"

step "PostgreSQL for the relayer's store tests"
"$TRESTLE_REPO/scripts/setup-postgres.sh"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (-D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo deny (bans, licenses, sources)"
# deny.toml. The advisories check is not run: its database is a git clone from GitHub, which
# these machines cannot reach (see deny.toml). `cargo fetch` brings in the crates of every
# target deny.toml checks (from the registry, as any build would); cargo-deny itself then
# runs offline.
cargo fetch --locked --quiet
cargo deny --locked --offline check --hide-inclusion-graph bans licenses sources

step "Solana bridge program: SBF toolchain, build and lints (its tests run under nextest)"
"$TRESTLE_REPO/contracts/solana/test.sh" --build-only

step "Tests (cargo nextest)"
nextest_log="$(mktemp)"
trap 'rm -f "$nextest_log"' EXIT
cargo nextest run --workspace --locked --no-fail-fast 2>&1 | tee "$nextest_log"
summary="$(grep -E '^ +Summary .* tests run: ' "$nextest_log" | tail -n 1)"

step "Chaos soak, short (tests/localnet trestle-soak: 50 transfers under SIGKILLs, RPC faults, reorgs, a pause)"
# Alone, after the tests: real processes on both cores. The full soak is scripts/soak.sh.
# Issue 14's target: every message delivered within 120 s of the last fault (the default).
cargo build --locked --quiet -p trestle-cli -p trestle-localnet
TRESTLE_SOLANA_PROGRAM_SO="$TRESTLE_CACHE/sbf/trestle_bridge.so" \
    "$CARGO_TARGET_DIR/debug/trestle-soak" --short

step "systemd unit of the daemon (packaging/systemd: verify, security exposure, sysusers)"
"$TRESTLE_REPO/packaging/systemd/check.sh" "$CARGO_TARGET_DIR/debug/trestle"

step "Doc tests"
cargo test --workspace --doc --locked

step "Solidity bridge (forge build/test --offline, gas, ABI artifacts)"
"$TRESTLE_REPO/contracts/evm/test.sh"

step "Interop tests (ethers, eth-sig-util, web3.js, spl-token, tweetnacl on random inputs)"
"$TRESTLE_REPO/scripts/interop.sh"

step "Anchor client of the Solana program (@coral-xyz/anchor from the IDL, on solana-test-validator)"
"$TRESTLE_REPO/contracts/solana/anchor-client/test.sh"

step "FFI bindings (Python, React Native TypeScript and C++, Node.js)"
"$TRESTLE_REPO/ffi/scripts/test.sh"

step "Fuzz targets (short smoke run each)"
"$TRESTLE_REPO/scripts/fuzz.sh" "${TRESTLE_FUZZ_SECONDS:-10}"

step "All tests passed"
echo "$summary"
# The Rust tests' count, as one closing line (Foundry, interop and fuzz runs are reported above).
passed="$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$summary")"
echo "nextest: $passed passed, 0 failed"
