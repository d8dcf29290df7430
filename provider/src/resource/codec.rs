//! Typed values to and from the JSON property maps of the protocol.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::Failure;
use crate::value::Path;

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
pub(super) fn without_internal(v: &Value) -> Value {
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

/// The engine-internal keys (`__*`) of a property map, which a read hands back unchanged.
pub(super) fn internal_keys(v: &Value) -> Map<String, Value> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.starts_with("__"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Args {
        tags: Option<BTreeMap<String, i64>>,
        rules: Option<Vec<Rule>>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    #[serde(rename_all = "camelCase")]
    struct Rule {
        delete_after_days: Option<i64>,
    }

    #[test]
    fn a_decoding_failure_names_the_property_in_the_engines_path_syntax() {
        let f = decode::<Args>(json!({"rules": [{}, {"deleteAfterDays": "ten"}]})).unwrap_err();
        assert_eq!(f.property, "rules[1].deleteAfterDays");
        assert!(
            f.reason.starts_with("invalid type: string \"ten\""),
            "{}",
            f.reason
        );
        assert!(!f.reason.contains(" at line "), "{}", f.reason);
        // A key with a dot stays one key.
        let f = decode::<Args>(json!({"tags": {"a.b": "x"}})).unwrap_err();
        assert_eq!(f.property, "tags[\"a.b\"]");
    }

    #[test]
    fn internal_keys_are_split_from_the_properties() {
        let v = json!({"name": "n", "__autonamed": true});
        assert_eq!(without_internal(&v), json!({"name": "n"}));
        assert_eq!(
            Value::Object(internal_keys(&v)),
            json!({"__autonamed": true})
        );
        // A whole map sent as one secret has no properties.
        assert_eq!(without_internal(&json!("secret")), json!({}));
    }
}
