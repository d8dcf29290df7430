//! The typed resource model. A resource file implements [`Resource`] for its own Args/State
//! types; [`Erased`] adapts it to the JSON property maps the protocol glue deals in.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::aws::{AwsError, BackupApi, Vault};
use crate::config::ProviderConfig;
use crate::naming::{self, Autonaming, NameRule};
use crate::value::{is_unknown, Marks, Path, UNKNOWN};

/// Marks inputs whose `name` the provider generated, so a replacement may pick a new one.
pub const AUTONAMED_KEY: &str = "__autonamed";

/// A Check failure: the property path and the rule it broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub property: String,
    pub reason: String,
}

/// What Check learns about the inputs besides their values.
pub struct CheckContext<'a> {
    pub urn: &'a str,
    pub config: &'a ProviderConfig,
    /// The previous inputs (plain), empty on create.
    pub olds: &'a Value,
    /// Where the new inputs are unknown (preview only); typed values have these fields absent.
    pub marks: &'a Marks,
    failures: Vec<Failure>,
    warnings: Vec<String>,
}

impl<'a> CheckContext<'a> {
    pub fn new(
        urn: &'a str,
        config: &'a ProviderConfig,
        olds: &'a Value,
        marks: &'a Marks,
    ) -> Self {
        CheckContext {
            urn,
            config,
            olds,
            marks,
            failures: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn fail(&mut self, property: impl ToString, reason: impl Into<String>) {
        self.failures.push(Failure {
            property: property.to_string(),
            reason: reason.into(),
        });
    }

    /// A warning shown in the preview; the inputs are still accepted.
    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    /// Whether the value at `path` (engine path syntax), something inside it, or a container of it
    /// is unknown.
    pub fn is_unknown(&self, path: &str) -> bool {
        Path::parse(path).is_some_and(|p| {
            self.marks
                .unknowns
                .iter()
                .any(|u| u.starts_with(&p) || p.starts_with(u))
        })
    }

    pub fn into_parts(self) -> (Vec<Failure>, Vec<String>) {
        (self.failures, self.warnings)
    }
}

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

/// What a resource operation can use.
pub struct Context {
    pub urn: String,
    pub config: Arc<ProviderConfig>,
    pub api: Arc<dyn BackupApi>,
    /// The operation's custom timeout, when the program sets one.
    pub timeout: Option<Duration>,
    /// Vaults looked up by checks against live state, shared by the provider's operations.
    pub vaults: Arc<VaultLookups>,
}

/// Vaults that checks against live state looked up (a plan's target vaults and their locks),
/// kept for the life of the provider process so that a preview looks each vault up once. The
/// provider's own writes to a vault or its lock forget it.
#[derive(Default)]
pub struct VaultLookups {
    seen: std::sync::Mutex<BTreeMap<String, Arc<tokio::sync::OnceCell<Option<Vault>>>>>,
}

impl VaultLookups {
    /// The vault as AWS described it the first time it was asked for (`None`: no such vault).
    pub async fn get(&self, api: &dyn BackupApi, name: &str) -> Result<Option<Vault>, AwsError> {
        let cell = self
            .seen
            .lock()
            .expect("lookups lock")
            .entry(name.to_string())
            .or_default()
            .clone();
        cell.get_or_try_init(|| api.describe_vault(name))
            .await
            .cloned()
    }

    pub fn forget(&self, name: &str) {
        self.seen.lock().expect("lookups lock").remove(name);
    }
}

impl Context {
    /// How long a wait inside the operation may last: `default`, or the custom timeout when the
    /// program sets one, and in any case within nine tenths of the time the operation has left,
    /// so the wait can still report why it gave up.
    pub fn wait_budget(&self, default: Duration) -> Duration {
        let base = self.timeout.unwrap_or(default);
        crate::retry::remaining().map_or(base, |left| base.min(left.mul_f64(0.9)))
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
    /// The physical-name input and its rule, when the resource is autonamed.
    const NAME: Option<NameRule> = None;
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
    /// preview). `changed` lists the changed top-level inputs.
    fn refuse_change(&self, _old_state: &Value, _changed: &[String]) -> Option<String> {
        None
    }

    /// Whether [`Resource::preflight`] looks at AWS (previews build a client only then).
    const PREFLIGHT: bool = false;

    /// Checks the inputs against live AWS state before a create or an update, at preview too.
    /// Only rules the inputs break belong here; a failure to look is not an error.
    async fn preflight(&self, _ctx: &Context, _args: &Self::Args) -> Result<(), OpError> {
        Ok(())
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

/// One property difference, keyed by its path in [`DiffOutcome::detailed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffKind {
    Add,
    Delete,
    Update,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiffOutcome {
    /// Path → (kind, replaces).
    pub detailed: BTreeMap<String, (DiffKind, bool)>,
    pub replaces: Vec<String>,
    pub changed_keys: Vec<String>,
    pub delete_before_replace: bool,
}

/// Everything the protocol glue needs from a resource, on JSON values.
#[async_trait]
pub trait DynResource: Send + Sync {
    fn token(&self) -> &'static str;
    /// (inputs schema, outputs schema) as JSON Schema objects.
    fn schemas(&self) -> (Value, Value);
    fn secret_outputs(&self) -> &BTreeSet<String>;
    fn replace_on_changes(&self) -> &'static [&'static str];
    fn required_inputs(&self) -> &'static [&'static str];
    fn name_field(&self) -> Option<&'static str>;
    fn check(&self, req: CheckInput<'_>) -> CheckResult;
    /// Differences between old and new inputs; an error when the change cannot be made.
    fn diff(
        &self,
        olds: &Value,
        old_inputs: &Value,
        news: &Value,
        ignore_changes: &[String],
    ) -> Result<DiffOutcome, String>;
    /// Outputs for a preview of a create (`old` None) or an update.
    fn preview(&self, news: &Value, old: Option<&Value>) -> Value;
    fn has_preflight(&self) -> bool;
    /// [`Resource::preflight`] on plain inputs (unknown values removed).
    async fn preflight(&self, ctx: &Context, news: Value) -> Result<(), OpError>;
    async fn create(&self, ctx: &Context, news: Value) -> Result<(String, Value), OpError>;
    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old_inputs: Option<Value>,
    ) -> Result<Option<(Value, Value)>, OpError>;
    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        olds: Value,
        news: Value,
    ) -> Result<Value, OpError>;
    async fn delete(&self, ctx: &Context, id: &str, olds: Value) -> Result<(), OpError>;
}

pub struct CheckInput<'a> {
    pub urn: &'a str,
    pub name: &'a str,
    pub config: &'a ProviderConfig,
    /// Old inputs (plain), empty on create.
    pub olds: &'a Value,
    /// New inputs (plain), and where they had unknowns.
    pub news: Value,
    pub marks: &'a Marks,
    pub autonaming: Option<Autonaming>,
}

pub struct CheckResult {
    /// Checked inputs (plain); unknown fields are put back by the caller.
    pub inputs: Value,
    pub failures: Vec<Failure>,
    pub warnings: Vec<String>,
}

/// Adapts a typed [`Resource`] to [`DynResource`].
pub struct Erased<R: Resource> {
    resource: R,
    input_schema: Value,
    output_schema: Value,
    secret_outputs: BTreeSet<String>,
}

impl<R: Resource> Erased<R> {
    pub fn new(resource: R) -> Self {
        let input_schema = schema_of::<R::Args>();
        let output_schema = schema_of::<R::State>();
        let secret_outputs = output_schema["properties"]
            .as_object()
            .map(|props| {
                props
                    .iter()
                    .filter(|(_, p)| p["secret"] == Value::Bool(true))
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        Erased {
            resource,
            input_schema,
            output_schema,
            secret_outputs,
        }
    }

    fn computed_outputs(&self) -> impl Iterator<Item = &String> {
        let inputs = &self.input_schema["properties"];
        self.output_schema["properties"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(move |k| inputs.get(k.as_str()).is_none())
    }
}

/// The inputs that identify a resource besides its name: those whose change replaces it.
fn identity_fields<R: Resource>() -> Vec<&'static str> {
    let name = R::NAME.as_ref().map(|n| n.field);
    R::REPLACE_ON_CHANGES
        .iter()
        .copied()
        .filter(|f| Some(*f) != name)
        .collect()
}

/// The CreatorRequestId for creating the resource `urn` with these inputs: the same for the same
/// resource with the same replace-on-change inputs (its name included), so a create retried after
/// an interruption, in this process or a later one, gets back what the first attempt made.
pub fn creator_request_id<R: Resource>(urn: &str, inputs: &R::Args) -> String {
    let seed = naming::stable_seed(urn, &encode(inputs), R::REPLACE_ON_CHANGES);
    let hex: String = seed.iter().take(20).map(|b| format!("{b:02x}")).collect();
    format!("pulumi-{hex}")
}

/// JSON Schema of a type, with `$ref`s resolved by the schema module later.
pub fn schema_of<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default()
}

/// Decodes a typed value, naming the property path on failure.
pub fn decode<T: DeserializeOwned>(v: Value) -> Result<T, Failure> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        // In the engine's path syntax, so a key with dots or brackets stays one key.
        let path = e
            .path()
            .iter()
            .fold(Path::root(), |p, seg| match seg {
                serde_path_to_error::Segment::Seq { index } => p.index(*index),
                serde_path_to_error::Segment::Map { key } => p.key(key),
                serde_path_to_error::Segment::Enum { variant } => p.key(variant),
                serde_path_to_error::Segment::Unknown => p,
            })
            .to_string();
        let inner = e.into_inner().to_string();
        let reason = inner
            .split(" at line ")
            .next()
            .unwrap_or(&inner)
            .to_string();
        Failure {
            property: path,
            reason,
        }
    })
}

pub fn encode<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// Removes engine-internal keys (`__*`) from a property map.
/// A property map is an object; anything else (a whole map sent as one secret) counts as empty.
fn without_internal(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with("__"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        _ => Value::Object(Map::new()),
    }
}

fn internal_keys(v: &Value) -> Map<String, Value> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.starts_with("__"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[async_trait]
impl<R: Resource> DynResource for Erased<R> {
    fn token(&self) -> &'static str {
        R::TOKEN
    }

    fn schemas(&self) -> (Value, Value) {
        (self.input_schema.clone(), self.output_schema.clone())
    }

    fn secret_outputs(&self) -> &BTreeSet<String> {
        &self.secret_outputs
    }

    fn replace_on_changes(&self) -> &'static [&'static str] {
        R::REPLACE_ON_CHANGES
    }

    fn required_inputs(&self) -> &'static [&'static str] {
        R::REQUIRED_INPUTS
    }

    fn name_field(&self) -> Option<&'static str> {
        R::NAME.as_ref().map(|n| n.field)
    }

    fn check(&self, req: CheckInput<'_>) -> CheckResult {
        let mut failures = Vec::new();
        let mut news = without_internal(&req.news);
        let mut internal = Map::new();

        // Unknown properties are typos: name them.
        if let (Some(given), Some(known)) = (
            news.as_object(),
            self.input_schema["properties"].as_object(),
        ) {
            for key in given.keys().filter(|k| !known.contains_key(*k)) {
                let mut names: Vec<&str> = known.keys().map(String::as_str).collect();
                names.sort_unstable();
                failures.push(Failure {
                    property: Path::root().key(key).to_string(),
                    reason: format!(
                        "unknown property; {} accepts: {}",
                        R::TOKEN,
                        names.join(", ")
                    ),
                });
            }
        }
        if let Some(obj) = news.as_object_mut() {
            obj.retain(|k, _| self.input_schema["properties"].get(k.as_str()).is_some());
        }

        if let Some(rule) = &R::NAME {
            let seed = naming::stable_seed(req.urn, &news, &identity_fields::<R>());
            match naming::resolve_name(
                rule,
                &news,
                req.olds,
                req.marks,
                req.name,
                &seed,
                req.autonaming.as_ref(),
            ) {
                Ok(Some(resolved)) => {
                    news[rule.field] = Value::String(resolved.name);
                    if resolved.autonamed {
                        internal.insert(AUTONAMED_KEY.into(), Value::Bool(true));
                    }
                }
                // The user chose the name: removing it later picks a new one (a replacement).
                Ok(None) if news.get(rule.field).is_some_and(Value::is_string) => {
                    internal.insert(AUTONAMED_KEY.into(), Value::Bool(false));
                }
                Ok(None) => {}
                Err(reason) => failures.push(Failure {
                    property: rule.field.into(),
                    reason,
                }),
            }
        }

        for field in R::REQUIRED_INPUTS {
            let absent = news.get(*field).is_none_or(Value::is_null);
            if absent && !req.marks.has_unknown_under(field) {
                failures.push(Failure {
                    property: (*field).into(),
                    reason: "is required".into(),
                });
            }
        }

        let mut args: R::Args = match decode(news.clone()) {
            Ok(args) => args,
            Err(f) => {
                failures.push(f);
                return CheckResult {
                    inputs: news,
                    failures,
                    warnings: Vec::new(),
                };
            }
        };
        let mut ctx = CheckContext::new(req.urn, req.config, req.olds, req.marks);
        self.resource.check(&mut ctx, &mut args);
        let (more, warnings) = ctx.into_parts();
        failures.extend(more);

        let mut inputs = encode(&args);
        if let Some(obj) = inputs.as_object_mut() {
            obj.extend(internal);
        }
        CheckResult {
            inputs,
            failures,
            warnings,
        }
    }

    fn diff(
        &self,
        olds: &Value,
        old_inputs: &Value,
        news: &Value,
        ignore_changes: &[String],
    ) -> Result<DiffOutcome, String> {
        let mut old = without_internal(old_inputs);
        let mut new = without_internal(news);
        for path in ignore_changes.iter().filter_map(|p| Path::parse(p)) {
            match path.get(&old).cloned() {
                Some(v) => {
                    path.set(&mut new, v);
                }
                None => {
                    path.remove(&mut new);
                }
            }
        }
        self.resource.normalize_for_diff(olds, &mut old, &mut new);

        let mut outcome = DiffOutcome::default();
        diff_values(
            &Path::root(),
            Some(&old),
            Some(&new),
            R::KEYED_LISTS,
            &mut |path, kind| {
                let top = path.top().unwrap_or_default().to_string();
                let replaces = R::REPLACE_ON_CHANGES.contains(&top.as_str());
                outcome.detailed.insert(path.to_string(), (kind, replaces));
                if !outcome.changed_keys.contains(&top) {
                    outcome.changed_keys.push(top.clone());
                }
                if replaces && !outcome.replaces.contains(&top) {
                    outcome.replaces.push(top);
                }
            },
        );
        if let Some(rule) = &R::NAME {
            // A replacement that keeps the name must free it first. An autonamed resource gets
            // the name its new inputs derive (see `naming::stable_seed`): the same one when only
            // a targeted `--replace` or a dependency forces the replacement.
            let autonamed = news.get(AUTONAMED_KEY) == Some(&Value::Bool(true));
            outcome.delete_before_replace = if autonamed {
                // Only a changed identifying input gives the replacement another name.
                !identity_fields::<R>()
                    .iter()
                    .any(|f| outcome.replaces.iter().any(|r| r == f))
            } else {
                old.get(rule.field).is_some() && old.get(rule.field) == new.get(rule.field)
            };
        }
        if !outcome.changed_keys.is_empty() {
            if let Some(reason) = self.resource.refuse_change(olds, &outcome.changed_keys) {
                return Err(reason);
            }
        }
        Ok(outcome)
    }

    fn preview(&self, news: &Value, old: Option<&Value>) -> Value {
        let mut out = without_internal(news);
        for key in self.computed_outputs() {
            let keep = old
                .and_then(|o| o.get(key))
                .filter(|_| !R::OUTPUTS_CHANGED_BY_UPDATE.contains(&key.as_str()));
            out[key.as_str()] = keep
                .cloned()
                .unwrap_or_else(|| Value::String(UNKNOWN.into()));
        }
        out
    }

    fn has_preflight(&self) -> bool {
        R::PREFLIGHT
    }

    async fn preflight(&self, ctx: &Context, news: Value) -> Result<(), OpError> {
        match decode::<R::Args>(without_internal(&news)) {
            Ok(args) => self.resource.preflight(ctx, &args).await,
            Err(_) => Ok(()),
        }
    }

    async fn create(&self, ctx: &Context, news: Value) -> Result<(String, Value), OpError> {
        let args: R::Args = decode(without_internal(&news)).map_err(invalid_inputs)?;
        let (id, state) = self.resource.create(ctx, args).await?;
        Ok((id, encode(&state)))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old_inputs: Option<Value>,
    ) -> Result<Option<(Value, Value)>, OpError> {
        let internal = old_inputs.as_ref().map(internal_keys).unwrap_or_default();
        let old = match old_inputs {
            Some(v) => Some(decode::<R::Args>(without_internal(&v)).map_err(invalid_inputs)?),
            None => None,
        };
        let Some(found) = self.resource.read(ctx, id, old).await? else {
            return Ok(None);
        };
        let mut inputs = encode(&found.inputs);
        if let Some(obj) = inputs.as_object_mut() {
            obj.extend(internal);
        }
        Ok(Some((inputs, encode(&found.state))))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        olds: Value,
        news: Value,
    ) -> Result<Value, OpError> {
        let old: R::State = decode(without_internal(&olds)).map_err(invalid_state)?;
        let args: R::Args = decode(without_internal(&news)).map_err(invalid_inputs)?;
        Ok(encode(&self.resource.update(ctx, id, old, args).await?))
    }

    async fn delete(&self, ctx: &Context, id: &str, olds: Value) -> Result<(), OpError> {
        let old: R::State = decode(without_internal(&olds)).map_err(invalid_state)?;
        self.resource.delete(ctx, id, old).await
    }
}

fn invalid_inputs(f: Failure) -> OpError {
    OpError::Failed(format!("invalid inputs: {}: {}", f.property, f.reason))
}

fn invalid_state(f: Failure) -> OpError {
    OpError::Failed(format!(
        "invalid state in the stack: {}: {}",
        f.property, f.reason
    ))
}

/// Reports differences between two JSON values, descending into objects. Arrays are compared
/// whole, except the top-level `keyed` ones, whose elements are matched by a key field (paths use
/// the new index, or the old one for a removed element); an unknown new value is always a change.
pub fn diff_values(
    path: &Path,
    old: Option<&Value>,
    new: Option<&Value>,
    keyed: &[(&str, &str)],
    report: &mut dyn FnMut(Path, DiffKind),
) {
    let key_field = match (path.0.as_slice(), old, new) {
        ([crate::value::Seg::Key(top)], Some(Value::Array(_)), Some(Value::Array(_))) => {
            keyed.iter().find(|(p, _)| p == top).map(|(_, k)| *k)
        }
        _ => None,
    };
    if let (Some(field), Some(Value::Array(o)), Some(Value::Array(n))) = (key_field, old, new) {
        let key_of = |v: &Value| v.get(field).and_then(Value::as_str).map(str::to_string);
        let all_keyed = o.iter().chain(n.iter()).all(|v| key_of(v).is_some());
        if all_keyed {
            for (j, item) in n.iter().enumerate() {
                let before = o.iter().find(|x| key_of(x) == key_of(item));
                diff_values(&path.index(j), before, Some(item), keyed, report);
            }
            for (i, item) in o.iter().enumerate() {
                if !n.iter().any(|x| key_of(x) == key_of(item)) {
                    report(path.index(i), DiffKind::Delete);
                }
            }
            return;
        }
    }

    let old = old.filter(|v| !v.is_null());
    let new = new.filter(|v| !v.is_null());
    match (old, new) {
        (None, None) => {}
        (None, Some(_)) => report(path.clone(), DiffKind::Add),
        (Some(_), None) => report(path.clone(), DiffKind::Delete),
        (Some(_), Some(n)) if is_unknown(n) => report(path.clone(), DiffKind::Update),
        (Some(Value::Object(o)), Some(Value::Object(n))) => {
            let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
            for k in keys {
                diff_values(&path.key(k), o.get(k), n.get(k), keyed, report);
            }
        }
        (Some(o), Some(n)) => {
            if o != n {
                report(path.clone(), DiffKind::Update);
            }
        }
    }
}
