//! The Pulumi package schema, derived from the Rust types of the resources and functions
//! (through their JSON Schema).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::config::ProviderConfig;
use crate::function::DynFunction;
use crate::resource::{schema_of, DynResource};

pub const PACKAGE: &str = "awsbackup";
/// The Go import path of the generated Go SDK (`sdk/go/awsbackup`, its own module).
pub const GO_IMPORT_BASE: &str = "github.com/awsbackup/pulumi-awsbackup/sdk/go/awsbackup";

/// The package's named types, and the JSON Schema definition each was made from.
#[derive(Default)]
struct Types {
    specs: Map<String, Value>,
    sources: BTreeMap<String, Value>,
}

/// Builds the package schema for the given resources and functions.
pub fn package_schema(
    resources: &[Arc<dyn DynResource>],
    functions: &[Arc<dyn DynFunction>],
) -> Value {
    let mut types = Types::default();
    let config_schema = schema_of::<ProviderConfig>();
    let config_props = properties(&config_schema, &config_schema, &mut types, &[]);

    let mut resource_specs = Map::new();
    for r in resources {
        let (inputs, outputs) = r.schemas();
        let replace = r.replace_on_changes();
        let input_props = properties(&inputs, &inputs, &mut types, replace);
        let output_props = properties(&outputs, &outputs, &mut types, replace);
        let mut required: Vec<Value> = outputs["required"].as_array().cloned().unwrap_or_default();
        if let Some(name) = r.name_field() {
            required.push(Value::from(name));
        }
        required.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        required.dedup();
        resource_specs.insert(
            r.token().to_string(),
            json!({
                "description": inputs["description"],
                "inputProperties": input_props,
                "requiredInputs": r.required_inputs(),
                "properties": output_props,
                "required": required,
            }),
        );
    }

    let mut function_specs = Map::new();
    for f in functions {
        let (inputs, outputs) = f.schemas();
        let input_props = properties(&inputs, &inputs, &mut types, &[]);
        let output_props = properties(&outputs, &outputs, &mut types, &[]);
        let mut required: Vec<Value> = outputs["required"].as_array().cloned().unwrap_or_default();
        required.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        function_specs.insert(
            f.token().to_string(),
            json!({
                "description": inputs["description"],
                "inputs": {
                    "type": "object",
                    "properties": input_props,
                    "required": f.required_inputs(),
                },
                "outputs": {
                    "type": "object",
                    "description": outputs["description"],
                    "properties": output_props,
                    "required": required,
                },
            }),
        );
    }

    json!({
        "name": PACKAGE,
        "displayName": "AWS Backup",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "Manage AWS Backup vaults, vault locks, backup plans and backup selections, \
                        validated at preview time.",
        "keywords": ["pulumi", "aws", "backup", "category/cloud", "kind/native"],
        "license": "Apache-2.0",
        "meta": {"moduleFormat": "(.*)"},
        "config": {"variables": config_props, "defaults": []},
        "provider": {
            "description": "The provider type for the awsbackup package.",
            "inputProperties": config_props,
        },
        "types": types.specs,
        "resources": resource_specs,
        "functions": function_specs,
        "language": {
            "nodejs": {
                "packageName": "@awsbackup/pulumi",
                "packageDescription": "Pulumi SDK for AWS Backup (the awsbackup provider).",
                "respectSchemaVersion": true,
                "dependencies": {"@pulumi/pulumi": "^3.0.0"},
            },
            "python": {
                "packageName": "pulumi_awsbackup",
                "respectSchemaVersion": true,
                "pythonRequires": ">=3.9",
                "requires": {"pulumi": ">=3.0.0,<4.0.0"},
                "pyproject": {"enabled": true},
            },
            "go": {
                "importBasePath": GO_IMPORT_BASE,
                "rootPackageName": PACKAGE,
                "respectSchemaVersion": true,
                "generateResourceContainerTypes": true,
            },
        },
    })
}

/// Converts the `properties` of a JSON Schema object into Pulumi property specs.
fn properties(schema: &Value, root: &Value, types: &mut Types, replace: &[&str]) -> Value {
    let mut out = Map::new();
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        let mut spec = type_spec(prop, root, types);
        if let Some(d) = prop.get("description") {
            spec.insert("description".into(), d.clone());
        }
        if prop.get("secret") == Some(&Value::Bool(true)) {
            spec.insert("secret".into(), Value::Bool(true));
        }
        if replace.contains(&name.as_str()) {
            spec.insert("replaceOnChanges".into(), Value::Bool(true));
            spec.insert("willReplaceOnChanges".into(), Value::Bool(true));
        }
        out.insert(name.clone(), Value::Object(spec));
    }
    Value::Object(out)
}

/// A JSON Schema type (possibly nullable, possibly a `$ref`) as a Pulumi type spec.
fn type_spec(prop: &Value, root: &Value, types: &mut Types) -> Map<String, Value> {
    if let Some(r) = prop.get("$ref").and_then(Value::as_str) {
        return reference(r, root, types);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = prop.get(key).and_then(Value::as_array) {
            let non_null: Vec<&Value> = options.iter().filter(|o| o["type"] != "null").collect();
            if let [only] = non_null.as_slice() {
                return type_spec(only, root, types);
            }
        }
    }
    // A property of any JSON value (`serde_json::Value`) has no type in the JSON Schema.
    if prop.get("type").is_none()
        && ["enum", "const", "properties"]
            .iter()
            .all(|k| prop.get(*k).is_none())
    {
        let mut spec = Map::new();
        spec.insert("$ref".into(), "pulumi.json#/Any".into());
        return spec;
    }
    let ty = match &prop["type"] {
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string")
            .to_string(),
        _ => "string".into(),
    };
    let mut spec = Map::new();
    match ty.as_str() {
        "object" => {
            spec.insert("type".into(), "object".into());
            let items = prop
                .get("additionalProperties")
                .filter(|v| v.is_object())
                .map(|v| Value::Object(type_spec(v, root, types)))
                .unwrap_or_else(|| json!({"type": "string"}));
            spec.insert("additionalProperties".into(), items);
        }
        "array" => {
            spec.insert("type".into(), "array".into());
            let items = prop
                .get("items")
                .map(|v| Value::Object(type_spec(v, root, types)))
                .unwrap_or_else(|| json!({"type": "string"}));
            spec.insert("items".into(), items);
        }
        other => {
            spec.insert("type".into(), other.into());
        }
    }
    spec
}

/// A `$ref` to a definition becomes a reference to a named object type of the package.
fn reference(r: &str, root: &Value, types: &mut Types) -> Map<String, Value> {
    let name = r.rsplit('/').next().unwrap_or(r);
    // `RuleArgs` is the type `Rule`: the SDK generators add their own `Args` to input types.
    let token = format!(
        "{PACKAGE}:index:{}",
        name.strip_suffix("Args").unwrap_or(name)
    );
    let def = &root["$defs"][name];
    // The same Rust type met again (from another resource or function) is the same type; two
    // different ones must not share a name.
    if let Some(seen) = types.sources.get(&token) {
        assert!(
            seen == def,
            "two different Rust types make the schema type {token}: rename one"
        );
    } else {
        types.sources.insert(token.clone(), def.clone());
        types.specs.insert(token.clone(), Value::Null); // placeholder against recursion
        if let Some(values) = enum_values(def) {
            types.specs.insert(
                token.clone(),
                json!({"type": "string", "description": def["description"], "enum": values}),
            );
            let mut spec = Map::new();
            spec.insert("$ref".into(), Value::String(format!("#/types/{token}")));
            return spec;
        }
        let props = properties(def, root, types, &[]);
        let required = def["required"].clone();
        types.specs.insert(
            token.clone(),
            json!({
                "type": "object",
                "description": def["description"],
                "properties": props,
                "required": if required.is_null() { json!([]) } else { required },
            }),
        );
    }
    let mut spec = Map::new();
    spec.insert("$ref".into(), Value::String(format!("#/types/{token}")));
    spec
}

/// The values of a string enum definition (`enum`, or `oneOf` single values with descriptions),
/// as Pulumi enum values.
fn enum_values(def: &Value) -> Option<Vec<Value>> {
    if let Some(values) = def["enum"].as_array() {
        return Some(values.iter().map(|v| json!({ "value": v })).collect());
    }
    def["oneOf"]
        .as_array()?
        .iter()
        .map(|option| {
            let value = option
                .get("const")
                .or_else(|| option["enum"].as_array().filter(|e| e.len() == 1)?.first())?;
            let mut spec = json!({ "value": value });
            if let Some(d) = option.get("description") {
                spec["description"] = d.clone();
            }
            Some(spec)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        package_schema(&crate::resources::all(), &crate::functions::all())
    }

    #[test]
    fn enums_are_string_enums_and_type_names_carry_no_args_suffix() {
        let s = schema();
        let mode = &s["types"]["awsbackup:index:RetryMode"];
        assert_eq!(mode["type"], "string");
        let values: Vec<&str> = mode["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].as_str().unwrap())
            .collect();
        assert_eq!(values, ["standard", "adaptive"]);
        assert!(s["types"]["awsbackup:index:Rule"].is_object());
        let named_args: Vec<&String> = s["types"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|t| t.ends_with("Args"))
            .collect();
        assert!(named_args.is_empty(), "{named_args:?}");
    }

    #[test]
    fn every_resource_property_and_type_has_a_description() {
        let s = schema();
        let mut missing = Vec::new();
        for (token, spec) in s["resources"].as_object().unwrap() {
            if !spec["description"].is_string() {
                missing.push(token.clone());
            }
            for section in ["inputProperties", "properties"] {
                for (name, p) in spec[section].as_object().unwrap() {
                    if !p["description"].is_string() {
                        missing.push(format!("{token}.{section}.{name}"));
                    }
                }
            }
        }
        for (token, spec) in s["types"].as_object().unwrap() {
            if !spec["description"].is_string() {
                missing.push(token.clone());
            }
            for (name, p) in spec["properties"].as_object().into_iter().flatten() {
                if !p["description"].is_string() {
                    missing.push(format!("{token}.{name}"));
                }
            }
        }
        for (name, p) in s["config"]["variables"].as_object().unwrap() {
            if !p["description"].is_string() {
                missing.push(format!("config.{name}"));
            }
        }
        for (token, spec) in s["functions"].as_object().unwrap() {
            for part in ["description", "outputs.description"] {
                let found = part.split('.').fold(spec, |v, k| &v[k]);
                if !found.is_string() {
                    missing.push(format!("{token}.{part}"));
                }
            }
            for section in ["inputs", "outputs"] {
                for (name, p) in spec[section]["properties"].as_object().unwrap() {
                    if !p["description"].is_string() {
                        missing.push(format!("{token}.{section}.{name}"));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "without a description: {missing:?}");
    }

    #[test]
    fn vault_schema_has_the_public_api() {
        let s = schema();
        let vault = &s["resources"]["awsbackup:index:Vault"];
        for input in ["name", "encryptionKeyArn", "tags", "forceDestroy"] {
            assert!(vault["inputProperties"][input].is_object(), "input {input}");
        }
        for output in [
            "arn",
            "recoveryPoints",
            "creationDate",
            "locked",
            "lockDate",
            "name",
        ] {
            assert!(vault["properties"][output].is_object(), "output {output}");
        }
        assert_eq!(
            vault["inputProperties"]["encryptionKeyArn"]["replaceOnChanges"],
            true
        );
        assert_eq!(vault["inputProperties"]["tags"]["type"], "object");
        assert!(vault["required"]
            .as_array()
            .unwrap()
            .contains(&Value::from("arn")));
        assert_eq!(s["config"]["variables"]["secretKey"]["secret"], true);
        assert_eq!(s["config"]["variables"]["token"]["secret"], true);
        assert_eq!(
            s["config"]["variables"]["assumeRole"]["$ref"],
            "#/types/awsbackup:index:AssumeRole"
        );
        assert_eq!(s["version"], env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn functions_have_typed_inputs_and_outputs() {
        let s = schema();
        let tokens: Vec<&String> = s["functions"].as_object().unwrap().keys().collect();
        assert_eq!(
            tokens,
            [
                "awsbackup:index:getVault",
                "awsbackup:index:getPlan",
                "awsbackup:index:getSelection",
                "awsbackup:index:getRecoveryPoints",
            ]
        );
        let f = |token: &str| s["functions"][format!("awsbackup:index:{token}")].clone();
        let names = |v: &Value| -> Vec<String> {
            let mut n: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            n.sort();
            n
        };
        let vault = f("getVault");
        assert_eq!(vault["inputs"]["required"], json!(["name"]));
        assert_eq!(
            names(&vault["outputs"]["properties"]),
            [
                "arn",
                "creationDate",
                "encryptionKeyArn",
                "encryptionKeyType",
                "lockDate",
                "locked",
                "maxRetentionDays",
                "minRetentionDays",
                "name",
                "recoveryPoints",
                "tags",
                "vaultState",
                "vaultType",
            ]
        );
        assert_eq!(vault["outputs"]["properties"]["tags"]["type"], "object");
        let plan = f("getPlan");
        assert_eq!(names(&plan["inputs"]["properties"]), ["name", "planId"]);
        assert_eq!(plan["inputs"]["required"], json!([]));
        // The rules are the Plan resource's own type.
        assert_eq!(
            plan["outputs"]["properties"]["rules"]["items"]["$ref"],
            "#/types/awsbackup:index:RuleState"
        );
        assert_eq!(
            plan["outputs"]["required"],
            json!(["arn", "planId", "versionId"])
        );
        let selection = f("getSelection");
        assert_eq!(
            selection["inputs"]["required"],
            json!(["planId", "selectionId"])
        );
        assert_eq!(
            names(&selection["outputs"]["properties"]),
            names(&s["resources"]["awsbackup:index:Selection"]["properties"])
        );
        let points = f("getRecoveryPoints");
        assert_eq!(points["inputs"]["required"], json!(["backupVaultName"]));
        assert_eq!(
            points["outputs"]["properties"]["recoveryPoints"]["items"]["$ref"],
            "#/types/awsbackup:index:RecoveryPoint"
        );
        let point = &s["types"]["awsbackup:index:RecoveryPoint"];
        assert_eq!(
            names(&point["properties"]),
            [
                "creationDate",
                "deleteAt",
                "lifecycle",
                "recoveryPointArn",
                "resourceArn",
                "resourceType",
                "status",
            ]
        );
        assert_eq!(
            point["properties"]["lifecycle"]["$ref"],
            "#/types/awsbackup:index:RecoveryPointLifecycle"
        );
    }

    #[test]
    #[should_panic(expected = "two different Rust types make the schema type awsbackup:index:Rule")]
    fn two_types_of_one_name_are_refused() {
        let mut types = Types::default();
        let one =
            json!({"$defs": {"Rule": {"type": "object", "properties": {"a": {"type": "string"}}}}});
        let other =
            json!({"$defs": {"Rule": {"type": "object", "properties": {"b": {"type": "string"}}}}});
        reference("#/$defs/Rule", &one, &mut types);
        reference("#/$defs/Rule", &one, &mut types);
        reference("#/$defs/Rule", &other, &mut types);
    }

    #[test]
    fn checked_in_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema/schema.json");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        let fresh = serde_json::to_string_pretty(&schema()).unwrap() + "\n";
        assert!(
            on_disk == fresh,
            "schema/schema.json is stale: run `make schema`"
        );
    }
}
