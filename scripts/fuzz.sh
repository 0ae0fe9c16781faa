#!/usr/bin/env bash
# Runs every cargo-fuzz target of trestle-core and trestle-bridge for SECONDS seconds each (default 10).
# cargo-fuzz needs nightly-only sanitizer flags; RUSTC_BOOTSTRAP lets the stable toolchain
# (the only one a fresh machine has) accept them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
seconds="${1:-10}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$TRESTLE_CACHE/fuzz-target"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for crate in core bridge; do
    cd "$TRESTLE_REPO/$crate"
    for target in $(cargo fuzz list); do
        info "fuzz $crate/$target for ${seconds}s"
        if ! cargo fuzz run --release "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 >"$log" 2>&1; then
            tail -n 60 "$log" >&2
            die "fuzz target $crate/$target failed (crash input saved under $crate/fuzz/artifacts/$target)"
        fi
        grep -E '^Done [0-9]+ runs' "$log" | sed 's/^/    /' || true
    done
done
