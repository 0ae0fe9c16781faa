#!/usr/bin/env bash
# Trestle relayer benchmark on local anvil chains (issue 5): delivery latency over the chains'
# own floor, sustained throughput with deliverBatch against the destination's block-gas
# bound, and the relayer process's memory with 10,000 pending messages.
#
#   benches/relayer/run.sh                                  # all three, the issue's counts (~15 min)
#   benches/relayer/run.sh --scenario latency --transfers 100   # one measurement, fewer samples
#   benches/relayer/run.sh --scenario latency --no-ws       # indexers poll only (no ws_url)
#   benches/relayer/run.sh --help                           # every flag (block time, confirmations,
#                                                           # relayer tick, batch size, counts)
#
# Builds the `trestle` daemon and the `relayer-bench` binary with the release profile, then
# runs relayer-bench, which starts (per scenario, through trestle-localnet) two anvil chains,
# deploys and configures the Solidity bridges, and runs three validator processes and one
# relayer process, all real `trestle relayer run` daemons. Nothing is mocked: the figures come
# from the chains' blocks, logs, receipts and transaction pools, and from /proc/<pid>/status
# of the relayer process. The report (Markdown tables with the floors, bounds, targets and
# verdicts) is printed and copied to ${TRESTLE_CACHE:-~/.cache/trestle}/relayer-bench/.
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

echo "==> cargo build --release (trestle daemon, relayer-bench)" >&2
cd "$root"
cargo build --release --locked -p trestle-cli --bin trestle -p trestle-relayer-bench --bin relayer-bench >&2
export TRESTLE_BIN="$CARGO_TARGET_DIR/release/trestle"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet -- relayer cli benches/relayer tests/localnet || echo ' (with local changes)'), anvil: $("$cache/bin/anvil" --version | head -n1)"
  echo "command: benches/relayer/run.sh $*"
  "$CARGO_TARGET_DIR/release/relayer-bench" "$@"
} | tee "$out/report-$stamp.md"
echo "==> report saved to $out/report-$stamp.md" >&2
