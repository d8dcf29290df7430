//! VaultPolicy through the real Pulumi CLI on the project's local AWS Backup endpoint (which
//! answers the policy reformatted, as AWS may): preview and up with the policy as an object, no
//! changes for the same document written otherwise (on AWS, then in the program), a real change
//! out of band found by refresh and put back by up, documents AWS would refuse failing at
//! preview with the property named, destroy.

use awsbackup_e2e::{yaml_program, Aws, Local, Stack};
use serde_json::{json, Value};

const POLICY: &str = "awsbackup:index:VaultPolicy";
const VAULT_NAME: &str = "shared-vault";
const SOURCE_ACCOUNT: &str = "arn:aws:iam::210987654321:root";

/// The program: a vault and its policy, an object whose single statement has `effect` and
/// `actions` (YAML, e.g. `backup:CopyIntoBackupVault` or `[a, b]`).
fn program(effect: &str, actions: &str) -> String {
    yaml_program(
        "awsbackup-policy",
        &format!(
            r#"resources:
  vault:
    type: awsbackup:index:Vault
    properties:
      name: {VAULT_NAME}
  access:
    type: {POLICY}
    properties:
      backupVaultName: ${{vault.name}}
      policy:
        Version: "2012-10-17"
        Statement:
          - Sid: copy-from-source
            Effect: {effect}
            Principal:
              AWS: {SOURCE_ACCOUNT}
            Action: {actions}
            Resource: "*"
"#
        ),
    )
}

/// The document the program above declares.
fn document(effect: &str, actions: Value) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "copy-from-source",
            "Effect": effect,
            "Principal": {"AWS": SOURCE_ACCOUNT},
            "Action": actions,
            "Resource": "*"
        }]
    })
}

/// The policy AWS holds, parsed; `None` when the vault has none.
fn held(aws: &Aws) -> Option<Value> {
    let got = aws.block_on(
        aws.client()
            .get_backup_vault_access_policy()
            .backup_vault_name(VAULT_NAME)
            .send(),
    );
    let text = got.ok()?.policy()?.to_string();
    Some(serde_json::from_str(&text).expect("AWS holds JSON"))
}

fn put(aws: &Aws, policy: &str) {
    aws.block_on(
        aws.client()
            .put_backup_vault_access_policy()
            .backup_vault_name(VAULT_NAME)
            .policy(policy)
            .send(),
    )
    .expect("PutBackupVaultAccessPolicy");
}

#[test]
fn vault_policy_life_cycle_with_the_cli() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let copy = "backup:CopyIntoBackupVault";
    let stack = Stack::new(&program("Allow", copy), local.endpoint());
    let urn = stack.urn(POLICY, "access");

    // Preview creates nothing.
    stack.preview().success().contains("3 to create");
    assert_eq!(local.write_calls(), 0);
    assert_eq!(aws.vault_names(), Vec::<String>::new());

    stack.up().success();
    let wanted = document("Allow", json!(copy));
    assert_eq!(held(&aws), Some(wanted.clone()));
    stack.preview_expect_no_changes().success();

    // The same document reformatted out of band (indented, keys reordered, the action in a
    // list): refresh and preview find nothing.
    let mut reformatted = json!({"Statement": [{
        "Resource": "*", "Action": [copy], "Principal": {"AWS": [SOURCE_ACCOUNT]},
        "Effect": "Allow", "Sid": "copy-from-source"}]});
    reformatted["Version"] = json!("2012-10-17");
    put(&aws, &serde_json::to_string_pretty(&reformatted).unwrap());
    stack
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();
    stack.preview_expect_no_changes().success();
    // ...and the program writing the action as a one-element list is no change either.
    stack.write_program(&program("Allow", &format!("[{copy}]")));
    stack.preview_expect_no_changes().success();
    stack.write_program(&program("Allow", copy));

    // A real change out of band: refresh finds it, up puts the program's policy back in place.
    put(&aws, &document("Deny", json!(copy)).to_string());
    stack
        .refresh()
        .success()
        .matches(r"~ awsbackup:index:VaultPolicy: \(update\)");
    let export = stack.export();
    let recorded = export.resource(&urn).expect("the policy is in the state");
    assert_eq!(
        recorded["inputs"]["policy"],
        document("Deny", json!(copy)),
        "refresh records AWS's policy"
    );
    let preview = stack.preview_json();
    assert_eq!(preview.op(&urn), "update", "{preview}");
    assert!(preview.replace_reasons(&urn).is_empty(), "{preview}");
    stack.up().success();
    assert_eq!(held(&aws), Some(wanted.clone()));
    stack.preview_expect_no_changes().success();

    // Refused at preview, with the property named; nothing is written.
    let writes = local.write_calls();
    stack.write_program(&program("Allow", "backup:*"));
    stack
        .preview()
        .failure()
        .contains("policy.Statement[0].Action")
        .contains("no wildcards");
    stack.write_program(&program("Permit", copy));
    stack
        .preview()
        .failure()
        .contains("policy.Statement[0].Effect")
        .contains("\"Allow\" or \"Deny\"");
    assert_eq!(local.write_calls(), writes);
    assert_eq!(held(&aws), Some(wanted));

    stack.write_program(&program("Allow", copy));
    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
}
