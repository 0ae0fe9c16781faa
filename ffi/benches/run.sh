#!/usr/bin/env bash
# FFI benchmark (run by hand on a quiet machine; not part of CI or the tests):
#   - per-call cost of the bindings: the same exported functions called from Rust directly
#     (benches/overhead.rs), through the uniffi Python bindings, and through the generated
#     TypeScript API on Node.js (the napi flavour of the React Native bindings, @ubjs/node);
#   - the wallet operations through the binding, side by side with ethers v6 and
#     @solana/web3.js on Node.js, on the inputs of benches/wallet/inputs.json.
# Release build. Every implementation runs ROUNDS times (default 3), in turn, so that noise
# lands on all of them alike; the table gives the median over rounds of each round's median,
# and the ratios measured in this one run.
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

gen_uniffi python "$WORK/python"
cp "$LIB" "$WORK/python/"
gen_napi "$NAPI"
# One ESM file next to libtrestle_ffi.so, run by plain node (see bench_node.mjs).
"$TOOLS_DIR/node_modules/.bin/esbuild" "$NAPI/index.ts" --bundle --platform=node --format=esm \
    --external:@ubjs/core --external:@ubjs/node --log-level=warning --outfile="$NAPI/bundle.mjs"
(cd "$REPO_DIR" && cargo bench --locked -q -p trestle-ffi --bench overhead --no-run 2>/dev/null)

for round in $(seq "${ROUNDS:-3}"); do
    step "round $round: Rust direct, Python binding, Node.js binding, ethers, @solana/web3.js" >&2
    (cd "$REPO_DIR" && cargo bench --locked -q -p trestle-ffi --bench overhead 2>/dev/null) |
        tail -n 1 >"$WORK/rust.$round.json"
    TRESTLE_FFI_BINDINGS="$WORK/python" python3 "$FFI_DIR/benches/bench_python.py" \
        >"$WORK/python.$round.json"
    for impl in trestle-node ethers solana-web3; do
        TRESTLE_FFI_NAPI="$NAPI/bundle.mjs" node "$FFI_DIR/benches/bench_node.mjs" "$impl" \
            >"$WORK/$impl.$round.json"
    done
done

python3 "$FFI_DIR/benches/report.py" "$WORK" "${ROUNDS:-3}"
