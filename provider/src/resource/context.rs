//! What a resource's Check and operations can use.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::aws::{AwsError, BackupApi, Vault};
use crate::config::ProviderConfig;
use crate::value::{Marks, Path};

/// A Check failure: the property path and the rule it broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub property: String,
    pub reason: String,
}

/// What Check learns about the inputs besides their values.
pub struct CheckContext<'a> {
    pub urn: &'a str,
    pub config: &'a ProviderConfig,
    /// The previous inputs (plain), empty on create.
    pub olds: &'a Value,
    /// Where the new inputs are unknown (preview only); typed values have these fields absent.
    pub marks: &'a Marks,
    /// AWS's time as far as the provider knows it.
    pub now: SystemTime,
    failures: Vec<Failure>,
    warnings: Vec<String>,
}

impl<'a> CheckContext<'a> {
    pub fn new(
        urn: &'a str,
        config: &'a ProviderConfig,
        olds: &'a Value,
        marks: &'a Marks,
        now: SystemTime,
    ) -> Self {
        CheckContext {
            urn,
            config,
            olds,
            marks,
            now,
            failures: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn fail(&mut self, property: impl ToString, reason: impl Into<String>) {
        self.failures.push(Failure {
            property: property.to_string(),
            reason: reason.into(),
        });
    }

    /// A warning shown in the preview; the inputs are still accepted.
    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    /// Whether the value at `path` (engine path syntax), something inside it, or a container of it
    /// is unknown.
    pub fn is_unknown(&self, path: &str) -> bool {
        Path::parse(path).is_some_and(|p| {
            self.marks
                .unknowns
                .iter()
                .any(|u| u.starts_with(&p) || p.starts_with(u))
        })
    }

    pub fn into_parts(self) -> (Vec<Failure>, Vec<String>) {
        (self.failures, self.warnings)
    }
}

/// What a resource operation can use.
pub struct Context {
    /// The resource's URN; for a function's invoke, the function's token.
    pub urn: String,
    pub config: Arc<ProviderConfig>,
    pub api: Arc<dyn BackupApi>,
    /// The operation's custom timeout, when the program sets one.
    pub timeout: Option<Duration>,
    /// Vaults looked up by checks against live state, shared by the provider's operations.
    pub vaults: Arc<VaultLookups>,
}

/// Vaults that checks against live state looked up (a plan's target vaults and their locks),
/// kept for the life of the provider process so that a preview looks each vault up once. The
/// provider's own writes to a vault or its lock forget it, or, where the write's answer tells
/// everything about the vault (a vault just created, a lock just put), record what they left.
///
/// A preview also records the vaults it is about to create whose rules other resources must
/// follow (an air-gapped vault's retention range): a lookup that finds no such vault in AWS
/// answers the planned one.
#[derive(Default)]
pub struct VaultLookups {
    seen: std::sync::Mutex<BTreeMap<String, Known>>,
    planned: std::sync::Mutex<BTreeMap<String, Vault>>,
}

/// What the provider knows of one vault.
enum Known {
    /// A lookup, shared by whoever asks while it runs (`None`: AWS showed no such vault).
    Looked(Arc<tokio::sync::OnceCell<Option<Vault>>>),
    /// The vault as the provider's own write left it.
    Written(Box<Vault>),
}

impl VaultLookups {
    /// The vault as the provider's own write left it, else as AWS described it the first time
    /// it was asked for (`None`: no such vault).
    pub async fn get(&self, api: &dyn BackupApi, name: &str) -> Result<Option<Vault>, AwsError> {
        let cell = match self
            .seen
            .lock()
            .expect("lookups lock")
            .entry(name.to_string())
            .or_insert_with(|| Known::Looked(Default::default()))
        {
            Known::Written(vault) => return Ok(Some(Vault::clone(vault))),
            Known::Looked(cell) => cell.clone(),
        };
        let live = cell
            .get_or_try_init(|| api.visible_vault(name))
            .await
            .cloned()?;
        Ok(live.or_else(|| {
            self.planned
                .lock()
                .expect("lookups lock")
                .get(name)
                .cloned()
        }))
    }

    /// Records a vault that the running preview or update is about to create.
    pub fn plan(&self, vault: Vault) {
        self.planned
            .lock()
            .expect("lookups lock")
            .insert(vault.name.clone(), vault);
    }

    /// Forgets what is known of the vault: the provider is about to write to it.
    pub fn forget(&self, name: &str) {
        self.seen.lock().expect("lookups lock").remove(name);
    }

    /// Records the vault as the provider's own write just left it (AWS answered the write).
    pub fn record(&self, vault: Vault) {
        self.seen
            .lock()
            .expect("lookups lock")
            .insert(vault.name.clone(), Known::Written(Box::new(vault)));
    }

    /// The vault as this process's own last write left it, if it wrote to it and nothing
    /// forgot it since.
    pub fn written(&self, name: &str) -> Option<Vault> {
        match self.seen.lock().expect("lookups lock").get(name) {
            Some(Known::Written(vault)) => Some(Vault::clone(vault)),
            _ => None,
        }
    }
}

impl Context {
    /// How long a wait inside the operation may last: `default`, or the custom timeout when the
    /// program sets one, and in any case within nine tenths of the time the operation has left,
    /// so the wait can still report why it gave up.
    pub fn wait_budget(&self, default: Duration) -> Duration {
        let base = self.timeout.unwrap_or(default);
        crate::retry::remaining().map_or(base, |left| base.min(left.mul_f64(0.9)))
    }
}
