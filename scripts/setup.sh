#!/usr/bin/env bash
# Installs everything Trestle's demo and tests need, idempotently: Debian packages, cargo tools,
# and the local-chain tools (anvil, forge, cast, solc, solana-test-validator). Heavy caches live
# in $TRESTLE_CACHE (default ~/.cache/trestle), outside the repository; a second run is a no-op.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

step "Set-up (cache: $TRESTLE_CACHE)"
mkdir -p "$TRESTLE_CACHE/bin"

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs) first"
command -v node >/dev/null || die "node not found: install Node.js 20 and npm first"

step "Debian packages"
apt_install build-essential pkg-config xz-utils
# SoftHSM2 (a PKCS#11 token in files) and OpenSC's pkcs11-tool: the tests of keys in an HSM
# (trestle-pkcs11, the daemon's `pkcs11 = {...}` keys) make their tokens and keys with them.
apt_install softhsm2 opensc
info "ok"

step "Cargo tools"
cargo_tool cargo-nextest cargo-nextest 0.9.143
cargo_tool cargo-fuzz cargo-fuzz 0.13.2
cargo_tool cargo-deny cargo-deny 0.20.2
info "cargo-nextest $(cargo nextest --version 2>/dev/null | head -1 | awk '{print $2}'), cargo-fuzz $(cargo fuzz --version 2>/dev/null | awk '{print $2}'), cargo-deny $(cargo deny --version 2>/dev/null | awk '{print $2}')"

if [ -x "$TRESTLE_REPO/scripts/setup-chains.sh" ]; then
    step "Local chain tools"
    "$TRESTLE_REPO/scripts/setup-chains.sh"
fi

step "Set-up done"
