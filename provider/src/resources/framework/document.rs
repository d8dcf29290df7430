//! The conversion between a framework's inputs and the framework AWS holds.

use serde_json::Value;

use crate::aws::framework::{ControlScope, FrameworkControl};
use crate::aws::{Framework as AwsFramework, FrameworkDocument, Tags};
use crate::resource::{sort_sets, ReadResult};

use super::types::{
    ControlArgs, ControlInputParameterArgs, ControlScopeArgs, FrameworkArgs, FrameworkState,
};

/// The framework AWS is sent for these inputs.
pub fn document(name: &str, args: &FrameworkArgs) -> FrameworkDocument {
    let controls = args
        .controls
        .iter()
        .flatten()
        .map(|c| FrameworkControl {
            name: c.name.clone().unwrap_or_default(),
            input_parameters: c
                .input_parameters
                .iter()
                .flatten()
                .map(|p| {
                    (
                        p.name.clone().unwrap_or_default(),
                        p.value.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            scope: c.scope.as_ref().map(|s| ControlScope {
                compliance_resource_ids: s.compliance_resource_ids.clone().unwrap_or_default(),
                compliance_resource_types: s.compliance_resource_types.clone().unwrap_or_default(),
                tags: s.tags.clone().unwrap_or_default(),
            }),
        })
        .collect();
    FrameworkDocument {
        name: name.to_string(),
        description: args.description.clone(),
        controls,
    }
}

/// Whether two lists hold the same elements, in any order.
fn same_set(a: &[String], b: &[String]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    b.sort();
    a == b
}

/// A live set as an input: in the previous order when it holds the same elements; `None` when
/// empty and the inputs had none.
fn set_input(live: &[String], old: Option<&Vec<String>>) -> Option<Vec<String>> {
    match old {
        Some(old) if same_set(live, old) => Some(old.clone()),
        None if live.is_empty() => None,
        _ => Some(live.to_vec()),
    }
}

/// Orders `live` like `old` by key: the elements `old` has first, in its order, then the rest.
fn in_old_order<T: Clone>(live: &[T], old: &[String], key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut out: Vec<T> = old
        .iter()
        .filter_map(|k| live.iter().find(|x| key(x) == k))
        .cloned()
        .collect();
    out.extend(live.iter().filter(|x| !old.iter().any(|k| k == key(x))).cloned());
    out
}

fn scope_input(live: Option<&ControlScope>, old: Option<&ControlScopeArgs>) -> Option<ControlScopeArgs> {
    let empty = ControlScope::default();
    let live = live.unwrap_or(&empty);
    if live == &empty && old.is_none() {
        return None;
    }
    let old = old.cloned().unwrap_or_default();
    Some(ControlScopeArgs {
        compliance_resource_ids: set_input(
            &live.compliance_resource_ids,
            old.compliance_resource_ids.as_ref(),
        ),
        compliance_resource_types: set_input(
            &live.compliance_resource_types,
            old.compliance_resource_types.as_ref(),
        ),
        tags: (!live.tags.is_empty() || old.tags.is_some()).then(|| live.tags.clone()),
    })
}

fn control_input(live: &FrameworkControl, old: Option<&ControlArgs>) -> ControlArgs {
    let old_params = old.and_then(|o| o.input_parameters.clone());
    let order: Vec<String> = old_params
        .iter()
        .flatten()
        .filter_map(|p| p.name.clone())
        .collect();
    let params: Vec<ControlInputParameterArgs> = in_old_order(&live.input_parameters, &order, |p| &p.0)
        .into_iter()
        .map(|(name, value)| ControlInputParameterArgs {
            name: Some(name),
            value: Some(value),
        })
        .collect();
    ControlArgs {
        name: Some(live.name.clone()),
        input_parameters: (!params.is_empty() || old_params.is_some()).then_some(params),
        scope: scope_input(live.scope.as_ref(), old.and_then(|o| o.scope.as_ref())),
    }
}

/// A live framework as the resource reads it: inputs shaped like `old` (the previous inputs,
/// `None` on import), and the state.
pub fn read_back(
    fw: &AwsFramework,
    old: Option<FrameworkArgs>,
    live_tags: Tags,
) -> ReadResult<FrameworkArgs, FrameworkState> {
    let old = old.unwrap_or_default();
    let old_controls = old.controls.clone().unwrap_or_default();
    let order: Vec<String> = old_controls.iter().filter_map(|c| c.name.clone()).collect();
    let controls = in_old_order(&fw.document.controls, &order, |c| &c.name)
        .iter()
        .map(|c| {
            let before = old_controls.iter().find(|o| o.name.as_deref() == Some(&c.name));
            control_input(c, before)
        })
        .collect();
    let inputs = FrameworkArgs {
        name: Some(fw.document.name.clone()),
        description: fw.document.description.clone(),
        controls: Some(controls),
        tags: (!live_tags.is_empty() || old.tags.is_some()).then_some(live_tags),
    };
    let state = FrameworkState {
        args: inputs.clone(),
        arn: fw.arn.clone(),
        deployment_status: fw.deployment_status.clone(),
        status: fw.framework_status.clone(),
        creation_time: fw.creation_time.clone(),
    };
    ReadResult { inputs, state }
}

/// Drops what means nothing (empty parameter lists and scopes) and orders what is unordered
/// (parameters by name, the scope's sets), so that neither shows as a change. Controls are
/// matched by name by the diff itself (`KEYED_LISTS`).
pub fn normalize(inputs: &mut Value) {
    let Some(controls) = inputs.get_mut("controls").and_then(Value::as_array_mut) else {
        return;
    };
    for control in controls.iter_mut().filter_map(Value::as_object_mut) {
        if let Some(Value::Array(params)) = control.get_mut("inputParameters") {
            params.sort_by_key(|p| p.get("name").map(Value::to_string).unwrap_or_default());
            if params.is_empty() {
                control.remove("inputParameters");
            }
        }
        let Some(scope) = control.get_mut("scope").and_then(Value::as_object_mut) else {
            continue;
        };
        let sets = ["complianceResourceIds", "complianceResourceTypes"];
        sort_sets(scope, &sets);
        for key in sets {
            if scope.get(key).and_then(Value::as_array).is_some_and(Vec::is_empty) {
                scope.remove(key);
            }
        }
        if scope.get("tags").and_then(Value::as_object).is_some_and(|t| t.is_empty()) {
            scope.remove("tags");
        }
        scope.retain(|_, v| !v.is_null());
        if scope.is_empty() {
            control.remove("scope");
        }
    }
}
