//! `awsbackup:index:GlobalSettings`: an account's cross-account management options.
//!
//! The settings always exist (a singleton per account): create sets the ones given, delete puts
//! them back to AWS's defaults. A setting left out of the inputs is not managed: it is neither
//! compared nor changed. The id, and the import id, is the account id. Only an organization's
//! management account may change them (AWS refuses anyone else).

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::GlobalSettings as AwsSettings;
use crate::resource::{CheckContext, Context, OpError, ReadResult, Resource};

/// The cross-account management options of the AWS account the provider runs as. Only an
/// AWS Organizations management account may change them. The settings always exist: creating
/// the resource sets the ones given, deleting it puts them back to AWS's defaults (all `false`).
/// A setting left out is not managed. The id, and the import id, is the account id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GlobalSettingsArgs {
    /// Whether accounts of the organization may copy backups to other accounts of it
    /// (AWS's `isCrossAccountBackupEnabled`; default `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_cross_account_backup_enabled: Option<bool>,
    /// Whether a multi-party approval team may be assigned to a logically air-gapped vault
    /// (AWS's `isMpaEnabled`; default `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_mpa_enabled: Option<bool>,
    /// Whether AWS Backup keeps delegated administrator permissions in sync with AWS
    /// Organizations (AWS's `isDelegatedAdministratorEnabled`; default `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_delegated_administrator_enabled: Option<bool>,
}

/// The state of an account's global settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GlobalSettingsState {
    #[serde(flatten)]
    pub args: GlobalSettingsArgs,
    /// The account the settings belong to (also the id).
    pub account_id: String,
}

/// The settings (the input's name is AWS's) and AWS's default for each.
const SETTINGS: &[(&str, bool)] = &[
    ("isCrossAccountBackupEnabled", false),
    ("isMpaEnabled", false),
    ("isDelegatedAdministratorEnabled", false),
];

impl GlobalSettingsArgs {
    fn get(&self, name: &str) -> Option<bool> {
        match name {
            "isCrossAccountBackupEnabled" => self.is_cross_account_backup_enabled,
            "isMpaEnabled" => self.is_mpa_enabled,
            "isDelegatedAdministratorEnabled" => self.is_delegated_administrator_enabled,
            _ => None,
        }
    }

    fn set(&mut self, name: &str, value: Option<bool>) {
        match name {
            "isCrossAccountBackupEnabled" => self.is_cross_account_backup_enabled = value,
            "isMpaEnabled" => self.is_mpa_enabled = value,
            "isDelegatedAdministratorEnabled" => self.is_delegated_administrator_enabled = value,
            _ => {}
        }
    }
}

/// The wire form of the settings given: AWS's names, `"true"`/`"false"`.
fn wire(args: &GlobalSettingsArgs) -> AwsSettings {
    SETTINGS
        .iter()
        .filter_map(|(name, _)| Some((name.to_string(), args.get(name)?.to_string())))
        .collect()
}

/// The inputs AWS's settings amount to: every setting when `only` is `None` (import), else the
/// settings `only` sets. A value other than "true"/"false" is an error.
fn args_from(
    live: &AwsSettings,
    only: Option<&GlobalSettingsArgs>,
) -> Result<GlobalSettingsArgs, OpError> {
    let mut args = GlobalSettingsArgs::default();
    for (name, _) in SETTINGS {
        if only.is_some_and(|o| o.get(name).is_none()) {
            continue;
        }
        let value = match live.get(*name).map(String::as_str) {
            Some("true") => Some(true),
            Some("false") => Some(false),
            None => None,
            Some(other) => {
                return Err(OpError::Failed(format!(
                    "AWS answered {other:?} for the global setting {name}; expected \"true\" or \"false\""
                )))
            }
        };
        args.set(name, value);
    }
    Ok(args)
}

/// The account the provider runs as, or why it cannot be told.
pub(crate) async fn caller_account(ctx: &Context) -> Result<String, OpError> {
    ctx.api.account_id().await?.ok_or_else(|| {
        OpError::Failed(
            "cannot tell which AWS account the provider runs as: the credentials carry no \
             account id, STS's GetCallerIdentity failed and the account has no backup vault or \
             plan whose ARN would name it; \
             set AWS_ACCOUNT_ID (or aws_account_id in the profile), or create a vault first"
                .into(),
        )
    })
}

/// Drops from `old` the top-level inputs `new` does not set: a setting left out is not managed.
pub(crate) fn drop_unmanaged(old: &mut Value, new: &Value, names: &[&str]) {
    if let Some(map) = old.as_object_mut() {
        for name in names {
            if new.get(*name).is_none() {
                map.remove(*name);
            }
        }
    }
}

pub struct GlobalSettings;

#[async_trait]
impl Resource for GlobalSettings {
    type Args = GlobalSettingsArgs;
    type State = GlobalSettingsState;

    const TOKEN: &'static str = "awsbackup:index:GlobalSettings";

    fn check(&self, ctx: &mut CheckContext, args: &mut GlobalSettingsArgs) {
        let unknown = SETTINGS.iter().any(|(name, _)| ctx.is_unknown(name));
        if !unknown && wire(args).is_empty() {
            let names: Vec<&str> = SETTINGS.iter().map(|(n, _)| *n).collect();
            ctx.warn(format!(
                "GlobalSettings sets none of {}: it manages nothing",
                names.join(", ")
            ));
        }
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        let names: Vec<&str> = SETTINGS.iter().map(|(n, _)| *n).collect();
        drop_unmanaged(old, new, &names);
    }

    async fn create(
        &self,
        ctx: &Context,
        args: GlobalSettingsArgs,
    ) -> Result<(String, GlobalSettingsState), OpError> {
        let account = caller_account(ctx).await?;
        let settings = wire(&args);
        if !settings.is_empty() {
            ctx.api.update_global_settings(&settings).await?;
        }
        tracing::debug!(account = %account, "set the account's global settings");
        Ok((
            account.clone(),
            GlobalSettingsState {
                args,
                account_id: account,
            },
        ))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<GlobalSettingsArgs>,
    ) -> Result<Option<ReadResult<GlobalSettingsArgs, GlobalSettingsState>>, OpError> {
        if old.is_none() {
            // Import: the id must be the account the provider runs as.
            let account = caller_account(ctx).await?;
            if id != account {
                return Err(OpError::Failed(format!(
                    "the import id must be the account id of the provider's credentials, \
                     {account}; got '{id}'"
                )));
            }
        }
        let live = ctx.api.describe_global_settings().await?;
        let inputs = args_from(&live, old.as_ref())?;
        let state = GlobalSettingsState {
            args: inputs.clone(),
            account_id: id.to_string(),
        };
        Ok(Some(ReadResult { inputs, state }))
    }

    async fn update(
        &self,
        ctx: &Context,
        _id: &str,
        old: GlobalSettingsState,
        news: GlobalSettingsArgs,
    ) -> Result<GlobalSettingsState, OpError> {
        let settings = wire(&news);
        if !settings.is_empty() {
            ctx.api.update_global_settings(&settings).await?;
        }
        Ok(GlobalSettingsState {
            args: news,
            account_id: old.account_id,
        })
    }

    async fn delete(
        &self,
        ctx: &Context,
        _id: &str,
        state: GlobalSettingsState,
    ) -> Result<(), OpError> {
        let defaults: AwsSettings = SETTINGS
            .iter()
            .filter(|(name, _)| state.args.get(name).is_some())
            .map(|(name, default)| (name.to_string(), default.to_string()))
            .collect::<BTreeMap<_, _>>();
        if !defaults.is_empty() {
            ctx.api.update_global_settings(&defaults).await?;
        }
        tracing::debug!("put the global settings back to AWS's defaults");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(pairs: &[(&str, &str)]) -> AwsSettings {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_the_settings_given_go_on_the_wire_as_strings() {
        let args = GlobalSettingsArgs {
            is_cross_account_backup_enabled: Some(true),
            is_mpa_enabled: Some(false),
            ..Default::default()
        };
        assert_eq!(
            wire(&args),
            live(&[
                ("isCrossAccountBackupEnabled", "true"),
                ("isMpaEnabled", "false")
            ])
        );
    }

    #[test]
    fn reading_keeps_the_managed_settings_or_all_on_import() {
        let aws = live(&[
            ("isCrossAccountBackupEnabled", "true"),
            ("isMpaEnabled", "false"),
            ("isDelegatedAdministratorEnabled", "false"),
            ("isSomethingNew", "true"),
        ]);
        let all = args_from(&aws, None).unwrap();
        assert_eq!(all.is_cross_account_backup_enabled, Some(true));
        assert_eq!(all.is_delegated_administrator_enabled, Some(false));
        let only = GlobalSettingsArgs {
            is_mpa_enabled: Some(true),
            ..Default::default()
        };
        let managed = args_from(&aws, Some(&only)).unwrap();
        assert_eq!(
            managed,
            GlobalSettingsArgs {
                is_mpa_enabled: Some(false),
                ..Default::default()
            }
        );
        assert!(args_from(&live(&[("isMpaEnabled", "yes")]), None).is_err());
    }

    #[test]
    fn settings_left_out_are_no_change() {
        let r = GlobalSettings;
        let mut old = serde_json::json!({"isCrossAccountBackupEnabled": true, "isMpaEnabled": false});
        let mut new = serde_json::json!({"isCrossAccountBackupEnabled": true});
        r.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_eq!(old, new);
    }
}
