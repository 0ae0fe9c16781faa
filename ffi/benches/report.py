"""Prints the FFI benchmark's table (markdown) from the JSON files of one run of run.sh."""

import json
import os
import platform
import sys

work = sys.argv[1]
cols = ["rust", "python", "trestle-node", "ethers", "solana-web3"]
data = {c: json.load(open(os.path.join(work, f"{c}.json"))) for c in cols}
ops = list(data["rust"])


def us(ns):
    return "–" if ns is None else (f"{ns / 1000:.2f}" if ns < 10_000 else f"{ns / 1000:.0f}")


def ratio(a, b):
    return "–" if a is None or b is None else f"{a / b:.1f}×"


print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average "
      f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}; medians of 7 samples.\n")
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
