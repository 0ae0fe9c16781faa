"""Every exported function and method is exercised somewhere in these tests.

Reads the generated module (not a hand-kept list), so a new export without a test fails here.
"""

import inspect
import os
import re
import unittest

from support import t

HERE = os.path.dirname(os.path.abspath(__file__))
OBJECTS = ("Wallet", "EvmChain", "SolanaClient", "EvmBridge", "SolanaBridge", "RelayerApi")


def exported_names():
    names = set()
    for name, value in vars(t).items():
        if name.startswith("_") or not inspect.isfunction(value):
            continue
        # uniffi's own helper, not a Trestle export.
        if getattr(value, "__module__", None) == t.__name__ and name != "uniffi_set_event_loop":
            names.add(name)
    for cls in OBJECTS:
        names.add(f"{cls}.new")  # the primary constructor, `__init__` in Python
        for name, value in vars(getattr(t, cls)).items():
            if name.startswith("_"):
                continue
            if callable(value) or isinstance(value, (classmethod, staticmethod)):
                names.add(f"{cls}.{name}")
    return names


class CoverageTest(unittest.TestCase):
    def test_every_export_is_called(self):
        sources = ""
        for f in os.listdir(HERE):
            if f.startswith("test_") and f.endswith(".py") and f != "test_coverage.py":
                with open(os.path.join(HERE, f)) as fh:
                    sources += fh.read()
        missing = []
        for name in sorted(exported_names()):
            method = name.split(".")[-1]
            if name.endswith(".new"):
                pattern = rf"t\.{name.split('.')[0]}\("  # the primary constructor
            else:
                pattern = rf"\.{re.escape(method)}\("
            if not re.search(pattern, sources):
                missing.append(name)
        self.assertEqual(missing, [], "exports without a test")
        self.assertGreater(len(exported_names()), 40)


if __name__ == "__main__":
    unittest.main()
