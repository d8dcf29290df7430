//! Backup Audit Manager frameworks: named lists of controls, keyed by name per region. A create
//! or an update is deployed in the background: the framework is `CREATE_IN_PROGRESS` or
//! `UPDATE_IN_PROGRESS` for `frameworkDeployingCalls` calls that see it (DescribeFramework, a
//! ListFrameworks page listing it, a refused Update or Delete), then `COMPLETED` (or `FAILED`
//! with `frameworkFailed`). While a deployment runs, Update and Delete answer
//! ConflictException.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{op, paginate_with, put_opt, Operation, Output, Request};
use crate::clock::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::state::RegionState;
use crate::validate;

pub const OPERATIONS: &[Operation] = &[
    op("POST", "/audit/frameworks", "CreateFramework", create),
    op(
        "GET",
        "/audit/frameworks/{}",
        "DescribeFramework",
        describe,
    ),
    op("PUT", "/audit/frameworks/{}", "UpdateFramework", update),
    op("DELETE", "/audit/frameworks/{}", "DeleteFramework", delete),
    op("GET", "/audit/frameworks", "ListFrameworks", list),
];

/// AWS's quotas: frameworks per account and region, and controls across them.
const MAX_FRAMEWORKS: usize = 15;
const MAX_CONTROLS: usize = 50;
const MAX_RESOURCE_IDS: usize = 100;

/// The region's frameworks, by name (TagResource reaches their tags too).
#[derive(Default)]
pub struct Frameworks {
    pub by_name: BTreeMap<String, Framework>,
}

pub struct Framework {
    pub arn: String,
    name: String,
    description: Option<String>,
    controls: Vec<Control>,
    creation_time: Timestamp,
    idempotency_token: Option<String>,
    /// The create's body, to tell a replay of it from another request with its token.
    create_request: Value,
    /// The last update's token, body and answer, answered again to a replay of it.
    last_update: Option<(String, Value, Value)>,
    deployment: Deployment,
    pub tags: BTreeMap<String, String>,
}

struct Deployment {
    /// `CREATE_IN_PROGRESS`, `UPDATE_IN_PROGRESS`, `COMPLETED` or `FAILED`.
    status: &'static str,
    /// Calls that still see the deployment in progress.
    calls_left: u32,
    fails: bool,
}

impl Deployment {
    fn start(status: &'static str, req: &Request) -> Deployment {
        let mut d = Deployment {
            status,
            calls_left: req.variations.framework_deploying_calls,
            fails: req.variations.framework_failed,
        };
        d.settle();
        d
    }

    fn in_progress(&self) -> bool {
        self.status.ends_with("_IN_PROGRESS")
    }

    fn settle(&mut self) {
        if self.in_progress() && self.calls_left == 0 {
            self.status = if self.fails { "FAILED" } else { "COMPLETED" };
        }
    }

    /// The status one call sees; the call counts towards the end of the deployment.
    fn see(&mut self) -> &'static str {
        let seen = self.status;
        if self.in_progress() {
            self.calls_left = self.calls_left.saturating_sub(1);
            self.settle();
        }
        seen
    }
}

#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Control {
    control_name: Option<String>,
    control_input_parameters: Option<Vec<Parameter>>,
    control_scope: Option<Scope>,
}

#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Parameter {
    parameter_name: Option<String>,
    parameter_value: Option<String>,
}

#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Scope {
    compliance_resource_ids: Option<Vec<String>>,
    compliance_resource_types: Option<Vec<String>>,
    tags: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    framework_name: Option<String>,
    framework_description: Option<String>,
    framework_controls: Option<Vec<Control>>,
    idempotency_token: Option<String>,
    framework_tags: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    framework_description: Option<String>,
    framework_controls: Option<Vec<Control>>,
    idempotency_token: Option<String>,
}

/// 1 to 256 characters, a letter first, then letters, digits and underscores.
fn name(n: &str) -> ApiResult<()> {
    let mut chars = n.chars();
    let ok = (1..=256).contains(&n.chars().count())
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_param(format!(
            "Invalid FrameworkName {n:?}: 1 to 256 characters, a letter followed by letters, \
             digits and underscores"
        )))
    }
}

/// At most 1024 characters, not blank.
fn description(d: &str) -> ApiResult<()> {
    if d.chars().count() > 1024 || d.trim().is_empty() {
        return Err(ApiError::invalid_param(
            "FrameworkDescription must hold 1 to 1024 characters, not all blank",
        ));
    }
    Ok(())
}

/// At least one control, each named; a scope naming resource ids names their one type, and at
/// most one tag.
fn controls(list: &[Control]) -> ApiResult<()> {
    if list.is_empty() {
        return Err(ApiError::invalid_param(
            "FrameworkControls must hold at least one control",
        ));
    }
    for (i, c) in list.iter().enumerate() {
        let Some(n) = &c.control_name else {
            return Err(ApiError::missing_param(&format!(
                "FrameworkControls[{i}].ControlName"
            )));
        };
        if n.is_empty() {
            return Err(ApiError::invalid_param(format!(
                "FrameworkControls[{i}].ControlName must not be empty"
            )));
        }
        for p in c.control_input_parameters.iter().flatten() {
            if p.parameter_name.as_deref().unwrap_or_default().is_empty() {
                return Err(ApiError::invalid_param(format!(
                    "Control {n}: every input parameter needs a ParameterName"
                )));
            }
        }
        let Some(scope) = &c.control_scope else {
            continue;
        };
        if let Some(ids) = &scope.compliance_resource_ids {
            if ids.is_empty() || ids.len() > MAX_RESOURCE_IDS {
                return Err(ApiError::invalid_param(format!(
                    "Control {n}: ComplianceResourceIds must hold 1 to {MAX_RESOURCE_IDS} ids"
                )));
            }
            if let Some(id) = ids.iter().find(|id| !(1..=100).contains(&id.chars().count())) {
                return Err(ApiError::invalid_param(format!(
                    "Control {n}: resource id {id:?} must hold 1 to 100 characters"
                )));
            }
            if scope.compliance_resource_types.as_ref().map(Vec::len) != Some(1) {
                return Err(ApiError::invalid_param(format!(
                    "Control {n}: ComplianceResourceIds need exactly one ComplianceResourceTypes entry"
                )));
            }
        }
        if scope.tags.as_ref().is_some_and(|t| t.len() > 1) {
            return Err(ApiError::invalid_param(format!(
                "Control {n}: a control scope takes at most one tag"
            )));
        }
    }
    Ok(())
}

fn controls_in_use(fws: &Frameworks, except: Option<&str>) -> usize {
    fws.by_name
        .values()
        .filter(|f| Some(f.name.as_str()) != except)
        .map(|f| f.controls.len())
        .sum()
}

fn limit(message: String) -> ApiError {
    ApiError::new(400, "LimitExceededException", message)
}

fn not_found(n: &str) -> ApiError {
    ApiError::not_found(format!("Framework {n} does not exist"))
}

fn conflict(f: &Framework, status: &str) -> ApiError {
    ApiError::new(
        409,
        "ConflictException",
        format!(
            "Framework {} cannot be changed while its deployment is {status}",
            f.name
        ),
    )
}

fn created(f: &Framework) -> Value {
    json!({ "FrameworkName": f.name, "FrameworkArn": f.arn })
}

fn create(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: CreateInput = req.input()?;
    let fw_name = input
        .framework_name
        .ok_or_else(|| ApiError::missing_param("FrameworkName"))?;
    let list = input
        .framework_controls
        .ok_or_else(|| ApiError::missing_param("FrameworkControls"))?;
    // A replay of the create that used this token answers that create's answer.
    if let Some(token) = &input.idempotency_token {
        let previous = rs
            .ext::<Frameworks>()
            .by_name
            .values()
            .find(|f| f.idempotency_token.as_ref() == Some(token));
        match previous {
            Some(f) if f.create_request == req.body => return Ok(Some(created(f))),
            Some(_) => {
                return Err(ApiError::already_exists(format!(
                    "IdempotencyToken {token} was used by another request"
                )))
            }
            None => {}
        }
    }
    name(&fw_name)?;
    if let Some(d) = &input.framework_description {
        description(d)?;
    }
    controls(&list)?;
    let tags = input.framework_tags.unwrap_or_default();
    validate::tags(&tags)?;
    let arn = rs.arn(&format!("framework:{fw_name}-{}", uuid::Uuid::new_v4()));
    let fws = rs.ext::<Frameworks>();
    if fws.by_name.contains_key(&fw_name) {
        return Err(ApiError::already_exists(format!(
            "Framework {fw_name} already exists"
        )));
    }
    if fws.by_name.len() >= MAX_FRAMEWORKS {
        return Err(limit(format!(
            "At most {MAX_FRAMEWORKS} frameworks per account and region"
        )));
    }
    if controls_in_use(fws, None) + list.len() > MAX_CONTROLS {
        return Err(limit(format!(
            "At most {MAX_CONTROLS} controls across the frameworks of an account and region"
        )));
    }
    let f = Framework {
        arn,
        name: fw_name.clone(),
        description: input.framework_description,
        controls: list,
        creation_time: req.now,
        idempotency_token: input.idempotency_token,
        create_request: req.body.clone(),
        last_update: None,
        deployment: Deployment::start("CREATE_IN_PROGRESS", req),
        tags,
    };
    let out = created(&f);
    fws.by_name.insert(fw_name, f);
    Ok(Some(out))
}

fn control_json(c: &Control) -> Value {
    let mut out = json!({ "ControlName": c.control_name });
    let params: Vec<Value> = c
        .control_input_parameters
        .iter()
        .flatten()
        .map(|p| {
            let mut v = json!({ "ParameterName": p.parameter_name });
            put_opt(&mut v, "ParameterValue", p.parameter_value.clone());
            v
        })
        .collect();
    out["ControlInputParameters"] = json!(params);
    if let Some(s) = &c.control_scope {
        let mut scope = json!({});
        put_opt(&mut scope, "ComplianceResourceIds", s.compliance_resource_ids.clone());
        put_opt(&mut scope, "ComplianceResourceTypes", s.compliance_resource_types.clone());
        put_opt(&mut scope, "Tags", s.tags.as_ref().map(|t| json!(t)));
        out["ControlScope"] = scope;
    }
    out
}

fn framework_mut<'a>(rs: &'a mut RegionState, n: &str) -> ApiResult<&'a mut Framework> {
    name(n)?;
    rs.ext::<Frameworks>()
        .by_name
        .get_mut(n)
        .ok_or_else(|| not_found(n))
}

fn describe(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let f = framework_mut(rs, req.label(0))?;
    let status = f.deployment.see();
    let controls: Vec<Value> = f.controls.iter().map(control_json).collect();
    let mut out = json!({
        "FrameworkName": f.name,
        "FrameworkArn": f.arn,
        "FrameworkControls": controls,
        "CreationTime": f.creation_time,
        "DeploymentStatus": status,
        // Resource tracking (AWS Config) is taken as on for every resource.
        "FrameworkStatus": "ACTIVE",
    });
    put_opt(&mut out, "FrameworkDescription", f.description.clone());
    put_opt(&mut out, "IdempotencyToken", f.idempotency_token.clone());
    Ok(Some(out))
}

fn update(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: UpdateInput = req.input()?;
    let fw_name = req.label(0).to_string();
    let in_use = controls_in_use(rs.ext::<Frameworks>(), Some(&fw_name));
    let f = framework_mut(rs, &fw_name)?;
    if let (Some(token), Some((last, body, answer))) = (&input.idempotency_token, &f.last_update) {
        if token == last && body == &req.body {
            return Ok(Some(answer.clone()));
        }
    }
    if f.deployment.in_progress() {
        let status = f.deployment.see();
        return Err(conflict(f, status));
    }
    // Every member is checked before any is applied: a refused update changes nothing.
    if let Some(d) = &input.framework_description {
        description(d)?;
    }
    if let Some(list) = &input.framework_controls {
        controls(list)?;
        if in_use + list.len() > MAX_CONTROLS {
            return Err(limit(format!(
                "At most {MAX_CONTROLS} controls across the frameworks of an account and region"
            )));
        }
    }
    if let Some(d) = input.framework_description {
        f.description = Some(d);
    }
    if let Some(list) = input.framework_controls {
        f.controls = list;
    }
    f.deployment = Deployment::start("UPDATE_IN_PROGRESS", req);
    let out = json!({
        "FrameworkName": f.name,
        "FrameworkArn": f.arn,
        "CreationTime": f.creation_time,
    });
    if let Some(token) = input.idempotency_token {
        f.last_update = Some((token, req.body.clone(), out.clone()));
    }
    Ok(Some(out))
}

fn delete(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let fw_name = req.label(0);
    let f = framework_mut(rs, fw_name)?;
    if f.deployment.in_progress() {
        let status = f.deployment.see();
        return Err(conflict(f, status));
    }
    rs.ext::<Frameworks>().by_name.remove(fw_name);
    Ok(None)
}

fn list(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let names: Vec<String> = rs.ext::<Frameworks>().by_name.keys().cloned().collect();
    let (page, next) = paginate_with(names, req, "MaxResults", "NextToken")?;
    let fws = rs.ext::<Frameworks>();
    let mut items = Vec::new();
    for n in &page {
        let Some(f) = fws.by_name.get_mut(n) else {
            continue;
        };
        items.push({
            let status = f.deployment.see();
            let mut v = json!({
                "FrameworkName": f.name,
                "FrameworkArn": f.arn,
                "NumberOfControls": f.controls.len(),
                "CreationTime": f.creation_time,
                "DeploymentStatus": status,
            });
            put_opt(&mut v, "FrameworkDescription", f.description.clone());
            v
        });
    }
    let mut out = json!({ "Frameworks": items });
    put_opt(&mut out, "NextToken", next);
    Ok(Some(out))
}
