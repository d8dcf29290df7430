//! `awsbackup:index:VaultNotifications`: the SNS topic a backup vault reports its events to, and
//! which events.
//!
//! A vault has at most one configuration and AWS has no update for it: PutBackupVaultNotifications
//! replaces it whole, so an update is a Put. The id is the vault name, which is also the import id.

use std::sync::OnceLock;

use async_trait::async_trait;
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::{VaultNotificationConfig, VaultNotifications as AwsNotifications};
use crate::resource::{CheckContext, Context, OpError, ReadResult, Resource};
use crate::resources::vault::VAULT_NAME;

/// The SNS notifications of an existing backup vault: the events AWS Backup publishes to a
/// Standard SNS topic. A vault has one such configuration; this resource owns it whole. The id is
/// the vault name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultNotificationsArgs {
    /// The name of the vault whose events are published. Changing it replaces the resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_vault_name: Option<String>,
    /// The ARN of the SNS topic to publish to:
    /// `arn:<partition>:sns:<region>:<account-id>:<topic-name>`. It must be a Standard topic:
    /// AWS Backup cannot publish to a FIFO topic (a name ending in `.fifo`). The topic's access
    /// policy must let `backup.amazonaws.com` publish to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sns_topic_arn: Option<String>,
    /// The events to publish, one or more, each at most once; their order does not matter.
    /// Accepted: BACKUP_JOB_STARTED, BACKUP_JOB_COMPLETED, CONTINUOUS_BACKUP_INTERRUPTED,
    /// COPY_JOB_STARTED, COPY_JOB_SUCCESSFUL, COPY_JOB_FAILED, RESTORE_JOB_STARTED,
    /// RESTORE_JOB_COMPLETED, RECOVERY_POINT_MODIFIED, RECOVERY_POINT_INDEX_COMPLETED,
    /// RECOVERY_POINT_INDEX_DELETED, RECOVERY_POINT_INDEXING_FAILED, S3_BACKUP_OBJECT_FAILED,
    /// S3_RESTORE_OBJECT_FAILED, EKS_BACKUP_OBJECT_FAILED, EKS_RESTORE_OBJECT_FAILED,
    /// EKS_RESTORE_OBJECT_SKIPPED. Failed and expired backup jobs arrive as BACKUP_JOB_COMPLETED
    /// with the SNS message attribute `State` set to `FAILED` or `EXPIRED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_vault_events: Option<Vec<String>>,
}

/// The state of a vault's notification configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultNotificationsState {
    #[serde(flatten)]
    pub args: VaultNotificationsArgs,
    /// The ARN of the vault, as GetBackupVaultNotifications reports it.
    pub backup_vault_arn: String,
}

/// The events PutBackupVaultNotifications accepts.
pub const ACCEPTED_EVENTS: &[&str] = &[
    "BACKUP_JOB_STARTED",
    "BACKUP_JOB_COMPLETED",
    "CONTINUOUS_BACKUP_INTERRUPTED",
    "COPY_JOB_STARTED",
    "COPY_JOB_SUCCESSFUL",
    "COPY_JOB_FAILED",
    "RESTORE_JOB_STARTED",
    "RESTORE_JOB_COMPLETED",
    "RECOVERY_POINT_MODIFIED",
    "RECOVERY_POINT_INDEX_COMPLETED",
    "RECOVERY_POINT_INDEX_DELETED",
    "RECOVERY_POINT_INDEXING_FAILED",
    "S3_BACKUP_OBJECT_FAILED",
    "S3_RESTORE_OBJECT_FAILED",
    "EKS_BACKUP_OBJECT_FAILED",
    "EKS_RESTORE_OBJECT_FAILED",
    "EKS_RESTORE_OBJECT_SKIPPED",
];

/// Events AWS has deprecated (they produce no notifications; AWS refuses them), with what to use
/// instead, if anything.
const DEPRECATED_EVENTS: &[(&str, Option<&str>)] = &[
    ("BACKUP_JOB_SUCCESSFUL", Some("BACKUP_JOB_COMPLETED: it is sent for every finished backup job")),
    ("BACKUP_JOB_FAILED", Some("BACKUP_JOB_COMPLETED: a failed job arrives as BACKUP_JOB_COMPLETED with the SNS message attribute State=FAILED")),
    ("BACKUP_JOB_EXPIRED", Some("BACKUP_JOB_COMPLETED: an expired job arrives as BACKUP_JOB_COMPLETED with the SNS message attribute State=EXPIRED")),
    ("RESTORE_JOB_SUCCESSFUL", Some("RESTORE_JOB_COMPLETED: it is sent for every finished restore job")),
    ("RESTORE_JOB_FAILED", Some("RESTORE_JOB_COMPLETED: it is sent for every finished restore job, failed ones included")),
    ("BACKUP_PLAN_CREATED", None),
    ("BACKUP_PLAN_MODIFIED", None),
];

/// Why `event` is refused, or `None` for an accepted event.
fn event_refusal(event: &str) -> Option<String> {
    if ACCEPTED_EVENTS.contains(&event) {
        return None;
    }
    let accepted = ACCEPTED_EVENTS.join(", ");
    let reason = match DEPRECATED_EVENTS.iter().find(|(name, _)| *name == event) {
        Some((_, Some(instead))) => format!(
            "'{event}' is deprecated and AWS Backup no longer sends it; use {instead}. Accepted events: {accepted}"
        ),
        Some((_, None)) => format!(
            "'{event}' is deprecated and AWS Backup no longer sends it; no event replaces it. Accepted events: {accepted}"
        ),
        None => {
            let upper = event.trim().to_ascii_uppercase();
            let hint = if upper != event && ACCEPTED_EVENTS.contains(&upper.as_str()) {
                format!(" (did you mean {upper}?)")
            } else {
                String::new()
            };
            format!("'{event}' is not an event AWS Backup accepts{hint}. Accepted events: {accepted}")
        }
    };
    Some(reason)
}

const TOPIC_NAME_MAX: usize = 256;
const FIFO_SUFFIX: &str = ".fifo";

fn sns_topic_arn() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:([A-Za-z0-9_-]+(\.fifo)?)$")
            .expect("valid regex")
    })
}

/// Why `arn` is not a topic AWS Backup can publish to, or `None`.
fn topic_refusal(arn: &str) -> Option<String> {
    let Some(name) = sns_topic_arn().captures(arn).and_then(|c| c.get(2)) else {
        return Some(format!(
            "must be an SNS topic ARN like arn:aws:sns:<region>:<account-id>:<topic name>; got '{arn}'"
        ));
    };
    if name.as_str().len() > TOPIC_NAME_MAX {
        return Some(format!(
            "the topic name must be at most {TOPIC_NAME_MAX} characters long, got {}",
            name.as_str().len()
        ));
    }
    if name.as_str().ends_with(FIFO_SUFFIX) {
        return Some(format!(
            "'{arn}' is a FIFO topic: AWS Backup publishes only to Standard SNS topics"
        ));
    }
    None
}

/// Whether two lists hold the same elements, in any order.
fn same_set(a: &[String], b: &[String]) -> bool {
    let count = |l: &[String], x: &String| l.iter().filter(|y| *y == x).count();
    a.len() == b.len() && a.iter().all(|x| count(a, x) == count(b, x))
}

/// The events input for what AWS answered: the previous order when AWS holds the same events.
fn events_input(live: Vec<String>, old: Option<&Vec<String>>) -> Vec<String> {
    match old {
        Some(old) if same_set(&live, old) => old.clone(),
        _ => live,
    }
}

fn config(args: &VaultNotificationsArgs) -> VaultNotificationConfig {
    VaultNotificationConfig {
        sns_topic_arn: args.sns_topic_arn.clone().unwrap_or_default(),
        events: args.backup_vault_events.clone().unwrap_or_default(),
    }
}

/// Whether AWS holds the configuration `args` describe (events in any order).
fn same_config(live: &AwsNotifications, args: &VaultNotificationsArgs) -> bool {
    let wanted = config(args);
    live.config.sns_topic_arn == wanted.sns_topic_arn
        && same_set(&live.config.events, &wanted.events)
}

fn state_from(live: &AwsNotifications, args: VaultNotificationsArgs) -> VaultNotificationsState {
    VaultNotificationsState {
        args,
        backup_vault_arn: live.vault_arn.clone(),
    }
}

fn missing_vault(vault: &str, e: impl std::fmt::Display) -> OpError {
    OpError::Failed(format!(
        "backup vault '{vault}' does not exist; create it first (an awsbackup:index:Vault) and \
         name it in backupVaultName ({e})"
    ))
}

pub struct VaultNotifications;

#[async_trait]
impl Resource for VaultNotifications {
    type Args = VaultNotificationsArgs;
    type State = VaultNotificationsState;

    const TOKEN: &'static str = "awsbackup:index:VaultNotifications";
    const REQUIRED_INPUTS: &'static [&'static str] =
        &["backupVaultName", "snsTopicArn", "backupVaultEvents"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["backupVaultName"];
    const DELETE_BEFORE_REPLACE: bool = true;

    fn check(&self, ctx: &mut CheckContext, args: &mut VaultNotificationsArgs) {
        if let Some(name) = &args.backup_vault_name {
            if let Err(reason) = VAULT_NAME.check(name) {
                ctx.fail("backupVaultName", reason);
            }
        }
        if let Some(reason) = args.sns_topic_arn.as_deref().and_then(topic_refusal) {
            ctx.fail("snsTopicArn", reason);
        }
        let Some(events) = &args.backup_vault_events else {
            return;
        };
        if events.is_empty() {
            ctx.fail(
                "backupVaultEvents",
                "must name at least one event; to stop notifications, remove the resource",
            );
        }
        for (i, event) in events.iter().enumerate() {
            let path = format!("backupVaultEvents[{i}]");
            if let Some(first) = events[..i].iter().position(|e| e == event) {
                ctx.fail(
                    path,
                    format!(
                        "'{event}' is listed twice (also backupVaultEvents[{first}]); the events are a set"
                    ),
                );
            } else if let Some(reason) = event_refusal(event) {
                ctx.fail(path, reason);
            }
        }
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        // The events are a set: the same events in another order are no change.
        let events = |v: &Value| -> Option<Vec<String>> {
            serde_json::from_value(v.get("backupVaultEvents")?.clone()).ok()
        };
        if let (Some(o), Some(n)) = (events(old), events(new)) {
            if o != n && same_set(&o, &n) {
                old["backupVaultEvents"] = new["backupVaultEvents"].clone();
            }
        }
    }

    async fn create(
        &self,
        ctx: &Context,
        args: VaultNotificationsArgs,
    ) -> Result<(String, VaultNotificationsState), OpError> {
        let vault = args.backup_vault_name.clone().unwrap_or_default();
        match ctx.api.get_vault_notifications(&vault).await? {
            // The configuration this create would put is already there (an interrupted update
            // put it and never heard back): adopt it.
            Some(live) if same_config(&live, &args) => {
                tracing::info!(vault = %vault, "adopting the identical notification configuration already on the vault");
                return Ok((vault, state_from(&live, args)));
            }
            Some(live) => {
                return Err(OpError::Failed(format!(
                    "backup vault '{vault}' already sends notifications (to '{}'); a vault has one \
                     configuration: adopt it with `pulumi import {} <resource name> {vault}`",
                    live.config.sns_topic_arn,
                    Self::TOKEN
                )))
            }
            None => {}
        }
        ctx.api
            .put_vault_notifications(&vault, &config(&args))
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    missing_vault(&vault, &e.message)
                } else {
                    e.into()
                }
            })?;
        tracing::debug!(vault = %vault, "put the vault's notification configuration");
        // Put answers nothing: the vault's ARN comes from reading the configuration back.
        match ctx.api.get_vault_notifications(&vault).await {
            Ok(Some(live)) => Ok((vault, state_from(&live, args))),
            other => {
                let fallback = VaultNotificationsState {
                    args,
                    backup_vault_arn: String::new(),
                };
                let reason = match other {
                    Err(e) => format!("reading the notification configuration back failed: {e}"),
                    _ => "the notification configuration disappeared after it was put".into(),
                };
                Err(OpError::partial(&vault, &fallback, reason))
            }
        }
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<VaultNotificationsArgs>,
    ) -> Result<Option<ReadResult<VaultNotificationsArgs, VaultNotificationsState>>, OpError> {
        let Some(live) = ctx.api.get_vault_notifications(id).await? else {
            return Ok(None);
        };
        let old_events = old.and_then(|o| o.backup_vault_events);
        let inputs = VaultNotificationsArgs {
            backup_vault_name: Some(live.vault_name.clone()),
            sns_topic_arn: Some(live.config.sns_topic_arn.clone()),
            backup_vault_events: Some(events_input(
                live.config.events.clone(),
                old_events.as_ref(),
            )),
        };
        let state = state_from(&live, inputs.clone());
        Ok(Some(ReadResult { inputs, state }))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: VaultNotificationsState,
        news: VaultNotificationsArgs,
    ) -> Result<VaultNotificationsState, OpError> {
        ctx.api
            .put_vault_notifications(id, &config(&news))
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    missing_vault(id, format!("{}; run `pulumi refresh`", e.message))
                } else {
                    e.into()
                }
            })?;
        tracing::debug!(vault = %id, "replaced the vault's notification configuration");
        // The vault, and so its ARN, is the same: nothing to read back.
        Ok(VaultNotificationsState {
            args: news,
            backup_vault_arn: old.backup_vault_arn,
        })
    }

    async fn delete(
        &self,
        ctx: &Context,
        id: &str,
        _state: VaultNotificationsState,
    ) -> Result<(), OpError> {
        if ctx.api.delete_vault_notifications(id).await? {
            tracing::debug!(vault = %id, "deleted the vault's notification configuration");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn deprecated_events_name_their_replacement_and_every_refusal_lists_the_accepted_events() {
        assert_eq!(event_refusal("BACKUP_JOB_COMPLETED"), None);
        let failed = event_refusal("BACKUP_JOB_FAILED").unwrap();
        assert!(
            failed.starts_with("'BACKUP_JOB_FAILED' is deprecated")
                && failed.contains("use BACKUP_JOB_COMPLETED")
                && failed.contains("State=FAILED"),
            "{failed}"
        );
        let restore = event_refusal("RESTORE_JOB_SUCCESSFUL").unwrap();
        assert!(restore.contains("use RESTORE_JOB_COMPLETED"), "{restore}");
        let plan = event_refusal("BACKUP_PLAN_CREATED").unwrap();
        assert!(plan.contains("no event replaces it"), "{plan}");
        let unknown = event_refusal("NOPE").unwrap();
        assert!(unknown.contains("not an event AWS Backup accepts"), "{unknown}");
        assert!(!unknown.contains("did you mean"), "{unknown}");
        let lower = event_refusal("copy_job_failed").unwrap();
        assert!(lower.contains("did you mean COPY_JOB_FAILED?"), "{lower}");
        for reason in [failed, restore, plan, unknown, lower] {
            assert!(
                reason.ends_with(&format!("Accepted events: {}", ACCEPTED_EVENTS.join(", "))),
                "{reason}"
            );
        }
        // Deprecated events are never accepted, and each replacement is.
        for (name, instead) in DEPRECATED_EVENTS {
            assert!(!ACCEPTED_EVENTS.contains(name), "{name}");
            if let Some(instead) = instead {
                let replacement = instead.split(':').next().unwrap();
                assert!(ACCEPTED_EVENTS.contains(&replacement), "{instead}");
            }
        }
    }

    #[test]
    fn only_standard_sns_topic_arns_are_accepted() {
        for ok in [
            "arn:aws:sns:us-east-1:123456789012:backup-events",
            "arn:aws-cn:sns:cn-north-1:123456789012:Backup_Events",
            "arn:aws-us-gov:sns:us-gov-west-1:123456789012:t",
        ] {
            assert_eq!(topic_refusal(ok), None, "{ok}");
        }
        for not_sns in [
            "arn:aws:sqs:us-east-1:123456789012:queue",
            "arn:aws:sns:us-east-1:1234:topic",
            "arn:aws:sns::123456789012:topic",
            "arn:aws:sns:us-east-1:123456789012:",
            "arn:aws:sns:us-east-1:123456789012:a/b",
            "backup-events",
        ] {
            let reason = topic_refusal(not_sns).unwrap();
            assert!(reason.starts_with("must be an SNS topic ARN"), "{reason}");
        }
        let fifo = topic_refusal("arn:aws:sns:us-east-1:123456789012:events.fifo").unwrap();
        assert!(fifo.contains("FIFO topic"), "{fifo}");
        let long = format!("arn:aws:sns:us-east-1:123456789012:{}", "t".repeat(257));
        assert!(topic_refusal(&long).unwrap().contains("at most 256"));
    }

    #[test]
    fn events_keep_the_previous_order_when_aws_holds_the_same_set() {
        let old = strings(&["COPY_JOB_FAILED", "BACKUP_JOB_COMPLETED"]);
        let live = strings(&["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"]);
        assert_eq!(events_input(live.clone(), Some(&old)), old);
        assert_eq!(events_input(live.clone(), None), live);
        let more = strings(&["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED", "BACKUP_JOB_STARTED"]);
        assert_eq!(events_input(more.clone(), Some(&old)), more);
        assert!(!same_set(
            &strings(&["A", "A", "B"]),
            &strings(&["A", "B", "B"])
        ));
    }

    #[test]
    fn reordered_events_are_no_change_but_other_events_are() {
        let r = VaultNotifications;
        let mut old = serde_json::json!({"backupVaultEvents": ["A", "B"], "snsTopicArn": "t"});
        let mut new = serde_json::json!({"backupVaultEvents": ["B", "A"], "snsTopicArn": "t"});
        r.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_eq!(old, new);
        let mut old = serde_json::json!({"backupVaultEvents": ["A", "B"]});
        let mut new = serde_json::json!({"backupVaultEvents": ["B", "C"]});
        r.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_eq!(old["backupVaultEvents"], serde_json::json!(["A", "B"]));
    }
}
