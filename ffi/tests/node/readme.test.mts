// The TypeScript API of @trestle/react-native, run on Node.js: the README example (extracted by
// ffi/scripts/test.sh) and the same generated bindings, through the @ubjs/node runtime.
//
// Environment (set by ffi/scripts/test.sh):
//   TRESTLE_FFI_NAPI     the generated napi bindings' entry point (index.ts, which initialises)
//   TRESTLE_FFI_EXAMPLE  the README example, extracted, importing that module
//   TRESTLE_FFI_NODE_DIR where ethers is installed (cross-checks)
//   TRESTLE_CACHE        where bin/anvil is
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through ffi/scripts/test.sh`);
  return value;
}

const t = await import(pathToFileURL(env('TRESTLE_FFI_NAPI')).href);
const example = await import(pathToFileURL(env('TRESTLE_FFI_EXAMPLE')).href);
const ethers = createRequire(join(env('TRESTLE_FFI_NODE_DIR'), 'package.json'))('ethers');

const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
const DEV_ADDRESS_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

describe('README example', () => {
  test('createWallet: a fresh mnemonic, its seed in the store, first accounts', () => {
    const store = new example.AppKeyStore();
    const { phrase, wallet, evm, solana } = example.createWallet(store);
    assert.equal(phrase.split(' ').length, 12);
    assert.equal(t.parseEvmAddress(evm.address.toLowerCase()), evm.address);
    assert.equal(evm.path, "m/44'/60'/0'/0/0");
    assert.equal(solana.path, "m/44'/501'/0'/0'");
    assert.equal(t.parseSolanaAddress(solana.address).onCurve, true);
    // The wallet asks the store again for every operation.
    assert.deepEqual(wallet.evmAccount(0), evm);
    // The same phrase gives the same accounts through an in-memory wallet.
    const again = t.Wallet.fromMnemonic(phrase, '', t.Language.English);
    assert.equal(again.evmAccount(0).address, evm.address);
  });

  test('signExamples: ethers reads the transaction back, the sign-in verifies', () => {
    const wallet = t.Wallet.fromMnemonic(DEV_MNEMONIC, '', t.Language.English);
    const evmPath = wallet.evmAccount(0).path;
    const solana = wallet.solanaAccount(0, t.SolanaPathStyle.Bip44Change);
    const out = example.signExamples(wallet, evmPath, solana.path);
    const parsed = ethers.Transaction.from(out.rawTransaction);
    assert.equal(parsed.from, DEV_ADDRESS_0);
    assert.equal(parsed.hash, out.txHash);
    assert.equal(parsed.value, 10n ** 18n);
    t.verifySolanaOffchainMessage(solana.address, 'Sign in to Example', out.signIn);
  });

  test('checkPhrase: the reason, in words', () => {
    assert.equal(example.checkPhrase(DEV_MNEMONIC), undefined);
    assert.equal(
      example.checkPhrase(DEV_MNEMONIC.replace('junk', 'qqqq')),
      'Please check: TrestleError.MnemonicUnknownWord: mnemonic word 12 is not in the english wordlist',
    );
    assert.equal(
      example.checkPhrase('test test'),
      'TrestleError.MnemonicWordCount: mnemonic has 2 words; a BIP39 mnemonic has 12, 15, 18, 21 or 24',
    );
  });

  describe('evmBalance against anvil', () => {
    let anvil: ReturnType<typeof spawn> | undefined;
    let url = '';
    before(async () => {
      anvil = spawn(
        join(env('TRESTLE_CACHE'), 'bin', 'anvil'),
        ['--host', '127.0.0.1', '--port', '0', '--chain-id', '31337', '--mnemonic', DEV_MNEMONIC],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      url = await new Promise<string>((resolve, reject) => {
        let seen = '';
        const timer = setTimeout(() => reject(new Error(`anvil did not start: ${seen}`)), 30_000);
        anvil!.stdout!.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          const m = /Listening on (127\.0\.0\.1:\d+)/.exec(seen);
          if (m) {
            clearTimeout(timer);
            resolve(`http://${m[1]}`);
          }
        });
        anvil!.on('exit', (code) => reject(new Error(`anvil exited with ${code}: ${seen}`)));
      });
    });
    after(() => {
      anvil?.kill('SIGKILL');
    });

    test('the dev account holds 10000 ether', async () => {
      assert.equal(await example.evmBalance(url, 31337n, DEV_ADDRESS_0), (10n ** 22n).toString());
    });

    test('a bad address is refused before any request', async () => {
      await assert.rejects(example.evmBalance(url, 31337n, '0x12'), (e: unknown) => {
        assert.ok(t.TrestleError.InvalidAddress.instanceOf(e));
        return true;
      });
    });

    test('bridgeEther: an address with no bridge behind it is refused before signing', async () => {
      // The full send and delivery run in the Python tests (ffi/tests/python/test_bridge.py),
      // which deploy the bridge; here the example's calls reach anvil and report the reason.
      const wallet = t.Wallet.fromMnemonic(DEV_MNEMONIC, '', t.Language.English);
      const chain = new t.EvmChain(31337n, [url]);
      const nobody = '0x4242424242424242424242424242424242424242';
      const before = await chain.nextNonce(wallet.evmAccount(3).address);
      await assert.rejects(
        example.bridgeEther(wallet, wallet.evmAccount(3).path, chain, nobody, chain, nobody, '1000', nobody),
        (e: any) => {
          assert.ok(t.TrestleError.MalformedResponse.instanceOf(e));
          assert.match(e.message, /remote\(domain\): empty answer; is 0x4242424242424242424242424242424242424242 a Trestle bridge\?/);
          return true;
        },
      );
      assert.equal(await chain.nextNonce(wallet.evmAccount(3).address), before);
    });
  });
});

describe('TypeScript layer', () => {
  test('errors are typed and carry the Rust text', () => {
    assert.throws(
      () => t.validateMnemonic('test test test', t.Language.English),
      (e: any) =>
        t.TrestleError.MnemonicWordCount.instanceOf(e) &&
        e.message ===
          'TrestleError.MnemonicWordCount: mnemonic has 3 words; a BIP39 mnemonic has 12, 15, 18, 21 or 24',
    );
  });

  test('a host store that throws becomes a KeyStore error, not a crash', () => {
    const empty = new example.AppKeyStore();
    const wallet = new t.Wallet(empty, 'absent');
    assert.throws(
      () => wallet.evmAccount(0),
      (e: any) =>
        t.TrestleError.KeyStore.instanceOf(e) &&
        e.message === 'TrestleError.KeyStore: secure key store: no seed stored under key id "absent"',
    );
  });

  test('records, enums, bigint and bytes cross the boundary', () => {
    const wallet = t.Wallet.fromMnemonic(DEV_MNEMONIC, '', t.Language.English);
    const signed = wallet.signEvmTransaction(wallet.evmAccount(0).path, {
      txType: t.EvmTransactionType.Eip1559,
      chainId: 1n,
      nonce: 7n,
      to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      value: '1000000000000000000',
      gasLimit: 21000n,
      gasPrice: undefined,
      maxFeePerGas: '30000000000',
      maxPriorityFeePerGas: '1000000000',
      data: new ArrayBuffer(0),
      accessList: [],
    });
    // The same bytes ethers v6 signs (ffi/tests/python/test_wallet.py has the reference).
    assert.equal(
      signed.hash,
      '0x9f14869b9d9fe21e379c4f952ca9c13ab72f42317ba5c18f1732c0199045f83a',
    );
    assert.equal(new Uint8Array(signed.raw)[0], 2);
    const blockhash = '5tiiMAsAjnVFfBXSD8yg5uJLQoEHBRSQZ4TsTqRDqk55';
    const sol = wallet.signSolTransfer(
      "m/44'/501'/0'/0'",
      '4cWak4GAri1LGNQaMtpy7mD4jRAZrzwW6Z1T25TGENwR',
      1_000_000n,
      blockhash,
      0n,
    );
    assert.equal(Buffer.from(sol.base64, 'base64').length, sol.wire.byteLength);
    assert.equal(t.wordlist(t.Language.English).length, 2048);
  });

  test('memory levels off over many calls (the 0.31.0-3 runtime leaked ~1.2 KB per call)', async () => {
    // Returned buffers are released by finalizers when the event loop turns, as it does in an
    // app; a synchronous loop that never yields would hold them until it does.
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const batch = async (n: number) => {
      for (let i = 0; i < n; i++) {
        t.parseSolanaAddress('4cWak4GAri1LGNQaMtpy7mD4jRAZrzwW6Z1T25TGENwR');
        if (i % 1000 === 0) await tick();
      }
      await tick();
    };
    await batch(50_000);
    const warm = process.memoryUsage().rss;
    await batch(150_000);
    const growth = process.memoryUsage().rss - warm;
    assert.ok(growth < 24 * 1024 * 1024, `RSS grew ${(growth / 1048576).toFixed(1)} MiB over 150k calls`);
  });

  test('many calls in a row stay correct', () => {
    for (let i = 0; i < 2000; i++) {
      assert.equal(t.isValidEvmAddress(DEV_ADDRESS_0), true);
      assert.equal(t.parseSolanaAddress('4cWak4GAri1LGNQaMtpy7mD4jRAZrzwW6Z1T25TGENwR').onCurve, false);
    }
  });
});
