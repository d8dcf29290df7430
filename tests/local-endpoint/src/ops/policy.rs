//! Vault access policies and vault notifications. Both are fields of the vault itself, not
//! state of their own: DeleteBackupVault drops them, and a new vault of the same name has
//! neither.

use serde::Deserialize;
use serde_json::json;

use super::vaults::named_vault_mut;
use super::{op, Operation, Output, Request};
use crate::error::{ApiError, ApiResult};
use crate::state::{Notifications, RegionState};
use crate::validate;

/// A vault's access policy and notification configuration.
pub const OPERATIONS: &[Operation] = &[
    op(
        "PUT",
        "/backup-vaults/{}/access-policy",
        "PutBackupVaultAccessPolicy",
        put_access_policy,
    ),
    op(
        "GET",
        "/backup-vaults/{}/access-policy",
        "GetBackupVaultAccessPolicy",
        get_access_policy,
    ),
    op(
        "DELETE",
        "/backup-vaults/{}/access-policy",
        "DeleteBackupVaultAccessPolicy",
        delete_access_policy,
    ),
    op(
        "PUT",
        "/backup-vaults/{}/notification-configuration",
        "PutBackupVaultNotifications",
        put_notifications,
    ),
    op(
        "GET",
        "/backup-vaults/{}/notification-configuration",
        "GetBackupVaultNotifications",
        get_notifications,
    ),
    op(
        "DELETE",
        "/backup-vaults/{}/notification-configuration",
        "DeleteBackupVaultNotifications",
        delete_notifications,
    ),
];

/// The model's `BackupVaultEvent` enum.
const VAULT_EVENTS: &[&str] = &[
    "BACKUP_JOB_STARTED",
    "BACKUP_JOB_COMPLETED",
    "BACKUP_JOB_SUCCESSFUL",
    "BACKUP_JOB_FAILED",
    "BACKUP_JOB_EXPIRED",
    "RESTORE_JOB_STARTED",
    "RESTORE_JOB_COMPLETED",
    "RESTORE_JOB_SUCCESSFUL",
    "RESTORE_JOB_FAILED",
    "COPY_JOB_STARTED",
    "COPY_JOB_SUCCESSFUL",
    "COPY_JOB_FAILED",
    "RECOVERY_POINT_MODIFIED",
    "BACKUP_PLAN_CREATED",
    "BACKUP_PLAN_MODIFIED",
    "S3_BACKUP_OBJECT_FAILED",
    "S3_RESTORE_OBJECT_FAILED",
    "CONTINUOUS_BACKUP_INTERRUPTED",
    "RECOVERY_POINT_INDEX_COMPLETED",
    "RECOVERY_POINT_INDEX_DELETED",
    "RECOVERY_POINT_INDEXING_FAILED",
    "EKS_RESTORE_OBJECT_FAILED",
    "EKS_RESTORE_OBJECT_SKIPPED",
    "EKS_BACKUP_OBJECT_FAILED",
    "EKS_RESTORE_MODIFICATION_SUCCESS",
    "EKS_RESTORE_MODIFICATION_FAILED",
    "ACCESS_POINT_AVAILABLE",
    "ACCESS_POINT_CREATION_FAILED",
    "ACCESS_POINT_DELETED",
    "ACCESS_POINT_DELETION_FAILED",
    "ACCESS_POINT_EXPIRED",
    "ACCESS_POINT_DISASSOCIATED",
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyInput {
    policy: Option<String>,
}

fn put_access_policy(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: PolicyInput = req.input()?;
    let v = named_vault_mut(rs, req)?;
    let policy = input
        .policy
        .ok_or_else(|| ApiError::missing_param("Policy"))?;
    let parsed: Result<serde_json::Value, _> = serde_json::from_str(&policy);
    if !parsed.is_ok_and(|p| p.is_object()) {
        return Err(ApiError::invalid_param(
            "Policy must be a JSON policy document",
        ));
    }
    v.access_policy = Some(policy);
    Ok(None)
}

fn get_access_policy(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let name = req.label(0);
    validate::vault_name(name)?;
    // Like DescribeBackupVault, a missing vault is answered with AccessDenied.
    let v = rs.vault(name).ok_or_else(ApiError::access_denied)?;
    let policy = v
        .access_policy
        .as_ref()
        .ok_or_else(|| ApiError::not_found(format!("Backup vault {name} has no access policy")))?;
    Ok(Some(json!({
        "BackupVaultName": v.name,
        "BackupVaultArn": v.arn,
        "Policy": policy,
    })))
}

fn delete_access_policy(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    named_vault_mut(rs, req)?.access_policy = None;
    Ok(None)
}

#[derive(Deserialize)]
struct NotificationsInput {
    #[serde(rename = "SNSTopicArn")]
    sns_topic_arn: Option<String>,
    #[serde(rename = "BackupVaultEvents")]
    events: Option<Vec<String>>,
}

fn put_notifications(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: NotificationsInput = req.input()?;
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
    if let Some(bad) = events.iter().find(|e| !VAULT_EVENTS.contains(&e.as_str())) {
        return Err(ApiError::invalid_param(format!(
            "Invalid backup vault event {bad:?}. Valid events: {}",
            VAULT_EVENTS.join(", ")
        )));
    }
    v.notifications = Some(Notifications {
        sns_topic_arn: topic,
        events,
    });
    Ok(None)
}

fn get_notifications(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
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

fn delete_notifications(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    named_vault_mut(rs, req)?.notifications = None;
    Ok(None)
}
