//! Restore testing: plans (a schedule and which recovery points to restore) and their selections
//! (which protected resources to restore, and how). Plans are keyed by name per region,
//! selections by name within their plan. Create answers 201 and Delete 204, as the model says.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{op, paginate_with, put_opt, Operation, Output, Request};
use crate::clock::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::state::RegionState;
use crate::validate;

pub const OPERATIONS: &[Operation] = &[
    op(
        "PUT",
        "/restore-testing/plans",
        "CreateRestoreTestingPlan",
        create_plan,
    )
    .status(201),
    op(
        "GET",
        "/restore-testing/plans/{}",
        "GetRestoreTestingPlan",
        get_plan,
    ),
    op(
        "PUT",
        "/restore-testing/plans/{}",
        "UpdateRestoreTestingPlan",
        update_plan,
    ),
    op(
        "DELETE",
        "/restore-testing/plans/{}",
        "DeleteRestoreTestingPlan",
        delete_plan,
    )
    .status(204),
    op(
        "GET",
        "/restore-testing/plans",
        "ListRestoreTestingPlans",
        list_plans,
    ),
    op(
        "PUT",
        "/restore-testing/plans/{}/selections",
        "CreateRestoreTestingSelection",
        create_selection,
    )
    .status(201),
    op(
        "GET",
        "/restore-testing/plans/{}/selections/{}",
        "GetRestoreTestingSelection",
        get_selection,
    ),
    op(
        "PUT",
        "/restore-testing/plans/{}/selections/{}",
        "UpdateRestoreTestingSelection",
        update_selection,
    ),
    op(
        "DELETE",
        "/restore-testing/plans/{}/selections/{}",
        "DeleteRestoreTestingSelection",
        delete_selection,
    )
    .status(204),
    op(
        "GET",
        "/restore-testing/plans/{}/selections",
        "ListRestoreTestingSelections",
        list_selections,
    ),
];

/// What Get fills in for what Create left out (AWS's documented defaults).
const DEFAULT_TIMEZONE: &str = "Etc/UTC";
const DEFAULT_START_WINDOW_HOURS: i64 = 24;
const DEFAULT_SELECTION_WINDOW_DAYS: i64 = 30;
const ALGORITHMS: &[&str] = &["LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW"];
const RECOVERY_POINT_TYPES: &[&str] = &["CONTINUOUS", "SNAPSHOT"];
/// The protected resource types restore testing supports.
pub const PROTECTED_RESOURCE_TYPES: &[&str] = &[
    "Aurora",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "S3",
];
/// At most this many ARNs, and this many conditions, per selection.
const MAX_ARNS: usize = 30;
const MAX_CONDITIONS: usize = 30;

/// The region's restore-testing plans, by name (TagResource reaches their tags too).
#[derive(Default)]
pub struct RestoreTesting {
    pub plans: BTreeMap<String, RtPlan>,
}

pub struct RtPlan {
    pub arn: String,
    name: String,
    creation_time: Timestamp,
    last_update_time: Option<Timestamp>,
    creator_request_id: Option<String>,
    /// The body of the create, to tell a replay of it from another request with its token.
    create_request: Value,
    schedule: String,
    timezone: String,
    start_window_hours: i64,
    selection: PointSelection,
    pub tags: BTreeMap<String, String>,
    selections: BTreeMap<String, RtSelection>,
}

struct PointSelection {
    algorithm: String,
    include_vaults: Vec<String>,
    exclude_vaults: Vec<String>,
    recovery_point_types: Vec<String>,
    selection_window_days: i64,
}

struct RtSelection {
    name: String,
    creation_time: Timestamp,
    creator_request_id: Option<String>,
    create_request: Value,
    iam_role_arn: String,
    protected_resource_type: String,
    arns: Vec<String>,
    conditions: Conditions,
    overrides: BTreeMap<String, String>,
    validation_window_hours: Option<i64>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Conditions {
    #[serde(default)]
    string_equals: Vec<KeyValue>,
    #[serde(default)]
    string_not_equals: Vec<KeyValue>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyValue {
    key: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PointSelectionInput {
    algorithm: Option<String>,
    include_vaults: Option<Vec<String>>,
    exclude_vaults: Option<Vec<String>>,
    recovery_point_types: Option<Vec<String>>,
    selection_window_days: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PlanInput {
    restore_testing_plan_name: Option<String>,
    schedule_expression: Option<String>,
    schedule_expression_timezone: Option<String>,
    start_window_hours: Option<i64>,
    recovery_point_selection: Option<PointSelectionInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreatePlanInput {
    creator_request_id: Option<String>,
    restore_testing_plan: Option<PlanInput>,
    tags: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdatePlanInput {
    restore_testing_plan: Option<PlanInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SelectionInput {
    restore_testing_selection_name: Option<String>,
    iam_role_arn: Option<String>,
    protected_resource_type: Option<String>,
    protected_resource_arns: Option<Vec<String>>,
    protected_resource_conditions: Option<Conditions>,
    restore_metadata_overrides: Option<BTreeMap<String, String>>,
    validation_window_hours: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateSelectionInput {
    creator_request_id: Option<String>,
    restore_testing_selection: Option<SelectionInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateSelectionInput {
    restore_testing_selection: Option<SelectionInput>,
}

/// Plan and selection names: 1 to 50 letters, digits and underscores.
fn name(member: &str, name: &str) -> ApiResult<()> {
    let ok = (1..=50).contains(&name.chars().count())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_param(format!(
            "Invalid {member} {name:?}: it must contain 1 to 50 alphanumeric characters or underscores"
        )))
    }
}

fn in_range(member: &str, value: i64, min: i64, max: i64) -> ApiResult<i64> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::invalid_param(format!(
            "{member} must be between {min} and {max}, got {value}"
        )))
    }
}

/// `*`, or a backup vault ARN whose parts may hold `*` wildcards.
fn vault_entry(member: &str, entry: &str) -> ApiResult<()> {
    if entry == "*" {
        return Ok(());
    }
    match validate::parse_arn(entry) {
        Some(a) if a.service == "backup" && a.resource.starts_with("backup-vault:") => Ok(()),
        _ => Err(ApiError::invalid_param(format!(
            "Invalid {member} entry {entry:?}: it must be \"*\" or a backup vault ARN"
        ))),
    }
}

fn point_selection(input: PointSelectionInput) -> ApiResult<PointSelection> {
    const M: &str = "RecoveryPointSelection";
    let algorithm = input
        .algorithm
        .ok_or_else(|| ApiError::missing_param("RecoveryPointSelection.Algorithm"))?;
    validate::enum_value(&format!("{M}.Algorithm"), &algorithm, ALGORITHMS)
        .map_err(ApiError::invalid_param)?;
    let types = input
        .recovery_point_types
        .ok_or_else(|| ApiError::missing_param("RecoveryPointSelection.RecoveryPointTypes"))?;
    if types.is_empty() {
        return Err(ApiError::invalid_param(
            "RecoveryPointSelection.RecoveryPointTypes must name at least one type",
        ));
    }
    for t in &types {
        validate::enum_value(
            &format!("{M}.RecoveryPointTypes"),
            t,
            RECOVERY_POINT_TYPES,
        )
        .map_err(ApiError::invalid_param)?;
    }
    let include = input
        .include_vaults
        .ok_or_else(|| ApiError::missing_param("RecoveryPointSelection.IncludeVaults"))?;
    if include.is_empty() {
        return Err(ApiError::invalid_param(
            "RecoveryPointSelection.IncludeVaults must name at least one vault, or \"*\"",
        ));
    }
    for v in &include {
        vault_entry("IncludeVaults", v)?;
    }
    let exclude = input.exclude_vaults.unwrap_or_default();
    for v in &exclude {
        vault_entry("ExcludeVaults", v)?;
    }
    let window = match input.selection_window_days {
        None => DEFAULT_SELECTION_WINDOW_DAYS,
        Some(d) => in_range("RecoveryPointSelection.SelectionWindowDays", d, 1, 365)?,
    };
    Ok(PointSelection {
        algorithm,
        include_vaults: include,
        exclude_vaults: exclude,
        recovery_point_types: types,
        selection_window_days: window,
    })
}

fn schedule(expr: &str) -> ApiResult<()> {
    validate::cron(expr).map_err(ApiError::invalid_param)
}

fn timezone(tz: &str) -> ApiResult<()> {
    if validate::is_timezone(tz) {
        Ok(())
    } else {
        Err(ApiError::invalid_param(format!(
            "Invalid ScheduleExpressionTimezone {tz:?}"
        )))
    }
}

fn start_window(hours: i64) -> ApiResult<i64> {
    in_range("StartWindowHours", hours, 1, 168)
}

fn plan_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("Restore testing plan {name} does not exist"))
}

fn plan_mut<'a>(rs: &'a mut RegionState, name: &str) -> ApiResult<&'a mut RtPlan> {
    rs.ext::<RestoreTesting>()
        .plans
        .get_mut(name)
        .ok_or_else(|| plan_not_found(name))
}

/// A replay of the create that used `token` answers that create's answer; another request with
/// the token is AlreadyExistsException.
fn replayed(
    previous: Option<(&Value, Value)>,
    body: &Value,
    token: &str,
) -> ApiResult<Option<Output>> {
    match previous {
        Some((request, answer)) if request == body => Ok(Some(Some(answer))),
        Some(_) => Err(ApiError::already_exists(format!(
            "CreatorRequestId {token} was used by another request"
        ))
        .with_extra("CreatorRequestId", token)),
        None => Ok(None),
    }
}

fn plan_created(p: &RtPlan) -> Value {
    json!({
        "CreationTime": p.creation_time,
        "RestoreTestingPlanArn": p.arn,
        "RestoreTestingPlanName": p.name,
    })
}

fn create_plan(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: CreatePlanInput = req.input()?;
    let plan = input
        .restore_testing_plan
        .ok_or_else(|| ApiError::missing_param("RestoreTestingPlan"))?;
    if let Some(token) = &input.creator_request_id {
        validate::creator_request_id(token)?;
        let previous = rs
            .ext::<RestoreTesting>()
            .plans
            .values()
            .find(|p| p.creator_request_id.as_ref() == Some(token))
            .map(|p| (&p.create_request, plan_created(p)));
        if let Some(answer) = replayed(previous, &req.body, token)? {
            return Ok(answer);
        }
    }
    let plan_name = plan
        .restore_testing_plan_name
        .ok_or_else(|| ApiError::missing_param("RestoreTestingPlan.RestoreTestingPlanName"))?;
    let expr = plan
        .schedule_expression
        .ok_or_else(|| ApiError::missing_param("RestoreTestingPlan.ScheduleExpression"))?;
    let selection = plan
        .recovery_point_selection
        .ok_or_else(|| ApiError::missing_param("RestoreTestingPlan.RecoveryPointSelection"))?;
    name("RestoreTestingPlanName", &plan_name)?;
    schedule(&expr)?;
    let tz = plan
        .schedule_expression_timezone
        .unwrap_or_else(|| DEFAULT_TIMEZONE.into());
    timezone(&tz)?;
    let window = start_window(plan.start_window_hours.unwrap_or(DEFAULT_START_WINDOW_HOURS))?;
    let selection = point_selection(selection)?;
    let tags = input.tags.unwrap_or_default();
    validate::tags(&tags)?;
    let arn = rs.arn(&format!(
        "restore-testing-plan:{plan_name}-{}",
        uuid::Uuid::new_v4()
    ));
    let plans = &mut rs.ext::<RestoreTesting>().plans;
    if plans.contains_key(&plan_name) {
        return Err(ApiError::already_exists(format!(
            "Restore testing plan {plan_name} already exists"
        )));
    }
    let p = RtPlan {
        arn,
        name: plan_name.clone(),
        creation_time: req.now,
        last_update_time: None,
        creator_request_id: input.creator_request_id,
        create_request: req.body.clone(),
        schedule: expr,
        timezone: tz,
        start_window_hours: window,
        selection,
        tags,
        selections: BTreeMap::new(),
    };
    let out = plan_created(&p);
    plans.insert(plan_name, p);
    Ok(Some(out))
}

fn plan_json(p: &RtPlan) -> Value {
    let mut out = json!({
        "CreationTime": p.creation_time,
        "RestoreTestingPlanArn": p.arn,
        "RestoreTestingPlanName": p.name,
        "ScheduleExpression": p.schedule,
        "ScheduleExpressionTimezone": p.timezone,
        "StartWindowHours": p.start_window_hours,
    });
    put_opt(&mut out, "LastUpdateTime", p.last_update_time);
    out
}

fn get_plan(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let p = plan_mut(rs, req.label(0))?;
    let mut out = plan_json(p);
    put_opt(&mut out, "CreatorRequestId", p.creator_request_id.clone());
    let s = &p.selection;
    out["RecoveryPointSelection"] = json!({
        "Algorithm": s.algorithm,
        "IncludeVaults": s.include_vaults,
        "ExcludeVaults": s.exclude_vaults,
        "RecoveryPointTypes": s.recovery_point_types,
        "SelectionWindowDays": s.selection_window_days,
    });
    Ok(Some(json!({ "RestoreTestingPlan": out })))
}

fn update_plan(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: UpdatePlanInput = req.input()?;
    let plan = input
        .restore_testing_plan
        .ok_or_else(|| ApiError::missing_param("RestoreTestingPlan"))?;
    let p = plan_mut(rs, req.label(0))?;
    if plan.restore_testing_plan_name.is_some() {
        return Err(ApiError::invalid_param(
            "The name of a restore testing plan cannot be changed",
        ));
    }
    // Every member is checked before any is applied: a refused update changes nothing.
    if let Some(expr) = &plan.schedule_expression {
        schedule(expr)?;
    }
    if let Some(tz) = &plan.schedule_expression_timezone {
        timezone(tz)?;
    }
    let window = plan.start_window_hours.map(start_window).transpose()?;
    let selection = plan
        .recovery_point_selection
        .map(point_selection)
        .transpose()?;
    if let Some(expr) = plan.schedule_expression {
        p.schedule = expr;
    }
    if let Some(tz) = plan.schedule_expression_timezone {
        p.timezone = tz;
    }
    if let Some(window) = window {
        p.start_window_hours = window;
    }
    if let Some(selection) = selection {
        p.selection = selection;
    }
    p.last_update_time = Some(req.now);
    let mut out = plan_created(p);
    out["UpdateTime"] = json!(req.now);
    Ok(Some(out))
}

fn delete_plan(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let plan_name = req.label(0);
    let plans = &mut rs.ext::<RestoreTesting>().plans;
    let p = plans
        .get(plan_name)
        .ok_or_else(|| plan_not_found(plan_name))?;
    if !p.selections.is_empty() {
        return Err(ApiError::invalid_request(format!(
            "Restore testing plan {plan_name} has {} restore testing selection(s); delete them first",
            p.selections.len()
        )));
    }
    plans.remove(plan_name);
    Ok(None)
}

fn list_plans(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let items: Vec<Value> = rs
        .ext::<RestoreTesting>()
        .plans
        .values()
        .map(plan_json)
        .collect();
    let (page, next) = paginate_with(items, req, "MaxResults", "NextToken")?;
    let mut out = json!({ "RestoreTestingPlans": page });
    put_opt(&mut out, "NextToken", next);
    Ok(Some(out))
}

/// `["*"]`, or 1 to 30 ARNs.
fn protected_arns(arns: &[String]) -> ApiResult<()> {
    const M: &str = "ProtectedResourceArns";
    if arns.is_empty() {
        return Err(ApiError::invalid_param(format!(
            "{M} must be [\"*\"] or name 1 to {MAX_ARNS} resources"
        )));
    }
    if arns.iter().any(|a| a == "*") {
        if arns.len() > 1 {
            return Err(ApiError::invalid_param(format!(
                "{M} is either [\"*\"] or a list of ARNs, not both"
            )));
        }
        return Ok(());
    }
    if arns.len() > MAX_ARNS {
        return Err(ApiError::invalid_param(format!(
            "{M} may name at most {MAX_ARNS} resources, got {}",
            arns.len()
        )));
    }
    for a in arns {
        validate::any_arn(M, a)?;
    }
    Ok(())
}

fn conditions(c: &Conditions) -> ApiResult<()> {
    let all: Vec<&KeyValue> = c.string_equals.iter().chain(&c.string_not_equals).collect();
    if all.len() > MAX_CONDITIONS {
        return Err(ApiError::invalid_param(format!(
            "ProtectedResourceConditions may hold at most {MAX_CONDITIONS} conditions, got {}",
            all.len()
        )));
    }
    for kv in all {
        let key = kv
            .key
            .as_deref()
            .ok_or_else(|| ApiError::missing_param("ProtectedResourceConditions Key"))?;
        let value = kv
            .value
            .as_deref()
            .ok_or_else(|| ApiError::missing_param("ProtectedResourceConditions Value"))?;
        let key_ok = (1..=128).contains(&key.chars().count())
            && !key.to_ascii_lowercase().starts_with("aws:")
            && key
                .chars()
                .all(|ch| ch.is_alphanumeric() || ch.is_whitespace() || "_.:/=+-@".contains(ch));
        if !key_ok {
            return Err(ApiError::invalid_param(format!(
                "Invalid condition key {key:?}: a tag key of 1 to 128 characters, not starting with aws:"
            )));
        }
        if value.chars().count() > 256 {
            return Err(ApiError::invalid_param(format!(
                "The value of condition key {key:?} may have at most 256 characters"
            )));
        }
    }
    Ok(())
}

fn has_conditions(c: &Conditions) -> bool {
    !c.string_equals.is_empty() || !c.string_not_equals.is_empty()
}

/// Conditions select among every resource of the type: they need `ProtectedResourceArns` `["*"]`.
fn arns_and_conditions(arns: &[String], c: &Conditions) -> ApiResult<()> {
    if has_conditions(c) && arns != ["*"] {
        return Err(ApiError::invalid_param(
            "ProtectedResourceConditions can only be used with ProtectedResourceArns [\"*\"]",
        ));
    }
    Ok(())
}

fn validation_window(hours: i64) -> ApiResult<i64> {
    in_range("ValidationWindowHours", hours, 1, 168)
}

fn selection_created(p: &RtPlan, s: &RtSelection) -> Value {
    json!({
        "CreationTime": s.creation_time,
        "RestoreTestingPlanArn": p.arn,
        "RestoreTestingPlanName": p.name,
        "RestoreTestingSelectionName": s.name,
    })
}

fn create_selection(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: CreateSelectionInput = req.input()?;
    let sel = input
        .restore_testing_selection
        .ok_or_else(|| ApiError::missing_param("RestoreTestingSelection"))?;
    let p = plan_mut(rs, req.label(0))?;
    if let Some(token) = &input.creator_request_id {
        validate::creator_request_id(token)?;
        let plan: &RtPlan = p;
        let previous = plan
            .selections
            .values()
            .find(|s| s.creator_request_id.as_ref() == Some(token))
            .map(|s| (&s.create_request, selection_created(plan, s)));
        if let Some(answer) = replayed(previous, &req.body, token)? {
            return Ok(answer);
        }
    }
    const S: &str = "RestoreTestingSelection";
    let sel_name = sel
        .restore_testing_selection_name
        .ok_or_else(|| ApiError::missing_param(&format!("{S}.RestoreTestingSelectionName")))?;
    let role = sel
        .iam_role_arn
        .ok_or_else(|| ApiError::missing_param(&format!("{S}.IamRoleArn")))?;
    let kind = sel
        .protected_resource_type
        .ok_or_else(|| ApiError::missing_param(&format!("{S}.ProtectedResourceType")))?;
    name("RestoreTestingSelectionName", &sel_name)?;
    validate::iam_role_arn(&role)?;
    validate::enum_value("ProtectedResourceType", &kind, PROTECTED_RESOURCE_TYPES)
        .map_err(ApiError::invalid_param)?;
    let arns = sel
        .protected_resource_arns
        .ok_or_else(|| ApiError::missing_param(&format!("{S}.ProtectedResourceArns")))?;
    protected_arns(&arns)?;
    let conds = sel.protected_resource_conditions.unwrap_or_default();
    conditions(&conds)?;
    arns_and_conditions(&arns, &conds)?;
    let window = sel
        .validation_window_hours
        .map(validation_window)
        .transpose()?;
    if p.selections.contains_key(&sel_name) {
        return Err(ApiError::already_exists(format!(
            "Restore testing selection {sel_name} already exists in plan {}",
            p.name
        )));
    }
    let s = RtSelection {
        name: sel_name.clone(),
        creation_time: req.now,
        creator_request_id: input.creator_request_id,
        create_request: req.body.clone(),
        iam_role_arn: role,
        protected_resource_type: kind,
        arns,
        conditions: conds,
        overrides: sel.restore_metadata_overrides.unwrap_or_default(),
        validation_window_hours: window,
    };
    let out = selection_created(p, &s);
    p.selections.insert(sel_name, s);
    Ok(Some(out))
}

fn selection_mut<'a>(p: &'a mut RtPlan, name: &str) -> ApiResult<&'a mut RtSelection> {
    let plan = p.name.clone();
    p.selections.get_mut(name).ok_or_else(|| {
        ApiError::not_found(format!(
            "Restore testing selection {name} does not exist in plan {plan}"
        ))
    })
}

fn key_values(list: &[KeyValue]) -> Value {
    list.iter()
        .map(|kv| json!({ "Key": kv.key, "Value": kv.value }))
        .collect()
}

fn get_selection(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let p = plan_mut(rs, req.label(0))?;
    let plan_name = p.name.clone();
    let s = selection_mut(p, req.label(1))?;
    // Conditions are answered, with empty lists, even when none were given (as AWS does).
    let mut out = json!({
        "CreationTime": s.creation_time,
        "IamRoleArn": s.iam_role_arn,
        "ProtectedResourceType": s.protected_resource_type,
        "ProtectedResourceArns": s.arns,
        "ProtectedResourceConditions": {
            "StringEquals": key_values(&s.conditions.string_equals),
            "StringNotEquals": key_values(&s.conditions.string_not_equals),
        },
        "RestoreTestingPlanName": plan_name,
        "RestoreTestingSelectionName": s.name,
    });
    put_opt(&mut out, "CreatorRequestId", s.creator_request_id.clone());
    put_opt(&mut out, "ValidationWindowHours", s.validation_window_hours);
    if !s.overrides.is_empty() {
        out["RestoreMetadataOverrides"] = json!(s.overrides);
    }
    Ok(Some(json!({ "RestoreTestingSelection": out })))
}

fn update_selection(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: UpdateSelectionInput = req.input()?;
    let sel = input
        .restore_testing_selection
        .ok_or_else(|| ApiError::missing_param("RestoreTestingSelection"))?;
    let now = req.now;
    let p = plan_mut(rs, req.label(0))?;
    let s = selection_mut(p, req.label(1))?;
    if sel.restore_testing_selection_name.is_some() || sel.protected_resource_type.is_some() {
        return Err(ApiError::invalid_param(
            "The name and the ProtectedResourceType of a restore testing selection cannot be changed",
        ));
    }
    // The result is checked whole before it replaces the selection.
    if let Some(role) = &sel.iam_role_arn {
        validate::iam_role_arn(role)?;
    }
    let arns = sel.protected_resource_arns.unwrap_or_else(|| s.arns.clone());
    protected_arns(&arns)?;
    let conds = sel
        .protected_resource_conditions
        .unwrap_or_else(|| s.conditions.clone());
    conditions(&conds)?;
    arns_and_conditions(&arns, &conds)?;
    let window = sel
        .validation_window_hours
        .map(validation_window)
        .transpose()?;
    if let Some(role) = sel.iam_role_arn {
        s.iam_role_arn = role;
    }
    s.arns = arns;
    s.conditions = conds;
    if let Some(overrides) = sel.restore_metadata_overrides {
        s.overrides = overrides;
    }
    if window.is_some() {
        s.validation_window_hours = window;
    }
    let s_name = s.name.clone();
    let creation_time = s.creation_time;
    Ok(Some(json!({
        "CreationTime": creation_time,
        "RestoreTestingPlanArn": p.arn,
        "RestoreTestingPlanName": p.name,
        "RestoreTestingSelectionName": s_name,
        "UpdateTime": now,
    })))
}

fn delete_selection(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let p = plan_mut(rs, req.label(0))?;
    selection_mut(p, req.label(1))?;
    p.selections.remove(req.label(1));
    Ok(None)
}

fn list_selections(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let p = plan_mut(rs, req.label(0))?;
    let items: Vec<Value> = p
        .selections
        .values()
        .map(|s| {
            let mut item = json!({
                "CreationTime": s.creation_time,
                "IamRoleArn": s.iam_role_arn,
                "ProtectedResourceType": s.protected_resource_type,
                "RestoreTestingPlanName": p.name,
                "RestoreTestingSelectionName": s.name,
            });
            put_opt(&mut item, "ValidationWindowHours", s.validation_window_hours);
            item
        })
        .collect();
    let (page, next) = paginate_with(items, req, "MaxResults", "NextToken")?;
    let mut out = json!({ "RestoreTestingSelections": page });
    put_opt(&mut out, "NextToken", next);
    Ok(Some(out))
}
