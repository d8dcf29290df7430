//! AccessDenied is not absence: AWS answers it for a vault that does not exist and for a caller
//! without the permission, and only a vault that ListBackupVaults does not list is gone.

use awsbackup::proto::pulumirpc as rpc;
use serde_json::{json, Value};

use crate::common::*;

const LOCK: &str = "awsbackup:index:VaultLock";
const DENIED: &str =
    "User: arn:aws:iam::123456789012:user/ci is not authorized to perform this action";

/// Makes the next call of `operation` answer AccessDeniedException with [`DENIED`].
fn deny_next(aws: &Aws, operation: &str) {
    aws.endpoint
        .add_failure(
            json!({"operation": operation, "code": "AccessDeniedException",
            "status": 403, "message": DENIED}),
        )
        .unwrap();
}

async fn create_vault(client: &mut Client, name: &str) -> Value {
    let created = client
        .create(rpc::CreateRequest {
            urn: urn("v"),
            properties: to_struct(json!({"name": name})),
            r#type: VAULT.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    from_struct(&created.properties)
}

fn read_req(ty: &str, id: &str, state: &Value) -> rpc::ReadRequest {
    rpc::ReadRequest {
        id: id.into(),
        urn: format!("urn:pulumi:test::proj::{ty}::x"),
        properties: to_struct(state.clone()),
        r#type: ty.into(),
        ..Default::default()
    }
}

fn delete_req(ty: &str, id: &str, state: &Value) -> rpc::DeleteRequest {
    rpc::DeleteRequest {
        id: id.into(),
        urn: format!("urn:pulumi:test::proj::{ty}::x"),
        properties: to_struct(state.clone()),
        r#type: ty.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_denied_delete_of_an_existing_vault_fails_and_the_vault_stays() {
    let (aws, mut client) = start().await;
    let state = create_vault(&mut client, "kept").await;
    deny_next(&aws, "DeleteBackupVault");
    let err = client
        .delete(delete_req(VAULT, "kept", &state))
        .await
        .unwrap_err();
    assert!(
        err.message().contains("AccessDeniedException") && err.message().contains(DENIED),
        "{}",
        err.message()
    );
    assert_eq!(
        aws.calls()
            .iter()
            .filter(|c| *c != "CreateBackupVault")
            .collect::<Vec<_>>(),
        ["DeleteBackupVault", "ListBackupVaults"],
        "the listing tells the denial from absence"
    );
    assert!(
        aws.vault("kept").await.is_some(),
        "the vault is still in AWS"
    );
    // The failed delete leaves the vault in the stack, and a refresh still finds it there.
    let read = client
        .read(read_req(VAULT, "kept", &state))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.id, "kept");
    assert_eq!(from_struct(&read.properties)["arn"], state["arn"]);
}

#[tokio::test]
async fn a_denied_delete_of_an_existing_lock_fails_and_the_lock_stays() {
    let (aws, mut client) = start().await;
    aws.create_vault("locked", None).await;
    let created = client
        .create(rpc::CreateRequest {
            urn: format!("urn:pulumi:test::proj::{LOCK}::x"),
            properties: to_struct(json!({"backupVaultName": "locked", "minRetentionDays": 7})),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let state = from_struct(&created.properties);
    deny_next(&aws, "DeleteBackupVaultLockConfiguration");
    let err = client
        .delete(delete_req(LOCK, "locked", &state))
        .await
        .unwrap_err();
    assert!(err.message().contains(DENIED), "{}", err.message());
    assert_eq!(aws.vault("locked").await.unwrap().locked, Some(true));
}

#[tokio::test]
async fn a_denied_read_of_an_existing_vault_fails_instead_of_reporting_it_gone() {
    let (aws, mut client) = start().await;
    let state = create_vault(&mut client, "hidden").await;
    deny_next(&aws, "DescribeBackupVault");
    let err = client
        .read(read_req(VAULT, "hidden", &state))
        .await
        .unwrap_err();
    assert!(
        err.message().contains("AccessDeniedException") && err.message().contains(DENIED),
        "{}",
        err.message()
    );
    // So does a lock's read, which describes the vault too.
    deny_next(&aws, "DescribeBackupVault");
    let err = client
        .read(read_req(LOCK, "hidden", &json!({})))
        .await
        .unwrap_err();
    assert!(err.message().contains(DENIED), "{}", err.message());
    // Once AWS answers again, the vault is there.
    let read = client
        .read(read_req(VAULT, "hidden", &state))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.id, "hidden");
}

#[tokio::test]
async fn a_vault_deleted_out_of_band_is_gone_on_refresh_and_on_delete() {
    let (aws, mut client) = start().await;
    let state = create_vault(&mut client, "gone").await;
    aws.sdk
        .delete_backup_vault()
        .backup_vault_name("gone")
        .send()
        .await
        .unwrap();
    // DescribeBackupVault answers AccessDenied for the missing vault, and no listing has it.
    let read = client
        .read(read_req(VAULT, "gone", &state))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.id, "", "refresh drops the vault from the stack");
    let read = client
        .read(read_req(LOCK, "gone", &json!({})))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.id, "", "and its lock");
    // DeleteBackupVault answers NotFound; an AccessDenied answer means the same here.
    client
        .delete(delete_req(VAULT, "gone", &state))
        .await
        .unwrap();
    deny_next(&aws, "DeleteBackupVault");
    client
        .delete(delete_req(VAULT, "gone", &state))
        .await
        .unwrap();
    deny_next(&aws, "DeleteBackupVaultLockConfiguration");
    client
        .delete(delete_req(
            LOCK,
            "gone",
            &json!({"backupVaultName": "gone", "mode": "governance", "locked": true}),
        ))
        .await
        .unwrap();
}
