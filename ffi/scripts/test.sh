#!/usr/bin/env bash
# Tests trestle-ffi through its generated bindings, idempotently:
#   1. builds the library (`cargo build --locked -p trestle-ffi`, honouring CARGO_TARGET_DIR);
#   2. generates the Python bindings into a temporary directory and runs ffi/tests/python
#      (every export, every error path, anvil and solana-test-validator on free ports);
#   3. checks that the committed React Native sources are what the generator produces now,
#      type-checks them with the README example (`tsc --noEmit`) and the JSI C++ with
#      `g++ -fsyntax-only`;
#   4. generates the Node.js (napi) flavour of the TypeScript API and runs ffi/tests/node with
#      node:test on @ubjs/node, including the README example.
# Tools are installed once into $TRESTLE_CACHE (ffi/scripts/setup-tools.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/generate.sh"

"$FFI_DIR/scripts/setup-tools.sh"
build_library

WORK="$(mktemp -d "${TMPDIR:-/tmp}/trestle-ffi-test.XXXXXX")"
# Generated inside the Node.js folder so that their imports find @ubjs/core and @ubjs/node.
NAPI="$NODE_DIR/gen-$$"
trap 'rm -rf "$WORK" "$NAPI"' EXIT

step "Python bindings (generated into a temporary directory) and tests"
gen_uniffi python "$WORK/python"
cp "$LIB" "$WORK/python/"
(cd "$FFI_DIR/tests/python" &&
    TRESTLE_FFI_BINDINGS="$WORK/python" python3 -m unittest discover -s . -p 'test_*.py')

step "React Native sources are up to date with the crate"
gen_react_native "$WORK/rn/ts" "$WORK/rn/cpp"
if ! diff -r "$WORK/rn/ts" "$FFI_DIR/react-native/src/generated" >/dev/null ||
    ! diff -r "$WORK/rn/cpp" "$FFI_DIR/react-native/cpp/generated" >/dev/null; then
    diff -r "$WORK/rn/ts" "$FFI_DIR/react-native/src/generated" | head -20 || true
    die "ffi/react-native is stale: run ffi/scripts/generate.sh react-native and commit"
fi

step "tsc --noEmit: the React Native package and the README example"
node "$FFI_DIR/tests/node/extract-example.mjs" "$FFI_DIR/README.md" \
    "$WORK/readme_example.ts" "$FFI_DIR/react-native/src/index"
cat >"$WORK/tsconfig.json" <<JSON
{
  "extends": "$FFI_DIR/react-native/tsconfig.json",
  "compilerOptions": {
    "baseUrl": "$WORK",
    "paths": {
      "react-native": ["$TOOLS_DIR/node_modules/react-native/types_generated/index.d.ts"],
      "@ubjs/core": ["$UBRN_DIR/typescript/dist/esm/index.d.ts"]
    }
  },
  "include": ["$FFI_DIR/react-native/src", "$WORK/readme_example.ts"]
}
JSON
"$TOOLS_DIR/node_modules/.bin/tsc" -p "$WORK/tsconfig.json"

step "JSI C++: g++ -fsyntax-only against react-native 0.88.1 and ubrn headers"
if command -v g++ >/dev/null; then
    RN="$TOOLS_DIR/node_modules/react-native/ReactCommon"
    (cd "$FFI_DIR/react-native" && g++ -std=c++20 -fsyntax-only -I"$RN" -I"$RN/jsi" \
        -I"$RN/callinvoker" -I"$UBRN_DIR/cpp/includes" -Icpp/generated -Icpp \
        cpp/generated/trestle_ffi.cpp cpp/trestle.cpp)
else
    info "g++ not found: skipped"
fi

step "Node.js: napi bindings, the README example, node:test"
gen_napi "$NAPI"
# ./index initialises the bindings on import, as src/index.tsx does in the React Native package.
node "$FFI_DIR/tests/node/extract-example.mjs" "$FFI_DIR/README.md" "$NAPI/readme_example.ts" \
    "./index"
TRESTLE_FFI_NAPI="$NAPI/index.ts" TRESTLE_FFI_EXAMPLE="$NAPI/readme_example.ts" \
    TRESTLE_FFI_NODE_DIR="$NODE_DIR" \
    "$TOOLS_DIR/node_modules/.bin/tsx" --test "$FFI_DIR"/tests/node/*.test.mts

step "trestle-ffi: all binding tests passed"
