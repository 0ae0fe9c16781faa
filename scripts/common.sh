# Shared helpers for the set-up, test and demo scripts. Source it; do not run it.
# shellcheck shell=bash

TRESTLE_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TRESTLE_REPO
export TRESTLE_CACHE="${TRESTLE_CACHE:-$HOME/.cache/trestle}"
# Build artifacts live outside the repository so that a fresh clone (CI) reuses the compiled
# dependencies of earlier runs on the same machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$TRESTLE_CACHE/target}"
# No incremental caches in that shared directory: every clone's workspace crates got their own
# (19 GB after a few weeks of CI runs filled this machine's disk), and a from-scratch build of
# a clone gains nothing from them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export PATH="$TRESTLE_CACHE/bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# apt_install PKG...: installs the Debian packages that are not installed yet.
apt_install() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    info "apt-get install ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    if [ ! -f "$TRESTLE_CACHE/.apt-updated" ] || [ -n "$(find "$TRESTLE_CACHE/.apt-updated" -mmin +1440)" ]; then
        "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
        mkdir -p "$TRESTLE_CACHE" && touch "$TRESTLE_CACHE/.apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

# cargo_tool BIN CRATE VERSION: installs a cargo tool into the cache unless BIN already runs.
cargo_tool() {
    local bin=$1 crate=$2 version=$3
    if [ -x "$TRESTLE_CACHE/bin/$bin" ] || command -v "$bin" >/dev/null 2>&1; then
        return 0
    fi
    info "cargo install $crate@$version (once; cached in $TRESTLE_CACHE/bin)"
    cargo install --quiet --locked "$crate@$version" --root "$TRESTLE_CACHE" \
        || die "cargo install $crate@$version failed"
}
