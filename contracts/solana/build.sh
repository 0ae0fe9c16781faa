#!/usr/bin/env bash
# Builds the Solana bridge program (contracts/solana/program) into an SBF shared object without
# Solana's platform-tools, following ../../../shared/LOCAL-CHAINS.md:
#   RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo build -Z build-std=core,alloc --release
#     --target bpfel-unknown-none            (linker sbpf-linker, see .cargo/config.toml)
# Needs scripts/setup-sbf.sh first (Debian rustc-web/cargo-web/rust-web-src/llvm-22-dev and
# sbpf-linker in $TRESTLE_CACHE/bin).
#
# Output: $TRESTLE_CACHE/sbf/trestle_bridge.so (printed on the last line), and next to it
# trestle_example_recipient.so (a minimal message recipient) and trestle_test_recipient.so (a
# hostile recipient, for the tests only). The cargo target directory is $TRESTLE_CACHE/sbf/target,
# outside the repository.
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${TRESTLE_CACHE:-${HOME:?HOME is not set; set TRESTLE_CACHE}/.cache/trestle}"
OUT_DIR="$CACHE/sbf"
OUT="$OUT_DIR/trestle_bridge.so"
log() { printf '[build-sbf] %s\n' "$*"; }
die() {
  printf '[build-sbf] ERROR: %s\n' "$*" >&2
  exit 1
}

[[ -x /usr/bin/rustc && -x /usr/bin/cargo ]] \
  || die "/usr/bin/rustc or /usr/bin/cargo missing: run scripts/setup-sbf.sh first"
[[ -x "$CACHE/bin/sbpf-linker" ]] || die "$CACHE/bin/sbpf-linker missing: run scripts/setup-sbf.sh first"

# Only this build uses Debian's toolchain; rustup's cargo/rustc stay first on PATH elsewhere.
export PATH="$CACHE/bin:/usr/bin:$PATH"
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$OUT_DIR/target"
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS RUSTC_WRAPPER CARGO_BUILD_TARGET || true
mkdir -p "$OUT_DIR"

log "$(/usr/bin/rustc --version), $(sbpf-linker --version 2>/dev/null || echo sbpf-linker)"
log "cargo build -Z build-std=core,alloc --release --target bpfel-unknown-none (in $HERE)"
started=$(date +%s.%N)
(cd "$HERE" && /usr/bin/cargo build --locked -Z build-std=core,alloc --release \
  --target bpfel-unknown-none -p trestle-solana-program -p trestle-example-recipient -p trestle-test-recipient) \
  || die "cargo build for bpfel-unknown-none failed"

built=""
for cand in "$CARGO_TARGET_DIR/bpfel-unknown-none/release/trestle_solana_program.so" \
  "$CARGO_TARGET_DIR/bpfel-unknown-none/release/libtrestle_solana_program.so"; do
  [[ -f "$cand" ]] && built="$cand" && break
done
[[ -n "$built" ]] || die "no .so under $CARGO_TARGET_DIR/bpfel-unknown-none/release"
cp -f "$built" "$OUT.tmp" && mv -f "$OUT.tmp" "$OUT"
# The message recipients the tests call through execute_message.
for name in trestle_example_recipient trestle_test_recipient; do
  recipient="$CARGO_TARGET_DIR/bpfel-unknown-none/release/$name.so"
  [[ -f "$recipient" ]] || recipient="$CARGO_TARGET_DIR/bpfel-unknown-none/release/lib$name.so"
  [[ -f "$recipient" ]] || die "$name was not built"
  cp -f "$recipient" "$OUT_DIR/$name.so.tmp" && mv -f "$OUT_DIR/$name.so.tmp" "$OUT_DIR/$name.so"
done
elapsed="$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
log "built in ${elapsed}s: $(stat -c %s "$OUT") bytes"
echo "$OUT"
