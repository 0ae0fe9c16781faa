#!/usr/bin/env bash
# The wallet demo (`scripts/demo.sh wallet`): a fresh mnemonic, EVM and Solana accounts, and
# every kind of signature the wallet makes. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
cd "$TRESTLE_REPO"

"$TRESTLE_REPO/scripts/setup.sh"

step "Building the trestle command line"
cargo build --locked --quiet -p trestle-cli --bin trestle
trestle() { "$CARGO_TARGET_DIR/debug/trestle" "$@"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step "1. A fresh 24-word mnemonic from the OS random number generator"
# The mnemonic travels in the environment, never on a command line.
TRESTLE_MNEMONIC="$(trestle wallet new --words 24)"
export TRESTLE_MNEMONIC
info "generated (a throwaway demo wallet; a real wallet never prints it): $(echo "$TRESTLE_MNEMONIC" | cut -d' ' -f1-3) ..."

step "2. Accounts"
for i in 0 1; do
    info "EVM    m/44'/60'/0'/0/$i    $(trestle wallet address --chain evm --index $i)"
done
for i in 0 1; do
    info "Solana m/44'/501'/$i'/0'   $(trestle wallet address --chain solana --index $i)   (Phantom, Solflare)"
done
info "Solana m/44'/501'/0'      $(trestle wallet address --chain solana --solana-path-style bip44)   (Ledger Live)"

step "3. Address validation"
evm_addr="$(trestle wallet address --chain evm)"
info "$(trestle wallet validate-address --chain evm "$evm_addr")"
bad="$(echo "$evm_addr" | sed 's/a/A/; s/b/B/; s/c/C/')"
if trestle wallet validate-address --chain evm "$bad" 2>"$work/err"; then
    die "a wrong EIP-55 checksum was accepted"
fi
info "rejected, as it should be: $(cat "$work/err")"

step "4. An EIP-1559 transaction (eth_signTransaction JSON) signed to raw bytes"
cat >"$work/tx.json" <<JSON
{ "type": "0x2", "chainId": "0x1", "nonce": "0x0", "to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
  "value": "0xde0b6b3a7640000", "gas": "0x5208", "maxFeePerGas": "0x4a817c800",
  "maxPriorityFeePerGas": "0x3b9aca00", "data": "0x" }
JSON
info "$(trestle wallet sign-tx --chain evm --tx "$work/tx.json" | cut -c1-90)..."

step "5. EIP-191 and EIP-712 signatures"
info "personal_sign('hello trestle'): $(trestle wallet sign-message --chain evm --message 'hello trestle' | cut -c1-70)..."
cp "$TRESTLE_REPO/scripts/demo/mail.json" "$work/mail.json"
info "eth_signTypedData_v4(Mail):     $(trestle wallet sign-typed-data --file "$work/mail.json" | cut -c1-70)..."

step "6. A Solana transfer and an ed25519 message signature"
to="$(trestle wallet address --chain solana --index 1)"
# Offline signing takes the blockhash as input; a live wallet fetches a recent one from the
# cluster (chains/solana does). This one is a fixed placeholder.
blockhash="GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi"
info "transfer 0.001 SOL: $(trestle wallet sign-tx --chain solana --transfer --to "$to" --lamports 1000000 --blockhash "$blockhash" | cut -c1-70)..."
info "signMessage('hello trestle'): $(trestle wallet sign-message --chain solana --message 'hello trestle')"

step "Done: one mnemonic, two chains, every signature kind. See 'trestle wallet --help'."
