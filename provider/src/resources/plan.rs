//! `awsbackup:index:Plan`: a backup plan, its rules and advanced settings.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_backup::types::{
    AdvancedBackupSetting, BackupPlanInput, BackupRule, BackupRuleInput, CopyAction, IndexAction,
    Lifecycle,
};
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::{DeleteIfPresent, Plan as AwsPlan, Tags};
use crate::naming::NameRule;
use crate::resource::{creator_request_id, CheckContext, Context, OpError, ReadResult, Resource};
use crate::resources::tags;
use crate::resources::vault::VAULT_NAME;
use crate::retry::{self, Poll, WaitError};
use crate::value::Path;

/// A backup plan: when to back up, where to, and how long to keep the recovery points. Rules are
/// matched by `ruleName`, so editing a rule shows as that rule's fields and reordering rules is
/// no change. The id is the plan id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanArgs {
    /// The plan name: 1 to 50 letters, digits, `-`, `_` and `.`. Autonamed when omitted. AWS
    /// documents plan names as unchangeable: a rename replaces the plan (and its selections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The rules of the plan, 1 to 10, each with a unique `ruleName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<RuleArgs>>,
    /// Resource-type-specific backup options, e.g. Windows VSS for EC2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advanced_backup_settings: Option<Vec<AdvancedBackupSettingArgs>>,
    /// Tags for the plan; the provider's `defaultTags` are merged under them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// A rule of a backup plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleArgs {
    /// The rule name, unique in the plan: 1 to 50 letters, digits, `-`, `_` and `.`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    /// The name of the vault the recovery points go to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_vault_name: Option<String>,
    /// When to back up: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, at most hourly,
    /// one of the day fields `?`. AWS's default is `cron(0 5 ? * * *)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    /// The IANA time zone of the schedule, e.g. `Europe/Paris` (AWS's default: `Etc/UTC`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression_timezone: Option<String>,
    /// Minutes after the scheduled time within which a backup must start (at least 60; AWS's
    /// default 480).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_window_minutes: Option<i64>,
    /// Minutes after the start within which a backup must complete, more than the start window
    /// (AWS's default 10080).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_window_minutes: Option<i64>,
    /// When recovery points move to cold storage and expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<LifecycleArgs>,
    /// Tags added to every recovery point the rule creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_point_tags: Option<Tags>,
    /// Copies of each recovery point to other vaults (other regions or accounts), at most 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_actions: Option<Vec<CopyActionArgs>>,
    /// Continuous backup for point-in-time recovery of supported services (at most 35 days'
    /// retention, no cold storage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_continuous_backup: Option<bool>,
    /// Indexes of the recovery points for backup search, per resource type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_actions: Option<Vec<IndexActionArgs>>,
}

/// When recovery points move to cold storage and expire.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleArgs {
    /// Days after creation when a recovery point moves to cold storage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub move_to_cold_storage_after_days: Option<i64>,
    /// Days after creation when a recovery point is deleted (1 to 36500; at least 90 days after
    /// the move to cold storage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_after_days: Option<i64>,
    /// Move supported resources to the archive tier according to this lifecycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_in_to_archive_for_supported_resources: Option<bool>,
}

/// A copy of each recovery point to another vault.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CopyActionArgs {
    /// The ARN of the destination vault (`arn:aws:backup:<region>:<account>:backup-vault:<name>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_vault_arn: Option<String>,
    /// The lifecycle of the copies; omitted, the copies keep the source's lifecycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<LifecycleArgs>,
}

/// Indexing of recovery points for backup search.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IndexActionArgs {
    /// The resource types to index, e.g. `EBS`, `S3`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_types: Option<Vec<String>>,
}

/// Backup options for one resource type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdvancedBackupSettingArgs {
    /// The resource type, e.g. `EC2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The options, e.g. `{"WindowsVSS": "enabled"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_options: Option<BTreeMap<String, String>>,
}

/// A rule of a backup plan as deployed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleState {
    #[serde(flatten)]
    pub rule: RuleArgs,
    /// The id AWS gave the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
}

/// The state of a backup plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanState {
    /// The plan name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The rules, each with the id AWS gave it.
    #[serde(default)]
    pub rules: Vec<RuleState>,
    /// Resource-type-specific backup options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advanced_backup_settings: Option<Vec<AdvancedBackupSettingArgs>>,
    /// The plan's tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// The plan's ARN.
    pub arn: String,
    /// The plan id.
    pub plan_id: String,
    /// The id of the plan's current version; every update makes a new one.
    pub version_id: String,
}

pub const PLAN_NAME: NameRule = NameRule {
    field: "name",
    what: "a backup plan name",
    min_len: 1,
    max_len: 50,
    allowed: |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
    allowed_text: "letters, digits, hyphens (-), underscores (_) and dots (.)",
};

const RULE_NAME: NameRule = NameRule {
    field: "ruleName",
    what: "a rule name",
    ..PLAN_NAME
};

const MAX_RULES: usize = 10;
const MAX_COPY_ACTIONS: usize = 5;
const MAX_DAYS: i64 = 36_500;
const MAX_CONTINUOUS_DAYS: i64 = 35;
const COLD_MINIMUM_DAYS: i64 = 90;
const MIN_START_WINDOW: i64 = 60;
const MAX_START_WINDOW: i64 = 52_560_000;
/// What AWS fills in for a rule that does not set them.
const DEFAULT_SCHEDULE: &str = "cron(0 5 ? * * *)";
const DEFAULT_TIMEZONE: &str = "Etc/UTC";
const DEFAULT_START_WINDOW: i64 = 480;
const DEFAULT_COMPLETION_WINDOW: i64 = 10_080;
/// How long a delete waits for AWS to forget the plan's deleted selections (the delete's custom
/// timeout replaces it).
const SELECTIONS_GONE_WAIT: Duration = Duration::from_secs(120);
/// How long the plan's listed selections may stay unchanged before the delete concludes that
/// nothing is deleting them (a quarter of the wait when that is shorter).
const SELECTIONS_STUCK_GRACE: Duration = Duration::from_secs(30);

const KNOWN_INDEX_TYPES: &[&str] = &["EBS", "S3"];
const KNOWN_ADVANCED_TYPES: &[&str] = &["EC2", "S3"];

pub struct Plan;

fn copy_destination_arn() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_-]{2,50}$")
            .expect("valid regex")
    })
}

/// Checks an AWS Backup cron expression; the error says which rule it breaks.
pub fn check_schedule(expr: &str) -> Result<(), String> {
    let inner = expr
        .strip_prefix("cron(")
        .and_then(|e| e.strip_suffix(')'))
        .ok_or_else(|| format!("must be `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` (AWS Backup takes only cron expressions), got '{expr}'"))?;
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!("a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), '{expr}' has {}", fields.len()));
    }
    let allowed = |f: &str| {
        f.chars()
            .all(|c| c.is_ascii_alphanumeric() || "*?,-/#".contains(c))
    };
    if let Some(bad) = fields.iter().find(|f| !allowed(f)) {
        return Err(format!(
            "field '{bad}' of '{expr}' has characters a cron expression does not allow"
        ));
    }
    let minutes = fields[0];
    match minutes.parse::<u32>() {
        Ok(m) if m < 60 => {}
        Ok(m) => return Err(format!("the minutes field must be 0 to 59, got {m}")),
        Err(_) => {
            return Err(format!(
                "runs more often than hourly (minutes field '{minutes}'); AWS Backup schedules at most once an hour, so the minutes field must be a single number"
            ))
        }
    }
    if let Some(bad) = fields[1]
        .split([',', '-', '/'])
        .filter_map(|h| h.parse::<u32>().ok())
        .find(|h| *h > 23)
    {
        return Err(format!("the hours field must be 0 to 23, got {bad}"));
    }
    let (dom, dow) = (fields[2], fields[4]);
    if (dom == "?") == (dow == "?") {
        return Err(format!(
            "exactly one of day-of-month ('{dom}') and day-of-week ('{dow}') must be '?'"
        ));
    }
    Ok(())
}

fn check_lifecycle(ctx: &mut CheckContext, path: &Path, l: &LifecycleArgs, continuous: bool) {
    if let Some(d) = l.delete_after_days {
        if !(1..=MAX_DAYS).contains(&d) {
            ctx.fail(
                path.key("deleteAfterDays"),
                format!("must be between 1 and {MAX_DAYS} days, got {d}"),
            );
        }
    }
    if let Some(c) = l.move_to_cold_storage_after_days {
        if continuous {
            ctx.fail(
                path.key("moveToColdStorageAfterDays"),
                "is not available with continuous backup (point-in-time recovery has no cold storage)",
            );
        } else if !(1..=MAX_DAYS).contains(&c) {
            ctx.fail(
                path.key("moveToColdStorageAfterDays"),
                format!("must be between 1 and {MAX_DAYS} days, got {c}"),
            );
        } else if let Some(d) = l.delete_after_days {
            if d < c + COLD_MINIMUM_DAYS {
                ctx.fail(
                    path.key("deleteAfterDays"),
                    format!(
                        "must be at least moveToColdStorageAfterDays + {COLD_MINIMUM_DAYS} = {} (recovery points stay in cold storage for at least {COLD_MINIMUM_DAYS} days), got {d}",
                        c + COLD_MINIMUM_DAYS
                    ),
                );
            }
        }
    }
}

fn check_recovery_point_tags(ctx: &mut CheckContext, path: &Path, tags: &Tags) {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            ctx.fail(path.key(k), "tag keys must be 1 to 128 characters long");
        }
        if v.chars().count() > 256 {
            ctx.fail(path.key(k), "tag values may be at most 256 characters long");
        }
    }
}

fn check_rule(ctx: &mut CheckContext, path: &Path, rule: &RuleArgs) {
    match &rule.rule_name {
        Some(name) => {
            if let Err(reason) = RULE_NAME.check(name) {
                ctx.fail(path.key("ruleName"), reason);
            }
        }
        None if !ctx.is_unknown(&path.key("ruleName").to_string()) => {
            ctx.fail(path.key("ruleName"), "is required")
        }
        None => {}
    }
    match &rule.target_vault_name {
        Some(vault) => {
            if let Err(reason) = VAULT_NAME.check(vault) {
                ctx.fail(path.key("targetVaultName"), reason);
            }
        }
        None if !ctx.is_unknown(&path.key("targetVaultName").to_string()) => {
            ctx.fail(path.key("targetVaultName"), "is required")
        }
        None => {}
    }
    if let Some(expr) = &rule.schedule_expression {
        if let Err(e) = check_schedule(expr) {
            ctx.fail(path.key("scheduleExpression"), e);
        }
    }
    if let Some(tz) = &rule.schedule_expression_timezone {
        if tz.parse::<chrono_tz::Tz>().is_err() {
            ctx.fail(
                path.key("scheduleExpressionTimezone"),
                format!(
                    "must be an IANA time zone name such as Etc/UTC or Europe/Paris, got '{tz}'"
                ),
            );
        }
    }
    if let Some(start) = rule.start_window_minutes {
        if !(MIN_START_WINDOW..=MAX_START_WINDOW).contains(&start) {
            ctx.fail(
                path.key("startWindowMinutes"),
                format!("must be between {MIN_START_WINDOW} and {MAX_START_WINDOW} minutes, got {start}"),
            );
        }
    }
    if let Some(completion) = rule.completion_window_minutes {
        let start = rule.start_window_minutes.unwrap_or(DEFAULT_START_WINDOW);
        if completion <= start {
            let which = if rule.start_window_minutes.is_some() {
                "startWindowMinutes"
            } else {
                "AWS's default start window"
            };
            ctx.fail(
                path.key("completionWindowMinutes"),
                format!("must be greater than {which} ({start}), got {completion}"),
            );
        }
    }
    let continuous = rule.enable_continuous_backup == Some(true);
    if continuous {
        let days = rule.lifecycle.as_ref().and_then(|l| l.delete_after_days);
        match days {
            Some(d) if !(1..=MAX_CONTINUOUS_DAYS).contains(&d) => ctx.fail(
                path.key("lifecycle").key("deleteAfterDays"),
                format!("must be between 1 and {MAX_CONTINUOUS_DAYS} days with continuous backup, got {d}"),
            ),
            None if !ctx.is_unknown(&path.key("lifecycle").to_string()) => ctx.fail(
                path.key("lifecycle").key("deleteAfterDays"),
                format!("is required with continuous backup (1 to {MAX_CONTINUOUS_DAYS} days)"),
            ),
            _ => {}
        }
    }
    if let Some(l) = &rule.lifecycle {
        check_lifecycle(ctx, &path.key("lifecycle"), l, continuous);
    }
    if let Some(tags) = &rule.recovery_point_tags {
        check_recovery_point_tags(ctx, &path.key("recoveryPointTags"), tags);
    }
    if let Some(copies) = &rule.copy_actions {
        if copies.len() > MAX_COPY_ACTIONS {
            ctx.fail(
                path.key("copyActions"),
                format!(
                    "at most {MAX_COPY_ACTIONS} copy actions per rule, got {}",
                    copies.len()
                ),
            );
        }
        for (j, copy) in copies.iter().enumerate() {
            let cpath = path.key("copyActions").index(j);
            match &copy.destination_vault_arn {
                Some(arn) if !copy_destination_arn().is_match(arn) => ctx.fail(
                    cpath.key("destinationVaultArn"),
                    format!("must be a backup vault ARN like arn:aws:backup:<region>:<account-id>:backup-vault:<name>, got '{arn}'"),
                ),
                None if !ctx.is_unknown(&cpath.key("destinationVaultArn").to_string()) => {
                    ctx.fail(cpath.key("destinationVaultArn"), "is required")
                }
                _ => {}
            }
            if let Some(l) = &copy.lifecycle {
                check_lifecycle(ctx, &cpath.key("lifecycle"), l, false);
            }
        }
    }
    for (j, index) in rule.index_actions.iter().flatten().enumerate() {
        for (k, ty) in index.resource_types.iter().flatten().enumerate() {
            if !KNOWN_INDEX_TYPES.contains(&ty.as_str()) {
                ctx.warn(format!(
                    "{}: '{ty}' is not a resource type this provider knows for indexing ({}); passing it to AWS as is",
                    path.key("indexActions").index(j).key("resourceTypes").index(k),
                    KNOWN_INDEX_TYPES.join(", ")
                ));
            }
        }
    }
}

/// Removes rule fields that equal what AWS fills in, and empty collections.
fn drop_defaults(rule: &mut Value) {
    let Some(r) = rule.as_object_mut() else {
        return;
    };
    let defaults = [
        ("scheduleExpression", Value::from(DEFAULT_SCHEDULE)),
        ("scheduleExpressionTimezone", Value::from(DEFAULT_TIMEZONE)),
        ("scheduleExpressionTimezone", Value::from("UTC")),
        ("startWindowMinutes", Value::from(DEFAULT_START_WINDOW)),
        (
            "completionWindowMinutes",
            Value::from(DEFAULT_COMPLETION_WINDOW),
        ),
        ("enableContinuousBackup", Value::Bool(false)),
    ];
    for (field, default) in defaults {
        if r.get(field) == Some(&default) {
            r.remove(field);
        }
    }
    let no_archive = |l: Option<&mut Value>| {
        if let Some(o) = l.and_then(Value::as_object_mut) {
            if o.get("optInToArchiveForSupportedResources") == Some(&Value::Bool(false)) {
                o.remove("optInToArchiveForSupportedResources");
            }
        }
    };
    no_archive(r.get_mut("lifecycle"));
    if let Some(copies) = r.get_mut("copyActions").and_then(Value::as_array_mut) {
        for copy in copies {
            no_archive(copy.get_mut("lifecycle"));
            drop_empty(copy, &["lifecycle"]);
        }
    }
    drop_empty(
        rule,
        &[
            "lifecycle",
            "recoveryPointTags",
            "copyActions",
            "indexActions",
        ],
    );
}

/// Removes the named fields when they hold an empty object or list.
fn drop_empty(v: &mut Value, fields: &[&str]) {
    let Some(o) = v.as_object_mut() else { return };
    for f in fields {
        let empty = match o.get(*f) {
            Some(Value::Object(m)) => m.is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Null) => true,
            _ => false,
        };
        if empty {
            o.remove(*f);
        }
    }
}

/// An SDK lifecycle, or none when nothing is set: an empty lifecycle is never sent.
fn lifecycle(l: Option<&LifecycleArgs>) -> Option<Lifecycle> {
    let l = l?;
    if l == &LifecycleArgs::default() {
        return None;
    }
    Some(
        Lifecycle::builder()
            .set_move_to_cold_storage_after_days(l.move_to_cold_storage_after_days)
            .set_delete_after_days(l.delete_after_days)
            .set_opt_in_to_archive_for_supported_resources(
                l.opt_in_to_archive_for_supported_resources,
            )
            .build(),
    )
}

fn hash_map(tags: Option<&Tags>) -> Option<HashMap<String, String>> {
    tags.filter(|t| !t.is_empty())
        .map(|t| t.clone().into_iter().collect())
}

fn document(args: &PlanArgs) -> Result<BackupPlanInput, OpError> {
    let build_err =
        |e: aws_sdk_backup::error::BuildError| OpError::Failed(format!("invalid plan: {e}"));
    let mut rules = Vec::new();
    for r in args.rules.iter().flatten() {
        let copies = r
            .copy_actions
            .as_ref()
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        CopyAction::builder()
                            .set_destination_backup_vault_arn(c.destination_vault_arn.clone())
                            .set_lifecycle(lifecycle(c.lifecycle.as_ref()))
                            .build()
                            .map_err(build_err)
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let index = r.index_actions.as_ref().map(|is| {
            is.iter()
                .map(|i| {
                    IndexAction::builder()
                        .set_resource_types(
                            i.resource_types
                                .as_ref()
                                .map(|t| t.iter().map(|s| s.as_str().into()).collect()),
                        )
                        .build()
                })
                .collect()
        });
        rules.push(
            BackupRuleInput::builder()
                .set_rule_name(r.rule_name.clone())
                .set_target_backup_vault_name(r.target_vault_name.clone())
                .set_schedule_expression(r.schedule_expression.clone())
                .set_schedule_expression_timezone(r.schedule_expression_timezone.clone())
                .set_start_window_minutes(r.start_window_minutes)
                .set_completion_window_minutes(r.completion_window_minutes)
                .set_lifecycle(lifecycle(r.lifecycle.as_ref()))
                .set_recovery_point_tags(hash_map(r.recovery_point_tags.as_ref()))
                .set_copy_actions(copies)
                .set_enable_continuous_backup(r.enable_continuous_backup)
                .set_index_actions(index)
                .build()
                .map_err(build_err)?,
        );
    }
    let advanced = args.advanced_backup_settings.as_ref().map(|list| {
        list.iter()
            .map(|a| {
                AdvancedBackupSetting::builder()
                    .set_resource_type(a.resource_type.clone())
                    .set_backup_options(
                        a.backup_options
                            .as_ref()
                            .map(|o| o.clone().into_iter().collect()),
                    )
                    .build()
            })
            .collect()
    });
    BackupPlanInput::builder()
        .set_backup_plan_name(args.name.clone())
        .set_rules(Some(rules))
        .set_advanced_backup_settings(advanced)
        .build()
        .map_err(build_err)
}

/// The value to show as an input: AWS's value when the user set one before, otherwise only when
/// it differs from what AWS fills in by default (so defaults never show as drift).
fn user_value<T: PartialEq>(live: Option<T>, had: bool, defaults: &[T]) -> Option<T> {
    match live {
        Some(v) if had || !defaults.contains(&v) => Some(v),
        _ => None,
    }
}

fn lifecycle_from(l: Option<&Lifecycle>, old: Option<&LifecycleArgs>) -> Option<LifecycleArgs> {
    let l = l?;
    let old = old.cloned().unwrap_or_default();
    let args = LifecycleArgs {
        move_to_cold_storage_after_days: l.move_to_cold_storage_after_days,
        delete_after_days: l.delete_after_days,
        opt_in_to_archive_for_supported_resources: user_value(
            l.opt_in_to_archive_for_supported_resources,
            old.opt_in_to_archive_for_supported_resources.is_some(),
            &[false],
        ),
    };
    (args != LifecycleArgs::default()).then_some(args)
}

/// The inputs a live rule stands for, given the user's previous version of it (if any).
fn rule_from(r: &BackupRule, old: Option<&RuleArgs>) -> RuleArgs {
    let had = old.cloned().unwrap_or_default();
    let copies: Vec<CopyActionArgs> = r
        .copy_actions
        .iter()
        .flatten()
        .map(|c| {
            let old_copy = had.copy_actions.iter().flatten().find(|o| {
                o.destination_vault_arn.as_deref() == Some(c.destination_backup_vault_arn.as_str())
            });
            CopyActionArgs {
                destination_vault_arn: Some(c.destination_backup_vault_arn.clone()),
                lifecycle: lifecycle_from(
                    c.lifecycle.as_ref(),
                    old_copy.and_then(|o| o.lifecycle.as_ref()),
                ),
            }
        })
        .collect();
    let index: Vec<IndexActionArgs> = r
        .index_actions
        .iter()
        .flatten()
        .map(|i| IndexActionArgs {
            resource_types: i
                .resource_types
                .as_ref()
                .map(|t| t.iter().map(|x| x.as_str().to_string()).collect()),
        })
        .collect();
    let tags: Tags = r
        .recovery_point_tags
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    RuleArgs {
        rule_name: Some(r.rule_name.clone()),
        target_vault_name: Some(r.target_backup_vault_name.clone()),
        // AWS fills in its default schedule for every rule without one, continuous rules too;
        // a schedule the user chose is kept, on refresh and on import alike.
        schedule_expression: user_value(
            r.schedule_expression.clone(),
            had.schedule_expression.is_some(),
            &[DEFAULT_SCHEDULE.to_string()],
        ),
        schedule_expression_timezone: user_value(
            r.schedule_expression_timezone.clone(),
            had.schedule_expression_timezone.is_some(),
            &[DEFAULT_TIMEZONE.to_string(), "UTC".to_string()],
        ),
        start_window_minutes: user_value(
            r.start_window_minutes,
            had.start_window_minutes.is_some(),
            &[DEFAULT_START_WINDOW],
        ),
        completion_window_minutes: user_value(
            r.completion_window_minutes,
            had.completion_window_minutes.is_some(),
            &[DEFAULT_COMPLETION_WINDOW],
        ),
        lifecycle: lifecycle_from(r.lifecycle.as_ref(), had.lifecycle.as_ref()),
        recovery_point_tags: (!tags.is_empty() || had.recovery_point_tags.is_some())
            .then_some(tags),
        copy_actions: (!copies.is_empty() || had.copy_actions.is_some()).then_some(copies),
        enable_continuous_backup: user_value(
            r.enable_continuous_backup,
            had.enable_continuous_backup.is_some(),
            &[false],
        ),
        index_actions: (!index.is_empty() || had.index_actions.is_some()).then_some(index),
    }
}

/// Live rules as inputs, in the user's order (rules AWS has that the user did not write come last).
fn rules_from(plan: &AwsPlan, old: Option<&Vec<RuleArgs>>) -> Vec<RuleArgs> {
    let live = &plan.document.rules;
    let old = old.cloned().unwrap_or_default();
    let old_of = |name: &str| old.iter().find(|o| o.rule_name.as_deref() == Some(name));
    let mut ordered: Vec<&BackupRule> = Vec::new();
    for o in &old {
        if let Some(r) = live
            .iter()
            .find(|r| Some(r.rule_name.as_str()) == o.rule_name.as_deref())
        {
            ordered.push(r);
        }
    }
    for r in live {
        if !ordered.iter().any(|x| x.rule_name == r.rule_name) {
            ordered.push(r);
        }
    }
    ordered
        .into_iter()
        .map(|r| rule_from(r, old_of(&r.rule_name)))
        .collect()
}

fn advanced_from(
    plan: &AwsPlan,
    old: Option<&Vec<AdvancedBackupSettingArgs>>,
) -> Option<Vec<AdvancedBackupSettingArgs>> {
    let list: Vec<AdvancedBackupSettingArgs> = plan
        .advanced_backup_settings
        .iter()
        .map(|a| AdvancedBackupSettingArgs {
            resource_type: a.resource_type.clone(),
            backup_options: a
                .backup_options
                .as_ref()
                .map(|o| o.clone().into_iter().collect()),
        })
        .collect();
    (!list.is_empty() || old.is_some()).then_some(list)
}

fn state_from(plan: &AwsPlan, args: &PlanArgs, tags: Option<Tags>) -> PlanState {
    let rules = args
        .rules
        .iter()
        .flatten()
        .map(|r| RuleState {
            rule_id: plan
                .document
                .rules
                .iter()
                .find(|live| Some(live.rule_name.as_str()) == r.rule_name.as_deref())
                .and_then(|live| live.rule_id.clone()),
            rule: r.clone(),
        })
        .collect();
    PlanState {
        name: Some(plan.document.backup_plan_name.clone()),
        rules,
        advanced_backup_settings: args.advanced_backup_settings.clone(),
        tags,
        arn: plan.arn.clone(),
        plan_id: plan.id.clone(),
        version_id: plan.version_id.clone(),
    }
}

fn fallback_state(id: &str, arn: &str, version: &str, args: &PlanArgs) -> PlanState {
    PlanState {
        name: args.name.clone(),
        rules: args
            .rules
            .iter()
            .flatten()
            .map(|r| RuleState {
                rule: r.clone(),
                rule_id: None,
            })
            .collect(),
        advanced_backup_settings: args.advanced_backup_settings.clone(),
        tags: args.tags.clone(),
        arn: arn.into(),
        plan_id: id.into(),
        version_id: version.into(),
    }
}

#[async_trait]
impl Resource for Plan {
    type Args = PlanArgs;
    type State = PlanState;

    const TOKEN: &'static str = "awsbackup:index:Plan";
    const REQUIRED_INPUTS: &'static [&'static str] = &["rules"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    const NAME: Option<NameRule> = Some(PLAN_NAME);
    const OUTPUTS_CHANGED_BY_UPDATE: &'static [&'static str] = &["versionId"];
    const KEYED_LISTS: &'static [(&'static str, &'static str)] = &[
        ("rules", "ruleName"),
        ("advancedBackupSettings", "resourceType"),
    ];
    const PREFLIGHT: bool = true;

    fn check(&self, ctx: &mut CheckContext, args: &mut PlanArgs) {
        if let Some(rules) = &args.rules {
            if rules.is_empty() || rules.len() > MAX_RULES {
                ctx.fail(
                    "rules",
                    format!("a plan has 1 to {MAX_RULES} rules, got {}", rules.len()),
                );
            }
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for (i, rule) in rules.iter().enumerate() {
                let path = Path::root().key("rules").index(i);
                check_rule(ctx, &path, rule);
                if let Some(name) = rule.rule_name.as_deref() {
                    if let Some(first) = seen.insert(name, i) {
                        ctx.fail(path.key("ruleName"), format!("'{name}' is already the name of rules[{first}]; rule names must be unique in a plan"));
                    }
                }
            }
        }
        for (i, setting) in args.advanced_backup_settings.iter().flatten().enumerate() {
            let path = Path::root().key("advancedBackupSettings").index(i);
            match setting.resource_type.as_deref() {
                Some(t) if !KNOWN_ADVANCED_TYPES.contains(&t) => ctx.warn(format!(
                    "{}: '{t}' is not a resource type this provider knows for advanced backup settings ({}); passing it to AWS as is",
                    path.key("resourceType"),
                    KNOWN_ADVANCED_TYPES.join(", ")
                )),
                None if !ctx.is_unknown(&path.key("resourceType").to_string()) => ctx.fail(path.key("resourceType"), "is required"),
                _ => {}
            }
            if let Some(v) = setting
                .backup_options
                .as_ref()
                .and_then(|o| o.get("WindowsVSS"))
            {
                if v != "enabled" && v != "disabled" {
                    ctx.fail(
                        path.key("backupOptions").key("WindowsVSS"),
                        format!("must be 'enabled' or 'disabled', got '{v}'"),
                    );
                }
            }
        }
        tags::check(ctx, &mut args.tags);
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        // Writing AWS's default explicitly, or leaving it out, deploys the same plan.
        for side in [old, new] {
            for rule in side
                .get_mut("rules")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                drop_defaults(rule);
            }
            drop_empty(side, &["advancedBackupSettings", "tags"]);
        }
    }

    async fn preflight(&self, ctx: &Context, args: &PlanArgs) -> Result<(), OpError> {
        let mut problems = Vec::new();
        let mut vaults: BTreeMap<String, Option<crate::aws::Vault>> = BTreeMap::new();
        for (i, rule) in args.rules.iter().flatten().enumerate() {
            let Some(vault_name) = rule.target_vault_name.clone() else {
                continue;
            };
            if !vaults.contains_key(&vault_name) {
                // Only what can be seen counts: no credentials or no such vault yet is no finding.
                let live = ctx.vaults.get(ctx.api.as_ref(), &vault_name).await.unwrap_or_else(|e| {
                    tracing::debug!(vault = %vault_name, error = %e, "cannot look up the target vault's lock");
                    None
                });
                vaults.insert(vault_name.clone(), live);
            }
            let Some(vault) = vaults[&vault_name].as_ref().filter(|v| v.locked) else {
                continue;
            };
            let retention = rule.lifecycle.as_ref().and_then(|l| l.delete_after_days);
            let (min, max) = (vault.min_retention_days, vault.max_retention_days);
            let outside = match retention {
                Some(days) => min.is_some_and(|m| days < m) || max.is_some_and(|m| days > m),
                None => max.is_some(),
            };
            if outside {
                let kept = retention.map_or("forever (no deleteAfterDays)".to_string(), |d| {
                    format!("{d} days")
                });
                let range = format!(
                    "{} to {} days",
                    min.map_or("any".to_string(), |m| m.to_string()),
                    max.map_or("any".to_string(), |m| m.to_string())
                );
                problems.push(format!(
                    "rules[{i}] ('{}') keeps recovery points {kept}, outside the lock range of vault '{vault_name}' ({range}): AWS accepts the plan but fails every backup job of the rule",
                    rule.rule_name.as_deref().unwrap_or("?")
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(OpError::Failed(problems.join("; ")))
        }
    }

    async fn create(&self, ctx: &Context, args: PlanArgs) -> Result<(String, PlanState), OpError> {
        self.preflight(ctx, &args).await?;
        let name = args.name.clone().unwrap_or_default();
        // A repeated create (a retry, or the next update after an interrupted one) gets back the
        // plan the first one made.
        let token = creator_request_id::<Self>(&ctx.urn, &args);
        let created = ctx
            .api
            .create_plan(
                document(&args)?,
                &args.tags.clone().unwrap_or_default(),
                Some(&token),
            )
            .await
            .map_err(|e| {
                if e.is_already_exists() {
                    OpError::Failed(format!(
                        "a backup plan named '{name}' (or with the same document) already exists; adopt it with \
                         `pulumi import {} <resource name> <plan id>` or choose another name",
                        Self::TOKEN
                    ))
                } else {
                    e.into()
                }
            })?;
        tracing::debug!(plan = %name, id = %created.id, "created backup plan");
        let fallback = fallback_state(&created.id, &created.arn, &created.version_id, &args);
        match ctx.api.get_plan(&created.id).await {
            Ok(Some(plan)) => Ok((
                created.id.clone(),
                state_from(&plan, &args, args.tags.clone()),
            )),
            Ok(None) => Err(OpError::partial(
                &created.id,
                &fallback,
                "the new plan could not be read back",
            )),
            Err(e) => Err(OpError::partial(
                &created.id,
                &fallback,
                format!("reading the new plan failed: {e}"),
            )),
        }
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<PlanArgs>,
    ) -> Result<Option<ReadResult<PlanArgs, PlanState>>, OpError> {
        let Some(plan) = ctx.api.get_plan(id).await? else {
            return Ok(None);
        };
        let old = old.unwrap_or_default();
        let live_tags = tags::managed(ctx.api.list_tags(&plan.arn).await?);
        let tags = (!live_tags.is_empty() || old.tags.is_some()).then_some(live_tags);
        let inputs = PlanArgs {
            name: Some(plan.document.backup_plan_name.clone()),
            rules: Some(rules_from(&plan, old.rules.as_ref())),
            advanced_backup_settings: advanced_from(&plan, old.advanced_backup_settings.as_ref()),
            tags: tags.clone(),
        };
        let state = state_from(&plan, &inputs, tags);
        Ok(Some(ReadResult { inputs, state }))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: PlanState,
        news: PlanArgs,
    ) -> Result<PlanState, OpError> {
        self.preflight(ctx, &news).await?;
        let old_rules: Vec<RuleArgs> = old.rules.iter().map(|r| r.rule.clone()).collect();
        let document_changed = news.rules.as_ref() != Some(&old_rules)
            || news.advanced_backup_settings != old.advanced_backup_settings;
        if news.tags != old.tags {
            tags::change(
                ctx.api.as_ref(),
                &old.arn,
                &old.tags.clone().unwrap_or_default(),
                &news.tags.clone().unwrap_or_default(),
            )
            .await?;
        }
        if !document_changed {
            return Ok(PlanState {
                tags: news.tags.clone(),
                ..old
            });
        }
        let version = ctx.api.update_plan(id, document(&news)?).await?;
        tracing::debug!(plan = %id, version = %version.version_id, "updated backup plan");
        // The new version's rule ids are only in GetBackupPlan.
        let fallback = fallback_state(id, &old.arn, &version.version_id, &news);
        match ctx.api.get_plan(id).await {
            Ok(Some(plan)) => Ok(state_from(&plan, &news, news.tags.clone())),
            Ok(None) => Err(OpError::partial(
                id,
                &fallback,
                format!("backup plan '{id}' no longer exists; run `pulumi refresh`"),
            )),
            Err(e) => Err(OpError::partial(
                id,
                &fallback,
                format!("reading the updated plan failed: {e}"),
            )),
        }
    }

    async fn delete(&self, ctx: &Context, id: &str, _state: PlanState) -> Result<(), OpError> {
        let budget = ctx.wait_budget(SELECTIONS_GONE_WAIT);
        let grace = SELECTIONS_STUCK_GRACE.min(budget / 4);
        // The selections AWS last listed for the plan, and since when that list is unchanged.
        let stuck: std::sync::Mutex<Option<(Vec<(String, String)>, tokio::time::Instant)>> =
            Default::default();
        let deleted = retry::wait(
            budget,
            Duration::from_millis(500),
            Duration::from_secs(5),
            || async {
                let refusal = match ctx.api.delete_plan_if_present(id).await {
                    Ok(_) => return Ok(Poll::Done(())),
                    Err(e) if e.is_plan_has_selections() => e,
                    Err(e) => return Err(OpError::from(e)),
                };
                // Selections still listed are either being deleted right now (the engine deletes
                // them before or alongside the plan) or going nowhere; none listed means AWS has
                // not caught up with their deletion yet, which only takes waiting.
                let now = tokio::time::Instant::now();
                match ctx.api.list_selections(id).await {
                    Ok(mut listed) if !listed.is_empty() => {
                        listed.sort();
                        let mut stuck = stuck.lock().expect("stuck lock");
                        match stuck.as_ref() {
                            Some((before, since)) if *before == listed => {
                                if now.duration_since(*since) >= grace {
                                    return Err(OpError::Failed(selections_left_behind(
                                        id, &listed, grace,
                                    )));
                                }
                            }
                            _ => *stuck = Some((listed, now)),
                        }
                    }
                    Ok(_) => *stuck.lock().expect("stuck lock") = None,
                    Err(e) => {
                        tracing::debug!(plan = %id, error = %e, "cannot list the plan's selections")
                    }
                }
                tracing::debug!(plan = %id, "selections still attached; retrying delete");
                Ok(Poll::Pending(refusal.message))
            },
        )
        .await;
        match deleted {
            Ok(()) => Ok(()),
            Err(WaitError::Failed(e)) => Err(e),
            Err(WaitError::TimedOut { waited, last }) => Err(OpError::Failed(format!(
                "backup plan '{id}' still has selections after {:.0}s: {last}",
                waited.as_secs_f64()
            ))),
            Err(WaitError::Cancelled) => Err(OpError::Failed("the operation was cancelled".into())),
        }
    }
}

/// Why a plan cannot be deleted while selections nobody is deleting still belong to it.
fn selections_left_behind(id: &str, listed: &[(String, String)], grace: Duration) -> String {
    let names: Vec<String> = listed
        .iter()
        .map(|(sel, name)| format!("'{name}' ({id}|{sel})"))
        .collect();
    format!(
        "backup plan '{id}' cannot be deleted: AWS deletes a plan only after its selections, and \
         {} selection(s) of it stayed in place for {}s: {}. If they are in this stack (after \
         `pulumi import`, the state records no dependency between a selection and its plan), make \
         each selection's planId refer to the plan resource's planId output and run `pulumi up` \
         once, which records the dependency, then delete again. Otherwise delete those selections \
         first (`pulumi destroy --target <selection urn>`, or DeleteBackupSelection)",
        listed.len(),
        grace.as_secs(),
        names.join(", ")
    )
}
