//! An explicit provider with `assumeRole` and `stsEndpoint` through the real Pulumi CLI on the
//! project's local endpoint, which serves STS on the same port: the vault lands in the role's
//! account, and a wrong external id fails `up` with AWS's AccessDenied message naming the role.
//! `AWS_ENDPOINT_URL` is removed, so only the provider's `endpoint` and `stsEndpoint` keys send
//! calls to the endpoint (and `AWS_ENDPOINT_URL_STS` in the test of that variable).

use aws_credential_types::Credentials;
use aws_sdk_backup::config::{BehaviorVersion, Region};
use awsbackup_e2e::{yaml_program, Aws, Local, Stack, LOCAL_ACCOUNT, REGION};
use serde_json::json;

const ROLE: &str = "arn:aws:iam::444455556666:role/pulumi/deployer";
const ROLE_ACCOUNT: &str = "444455556666";
const VAULT_NAME: &str = "assumed-role-vault";

fn program(endpoint: &str, external_id: &str) -> String {
    program_with(
        endpoint,
        &format!("\n      stsEndpoint: {endpoint}"),
        external_id,
    )
}

/// The program with `sts` as the provider's STS setting (a `stsEndpoint` line, or nothing).
fn program_with(endpoint: &str, sts: &str, external_id: &str) -> String {
    yaml_program(
        "awsbackup-assume-role",
        &format!(
            r#"resources:
  deployer:
    type: pulumi:providers:awsbackup
    properties:
      region: {REGION}
      endpoint: {endpoint}{sts}
      assumeRole:
        roleArn: {ROLE}
        sessionName: e2e-deployer
        externalId: {external_id}
        durationSeconds: 900
  vault:
    type: awsbackup:index:Vault
    properties:
      name: {VAULT_NAME}
    options:
      provider: ${{deployer}}
outputs:
  arn: ${{vault.arn}}
"#
        ),
    )
}

/// A probe of the local endpoint acting in `account` (the endpoint takes a 12-digit access key
/// as the account).
fn probe(local: &Local, account: &str) -> Aws {
    let conf = aws_sdk_backup::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(account, "test", None, None, "e2e"))
        .endpoint_url(local.endpoint())
        .build();
    Aws::new(aws_sdk_backup::Client::from_conf(conf))
}

fn stack(local: &Local, external_id: &str) -> Stack {
    let mut stack = Stack::new(&program(local.endpoint(), external_id), local.endpoint());
    stack.remove_env("AWS_ENDPOINT_URL");
    stack
}

#[test]
fn an_explicit_provider_assumes_its_role_and_creates_in_the_roles_account() {
    let local = Local::start();
    local.control(
        "POST",
        "roles",
        Some(&json!({"roles": {ROLE: {"externalId": "tenant-7"}}})),
    );
    let stack = stack(&local, "tenant-7");

    stack.preview().success().contains("3 to create");
    stack.up().success();
    assert_eq!(
        stack.outputs()["arn"],
        format!("arn:aws:backup:{REGION}:{ROLE_ACCOUNT}:backup-vault:{VAULT_NAME}")
    );
    assert_eq!(probe(&local, ROLE_ACCOUNT).vault_names(), [VAULT_NAME]);
    assert!(probe(&local, LOCAL_ACCOUNT).vault_names().is_empty());
    let calls = local.control("GET", "calls", None);
    let assumed: Vec<_> = calls["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["operation"] == "AssumeRole")
        .collect();
    assert!(!assumed.is_empty());
    for call in &assumed {
        assert_eq!(call["input"]["RoleArn"], ROLE);
        assert_eq!(call["input"]["RoleSessionName"], "e2e-deployer");
        assert_eq!(call["input"]["DurationSeconds"], "900");
    }

    stack.preview_expect_no_changes().success();
    stack.destroy().success();
    assert!(probe(&local, ROLE_ACCOUNT).vault_names().is_empty());
}

#[test]
fn a_wrong_external_id_fails_up_with_aws_access_denied() {
    let local = Local::start();
    local.control(
        "POST",
        "roles",
        Some(&json!({"roles": {ROLE: {"externalId": "tenant-7"}}})),
    );
    let stack = stack(&local, "tenant-8");
    stack
        .up()
        .failure()
        .contains(&format!(
            "AccessDenied: User: arn:aws:iam::{LOCAL_ACCOUNT}:user/local is not authorized to \
             perform: sts:AssumeRole on resource: {ROLE}"
        ))
        .contains(&format!("could not assume the role {ROLE}"))
        .contains("assumeRole.externalId");
    assert!(probe(&local, ROLE_ACCOUNT).vault_names().is_empty());
    assert!(probe(&local, LOCAL_ACCOUNT).vault_names().is_empty());
}

#[test]
fn without_sts_endpoint_aws_endpoint_url_sts_is_honoured() {
    let local = Local::start();
    let mut stack = Stack::new(
        &program_with(local.endpoint(), "", "any-id"),
        local.endpoint(),
    );
    stack.remove_env("AWS_ENDPOINT_URL");
    stack.set_env("AWS_ENDPOINT_URL_STS", local.endpoint());
    stack.up().success();
    assert_eq!(probe(&local, ROLE_ACCOUNT).vault_names(), [VAULT_NAME]);
    stack.destroy().success();
}
