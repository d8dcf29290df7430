//! The type-erased adapter: [`Erased`] turns a typed [`Resource`] into a [`DynResource`], which
//! the protocol glue drives with JSON values. Everything every resource needs (unknown-property
//! and required-input checks, naming, decoding, the diff, preview outputs) happens here once.

use std::collections::BTreeSet;
use std::time::SystemTime;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::codec::{decode, encode, internal_keys, schema_of, without_internal};
use super::diff::{diff_values, DiffOutcome};
use super::{CheckContext, Context, Failure, OpError, Resource};
use crate::config::ProviderConfig;
use crate::naming::{self, Autonaming, AUTONAMED_KEY};
use crate::value::{Marks, Path, UNKNOWN};

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
    /// Differences between old and new inputs; an error when the change cannot be made. `now` is
    /// AWS's time as far as the provider knows it.
    fn diff(
        &self,
        olds: &Value,
        old_inputs: &Value,
        news: &Value,
        ignore_changes: &[String],
        now: SystemTime,
    ) -> Result<DiffOutcome, String>;
    /// Outputs for a preview of a create (`old` None) or an update.
    fn preview(&self, news: &Value, old: Option<&Value>) -> Value;
    fn has_preflight(&self) -> bool;
    /// [`Resource::preflight`] on plain inputs (unknown values removed), then the outputs the
    /// preview can tell ([`Resource::preview_outputs`]).
    async fn preflight(
        &self,
        ctx: &Context,
        news: Value,
    ) -> Result<serde_json::Map<String, Value>, OpError>;
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

/// Inputs the type's schema does not have: typos, each named with the inputs `token` accepts.
pub fn unknown_properties(token: &str, input_schema: &Value, given: &Value) -> Vec<Failure> {
    let (Some(given), Some(known)) = (given.as_object(), input_schema["properties"].as_object())
    else {
        return Vec::new();
    };
    let mut names: Vec<&str> = known.keys().map(String::as_str).collect();
    names.sort_unstable();
    given
        .keys()
        .filter(|k| !known.contains_key(*k))
        .map(|key| Failure {
            property: Path::root().key(key).to_string(),
            reason: format!("unknown property; {token} accepts: {}", names.join(", ")),
        })
        .collect()
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
    /// AWS's time as far as the provider knows it.
    pub now: SystemTime,
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

        failures.extend(unknown_properties(R::TOKEN, &self.input_schema, &news));
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
        let mut ctx = CheckContext::new(req.urn, req.config, req.olds, req.marks, req.now);
        // The name, whoever chose it, follows the resource's rule.
        if let Some(rule) = &R::NAME {
            if let Some(Value::String(name)) = news.get(rule.field) {
                if let Err(reason) = rule.check(name) {
                    ctx.fail(rule.field, reason);
                }
            }
        }
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
        now: SystemTime,
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
        outcome.delete_before_replace |= R::DELETE_BEFORE_REPLACE;
        if !outcome.changed_keys.is_empty() {
            if let Some(reason) = self
                .resource
                .refuse_change(olds, &outcome.changed_keys, now)
            {
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

    async fn preflight(
        &self,
        ctx: &Context,
        news: Value,
    ) -> Result<serde_json::Map<String, Value>, OpError> {
        match decode::<R::Args>(without_internal(&news)) {
            Ok(args) => {
                self.resource.preflight(ctx, &args).await?;
                Ok(self.resource.preview_outputs(ctx, &args).await)
            }
            Err(_) => Ok(serde_json::Map::new()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::NameRule;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use crate::resource::ReadResult;

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Args {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<i64>,
    }

    /// A resource whose own check only looks at `size`: whatever it reports about the name came
    /// from the adapter.
    struct Named;

    #[async_trait]
    impl Resource for Named {
        type Args = Args;
        type State = Args;
        const TOKEN: &'static str = "test:index:Named";
        const NAME: Option<NameRule> = Some(NameRule {
            field: "name",
            what: "a test name",
            min_len: 2,
            max_len: 10,
            allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
            allowed_text: "lowercase letters, digits and hyphens",
        });

        fn check(&self, ctx: &mut CheckContext, args: &mut Args) {
            if args.size.is_some_and(|s| s < 0) {
                ctx.fail("size", "must not be negative");
            }
        }

        async fn create(&self, _: &Context, _: Args) -> Result<(String, Args), OpError> {
            unreachable!()
        }
        async fn read(
            &self,
            _: &Context,
            _: &str,
            _: Option<Args>,
        ) -> Result<Option<ReadResult<Args, Args>>, OpError> {
            unreachable!()
        }
        async fn update(&self, _: &Context, _: &str, _: Args, _: Args) -> Result<Args, OpError> {
            unreachable!()
        }
        async fn delete(&self, _: &Context, _: &str, _: Args) -> Result<(), OpError> {
            unreachable!()
        }
    }

    fn check(news: Value) -> CheckResult {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        Erased::new(Named).check(CheckInput {
            urn: "urn:pulumi:dev::proj::test:index:Named::thing",
            name: "thing",
            config: &config,
            olds: &olds,
            news,
            marks: &marks,
            autonaming: None,
            now: SystemTime::now(),
        })
    }

    #[test]
    fn the_adapter_checks_the_name_against_the_resources_rule_before_its_own_check() {
        let out = check(json!({"name": "Bad.Name", "size": -1}));
        let failures: Vec<(&str, &str)> = out
            .failures
            .iter()
            .map(|f| (f.property.as_str(), f.reason.as_str()))
            .collect();
        assert_eq!(
            failures,
            vec![
                (
                    "name",
                    "a test name may contain only lowercase letters, digits and hyphens; 'Bad.Name' contains 'B'"
                ),
                ("size", "must not be negative"),
            ]
        );
    }

    #[test]
    fn a_valid_or_generated_name_passes_and_is_marked_autonamed_when_generated() {
        assert!(check(json!({"name": "fine"})).failures.is_empty());
        let out = check(json!({}));
        assert!(out.failures.is_empty(), "{:?}", out.failures);
        assert_eq!(out.inputs[AUTONAMED_KEY], json!(true));
        assert!(out.inputs["name"].as_str().unwrap().starts_with("th-"));
    }
}
