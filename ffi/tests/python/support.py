"""Shared set-up of the Python binding tests: loads the generated module and holds fixtures.

`ffi/scripts/test.sh` generates the bindings into a temporary directory, copies the cdylib next
to them and points TRESTLE_FFI_BINDINGS at it.
"""

import os
import sys

_BINDINGS = os.environ.get("TRESTLE_FFI_BINDINGS")
if not _BINDINGS:
    raise RuntimeError(
        "TRESTLE_FFI_BINDINGS is not set: run these tests through ffi/scripts/test.sh"
    )
sys.path.insert(0, _BINDINGS)

import trestle_ffi as t  # noqa: E402  (the path is only known at run time)

# The anvil/hardhat development mnemonic; its first accounts are well known.
MNEMONIC = "test test test test test test test test test test test junk"
EVM_PATH_0 = "m/44'/60'/0'/0/0"
EVM_ADDRESS_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
EVM_ADDRESS_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
# The private key of EVM_ADDRESS_0 (published by anvil and hardhat).
EVM_KEY_0 = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
SOLANA_PATH_0 = "m/44'/501'/0'/0'"

# The EIP-712 specification's `Mail` example and its signing hash (from the EIP).
MAIL_TYPED_DATA = """{
  "types": {
    "EIP712Domain": [
      {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
      {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
    ],
    "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
    "Mail": [
      {"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
      {"name": "contents", "type": "string"}
    ]
  },
  "primaryType": "Mail",
  "domain": {
    "name": "Ether Mail", "version": "1", "chainId": 1,
    "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
  },
  "message": {
    "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
    "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
    "contents": "Hello, Bob!"
  }
}"""
MAIL_SIGNING_HASH = "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"

# A syntactically valid blockhash for offline Solana signing.
BLOCKHASH = "5tiiMAsAjnVFfBXSD8yg5uJLQoEHBRSQZ4TsTqRDqk55"
SOLANA_RECIPIENT = "4cWak4GAri1LGNQaMtpy7mD4jRAZrzwW6Z1T25TGENwR"
# USDC's mint on Solana mainnet: any valid mint address will do offline.
USDC_MINT = "EPjFWJd5AufqzSSFLxvWwvzPbBDJZHmcCgVmHKfwxzL4"


class DictKeyStore(t.SecureKeyStore):
    """A host key store as an app would write one, backed by a dict; counts every request."""

    def __init__(self, seeds):
        self.seeds = dict(seeds)
        self.requests = []

    def load_seed(self, key_id):
        self.requests.append(key_id)
        if key_id not in self.seeds:
            raise t.KeyStoreError.NotFound(key_id=key_id)
        seed = self.seeds[key_id]
        if isinstance(seed, Exception):
            raise seed
        return seed


def wallet():
    """The in-memory wallet of MNEMONIC."""
    return t.Wallet.from_mnemonic(MNEMONIC, "", t.Language.ENGLISH)
