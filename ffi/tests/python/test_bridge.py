"""The bridge through the bindings: two anvil chains with the Solidity bridge deployed (by
`cast`, from the committed artifacts), a send of ether and of a message from A, the message
read back from the receipt, its delivery on B with validator signatures made by the same
bindings, the transfer status from the destination chain and from a running relayer's status
API (`trestle relayer run`, with and without validators: a transfer the guardian cancels);
error paths."""

import json
import os
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from nodes import Anvil, binary, run
from support import MNEMONIC, t, wallet

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..", "..")
ABI = os.path.join(HERE, "..", "..", "..", "contracts", "evm", "abi")
DOMAIN_A, DOMAIN_B = 1, 2
ADMIN_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
GUARDIAN = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
GUARDIAN_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
USER_PATH = "m/44'/60'/0'/0/3"
USER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
VALIDATOR_PATHS = [f"m/44'/60'/0'/0/{i}" for i in (5, 6, 7)]
BENEFICIARY = "0x4242424242424242424242424242424242424242"
E18 = 10**18
BIG = 1_000_000 * E18
TIMEOUT_MS = 60_000


def cast(*args):
    out = subprocess.run([binary("cast"), *map(str, args)], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"cast {args[0]}: {out.stderr.strip()}")
    return out.stdout.strip()


def bytecode(name):
    with open(os.path.join(ABI, f"{name}.json")) as f:
        return json.load(f)["bytecode"]


def pad(address):
    return "0x" + "00" * 12 + address[2:].lower()


class Chain:
    """An anvil with a bridge of `domain` deployed behind its ERC-1967 proxy (initialized in
    the proxy's constructor) and administered by dev account 0."""

    def __init__(self, domain):
        self.node = Anvil()
        self.url = self.node.url
        self.salt = 0
        implementation = self.deploy(bytecode("Bridge"))
        init = calldata("initialize(uint32,address,address,uint64)", domain,
                        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", GUARDIAN, 1)
        args = cast("abi-encode", "f(address,bytes)", implementation, init)
        self.bridge = self.deploy(bytecode("ERC1967Proxy") + args[2:])

    def send(self, *args):
        return self.send_as(ADMIN_KEY, *args)

    def send_as(self, key, *args):
        return json.loads(cast("send", "--json", "--rpc-url", self.url, "--private-key", key,
                               *args))

    def deploy(self, code):
        receipt = self.send("--create", code)
        return cast("to-check-sum-address", receipt["contractAddress"])

    def rpc(self, method, *params):
        return cast("rpc", "--rpc-url", self.url, method, *params)

    def configure(self, calls):
        """Proposes each admin call, lets the one-second delay pass, executes them."""
        salts = []
        for call in calls:
            self.salt += 1
            salt = "0x" + f"{self.salt:064x}"
            salts.append(salt)
            self.send(self.bridge, "propose(bytes,bytes32)", call, salt)
        self.rpc("evm_increaseTime", "5")
        self.rpc("evm_mine")
        for call, salt in zip(calls, salts):
            self.send(self.bridge, "execute(bytes,bytes32)", call, salt)


def trestle_binary():
    """The `trestle` command line (package trestle-cli; it runs the relayer daemon): $TRESTLE_BIN,
    else built (a no-op when up to date, so a binary older than the sources is never run)."""
    if os.environ.get("TRESTLE_BIN"):
        return os.environ["TRESTLE_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    subprocess.run(["cargo", "build", "--locked", "--quiet", "-p", "trestle-cli", "--bin",
                    "trestle"], cwd=REPO, check=True)
    return os.path.join(target, "debug", "trestle")


class Daemon:
    """`trestle relayer run` in one role, `relayer` (dev account 2) or `validator` (account
    `index`), for the route a -> b whose validators are `members` (address, API URL); its
    SQLite store and API on a free loopback port."""

    def __init__(self, a, b, members, role="relayer", index=2, token=None):
        self.dir = tempfile.mkdtemp(prefix=f"trestle-ffi-{role}-")
        binary = trestle_binary()
        env = dict(os.environ, TRESTLE_MNEMONIC=MNEMONIC,
                   TRESTLE_KEYSTORE_PASSWORD="daemon password",
                   TRESTLE_DAEMON_PASSWORD="daemon password")
        token_env = ""
        if token is not None:
            env["TRESTLE_FFI_TEST_API_TOKEN"] = token
            token_env = 'token_env = "TRESTLE_FFI_TEST_API_TOKEN"\n'
        keystore = os.path.join(self.dir, f"{role}.json")
        subprocess.run([binary, "wallet", "export-keystore", "--out", keystore, "--kdf",
                        "scrypt-light", "--index", str(index)], env=env, check=True,
                       capture_output=True)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        validators = ", ".join(f'{{ address = "{v}", url = "{url}" }}' for v, url in members)
        chains = "".join(
            f"""
[[chains]]
name = "{name}"
domain = {domain}
chain_id = {Anvil.CHAIN_ID}
rpc_urls = ["{chain.url}"]
bridge = "{chain.bridge}"
preset = "anvil"
poll_interval_ms = 100
""" for name, domain, chain in (("a", DOMAIN_A, a), ("b", DOMAIN_B, b)))
        poll = "poll_interval_ms = 100\n" if role == "relayer" else ""
        config = os.path.join(self.dir, f"{role}.toml")
        with open(config, "w") as f:
            f.write(f"""
[store]
url = "sqlite://{self.dir}/store.db"

[api]
listen = "127.0.0.1:{port}"
{token_env}{chains}
[[routes]]
from = "a"
to = "b"
epoch = 1
threshold = 2
validators = [{validators}]

[{role}]
keystore = "{keystore}"
password_env = "TRESTLE_DAEMON_PASSWORD"
{poll}""")
        self.log = open(os.path.join(self.dir, f"{role}.log"), "w+")
        self.process = subprocess.Popen([binary, "relayer", "run", "--config", config], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None or time.time() > deadline:
                self.log.seek(0)
                log = self.log.read()
                self.stop()
                raise RuntimeError(f"the {role} did not become ready: {log[-2000:]}")
            time.sleep(0.2)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def calldata(signature, *args):
    return cast("calldata", signature, *args)


class EvmBridgeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = Chain(DOMAIN_A)
        cls.b = Chain(DOMAIN_B)
        a, b = cls.a, cls.b
        cls.ether = t.token_id(DOMAIN_A, "native")
        wrapped_args = cast("abi-encode", "f(address,string,string,uint8)", b.bridge,
                            "Wrapped Ether", "WETH", 18)
        cls.wrapped = b.deploy(bytecode("BridgedToken") + wrapped_args[2:])
        native = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"
        a.configure([
            calldata("setRemote(uint32,bytes32,uint8)", DOMAIN_B, pad(b.bridge), 0),
            calldata("setToken(uint32,bytes32,address,uint8,uint128,uint64)", DOMAIN_A,
                     pad(native), native, 0, BIG, 3600),
            calldata("setRoute(bytes32,uint32,uint8,uint128)", cls.ether, DOMAIN_B, 0,
                     2**128 - 1),
            calldata("setLimits(bytes32,uint32,uint128,uint128,uint128,uint128)", cls.ether,
                     DOMAIN_B, BIG, BIG, BIG, BIG),
        ])
        cls.validators = sorted(
            (wallet().evm_account_at(p).address, p) for p in VALIDATOR_PATHS
        )
        members = "[" + ",".join(v for v, _ in cls.validators) + "]"
        b.configure([
            calldata("setRemote(uint32,bytes32,uint8)", DOMAIN_A, pad(a.bridge), 0),
            calldata("setValidatorSet(uint32,uint64,address[],uint8)", DOMAIN_A, 1, members, 2),
            # Transfers of 3 ether or more wait an hour on B.
            calldata("setToken(uint32,bytes32,address,uint8,uint128,uint64)", DOMAIN_A,
                     pad(native), cls.wrapped, 0, 3 * E18, 3600),
            calldata("setRoute(bytes32,uint32,uint8,uint128)", cls.ether, DOMAIN_A, 0,
                     2**128 - 1),
            calldata("setLimits(bytes32,uint32,uint128,uint128,uint128,uint128)", cls.ether,
                     DOMAIN_A, BIG, BIG, BIG, BIG),
        ])
        cls.chain_a = t.EvmChain(Anvil.CHAIN_ID, [a.url])
        cls.chain_b = t.EvmChain(Anvil.CHAIN_ID, [b.url])
        cls.bridge_a = t.EvmBridge(cls.chain_a, a.bridge)
        cls.bridge_b = t.EvmBridge(cls.chain_b, b.bridge)

    @classmethod
    def tearDownClass(cls):
        cls.a.node.stop()
        cls.b.node.stop()

    def deliver(self, sent):
        """Delivers `sent` on B with the signatures of the first two validators (ascending),
        each made by `Wallet.sign_evm_message` over the attestation's inner hash (protocol v2:
        it names the origin and the destination, domain and bridge)."""
        preimage = (b"TRESTLE" + bytes([2]) + DOMAIN_A.to_bytes(4, "big")
                    + bytes.fromhex(pad(self.a.bridge)[2:]) + DOMAIN_B.to_bytes(4, "big")
                    + bytes.fromhex(pad(self.b.bridge)[2:]) + (1).to_bytes(8, "big")
                    + bytes.fromhex(sent.id[2:]))
        inner = bytes.fromhex(cast("keccak", "0x" + preimage.hex())[2:])
        w = wallet()
        signatures = "0x" + "".join(
            w.sign_evm_message(path, inner)[2:] for _, path in self.validators[:2]
        )
        self.b.send(self.b.bridge, "deliver(bytes,bytes)", "0x" + sent.message.hex(),
                    signatures)

    def test_quotes_are_zero_until_a_fee_is_set_then_follow_it(self):
        # B -> A only: the other tests send A -> B, where nothing is charged.
        self.assertEqual(run(self.bridge_b.quote_transfer(DOMAIN_A)), "0")
        self.b.configure([
            calldata("setFeeConfig(uint32,uint128,uint128,uint128,uint64,uint64,uint64,uint32)",
                     DOMAIN_A, 2 * E18, E18, 0, 65_000, 21_000, 110_000, 16),
        ])
        gwei2 = 2 * 10**9
        self.assertEqual(run(self.bridge_b.quote_transfer(DOMAIN_A)),
                         str((65_000 + 21_000 + 110_000 + 97 * 16) * gwei2))
        self.assertEqual(run(self.bridge_b.quote_message(DOMAIN_A, 200_000, 100)),
                         str((65_000 + 21_000 + 200_000 + (9 + 100) * 16) * gwei2))

    def test_send_ether_then_status_on_the_destination(self):
        before = int(run(self.chain_a.native_balance(self.a.bridge)))
        amount = 15 * E18 // 10
        sent = run(self.bridge_a.send_token(wallet(), USER_PATH, DOMAIN_B, self.ether,
                                            str(amount), BENEFICIARY, TIMEOUT_MS))
        self.assertEqual((sent.origin, sent.destination), (DOMAIN_A, DOMAIN_B))
        self.assertEqual(sent.sender, pad(USER))
        self.assertEqual(sent.recipient, pad(self.b.bridge))
        self.assertEqual(len(sent.message), 81 + 97)
        self.assertEqual(int(run(self.chain_a.native_balance(self.a.bridge))), before + amount)
        # The id is the keccak256 of the message, as the chain logged it.
        self.assertEqual(cast("keccak", "0x" + sent.message.hex()), sent.id)
        again = run(self.bridge_a.sent_in(sent.origin_tx, sent.origin_height))
        self.assertEqual(again, sent)

        # Not delivered yet: the destination knows nothing of it.
        status = run(self.bridge_b.delivery(sent.id, DOMAIN_A, sent.nonce, 0))
        self.assertEqual(status.stage, t.TransferStage.UNKNOWN())
        self.assertEqual(status.source, "destination")
        self.deliver(sent)
        for origin, nonce in ((DOMAIN_A, sent.nonce), (None, None)):
            status = run(self.bridge_b.delivery(sent.id, origin, nonce, 0))
            self.assertEqual(status.stage, t.TransferStage.DELIVERED(), (origin, nonce))
            self.assertEqual(status.description, "delivered")
        self.assertEqual(int(run(self.chain_b.token_balance(self.wrapped, BENEFICIARY)))
                         >= amount, True)

    def test_a_large_transfer_is_queued_with_its_release_time(self):
        sent = run(self.bridge_a.send_token(wallet(), USER_PATH, DOMAIN_B, self.ether,
                                            str(5 * E18), BENEFICIARY, TIMEOUT_MS))
        self.deliver(sent)
        status = run(self.bridge_b.delivery(sent.id, None, None, 0))
        self.assertTrue(status.stage.is_QUEUED(), status)
        now = int(json.loads(self.b.rpc("eth_getBlockByNumber", "latest", "false"))["timestamp"],
                  16)
        self.assertTrue(now + 3500 <= status.stage.release_at <= now + 3700, status)
        self.assertIn("queued until", status.description)

    def test_status_from_a_running_relayer(self):
        # No validator answers.
        relayer = Daemon(self.a, self.b, [(v, "http://127.0.0.1:1") for v, _ in self.validators])
        try:
            api = t.RelayerApi(relayer.url)
            with self.assertRaises(t.TrestleError.NotFound) as cm:
                run(api.status("0x" + "ab" * 32))
            self.assertIn("does not know message 0x" + "ab" * 32, str(cm.exception))
            sent = run(self.bridge_a.send_token(wallet(), USER_PATH, DOMAIN_B, self.ether,
                                                "1000", BENEFICIARY, TIMEOUT_MS))
            deadline = time.time() + 30
            while True:
                try:
                    status = run(api.status(sent.id))
                    break
                except t.TrestleError.NotFound:
                    self.assertLess(time.time(), deadline, "the relayer never indexed it")
                    time.sleep(0.2)
            # Indexed; no validator answers, so it waits for attestations.
            self.assertTrue(status.stage.is_ATTESTING(), status)
            self.assertEqual(status.source, "relayer")
            self.assertEqual((status.origin, status.destination, status.nonce),
                             (DOMAIN_A, DOMAIN_B, sent.nonce))
            self.assertEqual(status.id, sent.id)
        finally:
            relayer.stop()

    def test_status_from_a_relayer_that_asks_for_its_token(self):
        """A relayer whose operator API has a token (`api.token_env`): `RelayerApi(url)` is
        refused (401), `RelayerApi.with_token(url, token)` is served, a wrong token is refused,
        and the token never shows in an error."""
        token = "operator-token-for-the-ffi-test"
        relayer = Daemon(self.a, self.b, [(v, "http://127.0.0.1:1") for v, _ in self.validators],
                         token=token)
        try:
            unknown = "0x" + "cd" * 32
            with self.assertRaises(t.TrestleError.Rpc) as cm:
                run(t.RelayerApi(relayer.url).status(unknown))
            self.assertIn("401", str(cm.exception))
            with self.assertRaises(t.TrestleError.Rpc) as cm:
                run(t.RelayerApi.with_token(relayer.url, "not-the-operator-token").status(unknown))
            self.assertIn("401", str(cm.exception))
            self.assertNotIn("not-the-operator-token", str(cm.exception))
            with self.assertRaises(t.TrestleError.NotFound) as cm:
                run(t.RelayerApi.with_token(relayer.url, token).status(unknown))
            self.assertNotIn(token, str(cm.exception))
            for bad in ("", "line\nbreak"):
                with self.assertRaises(t.TrestleError.InvalidArgument):
                    t.RelayerApi.with_token(relayer.url, bad)
        finally:
            relayer.stop()

    def test_a_cancelled_transfer_through_a_running_relayer(self):
        """Two validators and a relayer deliver a transfer over B's timelock threshold; B
        queues it and its guardian cancels it. The relayer's status API says `cancelled` and
        `RelayerApi.status` gives CANCELLED (regression: it refused the state)."""
        placeholders = [(v, "http://127.0.0.1:1") for v, _ in self.validators]
        daemons = []
        try:
            for _, path in self.validators[:2]:
                index = int(path.rsplit("/", 1)[1])
                daemons.append(Daemon(self.a, self.b, placeholders, "validator", index))
            members = [(v, d.url) for (v, _), d in zip(self.validators, daemons)]
            members += placeholders[2:]
            relayer = Daemon(self.a, self.b, members)
            daemons.append(relayer)
            api = t.RelayerApi(relayer.url)
            sent = run(self.bridge_a.send_token(wallet(), USER_PATH, DOMAIN_B, self.ether,
                                                str(4 * E18), BENEFICIARY, TIMEOUT_MS))

            def wait_for(stage, what):
                deadline = time.time() + 60
                while True:
                    try:
                        status = run(api.status(sent.id))
                        if stage(status.stage):
                            return status
                    except t.TrestleError.NotFound:
                        status = None
                    self.assertLess(time.time(), deadline, f"never {what}: {status}")
                    time.sleep(0.2)

            wait_for(lambda s: s.is_QUEUED(), "queued")
            self.b.send_as(GUARDIAN_KEY, self.b.bridge, "cancelQueued(bytes32)", sent.id)
            status = wait_for(lambda s: s == t.TransferStage.CANCELLED(), "cancelled")
            self.assertEqual(status.source, "relayer")
            self.assertEqual(status.description, "cancelled by the guardian")
        finally:
            for daemon in daemons:
                daemon.stop()

    def test_send_message(self):
        sent = run(self.bridge_a.send_message(wallet(), USER_PATH, DOMAIN_B, self.b.bridge,
                                              150_000, b"hello", TIMEOUT_MS))
        # The body: the kind byte, the recipient's gas limit (8 bytes), the payload.
        self.assertEqual(sent.message[81:], b"\x00" + (150_000).to_bytes(8, "big") + b"hello")
        self.assertEqual(sent.recipient, pad(self.b.bridge))
        with self.assertRaises(t.TrestleError.InvalidArgument) as cm:
            run(self.bridge_a.send_message(wallet(), USER_PATH, DOMAIN_B, self.b.bridge, 0,
                                           b"hello", TIMEOUT_MS))
        self.assertIn("gas limit", str(cm.exception))

    def test_refusals_name_the_problem(self):
        w = wallet()
        send = lambda **kw: run(self.bridge_a.send_token(
            w, kw.get("path", USER_PATH), kw.get("dest", DOMAIN_B), kw.get("token", self.ether),
            kw.get("amount", "1000"), kw.get("to", BENEFICIARY), TIMEOUT_MS))
        with self.assertRaises(t.TrestleError.UnknownToken) as cm:
            send(token="0x" + "77" * 32)
        self.assertIn("is not registered on the bridge", str(cm.exception))
        with self.assertRaises(t.TrestleError.InvalidArgument) as cm:
            send(amount="0")
        self.assertIn("must not be zero", str(cm.exception))
        with self.assertRaises(t.TrestleError.InvalidArgument) as cm:
            send(amount="1.5")
        self.assertIn("not an integer of base units", str(cm.exception))
        with self.assertRaises(t.TrestleError.InvalidArgument) as cm:
            send(amount=str(10**23))
        self.assertIn("is more than the balance", str(cm.exception))
        with self.assertRaises(t.TrestleError.InvalidArgument) as cm:
            send(dest=9)
        self.assertIn("knows no remote domain 9", str(cm.exception))
        # B is an EVM chain: a beneficiary that is not a 20-byte address (here a Solana key)
        # can never be paid there.
        with self.assertRaises(t.TrestleError.InvalidArgument) as cm:
            send(to="EPjFWJd5AufqzSSFLxvWwvzPbBDJZHmcCgVmHKfwxzL4")
        self.assertIn("20-byte address", str(cm.exception))
        with self.assertRaises(t.TrestleError.InvalidAddress):
            send(to="0x1234")
        with self.assertRaises(t.TrestleError.InvalidArgument):
            send(token="0x12")
        with self.assertRaises(t.TrestleError.InvalidPath):
            send(path="m/oops")
        with self.assertRaises(t.TrestleError.InvalidArgument) as cm:
            run(self.bridge_b.delivery("0x1234", None, None, 0))
        self.assertIn("2 bytes, expected 32", str(cm.exception))
        with self.assertRaises(t.TrestleError.InvalidAddress):
            t.EvmBridge(self.chain_a, "0x12")
        with self.assertRaises(t.TrestleError.InvalidAddress):
            t.token_id(1, "not an address")
        # A bridge address with no contract behind it.
        nobody = t.EvmBridge(self.chain_a, BENEFICIARY)
        with self.assertRaises(t.TrestleError.MalformedResponse) as cm:
            send_nobody = nobody.send_token(w, USER_PATH, DOMAIN_B, self.ether, "1",
                                            BENEFICIARY, TIMEOUT_MS)
            run(send_nobody)
        self.assertIn(f"{BENEFICIARY} a Trestle bridge?", str(cm.exception))


class TokenIdTest(unittest.TestCase):
    def test_token_ids(self):
        # keccak256(uint32 1 || the native sentinel left-padded), as the Rust tests compute it.
        native = t.token_id(1, "native")
        self.assertEqual(
            native,
            cast("keccak", "0x00000001" + "00" * 12 + "ee" * 20),
        )
        erc20 = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
        self.assertEqual(t.token_id(7, erc20),
                         cast("keccak", "0x00000007" + pad(erc20)[2:]))
        mint = "EPjFWJd5AufqzSSFLxvWwvzPbBDJZHmcCgVmHKfwxzL4"
        self.assertEqual(len(t.token_id(3, mint)), 66)
        self.assertNotEqual(t.token_id(3, mint), t.token_id(4, mint))


class RelayerApiTest(unittest.TestCase):
    def test_input_and_network_errors(self):
        with self.assertRaises(t.TrestleError.InvalidArgument):
            t.RelayerApi("127.0.0.1:9090")
        api = t.RelayerApi("http://127.0.0.1:1")
        with self.assertRaises(t.TrestleError.InvalidArgument):
            run(api.status("0x12"))
        with self.assertRaises(t.TrestleError.Rpc) as cm:
            run(api.status("0x" + "ab" * 32))
        self.assertIn("cannot reach the relayer at http://127.0.0.1:1", str(cm.exception))


class SolanaBridgeTest(unittest.TestCase):
    def test_input_errors_before_any_request(self):
        client = t.SolanaClient("http://127.0.0.1:1")
        with self.assertRaises(t.TrestleError.InvalidAddress):
            t.SolanaBridge(client, "not base58!")
        bridge = t.SolanaBridge(client, "TRESTLEbridge111111111111111111111111111111")
        with self.assertRaises(t.TrestleError.InvalidArgument):
            run(bridge.send_token(wallet(), "m/44'/501'/0'/0'", DOMAIN_A, "0x12", 1,
                                  BENEFICIARY))
        with self.assertRaises(t.TrestleError.InvalidAddress):
            run(bridge.send_token(wallet(), "m/44'/501'/0'/0'", DOMAIN_A, "0x" + "11" * 32, 1,
                                  "0x12"))
        with self.assertRaises(t.TrestleError.InvalidArgument):
            run(bridge.delivery("zz", DOMAIN_A, 0))
        # The cluster is unreachable: an RPC error, after the inputs were accepted.
        with self.assertRaises(t.TrestleError.Rpc):
            run(bridge.delivery("0x" + "ab" * 32, DOMAIN_A, 0))


if __name__ == "__main__":
    unittest.main()
