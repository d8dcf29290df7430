//! Vault notifications: the SNS topic and the events a vault reports to it. The configuration is
//! a field of the vault itself, not state of its own: DeleteBackupVault drops it, and a new vault
//! of the same name has none.

use serde::Deserialize;
use serde_json::json;

use super::vaults::named_vault_mut;
use super::{op, Operation, Output, Request};
use crate::error::{ApiError, ApiResult};
use crate::state::{Notifications, RegionState};
use crate::validate;

pub const OPERATIONS: &[Operation] = &[
    op(
        "PUT",
        "/backup-vaults/{}/notification-configuration",
        "PutBackupVaultNotifications",
        put,
    ),
    op(
        "GET",
        "/backup-vaults/{}/notification-configuration",
        "GetBackupVaultNotifications",
        get,
    ),
    op(
        "DELETE",
        "/backup-vaults/{}/notification-configuration",
        "DeleteBackupVaultNotifications",
        delete,
    ),
];

/// The events AWS accepts, in the order its refusal lists them. The model's `BackupVaultEvent`
/// enum has more: the deprecated ones (BACKUP_JOB_SUCCESSFUL, BACKUP_JOB_FAILED,
/// BACKUP_JOB_EXPIRED, RESTORE_JOB_SUCCESSFUL, RESTORE_JOB_FAILED, BACKUP_PLAN_CREATED,
/// BACKUP_PLAN_MODIFIED) and others PutBackupVaultNotifications does not take. AWS refuses them
/// like any unknown name.
const ACCEPTED_EVENTS: &[&str] = &[
    "BACKUP_JOB_STARTED",
    "BACKUP_JOB_COMPLETED",
    "RESTORE_JOB_STARTED",
    "RESTORE_JOB_COMPLETED",
    "COPY_JOB_STARTED",
    "COPY_JOB_SUCCESSFUL",
    "COPY_JOB_FAILED",
    "RECOVERY_POINT_MODIFIED",
    "S3_BACKUP_OBJECT_FAILED",
    "S3_RESTORE_OBJECT_FAILED",
    "CONTINUOUS_BACKUP_INTERRUPTED",
    "RECOVERY_POINT_INDEX_COMPLETED",
    "RECOVERY_POINT_INDEX_DELETED",
    "RECOVERY_POINT_INDEXING_FAILED",
    "EKS_BACKUP_OBJECT_FAILED",
    "EKS_RESTORE_OBJECT_FAILED",
    "EKS_RESTORE_OBJECT_SKIPPED",
];

#[derive(Deserialize)]
struct PutInput {
    #[serde(rename = "SNSTopicArn")]
    sns_topic_arn: Option<String>,
    #[serde(rename = "BackupVaultEvents")]
    events: Option<Vec<String>>,
}

fn put(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: PutInput = req.input()?;
    let v = named_vault_mut(rs, req)?;
    let topic = input
        .sns_topic_arn
        .ok_or_else(|| ApiError::missing_param("SNSTopicArn"))?;
    let events = input
        .events
        .ok_or_else(|| ApiError::missing_param("BackupVaultEvents"))?;
    validate::sns_topic_arn(&topic)?;
    if events.is_empty() {
        return Err(ApiError::invalid_param(
            "BackupVaultEvents must contain at least one event",
        ));
    }
    if events.iter().any(|e| !ACCEPTED_EVENTS.contains(&e.as_str())) {
        // AWS's wording: it names the list, not the event it refused.
        return Err(ApiError::invalid_param(format!(
            "Please select from the following list of notifications {}",
            ACCEPTED_EVENTS.join(", ")
        )));
    }
    v.notifications = Some(Notifications {
        sns_topic_arn: topic,
        events,
    });
    Ok(None)
}

fn get(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let v = named_vault_mut(rs, req)?;
    let n = v.notifications.as_ref().ok_or_else(|| {
        ApiError::not_found(format!(
            "Backup vault {} has no notification configuration",
            v.name
        ))
    })?;
    Ok(Some(json!({
        "BackupVaultName": v.name,
        "BackupVaultArn": v.arn,
        "SNSTopicArn": n.sns_topic_arn,
        "BackupVaultEvents": n.events,
    })))
}

fn delete(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    named_vault_mut(rs, req)?.notifications = None;
    Ok(None)
}
