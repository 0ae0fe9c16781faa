#!/usr/bin/env bash
# Installs what building the Solana bridge program (contracts/solana) needs, without Solana's
# platform-tools (`cargo build-sbf` downloads them from the internet):
#   Debian rustc-web, cargo-web, rust-web-src, llvm-22-dev   (/usr/bin/rustc with LLVM 22 and the
#                                                              bpfel target, core/alloc sources)
#   sbpf-linker 0.1.9                                          (cargo install --root $TRESTLE_CACHE)
# See ../shared/LOCAL-CHAINS.md ("building an on-chain program without platform-tools").
#
# Idempotent and non-interactive: a second run finds everything in place and exits in well under
# a second. Prints each step; exits non-zero naming the step that failed.
#
# Environment:
#   TRESTLE_CACHE   cache directory (default: $HOME/.cache/trestle); sbpf-linker lands in its bin/
set -Eeuo pipefail

readonly SBPF_LINKER_VERSION="0.1.9"
readonly APT_PACKAGES=(rustc-web cargo-web rust-web-src llvm-22-dev)
readonly LLVM_PREFIX_DIR="/usr/lib/llvm-22"

CACHE="${TRESTLE_CACHE:-${HOME:?HOME is not set; set TRESTLE_CACHE}/.cache/trestle}"
readonly CACHE
readonly BIN="$CACHE/bin"

STEP="start"
log() { printf '[setup-sbf] %s\n' "$*"; }
die() {
  printf '[setup-sbf] ERROR (%s): %s\n' "$STEP" "$*" >&2
  exit 1
}
trap 'rc=$?; printf "[setup-sbf] ERROR (%s): command failed with status %s at line %s: %s\n" "$STEP" "$rc" "$LINENO" "$BASH_COMMAND" >&2; exit "$rc"' ERR

started=$(date +%s.%N)
mkdir -p "$BIN"
exec 9>"$CACHE/.setup-sbf.lock"
if ! flock -n 9; then
  log "another setup-sbf is running on $CACHE; waiting for it"
  flock 9
fi

# --- Debian packages -------------------------------------------------------------------------
STEP="apt packages"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for pkg in "${APT_PACKAGES[@]}"; do installed "$pkg" || missing+=("$pkg"); done
if ((${#missing[@]} == 0)); then
  log "apt: ${APT_PACKAGES[*]} already installed"
else
  command -v apt-get >/dev/null || die "missing ${missing[*]} and there is no apt-get (Debian 12 is expected)"
  sudo_cmd=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "missing ${missing[*]}; run as root or: apt-get install ${missing[*]}"
    sudo_cmd=(sudo -n)
  fi
  log "apt: installing ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
    log "apt: refreshing package lists once (apt-get update) and retrying"
    "${sudo_cmd[@]}" apt-get update || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}" \
      || die "apt-get install ${missing[*]} failed"
  fi
fi
[[ -x /usr/bin/rustc && -x /usr/bin/cargo ]] || die "/usr/bin/rustc or /usr/bin/cargo is missing after installing rustc-web/cargo-web"
/usr/bin/rustc --print target-list | grep -qx 'bpfel-unknown-none' \
  || die "/usr/bin/rustc does not know the bpfel-unknown-none target"
[[ -d "$LLVM_PREFIX_DIR" ]] || die "$LLVM_PREFIX_DIR is missing after installing llvm-22-dev"
log "rustc for the program: $(/usr/bin/rustc --version)"

# --- sbpf-linker -----------------------------------------------------------------------------
STEP="sbpf-linker"
linker="$BIN/sbpf-linker"
if [[ -x "$linker" ]] && grep -qx "$SBPF_LINKER_VERSION" "$BIN/.sbpf-linker.version" 2>/dev/null; then
  log "sbpf-linker $SBPF_LINKER_VERSION: already in $BIN"
else
  # The rustup toolchain (first on PATH) builds the linker; it links against Debian's LLVM 22.
  command -v cargo >/dev/null || die "cargo is not on PATH (install rustup stable)"
  log "cargo install sbpf-linker@$SBPF_LINKER_VERSION --root $CACHE (~4 min on 2 cores)"
  LLVM_PREFIX="$LLVM_PREFIX_DIR" LLVM_SYS_221_PREFIX="$LLVM_PREFIX_DIR" \
    cargo install "sbpf-linker@$SBPF_LINKER_VERSION" --locked --no-default-features \
    --features upstream-gallery-22 --root "$CACHE" \
    || die "cargo install sbpf-linker@$SBPF_LINKER_VERSION failed"
  [[ -x "$linker" ]] || die "cargo install did not produce $linker"
  printf '%s\n' "$SBPF_LINKER_VERSION" >"$BIN/.sbpf-linker.version"
fi

STEP="done"
elapsed="$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
log "SBF toolchain ready (${elapsed}s): /usr/bin/rustc, /usr/bin/cargo, $linker"
