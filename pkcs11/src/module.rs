//! PKCS#11 modules, loaded and initialised once per process.
//!
//! `C_Initialize` may be called once per module and process; every key on a module (a
//! validator's and a relayer's key on one HSM) shares its context.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};

use crate::error::{Error, Result};

static MODULES: Mutex<BTreeMap<PathBuf, Pkcs11>> = Mutex::new(BTreeMap::new());

/// The initialised context of the module at `path`, loading it on first use. Contexts stay
/// loaded until the process exits.
pub(crate) fn load(path: &Path) -> Result<Pkcs11> {
    let mut modules = MODULES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(context) = modules.get(path) {
        return Ok(context.clone());
    }
    let failed = |reason: String| Error::Module {
        module: path.to_owned(),
        reason,
    };
    if !path.exists() {
        return Err(failed(
            "no such file (is the HSM vendor's library installed?)".into(),
        ));
    }
    let context = Pkcs11::new(path).map_err(|e| failed(format!("does not load: {e}")))?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(failed(format!("C_Initialize failed: {e}"))),
    }
    modules.insert(path.to_owned(), context.clone());
    Ok(context)
}
