#!/usr/bin/env bash
# Installs what the trestle-ffi scripts need, into $TRESTLE_CACHE only (never the repository),
# and does nothing when it is already there:
#   - the pinned npm tools of ffi/scripts/tools (uniffi-bindgen-react-native, typescript, tsx,
#     react-native for its headers and types) in $TRESTLE_CACHE/ffi-tools;
#   - ubrn's CLI, which the npm package builds from its Rust sources with cargo on first use
#     (about 4 minutes), with its target directory in $TRESTLE_CACHE/ubrn-target;
#   - the Node.js runtime @ubjs/core + @ubjs/node at 0.31.0-5, built from the sources inside
#     that same ubrn package (the registry only has 0.31.0-3, which breaks on records with
#     0.31.0-5 bindings and leaks memory per call), plus the benchmark's peer libraries, in
#     $TRESTLE_CACHE/ffi-node.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v node >/dev/null || die "Node.js 20 or later is needed"
command -v npm >/dev/null || die "npm is needed"

TOOLS_SRC="$FFI_DIR/scripts/tools"
if ! stamp_ok ffi-tools "$TOOLS_SRC/package.json" "$TOOLS_SRC/package-lock.json" ||
    [ ! -d "$UBRN_DIR" ]; then
    step "npm tools into $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    cp "$TOOLS_SRC/package.json" "$TOOLS_SRC/package-lock.json" "$TOOLS_DIR/"
    (cd "$TOOLS_DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
    stamp_set ffi-tools "$TOOLS_SRC/package.json" "$TOOLS_SRC/package-lock.json"
fi

if [ ! -f "$TRESTLE_CACHE/stamps/ubrn-cli" ] || ! stamp_ok ubrn-cli "$UBRN_DIR/package.json"; then
    step "ubrn CLI (cargo build, about 4 minutes the first time)"
    (cd "$UBRN_DIR" && CARGO_TARGET_DIR="$UBRN_TARGET" cargo build --quiet \
        --manifest-path crates/ubrn_cli/Cargo.toml)
    stamp_set ubrn-cli "$UBRN_DIR/package.json"
fi
# bin/cli.cjs announces a first-time build unless it sees this folder; ours is UBRN_TARGET.
mkdir -p "$UBRN_DIR/target"

NODE_SRC="$FFI_DIR/scripts/node"
if ! stamp_ok ffi-node "$NODE_SRC/package.json" "$UBRN_DIR/package.json" ||
    [ ! -d "$NODE_DIR/node_modules/@ubjs/node" ]; then
    step "@ubjs/core and @ubjs/node 0.31.0-5 from the ubrn sources, into $NODE_DIR"
    pkgs="$NODE_DIR/pkgs"
    rm -rf "$pkgs" "$NODE_DIR/node_modules" "$NODE_DIR/package-lock.json"
    mkdir -p "$pkgs"
    # @ubjs/core: the package's typescript/ folder, shipped prebuilt.
    (cd "$UBRN_DIR/typescript" && npm pack --silent --ignore-scripts --pack-destination "$pkgs" >/dev/null)
    # @ubjs/node: the N-API addon (cargo, ~20 s) and its JavaScript files.
    (cd "$UBRN_DIR" && CARGO_TARGET_DIR="$UBRN_TARGET" cargo build --quiet --release \
        -p uniffi-runtime-napi)
    napi="$pkgs/napi"
    mkdir -p "$napi"
    cp -r "$UBRN_DIR/runtimes/napi/"{package.json,index.js,lib.js,index.d.ts,README.md,typescript} "$napi/"
    cp "$UBRN_TARGET/release/libuniffi_runtime_napi.so" "$napi/uniffi-runtime-napi.linux-x64-gnu.node"
    ln -s "$TOOLS_DIR/node_modules" "$napi/node_modules"
    (cd "$napi" && "$TOOLS_DIR/node_modules/.bin/tsc" -p typescript)
    rm "$napi/node_modules"
    (cd "$napi" && npm pack --silent --ignore-scripts --pack-destination "$pkgs" >/dev/null)
    rm -rf "$napi"
    ls "$pkgs"/ubjs-core-0.31.0-5.tgz "$pkgs"/ubjs-node-0.31.0-5.tgz >/dev/null
    cp "$NODE_SRC/package.json" "$NODE_DIR/package.json"
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error)
    stamp_set ffi-node "$NODE_SRC/package.json" "$UBRN_DIR/package.json"
fi
