//! The generic property diff: which paths of the inputs changed, and how.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::value::{is_unknown, Path, Seg};

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

/// Reports differences between two JSON values, descending into objects. Arrays are compared
/// whole, except the top-level `keyed` ones, whose elements are matched by a key field (paths use
/// the new index, or the old one for a removed element); an unknown new value is always a change.
/// Puts the lists at `keys` of `obj` in one order, for inputs that are sets (their order means
/// nothing to AWS): run on both sides before a diff, or on what a read gives back.
pub fn sort_sets(obj: &mut serde_json::Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(Value::Array(items)) = obj.get_mut(*key) {
            items.sort_by_key(Value::to_string);
        }
    }
}

pub fn diff_values(
    path: &Path,
    old: Option<&Value>,
    new: Option<&Value>,
    keyed: &[(&str, &str)],
    report: &mut dyn FnMut(Path, DiffKind),
) {
    let key_field = match (path.0.as_slice(), old, new) {
        ([Seg::Key(top)], Some(Value::Array(_)), Some(Value::Array(_))) => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::UNKNOWN;
    use serde_json::json;

    const KEYED: &[(&str, &str)] = &[("rules", "ruleName")];

    fn diff(old: Value, new: Value) -> Vec<(String, DiffKind)> {
        let mut found = Vec::new();
        diff_values(&Path::root(), Some(&old), Some(&new), KEYED, &mut |p, k| {
            found.push((p.to_string(), k))
        });
        found
    }

    #[test]
    fn objects_are_compared_field_by_field_and_null_is_absent() {
        assert_eq!(
            diff(
                json!({"a": 1, "b": {"c": 2}, "gone": 1, "n": null}),
                json!({"a": 1, "b": {"c": 3}, "new": true})
            ),
            vec![
                ("b.c".to_string(), DiffKind::Update),
                ("gone".to_string(), DiffKind::Delete),
                ("new".to_string(), DiffKind::Add),
            ]
        );
    }

    #[test]
    fn an_unknown_new_value_is_always_a_change() {
        assert_eq!(
            diff(json!({"a": "x"}), json!({"a": UNKNOWN})),
            vec![("a".to_string(), DiffKind::Update)]
        );
    }

    #[test]
    fn plain_lists_are_compared_whole() {
        assert_eq!(
            diff(json!({"l": [1, 2]}), json!({"l": [2, 1]})),
            vec![("l".to_string(), DiffKind::Update)]
        );
    }

    #[test]
    fn keyed_lists_match_elements_by_key_so_reordering_is_no_change() {
        let a = json!({"ruleName": "a", "v": 1});
        let b = json!({"ruleName": "b", "v": 1});
        assert!(diff(json!({"rules": [a, b]}), json!({"rules": [b, a]})).is_empty());
        // A changed field is reported at the element's new index; a removed one at its old.
        let b2 = json!({"ruleName": "b", "v": 2});
        assert_eq!(
            diff(json!({"rules": [a, b]}), json!({"rules": [b2]})),
            vec![
                ("rules[0].v".to_string(), DiffKind::Update),
                ("rules[0]".to_string(), DiffKind::Delete),
            ]
        );
    }

    #[test]
    fn a_keyed_list_with_an_element_missing_its_key_is_compared_whole() {
        let a = json!({"ruleName": "a"});
        let anonymous = json!({"v": 1});
        assert_eq!(
            diff(
                json!({"rules": [a, anonymous]}),
                json!({"rules": [anonymous, a]})
            ),
            vec![("rules".to_string(), DiffKind::Update)]
        );
    }
}
