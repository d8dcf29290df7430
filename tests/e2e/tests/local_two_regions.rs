//! The two-regions example (`sdk-examples/yaml/two-regions`) through the real Pulumi CLI on the
//! project's local endpoint: two explicit providers assume one member role, each in its own
//! region. The endpoint serves STS on the same port (the harness's `AWS_ENDPOINT_URL` sends
//! AssumeRole there), and its temporary credentials act in the role's account.

use awsbackup_e2e::{Aws, Local, Stack, LOCAL_ACCOUNT};

const MEMBER: &str = "111122223333";
const PRIMARY: &str = "us-east-1";
const SECONDARY: &str = "eu-west-1";

#[test]
fn two_regions_of_one_member_with_a_cross_region_copy() {
    let local = Local::start();
    let stack = Stack::from_example("two-regions", local.endpoint());
    let in_member = |region| Aws::for_local_account(&local, MEMBER, region);

    // The preview creates nothing.
    stack.preview().success().contains("to create");
    assert_eq!(local.write_calls(), 0);

    stack.up().success();
    let outputs = stack.outputs();
    let secondary_arn =
        format!("arn:aws:backup:{SECONDARY}:{MEMBER}:backup-vault:two-regions-secondary");
    assert_eq!(outputs["secondaryVaultArn"], secondary_arn.as_str());
    assert_eq!(
        outputs["primaryVaultArn"],
        format!("arn:aws:backup:{PRIMARY}:{MEMBER}:backup-vault:two-regions-primary")
    );
    // Each vault in its own region of the member account, nothing in the caller's own account.
    assert_eq!(in_member(PRIMARY).vault_names(), ["two-regions-primary"]);
    assert_eq!(
        in_member(SECONDARY).vault_names(),
        ["two-regions-secondary"]
    );
    for region in [PRIMARY, SECONDARY] {
        let own = Aws::for_local_account(&local, LOCAL_ACCOUNT, region);
        assert!(own.vault_names().is_empty(), "{region}");
        assert!(own.plan_ids().is_empty(), "{region}");
    }
    // The plan lives in the primary region and copies into the secondary region's vault.
    let plan_id = outputs["planId"]
        .as_str()
        .expect("planId output")
        .to_string();
    assert_eq!(in_member(PRIMARY).plan_ids(), vec![plan_id.clone()]);
    assert!(in_member(SECONDARY).plan_ids().is_empty());
    let document = in_member(PRIMARY).plan_document(&plan_id);
    let rule = &document.rules[0];
    assert_eq!(rule.target_backup_vault_name, "two-regions-primary");
    let copies = rule.copy_actions.as_deref().unwrap_or_default();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].destination_backup_vault_arn, secondary_arn);
    let assumed: Vec<_> = local.control("GET", "calls", None)["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["operation"] == "AssumeRole")
        .map(|c| c["input"]["RoleArn"].clone())
        .collect();
    assert!(!assumed.is_empty());
    assert!(assumed
        .iter()
        .all(|r| r == &format!("arn:aws:iam::{MEMBER}:role/backup-deployer")));

    stack.preview_expect_no_changes().success();

    stack.destroy().success();
    for region in [PRIMARY, SECONDARY] {
        assert!(in_member(region).vault_names().is_empty(), "{region}");
        assert!(in_member(region).plan_ids().is_empty(), "{region}");
    }
}
