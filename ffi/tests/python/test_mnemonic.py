"""Mnemonics and wordlists through the Python bindings."""

import unittest

from support import MNEMONIC, t


class MnemonicTest(unittest.TestCase):
    def test_generate_every_word_count_and_language(self):
        for count in (12, 15, 18, 21, 24):
            for language in t.languages():
                phrase = t.generate_mnemonic(count, language)
                self.assertEqual(len(phrase.split(" ")), count)
                self.assertEqual(t.validate_mnemonic(phrase, language), phrase)

    def test_generate_refuses_other_word_counts(self):
        for count in (0, 11, 13, 25, 255):
            with self.assertRaises(t.TrestleError.UnsupportedWordCount) as cm:
                t.generate_mnemonic(count, t.Language.ENGLISH)
            self.assertIn(str(count), str(cm.exception))

    def test_generated_mnemonics_differ(self):
        a = t.generate_mnemonic(12, t.Language.ENGLISH)
        b = t.generate_mnemonic(12, t.Language.ENGLISH)
        self.assertNotEqual(a, b)

    def test_validate_normalises(self):
        messy = "  TEST test\ttest test test test test test test test test   JUNK "
        self.assertEqual(t.validate_mnemonic(messy, t.Language.ENGLISH), MNEMONIC)

    def test_validate_word_count(self):
        with self.assertRaises(t.TrestleError.MnemonicWordCount) as cm:
            t.validate_mnemonic("test test test", t.Language.ENGLISH)
        self.assertEqual(
            str(cm.exception),
            "mnemonic has 3 words; a BIP39 mnemonic has 12, 15, 18, 21 or 24",
        )

    def test_validate_unknown_word_names_position_not_word(self):
        phrase = MNEMONIC.replace("junk", "zzzzqq")
        with self.assertRaises(t.TrestleError.MnemonicUnknownWord) as cm:
            t.validate_mnemonic(phrase, t.Language.ENGLISH)
        self.assertEqual(str(cm.exception), "mnemonic word 12 is not in the english wordlist")
        self.assertNotIn("zzzzqq", str(cm.exception))

    def test_validate_checksum(self):
        with self.assertRaises(t.TrestleError.MnemonicChecksum) as cm:
            t.validate_mnemonic("test " * 11 + "test", t.Language.ENGLISH)
        self.assertIn("checksum", str(cm.exception))

    def test_validate_in_wrong_language(self):
        with self.assertRaises(t.TrestleError.MnemonicUnknownWord) as cm:
            t.validate_mnemonic(MNEMONIC, t.Language.JAPANESE)
        self.assertIn("word 1 ", str(cm.exception))

    def test_errors_are_trestle_errors(self):
        with self.assertRaises(t.TrestleError):
            t.validate_mnemonic("", t.Language.ENGLISH)

    def test_seed_known_answer(self):
        # BIP39 test vector (Trezor): "abandon ... about" with passphrase "TREZOR".
        phrase = " ".join(["abandon"] * 11 + ["about"])
        seed = t.mnemonic_to_seed(phrase, "TREZOR", t.Language.ENGLISH)
        self.assertEqual(
            seed.hex(),
            "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e5349553"
            "1f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
        )

    def test_seed_refuses_bad_mnemonic(self):
        with self.assertRaises(t.TrestleError.MnemonicChecksum):
            t.mnemonic_to_seed("test " * 12, "", t.Language.ENGLISH)

    def test_wordlists(self):
        self.assertEqual(len(t.languages()), 10)
        for language in t.languages():
            words = t.wordlist(language)
            self.assertEqual(len(words), 2048)
            self.assertEqual(len(set(words)), 2048)
        english = t.wordlist(t.Language.ENGLISH)
        self.assertEqual((english[0], english[2047]), ("abandon", "zoo"))

    def test_language_from_name(self):
        self.assertEqual(t.language_from_name("english"), t.Language.ENGLISH)
        self.assertEqual(t.language_from_name("Chinese_Simplified"), t.Language.CHINESE_SIMPLIFIED)
        with self.assertRaises(t.TrestleError.InvalidArgument) as cm:
            t.language_from_name("klingon")
        self.assertIn("klingon", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
