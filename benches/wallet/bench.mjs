// JavaScript side of the Trestle wallet benchmark.
//
// Runs one JavaScript implementation ("--impl") over the shared inputs in inputs.json and prints
// one JSON object on stdout: for every operation, the output it produced (so that run.sh can check
// that every implementation did the same work, byte for byte) and a list of per-operation timings
// in nanoseconds, one per sample. Operations are interleaved sample by sample so that machine
// noise lands on all of them alike; the caller takes medians.
//
// Implementations:
//   ethers          ethers v6 on Node, whose crypto shim uses Node's OpenSSL (PBKDF2, HMAC, SHA-2)
//   ethers-rn       ethers v6 with the crypto ethers ships for browsers and React Native bundles
//                   (its `browser` field: pure-JS @noble/hashes), registered through ethers' own
//                   `pbkdf2.register` / `computeHmac.register` / `sha256.register` / `sha512.register`
//   solana-web3     @solana/web3.js 1.x + @scure/bip39 + micro-ed25519-hdkey (the usual RN stack)
//   wallet-core     @trustwallet/wallet-core (WASM)
//   node-crypto     PBKDF2-HMAC-SHA512 (2048 iterations) alone through Node's crypto.pbkdf2Sync
//   noble           PBKDF2-HMAC-SHA512 (2048 iterations) alone through @noble/hashes (pure JS)

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pbkdf2Sync } from 'node:crypto';

const require = createRequire(import.meta.url);

const { values: args } = parseArgs({
  options: {
    impl: { type: 'string' },
    inputs: { type: 'string', default: new URL('./inputs.json', import.meta.url).pathname },
    samples: { type: 'string', default: '15' },
    'sample-ms': { type: 'string', default: '20' },
    'check-only': { type: 'boolean', default: false },
  },
});

const inputs = JSON.parse(readFileSync(args.inputs, 'utf8'));
const SAMPLES = Number(args.samples);
const SAMPLE_NS = Number(args['sample-ms']) * 1e6;

const hex = (bytes) => '0x' + Buffer.from(bytes).toString('hex');
/** The installed version of an npm package (read from disk: not every package exports it). */
const version = (pkg) =>
  JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;

/** Minimal big-endian bytes of a non-negative integer (wallet-core's protobuf encoding). */
function be(value) {
  let v = BigInt(value);
  const out = [];
  while (v > 0n) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return Uint8Array.from(out);
}

/** The EIP-712 `types` without `EIP712Domain`, as ethers' TypedDataEncoder wants them. */
function typesWithoutDomain(types) {
  const { EIP712Domain: _domain, ...rest } = types;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// Implementations: each returns { name, versions, ops: { op: () => output } }. An op returns its
// output in the normalised form run.sh compares (checksummed address, base58 pubkey, 0x-hex).

async function ethersImpl({ rnCrypto }) {
  const ethers = await import('ethers');
  if (rnCrypto) {
    // The exact module ethers' package.json `browser` field swaps in for Metro/webpack bundles.
    const shim = await import(
      new URL('./node_modules/ethers/lib.esm/crypto/crypto-browser.js', import.meta.url).href
    );
    ethers.pbkdf2.register((password, salt, iterations, keylen, algo) =>
      hex(shim.pbkdf2Sync(password, salt, iterations, keylen, algo)),
    );
    ethers.computeHmac.register((algo, key, data) =>
      hex(shim.createHmac(algo, key).update(data).digest()),
    );
    ethers.sha256.register((data) => hex(shim.createHash('sha256').update(data).digest()));
    ethers.sha512.register((data) => hex(shim.createHash('sha512').update(data).digest()));
  }
  const { HDNodeWallet, Transaction, TypedDataEncoder } = ethers;
  const key = HDNodeWallet.fromPhrase(inputs.mnemonic, inputs.passphrase, inputs.evm_path).signingKey;
  const tx = inputs.eip1559;
  const tdJson = JSON.stringify(inputs.eip712);
  return {
    name: rnCrypto ? 'ethers-rn' : 'ethers',
    versions: { ethers: version('ethers') },
    ops: {
      evm_address: () =>
        HDNodeWallet.fromPhrase(inputs.mnemonic, inputs.passphrase, inputs.evm_path).address,
      // The synchronous core of Wallet.signTransaction (which is async and also resolves ENS
      // names): build, hash, sign, serialise. The fastest path ethers offers.
      sign_eip1559: () => {
        const t = Transaction.from({
          type: 2,
          chainId: tx.chain_id,
          nonce: tx.nonce,
          maxPriorityFeePerGas: BigInt(tx.max_priority_fee_per_gas),
          maxFeePerGas: BigInt(tx.max_fee_per_gas),
          gasLimit: tx.gas_limit,
          to: tx.to,
          value: BigInt(tx.value),
          data: tx.data,
          accessList: [],
        });
        t.signature = key.sign(t.unsignedHash);
        return t.serialized;
      },
      // eth_signTypedData_v4 hands the wallet a JSON string, so every implementation starts
      // from the same text. Then the synchronous core of Wallet.signTypedData: hash, sign.
      sign_eip712: () => {
        const d = JSON.parse(tdJson);
        return key.sign(TypedDataEncoder.hash(d.domain, typesWithoutDomain(d.types), d.message))
          .serialized;
      },
    },
  };
}

async function solanaWeb3Impl() {
  const { Keypair, PublicKey, SystemProgram, Transaction } = await import('@solana/web3.js');
  const { mnemonicToSeedSync, validateMnemonic } = await import('@scure/bip39');
  const { wordlist } = await import('@scure/bip39/wordlists/english.js');
  const { HDKey } = await import('micro-ed25519-hdkey');

  const deriveKeypair = () => {
    // Trestle's Mnemonic::parse checks the checksum; do the same here.
    if (!validateMnemonic(inputs.mnemonic, wordlist)) throw new Error('invalid mnemonic');
    const seed = mnemonicToSeedSync(inputs.mnemonic, inputs.passphrase);
    const child = HDKey.fromMasterSeed(seed).derive(inputs.solana_path);
    return Keypair.fromSeed(child.privateKey);
  };
  const keypair = deriveKeypair();
  const st = inputs.solana_transfer;
  const to = new PublicKey(st.to);
  return {
    name: 'solana-web3',
    versions: {
      '@solana/web3.js': version('@solana/web3.js'),
      '@scure/bip39': version('@scure/bip39'),
      'micro-ed25519-hdkey': version('micro-ed25519-hdkey'),
    },
    ops: {
      sol_address: () => deriveKeypair().publicKey.toBase58(),
      sign_sol_transfer: () => {
        const t = new Transaction({ feePayer: keypair.publicKey, recentBlockhash: st.recent_blockhash });
        t.add(SystemProgram.transfer({ fromPubkey: keypair.publicKey, toPubkey: to, lamports: st.lamports }));
        t.sign(keypair);
        // serialize() verifies every signature by default (an ed25519 verify costs more than
        // the sign); Trestle and wallet-core do not verify, so neither does this.
        return hex(t.serialize({ requireAllSignatures: true, verifySignatures: false }));
      },
    },
  };
}

async function walletCoreImpl() {
  const { initWasm, TW } = require('@trustwallet/wallet-core');
  const core = await initWasm();
  const { HDWallet, CoinType, AnySigner, AnyAddress, EthereumMessageSigner, Base58 } = core;
  const EthProto = TW.Ethereum.Proto;
  const SolProto = TW.Solana.Proto;

  const wallet = HDWallet.createWithMnemonic(inputs.mnemonic, inputs.passphrase);
  const evmKey = wallet.getKey(CoinType.ethereum, inputs.evm_path);
  const evmKeyBytes = evmKey.data();
  const solKey = wallet.getKey(CoinType.solana, inputs.solana_path);
  const solKeyBytes = solKey.data();
  wallet.delete();

  const tx = inputs.eip1559;
  const td = JSON.stringify(inputs.eip712);
  const st = inputs.solana_transfer;
  return {
    name: 'wallet-core',
    versions: { '@trustwallet/wallet-core': version('@trustwallet/wallet-core') },
    ops: {
      // createWithMnemonic checks the mnemonic and runs PBKDF2; getAddressForCoin derives the
      // coin's default path, which for Ethereum is m/44'/60'/0'/0/0 (the path in inputs.json).
      evm_address: () => {
        const w = HDWallet.createWithMnemonic(inputs.mnemonic, inputs.passphrase);
        try {
          return w.getAddressForCoin(CoinType.ethereum);
        } finally {
          w.delete();
        }
      },
      // wallet-core's Solana default path is m/44'/501'/0'; derive the path in inputs.json.
      sol_address: () => {
        const w = HDWallet.createWithMnemonic(inputs.mnemonic, inputs.passphrase);
        const k = w.getKey(CoinType.solana, inputs.solana_path);
        const pk = k.getPublicKeyEd25519();
        const a = AnyAddress.createWithPublicKey(pk, CoinType.solana);
        try {
          return a.description();
        } finally {
          a.delete();
          pk.delete();
          k.delete();
          w.delete();
        }
      },
      sign_eip1559: () => {
        const input = EthProto.SigningInput.create({
          chainId: be(tx.chain_id),
          nonce: be(tx.nonce),
          txMode: EthProto.TransactionMode.Enveloped,
          maxInclusionFeePerGas: be(tx.max_priority_fee_per_gas),
          maxFeePerGas: be(tx.max_fee_per_gas),
          gasLimit: be(tx.gas_limit),
          toAddress: tx.to,
          privateKey: evmKeyBytes,
          transaction: { transfer: { amount: be(tx.value), data: Buffer.from(tx.data.slice(2), 'hex') } },
        });
        const out = EthProto.SigningOutput.decode(
          AnySigner.sign(EthProto.SigningInput.encode(input).finish(), CoinType.ethereum),
        );
        if (out.error) throw new Error(`wallet-core: ${out.errorMessage}`);
        return hex(out.encoded);
      },
      // Returns r || s || v as hex without the 0x prefix.
      sign_eip712: () => '0x' + EthereumMessageSigner.signTypedMessage(evmKey, td),
      sign_sol_transfer: () => {
        const input = SolProto.SigningInput.create({
          privateKey: solKeyBytes,
          recentBlockhash: st.recent_blockhash,
          transferTransaction: { recipient: st.to, value: st.lamports },
        });
        const out = SolProto.SigningOutput.decode(
          AnySigner.sign(SolProto.SigningInput.encode(input).finish(), CoinType.solana),
        );
        if (out.error) throw new Error(`wallet-core: ${out.errorMessage}`);
        return hex(Base58.decodeNoCheck(out.encoded));
      },
    },
  };
}

function nodeCryptoImpl() {
  const salt = 'mnemonic' + inputs.passphrase.normalize('NFKD');
  return {
    name: 'node-crypto',
    versions: { node: process.versions.node, openssl: process.versions.openssl },
    ops: {
      pbkdf2: () =>
        hex(pbkdf2Sync(inputs.mnemonic.normalize('NFKD'), salt, 2048, 64, 'sha512')),
    },
  };
}

async function nobleImpl() {
  const { pbkdf2 } = await import('@noble/hashes/pbkdf2.js');
  const { sha512 } = await import('@noble/hashes/sha2.js');
  const enc = new TextEncoder();
  const password = enc.encode(inputs.mnemonic.normalize('NFKD'));
  const salt = enc.encode('mnemonic' + inputs.passphrase.normalize('NFKD'));
  return {
    name: 'noble',
    versions: { '@noble/hashes': version('@noble/hashes') },
    ops: { pbkdf2: () => hex(pbkdf2(sha512, password, salt, { c: 2048, dkLen: 64 })) },
  };
}

const IMPLS = {
  ethers: () => ethersImpl({ rnCrypto: false }),
  'ethers-rn': () => ethersImpl({ rnCrypto: true }),
  'solana-web3': solanaWeb3Impl,
  'wallet-core': walletCoreImpl,
  'node-crypto': nodeCryptoImpl,
  noble: nobleImpl,
};

// ---------------------------------------------------------------------------------------------
// Timing: calibrate a batch size per op so one sample lasts about --sample-ms, warm up, then take
// --samples samples of every op in round-robin order.

const now = () => process.hrtime.bigint();

function timeBatch(fn, n) {
  let sink;
  const t0 = now();
  for (let i = 0; i < n; i++) sink = fn();
  const t1 = now();
  if (sink === undefined) throw new Error('op returned nothing');
  return Number(t1 - t0);
}

function calibrate(fn) {
  let n = 1;
  for (;;) {
    const ns = timeBatch(fn, n);
    if (ns >= SAMPLE_NS / 4 || n >= 1 << 20) {
      return Math.max(1, Math.round((n * SAMPLE_NS) / Math.max(ns, 1)));
    }
    n *= 2;
  }
}

async function main() {
  const make = IMPLS[args.impl];
  if (!make) throw new Error(`--impl must be one of ${Object.keys(IMPLS).join(', ')}`);
  const impl = await make();
  const results = {};
  for (const [op, fn] of Object.entries(impl.ops)) results[op] = { output: fn(), samples_ns: [] };

  if (!args['check-only']) {
    const batch = {};
    for (const [op, fn] of Object.entries(impl.ops)) {
      batch[op] = calibrate(fn);
      timeBatch(fn, batch[op]); // warm-up at full batch size
    }
    for (let s = 0; s < SAMPLES; s++) {
      for (const [op, fn] of Object.entries(impl.ops)) {
        results[op].samples_ns.push(timeBatch(fn, batch[op]) / batch[op]);
      }
    }
  }
  process.stdout.write(
    JSON.stringify({ impl: impl.name, versions: { ...impl.versions, node: process.versions.node }, results }) +
      '\n',
  );
}

await main();
