//! A selection's inputs to AWS's selection document and back, and which differences AWS does
//! not see.

use serde_json::Value;

use super::types::{
    SelectionArgs, SelectionConditionParameter, SelectionConditions, SelectionTagCondition,
};
use crate::aws::selection::{ConditionParameter, Conditions, TagCondition};
use crate::aws::{Selection as AwsSelection, SelectionDocument};
use crate::resource::OpError;

/// The one condition type AWS Backup documents for `listOfTags`, and the default.
pub(super) const STRING_EQUALS: &str = "STRINGEQUALS";

/// The selection AWS is asked to create. Empty lists are left out (AWS treats them as absent).
pub(super) fn document(args: &SelectionArgs) -> Result<SelectionDocument, OpError> {
    let missing = |what: &str| OpError::Failed(format!("invalid inputs: {what} is missing"));
    let list = |l: &Option<Vec<String>>| l.clone().filter(|l| !l.is_empty());
    let tags: Vec<TagCondition> = args
        .list_of_tags
        .iter()
        .flatten()
        .map(|t| TagCondition {
            condition_type: t
                .condition_type
                .clone()
                .unwrap_or_else(|| STRING_EQUALS.to_string()),
            condition_key: t.condition_key.clone().unwrap_or_default(),
            condition_value: t.condition_value.clone().unwrap_or_default(),
        })
        .collect();
    let conditions = args
        .conditions
        .as_ref()
        .filter(|c| !c.is_all_empty())
        .map(|c| {
            let params = |l: &Option<Vec<SelectionConditionParameter>>| {
                l.as_ref().filter(|l| !l.is_empty()).map(|l| {
                    l.iter()
                        .map(|p| ConditionParameter {
                            condition_key: p.condition_key.clone(),
                            condition_value: p.condition_value.clone(),
                        })
                        .collect()
                })
            };
            Conditions {
                string_equals: params(&c.string_equals),
                string_not_equals: params(&c.string_not_equals),
                string_like: params(&c.string_like),
                string_not_like: params(&c.string_not_like),
            }
        });
    Ok(SelectionDocument {
        name: args.name.clone().ok_or_else(|| missing("name"))?,
        iam_role_arn: args
            .iam_role_arn
            .clone()
            .ok_or_else(|| missing("iamRoleArn"))?,
        resources: list(&args.resources),
        not_resources: list(&args.not_resources),
        list_of_tags: (!tags.is_empty()).then_some(tags),
        conditions,
    })
}

/// Whether two lists hold the same elements, in any order.
fn same_elements<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let count = |l: &[T], x: &T| l.iter().filter(|y| *y == x).count();
    a.len() == b.len() && a.iter().all(|x| count(a, x) == count(b, x))
}

/// The input for a list AWS returned: an empty list is absent unless the previous inputs had it
/// explicitly empty; the user's order is kept when AWS returns the same elements in another one.
fn list_input<T: PartialEq + Clone>(live: Vec<T>, old: Option<&Vec<T>>) -> Option<Vec<T>> {
    if live.is_empty() {
        return old.filter(|o| o.is_empty()).cloned();
    }
    match old {
        Some(old) if same_elements(&live, old) => Some(old.clone()),
        _ => Some(live),
    }
}

fn conditions_input(
    live: Option<&Conditions>,
    old: Option<&SelectionConditions>,
) -> Option<SelectionConditions> {
    let params = |l: &Option<Vec<ConditionParameter>>| -> Vec<SelectionConditionParameter> {
        l.iter()
            .flatten()
            .map(|p| SelectionConditionParameter {
                condition_key: p.condition_key.clone(),
                condition_value: p.condition_value.clone(),
            })
            .collect()
    };
    let empty = Conditions::default();
    let live = live.unwrap_or(&empty);
    let input = SelectionConditions {
        string_equals: list_input(
            params(&live.string_equals),
            old.and_then(|o| o.string_equals.as_ref()),
        ),
        string_not_equals: list_input(
            params(&live.string_not_equals),
            old.and_then(|o| o.string_not_equals.as_ref()),
        ),
        string_like: list_input(
            params(&live.string_like),
            old.and_then(|o| o.string_like.as_ref()),
        ),
        string_not_like: list_input(
            params(&live.string_not_like),
            old.and_then(|o| o.string_not_like.as_ref()),
        ),
    };
    if input.is_all_empty() {
        // No condition at all: absent, unless the program wrote an empty `conditions`.
        return old.filter(|o| o.is_all_empty()).cloned();
    }
    Some(input)
}

/// The inputs a live selection corresponds to, shaped like the previous inputs where AWS's
/// answer means the same thing.
pub(super) fn inputs_from(
    plan_id: &str,
    live: &AwsSelection,
    old: &SelectionArgs,
) -> SelectionArgs {
    let s = &live.document;
    let tags = s
        .list_of_tags
        .iter()
        .flatten()
        .map(|c| SelectionTagCondition {
            condition_type: Some(c.condition_type.clone()),
            condition_key: Some(c.condition_key.clone()),
            condition_value: Some(c.condition_value.clone()),
        })
        .collect();
    SelectionArgs {
        plan_id: Some(plan_id.to_string()),
        name: Some(s.name.clone()),
        iam_role_arn: Some(s.iam_role_arn.clone()),
        resources: list_input(
            s.resources.clone().unwrap_or_default(),
            old.resources.as_ref(),
        ),
        not_resources: list_input(
            s.not_resources.clone().unwrap_or_default(),
            old.not_resources.as_ref(),
        ),
        list_of_tags: list_input(tags, old.list_of_tags.as_ref()),
        conditions: conditions_input(s.conditions.as_ref(), old.conditions.as_ref()),
    }
}

/// Input lists whose emptiness or order means nothing to AWS.
const LISTS: [&str; 3] = ["resources", "notResources", "listOfTags"];
const CONDITION_LISTS: [&str; 4] = [
    "stringEquals",
    "stringNotEquals",
    "stringLike",
    "stringNotLike",
];

/// Drops empty lists (and a `conditions` left empty), which AWS treats as absent.
fn drop_empty(inputs: &mut Value) {
    let Some(obj) = inputs.as_object_mut() else {
        return;
    };
    let is_empty_list = |v: &Value| v.as_array().is_some_and(Vec::is_empty);
    for key in LISTS {
        if obj.get(key).is_some_and(is_empty_list) {
            obj.remove(key);
        }
    }
    if let Some(conditions) = obj.get_mut("conditions").and_then(Value::as_object_mut) {
        conditions.retain(|_, v| !is_empty_list(v) && !v.is_null());
        if conditions.is_empty() {
            obj.remove("conditions");
        }
    }
}

/// Gives `old` the order of `new` where the two lists hold the same elements.
fn align_order(old: &mut Value, new: &Value) {
    if let (Value::Array(o), Value::Array(n)) = (&*old, new) {
        if o != n && same_elements(o, n) {
            *old = new.clone();
        }
    }
}

/// Makes old and new inputs that AWS would take as the same selection compare equal.
pub(super) fn normalize(old: &mut Value, new: &mut Value) {
    // An empty list means the same as none to AWS, and the order of these lists means
    // nothing (OR or AND of their entries): neither is a reason to replace the selection.
    drop_empty(old);
    drop_empty(new);
    for key in LISTS {
        if let (Some(o), Some(n)) = (old.get_mut(key), new.get(key)) {
            align_order(o, n);
        }
    }
    if let (Some(o), Some(n)) = (old.get_mut("conditions"), new.get("conditions")) {
        for key in CONDITION_LISTS {
            if let (Some(ol), Some(nl)) = (o.get_mut(key), n.get(key)) {
                align_order(ol, nl);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROLE: &str = "arn:aws:iam::123456789012:role/backup";

    fn tag(key: &str, value: &str) -> SelectionTagCondition {
        SelectionTagCondition {
            condition_type: Some(STRING_EQUALS.into()),
            condition_key: Some(key.into()),
            condition_value: Some(value.into()),
        }
    }

    fn param(key: &str, value: &str) -> SelectionConditionParameter {
        SelectionConditionParameter {
            condition_key: Some(key.into()),
            condition_value: Some(value.into()),
        }
    }

    fn args() -> SelectionArgs {
        SelectionArgs {
            plan_id: Some("plan-1".into()),
            name: Some("sel".into()),
            iam_role_arn: Some(ROLE.into()),
            resources: Some(vec!["arn:aws:s3:::a".into(), "arn:aws:s3:::b".into()]),
            not_resources: Some(Vec::new()),
            list_of_tags: Some(vec![tag("backup", "daily")]),
            conditions: Some(SelectionConditions {
                string_equals: Some(vec![param("aws:ResourceTag/env", "prod")]),
                string_like: Some(Vec::new()),
                ..SelectionConditions::default()
            }),
        }
    }

    fn live(document: SelectionDocument) -> AwsSelection {
        AwsSelection {
            plan_id: "plan-1".into(),
            selection_id: "sel-1".into(),
            document,
            creation_date: None,
        }
    }

    #[test]
    fn empty_lists_are_not_sent_to_aws() {
        let sent = document(&args()).unwrap();
        assert_eq!(sent.name, "sel");
        assert_eq!(sent.iam_role_arn, ROLE);
        assert_eq!(sent.resources.unwrap().len(), 2);
        assert!(sent.not_resources.is_none());
        let conditions = sent.conditions.unwrap();
        assert_eq!(conditions.string_equals.unwrap().len(), 1);
        assert!(conditions.string_like.is_none());
        let empty = SelectionArgs {
            list_of_tags: Some(Vec::new()),
            conditions: Some(SelectionConditions::default()),
            ..args()
        };
        let sent = document(&empty).unwrap();
        assert!(sent.list_of_tags.is_none() && sent.conditions.is_none());
    }

    #[test]
    fn a_tag_entry_without_a_type_is_sent_as_stringequals() {
        let untyped = SelectionArgs {
            list_of_tags: Some(vec![SelectionTagCondition {
                condition_type: None,
                ..tag("backup", "daily")
            }]),
            ..args()
        };
        let sent = document(&untyped).unwrap();
        assert_eq!(sent.list_of_tags.unwrap()[0].condition_type, STRING_EQUALS);
    }

    #[test]
    fn a_selection_without_a_role_is_not_sent() {
        let no_role = SelectionArgs {
            iam_role_arn: None,
            ..args()
        };
        assert_eq!(
            document(&no_role).unwrap_err().to_string(),
            "invalid inputs: iamRoleArn is missing"
        );
    }

    #[test]
    fn what_aws_answers_reads_back_as_the_inputs_that_made_it() {
        let written = args();
        let read = inputs_from("plan-1", &live(document(&written).unwrap()), &written);
        assert_eq!(read, written);
        // On import (no previous inputs) empty lists and conditions read as absent.
        let imported = inputs_from(
            "plan-1",
            &live(document(&written).unwrap()),
            &SelectionArgs::default(),
        );
        assert_eq!(imported.not_resources, None);
        assert_eq!(
            imported.conditions,
            Some(SelectionConditions {
                string_equals: Some(vec![param("aws:ResourceTag/env", "prod")]),
                ..SelectionConditions::default()
            })
        );
    }

    #[test]
    fn a_list_aws_reorders_keeps_the_users_order() {
        let old = vec!["a", "b", "c"];
        assert_eq!(
            list_input(vec!["c", "a", "b"], Some(&old)),
            Some(old.clone())
        );
        assert_eq!(list_input(vec!["c", "a"], Some(&old)), Some(vec!["c", "a"]));
        assert_eq!(list_input(Vec::<&str>::new(), None), None);
        assert_eq!(
            list_input(Vec::<&str>::new(), Some(&Vec::new())),
            Some(Vec::new())
        );
        // The same elements with other multiplicities are another list.
        assert!(!same_elements(&["a", "a", "b"], &["a", "b", "b"]));
    }

    #[test]
    fn empty_lists_and_reordering_are_no_difference() {
        let mut old = json!({
            "resources": ["a", "b"],
            "notResources": [],
            "conditions": {"stringEquals": [{"conditionKey": "k1"}, {"conditionKey": "k2"}], "stringLike": []},
        });
        let mut new = json!({
            "resources": ["b", "a"],
            "conditions": {"stringEquals": [{"conditionKey": "k2"}, {"conditionKey": "k1"}]},
        });
        normalize(&mut old, &mut new);
        assert_eq!(old, new);
        // Other elements stay a difference.
        let mut old = json!({"resources": ["a", "b"]});
        let mut new = json!({"resources": ["a", "c"]});
        normalize(&mut old, &mut new);
        assert_ne!(old, new);
    }
}
