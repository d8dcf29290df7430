//! Shared pieces of the provider's gRPC tests: an in-process fake of the AWS trait and a
//! provider served on a local port.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_backup::types::{BackupPlan, BackupPlanInput, BackupRule, BackupSelection};
use awsbackup::aws::{
    AwsError, BackupApi, CreateVault, Plan, PlanVersion, Selection, Tags, Vault, VaultCreated,
    VaultLockConfig,
};
use awsbackup::proto::pulumirpc::resource_provider_client::ResourceProviderClient;
use awsbackup::provider::Provider;
use awsbackup::value;
use prost_types::Struct;
use serde_json::Value;
use tonic::transport::Channel;

/// An in-memory AWS Backup with scripted failures and call counting.
#[derive(Default)]
pub struct FakeBackup {
    state: Mutex<FakeState>,
}

#[derive(Default)]
struct FakeState {
    vaults: BTreeMap<String, Vault>,
    tags: BTreeMap<String, Tags>,
    points: BTreeMap<String, Vec<String>>,
    calls: Vec<String>,
    failures: HashMap<String, VecDeque<AwsError>>,
    latency: HashMap<String, Duration>,
    plans: BTreeMap<String, Plan>,
    selections: BTreeMap<(String, String), Selection>,
    next_id: u64,
    /// How many more times DeleteBackupVault refuses after the vault is empty (AWS lags).
    stale_refusals: u32,
    /// CreatorRequestId → the plan or selection id it created.
    tokens: BTreeMap<String, String>,
    /// (after, operation, code): see `fail_next_after`.
    triggers: Vec<(String, String, String)>,
}

impl FakeBackup {
    pub fn new() -> Arc<Self> {
        Arc::new(FakeBackup::default())
    }

    /// The next call of `operation` fails with `code`.
    pub fn fail_next(&self, operation: &str, code: &str) {
        let op: &'static str = Box::leak(operation.to_string().into_boxed_str());
        self.state
            .lock()
            .unwrap()
            .failures
            .entry(operation.into())
            .or_default()
            .push_back(AwsError::new(op, code, "injected by the test"));
    }

    /// Once `after` is called, the next call of `operation` fails with `code`.
    pub fn fail_next_after(&self, after: &str, operation: &str, code: &str) {
        self.state.lock().unwrap().triggers.push((
            after.to_string(),
            operation.to_string(),
            code.to_string(),
        ));
    }

    pub fn delay(&self, operation: &str, by: Duration) {
        self.state
            .lock()
            .unwrap()
            .latency
            .insert(operation.into(), by);
    }

    pub fn stale_refusals(&self, times: u32) {
        self.state.lock().unwrap().stale_refusals = times;
    }

    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn vault(&self, name: &str) -> Option<Vault> {
        self.state.lock().unwrap().vaults.get(name).cloned()
    }

    pub fn tags_of(&self, name: &str) -> Tags {
        let s = self.state.lock().unwrap();
        s.vaults
            .get(name)
            .and_then(|v| s.tags.get(&v.arn).cloned())
            .unwrap_or_default()
    }

    pub fn set_tags(&self, name: &str, tags: Tags) {
        let mut s = self.state.lock().unwrap();
        let arn = s.vaults[name].arn.clone();
        s.tags.insert(arn, tags);
    }

    /// Moves a compliance lock's lock date into the past.
    pub fn expire_lock(&self, name: &str) {
        let mut s = self.state.lock().unwrap();
        let v = s.vaults.get_mut(name).unwrap();
        v.lock_date = Some("2026-01-01T00:00:00Z".into());
    }

    pub fn plan(&self, id: &str) -> Option<Plan> {
        self.state.lock().unwrap().plans.get(id).cloned()
    }

    pub fn edit_plan(&self, id: &str, edit: impl FnOnce(&mut Plan)) {
        edit(self.state.lock().unwrap().plans.get_mut(id).unwrap());
    }

    pub fn selection(&self, plan_id: &str, selection_id: &str) -> Option<Selection> {
        let s = self.state.lock().unwrap();
        s.selections
            .get(&(plan_id.to_string(), selection_id.to_string()))
            .cloned()
    }

    pub fn remove_vault(&self, name: &str) {
        self.state.lock().unwrap().vaults.remove(name);
    }

    pub fn add_vault(&self, name: &str, key: Option<&str>) {
        let mut s = self.state.lock().unwrap();
        s.vaults
            .insert(name.into(), vault(name, key.map(String::from)));
    }

    pub fn add_recovery_points(&self, vault: &str, n: usize) {
        let mut s = self.state.lock().unwrap();
        let points = s.points.entry(vault.into()).or_default();
        for i in 0..n {
            points.push(format!(
                "arn:aws:backup:us-east-1:123456789012:recovery-point:{vault}-{i}"
            ));
        }
        let count = points.len() as i64;
        s.vaults.get_mut(vault).unwrap().recovery_points = count;
    }

    async fn enter(&self, operation: &str) -> Result<(), AwsError> {
        let (failure, latency) = {
            let mut s = self.state.lock().unwrap();
            s.calls.push(operation.into());
            let failure = s.failures.get_mut(operation).and_then(VecDeque::pop_front);
            let fired: Vec<(String, String, String)> = s
                .triggers
                .iter()
                .filter(|(after, _, _)| after == operation)
                .cloned()
                .collect();
            s.triggers.retain(|(after, _, _)| after != operation);
            for (_, op, code) in fired {
                let op_name: &'static str = Box::leak(op.clone().into_boxed_str());
                s.failures.entry(op).or_default().push_back(AwsError::new(
                    op_name,
                    &code,
                    "injected by the test",
                ));
            }
            (failure, s.latency.get(operation).copied())
        };
        if let Some(d) = latency {
            tokio::time::sleep(d).await;
        }
        failure.map_or(Ok(()), Err)
    }
}

/// The plan as AWS stores it: rule ids and the defaults AWS fills in.
fn stored_plan(version: &PlanVersion, input: BackupPlanInput, next_id: &mut u64) -> Plan {
    let rules = input
        .rules
        .into_iter()
        .map(|r| {
            *next_id += 1;
            BackupRule::builder()
                .rule_name(r.rule_name)
                .target_backup_vault_name(r.target_backup_vault_name)
                .schedule_expression(
                    r.schedule_expression
                        .unwrap_or_else(|| "cron(0 5 ? * * *)".into()),
                )
                .schedule_expression_timezone(
                    r.schedule_expression_timezone
                        .unwrap_or_else(|| "Etc/UTC".into()),
                )
                .start_window_minutes(r.start_window_minutes.unwrap_or(480))
                .completion_window_minutes(r.completion_window_minutes.unwrap_or(10080))
                .set_lifecycle(r.lifecycle)
                .set_recovery_point_tags(r.recovery_point_tags)
                .set_copy_actions(r.copy_actions)
                .set_enable_continuous_backup(r.enable_continuous_backup)
                .set_index_actions(r.index_actions)
                .rule_id(format!("rule-{next_id}"))
                .build()
                .unwrap()
        })
        .collect();
    Plan {
        id: version.id.clone(),
        arn: version.arn.clone(),
        version_id: version.version_id.clone(),
        document: BackupPlan::builder()
            .backup_plan_name(input.backup_plan_name)
            .set_rules(Some(rules))
            .build()
            .unwrap(),
        advanced_backup_settings: input.advanced_backup_settings.unwrap_or_default(),
        creation_date: Some("2026-11-26T10:00:00Z".into()),
    }
}

fn immutable(v: &Vault) -> bool {
    v.lock_date
        .as_deref()
        .and_then(awsbackup::time::parse)
        .is_some_and(|d| d <= awsbackup::time::now())
}

fn vault(name: &str, key: Option<String>) -> Vault {
    Vault {
        name: name.into(),
        arn: format!("arn:aws:backup:us-east-1:123456789012:backup-vault:{name}"),
        encryption_key_arn: Some(key.unwrap_or_else(|| {
            "arn:aws:kms:us-east-1:123456789012:key/00000000-aws-backup-default".into()
        })),
        creation_date: Some("2026-11-26T10:00:00Z".into()),
        ..Default::default()
    }
}

#[async_trait]
impl BackupApi for FakeBackup {
    async fn create_vault(&self, input: CreateVault) -> Result<VaultCreated, AwsError> {
        self.enter("CreateBackupVault").await?;
        let mut s = self.state.lock().unwrap();
        if s.vaults.contains_key(&input.name) {
            return Err(AwsError::new(
                "CreateBackupVault",
                "AlreadyExistsException",
                "exists",
            ));
        }
        let mut v = vault(&input.name, input.encryption_key_arn);
        v.creator_request_id = input.creator_request_id;
        s.tags.insert(v.arn.clone(), input.tags);
        let out = VaultCreated {
            arn: v.arn.clone(),
            creation_date: v.creation_date.clone(),
        };
        s.vaults.insert(input.name, v);
        Ok(out)
    }

    async fn describe_vault(&self, name: &str) -> Result<Option<Vault>, AwsError> {
        self.enter("DescribeBackupVault").await?;
        Ok(self.state.lock().unwrap().vaults.get(name).cloned())
    }

    async fn delete_vault(&self, name: &str) -> Result<(), AwsError> {
        self.enter("DeleteBackupVault").await?;
        let mut s = self.state.lock().unwrap();
        let lagging = s.stale_refusals > 0 && s.vaults.contains_key(name);
        if lagging {
            s.stale_refusals -= 1;
        }
        if lagging || s.points.get(name).is_some_and(|p| !p.is_empty()) {
            return Err(AwsError::new(
                "DeleteBackupVault",
                "InvalidRequestException",
                "Backup vault cannot be deleted because it contains recovery points.",
            ));
        }
        match s.vaults.remove(name) {
            Some(_) => Ok(()),
            None => Err(AwsError::new(
                "DeleteBackupVault",
                "ResourceNotFoundException",
                name,
            )),
        }
    }

    async fn put_vault_lock(&self, name: &str, lock: &VaultLockConfig) -> Result<(), AwsError> {
        self.enter("PutBackupVaultLockConfiguration").await?;
        let mut s = self.state.lock().unwrap();
        let v = s.vaults.get_mut(name).ok_or_else(|| {
            AwsError::new(
                "PutBackupVaultLockConfiguration",
                "ResourceNotFoundException",
                name,
            )
        })?;
        if immutable(v) {
            return Err(AwsError::new(
                "PutBackupVaultLockConfiguration",
                "InvalidRequestException",
                "Vault Lock configuration is immutable and cannot be modified",
            ));
        }
        v.locked = true;
        v.min_retention_days = lock.min_retention_days;
        v.max_retention_days = lock.max_retention_days;
        v.lock_date = lock
            .changeable_for_days
            .map(|d| awsbackup::time::rfc3339(awsbackup::time::now() + awsbackup::time::days(d)));
        Ok(())
    }

    async fn delete_vault_lock(&self, name: &str) -> Result<(), AwsError> {
        self.enter("DeleteBackupVaultLockConfiguration").await?;
        let mut s = self.state.lock().unwrap();
        let v = s.vaults.get_mut(name).ok_or_else(|| {
            AwsError::new(
                "DeleteBackupVaultLockConfiguration",
                "ResourceNotFoundException",
                name,
            )
        })?;
        if immutable(v) {
            return Err(AwsError::new(
                "DeleteBackupVaultLockConfiguration",
                "InvalidRequestException",
                "Vault Lock configuration is immutable and cannot be deleted",
            ));
        }
        v.locked = false;
        v.min_retention_days = None;
        v.max_retention_days = None;
        v.lock_date = None;
        Ok(())
    }

    async fn create_plan(
        &self,
        plan: BackupPlanInput,
        tags: &Tags,
        creator_request_id: Option<&str>,
    ) -> Result<PlanVersion, AwsError> {
        self.enter("CreateBackupPlan").await?;
        let mut s = self.state.lock().unwrap();
        if let Some(token) = creator_request_id {
            if let Some(id) = s.tokens.get(token).cloned() {
                if let Some(p) = s.plans.get(&id) {
                    return Ok(PlanVersion {
                        id,
                        arn: p.arn.clone(),
                        version_id: p.version_id.clone(),
                    });
                }
            }
        }
        s.next_id += 1;
        let id = format!("plan-{}", s.next_id);
        let version = PlanVersion {
            id: id.clone(),
            arn: format!("arn:aws:backup:us-east-1:123456789012:backup-plan:{id}"),
            version_id: format!("v{}", s.next_id),
        };
        let stored = stored_plan(&version, plan, &mut s.next_id);
        s.tags.insert(version.arn.clone(), tags.clone());
        if let Some(token) = creator_request_id {
            s.tokens.insert(token.to_string(), id.clone());
        }
        s.plans.insert(id, stored);
        Ok(version)
    }

    async fn get_plan(&self, id: &str) -> Result<Option<Plan>, AwsError> {
        self.enter("GetBackupPlan").await?;
        Ok(self.state.lock().unwrap().plans.get(id).cloned())
    }

    async fn update_plan(&self, id: &str, plan: BackupPlanInput) -> Result<PlanVersion, AwsError> {
        self.enter("UpdateBackupPlan").await?;
        let mut s = self.state.lock().unwrap();
        let Some(old) = s.plans.get(id).cloned() else {
            return Err(AwsError::new(
                "UpdateBackupPlan",
                "ResourceNotFoundException",
                id,
            ));
        };
        s.next_id += 1;
        let version = PlanVersion {
            id: id.into(),
            arn: old.arn.clone(),
            version_id: format!("v{}", s.next_id),
        };
        let stored = stored_plan(&version, plan, &mut s.next_id);
        s.plans.insert(id.into(), stored);
        Ok(version)
    }

    async fn delete_plan(&self, id: &str) -> Result<(), AwsError> {
        self.enter("DeletePlan").await?;
        let mut s = self.state.lock().unwrap();
        if s.selections.keys().any(|(p, _)| p == id) {
            return Err(AwsError::new(
                "DeleteBackupPlan",
                "InvalidRequestException",
                "Related backup plan selections must be deleted prior to backup plan deletion",
            ));
        }
        s.plans
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| AwsError::new("DeleteBackupPlan", "ResourceNotFoundException", id))
    }

    async fn create_selection(
        &self,
        plan_id: &str,
        selection: BackupSelection,
        creator_request_id: Option<&str>,
    ) -> Result<(String, Option<String>), AwsError> {
        self.enter("CreateBackupSelection").await?;
        let mut s = self.state.lock().unwrap();
        if let Some(id) = creator_request_id.and_then(|t| s.tokens.get(t)).cloned() {
            if let Some(sel) = s.selections.get(&(plan_id.to_string(), id.clone())) {
                return Ok((id, sel.creation_date.clone()));
            }
        }
        if !s.plans.contains_key(plan_id) {
            return Err(AwsError::new(
                "CreateBackupSelection",
                "ResourceNotFoundException",
                plan_id,
            ));
        }
        s.next_id += 1;
        let id = format!("sel-{}", s.next_id);
        if let Some(token) = creator_request_id {
            s.tokens.insert(token.to_string(), id.clone());
        }
        let created = Some("2026-11-26T10:00:00Z".to_string());
        s.selections.insert(
            (plan_id.into(), id.clone()),
            Selection {
                plan_id: plan_id.into(),
                selection_id: id.clone(),
                selection,
                creation_date: created.clone(),
            },
        );
        Ok((id, created))
    }

    async fn get_selection(
        &self,
        plan_id: &str,
        selection_id: &str,
    ) -> Result<Option<Selection>, AwsError> {
        self.enter("GetBackupSelection").await?;
        let s = self.state.lock().unwrap();
        Ok(s.selections
            .get(&(plan_id.to_string(), selection_id.to_string()))
            .cloned())
    }

    async fn delete_selection(&self, plan_id: &str, selection_id: &str) -> Result<(), AwsError> {
        self.enter("DeleteBackupSelection").await?;
        let mut s = self.state.lock().unwrap();
        s.selections
            .remove(&(plan_id.to_string(), selection_id.to_string()))
            .map(|_| ())
            .ok_or_else(|| {
                AwsError::new(
                    "DeleteBackupSelection",
                    "ResourceNotFoundException",
                    selection_id,
                )
            })
    }

    async fn list_selections(&self, plan_id: &str) -> Result<Vec<(String, String)>, AwsError> {
        self.enter("ListBackupSelections").await?;
        let s = self.state.lock().unwrap();
        Ok(s.selections
            .values()
            .filter(|sel| sel.plan_id == plan_id)
            .map(|sel| {
                (
                    sel.selection_id.clone(),
                    sel.selection.selection_name.clone(),
                )
            })
            .collect())
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        self.enter("ListTags").await?;
        Ok(self
            .state
            .lock()
            .unwrap()
            .tags
            .get(arn)
            .cloned()
            .unwrap_or_default())
    }

    async fn tag_resource(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        self.enter("TagResource").await?;
        let mut s = self.state.lock().unwrap();
        s.tags.entry(arn.into()).or_default().extend(tags.clone());
        Ok(())
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        self.enter("UntagResource").await?;
        let mut s = self.state.lock().unwrap();
        if let Some(t) = s.tags.get_mut(arn) {
            for k in keys {
                t.remove(k);
            }
        }
        Ok(())
    }

    async fn list_recovery_points(&self, vault: &str) -> Result<Vec<String>, AwsError> {
        self.enter("ListRecoveryPointsByBackupVault").await?;
        Ok(self
            .state
            .lock()
            .unwrap()
            .points
            .get(vault)
            .cloned()
            .unwrap_or_default())
    }

    async fn delete_recovery_point(&self, vault: &str, arn: &str) -> Result<(), AwsError> {
        self.enter("DeleteRecoveryPoint").await?;
        let mut s = self.state.lock().unwrap();
        if let Some(points) = s.points.get_mut(vault) {
            points.retain(|p| p != arn);
            let n = points.len() as i64;
            if let Some(v) = s.vaults.get_mut(vault) {
                v.recovery_points = n;
            }
        }
        Ok(())
    }
}

/// Serves a provider backed by `api` on a local port and returns a client for it.
pub async fn serve(api: Arc<dyn BackupApi>) -> ResourceProviderClient<Channel> {
    let listener = awsbackup::server::bind().await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(awsbackup::server::serve(
        listener,
        Provider::with_api(api),
        std::future::pending(),
    ));
    ResourceProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
}

pub fn to_struct(v: Value) -> Option<Struct> {
    Some(value::to_struct(&v))
}

pub fn from_struct(s: &Option<Struct>) -> Value {
    s.as_ref().map(value::from_struct).unwrap_or(Value::Null)
}

pub const VAULT: &str = "awsbackup:index:Vault";

pub fn urn(name: &str) -> String {
    format!("urn:pulumi:test::proj::{VAULT}::{name}")
}

/// The full path a Check failure names. The engine looks failures up by top-level property, so a
/// nested path is reported on its top-level property and leads the reason (`rules[1].x: ...`);
/// this checks that shape and returns the nested path, or the property itself.
pub fn failure_path(f: &awsbackup::proto::pulumirpc::CheckFailure) -> String {
    assert!(
        !f.property.contains(['.', '[']),
        "the engine cannot resolve the nested property {:?}",
        f.property
    );
    match f.reason.split_once(": ") {
        Some((path, _))
            if path.len() > f.property.len()
                && path.starts_with(&f.property)
                && path[f.property.len()..].starts_with(['.', '[']) =>
        {
            path.to_string()
        }
        _ => f.property.clone(),
    }
}
