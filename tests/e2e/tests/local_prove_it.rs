//! The prove-it example (`sdk-examples/yaml/prove-it`) through the real Pulumi CLI on the
//! project's local endpoint: a preview that creates nothing, up, no changes, an in-place update
//! of each proving resource (the restore test's schedule, a control's parameter, the report's
//! formats), drift on each found by refresh and put back by up, import of each, preview failures naming
//! the property, destroy leaving nothing.

use aws_sdk_backup::types::{ReportDeliveryChannel, ReportSetting};
use awsbackup_e2e::{Aws, Local, Stack};

const RESTORE_PLAN: &str = "awsbackup:index:RestoreTestingPlan";
const RESTORE_SELECTION: &str = "awsbackup:index:RestoreTestingSelection";
const FRAMEWORK: &str = "awsbackup:index:Framework";
const REPORT_PLAN: &str = "awsbackup:index:ReportPlan";

const RESTORE_PLAN_NAME: &str = "weekly_restore_test";
const FRAMEWORK_NAME: &str = "regulated_platform";
const REPORT_PLAN_NAME: &str = "control_compliance";

fn restore_schedule(aws: &Aws) -> String {
    aws.block_on(
        aws.client()
            .get_restore_testing_plan()
            .restore_testing_plan_name(RESTORE_PLAN_NAME)
            .send(),
    )
    .expect("GetRestoreTestingPlan")
    .restore_testing_plan()
    .unwrap()
    .schedule_expression()
    .to_string()
}

/// The selections of the restore testing plan, by name.
fn restore_selections(aws: &Aws) -> Vec<String> {
    let mut names: Vec<String> = aws
        .block_on(
            aws.client()
                .list_restore_testing_selections()
                .restore_testing_plan_name(RESTORE_PLAN_NAME)
                .send(),
        )
        .expect("ListRestoreTestingSelections")
        .restore_testing_selections()
        .iter()
        .map(|s| s.restore_testing_selection_name().to_string())
        .collect();
    names.sort();
    names
}

/// (deployment status, the value of `requiredRetentionDays` in its control).
fn framework(aws: &Aws) -> (String, String) {
    let out = aws
        .block_on(
            aws.client()
                .describe_framework()
                .framework_name(FRAMEWORK_NAME)
                .send(),
        )
        .expect("DescribeFramework");
    let retention = out
        .framework_controls()
        .iter()
        .flat_map(|c| c.control_input_parameters())
        .find(|p| p.parameter_name() == Some("requiredRetentionDays"))
        .and_then(|p| p.parameter_value())
        .unwrap_or_default()
        .to_string();
    (
        out.deployment_status().unwrap_or_default().to_string(),
        retention,
    )
}

/// (formats, framework ARNs) of the report plan, formats sorted.
fn report(aws: &Aws) -> (Vec<String>, Vec<String>) {
    let out = aws
        .block_on(
            aws.client()
                .describe_report_plan()
                .report_plan_name(REPORT_PLAN_NAME)
                .send(),
        )
        .expect("DescribeReportPlan");
    let plan = out.report_plan().unwrap();
    let mut formats: Vec<String> = plan
        .report_delivery_channel()
        .map(|c| c.formats().to_vec())
        .unwrap_or_default();
    formats.sort();
    let frameworks = plan
        .report_setting()
        .map(|s| s.framework_arns().to_vec())
        .unwrap_or_default();
    (formats, frameworks)
}

fn counts(aws: &Aws) -> (usize, usize, usize) {
    let c = aws.client();
    let restore = aws
        .block_on(c.list_restore_testing_plans().send())
        .expect("ListRestoreTestingPlans")
        .restore_testing_plans()
        .len();
    let frameworks = aws
        .block_on(c.list_frameworks().send())
        .expect("ListFrameworks")
        .frameworks()
        .len();
    let reports = aws
        .block_on(c.list_report_plans().send())
        .expect("ListReportPlans")
        .report_plans()
        .len();
    (restore, frameworks, reports)
}

#[test]
fn prove_it_example_with_the_cli() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::from_example("prove-it", local.endpoint());
    let example = std::fs::read_to_string(stack.project_dir().join("Pulumi.yaml")).unwrap();
    let urns = [
        stack.urn(RESTORE_PLAN, "weeklyRestore"),
        stack.urn(RESTORE_SELECTION, "restoreBuckets"),
        stack.urn(RESTORE_SELECTION, "restoreVolumes"),
        stack.urn(FRAMEWORK, "framework"),
        stack.urn(REPORT_PLAN, "complianceReport"),
    ];

    stack.preview().success().contains("9 to create");
    assert_eq!(local.write_calls(), 0, "a preview writes nothing");
    assert_eq!(counts(&aws), (0, 0, 0));

    stack.up().success();
    let outputs = stack.outputs();
    assert_eq!(restore_schedule(&aws), "cron(0 6 ? * SUN *)");
    assert_eq!(
        restore_selections(&aws),
        vec!["tagged_buckets".to_string(), "tagged_volumes".into()]
    );
    assert_eq!(framework(&aws), ("COMPLETED".to_string(), "30".to_string()));
    assert_eq!(
        report(&aws),
        (
            vec!["CSV".to_string()],
            vec![outputs["frameworkArn"].as_str().unwrap().to_string()]
        ),
        "the report covers the stack's framework"
    );
    stack.preview_expect_no_changes().success();

    // One change to each proving resource, all in place.
    let changed = example
        .replace("cron(0 6 ? * SUN *)", "cron(0 6 ? * SAT *)")
        .replace(
            "            - name: requiredRetentionDays\n              value: \"30\"",
            "            - name: requiredRetentionDays\n              value: \"35\"",
        )
        .replace(
            "        formats:\n          - CSV\n",
            "        formats:\n          - CSV\n          - JSON\n",
        );
    stack.write_program(&changed);
    let preview = stack.preview_json();
    for urn in [&urns[0], &urns[3], &urns[4]] {
        assert_eq!(preview.op(urn), "update", "{urn}: {preview}");
        assert!(preview.replace_reasons(urn).is_empty(), "{preview}");
    }
    stack.up().success();
    assert_eq!(restore_schedule(&aws), "cron(0 6 ? * SAT *)");
    assert_eq!(framework(&aws).1, "35");
    assert_eq!(report(&aws).0, vec!["CSV".to_string(), "JSON".into()]);
    stack.preview_expect_no_changes().success();

    // Drift on each: the report's formats, the restore test's schedule and the framework's tags
    // changed out of band.
    let (_, frameworks) = report(&aws);
    aws.block_on(
        aws.client()
            .update_report_plan()
            .report_plan_name(REPORT_PLAN_NAME)
            .report_delivery_channel(
                ReportDeliveryChannel::builder()
                    .s3_bucket_name("backup-compliance-reports")
                    .s3_key_prefix("backup-audit")
                    .formats("JSON")
                    .build()
                    .unwrap(),
            )
            .report_setting(
                ReportSetting::builder()
                    .report_template("CONTROL_COMPLIANCE_REPORT")
                    .set_framework_arns(Some(frameworks))
                    .number_of_frameworks(1)
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .expect("UpdateReportPlan");
    aws.block_on(
        aws.client()
            .update_restore_testing_plan()
            .restore_testing_plan_name(RESTORE_PLAN_NAME)
            .restore_testing_plan(
                aws_sdk_backup::types::RestoreTestingPlanForUpdate::builder()
                    .schedule_expression("cron(0 1 ? * MON *)")
                    .build(),
            )
            .send(),
    )
    .expect("UpdateRestoreTestingPlan");
    let framework_arn = outputs["frameworkArn"].as_str().unwrap();
    aws.tag(framework_arn, &[("project", "someone-else")]);
    stack
        .refresh()
        .success()
        .matches(r"~ awsbackup:index:ReportPlan: \(update\)")
        .matches(r"~ awsbackup:index:RestoreTestingPlan: \(update\)")
        .matches(r"~ awsbackup:index:Framework: \(update\)");
    let preview = stack.preview_json();
    for urn in [&urns[0], &urns[3], &urns[4]] {
        assert_eq!(preview.op(urn), "update", "{urn}: {preview}");
    }
    stack.up().success();
    assert_eq!(report(&aws).0, vec!["CSV".to_string(), "JSON".into()]);
    assert_eq!(restore_schedule(&aws), "cron(0 6 ? * SAT *)");
    assert_eq!(aws.tags(framework_arn)["project"], "prove-it");
    stack.preview_expect_no_changes().success();

    // Removed from the state and imported back: no changes.
    for urn in urns.iter().rev() {
        stack.state_delete(urn).success();
    }
    let buckets = format!("{RESTORE_PLAN_NAME}|tagged_buckets");
    let volumes = format!("{RESTORE_PLAN_NAME}|tagged_volumes");
    stack
        .import_all(&[
            (RESTORE_PLAN, "weeklyRestore", RESTORE_PLAN_NAME),
            (RESTORE_SELECTION, "restoreBuckets", buckets.as_str()),
            (RESTORE_SELECTION, "restoreVolumes", volumes.as_str()),
            (FRAMEWORK, "framework", FRAMEWORK_NAME),
            (REPORT_PLAN, "complianceReport", REPORT_PLAN_NAME),
        ])
        .success()
        .contains("5 imported");
    stack.preview_expect_no_changes().success();

    // Rules broken at preview, each naming the property; nothing is written.
    let writes = local.write_calls();
    let broken = [
        (
            changed.replace("cron(0 6 ? * SAT *)", "cron(0 6 ? * SAT)"),
            vec!["scheduleExpression"],
        ),
        (
            changed.replace("      startWindowHours: 8\n", "      startWindowHours: 200\n"),
            vec!["startWindowHours", "between 1 and 168 hours, got 200"],
        ),
        (
            changed.replace(
                "      protectedResourceType: S3\n      iamRoleArn: ${restoreRoleArn}\n      protectedResourceConditions:\n        stringEquals:\n          - key: restore-test\n            value: weekly\n",
                "      protectedResourceType: S3\n      iamRoleArn: ${restoreRoleArn}\n",
            ),
            vec![
                "protectedResourceArns",
                "a selection needs protectedResourceArns",
            ],
        ),
        (
            changed.replace(
                "        # And are copied to another region.\n",
                "        - name: RESTORE_TIME_FOR_RESOURCES_MEET_TARGET\n        # And are copied to another region.\n",
            ),
            vec!["controls[3].inputParameters", "maxRestoreTime"],
        ),
        (
            changed.replace(
                "        frameworkArns:\n          - ${framework.arn}\n        numberOfFrameworks: 1\n",
                "",
            ),
            vec![
                "reportSetting.frameworkArns",
                "is required for CONTROL_COMPLIANCE_REPORT",
            ],
        ),
    ];
    for (text, wanted) in broken {
        assert_ne!(text, changed, "a replacement missed");
        stack.write_program(&text);
        let out = stack.preview().failure();
        for part in wanted {
            out.contains(part);
        }
    }
    assert_eq!(local.write_calls(), writes);
    stack.write_program(&changed);

    stack.destroy().success();
    assert_eq!(counts(&aws), (0, 0, 0));
    assert!(aws.vault_names().is_empty());
    assert!(aws.plan_ids().is_empty());
}
