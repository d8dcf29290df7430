//! Framework through the real Pulumi CLI on the project's local endpoint: a preview that creates
//! nothing, up (waiting out the deployment), no changes, reordered controls with no changes, a
//! control's parameter changed in place, a rename previewed as a replacement naming the
//! property, drift found by refresh and put back by up, import, preview failures naming the
//! property (a removed description among them) and a warning for an unknown control, destroy
//! leaving nothing.

use awsbackup_e2e::{yaml_program, Aws, Local, Stack};

const FRAMEWORK: &str = "awsbackup:index:Framework";

const RETENTION: &str = "        - name: BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK
          inputParameters:
            - name: requiredRetentionDays
              value: \"35\"
";
const ENCRYPTED: &str = "        - name: BACKUP_RECOVERY_POINT_ENCRYPTED
          scope:
            complianceResourceTypes: [EBS, RDS]
";

/// An autonamed framework with the two controls in the order given.
fn program(controls: &str) -> String {
    yaml_program(
        "awsbackup-framework",
        &format!(
            r#"resources:
  audit:
    type: {FRAMEWORK}
    properties:
      description: Backup audit
      controls:
{controls}      tags:
        team: platform
outputs:
  frameworkName: ${{audit.name}}
  frameworkArn: ${{audit.arn}}
  deployment: ${{audit.deploymentStatus}}
"#
        ),
    )
}

fn framework_names(aws: &Aws) -> Vec<String> {
    aws.block_on(aws.client().list_frameworks().send())
        .expect("ListFrameworks")
        .frameworks()
        .iter()
        .filter_map(|f| f.framework_name().map(String::from))
        .collect()
}

fn retention_days(aws: &Aws, name: &str) -> String {
    let out = aws
        .block_on(
            aws.client()
                .describe_framework()
                .framework_name(name)
                .send(),
        )
        .expect("DescribeFramework");
    out.framework_controls()
        .iter()
        .find(|c| c.control_name() == "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK")
        .and_then(|c| c.control_input_parameters().first())
        .and_then(|p| p.parameter_value().map(String::from))
        .unwrap_or_default()
}

#[test]
fn framework_life_cycle_with_the_cli() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    // Each deployment is seen running by two reads: up waits them out.
    local.control(
        "POST",
        "faults",
        Some(&serde_json::json!({ "frameworkDeployingCalls": 2 })),
    );
    let good = program(&format!("{RETENTION}{ENCRYPTED}"));
    let stack = Stack::new(&good, local.endpoint());
    let urn = stack.urn(FRAMEWORK, "audit");

    let writes = local.write_calls();
    stack.preview().success().contains("2 to create");
    assert_eq!(local.write_calls(), writes, "a preview writes nothing");
    assert!(framework_names(&aws).is_empty());

    stack.up().success();
    let outputs = stack.outputs();
    let name = outputs["frameworkName"].as_str().unwrap().to_string();
    assert!(name.starts_with("audit_"), "autonamed: {name}");
    assert_eq!(outputs["deployment"], "COMPLETED");
    assert_eq!(framework_names(&aws), vec![name.clone()]);
    let arn = outputs["frameworkArn"].as_str().unwrap().to_string();
    assert_eq!(aws.tags(&arn)["team"], "platform");
    stack.preview_expect_no_changes().success();

    // The controls in another order are no change.
    stack.write_program(&program(&format!("{ENCRYPTED}{RETENTION}")));
    stack.preview_expect_no_changes().success();

    // A parameter changed: an update in place.
    let longer = program(&format!(
        "{}{ENCRYPTED}",
        RETENTION.replace("\"35\"", "\"90\"")
    ));
    stack.write_program(&longer);
    let preview = stack.preview_json();
    assert_eq!(preview.op(&urn), "update", "{preview}");
    assert!(preview.replace_reasons(&urn).is_empty(), "{preview}");
    stack.up().success();
    assert_eq!(retention_days(&aws, &name), "90");
    assert_eq!(
        framework_names(&aws),
        vec![name.clone()],
        "the same framework"
    );
    stack.preview_expect_no_changes().success();

    // A rename replaces, naming the property.
    stack.write_program(&longer.replace(
        "      description: Backup audit\n",
        "      name: renamed_audit\n      description: Backup audit\n",
    ));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&urn), "replace", "{preview}");
    assert_eq!(preview.replace_reasons(&urn), vec!["name"], "{preview}");
    stack.write_program(&longer);

    // Changed out of band: refresh finds it, up puts it back.
    aws.block_on(
        aws.client()
            .update_framework()
            .framework_name(&name)
            .framework_controls(
                awsbackup_e2e::backup_types::FrameworkControl::builder()
                    .control_name("BACKUP_RECOVERY_POINT_ENCRYPTED")
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .expect("UpdateFramework");
    stack
        .refresh()
        .success()
        .matches(r"~ awsbackup:index:Framework: \(update\)");
    stack.preview().success().contains("1 to update");
    stack.up().success();
    assert_eq!(retention_days(&aws, &name), "90");
    stack.preview_expect_no_changes().success();

    // Removed from the state and imported back by name: no changes.
    stack.state_delete(&urn).success();
    stack
        .import_all(&[(FRAMEWORK, "audit", name.as_str())])
        .success();
    stack.preview_expect_no_changes().success();

    // Rules broken at preview, each naming the property; nothing is written.
    let writes = local.write_calls();
    let broken = [
        (
            program(&format!(
                "{}{ENCRYPTED}",
                RETENTION.replace("\"35\"", "\"0\"")
            )),
            vec!["controls[0].inputParameters[0].value", "from 1 to 36500"],
        ),
        (
            program("        - name: RESTORE_TIME_FOR_RESOURCES_MEET_TARGET\n"),
            vec!["controls[0].inputParameters", "maxRestoreTime"],
        ),
        (
            program(&format!("{RETENTION}{RETENTION}")),
            vec!["controls[1].name", "each control appears once"],
        ),
        (
            longer.replace("      description: Backup audit\n", ""),
            vec!["description", "AWS cannot remove a framework's description"],
        ),
    ];
    for (text, wanted) in broken {
        stack.write_program(&text);
        let out = stack.preview().failure();
        for part in wanted {
            out.contains(part);
        }
    }
    // A control the provider does not know is a warning; the preview goes on.
    stack.write_program(&program(&format!(
        "{RETENTION}{ENCRYPTED}        - name: BACKUP_SOMETHING_NEW\n"
    )));
    stack
        .preview()
        .success()
        .contains("'BACKUP_SOMETHING_NEW' is not a control the provider knows");
    assert_eq!(local.write_calls(), writes);
    stack.write_program(&longer);

    stack.destroy().success();
    assert!(framework_names(&aws).is_empty(), "destroy leaves nothing");
}
