//! VaultPolicy over gRPC, against the local endpoint (which answers Get with the document
//! reformatted, as AWS may).

use std::time::{Duration, Instant};

use aws_sdk_backup::error::ProvideErrorMetadata;
use awsbackup::proto::pulumirpc as rpc;
use rpc::diff_response::DiffChanges;
use serde_json::{json, Value};

use crate::common::*;

const POLICY: &str = "awsbackup:index:VaultPolicy";
const ACCOUNT_ROOT: &str = "arn:aws:iam::123456789012:root";

const RESOURCE: Resource = Resource {
    token: POLICY,
    name: "access",
};

fn policy_urn() -> String {
    RESOURCE.urn()
}

/// A document letting the account copy into the vault, with `action` as written (a string or a
/// list).
fn document(action: Value) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "copy",
            "Effect": "Allow",
            "Principal": {"AWS": ACCOUNT_ROOT},
            "Action": action,
            "Resource": "*"
        }]
    })
}

fn inputs(vault: &str, policy: Value) -> Value {
    json!({"backupVaultName": vault, "policy": policy})
}

fn copy_inputs(vault: &str) -> Value {
    inputs(vault, document(json!("backup:CopyIntoBackupVault")))
}

async fn check(client: &mut Client, news: Value) -> rpc::CheckResponse {
    RESOURCE.check(client, news).await
}

async fn create(client: &mut Client, inputs: &Value) -> Result<rpc::CreateResponse, tonic::Status> {
    RESOURCE.create(client, inputs).await
}

async fn diff(
    client: &mut Client,
    state: &Value,
    old_inputs: &Value,
    news: &Value,
) -> rpc::DiffResponse {
    let id = state["backupVaultName"].as_str().unwrap();
    RESOURCE.diff(client, id, state, old_inputs, news).await
}

async fn update(
    client: &mut Client,
    state: &Value,
    news: &Value,
) -> Result<rpc::UpdateResponse, tonic::Status> {
    let id = state["backupVaultName"].as_str().unwrap();
    RESOURCE.update(client, id, state, news).await
}

/// Read as refresh does (`old` = the previous state and inputs) or as import does (`None`).
async fn read(client: &mut Client, id: &str, old: Option<(&Value, &Value)>) -> rpc::ReadResponse {
    RESOURCE.read(client, id, old).await.unwrap()
}

async fn delete(client: &mut Client, id: &str, state: &Value) -> Result<(), tonic::Status> {
    RESOURCE.delete(client, id, state).await
}

/// The vault's policy as GetBackupVaultAccessPolicy answers it (text), `None` if it has none.
async fn held(aws: &Aws, vault: &str) -> Option<String> {
    match aws
        .sdk
        .get_backup_vault_access_policy()
        .backup_vault_name(vault)
        .send()
        .await
    {
        Ok(p) => Some(p.policy().unwrap_or_default().to_string()),
        Err(e) if e.code() == Some("ResourceNotFoundException") => None,
        Err(e) => panic!("get policy {vault}: {e:?}"),
    }
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Puts a policy out of band.
async fn put(aws: &Aws, vault: &str, policy: &str) {
    aws.sdk
        .put_backup_vault_access_policy()
        .backup_vault_name(vault)
        .policy(policy)
        .send()
        .await
        .unwrap();
}

fn assert_no_change(d: &rpc::DiffResponse) {
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );
}

#[tokio::test]
async fn check_refuses_documents_aws_would_refuse_naming_the_property() {
    let (_aws, mut client) = start().await;
    let mut wildcard = document(json!(["backup:CopyIntoBackupVault", "backup:*"]));
    wildcard["Statement"][0]["Effect"] = json!("Permit");
    let cases: Vec<(Value, &str, Vec<&str>)> = vec![
        (json!({}), "backupVaultName", vec!["is required"]),
        (json!({}), "policy", vec!["is required"]),
        (
            inputs("v1", json!("{\"Version\": ")),
            "policy",
            vec!["is not valid JSON"],
        ),
        (
            inputs("v1", json!("[\"backup:CopyIntoBackupVault\"]")),
            "policy",
            vec!["must be a policy document", "got a list"],
        ),
        (
            inputs(
                "v1",
                json!({"Statement": document(json!("backup:CopyIntoBackupVault"))["Statement"]}),
            ),
            "policy.Version",
            vec!["is required", "2012-10-17"],
        ),
        (
            inputs("v1", json!({"Version": "2012-10-17"})),
            "policy.Statement",
            vec!["is required"],
        ),
        (
            inputs(
                "v1",
                json!({"Version": "2012-10-17", "Statement": [{"Principal": "*", "Resource": "*"}]}),
            ),
            "policy.Statement[0].Effect",
            vec!["is required"],
        ),
        (
            inputs(
                "v1",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*"}]}),
            ),
            "policy.Statement[0].Action",
            vec!["is required", "backup:CopyIntoBackupVault"],
        ),
        (
            inputs("v1", wildcard.clone()),
            "policy.Statement[0].Action",
            vec!["'backup:*'", "no wildcards"],
        ),
        (
            inputs("v1", wildcard),
            "policy.Statement[0].Effect",
            vec!["\"Allow\" or \"Deny\"", "Permit"],
        ),
        (
            inputs("v.1", document(json!("backup:CopyIntoBackupVault"))),
            "backupVaultName",
            vec!["'.'"],
        ),
    ];
    for (news, property, parts) in cases {
        let resp = check(&mut client, news.clone()).await;
        assert!(
            resp.failures
                .iter()
                .any(|f| failure_path(f) == property && parts.iter().all(|p| f.reason.contains(p))),
            "{news}: expected {property} / {parts:?}, got {:?}",
            resp.failures
        );
    }

    // A valid document passes as an object and as a JSON string, kept as written.
    for policy in [
        document(json!("backup:CopyIntoBackupVault")),
        json!(document(json!(["backup:CopyIntoBackupVault"])).to_string()),
    ] {
        let ok = check(&mut client, inputs("v1", policy.clone())).await;
        assert!(ok.failures.is_empty(), "{:?}", ok.failures);
        assert_eq!(from_struct(&ok.inputs)["policy"], policy);
    }
}

#[tokio::test]
async fn create_puts_the_policy_and_only_real_changes_diff() {
    let (aws, mut client) = start().await;
    let vault_arn = aws.create_vault("v1", None).await;
    let program = copy_inputs("v1");
    let created = create(&mut client, &program).await.unwrap();
    assert_eq!(created.id, "v1");
    let state = from_struct(&created.properties);
    assert_eq!(state["backupVaultArn"], vault_arn.as_str());
    assert_eq!(state["policy"], program["policy"], "the program's form");
    let live = held(&aws, "v1").await.expect("AWS holds the policy");
    assert_eq!(parsed(&live), program["policy"]);

    // The same meaning, written otherwise: no change.
    let compact = document(json!("backup:CopyIntoBackupVault")).to_string();
    let pretty =
        serde_json::to_string_pretty(&document(json!(["backup:CopyIntoBackupVault"]))).unwrap();
    let mut reordered = json!({
        "Statement": {
            "Resource": ["*"],
            "Action": ["backup:CopyIntoBackupVault"],
            "Principal": {"AWS": [ACCOUNT_ROOT]},
            "Effect": "Allow",
            "Sid": "copy"
        }
    });
    reordered["Version"] = json!("2012-10-17");
    for same in [
        json!(compact),
        json!(pretty),
        document(json!(["backup:CopyIntoBackupVault"])),
        reordered,
        json!(live),
    ] {
        let d = diff(&mut client, &state, &program, &inputs("v1", same.clone())).await;
        assert_no_change(&d);
    }

    // Another action: an update in place of the policy only.
    let more = inputs(
        "v1",
        document(json!([
            "backup:CopyIntoBackupVault",
            "backup:DescribeBackupVault"
        ])),
    );
    let changed = diff(&mut client, &state, &program, &more).await;
    assert_eq!(changed.changes, DiffChanges::DiffSome as i32);
    assert_eq!(changed.diffs, vec!["policy"]);
    assert!(changed.replaces.is_empty(), "{:?}", changed.replaces);
    // Another vault: a replacement, the old policy deleted first.
    let replaced = diff(&mut client, &state, &program, &copy_inputs("v2")).await;
    assert_eq!(replaced.replaces, vec!["backupVaultName"]);
    assert!(replaced.delete_before_replace);

    // The update is one Put of the whole document.
    let mark = aws.mark();
    let updated = update(&mut client, &state, &more).await.unwrap();
    assert_eq!(aws.calls_since(mark), ["PutBackupVaultAccessPolicy"]);
    let state = from_struct(&updated.properties);
    assert_eq!(state["policy"], more["policy"]);
    assert_eq!(state["backupVaultArn"], vault_arn.as_str());
    assert_eq!(parsed(&held(&aws, "v1").await.unwrap()), more["policy"]);

    // A string input is put as written.
    let text = document(json!("backup:DescribeBackupVault")).to_string();
    update(&mut client, &state, &inputs("v1", json!(text)))
        .await
        .unwrap();
    let puts = aws.inputs_of("PutBackupVaultAccessPolicy");
    assert_eq!(puts.last().unwrap()["Policy"], json!(text));
}

#[tokio::test]
async fn create_needs_the_vault_and_leaves_another_policy_alone() {
    let (aws, mut client) = start().await;
    let err = create(&mut client, &copy_inputs("nope")).await.unwrap_err();
    assert!(
        err.message()
            .contains("backup vault 'nope' does not exist; create it first"),
        "{}",
        err.message()
    );

    aws.create_vault("v1", None).await;
    let other = document(json!("backup:DescribeBackupVault")).to_string();
    put(&aws, "v1", &other).await;
    let err = create(&mut client, &copy_inputs("v1")).await.unwrap_err();
    assert!(
        err.message()
            .contains("pulumi import awsbackup:index:VaultPolicy <resource name> v1"),
        "{}",
        err.message()
    );
    assert_eq!(parsed(&held(&aws, "v1").await.unwrap()), parsed(&other));

    // The policy this create would put (an interrupted update put it): adopted, not put again.
    put(
        &aws,
        "v1",
        &document(json!(["backup:CopyIntoBackupVault"])).to_string(),
    )
    .await;
    let puts = aws.count("PutBackupVaultAccessPolicy");
    let adopted = create(&mut client, &copy_inputs("v1")).await.unwrap();
    assert_eq!(adopted.id, "v1");
    assert_eq!(aws.count("PutBackupVaultAccessPolicy"), puts);
    assert_eq!(
        from_struct(&adopted.properties)["policy"],
        copy_inputs("v1")["policy"]
    );
}

#[tokio::test]
async fn refresh_keeps_the_program_s_form_and_finds_real_changes() {
    let (aws, mut client) = start().await;
    aws.create_vault("v1", None).await;
    let program = copy_inputs("v1");
    let created = create(&mut client, &program).await.unwrap();
    let state = from_struct(&created.properties);

    // AWS answers the document reformatted, and it is put again reformatted out of band: no drift,
    // the program's own form stays.
    let mut spaced =
        serde_json::to_string_pretty(&document(json!(["backup:CopyIntoBackupVault"]))).unwrap();
    spaced.push('\n');
    put(&aws, "v1", &spaced).await;
    let refreshed = read(&mut client, "v1", Some((&state, &program))).await;
    assert_eq!(refreshed.id, "v1");
    assert_eq!(from_struct(&refreshed.inputs), program);
    assert_eq!(
        from_struct(&refreshed.properties)["policy"],
        program["policy"]
    );

    // A policy with another meaning is drift, read as AWS holds it; the program puts it back.
    let mut denied = document(json!("backup:CopyIntoBackupVault"));
    denied["Statement"][0]["Effect"] = json!("Deny");
    put(&aws, "v1", &denied.to_string()).await;
    let refreshed = read(&mut client, "v1", Some((&state, &program))).await;
    let drifted = from_struct(&refreshed.inputs);
    assert_eq!(drifted, inputs("v1", denied.clone()));
    let back = diff(
        &mut client,
        &from_struct(&refreshed.properties),
        &drifted,
        &program,
    )
    .await;
    assert_eq!(back.changes, DiffChanges::DiffSome as i32);
    assert_eq!(back.diffs, vec!["policy"]);
    assert!(back.replaces.is_empty());
    update(&mut client, &from_struct(&refreshed.properties), &program)
        .await
        .unwrap();
    assert_eq!(parsed(&held(&aws, "v1").await.unwrap()), program["policy"]);

    // A program holding the policy as a string reads back as a string.
    let text_program = inputs("v1", json!(program["policy"].to_string()));
    put(&aws, "v1", &denied.to_string()).await;
    let refreshed = read(&mut client, "v1", Some((&state, &text_program))).await;
    let as_text = from_struct(&refreshed.inputs)["policy"].clone();
    assert_eq!(parsed(as_text.as_str().expect("a string")), denied);

    // Deleted out of band: gone.
    aws.sdk
        .delete_backup_vault_access_policy()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read(&mut client, "v1", Some((&state, &program))).await.id,
        ""
    );

    // The vault deleted (and its policy with it): gone too.
    put(&aws, "v1", &program["policy"].to_string()).await;
    assert_eq!(
        read(&mut client, "v1", Some((&state, &program))).await.id,
        "v1"
    );
    aws.sdk
        .delete_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read(&mut client, "v1", Some((&state, &program))).await.id,
        ""
    );
}

#[tokio::test]
async fn import_by_vault_name_gives_the_document_and_no_diff() {
    let (aws, mut client) = start().await;
    let vault_arn = aws.create_vault("v1", None).await;
    put(
        &aws,
        "v1",
        &document(json!(["backup:CopyIntoBackupVault"])).to_string(),
    )
    .await;
    let imported = read(&mut client, "v1", None).await;
    assert_eq!(imported.id, "v1");
    let state = from_struct(&imported.properties);
    assert_eq!(state["backupVaultArn"], vault_arn.as_str());
    let imported_inputs = from_struct(&imported.inputs);
    assert_eq!(imported_inputs["backupVaultName"], "v1");
    assert!(imported_inputs["policy"].is_object(), "{imported_inputs}");

    // The program writes the same policy its own way.
    for program in [
        copy_inputs("v1"),
        inputs("v1", json!(copy_inputs("v1")["policy"].to_string())),
    ] {
        let checked = check(&mut client, program.clone()).await;
        assert!(checked.failures.is_empty(), "{:?}", checked.failures);
        let same = diff(
            &mut client,
            &state,
            &imported_inputs,
            &from_struct(&checked.inputs),
        )
        .await;
        assert_no_change(&same);
    }

    // A vault without a policy cannot be imported as having one.
    aws.create_vault("open", None).await;
    assert_eq!(read(&mut client, "open", None).await.id, "");
}

#[tokio::test]
async fn delete_removes_the_policy_and_succeeds_when_it_is_gone() {
    let (aws, mut client) = start().await;
    aws.create_vault("v1", None).await;
    let created = create(&mut client, &copy_inputs("v1")).await.unwrap();
    let state = from_struct(&created.properties);
    delete(&mut client, "v1", &state).await.unwrap();
    assert!(held(&aws, "v1").await.is_none());
    assert!(aws.vault("v1").await.is_some(), "the vault stays");

    // Already gone: the policy, then the vault itself.
    delete(&mut client, "v1", &state).await.unwrap();
    aws.sdk
        .delete_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    delete(&mut client, "v1", &state).await.unwrap();

    // AccessDenied about a vault that is not listed means gone; about a listed vault, it stands.
    aws.fail_next(
        "DeleteBackupVaultAccessPolicy",
        "AccessDeniedException",
        403,
        1,
    );
    let mark = aws.mark();
    delete(&mut client, "v1", &state).await.unwrap();
    assert_eq!(
        aws.calls_since(mark),
        ["DeleteBackupVaultAccessPolicy", "ListBackupVaults"]
    );
    aws.create_vault("v2", None).await;
    aws.fail_next(
        "DeleteBackupVaultAccessPolicy",
        "AccessDeniedException",
        403,
        1,
    );
    let err = delete(&mut client, "v2", &state).await.unwrap_err();
    assert!(
        err.message().contains("AccessDeniedException"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn put_retries_while_a_principal_propagates() {
    let (aws, mut client) = start().await;
    aws.create_vault("v1", None).await;
    aws.endpoint
        .set_faults(json!({"principalPropagationCalls": 3}))
        .unwrap();
    let created = create(&mut client, &copy_inputs("v1")).await.unwrap();
    assert_eq!(aws.count("PutBackupVaultAccessPolicy"), 4);
    assert_eq!(
        aws.endpoint.stats()["faultsByKind"]["principalPropagation"],
        3
    );
    assert!(held(&aws, "v1").await.is_some());

    // An update waits the same way.
    let state = from_struct(&created.properties);
    aws.endpoint
        .set_faults(json!({"principalPropagationCalls": 2}))
        .unwrap();
    let more = inputs(
        "v1",
        document(json!([
            "backup:CopyIntoBackupVault",
            "backup:DescribeBackupVault"
        ])),
    );
    update(&mut client, &state, &more).await.unwrap();
    assert_eq!(aws.count("PutBackupVaultAccessPolicy"), 7);
    assert_eq!(parsed(&held(&aws, "v1").await.unwrap()), more["policy"]);
}

#[tokio::test]
async fn put_gives_up_when_the_principal_never_becomes_valid() {
    let (aws, mut client) = start().await;
    aws.create_vault("v1", None).await;
    aws.endpoint
        .set_faults(json!({"principalPropagationCalls": 100_000}))
        .unwrap();
    // The create's custom timeout (1 s) replaces the 2-minute window.
    let started = Instant::now();
    let err = client
        .create(rpc::CreateRequest {
            urn: policy_urn(),
            properties: to_struct(copy_inputs("v1")),
            r#type: POLICY.into(),
            timeout: 1.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        err.message()
            .contains("AWS Backup still refuses a principal of the policy of vault 'v1'")
            && err.message().contains("Provided principal is not valid"),
        "{}",
        err.message()
    );
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    assert!(aws.count("PutBackupVaultAccessPolicy") >= 3);
    assert!(held(&aws, "v1").await.is_none());

    // Another InvalidParameterValue is not waited on.
    aws.endpoint.set_faults(json!({})).unwrap();
    aws.fail_next(
        "PutBackupVaultAccessPolicy",
        "InvalidParameterValueException",
        400,
        1,
    );
    let before = aws.count("PutBackupVaultAccessPolicy");
    let err = create(&mut client, &copy_inputs("v1")).await.unwrap_err();
    assert!(
        err.message().contains("InvalidParameterValueException"),
        "{}",
        err.message()
    );
    assert_eq!(aws.count("PutBackupVaultAccessPolicy"), before + 1);
}
