"""Local anvil and solana-test-validator for the network tests, on free loopback ports.

Same flags and port-claim protocol as the Rust harness (`tests/src/anvil.rs`,
`tests/src/solana.rs`, `tests/src/ports.rs`): a block of 100 ports is claimed with an exclusive
lock on `$TMPDIR/trestle-port-claims/<base>.lock`, so Rust and Python tests never collide.
The binaries come from `$TRESTLE_CACHE/bin` (scripts/setup-chains.sh installs them).
"""

import asyncio
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

CACHE = os.environ.get("TRESTLE_CACHE", os.path.expanduser("~/.cache/trestle"))
BIN = os.path.join(CACHE, "bin")
DEV_MNEMONIC = "test test test test test test test test test test test junk"
FIRST, WIDTH, BLOCKS = 20_000, 100, 120


def binary(name):
    path = os.path.join(BIN, name)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} is missing: run scripts/setup-chains.sh")
    return path


def _port_free(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


class PortBlock:
    """A claimed block of loopback ports; released by close() or when the process exits."""

    def __init__(self):
        claims = os.path.join(tempfile.gettempdir(), "trestle-port-claims")
        os.makedirs(claims, exist_ok=True)
        start = os.getpid() % BLOCKS
        for i in range(BLOCKS):
            base = FIRST + ((start + i) % BLOCKS) * WIDTH
            f = open(os.path.join(claims, f"{base}.lock"), "a")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.close()
                continue
            if all(_port_free(p) for p in range(base, base + WIDTH)):
                self.base, self._file = base, f
                return
            f.close()
        raise RuntimeError("no free block of loopback ports")

    def close(self):
        self._file.close()


def _rpc(url, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        answer = json.load(r)
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


def _poll(what, check, process, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            result = check()
            if result:
                return result
        except Exception as e:  # not up yet
            last = e
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready after {timeout} s (last: {last})")


class Node:
    def __init__(self, args, name):
        self.dir = tempfile.mkdtemp(prefix=f"trestle-ffi-{name}-")
        self.log = open(os.path.join(self.dir, "node.log"), "w+")
        # A session of its own, so that stop() reaches every child it forks.
        self.process = subprocess.Popen(
            args, cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Anvil(Node):
    """anvil with the development mnemonic, chain id 31337, instant mining."""

    CHAIN_ID = 31337

    def __init__(self):
        super().__init__(
            [binary("anvil"), "--host", "127.0.0.1", "--port", "0", "--chain-id",
             str(self.CHAIN_ID), "--accounts", "10", "--mnemonic", DEV_MNEMONIC],
            "anvil",
        )

        def listening():
            self.log.seek(0)
            m = re.search(r"Listening on 127\.0\.0\.1:(\d+)", self.log.read())
            return m and int(m.group(1))

        try:
            port = _poll("anvil", listening, self.process, 30)
            self.url = f"http://127.0.0.1:{port}"
            _poll("anvil", lambda: _rpc(self.url, "eth_chainId", []) == hex(self.CHAIN_ID),
                  self.process, 30)
        except BaseException:
            self.stop()
            raise


class SolanaValidator(Node):
    """solana-test-validator on a claimed port block, with its faucet."""

    def __init__(self, extra_args=()):
        self.ports = PortBlock()
        b = self.ports.base
        ledger = tempfile.mkdtemp(prefix="trestle-ffi-ledger-")
        self._ledger = ledger
        super().__init__(
            [binary("solana-test-validator"), "--ledger", ledger, "--reset", "--quiet",
             "--bind-address", "127.0.0.1", "--rpc-port", str(b), "--faucet-port", str(b + 2),
             "--gossip-port", str(b + 3), "--dynamic-port-range", f"{b + 10}-{b + WIDTH - 1}",
             *extra_args],
            "solana",
        )
        self.url = f"http://127.0.0.1:{b}"
        try:
            _poll("solana-test-validator", lambda: _rpc(self.url, "getHealth", []) == "ok",
                  self.process, 120)
            _poll("solana-test-validator",
                  lambda: _rpc(self.url, "getSlot", [{"commitment": "confirmed"}]) > 0,
                  self.process, 120)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        super().stop()
        shutil.rmtree(self._ledger, ignore_errors=True)
        self.ports.close()


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data):
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text):
    n = 0
    for ch in text:
        n = n * 58 + B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def account_file(directory, address, owner, data, lamports=10_000_000):
    """A `--account ADDRESS FILE` JSON file for solana-test-validator: an account in genesis."""
    import base64

    path = os.path.join(directory, f"{address}.json")
    with open(path, "w") as f:
        json.dump({
            "pubkey": address,
            "account": {
                "lamports": lamports,
                "data": [base64.b64encode(data).decode(), "base64"],
                "owner": owner,
                "executable": False,
                "rentEpoch": 0,
                "space": len(data),
            },
        }, f)
    return path


def spl_mint(supply, decimals):
    """SPL Token mint layout (82 bytes), no mint or freeze authority."""
    return (bytes(4 + 32) + supply.to_bytes(8, "little") + bytes([decimals, 1]) + bytes(4 + 32))


def spl_token_account(mint, owner, amount):
    """SPL Token account layout (165 bytes), initialized, no delegate or close authority."""
    return (b58decode(mint) + b58decode(owner) + amount.to_bytes(8, "little") + bytes(4 + 32)
            + bytes([1]) + bytes(4 + 8) + bytes(8) + bytes(4 + 32))


def run(coro):
    """Runs one coroutine of the async bindings to completion."""
    return asyncio.run(coro)
