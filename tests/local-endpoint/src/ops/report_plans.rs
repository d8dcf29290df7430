//! Backup Audit Manager report plans, keyed by name per region. A plan is deployed at once (its
//! `DeploymentStatus` reads `COMPLETED`) unless the fault settings' `reportPlanDeployingCalls`
//! keep it deploying for a number of reads; no report ever runs.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{op, paginate_with, put_opt, Operation, Output, Request};
use crate::clock::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::state::RegionState;
use crate::validate;

pub const OPERATIONS: &[Operation] = &[
    op("POST", "/audit/report-plans", "CreateReportPlan", create),
    op("GET", "/audit/report-plans/{}", "DescribeReportPlan", describe),
    op("PUT", "/audit/report-plans/{}", "UpdateReportPlan", update),
    op("DELETE", "/audit/report-plans/{}", "DeleteReportPlan", delete),
    op("GET", "/audit/report-plans", "ListReportPlans", list),
];

pub const TEMPLATES: &[&str] = &[
    "RESOURCE_COMPLIANCE_REPORT",
    "CONTROL_COMPLIANCE_REPORT",
    "BACKUP_JOB_REPORT",
    "COPY_JOB_REPORT",
    "RESTORE_JOB_REPORT",
    "SCAN_JOB_REPORT",
];
const COMPLIANCE_TEMPLATES: &[&str] = &["RESOURCE_COMPLIANCE_REPORT", "CONTROL_COMPLIANCE_REPORT"];
const FORMATS: &[&str] = &["CSV", "JSON"];
/// What Describe answers for `Formats` when Create left them out.
const DEFAULT_FORMAT: &str = "CSV";
const MAX_FRAMEWORKS: usize = 1000;
/// AWS's quota of report plans per account (and here, per region).
const MAX_PLANS: usize = 20;

/// The region's report plans, by name (TagResource reaches their tags too).
#[derive(Default)]
pub struct ReportPlans {
    pub plans: BTreeMap<String, ReportPlan>,
}

pub struct ReportPlan {
    pub arn: String,
    name: String,
    description: Option<String>,
    channel: Channel,
    setting: Setting,
    creation_time: Timestamp,
    idempotency_token: Option<String>,
    /// The body of the create, to tell a replay of it from another request with its token.
    create_request: Value,
    pub tags: BTreeMap<String, String>,
    /// While deploying: the status Describe answers, and how many more Describes answer it.
    deploying: Option<(&'static str, u32)>,
}

impl ReportPlan {
    fn status(&self) -> &'static str {
        self.deploying.map_or("COMPLETED", |(s, _)| s)
    }

    /// ConflictException while an earlier change is still deploying.
    fn settled(&self) -> ApiResult<()> {
        match self.deploying {
            // The model gives the exception no status: a client error's 400.
            Some((s, _)) => Err(ApiError::new(
                400,
                "ConflictException",
                format!("Report plan {} is {s}; try again once it is deployed", self.name),
            )),
            None => Ok(()),
        }
    }
}

/// The deployment a change starts, per the fault settings.
fn deployment(status: &'static str, req: &Request) -> Option<(&'static str, u32)> {
    let n = req.variations.report_plan_deploying_calls;
    (n > 0).then_some((status, n))
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Channel {
    s3_bucket_name: Option<String>,
    s3_key_prefix: Option<String>,
    formats: Option<Vec<String>>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Setting {
    report_template: Option<String>,
    framework_arns: Option<Vec<String>>,
    number_of_frameworks: Option<i64>,
    accounts: Option<Vec<String>>,
    organization_units: Option<Vec<String>>,
    regions: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    report_plan_name: Option<String>,
    report_plan_description: Option<String>,
    report_delivery_channel: Option<Channel>,
    report_setting: Option<Setting>,
    report_plan_tags: Option<BTreeMap<String, String>>,
    idempotency_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    report_plan_description: Option<String>,
    report_delivery_channel: Option<Channel>,
    report_setting: Option<Setting>,
}

/// Report plan names: 1 to 256 letters, digits and underscores, starting with a letter.
fn name(name: &str) -> ApiResult<()> {
    let mut chars = name.chars();
    let ok = (1..=256).contains(&name.chars().count())
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_param(format!(
            "Invalid ReportPlanName {name:?}: it must start with a letter and contain 1 to 256 letters, digits or underscores"
        )))
    }
}

fn description(d: &str) -> ApiResult<()> {
    if d.chars().count() > 1024 || d.trim().is_empty() {
        return Err(ApiError::invalid_param(
            "ReportPlanDescription must be 1 to 1024 characters, not all whitespace",
        ));
    }
    Ok(())
}

/// S3's bucket naming rules (general purpose buckets).
fn bucket_name(b: &str) -> ApiResult<()> {
    let bytes = b.as_bytes();
    let edge = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok = (3..=63).contains(&b.len())
        && b.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && edge(bytes.first())
        && edge(bytes.last())
        && !b.contains("..")
        && b.parse::<std::net::Ipv4Addr>().is_err();
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_param(format!(
            "Invalid ReportDeliveryChannel.S3BucketName {b:?}: it is not a valid S3 bucket name"
        )))
    }
}

fn no_repeats(member: &str, list: &[String]) -> ApiResult<()> {
    for (i, x) in list.iter().enumerate() {
        if list[..i].contains(x) {
            return Err(ApiError::invalid_param(format!(
                "{member} lists {x:?} more than once"
            )));
        }
    }
    Ok(())
}

/// A framework ARN: `arn:<partition>:backup:<region>:<account>:framework:<name>-<id>`.
fn framework_arn(a: &str) -> ApiResult<()> {
    match validate::parse_arn(a) {
        Some(p)
            if p.service == "backup"
                && !p.region.is_empty()
                && p.account.len() == 12
                && p.account.bytes().all(|b| b.is_ascii_digit())
                && p.resource.strip_prefix("framework:").is_some_and(|r| {
                    r.split_once('-')
                        .is_some_and(|(n, id)| !n.is_empty() && !id.is_empty())
                }) =>
        {
            Ok(())
        }
        _ => Err(ApiError::invalid_param(format!(
            "Invalid ReportSetting.FrameworkArns entry {a:?}: it must be a framework ARN"
        ))),
    }
}

fn is_multi_account(s: &Setting) -> bool {
    s.accounts.as_ref().is_some_and(|l| !l.is_empty())
        || s.organization_units.as_ref().is_some_and(|l| !l.is_empty())
}

fn is_multi(s: &Setting) -> bool {
    is_multi_account(s) || s.regions.as_ref().is_some_and(|l| !l.is_empty())
}

/// Checks a delivery channel against the setting it goes with.
fn channel(c: &Channel, s: &Setting) -> ApiResult<()> {
    let bucket = c
        .s3_bucket_name
        .as_deref()
        .ok_or_else(|| ApiError::missing_param("ReportDeliveryChannel.S3BucketName"))?;
    bucket_name(bucket)?;
    if let Some(prefix) = &c.s3_key_prefix {
        if prefix.chars().count() > 1024 {
            return Err(ApiError::invalid_param(
                "ReportDeliveryChannel.S3KeyPrefix may be at most 1024 characters",
            ));
        }
    }
    if let Some(formats) = &c.formats {
        for f in formats {
            validate::enum_value("ReportDeliveryChannel.Formats", f, FORMATS)
                .map_err(ApiError::invalid_param)?;
        }
        no_repeats("ReportDeliveryChannel.Formats", formats)?;
        if is_multi(s) && formats.iter().any(|f| f != "CSV") {
            return Err(ApiError::invalid_param(
                "Cross-account and cross-Region reports are delivered in CSV only",
            ));
        }
    }
    Ok(())
}

/// Checks a report setting; answers it with `NumberOfFrameworks` filled in.
fn setting(mut s: Setting) -> ApiResult<Setting> {
    let template = s
        .report_template
        .as_deref()
        .ok_or_else(|| ApiError::missing_param("ReportSetting.ReportTemplate"))?;
    validate::enum_value("ReportSetting.ReportTemplate", template, TEMPLATES)
        .map_err(ApiError::invalid_param)?;
    let frameworks = s.framework_arns.clone().unwrap_or_default();
    let compliance = COMPLIANCE_TEMPLATES.contains(&template);
    if !compliance && !frameworks.is_empty() {
        return Err(ApiError::invalid_param(format!(
            "ReportSetting.FrameworkArns applies to compliance reports only, not {template}"
        )));
    }
    if compliance && is_multi_account(&s) && !frameworks.is_empty() {
        return Err(ApiError::invalid_param(
            "A cross-account compliance report covers every framework: leave FrameworkArns out",
        ));
    }
    if compliance && !is_multi_account(&s) && frameworks.is_empty() {
        return Err(ApiError::missing_param("ReportSetting.FrameworkArns"));
    }
    if frameworks.len() > MAX_FRAMEWORKS {
        return Err(ApiError::invalid_param(format!(
            "ReportSetting.FrameworkArns may hold at most {MAX_FRAMEWORKS} ARNs"
        )));
    }
    for a in &frameworks {
        framework_arn(a)?;
    }
    no_repeats("ReportSetting.FrameworkArns", &frameworks)?;
    if let Some(n) = s.number_of_frameworks {
        if n != 0 && n != frameworks.len() as i64 {
            return Err(ApiError::invalid_param(format!(
                "ReportSetting.NumberOfFrameworks is {n}, but FrameworkArns holds {}",
                frameworks.len()
            )));
        }
    }
    for (member, list) in [
        ("ReportSetting.Accounts", &s.accounts),
        ("ReportSetting.OrganizationUnits", &s.organization_units),
        ("ReportSetting.Regions", &s.regions),
    ] {
        no_repeats(member, list.as_deref().unwrap_or_default())?;
    }
    s.number_of_frameworks = Some(frameworks.len() as i64);
    Ok(s)
}

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("Report plan {name} does not exist"))
}

fn created(p: &ReportPlan) -> Value {
    json!({
        "CreationTime": p.creation_time,
        "ReportPlanArn": p.arn,
        "ReportPlanName": p.name,
    })
}

fn create(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: CreateInput = req.input()?;
    if let Some(token) = &input.idempotency_token {
        let previous = rs
            .ext::<ReportPlans>()
            .plans
            .values()
            .find(|p| p.idempotency_token.as_ref() == Some(token));
        match previous {
            Some(p) if p.create_request == req.body => return Ok(Some(created(p))),
            Some(_) => {
                return Err(ApiError::already_exists(format!(
                    "IdempotencyToken {token} was used by another request"
                )))
            }
            None => {}
        }
    }
    let plan_name = input
        .report_plan_name
        .ok_or_else(|| ApiError::missing_param("ReportPlanName"))?;
    let ch = input
        .report_delivery_channel
        .ok_or_else(|| ApiError::missing_param("ReportDeliveryChannel"))?;
    let s = input
        .report_setting
        .ok_or_else(|| ApiError::missing_param("ReportSetting"))?;
    name(&plan_name)?;
    if let Some(d) = &input.report_plan_description {
        description(d)?;
    }
    let s = setting(s)?;
    channel(&ch, &s)?;
    let tags = input.report_plan_tags.unwrap_or_default();
    validate::tags(&tags)?;
    let arn = rs.arn(&format!("report-plan:{plan_name}-{}", uuid::Uuid::new_v4()));
    let plans = &mut rs.ext::<ReportPlans>().plans;
    if plans.contains_key(&plan_name) {
        return Err(ApiError::already_exists(format!(
            "Report plan {plan_name} already exists"
        )));
    }
    if plans.len() >= MAX_PLANS {
        return Err(ApiError::new(
            400,
            "LimitExceededException",
            format!("An account may hold at most {MAX_PLANS} report plans"),
        ));
    }
    let p = ReportPlan {
        arn,
        name: plan_name.clone(),
        description: input.report_plan_description,
        channel: ch,
        setting: s,
        creation_time: req.now,
        idempotency_token: input.idempotency_token,
        create_request: req.body.clone(),
        tags,
        deploying: deployment("CREATE_IN_PROGRESS", req),
    };
    let out = created(&p);
    plans.insert(plan_name, p);
    Ok(Some(out))
}

fn plan_json(p: &ReportPlan) -> Value {
    let c = &p.channel;
    let mut channel = json!({
        "S3BucketName": c.s3_bucket_name,
        "Formats": c.formats.clone().unwrap_or_else(|| vec![DEFAULT_FORMAT.to_string()]),
    });
    put_opt(&mut channel, "S3KeyPrefix", c.s3_key_prefix.clone());
    let s = &p.setting;
    let mut setting = json!({
        "ReportTemplate": s.report_template,
        "NumberOfFrameworks": s.number_of_frameworks.unwrap_or(0),
    });
    for (key, list) in [
        ("FrameworkArns", &s.framework_arns),
        ("Accounts", &s.accounts),
        ("OrganizationUnits", &s.organization_units),
        ("Regions", &s.regions),
    ] {
        put_opt(&mut setting, key, list.clone());
    }
    let mut out = json!({
        "ReportPlanArn": p.arn,
        "ReportPlanName": p.name,
        "ReportDeliveryChannel": channel,
        "ReportSetting": setting,
        "DeploymentStatus": p.status(),
        "CreationTime": p.creation_time,
    });
    put_opt(&mut out, "ReportPlanDescription", p.description.clone());
    out
}

fn describe(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let plan_name = req.label(0);
    name(plan_name)?;
    let p = rs
        .ext::<ReportPlans>()
        .plans
        .get_mut(plan_name)
        .ok_or_else(|| not_found(plan_name))?;
    let out = json!({ "ReportPlan": plan_json(p) });
    // Each Describe while deploying brings the deployment closer to its end.
    p.deploying = p.deploying.and_then(|(s, n)| (n > 1).then_some((s, n - 1)));
    Ok(Some(out))
}

fn update(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: UpdateInput = req.input()?;
    let plan_name = req.label(0);
    name(plan_name)?;
    let p = rs
        .ext::<ReportPlans>()
        .plans
        .get_mut(plan_name)
        .ok_or_else(|| not_found(plan_name))?;
    p.settled()?;
    // Every member is checked before any is applied: a refused update changes nothing.
    if let Some(d) = &input.report_plan_description {
        description(d)?;
    }
    let s = input.report_setting.map(setting).transpose()?;
    let effective = s.as_ref().unwrap_or(&p.setting);
    channel(input.report_delivery_channel.as_ref().unwrap_or(&p.channel), effective)?;
    if let Some(d) = input.report_plan_description {
        p.description = Some(d);
    }
    if let Some(c) = input.report_delivery_channel {
        p.channel = c;
    }
    if let Some(s) = s {
        p.setting = s;
    }
    p.deploying = deployment("UPDATE_IN_PROGRESS", req);
    Ok(Some(created(p)))
}

fn delete(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let plan_name = req.label(0);
    name(plan_name)?;
    let plans = &mut rs.ext::<ReportPlans>().plans;
    plans
        .get(plan_name)
        .ok_or_else(|| not_found(plan_name))?
        .settled()?;
    plans.remove(plan_name);
    Ok(None)
}

fn list(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let items: Vec<Value> = rs
        .ext::<ReportPlans>()
        .plans
        .values()
        .map(plan_json)
        .collect();
    let (page, next) = paginate_with(items, req, "MaxResults", "NextToken")?;
    let mut out = json!({ "ReportPlans": page });
    put_opt(&mut out, "NextToken", next);
    Ok(Some(out))
}
