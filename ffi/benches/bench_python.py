"""Python column of ffi/benches/run.sh: the same calls as overhead.rs, through the uniffi
Python bindings (TRESTLE_FFI_BINDINGS). Prints {"op": median_ns_per_call}."""

import json
import os
import sys
import time

sys.path.insert(0, os.environ["TRESTLE_FFI_BINDINGS"])
import trestle_ffi as t  # noqa: E402

INPUTS = json.load(open(os.environ["TRESTLE_BENCH_INPUTS"]))
MNEMONIC = INPUTS["mnemonic"]
EVM_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
SOLANA_ADDRESS = INPUTS["solana_transfer"]["to"]
BLOCKHASH = INPUTS["solana_transfer"]["recent_blockhash"]
TYPED = json.dumps(INPUTS["eip712"])
EIP1559 = json.dumps({
    "type": "0x2", "chainId": "0x1", "nonce": "0x7", "maxPriorityFeePerGas": "0x3b9aca00",
    "maxFeePerGas": "0x6fc23ac00", "gas": "0x5208",
    "to": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "value": "0xde0b6b3a7640000",
    "data": "0x",
})
SAMPLES, SAMPLE_NS = 7, 20_000_000


def measure(f):
    f()
    batch = 1
    while True:
        start = time.perf_counter_ns()
        for _ in range(batch):
            f()
        if time.perf_counter_ns() - start >= SAMPLE_NS // 4 or batch >= 1 << 24:
            break
        batch *= 2
    batch *= 4
    samples = []
    for _ in range(SAMPLES):
        start = time.perf_counter_ns()
        for _ in range(batch):
            f()
        samples.append((time.perf_counter_ns() - start) / batch)
    return sorted(samples)[SAMPLES // 2]


wallet = t.Wallet.from_mnemonic(MNEMONIC, "", t.Language.ENGLISH)
evm_path = wallet.evm_account(0).path
sol_path = wallet.solana_account(0, t.SolanaPathStyle.BIP44_CHANGE).path
ops = {
    "is_valid_evm_address": lambda: t.is_valid_evm_address(EVM_ADDRESS),
    "parse_solana_address": lambda: t.parse_solana_address(SOLANA_ADDRESS),
    "validate_mnemonic": lambda: t.validate_mnemonic(MNEMONIC, t.Language.ENGLISH),
    "mnemonic_to_evm_address": lambda: t.Wallet.from_mnemonic(
        MNEMONIC, "", t.Language.ENGLISH).evm_account(0).address,
    "mnemonic_to_solana_address": lambda: t.Wallet.from_mnemonic(
        MNEMONIC, "", t.Language.ENGLISH).solana_account(0, t.SolanaPathStyle.BIP44_CHANGE),
    "sign_eip1559": lambda: wallet.sign_evm_transaction_json(evm_path, EIP1559),
    "sign_eip712": lambda: wallet.sign_typed_data(evm_path, TYPED),
    "sign_sol_transfer": lambda: wallet.sign_sol_transfer(
        sol_path, SOLANA_ADDRESS, 1_000_000, BLOCKHASH, 0),
}
print(json.dumps({name: measure(f) for name, f in ops.items()}))
