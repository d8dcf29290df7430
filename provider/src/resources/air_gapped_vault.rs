//! `awsbackup:index:LogicallyAirGappedVault`: a vault isolated from the account that owns it,
//! compliance-locked for good to a retention range and encrypted by a key AWS owns unless one
//! is given. Backups reach it through copy actions or a rule's direct air-gapped target.

use std::time::Duration;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::aws::{
    AwsError, CreateAirGappedVault, Tags, Vault as AwsVault, AIR_GAPPED_VAULT_TYPE, VAULT_AVAILABLE,
    VAULT_FAILED,
};
use crate::naming::NameRule;
use crate::resource::{creator_request_id, CheckContext, Context, OpError, ReadResult, Resource};
use crate::resources::tags;
use crate::resources::vault::{check_encryption_key, normalize_encryption_key, VAULT_NAME};
use crate::retry::{self, Poll, WaitError};

/// A logically air-gapped backup vault: recovery points copied into it are locked (compliance
/// mode, from its creation) for `minRetentionDays` to `maxRetentionDays`, and can be shared with
/// other accounts for recovery. Every input but `tags` is fixed at creation: changing one
/// replaces the vault. The id is the vault name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AirGappedVaultArgs {
    /// The vault name: 2 to 50 letters, digits, hyphens and underscores, unique among the
    /// account's vaults in the region (standard and air-gapped alike). Autonamed
    /// `<resource name>-<7 chars>` when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The shortest retention, in days, a recovery point in the vault may have: at least 7.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_retention_days: Option<i64>,
    /// The longest retention, in days, a recovery point in the vault may have: at least
    /// `minRetentionDays`, at most 36500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retention_days: Option<i64>,
    /// The ARN of a customer-managed KMS key for the vault. When omitted AWS encrypts with a key
    /// it owns. The caller needs `kms:CreateGrant` and `kms:DescribeKey` on a key given here, or
    /// AWS fails the vault (the provider then deletes it and reports why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_key_arn: Option<String>,
    /// Tags for the vault; the provider's `defaultTags` are merged under them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// The state of a logically air-gapped vault.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AirGappedVaultState {
    #[serde(flatten)]
    pub args: AirGappedVaultArgs,
    /// The vault's ARN: the target of copy actions and of rules'
    /// `targetLogicallyAirGappedBackupVaultArn`.
    pub arn: String,
    /// `AVAILABLE` once AWS has attached the vault's key (creation waits for it); `CREATING`
    /// only when the wait was cut short, in which case the next update waits again.
    pub vault_state: String,
    /// `LOGICALLY_AIR_GAPPED_BACKUP_VAULT`.
    pub vault_type: String,
    /// How many recovery points the vault holds.
    pub recovery_points: i64,
    /// When the vault was created (RFC 3339); its lock applies from then on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// `AWS_OWNED_KMS_KEY` or `CUSTOMER_MANAGED_KMS_KEY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_key_type: Option<String>,
}

/// AWS's bounds for an air-gapped vault's retention range.
const MIN_RETENTION_FLOOR: i64 = 7;
const MAX_RETENTION_CEILING: i64 = 36_500;
/// How long a create waits for AWS to make the vault available (1 to 3 minutes in AWS); the
/// create's custom timeout replaces it.
const AVAILABLE_WAIT: Duration = Duration::from_secs(1_800);

pub struct LogicallyAirGappedVault;

fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn state_from(vault: &AwsVault, args: AirGappedVaultArgs) -> AirGappedVaultState {
    AirGappedVaultState {
        args: AirGappedVaultArgs {
            name: Some(vault.name.clone()),
            min_retention_days: vault.min_retention_days.or(args.min_retention_days),
            max_retention_days: vault.max_retention_days.or(args.max_retention_days),
            encryption_key_arn: vault.encryption_key_arn.clone().or(args.encryption_key_arn),
            tags: args.tags,
        },
        arn: vault.arn.clone(),
        vault_state: vault
            .vault_state
            .clone()
            .unwrap_or_else(|| VAULT_AVAILABLE.into()),
        vault_type: vault
            .vault_type
            .clone()
            .unwrap_or_else(|| AIR_GAPPED_VAULT_TYPE.into()),
        recovery_points: vault.recovery_points,
        creation_date: vault.creation_date.clone(),
        encryption_key_type: vault.encryption_key_type.clone(),
    }
}

/// How a wait for the vault to become available ended.
enum Availability {
    Available(AwsVault),
    Failed(AwsVault),
    /// Still creating when the wait ended; the reason it ended.
    Pending(String),
}

/// Polls the vault until AWS reports it available or failed, within the create's budget.
async fn wait_until_available(ctx: &Context, name: &str) -> Result<Availability, OpError> {
    let budget = ctx.wait_budget(AVAILABLE_WAIT);
    let waited = retry::wait(
        budget,
        Duration::from_millis(500),
        Duration::from_secs(15),
        || async {
            let found: Option<AwsVault> = ctx.api.describe_vault(name).await?;
            Ok::<_, AwsError>(match found {
                Some(v) if v.vault_state.as_deref() == Some(VAULT_FAILED) => {
                    Poll::Done(Availability::Failed(v))
                }
                Some(v) if v.vault_state.as_deref().unwrap_or(VAULT_AVAILABLE) == VAULT_AVAILABLE => {
                    Poll::Done(Availability::Available(v))
                }
                Some(v) => Poll::Pending(format!("the vault is {}", v.vault_state.unwrap_or_default())),
                // Just created: AWS may not list it for a moment.
                None => Poll::Pending("AWS does not report the vault yet".into()),
            })
        },
    )
    .await;
    match waited {
        Ok(found) => Ok(found),
        Err(WaitError::Failed(e)) => Err(OpError::from(e)),
        Err(WaitError::TimedOut { waited, last }) => Ok(Availability::Pending(format!(
            "not available after {:.0}s ({last})",
            waited.as_secs_f64()
        ))),
        Err(WaitError::Cancelled) => Ok(Availability::Pending("the operation was cancelled".into())),
    }
}

/// Finishes a create or an update once the vault exists: waits for it, and deletes a vault AWS
/// failed so that nothing unusable is left behind.
async fn settle(
    ctx: &Context,
    name: &str,
    pending: AirGappedVaultState,
) -> Result<AirGappedVaultState, OpError> {
    let args = pending.args.clone();
    let waited = match wait_until_available(ctx, name).await {
        Ok(waited) => waited,
        Err(e) => return Err(OpError::partial(name, &pending, format!("logically air-gapped vault '{name}' was created, but looking at it failed: {e}"))),
    };
    match waited {
        Availability::Available(vault) => Ok(state_from(&vault, args)),
        Availability::Pending(reason) => Err(OpError::partial(
            name,
            &pending,
            format!(
                "logically air-gapped vault '{name}' was created but is {reason}; the next \
                 `pulumi up` waits for it again"
            ),
        )),
        Availability::Failed(vault) => {
            let key = match &args.encryption_key_arn {
                Some(key) => format!(
                    "the key {key}: the caller needs kms:CreateGrant and kms:DescribeKey on it"
                ),
                None => "its key".into(),
            };
            let why = format!("AWS failed logically air-gapped vault '{name}' (it could not attach {key})");
            ctx.vaults.forget(name);
            match ctx.api.delete_vault(name).await {
                Ok(_) => Err(OpError::Failed(format!("{why}; the failed vault was deleted"))),
                Err(e) => Err(OpError::partial(
                    name,
                    &state_from(&vault, args),
                    format!("{why}, and deleting the failed vault failed too: {e}"),
                )),
            }
        }
    }
}

#[async_trait]
impl Resource for LogicallyAirGappedVault {
    type Args = AirGappedVaultArgs;
    type State = AirGappedVaultState;

    const TOKEN: &'static str = "awsbackup:index:LogicallyAirGappedVault";
    const REQUIRED_INPUTS: &'static [&'static str] = &["minRetentionDays", "maxRetentionDays"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[
        "name",
        "minRetentionDays",
        "maxRetentionDays",
        "encryptionKeyArn",
    ];
    const NAME: Option<NameRule> = Some(VAULT_NAME);
    const PREFLIGHT: bool = true;

    fn check(&self, ctx: &mut CheckContext, args: &mut AirGappedVaultArgs) {
        let (min, max) = (args.min_retention_days, args.max_retention_days);
        if let Some(min) = min.filter(|m| !(MIN_RETENTION_FLOOR..=MAX_RETENTION_CEILING).contains(m)) {
            ctx.fail(
                "minRetentionDays",
                format!(
                    "must be between {MIN_RETENTION_FLOOR} and {MAX_RETENTION_CEILING} days (AWS's \
                     range for a logically air-gapped vault), got {min}"
                ),
            );
        }
        if let Some(max) = max.filter(|m| !(1..=MAX_RETENTION_CEILING).contains(m)) {
            ctx.fail(
                "maxRetentionDays",
                format!("must be between 1 and {MAX_RETENTION_CEILING} days, got {max}"),
            );
        }
        if let (Some(min), Some(max)) = (min, max) {
            if min > max {
                ctx.fail(
                    "minRetentionDays",
                    format!("must not exceed maxRetentionDays ({max}), got {min}"),
                );
            }
        }
        check_encryption_key(ctx, args.encryption_key_arn.as_deref());
        tags::check(ctx, &mut args.tags);
    }

    fn normalize_for_diff(&self, old_state: &Value, old: &mut Value, new: &mut Value) {
        normalize_encryption_key(old_state, old, new);
    }

    /// Records the vault the preview is about to create, so that a plan targeting it in the same
    /// preview is held to its retention range.
    async fn preflight(&self, ctx: &Context, args: &AirGappedVaultArgs) -> Result<(), OpError> {
        if let (Some(name), Some(_), Some(_)) =
            (&args.name, args.min_retention_days, args.max_retention_days)
        {
            ctx.vaults.plan(AwsVault {
                name: name.clone(),
                locked: true,
                min_retention_days: args.min_retention_days,
                max_retention_days: args.max_retention_days,
                vault_type: Some(AIR_GAPPED_VAULT_TYPE.into()),
                ..AwsVault::default()
            });
        }
        Ok(())
    }

    /// The ARN is the account, region and name; with it known, plans that target the vault are
    /// checked at preview.
    async fn preview_outputs(&self, ctx: &Context, args: &AirGappedVaultArgs) -> Map<String, Value> {
        let mut known = Map::new();
        known.insert("vaultType".into(), AIR_GAPPED_VAULT_TYPE.into());
        let Some(name) = &args.name else {
            return known;
        };
        match ctx.api.account_id().await {
            Ok(Some(account)) => {
                let region = ctx.api.region();
                known.insert(
                    "arn".into(),
                    format!(
                        "arn:{}:backup:{region}:{account}:backup-vault:{name}",
                        partition(&region)
                    )
                    .into(),
                );
            }
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "no account at preview: the vault's ARN stays unknown"),
        }
        known
    }

    async fn create(
        &self,
        ctx: &Context,
        args: AirGappedVaultArgs,
    ) -> Result<(String, AirGappedVaultState), OpError> {
        let missing = |what: &str| OpError::Failed(format!("{what} is missing"));
        let name = args.name.clone().ok_or_else(|| missing("name"))?;
        let min = args.min_retention_days.ok_or_else(|| missing("minRetentionDays"))?;
        let max = args.max_retention_days.ok_or_else(|| missing("maxRetentionDays"))?;
        let token = creator_request_id::<Self>(&ctx.urn, &args);
        let tags = args.tags.clone().unwrap_or_default();
        ctx.vaults.forget(&name);
        let created = ctx
            .api
            .create_air_gapped_vault(CreateAirGappedVault {
                name: name.clone(),
                min_retention_days: min,
                max_retention_days: max,
                encryption_key_arn: args.encryption_key_arn.clone(),
                tags: tags.clone(),
                creator_request_id: Some(token.clone()),
            })
            .await;
        let pending = match created {
            Ok(created) => AirGappedVaultState {
                args: args.clone(),
                arn: created.arn,
                vault_state: created.vault_state.unwrap_or_else(|| "CREATING".into()),
                vault_type: AIR_GAPPED_VAULT_TYPE.into(),
                recovery_points: 0,
                creation_date: created.creation_date,
                encryption_key_type: None,
            },
            Err(e) if e.is_already_exists() => {
                // This resource's own create whose answer was lost left the vault behind:
                // adopt it rather than fail or duplicate it.
                let existing = ctx.api.describe_vault(&name).await?;
                let Some(vault) = existing.filter(|v| {
                    v.creator_request_id.as_deref() == Some(token.as_str())
                        && v.vault_type.as_deref() == Some(AIR_GAPPED_VAULT_TYPE)
                }) else {
                    return Err(OpError::Failed(format!(
                        "a backup vault named '{name}' already exists in this account and region; \
                         adopt it with `pulumi import {} <resource name> {name}` if it is a \
                         logically air-gapped vault, or choose another name",
                        Self::TOKEN
                    )));
                };
                tracing::info!(vault = %name, "adopting the vault an interrupted create of this resource made");
                if let Err(e) = tags::reconcile(ctx.api.as_ref(), &vault.arn, &tags).await {
                    let state = state_from(&vault, AirGappedVaultArgs { tags: None, ..args });
                    return Err(OpError::partial(&name, &state, e));
                }
                state_from(&vault, args)
            }
            Err(e) => return Err(e.into()),
        };
        let state = settle(ctx, &name, pending).await?;
        Ok((name, state))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<AirGappedVaultArgs>,
    ) -> Result<Option<ReadResult<AirGappedVaultArgs, AirGappedVaultState>>, OpError> {
        let Some(vault) = ctx.api.describe_vault(id).await? else {
            return Ok(None);
        };
        if let Some(other) = vault.vault_type.as_deref().filter(|t| *t != AIR_GAPPED_VAULT_TYPE) {
            return Err(OpError::Failed(format!(
                "backup vault '{id}' is a vault of type {other}, not a logically air-gapped vault \
                 (import a standard vault as awsbackup:index:Vault)"
            )));
        }
        let live_tags = tags::managed(ctx.api.list_tags(&vault.arn).await?);
        let importing = old.is_none();
        let old = old.unwrap_or_default();
        let tags = (!live_tags.is_empty() || old.tags.is_some()).then_some(live_tags);
        let inputs = AirGappedVaultArgs {
            name: Some(vault.name.clone()),
            min_retention_days: vault.min_retention_days,
            max_retention_days: vault.max_retention_days,
            // A key the user chose is an input; AWS's own key is not. On import only a
            // customer-managed key was chosen by someone.
            encryption_key_arn: if importing {
                vault
                    .encryption_key_arn
                    .clone()
                    .filter(|_| vault.encryption_key_type.as_deref() != Some("AWS_OWNED_KMS_KEY"))
            } else {
                old.encryption_key_arn
                    .as_ref()
                    .and(vault.encryption_key_arn.clone())
            },
            tags,
        };
        let state = state_from(&vault, inputs.clone());
        Ok(Some(ReadResult { inputs, state }))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: AirGappedVaultState,
        news: AirGappedVaultArgs,
    ) -> Result<AirGappedVaultState, OpError> {
        let what = format!("logically air-gapped vault '{id}'");
        tags::update(ctx.api.as_ref(), &what, &old.arn, &old.args.tags, &news.tags).await?;
        let encryption_key_arn = news
            .encryption_key_arn
            .clone()
            .or(old.args.encryption_key_arn.clone());
        let state = AirGappedVaultState {
            args: AirGappedVaultArgs {
                encryption_key_arn,
                ..news
            },
            ..old
        };
        if state.vault_state == VAULT_AVAILABLE {
            return Ok(state);
        }
        // A create that stopped waiting: wait again.
        settle(ctx, id, state).await
    }

    async fn delete(
        &self,
        ctx: &Context,
        id: &str,
        state: AirGappedVaultState,
    ) -> Result<(), OpError> {
        ctx.vaults.forget(id);
        match ctx.api.delete_vault(id).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_vault_not_empty() => Err(OpError::Failed(format!(
                "logically air-gapped vault '{id}' cannot be deleted while it holds recovery \
                 points ({}), and they are locked until their retention ends ({} to {} days \
                 after each was made): AWS deletes them then; delete the vault afterwards, or \
                 remove it from the stack with `pulumi state delete`",
                e.message,
                state.args.min_retention_days.unwrap_or_default(),
                state.args.max_retention_days.unwrap_or_default()
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partition_follows_the_region() {
        assert_eq!(partition("us-east-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }

    #[test]
    fn the_state_takes_what_aws_reports() {
        let vault = AwsVault {
            name: "lag".into(),
            arn: "arn:aws:backup:us-east-1:123456789012:backup-vault:lag".into(),
            min_retention_days: Some(7),
            max_retention_days: Some(35),
            vault_state: Some("CREATING".into()),
            vault_type: Some(AIR_GAPPED_VAULT_TYPE.into()),
            encryption_key_type: Some("AWS_OWNED_KMS_KEY".into()),
            recovery_points: 3,
            ..AwsVault::default()
        };
        let state = state_from(&vault, AirGappedVaultArgs::default());
        assert_eq!(state.args.name.as_deref(), Some("lag"));
        assert_eq!((state.args.min_retention_days, state.args.max_retention_days), (Some(7), Some(35)));
        assert_eq!(state.vault_state, "CREATING");
        assert_eq!(state.recovery_points, 3);
        assert_eq!(state.encryption_key_type.as_deref(), Some("AWS_OWNED_KMS_KEY"));
    }
}
