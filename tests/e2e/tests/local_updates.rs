//! Every update path of plans, selections and vault locks, through the
//! real Pulumi CLI against the project's local AWS Backup endpoint. The AWS SDK checks that an
//! update stayed an update (same ids) and that a replacement really replaced.

use awsbackup_e2e::{yaml_program, Aws, Local, Stack, DAY_SECONDS};
use serde_json::{json, Value};

const LOCK: &str = "awsbackup:index:VaultLock";
const PLAN: &str = "awsbackup:index:Plan";
const SELECTION: &str = "awsbackup:index:Selection";
const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";

/// A vault, a plan named `plan_name` with `rules` (YAML list items indented by 8) and a selection
/// with `selection` (YAML properties indented by 6, after planId and iamRoleArn).
fn plan_program(plan_name: &str, rules: &str, selection: &str) -> String {
    yaml_program(
        "awsbackup-updates",
        &format!(
            r#"resources:
  vault:
    type: awsbackup:index:Vault
    properties:
      name: updates-vault
      forceDestroy: true
  plan:
    type: awsbackup:index:Plan
    properties:
      name: {plan_name}
      rules:
{rules}      tags:
        team: backup
  sel:
    type: awsbackup:index:Selection
    properties:
      planId: ${{plan.planId}}
      iamRoleArn: {ROLE}
{selection}outputs:
  planId: ${{plan.planId}}
  versionId: ${{plan.versionId}}
  selectionId: ${{sel.selectionId}}
"#
        ),
    )
}

/// A rule in the YAML of [`plan_program`].
fn rule(name: &str, schedule: &str, delete_after_days: u32) -> String {
    format!(
        "        - ruleName: {name}\n          targetVaultName: ${{vault.name}}\n          \
         scheduleExpression: {schedule}\n          lifecycle:\n            \
         deleteAfterDays: {delete_after_days}\n"
    )
}

const ONE_BUCKET: &str =
    "      name: one-bucket\n      resources:\n        - arn:aws:s3:::bucket-a\n";

/// (rule name, deleteAfterDays, schedule) of every rule of a plan on AWS, sorted by name.
fn live_rules(aws: &Aws, plan_id: &str) -> Vec<(String, Option<i64>, String)> {
    let mut rules: Vec<_> = aws
        .plan_document(plan_id)
        .rules
        .iter()
        .map(|r| {
            (
                r.rule_name.clone(),
                r.lifecycle.as_ref().and_then(|l| l.delete_after_days),
                r.schedule_expression.clone().unwrap_or_default(),
            )
        })
        .collect();
    rules.sort();
    rules
}

fn version_id(stack: &Stack) -> String {
    stack.outputs()["versionId"]
        .as_str()
        .expect("a versionId output")
        .to_string()
}

fn state_outputs(stack: &Stack, token: &str, name: &str) -> Value {
    let export = stack.export();
    export
        .resource(&stack.urn(token, name))
        .unwrap_or_else(|| panic!("{token} {name} is not in the state:\n{export}"))["outputs"]
        .clone()
}

/// A rule field changed, a rule added, rules reordered and a rule removed: all in-place updates
/// of the same plan, each with a new version.
#[test]
fn plan_rule_changes_are_in_place_updates_matched_by_rule_name() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let daily = rule("daily", "cron(0 5 ? * * *)", 30);
    let stack = Stack::new(
        &plan_program("rules-plan", &daily, ONE_BUCKET),
        local.endpoint(),
    );
    stack.up().success();
    let plan_id = stack.outputs()["planId"].as_str().unwrap().to_string();
    let v1 = version_id(&stack);
    let selection_id = stack.outputs()["selectionId"].clone();
    let rule_id = state_outputs(&stack, PLAN, "plan")["rules"][0]["ruleId"].clone();
    assert!(rule_id.is_string(), "the rule has an id in the state");
    let plan_urn = stack.urn(PLAN, "plan");
    let sel_urn = stack.urn(SELECTION, "sel");

    // A rule field: an update naming the field's path, not a replacement.
    let daily45 = rule("daily", "cron(0 5 ? * * *)", 45);
    stack.write_program(&plan_program("rules-plan", &daily45, ONE_BUCKET));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&plan_urn), "update", "{preview}");
    assert_eq!(
        preview.detailed_diff(&plan_urn),
        [(
            "rules[0].lifecycle.deleteAfterDays".to_string(),
            "update".to_string()
        )]
        .into(),
        "{preview}"
    );
    assert!(preview.unchanged(&sel_urn), "{preview}");
    stack
        .preview_diff()
        .success()
        .matches(r"~ awsbackup:index:Plan: \(update\)")
        .matches(r"~ deleteAfterDays: 30 => 45")
        .lacks("replace");
    stack.up().success().contains("1 updated").lacks("replaced");
    let v2 = version_id(&stack);
    assert_ne!(v2, v1, "an update makes a new plan version");
    assert_eq!(
        aws.plan(&plan_id).expect("same plan").version_id.as_deref(),
        Some(v2.as_str())
    );
    assert_eq!(
        state_outputs(&stack, PLAN, "plan")["versionId"],
        json!(v2),
        "the state records the new version"
    );
    assert_eq!(
        live_rules(&aws, &plan_id),
        vec![("daily".into(), Some(45), "cron(0 5 ? * * *)".into())]
    );
    assert_eq!(
        aws.plan_ids(),
        vec![plan_id.clone()],
        "the plan was not replaced"
    );
    assert_eq!(stack.outputs()["selectionId"], selection_id);
    stack.preview_expect_no_changes().success();

    // A rule added: an update of the same plan.
    let weekly = rule("weekly", "cron(0 3 ? * 1 *)", 90);
    stack.write_program(&plan_program(
        "rules-plan",
        &format!("{daily45}{weekly}"),
        ONE_BUCKET,
    ));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&plan_urn), "update", "{preview}");
    assert_eq!(
        preview.detailed_diff(&plan_urn),
        [("rules[1]".to_string(), "add".to_string())].into(),
        "{preview}"
    );
    stack.up().success().contains("1 updated");
    let v3 = version_id(&stack);
    assert_ne!(v3, v2);
    assert_eq!(
        live_rules(&aws, &plan_id),
        vec![
            ("daily".into(), Some(45), "cron(0 5 ? * * *)".into()),
            ("weekly".into(), Some(90), "cron(0 3 ? * 1 *)".into()),
        ]
    );
    assert_eq!(
        state_outputs(&stack, PLAN, "plan")["rules"][0]["ruleId"],
        rule_id,
        "the untouched rule keeps its id"
    );
    stack.preview_expect_no_changes().success();

    // Rules are matched by name: reordering them is no change.
    stack.write_program(&plan_program(
        "rules-plan",
        &format!("{weekly}{daily45}"),
        ONE_BUCKET,
    ));
    stack.preview_expect_no_changes().success();

    // A rule removed: an update of the same plan.
    stack.write_program(&plan_program("rules-plan", &weekly, ONE_BUCKET));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&plan_urn), "update", "{preview}");
    let diff = preview.detailed_diff(&plan_urn);
    assert!(
        diff.values().any(|k| k == "delete") && diff.values().all(|k| !k.contains("replace")),
        "removing a rule is a deletion in the diff: {diff:?}\n{preview}"
    );
    stack.up().success().contains("1 updated");
    assert_ne!(version_id(&stack), v3);
    assert_eq!(
        live_rules(&aws, &plan_id),
        vec![("weekly".into(), Some(90), "cron(0 3 ? * 1 *)".into())]
    );
    assert_eq!(aws.plan_ids(), vec![plan_id.clone()]);
    assert_eq!(aws.selection_ids(&plan_id).len(), 1);
    stack.preview_expect_no_changes().success();

    stack.destroy().success();
    assert_eq!(aws.plan_ids(), Vec::<String>::new());
    assert_eq!(aws.vault_names(), Vec::<String>::new());
}

/// A plan rename replaces the plan; the selection that references its id follows (replaced into
/// the new plan) and the old plan is gone from AWS.
#[test]
fn plan_rename_replaces_the_plan_and_its_selection_follows() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let daily = rule("daily", "cron(0 5 ? * * *)", 30);
    let stack = Stack::new(
        &plan_program("first-name", &daily, ONE_BUCKET),
        local.endpoint(),
    );
    stack.up().success();
    let old_plan = stack.outputs()["planId"].as_str().unwrap().to_string();
    let old_selection = stack.outputs()["selectionId"].as_str().unwrap().to_string();
    assert_eq!(aws.selection_ids(&old_plan), vec![old_selection.clone()]);
    let plan_urn = stack.urn(PLAN, "plan");
    let sel_urn = stack.urn(SELECTION, "sel");

    stack.write_program(&plan_program("second-name", &daily, ONE_BUCKET));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&plan_urn), "replace", "{preview}");
    assert_eq!(
        preview.replace_reasons(&plan_urn),
        vec!["name"],
        "{preview}"
    );
    assert_eq!(preview.op(&sel_urn), "replace", "{preview}");
    assert_eq!(
        preview.replace_reasons(&sel_urn),
        vec!["planId"],
        "{preview}"
    );
    stack
        .preview()
        .success()
        .matches(r"\+- +awsbackup:index:Plan plan replace \[diff: ~name\]")
        .matches(r"\+- +awsbackup:index:Selection sel replace \[diff: ~planId\]")
        .contains("2 to replace");

    stack.up().success().contains("2 replaced");
    let new_plan = stack.outputs()["planId"].as_str().unwrap().to_string();
    let new_selection = stack.outputs()["selectionId"].as_str().unwrap().to_string();
    assert_ne!(new_plan, old_plan);
    assert_eq!(aws.plan_names(), vec!["second-name".to_string()]);
    assert_eq!(aws.plan_ids(), vec![new_plan.clone()]);
    assert!(
        aws.plan(&old_plan).is_none(),
        "the old plan is still on AWS"
    );
    assert_eq!(aws.selection_ids(&new_plan), vec![new_selection.clone()]);
    let selection = aws
        .selection(&new_plan, &new_selection)
        .expect("the selection follows the plan");
    assert_eq!(selection.selection_name, "one-bucket");
    assert_eq!(selection.resources(), ["arn:aws:s3:::bucket-a".to_string()]);
    let export = stack.export();
    let sel = export
        .resource(&sel_urn)
        .expect("the selection is in the state");
    assert_eq!(sel["id"], json!(format!("{new_plan}|{new_selection}")));
    assert_eq!(sel["outputs"]["planId"], json!(new_plan));
    stack.preview_expect_no_changes().success();

    stack.destroy().success();
    assert_eq!(aws.plan_ids(), Vec::<String>::new());
}

/// Any change to a selection replaces it, and the preview names the property that forced it;
/// reordering its lists is no change.
#[test]
fn selection_changes_replace_it_naming_the_property() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let daily = rule("daily", "cron(0 5 ? * * *)", 30);
    let two_buckets =
        "      name: buckets\n      resources:\n        - arn:aws:s3:::bucket-a\n        \
                       - arn:aws:s3:::bucket-b\n";
    let stack = Stack::new(
        &plan_program("selection-plan", &daily, two_buckets),
        local.endpoint(),
    );
    stack.up().success();
    let plan_id = stack.outputs()["planId"].as_str().unwrap().to_string();
    let first = stack.outputs()["selectionId"].as_str().unwrap().to_string();
    let sel_urn = stack.urn(SELECTION, "sel");

    // The same ARNs in another order: nothing to do.
    let reordered =
        "      name: buckets\n      resources:\n        - arn:aws:s3:::bucket-b\n        \
                     - arn:aws:s3:::bucket-a\n";
    stack.write_program(&plan_program("selection-plan", &daily, reordered));
    stack.preview_expect_no_changes().success();

    // Other resources: a replacement, forced by `resources`.
    let changed = "      name: buckets\n      resources:\n        - arn:aws:s3:::bucket-c\n";
    stack.write_program(&plan_program("selection-plan", &daily, changed));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&sel_urn), "replace", "{preview}");
    assert_eq!(
        preview.replace_reasons(&sel_urn),
        vec!["resources"],
        "{preview}"
    );
    assert!(preview.unchanged(&stack.urn(PLAN, "plan")), "{preview}");
    stack
        .preview()
        .success()
        .matches(r"\+- +awsbackup:index:Selection sel replace \[diff: ~resources\]")
        .contains("1 to replace");
    stack.up().success().contains("1 replaced");
    let second = stack.outputs()["selectionId"].as_str().unwrap().to_string();
    assert_ne!(second, first, "a replacement makes a new selection");
    assert_eq!(aws.selection_ids(&plan_id), vec![second.clone()]);
    assert!(aws.selection(&plan_id, &first).is_none());
    assert_eq!(
        aws.selection(&plan_id, &second).unwrap().resources(),
        ["arn:aws:s3:::bucket-c".to_string()]
    );
    stack.preview_expect_no_changes().success();

    // Tag conditions added: a replacement, forced by `conditions`.
    let conditioned = format!(
        "{changed}      conditions:\n        stringEquals:\n          - conditionKey: \
         aws:ResourceTag/backup\n            conditionValue: daily\n"
    );
    stack.write_program(&plan_program("selection-plan", &daily, &conditioned));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&sel_urn), "replace", "{preview}");
    assert_eq!(
        preview.replace_reasons(&sel_urn),
        vec!["conditions"],
        "{preview}"
    );
    stack
        .preview()
        .success()
        .matches(r"\+- +awsbackup:index:Selection sel replace \[diff: \+conditions\]");
    stack.up().success().contains("1 replaced");
    let third = stack.outputs()["selectionId"].as_str().unwrap().to_string();
    assert_ne!(third, second);
    assert_eq!(aws.selection_ids(&plan_id), vec![third.clone()]);
    let live = aws.selection(&plan_id, &third).unwrap();
    let equals = live.conditions.as_ref().unwrap().string_equals();
    assert_eq!(equals.len(), 1, "{live:?}");
    assert_eq!(
        equals[0].condition_value.as_deref(),
        Some("daily"),
        "{live:?}"
    );
    stack.preview_expect_no_changes().success();

    stack.destroy().success();
    assert_eq!(aws.plan_ids(), Vec::<String>::new());
}

fn lock_program(lock_props: &str) -> String {
    yaml_program(
        "awsbackup-locks",
        &format!(
            r#"resources:
  vault:
    type: awsbackup:index:Vault
    properties:
      name: locked-vault
  lock:
    type: awsbackup:index:VaultLock
    properties:
      backupVaultName: ${{vault.name}}
{lock_props}"#
        ),
    )
}

/// A governance lock's retention range changes in place (`~`), and AWS has the new range.
#[test]
fn governance_lock_changes_in_place() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::new(
        &lock_program("      minRetentionDays: 7\n      maxRetentionDays: 100\n"),
        local.endpoint(),
    );
    stack.up().success();
    assert_eq!(aws.lock_range("locked-vault"), Some((Some(7), Some(100))));
    let lock_urn = stack.urn(LOCK, "lock");

    stack.write_program(&lock_program(
        "      minRetentionDays: 14\n      maxRetentionDays: 200\n",
    ));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&lock_urn), "update", "{preview}");
    assert_eq!(
        preview.detailed_diff(&lock_urn),
        [
            ("maxRetentionDays".to_string(), "update".to_string()),
            ("minRetentionDays".to_string(), "update".to_string())
        ]
        .into(),
        "{preview}"
    );
    stack
        .preview()
        .success()
        .matches(
            r"~ +awsbackup:index:VaultLock lock update \[diff: ~maxRetentionDays,minRetentionDays\]",
        )
        .lacks("replace");
    stack.up().success().contains("1 updated").lacks("replaced");
    assert_eq!(aws.lock_range("locked-vault"), Some((Some(14), Some(200))));
    let outputs = state_outputs(&stack, LOCK, "lock");
    assert_eq!(outputs["minRetentionDays"], json!(14));
    assert_eq!(outputs["maxRetentionDays"], json!(200));
    assert_eq!(outputs["mode"], json!("governance"));
    stack.preview_expect_no_changes().success();

    // Dropping the maximum is an in-place update too.
    stack.write_program(&lock_program("      minRetentionDays: 14\n"));
    stack
        .preview()
        .success()
        .matches(r"~ +awsbackup:index:VaultLock lock update \[diff: -maxRetentionDays\]");
    stack.up().success().contains("1 updated");
    assert_eq!(aws.lock_range("locked-vault"), Some((Some(14), None)));
    stack.preview_expect_no_changes().success();

    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
}

/// A compliance lock can change while it is changeable; once the endpoint's clock passes its
/// lock date, a change fails with "immutable since" at preview and at up, and AWS keeps the old
/// range.
#[test]
fn compliance_lock_is_immutable_after_its_lock_date() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let compliance = |min: u32, max: u32| {
        lock_program(&format!(
            "      minRetentionDays: {min}\n      maxRetentionDays: {max}\n      changeableForDays: 3\n"
        ))
    };
    let stack = Stack::new(&compliance(7, 100), local.endpoint());
    stack.up().success();
    let vault = aws.vault("locked-vault").expect("the vault exists");
    assert_eq!(vault.locked, Some(true));
    assert!(
        vault.lock_date.is_some(),
        "a compliance lock has a lock date"
    );
    let outputs = state_outputs(&stack, LOCK, "lock");
    assert_eq!(outputs["mode"], json!("compliance"), "{outputs}");
    assert!(outputs["lockDate"].is_string(), "{outputs}");

    // Still changeable: an in-place update.
    stack.write_program(&compliance(7, 120));
    stack
        .preview()
        .success()
        .matches(r"~ +awsbackup:index:VaultLock lock update \[diff: ~maxRetentionDays\]");
    stack.up().success().contains("1 updated");
    assert_eq!(aws.lock_range("locked-vault"), Some((Some(7), Some(120))));
    stack.preview_expect_no_changes().success();

    // Four days later (by AWS's clock) the lock is immutable.
    local.advance_clock(4 * DAY_SECONDS);
    stack.write_program(&compliance(7, 150));
    // The endpoint's Date header carries its clock, so the refusal comes at preview already.
    stack
        .preview()
        .failure()
        .contains("the compliance-mode vault lock on 'locked-vault' has been immutable since")
        .contains("AWS refuses every change to it and its removal");
    stack.up().failure().contains("immutable since");
    assert_eq!(
        aws.lock_range("locked-vault"),
        Some((Some(7), Some(120))),
        "AWS must keep the old range"
    );
    assert_eq!(
        state_outputs(&stack, LOCK, "lock")["maxRetentionDays"],
        json!(120),
        "the state keeps the old range"
    );

    // Destroy cannot remove it either, and says how to stop managing it.
    stack.write_program(&compliance(7, 120));
    let destroy = stack.destroy().failure();
    destroy
        .contains("immutable since")
        .contains("pulumi state delete");
    assert_eq!(aws.lock_range("locked-vault"), Some((Some(7), Some(120))));
    stack.state_delete(&stack.urn(LOCK, "lock")).success();
    assert!(stack.export().of_type(LOCK).is_empty());
}
