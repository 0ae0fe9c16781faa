#!/usr/bin/env bash
# Measures `deliver` of a token transfer (mint of a bridged token) as real transactions on a
# local anvil: deploys the committed artifacts (abi/*.json: the Bridge implementation behind an
# ERC1967Proxy, as in production), configures a 4-of-5 validator set through the admin timelock, signs attestations with `cast wallet sign` (EIP-191 of the inner
# hash, independent of the Solidity and Rust code) and prints each receipt's gasUsed. A
# cross-check of the numbers test/Gas.t.sol computes (21000 + calldata + execution).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${TRESTLE_CACHE:-$HOME/.cache/trestle}"
anvil="$cache/bin/anvil"
cast="$cache/bin/cast"

log="$(mktemp)"
"$anvil" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
anvil_pid=$!
trap 'kill "$anvil_pid" 2>/dev/null || true; rm -f "$log"' EXIT
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/.*Listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n1)"
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { echo "anvil did not start: $(cat "$log")" >&2; exit 1; }
export ETH_RPC_URL="http://127.0.0.1:$port"

# anvil's well-known first two dev accounts: admin (sender of everything) and guardian.
admin_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
admin="$("$cast" wallet address --private-key "$admin_key")"
guardian=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
origin_bridge=0x000000000000000000000000b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1

send() { "$cast" send --private-key "$admin_key" --json "$@"; }
deploy() { # artifact constructor-signature args...
  local code args
  code="$(jq -r .bytecode "$here/abi/$1.json")"
  args="$("$cast" abi-encode "$2" "${@:3}")"
  send --create "${code}${args#0x}" | jq -r .contractAddress
}
pad32() { printf '%064s' "${1#0x}" | tr ' ' 0; }

impl="$(send --create "$(jq -r .bytecode "$here/abi/Bridge.json")" | jq -r .contractAddress)"
init="$("$cast" calldata "initialize(uint32,address,address,uint64)" 2 "$admin" "$guardian" 1)"
bridge="$(deploy ERC1967Proxy "constructor(address,bytes)" "$impl" "$init")"
token="$(deploy BridgedToken "constructor(address,string,string,uint8)" "$bridge" Wrapped tW 18)"
token_id="$("$cast" keccak "0x00000001$(pad32 0x70)")"

# validators: keys keccak256("trestle-anvil-validator-i"), sorted by address
mapfile -t validators < <(for i in 0 1 2 3 4; do
  k="$("$cast" keccak "trestle-anvil-validator-$i")"
  a="$("$cast" wallet address --private-key "$k")"
  echo "$(echo "$a" | tr 'A-F' 'a-f') $k"
done | sort)
addrs="[$(for v in "${validators[@]}"; do echo -n "${v%% *},"; done | sed 's/,$//')]"

calls=(
  "$("$cast" calldata "setRemote(uint32,bytes32,uint8)" 1 "$origin_bridge" 0)"
  "$("$cast" calldata "setValidatorSet(uint32,uint64,address[],uint8)" 1 1 "$addrs" 4)"
  "$("$cast" calldata "setToken(uint32,bytes32,address,uint8,uint128,uint64)" 1 "$(pad32 0x70)" "$token" 0 1000000000000000000000 86400)"
  "$("$cast" calldata "setRoute(bytes32,uint32,uint8,uint128)" "$token_id" 1 0 340282366920938463463374607431768211455)"
  "$("$cast" calldata "setLimits(bytes32,uint32,uint128,uint128,uint128,uint128)" "$token_id" 1 5000000000000000000000 1000000000000000000 5000000000000000000000 1000000000000000000)"
)
for i in "${!calls[@]}"; do
  send "$bridge" "propose(bytes,bytes32)" "${calls[$i]}" "$(printf '0x%064x' "$i")" >/dev/null
done
"$cast" rpc evm_increaseTime 2 >/dev/null
"$cast" rpc evm_mine >/dev/null
for i in "${!calls[@]}"; do
  send "$bridge" "execute(bytes,bytes32)" "${calls[$i]}" "$(printf '0x%064x' "$i")" >/dev/null
done

deliver() { # nonce beneficiary label
  local msg id inner sigs gas
  msg="0x02$(printf '%016x' "$1")00000001$(pad32 0x5e5e)00000002$(pad32 "$bridge")01${token_id#0x}$(printf '%064x' 1000000000000000000)$(pad32 "$2")"
  id="$("$cast" keccak "$msg")"
  # "TRESTLE" || version 2 || origin 1 || origin bridge || destination 2 || destination bridge
  # (the proxy) || epoch 1 || message id
  inner="$("$cast" keccak "0x54524553544c4502""00000001""${origin_bridge#0x}""00000002""$(pad32 "$bridge")""0000000000000001""${id#0x}")"
  sigs=0x
  for v in "${validators[@]:0:4}"; do
    s="$("$cast" wallet sign --private-key "${v##* }" "$inner")"
    sigs="${sigs}${s#0x}"
  done
  gas="$(send "$bridge" "deliver(bytes,bytes)" "$msg" "$sigs" | jq -r .gasUsed)"
  printf '    anvil: deliver 4-of-5 (%s) gasUsed %d\n' "$3" "$gas"
}
deliver 0 0xf00d "first mint of the token ever: total supply 0 -> non-zero"
deliver 256 0xbeef "new bitmap word, new holder"
deliver 1 0xcafe "new holder"
deliver 2 0xcafe "holder has a balance"
balance="$("$cast" call "$token" "balanceOf(address)(uint256)" 0x000000000000000000000000000000000000cafe)"
[[ "$balance" == 2000000000000000000* ]] || { echo "unexpected balance $balance" >&2; exit 1; }
