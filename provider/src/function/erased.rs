//! The type-erased adapter: [`ErasedFunction`] turns a typed [`Function`] into a
//! [`DynFunction`], which the protocol glue drives with JSON values. The checks every function
//! needs (unknown properties, unknown values, required inputs, decoding) happen here once.

use std::collections::BTreeSet;
use std::time::SystemTime;

use async_trait::async_trait;
use serde_json::Value;

use super::Function;
use crate::config::ProviderConfig;
use crate::resource::erased::unknown_properties;
use crate::resource::{decode, encode, schema_of, CheckContext, Context, Failure, OpError};
use crate::value::{Marks, Path};

/// Everything the protocol glue needs from a function, on JSON values.
#[async_trait]
pub trait DynFunction: Send + Sync {
    fn token(&self) -> &'static str;
    /// (inputs schema, outputs schema) as JSON Schema objects.
    fn schemas(&self) -> (Value, Value);
    /// The inputs the caller must give.
    fn required_inputs(&self) -> Vec<String>;
    fn secret_outputs(&self) -> &BTreeSet<String>;
    /// The inputs' failures, and warnings: `args` are plain, `marks` say where the engine sent
    /// unknowns. An invoke goes ahead only without failures.
    fn check(
        &self,
        config: &ProviderConfig,
        args: &Value,
        marks: &Marks,
        now: SystemTime,
    ) -> (Vec<Failure>, Vec<String>);
    /// [`Function::invoke`] on checked plain inputs.
    async fn invoke(&self, ctx: &Context, args: Value) -> Result<Value, OpError>;
}

/// Adapts a typed [`Function`] to [`DynFunction`].
pub struct ErasedFunction<F: Function> {
    function: F,
    input_schema: Value,
    output_schema: Value,
    secret_outputs: BTreeSet<String>,
}

impl<F: Function> ErasedFunction<F> {
    pub fn new(function: F) -> Self {
        let input_schema = schema_of::<F::Args>();
        let output_schema = schema_of::<F::Output>();
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
        ErasedFunction {
            function,
            input_schema,
            output_schema,
            secret_outputs,
        }
    }
}

#[async_trait]
impl<F: Function> DynFunction for ErasedFunction<F> {
    fn token(&self) -> &'static str {
        F::TOKEN
    }

    fn schemas(&self) -> (Value, Value) {
        (self.input_schema.clone(), self.output_schema.clone())
    }

    fn required_inputs(&self) -> Vec<String> {
        self.input_schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    fn secret_outputs(&self) -> &BTreeSet<String> {
        &self.secret_outputs
    }

    fn check(
        &self,
        config: &ProviderConfig,
        args: &Value,
        marks: &Marks,
        now: SystemTime,
    ) -> (Vec<Failure>, Vec<String>) {
        let known = self.input_schema["properties"].as_object();
        let given = args.as_object();
        let mut failures = unknown_properties(F::TOKEN, &self.input_schema, args);
        // A lookup needs its inputs: one still unknown (a value computed by a resource not
        // created yet) cannot be looked up.
        let mut unknown: Vec<&str> = marks.unknowns.iter().filter_map(Path::top).collect();
        unknown.dedup();
        for property in &unknown {
            failures.push(Failure {
                property: Path::root().key(property).to_string(),
                reason: "is not known yet (it comes from a resource that does not exist yet); \
                         a function needs its inputs known"
                    .into(),
            });
        }
        for field in self.required_inputs() {
            let absent = given.and_then(|g| g.get(&field)).is_none_or(Value::is_null);
            if absent && !unknown.contains(&field.as_str()) {
                failures.push(Failure {
                    property: field,
                    reason: "is required".into(),
                });
            }
        }
        if !failures.is_empty() {
            return (failures, Vec::new());
        }
        let mut plain = args.clone();
        if let (Some(obj), Some(known)) = (plain.as_object_mut(), known) {
            obj.retain(|k, v| known.contains_key(k) && !v.is_null());
        }
        let typed: F::Args = match decode(plain) {
            Ok(typed) => typed,
            Err(f) => return (vec![f], Vec::new()),
        };
        let olds = Value::Object(Default::default());
        let mut ctx = CheckContext::new(F::TOKEN, config, &olds, marks, now);
        self.function.check(&mut ctx, &typed);
        ctx.into_parts()
    }

    async fn invoke(&self, ctx: &Context, args: Value) -> Result<Value, OpError> {
        let mut plain = args;
        if let Some(obj) = plain.as_object_mut() {
            obj.retain(|_, v| !v.is_null());
        }
        let typed: F::Args = decode(plain).map_err(|f| {
            OpError::Failed(format!(
                "{}: invalid inputs: {}: {}",
                F::TOKEN,
                f.property,
                f.reason
            ))
        })?;
        Ok(encode(&self.function.invoke(ctx, typed).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use crate::value::split;

    /// A name and an optional count.
    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct Args {
        /// The name.
        name: String,
        /// How many.
        max_count: Option<i64>,
    }

    #[derive(Serialize, JsonSchema)]
    struct Output {
        /// The name again.
        name: String,
    }

    /// A function whose own check only looks at `maxCount`: whatever it reports about the
    /// other inputs came from the adapter.
    struct Echo;

    #[async_trait]
    impl Function for Echo {
        type Args = Args;
        type Output = Output;
        const TOKEN: &'static str = "test:index:echo";

        fn check(&self, ctx: &mut CheckContext, args: &Args) {
            if args.max_count.is_some_and(|n| n < 1) {
                ctx.fail("maxCount", "must be at least 1");
            }
        }

        async fn invoke(&self, _: &Context, args: Args) -> Result<Output, OpError> {
            Ok(Output { name: args.name })
        }
    }

    fn check(raw: Value) -> Vec<(String, String)> {
        let (args, marks) = split(raw);
        let (failures, _) = ErasedFunction::new(Echo).check(
            &ProviderConfig::default(),
            &args,
            &marks,
            SystemTime::now(),
        );
        failures
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    }

    #[test]
    fn required_inputs_are_the_fields_that_are_not_options() {
        assert_eq!(ErasedFunction::new(Echo).required_inputs(), ["name"]);
        assert_eq!(
            check(json!({})),
            [("name".to_string(), "is required".to_string())]
        );
        assert_eq!(
            check(json!({"name": null})),
            [("name".to_string(), "is required".to_string())]
        );
    }

    #[test]
    fn typos_wrong_types_and_unknown_values_are_named() {
        let typo = check(json!({"name": "n", "maxCuont": 2}));
        assert_eq!(typo.len(), 1, "{typo:?}");
        assert_eq!(typo[0].0, "maxCuont");
        assert_eq!(
            typo[0].1,
            "unknown property; test:index:echo accepts: maxCount, name"
        );
        let wrong = check(json!({"name": "n", "maxCount": "ten"}));
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert_eq!(wrong[0].0, "maxCount");
        assert!(wrong[0].1.starts_with("invalid type"), "{wrong:?}");
        let unknown = check(json!({"name": crate::value::UNKNOWN}));
        assert_eq!(unknown.len(), 1, "{unknown:?}");
        assert_eq!(unknown[0].0, "name");
        assert!(unknown[0].1.starts_with("is not known yet"), "{unknown:?}");
    }

    #[test]
    fn the_functions_own_check_runs_on_decoded_inputs() {
        assert_eq!(
            check(json!({"name": "n", "maxCount": 0})),
            [("maxCount".to_string(), "must be at least 1".to_string())]
        );
        assert!(check(json!({"name": "n", "maxCount": 3})).is_empty());
        // Null is no value: an optional input given as null is left out.
        assert!(check(json!({"name": "n", "maxCount": null})).is_empty());
    }
}
