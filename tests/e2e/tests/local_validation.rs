//! Bad plans, locks and selections fail at preview (and at up) with a
//! message naming the property path and the rule, and nothing is created on the project's local
//! AWS Backup endpoint.

use awsbackup_e2e::{yaml_program, Aws, Local, Stack};

const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";

/// Runs preview then up on `program` and checks that both fail with every needle in their
/// output, that the preview made no write call to AWS, and that AWS has no plan and only the
/// vaults it had.
#[track_caller]
fn assert_refused(
    local: &Local,
    stack: &Stack,
    aws: &Aws,
    what: &str,
    program: &str,
    needles: &[&str],
) {
    let vaults = aws.vault_names();
    stack.write_program(program);
    let writes = local.write_calls();
    let preview = stack.preview();
    assert_eq!(
        local.write_calls(),
        writes,
        "{what}: the preview called AWS to change something: {:?}\n{preview}",
        local.calls()
    );
    // The engine prints a failure's property with its value, looked up as a top-level key: a
    // nested path there would print as <nil>.
    let nested = regex::Regex::new(r"property [A-Za-z]+[\[.]").unwrap();
    for out in [preview, stack.up()] {
        assert!(
            out.code.is_some_and(|c| c != 0),
            "{what}: expected a failure\n{out}"
        );
        for needle in needles {
            assert!(
                out.all().contains(needle),
                "{what}: the output should contain {needle:?}\n{out}"
            );
        }
        assert!(
            !nested.is_match(&out.all()),
            "{what}: a failure names a property the engine cannot look up\n{out}"
        );
        assert_eq!(
            aws.plan_ids(),
            Vec::<String>::new(),
            "{what}: a plan was created\n{out}"
        );
        assert_eq!(
            aws.vault_names(),
            vaults,
            "{what}: a vault was created\n{out}"
        );
    }
}

fn plan_program(rules: &str) -> String {
    yaml_program(
        "awsbackup-bad-plans",
        &format!(
            r#"resources:
  plan:
    type: awsbackup:index:Plan
    properties:
      name: bad-plan
      rules:
        - ruleName: daily
          targetVaultName: some-vault
          lifecycle:
            deleteAfterDays: 30
{rules}"#
        ),
    )
}

/// Plan rules: each bad field fails at preview naming `rules[<i>].<path>` and the rule broken.
#[test]
fn bad_plan_rules_fail_at_preview_naming_the_rule_path() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::new(&plan_program(""), local.endpoint());
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "cold storage without 90 more days before deletion",
            "        - ruleName: cold\n          targetVaultName: some-vault\n          lifecycle:\n            \
             moveToColdStorageAfterDays: 30\n            deleteAfterDays: 100\n",
            &[
                "rules[1].lifecycle.deleteAfterDays",
                "must be at least moveToColdStorageAfterDays + 90 = 120",
                "got 100",
            ],
        ),
        (
            "a schedule that is not cron",
            "        - ruleName: rated\n          targetVaultName: some-vault\n          \
             scheduleExpression: rate(1 day)\n",
            &[
                "rules[1].scheduleExpression",
                "AWS Backup takes only cron expressions",
                "got 'rate(1 day)'",
            ],
        ),
        (
            "a cron expression with both day fields set",
            "        - ruleName: both-days\n          targetVaultName: some-vault\n          \
             scheduleExpression: cron(0 5 * * MON *)\n",
            &[
                "rules[1].scheduleExpression",
                "exactly one of day-of-month ('*') and day-of-week ('MON') must be '?'",
            ],
        ),
        (
            "a cron expression running every minute",
            "        - ruleName: too-often\n          targetVaultName: some-vault\n          \
             scheduleExpression: cron(* 5 ? * * *)\n",
            &["rules[1].scheduleExpression", "runs more often than hourly"],
        ),
        (
            "a completion window shorter than the start window",
            "        - ruleName: windows\n          targetVaultName: some-vault\n          \
             startWindowMinutes: 120\n          completionWindowMinutes: 90\n",
            &[
                "rules[1].completionWindowMinutes",
                "must be greater than startWindowMinutes (120), got 90",
            ],
        ),
        (
            "an unknown time zone",
            "        - ruleName: zoned\n          targetVaultName: some-vault\n          \
             scheduleExpressionTimezone: Mars/Olympus\n",
            &[
                "rules[1].scheduleExpressionTimezone",
                "must be an IANA time zone name",
                "got 'Mars/Olympus'",
            ],
        ),
        (
            "two rules with the same name",
            "        - ruleName: daily\n          targetVaultName: some-vault\n",
            &[
                "rules[1].ruleName",
                "'daily' is already the name of rules[0]; rule names must be unique in a plan",
            ],
        ),
        (
            "continuous backup kept longer than 35 days",
            "        - ruleName: pitr\n          targetVaultName: some-vault\n          \
             enableContinuousBackup: true\n          lifecycle:\n            deleteAfterDays: 60\n",
            &[
                "rules[1].lifecycle.deleteAfterDays",
                "must be between 1 and 35 days with continuous backup, got 60",
            ],
        ),
    ];
    for (what, rule, needles) in cases {
        let mut all = needles.to_vec();
        all.push("has a problem");
        assert_refused(&local, &stack, &aws, what, &plan_program(rule), &all);
    }
    // The same program without the bad rule deploys: the failures were the rules' own.
    stack.write_program(&plan_program(""));
    stack.preview().success();
}

/// Vaults, locks and selections: a vault name with a dot, `changeableForDays` 2, a minimum above
/// the maximum, a selection with neither resources nor listOfTags (or only conditions), a role
/// that is not a role ARN, an empty tag key.
#[test]
fn bad_vaults_locks_and_selections_fail_at_preview_naming_the_property() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    aws.create_vault("existing-vault", &[]);
    let lock = |props: &str| {
        yaml_program(
            "awsbackup-bad-inputs",
            &format!(
                "resources:\n  lock:\n    type: awsbackup:index:VaultLock\n    properties:\n      \
                 backupVaultName: existing-vault\n{props}"
            ),
        )
    };
    let selection = |props: &str| {
        yaml_program(
            "awsbackup-bad-inputs",
            &format!(
                r#"resources:
  sel:
    type: awsbackup:index:Selection
    properties:
      planId: 8c4b5f5e-0000-4000-8000-000000000000
      name: bad-selection
{props}"#
            ),
        )
    };
    let stack = Stack::new(&lock("      minRetentionDays: 7\n"), local.endpoint());
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "a vault name with a dot",
            yaml_program(
                "awsbackup-bad-inputs",
                "resources:\n  vault:\n    type: awsbackup:index:Vault\n    properties:\n      \
                 name: my.vault\n",
            ),
            vec![
                "property name value {my.vault} has a problem",
                "'my.vault' contains '.'",
            ],
        ),
        (
            "changeableForDays 2",
            lock("      minRetentionDays: 7\n      changeableForDays: 2\n"),
            vec![
                "property changeableForDays value {2} has a problem",
                "must be between 3 and 36500 days (AWS enforces a 72-hour cooling-off period), got 2",
            ],
        ),
        (
            "a minimum above the maximum",
            lock("      minRetentionDays: 30\n      maxRetentionDays: 10\n"),
            vec![
                "property maxRetentionDays value {10} has a problem",
                "must be at least minRetentionDays (30), got 10",
            ],
        ),
        (
            "a selection with neither resources nor listOfTags",
            selection(&format!("      iamRoleArn: {ROLE}\n")),
            vec![
                "property resources",
                "a selection needs `resources` or `listOfTags` (non-empty); AWS refuses a selection with neither",
            ],
        ),
        (
            "a selection with only conditions",
            selection(&format!(
                "      iamRoleArn: {ROLE}\n      conditions:\n        stringEquals:\n          - \
                 conditionKey: aws:ResourceTag/backup\n            conditionValue: daily\n"
            )),
            vec![
                "property resources",
                "`conditions` only narrow a selection. To select every resource whose tags match them, add resources: [\"*\"]",
            ],
        ),
        (
            "a role name instead of a role ARN",
            selection(
                "      iamRoleArn: AWSBackupDefaultServiceRole\n      resources:\n        - arn:aws:s3:::bucket\n",
            ),
            vec![
                "property iamRoleArn value {AWSBackupDefaultServiceRole} has a problem",
                "(give the role's ARN, not its name)",
            ],
        ),
        (
            "a listOfTags entry with an empty key",
            selection(&format!(
                "      iamRoleArn: {ROLE}\n      listOfTags:\n        - conditionType: STRINGEQUALS\n          \
                 conditionKey: \"\"\n          conditionValue: daily\n"
            )),
            vec![
                "property listOfTags value",
                "listOfTags[0].conditionKey: must not be empty",
            ],
        ),
        (
            "a notResources entry that is no ARN pattern",
            selection(&format!(
                "      iamRoleArn: {ROLE}\n      resources:\n        - \"*\"\n      notResources:\n        \
                 - arn:aws:fsx:*\n        - arn:aws:*\n"
            )),
            vec![
                "property notResources value",
                "notResources[1]: must be '*', a resource ARN",
                "got 'arn:aws:*'",
            ],
        ),
    ];
    for (what, program, needles) in &cases {
        assert_refused(&local, &stack, &aws, what, program, needles);
        let vault = aws
            .vault("existing-vault")
            .expect("the vault is still there");
        assert_eq!(vault.locked, Some(false), "{what}: the vault was locked");
    }
}

/// A rule whose retention is outside the target vault's lock range fails at preview (and up),
/// naming the rule, the vault and the range; within the range it deploys.
#[test]
fn plan_retention_outside_the_vault_lock_range_fails_at_preview() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let program = |plan: &str| {
        yaml_program(
            "awsbackup-lock-range",
            &format!(
                r#"resources:
  vault:
    type: awsbackup:index:Vault
    properties:
      name: range-vault
  lock:
    type: awsbackup:index:VaultLock
    properties:
      backupVaultName: ${{vault.name}}
      minRetentionDays: 7
      maxRetentionDays: 365
{plan}"#
            ),
        )
    };
    let plan = |lifecycle: &str| {
        format!(
            "  plan:\n    type: awsbackup:index:Plan\n    properties:\n      name: range-plan\n      \
             rules:\n        - ruleName: fine\n          targetVaultName: ${{vault.name}}\n          \
             lifecycle:\n            deleteAfterDays: 30\n        - ruleName: yearly\n          \
             targetVaultName: ${{vault.name}}\n{lifecycle}    options:\n      dependsOn:\n        \
             - ${{lock}}\n"
        )
    };
    let stack = Stack::new(&program(""), local.endpoint());
    stack.up().success();
    assert_eq!(aws.lock_range("range-vault"), Some((Some(7), Some(365))));

    assert_refused(
        &local,
        &stack,
        &aws,
        "400 days into a vault locked at 7 to 365 days",
        &program(&plan(
            "          lifecycle:\n            deleteAfterDays: 400\n",
        )),
        &[
            "rules[1] ('yearly') keeps recovery points 400 days, outside the lock range of vault \
             'range-vault' (7 to 365 days)",
            "AWS accepts the plan but fails every backup job of the rule",
        ],
    );
    assert_refused(
        &local,
        &stack,
        &aws,
        "no retention into a vault with a maximum",
        &program(&plan("")),
        &[
            "rules[1] ('yearly') keeps recovery points forever (no deleteAfterDays), outside the \
           lock range of vault 'range-vault' (7 to 365 days)",
        ],
    );
    assert_refused(
        &local,
        &stack,
        &aws,
        "3 days into a vault with a 7-day minimum",
        &program(&plan(
            "          lifecycle:\n            deleteAfterDays: 3\n",
        )),
        &["rules[1] ('yearly') keeps recovery points 3 days, outside the lock range"],
    );
    // Failed previews left the lock alone.
    assert_eq!(aws.lock_range("range-vault"), Some((Some(7), Some(365))));

    // Within the range: the plan deploys.
    stack.write_program(&program(&plan(
        "          lifecycle:\n            deleteAfterDays: 365\n",
    )));
    stack.preview().success().lacks("outside the lock range");
    stack.up().success();
    assert_eq!(aws.plan_names(), vec!["range-plan".to_string()]);
    stack.destroy().success();
    assert_eq!(aws.plan_ids(), Vec::<String>::new());
    assert_eq!(aws.vault_names(), Vec::<String>::new());
}
