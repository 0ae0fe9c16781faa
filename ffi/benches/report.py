"""Prints the FFI benchmark's table (markdown) from the JSON files of one run of run.sh."""

import json
import os
import platform
import statistics
import sys

work, rounds = sys.argv[1], int(sys.argv[2])
cols = ["rust", "python", "trestle-node", "ethers", "solana-web3"]


def load(col):
    """Per operation, the median over rounds of each round's median."""
    runs = [json.load(open(os.path.join(work, f"{col}.{r}.json"))) for r in range(1, rounds + 1)]
    return {op: statistics.median(run[op] for run in runs) for op in runs[0]}


data = {c: load(c) for c in cols}
ops = list(data["rust"])


def us(ns):
    return "–" if ns is None else (f"{ns / 1000:.2f}" if ns < 10_000 else f"{ns / 1000:.0f}")


def ratio(a, b):
    return "–" if a is None or b is None else f"{a / b:.1f}×"


print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average "
      f"{os.getloadavg()[0]:.1f} at the end; Python {platform.python_version()}; "
      f"median over {rounds} rounds of the median of 7 samples of about 20 ms.\n")
print("| operation | Rust direct (µs) | Python binding (µs) | Node binding (µs) | ethers v6 (µs) "
      "| web3.js (µs) | Python / Rust | Node / Rust | ethers / Node binding "
      "| web3.js / Node binding |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for op in ops:
    r, p, n = (data[c].get(op) for c in ("rust", "python", "trestle-node"))
    e, w = data["ethers"].get(op), data["solana-web3"].get(op)
    print(f"| `{op}` | {us(r)} | {us(p)} | {us(n)} | {us(e)} | {us(w)} | {ratio(p, r)} "
          f"| {ratio(n, r)} | {ratio(e, n)} | {ratio(w, n)} |")
print()
for name in ("python", "trestle-node"):
    small = ("is_valid_evm_address", "parse_solana_address")
    extra = [data[name][o] - data["rust"][o] for o in small]
    print(f"Binding overhead per call, {name}: "
          + ", ".join(f"`{o}` +{x / 1000:.2f} µs" for o, x in zip(small, extra)))
