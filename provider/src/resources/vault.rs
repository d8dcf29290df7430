//! `awsbackup:index:Vault`: a backup vault, the container that holds recovery points.

use std::time::Duration;

use async_trait::async_trait;
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::{
    BackupApi, CreateVault, RecoveryPointFilter, Tags, Vault as AwsVault, AIR_GAPPED_VAULT_TYPE,
    BACKUP_VAULT_TYPE,
};
use crate::naming::NameRule;
use crate::resource::{creator_request_id, CheckContext, Context, OpError, ReadResult, Resource};
use crate::resources::tags;
use crate::retry::{self, Poll, WaitError};

/// A backup vault: the container that stores and organises recovery points. The id is the vault
/// name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultArgs {
    /// The vault name: 2 to 50 letters, digits, hyphens and underscores, unique per account and
    /// region. Autonamed `<resource name>-<7 chars>` when omitted. Changing it replaces the
    /// vault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The ARN of the KMS key that encrypts the vault's recovery points. When omitted AWS uses its
    /// `aws/backup` key, and the provider accepts whichever key the vault has. AWS cannot change
    /// the key of a vault: changing it replaces the vault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_key_arn: Option<String>,
    /// Tags for the vault; the provider's `defaultTags` are merged under them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// When true, deleting the vault first deletes every recovery point in it and waits until the
    /// vault is empty. Default false: deleting a vault that holds recovery points fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force_destroy: Option<bool>,
}

/// The state of a backup vault.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultState {
    #[serde(flatten)]
    pub args: VaultArgs,
    /// The vault's ARN.
    pub arn: String,
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
}

pub const VAULT_NAME: NameRule = NameRule {
    field: "name",
    what: "a backup vault name",
    min_len: 2,
    max_len: 50,
    allowed: |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
    allowed_text: "letters, digits, hyphens (-) and underscores (_)",
};

/// How long a force-destroy keeps trying to empty and delete the vault (the delete's custom
/// timeout replaces it).
const EMPTY_WAIT: Duration = Duration::from_secs(600);

pub struct Vault;

fn kms_key_arn() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
            .expect("valid regex")
    })
}

/// `encryptionKeyArn`, when set, must be a KMS key ARN (not an alias).
pub(crate) fn check_encryption_key(ctx: &mut CheckContext, arn: Option<&str>) {
    let Some(arn) = arn else { return };
    if kms_key_arn().is_match(arn) {
        return;
    }
    let hint = if arn.contains(":alias/") || arn.starts_with("alias/") {
        " (a key alias is not accepted: use the key's ARN)"
    } else {
        ""
    };
    ctx.fail(
        "encryptionKeyArn",
        format!("must be a KMS key ARN like arn:aws:kms:<region>:<account-id>:key/<key-id>{hint}; got '{arn}'"),
    );
}

/// An omitted `encryptionKeyArn` means "whatever key AWS chose": not a change. Naming the key the
/// vault already has is not a change either, even when the previous inputs left it out.
pub(crate) fn normalize_encryption_key(old_state: &Value, old: &mut Value, new: &mut Value) {
    match new.get("encryptionKeyArn") {
        None => {
            if let Some(o) = old.as_object_mut() {
                o.remove("encryptionKeyArn");
            }
        }
        Some(key) if old.get("encryptionKeyArn").is_none() => {
            if old_state.get("encryptionKeyArn") == Some(key) {
                old["encryptionKeyArn"] = key.clone();
            }
        }
        Some(_) => {}
    }
}

fn state_from(vault: &AwsVault, args: VaultArgs, tags: Option<Tags>) -> VaultState {
    VaultState {
        args: VaultArgs {
            name: Some(vault.name.clone()),
            encryption_key_arn: vault.encryption_key_arn.clone().or(args.encryption_key_arn),
            tags,
            force_destroy: args.force_destroy,
        },
        arn: vault.arn.clone(),
        recovery_points: vault.recovery_points,
        creation_date: vault.creation_date.clone(),
        locked: vault.locked,
        lock_date: vault.lock_date.clone(),
    }
}

#[async_trait]
impl Resource for Vault {
    type Args = VaultArgs;
    type State = VaultState;

    const TOKEN: &'static str = "awsbackup:index:Vault";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "encryptionKeyArn"];
    const NAME: Option<NameRule> = Some(VAULT_NAME);

    fn check(&self, ctx: &mut CheckContext, args: &mut VaultArgs) {
        check_encryption_key(ctx, args.encryption_key_arn.as_deref());
        tags::check(ctx, &mut args.tags);
    }

    fn normalize_for_diff(&self, old_state: &Value, old: &mut Value, new: &mut Value) {
        normalize_encryption_key(old_state, old, new);
        for side in [old, new] {
            if side.get("forceDestroy").is_none() {
                side["forceDestroy"] = Value::Bool(false);
            }
        }
    }

    async fn create(
        &self,
        ctx: &Context,
        args: VaultArgs,
    ) -> Result<(String, VaultState), OpError> {
        let name = args
            .name
            .clone()
            .ok_or_else(|| OpError::Failed("name is missing".into()))?;
        let token = creator_request_id::<Self>(&ctx.urn, &args);
        let tags = args.tags.clone().unwrap_or_default();
        ctx.vaults.forget(&name);
        let created = ctx
            .api
            .create_vault(CreateVault {
                name: name.clone(),
                encryption_key_arn: args.encryption_key_arn.clone(),
                tags: tags.clone(),
                creator_request_id: Some(token.clone()),
            })
            .await;
        let created = match created {
            Ok(created) => created,
            Err(e) if e.is_already_exists() => {
                // This resource's own create whose answer was lost (an interrupted update) left
                // the vault behind: adopt it rather than fail or duplicate it.
                let existing = ctx.api.describe_vault(&name).await?;
                let Some(vault) =
                    existing.filter(|v| v.creator_request_id.as_deref() == Some(token.as_str()))
                else {
                    return Err(OpError::Failed(format!(
                        "a backup vault named '{name}' already exists in this account and region; \
                         adopt it with `pulumi import {} <resource name> {name}` or choose another name",
                        Self::TOKEN
                    )));
                };
                tracing::info!(vault = %name, "adopting the vault an interrupted create of this resource made");
                ctx.vaults.record(vault.clone());
                if let Err(e) = tags::reconcile(ctx.api.as_ref(), &vault.arn, &tags).await {
                    let state = state_from(&vault, VaultArgs { tags: None, ..args }, None);
                    return Err(OpError::partial(&name, &state, e));
                }
                return Ok((name, state_from(&vault, args.clone(), args.tags)));
            }
            Err(e) => return Err(e.into()),
        };
        tracing::debug!(vault = %name, "created backup vault");
        // CreateBackupVault answers the ARN and creation date; the rest of a new vault is known.
        ctx.vaults.record(AwsVault {
            name: name.clone(),
            arn: created.arn.clone(),
            encryption_key_arn: args.encryption_key_arn.clone(),
            creation_date: created.creation_date.clone(),
            creator_request_id: Some(token),
            vault_type: Some(BACKUP_VAULT_TYPE.into()),
            ..AwsVault::default()
        });
        let state = VaultState {
            args,
            arn: created.arn,
            recovery_points: 0,
            creation_date: created.creation_date,
            locked: false,
            lock_date: None,
        };
        Ok((name, state))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<VaultArgs>,
    ) -> Result<Option<ReadResult<VaultArgs, VaultState>>, OpError> {
        let Some(vault) = ctx.api.describe_vault(id).await? else {
            return Ok(None);
        };
        if vault.vault_type.as_deref() == Some(AIR_GAPPED_VAULT_TYPE) {
            return Err(OpError::Failed(format!(
                "backup vault '{id}' is a logically air-gapped vault (import it as \
                 awsbackup:index:LogicallyAirGappedVault)"
            )));
        }
        let live_tags = tags::managed(ctx.api.list_tags(&vault.arn).await?);
        let importing = old.is_none();
        let old = old.unwrap_or_default();
        let tags = (!live_tags.is_empty() || old.tags.is_some()).then_some(live_tags);
        let inputs = VaultArgs {
            name: Some(vault.name.clone()),
            // On refresh, only a key the user chose is an input (AWS's default is not). On import
            // nobody can tell them apart, so the key is recorded: a program naming it then has no
            // diff, and one omitting it accepts whichever key the vault has.
            encryption_key_arn: if importing {
                vault.encryption_key_arn.clone()
            } else {
                old.encryption_key_arn
                    .as_ref()
                    .and(vault.encryption_key_arn.clone())
            },
            tags: tags.clone(),
            force_destroy: old.force_destroy,
        };
        let state = state_from(&vault, inputs.clone(), tags);
        Ok(Some(ReadResult { inputs, state }))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: VaultState,
        news: VaultArgs,
    ) -> Result<VaultState, OpError> {
        let what = format!("backup vault '{id}'");
        tags::update(ctx.api.as_ref(), &what, &old.arn, &old.args.tags, &news.tags).await?;
        // Only tags and forceDestroy can change in place; the rest of the state stands.
        let encryption_key_arn = old.args.encryption_key_arn.clone();
        Ok(VaultState {
            args: VaultArgs {
                encryption_key_arn: news.encryption_key_arn.clone().or(encryption_key_arn),
                ..news
            },
            ..old
        })
    }

    async fn delete(&self, ctx: &Context, id: &str, state: VaultState) -> Result<(), OpError> {
        let force = state.args.force_destroy.unwrap_or(false);
        ctx.vaults.forget(id);
        let budget = ctx.wait_budget(EMPTY_WAIT);
        let deleted = retry::wait(budget, Duration::from_millis(250), Duration::from_secs(5), || async {
            let err = match ctx.api.delete_vault(id).await {
                Ok(_) => return Ok(Poll::Done(())),
                Err(e) if e.is_vault_not_empty() => e,
                Err(e) => return Err(OpError::from(e)),
            };
            if !force {
                return Err(OpError::Failed(format!(
                    "backup vault '{id}' cannot be deleted: {}. Set `forceDestroy: true` to delete its \
                     recovery points with it, or delete them first",
                    err.message
                )));
            }
            // Not empty, or AWS has not caught up with deletions yet: delete what is listed, retry.
            delete_recovery_points(ctx.api.as_ref(), id).await?;
            Ok(Poll::Pending(err.message))
        })
        .await;
        match deleted {
            Ok(()) => Ok(()),
            Err(WaitError::Failed(e)) => Err(e),
            Err(WaitError::TimedOut { waited, last }) => Err(OpError::Failed(format!(
                "forceDestroy: '{id}' still cannot be deleted after {:.0}s: {last}",
                waited.as_secs_f64()
            ))),
            Err(WaitError::Cancelled) => Err(OpError::Failed("the operation was cancelled".into())),
        }
    }
}

/// Deletes every recovery point listed in the vault, naming the ones that could not be deleted.
async fn delete_recovery_points(api: &dyn BackupApi, vault: &str) -> Result<(), OpError> {
    // A vault gone meanwhile holds nothing to delete; its delete then finds it gone.
    let points = api
        .list_recovery_points(vault, &RecoveryPointFilter::default())
        .await?
        .unwrap_or_default();
    let mut errors = Vec::new();
    for point in &points {
        if let Err(e) = api.delete_recovery_point(vault, &point.arn).await {
            errors.push(format!("{}: {}", point.arn, e.message));
        }
    }
    if !errors.is_empty() {
        return Err(OpError::Failed(format!(
            "forceDestroy could not delete {} of {} recovery points in '{vault}': {}",
            errors.len(),
            points.len(),
            errors.join("; ")
        )));
    }
    tracing::info!(vault = %vault, deleted = points.len(), "deleted recovery points");
    Ok(())
}
