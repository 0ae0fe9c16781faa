#!/usr/bin/env bash
# Regenerates the bindings of trestle-ffi.
#
#   ffi/scripts/generate.sh [--release] [all|native|react-native]
#
#   native        Kotlin and Swift (uniffi-bindgen) into ffi/out/{kotlin,swift} (not committed)
#   react-native  the React Native package's generated sources, committed under
#                 ffi/react-native: src/generated (TypeScript), cpp/generated (JSI C++) and the
#                 TurboModule glue (src/index.tsx, src/NativeTrestle.ts, cpp/, android/, ios/,
#                 Trestle.podspec), from ubrn.config.yaml
#   all           both (the default)
#
# Builds the library first (`cargo build --locked -p trestle-ffi`, honouring CARGO_TARGET_DIR).
# Other scripts source this file for its functions; it only runs when executed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROFILE=debug
CARGO_PROFILE=()

# build_library: builds libtrestle_ffi and uniffi-bindgen; sets LIB and BINDGEN.
build_library() {
    local target
    target="$(target_dir)"
    # uniffi-bindgen reads the interface from the compiled library, so it only needs building
    # again when uniffi changes; it is kept in the cache under its uniffi version, and built
    # before the library because `--features cli` rebuilds the crate's cdylib.
    local uniffi_version
    uniffi_version="$(cd "$REPO_DIR" && cargo metadata --format-version 1 --locked |
        python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "uniffi"))')"
    BINDGEN="$TRESTLE_CACHE/bin/uniffi-bindgen-$uniffi_version"
    if [ ! -x "$BINDGEN" ]; then
        step "uniffi-bindgen $uniffi_version (once; cached in $TRESTLE_CACHE/bin)"
        (cd "$REPO_DIR" && cargo build --locked -p trestle-ffi --features cli --bin uniffi-bindgen \
            "${CARGO_PROFILE[@]}")
        mkdir -p "$TRESTLE_CACHE/bin"
        cp "$target/$PROFILE/uniffi-bindgen" "$BINDGEN"
    fi
    step "cargo build --locked -p trestle-ffi ($PROFILE)"
    (cd "$REPO_DIR" && cargo build --locked -p trestle-ffi "${CARGO_PROFILE[@]}")
    LIB="$target/$PROFILE/libtrestle_ffi.so"
    [ -f "$LIB" ] || die "$LIB was not built"
}

# gen_uniffi LANGUAGE OUT_DIR: uniffi's generator for kotlin, swift or python.
gen_uniffi() {
    mkdir -p "$2"
    (cd "$FFI_DIR" && "$BINDGEN" generate --library "$LIB" --language "$1" --out-dir "$2" >/dev/null)
}

# gen_react_native TS_DIR CPP_DIR: the JSI bindings (TypeScript and C++).
gen_react_native() {
    (cd "$FFI_DIR" && ubrn generate jsi bindings --library "$LIB" --ts-dir "$1" --cpp-dir "$2" \
        2> >(grep -v -e 'Skipping formatting C++' -e 'No prettier found' >&2))
}

# gen_turbo_module: the TurboModule glue of ffi/react-native, from its package.json and
# ubrn.config.yaml.
gen_turbo_module() {
    (cd "$FFI_DIR/react-native" && ubrn generate jsi turbo-module --config ubrn.config.yaml trestle_ffi)
}

# gen_napi OUT_DIR: the Node.js flavour of the same TypeScript API, with the library beside it.
gen_napi() {
    mkdir -p "$1"
    (cd "$FFI_DIR" && ubrn generate napi bindings --library "$LIB" --ts-dir "$1" --lib-colocated \
        2> >(grep -v -e 'No prettier found' >&2))
    cp "$LIB" "$1/"
}

main() {
    if [ "${1:-}" = --release ]; then
        PROFILE=release
        CARGO_PROFILE=(--release)
        shift
    fi
    local what=${1:-all}
    case "$what" in all | native | react-native) ;; *) die "unknown target $what" ;; esac
    "$FFI_DIR/scripts/setup-tools.sh"
    build_library
    if [ "$what" != react-native ]; then
        step "Kotlin and Swift -> ffi/out"
        gen_uniffi kotlin "$FFI_DIR/out/kotlin"
        gen_uniffi swift "$FFI_DIR/out/swift"
        cp "$LIB" "$FFI_DIR/out/"
    fi
    if [ "$what" != native ]; then
        step "React Native package -> ffi/react-native"
        rm -rf "$FFI_DIR/react-native/src/generated" "$FFI_DIR/react-native/cpp/generated"
        gen_react_native "$FFI_DIR/react-native/src/generated" "$FFI_DIR/react-native/cpp/generated"
        gen_turbo_module
    fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
