//! `awsbackup:index:VaultLock`: the lock of a backup vault, in governance or compliance mode.

use std::time::SystemTime;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::{Vault as AwsVault, VaultLockConfig};
use crate::resource::{CheckContext, Context, OpError, ReadResult, Resource};
use crate::resources::vault::VAULT_NAME;
use crate::time;

/// AWS Backup Vault Lock on an existing vault. Without `changeableForDays` the lock is in
/// governance mode (principals with the IAM permission can change or remove it at any time). With
/// it the lock is in compliance mode: it can be changed or removed only until its lock date, after
/// which nobody can change or remove it, and the vault cannot be deleted while it holds recovery
/// points. The id is the vault name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultLockArgs {
    /// The name of the vault to lock. Changing it replaces the lock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_vault_name: Option<String>,
    /// The shortest retention, in days (1 to 36500), that backup and copy jobs into the vault
    /// must have; jobs with a shorter one fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_retention_days: Option<i64>,
    /// The longest retention, in days (1 to 36500, at least `minRetentionDays`), that jobs into
    /// the vault may have; jobs with a longer one (or none) fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retention_days: Option<i64>,
    /// Set for compliance mode: the days (3 to 36500) during which the lock can still be changed
    /// or removed. AWS never returns it; the provider keeps the value given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changeable_for_days: Option<i64>,
}

/// The state of a vault lock.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultLockState {
    #[serde(flatten)]
    pub args: VaultLockArgs,
    /// `governance` or `compliance`.
    pub mode: String,
    /// Whether AWS reports the vault as locked.
    pub locked: bool,
    /// For a compliance-mode lock, when it becomes (or became) immutable (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_date: Option<String>,
}

const MAX_DAYS: i64 = 36_500;
const MIN_CHANGEABLE_DAYS: i64 = 3;

pub struct VaultLock;

fn mode(changeable_for_days: Option<i64>, lock_date: Option<&String>) -> &'static str {
    if changeable_for_days.is_some() || lock_date.is_some() {
        "compliance"
    } else {
        "governance"
    }
}

fn state_from(vault: &AwsVault, args: VaultLockArgs) -> VaultLockState {
    VaultLockState {
        mode: mode(args.changeable_for_days, vault.lock_date.as_ref()).into(),
        locked: vault.locked,
        lock_date: vault.lock_date.clone(),
        args,
    }
}

/// The state of a governance lock AWS accepted: locked, without a lock date.
fn governance_state(args: VaultLockArgs) -> VaultLockState {
    VaultLockState {
        mode: mode(None, None).into(),
        locked: true,
        lock_date: None,
        args,
    }
}

/// Whether a compliance lock with this lock date is immutable at `now` (AWS's time).
fn lock_date_passed(lock_date: &str, now: SystemTime) -> bool {
    time::parse(lock_date).is_some_and(|since| since <= now)
}

/// The refusal for a compliance lock past its lock date at `now` (AWS's time), if `state` is
/// one.
fn immutable_since(state: &Value, now: SystemTime) -> Option<String> {
    if state.get("mode").and_then(Value::as_str) != Some("compliance") {
        return None;
    }
    let lock_date = state.get("lockDate")?.as_str()?;
    lock_date_passed(lock_date, now)
        .then(|| immutable_message(state["backupVaultName"].as_str().unwrap_or("?"), lock_date))
}

fn immutable_message(vault: &str, lock_date: &str) -> String {
    format!(
        "the compliance-mode vault lock on '{vault}' has been immutable since {lock_date}: \
         AWS refuses every change to it and its removal"
    )
}

fn config(args: &VaultLockArgs) -> VaultLockConfig {
    VaultLockConfig {
        min_retention_days: args.min_retention_days,
        max_retention_days: args.max_retention_days,
        changeable_for_days: args.changeable_for_days,
    }
}

/// Whether the vault's lock is the one `args` describe: same bounds, same mode (AWS reports no
/// `changeableForDays`, only the lock date a compliance lock has).
fn same_lock(vault: &AwsVault, args: &VaultLockArgs) -> bool {
    vault.min_retention_days == args.min_retention_days
        && vault.max_retention_days == args.max_retention_days
        && vault.lock_date.is_some() == args.changeable_for_days.is_some()
}

#[async_trait]
impl Resource for VaultLock {
    type Args = VaultLockArgs;
    type State = VaultLockState;

    const TOKEN: &'static str = "awsbackup:index:VaultLock";
    const REQUIRED_INPUTS: &'static [&'static str] = &["backupVaultName"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["backupVaultName"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const OUTPUTS_CHANGED_BY_UPDATE: &'static [&'static str] = &["lockDate", "mode"];
    const PREFLIGHT: bool = true;

    fn check(&self, ctx: &mut CheckContext, args: &mut VaultLockArgs) {
        if let Some(name) = &args.backup_vault_name {
            if let Err(reason) = VAULT_NAME.check(name) {
                ctx.fail("backupVaultName", reason);
            }
        }
        for (field, value) in [
            ("minRetentionDays", args.min_retention_days),
            ("maxRetentionDays", args.max_retention_days),
        ] {
            if let Some(days) = value.filter(|d| !(1..=MAX_DAYS).contains(d)) {
                ctx.fail(
                    field,
                    format!("must be between 1 and {MAX_DAYS} days, got {days}"),
                );
            }
        }
        if let (Some(min), Some(max)) = (args.min_retention_days, args.max_retention_days) {
            if min > max {
                ctx.fail(
                    "maxRetentionDays",
                    format!("must be at least minRetentionDays ({min}), got {max}"),
                );
            }
        }
        if let Some(days) = args.changeable_for_days {
            if !(MIN_CHANGEABLE_DAYS..=MAX_DAYS).contains(&days) {
                ctx.fail(
                    "changeableForDays",
                    format!(
                        "must be between {MIN_CHANGEABLE_DAYS} and {MAX_DAYS} days (AWS enforces a 72-hour \
                         cooling-off period), got {days}"
                    ),
                );
            } else if ctx.olds.get("changeableForDays").and_then(Value::as_i64) != Some(days) {
                let date = time::rfc3339(ctx.now + time::days(days));
                ctx.warn(format!(
                    "compliance mode: the lock on '{}' becomes irreversible on {date} (in {days} days); \
                     after that nobody can change or remove it, and the vault cannot be deleted while it \
                     holds recovery points",
                    args.backup_vault_name.as_deref().unwrap_or("the vault")
                ));
            }
        }
    }

    fn normalize_for_diff(&self, old_state: &Value, old: &mut Value, new: &mut Value) {
        // AWS never returns changeableForDays: an imported compliance lock has none in its inputs.
        if old_state.get("mode").and_then(Value::as_str) == Some("compliance")
            && old.get("changeableForDays").is_none()
        {
            if let (Some(o), Some(v)) = (old.as_object_mut(), new.get("changeableForDays")) {
                o.insert("changeableForDays".into(), v.clone());
            }
        }
    }

    fn refuse_change(
        &self,
        old_state: &Value,
        _changed: &[String],
        now: SystemTime,
    ) -> Option<String> {
        immutable_since(old_state, now)
    }

    /// A change to a lock that AWS already holds immutable (by AWS's clock) fails at preview.
    async fn preflight(&self, ctx: &Context, args: &VaultLockArgs) -> Result<(), OpError> {
        let Some(name) = args.backup_vault_name.as_deref() else {
            return Ok(());
        };
        // A fresh look: the answer also tells AWS's clock, which decides immutability.
        let Ok(Some(vault)) = ctx.api.visible_vault(name).await else {
            return Ok(());
        };
        let Some(lock_date) = vault.lock_date.as_deref().filter(|_| vault.locked) else {
            return Ok(());
        };
        let immutable = lock_date_passed(lock_date, ctx.api.server_now());
        let changed = (vault.min_retention_days, vault.max_retention_days)
            != (args.min_retention_days, args.max_retention_days);
        if immutable && changed {
            return Err(OpError::Failed(immutable_message(name, lock_date)));
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &Context,
        args: VaultLockArgs,
    ) -> Result<(String, VaultLockState), OpError> {
        let vault = args.backup_vault_name.clone().unwrap_or_default();
        // A vault this process just created or locked needs no second look.
        let live = match ctx.vaults.written(&vault) {
            Some(v) => Some(v),
            None => ctx.api.describe_vault(&vault).await?,
        };
        let before = match live {
            None => {
                return Err(OpError::Failed(format!(
                    "backup vault '{vault}' does not exist; create it first (an awsbackup:index:Vault) and lock it by name"
                )))
            }
            // The lock this create would put is already there (an interrupted update put it and
            // never heard back): adopt it.
            Some(v) if v.locked && same_lock(&v, &args) => {
                tracing::info!(vault = %vault, "adopting the identical lock already on the vault");
                return Ok((vault, state_from(&v, args)));
            }
            Some(v) if v.locked => {
                return Err(OpError::Failed(format!(
                    "backup vault '{vault}' already has a lock; adopt it with `pulumi import {} <resource name> {vault}`",
                    Self::TOKEN
                )))
            }
            Some(v) => v,
        };
        // Checks that look the vault up meanwhile (a plan's lock range) see it as it was: the
        // put is not done until AWS answers.
        if let Err(e) = ctx.api.put_vault_lock(&vault, &config(&args)).await {
            // Whether AWS applied it is not known.
            ctx.vaults.forget(&vault);
            return Err(e.into());
        }
        tracing::debug!(vault = %vault, mode = mode(args.changeable_for_days, None), "locked backup vault");
        ctx.vaults.record(AwsVault {
            locked: true,
            min_retention_days: args.min_retention_days,
            max_retention_days: args.max_retention_days,
            lock_date: None,
            ..before
        });
        if args.changeable_for_days.is_none() {
            // A governance lock has no lock date: the put says all there is to know.
            return Ok((vault, governance_state(args)));
        }
        match ctx.api.describe_vault(&vault).await {
            Ok(Some(v)) => {
                ctx.vaults.record(v.clone());
                Ok((vault, state_from(&v, args)))
            }
            other => {
                ctx.vaults.forget(&vault);
                let fallback = VaultLockState {
                    mode: mode(args.changeable_for_days, None).into(),
                    locked: true,
                    lock_date: None,
                    args,
                };
                let reason = match other {
                    Err(e) => format!("reading the lock back failed: {e}"),
                    _ => "the vault disappeared after it was locked".into(),
                };
                Err(OpError::partial(&vault, &fallback, reason))
            }
        }
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<VaultLockArgs>,
    ) -> Result<Option<ReadResult<VaultLockArgs, VaultLockState>>, OpError> {
        let Some(vault) = ctx.api.describe_vault(id).await? else {
            return Ok(None);
        };
        if !vault.locked {
            return Ok(None);
        }
        let inputs = VaultLockArgs {
            backup_vault_name: Some(vault.name.clone()),
            min_retention_days: vault.min_retention_days,
            max_retention_days: vault.max_retention_days,
            changeable_for_days: old.and_then(|o| o.changeable_for_days),
        };
        let state = state_from(&vault, inputs.clone());
        Ok(Some(ReadResult { inputs, state }))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: VaultLockState,
        news: VaultLockArgs,
    ) -> Result<VaultLockState, OpError> {
        let old_state = serde_json::to_value(&old).unwrap_or_default();
        if let Some(reason) = immutable_since(&old_state, ctx.api.server_now()) {
            return Err(OpError::Failed(reason));
        }
        ctx.vaults.forget(id);
        ctx.api
            .put_vault_lock(id, &config(&news))
            .await
            .map_err(|e| {
                if e.is_lock_immutable() {
                    OpError::Failed(
                        immutable_message(id, old.lock_date.as_deref().unwrap_or("its lock date"))
                            + &format!(" ({})", e.message),
                    )
                } else {
                    e.into()
                }
            })?;
        if news.changeable_for_days.is_none() {
            return Ok(governance_state(news));
        }
        let vault = ctx.api.describe_vault(id).await?.ok_or_else(|| {
            OpError::Failed(format!(
                "backup vault '{id}' no longer exists; run `pulumi refresh`"
            ))
        })?;
        Ok(state_from(&vault, news))
    }

    async fn delete(&self, ctx: &Context, id: &str, state: VaultLockState) -> Result<(), OpError> {
        ctx.vaults.forget(id);
        match ctx.api.delete_vault_lock(id).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_lock_immutable() => Err(OpError::Failed(format!(
                "{} ({}). Remove the resource from the stack with `pulumi state delete` to stop managing it",
                immutable_message(id, state.lock_date.as_deref().unwrap_or("its lock date")),
                e.message
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderConfig;
    use crate::value::Marks;
    use serde_json::json;

    /// AWS's time in these tests.
    fn aws_now() -> SystemTime {
        time::parse("2030-01-10T00:00:00Z").unwrap()
    }

    /// An RFC 3339 date `offset` days from [`aws_now`] (before it when negative).
    fn days_from_now(offset: i64) -> String {
        let now = aws_now();
        time::rfc3339(if offset >= 0 {
            now + time::days(offset)
        } else {
            now - time::days(-offset)
        })
    }

    fn locked_state(mode: &str, lock_date: String) -> Value {
        json!({"backupVaultName": "v", "mode": mode, "lockDate": lock_date})
    }

    #[test]
    fn only_a_compliance_lock_past_its_lock_date_refuses_changes() {
        let now = aws_now();
        let refusal = immutable_since(&locked_state("compliance", days_from_now(-1)), now).unwrap();
        assert!(
            refusal.starts_with("the compliance-mode vault lock on 'v' has been immutable since"),
            "{refusal}"
        );
        assert_eq!(
            immutable_since(&locked_state("compliance", days_from_now(3)), now),
            None
        );
        assert_eq!(
            immutable_since(&locked_state("governance", days_from_now(-1)), now),
            None
        );
    }

    #[test]
    fn the_lock_date_is_judged_by_the_clock_given() {
        let state = locked_state("compliance", days_from_now(0));
        let second = std::time::Duration::from_secs(1);
        assert_eq!(immutable_since(&state, aws_now() - second), None);
        assert!(immutable_since(&state, aws_now()).is_some());
    }

    #[test]
    fn the_compliance_warning_dates_the_lock_by_the_clock_given() {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new("urn", &config, &olds, &marks, aws_now());
        let mut args = VaultLockArgs {
            backup_vault_name: Some("vault".into()),
            changeable_for_days: Some(3),
            ..VaultLockArgs::default()
        };
        VaultLock.check(&mut ctx, &mut args);
        let (failures, warnings) = ctx.into_parts();
        assert!(failures.is_empty(), "{failures:?}");
        assert!(
            warnings[0].contains(&format!("becomes irreversible on {}", days_from_now(3))),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_lock_is_the_same_when_bounds_and_mode_match() {
        let args = VaultLockArgs {
            backup_vault_name: Some("v".into()),
            min_retention_days: Some(7),
            max_retention_days: Some(30),
            changeable_for_days: Some(3),
        };
        let vault = AwsVault {
            locked: true,
            min_retention_days: Some(7),
            max_retention_days: Some(30),
            lock_date: Some(days_from_now(3)),
            ..AwsVault::default()
        };
        assert!(same_lock(&vault, &args));
        // AWS reports no changeableForDays: a lock date is what tells compliance mode.
        let governance = AwsVault {
            lock_date: None,
            ..vault.clone()
        };
        assert!(!same_lock(&governance, &args));
        let other_bounds = AwsVault {
            max_retention_days: Some(31),
            ..vault
        };
        assert!(!same_lock(&other_bounds, &args));
        assert_eq!(mode(None, None), "governance");
        assert_eq!(mode(Some(3), None), "compliance");
    }
}
