//! BIP39 mnemonics: generation, validation with precise errors, wordlists, the seed.

use trestle_core::wallet::mnemonic::{Language as CoreLanguage, Mnemonic};
use zeroize::Zeroizing;

use crate::error::{Result, TrestleError};

/// One of the official BIP39 wordlists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, uniffi::Enum)]
pub enum Language {
    /// English (the default).
    #[default]
    English,
    /// Simplified Chinese.
    ChineseSimplified,
    /// Traditional Chinese.
    ChineseTraditional,
    /// Czech.
    Czech,
    /// French.
    French,
    /// Italian.
    Italian,
    /// Japanese.
    Japanese,
    /// Korean.
    Korean,
    /// Portuguese.
    Portuguese,
    /// Spanish.
    Spanish,
}

impl From<Language> for CoreLanguage {
    fn from(l: Language) -> Self {
        match l {
            Language::English => CoreLanguage::English,
            Language::ChineseSimplified => CoreLanguage::ChineseSimplified,
            Language::ChineseTraditional => CoreLanguage::ChineseTraditional,
            Language::Czech => CoreLanguage::Czech,
            Language::French => CoreLanguage::French,
            Language::Italian => CoreLanguage::Italian,
            Language::Japanese => CoreLanguage::Japanese,
            Language::Korean => CoreLanguage::Korean,
            Language::Portuguese => CoreLanguage::Portuguese,
            Language::Spanish => CoreLanguage::Spanish,
        }
    }
}

/// Generates a new mnemonic of `word_count` words (12, 15, 18, 21 or 24) in `language` from the
/// operating system's random number generator.
///
/// The phrase is secret: show it to the user once for backup, then keep only the seed (see
/// [`mnemonic_to_seed`]) in the platform's secure storage. Refuses other word counts
/// (`UnsupportedWordCount`).
#[uniffi::export]
pub fn generate_mnemonic(word_count: u8, language: Language) -> Result<String> {
    let m = Mnemonic::generate(usize::from(word_count), language.into())?;
    Ok(m.phrase().to_owned())
}

/// Checks a mnemonic in `language` and returns its canonical form (NFKD-normalised, lowercase,
/// single spaces).
///
/// Refuses, with the reason in the variant: a word count other than 12, 15, 18, 21 or 24
/// (`MnemonicWordCount`), a word not in the wordlist (`MnemonicUnknownWord`; the message gives its
/// position, never the word) and a checksum mismatch (`MnemonicChecksum`).
#[uniffi::export]
pub fn validate_mnemonic(phrase: String, language: Language) -> Result<String> {
    let phrase = Zeroizing::new(phrase);
    let m = Mnemonic::parse_in(language.into(), &phrase)?;
    Ok(m.phrase().to_owned())
}

/// The 64-byte BIP39 seed of a mnemonic and an optional passphrase (`""` for none): what a
/// [`crate::SecureKeyStore`] stores and hands back to [`crate::Wallet`].
///
/// Refuses an invalid mnemonic with the errors of [`validate_mnemonic`].
#[uniffi::export]
pub fn mnemonic_to_seed(phrase: String, passphrase: String, language: Language) -> Result<Vec<u8>> {
    let phrase = Zeroizing::new(phrase);
    let passphrase = Zeroizing::new(passphrase);
    let m = Mnemonic::parse_in(language.into(), &phrase)?;
    Ok(m.to_seed(&passphrase).as_bytes().to_vec())
}

/// The 2048 words of `language`'s BIP39 wordlist, in order.
#[uniffi::export]
pub fn wordlist(language: Language) -> Vec<String> {
    CoreLanguage::from(language)
        .word_list()
        .iter()
        .map(|w| (*w).to_owned())
        .collect()
}

/// Every supported wordlist language.
#[uniffi::export]
pub fn languages() -> Vec<Language> {
    vec![
        Language::English,
        Language::ChineseSimplified,
        Language::ChineseTraditional,
        Language::Czech,
        Language::French,
        Language::Italian,
        Language::Japanese,
        Language::Korean,
        Language::Portuguese,
        Language::Spanish,
    ]
}

/// The language of a lowercase, hyphenated name (`english`, `chinese-simplified`, ...).
/// Refuses unknown names (`InvalidArgument`).
#[uniffi::export]
pub fn language_from_name(name: String) -> Result<Language> {
    let core: CoreLanguage = name.parse().map_err(TrestleError::from)?;
    Ok(match core {
        CoreLanguage::English => Language::English,
        CoreLanguage::ChineseSimplified => Language::ChineseSimplified,
        CoreLanguage::ChineseTraditional => Language::ChineseTraditional,
        CoreLanguage::Czech => Language::Czech,
        CoreLanguage::French => Language::French,
        CoreLanguage::Italian => Language::Italian,
        CoreLanguage::Japanese => Language::Japanese,
        CoreLanguage::Korean => Language::Korean,
        CoreLanguage::Portuguese => Language::Portuguese,
        CoreLanguage::Spanish => Language::Spanish,
    })
}
