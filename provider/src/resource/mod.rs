//! The typed resource model: what a resource author implements.
//!
//! A resource implements [`Resource`] for its own Args/State types, declaring its token, its
//! name rule and which inputs replace it; the generic layer does the rest:
//! - [`erased`]: [`Erased`] adapts a [`Resource`] to the JSON property maps the protocol glue
//!   deals in ([`DynResource`]): unknown properties, the name (autonaming and [`Resource::NAME`]'s
//!   rule), required inputs and decoding are checked there, before [`Resource::check`];
//! - [`diff`]: the generic property diff;
//! - [`context`]: what Check and the operations can use;
//! - [`codec`]: typed values to and from JSON.

pub mod codec;
pub mod context;
pub mod diff;
pub mod erased;

use std::time::SystemTime;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::aws::AwsError;
use crate::naming::{self, NameRule};

pub use codec::{decode, encode, schema_of};
pub use context::{CheckContext, Context, Failure, VaultLookups};
pub use diff::{diff_values, sort_sets, DiffKind, DiffOutcome};
pub use erased::{CheckInput, CheckResult, DynResource, Erased};

/// How a resource operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// Nothing was changed (or the change is unknown): the engine keeps its previous state.
    #[error("{0}")]
    Failed(String),
    /// The resource exists in `state` but a later step failed; the engine records it so nothing
    /// leaks, and retries with an Update on the next `up`.
    #[error("{reason}")]
    Partial {
        id: String,
        state: Value,
        reason: String,
    },
}

impl From<AwsError> for OpError {
    fn from(e: AwsError) -> Self {
        OpError::Failed(e.to_string())
    }
}

impl OpError {
    pub fn partial(id: &str, state: &impl Serialize, reason: impl ToString) -> Self {
        OpError::Partial {
            id: id.to_string(),
            state: serde_json::to_value(state).unwrap_or_default(),
            reason: reason.to_string(),
        }
    }
}

/// Inputs and outputs of a resource as AWS reports them.
pub struct ReadResult<A, S> {
    pub inputs: A,
    pub state: S,
}

/// A Pulumi resource type. Args are the inputs, State the outputs (normally Args plus computed
/// fields). Optional Args fields that are unknown at preview are `None`.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    type Args: Serialize + DeserializeOwned + JsonSchema + Send + Sync;
    type State: Serialize + DeserializeOwned + JsonSchema + Send + Sync;

    /// The type token, e.g. `awsbackup:index:Vault`.
    const TOKEN: &'static str;
    /// Inputs the user must set (checked unless unknown).
    const REQUIRED_INPUTS: &'static [&'static str] = &[];
    /// Inputs whose change replaces the resource.
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[];
    /// The physical-name input and its rule, when the resource is autonamed. The adapter checks
    /// the name against the rule before [`Resource::check`] runs.
    const NAME: Option<NameRule> = None;
    /// The resource is the one of its kind on what its id names (a vault's lock, a vault's
    /// notifications): a replacement deletes it before creating the new one, which would
    /// otherwise take its place and then be removed by the old one's delete.
    const DELETE_BEFORE_REPLACE: bool = false;
    /// Outputs that an in-place update changes (unknown in an update preview).
    const OUTPUTS_CHANGED_BY_UPDATE: &'static [&'static str] = &[];
    /// Top-level list inputs whose elements are matched by a key field in diffs, so a change
    /// shows as that element's field and reordering is no change: (property, key field).
    const KEYED_LISTS: &'static [(&'static str, &'static str)] = &[];

    /// Validates inputs whose values are known; may fill in defaults.
    fn check(&self, ctx: &mut CheckContext, args: &mut Self::Args);

    /// Lets a resource drop differences that mean nothing (e.g. an omitted optional input AWS
    /// fills in). `old_state` holds the previous outputs; the inputs are plain maps.
    fn normalize_for_diff(
        &self,
        _old_state: &Value,
        _old_inputs: &mut Value,
        _new_inputs: &mut Value,
    ) {
    }

    /// Refuses, with the reason, a change AWS would refuse anyway (checked at every Diff, so at
    /// preview). `changed` lists the changed top-level inputs; `now` is AWS's time as far as the
    /// provider knows it, the clock every judgement of time uses.
    fn refuse_change(
        &self,
        _old_state: &Value,
        _changed: &[String],
        _now: SystemTime,
    ) -> Option<String> {
        None
    }

    /// Whether [`Resource::preflight`] looks at AWS (previews build a client only then).
    const PREFLIGHT: bool = false;

    /// Checks the inputs against live AWS state before a create or an update, at preview too.
    /// Only rules the inputs break belong here; a failure to look is not an error.
    async fn preflight(&self, _ctx: &Context, _args: &Self::Args) -> Result<(), OpError> {
        Ok(())
    }

    /// Computed outputs a create or update preview can already tell (an ARN made of the account,
    /// the region and the name, say), so that resources depending on them are checked at
    /// preview. Runs after [`Resource::preflight`], so only with [`Resource::PREFLIGHT`]; the
    /// outputs it leaves out stay unknown.
    async fn preview_outputs(
        &self,
        _ctx: &Context,
        _args: &Self::Args,
    ) -> serde_json::Map<String, Value> {
        serde_json::Map::new()
    }

    async fn create(
        &self,
        ctx: &Context,
        args: Self::Args,
    ) -> Result<(String, Self::State), OpError>;

    /// Reads the live resource; `old` holds the previous inputs on refresh and is `None` on import.
    /// Returns `None` when the resource no longer exists.
    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<Self::Args>,
    ) -> Result<Option<ReadResult<Self::Args, Self::State>>, OpError>;

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: Self::State,
        news: Self::Args,
    ) -> Result<Self::State, OpError>;

    /// Deletes the resource; succeeds when it is already gone.
    async fn delete(&self, ctx: &Context, id: &str, state: Self::State) -> Result<(), OpError>;
}

/// The CreatorRequestId for creating the resource `urn` with these inputs: the same for the same
/// resource with the same replace-on-change inputs (its name included), so a create retried after
/// an interruption, in this process or a later one, gets back what the first attempt made.
pub fn creator_request_id<R: Resource>(urn: &str, inputs: &R::Args) -> String {
    let seed = naming::stable_seed(urn, &encode(inputs), R::REPLACE_ON_CHANGES);
    let hex: String = seed.iter().take(20).map(|b| format!("{b:02x}")).collect();
    format!("pulumi-{hex}")
}
