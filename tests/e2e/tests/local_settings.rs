//! GlobalSettings and RegionSettings through the real Pulumi CLI on the project's local AWS
//! Backup endpoint, the account's organization set through the endpoint's control first: preview
//! and up, no changes (AWS's other resource types are not compared), changes made out of band
//! found by refresh and put back by up, an unknown resource type refused at preview, destroy
//! putting back the defaults.

use std::collections::HashMap;

use awsbackup_e2e::{yaml_program, Aws, Local, Stack, LOCAL_ACCOUNT};
use serde_json::json;

const GLOBAL: &str = "awsbackup:index:GlobalSettings";
const REGIONAL: &str = "awsbackup:index:RegionSettings";

fn program(s3: &str) -> String {
    yaml_program(
        "awsbackup-settings",
        &format!(
            r#"resources:
  global:
    type: {GLOBAL}
    properties:
      isCrossAccountBackupEnabled: true
  region:
    type: {REGIONAL}
    properties:
      resourceTypeOptInPreference:
        {s3}: false
        Storage Gateway: true
      resourceTypeManagementPreference:
        DynamoDB: false
"#
        ),
    )
}

fn global_held(aws: &Aws) -> HashMap<String, String> {
    aws.block_on(aws.client().describe_global_settings().send())
        .expect("DescribeGlobalSettings")
        .global_settings
        .unwrap_or_default()
}

/// (opt-in, management) as AWS holds them.
fn region_held(aws: &Aws) -> (HashMap<String, bool>, HashMap<String, bool>) {
    let out = aws
        .block_on(aws.client().describe_region_settings().send())
        .expect("DescribeRegionSettings");
    (
        out.resource_type_opt_in_preference.unwrap_or_default(),
        out.resource_type_management_preference.unwrap_or_default(),
    )
}

#[test]
fn settings_life_cycle_with_the_cli() {
    let local = Local::start();
    local.control(
        "POST",
        "organization",
        Some(&json!({ "managementAccount": LOCAL_ACCOUNT })),
    );
    let aws = Aws::for_local(&local);
    let mut stack = Stack::new(&program("S3"), local.endpoint());
    // The provider learns its account from the credentials.
    stack.set_env("AWS_ACCOUNT_ID", LOCAL_ACCOUNT);

    stack.preview().success().contains("3 to create");
    stack.up().success();
    assert_eq!(global_held(&aws)["isCrossAccountBackupEnabled"], "true");
    let (opt_in, management) = region_held(&aws);
    assert!(!opt_in["S3"] && opt_in["Storage Gateway"] && !management["DynamoDB"]);
    let export = stack.export();
    let global = export.resource(&stack.urn(GLOBAL, "global")).unwrap();
    assert_eq!(global["id"], LOCAL_ACCOUNT);
    let region = export.resource(&stack.urn(REGIONAL, "region")).unwrap();
    assert_eq!(region["id"], format!("{LOCAL_ACCOUNT}/us-east-1"));
    // AWS reports every type; the ones the program leaves out are no change.
    stack.preview_expect_no_changes().success();

    // Changed out of band: refresh finds it, up puts it back. A type the program does not name
    // changes nothing.
    aws.block_on(
        aws.client()
            .update_global_settings()
            .global_settings("isCrossAccountBackupEnabled", "false")
            .send(),
    )
    .expect("UpdateGlobalSettings");
    aws.block_on(
        aws.client()
            .update_region_settings()
            .resource_type_opt_in_preference("S3", true)
            .resource_type_opt_in_preference("EBS", false)
            .send(),
    )
    .expect("UpdateRegionSettings");
    stack.refresh().success();
    stack.preview().success().contains("2 to update");
    stack.up().success();
    assert_eq!(global_held(&aws)["isCrossAccountBackupEnabled"], "true");
    assert!(!region_held(&aws).0["S3"]);
    stack.preview_expect_no_changes().success();

    // Refused at preview, naming the key: nothing is written.
    let writes = local.write_calls();
    stack.write_program(&program("S4"));
    stack
        .preview()
        .failure()
        .contains("resourceTypeOptInPreference[\"S4\"]")
        .contains("'S4' is not a resource type")
        .contains("Accepted: Aurora");
    assert_eq!(local.write_calls(), writes);
    stack.write_program(&program("S3"));

    // Destroy puts the named settings back to their defaults, and leaves EBS as it was.
    stack.destroy().success();
    assert_eq!(global_held(&aws)["isCrossAccountBackupEnabled"], "false");
    let (opt_in, management) = region_held(&aws);
    assert!(opt_in["S3"] && opt_in["Storage Gateway"] && management["DynamoDB"]);
    assert!(!opt_in["EBS"]);
}
