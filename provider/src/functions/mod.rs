//! The provider functions of the package (data sources, served by Invoke), one module each.
//!
//! Adding a function `getFoo`:
//! 1. A module `get_foo.rs` with `GetFooArgs` (the inputs; a field that is not an `Option` is
//!    required) and `GetFooResult` (what it returns), whose doc comments become the schema's and
//!    the SDKs' docs, and `impl Function for GetFoo`: the token, `check` for the input rules
//!    (each failure naming its property), `invoke` calling AWS through `ctx.api`. A lookup that
//!    finds nothing fails naming what was asked for and where ([`location`]).
//! 2. Shape the result with the conversions the matching resource uses (its `document.rs`), so
//!    a function reports a thing exactly as the resource does.
//! 3. A line `get_foo::GetFoo` in the `functions!` list below (it declares the module and
//!    registers the function with the server, the schema and the SDK generator), then
//!    `make schema` and `make sdks`.

use std::sync::Arc;

use crate::function::{DynFunction, ErasedFunction};

pub use crate::function::location;

/// Declares each function's module and registers it, in this order (the schema's and the SDKs'
/// order): `module::Type`, one line per function.
macro_rules! functions {
    ($($module:ident :: $function:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every function of the package, in registration order.
        pub fn all() -> Vec<Arc<dyn DynFunction>> {
            vec![$(Arc::new(ErasedFunction::new($module::$function))),*]
        }
    };
}

functions! {
    get_vault::GetVault,
    get_plan::GetPlan,
    get_selection::GetSelection,
    get_recovery_points::GetRecoveryPoints,
}
