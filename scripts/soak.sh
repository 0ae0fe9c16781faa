#!/usr/bin/env bash
# The chaos soak of issue 14 (tests/localnet, `trestle-soak`): two anvil chains and
# solana-test-validator, three validators (2-of-3) and two relayers sharing a throw-away
# PostgreSQL, each a `trestle relayer run` process behind fault-injecting RPC proxies; transfers
# over a -> b, a -> solana and solana -> a at a steady rate while daemons are SIGKILLed and
# restarted, both anvils reorged within the confirmation depth and b paused and unpaused.
# Prints a summary table (from the chains: exactly once / lost / doubled, p50/p99 delay,
# restarts, faults by kind); exits non-zero on any lost or doubled delivery or a message not
# delivered within 2 minutes of the last fault.
#
#   scripts/soak.sh                  the full soak: 500 transfers (about 6 minutes; by hand, not CI)
#   scripts/soak.sh --short          the CI version: 50 transfers (scripts/test.sh runs it)
#   scripts/soak.sh --seed N         replay a run's chaos schedule and faults (its seed is printed)
#   scripts/soak.sh --transfers N --keep
#
# Installs and builds what it needs first (idempotent): scripts/setup.sh, PostgreSQL, the SBF
# toolchain and the Solana program, the `trestle` binary and the soak (debug builds, as CI's).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TRESTLE_REPO"

"$TRESTLE_REPO/scripts/setup.sh"
"$TRESTLE_REPO/scripts/setup-postgres.sh"
"$TRESTLE_REPO/scripts/setup-sbf.sh"
"$TRESTLE_REPO/contracts/solana/build.sh"

step "Building the trestle command line (the daemons) and the soak"
cargo build --locked --quiet -p trestle-cli -p trestle-localnet

step "The chaos soak"
export TRESTLE_SOLANA_PROGRAM_SO="$TRESTLE_CACHE/sbf/trestle_bridge.so"
exec "$CARGO_TARGET_DIR/debug/trestle-soak" "$@"
