//! Describe- and UpdateGlobalSettings, Describe- and UpdateRegionSettings, and the caller's
//! account.

use aws_credential_types::provider::ProvideCredentials;

use super::SdkBackup;
use crate::aws::settings::arn_account;
use crate::aws::{code, AwsError, GlobalSettings, RegionSettings};

pub(super) async fn describe_global(api: &SdkBackup) -> Result<GlobalSettings, AwsError> {
    let out = api
        .send("DescribeGlobalSettings", || {
            api.client.describe_global_settings().send()
        })
        .await?;
    Ok(out
        .global_settings
        .unwrap_or_default()
        .into_iter()
        .collect())
}

pub(super) async fn update_global(
    api: &SdkBackup,
    settings: &GlobalSettings,
) -> Result<(), AwsError> {
    let map: std::collections::HashMap<String, String> = settings.clone().into_iter().collect();
    api.send("UpdateGlobalSettings", || {
        api.client
            .update_global_settings()
            .set_global_settings(Some(map.clone()))
            .send()
    })
    .await?;
    Ok(())
}

pub(super) async fn describe_region(api: &SdkBackup) -> Result<RegionSettings, AwsError> {
    let out = api
        .send("DescribeRegionSettings", || {
            api.client.describe_region_settings().send()
        })
        .await?;
    Ok(RegionSettings {
        opt_in: out
            .resource_type_opt_in_preference
            .unwrap_or_default()
            .into_iter()
            .collect(),
        management: out
            .resource_type_management_preference
            .unwrap_or_default()
            .into_iter()
            .collect(),
    })
}

pub(super) async fn update_region(
    api: &SdkBackup,
    settings: &RegionSettings,
) -> Result<(), AwsError> {
    // An empty map is left out: AWS changes only the types given.
    let opt_in =
        (!settings.opt_in.is_empty()).then(|| settings.opt_in.clone().into_iter().collect());
    let management = (!settings.management.is_empty())
        .then(|| settings.management.clone().into_iter().collect());
    api.send("UpdateRegionSettings", || {
        api.client
            .update_region_settings()
            .set_resource_type_opt_in_preference(opt_in.clone())
            .set_resource_type_management_preference(management.clone())
            .send()
    })
    .await?;
    Ok(())
}

/// The account the credentials belong to: the account id the credentials carry (AWS_ACCOUNT_ID,
/// a profile's `aws_account_id`, SSO and assumed roles set it), else STS's GetCallerIdentity,
/// else (STS unreachable) the account in the ARN of a vault or plan the caller lists; `None`
/// when none tells.
/// Once found, the account is kept: the client's credentials stay those of one account.
pub(super) async fn account_id(api: &SdkBackup) -> Result<Option<String>, AwsError> {
    if let Some(known) = api.account.get() {
        return Ok(Some(known.clone()));
    }
    let found = find_account_id(api).await?;
    if let Some(account) = &found {
        let _ = api.account.set(account.clone());
    }
    Ok(found)
}

async fn find_account_id(api: &SdkBackup) -> Result<Option<String>, AwsError> {
    if let Some(provider) = &api.credentials {
        let creds = provider.provide_credentials().await.map_err(|e| {
            AwsError::new(
                "ResolveCredentials",
                code::CLIENT_ERROR,
                format!("resolving the credentials: {e}"),
            )
        })?;
        if let Some(account) = creds.account_id() {
            return Ok(Some(account.as_str().to_string()));
        }
    }
    match api
        .send("GetCallerIdentity", || api.sts.get_caller_identity().send())
        .await
    {
        Ok(identity) => {
            if let Some(account) = identity.account {
                return Ok(Some(account));
            }
        }
        Err(e) => tracing::debug!(error = %e, "GetCallerIdentity failed; looking for an ARN"),
    }
    let vaults = api
        .send("ListBackupVaults", || {
            api.client.list_backup_vaults().max_results(1).send()
        })
        .await?;
    let vault_arn = vaults
        .backup_vault_list()
        .iter()
        .find_map(|v| v.backup_vault_arn().and_then(arn_account));
    if vault_arn.is_some() {
        return Ok(vault_arn);
    }
    let plans = api
        .send("ListBackupPlans", || {
            api.client.list_backup_plans().max_results(1).send()
        })
        .await?;
    Ok(plans
        .backup_plans_list()
        .iter()
        .find_map(|p| p.backup_plan_arn().and_then(arn_account)))
}
