//! GlobalSettings and RegionSettings over gRPC, against the local endpoint.

use std::collections::HashMap;

use awsbackup::proto::pulumirpc as rpc;
use rpc::diff_response::DiffChanges;
use serde_json::{json, Value};

use crate::common::*;

const GLOBAL: &str = "awsbackup:index:GlobalSettings";
const REGIONAL: &str = "awsbackup:index:RegionSettings";
const MEMBER: &str = "222222222222";
const OUTSIDER: &str = "333333333333";

fn resource(token: &'static str) -> Resource {
    Resource {
        token,
        name: "settings",
    }
}

async fn check(client: &mut Client, token: &'static str, news: Value) -> rpc::CheckResponse {
    resource(token).check(client, news).await
}

async fn create(
    client: &mut Client,
    token: &'static str,
    inputs: &Value,
) -> Result<(String, Value), tonic::Status> {
    let r = resource(token).create(client, inputs).await?;
    Ok((r.id, from_struct(&r.properties)))
}

async fn diff(
    client: &mut Client,
    token: &'static str,
    id: &str,
    state: &Value,
    old_inputs: &Value,
    news: &Value,
) -> rpc::DiffResponse {
    resource(token)
        .diff(client, id, state, old_inputs, news)
        .await
}

/// Read as refresh does (`old` = previous state and inputs) or as import does (`None`):
/// (inputs, state).
async fn read(
    client: &mut Client,
    token: &'static str,
    id: &str,
    old: Option<(&Value, &Value)>,
) -> Result<(Value, Value), tonic::Status> {
    let r = resource(token).read(client, id, old).await?;
    Ok((from_struct(&r.inputs), from_struct(&r.properties)))
}

async fn update(
    client: &mut Client,
    token: &'static str,
    id: &str,
    state: &Value,
    news: &Value,
) -> Value {
    let r = resource(token)
        .update(client, id, state, news)
        .await
        .unwrap();
    from_struct(&r.properties)
}

async fn delete(client: &mut Client, token: &'static str, id: &str, state: &Value) {
    resource(token).delete(client, id, state).await.unwrap();
}

async fn global_held(aws: &Aws) -> HashMap<String, String> {
    aws.sdk
        .describe_global_settings()
        .send()
        .await
        .unwrap()
        .global_settings
        .unwrap_or_default()
}

/// (opt-in, management) as DescribeRegionSettings answers them.
async fn region_held(aws: &Aws) -> (HashMap<String, bool>, HashMap<String, bool>) {
    let out = aws.sdk.describe_region_settings().send().await.unwrap();
    (
        out.resource_type_opt_in_preference.unwrap_or_default(),
        out.resource_type_management_preference.unwrap_or_default(),
    )
}

fn organization(aws: &Aws, members: &[&str]) {
    aws.endpoint
        .set_organization(json!({ "managementAccount": ACCOUNT, "memberAccounts": members }))
        .unwrap();
}

#[tokio::test]
async fn check_refuses_unknown_resource_types_naming_the_key() {
    let (_aws, mut client) = start().await;
    let resp = check(
        &mut client,
        REGIONAL,
        json!({
            "resourceTypeOptInPreference": { "S3": true, "S4": true },
            "resourceTypeManagementPreference": { "dynamodb": true, "EBS": false },
        }),
    )
    .await;
    let paths: Vec<String> = resp.failures.iter().map(failure_path).collect();
    assert_eq!(
        paths,
        [
            "resourceTypeOptInPreference[\"S4\"]",
            "resourceTypeManagementPreference[\"EBS\"]",
            "resourceTypeManagementPreference[\"dynamodb\"]",
        ],
        "{:?}",
        resp.failures
    );
    let s4 = &resp.failures[0].reason;
    assert!(
        s4.contains("'S4' is not a resource type")
            && s4.contains("Accepted: Aurora, CloudFormation")
            && s4.contains("SAP HANA on Amazon EC2"),
        "{s4}"
    );
    assert!(
        resp.failures[2].reason.contains("did you mean 'DynamoDB'?"),
        "{:?}",
        resp.failures[2]
    );
    let ok = check(
        &mut client,
        REGIONAL,
        json!({ "resourceTypeOptInPreference": { "Storage Gateway": false, "S3": true } }),
    )
    .await;
    assert!(ok.failures.is_empty(), "{:?}", ok.failures);
    let global = check(
        &mut client,
        GLOBAL,
        json!({ "isCrossAccountBackupEnabled": true }),
    )
    .await;
    assert!(global.failures.is_empty(), "{:?}", global.failures);
}

#[tokio::test]
async fn global_settings_create_read_drift_update_import_and_delete() {
    let (aws, mut client) = start().await;
    organization(&aws, &[MEMBER]);
    // The provider learns its account from a vault's ARN.
    aws.create_vault("anchor", None).await;
    let inputs = json!({ "isCrossAccountBackupEnabled": true });
    let (id, state) = create(&mut client, GLOBAL, &inputs).await.unwrap();
    assert_eq!(id, ACCOUNT);
    assert_eq!(state["accountId"], ACCOUNT);
    assert_eq!(
        global_held(&aws).await["isCrossAccountBackupEnabled"],
        "true"
    );

    // Refresh: only the managed setting comes back, and it is no change.
    let (read_inputs, read_state) = read(&mut client, GLOBAL, &id, Some((&state, &inputs)))
        .await
        .unwrap();
    assert_eq!(read_inputs, inputs);
    let same = diff(&mut client, GLOBAL, &id, &read_state, &read_inputs, &inputs).await;
    assert_eq!(same.changes, DiffChanges::DiffNone as i32, "{same:?}");

    // Drift: changed out of band, refresh finds it, an update puts it back.
    aws.sdk
        .update_global_settings()
        .global_settings("isCrossAccountBackupEnabled", "false")
        .send()
        .await
        .unwrap();
    let (drifted, drifted_state) = read(&mut client, GLOBAL, &id, Some((&state, &inputs)))
        .await
        .unwrap();
    assert_eq!(drifted["isCrossAccountBackupEnabled"], false);
    let back = diff(&mut client, GLOBAL, &id, &drifted_state, &drifted, &inputs).await;
    assert_eq!(back.changes, DiffChanges::DiffSome as i32);
    assert_eq!(back.diffs, ["isCrossAccountBackupEnabled"]);
    let mark = aws.mark();
    let updated = update(&mut client, GLOBAL, &id, &drifted_state, &inputs).await;
    assert_eq!(aws.calls_since(mark), ["UpdateGlobalSettings"]);
    assert_eq!(updated["isCrossAccountBackupEnabled"], true);
    assert_eq!(
        global_held(&aws).await["isCrossAccountBackupEnabled"],
        "true"
    );

    // Import by account id: every setting, and no diff against the program's inputs.
    let (imported, imported_state) = read(&mut client, GLOBAL, ACCOUNT, None).await.unwrap();
    assert_eq!(
        imported,
        json!({ "isCrossAccountBackupEnabled": true, "isMpaEnabled": false,
                "isDelegatedAdministratorEnabled": false })
    );
    let none = diff(
        &mut client,
        GLOBAL,
        ACCOUNT,
        &imported_state,
        &imported,
        &inputs,
    )
    .await;
    assert_eq!(none.changes, DiffChanges::DiffNone as i32, "{none:?}");
    let wrong = read(&mut client, GLOBAL, OUTSIDER, None).await.unwrap_err();
    assert!(
        wrong.message().contains("must be the account id") && wrong.message().contains(ACCOUNT),
        "{wrong:?}"
    );

    // Delete restores AWS's defaults.
    delete(&mut client, GLOBAL, &id, &updated).await;
    let held = global_held(&aws).await;
    assert_eq!(held["isCrossAccountBackupEnabled"], "false");
    assert_eq!(held["isMpaEnabled"], "false");
}

#[tokio::test]
async fn global_settings_are_refused_to_members_and_accounts_outside_an_organization() {
    let (aws, _client) = start().await;
    let as_account = |account: &str| {
        let mut config = provider_config(&aws.endpoint);
        config["accessKey"] = json!(account);
        config
    };
    for account in [MEMBER, OUTSIDER] {
        sdk_client(&aws.endpoint.url(), account, REGION)
            .create_backup_vault()
            .backup_vault_name("anchor")
            .send()
            .await
            .unwrap();
    }
    let inputs = json!({ "isCrossAccountBackupEnabled": true });
    // No organization yet: AWS's ERROR_9601.
    let mut outsider = serve(as_account(OUTSIDER)).await;
    let e = create(&mut outsider, GLOBAL, &inputs).await.unwrap_err();
    assert!(
        e.message().contains("not a member of an organization"),
        "{e:?}"
    );
    organization(&aws, &[MEMBER]);
    let mut member = serve(as_account(MEMBER)).await;
    let e = create(&mut member, GLOBAL, &inputs).await.unwrap_err();
    assert!(
        e.message().contains("InvalidRequestException")
            && e.message().contains("management account"),
        "{e:?}"
    );
    let e = create(&mut outsider, GLOBAL, &inputs).await.unwrap_err();
    assert!(
        e.message().contains("not a member of an organization"),
        "{e:?}"
    );
    // The management account's settings are untouched.
    assert_eq!(
        global_held(&aws).await["isCrossAccountBackupEnabled"],
        "false"
    );
}

#[tokio::test]
async fn settings_need_to_know_the_account() {
    let (aws, mut client) = start().await;
    organization(&aws, &[]);
    let inputs = json!({ "resourceTypeOptInPreference": { "S3": false } });
    // Nothing tells the account when STS cannot be reached and no vault or plan has an ARN.
    let mut config = provider_config(&aws.endpoint);
    config["stsEndpoint"] = json!("http://127.0.0.1:9");
    let mut unreachable = serve(config).await;
    let e = create(&mut unreachable, REGIONAL, &inputs)
        .await
        .unwrap_err();
    assert!(
        e.message().contains("cannot tell which AWS account"),
        "{e:?}"
    );
    assert!(region_held(&aws).await.0["S3"], "nothing was changed");
    // With STS, GetCallerIdentity tells it (static keys carry no account).
    let (id, _) = create(&mut client, REGIONAL, &inputs).await.unwrap();
    assert_eq!(id, format!("{ACCOUNT}/{REGION}"));
    assert!(!region_held(&aws).await.0["S3"]);
    let asked = aws.endpoint.call_log()["calls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["operation"] == "GetCallerIdentity");
    assert!(asked, "the account came from GetCallerIdentity");
}

#[tokio::test]
async fn region_settings_create_read_drift_update_import_and_delete() {
    let (aws, mut client) = start().await;
    aws.create_vault("anchor", None).await;
    let inputs = json!({
        "resourceTypeOptInPreference": { "S3": false, "Storage Gateway": true },
        "resourceTypeManagementPreference": { "DynamoDB": false },
    });
    let (id, state) = create(&mut client, REGIONAL, &inputs).await.unwrap();
    assert_eq!(id, format!("{ACCOUNT}/{REGION}"));
    assert_eq!(state["region"], REGION);
    let (opt_in, management) = region_held(&aws).await;
    assert!(!opt_in["S3"] && opt_in["Storage Gateway"] && !management["DynamoDB"]);

    // AWS reports every type; only the named ones come back, and they are no change.
    assert_eq!(opt_in.len(), 18);
    let (read_inputs, read_state) = read(&mut client, REGIONAL, &id, Some((&state, &inputs)))
        .await
        .unwrap();
    assert_eq!(read_inputs, inputs);
    let same = diff(
        &mut client,
        REGIONAL,
        &id,
        &read_state,
        &read_inputs,
        &inputs,
    )
    .await;
    assert_eq!(same.changes, DiffChanges::DiffNone as i32, "{same:?}");

    // Drift on a named type shows; on a type not named, it does not.
    aws.sdk
        .update_region_settings()
        .resource_type_opt_in_preference("S3", true)
        .resource_type_opt_in_preference("EBS", false)
        .send()
        .await
        .unwrap();
    let (drifted, drifted_state) = read(&mut client, REGIONAL, &id, Some((&state, &inputs)))
        .await
        .unwrap();
    assert_eq!(drifted["resourceTypeOptInPreference"]["S3"], true);
    assert!(drifted["resourceTypeOptInPreference"].get("EBS").is_none());
    let back = diff(
        &mut client,
        REGIONAL,
        &id,
        &drifted_state,
        &drifted,
        &inputs,
    )
    .await;
    assert_eq!(back.changes, DiffChanges::DiffSome as i32);
    assert_eq!(back.diffs, ["resourceTypeOptInPreference"]);
    let mark = aws.mark();
    let updated = update(&mut client, REGIONAL, &id, &drifted_state, &inputs).await;
    assert_eq!(aws.calls_since(mark), ["UpdateRegionSettings"]);
    assert_eq!(updated["resourceTypeOptInPreference"]["S3"], false);
    assert!(!region_held(&aws).await.0["S3"]);

    // Import by <account>/<region>: every type, and no diff against the program's inputs.
    let (imported, imported_state) = read(&mut client, REGIONAL, &id, None).await.unwrap();
    assert_eq!(
        imported["resourceTypeOptInPreference"]
            .as_object()
            .unwrap()
            .len(),
        18
    );
    let none = diff(
        &mut client,
        REGIONAL,
        &id,
        &imported_state,
        &imported,
        &inputs,
    )
    .await;
    assert_eq!(none.changes, DiffChanges::DiffNone as i32, "{none:?}");
    for wrong in [format!("{ACCOUNT}/eu-west-1"), ACCOUNT.to_string()] {
        let e = read(&mut client, REGIONAL, &wrong, None).await.unwrap_err();
        assert!(
            e.message().contains("<account>/<region>") || e.message().contains(&id),
            "{e:?}"
        );
    }

    // Delete puts the named types back to their defaults and leaves the others alone.
    delete(&mut client, REGIONAL, &id, &updated).await;
    let (opt_in, management) = region_held(&aws).await;
    assert!(opt_in["S3"] && opt_in["Storage Gateway"] && management["DynamoDB"]);
    assert!(!opt_in["EBS"], "a type not named stays as it was");
}
