#!/usr/bin/env bash
# FFI benchmark (run by hand on a quiet machine; not part of CI or the tests):
#   - per-call cost of the bindings: the same exported functions called from Rust directly
#     (benches/overhead.rs), through the uniffi Python bindings, and through the generated
#     TypeScript API on Node.js (the napi flavour of the React Native bindings, @ubjs/node);
#   - the wallet operations through the binding, side by side with ethers v6 and
#     @solana/web3.js on Node.js, on the inputs of benches/wallet/inputs.json.
# Release build. Prints a markdown table of medians and ratios measured in this one run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/generate.sh"

"$FFI_DIR/scripts/setup-tools.sh" >/dev/null
PROFILE=release
CARGO_PROFILE=(--release)
build_library >/dev/null

WORK="$(mktemp -d "${TMPDIR:-/tmp}/trestle-ffi-bench.XXXXXX")"
NAPI="$NODE_DIR/bench-$$"
trap 'rm -rf "$WORK" "$NAPI"' EXIT
export TRESTLE_BENCH_INPUTS="$REPO_DIR/benches/wallet/inputs.json"
export TRESTLE_FFI_NODE_DIR="$NODE_DIR"

step "Rust (direct calls)" >&2
(cd "$REPO_DIR" && cargo bench --locked -q -p trestle-ffi --bench overhead 2>/dev/null) |
    tail -n 1 >"$WORK/rust.json"

step "Python (uniffi bindings)" >&2
gen_uniffi python "$WORK/python"
cp "$LIB" "$WORK/python/"
TRESTLE_FFI_BINDINGS="$WORK/python" python3 "$FFI_DIR/benches/bench_python.py" >"$WORK/python.json"

step "Node.js (TypeScript bindings, ethers, @solana/web3.js)" >&2
gen_napi "$NAPI"
for impl in trestle-node ethers solana-web3; do
    TRESTLE_FFI_NAPI="$NAPI/index.ts" "$TOOLS_DIR/node_modules/.bin/tsx" \
        "$FFI_DIR/benches/bench_node.mts" "$impl" >"$WORK/$impl.json"
done

python3 "$FFI_DIR/benches/report.py" "$WORK"
