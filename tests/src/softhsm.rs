//! SoftHSM2 tokens for the tests of keys held in an HSM (PKCS#11): one token directory per test
//! process, made with Debian's `softhsm2-util` and OpenSC's `pkcs11-tool` (both installed by
//! `scripts/setup.sh`), with a fixed set of tokens and keys.
//!
//! SoftHSM2 reads its configuration file (`SOFTHSM2_CONF`) and scans its token directory once,
//! when a process first initialises the module: every token and key a test process uses is
//! therefore made before that, by [`softhsm`], and the tests share them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// Where Debian's `softhsm2` package puts the PKCS#11 module.
pub const DEFAULT_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// The environment variable that overrides [`DEFAULT_MODULE`].
pub const MODULE_ENV: &str = "TRESTLE_SOFTHSM2_MODULE";

/// The token holding the keys the tests sign with.
pub const TOKEN: &str = "trestle-test";

/// The user PIN of [`TOKEN`].
pub const PIN: &str = "trestle-test-pin";

/// A second token, whose only use is to be logged into with a wrong PIN (a token a process
/// already logged into answers "already logged in" before it looks at a PIN).
pub const WRONG_PIN_TOKEN: &str = "trestle-wrong-pin";

/// The user PIN of [`WRONG_PIN_TOKEN`].
pub const WRONG_PIN_TOKEN_PIN: &str = "the-right-pin";

/// The secp256k1 key pairs on [`TOKEN`] (and `evm` on [`WRONG_PIN_TOKEN`]), by label.
pub const SECP256K1_KEYS: [&str; 5] = ["validator", "relayer", "oracle", "evm", "evm-2"];

/// The ed25519 key pairs on [`TOKEN`], by label.
pub const ED25519_KEYS: [&str; 1] = ["solana"];

/// A P-256 key pair on [`TOKEN`]: a key on the wrong curve for either chain.
pub const P256_KEY: &str = "p256";

/// The process's SoftHSM2: a configuration file and token directory in a temporary
/// directory, with `SOFTHSM2_CONF` pointing at it.
#[derive(Debug)]
pub struct SoftHsm {
    dir: tempfile::TempDir,
    module: PathBuf,
}

impl SoftHsm {
    /// The PKCS#11 module.
    pub fn module(&self) -> &Path {
        &self.module
    }

    /// The directory of the configuration file and tokens.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The configuration file, for `SOFTHSM2_CONF` of a child process.
    pub fn conf(&self) -> PathBuf {
        self.dir.path().join("softhsm2.conf")
    }
}

/// The process's SoftHSM2, made on the first call: [`TOKEN`] with [`SECP256K1_KEYS`],
/// [`ED25519_KEYS`] and [`P256_KEY`], and [`WRONG_PIN_TOKEN`] with an `evm` key. Sets
/// `SOFTHSM2_CONF` for the process.
///
/// Call it before anything in the process loads the module.
///
/// # Errors
/// [`Error::ToolNotFound`] when SoftHSM2 or OpenSC is not installed (the message says to run
/// `scripts/setup.sh`), [`Error::Startup`] when a token or key cannot be made.
pub fn softhsm() -> Result<&'static SoftHsm> {
    static HSM: OnceLock<std::result::Result<SoftHsm, String>> = OnceLock::new();
    HSM.get_or_init(|| make().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|reason| Error::Startup {
            tool: "softhsm2",
            reason: reason.clone(),
            output: String::new(),
        })
}

fn make() -> Result<SoftHsm> {
    let module = std::env::var_os(MODULE_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| DEFAULT_MODULE.into());
    if !module.exists() {
        return Err(Error::ToolNotFound {
            tool: "softhsm2 (Debian package softhsm2)",
            path: module.display().to_string(),
            env: MODULE_ENV,
        });
    }
    for tool in ["softhsm2-util", "pkcs11-tool"] {
        if which(tool).is_none() {
            return Err(Error::ToolNotFound {
                tool: if tool == "pkcs11-tool" {
                    "pkcs11-tool (Debian package opensc)"
                } else {
                    "softhsm2-util (Debian package softhsm2)"
                },
                path: "PATH".into(),
                env: "PATH",
            });
        }
    }
    let dir = tempfile::Builder::new()
        .prefix("trestle-softhsm")
        .tempdir()
        .map_err(Error::io("creating the SoftHSM2 directory"))?;
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).map_err(Error::io("creating the SoftHSM2 token directory"))?;
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n\
             slots.removable = false\n",
            tokens.display()
        ),
    )
    .map_err(Error::io("writing softhsm2.conf"))?;

    let run = |program: &str, args: &[&str]| -> Result<()> {
        let out = Command::new(program)
            .args(args)
            .env("SOFTHSM2_CONF", &conf)
            .output()
            .map_err(|source| Error::Spawn {
                tool: "softhsm2",
                path: program.into(),
                source,
            })?;
        if out.status.success() {
            return Ok(());
        }
        Err(Error::Startup {
            tool: "softhsm2",
            reason: format!("{program} {} failed ({})", args.join(" "), out.status),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        })
    };
    let module_arg = module.display().to_string();
    let keypair = |token: &str, pin: &str, key_type: &str, label: &str| {
        run(
            "pkcs11-tool",
            &[
                "--module",
                &module_arg,
                "--token-label",
                token,
                "--login",
                "--pin",
                pin,
                "--keypairgen",
                "--key-type",
                key_type,
                "--label",
                label,
            ],
        )
    };
    for (token, pin) in [(TOKEN, PIN), (WRONG_PIN_TOKEN, WRONG_PIN_TOKEN_PIN)] {
        run(
            "softhsm2-util",
            &[
                "--init-token",
                "--free",
                "--label",
                token,
                "--pin",
                pin,
                "--so-pin",
                "trestle-so-pin",
            ],
        )?;
    }
    for label in SECP256K1_KEYS {
        keypair(TOKEN, PIN, "EC:secp256k1", label)?;
    }
    for label in ED25519_KEYS {
        keypair(TOKEN, PIN, "EC:edwards25519", label)?;
    }
    keypair(TOKEN, PIN, "EC:prime256v1", P256_KEY)?;
    keypair(WRONG_PIN_TOKEN, WRONG_PIN_TOKEN_PIN, "EC:secp256k1", "evm")?;

    set_conf(&conf);
    Ok(SoftHsm { dir, module })
}

/// Points SoftHSM2 at `conf` for this process.
#[allow(unsafe_code)] // `set_var` is unsafe in edition 2024; see the SAFETY note.
fn set_conf(conf: &Path) {
    // SAFETY: SoftHSM2 has no other way to be told its configuration file. This runs once per
    // process (inside a `OnceLock`), before the module is loaded and, in the tests that use
    // it, first thing: Rust's own reads of the environment take std's lock, and no C code
    // reads the environment on another thread of a test process at that point.
    unsafe { std::env::set_var("SOFTHSM2_CONF", conf) };
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}
