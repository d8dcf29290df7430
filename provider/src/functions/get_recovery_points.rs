//! `awsbackup:index:getRecoveryPoints`: the recovery points of a vault, every page of them.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::location;
use crate::aws::{RecoveryPoint as AwsRecoveryPoint, RecoveryPointFilter};
use crate::function::Function;
use crate::resource::{CheckContext, Context, OpError};
use crate::resources::vault::VAULT_NAME;
use crate::time;

/// Lists the recovery points of a backup vault in the provider's account and region, optionally
/// only those of one resource type or created after a time. Calls ListRecoveryPointsByBackupVault
/// (once per page of up to 1000 points, AWS's filters applied by AWS), at preview too.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetRecoveryPointsArgs {
    /// The name of the vault.
    pub backup_vault_name: String,
    /// Only the points of this resource type, as AWS Backup names it: `EBS`, `EC2`, `RDS`,
    /// `Aurora`, `DynamoDB`, `EFS`, `S3`, `FSx`, `Storage Gateway`, ...
    pub resource_type: Option<String>,
    /// Only the points created after this time: RFC 3339, e.g. `2024-05-01T00:00:00Z` or
    /// `2024-05-01T02:00:00+02:00`.
    pub created_after: Option<String>,
}

/// The recovery points of a vault.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetRecoveryPointsResult {
    /// The points that match, in the order AWS lists them.
    pub recovery_points: Vec<RecoveryPoint>,
}

/// A recovery point in a backup vault.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryPoint {
    /// The recovery point's ARN.
    pub recovery_point_arn: String,
    /// The ARN of the resource it backs up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<String>,
    /// The resource's type, as AWS Backup names it (e.g. `EBS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// When the point was created (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// `COMPLETED`, `PARTIAL`, `DELETING`, `EXPIRED`, `AVAILABLE`, `STOPPED` or `CREATING`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the point moves to cold storage and expires, when it has a lifecycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<RecoveryPointLifecycle>,
    /// When AWS deletes the point (RFC 3339), as AWS calculates it from the lifecycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_at: Option<String>,
}

/// The lifecycle of a recovery point.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryPointLifecycle {
    /// Days after creation when the point is deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_after_days: Option<i64>,
    /// Days after creation when the point moves to cold storage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub move_to_cold_storage_after_days: Option<i64>,
}

pub struct GetRecoveryPoints;

fn point_from(p: AwsRecoveryPoint) -> RecoveryPoint {
    RecoveryPoint {
        recovery_point_arn: p.arn,
        resource_arn: p.resource_arn,
        resource_type: p.resource_type,
        creation_date: p.creation_date,
        status: p.status,
        lifecycle: p.lifecycle.map(|l| RecoveryPointLifecycle {
            delete_after_days: l.delete_after_days,
            move_to_cold_storage_after_days: l.move_to_cold_storage_after_days,
        }),
        delete_at: p.delete_at,
    }
}

#[async_trait]
impl Function for GetRecoveryPoints {
    type Args = GetRecoveryPointsArgs;
    type Output = GetRecoveryPointsResult;

    const TOKEN: &'static str = "awsbackup:index:getRecoveryPoints";

    fn check(&self, ctx: &mut CheckContext, args: &GetRecoveryPointsArgs) {
        if let Err(reason) = VAULT_NAME.check(&args.backup_vault_name) {
            ctx.fail("backupVaultName", reason);
        }
        if args.resource_type.as_deref() == Some("") {
            ctx.fail("resourceType", "must not be empty");
        }
        if let Some(after) = &args.created_after {
            if time::parse_with_offset(after).is_none() {
                ctx.fail(
                    "createdAfter",
                    format!(
                        "must be a date and time in RFC 3339, e.g. 2024-05-01T00:00:00Z; \
                         got '{after}'"
                    ),
                );
            }
        }
    }

    async fn invoke(
        &self,
        ctx: &Context,
        args: GetRecoveryPointsArgs,
    ) -> Result<GetRecoveryPointsResult, OpError> {
        let filter = RecoveryPointFilter {
            resource_type: args.resource_type,
            created_after: args
                .created_after
                .as_deref()
                .and_then(time::parse_with_offset),
        };
        let vault = &args.backup_vault_name;
        let Some(points) = ctx.api.list_recovery_points(vault, &filter).await? else {
            return Err(OpError::Failed(format!(
                "getRecoveryPoints: no backup vault named '{vault}' in {}",
                location(ctx).await
            )));
        };
        Ok(GetRecoveryPointsResult {
            recovery_points: points.into_iter().map(point_from).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::plan::Lifecycle;
    use crate::config::ProviderConfig;
    use crate::value::Marks;
    use serde_json::json;
    use std::time::SystemTime;

    fn failures(vault: &str, resource_type: Option<&str>, after: Option<&str>) -> Vec<String> {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new(
            GetRecoveryPoints::TOKEN,
            &config,
            &olds,
            &marks,
            SystemTime::now(),
        );
        let args = GetRecoveryPointsArgs {
            backup_vault_name: vault.into(),
            resource_type: resource_type.map(String::from),
            created_after: after.map(String::from),
        };
        GetRecoveryPoints.check(&mut ctx, &args);
        ctx.into_parts()
            .0
            .into_iter()
            .map(|f| format!("{}: {}", f.property, f.reason))
            .collect()
    }

    #[test]
    fn valid_inputs_pass() {
        assert!(failures("vault", None, None).is_empty());
        let some = failures("vault", Some("Storage Gateway"), Some("2024-05-01T02:00:00+02:00"));
        assert!(some.is_empty(), "{some:?}");
    }

    #[test]
    fn each_bad_input_is_named() {
        assert_eq!(
            failures("vault", None, Some("2024-05-01")),
            ["createdAfter: must be a date and time in RFC 3339, e.g. 2024-05-01T00:00:00Z; \
              got '2024-05-01'"]
        );
        let bad = failures("a vault", Some(""), None);
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(
            bad[0].starts_with("backupVaultName: a backup vault name may contain only"),
            "{bad:?}"
        );
        assert_eq!(bad[1], "resourceType: must not be empty");
    }

    #[test]
    fn a_point_keeps_its_lifecycle_days_and_deletion_time() {
        let point = point_from(AwsRecoveryPoint {
            arn: "arn:rp".into(),
            lifecycle: Some(Lifecycle {
                delete_after_days: Some(30),
                move_to_cold_storage_after_days: None,
                opt_in_to_archive_for_supported_resources: Some(false),
            }),
            delete_at: Some("2024-06-01T00:00:00Z".into()),
            ..AwsRecoveryPoint::default()
        });
        let out = serde_json::to_value(point).unwrap();
        assert_eq!(
            out,
            json!({
                "recoveryPointArn": "arn:rp",
                "lifecycle": {"deleteAfterDays": 30},
                "deleteAt": "2024-06-01T00:00:00Z",
            })
        );
    }
}
