// Node.js columns of ffi/benches/run.sh, one implementation per process (--impl):
//   trestle-node  the generated TypeScript API (napi flavour of the React Native bindings) on
//                 @ubjs/node 0.31.0-5: the same calls as overhead.rs
//   ethers        ethers v6 for the EVM operations
//   solana-web3   @solana/web3.js 1.x + @scure/bip39 + micro-ed25519-hdkey for the Solana ones
// Prints {"op": median_ns_per_call}; ops an implementation does not have are left out.
// Plain JavaScript run by plain `node`: a TypeScript loader such as tsx transpiles everything
// it loads, node_modules included, and measurably slows the JavaScript libraries (about 30x for
// @scure/bip39 + micro-ed25519-hdkey). The Trestle bindings are bundled with esbuild first.
// As in benches/wallet, JavaScript signers get their keys derived once, outside the timing
// (how those libraries are used); Trestle's Wallet derives the key from the seed in every call.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const impl = process.argv[2];
const inputs = JSON.parse(readFileSync(process.env.TRESTLE_BENCH_INPUTS, 'utf8'));
const require = createRequire(join(process.env.TRESTLE_FFI_NODE_DIR, 'package.json'));
const EVM_ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const SOLANA_ADDRESS = inputs.solana_transfer.to;
const BLOCKHASH = inputs.solana_transfer.recent_blockhash;
const TYPED = JSON.stringify(inputs.eip712);
const EIP1559 = {
  type: '0x2', chainId: '0x1', nonce: '0x7', maxPriorityFeePerGas: '0x3b9aca00',
  maxFeePerGas: '0x6fc23ac00', gas: '0x5208',
  to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value: '0xde0b6b3a7640000', data: '0x',
};
const SAMPLES = 7;
const SAMPLE_NS = 20_000_000n;

function measure(f) {
  f();
  let batch = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) f();
    if (process.hrtime.bigint() - start >= SAMPLE_NS / 4n || batch >= 1 << 24) break;
    batch *= 2;
  }
  batch *= 4;
  const samples = [];
  for (let s = 0; s < SAMPLES; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) f();
    samples.push(Number(process.hrtime.bigint() - start) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[SAMPLES >> 1];
}

const ops = {};
if (impl === 'trestle-node') {
  const t = await import(pathToFileURL(process.env.TRESTLE_FFI_NAPI).href);
  const wallet = t.Wallet.fromMnemonic(inputs.mnemonic, '', t.Language.English);
  const evmPath = wallet.evmAccount(0).path;
  const solPath = wallet.solanaAccount(0, t.SolanaPathStyle.Bip44Change).path;
  const json = JSON.stringify(EIP1559);
  Object.assign(ops, {
    is_valid_evm_address: () => t.isValidEvmAddress(EVM_ADDRESS),
    parse_solana_address: () => t.parseSolanaAddress(SOLANA_ADDRESS),
    validate_mnemonic: () => t.validateMnemonic(inputs.mnemonic, t.Language.English),
    mnemonic_to_evm_address: () =>
      t.Wallet.fromMnemonic(inputs.mnemonic, '', t.Language.English).evmAccount(0).address,
    mnemonic_to_solana_address: () =>
      t.Wallet.fromMnemonic(inputs.mnemonic, '', t.Language.English).solanaAccount(
        0,
        t.SolanaPathStyle.Bip44Change,
      ),
    sign_eip1559: () => wallet.signEvmTransactionJson(evmPath, json),
    sign_eip712: () => wallet.signTypedData(evmPath, TYPED),
    sign_sol_transfer: () =>
      wallet.signSolTransfer(solPath, SOLANA_ADDRESS, 1_000_000n, BLOCKHASH, 0n),
  });
} else if (impl === 'ethers') {
  const { HDNodeWallet, Mnemonic, Transaction, TypedDataEncoder, isAddress, Wallet } =
    require('ethers');
  const key = HDNodeWallet.fromPhrase(inputs.mnemonic, '', inputs.evm_path).signingKey;
  const { EIP712Domain: _d, ...types } = inputs.eip712.types;
  Object.assign(ops, {
    is_valid_evm_address: () => isAddress(EVM_ADDRESS),
    validate_mnemonic: () => Mnemonic.isValidMnemonic(inputs.mnemonic),
    mnemonic_to_evm_address: () =>
      HDNodeWallet.fromPhrase(inputs.mnemonic, '', inputs.evm_path).address,
    sign_eip1559: () => {
      const tx = Transaction.from({
        type: 2, chainId: 1, nonce: 7, maxPriorityFeePerGas: 1000000000n,
        maxFeePerGas: 30000000000n, gasLimit: 21000n, to: EIP1559.to,
        value: 1000000000000000000n, data: '0x',
      });
      tx.signature = key.sign(tx.unsignedHash);
      return tx.serialized;
    },
    sign_eip712: () =>
      key.sign(TypedDataEncoder.hash(inputs.eip712.domain, types, inputs.eip712.message))
        .serialized,
  });
  void Wallet;
} else if (impl === 'solana-web3') {
  const { Keypair, PublicKey, SystemProgram, Transaction } = require('@solana/web3.js');
  const { mnemonicToSeedSync, validateMnemonic } = require('@scure/bip39');
  const { wordlist } = require('@scure/bip39/wordlists/english.js');
  const { HDKey } = require('micro-ed25519-hdkey');
  const derive = () => {
    const seed = mnemonicToSeedSync(inputs.mnemonic, '');
    return Keypair.fromSeed(HDKey.fromMasterSeed(seed).derive(inputs.solana_path).privateKey);
  };
  const payer = derive();
  Object.assign(ops, {
    parse_solana_address: () => {
      const k = new PublicKey(SOLANA_ADDRESS);
      return PublicKey.isOnCurve(k.toBytes());
    },
    validate_mnemonic: () => validateMnemonic(inputs.mnemonic, wordlist),
    mnemonic_to_solana_address: () => derive().publicKey.toBase58(),
    sign_sol_transfer: () => {
      const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: BLOCKHASH }).add(
        SystemProgram.transfer({
          fromPubkey: payer.publicKey,
          toPubkey: new PublicKey(SOLANA_ADDRESS),
          lamports: 1_000_000,
        }),
      );
      tx.sign(payer);
      return tx.serialize({ verifySignatures: false });
    },
  });
} else {
  throw new Error(`unknown --impl ${impl}`);
}
const out = {};
for (const [name, f] of Object.entries(ops)) out[name] = measure(f);
console.log(JSON.stringify(out));
