//! Changes made behind Pulumi's back (with the AWS SDK, on the project's
//! local AWS Backup endpoint) are found by `pulumi refresh`; the program then no longer matches
//! (`preview --expect-no-changes` fails) and `up` puts AWS back as declared.

use awsbackup_e2e::backup_types::{BackupPlan, BackupPlanInput, BackupRuleInput, Lifecycle};
use awsbackup_e2e::{tag_map, yaml_program, Aws, Local, Stack};
use serde_json::json;

const VAULT: &str = "awsbackup:index:Vault";
const LOCK: &str = "awsbackup:index:VaultLock";
const PLAN: &str = "awsbackup:index:Plan";
const SELECTION: &str = "awsbackup:index:Selection";
const VAULT_NAME: &str = "drift-vault";
const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";

fn program() -> String {
    yaml_program(
        "awsbackup-drift",
        &format!(
            r#"resources:
  vault:
    type: awsbackup:index:Vault
    properties:
      name: {VAULT_NAME}
      forceDestroy: true
      tags:
        team: backup
  lock:
    type: awsbackup:index:VaultLock
    properties:
      backupVaultName: ${{vault.name}}
      minRetentionDays: 7
      maxRetentionDays: 365
  plan:
    type: awsbackup:index:Plan
    properties:
      name: drift-plan
      rules:
        - ruleName: daily
          targetVaultName: ${{vault.name}}
          scheduleExpression: cron(0 5 ? * * *)
          lifecycle:
            deleteAfterDays: 30
      tags:
        team: backup
    options:
      dependsOn:
        - ${{lock}}
  sel:
    type: awsbackup:index:Selection
    properties:
      planId: ${{plan.planId}}
      name: drift-selection
      iamRoleArn: {ROLE}
      resources:
        - arn:aws:s3:::*
      conditions:
        stringEquals:
          - conditionKey: aws:ResourceTag/backup
            conditionValue: daily
outputs:
  planId: ${{plan.planId}}
  planArn: ${{plan.arn}}
  selectionId: ${{sel.selectionId}}
"#
        ),
    )
}

/// The input AWS takes to update a plan, rebuilt from the plan AWS returns.
fn plan_input(plan: &BackupPlan) -> BackupPlanInput {
    let rules = plan
        .rules
        .iter()
        .map(|r| {
            BackupRuleInput::builder()
                .rule_name(&r.rule_name)
                .target_backup_vault_name(&r.target_backup_vault_name)
                .set_schedule_expression(r.schedule_expression.clone())
                .set_schedule_expression_timezone(r.schedule_expression_timezone.clone())
                .set_start_window_minutes(r.start_window_minutes)
                .set_completion_window_minutes(r.completion_window_minutes)
                .set_lifecycle(r.lifecycle.clone())
                .set_recovery_point_tags(r.recovery_point_tags.clone())
                .build()
                .expect("a valid rule")
        })
        .collect();
    BackupPlanInput::builder()
        .backup_plan_name(&plan.backup_plan_name)
        .set_rules(Some(rules))
        .build()
        .expect("a valid plan")
}

fn retention(lifecycle: Option<&Lifecycle>) -> Option<i64> {
    lifecycle.and_then(|l| l.delete_after_days)
}

/// (rule name, deleteAfterDays) of every rule of the plan on AWS, sorted.
fn live_rules(aws: &Aws, plan_id: &str) -> Vec<(String, Option<i64>)> {
    let mut rules: Vec<_> = aws
        .plan_document(plan_id)
        .rules
        .iter()
        .map(|r| (r.rule_name.clone(), retention(r.lifecycle.as_ref())))
        .collect();
    rules.sort();
    rules
}

/// A rule edited, a rule added and the plan's tags changed with the SDK: each found by refresh,
/// each making the program's preview non-empty, each undone by up.
#[test]
fn plan_drift_is_found_by_refresh() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::new(&program(), local.endpoint());
    stack.up().success();
    let outputs = stack.outputs();
    let plan_id = outputs["planId"].as_str().unwrap().to_string();
    let plan_arn = outputs["planArn"].as_str().unwrap().to_string();
    let plan_urn = stack.urn(PLAN, "plan");
    stack.preview_expect_no_changes().success();

    // A rule edited with UpdateBackupPlan: 30 -> 60 days.
    let mut edited = aws.plan_document(&plan_id);
    edited.rules[0].lifecycle = Some(Lifecycle::builder().delete_after_days(60).build());
    aws.update_plan(&plan_id, plan_input(&edited));
    let refresh = stack.refresh().success();
    refresh
        .matches(r"~ awsbackup:index:Plan: \(update\)")
        .matches(r"deleteAfterDays *: 30 => 60");
    let export = stack.export();
    let plan = export
        .resource(&plan_urn)
        .expect("the plan is in the state");
    assert_eq!(
        plan["inputs"]["rules"][0]["lifecycle"]["deleteAfterDays"],
        json!(60),
        "refresh records the live rule:\n{refresh}"
    );
    assert_eq!(
        plan["outputs"]["versionId"],
        json!(aws.plan(&plan_id).unwrap().version_id),
        "refresh records the live version"
    );
    let pending = stack.preview_expect_no_changes().failure();
    pending
        .contains("no changes were expected")
        .matches(r"~ awsbackup:index:Plan: \(update\)")
        .matches(r"~ deleteAfterDays *: 60 => 30");
    stack.up().success().contains("1 updated");
    assert_eq!(live_rules(&aws, &plan_id), vec![("daily".into(), Some(30))]);
    stack.preview_expect_no_changes().success();

    // A rule added with UpdateBackupPlan.
    let mut added = aws.plan_document(&plan_id);
    let mut input = plan_input(&added);
    input.rules.push(
        BackupRuleInput::builder()
            .rule_name("sneaky")
            .target_backup_vault_name(VAULT_NAME)
            .schedule_expression("cron(0 1 ? * * *)")
            .lifecycle(Lifecycle::builder().delete_after_days(90).build())
            .build()
            .unwrap(),
    );
    aws.update_plan(&plan_id, input);
    added = aws.plan_document(&plan_id);
    assert_eq!(added.rules.len(), 2);
    let refresh = stack.refresh().success();
    refresh
        .matches(r"~ awsbackup:index:Plan: \(update\)")
        .contains("sneaky");
    let export = stack.export();
    let rules = export.resource(&plan_urn).unwrap()["inputs"]["rules"].clone();
    assert_eq!(
        rules.as_array().map(Vec::len),
        Some(2),
        "refresh records the added rule: {rules}\n{refresh}"
    );
    let pending = stack.preview_expect_no_changes().failure();
    pending
        .contains("no changes were expected")
        .matches(r"- \[1\]: \{")
        .contains("sneaky");
    stack.up().success().contains("1 updated");
    assert_eq!(live_rules(&aws, &plan_id), vec![("daily".into(), Some(30))]);
    stack.preview_expect_no_changes().success();

    // The plan's tags changed with TagResource / UntagResource.
    aws.tag(&plan_arn, &[("team", "someone-else"), ("extra", "added")]);
    let refresh = stack.refresh().success();
    refresh
        .matches(r"~ awsbackup:index:Plan: \(update\)")
        .contains("someone-else")
        .contains("added");
    let export = stack.export();
    assert_eq!(
        export.resource(&plan_urn).unwrap()["outputs"]["tags"],
        json!({"team": "someone-else", "extra": "added"})
    );
    let pending = stack.preview_expect_no_changes().failure();
    pending
        .matches(r#"~ team *: "someone-else" => "backup""#)
        .matches(r#"- extra *: "added""#);
    stack.up().success();
    assert_eq!(aws.tags(&plan_arn), tag_map(&[("team", "backup")]));
    stack.preview_expect_no_changes().success();

    stack.destroy().success();
    assert_eq!(aws.plan_ids(), Vec::<String>::new());
}

/// A selection deleted, a lock removed and a vault's tags changed with the SDK: each found by
/// refresh and put back by up.
#[test]
fn selection_lock_and_vault_drift_is_found_by_refresh() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::new(&program(), local.endpoint());
    stack.up().success();
    let outputs = stack.outputs();
    let plan_id = outputs["planId"].as_str().unwrap().to_string();
    let selection_id = outputs["selectionId"].as_str().unwrap().to_string();
    let sel_urn = stack.urn(SELECTION, "sel");
    let lock_urn = stack.urn(LOCK, "lock");
    let vault_urn = stack.urn(VAULT, "vault");

    // A selection deleted with DeleteBackupSelection: refresh drops it, up recreates it.
    aws.delete_selection(&plan_id, &selection_id);
    let refresh = stack.refresh().success();
    refresh.matches(r"- awsbackup:index:Selection: \(delete\)");
    assert!(
        stack.export().resource(&sel_urn).is_none(),
        "refresh kept a deleted selection:\n{refresh}"
    );
    let pending = stack.preview_expect_no_changes().failure();
    pending.matches(r"\+ awsbackup:index:Selection: \(create\)");
    stack.up().success().contains("1 created");
    let recreated = aws.selection_ids(&plan_id);
    assert_eq!(recreated.len(), 1);
    assert_ne!(recreated[0], selection_id);
    assert_eq!(
        aws.selection(&plan_id, &recreated[0])
            .unwrap()
            .selection_name,
        "drift-selection"
    );
    stack.preview_expect_no_changes().success();

    // A lock removed with DeleteBackupVaultLockConfiguration: refresh drops it, up relocks.
    aws.delete_lock(VAULT_NAME);
    assert_eq!(aws.lock_range(VAULT_NAME), None);
    let refresh = stack.refresh().success();
    refresh.matches(r"- awsbackup:index:VaultLock: \(delete\)");
    let export = stack.export();
    assert!(
        export.resource(&lock_urn).is_none(),
        "refresh kept a removed lock:\n{refresh}"
    );
    assert_eq!(
        export.resource(&vault_urn).unwrap()["outputs"]["locked"],
        json!(false),
        "refresh records the vault as unlocked:\n{refresh}"
    );
    let pending = stack.preview_expect_no_changes().failure();
    pending.matches(r"\+ awsbackup:index:VaultLock: \(create\)");
    stack.up().success();
    assert_eq!(aws.lock_range(VAULT_NAME), Some((Some(7), Some(365))));
    stack.refresh().success();
    stack.preview_expect_no_changes().success();

    // A vault's tags changed with TagResource / UntagResource.
    let vault_arn = aws.vault_arn(VAULT_NAME);
    aws.tag(&vault_arn, &[("owner", "sdk")]);
    aws.untag(&vault_arn, &["team"]);
    let refresh = stack.refresh().success();
    refresh
        .matches(r"~ awsbackup:index:Vault: \(update\)")
        .matches(r#"\+ owner *: "sdk""#)
        .matches(r#"- team *: "backup""#);
    assert_eq!(
        stack.export().resource(&vault_urn).unwrap()["inputs"]["tags"],
        json!({"owner": "sdk"})
    );
    let pending = stack.preview_expect_no_changes().failure();
    pending.matches(r"~ awsbackup:index:Vault: \(update\)");
    stack.up().success();
    assert_eq!(aws.tags(&vault_arn), tag_map(&[("team", "backup")]));
    stack.preview_expect_no_changes().success();

    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
    assert_eq!(aws.plan_ids(), Vec::<String>::new());
}
