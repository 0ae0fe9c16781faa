# Shared helpers of the trestle-ffi scripts. Source it; do not run it.
# shellcheck shell=bash

FFI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$FFI_DIR/.." && pwd)"
export TRESTLE_CACHE="${TRESTLE_CACHE:-$HOME/.cache/trestle}"
# Pinned npm tools (ubrn, typescript, tsx, react-native headers): never inside the repository.
TOOLS_DIR="$TRESTLE_CACHE/ffi-tools"
# The Node.js side: the @ubjs runtime built from the pinned ubrn sources, and the benchmark's
# peer libraries.
NODE_DIR="$TRESTLE_CACHE/ffi-node"
# ubrn's own cargo build (its CLI and the napi runtime), kept out of node_modules and out of
# the workspace's target directory.
UBRN_TARGET="$TRESTLE_CACHE/ubrn-target"
UBRN_DIR="$TOOLS_DIR/node_modules/uniffi-bindgen-react-native"
export PATH="$TRESTLE_CACHE/bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# The workspace's target directory, as cargo resolves it (CARGO_TARGET_DIR, config, default).
target_dir() {
    (cd "$REPO_DIR" && cargo metadata --format-version 1 --no-deps --offline 2>/dev/null ||
        cargo metadata --format-version 1 --no-deps) |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

# ubrn ARGS...: runs the pinned uniffi-bindgen-react-native CLI (built with cargo on first use).
ubrn() {
    CARGO_TARGET_DIR="$UBRN_TARGET" node "$UBRN_DIR/bin/cli.cjs" "$@"
}

# stamp_ok NAME FILE...: whether the stamp NAME records the current content of FILE...
stamp_ok() {
    local name=$1
    shift
    [ -f "$TRESTLE_CACHE/stamps/$name" ] && [ "$(cat "$@" | sha256sum)" = "$(cat "$TRESTLE_CACHE/stamps/$name")" ]
}

# stamp_set NAME FILE...: records the current content of FILE... under NAME.
stamp_set() {
    local name=$1
    shift
    mkdir -p "$TRESTLE_CACHE/stamps"
    cat "$@" | sha256sum >"$TRESTLE_CACHE/stamps/$name"
}
