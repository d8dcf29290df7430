//! Backup plans and their versions.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{op, Operation, new_version_id, paginate, put_opt, Output, Request};
use crate::error::{ApiError, ApiResult};
use crate::state::{Plan, PlanVersion, RegionState, Tags};
use crate::validate::{self, LifecycleDays};

/// Backup plans and their versions.
pub const OPERATIONS: &[Operation] = &[
    op("PUT", "/backup/plans/", "CreateBackupPlan", create),
    op("GET", "/backup/plans/", "ListBackupPlans", list),
    op("GET", "/backup/plans/{}/", "GetBackupPlan", get),
    op("POST", "/backup/plans/{}", "UpdateBackupPlan", update),
    op("DELETE", "/backup/plans/{}", "DeleteBackupPlan", delete),
    op(
        "GET",
        "/backup/plans/{}/versions/",
        "ListBackupPlanVersions",
        list_versions,
    ),
];

/// Defaults AWS fills into every rule.
const DEFAULT_SCHEDULE: &str = "cron(0 5 ? * * *)";
const DEFAULT_TIMEZONE: &str = "Etc/UTC";
const DEFAULT_START_WINDOW: i64 = 480;
const DEFAULT_COMPLETION_WINDOW: i64 = 10_080;
const MAX_RULES: usize = 10;
const MAX_COPY_ACTIONS: usize = 5;
/// The model's `MalwareScanner` and `ScanMode` enums.
const MALWARE_SCANNERS: &[&str] = &["GUARDDUTY"];
const SCAN_MODES: &[&str] = &["FULL_SCAN", "INCREMENTAL_SCAN"];

#[derive(Deserialize, Serialize, Clone, Default)]
#[serde(rename_all = "PascalCase")]
struct Lifecycle {
    #[serde(skip_serializing_if = "Option::is_none")]
    move_to_cold_storage_after_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delete_after_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    opt_in_to_archive_for_supported_resources: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delete_after_event: Option<String>,
}

impl Lifecycle {
    fn days(&self) -> LifecycleDays {
        LifecycleDays {
            cold: self.move_to_cold_storage_after_days,
            delete: self.delete_after_days,
        }
    }
}

/// Checks a lifecycle given as input (rules, copy actions, backup jobs).
pub fn check_lifecycle_value(
    lc: Option<&Value>,
    continuous: bool,
) -> Result<Option<LifecycleDays>, String> {
    let lc: Option<Lifecycle> = match lc {
        None => None,
        Some(v) => {
            Some(serde_json::from_value(v.clone()).map_err(|e| format!("Invalid lifecycle: {e}"))?)
        }
    };
    if lc.as_ref().is_some_and(|l| l.delete_after_event.is_some()) {
        return Err("Invalid lifecycle. DeleteAfterEvent is not valid as an input".into());
    }
    let days = lc.as_ref().map(Lifecycle::days);
    validate::lifecycle(days, continuous)?;
    Ok(days)
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct CopyAction {
    #[serde(skip_serializing_if = "Option::is_none")]
    lifecycle: Option<Lifecycle>,
    #[serde(skip_serializing_if = "Option::is_none")]
    destination_backup_vault_arn: Option<String>,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct IndexAction {
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_types: Option<Vec<String>>,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct ScanAction {
    #[serde(skip_serializing_if = "Option::is_none")]
    malware_scanner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan_mode: Option<String>,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct ScanSetting {
    #[serde(skip_serializing_if = "Option::is_none")]
    malware_scanner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scanner_role_arn: Option<String>,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_backup_vault_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_logically_air_gapped_backup_vault_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_window_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completion_window_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lifecycle: Option<Lifecycle>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_point_tags: Option<Tags>,
    /// Output only: AWS assigns it.
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    rule_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    copy_actions: Option<Vec<CopyAction>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_continuous_backup: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule_expression_timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index_actions: Option<Vec<IndexAction>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan_actions: Option<Vec<ScanAction>>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct AdvancedSetting {
    resource_type: Option<String>,
    backup_options: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PlanInput {
    backup_plan_name: Option<String>,
    rules: Option<Vec<Rule>>,
    advanced_backup_settings: Option<Vec<AdvancedSetting>>,
    scan_settings: Option<Vec<ScanSetting>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    backup_plan: Option<PlanInput>,
    backup_plan_tags: Option<Tags>,
    creator_request_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    backup_plan: Option<PlanInput>,
}

/// A validated plan document ready to be stored as a version.
struct Validated {
    name: String,
    rules: Vec<Rule>,
    advanced: Option<Value>,
    scan_settings: Option<Value>,
}

fn validate_rule(rs: &RegionState, rule: &Rule, name: &str) -> ApiResult<()> {
    let err = |detail: String| ApiError::in_rule(name, detail);
    if !validate::is_rule_or_selection_name(name) {
        return Err(err(format!(
            "Invalid rule name {name:?}: it must contain 1 to 50 alphanumeric characters, hyphens, underscores or periods"
        )));
    }
    let vault = rule
        .target_backup_vault_name
        .as_deref()
        .ok_or_else(|| ApiError::missing_param("TargetBackupVaultName"))?;
    if validate::vault_name(vault).is_err() {
        return Err(err(format!("Invalid TargetBackupVaultName {vault:?}")));
    }
    if rs.vault(vault).is_none() {
        return Err(err(format!("Backup vault {vault} does not exist")));
    }
    if let Some(arn) = &rule.target_logically_air_gapped_backup_vault_arn {
        air_gapped_target(rs, arn).map_err(err)?;
    }
    if let Some(expr) = &rule.schedule_expression {
        validate::cron(expr).map_err(err)?;
    }
    if let Some(tz) = &rule.schedule_expression_timezone {
        if !validate::is_timezone(tz) {
            return Err(err(format!(
                "Invalid ScheduleExpressionTimezone {tz:?}: expected an IANA time zone name"
            )));
        }
    }
    if let Some(m) = rule.start_window_minutes {
        validate::start_window(m).map_err(err)?;
    }
    if let Some(m) = rule.completion_window_minutes {
        validate::completion_window("CompletionWindowMinutes", m).map_err(err)?;
    }
    let continuous = rule.enable_continuous_backup.unwrap_or(false);
    let lc = rule
        .lifecycle
        .as_ref()
        .map(|l| serde_json::to_value(l).unwrap_or_default());
    check_lifecycle_value(lc.as_ref(), continuous).map_err(|e| {
        let e = err(e);
        // AWS's code for "cold storage is unavailable" on continuous rules.
        if continuous
            && rule
                .lifecycle
                .as_ref()
                .is_some_and(|l| l.move_to_cold_storage_after_days.is_some())
        {
            e.with_code("ERROR_3015")
        } else {
            e
        }
    })?;
    if let Some(tags) = &rule.recovery_point_tags {
        validate::tags(tags).map_err(|e| err(e.message))?;
    }
    let copies = rule.copy_actions.as_deref().unwrap_or_default();
    if copies.len() > MAX_COPY_ACTIONS {
        return Err(err(format!(
            "A rule can have at most {MAX_COPY_ACTIONS} copy actions"
        )));
    }
    for copy in copies {
        let dest = copy
            .destination_backup_vault_arn
            .as_deref()
            .ok_or_else(|| ApiError::missing_param("CopyActions.DestinationBackupVaultArn"))?;
        validate::backup_vault_arn(dest).map_err(err)?;
        let lc = copy
            .lifecycle
            .as_ref()
            .map(|l| serde_json::to_value(l).unwrap_or_default());
        check_lifecycle_value(lc.as_ref(), false).map_err(err)?;
    }
    for action in rule.index_actions.iter().flatten() {
        for t in action.resource_types.iter().flatten() {
            validate::resource_type("IndexActions.ResourceTypes", t).map_err(err)?;
        }
    }
    for action in rule.scan_actions.iter().flatten() {
        if let Some(s) = &action.malware_scanner {
            validate::enum_value("ScanActions.MalwareScanner", s, MALWARE_SCANNERS).map_err(err)?;
        }
        if let Some(m) = &action.scan_mode {
            validate::enum_value("ScanActions.ScanMode", m, SCAN_MODES).map_err(err)?;
        }
    }
    Ok(())
}

/// `TargetLogicallyAirGappedBackupVaultArn`: an existing logically air-gapped vault of the
/// plan's own account and region (the model's documentation asks for the same account and
/// Region; which error AWS answers is not documented).
fn air_gapped_target(rs: &RegionState, arn: &str) -> Result<(), String> {
    const MEMBER: &str = "TargetLogicallyAirGappedBackupVaultArn";
    let Some((parsed, name)) = validate::parse_backup_vault_arn(arn) else {
        return Err(format!(
            "Invalid {MEMBER} {arn}. It must be a backup vault ARN"
        ));
    };
    if parsed.account != rs.account || parsed.region != rs.region {
        return Err(format!(
            "{MEMBER} {arn} must be in the same account and Region as the backup plan"
        ));
    }
    match rs.vault(&name).filter(|v| v.arn == arn) {
        None => Err(format!(
            "{MEMBER} {arn}: backup vault {name} does not exist"
        )),
        Some(v) if v.air_gap.is_none() => Err(format!(
            "{MEMBER} {arn}: backup vault {name} is not a logically air-gapped vault"
        )),
        Some(_) => Ok(()),
    }
}

fn validate_scan_settings(settings: &[ScanSetting]) -> ApiResult<()> {
    for s in settings {
        if let Some(scanner) = &s.malware_scanner {
            validate::enum_value("ScanSettings.MalwareScanner", scanner, MALWARE_SCANNERS)
                .map_err(ApiError::invalid_param)?;
        }
        for t in s.resource_types.iter().flatten() {
            validate::resource_type("ScanSettings.ResourceTypes", t)
                .map_err(ApiError::invalid_param)?;
        }
    }
    Ok(())
}

fn validate_advanced(settings: &[AdvancedSetting]) -> ApiResult<()> {
    for s in settings {
        let rt = s.resource_type.as_deref().unwrap_or_default();
        let allowed: &[&str] = match rt {
            "EC2" => &["WindowsVSS"],
            "S3" => &["BackupACLs", "BackupObjectTags"],
            _ => {
                return Err(ApiError::invalid_param(format!(
                    "Invalid ResourceType {rt:?} in AdvancedBackupSettings: valid values are EC2 and S3"
                )))
            }
        };
        for (k, v) in s.backup_options.iter().flatten() {
            if !allowed.contains(&k.as_str()) || !matches!(v.as_str(), "enabled" | "disabled") {
                return Err(ApiError::invalid_param(format!(
                    "Invalid backup option {k}={v} for resource type {rt}"
                )));
            }
        }
    }
    Ok(())
}

fn validate_plan(rs: &RegionState, plan: Option<PlanInput>) -> ApiResult<Validated> {
    let plan = plan.ok_or_else(|| ApiError::missing_param("BackupPlan"))?;
    let name = plan
        .backup_plan_name
        .ok_or_else(|| ApiError::missing_param("BackupPlan.BackupPlanName"))?;
    validate::plan_name(&name)?;
    let rules = plan
        .rules
        .ok_or_else(|| ApiError::missing_param("BackupPlan.Rules"))?;
    if rules.is_empty() {
        return Err(ApiError::invalid_param(
            "A backup plan must contain at least one rule",
        ));
    }
    if rules.len() > MAX_RULES {
        return Err(ApiError::invalid_param(format!(
            "A backup plan can contain at most {MAX_RULES} rules, got {}",
            rules.len()
        )));
    }
    let mut seen = HashSet::new();
    for rule in &rules {
        let rule_name = rule
            .rule_name
            .as_deref()
            .ok_or_else(|| ApiError::missing_param("RuleName"))?;
        validate_rule(rs, rule, rule_name)?;
        if !seen.insert(rule_name) {
            return Err(ApiError::in_rule(
                rule_name,
                "Rule names must be unique within a backup plan",
            ));
        }
    }
    let advanced = match plan.advanced_backup_settings {
        None => None,
        Some(settings) => {
            validate_advanced(&settings)?;
            Some(
                settings
                    .iter()
                    .map(|s| {
                        let mut o = json!({});
                        put_opt(&mut o, "ResourceType", s.resource_type.clone());
                        put_opt(
                            &mut o,
                            "BackupOptions",
                            s.backup_options.as_ref().map(|b| json!(b)),
                        );
                        o
                    })
                    .collect(),
            )
        }
    };
    if let Some(settings) = &plan.scan_settings {
        validate_scan_settings(settings)?;
    }
    Ok(Validated {
        name,
        rules,
        advanced,
        scan_settings: plan
            .scan_settings
            .map(|s| serde_json::to_value(s).unwrap_or_default()),
    })
}

/// Builds a stored version: defaults filled in, RuleIds kept for rules whose
/// name already existed in the previous version.
fn new_version(v: Validated, previous: Option<&PlanVersion>, now: f64) -> PlanVersion {
    let old_ids: HashMap<String, String> = previous
        .and_then(|p| p.document["Rules"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some((
                r["RuleName"].as_str()?.to_string(),
                r["RuleId"].as_str()?.to_string(),
            ))
        })
        .collect();
    let rules: Vec<Value> = v
        .rules
        .into_iter()
        .map(|mut r| {
            let name = r.rule_name.clone().unwrap_or_default();
            r.schedule_expression
                .get_or_insert_with(|| DEFAULT_SCHEDULE.into());
            r.schedule_expression_timezone
                .get_or_insert_with(|| DEFAULT_TIMEZONE.into());
            r.start_window_minutes.get_or_insert(DEFAULT_START_WINDOW);
            r.completion_window_minutes
                .get_or_insert(DEFAULT_COMPLETION_WINDOW);
            if let Some(lc) = r.lifecycle.as_mut() {
                lc.opt_in_to_archive_for_supported_resources
                    .get_or_insert(false);
            }
            r.rule_id = Some(
                old_ids
                    .get(&name)
                    .cloned()
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            );
            serde_json::to_value(r).unwrap_or_default()
        })
        .collect();
    let mut document = json!({ "BackupPlanName": v.name, "Rules": rules });
    put_opt(&mut document, "ScanSettings", v.scan_settings);
    PlanVersion {
        version_id: new_version_id(),
        creation: now,
        name: v.name,
        document,
        advanced_settings: v.advanced,
        deletion: None,
    }
}

/// Output of Create/UpdateBackupPlan.
fn write_output(plan: &Plan) -> Value {
    let cur = plan.current();
    let mut out = json!({
        "BackupPlanId": plan.id,
        "BackupPlanArn": plan.arn,
        "CreationDate": cur.creation,
        "VersionId": cur.version_id,
    });
    put_opt(
        &mut out,
        "AdvancedBackupSettings",
        cur.advanced_settings.clone(),
    );
    out
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Cannot find Backup plan with ID {id}"))
}

fn create(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: CreateInput = req.input()?;
    if let Some(id) = &input.creator_request_id {
        validate::creator_request_id(id)?;
    }
    // Same CreatorRequestId as an existing plan: that plan is returned.
    if let Some(id) = &input.creator_request_id {
        if let Some(p) = rs
            .plans
            .iter()
            .find(|p| p.deletion.is_none() && p.creator_request_id.as_ref() == Some(id))
        {
            return Ok(Some(write_output(p)));
        }
    }
    let validated = validate_plan(rs, input.backup_plan)?;
    let tags = input.backup_plan_tags.unwrap_or_default();
    validate::tags(&tags)?;
    if let Some(p) = rs
        .plans
        .iter()
        .find(|p| p.deletion.is_none() && p.name() == validated.name)
    {
        let mut e =
            ApiError::already_exists("Backup plan with the same plan document already exists")
                .with_extra("Arn", p.arn.clone());
        if let Some(id) = &p.creator_request_id {
            e = e.with_extra("CreatorRequestId", id.clone());
        }
        return Err(e);
    }
    let id = uuid::Uuid::new_v4().to_string();
    let plan = Plan {
        arn: rs.arn(&format!("backup-plan:{id}")),
        id,
        creator_request_id: input.creator_request_id,
        versions: vec![new_version(validated, None, req.now)],
        deletion: None,
        selections: Vec::new(),
        tags,
    };
    let out = write_output(&plan);
    rs.plans.push(plan);
    Ok(Some(out))
}

fn get(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let id = req.label(0);
    if let Some(n) = req.query("MaxScheduledRunsPreview") {
        if !n.parse::<i64>().is_ok_and(|n| (0..=10).contains(&n)) {
            return Err(ApiError::invalid_param(
                "MaxScheduledRunsPreview must be between 0 and 10",
            ));
        }
    }
    // A deleted plan is gone for GetBackupPlan (ListBackupPlanVersions still shows it).
    let plan = rs.live_plan(id).ok_or_else(|| not_found(id))?;
    let version = match req.query("versionId") {
        None => plan.current(),
        Some(v) => plan
            .versions
            .iter()
            .find(|x| x.version_id == v)
            .ok_or_else(|| {
                ApiError::not_found(format!("Cannot find version {v} of Backup plan {id}"))
            })?,
    };
    let mut out = json!({
        "BackupPlan": version.document,
        "BackupPlanId": plan.id,
        "BackupPlanArn": plan.arn,
        "VersionId": version.version_id,
    });
    put_opt(
        &mut out,
        "CreatorRequestId",
        plan.creator_request_id.clone(),
    );
    put_opt(&mut out, "CreationDate", Some(version.creation));
    put_opt(
        &mut out,
        "AdvancedBackupSettings",
        version.advanced_settings.clone(),
    );
    Ok(Some(out))
}

fn update(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let id = req.label(0);
    let input: UpdateInput = req.input()?;
    let current_name = rs
        .live_plan(id)
        .ok_or_else(|| not_found(id))?
        .name()
        .to_string();
    let validated = validate_plan(rs, input.backup_plan)?;
    if validated.name != current_name {
        return Err(ApiError::invalid_param(format!(
            "The name of a backup plan cannot be changed (plan {id} is named {current_name})"
        )));
    }
    let plan = rs.live_plan_mut(id).ok_or_else(|| not_found(id))?;
    let version = new_version(validated, Some(plan.current()), req.now);
    plan.versions.push(version);
    Ok(Some(write_output(plan)))
}

fn delete(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let id = req.label(0);
    let plan = rs.live_plan_mut(id).ok_or_else(|| not_found(id))?;
    if !plan.selections.is_empty() {
        return Err(ApiError::invalid_request(
            "Related backup plan selections must be deleted prior to backup plan deletion",
        ));
    }
    plan.deletion = Some(req.now);
    plan.tags.clear();
    let cur = plan.versions.last_mut().expect("a plan has a version");
    cur.deletion = Some(req.now);
    Ok(Some(json!({
        "BackupPlanId": plan.id,
        "BackupPlanArn": plan.arn,
        "DeletionDate": req.now,
        "VersionId": cur.version_id,
    })))
}

/// A `BackupPlansListMember` for one version of a plan.
fn list_member(plan: &Plan, v: &PlanVersion) -> Value {
    let mut out = json!({
        "BackupPlanArn": plan.arn,
        "BackupPlanId": plan.id,
        "CreationDate": v.creation,
    });
    put_opt(&mut out, "DeletionDate", v.deletion);
    put_opt(&mut out, "VersionId", Some(v.version_id.clone()));
    put_opt(&mut out, "BackupPlanName", Some(v.name.clone()));
    put_opt(
        &mut out,
        "CreatorRequestId",
        plan.creator_request_id.clone(),
    );
    put_opt(
        &mut out,
        "AdvancedBackupSettings",
        v.advanced_settings.clone(),
    );
    out
}

fn list(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let include_deleted = req.query_bool("includeDeleted")?.unwrap_or(false);
    let items: Vec<Value> = rs
        .plans
        .iter()
        .filter(|p| include_deleted || p.deletion.is_none())
        .map(|p| list_member(p, p.current()))
        .collect();
    let (page, next) = paginate(items, req)?;
    let mut out = json!({ "BackupPlansList": page });
    put_opt(&mut out, "NextToken", next);
    Ok(Some(out))
}

fn list_versions(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let id = req.label(0);
    let plan = rs
        .plans
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| not_found(id))?;
    let items: Vec<Value> = plan.versions.iter().map(|v| list_member(plan, v)).collect();
    let (page, next) = paginate(items, req)?;
    let mut out = json!({ "BackupPlanVersionsList": page });
    put_opt(&mut out, "NextToken", next);
    Ok(Some(out))
}
