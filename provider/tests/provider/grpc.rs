//! Every rpc of the provider over real gRPC, with a vault as the resource, against the local
//! endpoint.

use std::time::Duration;

use awsbackup::proto::google_rpc;
use awsbackup::proto::pulumirpc as rpc;
use awsbackup::value::{secret, UNKNOWN};
use prost::Message;
use serde_json::{json, Value};
use tonic::Code;

use crate::common::*;

fn check_req(name: &str, olds: Value, news: Value, seed: u8) -> rpc::CheckRequest {
    rpc::CheckRequest {
        urn: urn(name),
        olds: to_struct(olds),
        news: to_struct(news),
        random_seed: vec![seed; 32],
        name: name.into(),
        r#type: VAULT.into(),
        ..Default::default()
    }
}

fn diff_req(old_inputs: Value, news: Value) -> rpc::DiffRequest {
    rpc::DiffRequest {
        id: "v".into(),
        urn: urn("v"),
        olds: to_struct(old_inputs.clone()),
        news: to_struct(news),
        old_inputs: to_struct(old_inputs),
        r#type: VAULT.into(),
        ..Default::default()
    }
}

fn create_req(props: Value, preview: bool) -> rpc::CreateRequest {
    rpc::CreateRequest {
        urn: urn("v"),
        properties: to_struct(props),
        preview,
        r#type: VAULT.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn handshake_plugin_info_and_schema() {
    let (_aws, mut client) = start().await;
    let hs = client
        .handshake(rpc::ProviderHandshakeRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(hs.accept_secrets && hs.supports_autonaming_configuration);
    let info = client.get_plugin_info(()).await.unwrap().into_inner();
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    let schema = client
        .get_schema(rpc::GetSchemaRequest::default())
        .await
        .unwrap()
        .into_inner();
    let schema: Value = serde_json::from_str(&schema.schema).unwrap();
    assert_eq!(schema["version"], env!("CARGO_PKG_VERSION"));
    assert!(schema["resources"][VAULT]["inputProperties"]["forceDestroy"].is_object());
}

#[tokio::test]
async fn unimplemented_rpcs_say_so() {
    let (_aws, mut client) = start().await;
    let err = client.call(rpc::CallRequest::default()).await.unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented);
}

#[tokio::test]
async fn check_config_types_strings_keeps_secrets_and_names_typos() {
    let (_aws, mut client) = start().await;
    let resp = client
        .check_config(rpc::CheckRequest {
            urn: "urn:pulumi:test::proj::pulumi:providers:awsbackup::default".into(),
            news: to_struct(json!({
                "region": "eu-west-1",
                "maxRetries": "7",
                "secretKey": "s3cr3t",
                "token": secret(json!("tok")),
                "defaultTags": "{\"team\":\"backup\"}",
                "version": "0.1.0",
            })),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    let inputs = from_struct(&resp.inputs);
    assert_eq!(inputs["maxRetries"], 7);
    assert_eq!(inputs["defaultTags"]["team"], "backup");
    assert_eq!(inputs["secretKey"], secret(json!("s3cr3t")));
    assert_eq!(inputs["token"], secret(json!("tok")));
    assert_eq!(inputs["version"], "0.1.0");

    let resp = client
        .check_config(rpc::CheckRequest {
            news: to_struct(json!({"regoin": "eu-west-1", "maxRetries": "many"})),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let props: Vec<&str> = resp.failures.iter().map(|f| f.property.as_str()).collect();
    assert!(props.contains(&"regoin"), "{props:?}");
    assert!(props.contains(&"maxRetries"), "{props:?}");
}

#[tokio::test]
async fn diff_config_and_configure_make_no_aws_calls() {
    let (aws, mut client) = start().await;
    let same = client
        .diff_config(diff_req(
            json!({"region": "us-east-1"}),
            json!({"region": "us-east-1"}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        same.changes,
        rpc::diff_response::DiffChanges::DiffNone as i32
    );
    let changed = client
        .diff_config(diff_req(
            json!({"region": "us-east-1"}),
            json!({"region": "eu-west-1"}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        changed.changes,
        rpc::diff_response::DiffChanges::DiffSome as i32
    );
    assert_eq!(changed.diffs, vec!["region"]);
    client
        .configure(rpc::ConfigureRequest {
            args: to_struct(
                json!({"region": "eu-west-1", "endpoint": aws.endpoint.url(),
                "secretKey": secret(json!("x")), "maxRetries": "2"}),
            ),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(aws.calls().is_empty());
}

#[tokio::test]
async fn check_autonames_from_the_seed_and_keeps_the_name_on_update() {
    let (_aws, mut client) = start().await;
    let check = |name: &'static str, olds: Value, news: Value, seed: u8| {
        let mut req = check_req(name, olds, news, seed);
        req.urn = urn(name);
        req
    };
    let first = client
        .check(check("daily", json!({}), json!({}), 1))
        .await
        .unwrap()
        .into_inner();
    // The engine sends a new random seed every run; the name does not follow it, so a create
    // retried after an interrupted update picks the same name.
    let again = client
        .check(check("daily", json!({}), json!({}), 2))
        .await
        .unwrap()
        .into_inner();
    let name = from_struct(&first.inputs)["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(regex_like_autoname(&name, "daily"), "{name}");
    assert_eq!(from_struct(&again.inputs)["name"], name.as_str());
    // Another resource, or another key (which replaces the vault), gets another name.
    let other = client
        .check(check("weekly", json!({}), json!({}), 1))
        .await
        .unwrap()
        .into_inner();
    assert!(regex_like_autoname(
        from_struct(&other.inputs)["name"].as_str().unwrap(),
        "weekly"
    ));
    let keyed = client
        .check(check(
            "daily",
            json!({}),
            json!({"encryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k2"}),
            1,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(from_struct(&keyed.inputs)["name"], name.as_str());

    // On update the old generated name is kept.
    let olds = from_struct(&first.inputs);
    let update = client
        .check(check("daily", olds, json!({}), 9))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(from_struct(&update.inputs)["name"], name.as_str());
}

/// An imported vault has a name but no autonaming marker: a program that omits the name keeps
/// it (no rename, no replacement). A name the user set and then removed is replaced by a new one.
#[tokio::test]
async fn check_keeps_an_imported_name_when_the_program_omits_it() {
    let (aws, mut client) = start().await;
    aws.create_vault("auto-3ya35qk", None).await;
    let imported = client
        .read(read_req("auto-3ya35qk", None, None))
        .await
        .unwrap()
        .into_inner();
    let checked = client
        .check(check_req(
            "auto",
            from_struct(&imported.inputs),
            json!({}),
            5,
        ))
        .await
        .unwrap()
        .into_inner();
    let news = from_struct(&checked.inputs);
    assert_eq!(news["name"], "auto-3ya35qk");
    let d = client
        .diff(rpc::DiffRequest {
            olds: imported.properties.clone(),
            ..diff_req(from_struct(&imported.inputs), news)
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.changes, rpc::diff_response::DiffChanges::DiffNone as i32);

    let named = client
        .check(check_req("auto", json!({}), json!({"name": "mine"}), 5))
        .await
        .unwrap()
        .into_inner();
    let unnamed = client
        .check(check_req("auto", from_struct(&named.inputs), json!({}), 5))
        .await
        .unwrap()
        .into_inner();
    let renamed = from_struct(&unnamed.inputs)["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(regex_like_autoname(&renamed, "auto"), "{renamed}");
}

fn regex_like_autoname(name: &str, prefix: &str) -> bool {
    name.strip_prefix(&format!("{prefix}-")).is_some_and(|s| {
        s.len() == 7
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

#[tokio::test]
async fn check_honours_engine_autonaming() {
    let (_aws, mut client) = start().await;
    let mut req = check_req("daily", json!({}), json!({}), 1);
    req.autonaming = Some(rpc::check_request::AutonamingOptions {
        proposed_name: "prod-daily".into(),
        mode: rpc::check_request::autonaming_options::Mode::Enforce as i32,
    });
    let resp = client.check(req.clone()).await.unwrap().into_inner();
    assert_eq!(from_struct(&resp.inputs)["name"], "prod-daily");
    req.autonaming = Some(rpc::check_request::AutonamingOptions {
        proposed_name: String::new(),
        mode: rpc::check_request::autonaming_options::Mode::Disable as i32,
    });
    let resp = client.check(req).await.unwrap().into_inner();
    assert_eq!(resp.failures[0].property, "name");
    assert!(resp.failures[0].reason.contains("autonaming is disabled"));
}

#[tokio::test]
async fn check_names_the_property_and_rule() {
    let (_aws, mut client) = start().await;
    let cases = [
        (json!({"name": "bad.name"}), "name", "'.'"),
        (json!({"name": "a"}), "name", "2 to 50"),
        (json!({"name": "a".repeat(51)}), "name", "2 to 50"),
        (
            json!({"encryptionKeyArn": "my-key"}),
            "encryptionKeyArn",
            "KMS key ARN",
        ),
        (
            json!({"encryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:alias/backup"}),
            "encryptionKeyArn",
            "alias",
        ),
        (json!({"tags": {"k".repeat(129): "v"}}), "tags", "128"),
        (
            json!({"tags": {"aws:owner": "v"}}),
            "tags[\"aws:owner\"]",
            "reserved",
        ),
        (
            json!({"forceDestroy": "yes"}),
            "forceDestroy",
            "invalid type",
        ),
        (json!({"nmae": "typo"}), "nmae", "unknown property"),
    ];
    for (news, property, rule) in cases {
        let resp = client
            .check(check_req("v", json!({}), news.clone(), 1))
            .await
            .unwrap()
            .into_inner();
        assert!(
            resp.failures
                .iter()
                .any(|f| failure_path(f).starts_with(property) && f.reason.contains(rule)),
            "{news}: expected a failure on {property} mentioning {rule:?}, got {:?}",
            resp.failures
        );
    }
}

#[tokio::test]
async fn check_keeps_secrets_and_unknowns_and_skips_unknown_values() {
    let (_aws, mut client) = start().await;
    let news = json!({"name": UNKNOWN, "tags": {"owner": secret(json!("alice")), "cost": UNKNOWN}});
    let resp = client
        .check(check_req("v", json!({}), news, 1))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    let inputs = from_struct(&resp.inputs);
    assert_eq!(inputs["name"], UNKNOWN);
    assert_eq!(inputs["tags"]["owner"], secret(json!("alice")));
    assert_eq!(inputs["tags"]["cost"], UNKNOWN);
}

#[tokio::test]
async fn diff_reports_detail_replacements_and_nothing_when_equal() {
    let (_aws, mut client) = start().await;
    use rpc::diff_response::DiffChanges;
    use rpc::property_diff::Kind;
    let base = json!({"name": "v1", "tags": {"env": "dev"}});

    let none = client
        .diff(diff_req(base.clone(), base.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(none.changes, DiffChanges::DiffNone as i32);

    let tags = client
        .diff(diff_req(
            base.clone(),
            json!({"name": "v1", "tags": {"env": "prod", "team": "x"}}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(tags.changes, DiffChanges::DiffSome as i32);
    assert!(tags.replaces.is_empty());
    assert_eq!(tags.detailed_diff["tags.env"].kind, Kind::Update as i32);
    assert_eq!(tags.detailed_diff["tags.team"].kind, Kind::Add as i32);
    assert_eq!(tags.diffs, vec!["tags"]);

    let renamed = client
        .diff(diff_req(
            base.clone(),
            json!({"name": "v2", "tags": {"env": "dev"}}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(renamed.replaces, vec!["name"]);
    assert_eq!(
        renamed.detailed_diff["name"].kind,
        Kind::UpdateReplace as i32
    );
    assert!(
        !renamed.delete_before_replace,
        "a new name does not collide"
    );

    let key = "arn:aws:kms:us-east-1:123456789012:key/abc";
    let rekeyed = client
        .diff(diff_req(
            base.clone(),
            json!({"name": "v1", "tags": {"env": "dev"}, "encryptionKeyArn": key}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rekeyed.replaces, vec!["encryptionKeyArn"]);
    assert!(
        rekeyed.delete_before_replace,
        "a fixed name must be freed first"
    );

    let autonamed = client
        .diff(diff_req(
            json!({"name": "v-abc1234", "__autonamed": true}),
            json!({"name": "v-abc1234", "__autonamed": true, "encryptionKeyArn": key}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        !autonamed.delete_before_replace,
        "an autonamed vault gets a new name instead"
    );

    // An omitted key accepts the key AWS chose; an unknown value is a change.
    let omitted = client
        .diff(diff_req(
            json!({"name": "v1", "encryptionKeyArn": key}),
            json!({"name": "v1"}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(omitted.changes, DiffChanges::DiffNone as i32);
    let unknown = client
        .diff(diff_req(
            base.clone(),
            json!({"name": UNKNOWN, "tags": {"env": "dev"}}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unknown.replaces, vec!["name"]);

    let mut ignored = diff_req(base, json!({"name": "v1", "tags": {"env": "prod"}}));
    ignored.ignore_changes = vec!["tags".into()];
    let ignored = client.diff(ignored).await.unwrap().into_inner();
    assert_eq!(ignored.changes, DiffChanges::DiffNone as i32);
}

#[tokio::test]
async fn create_preview_returns_unknown_outputs_without_aws_calls() {
    let (aws, mut client) = start().await;
    let resp = client
        .create(create_req(
            json!({"name": "v1", "tags": {"k": UNKNOWN}}),
            true,
        ))
        .await
        .unwrap()
        .into_inner();
    let out = from_struct(&resp.properties);
    assert_eq!(resp.id, "");
    assert_eq!(out["name"], "v1");
    assert_eq!(out["arn"], UNKNOWN);
    assert_eq!(out["recoveryPoints"], UNKNOWN);
    assert_eq!(out["tags"]["k"], UNKNOWN);
    assert!(aws.calls().is_empty());
}

#[tokio::test]
async fn create_returns_outputs_with_secrets_still_wrapped() {
    let (aws, mut client) = start().await;
    let resp = client
        .create(create_req(
            json!({"name": "v1", "tags": {"owner": secret(json!("alice"))}}),
            false,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.id, "v1");
    let out = from_struct(&resp.properties);
    assert_eq!(
        out["arn"],
        "arn:aws:backup:us-east-1:123456789012:backup-vault:v1"
    );
    assert_eq!(out["tags"]["owner"], secret(json!("alice")));
    assert_eq!(out["recoveryPoints"], 0);
    assert_eq!(out["locked"], false);
    assert_eq!(aws.tags(&aws.vault_arn("v1").await).await["owner"], "alice");
}

/// A create whose AWS resource exists but whose follow-up call fails hands the resource to the
/// engine as a partial failure (here a lock whose read-back fails).
#[tokio::test]
async fn create_that_fails_after_the_resource_exists_reports_a_partial_failure() {
    let (aws, mut client) = start().await;
    aws.create_vault("v1", None).await;
    // The first describe (does the vault have a lock?) fails, retries included: the create fails
    // before anything exists.
    aws.fail_next(
        "DescribeBackupVault",
        "ServiceUnavailableException",
        500,
        MAX_RETRIES + 1,
    );
    let err = client
        .create(rpc::CreateRequest {
            urn: "urn:pulumi:test::proj::awsbackup:index:VaultLock::lock".into(),
            properties: to_struct(json!({"backupVaultName": "v1", "minRetentionDays": 7})),
            r#type: "awsbackup:index:VaultLock".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(google_rpc::Status::decode(err.details())
        .map(|e| e.details.is_empty())
        .unwrap_or(true));
    assert_eq!(aws.vault("v1").await.unwrap().locked, Some(false));

    // The read-back of a compliance lock's date after the lock is put fails: the lock exists,
    // the engine must know it.
    aws.endpoint
        .add_failure(json!({
            "operation": "DescribeBackupVault",
            "code": "ServiceUnavailableException",
            "status": 500,
            "times": MAX_RETRIES + 1,
            "after": "PutBackupVaultLockConfiguration",
        }))
        .unwrap();
    let err = client
        .create(rpc::CreateRequest {
            urn: "urn:pulumi:test::proj::awsbackup:index:VaultLock::lock".into(),
            properties: to_struct(json!({
                "backupVaultName": "v1",
                "minRetentionDays": 7,
                "changeableForDays": 3,
            })),
            r#type: "awsbackup:index:VaultLock".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        aws.vault("v1").await.unwrap().locked,
        Some(true),
        "the lock was put"
    );
    let envelope = google_rpc::Status::decode(err.details()).expect("error details");
    assert_eq!(
        envelope.code,
        err.code() as i32,
        "inner and outer codes must match"
    );
    let any = &envelope.details[0];
    assert_eq!(
        any.type_url,
        "type.googleapis.com/pulumirpc.ErrorResourceInitFailed"
    );
    let detail = rpc::ErrorResourceInitFailed::decode(any.value.as_slice()).unwrap();
    assert_eq!(detail.id, "v1");
    let props = from_struct(&detail.properties);
    assert_eq!(props["minRetentionDays"], 7);
    assert!(detail.reasons[0].contains("ServiceUnavailableException"));
}

/// A governance lock is put after one look at the vault; nothing is read back, as it has no
/// lock date.
#[tokio::test]
async fn governance_lock_create_makes_two_calls() {
    let (aws, mut client) = start().await;
    aws.create_vault("v1", None).await;
    let before = aws.calls().len();
    let resp = client
        .create(rpc::CreateRequest {
            urn: "urn:pulumi:test::proj::awsbackup:index:VaultLock::lock".into(),
            properties: to_struct(json!({"backupVaultName": "v1", "minRetentionDays": 7})),
            r#type: "awsbackup:index:VaultLock".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        aws.calls()[before..],
        ["DescribeBackupVault", "PutBackupVaultLockConfiguration"]
    );
    let out = from_struct(&resp.properties);
    assert_eq!(out["mode"], "governance");
    assert_eq!(out["locked"], true);
    assert!(out.get("lockDate").is_none(), "{out}");
    assert_eq!(aws.vault("v1").await.unwrap().locked, Some(true));
}

/// A vault create is one CreateBackupVault: its answer and the inputs are the whole state.
#[tokio::test]
async fn vault_create_makes_one_call() {
    let (aws, mut client) = start().await;
    client
        .create(create_req(json!({"name": "v1", "tags": {"k": "v"}}), false))
        .await
        .unwrap();
    assert_eq!(aws.calls(), vec!["CreateBackupVault".to_string()]);
}

#[tokio::test]
async fn create_of_an_existing_name_explains_how_to_import() {
    let (aws, mut client) = start().await;
    aws.create_vault("taken", None).await;
    let err = client
        .create(create_req(json!({"name": "taken"}), false))
        .await
        .unwrap_err();
    assert!(
        err.message()
            .contains("pulumi import awsbackup:index:Vault"),
        "{}",
        err.message()
    );
}

fn read_req(id: &str, props: Option<Value>, inputs: Option<Value>) -> rpc::ReadRequest {
    rpc::ReadRequest {
        id: id.into(),
        urn: urn("v"),
        properties: props.and_then(to_struct),
        inputs: inputs.and_then(to_struct),
        r#type: VAULT.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn read_refresh_sees_drift_and_disappearance() {
    let (aws, mut client) = start().await;
    let created = client
        .create(create_req(
            json!({"name": "v1", "tags": {"env": "dev", "owner": secret(json!("alice"))}}),
            false,
        ))
        .await
        .unwrap()
        .into_inner();
    let state = from_struct(&created.properties);
    let inputs = json!({"name": "v1", "tags": {"env": "dev", "owner": secret(json!("alice"))}, "__autonamed": false});
    aws.tag(state["arn"].as_str().unwrap(), &[("env", "prod")])
        .await;

    let read = client
        .read(read_req("v1", Some(state.clone()), Some(inputs.clone())))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.id, "v1");
    let new_inputs = from_struct(&read.inputs);
    assert_eq!(new_inputs["tags"]["env"], "prod");
    assert_eq!(
        new_inputs["tags"]["owner"],
        secret(json!("alice")),
        "secrets stay secret on refresh"
    );
    assert_eq!(
        new_inputs["__autonamed"], false,
        "internal markers are carried over"
    );
    assert!(
        new_inputs.get("encryptionKeyArn").is_none(),
        "AWS's default key is not an input"
    );
    assert_eq!(
        from_struct(&read.properties)["tags"]["owner"],
        secret(json!("alice"))
    );

    aws.sdk
        .delete_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    let gone = client
        .read(read_req("v1", Some(state), Some(inputs)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(gone.id, "");
    assert!(gone.properties.is_none() && gone.inputs.is_none());
}

#[tokio::test]
async fn read_for_import_returns_inputs_and_outputs_from_the_id_alone() {
    let (aws, mut client) = start().await;
    let arn = aws
        .create_vault(
            "existing",
            Some("arn:aws:kms:us-east-1:123456789012:key/k1"),
        )
        .await;
    aws.tag(&arn, &[("team", "data")]).await;
    let read = client
        .read(read_req("existing", None, None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.id, "existing");
    let inputs = from_struct(&read.inputs);
    assert_eq!(
        inputs,
        json!({"name": "existing", "tags": {"team": "data"},
               "encryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k1"}),
        "an import records the vault's key: nobody can tell whether it was chosen"
    );
    let props = from_struct(&read.properties);
    assert_eq!(
        props["encryptionKeyArn"],
        "arn:aws:kms:us-east-1:123456789012:key/k1"
    );
    assert_eq!(
        props["arn"],
        "arn:aws:backup:us-east-1:123456789012:backup-vault:existing"
    );

    let missing = rpc::ReadRequest {
        id: "nope".into(),
        ..read_req("nope", None, None)
    };
    let resp = client.read(missing).await.unwrap().into_inner();
    assert!(
        resp.properties.is_none(),
        "an import of a missing vault finds nothing"
    );
}

/// A vault with its own KMS key, imported: the program naming the key, or omitting it, has no
/// diff; a state whose inputs lack the key (imported before it was recorded) has none either;
/// another key still replaces the vault.
#[tokio::test]
async fn import_of_a_vault_with_its_own_key_plans_no_replacement() {
    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/own-key";
    let (aws, mut client) = start().await;
    aws.create_vault("keyed", Some(KEY)).await;
    let read = client
        .read(read_req("keyed", None, None))
        .await
        .unwrap()
        .into_inner();
    let (state, imported) = (from_struct(&read.properties), from_struct(&read.inputs));
    assert_eq!(imported["encryptionKeyArn"], KEY);
    let diff_against = |old_inputs: Value, news: Value| rpc::DiffRequest {
        id: "keyed".into(),
        urn: urn("keyed"),
        olds: to_struct(state.clone()),
        old_inputs: to_struct(old_inputs),
        news: to_struct(news),
        r#type: VAULT.into(),
        ..Default::default()
    };
    let without_key = json!({"name": "keyed"});
    let with_key = json!({"name": "keyed", "encryptionKeyArn": KEY});
    for (old_inputs, news) in [
        (imported.clone(), with_key.clone()),
        (imported.clone(), without_key.clone()),
        (without_key.clone(), with_key.clone()),
    ] {
        let d = client
            .diff(diff_against(old_inputs.clone(), news.clone()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            d.changes,
            rpc::diff_response::DiffChanges::DiffNone as i32,
            "{old_inputs} -> {news}: {:?}",
            d.detailed_diff
        );
    }
    // A refresh after the import keeps the key as an input.
    let refreshed = client
        .read(read_req(
            "keyed",
            Some(state.clone()),
            Some(imported.clone()),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(from_struct(&refreshed.inputs)["encryptionKeyArn"], KEY);
    let other = json!({"name": "keyed", "encryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/other"});
    for old_inputs in [imported, without_key] {
        let d = client
            .diff(diff_against(old_inputs, other.clone()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(d.replaces, vec!["encryptionKeyArn".to_string()]);
    }
}

#[tokio::test]
async fn update_reconciles_tags_and_preview_changes_nothing() {
    let (aws, mut client) = start().await;
    let created = client
        .create(create_req(
            json!({"name": "v1", "tags": {"a": "1", "b": "2"}}),
            false,
        ))
        .await
        .unwrap()
        .into_inner();
    let olds = from_struct(&created.properties);
    let news = json!({"name": "v1", "tags": {"a": "1", "c": "3"}, "forceDestroy": true});
    let before = aws.mark();
    let preview = client
        .update(rpc::UpdateRequest {
            id: "v1".into(),
            urn: urn("v"),
            olds: to_struct(olds.clone()),
            news: to_struct(news.clone()),
            preview: true,
            r#type: VAULT.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        aws.calls_since(before).is_empty(),
        "a preview makes no AWS call"
    );
    let out = from_struct(&preview.properties);
    assert_eq!(out["arn"], olds["arn"], "the ARN stays through an update");

    let updated = client
        .update(rpc::UpdateRequest {
            id: "v1".into(),
            urn: urn("v"),
            olds: to_struct(olds),
            news: to_struct(news),
            r#type: VAULT.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let out = from_struct(&updated.properties);
    assert_eq!(out["forceDestroy"], true);
    assert_eq!(
        aws.tags(&aws.vault_arn("v1").await).await,
        [("a".into(), "1".into()), ("c".into(), "3".into())].into()
    );
}

fn delete_req(id: &str, force: bool) -> rpc::DeleteRequest {
    rpc::DeleteRequest {
        id: id.into(),
        urn: urn("v"),
        properties: to_struct(json!({
            "name": id, "arn": format!("arn:aws:backup:us-east-1:123456789012:backup-vault:{id}"),
            "recoveryPoints": 0, "locked": false, "forceDestroy": force,
        })),
        r#type: VAULT.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn delete_of_a_missing_vault_succeeds() {
    let (aws, mut client) = start().await;
    client.delete(delete_req("gone", false)).await.unwrap();
    assert_eq!(aws.calls(), vec!["DeleteBackupVault"]);
}

#[tokio::test]
async fn force_destroy_of_an_empty_vault_lists_nothing() {
    let (aws, mut client) = start().await;
    aws.create_vault("empty", None).await;
    let before = aws.mark();
    client.delete(delete_req("empty", true)).await.unwrap();
    assert_eq!(
        aws.calls_since(before),
        vec!["DeleteBackupVault"],
        "one call for an empty vault"
    );
    assert!(aws.vault("empty").await.is_none());
}

#[tokio::test]
async fn delete_refuses_a_non_empty_vault_without_force_destroy() {
    let (aws, mut client) = start().await;
    aws.create_vault("full", None).await;
    aws.add_recovery_points("full", 3, None).await;
    let err = client.delete(delete_req("full", false)).await.unwrap_err();
    assert!(err.message().contains("forceDestroy"), "{}", err.message());
    let vault = aws.vault("full").await.expect("the vault is kept");
    assert_eq!(vault.number_of_recovery_points, 3);
}

#[tokio::test]
async fn force_destroy_empties_the_vault_and_waits_until_aws_agrees() {
    let (aws, mut client) = start().await;
    aws.create_vault("full", None).await;
    aws.add_recovery_points("full", 3, None).await;
    // AWS keeps refusing the delete for a while after the last point is gone.
    aws.endpoint
        .set_faults(json!({"deleteVaultLagCalls": 2}))
        .unwrap();
    client.delete(delete_req("full", true)).await.unwrap();
    assert!(aws.vault("full").await.is_none());
    let calls = aws.calls();
    assert_eq!(
        calls.iter().filter(|c| *c == "DeleteRecoveryPoint").count(),
        3
    );
    // Refused for its points, twice more while AWS lags, then deleted.
    assert_eq!(
        calls.iter().filter(|c| *c == "DeleteBackupVault").count(),
        4,
        "{calls:?}"
    );
}

#[tokio::test]
async fn force_destroy_deletes_every_page_of_recovery_points() {
    let (aws, mut client) = start().await;
    aws.create_vault("full", None).await;
    // More than one page of ListRecoveryPointsByBackupVault (at most 1000 points).
    aws.add_recovery_points("full", 1001, None).await;
    let before = aws.mark();
    client.delete(delete_req("full", true)).await.unwrap();
    assert!(aws.vault("full").await.is_none());
    let calls = aws.calls_since(before);
    let count = |op: &str| calls.iter().filter(|c| *c == op).count();
    assert_eq!(count("ListRecoveryPointsByBackupVault"), 2, "two pages");
    assert_eq!(count("DeleteRecoveryPoint"), 1001);
}

#[tokio::test]
async fn force_destroy_reports_recovery_points_it_could_not_delete() {
    let (aws, mut client) = start().await;
    aws.create_vault("locked", None).await;
    // Two points in a locked vault: AWS deletes the one whose retention has passed and refuses
    // the one kept forever.
    aws.add_recovery_points("locked", 1, Some(1)).await;
    aws.add_recovery_points("locked", 1, None).await;
    aws.sdk
        .put_backup_vault_lock_configuration()
        .backup_vault_name("locked")
        .min_retention_days(1)
        .send()
        .await
        .unwrap();
    aws.endpoint.advance_clock(2.0 * 86_400.0);
    let err = client.delete(delete_req("locked", true)).await.unwrap_err();
    assert!(
        err.message().contains("could not delete 1 of 2"),
        "{}",
        err.message()
    );
    let vault = aws.vault("locked").await;
    assert_eq!(
        vault.map(|v| v.number_of_recovery_points),
        Some(1),
        "the vault is kept when its points are not all gone"
    );
}

#[tokio::test]
async fn custom_timeouts_are_honoured() {
    let (aws, mut client) = start().await;
    aws.endpoint
        .set_faults(json!({"operations": {"CreateBackupVault": {"latencyMs": 5_000}}}))
        .unwrap();
    let mut req = create_req(json!({"name": "slow"}), false);
    req.timeout = 0.2;
    let started = std::time::Instant::now();
    let err = client.create(req).await.unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded);
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// A create whose answer never comes (the connection went silent after AWS made the vault) is
/// dropped after a quarter of the time left and tried again; the retry finds the vault the first
/// attempt made and adopts it.
#[tokio::test]
async fn a_create_whose_answer_never_comes_is_retried_and_adopted() {
    let (aws, client) = start().await;
    aws.endpoint
        .set_faults(json!({"operations": {"CreateBackupVault": {"latencyMs": 60_000}}}))
        .unwrap();
    let mut req = create_req(json!({"name": "silent"}), false);
    // 20 s for the create: an attempt gets 5 s.
    req.timeout = 20.0;
    let mut creating = client.clone();
    let started = std::time::Instant::now();
    let pending = tokio::spawn(async move { creating.create(req).await });
    while aws.endpoint.stats()["inFlight"]["CreateBackupVault"] != 1 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The next attempt is answered at once.
    aws.endpoint.set_faults(json!({})).unwrap();
    let created = pending.await.unwrap().unwrap().into_inner();
    let elapsed = started.elapsed();
    assert_eq!(created.id, "silent");
    assert!(
        elapsed >= Duration::from_secs(5) && elapsed < Duration::from_secs(10),
        "{elapsed:?}"
    );
    assert_eq!(aws.count("CreateBackupVault"), 2);
    let listed = aws.sdk.list_backup_vaults().send().await.unwrap();
    assert_eq!(listed.backup_vault_list().len(), 1);
}

#[tokio::test]
async fn cancel_stops_operations_in_flight() {
    let (aws, client) = start().await;
    aws.endpoint
        .set_faults(json!({"operations": {"CreateBackupVault": {"latencyMs": 30_000}}}))
        .unwrap();
    let mut creating = client.clone();
    let pending = tokio::spawn(async move {
        creating
            .create(create_req(json!({"name": "slow"}), false))
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.clone().cancel(()).await.unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.unwrap_err().code(), Code::Cancelled);
}

/// The provider's end of every engine connection sends without Nagle's delay: with it, the tail
/// of an answer written in several pieces waits for the engine's delayed ACK (about 40 ms).
#[tokio::test]
async fn engine_connections_send_without_delay() {
    use std::os::fd::{AsRawFd, BorrowedFd};

    let listener = awsbackup::server::bind().await.unwrap();
    let server = listener.local_addr().unwrap();
    let listener_fd = listener.as_raw_fd();
    tokio::spawn(awsbackup::server::serve(
        listener,
        awsbackup::provider::Provider::new(),
        std::future::pending(),
    ));
    let mut client =
        rpc::resource_provider_client::ResourceProviderClient::connect(format!("http://{server}"))
            .await
            .unwrap();
    client
        .get_schema(rpc::GetSchemaRequest::default())
        .await
        .unwrap();

    // The sockets of this process bound to the server's address, other than the listener, are
    // the connections it accepted.
    let mut accepted = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if fd == listener_fd {
            continue;
        }
        // SAFETY: the descriptor stays open while `client` and the server run; it is only read.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let sock = socket2::SockRef::from(&fd);
        let local = sock.local_addr().ok().and_then(|a| a.as_socket());
        if local == Some(server) {
            accepted.push(sock.tcp_nodelay().unwrap());
        }
    }
    assert_eq!(
        accepted,
        vec![true],
        "accepted connections and their TCP_NODELAY"
    );
}
