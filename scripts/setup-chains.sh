#!/usr/bin/env bash
# Installs the local-chain tools the end-to-end tests need, into a cache outside the repo:
#   anvil, forge, cast 1.7.1      (npm @foundry-rs/*-linux-amd64, pinned by scripts/tools/package-lock.json)
#   solc 0.8.37                   (npm solc = solcjs, behind scripts/tools/solc-shim.js, which forge accepts)
#   solana-test-validator 4.2.2   (prebuilt from ../shared/bin when present, else `cargo install agave-validator`)
# into ${TRESTLE_CACHE:-$HOME/.cache/trestle}/bin.
#
# Idempotent and non-interactive (fine with CI=true): a second run checks stamps and exits in well
# under a second. Exits non-zero with a message naming the step that failed.
#
# Environment:
#   TRESTLE_CACHE       cache directory (default: $HOME/.cache/trestle)
#   TRESTLE_SHARED_DIR  where a prebuilt validator may be found (default: <repo>/../shared)
set -Eeuo pipefail

readonly FOUNDRY_VERSION="1.7.1"
readonly SOLC_VERSION="0.8.37"
readonly AGAVE_VERSION="4.2.2"
readonly VALIDATOR_XZ_NAME="solana-test-validator-${AGAVE_VERSION}-x86_64-linux.xz"
# sha256 of the unpacked prebuilt binary (see LOCAL-CHAINS.md); the download is refused otherwise.
readonly VALIDATOR_SHA256="0d871d196fc6d8e656be6fb428f7fddfb1918c0ff8da6ed6c38c834370ee15c2"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO
readonly TOOLS_SRC="$REPO/scripts/tools"
CACHE="${TRESTLE_CACHE:-${HOME:?HOME is not set; set TRESTLE_CACHE}/.cache/trestle}"
readonly CACHE
readonly BIN="$CACHE/bin"
readonly NPM_DIR="$CACHE/npm"
readonly SHARED_DIR="${TRESTLE_SHARED_DIR:-$REPO/../shared}"

STEP="start"
log() { printf '[setup-chains] %s\n' "$*"; }
die() {
  printf '[setup-chains] ERROR (%s): %s\n' "$STEP" "$*" >&2
  exit 1
}
on_err() {
  local rc=$?
  printf '[setup-chains] ERROR (%s): command failed with status %s at line %s: %s\n' \
    "$STEP" "$rc" "$1" "$2" >&2
  exit "$rc"
}
trap 'on_err "$LINENO" "$BASH_COMMAND"' ERR

started=$(date +%s.%N)

# --- preconditions ---------------------------------------------------------------------------
STEP="preconditions"
[[ "$(uname -s)" == "Linux" && "$(uname -m)" == "x86_64" ]] \
  || die "only x86_64 Linux is supported (the pinned npm packages are linux-amd64); this is $(uname -sm)"
command -v node >/dev/null || die "node (>= 20) is not on PATH"
command -v npm >/dev/null || die "npm is not on PATH"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= 20)) || die "node >= 20 is needed, found $(node --version)"
for f in package.json package-lock.json solc-shim.js; do
  [[ -f "$TOOLS_SRC/$f" ]] || die "missing $TOOLS_SRC/$f"
done

mkdir -p "$BIN" "$NPM_DIR"
# One setup at a time per cache (two concurrent `npm ci` into one directory corrupt it).
exec 9>"$CACHE/.setup.lock"
if ! flock -n 9; then
  log "another setup is running on $CACHE; waiting for it"
  flock 9
fi
log "cache: $CACHE"

# --- npm packages: anvil, forge, cast, solc --------------------------------------------------
STEP="npm packages"
lock_hash="$(cat "$TOOLS_SRC/package.json" "$TOOLS_SRC/package-lock.json" | sha256sum | cut -d' ' -f1)"
stamp="$NPM_DIR/.trestle-lock-sha256"
npm_bins=(
  "$NPM_DIR/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
  "$NPM_DIR/node_modules/@foundry-rs/forge-linux-amd64/bin/forge"
  "$NPM_DIR/node_modules/@foundry-rs/cast-linux-amd64/bin/cast"
)
npm_ok=1
[[ -f "$stamp" && "$(cat "$stamp")" == "$lock_hash" ]] || npm_ok=0
for b in "${npm_bins[@]}"; do [[ -x "$b" ]] || npm_ok=0; done
[[ -f "$NPM_DIR/node_modules/solc/package.json" ]] || npm_ok=0
if ((npm_ok)); then
  log "npm packages: up to date (lock ${lock_hash:0:12})"
else
  log "npm packages: installing from scripts/tools/package-lock.json with npm ci into $NPM_DIR"
  rm -f "$stamp"
  cp "$TOOLS_SRC/package.json" "$TOOLS_SRC/package-lock.json" "$NPM_DIR/"
  (cd "$NPM_DIR" && npm ci --no-audit --no-fund --no-progress --ignore-scripts --loglevel=warn) \
    || die "npm ci failed in $NPM_DIR (is the npm registry reachable?)"
  for b in "${npm_bins[@]}"; do [[ -x "$b" ]] || die "npm ci did not produce $b"; done
  printf '%s\n' "$lock_hash" >"$stamp"
fi

STEP="foundry links"
for b in "${npm_bins[@]}"; do
  name="$(basename "$b")"
  if [[ "$(readlink "$BIN/$name" 2>/dev/null || true)" != "$b" ]]; then
    ln -sfn "$b" "$BIN/$name"
    log "linked $BIN/$name -> $b"
  fi
done
if ((!npm_ok)); then
  for name in anvil forge cast; do
    "$BIN/$name" --version 2>/dev/null | grep -q "$FOUNDRY_VERSION" \
      || die "$BIN/$name --version does not report $FOUNDRY_VERSION"
  done
  log "anvil, forge, cast $FOUNDRY_VERSION: ok"
fi

# --- solc shim -------------------------------------------------------------------------------
STEP="solc shim"
# The shim lives next to node_modules so that `require('solc')` finds the pinned package; node
# resolves the bin/ symlink to this real path.
shim="$NPM_DIR/solc-shim.js"
if ! cmp -s "$TOOLS_SRC/solc-shim.js" "$shim" || [[ ! -x "$shim" ]] || ((!npm_ok)); then
  cp "$TOOLS_SRC/solc-shim.js" "$shim.tmp"
  chmod 755 "$shim.tmp"
  mv -f "$shim.tmp" "$shim"
  ln -sfn "$shim" "$BIN/solc"
  version_out="$("$BIN/solc" --version)" || die "$BIN/solc --version failed"
  grep -q "^Version: ${SOLC_VERSION}+" <<<"$version_out" \
    || die "$BIN/solc --version printed '$version_out', expected Version: ${SOLC_VERSION}+..."
  # Smoke test: one Standard JSON compile through the same path forge uses.
  out="$(printf '%s' '{"language":"Solidity","sources":{"A.sol":{"content":"// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0; contract A { function f() external pure returns (uint256) { return 1; } }"}},"settings":{"outputSelection":{"*":{"*":["evm.bytecode.object"]}}}}' \
    | "$BIN/solc" --standard-json)" || die "$BIN/solc --standard-json failed"
  node -e 'const o = JSON.parse(process.argv[1]); const e = (o.errors || []).filter((x) => x.severity === "error"); if (e.length || !o.contracts["A.sol"].A.evm.bytecode.object) { console.error(JSON.stringify(e)); process.exit(1); }' "$out" \
    || die "the solc shim did not compile a trivial contract"
  log "installed $BIN/solc -> $shim ($(grep '^Version:' <<<"$version_out"))"
else
  [[ "$(readlink "$BIN/solc" 2>/dev/null || true)" == "$shim" ]] || ln -sfn "$shim" "$BIN/solc"
  log "solc shim: up to date"
fi

# --- solana-test-validator -------------------------------------------------------------------
STEP="solana-test-validator"
validator="$BIN/solana-test-validator"
vstamp="$BIN/.solana-test-validator.stamp"
file_id() { stat -c '%s %Y %i' "$1"; }
if [[ -x "$validator" && -f "$vstamp" && "$(cat "$vstamp")" == "$AGAVE_VERSION $(file_id "$validator")" ]]; then
  log "solana-test-validator $AGAVE_VERSION: up to date"
elif [[ -f "$SHARED_DIR/bin/$VALIDATOR_XZ_NAME" ]]; then
  log "solana-test-validator $AGAVE_VERSION: unpacking $SHARED_DIR/bin/$VALIDATOR_XZ_NAME"
  rm -f "$vstamp"
  tmp="$validator.tmp.$$"
  xz -dc "$SHARED_DIR/bin/$VALIDATOR_XZ_NAME" >"$tmp" || { rm -f "$tmp"; die "could not unpack $VALIDATOR_XZ_NAME"; }
  got="$(sha256sum "$tmp" | cut -d' ' -f1)"
  if [[ "$got" != "$VALIDATOR_SHA256" ]]; then
    rm -f "$tmp"
    die "sha256 of the unpacked validator is $got, expected $VALIDATOR_SHA256: refusing it"
  fi
  chmod 755 "$tmp"
  mv -f "$tmp" "$validator"
  log "sha256 ok ($VALIDATOR_SHA256)"
else
  log "solana-test-validator $AGAVE_VERSION: no prebuilt binary in $SHARED_DIR/bin; building with cargo install (~20+ min, ~4 GB)"
  rm -f "$vstamp"
  command -v cargo >/dev/null || die "cargo is not on PATH (install rustup stable)"
  missing=()
  for pkg in libclang-dev libudev-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get: install them with your package manager"
    sudo_cmd=()
    if ((EUID != 0)); then
      command -v sudo >/dev/null || die "missing ${missing[*]}; run as root or install them: apt-get install ${missing[*]}"
      sudo_cmd=(sudo -n)
    fi
    log "apt: installing ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
      log "apt: refreshing package lists once and retrying"
      "${sudo_cmd[@]}" apt-get update \
        || die "apt-get update failed"
      DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed"
    fi
  fi
  cargo install "agave-validator@$AGAVE_VERSION" --locked --bin solana-test-validator --root "$CACHE" \
    || die "cargo install agave-validator@$AGAVE_VERSION failed"
fi
if [[ ! -f "$vstamp" ]]; then
  "$validator" --version | grep -q "$AGAVE_VERSION" \
    || die "$validator --version does not report $AGAVE_VERSION"
  printf '%s %s\n' "$AGAVE_VERSION" "$(file_id "$validator")" >"$vstamp"
  log "solana-test-validator $AGAVE_VERSION: ok"
fi

STEP="done"
elapsed="$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
log "all tools ready in $BIN (${elapsed}s)"
log "to use them in this shell:"
# shellcheck disable=SC2016 # $PATH is printed literally, for the user's shell to expand
printf 'export PATH="%s:$PATH"\n' "$BIN"
