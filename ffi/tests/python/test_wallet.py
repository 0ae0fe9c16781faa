"""Wallet: accounts, the host key store, exports, EVM and Solana signing."""

import json
import unittest

from support import (
    BLOCKHASH,
    EVM_ADDRESS_0,
    EVM_ADDRESS_1,
    EVM_KEY_0,
    EVM_PATH_0,
    MAIL_SIGNING_HASH,
    MAIL_TYPED_DATA,
    MNEMONIC,
    SOLANA_PATH_0,
    SOLANA_RECIPIENT,
    USDC_MINT,
    DictKeyStore,
    t,
    wallet,
)

# Signed by ethers v6 (benches/wallet) with EVM_KEY_0 from the same inputs.
ETHERS_EIP1559_RAW = (
    "0x02f8730107843b9aca008506fc23ac008252089470997970c51812dc3a010c7d01b50e0d17dc79c888"
    "0de0b6b3a764000080c001a070aaada7dba559000c4c70abeade52e3ca8a87471090d4ef7b657d88d4a8"
    "132fa00f4966e6e19d12b81be29538aaca12046b957d1d229182e3c0639d2447aee5cf"
)
ETHERS_EIP1559_HASH = "0x9f14869b9d9fe21e379c4f952ca9c13ab72f42317ba5c18f1732c0199045f83a"
ETHERS_LEGACY_RAW = (
    "0xf8698084773594008252089470997970c51812dc3a010c7d01b50e0d17dc79c80584deadbeef82f4f6a0"
    "74489369835dff8c87e751858e5ab19f12d5c9db694d4222fa46cf97b06130f9a03d5f291e3cbaae63ea"
    "f6f14f2ac111b9a45907e77fb45c611dc32eb355826a98"
)
ETHERS_MESSAGE_SIG = (
    "0xe9f8fc4f0a7cf01c1add91368e6b794519a1e84a42abfa018573c282c7e2939379bb603ce97cd97a3117"
    "17e668cd3fe47f4fb1d6aa7a10d81d5b7891a703a1691b"
)

EIP1559_JSON = json.dumps(
    {
        "type": "0x2",
        "chainId": "0x1",
        "nonce": "0x7",
        "maxPriorityFeePerGas": "0x3b9aca00",
        "maxFeePerGas": "0x6fc23ac00",
        "gas": "0x5208",
        "to": EVM_ADDRESS_1,
        "value": "0xde0b6b3a7640000",
    }
)

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(text):
    n = 0
    for ch in text:
        n = n * 58 + B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def eip1559_record(**overrides):
    fields = dict(
        tx_type=t.EvmTransactionType.EIP1559,
        chain_id=1,
        nonce=7,
        to=EVM_ADDRESS_1,
        value="1000000000000000000",
        gas_limit=21000,
        gas_price=None,
        max_fee_per_gas="30000000000",
        max_priority_fee_per_gas="0x3b9aca00",
        data=b"",
        access_list=[],
    )
    fields.update(overrides)
    return t.EvmTransaction(**fields)


class AccountsTest(unittest.TestCase):
    def test_evm_accounts_by_index_and_path(self):
        w = wallet()
        a0 = w.evm_account(0)
        self.assertEqual(a0.address, EVM_ADDRESS_0)
        self.assertEqual(a0.path, EVM_PATH_0)
        self.assertEqual(len(a0.public_key), 65)
        self.assertEqual(w.evm_account(1).address, EVM_ADDRESS_1)
        self.assertEqual(w.evm_account_at("m/44h/60h/0h/0/1"), w.evm_account(1))

    def test_solana_accounts_both_styles(self):
        w = wallet()
        change = w.solana_account(0, t.SolanaPathStyle.BIP44_CHANGE)
        plain = w.solana_account(0, t.SolanaPathStyle.BIP44)
        self.assertEqual(change.path, SOLANA_PATH_0)
        self.assertEqual(plain.path, "m/44'/501'/0'")
        self.assertNotEqual(change.address, plain.address)
        self.assertEqual(w.solana_account_at(SOLANA_PATH_0), change)
        self.assertEqual(b58decode(change.address), change.public_key)
        self.assertTrue(t.parse_solana_address(change.address).on_curve)

    def test_bad_paths(self):
        w = wallet()
        with self.assertRaises(t.TrestleError.InvalidPath):
            w.evm_account(2**31)
        with self.assertRaises(t.TrestleError.InvalidPath):
            w.evm_account_at("m/44'/sixty")
        with self.assertRaises(t.TrestleError.InvalidPath):
            w.solana_account(2**31, t.SolanaPathStyle.BIP44)
        # SLIP-10 ed25519 has no non-hardened derivation.
        with self.assertRaises(t.TrestleError.InvalidPath) as cm:
            w.solana_account_at("m/44'/501'/0'/0")
        self.assertIn("m/44'/501'/0'/0", str(cm.exception))

    def test_bad_mnemonic_and_seed(self):
        with self.assertRaises(t.TrestleError.MnemonicChecksum):
            t.Wallet.from_mnemonic("test " * 12, "", t.Language.ENGLISH)
        with self.assertRaises(t.TrestleError.InvalidKey):
            t.Wallet.from_seed(b"\1" * 32)

    def test_passphrase_changes_accounts(self):
        other = t.Wallet.from_mnemonic(MNEMONIC, "extra words", t.Language.ENGLISH)
        self.assertNotEqual(other.evm_account(0).address, EVM_ADDRESS_0)

    def test_from_seed_matches_from_mnemonic(self):
        seed = t.mnemonic_to_seed(MNEMONIC, "", t.Language.ENGLISH)
        self.assertEqual(t.Wallet.from_seed(seed).evm_account(0).address, EVM_ADDRESS_0)


class KeyStoreTest(unittest.TestCase):
    def setUp(self):
        self.seed = t.mnemonic_to_seed(MNEMONIC, "", t.Language.ENGLISH)

    def test_seed_is_fetched_per_operation(self):
        store = DictKeyStore({"main": self.seed})
        w = t.Wallet(store, "main")
        self.assertEqual(store.requests, [])  # construction asks for nothing
        self.assertEqual(w.evm_account(0).address, EVM_ADDRESS_0)
        w.sign_evm_message(EVM_PATH_0, b"x")
        w.solana_account(0, t.SolanaPathStyle.BIP44_CHANGE)
        self.assertEqual(store.requests, ["main", "main", "main"])

    def test_missing_key(self):
        w = t.Wallet(DictKeyStore({}), "absent")
        with self.assertRaises(t.TrestleError.KeyStore) as cm:
            w.evm_account(0)
        self.assertEqual(
            str(cm.exception), 'secure key store: no seed stored under key id "absent"'
        )

    def test_access_denied_and_unavailable(self):
        store = DictKeyStore(
            {
                "denied": t.KeyStoreError.AccessDenied(reason="user cancelled"),
                "broken": t.KeyStoreError.Unavailable(reason="keychain locked"),
            }
        )
        with self.assertRaises(t.TrestleError.KeyStore) as cm:
            t.Wallet(store, "denied").evm_account(0)
        self.assertIn("access denied: user cancelled", str(cm.exception))
        with self.assertRaises(t.TrestleError.KeyStore) as cm:
            t.Wallet(store, "broken").sign_solana_message(SOLANA_PATH_0, b"m")
        self.assertIn("keychain locked", str(cm.exception))

    def test_host_throwing_something_else_is_an_error_not_a_crash(self):
        store = DictKeyStore({"oops": ValueError("host bug")})
        with self.assertRaises(t.TrestleError.KeyStore) as cm:
            t.Wallet(store, "oops").evm_account(0)
        self.assertIn("unexpected error in the host implementation", str(cm.exception))

    def test_wrong_seed_length_from_store(self):
        w = t.Wallet(DictKeyStore({"short": b"\0" * 16}), "short")
        with self.assertRaises(t.TrestleError.InvalidKey) as cm:
            w.evm_account(0)
        self.assertIn("64 bytes, got 16", str(cm.exception))

    def test_empty_key_id(self):
        with self.assertRaises(t.TrestleError.InvalidArgument):
            t.Wallet(DictKeyStore({}), "")


class ExportTest(unittest.TestCase):
    def test_export_evm_private_key(self):
        self.assertEqual(wallet().export_evm_private_key(EVM_PATH_0), EVM_KEY_0)
        with self.assertRaises(t.TrestleError.InvalidPath):
            wallet().export_evm_private_key("m/bad")

    def test_export_solana_keypair(self):
        w = wallet()
        pair = w.export_solana_keypair(SOLANA_PATH_0)
        self.assertEqual(len(pair), 64)
        self.assertEqual(pair[32:], w.solana_account_at(SOLANA_PATH_0).public_key)
        with self.assertRaises(t.TrestleError.InvalidPath):
            w.export_solana_keypair("m/44'/501'/0")


class EvmSigningTest(unittest.TestCase):
    def test_json_request_matches_ethers(self):
        signed = wallet().sign_evm_transaction_json(EVM_PATH_0, EIP1559_JSON)
        self.assertEqual(signed.raw_hex, ETHERS_EIP1559_RAW)
        self.assertEqual(signed.raw, bytes.fromhex(ETHERS_EIP1559_RAW[2:]))
        self.assertEqual(signed.hash, ETHERS_EIP1559_HASH)
        self.assertEqual(signed.sender, EVM_ADDRESS_0)
        self.assertEqual(signed.tx_type, 2)

    def test_record_matches_json(self):
        signed = wallet().sign_evm_transaction(EVM_PATH_0, eip1559_record())
        self.assertEqual(signed.raw_hex, ETHERS_EIP1559_RAW)

    def test_legacy_record_matches_ethers(self):
        record = eip1559_record(
            tx_type=t.EvmTransactionType.LEGACY,
            chain_id=31337,
            nonce=0,
            value="5",
            gas_price="2000000000",
            max_fee_per_gas=None,
            max_priority_fee_per_gas=None,
            data=bytes.fromhex("deadbeef"),
        )
        signed = wallet().sign_evm_transaction(EVM_PATH_0, record)
        self.assertEqual(signed.raw_hex, ETHERS_LEGACY_RAW)
        self.assertEqual(signed.tx_type, 0)

    def test_eip2930_record_with_access_list(self):
        record = eip1559_record(
            tx_type=t.EvmTransactionType.EIP2930,
            gas_price="1000",
            max_fee_per_gas=None,
            max_priority_fee_per_gas=None,
            access_list=[t.AccessListEntry(address=EVM_ADDRESS_1, storage_keys=["0x" + "00" * 31 + "01"])],
        )
        signed = wallet().sign_evm_transaction(EVM_PATH_0, record)
        self.assertEqual(signed.raw[0], 1)

    def test_bad_json_requests(self):
        w = wallet()
        cases = [
            "not json",
            "[]",
            json.dumps({**json.loads(EIP1559_JSON), "blobVersionedHashes": []}),
            json.dumps({**json.loads(EIP1559_JSON), "nonce": "-1"}),
            json.dumps({**json.loads(EIP1559_JSON), "to": "0x1234"}),
            json.dumps({**json.loads(EIP1559_JSON), "from": EVM_ADDRESS_1}),
        ]
        for case in cases:
            with self.subTest(case=case):
                with self.assertRaises(
                    (t.TrestleError.InvalidTransaction, t.TrestleError.InvalidAddress)
                ) as cm:
                    w.sign_evm_transaction_json(EVM_PATH_0, case)
                self.assertTrue(str(cm.exception))

    def test_bad_records(self):
        w = wallet()
        with self.assertRaises(t.TrestleError.InvalidArgument) as cm:
            w.sign_evm_transaction(EVM_PATH_0, eip1559_record(value="1e18"))
        self.assertIn("value", str(cm.exception))
        with self.assertRaises(t.TrestleError.InvalidArgument):
            w.sign_evm_transaction(EVM_PATH_0, eip1559_record(value="0x" + "f" * 65))
        with self.assertRaises(t.TrestleError.InvalidAddress):
            w.sign_evm_transaction(EVM_PATH_0, eip1559_record(to="0xnope"))
        with self.assertRaises(t.TrestleError.InvalidTransaction):
            w.sign_evm_transaction(EVM_PATH_0, eip1559_record(max_fee_per_gas=None))
        with self.assertRaises(t.TrestleError.InvalidArgument):
            w.sign_evm_transaction(
                EVM_PATH_0,
                eip1559_record(access_list=[t.AccessListEntry(address=EVM_ADDRESS_1, storage_keys=["0x01"])]),
            )
        with self.assertRaises(t.TrestleError.InvalidPath):
            w.sign_evm_transaction("m/x", eip1559_record())

    def test_eip191_matches_ethers_and_recovers(self):
        sig = wallet().sign_evm_message(EVM_PATH_0, b"hello trestle")
        self.assertEqual(sig, ETHERS_MESSAGE_SIG)
        self.assertEqual(t.recover_message_signer(b"hello trestle", sig), EVM_ADDRESS_0)
        self.assertNotEqual(t.recover_message_signer(b"other", sig), EVM_ADDRESS_0)
        with self.assertRaises(t.TrestleError.InvalidSignature):
            t.recover_message_signer(b"x", "0x1234")

    def test_eip712(self):
        self.assertEqual(t.typed_data_hash(MAIL_TYPED_DATA), MAIL_SIGNING_HASH)
        sig = wallet().sign_typed_data(EVM_PATH_0, MAIL_TYPED_DATA)
        self.assertEqual(len(bytes.fromhex(sig[2:])), 65)
        self.assertEqual(t.recover_typed_data_signer(MAIL_TYPED_DATA, sig), EVM_ADDRESS_0)

    def test_malformed_typed_data(self):
        mail = json.loads(MAIL_TYPED_DATA)
        missing_type = dict(mail, primaryType="Letter")
        bad_value = json.loads(MAIL_TYPED_DATA)
        bad_value["message"]["from"]["wallet"] = "0x1234"
        for case in ("{", "[]", json.dumps(missing_type), json.dumps(bad_value)):
            with self.subTest(case=case[:40]):
                with self.assertRaises(t.TrestleError.InvalidTypedData) as cm:
                    wallet().sign_typed_data(EVM_PATH_0, case)
                self.assertIn("invalid typed data", str(cm.exception))
                with self.assertRaises(t.TrestleError.InvalidTypedData):
                    t.typed_data_hash(case)
                with self.assertRaises(t.TrestleError.InvalidTypedData):
                    t.recover_typed_data_signer(case, ETHERS_MESSAGE_SIG)


class SolanaSigningTest(unittest.TestCase):
    def check_signed(self, signed, signer):
        wire = signed.wire
        self.assertEqual(wire[0], 1)  # one signature
        self.assertEqual(b58decode(signed.signature), wire[1:65])
        t.verify_solana_signature(signer, wire[65:], signed.signature)
        import base64

        self.assertEqual(base64.b64decode(signed.base64), wire)

    def test_sol_transfer(self):
        w = wallet()
        me = w.solana_account(0, t.SolanaPathStyle.BIP44_CHANGE).address
        signed = w.sign_sol_transfer(SOLANA_PATH_0, SOLANA_RECIPIENT, 1_000_000, BLOCKHASH, 0)
        self.check_signed(signed, me)
        self.assertIn(b58decode(SOLANA_RECIPIENT), signed.wire)
        self.assertIn(b58decode(BLOCKHASH), signed.wire)

    def test_sol_transfer_with_priority_fee_is_longer(self):
        w = wallet()
        plain = w.sign_sol_transfer(SOLANA_PATH_0, SOLANA_RECIPIENT, 1, BLOCKHASH, 0)
        fee = w.sign_sol_transfer(SOLANA_PATH_0, SOLANA_RECIPIENT, 1, BLOCKHASH, 5000)
        self.assertGreater(len(fee.wire), len(plain.wire))

    def test_sol_transfer_errors(self):
        w = wallet()
        with self.assertRaises(t.TrestleError.InvalidAddress):
            w.sign_sol_transfer(SOLANA_PATH_0, "not-an-address", 1, BLOCKHASH, 0)
        with self.assertRaises(t.TrestleError.InvalidSolanaMessage):
            w.sign_sol_transfer(SOLANA_PATH_0, SOLANA_RECIPIENT, 1, "xyz", 0)
        with self.assertRaises(t.TrestleError.InvalidPath):
            w.sign_sol_transfer("m/44'/501'/0", SOLANA_RECIPIENT, 1, BLOCKHASH, 0)

    def test_spl_transfer_creates_recipient_account(self):
        w = wallet()
        me = w.solana_account(0, t.SolanaPathStyle.BIP44_CHANGE).address
        program = t.spl_token_program_id()
        signed = w.sign_spl_transfer(
            SOLANA_PATH_0, SOLANA_RECIPIENT, USDC_MINT, 2_500_000, 6, program, BLOCKHASH, 0
        )
        self.check_signed(signed, me)
        wire = signed.wire
        # The Associated Token Account program id.
        ata_program = bytes.fromhex(
            "8c97258f4e2489f1bb3d1029148e0d830b5a1399daff1084048e7bd8dbe9f859"
        )
        self.assertIn(ata_program, wire)
        for account in (
            t.associated_token_address(me, USDC_MINT, program),
            t.associated_token_address(SOLANA_RECIPIENT, USDC_MINT, program),
        ):
            self.assertIn(b58decode(account), wire)
        # TransferChecked: tag 12, amount (u64 LE), decimals.
        self.assertIn(bytes([12]) + (2_500_000).to_bytes(8, "little") + bytes([6]), wire)

    def test_spl_transfer_token_2022(self):
        signed = wallet().sign_spl_transfer(
            SOLANA_PATH_0, SOLANA_RECIPIENT, USDC_MINT, 1, 0, t.token_2022_program_id(), BLOCKHASH, 7
        )
        self.assertIn(b58decode(t.token_2022_program_id()), signed.wire)

    def test_spl_transfer_errors(self):
        w = wallet()
        with self.assertRaises(t.TrestleError.InvalidSolanaMessage) as cm:
            w.sign_spl_transfer(
                SOLANA_PATH_0, SOLANA_RECIPIENT, USDC_MINT, 1, 6, SOLANA_RECIPIENT, BLOCKHASH, 0
            )
        self.assertIn("neither SPL Token", str(cm.exception))
        with self.assertRaises(t.TrestleError.InvalidAddress):
            w.sign_spl_transfer(
                SOLANA_PATH_0, SOLANA_RECIPIENT, "mint?", 1, 6, t.spl_token_program_id(), BLOCKHASH, 0
            )

    def test_raw_message(self):
        w = wallet()
        me = w.solana_account(0, t.SolanaPathStyle.BIP44_CHANGE).address
        sig = w.sign_solana_message(SOLANA_PATH_0, b"\x00\xffbytes")
        self.assertEqual(len(b58decode(sig)), 64)
        t.verify_solana_signature(me, b"\x00\xffbytes", sig)
        with self.assertRaises(t.TrestleError.InvalidSignature):
            t.verify_solana_signature(me, b"other", sig)
        with self.assertRaises(t.TrestleError.InvalidArgument):
            t.verify_solana_signature(me, b"x", "abc")
        with self.assertRaises(t.TrestleError.InvalidAddress):
            t.verify_solana_signature("bad", b"x", sig)

    def test_offchain_message(self):
        w = wallet()
        me = w.solana_account(0, t.SolanaPathStyle.BIP44_CHANGE).address
        sig = w.sign_solana_offchain_message(SOLANA_PATH_0, "Sign in to Trestle")
        t.verify_solana_offchain_message(me, "Sign in to Trestle", sig)
        # Off-chain format is domain-separated: not a raw signature over the text.
        with self.assertRaises(t.TrestleError.InvalidSignature):
            t.verify_solana_signature(me, b"Sign in to Trestle", sig)
        with self.assertRaises(t.TrestleError.InvalidSignature):
            t.verify_solana_offchain_message(me, "Sign in to Trestl3", sig)
        with self.assertRaises(t.TrestleError.InvalidSolanaMessage):
            w.sign_solana_offchain_message(SOLANA_PATH_0, "")
        with self.assertRaises(t.TrestleError.InvalidSolanaMessage):
            t.verify_solana_offchain_message(me, "", sig)


class KeystoreFileTest(unittest.TestCase):
    def test_round_trip_each_kdf(self):
        for kdf in (
            t.KeystoreKdf.SCRYPT_LIGHT(),
            t.KeystoreKdf.SCRYPT(n=1024, r=8, p=1),
            t.KeystoreKdf.PBKDF2(iterations=1000),
        ):
            with self.subTest(kdf=kdf):
                text = t.keystore_encrypt(EVM_KEY_0, "correct horse", kdf)
                self.assertEqual(t.keystore_address(text), EVM_ADDRESS_0)
                self.assertEqual(t.keystore_decrypt(text, "correct horse"), EVM_KEY_0)
                self.assertNotIn("correct horse", text)

    def test_standard_scrypt(self):
        text = t.keystore_encrypt(EVM_KEY_0, "pw", t.KeystoreKdf.SCRYPT_STANDARD())
        self.assertEqual(json.loads(text)["crypto"]["kdfparams"]["n"], 262144)

    def test_wrong_password(self):
        text = t.keystore_encrypt(EVM_KEY_0, "right", t.KeystoreKdf.PBKDF2(iterations=1000))
        with self.assertRaises(t.TrestleError.KeystoreWrongPassword) as cm:
            t.keystore_decrypt(text, "wrong")
        self.assertEqual(str(cm.exception), "wrong keystore password (MAC mismatch)")

    def test_bad_files_and_params(self):
        with self.assertRaises(t.TrestleError.InvalidKeystore):
            t.keystore_decrypt("{}", "pw")
        with self.assertRaises(t.TrestleError.InvalidKeystore):
            t.keystore_address("not json")
        no_address = json.loads(
            t.keystore_encrypt(EVM_KEY_0, "pw", t.KeystoreKdf.PBKDF2(iterations=1))
        )
        del no_address["address"]
        self.assertIsNone(t.keystore_address(json.dumps(no_address)))
        with self.assertRaises(t.TrestleError.InvalidKeystore):
            t.keystore_encrypt(EVM_KEY_0, "pw", t.KeystoreKdf.SCRYPT(n=1000, r=8, p=1))
        with self.assertRaises(t.TrestleError.InvalidKeystore):
            t.keystore_encrypt(EVM_KEY_0, "pw", t.KeystoreKdf.PBKDF2(iterations=0))
        with self.assertRaises(t.TrestleError.InvalidKey):
            t.keystore_encrypt(b"\1" * 31, "pw", t.KeystoreKdf.SCRYPT_LIGHT())
        with self.assertRaises(t.TrestleError.InvalidKey):
            t.keystore_encrypt(b"\0" * 32, "pw", t.KeystoreKdf.SCRYPT_LIGHT())


if __name__ == "__main__":
    unittest.main()
