//! The provider functions through the real Pulumi CLI (`fn::invoke` in YAML) on the project's
//! local AWS Backup endpoint: getVault, getPlan (by id and by name), getSelection and
//! getRecoveryPoints against what the stack creates and against a vault it does not own (made
//! out of band, with recovery points), the exported results checked against the endpoint. A
//! lookup whose inputs are known runs at preview too; one whose inputs come from resources not
//! created yet waits for them. A secret input gives a secret result; a missing vault and a bad
//! input fail the preview, naming what was asked or the input; without credentials a preview
//! with a lookup fails with AWS's credential error.

use aws_sdk_backup::primitives::{DateTime, DateTimeFormat};
use awsbackup_e2e::{backup_types, yaml_program, Aws, Local, Stack};
use serde_json::{json, Value};

const SHARED: &str = "shared-vault";
const ROLE: &str = "arn:aws:iam::123456789012:role/backup";
const VOLUME: &str = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";

/// The program: a vault, a plan into it and a selection of the plan, and lookups of each and of
/// the shared vault. `lookups` is appended to the `variables:` (to add a failing one).
fn program(created_after: &str, lookups: &str) -> String {
    yaml_program(
        "awsbackup-functions",
        &format!(
            r#"resources:
  vault:
    type: awsbackup:index:Vault
    properties:
      name: own-vault
      tags: {{ team: backup }}
  plan:
    type: awsbackup:index:Plan
    properties:
      name: fn-plan
      rules:
        - ruleName: daily
          targetVaultName: ${{vault.name}}
          scheduleExpression: cron(0 6 ? * * *)
          lifecycle: {{ deleteAfterDays: 30 }}
  selection:
    type: awsbackup:index:Selection
    properties:
      planId: ${{plan.planId}}
      name: volumes
      iamRoleArn: {ROLE}
      resources: [{VOLUME}]
variables:
  # A vault this stack does not own: its name is known, so it is looked up at preview too.
  shared:
    fn::invoke:
      function: awsbackup:index:getVault
      arguments:
        name: {SHARED}
  sharedSecret:
    fn::invoke:
      function: awsbackup:index:getVault
      arguments:
        name:
          fn::secret: {SHARED}
  volumePoints:
    fn::invoke:
      function: awsbackup:index:getRecoveryPoints
      arguments:
        backupVaultName: {SHARED}
        resourceType: EBS
  recentPoints:
    fn::invoke:
      function: awsbackup:index:getRecoveryPoints
      arguments:
        backupVaultName: {SHARED}
        createdAfter: "{created_after}"
  # The stack's own things: the plan id is unknown until the plan exists, and so is everything
  # looked up from it.
  planById:
    fn::invoke:
      function: awsbackup:index:getPlan
      arguments:
        planId: ${{plan.planId}}
  planByName:
    fn::invoke:
      function: awsbackup:index:getPlan
      arguments:
        name: ${{planById.name}}
  targetVault:
    fn::invoke:
      function: awsbackup:index:getVault
      arguments:
        name: ${{planById.rules[0].targetVaultName}}
  selectionLookup:
    fn::invoke:
      function: awsbackup:index:getSelection
      arguments:
        planId: ${{plan.planId}}
        selectionId: ${{selection.selectionId}}
{lookups}outputs:
  shared: ${{shared}}
  sharedSecretArn: ${{sharedSecret.arn}}
  volumePoints: ${{volumePoints.recoveryPoints}}
  recentPoints: ${{recentPoints.recoveryPoints}}
  planById: ${{planById}}
  planByName: ${{planByName}}
  targetVault: ${{targetVault}}
  selection: ${{selectionLookup}}
  planId: ${{plan.planId}}
  selectionId: ${{selection.selectionId}}
"#
        ),
    )
}

/// Backs `resource` up into the shared vault out of band, keeping it `days` days.
fn back_up(aws: &Aws, resource: &str, days: Option<i64>) {
    let lifecycle = days.map(|d| {
        backup_types::Lifecycle::builder()
            .delete_after_days(d)
            .build()
    });
    aws.block_on(
        aws.client()
            .start_backup_job()
            .backup_vault_name(SHARED)
            .resource_arn(resource)
            .iam_role_arn(ROLE)
            .set_lifecycle(lifecycle)
            .send(),
    )
    .expect("StartBackupJob");
}

/// The shared vault's recovery points as AWS lists them.
fn listed_points(aws: &Aws) -> Vec<backup_types::RecoveryPointByBackupVault> {
    aws.block_on(
        aws.client()
            .list_recovery_points_by_backup_vault()
            .backup_vault_name(SHARED)
            .send(),
    )
    .expect("ListRecoveryPointsByBackupVault")
    .recovery_points
    .unwrap_or_default()
}

fn date(d: Option<&DateTime>) -> String {
    d.expect("a date").fmt(DateTimeFormat::DateTime).unwrap()
}

/// The AWS Backup calls answered after call number `mark` (`/_local/calls`): (operation, the
/// first label of the path, e.g. a vault name).
fn calls_since(local: &Local, mark: u64) -> Vec<(String, String)> {
    local.control("GET", "calls", None)["calls"]
        .as_array()
        .expect("a call log")
        .iter()
        .filter(|c| c["seq"].as_u64().unwrap_or(0) > mark)
        .map(|c| {
            (
                c["operation"].as_str().unwrap_or_default().to_string(),
                c["labels"][0].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The number of the last call answered, for [`calls_since`].
fn last_call(local: &Local) -> u64 {
    local.control("GET", "calls", None)["calls"]
        .as_array()
        .and_then(|c| c.last())
        .and_then(|c| c["seq"].as_u64())
        .unwrap_or(0)
}

fn arns(points: &Value) -> Vec<&str> {
    points
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {points}"))
        .iter()
        .map(|p| p["recoveryPointArn"].as_str().unwrap())
        .collect()
}

#[test]
fn functions_through_fn_invoke_with_the_cli() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let shared_arn = aws.create_vault(SHARED, &[("owner", "platform")]);
    aws.put_lock(SHARED, Some(7), Some(400), None);
    back_up(&aws, VOLUME, Some(30));
    back_up(&aws, TABLE, None);
    local.advance_clock(2 * 86_400);
    back_up(&aws, VOLUME, None);
    let points = listed_points(&aws);
    assert_eq!(points.len(), 3);
    // Between the first two points and the last one, written with an offset.
    let between = DateTime::from_secs(points[1].creation_date().unwrap().secs() + 3600);
    let created_after = date(Some(&between)).replace('Z', "+00:00");

    let stack = Stack::new(&program(&created_after, ""), local.endpoint());

    // Preview: the shared vault and its points are looked up (read-only); the stack's own
    // things do not exist yet, so their lookups wait.
    let (writes, mark) = (local.write_calls(), last_call(&local));
    stack.preview().success().contains("to create");
    assert_eq!(local.write_calls(), writes, "preview writes nothing");
    let previewed = calls_since(&local, mark);
    let count = |op: &str, label: &str| {
        previewed
            .iter()
            .filter(|(o, l)| o == op && l == label)
            .count()
    };
    assert_eq!(
        count("DescribeBackupVault", SHARED),
        2,
        "the two getVault of the shared vault: {previewed:?}"
    );
    assert_eq!(count("ListTags", &shared_arn), 2, "{previewed:?}");
    assert_eq!(count("ListRecoveryPointsByBackupVault", SHARED), 2);
    for op in ["GetBackupPlan", "ListBackupPlans", "GetBackupSelection"] {
        assert!(
            previewed.iter().all(|(o, _)| o != op),
            "{op} at the first preview: {previewed:?}"
        );
    }

    stack.up().success();
    let out: Value = serde_json::from_str(
        &stack
            .pulumi(&["stack", "output", "--json", "--show-secrets"])
            .success()
            .stdout,
    )
    .expect("outputs are JSON");

    // The shared vault, as AWS holds it.
    let live = aws.vault(SHARED).unwrap();
    assert_eq!(
        out["shared"],
        json!({
            "name": SHARED,
            "arn": shared_arn,
            "encryptionKeyArn": live.encryption_key_arn().unwrap(),
            "tags": {"owner": "platform"},
            "recoveryPoints": 3,
            "creationDate": date(live.creation_date()),
            "locked": true,
            "minRetentionDays": 7,
            "maxRetentionDays": 400,
            "vaultType": "BACKUP_VAULT",
            "vaultState": "AVAILABLE",
        })
    );
    assert_eq!(out["sharedSecretArn"], shared_arn);
    let plain: Value = serde_json::from_str(
        &stack
            .pulumi(&["stack", "output", "--json"])
            .success()
            .stdout,
    )
    .expect("outputs are JSON");
    assert_eq!(
        plain["sharedSecretArn"], "[secret]",
        "a secret input makes a secret result"
    );
    assert_eq!(plain["shared"]["arn"], shared_arn);

    // The points: by type, and by creation time.
    let volume_arns: Vec<&str> = points
        .iter()
        .filter(|p| p.resource_type() == Some("EBS"))
        .map(|p| p.recovery_point_arn().unwrap())
        .collect();
    assert_eq!(arns(&out["volumePoints"]), volume_arns);
    let first = &out["volumePoints"][0];
    assert_eq!(first["resourceArn"], VOLUME);
    assert_eq!(first["status"], "COMPLETED");
    assert_eq!(first["creationDate"], date(points[0].creation_date()));
    assert_eq!(first["lifecycle"], json!({"deleteAfterDays": 30}));
    assert_eq!(
        first["deleteAt"],
        date(points[0].calculated_lifecycle().unwrap().delete_at())
    );
    assert_eq!(
        arns(&out["recentPoints"]),
        [points[2].recovery_point_arn().unwrap()]
    );

    // The stack's own plan, by id and by name, and the vault its rule targets.
    let plan_id = out["planId"].as_str().unwrap();
    let plan = aws.plan(plan_id).unwrap();
    let rule = &plan.backup_plan().unwrap().rules()[0];
    assert_eq!(
        out["planById"],
        json!({
            "name": "fn-plan",
            "planId": plan_id,
            "arn": plan.backup_plan_arn().unwrap(),
            "versionId": plan.version_id().unwrap(),
            "creationDate": date(plan.creation_date()),
            "tags": {},
            "rules": [{
                "ruleName": "daily",
                "targetVaultName": "own-vault",
                "scheduleExpression": "cron(0 6 ? * * *)",
                "lifecycle": {"deleteAfterDays": 30},
                "ruleId": rule.rule_id().unwrap(),
            }],
        })
    );
    assert_eq!(out["planByName"], out["planById"]);
    assert_eq!(out["targetVault"]["name"], "own-vault");
    assert_eq!(out["targetVault"]["arn"], aws.vault_arn("own-vault"));
    assert_eq!(out["targetVault"]["tags"], json!({"team": "backup"}));
    assert_eq!(out["targetVault"]["locked"], false);

    // The stack's own selection.
    let selection_id = out["selectionId"].as_str().unwrap();
    let live_selection = aws.selection(plan_id, selection_id).unwrap();
    assert_eq!(out["selection"]["selectionId"], selection_id);
    assert_eq!(out["selection"]["planId"], plan_id);
    assert_eq!(out["selection"]["name"], live_selection.selection_name());
    assert_eq!(
        out["selection"]["iamRoleArn"],
        live_selection.iam_role_arn()
    );
    assert_eq!(out["selection"]["resources"], json!([VOLUME]));

    // Once everything exists, a preview looks every lookup up, and nothing changes.
    let mark = last_call(&local);
    stack.preview_expect_no_changes().success();
    let previewed = calls_since(&local, mark);
    for (op, label) in [
        ("GetBackupPlan", plan_id),
        ("ListBackupPlans", ""),
        ("GetBackupSelection", plan_id),
        ("DescribeBackupVault", "own-vault"),
    ] {
        assert!(
            previewed.iter().any(|(o, l)| o == op && l == label),
            "{op} {label} at preview: {previewed:?}"
        );
    }

    // A lookup of a vault that does not exist fails the preview, naming the vault and where.
    let writes = local.write_calls();
    let missing = "  missing:\n    fn::invoke:\n      function: awsbackup:index:getVault\n      \
                   arguments:\n        name: no-such-vault\n";
    stack.write_program(&program(&created_after, missing));
    stack.preview().failure().contains(
        "getVault: no backup vault named 'no-such-vault' in us-east-1 (account 123456789012)",
    );
    // A bad input fails it naming the input.
    let bad = "  bad:\n    fn::invoke:\n      function: awsbackup:index:getRecoveryPoints\n      \
               arguments:\n        backupVaultName: shared-vault\n        createdAfter: yesterday\n";
    stack.write_program(&program(&created_after, bad));
    stack
        .preview()
        .failure()
        .contains("must be a date and time in RFC 3339")
        .contains("(createdAfter)");
    assert_eq!(local.write_calls(), writes);

    stack.write_program(&program(&created_after, ""));
    stack.destroy().success();
    // The shared vault is not the stack's: it stays, with its points.
    assert_eq!(aws.vault_names(), [SHARED]);
    assert_eq!(listed_points(&aws).len(), 3);
}

#[test]
fn a_preview_with_a_function_needs_credentials() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    aws.create_vault(SHARED, &[]);
    let program = yaml_program(
        "awsbackup-functions-no-credentials",
        &format!(
            "variables:\n  shared:\n    fn::invoke:\n      function: awsbackup:index:getVault\n      \
             arguments:\n        name: {SHARED}\noutputs:\n  arn: ${{shared.arn}}\n"
        ),
    );
    let mut stack = Stack::new(&program, local.endpoint());
    stack.preview().success();
    // Without credentials (none in the environment, no profile, no instance metadata), the
    // lookup at preview meets AWS's credential error.
    stack.remove_env("AWS_ACCESS_KEY_ID");
    stack.remove_env("AWS_SECRET_ACCESS_KEY");
    stack
        .preview()
        .failure()
        .contains("invocation of awsbackup:index:getVault returned an error: DescribeBackupVault")
        .contains("CredentialsNotLoaded");
}
