//! `awsbackup:index:RegionSettings`: which resource types AWS Backup protects and fully manages
//! in a region of the account.
//!
//! A singleton per account and region: create sets the types given, delete puts them back to the
//! defaults. AWS reports every type; only the types in the inputs are managed and compared. The
//! id, and the import id, is `<account>/<region>`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::RegionSettings as AwsSettings;
use crate::resource::{CheckContext, Context, OpError, ReadResult, Resource};
use crate::resources::global_settings::caller_account;

/// Which resource types AWS Backup protects (opt-in) and fully manages in the provider's region
/// of its account. The settings always exist: creating the resource sets the types given,
/// deleting it puts those types back to their defaults (every type opted in and fully managed).
/// Only the types named are managed and compared; AWS's other types are left alone. The id, and
/// the import id, is `<account>/<region>`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionSettingsArgs {
    /// Resource type → whether AWS Backup protects that type's resources in the region when a
    /// backup plan assigns them by tag (a type assigned explicitly is backed up anyway, except
    /// Aurora, DocumentDB and Neptune, which need the opt-in). Types: Aurora, CloudFormation,
    /// DSQL, DocumentDB, DynamoDB, EBS, EC2, EFS, FSx, Neptune, RDS, Redshift,
    /// `Redshift Serverless`, S3, `SAP HANA on Amazon EC2`, `Storage Gateway`, Timestream,
    /// VirtualMachine. Default `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type_opt_in_preference: Option<BTreeMap<String, bool>>,
    /// Resource type → whether AWS Backup fully manages its backups (for DynamoDB: advanced
    /// DynamoDB backup). Types: CloudFormation, DSQL, DynamoDB, EFS. Default `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type_management_preference: Option<BTreeMap<String, bool>>,
}

/// The state of a region's settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionSettingsState {
    #[serde(flatten)]
    pub args: RegionSettingsArgs,
    /// The account the settings belong to.
    pub account_id: String,
    /// The region the settings belong to.
    pub region: String,
}

const OPT_IN: &str = "resourceTypeOptInPreference";
const MANAGEMENT: &str = "resourceTypeManagementPreference";

/// The types ResourceTypeOptInPreference takes (DescribeRegionSettings lists them).
pub const OPT_IN_TYPES: &[&str] = &[
    "Aurora",
    "CloudFormation",
    "DSQL",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "Redshift Serverless",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "Timestream",
    "VirtualMachine",
];

/// The types ResourceTypeManagementPreference takes.
pub const MANAGEMENT_TYPES: &[&str] = &["CloudFormation", "DSQL", "DynamoDB", "EFS"];

/// What delete puts back: the value of a type in a region where AWS Backup was first used after
/// the type was supported.
const OPT_IN_DEFAULT: bool = true;
const MANAGEMENT_DEFAULT: bool = true;

/// Why `key` is not a type of `property`, or `None`.
fn type_refusal(key: &str, accepted: &[&str]) -> Option<String> {
    if accepted.contains(&key) {
        return None;
    }
    let hint = accepted
        .iter()
        .find(|t| t.eq_ignore_ascii_case(key.trim()))
        .map(|t| format!(" (did you mean '{t}'?)"))
        .unwrap_or_default();
    Some(format!(
        "'{key}' is not a resource type this setting takes{hint}. Accepted: {}",
        accepted.join(", ")
    ))
}

fn check_map(
    ctx: &mut CheckContext,
    property: &str,
    map: Option<&BTreeMap<String, bool>>,
    accepted: &[&str],
) {
    for key in map.into_iter().flat_map(|m| m.keys()) {
        if let Some(reason) = type_refusal(key, accepted) {
            // The key quoted as JSON, the way the engine reads a property path.
            let quoted = Value::String(key.clone());
            ctx.fail(format!("{property}[{quoted}]"), reason);
        }
    }
}

/// The values AWS holds for the types of `only` (`None`: every type AWS reports, on import).
fn managed(
    live: &BTreeMap<String, bool>,
    only: Option<&BTreeMap<String, bool>>,
) -> BTreeMap<String, bool> {
    live.iter()
        .filter(|(k, _)| only.is_none_or(|o| o.contains_key(*k)))
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

/// The inputs AWS's settings amount to: on refresh the types the previous inputs name, on
/// import (`old` is `None`) every type.
fn args_from(live: &AwsSettings, old: Option<&RegionSettingsArgs>) -> RegionSettingsArgs {
    match old {
        None => RegionSettingsArgs {
            resource_type_opt_in_preference: Some(managed(&live.opt_in, None)),
            resource_type_management_preference: Some(managed(&live.management, None)),
        },
        Some(old) => RegionSettingsArgs {
            resource_type_opt_in_preference: old
                .resource_type_opt_in_preference
                .as_ref()
                .map(|o| managed(&live.opt_in, Some(o))),
            resource_type_management_preference: old
                .resource_type_management_preference
                .as_ref()
                .map(|o| managed(&live.management, Some(o))),
        },
    }
}

fn wire(args: &RegionSettingsArgs) -> AwsSettings {
    AwsSettings {
        opt_in: args.resource_type_opt_in_preference.clone().unwrap_or_default(),
        management: args
            .resource_type_management_preference
            .clone()
            .unwrap_or_default(),
    }
}

/// The update that puts the types `args` names back to their defaults.
fn defaults_for(args: &RegionSettingsArgs) -> AwsSettings {
    let reset = |m: &Option<BTreeMap<String, bool>>, default: bool| {
        m.iter()
            .flat_map(|m| m.keys())
            .map(|k| (k.clone(), default))
            .collect()
    };
    AwsSettings {
        opt_in: reset(&args.resource_type_opt_in_preference, OPT_IN_DEFAULT),
        management: reset(&args.resource_type_management_preference, MANAGEMENT_DEFAULT),
    }
}

/// Drops from `old`'s maps the types `new` does not name: they are not managed.
fn drop_unnamed(old: &mut Value, new: &Value) {
    for property in [OPT_IN, MANAGEMENT] {
        let named = new.get(property).and_then(Value::as_object);
        let Some(old_map) = old.get_mut(property).and_then(Value::as_object_mut) else {
            continue;
        };
        match named {
            Some(named) => old_map.retain(|k, _| named.contains_key(k)),
            None => {
                if let Some(o) = old.as_object_mut() {
                    o.remove(property);
                }
            }
        }
    }
}

async fn update_aws(ctx: &Context, settings: &AwsSettings) -> Result<(), OpError> {
    if settings.opt_in.is_empty() && settings.management.is_empty() {
        return Ok(());
    }
    ctx.api.update_region_settings(settings).await?;
    Ok(())
}

pub struct RegionSettings;

#[async_trait]
impl Resource for RegionSettings {
    type Args = RegionSettingsArgs;
    type State = RegionSettingsState;

    const TOKEN: &'static str = "awsbackup:index:RegionSettings";

    fn check(&self, ctx: &mut CheckContext, args: &mut RegionSettingsArgs) {
        check_map(
            ctx,
            OPT_IN,
            args.resource_type_opt_in_preference.as_ref(),
            OPT_IN_TYPES,
        );
        check_map(
            ctx,
            MANAGEMENT,
            args.resource_type_management_preference.as_ref(),
            MANAGEMENT_TYPES,
        );
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        drop_unnamed(old, new);
    }

    async fn create(
        &self,
        ctx: &Context,
        args: RegionSettingsArgs,
    ) -> Result<(String, RegionSettingsState), OpError> {
        let account = caller_account(ctx).await?;
        let region = ctx.api.region();
        update_aws(ctx, &wire(&args)).await?;
        tracing::debug!(account = %account, region = %region, "set the region's settings");
        Ok((
            format!("{account}/{region}"),
            RegionSettingsState {
                args,
                account_id: account,
                region,
            },
        ))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<RegionSettingsArgs>,
    ) -> Result<Option<ReadResult<RegionSettingsArgs, RegionSettingsState>>, OpError> {
        let (account, region) = match id.split_once('/') {
            Some((a, r)) if !a.is_empty() && !r.is_empty() => (a.to_string(), r.to_string()),
            _ => {
                return Err(OpError::Failed(format!(
                    "the id must be <account>/<region>, e.g. 123456789012/us-east-1; got '{id}'"
                )))
            }
        };
        if old.is_none() {
            // Import: the id must name the account and region the provider works in.
            let expected = format!("{}/{}", caller_account(ctx).await?, ctx.api.region());
            if id != expected {
                return Err(OpError::Failed(format!(
                    "the import id must be the provider's account and region, {expected}; got '{id}'"
                )));
            }
        }
        let live = ctx.api.describe_region_settings().await?;
        let inputs = args_from(&live, old.as_ref());
        let state = RegionSettingsState {
            args: inputs.clone(),
            account_id: account,
            region,
        };
        Ok(Some(ReadResult { inputs, state }))
    }

    async fn update(
        &self,
        ctx: &Context,
        _id: &str,
        old: RegionSettingsState,
        news: RegionSettingsArgs,
    ) -> Result<RegionSettingsState, OpError> {
        update_aws(ctx, &wire(&news)).await?;
        Ok(RegionSettingsState { args: news, ..old })
    }

    async fn delete(
        &self,
        ctx: &Context,
        _id: &str,
        state: RegionSettingsState,
    ) -> Result<(), OpError> {
        update_aws(ctx, &defaults_for(&state.args)).await?;
        tracing::debug!("put the region's settings back to their defaults");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, bool)]) -> BTreeMap<String, bool> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn unknown_types_are_refused_listing_the_accepted_ones() {
        assert_eq!(type_refusal("S3", OPT_IN_TYPES), None);
        let s4 = type_refusal("S4", OPT_IN_TYPES).unwrap();
        assert!(s4.starts_with("'S4' is not a resource type"), "{s4}");
        assert!(s4.ends_with(&OPT_IN_TYPES.join(", ")), "{s4}");
        let lower = type_refusal("dynamodb", MANAGEMENT_TYPES).unwrap();
        assert!(lower.contains("did you mean 'DynamoDB'?"), "{lower}");
        assert!(type_refusal("EBS", MANAGEMENT_TYPES).is_some());
    }

    #[test]
    fn reading_keeps_the_named_types_or_all_on_import() {
        let live = AwsSettings {
            opt_in: map(&[("S3", false), ("EBS", true)]),
            management: map(&[("DynamoDB", true)]),
        };
        let all = args_from(&live, None);
        assert_eq!(all.resource_type_opt_in_preference.unwrap().len(), 2);
        let old = RegionSettingsArgs {
            resource_type_opt_in_preference: Some(map(&[("S3", true)])),
            resource_type_management_preference: None,
        };
        let got = args_from(&live, Some(&old));
        assert_eq!(
            got.resource_type_opt_in_preference,
            Some(map(&[("S3", false)]))
        );
        assert_eq!(got.resource_type_management_preference, None);
    }

    #[test]
    fn types_not_named_are_no_change_and_delete_resets_the_named_ones() {
        let mut old = serde_json::json!({OPT_IN: {"S3": true, "EBS": true}, MANAGEMENT: {"EFS": true}});
        let mut new = serde_json::json!({OPT_IN: {"S3": true}});
        RegionSettings.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_eq!(old, new);
        let args = RegionSettingsArgs {
            resource_type_opt_in_preference: Some(map(&[("S3", false)])),
            resource_type_management_preference: Some(map(&[("DynamoDB", false)])),
        };
        let reset = defaults_for(&args);
        assert_eq!(reset.opt_in, map(&[("S3", true)]));
        assert_eq!(reset.management, map(&[("DynamoDB", true)]));
    }
}
