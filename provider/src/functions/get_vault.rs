//! `awsbackup:index:getVault`: a backup vault looked up by name, whoever manages it.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::location;
use crate::aws::{Tags, Vault};
use crate::function::Function;
use crate::resource::{CheckContext, Context, OpError};
use crate::resources::tags;
use crate::resources::vault::VAULT_NAME;

/// Looks up a backup vault by name in the provider's account and region: a vault of this
/// stack, another stack's, or one made outside Pulumi. It reports what the `Vault` resource
/// outputs, plus the vault's lock range, type, state and key type. Calls DescribeBackupVault and
/// ListTags, at preview too.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetVaultArgs {
    /// The vault name: 2 to 50 letters, digits, hyphens and underscores.
    pub name: String,
}

/// A backup vault as AWS reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetVaultResult {
    /// The vault name.
    pub name: String,
    /// The vault's ARN.
    pub arn: String,
    /// The ARN of the KMS key that encrypts the vault's recovery points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_key_arn: Option<String>,
    /// The vault's tags, without AWS's own `aws:` tags (empty when it has none).
    pub tags: Tags,
    /// How many recovery points the vault holds.
    pub recovery_points: i64,
    /// When the vault was created (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// Whether a vault lock protects the vault.
    pub locked: bool,
    /// When a compliance-mode lock became (or becomes) immutable (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_date: Option<String>,
    /// The lock's minimum retention in days, when the vault is locked with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_retention_days: Option<i64>,
    /// The lock's maximum retention in days, when the vault is locked with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retention_days: Option<i64>,
    /// `BACKUP_VAULT`, `LOGICALLY_AIR_GAPPED_BACKUP_VAULT` or `RESTORE_ACCESS_BACKUP_VAULT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_type: Option<String>,
    /// `CREATING`, `AVAILABLE` or `FAILED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_state: Option<String>,
    /// `AWS_OWNED_KMS_KEY` or `CUSTOMER_MANAGED_KMS_KEY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_key_type: Option<String>,
}

pub struct GetVault;

fn result_from(vault: Vault, tags: Tags) -> GetVaultResult {
    GetVaultResult {
        name: vault.name,
        arn: vault.arn,
        encryption_key_arn: vault.encryption_key_arn,
        tags,
        recovery_points: vault.recovery_points,
        creation_date: vault.creation_date,
        locked: vault.locked,
        lock_date: vault.lock_date,
        min_retention_days: vault.min_retention_days,
        max_retention_days: vault.max_retention_days,
        vault_type: vault.vault_type,
        vault_state: vault.vault_state,
        encryption_key_type: vault.encryption_key_type,
    }
}

#[async_trait]
impl Function for GetVault {
    type Args = GetVaultArgs;
    type Output = GetVaultResult;

    const TOKEN: &'static str = "awsbackup:index:getVault";

    fn check(&self, ctx: &mut CheckContext, args: &GetVaultArgs) {
        if let Err(reason) = VAULT_NAME.check(&args.name) {
            ctx.fail("name", reason);
        }
    }

    async fn invoke(&self, ctx: &Context, args: GetVaultArgs) -> Result<GetVaultResult, OpError> {
        let Some(vault) = ctx.api.describe_vault(&args.name).await? else {
            return Err(OpError::Failed(format!(
                "getVault: no backup vault named '{}' in {}",
                args.name,
                location(ctx).await
            )));
        };
        // As the Vault resource reads them: AWS's own tags are not the vault's.
        let live = tags::managed(ctx.api.list_tags(&vault.arn).await?);
        Ok(result_from(vault, live))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderConfig;
    use crate::value::Marks;
    use serde_json::{json, Value};
    use std::time::SystemTime;

    fn failures(name: &str) -> Vec<(String, String)> {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new(GetVault::TOKEN, &config, &olds, &marks, SystemTime::now());
        GetVault.check(&mut ctx, &GetVaultArgs { name: name.into() });
        ctx.into_parts()
            .0
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    }

    #[test]
    fn the_name_follows_the_vault_name_rule() {
        assert!(failures("team-vault_1").is_empty());
        let bad = failures("my vault");
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].0, "name");
        assert_eq!(
            bad[0].1,
            "a backup vault name may contain only letters, digits, hyphens (-) and underscores (_); \
             'my vault' contains ' '"
        );
        assert_eq!(failures("v")[0].0, "name");
        assert_eq!(failures(&"v".repeat(51))[0].0, "name");
    }

    #[test]
    fn the_result_has_every_field_aws_reports() {
        let vault = Vault {
            name: "v".into(),
            arn: "arn:aws:backup:us-east-1:123456789012:backup-vault:v".into(),
            locked: true,
            min_retention_days: Some(7),
            max_retention_days: Some(30),
            vault_type: Some("BACKUP_VAULT".into()),
            recovery_points: 3,
            ..Vault::default()
        };
        let out = serde_json::to_value(result_from(vault, Tags::new())).unwrap();
        assert_eq!(out["minRetentionDays"], 7);
        assert_eq!(out["maxRetentionDays"], 30);
        assert_eq!(out["vaultType"], "BACKUP_VAULT");
        assert_eq!(out["recoveryPoints"], 3);
        assert_eq!(out["tags"], json!({}));
        // What AWS does not report is left out, not null.
        assert_eq!(out.get("lockDate"), None::<&Value>);
    }
}
