"""Addresses and derivation paths through the Python bindings."""

import unittest

from support import EVM_ADDRESS_0, SOLANA_RECIPIENT, USDC_MINT, t, wallet


class EvmAddressTest(unittest.TestCase):
    def test_normalises_to_eip55(self):
        self.assertEqual(t.parse_evm_address(EVM_ADDRESS_0.lower()), EVM_ADDRESS_0)
        self.assertEqual(t.parse_evm_address(EVM_ADDRESS_0), EVM_ADDRESS_0)
        self.assertTrue(t.is_valid_evm_address(EVM_ADDRESS_0.lower()))

    def test_refuses_bad_addresses(self):
        bad_checksum = EVM_ADDRESS_0.replace("f39Fd6", "F39fd6")
        for bad in ("", "0x1234", bad_checksum, "0x" + "g" * 40, EVM_ADDRESS_0 + "00"):
            with self.subTest(bad=bad):
                self.assertFalse(t.is_valid_evm_address(bad))
                with self.assertRaises(t.TrestleError.InvalidAddress) as cm:
                    t.parse_evm_address(bad)
                self.assertIn("invalid EVM address", str(cm.exception))


class SolanaAddressTest(unittest.TestCase):
    def test_wallet_address_is_on_curve(self):
        mine = wallet().solana_account(0, t.SolanaPathStyle.BIP44_CHANGE).address
        info = t.parse_solana_address(mine)
        self.assertEqual((info.address, info.on_curve), (mine, True))
        self.assertTrue(t.is_valid_solana_address(mine))

    def test_arbitrary_bytes_can_be_off_curve(self):
        # A valid address (32 bytes of base58) that no ed25519 key has.
        info = t.parse_solana_address(SOLANA_RECIPIENT)
        self.assertEqual((info.address, info.on_curve), (SOLANA_RECIPIENT, False))

    def test_token_account_is_off_curve(self):
        ata = t.associated_token_address(SOLANA_RECIPIENT, USDC_MINT, t.spl_token_program_id())
        self.assertFalse(t.parse_solana_address(ata).on_curve)

    def test_refuses_bad_addresses(self):
        for bad in ("", "0OIl", "1111", SOLANA_RECIPIENT + "1", EVM_ADDRESS_0):
            with self.subTest(bad=bad):
                self.assertFalse(t.is_valid_solana_address(bad))
                with self.assertRaises(t.TrestleError.InvalidAddress) as cm:
                    t.parse_solana_address(bad)
                self.assertIn("invalid Solana address", str(cm.exception))

    def test_program_ids(self):
        self.assertEqual(t.spl_token_program_id(), "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
        self.assertEqual(t.token_2022_program_id(), "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")

    def test_associated_token_address_differs_per_program(self):
        a = t.associated_token_address(SOLANA_RECIPIENT, USDC_MINT, t.spl_token_program_id())
        b = t.associated_token_address(SOLANA_RECIPIENT, USDC_MINT, t.token_2022_program_id())
        self.assertNotEqual(a, b)
        with self.assertRaises(t.TrestleError.InvalidAddress):
            t.associated_token_address("nope", USDC_MINT, t.spl_token_program_id())


class PathTest(unittest.TestCase):
    def test_default_paths(self):
        self.assertEqual(t.evm_derivation_path(3), "m/44'/60'/0'/0/3")
        self.assertEqual(
            t.solana_derivation_path(2, t.SolanaPathStyle.BIP44_CHANGE), "m/44'/501'/2'/0'"
        )
        self.assertEqual(t.solana_derivation_path(2, t.SolanaPathStyle.BIP44), "m/44'/501'/2'")

    def test_index_out_of_range(self):
        with self.assertRaises(t.TrestleError.InvalidPath):
            t.evm_derivation_path(2**31)
        with self.assertRaises(t.TrestleError.InvalidPath):
            t.solana_derivation_path(2**31, t.SolanaPathStyle.BIP44)

    def test_parse_normalises(self):
        self.assertEqual(t.parse_derivation_path("m/44h/60H/0'/0/0"), "m/44'/60'/0'/0/0")

    def test_parse_refuses_bad_paths(self):
        for bad in ("", "44'/60'", "m/x", "m/44'/-1", "m//0", "m/4294967296"):
            with self.subTest(bad=bad):
                with self.assertRaises(t.TrestleError.InvalidPath) as cm:
                    t.parse_derivation_path(bad)
                self.assertIn("invalid derivation path", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
