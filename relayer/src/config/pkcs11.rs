//! Keys in an HSM: `pkcs11 = { ... }` in `[validator]` or `[relayer]`, instead of `keystore`.
//!
//! ```toml
//! [validator]
//! pkcs11 = { module = "/usr/lib/softhsm/libsofthsm2.so", token_label = "trestle", key_label = "validator", pin_env = "TRESTLE_HSM_PIN" }
//! ```
//!
//! The key is a secp256k1 key pair on the token (private key and public key object with the
//! same `CKA_LABEL`); the PIN is read from the environment variable `pin_env` names, never
//! from the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use trestle_pkcs11::{KeyLocation, Token};

use super::{KeyConfig, is_env_name};
use crate::error::{Error, Result};

/// A key on a PKCS#11 token (`pkcs11 = { module, token_label or slot, key_label, pin_env }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pkcs11KeyConfig {
    /// The HSM vendor's PKCS#11 module (shared library), e.g.
    /// `/usr/lib/softhsm/libsofthsm2.so`. Best an absolute path: a bare file name is looked
    /// up by the dynamic loader.
    pub module: PathBuf,
    /// The token's label. Give this or `slot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_label: Option<String>,
    /// The token's slot id. Give this or `token_label`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<u64>,
    /// The label (`CKA_LABEL`) of the private key and of its public key object.
    pub key_label: String,
    /// The environment variable holding the token's user PIN.
    pub pin_env: String,
}

impl Pkcs11KeyConfig {
    /// Where the key is (after [`Pkcs11KeyConfig::validate`], exactly one of `slot` and
    /// `token_label` is set; `token_label` wins otherwise).
    pub fn location(&self) -> KeyLocation {
        KeyLocation {
            module: self.module.clone(),
            token: match (&self.token_label, self.slot) {
                (Some(label), _) => Token::Label(label.clone()),
                (None, Some(slot)) => Token::Slot(slot),
                (None, None) => Token::Label(String::new()),
            },
            key_label: self.key_label.clone(),
        }
    }

    /// The dotted config key of the field that chooses the token (`validator.pkcs11.slot` or
    /// `.token_label`).
    pub fn token_field(&self, table: &str) -> String {
        if self.token_label.is_none() && self.slot.is_some() {
            format!("{table}.pkcs11.slot")
        } else {
            format!("{table}.pkcs11.token_label")
        }
    }

    /// Checks the fields; errors name them (`validator.pkcs11.pin_env`).
    pub(super) fn validate(&self, table: &str) -> Result<()> {
        let field = |f: &str| format!("{table}.pkcs11.{f}");
        if self.module.as_os_str().is_empty() {
            return Err(Error::config(
                field("module"),
                "must name the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so)",
            ));
        }
        match (&self.token_label, self.slot) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    format!("{table}.pkcs11"),
                    "give `token_label` or `slot`, not both",
                ));
            }
            (None, None) => {
                return Err(Error::config(
                    format!("{table}.pkcs11"),
                    "give the token's `token_label` or its `slot`",
                ));
            }
            (Some(label), None) if label.trim().is_empty() => {
                return Err(Error::config(field("token_label"), "must not be empty"));
            }
            _ => {}
        }
        if self.key_label.is_empty() {
            return Err(Error::config(field("key_label"), "must not be empty"));
        }
        if !is_env_name(&self.pin_env) {
            return Err(Error::config(
                field("pin_env"),
                "must be the name of an environment variable (A-Z, 0-9, _)",
            ));
        }
        Ok(())
    }
}

/// Where an EVM key of a role is: an encrypted keystore, or a key in an HSM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvmKeySource {
    /// `keystore` and `password_env`.
    Keystore(KeyConfig),
    /// `pkcs11 = { ... }`.
    Pkcs11(Pkcs11KeyConfig),
}

/// The checks of a role's key: exactly one of `keystore` and `pkcs11`, each valid. Errors
/// name the role's table.
pub(super) fn validate_source(
    table: &str,
    keystore: &Path,
    pkcs11: Option<&Pkcs11KeyConfig>,
) -> Result<()> {
    match pkcs11 {
        Some(_) if !keystore.as_os_str().is_empty() => Err(Error::config(
            table,
            "give `keystore` (an encrypted key file) or `pkcs11` (a key in an HSM), not both",
        )),
        Some(p) => p.validate(table),
        None if keystore.as_os_str().is_empty() => Err(Error::config(
            format!("{table}.keystore"),
            "missing: give `keystore` (an encrypted key file) or `pkcs11` (a key in an HSM)",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    const CHAINS: &str = r#"
[[chains]]
name = "a"
domain = 1
chain_id = 31337
rpc_urls = ["http://127.0.0.1:8545"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

[[chains]]
name = "b"
domain = 2
chain_id = 31338
rpc_urls = ["http://127.0.0.1:8546"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

[[routes]]
from = "a"
to = "b"
epoch = 1
threshold = 1
validators = [{ address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", url = "http://127.0.0.1:7001" }]
"#;

    fn parse(role: &str) -> crate::Result<Config> {
        Config::parse(&format!("{CHAINS}\n{role}"))
    }

    #[test]
    fn hsm_keys_parse_for_validator_and_relayer() {
        let config = parse(
            "[validator]\npkcs11 = { module = \"/usr/lib/softhsm/libsofthsm2.so\", \
             token_label = \"ops\", key_label = \"validator\", pin_env = \"HSM_PIN\" }\n\
             [relayer]\npkcs11 = { module = \"/m.so\", slot = 3, key_label = \"relayer\", \
             pin_env = \"HSM_PIN\" }\n",
        )
        .unwrap();
        let v = config.validator.as_ref().unwrap();
        let super::EvmKeySource::Pkcs11(p) = v.key_source() else {
            panic!("not an HSM key: {v:?}")
        };
        assert_eq!(
            p.location().token,
            trestle_pkcs11::Token::Label("ops".into())
        );
        assert_eq!(p.token_field("validator"), "validator.pkcs11.token_label");
        let r = config.relayer.as_ref().unwrap();
        let super::EvmKeySource::Pkcs11(p) = r.key_source() else {
            panic!("not an HSM key: {r:?}")
        };
        assert_eq!(p.location().token, trestle_pkcs11::Token::Slot(3));
        assert_eq!(p.token_field("relayer"), "relayer.pkcs11.slot");
        // A keystore still works.
        let config = parse("[validator]\nkeystore = \"v.json\"\n").unwrap();
        assert!(matches!(
            config.validator.unwrap().key_source(),
            super::EvmKeySource::Keystore(_)
        ));
    }

    #[test]
    fn exactly_one_key_source_and_valid_fields() {
        let ok = "module = \"/m.so\", token_label = \"t\", key_label = \"k\", pin_env = \"P\"";
        for (role, expected) in [
            ("[validator]\npassword_env = \"X\"\n", "validator.keystore"),
            (
                &format!("[validator]\nkeystore = \"v.json\"\npkcs11 = {{ {ok} }}\n"),
                "`validator`",
            ),
            (
                "[relayer]\npkcs11 = { module = \"/m.so\", key_label = \"k\", pin_env = \"P\" }\n",
                "`relayer.pkcs11`",
            ),
            (
                "[relayer]\npkcs11 = { module = \"/m.so\", slot = 1, token_label = \"t\", \
                 key_label = \"k\", pin_env = \"P\" }\n",
                "`relayer.pkcs11`",
            ),
            (
                "[validator]\npkcs11 = { module = \"\", token_label = \"t\", key_label = \"k\", \
                 pin_env = \"P\" }\n",
                "validator.pkcs11.module",
            ),
            (
                "[validator]\npkcs11 = { module = \"/m.so\", token_label = \"t\", key_label = \"\", \
                 pin_env = \"P\" }\n",
                "validator.pkcs11.key_label",
            ),
            (
                "[validator]\npkcs11 = { module = \"/m.so\", token_label = \"t\", key_label = \"k\", \
                 pin_env = \"MY PIN\" }\n",
                "validator.pkcs11.pin_env",
            ),
        ] {
            let err = parse(role).unwrap_err().to_string();
            assert!(err.contains(expected), "{role}: {err}");
        }
        // No PIN in the file: an unknown key.
        let err = parse(&format!(
            "[validator]\npkcs11 = {{ {ok}, pin = \"1234\" }}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `pin`"), "{err}");
    }

    #[test]
    fn an_hsm_key_survives_loading_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relayer.toml");
        std::fs::write(
            &path,
            format!(
                "{CHAINS}\n[validator]\npkcs11 = {{ module = \"/m.so\", token_label = \"t\", \
                 key_label = \"k\", pin_env = \"P\" }}\n"
            ),
        )
        .unwrap();
        let config = Config::load(&path).unwrap();
        // The unset keystore is not made relative to the file (it would then be "set").
        config.validate().unwrap();
        assert!(config.validator.unwrap().keystore.as_os_str().is_empty());
    }
}
