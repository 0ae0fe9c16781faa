#!/usr/bin/env bash
# Trestle relayer benchmark on local chains (issues 5 and 12): delivery latency over the
# chains' own floor, sustained throughput with deliverBatch against the destination's
# block-gas bound, the relayer process's memory with 10,000 pending messages, and EVM -> Solana
# delivery throughput against the Solana chain's compute bound, before and after a change.
#
#   benches/relayer/run.sh                                  # latency, throughput, memory (~15 min)
#   benches/relayer/run.sh --scenario latency --transfers 100   # one measurement, fewer samples
#   benches/relayer/run.sh --scenario latency --no-ws       # indexers poll only (no ws_url)
#   benches/relayer/run.sh --scenario solana --baseline-rev 3cd2509
#                                                           # EVM -> Solana, the daemon at 3cd2509
#                                                           # then this tree's, side by side
#   benches/relayer/run.sh --help                           # every flag (block time, confirmations,
#                                                           # relayer tick, batch size, counts)
#
# `--scenario all` leaves solana out (it needs solana-test-validator and the built program and
# takes several minutes per run); ask for it with `--scenario solana`.
#
# `--baseline-rev REV` (this script's own flag) builds the `trestle` daemon at git revision REV
# in a worktree, ${TRESTLE_CACHE:-~/.cache/trestle}/bench-baseline-REV (release, the shared
# target directory, so most artifacts are reused), copies it to that worktree's
# .bench-bin/trestle and passes it to relayer-bench as `--baseline-bin` (the solana scenario
# then runs once with it and once with this tree's daemon, each on a fresh network, and prints
# both with the ratio after / before).
#
# Builds the `trestle` daemon and the `relayer-bench` binary with the release profile (and,
# for the solana scenario, the Solana program through contracts/solana/build.sh), then runs
# relayer-bench, which starts (per scenario, through trestle-localnet) anvil chains (and
# solana-test-validator), deploys and configures the bridges, and runs three validator
# processes and one relayer process, all real `trestle relayer run` daemons. Nothing is
# mocked: the figures come from the chains' blocks, slots, logs, receipts, transactions and
# transaction pools, and from /proc/<pid>/status of the relayer process. The report (Markdown
# tables with the floors, bounds, targets and verdicts) is printed and copied to
# ${TRESTLE_CACHE:-~/.cache/trestle}/relayer-bench/.
#
# Run it by hand on a quiet machine; it is not part of CI.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=/dev/null
. "$root/scripts/common.sh"
cache="${TRESTLE_CACHE:-$HOME/.cache/trestle}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"
out="$cache/relayer-bench"
mkdir -p "$out"

# This script's own flag; everything else goes to relayer-bench.
command_line="$*"
baseline_rev=""
solana=""
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --baseline-rev)
            [ $# -ge 2 ] || die "--baseline-rev needs a git revision"
            baseline_rev=$2
            shift 2
            ;;
        --baseline-rev=*)
            baseline_rev=${1#*=}
            shift
            ;;
        --scenario=solana) solana=1 && args+=("$1") && shift ;;
        --scenario)
            [ "${2:-}" = solana ] && solana=1
            args+=("$1")
            shift
            ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
            args+=("$1")
            shift
            ;;
        *) args+=("$1") && shift ;;
    esac
done

cd "$root"
baseline_line=""
if [ -n "$baseline_rev" ]; then
    sha="$(git -C "$root" rev-parse --verify --quiet "$baseline_rev^{commit}")" \
        || die "--baseline-rev $baseline_rev is not a commit of this repository"
    wt="$cache/bench-baseline-${baseline_rev//\//_}"
    if [ ! -e "$wt/.git" ]; then
        echo "==> git worktree add $wt ($baseline_rev)" >&2
        git -C "$root" worktree add --detach "$wt" "$sha" >&2
    fi
    [ "$(git -C "$wt" rev-parse HEAD)" = "$sha" ] \
        || die "$wt is not at $baseline_rev ($sha): remove it (git worktree remove $wt) and run again"
    # First, so that $CARGO_TARGET_DIR/release/trestle is this tree's daemon afterwards (both
    # builds write that path; the baseline's is copied out at once).
    echo "==> cargo build --release (trestle at $baseline_rev, in $wt)" >&2
    (cd "$wt" && cargo build --release --locked -p trestle-cli --bin trestle >&2)
    mkdir -p "$wt/.bench-bin"
    cp "$CARGO_TARGET_DIR/release/trestle" "$wt/.bench-bin/trestle"
    args+=(--baseline-bin "$wt/.bench-bin/trestle" --baseline-label "$baseline_rev")
    baseline_line="baseline: $baseline_rev ($(git -C "$root" rev-parse --short "$sha")), daemon built in $wt"
fi

echo "==> cargo build --release (trestle daemon, relayer-bench)" >&2
cargo build --release --locked -p trestle-cli --bin trestle -p trestle-relayer-bench --bin relayer-bench >&2
export TRESTLE_BIN="$CARGO_TARGET_DIR/release/trestle"
if [ -n "$solana" ]; then
    echo "==> the Solana program (contracts/solana/build.sh)" >&2
    "$root/contracts/solana/build.sh" >&2
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet -- relayer cli benches/relayer tests/localnet || echo ' (with local changes)'), anvil: $("$cache/bin/anvil" --version | head -n1)"
  if [ -n "$solana" ]; then
    echo "solana-test-validator: $("$cache/bin/solana-test-validator" --version)"
  fi
  [ -z "$baseline_line" ] || echo "$baseline_line"
  echo "command: benches/relayer/run.sh $command_line"
  "$CARGO_TARGET_DIR/release/relayer-bench" "${args[@]}"
} | tee "$out/report-$stamp.md"
echo "==> report saved to $out/report-$stamp.md" >&2
