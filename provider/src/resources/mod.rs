//! The resource types of the package. Adding one: a file here and a line in [`all`].

pub mod plan;
pub mod selection;
pub mod tags;
pub mod vault;
pub mod vault_lock;

use std::sync::Arc;

use crate::resource::{DynResource, Erased};

pub fn all() -> Vec<Arc<dyn DynResource>> {
    vec![
        Arc::new(Erased::new(vault::Vault)),
        Arc::new(Erased::new(vault_lock::VaultLock)),
        Arc::new(Erased::new(plan::Plan)),
        Arc::new(Erased::new(selection::Selection)),
    ]
}
