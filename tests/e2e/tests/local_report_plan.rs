//! ReportPlan through the real Pulumi CLI on the project's local endpoint: a preview that creates
//! nothing, up, no changes, the formats changed in place, a rename previewed as a replacement
//! naming the property, drift found by refresh and put back by up, import, preview failures
//! naming the property path, destroy leaving nothing.

use awsbackup_e2e::backup_types::{ReportDeliveryChannel, ReportSetting};
use awsbackup_e2e::{yaml_program, Aws, Local, Stack};

const PLAN: &str = "awsbackup:index:ReportPlan";
const FW: &str =
    "arn:aws:backup:us-east-1:123456789012:framework:daily_fw-0123abcd-4567-89ef-0123-456789abcdef";

/// An autonamed compliance report plan, its formats given by `formats` (YAML list).
fn program(formats: &str) -> String {
    yaml_program(
        "awsbackup-report-plan",
        &format!(
            r#"resources:
  dailyCompliance:
    type: {PLAN}
    properties:
      description: daily compliance
      reportDeliveryChannel:
        s3BucketName: audit-reports
        s3KeyPrefix: backup
        formats: {formats}
      reportSetting:
        reportTemplate: CONTROL_COMPLIANCE_REPORT
        frameworkArns: ["{FW}"]
      tags:
        team: audit
outputs:
  planName: ${{dailyCompliance.name}}
  planArn: ${{dailyCompliance.arn}}
  status: ${{dailyCompliance.deploymentStatus}}
"#
        ),
    )
}

fn plan_names(aws: &Aws) -> Vec<String> {
    aws.block_on(aws.client().list_report_plans().send())
        .expect("ListReportPlans")
        .report_plans()
        .iter()
        .filter_map(|p| p.report_plan_name().map(str::to_string))
        .collect()
}

fn formats(aws: &Aws, plan: &str) -> Vec<String> {
    aws.block_on(
        aws.client()
            .describe_report_plan()
            .report_plan_name(plan)
            .send(),
    )
    .expect("DescribeReportPlan")
    .report_plan()
    .and_then(|p| p.report_delivery_channel())
    .map(|c| c.formats().to_vec())
    .unwrap_or_default()
}

#[test]
fn report_plan_life_cycle_with_the_cli() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::new(&program("[CSV]"), local.endpoint());
    let urn = stack.urn(PLAN, "dailyCompliance");

    let writes = local.write_calls();
    stack.preview().success().contains("2 to create");
    assert_eq!(local.write_calls(), writes, "a preview writes nothing");
    assert!(plan_names(&aws).is_empty());

    stack.up().success();
    let outputs = stack.outputs();
    let plan = outputs["planName"].as_str().unwrap().to_string();
    assert!(plan.starts_with("dailyCompliance_"), "autonamed: {plan}");
    assert_eq!(outputs["status"], "COMPLETED");
    assert_eq!(plan_names(&aws), vec![plan.clone()]);
    let arn = outputs["planArn"].as_str().unwrap().to_string();
    assert_eq!(aws.tags(&arn)["team"], "audit");
    stack.preview_expect_no_changes().success();

    // Both formats, in either order: an update in place, not a replacement.
    stack.write_program(&program("[JSON, CSV]"));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&urn), "update", "{preview}");
    assert!(preview.replace_reasons(&urn).is_empty(), "{preview}");
    stack.up().success();
    assert_eq!(formats(&aws, &plan), ["JSON", "CSV"]);
    assert_eq!(
        plan_names(&aws),
        vec![plan.clone()],
        "the same plan, updated"
    );
    stack.write_program(&program("[CSV, JSON]"));
    stack.preview_expect_no_changes().success();

    // A rename replaces the plan; the preview names the property.
    stack.write_program(&program("[CSV, JSON]").replace(
        "      description:",
        "      name: renamed_plan\n      description:",
    ));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&urn), "replace", "{preview}");
    assert_eq!(preview.replace_reasons(&urn), vec!["name"], "{preview}");
    stack.write_program(&program("[CSV, JSON]"));

    // Changed out of band: refresh finds it, up puts it back.
    aws.block_on(
        aws.client()
            .update_report_plan()
            .report_plan_name(&plan)
            .report_delivery_channel(
                ReportDeliveryChannel::builder()
                    .s3_bucket_name("audit-reports")
                    .s3_key_prefix("backup")
                    .build()
                    .unwrap(),
            )
            .report_setting(
                ReportSetting::builder()
                    .report_template("CONTROL_COMPLIANCE_REPORT")
                    .framework_arns(FW)
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .expect("UpdateReportPlan");
    stack
        .refresh()
        .success()
        .matches(r"~ awsbackup:index:ReportPlan: \(update\)");
    stack.preview().success().contains("1 to update");
    stack.up().success();
    let mut now = formats(&aws, &plan);
    now.sort();
    assert_eq!(now, ["CSV", "JSON"]);
    stack.preview_expect_no_changes().success();

    // Removed from the state and imported back by name: no changes.
    stack.pulumi(&["state", "delete", &urn, "--yes"]).success();
    stack
        .import_all(&[(PLAN, "dailyCompliance", plan.as_str())])
        .success();
    stack.preview_expect_no_changes().success();

    // Rules broken at preview, each naming the property path; nothing is written.
    let good = program("[CSV, JSON]");
    let writes = local.write_calls();
    let broken = [
        (
            good.replace("CONTROL_COMPLIANCE_REPORT", "BACKUP_JOB_REPORT"),
            vec!["reportSetting.frameworkArns", "only compliance reports"],
        ),
        (
            good.replace(
                "        frameworkArns:",
                "        regions: [\"*\"]\n        frameworkArns:",
            ),
            vec!["reportDeliveryChannel.formats[1]", "CSV only"],
        ),
        (
            good.replace("audit-reports", "Audit_Reports"),
            vec![
                "reportDeliveryChannel.s3BucketName",
                "not an S3 bucket name",
            ],
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
