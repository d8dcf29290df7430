//! In-memory data model. State is kept per (account, region); everything an
//! operation needs is reachable from [`RegionState`].
//!
//! State that several kinds of resource read (vaults with their recovery points, plans with
//! their selections) is a named field of [`RegionState`] and its types are here. State that
//! one kind keeps for itself is a private type in that kind's ops file, stored in
//! [`RegionState::ext`] by its type: adding a kind adds nothing here. State that is not per
//! region (an account's global settings, the organization the accounts belong to) goes in the
//! store-wide [`Extensions`] every region reaches with [`RegionState::global`]. `POST
//! /_local/reset` drops the whole [`Store`], extensions included.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::clock::{Timestamp, DAY};
use crate::validate::LifecycleDays;

pub type Tags = BTreeMap<String, String>;

/// All AWS Backup state, keyed by (account id, region).
#[derive(Debug, Default)]
pub struct Store {
    regions: HashMap<(String, String), RegionState>,
    /// State that spans regions and accounts; every [`RegionState`] holds a handle on it.
    global: Global,
}

/// The store-wide extensions. Only ever locked while the endpoint's own lock is held, so the
/// mutex is never contended; it is there because every region shares it.
pub type Global = Arc<Mutex<Extensions>>;

impl Store {
    pub fn region(&mut self, account: &str, region: &str) -> &mut RegionState {
        let global = &self.global;
        self.regions
            .entry((account.to_string(), region.to_string()))
            .or_insert_with(|| RegionState::new(account, region, global.clone()))
    }

    /// The store-wide value of type `T` (see [`RegionState::global`]), for the `/_local/` controls.
    pub fn global<T: Default + Send + 'static, R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(lock(&self.global).get())
    }
}

fn lock(global: &Global) -> std::sync::MutexGuard<'_, Extensions> {
    global.lock().unwrap_or_else(|p| p.into_inner())
}

/// The organization the endpoint's accounts belong to (`POST /_local/organization`); an account
/// that is neither its management account nor a member is outside any organization.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Organization {
    pub management_account: String,
    pub member_accounts: Vec<String>,
}

/// How an account stands towards the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Management,
    Member,
    Outside,
}

impl Organization {
    /// Parses the body of `POST /_local/organization`:
    /// `{"managementAccount": "…", "memberAccounts": ["…"]}`, account ids of 12 digits.
    pub fn from_json(body: &Value) -> Result<Organization, String> {
        let account = |v: &Value, what: &str| -> Result<String, String> {
            match v.as_str() {
                Some(a) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => {
                    Ok(a.to_string())
                }
                _ => Err(format!(
                    "{what} must be an account id of 12 digits, got {v}"
                )),
            }
        };
        let management_account = account(&body["managementAccount"], "managementAccount")?;
        let member_accounts = match &body["memberAccounts"] {
            Value::Null => Vec::new(),
            Value::Array(items) => items
                .iter()
                .map(|a| account(a, "each of memberAccounts"))
                .collect::<Result<_, _>>()?,
            other => return Err(format!("memberAccounts must be a list, got {other}")),
        };
        if member_accounts.contains(&management_account) {
            return Err("the management account is not also a member account".into());
        }
        Ok(Organization {
            management_account,
            member_accounts,
        })
    }

    pub fn membership(org: Option<&Organization>, account: &str) -> Membership {
        match org {
            Some(o) if o.management_account == account => Membership::Management,
            Some(o) if o.member_accounts.iter().any(|a| a == account) => Membership::Member,
            _ => Membership::Outside,
        }
    }
}

#[derive(Debug)]
pub struct RegionState {
    pub account: String,
    pub region: String,
    pub vaults: Vec<Vault>,
    pub plans: Vec<Plan>,
    /// ARN of this region's AWS-managed `aws/backup` KMS key (default vault key).
    pub default_key_arn: String,
    /// Each kind's own state, by its type (see [`RegionState::ext`]).
    pub extensions: Extensions,
    global: Global,
}

impl RegionState {
    fn new(account: &str, region: &str, global: Global) -> Self {
        RegionState {
            account: account.to_string(),
            region: region.to_string(),
            vaults: Vec::new(),
            plans: Vec::new(),
            default_key_arn: format!(
                "arn:aws:kms:{region}:{account}:key/{}",
                uuid::Uuid::new_v4()
            ),
            extensions: Extensions::default(),
            global,
        }
    }

    /// The store-wide value of type `T`, shared by every account and region, made with
    /// `T::default()` on first use: for state that is not per region (key it by account).
    pub fn global<T: Default + Send + 'static, R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(lock(&self.global).get())
    }

    /// The region's value of a kind's own state type, made with `T::default()` on first use.
    /// Each type is one slot, so a kind keeps a private type and no other file sees it.
    /// Borrowing it borrows all of `self`; to hold it next to a vault or plan, borrow the
    /// fields apart: `rs.extensions.get::<T>()` and `rs.vaults`.
    pub fn ext<T: Default + Send + 'static>(&mut self) -> &mut T {
        self.extensions.get()
    }

    /// `arn:aws:backup:<region>:<account>:<resource>`.
    pub fn arn(&self, resource: &str) -> String {
        format!("arn:aws:backup:{}:{}:{resource}", self.region, self.account)
    }

    pub fn vault(&self, name: &str) -> Option<&Vault> {
        self.vaults.iter().find(|v| v.name == name)
    }

    pub fn vault_mut(&mut self, name: &str) -> Option<&mut Vault> {
        self.vaults.iter_mut().find(|v| v.name == name)
    }

    /// A plan that exists and is not deleted.
    pub fn live_plan(&self, id: &str) -> Option<&Plan> {
        self.plans
            .iter()
            .find(|p| p.id == id && p.deletion.is_none())
    }

    pub fn live_plan_mut(&mut self, id: &str) -> Option<&mut Plan> {
        self.plans
            .iter_mut()
            .find(|p| p.id == id && p.deletion.is_none())
    }
}

/// Values keyed by their type, one of each type: the per-kind state of a region.
#[derive(Default)]
pub struct Extensions {
    slots: HashMap<TypeId, Slot>,
}

struct Slot {
    /// For `Debug`, which `dyn Any` lacks.
    type_name: &'static str,
    value: Box<dyn Any + Send>,
}

impl Extensions {
    /// The value of type `T`, made with `T::default()` on first use.
    pub fn get<T: Default + Send + 'static>(&mut self) -> &mut T {
        let slot = self.slots.entry(TypeId::of::<T>()).or_insert_with(|| Slot {
            type_name: std::any::type_name::<T>(),
            value: Box::new(T::default()),
        });
        slot.value
            .downcast_mut()
            .expect("a slot holds the type it is keyed by")
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.slots.values().map(|s| s.type_name))
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct Vault {
    pub name: String,
    pub arn: String,
    pub creation: Timestamp,
    pub creator_request_id: Option<String>,
    /// The vault's KMS key: the caller's, the region's `aws/backup` key for a standard vault,
    /// or none for a logically air-gapped vault with an AWS-owned key.
    pub encryption_key_arn: Option<String>,
    /// True when the caller supplied `EncryptionKeyArn`.
    pub customer_key: bool,
    pub tags: Tags,
    /// The lock of a standard vault (PutBackupVaultLockConfiguration). A logically air-gapped
    /// vault has none here: its lock is fixed by `air_gap`.
    pub lock: Option<VaultLock>,
    pub access_policy: Option<String>,
    pub notifications: Option<Notifications>,
    pub recovery_points: Vec<RecoveryPoint>,
    /// How many more DeleteBackupVault calls are refused as if the recovery points deleted last
    /// were still there (`deleteVaultLagCalls`).
    pub delete_lag_left: u32,
    /// Set for a logically air-gapped vault (CreateLogicallyAirGappedBackupVault).
    pub air_gap: Option<AirGap>,
}

impl Vault {
    /// The model's `VaultType` of the vault.
    pub fn vault_type(&self) -> &'static str {
        if self.air_gap.is_some() {
            "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
        } else {
            "BACKUP_VAULT"
        }
    }

    /// Whether a lock protects the vault's recovery points: a lock that was put, or the
    /// compliance lock every logically air-gapped vault has.
    pub fn is_locked(&self) -> bool {
        self.lock.is_some() || self.air_gap.is_some()
    }
}

/// What a logically air-gapped vault has beyond a standard one: the retention range of its
/// compliance lock (fixed at creation, locked from its creation on) and its creation state.
#[derive(Debug, Clone)]
pub struct AirGap {
    pub min_retention_days: i64,
    pub max_retention_days: i64,
    /// How many more reads (DescribeBackupVault, ListBackupVaults) see `CREATING`
    /// (`lagVaultCreatingCalls`).
    pub creating_reads_left: u32,
    /// Whether creation ends `FAILED` instead of `AVAILABLE` (`lagVaultFailed`).
    pub fails: bool,
    /// The body of the create request, to tell a replay (same CreatorRequestId, same request)
    /// from a second create of the name.
    pub request: Value,
}

impl AirGap {
    /// The `VaultState` a read sees now; counts the read while the vault is being created.
    pub fn read_state(&mut self) -> &'static str {
        if self.creating_reads_left > 0 {
            self.creating_reads_left -= 1;
            "CREATING"
        } else if self.fails {
            "FAILED"
        } else {
            "AVAILABLE"
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct VaultLock {
    pub min_retention_days: Option<i64>,
    pub max_retention_days: Option<i64>,
    /// Set for compliance mode (`ChangeableForDays` given): after this date the
    /// lock is immutable.
    pub lock_date: Option<Timestamp>,
}

impl VaultLock {
    /// True once a compliance lock has passed its lock date.
    pub fn is_immutable(&self, now: Timestamp) -> bool {
        self.lock_date.is_some_and(|d| now >= d)
    }
}

#[derive(Debug, Clone)]
pub struct Notifications {
    pub sns_topic_arn: String,
    pub events: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct RecoveryPoint {
    pub arn: String,
    pub job_id: String,
    pub resource_arn: String,
    pub resource_type: String,
    pub iam_role_arn: String,
    pub creation: Timestamp,
    pub lifecycle: Option<Value>,
    pub days: Option<LifecycleDays>,
    pub tags: Tags,
}

impl RecoveryPoint {
    /// When the point moves to cold storage, per its lifecycle.
    pub fn cold_at(&self) -> Option<Timestamp> {
        let c = self.days?.cold.filter(|d| *d > 0)?;
        Some(self.creation + c as f64 * DAY)
    }

    /// When the point's retention ends (`None`: kept forever).
    pub fn delete_at(&self) -> Option<Timestamp> {
        let d = self.days?.delete.filter(|d| *d > 0)?;
        Some(self.creation + d as f64 * DAY)
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub id: String,
    pub arn: String,
    pub creator_request_id: Option<String>,
    /// Oldest first; the last one is current.
    pub versions: Vec<PlanVersion>,
    pub deletion: Option<Timestamp>,
    pub selections: Vec<Selection>,
    pub tags: Tags,
}

impl Plan {
    pub fn current(&self) -> &PlanVersion {
        self.versions
            .last()
            .expect("a plan has at least one version")
    }

    pub fn name(&self) -> &str {
        &self.current().name
    }
}

#[derive(Debug, Clone)]
pub struct PlanVersion {
    pub version_id: String,
    pub creation: Timestamp,
    pub name: String,
    /// The `BackupPlan` member of GetBackupPlan (defaults filled, RuleIds set).
    pub document: Value,
    /// `AdvancedBackupSettings`, answered at the top level of plan outputs.
    pub advanced_settings: Option<Value>,
    /// Set on the version that was current when the plan was deleted.
    pub deletion: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct Selection {
    pub id: String,
    pub name: String,
    pub iam_role_arn: String,
    pub creation: Timestamp,
    pub creator_request_id: Option<String>,
    /// The `BackupSelection` member of GetBackupSelection.
    pub document: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Counter(u32);

    #[derive(Default)]
    struct Names(Vec<String>);

    #[test]
    fn each_type_has_its_own_slot_made_on_first_use() {
        let mut store = Store::default();
        let rs = store.region("111111111111", "eu-west-1");
        assert_eq!(format!("{:?}", rs.extensions), "{}");
        rs.ext::<Counter>().0 += 2;
        rs.ext::<Names>().0.push("a".into());
        rs.ext::<Counter>().0 += 1;
        assert_eq!(rs.ext::<Counter>().0, 3);
        assert_eq!(rs.ext::<Names>().0, ["a"]);
        // Another region has its own.
        assert_eq!(
            store.region("111111111111", "eu-west-2").ext::<Counter>().0,
            0
        );
        assert_eq!(
            store.region("111111111111", "eu-west-1").ext::<Counter>().0,
            3
        );
    }

    #[test]
    fn global_state_is_shared_by_every_account_and_region() {
        let mut store = Store::default();
        store
            .region("111111111111", "eu-west-1")
            .global(|c: &mut Counter| c.0 += 1);
        let seen = store
            .region("222222222222", "us-east-1")
            .global(|c: &mut Counter| c.0);
        assert_eq!(seen, 1);
        assert_eq!(store.global(|c: &mut Counter| c.0), 1);
        // A region's own extensions stay its own.
        assert_eq!(
            store.region("222222222222", "us-east-1").ext::<Counter>().0,
            0
        );
    }

    #[test]
    fn membership_of_an_account() {
        let org = Organization {
            management_account: "111111111111".into(),
            member_accounts: vec!["222222222222".into()],
        };
        let m = |a: &str| Organization::membership(Some(&org), a);
        assert_eq!(m("111111111111"), Membership::Management);
        assert_eq!(m("222222222222"), Membership::Member);
        assert_eq!(m("333333333333"), Membership::Outside);
        assert_eq!(
            Organization::membership(None, "111111111111"),
            Membership::Outside
        );
    }

    #[test]
    fn an_extension_can_be_borrowed_next_to_the_vaults() {
        let mut store = Store::default();
        let rs = store.region("111111111111", "eu-west-1");
        let names = rs.extensions.get::<Names>();
        names.0.extend(rs.vaults.iter().map(|v| v.name.clone()));
        assert!(names.0.is_empty());
        assert!(format!("{:?}", rs.extensions).ends_with("::Names\"}"));
    }
}
