//! `pulumi import` (and the `import` resource option) adopt a vault, its
//! lock, a plan and a selection created with the AWS SDK on the project's local AWS Backup
//! endpoint; a program declaring the same resources then has nothing to do.

use std::collections::HashMap;

use awsbackup_e2e::backup_types::{
    BackupPlanInput, BackupRuleInput, BackupSelection, ConditionParameter, Conditions, Lifecycle,
};
use awsbackup_e2e::{yaml_program, Aws, Local, Stack};
use serde_json::json;

const VAULT: &str = "awsbackup:index:Vault";
const LOCK: &str = "awsbackup:index:VaultLock";
const PLAN: &str = "awsbackup:index:Plan";
const SELECTION: &str = "awsbackup:index:Selection";
const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";

/// What the SDK created: (vault name, plan id, selection id).
struct Adopted {
    vault: String,
    plan_id: String,
    selection_id: String,
}

/// Creates with the SDK a vault (tagged), its lock, a two-rule plan (tagged) and a selection
/// narrowed by a tag condition.
fn create_with_sdk(aws: &Aws, vault: &str, changeable_for_days: Option<i64>) -> Adopted {
    aws.create_vault(vault, &[("owner", "sdk")]);
    aws.put_lock(vault, Some(7), Some(90), changeable_for_days);
    let rules = vec![
        BackupRuleInput::builder()
            .rule_name("daily")
            .target_backup_vault_name(vault)
            .schedule_expression("cron(0 5 ? * * *)")
            .lifecycle(Lifecycle::builder().delete_after_days(30).build())
            .build()
            .unwrap(),
        BackupRuleInput::builder()
            .rule_name("monthly")
            .target_backup_vault_name(vault)
            .schedule_expression("cron(0 2 1 * ? *)")
            .schedule_expression_timezone("Europe/Paris")
            .start_window_minutes(120)
            .lifecycle(Lifecycle::builder().delete_after_days(90).build())
            .set_recovery_point_tags(Some(HashMap::from([(
                "kind".to_string(),
                "monthly".to_string(),
            )])))
            .build()
            .unwrap(),
    ];
    let (plan_id, _, _) = aws.create_plan(
        BackupPlanInput::builder()
            .backup_plan_name(format!("{vault}-plan"))
            .set_rules(Some(rules))
            .build()
            .unwrap(),
        &[("owner", "sdk")],
    );
    let selection_id = aws.create_selection(
        &plan_id,
        BackupSelection::builder()
            .selection_name("tagged-buckets")
            .iam_role_arn(ROLE)
            .resources("arn:aws:s3:::*")
            .not_resources("arn:aws:s3:::scratch-bucket")
            .conditions(
                Conditions::builder()
                    .string_equals(
                        ConditionParameter::builder()
                            .condition_key("aws:ResourceTag/backup")
                            .condition_value("daily")
                            .build(),
                    )
                    .build(),
            )
            .build()
            .unwrap(),
    );
    Adopted {
        vault: vault.to_string(),
        plan_id,
        selection_id,
    }
}

/// The program that declares what [`create_with_sdk`] created; `options(name)` adds resource
/// options (indented by 6) to the resource `name`.
fn declaring_program(a: &Adopted, changeable: &str, options: impl Fn(&str) -> String) -> String {
    let vault = &a.vault;
    yaml_program(
        "awsbackup-adopt",
        &format!(
            r#"resources:
  vault:
    type: awsbackup:index:Vault
    properties:
      name: {vault}
      tags:
        owner: sdk
{vault_options}  lock:
    type: awsbackup:index:VaultLock
    properties:
      backupVaultName: ${{vault.name}}
      minRetentionDays: 7
      maxRetentionDays: 90
{changeable}{lock_options}  plan:
    type: awsbackup:index:Plan
    properties:
      name: {vault}-plan
      rules:
        - ruleName: daily
          targetVaultName: ${{vault.name}}
          scheduleExpression: cron(0 5 ? * * *)
          lifecycle:
            deleteAfterDays: 30
        - ruleName: monthly
          targetVaultName: ${{vault.name}}
          scheduleExpression: cron(0 2 1 * ? *)
          scheduleExpressionTimezone: Europe/Paris
          startWindowMinutes: 120
          lifecycle:
            deleteAfterDays: 90
          recoveryPointTags:
            kind: monthly
      tags:
        owner: sdk
{plan_options}  sel:
    type: awsbackup:index:Selection
    properties:
      planId: ${{plan.planId}}
      name: tagged-buckets
      iamRoleArn: {ROLE}
      resources:
        - arn:aws:s3:::*
      notResources:
        - arn:aws:s3:::scratch-bucket
      conditions:
        stringEquals:
          - conditionKey: aws:ResourceTag/backup
            conditionValue: daily
{sel_options}"#,
            vault_options = options("vault"),
            lock_options = options("lock"),
            plan_options = options("plan"),
            sel_options = options("sel"),
        ),
    )
}

/// Counts of what AWS holds: (vaults, plans, selections of the plan).
fn aws_counts(aws: &Aws, a: &Adopted) -> (usize, usize, usize) {
    (
        aws.vault_names().len(),
        aws.plan_ids().len(),
        aws.selection_ids(&a.plan_id).len(),
    )
}

/// `pulumi import` of each type, then the program declaring them has no changes; destroy then
/// deletes them (they are managed now).
#[test]
fn pulumi_import_adopts_each_resource_type() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let a = create_with_sdk(&aws, "adopted-vault", None);
    let before = aws_counts(&aws, &a);
    assert_eq!(before, (1, 1, 1));
    let plan_version = aws.plan(&a.plan_id).unwrap().version_id;

    let program = declaring_program(&a, "", |_| String::new());
    let stack = Stack::new(&program, local.endpoint());
    let selection_import_id = format!("{}|{}", a.plan_id, a.selection_id);
    for (token, name, id) in [
        (VAULT, "vault", a.vault.as_str()),
        (LOCK, "lock", a.vault.as_str()),
        (PLAN, "plan", a.plan_id.as_str()),
        (SELECTION, "sel", selection_import_id.as_str()),
    ] {
        let out = stack.import(token, name, id).success();
        out.contains("imported");
        let export = stack.export();
        let resource = export
            .resource(&stack.urn(token, name))
            .unwrap_or_else(|| panic!("{token} {name} is not in the state:\n{out}\n{export}"));
        assert_eq!(resource["id"], json!(id), "{token}");
        assert_ne!(resource["protect"], json!(true));
    }
    // The imports only read.
    assert_eq!(aws_counts(&aws, &a), before);
    assert_eq!(aws.plan(&a.plan_id).unwrap().version_id, plan_version);

    let export = stack.export();
    let lock = export.resource(&stack.urn(LOCK, "lock")).unwrap();
    assert_eq!(lock["inputs"]["minRetentionDays"], json!(7));
    assert_eq!(lock["inputs"]["maxRetentionDays"], json!(90));
    assert_eq!(lock["outputs"]["mode"], json!("governance"));
    let plan = export.resource(&stack.urn(PLAN, "plan")).unwrap();
    assert_eq!(plan["inputs"]["name"], json!("adopted-vault-plan"));
    assert_eq!(plan["inputs"]["tags"], json!({"owner": "sdk"}));
    assert_eq!(plan["outputs"]["planId"], json!(a.plan_id));
    assert_eq!(plan["outputs"]["versionId"], json!(plan_version));
    let sel = export.resource(&stack.urn(SELECTION, "sel")).unwrap();
    assert_eq!(sel["inputs"]["planId"], json!(a.plan_id));
    assert_eq!(sel["inputs"]["resources"], json!(["arn:aws:s3:::*"]));
    assert_eq!(sel["outputs"]["selectionId"], json!(a.selection_id));

    // The program that declares them as they are: nothing to do.
    stack.preview_expect_no_changes().success();

    // Managed now: destroy removes them all.
    stack.destroy().success().contains("5 deleted");
    assert_eq!(aws.vault_names(), Vec::<String>::new());
    assert_eq!(aws.plan_ids(), Vec::<String>::new());
}

/// The `import` resource option on each resource (with a compliance lock, whose
/// changeableForDays AWS never returns): up adopts them without creating anything, and the
/// program then has nothing to do.
#[test]
fn import_resource_option_adopts_each_resource_type() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let a = create_with_sdk(&aws, "optioned-vault", Some(30));
    let before = aws_counts(&aws, &a);
    let lock_date = aws.vault("optioned-vault").unwrap().lock_date;
    assert!(lock_date.is_some());

    let selection_import_id = format!("{}|{}", a.plan_id, a.selection_id);
    let ids = HashMap::from([
        ("vault", a.vault.clone()),
        ("lock", a.vault.clone()),
        ("plan", a.plan_id.clone()),
        ("sel", selection_import_id.clone()),
    ]);
    let importing = declaring_program(&a, "      changeableForDays: 30\n", |name| {
        format!("    options:\n      import: \"{}\"\n", ids[name])
    });
    let stack = Stack::new(&importing, local.endpoint());
    let preview = stack.preview().success();
    preview
        .matches(r"= +awsbackup:index:Vault vault import")
        .matches(r"= +awsbackup:index:VaultLock lock import")
        .matches(r"= +awsbackup:index:Plan plan import")
        .matches(r"= +awsbackup:index:Selection sel import")
        .contains("4 to import");
    let up = stack.up().success();
    up.contains("4 imported");
    assert_eq!(aws_counts(&aws, &a), before, "the import created something");
    assert_eq!(
        aws.vault("optioned-vault").unwrap().lock_date,
        lock_date,
        "the import changed the lock"
    );
    let export = stack.export();
    let lock = export.resource(&stack.urn(LOCK, "lock")).unwrap();
    assert_eq!(lock["outputs"]["mode"], json!("compliance"), "{export}");
    assert_eq!(
        export.resource(&stack.urn(SELECTION, "sel")).unwrap()["id"],
        json!(selection_import_id)
    );

    // Without the import options, the same program has nothing to do.
    stack.write_program(&declaring_program(
        &a,
        "      changeableForDays: 30\n",
        |_| String::new(),
    ));
    stack.preview_expect_no_changes().success();

    // The compliance lock is still changeable (30 days): destroy removes everything.
    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
    assert_eq!(aws.plan_ids(), Vec::<String>::new());
}

/// Right after `pulumi import` the state records no dependency between a selection and its plan,
/// so nothing stops a destroy from deleting the plan while its selection stays (here a targeted
/// one). The plan's delete then fails within its grace, naming the selection and the advice,
/// instead of waiting out two minutes. The documented `pulumi up` records the dependencies: the
/// same targeted destroy is then refused by the engine, and a full destroy leaves nothing.
#[test]
fn destroy_right_after_an_import_fails_fast_and_the_documented_up_fixes_it() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let a = create_with_sdk(&aws, "imported-order", None);
    let program = declaring_program(&a, "", |_| String::new());
    let stack = Stack::new(&program, local.endpoint());
    let selection_import_id = format!("{}|{}", a.plan_id, a.selection_id);
    stack
        .import_all(&[
            (VAULT, "vault", a.vault.as_str()),
            (LOCK, "lock", a.vault.as_str()),
            (PLAN, "plan", a.plan_id.as_str()),
            (SELECTION, "sel", selection_import_id.as_str()),
        ])
        .success()
        .contains("4 imported");
    let plan_urn = stack.urn(PLAN, "plan");
    let destroy_plan =
        || stack.pulumi(&["destroy", "--yes", "--skip-preview", "--target", &plan_urn]);
    let started = std::time::Instant::now();
    let destroy = destroy_plan().failure();
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(75),
        "the plan's delete took {took:?}\n{destroy}"
    );
    destroy
        .contains(&format!("'tagged-buckets' ({selection_import_id})"))
        .contains("pulumi import")
        .contains("run `pulumi up`");
    assert_eq!(aws.plan_ids(), vec![a.plan_id.clone()]);
    assert_eq!(aws.selection_ids(&a.plan_id), vec![a.selection_id.clone()]);

    // The README's advice: one `pulumi up` of the program, whose selection refers to the plan.
    stack
        .pulumi(&["up", "--yes", "--expect-no-changes"])
        .success();
    let export = stack.export();
    let sel = export.resource(&stack.urn(SELECTION, "sel")).unwrap();
    assert!(
        sel["dependencies"]
            .as_array()
            .is_some_and(|d| d.contains(&json!(plan_urn))),
        "{sel}"
    );
    // Now the engine knows the selection depends on the plan.
    destroy_plan().failure().contains("--target-dependents");
    assert_eq!(aws.plan_ids(), vec![a.plan_id.clone()]);
    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
    assert_eq!(aws.plan_ids(), Vec::<String>::new());
}
