//! Credentials per provider instance: `assumeRole` through STS (the local endpoint serves it on
//! its own port), `stsEndpoint`, the checks of the configuration, and what a refused AssumeRole
//! tells the user.

use std::time::Duration;

use awsbackup::proto::pulumirpc as rpc;
use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::{json, Value};

use crate::common::*;

const ROLE_A: &str = "arn:aws:iam::111111111111:role/deployer-a";
const ROLE_B: &str = "arn:aws:iam::222222222222:role/team/deployer-b";

/// The provider configuration of the tests, assuming `assume_role` with STS at `sts`.
fn config_with_role(endpoint: &LocalEndpoint, sts: &LocalEndpoint, assume_role: Value) -> Value {
    let mut config = provider_config(endpoint);
    config["assumeRole"] = assume_role;
    config["stsEndpoint"] = json!(sts.url());
    config
}

async fn create_vault(client: &mut Client, name: &str) -> Result<Value, tonic::Status> {
    let created = client
        .create(rpc::CreateRequest {
            urn: urn(name),
            properties: to_struct(json!({"name": name})),
            r#type: VAULT.into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    Ok(from_struct(&created.properties))
}

fn vault_names_of(log: &Value, operation: &str) -> Vec<(String, String)> {
    log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["operation"] == operation)
        .map(|c| {
            (
                c["account"].as_str().unwrap_or_default().to_string(),
                c["input"]["RoleSessionName"]
                    .as_str()
                    .or(c["labels"][0].as_str())
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn two_providers_with_different_roles_create_vaults_in_each_roles_account() {
    let ep = LocalEndpoint::start().await.unwrap();
    ep.set_roles(json!({"roles": {ROLE_B: {"externalId": "tenant-b"}}}))
        .unwrap();
    let mut a = serve(config_with_role(
        &ep,
        &ep,
        json!({"roleArn": ROLE_A, "sessionName": "provider-a"}),
    ))
    .await;
    let mut b = serve(config_with_role(
        &ep,
        &ep,
        json!({"roleArn": ROLE_B, "externalId": "tenant-b", "durationSeconds": 900}),
    ))
    .await;

    let va = create_vault(&mut a, "same-name").await.unwrap();
    let vb = create_vault(&mut b, "same-name").await.unwrap();
    assert_eq!(
        va["arn"],
        "arn:aws:backup:us-east-1:111111111111:backup-vault:same-name"
    );
    assert_eq!(
        vb["arn"],
        "arn:aws:backup:us-east-1:222222222222:backup-vault:same-name"
    );
    for account in ["111111111111", "222222222222"] {
        let sdk = sdk_client(&ep.url(), account, REGION);
        let listed = sdk.list_backup_vaults().send().await.unwrap();
        let names: Vec<_> = listed
            .backup_vault_list()
            .iter()
            .map(|v| v.backup_vault_name().unwrap_or_default())
            .collect();
        assert_eq!(names, ["same-name"], "{account}");
    }
    // The base credentials' account has nothing.
    let base = sdk_client(&ep.url(), ACCOUNT, REGION);
    let listed = base.list_backup_vaults().send().await.unwrap();
    assert!(listed.backup_vault_list().is_empty());

    // Each provider assumed its role once, with its session name, as the base account.
    let log = ep.call_log();
    let mut assumed = vault_names_of(&log, "AssumeRole");
    assumed.sort();
    assert_eq!(
        assumed,
        [
            (ACCOUNT.to_string(), "provider-a".to_string()),
            (ACCOUNT.to_string(), "pulumi-awsbackup".to_string()),
        ]
    );
    let inputs: Vec<_> = log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["operation"] == "AssumeRole" && c["input"]["RoleArn"] == ROLE_B)
        .map(|c| c["input"].clone())
        .collect();
    assert_eq!(inputs[0]["ExternalId"], "tenant-b");
    assert_eq!(inputs[0]["DurationSeconds"], "900");

    // Later calls reuse the cached credentials.
    create_vault(&mut a, "second").await.unwrap();
    assert_eq!(ep.stats()["calls"]["AssumeRole"], 2);
}

#[tokio::test]
async fn a_wrong_external_id_fails_with_aws_access_denied_naming_the_role_and_the_key() {
    let ep = LocalEndpoint::start().await.unwrap();
    ep.set_roles(json!({"roles": {ROLE_A: {"externalId": "right-one"}}}))
        .unwrap();
    let mut client = serve(config_with_role(
        &ep,
        &ep,
        json!({"roleArn": ROLE_A, "externalId": "wrong-one"}),
    ))
    .await;
    let err = create_vault(&mut client, "v").await.unwrap_err();
    let message = err.message();
    assert!(
        message.contains(&format!(
            "AccessDenied: User: arn:aws:iam::{ACCOUNT}:user/local is not authorized to perform: \
             sts:AssumeRole on resource: {ROLE_A}"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!("could not assume the role {ROLE_A}")),
        "{message}"
    );
    assert!(message.contains("assumeRole.externalId"), "{message}");
    assert!(!message.contains("wrong-one") && !message.contains("right-one"));
    // Nothing reached AWS Backup, and the refusal was not retried as a Backup failure.
    let stats = ep.stats();
    assert!(stats["calls"].get("CreateBackupVault").is_none(), "{stats}");
    assert_eq!(stats["calls"]["AssumeRole"], 1, "{stats}");
}

#[tokio::test]
async fn sts_goes_to_sts_endpoint_and_backup_to_endpoint() {
    let backup = LocalEndpoint::start().await.unwrap();
    let sts = LocalEndpoint::start().await.unwrap();
    let mut client = serve(config_with_role(&backup, &sts, json!({"roleArn": ROLE_B}))).await;
    // The Backup endpoint does not know the key the STS endpoint issued: the default account.
    let vault = create_vault(&mut client, "v1").await.unwrap();
    assert_eq!(
        vault["arn"],
        "arn:aws:backup:us-east-1:123456789012:backup-vault:v1"
    );
    assert_eq!(sts.stats()["calls"]["AssumeRole"], 1);
    assert!(sts.stats()["calls"].get("CreateBackupVault").is_none());
    assert!(backup.stats()["calls"].get("AssumeRole").is_none());
    assert_eq!(
        vault_names_of(&backup.call_log(), "CreateBackupVault"),
        [(
            awsbackup_local_endpoint::DEFAULT_ACCOUNT.to_string(),
            "v1".to_string()
        )]
    );
}

#[tokio::test]
async fn assumed_credentials_are_renewed_before_they_expire() {
    let ep = LocalEndpoint::start().await.unwrap();
    // The endpoint refuses expired credentials (ExpiredTokenException), so a call after the
    // first credentials' expiry only succeeds with new ones.
    ep.set_roles(json!({"expirySeconds": 16})).unwrap();
    let mut client = serve(config_with_role(&ep, &ep, json!({"roleArn": ROLE_A}))).await;
    create_vault(&mut client, "before").await.unwrap();
    let first = ep.stats()["calls"]["AssumeRole"].as_u64().unwrap();
    tokio::time::sleep(Duration::from_secs(17)).await;
    create_vault(&mut client, "after").await.unwrap();
    assert!(ep.stats()["calls"]["AssumeRole"].as_u64().unwrap() > first);
    let created = vault_names_of(&ep.call_log(), "CreateBackupVault");
    assert_eq!(
        created,
        [
            ("111111111111".to_string(), "before".to_string()),
            ("111111111111".to_string(), "after".to_string()),
        ]
    );
}

#[tokio::test]
async fn check_config_and_configure_name_the_key_of_a_bad_setting() {
    let cases = [
        (
            json!({"assumeRole": {"roleArn": "arn:aws:iam::123:role/x"}}),
            "assumeRole.roleArn",
        ),
        (
            json!({"assumeRole": {"roleArn": ROLE_A, "durationSeconds": 600}}),
            "assumeRole.durationSeconds",
        ),
        (
            json!({"assumeRole": {"roleArn": ROLE_A, "externalId": "has space"}}),
            "assumeRole.externalId",
        ),
        (
            json!({"assumeRole": {"roleArn": ROLE_A, "sessionName": "x"}}),
            "assumeRole.sessionName",
        ),
        (json!({"stsEndpoint": "localhost:4566"}), "stsEndpoint"),
    ];
    let listener = awsbackup::server::bind().await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(awsbackup::server::serve(
        listener,
        awsbackup::provider::Provider::new(),
        std::future::pending(),
    ));
    let mut client = Client::connect(format!("http://{addr}")).await.unwrap();
    for (config, key) in cases {
        let checked = client
            .check_config(rpc::CheckRequest {
                urn: "urn:pulumi:test::proj::pulumi:providers:awsbackup::p".into(),
                news: to_struct(config.clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(checked.failures.len(), 1, "{config}");
        let top = key.split('.').next().unwrap();
        assert_eq!(checked.failures[0].property, top);
        assert!(
            top == key || checked.failures[0].reason.starts_with(&format!("{key}: ")),
            "{:?}",
            checked.failures[0]
        );
        let err = client
            .configure(rpc::ConfigureRequest {
                args: to_struct(config.clone()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(
            err.message()
                .starts_with(&format!("invalid configuration: {key}: ")),
            "{}",
            err.message()
        );
    }
    // The same keys, well formed.
    let good = json!({"assumeRole": {"roleArn": ROLE_B, "durationSeconds": 900,
        "externalId": "a:b/c-d", "sessionName": "s.1@x"}, "stsEndpoint": "http://127.0.0.1:1"});
    let checked = client
        .check_config(rpc::CheckRequest {
            news: to_struct(good.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(checked.failures.is_empty(), "{:?}", checked.failures);
    client
        .configure(rpc::ConfigureRequest {
            args: to_struct(good),
            ..Default::default()
        })
        .await
        .unwrap();
}
