#!/usr/bin/env bash
# The main job: the local bridge demo. Two anvil chains and solana-test-validator, the Solidity
# bridge on both anvils and the Solana program (upgradeable), three validators (2-of-3) and one
# relayer, each its own `trestle relayer run` process with its own SQLite store; then tokens
# bridged a -> b, solana -> a, a -> b large enough to wait in b's timelock (queued, then
# executed), and a -> solana. Prints each step and a summary; exits non-zero if a step fails.
#
#   scripts/demo.sh [bridge] [--evm-only] [--timeout SECONDS] [--keep]   the bridge demo
#   scripts/demo.sh wallet                                                the wallet demo
#
# Installs and builds what it needs first (all idempotent, fast once done): scripts/setup.sh,
# scripts/setup-sbf.sh, contracts/solana/build.sh, the release build of `trestle` and the demo.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TRESTLE_REPO"

case "${1:-bridge}" in
    wallet) exec "$TRESTLE_REPO/scripts/demo/wallet.sh" ;;
    bridge) [ $# -gt 0 ] && shift ;;
    -*) ;;
    *) die "usage: scripts/demo.sh [bridge [--evm-only] [--timeout SECONDS] [--keep] | wallet]" ;;
esac

"$TRESTLE_REPO/scripts/setup.sh"
step "SBF toolchain for the Solana program"
"$TRESTLE_REPO/scripts/setup-sbf.sh"
step "Building the Solana bridge program"
"$TRESTLE_REPO/contracts/solana/build.sh"

step "Building the trestle command line (the daemons) and the demo (release)"
cargo build --release --locked --quiet -p trestle-cli -p trestle-localnet

step "The local bridge demo"
# The demo runs the `trestle` binary next to its own; the program from the build above.
export TRESTLE_SOLANA_PROGRAM_SO="$TRESTLE_CACHE/sbf/trestle_bridge.so"
exec "$CARGO_TARGET_DIR/release/trestle-demo" "$@"
