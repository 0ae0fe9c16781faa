"""Network calls through the bindings against a local anvil and solana-test-validator."""

import unittest

import json
import shutil
import tempfile
import urllib.request

from nodes import (
    Anvil,
    SolanaValidator,
    account_file,
    b58encode,
    run,
    spl_mint,
    spl_token_account,
)
from support import EVM_ADDRESS_0, EVM_ADDRESS_1, EVM_PATH_0, SOLANA_PATH_0, t, wallet

TEN_THOUSAND_ETH = str(10_000 * 10**18)


class EvmNetworkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Anvil()
        cls.chain = t.EvmChain(Anvil.CHAIN_ID, [cls.node.url])

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def test_balance_fees_and_send(self):
        chain = self.chain
        self.assertEqual(chain.chain_id(), 31337)
        self.assertEqual(run(chain.native_balance(EVM_ADDRESS_1)), TEN_THOUSAND_ETH)
        nonce = run(chain.next_nonce(EVM_ADDRESS_0))
        fees = run(chain.suggest_fees())
        self.assertTrue(fees.is_EIP1559(), fees)
        tx = t.EvmTransaction(
            tx_type=t.EvmTransactionType.EIP1559,
            chain_id=chain.chain_id(),
            nonce=nonce,
            to=EVM_ADDRESS_1,
            value="12345",
            gas_limit=21000,
            gas_price=None,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            data=b"",
            access_list=[],
        )
        signed = wallet().sign_evm_transaction(EVM_PATH_0, tx)
        tx_hash = run(chain.send_raw_transaction(signed.raw))
        self.assertEqual(tx_hash, signed.hash)
        status = run(chain.wait_for_transaction(tx_hash, False, 30_000))
        self.assertFalse(status.is_PENDING())
        self.assertFalse(run(chain.transaction_status(tx_hash)).is_PENDING())
        self.assertEqual(
            run(chain.native_balance(EVM_ADDRESS_1)), str(10_000 * 10**18 + 12345)
        )
        self.assertEqual(run(chain.next_nonce(EVM_ADDRESS_0)), nonce + 1)
        # The same transaction again: the node refuses it (nonce too low / known).
        with self.assertRaises(t.TrestleError) as cm:
            run(chain.send_raw_transaction(signed.raw))
        self.assertTrue(str(cm.exception))

    def test_erc20_balance(self):
        # A contract whose code answers every call with the word 42: enough for balanceOf.
        token = "0x00000000000000000000000000000000000e2c20"
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "anvil_setCode",
                           "params": [token, "0x602a60005260206000f3"]}).encode()
        req = urllib.request.Request(self.node.url, body, {"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=5).read()
        self.assertEqual(run(self.chain.token_balance(token, EVM_ADDRESS_0)), "42")

    def test_token_balance_of_a_non_contract_is_an_error(self):
        with self.assertRaises(t.TrestleError) as cm:
            run(self.chain.token_balance(EVM_ADDRESS_1, EVM_ADDRESS_0))
        self.assertTrue(str(cm.exception))

    def test_input_errors_before_any_request(self):
        with self.assertRaises(t.TrestleError.InvalidAddress):
            run(self.chain.native_balance("0x12"))
        with self.assertRaises(t.TrestleError.InvalidAddress):
            run(self.chain.token_balance("0x12", EVM_ADDRESS_0))
        with self.assertRaises(t.TrestleError.InvalidAddress):
            run(self.chain.next_nonce("nope"))
        with self.assertRaises(t.TrestleError.InvalidArgument):
            run(self.chain.transaction_status("0x1234"))
        with self.assertRaises(t.TrestleError.InvalidArgument):
            run(self.chain.wait_for_transaction("zz", False, 1))
        with self.assertRaises(t.TrestleError.InvalidConfig):
            t.EvmChain(0, [self.node.url])
        with self.assertRaises(t.TrestleError.InvalidConfig):
            t.EvmChain(1, ["ftp://example.invalid"])

    def test_unknown_transaction_is_pending_then_times_out(self):
        unknown = "0x" + "ab" * 32
        self.assertTrue(run(self.chain.transaction_status(unknown)).is_PENDING())
        with self.assertRaises(t.TrestleError.Timeout):
            run(self.chain.wait_for_transaction(unknown, False, 200))

    def test_unreachable_endpoint_is_an_rpc_error(self):
        # A port from our own claimed range that nobody listens on.
        dead = t.EvmChain(31337, ["http://127.0.0.1:9"])
        with self.assertRaises(t.TrestleError.Rpc) as cm:
            run(dead.native_balance(EVM_ADDRESS_0))
        self.assertIn("127.0.0.1:9", str(cm.exception))


# A mint in genesis (6 decimals) and a token account of account 2 holding 500000 of it.
MINT = b58encode(bytes(range(1, 33)))
SPL_OWNER_PATH = t.solana_derivation_path(2, t.SolanaPathStyle.BIP44_CHANGE)


class SolanaNetworkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.accounts_dir = tempfile.mkdtemp(prefix="trestle-ffi-accounts-")
        program = t.spl_token_program_id()
        owner = wallet().solana_account_at(SPL_OWNER_PATH).address
        ata = t.associated_token_address(owner, MINT, program)
        args = []
        for address, data in (
            (MINT, spl_mint(1_000_000, 6)),
            (ata, spl_token_account(MINT, owner, 500_000)),
        ):
            args += ["--account", address, account_file(cls.accounts_dir, address, program, data)]
        try:
            cls.node = SolanaValidator(args)
        finally:
            shutil.rmtree(cls.accounts_dir, ignore_errors=True)
        cls.client = t.SolanaClient(cls.node.url)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def test_spl_transfer_creates_the_recipient_account(self):
        client = self.client
        w = wallet()
        owner = w.solana_account_at(SPL_OWNER_PATH).address
        recipient = w.solana_account(3, t.SolanaPathStyle.BIP44_CHANGE).address
        self.assertEqual(run(client.token_balance(MINT, owner)), 500_000)
        self.assertEqual(run(client.token_balance(MINT, recipient)), 0)  # no account yet
        drop = run(client.request_airdrop(owner, 1_000_000_000))
        run(client.wait_for_transaction(drop, False, 60_000))
        signed = w.sign_spl_transfer(
            SPL_OWNER_PATH, recipient, MINT, 200_000, 6, t.spl_token_program_id(),
            run(client.latest_blockhash()), 0,
        )
        sig = run(client.send_transaction(signed.wire))
        run(client.wait_for_transaction(sig, False, 60_000))
        self.assertEqual(run(client.token_balance(MINT, recipient)), 200_000)
        self.assertEqual(run(client.token_balance(MINT, owner)), 300_000)
        # Again: the recipient's account exists now, and the idempotent create still succeeds.
        again = w.sign_spl_transfer(
            SPL_OWNER_PATH, recipient, MINT, 1, 6, t.spl_token_program_id(),
            run(client.latest_blockhash()), 1,
        )
        run(client.wait_for_transaction(run(client.send_transaction(again.wire)), False, 60_000))
        self.assertEqual(run(client.token_balance(MINT, recipient)), 200_001)

    def test_airdrop_transfer_and_balances(self):
        client = self.client
        w = wallet()
        me = w.solana_account(0, t.SolanaPathStyle.BIP44_CHANGE).address
        other = w.solana_account(1, t.SolanaPathStyle.BIP44_CHANGE).address
        drop = run(client.request_airdrop(me, 2_000_000_000))
        run(client.wait_for_transaction(drop, False, 60_000))
        self.assertEqual(run(client.balance(me)), 2_000_000_000)

        fees = run(client.suggest_fees())
        self.assertTrue(fees.is_SOLANA(), fees)
        self.assertEqual(fees.lamports_per_signature, 5000)
        blockhash = run(client.latest_blockhash())
        signed = w.sign_sol_transfer(
            SOLANA_PATH_0, other, 1_000_000, blockhash, fees.compute_unit_price_micro_lamports
        )
        sig = run(client.send_transaction(signed.wire))
        self.assertEqual(sig, signed.signature)
        status = run(client.wait_for_transaction(sig, False, 60_000))
        self.assertFalse(status.is_PENDING())
        self.assertFalse(run(client.transaction_status(sig)).is_PENDING())
        self.assertEqual(run(client.balance(other)), 1_000_000)

    def test_token_balance_of_a_missing_mint_is_an_error(self):
        w = wallet()
        me = w.solana_account(0, t.SolanaPathStyle.BIP44_CHANGE).address
        with self.assertRaises(t.TrestleError) as cm:
            run(self.client.token_balance(me, me))
        self.assertTrue(str(cm.exception))

    def test_rejected_transaction(self):
        # An unfunded payer: preflight simulation refuses it.
        w = wallet()
        blockhash = run(self.client.latest_blockhash())
        path = t.solana_derivation_path(7, t.SolanaPathStyle.BIP44)
        signed = w.sign_sol_transfer(path, w.solana_account(0, t.SolanaPathStyle.BIP44).address,
                                     1, blockhash, 0)
        with self.assertRaises(t.TrestleError.TransactionRejected) as cm:
            run(self.client.send_transaction(signed.wire))
        self.assertTrue(str(cm.exception))

    def test_input_errors(self):
        with self.assertRaises(t.TrestleError.InvalidAddress):
            run(self.client.balance("nope"))
        with self.assertRaises(t.TrestleError.InvalidAddress):
            run(self.client.token_balance("nope", "nope"))
        with self.assertRaises(t.TrestleError.InvalidAddress):
            run(self.client.request_airdrop("nope", 1))
        with self.assertRaises(t.TrestleError.InvalidArgument):
            run(self.client.transaction_status("abc"))
        with self.assertRaises(t.TrestleError.InvalidArgument):
            run(self.client.wait_for_transaction("abc", True, 1))
        with self.assertRaises(t.TrestleError.InvalidConfig):
            t.SolanaClient("localhost:8899")


if __name__ == "__main__":
    unittest.main()
