//! `awsbackup:index:VaultPolicy`: the access policy of a backup vault.
//!
//! A vault has at most one access policy and PutBackupVaultAccessPolicy replaces it whole, so an
//! update is a Put. The document is compared by meaning, never by text: AWS may reformat it, and
//! key order, whitespace, the order of a list and a one-element list against its element mean
//! nothing in a policy. The id is the vault name, which is also the import id.

use std::time::Duration;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::aws::VaultPolicy as AwsPolicy;
use crate::resource::{CheckContext, Context, OpError, ReadResult, Resource};
use crate::resources::vault::VAULT_NAME;
use crate::retry::{self, Poll, WaitError};
use crate::value::Path;

/// The access policy of an existing backup vault: who may call which AWS Backup operations on
/// the vault and its recovery points. A vault has one access policy; this resource owns it whole.
/// The id is the vault name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultPolicyArgs {
    /// The name of the vault the policy applies to. Changing it replaces the resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_vault_name: Option<String>,
    /// The access-policy document: an object, or a JSON string of one, with `Version` and
    /// `Statement`; each statement has an `Effect` (`Allow` or `Deny`), a `Principal` and an
    /// `Action` (AWS Backup actions such as `backup:CopyIntoBackupVault`, no wildcards). Documents
    /// that mean the same (key order, whitespace, a one-element list or its element, the order
    /// of a list) are no change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<Value>,
}

/// The state of a vault's access policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultPolicyState {
    #[serde(flatten)]
    pub args: VaultPolicyArgs,
    /// The ARN of the vault, as GetBackupVaultAccessPolicy reports it.
    pub backup_vault_arn: String,
}

/// How long a Put is retried while AWS answers that a principal of the policy is not valid
/// (a new IAM role or user takes a while to propagate).
pub const PRINCIPAL_PROPAGATION_WINDOW: Duration = Duration::from_secs(120);
const FIRST_PAUSE: Duration = Duration::from_millis(50);
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// The policy language versions IAM knows.
const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];
const DOCUMENT_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// The policy document an input holds: the object itself, or the object a JSON string holds.
fn document(policy: &Value) -> Result<Map<String, Value>, String> {
    let parsed = match policy {
        Value::String(text) => serde_json::from_str::<Value>(text)
            .map_err(|e| format!("is not valid JSON: {e}"))?,
        other => other.clone(),
    };
    match parsed {
        Value::Object(map) => Ok(map),
        other => Err(format!(
            "must be a policy document: a JSON object (or a string holding one), got {}",
            kind(&other)
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A policy value in a form where documents of the same meaning are equal: every list in the
/// policy language is a set, and a set of one is the same as its element.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), canonical(v))).collect()),
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(canonical).collect();
            items.sort_by_cached_key(|i| i.to_string());
            items.dedup();
            if items.len() == 1 {
                items.pop().unwrap_or(Value::Null)
            } else {
                Value::Array(items)
            }
        }
        other => other.clone(),
    }
}

/// Whether two policy inputs (objects or JSON strings) mean the same policy.
pub fn same_policy(a: &Value, b: &Value) -> bool {
    match (document(a), document(b)) {
        (Ok(a), Ok(b)) => canonical(&Value::Object(a)) == canonical(&Value::Object(b)),
        _ => a == b,
    }
}

/// The text PutBackupVaultAccessPolicy gets: a string input as written, an object as JSON.
fn policy_text(policy: &Value) -> String {
    match policy {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The policy input for what AWS holds: the previous input when it means the same, otherwise
/// AWS's document in the previous input's form (a string stays a string, else an object).
fn policy_input(live: &str, old: Option<&Value>) -> Value {
    let live_value = Value::String(live.to_string());
    match old {
        Some(old) if same_policy(old, &live_value) => old.clone(),
        Some(Value::String(_)) => live_value,
        _ => match document(&live_value) {
            Ok(doc) => Value::Object(doc),
            Err(_) => live_value,
        },
    }
}

/// A statement element that is one string or a list of strings, as its strings.
fn strings(v: &Value) -> Option<Vec<&str>> {
    match v {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) if !items.is_empty() => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// The rules AWS documents for a vault access policy, each failure as (property path, reason).
fn policy_refusals(policy: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let root = Path::root().key("policy");
    let doc = match document(policy) {
        Ok(doc) => doc,
        Err(reason) => return vec![(root.to_string(), reason)],
    };
    let at = |key: &str| root.key(key).to_string();
    for key in doc.keys().filter(|k| !DOCUMENT_KEYS.contains(&k.as_str())) {
        out.push((
            at(key),
            format!(
                "is not an element of a policy document (those are {})",
                DOCUMENT_KEYS.join(", ")
            ),
        ));
    }
    match doc.get("Version") {
        None => out.push((
            at("Version"),
            format!("is required: the policy language version, \"{}\"", VERSIONS[0]),
        )),
        Some(Value::String(v)) if VERSIONS.contains(&v.as_str()) => {}
        Some(v) => out.push((
            at("Version"),
            format!("must be one of {}, got {v}", VERSIONS.join(", ")),
        )),
    }
    let statements: Vec<&Value> = match doc.get("Statement") {
        None => {
            out.push((
                at("Statement"),
                "is required: a statement, or a list of statements".into(),
            ));
            return out;
        }
        Some(Value::Array(list)) if list.is_empty() => {
            out.push((at("Statement"), "must hold at least one statement".into()));
            return out;
        }
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
    };
    let listed = matches!(doc.get("Statement"), Some(Value::Array(_)));
    for (i, statement) in statements.into_iter().enumerate() {
        let path = if listed {
            root.key("Statement").index(i)
        } else {
            root.key("Statement")
        };
        let Value::Object(s) = statement else {
            out.push((path.to_string(), format!("must be an object, got {}", kind(statement))));
            continue;
        };
        for key in s.keys().filter(|k| !STATEMENT_KEYS.contains(&k.as_str())) {
            out.push((
                path.key(key).to_string(),
                format!(
                    "is not an element of a policy statement (those are {})",
                    STATEMENT_KEYS.join(", ")
                ),
            ));
        }
        match s.get("Effect") {
            Some(Value::String(e)) if e == "Allow" || e == "Deny" => {}
            Some(e) => out.push((
                path.key("Effect").to_string(),
                format!("must be \"Allow\" or \"Deny\", got {e}"),
            )),
            None => out.push((path.key("Effect").to_string(), "is required: \"Allow\" or \"Deny\"".into())),
        }
        if !s.contains_key("Principal") && !s.contains_key("NotPrincipal") {
            out.push((
                path.key("Principal").to_string(),
                "is required: a vault access policy is a resource policy, each statement names \
                 the principals it applies to (e.g. {\"AWS\": \"arn:aws:iam::<account-id>:root\"})"
                    .into(),
            ));
        }
        let actions: Vec<&str> = ["Action", "NotAction"]
            .into_iter()
            .filter(|k| s.contains_key(*k))
            .collect();
        if actions.is_empty() {
            out.push((
                path.key("Action").to_string(),
                "is required: the AWS Backup actions the statement allows or denies, e.g. \
                 \"backup:CopyIntoBackupVault\""
                    .into(),
            ));
        }
        for key in actions {
            let apath = path.key(key).to_string();
            match strings(&s[key]) {
                None => out.push((
                    apath,
                    "must be an action name or a non-empty list of action names".into(),
                )),
                Some(list) => {
                    for action in list.into_iter().filter(|a| a.contains('*')) {
                        out.push((
                            apath.clone(),
                            format!(
                                "'{action}': a vault access policy accepts no wildcards in actions; \
                                 name each action (e.g. backup:DeleteRecoveryPoint)"
                            ),
                        ));
                    }
                }
            }
        }
    }
    out
}

fn missing_vault(vault: &str, e: impl std::fmt::Display) -> OpError {
    OpError::Failed(format!(
        "backup vault '{vault}' does not exist; create it first (an awsbackup:index:Vault) and \
         name it in backupVaultName ({e})"
    ))
}

fn state_from(live: &AwsPolicy, args: VaultPolicyArgs) -> VaultPolicyState {
    VaultPolicyState {
        args,
        backup_vault_arn: live.vault_arn.clone(),
    }
}

/// Puts the policy, retrying while AWS does not know a principal it names yet.
async fn put(ctx: &Context, vault: &str, policy: &str) -> Result<(), OpError> {
    let window = ctx.wait_budget(PRINCIPAL_PROPAGATION_WINDOW);
    let put = retry::wait(window, FIRST_PAUSE, MAX_PAUSE, || async {
        match ctx.api.put_vault_policy(vault, policy).await {
            Ok(()) => Ok(Poll::Done(())),
            Err(e) if e.is_principal_not_ready() => {
                tracing::debug!(vault = %vault, error = %e.message, "a principal of the policy is not valid yet; retrying");
                Ok(Poll::Pending(e.message))
            }
            Err(e) => Err(e),
        }
    })
    .await;
    match put {
        Ok(()) => Ok(()),
        Err(WaitError::Failed(e)) if e.is_not_found() => Err(missing_vault(vault, &e.message)),
        Err(WaitError::Failed(e)) => Err(e.into()),
        Err(WaitError::TimedOut { waited, last }) => Err(OpError::Failed(format!(
            "AWS Backup still refuses a principal of the policy of vault '{vault}' after retrying \
             for {:.0}s: {last}. Check that every principal exists (a new IAM role or user takes \
             a few minutes to be usable)",
            waited.as_secs_f64()
        ))),
        Err(WaitError::Cancelled) => Err(OpError::Failed("the operation was cancelled".into())),
    }
}

pub struct VaultPolicy;

#[async_trait]
impl Resource for VaultPolicy {
    type Args = VaultPolicyArgs;
    type State = VaultPolicyState;

    const TOKEN: &'static str = "awsbackup:index:VaultPolicy";
    const REQUIRED_INPUTS: &'static [&'static str] = &["backupVaultName", "policy"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["backupVaultName"];
    const DELETE_BEFORE_REPLACE: bool = true;

    fn check(&self, ctx: &mut CheckContext, args: &mut VaultPolicyArgs) {
        if let Some(name) = &args.backup_vault_name {
            if let Err(reason) = VAULT_NAME.check(name) {
                ctx.fail("backupVaultName", reason);
            }
        }
        // A document with values still unknown at preview is checked once they are known.
        if ctx.marks.has_unknown_under("policy") {
            return;
        }
        if let Some(policy) = &args.policy {
            for (property, reason) in policy_refusals(policy) {
                ctx.fail(property, reason);
            }
        }
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        // A document with the same meaning is no change.
        if let (Some(o), Some(n)) = (old.get("policy"), new.get("policy")) {
            if o != n && same_policy(o, n) {
                old["policy"] = n.clone();
            }
        }
    }

    async fn create(
        &self,
        ctx: &Context,
        args: VaultPolicyArgs,
    ) -> Result<(String, VaultPolicyState), OpError> {
        let vault = args.backup_vault_name.clone().unwrap_or_default();
        let policy = args
            .policy
            .clone()
            .ok_or_else(|| OpError::Failed("invalid inputs: policy is missing".into()))?;
        match ctx.api.get_vault_policy(&vault).await? {
            // The policy this create would put is already there (an interrupted update put it
            // and never heard back): adopt it.
            Some(live) if same_policy(&Value::String(live.policy.clone()), &policy) => {
                tracing::info!(vault = %vault, "adopting the identical access policy already on the vault");
                return Ok((vault, state_from(&live, args)));
            }
            Some(_) => {
                return Err(OpError::Failed(format!(
                    "backup vault '{vault}' already has an access policy; a vault has one: adopt \
                     it with `pulumi import {} <resource name> {vault}`",
                    Self::TOKEN
                )))
            }
            None => {}
        }
        put(ctx, &vault, &policy_text(&policy)).await?;
        tracing::debug!(vault = %vault, "put the vault's access policy");
        // Put answers nothing: the vault's ARN comes from reading the policy back.
        match ctx.api.get_vault_policy(&vault).await {
            Ok(Some(live)) => Ok((vault, state_from(&live, args))),
            other => {
                let fallback = VaultPolicyState {
                    args,
                    backup_vault_arn: String::new(),
                };
                let reason = match other {
                    Err(e) => format!("reading the access policy back failed: {e}"),
                    _ => "the access policy disappeared after it was put".into(),
                };
                Err(OpError::partial(&vault, &fallback, reason))
            }
        }
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<VaultPolicyArgs>,
    ) -> Result<Option<ReadResult<VaultPolicyArgs, VaultPolicyState>>, OpError> {
        let Some(live) = ctx.api.get_vault_policy(id).await? else {
            return Ok(None);
        };
        let old_policy = old.and_then(|o| o.policy);
        let inputs = VaultPolicyArgs {
            backup_vault_name: Some(live.vault_name.clone()),
            policy: Some(policy_input(&live.policy, old_policy.as_ref())),
        };
        let state = state_from(&live, inputs.clone());
        Ok(Some(ReadResult { inputs, state }))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: VaultPolicyState,
        news: VaultPolicyArgs,
    ) -> Result<VaultPolicyState, OpError> {
        let policy = news
            .policy
            .as_ref()
            .ok_or_else(|| OpError::Failed("invalid inputs: policy is missing".into()))?;
        put(ctx, id, &policy_text(policy)).await?;
        tracing::debug!(vault = %id, "replaced the vault's access policy");
        // The vault, and so its ARN, is the same: nothing to read back.
        Ok(VaultPolicyState {
            args: news,
            backup_vault_arn: old.backup_vault_arn,
        })
    }

    async fn delete(&self, ctx: &Context, id: &str, _state: VaultPolicyState) -> Result<(), OpError> {
        if ctx.api.delete_vault_policy(id).await? {
            tracing::debug!(vault = %id, "deleted the vault's access policy");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(policy: Value) -> Vec<(String, String)> {
        policy_refusals(&policy)
    }

    fn good() -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": "*"
            }]
        })
    }

    #[test]
    fn documents_of_the_same_meaning_are_the_same_policy() {
        let object = good();
        let text = r#"{"Statement":[{"Resource":"*","Action":["backup:CopyIntoBackupVault"],
            "Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Effect":"Allow"}],
            "Version":"2012-10-17"}"#;
        assert!(same_policy(&object, &Value::String(text.into())));
        // A single statement without its list, and a list in another order.
        let mut two = good();
        two["Statement"][0]["Action"] = json!(["backup:DescribeBackupVault", "backup:CopyIntoBackupVault"]);
        let mut swapped = two.clone();
        swapped["Statement"] = two["Statement"][0].clone();
        swapped["Statement"]["Action"] = json!(["backup:CopyIntoBackupVault", "backup:DescribeBackupVault"]);
        assert!(same_policy(&two, &swapped));
        // A real change is one.
        assert!(!same_policy(&object, &two));
        let mut deny = good();
        deny["Statement"][0]["Effect"] = json!("Deny");
        assert!(!same_policy(&object, &deny));
        // Neither is a document: compared as they are.
        assert!(!same_policy(&json!("{"), &json!("[")));
    }

    #[test]
    fn read_keeps_the_users_form_unless_aws_holds_another_policy() {
        let text = good().to_string();
        let reformatted = serde_json::to_string_pretty(&good()).unwrap();
        assert_eq!(policy_input(&reformatted, Some(&good())), good());
        assert_eq!(policy_input(&reformatted, Some(&json!(text))), json!(text));
        // Import: AWS's document as an object.
        assert_eq!(policy_input(&reformatted, None), good());
        let mut other = good();
        other["Statement"][0]["Effect"] = json!("Deny");
        assert_eq!(policy_input(&other.to_string(), Some(&good())), other);
        assert_eq!(
            policy_input(&other.to_string(), Some(&json!(text))),
            json!(other.to_string())
        );
    }

    #[test]
    fn a_string_input_is_put_as_written_and_an_object_as_json() {
        assert_eq!(policy_text(&json!(" {\"a\": 1} ")), " {\"a\": 1} ");
        assert_eq!(
            serde_json::from_str::<Value>(&policy_text(&good())).unwrap(),
            good()
        );
    }

    #[test]
    fn a_valid_document_passes_as_an_object_or_a_string() {
        assert_eq!(refused(good()), vec![]);
        assert_eq!(refused(json!(good().to_string())), vec![]);
        let mut single = good();
        single["Statement"] = good()["Statement"][0].clone();
        assert_eq!(refused(single), vec![]);
    }

    #[test]
    fn documents_that_are_not_objects_are_refused_on_policy() {
        let not_json = refused(json!("{not json"));
        assert_eq!(not_json[0].0, "policy");
        assert!(not_json[0].1.starts_with("is not valid JSON"), "{not_json:?}");
        let list = refused(json!("[1]"));
        assert_eq!(list[0].0, "policy");
        assert!(list[0].1.contains("got a list"), "{list:?}");
        assert_eq!(refused(json!(3))[0].1, "must be a policy document: a JSON object (or a string holding one), got a number");
    }

    #[test]
    fn version_statement_and_each_statements_elements_are_named_when_missing() {
        let failures = refused(json!({"Statment": []}));
        let properties: Vec<&str> = failures.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(properties, ["policy.Statment", "policy.Version", "policy.Statement"]);
        let failures = refused(json!({"Version": "2012-10-17", "Statement": [{"Sid": "x"}]}));
        let properties: Vec<&str> = failures.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            properties,
            [
                "policy.Statement[0].Effect",
                "policy.Statement[0].Principal",
                "policy.Statement[0].Action"
            ]
        );
        let mut bad = good();
        bad["Version"] = json!("2020-01-01");
        bad["Statement"][0]["Effect"] = json!("allow");
        bad["Statement"][0]["Efect"] = json!("Allow");
        let failures = refused(bad);
        let properties: Vec<&str> = failures.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            properties,
            ["policy.Version", "policy.Statement[0].Efect", "policy.Statement[0].Effect"]
        );
        assert_eq!(
            refused(json!({"Version": "2012-10-17", "Statement": []}))[0],
            ("policy.Statement".to_string(), "must hold at least one statement".to_string())
        );
    }

    #[test]
    fn an_unknown_key_is_named_by_a_path_the_engine_can_read() {
        let failures = refused(json!({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Principal": "*", "Action": "backup:CopyIntoBackupVault",
            "odd key.x": 1}, "a b": 2}));
        let properties: Vec<&str> = failures.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            properties,
            [r#"policy["a b"]"#, r#"policy.Statement["odd key.x"]"#]
        );
    }

    #[test]
    fn actions_take_no_wildcards() {
        let mut wild = good();
        wild["Statement"][0]["Action"] = json!(["backup:CopyIntoBackupVault", "backup:*"]);
        let failures = refused(wild);
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].0, "policy.Statement[0].Action");
        assert!(failures[0].1.starts_with("'backup:*': a vault access policy accepts no wildcards"));
        let mut star = good();
        star["Statement"][0].as_object_mut().unwrap().remove("Action");
        star["Statement"][0]["NotAction"] = json!("*");
        assert_eq!(refused(star)[0].0, "policy.Statement[0].NotAction");
        let mut empty = good();
        empty["Statement"][0]["Action"] = json!([]);
        assert!(refused(empty)[0].1.contains("non-empty list"));
    }

    #[test]
    fn an_equivalent_document_is_no_change_in_the_diff() {
        let r = VaultPolicy;
        let mut old = json!({"backupVaultName": "v", "policy": good()});
        let mut new = json!({"backupVaultName": "v", "policy": good().to_string()});
        r.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_eq!(old, new);
        let mut changed = good();
        changed["Statement"][0]["Effect"] = json!("Deny");
        let mut old = json!({"policy": good()});
        let mut new = json!({"policy": changed});
        r.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_eq!(old["policy"], good());
    }
}
