#!/usr/bin/env bash
# Tests the Solana bridge program: installs the SBF toolchain (scripts/setup-sbf.sh), builds the
# program (build.sh), then runs its tests (package trestle-solana-program-tests: LiteSVM, the
# shared vectors, the Anchor IDL, and end to end on solana-test-validator, which
# scripts/setup-chains.sh provides). Also rustfmt and clippy of the tests crate, and a host
# `cargo check` of the program crate.
#
# `--build-only` stops after the program's own build and lints: scripts/test.sh uses it, since
# its workspace-wide fmt, clippy and nextest already cover the tests crate.
#
# Environment: TRESTLE_CACHE (default $HOME/.cache/trestle); CARGO_TARGET_DIR as scripts/common.sh.
set -Eeuo pipefail
build_only=false
[ "${1:-}" = "--build-only" ] && build_only=true

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../../scripts/common.sh
source "$REPO/scripts/common.sh"

step "SBF toolchain (scripts/setup-sbf.sh)"
"$REPO/scripts/setup-sbf.sh"

step "Build the program (contracts/solana/build.sh)"
so="$("$HERE/build.sh" | tail -n 1)"
export TRESTLE_SOLANA_PROGRAM_SO="$so"
info "program: $so"

step "rustfmt --check (program)"
(cd "$HERE" && cargo fmt --all --check)

step "clippy of the program and the example recipient on the host (-D warnings)"
(cd "$HERE" && CARGO_TARGET_DIR="$TRESTLE_CACHE/sbf/host-target" cargo clippy --locked --workspace -- -D warnings)

if $build_only; then
    exit 0
fi

step "rustfmt --check (tests crate)"
(cd "$REPO" && cargo fmt -p trestle-solana-program-tests --check)

step "clippy of the tests crate (-D warnings)"
(cd "$REPO" && cargo clippy -p trestle-solana-program-tests --all-targets --locked -- -D warnings)

step "Tests (LiteSVM, vectors, IDL, solana-test-validator end to end)"
log="$TRESTLE_CACHE/sbf/test-output.log"
set +e
(cd "$REPO" && cargo test -p trestle-solana-program-tests --locked -- --nocapture) >"$log" 2>&1
status=$?
set -e
grep -E '^(test |CU |e2e |test result)' "$log" | grep -v 'test result: ok. 0 passed' || true
if ((status != 0)); then
  grep -E -A25 '^---- |panicked' "$log" | head -150 >&2
  die "Solana program tests failed (full output: $log)"
fi

step "Solana program: all tests passed (compute units above, output in $log)"
