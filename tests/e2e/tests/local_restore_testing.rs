//! RestoreTestingPlan and RestoreTestingSelection through the real Pulumi CLI on the project's
//! local endpoint: a preview that creates nothing, up, no changes, the schedule changed in place,
//! a rename previewed as a replacement naming the property, drift found by refresh and put back
//! by up, import of both, preview failures naming the property, destroy leaving nothing.

use awsbackup_e2e::{yaml_program, Aws, Local, Stack};

const PLAN: &str = "awsbackup:index:RestoreTestingPlan";
const SELECTION: &str = "awsbackup:index:RestoreTestingSelection";
const ROLE: &str = "arn:aws:iam::123456789012:role/restore-testing";
const VOLUME: &str = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0";

/// A plan (autonamed) with its AWS defaults left out, and a selection of it by tag.
fn program(schedule: &str, selection_resources: &str) -> String {
    yaml_program(
        "awsbackup-restore-testing",
        &format!(
            r#"resources:
  weeklyRestore:
    type: {PLAN}
    properties:
      scheduleExpression: "{schedule}"
      scheduleExpressionTimezone: Europe/Paris
      recoveryPointSelection:
        algorithm: LATEST_WITHIN_WINDOW
        includeVaults: ["*"]
        recoveryPointTypes: [SNAPSHOT, CONTINUOUS]
      tags:
        team: platform
  volumes:
    type: {SELECTION}
    properties:
      restoreTestingPlanName: ${{weeklyRestore.name}}
      name: volumes
      protectedResourceType: EBS
      iamRoleArn: {ROLE}
{selection_resources}      validationWindowHours: 12
outputs:
  planName: ${{weeklyRestore.name}}
  planArn: ${{weeklyRestore.arn}}
"#
        ),
    )
}

const BY_TAG: &str = "      protectedResourceConditions:
        stringEquals:
          - key: restore-test
            value: \"yes\"
";

fn plan_names(aws: &Aws) -> Vec<String> {
    aws.block_on(aws.client().list_restore_testing_plans().send())
        .expect("ListRestoreTestingPlans")
        .restore_testing_plans()
        .iter()
        .map(|p| p.restore_testing_plan_name().to_string())
        .collect()
}

fn schedule(aws: &Aws, plan: &str) -> String {
    aws.block_on(
        aws.client()
            .get_restore_testing_plan()
            .restore_testing_plan_name(plan)
            .send(),
    )
    .expect("GetRestoreTestingPlan")
    .restore_testing_plan()
    .unwrap()
    .schedule_expression()
    .to_string()
}

#[test]
fn restore_testing_life_cycle_with_the_cli() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::new(&program("cron(0 5 ? * SUN *)", BY_TAG), local.endpoint());
    let plan_urn = stack.urn(PLAN, "weeklyRestore");
    let selection_urn = stack.urn(SELECTION, "volumes");

    let writes = local.write_calls();
    stack.preview().success().contains("3 to create");
    assert_eq!(local.write_calls(), writes, "a preview writes nothing");
    assert!(plan_names(&aws).is_empty());

    stack.up().success();
    let outputs = stack.outputs();
    let plan = outputs["planName"].as_str().unwrap().to_string();
    assert!(plan.starts_with("weeklyRestore_"), "autonamed: {plan}");
    assert_eq!(plan_names(&aws), vec![plan.clone()]);
    let selection = aws
        .block_on(
            aws.client()
                .get_restore_testing_selection()
                .restore_testing_plan_name(&plan)
                .restore_testing_selection_name("volumes")
                .send(),
        )
        .expect("the selection exists")
        .restore_testing_selection
        .unwrap();
    assert_eq!(selection.protected_resource_arns(), ["*"]);
    assert_eq!(selection.validation_window_hours(), 12);
    let plan_arn = outputs["planArn"].as_str().unwrap().to_string();
    assert_eq!(aws.tags(&plan_arn)["team"], "platform");
    // AWS's defaults (start and selection windows, no excluded vaults) are no change.
    stack.preview_expect_no_changes().success();

    // A new schedule: an update in place, not a replacement.
    stack.write_program(&program("cron(0 6 ? * MON *)", BY_TAG));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&plan_urn), "update", "{preview}");
    assert!(preview.replace_reasons(&plan_urn).is_empty(), "{preview}");
    assert!(preview.unchanged(&selection_urn), "{preview}");
    stack.up().success();
    assert_eq!(schedule(&aws, &plan), "cron(0 6 ? * MON *)");
    assert_eq!(
        plan_names(&aws),
        vec![plan.clone()],
        "the same plan, updated"
    );
    stack.preview_expect_no_changes().success();

    // A rename replaces the plan, and so the selection in it; the preview names the property.
    stack.write_program(&program("cron(0 6 ? * MON *)", BY_TAG).replace(
        "      scheduleExpression:",
        "      name: renamed_plan\n      scheduleExpression:",
    ));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&plan_urn), "replace", "{preview}");
    assert_eq!(
        preview.replace_reasons(&plan_urn),
        vec!["name"],
        "{preview}"
    );
    assert_eq!(preview.op(&selection_urn), "replace", "{preview}");
    assert_eq!(
        preview.replace_reasons(&selection_urn),
        vec!["restoreTestingPlanName"],
        "{preview}"
    );
    stack.write_program(&program("cron(0 6 ? * MON *)", BY_TAG));

    // Changed out of band: refresh finds it, up puts it back.
    aws.block_on(
        aws.client()
            .update_restore_testing_plan()
            .restore_testing_plan_name(&plan)
            .restore_testing_plan(
                awsbackup_e2e::backup_types::RestoreTestingPlanForUpdate::builder()
                    .schedule_expression("cron(0 1 ? * * *)")
                    .build(),
            )
            .send(),
    )
    .expect("UpdateRestoreTestingPlan");
    stack
        .refresh()
        .success()
        .matches(r"~ awsbackup:index:RestoreTestingPlan: \(update\)");
    stack.preview().success().contains("1 to update");
    stack.up().success();
    assert_eq!(schedule(&aws, &plan), "cron(0 6 ? * MON *)");
    stack.preview_expect_no_changes().success();

    // Removed from the state and imported back: no changes.
    stack
        .pulumi(&["state", "delete", &plan_urn, "--target-dependents", "--yes"])
        .success();
    let selection_id = format!("{plan}|volumes");
    stack
        .import_all(&[
            (PLAN, "weeklyRestore", plan.as_str()),
            (SELECTION, "volumes", selection_id.as_str()),
        ])
        .success();
    stack.preview_expect_no_changes().success();

    // Rules broken at preview, each naming the property; nothing is written.
    let good = program("cron(0 6 ? * MON *)", BY_TAG);
    let writes = local.write_calls();
    let broken = [
        (
            program("cron(*/15 * ? * * *)", BY_TAG),
            vec!["scheduleExpression", "more often than hourly"],
        ),
        (
            good.replace(
                "      scheduleExpressionTimezone: Europe/Paris\n",
                "      scheduleExpressionTimezone: Europe/Paris\n      startWindowHours: 200\n",
            ),
            vec!["startWindowHours", "between 1 and 168 hours, got 200"],
        ),
        (
            program("cron(0 6 ? * MON *)", ""),
            vec![
                "protectedResourceArns",
                "a selection needs protectedResourceArns",
            ],
        ),
        (
            program(
                "cron(0 6 ? * MON *)",
                &format!("      protectedResourceArns: [\"{VOLUME}\"]\n{BY_TAG}"),
            ),
            vec!["protectedResourceConditions", "not with specific ARNs"],
        ),
    ];
    for (text, wanted) in broken {
        assert_ne!(text, good, "a replacement missed");
        stack.write_program(&text);
        let out = stack.preview().failure();
        for part in wanted {
            out.contains(part);
        }
    }
    assert_eq!(local.write_calls(), writes);
    stack.write_program(&good);

    stack.destroy().success();
    assert!(plan_names(&aws).is_empty(), "destroy leaves nothing");
}
