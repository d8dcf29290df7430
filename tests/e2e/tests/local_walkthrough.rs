//! The seed-walkthrough example (vault, governance lock, plan and
//! selection) through the real Pulumi CLI against the project's local AWS Backup endpoint, and
//! the provider's warnings. The AWS SDK checks what really happened on the endpoint.

use awsbackup_e2e::{tag_map, yaml_program, Aws, Local, Stack, LOCAL_ACCOUNT};
use serde_json::json;

const VAULT: &str = "awsbackup:index:Vault";
const LOCK: &str = "awsbackup:index:VaultLock";
const PLAN: &str = "awsbackup:index:Plan";
const SELECTION: &str = "awsbackup:index:Selection";

const VAULT_NAME: &str = "seed-walkthrough-vault";
const PLAN_NAME: &str = "backup_daily_30_days_retention";
const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";

/// Preview creates nothing, up creates the four resources as declared, a second
/// preview has nothing to do and destroy removes everything.
#[test]
fn seed_walkthrough_preview_up_no_changes_and_destroy() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::from_example("seed-walkthrough", local.endpoint());

    // Preview: four creates, nothing on AWS (not even an attempt).
    let preview = stack.preview().success();
    assert_eq!(local.write_calls(), 0, "{:?}\n{preview}", local.calls());
    preview
        .contains(&format!("{VAULT} vault create"))
        .contains(&format!("{LOCK} lock create"))
        .contains(&format!("{PLAN} plan create"))
        .contains(&format!("{SELECTION} s3Buckets create"))
        .contains("5 to create");
    assert_eq!(aws.vault_names(), Vec::<String>::new(), "{preview}");
    assert_eq!(aws.plan_ids(), Vec::<String>::new(), "{preview}");

    // Up: the four resources exist on AWS with the example's values.
    let up = stack.up().success();
    up.contains("5 created");
    let calls = local.calls();
    for op in [
        "CreateBackupVault",
        "PutBackupVaultLockConfiguration",
        "CreateBackupPlan",
        "CreateBackupSelection",
    ] {
        assert_eq!(calls.get(op), Some(&1), "{op} once: {calls:?}\n{up}");
    }
    assert_eq!(aws.vault_names(), vec![VAULT_NAME.to_string()], "{up}");
    let vault = aws.vault(VAULT_NAME).expect("the vault exists");
    let vault_arn = vault.backup_vault_arn.clone().expect("an ARN");
    assert_eq!(
        vault_arn,
        format!("arn:aws:backup:us-east-1:{LOCAL_ACCOUNT}:backup-vault:{VAULT_NAME}")
    );
    assert_eq!(
        aws.tags(&vault_arn),
        tag_map(&[("project", "seed-walkthrough")])
    );
    // The governance lock: locked, 7 to 365 days, no lock date.
    assert_eq!(vault.locked, Some(true), "the vault is not locked:\n{up}");
    assert_eq!(vault.min_retention_days, Some(7));
    assert_eq!(vault.max_retention_days, Some(365));
    assert_eq!(vault.lock_date, None, "a governance lock has no lock date");

    let plans = aws.plans();
    assert_eq!(plans.len(), 1, "{plans:?}");
    let plan_id = plans[0].backup_plan_id.clone().expect("a plan id");
    assert_eq!(plans[0].backup_plan_name.as_deref(), Some(PLAN_NAME));
    let got = aws.plan(&plan_id).expect("the plan exists");
    let document = got.backup_plan.clone().expect("a document");
    assert_eq!(document.backup_plan_name, PLAN_NAME);
    assert_eq!(document.rules.len(), 1, "{document:?}");
    let rule = &document.rules[0];
    assert_eq!(rule.rule_name, "daily");
    assert_eq!(rule.target_backup_vault_name, VAULT_NAME);
    assert_eq!(
        rule.schedule_expression.as_deref(),
        Some("cron(0 5 ? * * *)")
    );
    assert_eq!(
        rule.lifecycle.as_ref().and_then(|l| l.delete_after_days),
        Some(30),
        "30-day retention: {rule:?}"
    );
    assert_eq!(
        rule.lifecycle
            .as_ref()
            .and_then(|l| l.move_to_cold_storage_after_days),
        None
    );
    let plan_arn = got.backup_plan_arn.clone().expect("a plan ARN");
    assert_eq!(
        aws.tags(&plan_arn),
        tag_map(&[("project", "seed-walkthrough")])
    );

    let selections = aws.selection_ids(&plan_id);
    assert_eq!(selections.len(), 1, "{selections:?}");
    let selection = aws
        .selection(&plan_id, &selections[0])
        .expect("the selection exists");
    assert_eq!(selection.selection_name, "all-s3-buckets-tagged-daily");
    assert_eq!(selection.iam_role_arn, ROLE);
    assert_eq!(selection.resources(), ["arn:aws:s3:::*".to_string()]);
    assert!(selection.list_of_tags().is_empty(), "{selection:?}");
    let conditions = selection.conditions.as_ref().expect("conditions");
    let equals: Vec<(String, String)> = conditions
        .string_equals()
        .iter()
        .map(|c| {
            (
                c.condition_key.clone().unwrap_or_default(),
                c.condition_value.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        equals,
        vec![("aws:ResourceTag/backup".to_string(), "daily".to_string())]
    );
    assert!(conditions.string_not_equals().is_empty());
    assert!(conditions.string_like().is_empty());
    assert!(conditions.string_not_like().is_empty());

    // The stack's outputs are AWS's ids.
    let outputs = stack.outputs();
    assert_eq!(outputs["vaultArn"], json!(vault_arn), "{outputs}");
    assert_eq!(outputs["planId"], json!(plan_id), "{outputs}");
    assert_eq!(outputs["planVersion"], json!(got.version_id), "{outputs}");
    assert_eq!(outputs["selectionId"], json!(selections[0]), "{outputs}");
    let export = stack.export();
    let sel = export
        .resource(&stack.urn(SELECTION, "s3Buckets"))
        .expect("the selection is in the state");
    assert_eq!(sel["id"], json!(format!("{plan_id}|{}", selections[0])));
    let lock = export
        .resource(&stack.urn(LOCK, "lock"))
        .expect("the lock is in the state");
    assert_eq!(lock["id"], json!(VAULT_NAME));
    assert_eq!(lock["outputs"]["mode"], json!("governance"));
    assert_eq!(lock["outputs"]["locked"], json!(true));

    // A second preview has nothing to do.
    stack.preview_expect_no_changes().success();

    // Destroy removes everything.
    let destroy = stack.destroy().success();
    destroy.contains("5 deleted");
    assert_eq!(aws.vault_names(), Vec::<String>::new(), "{destroy}");
    assert_eq!(aws.plan_ids(), Vec::<String>::new(), "{destroy}");
    assert!(stack.export().resources().is_empty());
}

/// A new compliance lock warns at preview that it becomes irreversible, and a
/// selection combining a wildcard ARN with listOfTags warns that AWS ORs them.
#[test]
fn previews_warn_about_compliance_locks_and_wildcards_with_list_of_tags() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let program = yaml_program(
        "awsbackup-warnings",
        &format!(
            r#"resources:
  vault:
    type: awsbackup:index:Vault
    properties:
      name: warned-vault
  lock:
    type: awsbackup:index:VaultLock
    properties:
      backupVaultName: ${{vault.name}}
      minRetentionDays: 7
      maxRetentionDays: 100
      changeableForDays: 5
  plan:
    type: awsbackup:index:Plan
    properties:
      name: warned-plan
      rules:
        - ruleName: daily
          targetVaultName: ${{vault.name}}
          lifecycle:
            deleteAfterDays: 30
  selection:
    type: awsbackup:index:Selection
    properties:
      planId: ${{plan.planId}}
      name: wildcard-or-tags
      iamRoleArn: {ROLE}
      resources:
        - arn:aws:s3:::*
      listOfTags:
        - conditionType: STRINGEQUALS
          conditionKey: backup
          conditionValue: daily
"#
        ),
    );
    let stack = Stack::new(&program, local.endpoint());
    let preview = stack.preview().success();
    preview
        .contains("warning:")
        .matches(
            r"compliance mode: the lock on 'warned-vault' becomes irreversible on \d{4}-\d\d-\d\dT[0-9:.]+Z? \(in 5 days\)",
        )
        .contains(r#"resources ["arn:aws:s3:::*"] contain a wildcard and listOfTags is set"#)
        .contains("AWS combines resources and listOfTags with OR");
    assert_eq!(aws.vault_names(), Vec::<String>::new(), "{preview}");

    // The warnings come back on up (the selection is created as declared: AWS accepts it).
    let up = stack.up().success();
    up.contains("becomes irreversible on")
        .contains("AWS combines resources and listOfTags with OR");
    let vault = aws.vault("warned-vault").expect("created");
    assert_eq!(vault.locked, Some(true));
    assert!(
        vault.lock_date.is_some(),
        "a compliance lock has a lock date"
    );

    // Once deployed, an unchanged compliance lock does not warn again.
    let again = stack.preview_expect_no_changes().success();
    again.lacks("becomes irreversible");
    // The lock is still changeable (5 days): destroy works.
    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
}
