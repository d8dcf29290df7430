//! `awsbackup:index:ReportPlan`: a Backup Audit Manager report plan, which writes daily reports
//! on jobs or on compliance with frameworks to an S3 bucket.
//!
//! The id and the import id are the plan name. Every input but the name changes in place
//! (UpdateReportPlan, tags through Tag/UntagResource). AWS's defaults (the CSV format, the
//! framework count) are no diff when the inputs leave them out, and the lists are sets.

use std::time::Duration;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::report_plan::{ReportDeliveryChannel, ReportSetting};
use crate::aws::{ReportPlan as AwsPlan, ReportPlanDocument, Tags};
use crate::naming::NameRule;
use crate::resource::{
    creator_request_id, sort_sets, CheckContext, Context, OpError, ReadResult, Resource,
};
use crate::resources::restore_testing_plan::same_set;
use crate::resources::tags;
use crate::retry::{self, Poll, WaitError};
use crate::value::Path;

/// A Backup Audit Manager report plan: every day AWS Backup writes a report on the jobs of one
/// kind, or on compliance with audit frameworks, to an S3 bucket. The id is the plan name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportPlanArgs {
    /// The plan name: 1 to 256 letters, digits and underscores, starting with a letter, unique
    /// per account and region. Autonamed `<resource name>_<7 chars>` (hyphens become
    /// underscores) when omitted. AWS cannot rename a plan: changing it replaces the plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A description of the plan, up to 1024 characters. AWS cannot remove a description once
    /// set; it can only be changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the reports are written and in which formats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_delivery_channel: Option<ReportDeliveryChannelArgs>,
    /// What the reports cover.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_setting: Option<ReportSettingArgs>,
    /// Tags for the plan; the provider's `defaultTags` are merged under them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// Where a report plan's reports are written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportDeliveryChannelArgs {
    /// The S3 bucket that receives the reports, in the plan's account. Its policy must let the
    /// role `AWSServiceRoleForBackupReports` put objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_bucket_name: Option<String>,
    /// The key prefix the reports are written under (reports land under
    /// `<prefix>/Backup/...`), up to 1024 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_key_prefix: Option<String>,
    /// The report formats, one or both of `CSV` and `JSON`; AWS's default is `CSV`.
    /// Cross-account and cross-Region reports are `CSV` only. Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formats: Option<Vec<String>>,
}

/// What a report plan's reports cover.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportSettingArgs {
    /// The report: `RESOURCE_COMPLIANCE_REPORT` or `CONTROL_COMPLIANCE_REPORT` (compliance with
    /// frameworks), or `BACKUP_JOB_REPORT`, `COPY_JOB_REPORT`, `RESTORE_JOB_REPORT`,
    /// `SCAN_JOB_REPORT` (the jobs of the last 24 hours).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_template: Option<String>,
    /// The ARNs of the frameworks a compliance report covers
    /// (`arn:aws:backup:<region>:<account>:framework:<name>-<id>`), at most 1000: required by a
    /// compliance report of this account, refused by a cross-account one (it covers every
    /// framework) and by job reports. Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework_arns: Option<Vec<String>>,
    /// The number of frameworks the report covers. AWS counts `frameworkArns` itself; when set,
    /// it must equal their number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_frameworks: Option<i64>,
    /// The accounts a cross-account report covers (12-digit ids), or `ROOT` for every account
    /// of the organization. Only an organization's management account or a delegated
    /// administrator may set it. Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<String>>,
    /// The organizational units (`ou-...`) a cross-account report covers. Their order does not
    /// matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_units: Option<Vec<String>>,
    /// The Regions a cross-Region report covers (`us-east-1`), or `*` for every Region. Their
    /// order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
}

/// The state of a report plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportPlanState {
    #[serde(flatten)]
    pub args: ReportPlanArgs,
    /// The plan's ARN.
    pub arn: String,
    /// When the plan was created (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
    /// The plan's deployment: `CREATE_IN_PROGRESS`, `UPDATE_IN_PROGRESS`,
    /// `DELETE_IN_PROGRESS` or `COMPLETED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_status: Option<String>,
}

/// Names of report plans (the first character must also be a letter: see `check_plan`).
pub const REPORT_PLAN_NAME: NameRule = NameRule {
    field: "name",
    what: "a report plan name",
    min_len: 1,
    max_len: 256,
    allowed: |c| c.is_ascii_alphanumeric() || c == '_',
    allowed_text: "letters, digits and underscores (_)",
};

pub const TEMPLATES: &[&str] = &[
    "RESOURCE_COMPLIANCE_REPORT",
    "CONTROL_COMPLIANCE_REPORT",
    "BACKUP_JOB_REPORT",
    "COPY_JOB_REPORT",
    "RESTORE_JOB_REPORT",
    "SCAN_JOB_REPORT",
];
/// The templates that report on compliance with frameworks.
const COMPLIANCE_TEMPLATES: &[&str] = &["RESOURCE_COMPLIANCE_REPORT", "CONTROL_COMPLIANCE_REPORT"];
pub const FORMATS: &[&str] = &["CSV", "JSON"];
/// What AWS delivers when the inputs name no format.
const DEFAULT_FORMAT: &str = "CSV";
const MAX_FRAMEWORKS: usize = 1000;
const MAX_DESCRIPTION: usize = 1024;
const MAX_KEY_PREFIX: usize = 1024;
/// How long create and update wait for the plan's deployment (the custom timeout replaces it).
const DEPLOY_WAIT: Duration = Duration::from_secs(180);
/// The set-like lists, by parent.
const CHANNEL_SETS: &[&str] = &["formats"];
const SETTING_SETS: &[&str] = &["frameworkArns", "accounts", "organizationUnits", "regions"];

/// Why a bucket name breaks S3's naming rules (general purpose buckets).
fn bucket_refusal(b: &str) -> Option<String> {
    let bytes = b.as_bytes();
    let edge = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let why = if !(3..=63).contains(&b.len()) {
        "must be 3 to 63 characters long"
    } else if !b
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
    {
        "may contain only lowercase letters, digits, dots (.) and hyphens (-)"
    } else if !edge(bytes.first()) || !edge(bytes.last()) {
        "must begin and end with a lowercase letter or a digit"
    } else if b.contains("..") {
        "must not contain two adjacent dots"
    } else if b.parse::<std::net::Ipv4Addr>().is_ok() {
        "must not be formatted as an IP address"
    } else if ["xn--", "sthree-", "amzn-s3-demo-"]
        .iter()
        .any(|p| b.starts_with(p))
    {
        "must not begin with a prefix S3 reserves (xn--, sthree-, amzn-s3-demo-)"
    } else if ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
        .iter()
        .any(|s| b.ends_with(s))
    {
        "must not end with a suffix S3 reserves (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)"
    } else {
        return None;
    };
    Some(format!("is not an S3 bucket name: it {why}, got '{b}'"))
}

/// Why `a` is not a framework ARN `arn:<partition>:backup:<region>:<account>:framework:<name>-<id>`.
fn framework_arn_refusal(a: &str) -> Option<String> {
    let parts: Vec<&str> = a.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "backup"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5]
            .strip_prefix("framework:")
            .and_then(|r| r.split_once('-'))
            .is_some_and(|(name, id)| !name.is_empty() && !id.is_empty());
    (!ok).then(|| {
        format!(
            "must be a framework ARN like \
             arn:aws:backup:<region>:<account-id>:framework:<name>-<id>, got '{a}'"
        )
    })
}

fn account_refusal(a: &str) -> Option<String> {
    let ok = a == "ROOT" || (a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()));
    (!ok).then(|| format!("must be a 12-digit account id or ROOT (every account), got '{a}'"))
}

/// `ou-<root>-<ou>`: lowercase letters and digits, 4–32 and 8–32 of them.
fn organization_unit_refusal(ou: &str) -> Option<String> {
    let part = |s: &str, min: usize| {
        (min..=32).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let ok = ou
        .strip_prefix("ou-")
        .and_then(|r| r.split_once('-'))
        .is_some_and(|(root, id)| part(root, 4) && part(id, 8));
    (!ok).then(|| format!("must be an organizational unit id like ou-ab12-cd34ef56, got '{ou}'"))
}

/// `*`, or a Region name such as `us-east-1` or `us-gov-west-1`.
fn region_refusal(r: &str) -> Option<String> {
    let parts: Vec<&str> = r.split('-').collect();
    let ok = r == "*"
        || (parts.len() >= 3
            && parts[..parts.len() - 1]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts[parts.len() - 1]
                .parse::<u8>()
                .is_ok_and(|_| parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())));
    (!ok).then(|| format!("must be a Region name such as us-east-1, or * for every Region, got '{r}'"))
}

/// Checks a list that is a set: no repeats, and each element by `refusal`.
fn check_set(
    ctx: &mut CheckContext,
    path: &Path,
    list: &[String],
    refusal: impl Fn(&str) -> Option<String>,
) {
    for (i, item) in list.iter().enumerate() {
        let at = path.index(i);
        if let Some(first) = list[..i].iter().position(|x| x == item) {
            ctx.fail(
                &at,
                format!("'{item}' is listed twice (also {}); the list is a set", path.index(first)),
            );
        } else if let Some(reason) = refusal(item) {
            ctx.fail(&at, reason);
        }
    }
}

fn non_empty(list: &Option<Vec<String>>) -> bool {
    list.as_ref().is_some_and(|l| !l.is_empty())
}

/// The rules AWS documents for a plan's inputs.
fn check_plan(ctx: &mut CheckContext, args: &ReportPlanArgs) {
    if let Some(name) = &args.name {
        if name.chars().next().is_some_and(|c| !c.is_ascii_alphabetic()) {
            ctx.fail(
                "name",
                format!("a report plan name must start with a letter, got '{name}'"),
            );
        }
    }
    if let Some(d) = &args.description {
        if d.trim().is_empty() {
            ctx.fail("description", "must not be empty or only whitespace; leave it out instead");
        } else if d.chars().count() > MAX_DESCRIPTION {
            ctx.fail(
                "description",
                format!("must be at most {MAX_DESCRIPTION} characters, got {}", d.chars().count()),
            );
        }
    }
    let ch_root = Path::root().key("reportDeliveryChannel");
    let st_root = Path::root().key("reportSetting");
    let setting = args.report_setting.clone().unwrap_or_default();
    // Whether the report covers other accounts or Regions; `None` while that is unknown.
    let known = |ctx: &CheckContext, field: &str| !ctx.is_unknown(&st_root.key(field).to_string());
    let multi_account = (known(ctx, "accounts") && known(ctx, "organizationUnits"))
        .then(|| non_empty(&setting.accounts) || non_empty(&setting.organization_units));
    let multi = (multi_account.is_some() && known(ctx, "regions"))
        .then(|| multi_account == Some(true) || non_empty(&setting.regions));

    if let Some(ch) = &args.report_delivery_channel {
        match &ch.s3_bucket_name {
            Some(b) => {
                if let Some(why) = bucket_refusal(b) {
                    ctx.fail(ch_root.key("s3BucketName"), why);
                }
            }
            None if !ctx.is_unknown(&ch_root.key("s3BucketName").to_string()) => {
                ctx.fail(ch_root.key("s3BucketName"), "is required");
            }
            None => {}
        }
        if let Some(p) = ch.s3_key_prefix.as_ref().filter(|p| p.chars().count() > MAX_KEY_PREFIX) {
            ctx.fail(
                ch_root.key("s3KeyPrefix"),
                format!("must be at most {MAX_KEY_PREFIX} characters, got {}", p.chars().count()),
            );
        }
        if let Some(formats) = &ch.formats {
            let path = ch_root.key("formats");
            if formats.is_empty() {
                ctx.fail(&path, "must name CSV, JSON or both; leave it out for AWS's default, CSV");
            }
            check_set(ctx, &path, formats, |f| {
                if !FORMATS.contains(&f) {
                    Some(format!("must be one of {}, got '{f}'", FORMATS.join(", ")))
                } else if multi == Some(true) && f != "CSV" {
                    Some(format!(
                        "cross-account and cross-Region reports (reportSetting.accounts, \
                         organizationUnits or regions set) are delivered as CSV only, got '{f}'"
                    ))
                } else {
                    None
                }
            });
        }
    }

    let Some(s) = &args.report_setting else {
        return;
    };
    let template = match &s.report_template {
        Some(t) if !TEMPLATES.contains(&t.as_str()) => {
            ctx.fail(
                st_root.key("reportTemplate"),
                format!("must be one of {}, got '{t}'", TEMPLATES.join(", ")),
            );
            None
        }
        Some(t) => Some(t.as_str()),
        None => {
            if !ctx.is_unknown(&st_root.key("reportTemplate").to_string()) {
                ctx.fail(st_root.key("reportTemplate"), "is required");
            }
            None
        }
    };
    let fw_path = st_root.key("frameworkArns");
    let frameworks_known = !ctx.is_unknown(&fw_path.to_string());
    if let (Some(t), true) = (template, frameworks_known) {
        let compliance = COMPLIANCE_TEMPLATES.contains(&t);
        let has = non_empty(&s.framework_arns);
        if !compliance && has {
            ctx.fail(
                &fw_path,
                format!("only compliance reports ({}) cover frameworks, not {t}", COMPLIANCE_TEMPLATES.join(", ")),
            );
        } else if compliance && multi_account == Some(true) && has {
            ctx.fail(
                &fw_path,
                "a cross-account compliance report (accounts or organizationUnits set) covers \
                 every framework: leave frameworkArns out",
            );
        } else if compliance && multi_account == Some(false) && !has {
            ctx.fail(
                &fw_path,
                format!(
                    "is required for {t} in this account: name the frameworks the report covers"
                ),
            );
        }
    }
    if let Some(list) = &s.framework_arns {
        if list.len() > MAX_FRAMEWORKS {
            ctx.fail(
                &fw_path,
                format!("may name at most {MAX_FRAMEWORKS} frameworks, got {}", list.len()),
            );
        }
        check_set(ctx, &fw_path, list, framework_arn_refusal);
    }
    if let Some(n) = s.number_of_frameworks {
        let count = s.framework_arns.as_ref().map_or(0, Vec::len) as i64;
        if n < 0 {
            ctx.fail(st_root.key("numberOfFrameworks"), format!("must not be negative, got {n}"));
        } else if frameworks_known && n != count {
            ctx.fail(
                st_root.key("numberOfFrameworks"),
                format!(
                    "must equal the number of frameworkArns ({count}), got {n}; AWS counts \
                     them itself, so it can be left out"
                ),
            );
        }
    }
    for (field, list, refusal) in [
        ("accounts", &s.accounts, account_refusal as fn(&str) -> Option<String>),
        ("organizationUnits", &s.organization_units, organization_unit_refusal),
        ("regions", &s.regions, region_refusal),
    ] {
        if let Some(list) = list {
            check_set(ctx, &st_root.key(field), list, refusal);
        }
    }
}

/// The plan AWS is sent for these inputs.
fn document(args: &ReportPlanArgs) -> ReportPlanDocument {
    let ch = args.report_delivery_channel.clone().unwrap_or_default();
    let s = args.report_setting.clone().unwrap_or_default();
    ReportPlanDocument {
        name: args.name.clone().unwrap_or_default(),
        description: args.description.clone(),
        delivery_channel: ReportDeliveryChannel {
            s3_bucket_name: ch.s3_bucket_name.unwrap_or_default(),
            s3_key_prefix: ch.s3_key_prefix,
            formats: ch.formats.unwrap_or_default(),
        },
        setting: ReportSetting {
            report_template: s.report_template.unwrap_or_default(),
            framework_arns: s.framework_arns.unwrap_or_default(),
            number_of_frameworks: s.number_of_frameworks,
            accounts: s.accounts.unwrap_or_default(),
            organization_units: s.organization_units.unwrap_or_default(),
            regions: s.regions.unwrap_or_default(),
        },
    }
}

/// The document an update sends: the formats go back to AWS's default when the inputs leave
/// them out (an update sends the channel whole).
fn update_document(args: &ReportPlanArgs) -> ReportPlanDocument {
    let mut d = document(args);
    if d.delivery_channel.formats.is_empty() {
        d.delivery_channel.formats = vec![DEFAULT_FORMAT.to_string()];
    }
    d
}

/// A live set as an input: in the previous order when it holds the same elements; left out
/// when empty and the previous inputs left it out too.
fn set_input(live: &[String], old: Option<&Vec<String>>) -> Option<Vec<String>> {
    match old {
        Some(old) if same_set(live, old) => Some(old.clone()),
        None if live.is_empty() => None,
        _ => Some(live.to_vec()),
    }
}

/// A live plan as the resource reads it: inputs shaped like `old` (the previous inputs, `None`
/// on import: then AWS's defaults are left out), and the state.
pub fn read_back(
    plan: &AwsPlan,
    old: Option<ReportPlanArgs>,
    live_tags: Tags,
) -> ReadResult<ReportPlanArgs, ReportPlanState> {
    let old = old.unwrap_or_default();
    let old_ch = old.report_delivery_channel.clone().unwrap_or_default();
    let old_s = old.report_setting.clone().unwrap_or_default();
    let d = &plan.document;
    let ch = &d.delivery_channel;
    let s = &d.setting;
    let default_formats = ch.formats.is_empty() || ch.formats == [DEFAULT_FORMAT];
    let formats = if old_ch.formats.is_none() && default_formats {
        None
    } else {
        set_input(&ch.formats, old_ch.formats.as_ref())
    };
    let count = s.framework_arns.len() as i64;
    let inputs = ReportPlanArgs {
        name: Some(d.name.clone()),
        description: d.description.clone(),
        report_delivery_channel: Some(ReportDeliveryChannelArgs {
            s3_bucket_name: Some(ch.s3_bucket_name.clone()),
            s3_key_prefix: ch.s3_key_prefix.clone(),
            formats,
        }),
        report_setting: Some(ReportSettingArgs {
            report_template: Some(s.report_template.clone()),
            framework_arns: set_input(&s.framework_arns, old_s.framework_arns.as_ref()),
            // AWS's count: kept only where the inputs set it.
            number_of_frameworks: old_s
                .number_of_frameworks
                .map(|_| s.number_of_frameworks.unwrap_or(count)),
            accounts: set_input(&s.accounts, old_s.accounts.as_ref()),
            organization_units: set_input(&s.organization_units, old_s.organization_units.as_ref()),
            regions: set_input(&s.regions, old_s.regions.as_ref()),
        }),
        tags: (!live_tags.is_empty() || old.tags.is_some()).then_some(live_tags),
    };
    let state = ReportPlanState {
        args: inputs.clone(),
        arn: plan.arn.clone(),
        creation_time: plan.creation_time.clone(),
        deployment_status: plan.deployment_status.clone(),
    };
    ReadResult { inputs, state }
}

/// Drops what means AWS's default and sorts the sets, so that neither shows as a change.
fn drop_defaults(inputs: &mut Value) {
    let Some(obj) = inputs.as_object_mut() else {
        return;
    };
    if let Some(ch) = obj.get_mut("reportDeliveryChannel").and_then(Value::as_object_mut) {
        let default = |v: &Value| {
            v.as_array()
                .is_some_and(|a| a.is_empty() || a == &[Value::from(DEFAULT_FORMAT)])
        };
        if ch.get("formats").is_some_and(default) {
            ch.remove("formats");
        }
        sort_sets(ch, CHANNEL_SETS);
    }
    if let Some(s) = obj.get_mut("reportSetting").and_then(Value::as_object_mut) {
        for list in SETTING_SETS {
            if s.get(*list).and_then(Value::as_array).is_some_and(Vec::is_empty) {
                s.remove(*list);
            }
        }
        let count = s
            .get("frameworkArns")
            .and_then(Value::as_array)
            .map_or(0, Vec::len) as i64;
        if s.get("numberOfFrameworks").and_then(Value::as_i64) == Some(count) {
            s.remove("numberOfFrameworks");
        }
        sort_sets(s, SETTING_SETS);
    }
}

fn missing_plan(id: &str, e: impl std::fmt::Display) -> OpError {
    OpError::Failed(format!(
        "report plan '{id}' no longer exists; run `pulumi refresh` ({e})"
    ))
}

/// Waits until the plan's deployment is no longer in progress; answers the plan as then read.
async fn deployed(ctx: &Context, name: &str) -> Result<Option<AwsPlan>, OpError> {
    let budget = ctx.wait_budget(DEPLOY_WAIT);
    let waited = retry::wait(budget, Duration::from_millis(250), Duration::from_secs(5), || async {
        match ctx.api.get_report_plan(name).await {
            Ok(Some(p))
                if p.deployment_status
                    .as_deref()
                    .is_some_and(|s| s.ends_with("_IN_PROGRESS")) =>
            {
                Ok(Poll::Pending(format!(
                    "deployment status {}",
                    p.deployment_status.unwrap_or_default()
                )))
            }
            Ok(p) => Ok(Poll::Done(p)),
            Err(e) => Err(OpError::from(e)),
        }
    })
    .await;
    match waited {
        Ok(p) => Ok(p),
        Err(WaitError::Failed(e)) => Err(e),
        Err(WaitError::TimedOut { waited, last }) => Err(OpError::Failed(format!(
            "report plan '{name}' was still deploying after {:.0}s ({last}); raise the custom \
             timeout, or run `pulumi refresh` once it is done",
            waited.as_secs_f64()
        ))),
        Err(WaitError::Cancelled) => Err(OpError::Failed("the operation was cancelled".into())),
    }
}

pub struct ReportPlan;

#[async_trait]
impl Resource for ReportPlan {
    type Args = ReportPlanArgs;
    type State = ReportPlanState;

    const TOKEN: &'static str = "awsbackup:index:ReportPlan";
    const REQUIRED_INPUTS: &'static [&'static str] = &["reportDeliveryChannel", "reportSetting"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    const NAME: Option<NameRule> = Some(REPORT_PLAN_NAME);

    fn check(&self, ctx: &mut CheckContext, args: &mut ReportPlanArgs) {
        check_plan(ctx, args);
        // A renamed plan is a new plan: it may go without the description.
        let renamed = args.name.is_some()
            && ctx.olds.get("name").and_then(Value::as_str) != args.name.as_deref();
        if args.description.is_none()
            && ctx.olds.get("description").is_some_and(Value::is_string)
            && !ctx.is_unknown("description")
            && !renamed
        {
            ctx.fail(
                "description",
                "AWS cannot remove a report plan's description: set another one, or replace \
                 the plan (`pulumi up --replace <urn>`)",
            );
        }
        tags::check(ctx, &mut args.tags);
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        drop_defaults(old);
        drop_defaults(new);
    }

    async fn create(
        &self,
        ctx: &Context,
        args: ReportPlanArgs,
    ) -> Result<(String, ReportPlanState), OpError> {
        let name = args.name.clone().unwrap_or_default();
        // The same token for a retried create of the same resource: AWS answers the plan the
        // first attempt made.
        let token = creator_request_id::<Self>(&ctx.urn, &args);
        let tags = args.tags.clone().unwrap_or_default();
        let created = ctx
            .api
            .create_report_plan(&document(&args), &tags, &token)
            .await
            .map_err(|e| {
                if e.is_already_exists() {
                    OpError::Failed(format!(
                        "a report plan named '{name}' already exists in this account and \
                         region; adopt it with `pulumi import {} <resource name> {name}` or \
                         choose another name ({e})",
                        Self::TOKEN
                    ))
                } else {
                    e.into()
                }
            })?;
        tracing::debug!(plan = %name, "created report plan");
        let live = deployed(ctx, &name).await?;
        let state = ReportPlanState {
            args,
            arn: created.arn,
            creation_time: created.creation_time,
            deployment_status: live.and_then(|p| p.deployment_status),
        };
        Ok((name, state))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<ReportPlanArgs>,
    ) -> Result<Option<ReadResult<ReportPlanArgs, ReportPlanState>>, OpError> {
        let Some(plan) = ctx.api.get_report_plan(id).await? else {
            return Ok(None);
        };
        let live_tags = tags::managed(ctx.api.list_tags(&plan.arn).await?);
        Ok(Some(read_back(&plan, old, live_tags)))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: ReportPlanState,
        news: ReportPlanArgs,
    ) -> Result<ReportPlanState, OpError> {
        let gone = |e: crate::aws::AwsError| {
            if e.is_not_found() {
                missing_plan(id, e)
            } else {
                e.into()
            }
        };
        let comparable = |a: &ReportPlanArgs| {
            let mut v = serde_json::to_value(ReportPlanArgs {
                tags: None,
                ..a.clone()
            })
            .unwrap_or_default();
            drop_defaults(&mut v);
            v
        };
        let mut deployment_status = old.deployment_status.clone();
        if comparable(&old.args) != comparable(&news) {
            let d = ReportPlanDocument {
                name: id.to_string(),
                ..update_document(&news)
            };
            ctx.api.update_report_plan(&d).await.map_err(gone)?;
            tracing::debug!(plan = %id, "updated report plan");
            if let Some(p) = deployed(ctx, id).await? {
                deployment_status = p.deployment_status;
            }
        }
        let what = format!("report plan '{id}'");
        tags::update(ctx.api.as_ref(), &what, &old.arn, &old.args.tags, &news.tags).await?;
        Ok(ReportPlanState {
            args: news,
            deployment_status,
            ..old
        })
    }

    async fn delete(&self, ctx: &Context, id: &str, _state: ReportPlanState) -> Result<(), OpError> {
        // ConflictException (a deployment still running) is retried by the AWS layer.
        if ctx.api.delete_report_plan(id).await? {
            tracing::debug!(plan = %id, "deleted report plan");
        } else {
            tracing::debug!(plan = %id, "report plan already gone");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use serde_json::json;

    use super::*;
    use crate::config::ProviderConfig;
    use crate::value::Marks;

    fn run(args: &ReportPlanArgs) -> Vec<(String, String)> {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new("urn", &config, &olds, &marks, SystemTime::now());
        check_plan(&mut ctx, args);
        ctx.into_parts()
            .0
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    const FW: &str =
        "arn:aws:backup:us-east-1:123456789012:framework:daily_fw-0123abcd-4567-89ef-0123-456789abcdef";

    fn valid() -> ReportPlanArgs {
        ReportPlanArgs {
            name: Some("compliance".into()),
            report_delivery_channel: Some(ReportDeliveryChannelArgs {
                s3_bucket_name: Some("audit-reports".into()),
                formats: Some(strings(&["CSV", "JSON"])),
                ..Default::default()
            }),
            report_setting: Some(ReportSettingArgs {
                report_template: Some("CONTROL_COMPLIANCE_REPORT".into()),
                framework_arns: Some(strings(&[FW])),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn setting(a: &mut ReportPlanArgs) -> &mut ReportSettingArgs {
        a.report_setting.as_mut().unwrap()
    }

    fn channel(a: &mut ReportPlanArgs) -> &mut ReportDeliveryChannelArgs {
        a.report_delivery_channel.as_mut().unwrap()
    }

    #[test]
    fn a_valid_plan_passes_and_each_broken_rule_names_its_property() {
        assert_eq!(run(&valid()), vec![]);
        type Edit = Box<dyn Fn(&mut ReportPlanArgs)>;
        let cases: Vec<(Edit, &str, &str)> = vec![
            (Box::new(|a| a.name = Some("1st_plan".into())), "name", "start with a letter"),
            (Box::new(|a| a.description = Some("  ".into())), "description", "whitespace"),
            (
                Box::new(|a| a.description = Some("x".repeat(1025))),
                "description",
                "at most 1024",
            ),
            (
                Box::new(|a| channel(a).s3_bucket_name = None),
                "reportDeliveryChannel.s3BucketName",
                "is required",
            ),
            (
                Box::new(|a| channel(a).s3_bucket_name = Some("Audit_Reports".into())),
                "reportDeliveryChannel.s3BucketName",
                "lowercase letters",
            ),
            (
                Box::new(|a| channel(a).s3_bucket_name = Some("10.0.0.1".into())),
                "reportDeliveryChannel.s3BucketName",
                "IP address",
            ),
            (
                Box::new(|a| channel(a).s3_key_prefix = Some("p".repeat(1025))),
                "reportDeliveryChannel.s3KeyPrefix",
                "at most 1024",
            ),
            (
                Box::new(|a| channel(a).formats = Some(strings(&["PDF"]))),
                "reportDeliveryChannel.formats[0]",
                "CSV, JSON, got 'PDF'",
            ),
            (
                Box::new(|a| channel(a).formats = Some(strings(&["CSV", "CSV"]))),
                "reportDeliveryChannel.formats[1]",
                "listed twice",
            ),
            (
                Box::new(|a| channel(a).formats = Some(vec![])),
                "reportDeliveryChannel.formats",
                "leave it out",
            ),
            (
                // Cross-Region reports are CSV only.
                Box::new(|a| {
                    setting(a).framework_arns = Some(strings(&[FW]));
                    setting(a).regions = Some(strings(&["*"]));
                }),
                "reportDeliveryChannel.formats[1]",
                "CSV only",
            ),
            (
                Box::new(|a| setting(a).report_template = None),
                "reportSetting.reportTemplate",
                "is required",
            ),
            (
                Box::new(|a| setting(a).report_template = Some("AUDIT_REPORT".into())),
                "reportSetting.reportTemplate",
                "SCAN_JOB_REPORT, got 'AUDIT_REPORT'",
            ),
            (
                Box::new(|a| setting(a).framework_arns = None),
                "reportSetting.frameworkArns",
                "is required for CONTROL_COMPLIANCE_REPORT",
            ),
            (
                Box::new(|a| setting(a).report_template = Some("BACKUP_JOB_REPORT".into())),
                "reportSetting.frameworkArns",
                "only compliance reports",
            ),
            (
                Box::new(|a| setting(a).accounts = Some(strings(&["ROOT"]))),
                "reportSetting.frameworkArns",
                "leave frameworkArns out",
            ),
            (
                Box::new(|a| {
                    setting(a).framework_arns =
                        Some(strings(&["arn:aws:backup:us-east-1:123456789012:backup-plan:x"]))
                }),
                "reportSetting.frameworkArns[0]",
                "framework ARN",
            ),
            (
                Box::new(|a| setting(a).number_of_frameworks = Some(2)),
                "reportSetting.numberOfFrameworks",
                "number of frameworkArns (1), got 2",
            ),
            (
                Box::new(|a| {
                    setting(a).framework_arns = None;
                    setting(a).accounts = Some(strings(&["12345"]));
                }),
                "reportSetting.accounts[0]",
                "12-digit",
            ),
            (
                Box::new(|a| {
                    setting(a).framework_arns = None;
                    setting(a).organization_units = Some(strings(&["ou-1"]));
                }),
                "reportSetting.organizationUnits[0]",
                "organizational unit",
            ),
            (
                Box::new(|a| setting(a).regions = Some(strings(&["us-east-1", "mars"]))),
                "reportSetting.regions[1]",
                "Region name",
            ),
        ];
        for (edit, property, part) in cases {
            let mut args = valid();
            edit(&mut args);
            let failures = run(&args);
            assert!(
                failures.iter().any(|(p, r)| p == property && r.contains(part)),
                "expected {property} / {part}, got {failures:?}"
            );
        }
    }

    #[test]
    fn each_template_takes_frameworks_as_aws_documents() {
        for t in TEMPLATES {
            let compliance = COMPLIANCE_TEMPLATES.contains(t);
            let mut with = valid();
            setting(&mut with).report_template = Some(t.to_string());
            assert_eq!(run(&with).is_empty(), compliance, "{t} with frameworks");
            let mut without = with.clone();
            setting(&mut without).framework_arns = None;
            assert_eq!(run(&without).is_empty(), !compliance, "{t} without frameworks");
            // Cross-account: no frameworks for any template, CSV only.
            setting(&mut without).organization_units = Some(strings(&["ou-ab12-cdef3456"]));
            channel(&mut without).formats = Some(strings(&["CSV"]));
            assert_eq!(run(&without), vec![], "{t} cross-account");
        }
    }

    #[test]
    fn names_of_buckets_regions_and_accounts() {
        for ok in ["audit-reports", "a.b-c", "abc", "123"] {
            assert_eq!(bucket_refusal(ok), None, "{ok}");
        }
        for bad in ["ab", "-abc", "abc-", "a..b", "xn--abc", "abc-s3alias", &"a".repeat(64)] {
            assert!(bucket_refusal(bad).is_some(), "{bad}");
        }
        for ok in ["us-east-1", "us-gov-west-1", "ap-southeast-5", "*"] {
            assert_eq!(region_refusal(ok), None, "{ok}");
        }
        for bad in ["us-east", "US-EAST-1", "east-1", "us--1", ""] {
            assert!(region_refusal(bad).is_some(), "{bad}");
        }
        assert_eq!(account_refusal("ROOT"), None);
        assert_eq!(account_refusal("123456789012"), None);
        assert!(account_refusal("root").is_some());
        assert_eq!(framework_arn_refusal(FW), None);
        assert!(framework_arn_refusal("arn:aws:backup:us-east-1:123456789012:framework:noid").is_some());
    }

    #[test]
    fn aws_defaults_and_set_order_are_no_change() {
        let mut explicit = json!({
            "reportDeliveryChannel": { "s3BucketName": "b", "formats": ["CSV"] },
            "reportSetting": {
                "reportTemplate": "CONTROL_COMPLIANCE_REPORT",
                "frameworkArns": ["b", "a"],
                "numberOfFrameworks": 2,
                "regions": [],
            },
        });
        let mut omitted = json!({
            "reportDeliveryChannel": { "s3BucketName": "b" },
            "reportSetting": {
                "reportTemplate": "CONTROL_COMPLIANCE_REPORT",
                "frameworkArns": ["a", "b"],
            },
        });
        ReportPlan.normalize_for_diff(&Value::Null, &mut explicit, &mut omitted);
        assert_eq!(explicit, omitted);
        // JSON alone is not the default.
        let mut old = json!({ "reportDeliveryChannel": { "s3BucketName": "b", "formats": ["JSON"] } });
        let mut new = json!({ "reportDeliveryChannel": { "s3BucketName": "b" } });
        ReportPlan.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_ne!(old, new);
    }

    fn live() -> AwsPlan {
        AwsPlan {
            arn: "arn:aws:backup:us-east-1:123456789012:report-plan:compliance-1".into(),
            creation_time: Some("2026-01-01T00:00:00Z".into()),
            deployment_status: Some("COMPLETED".into()),
            document: ReportPlanDocument {
                name: "compliance".into(),
                description: None,
                delivery_channel: ReportDeliveryChannel {
                    s3_bucket_name: "audit-reports".into(),
                    s3_key_prefix: None,
                    formats: strings(&["CSV"]),
                },
                setting: ReportSetting {
                    report_template: "CONTROL_COMPLIANCE_REPORT".into(),
                    framework_arns: strings(&[FW]),
                    number_of_frameworks: Some(1),
                    ..Default::default()
                },
            },
        }
    }

    #[test]
    fn read_back_leaves_out_aws_defaults_the_inputs_did_not_set() {
        let imported = read_back(&live(), None, Tags::new()).inputs;
        let ch = imported.report_delivery_channel.unwrap();
        assert_eq!(ch.formats, None);
        let s = imported.report_setting.unwrap();
        assert_eq!(s.number_of_frameworks, None);
        assert_eq!(s.framework_arns, Some(strings(&[FW])));
        assert_eq!((s.accounts, s.regions), (None, None));
        // On refresh, what the inputs set stays, in their order.
        let mut old = valid();
        channel(&mut old).formats = Some(strings(&["CSV"]));
        setting(&mut old).number_of_frameworks = Some(1);
        let mut plan = live();
        plan.document.delivery_channel.formats = strings(&["CSV"]);
        let refreshed = read_back(&plan, Some(old), Tags::new()).inputs;
        assert_eq!(
            refreshed.report_delivery_channel.unwrap().formats,
            Some(strings(&["CSV"]))
        );
        assert_eq!(refreshed.report_setting.unwrap().number_of_frameworks, Some(1));
    }

    #[test]
    fn an_update_sends_the_default_format_for_formats_left_out() {
        let mut args = valid();
        channel(&mut args).formats = None;
        assert_eq!(update_document(&args).delivery_channel.formats, strings(&["CSV"]));
        assert_eq!(
            update_document(&valid()).delivery_channel.formats,
            strings(&["CSV", "JSON"])
        );
    }
}
