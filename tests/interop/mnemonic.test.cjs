'use strict';
// BIP39 mnemonics and seeds, BIP32/BIP44 EVM addresses and SLIP-10 Solana addresses, on random
// entropy, word counts, wordlists and passphrases, against @scure/bip39, ethers v6 and
// micro-ed25519-hdkey + @solana/web3.js.

const test = require('node:test');
const assert = require('node:assert/strict');
const bip39 = require('@scure/bip39');
const ethers = require('ethers');
const { HDKey } = require('micro-ed25519-hdkey');
const { Keypair } = require('@solana/web3.js');
const { Rng, Driver, forCases, cases, hex } = require('./lib/harness.cjs');

// Our language name -> [@scure/bip39 wordlist module, ethers wordlist key].
const LANGUAGES = {
  english: ['english', 'en'],
  czech: ['czech', 'cz'],
  french: ['french', 'fr'],
  italian: ['italian', 'it'],
  japanese: ['japanese', 'ja'],
  korean: ['korean', 'ko'],
  portuguese: ['portuguese', 'pt'],
  spanish: ['spanish', 'es'],
  'chinese-simplified': ['simplified-chinese', 'zh_cn'],
  'chinese-traditional': ['traditional-chinese', 'zh_tw'],
};
const scureList = (lang) => require(`@scure/bip39/wordlists/${LANGUAGES[lang][0]}.js`).wordlist;
const ethersList = (lang) => ethers.wordlists[LANGUAGES[lang][1]];

// Pieces whose NFKD form differs from the input: precomposed accents, compatibility
// characters (ligatures, circled and full/half-width forms, squared words), Hangul syllables.
const NFKD_PIECES = ['é', 'e\u0301', 'Å', 'ﬁ', '①', 'ｶﾞ', 'ｱ', '가', 'Ω', '㌀', 'ﾟ', '½', 'Ǆ', 'ẛ̣', ' ', '\u3000'];

function passphrase(rng) {
  switch (rng.int(0, 4)) {
    case 0:
      return '';
    case 1:
      return rng.bytes(rng.int(1, 24)).toString('base64');
    case 2:
      return rng.text(16);
    default: {
      let s = '';
      for (let n = rng.int(1, 8); n > 0; n--) s += rng.chance(0.5) ? rng.pick(NFKD_PIECES) : rng.text(2);
      return s;
    }
  }
}

function evmPath(rng) {
  const parts = ['m'];
  for (let d = rng.int(1, 5); d > 0; d--) {
    const index = rng.chance(0.6) ? rng.int(0, 20) : rng.int(0, 0x7fffffff);
    parts.push(`${index}${rng.chance(0.5) ? "'" : ''}`);
  }
  return parts.join('/');
}

function solanaAddress(seed, path) {
  const key = HDKey.fromMasterSeed(seed).derive(path);
  return Keypair.fromSeed(key.privateKey).publicKey.toBase58();
}

test('mnemonics, seeds, EVM and Solana addresses', async () => {
  const rng = new Rng('mnemonic');
  const driver = new Driver();
  const SOLANA_COUNT = 3;
  try {
    await forCases('mnemonic', cases(32), async (i) => {
      // Every fifth case uses another wordlist; all word counts come up.
      const lang = i % 5 === 4 ? rng.pick(Object.keys(LANGUAGES).slice(1)) : 'english';
      const entropy = rng.bytes(rng.pick([16, 20, 24, 28, 32]));
      const pass = passphrase(rng);
      const paths = ["m/44'/60'/0'/0/0", `m/44'/60'/0'/0/${rng.int(1, 1000)}`, evmPath(rng)];
      const what = `${lang}, entropy ${hex(entropy)}, passphrase ${JSON.stringify(pass)}`;

      const ours = await driver.ok('mnemonic', {
        entropy: hex(entropy),
        language: lang,
        passphrase: pass,
        evm_paths: paths,
        solana_count: SOLANA_COUNT,
      });

      // Phrase: @scure/bip39 and ethers write the same words (Japanese with U+3000 between
      // them); our canonical phrase is their NFKD form, which maps U+3000 to a space.
      const scurePhrase = bip39.entropyToMnemonic(entropy, scureList(lang));
      assert.equal(ours.phrase, scurePhrase.normalize('NFKD'), `phrase (${what})`);
      const ethersMnemonic = ethers.Mnemonic.fromEntropy(entropy, pass, ethersList(lang));
      assert.equal(ours.phrase, ethersMnemonic.phrase.normalize('NFKD'), `ethers phrase (${what})`);

      // Seed.
      const seed = bip39.mnemonicToSeedSync(scurePhrase, pass);
      assert.equal(ours.seed, hex(seed), `seed vs @scure/bip39 (${what})`);
      assert.equal(`0x${ours.seed}`, ethersMnemonic.computeSeed(), `seed vs ethers (${what})`);

      // Parsing the phrase as another wallet displays it (NFC, ideographic spaces) gives the
      // same seed (every other case, to keep the debug-build run short).
      const variant = rng.pick(['NFC', 'NFKC', 'NFD']);
      if (i % 2 === 1) {
        const parsed = await driver.ok('mnemonic', {
          phrase: scurePhrase.normalize('NFC'),
          language: lang,
          passphrase: pass.normalize(variant),
          evm_paths: [],
          solana_count: 0,
        });
        assert.equal(parsed.seed, ours.seed, `seed of the parsed NFC phrase, ${variant} passphrase (${what})`);
      }

      // EVM: ethers derives the first path from the phrase, the others from the seed.
      const first = ethers.HDNodeWallet.fromPhrase(scurePhrase, pass, paths[0], ethersList(lang));
      assert.equal(ours.evm[0], first.address, `EVM ${paths[0]} (${what})`);
      const root = ethers.HDNodeWallet.fromSeed(seed);
      for (let k = 1; k < paths.length; k++) {
        assert.equal(ours.evm[k], root.derivePath(paths[k]).address, `EVM ${paths[k]} (${what})`);
      }

      // Solana: SLIP-10 in micro-ed25519-hdkey, public key from web3.js.
      for (let k = 0; k < SOLANA_COUNT; k++) {
        const change = `m/44'/501'/${k}'/0'`;
        const bip44 = `m/44'/501'/${k}'`;
        assert.equal(ours.solana['bip44-change'][k], solanaAddress(seed, change), `Solana ${change} (${what})`);
        assert.equal(ours.solana.bip44[k], solanaAddress(seed, bip44), `Solana ${bip44} (${what})`);
      }
    });
  } finally {
    driver.close();
  }
});
