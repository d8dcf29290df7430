//! Whole stacks through the provider over gRPC against the local endpoint, in another account
//! and region than the other tests, with random throttling, server errors and IAM propagation.

use awsbackup::proto::pulumirpc as rpc;
use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::{json, Value};

use crate::common::{from_struct, serve, to_struct, Client};

/// A provider for `endpoint` in account 210987654321 and eu-west-1, retrying enough to get
/// through 40% random faults.
async fn provider_for(endpoint: &LocalEndpoint) -> Client {
    serve(json!({
        "endpoint": endpoint.url(),
        "region": "eu-west-1",
        "accessKey": "210987654321",
        "secretKey": "local",
        "maxRetries": 12,
    }))
    .await
}

fn resource_urn(ty: &str, name: &str) -> String {
    format!("urn:pulumi:test::proj::{ty}::{name}")
}

async fn create(client: &mut Client, ty: &str, name: &str, props: Value) -> (String, Value) {
    let resp = client
        .create(rpc::CreateRequest {
            urn: resource_urn(ty, name),
            properties: to_struct(props),
            r#type: ty.into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("create {ty} {name}: {}", e.message()))
        .into_inner();
    (resp.id, from_struct(&resp.properties))
}

async fn delete(client: &mut Client, ty: &str, id: &str, state: Value) {
    client
        .delete(rpc::DeleteRequest {
            id: id.into(),
            urn: resource_urn(ty, "x"),
            properties: to_struct(state),
            r#type: ty.into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("delete {ty} {id}: {}", e.message()));
}

fn total(stats: &Value, section: &str) -> u64 {
    stats[section]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_stack_survives_throttling_server_errors_and_iam_propagation() {
    let endpoint = LocalEndpoint::start().await.unwrap();
    let mut client = provider_for(&endpoint).await;
    let faults = |iam_seconds: f64| {
        json!({
            "operations": {"*": {"throttleRate": 0.3, "serverErrorRate": 0.1}},
            "iamPropagationSeconds": iam_seconds,
        })
    };
    endpoint.set_faults(faults(0.0)).unwrap();

    let (vault, vault_state) = create(
        &mut client,
        "awsbackup:index:Vault",
        "v",
        json!({"name": "faulty-vault", "tags": {"a": "1"}}),
    )
    .await;
    assert_eq!(
        vault_state["arn"], "arn:aws:backup:eu-west-1:210987654321:backup-vault:faulty-vault",
        "account and region come from the request"
    );
    let (lock, lock_state) = create(
        &mut client,
        "awsbackup:index:VaultLock",
        "l",
        json!({"backupVaultName": vault, "minRetentionDays": 1, "maxRetentionDays": 100}),
    )
    .await;
    let (plan, plan_state) = create(
        &mut client,
        "awsbackup:index:Plan",
        "p",
        json!({"name": "faulty-plan", "rules": [{"ruleName": "daily", "targetVaultName": "faulty-vault", "lifecycle": {"deleteAfterDays": 30}}]}),
    )
    .await;
    // The backup role was "just created": AWS cannot assume it for the next 2 seconds.
    endpoint.set_faults(faults(2.0)).unwrap();
    let started = std::time::Instant::now();
    let (selection, selection_state) = create(
        &mut client,
        "awsbackup:index:Selection",
        "s",
        json!({"planId": plan, "name": "all", "iamRoleArn": "arn:aws:iam::210987654321:role/backup", "resources": ["*"]}),
    )
    .await;
    assert!(
        started.elapsed().as_secs_f64() >= 1.0,
        "the selection had to wait for the IAM role"
    );
    assert_eq!(
        selection,
        format!(
            "{plan}|{}",
            selection_state["selectionId"].as_str().unwrap()
        )
    );

    // Refresh reads everything back unchanged, through the same faults.
    for (ty, id, state) in [
        ("awsbackup:index:Vault", &vault, &vault_state),
        ("awsbackup:index:Plan", &plan, &plan_state),
        ("awsbackup:index:Selection", &selection, &selection_state),
    ] {
        let read = client
            .read(rpc::ReadRequest {
                id: id.clone(),
                urn: resource_urn(ty, "x"),
                properties: to_struct(state.clone()),
                r#type: ty.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(&read.id, id, "{ty} still exists");
    }

    delete(
        &mut client,
        "awsbackup:index:Selection",
        &selection,
        selection_state,
    )
    .await;
    delete(&mut client, "awsbackup:index:Plan", &plan, plan_state).await;
    delete(&mut client, "awsbackup:index:VaultLock", &lock, lock_state).await;
    delete(&mut client, "awsbackup:index:Vault", &vault, vault_state).await;

    let stats = endpoint.stats();
    assert!(total(&stats, "faults") > 0, "faults were injected: {stats}");
    assert!(total(&stats, "calls") > total(&stats, "faults"), "{stats}");
    let read_back = endpoint.stats();
    assert!(
        read_back["calls"]["CreateBackupSelection"]
            .as_u64()
            .unwrap_or(0)
            >= 2,
        "IAM propagation made it retry: {read_back}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compliance_lock_past_its_date_by_aws_clock_is_refused_at_preview() {
    let endpoint = LocalEndpoint::start().await.unwrap();
    let mut client = provider_for(&endpoint).await;
    let (vault, _) = create(
        &mut client,
        "awsbackup:index:Vault",
        "v",
        json!({"name": "locked-vault"}),
    )
    .await;
    let inputs = json!({"backupVaultName": vault, "minRetentionDays": 7, "maxRetentionDays": 30, "changeableForDays": 3});
    let (id, state) = create(
        &mut client,
        "awsbackup:index:VaultLock",
        "l",
        inputs.clone(),
    )
    .await;
    assert_eq!(state["mode"], "compliance");

    let mut news = inputs.clone();
    news["minRetentionDays"] = json!(14);
    let preview = |news: Value, state: Value| rpc::UpdateRequest {
        id: id.clone(),
        urn: resource_urn("awsbackup:index:VaultLock", "l"),
        olds: to_struct(state),
        news: to_struct(news),
        preview: true,
        r#type: "awsbackup:index:VaultLock".into(),
        ..Default::default()
    };
    // Within the grace time the change previews fine.
    client
        .update(preview(news.clone(), state.clone()))
        .await
        .unwrap();

    // Within the grace time by the local clock, past it by AWS's: the preview's look at the
    // vault tells AWS's clock, and the change is refused.
    endpoint.advance_clock(4.0 * 86_400.0);
    let err = client
        .update(preview(news.clone(), state.clone()))
        .await
        .unwrap_err();
    assert!(
        err.message().contains("immutable since"),
        "{}",
        err.message()
    );
    // Diff and Update judge by the same clock: the change is refused before AWS is asked.
    let err = client
        .diff(rpc::DiffRequest {
            id: id.clone(),
            urn: resource_urn("awsbackup:index:VaultLock", "l"),
            olds: to_struct(state.clone()),
            old_inputs: to_struct(inputs),
            news: to_struct(news.clone()),
            r#type: "awsbackup:index:VaultLock".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        err.message().contains("immutable since"),
        "{}",
        err.message()
    );
    let puts = |stats: Value| stats["calls"]["PutBackupVaultLockConfiguration"].clone();
    let puts_before = puts(endpoint.stats());
    let mut update = preview(news, state);
    update.preview = false;
    let err = client.update(update).await.unwrap_err();
    assert!(
        err.message().contains("immutable since"),
        "{}",
        err.message()
    );
    assert_eq!(puts(endpoint.stats()), puts_before, "AWS was not asked");
}

/// A create repeated for the same resource with the same inputs (its first answer was lost to
/// an interrupted update) gets back what the first made, through the real SDK and AWS's
/// CreatorRequestId: the same vault, plan and selection ids, nothing twice. Another resource
/// with the same vault name is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_creates_get_the_first_ones_back() {
    let endpoint = LocalEndpoint::start().await.unwrap();
    let mut client = provider_for(&endpoint).await;
    let vault = json!({"name": "once-vault", "tags": {"k": "v"}});
    let plan = json!({"name": "once-plan", "rules": [{"ruleName": "daily",
        "targetVaultName": "once-vault", "lifecycle": {"deleteAfterDays": 30}}]});
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (vault_id, _) = create(&mut client, "awsbackup:index:Vault", "v", vault.clone()).await;
        let (plan_id, _) = create(&mut client, "awsbackup:index:Plan", "p", plan.clone()).await;
        let selection = json!({"planId": plan_id, "name": "once-sel", "iamRoleArn":
            "arn:aws:iam::210987654321:role/backup", "resources": ["arn:aws:fsx:*"]});
        let (sel_id, _) = create(&mut client, "awsbackup:index:Selection", "s", selection).await;
        ids.push((vault_id, plan_id, sel_id));
    }
    assert_eq!(ids[0], ids[1]);
    let stats = endpoint.stats();
    for op in [
        "CreateBackupVault",
        "CreateBackupPlan",
        "CreateBackupSelection",
    ] {
        assert_eq!(stats["calls"][op], 2, "{op}: {stats}");
    }
    let err = client
        .create(rpc::CreateRequest {
            urn: resource_urn("awsbackup:index:Vault", "other"),
            properties: to_struct(vault),
            r#type: "awsbackup:index:Vault".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        err.message().contains("already exists") && err.message().contains("pulumi import"),
        "{}",
        err.message()
    );
}
