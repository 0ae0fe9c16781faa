#!/usr/bin/env bash
# Trestle wallet benchmark: Trestle (Rust) against ethers v6, @solana/web3.js 1.x with
# micro-ed25519-hdkey, and @trustwallet/wallet-core (WASM), on the same inputs, in one run.
#
#   benches/wallet/run.sh                 # full run (about 2-3 minutes after the first build)
#   ROUNDS=3 SAMPLES=5 benches/wallet/run.sh   # quicker, noisier
#   CHECK_ONLY=1 benches/wallet/run.sh    # only check that every implementation agrees
#   NICE=-10 benches/wallet/run.sh        # raise the benchmark's CPU priority (needs root) on
#                                         # a machine that cannot be made quiet
#
# Steps: install the pinned npm packages (npm ci, skipped when package-lock.json has not
# changed since the last install; node_modules/ is git-ignored); build the Rust side, the
# `wallet-bench` binary of benches/wallet-rs, with the release profile; then run ROUNDS rounds.
# Each round runs every implementation once, in a rotated order, each process taking SAMPLES
# interleaved samples per operation. The report checks that all implementations produced the
# same addresses and signature bytes, then prints medians, ratios and the targets. Raw samples
# and a Markdown copy of the tables land in ${TRESTLE_CACHE:-~/.cache/trestle}/wallet-bench/.
#
# Run it by hand on a quiet machine; it is not part of CI.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ROUNDS="${ROUNDS:-7}"
SAMPLES="${SAMPLES:-9}"
SAMPLE_MS="${SAMPLE_MS:-20}"
CHECK_ONLY="${CHECK_ONLY:-}"
NICE="${NICE:-}"
# The same cache and build directory as scripts/test.sh (outside the repository).
cache="${TRESTLE_CACHE:-$HOME/.cache/trestle}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"
out="$cache/wallet-bench"
mkdir -p "$out"

# --- 1. JavaScript dependencies (exact versions from package-lock.json) ----------------------
cd "$here"
stamp="node_modules/.trestle-package-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "==> npm ci (package-lock.json changed or first run)" >&2
  # No install scripts are needed: the only ones are optional native speed-ups of `ws`.
  npm ci --no-audit --no-fund --ignore-scripts >&2
  echo "$want" >"$stamp"
fi

# --- 2. Rust side, release profile ------------------------------------------------------------
# WALLET_BENCH_BIN=/path/to/wallet-bench skips the build and runs that binary instead.
rust_bin="${WALLET_BENCH_BIN:-}"
if [[ -z "$rust_bin" ]]; then
  echo "==> cargo build --release -p trestle-benches --bin wallet-bench" >&2
  rust_bin="$(
    cd "$root" &&
      cargo build --release -p trestle-benches --bin wallet-bench --message-format=json-render-diagnostics |
      node -e '
        let exe = "";
        for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
          if (!line.startsWith("{")) continue;
          const m = JSON.parse(line);
          if (m.reason === "compiler-artifact" && m.executable && m.target.name === "wallet-bench") exe = m.executable;
        }
        if (!exe) { console.error("no wallet-bench executable in the cargo output"); process.exit(1); }
        console.log(exe);'
  )"
fi

# --- 3. Rounds --------------------------------------------------------------------------------
inputs="$here/inputs.json"
results="$out/results.jsonl"
: >"$results"
impls=(trestle ethers ethers-rn solana-web3 wallet-core node-crypto noble)

prio=()
[[ -n "$NICE" ]] && prio=(nice -n "$NICE")
run_impl() {
  local impl="$1"
  shift
  if [[ "$impl" == trestle ]]; then
    "${prio[@]}" "$rust_bin" --inputs "$inputs" "$@"
  else
    "${prio[@]}" node "$here/bench.mjs" --impl "$impl" --inputs "$inputs" "$@"
  fi
}

if [[ -n "$CHECK_ONLY" ]]; then
  for impl in "${impls[@]}"; do run_impl "$impl" --check-only >>"$results"; done
  node "$here/report.mjs" "$results"
  exit
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
n="${#impls[@]}"
for ((r = 0; r < ROUNDS; r++)); do
  echo "==> round $((r + 1))/$ROUNDS" >&2
  for ((i = 0; i < n; i++)); do
    impl="${impls[$(((i + r) % n))]}"
    run_impl "$impl" --samples "$SAMPLES" --sample-ms "$SAMPLE_MS" >>"$results"
  done
done

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit="$commit (with uncommitted changes)"
fi
model="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
machine="Run $(date -u '+%Y-%m-%d %H:%M UTC') at commit $commit on ${model:-unknown CPU}, $(nproc) cores, \
$(uname -sr); $(cd "$root" && rustc -V); Node $(node -v); ROUNDS=$ROUNDS SAMPLES=$SAMPLES \
SAMPLE_MS=$SAMPLE_MS NICE=${NICE:-0}; load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after."
echo "$machine"
node "$here/report.mjs" --markdown "$out/report.md" --machine "$machine" "$results"
echo "(Markdown tables written to $out/report.md; raw samples in $results)" >&2
