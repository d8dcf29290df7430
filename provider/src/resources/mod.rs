//! The resource types of the package, one module each.
//!
//! Adding a resource `Foo`:
//! 1. A module `foo.rs`, or a folder `foo/` laid out like [`plan`] and [`selection`]: `types.rs`
//!    with `FooArgs`/`FooState` (their doc comments become the schema's and the SDKs' docs),
//!    `checks.rs` with the validation rules, `document.rs` with the conversion to and from the
//!    types of [`crate::aws`], `mod.rs` with `impl Resource for Foo`.
//! 2. [`Resource`](crate::resource::Resource) asks for the type token, the required and
//!    replace-on-change inputs and, for a resource with a physical name, its
//!    [`NameRule`](crate::naming::NameRule): the adapter autonames the resource and checks the
//!    name, so `check` holds only the resource's other rules. Create, read, update and delete
//!    call AWS through `ctx.api`.
//! 3. AWS calls go through [`BackupApi`](crate::aws::BackupApi), which speaks the provider's own
//!    types (a new operation goes there, its types in `aws/<kind>.rs` and its SDK implementation
//!    in `aws/sdk/<kind>.rs`). Errors are told apart by their predicates
//!    ([`crate::aws::errors`]), never by code or message; reads answer `None`, and deletes
//!    `Ok(false)`, for what is already gone.
//! 4. A line `foo::Foo` in the `resources!` list below (it declares the module and registers the
//!    type with the server, the schema and the SDK generator), then `make schema` and `make sdks`.
//!
//! [`tags`] has what taggable resources share: `defaultTags`, AWS's tag limits, tag changes.

pub mod tags;

use std::sync::Arc;

use crate::resource::{DynResource, Erased};

/// Declares each resource's module and registers its type, in this order (the schema's and the
/// SDKs' order): `module::Type`, one line per resource.
macro_rules! resources {
    ($($module:ident :: $resource:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every resource type of the package, in registration order.
        pub fn all() -> Vec<Arc<dyn DynResource>> {
            vec![$(Arc::new(Erased::new($module::$resource))),*]
        }
    };
}

resources! {
    vault::Vault,
    vault_lock::VaultLock,
    plan::Plan,
    selection::Selection,
    vault_notifications::VaultNotifications,
    vault_policy::VaultPolicy,
    global_settings::GlobalSettings,
    region_settings::RegionSettings,
    air_gapped_vault::LogicallyAirGappedVault,
    restore_testing_plan::RestoreTestingPlan,
    restore_testing_selection::RestoreTestingSelection,
    framework::Framework,
    report_plan::ReportPlan,
}
