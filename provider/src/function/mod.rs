//! The typed function model: what a provider function (a data source, served by Invoke)
//! implements.
//!
//! A function implements [`Function`] for its own Args/Output types, declaring its token; the
//! generic layer does the rest:
//! - [`erased`]: [`ErasedFunction`] adapts a [`Function`] to the JSON property maps of the
//!   protocol ([`DynFunction`]): unknown properties, required inputs (the Args fields that are
//!   not `Option`) and decoding are checked there, before [`Function::check`].
//!
//! A function shares the resources' [`CheckContext`] for its input rules and their [`Context`]
//! for its AWS calls (`ctx.urn` holds the function's token).

pub mod erased;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::resource::{CheckContext, Context, OpError};

pub use erased::{DynFunction, ErasedFunction};

/// A Pulumi provider function. Args are the inputs: a field that is not an `Option` is a
/// required input. Output is what the function returns. Their doc comments become the schema's
/// and the SDKs' descriptions.
#[async_trait]
pub trait Function: Send + Sync + 'static {
    type Args: DeserializeOwned + JsonSchema + Send + Sync;
    type Output: Serialize + JsonSchema + Send + Sync;

    /// The function token, e.g. `awsbackup:index:getVault`.
    const TOKEN: &'static str;

    /// Checks the inputs before any AWS call; each failure names its property
    /// (`ctx.fail(property, reason)`), and a failure stops the invoke.
    fn check(&self, _ctx: &mut CheckContext, _args: &Self::Args) {}

    /// Looks AWS up. A lookup that finds nothing is an error naming what was asked for.
    async fn invoke(&self, ctx: &Context, args: Self::Args) -> Result<Self::Output, OpError>;
}

/// Where a lookup looked, for its messages: `us-east-1 (account 123456789012)`, or the region
/// alone when the account cannot be told.
pub async fn location(ctx: &Context) -> String {
    let mut region = ctx.api.region();
    if region.is_empty() {
        region = "an unknown region".into();
    }
    match ctx.api.account_id().await {
        Ok(Some(account)) => format!("{region} (account {account})"),
        Ok(None) => region,
        Err(e) => {
            tracing::debug!(error = %e, "cannot tell the account for a lookup's message");
            region
        }
    }
}
