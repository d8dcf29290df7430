//! Property-based robustness: random and mutated `google.protobuf.Struct` values go into Check,
//! Diff and Create (preview and real, against the local endpoint) of every resource. None may
//! panic, and every Check failure names a top-level property the engine can look up.
//!
//! `make test` runs a short run; `make fuzz` runs 10^6 cases (`PROPTEST_CASES`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use awsbackup::proto::pulumirpc as rpc;
use awsbackup::proto::pulumirpc::resource_provider_server::ResourceProvider;
use awsbackup::provider::Provider;
use awsbackup::value::UNKNOWN;
use awsbackup_local_endpoint::LocalEndpoint;
use proptest::prelude::*;
use prost_types::value::Kind;
use prost_types::{ListValue, Struct, Value as PValue};
use serde_json::{json, Value};
use tonic::Request;

use crate::common::{provider_config, sdk_client, to_struct, Aws, ACCOUNT, REGION};

const ROLE: &str = "arn:aws:iam::123456789012:role/backup";

/// (type token, valid inputs) of every resource.
fn seeds() -> Vec<(&'static str, Value)> {
    vec![
        (
            "awsbackup:index:Vault",
            json!({"name": "fuzz-vault", "encryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k",
                   "tags": {"a": "b"}, "forceDestroy": true}),
        ),
        (
            "awsbackup:index:VaultLock",
            json!({"backupVaultName": "v1", "minRetentionDays": 7, "maxRetentionDays": 30,
                   "changeableForDays": 3}),
        ),
        (
            "awsbackup:index:Plan",
            json!({"name": "p", "rules": [{"ruleName": "r", "targetVaultName": "v1",
                "scheduleExpression": "cron(0 5 ? * * *)", "scheduleExpressionTimezone": "Etc/UTC",
                "startWindowMinutes": 60, "completionWindowMinutes": 120,
                "lifecycle": {"moveToColdStorageAfterDays": 1, "deleteAfterDays": 91},
                "copyActions": [{"destinationVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:x",
                                 "lifecycle": {"deleteAfterDays": 30}}],
                "indexActions": [{"resourceTypes": ["EBS"]}], "recoveryPointTags": {"k": "v"}}],
                "advancedBackupSettings": [{"resourceType": "EC2", "backupOptions": {"WindowsVSS": "enabled"}}],
                "tags": {"t": "v"}}),
        ),
        (
            "awsbackup:index:Selection",
            json!({"planId": "plan-1", "name": "s", "iamRoleArn": ROLE, "resources": ["*"],
                   "notResources": ["arn:aws:fsx:*"],
                   "listOfTags": [{"conditionType": "STRINGEQUALS", "conditionKey": "k", "conditionValue": "v"}],
                   "conditions": {"stringEquals": [{"conditionKey": "aws:ResourceTag/a", "conditionValue": "b"}]}}),
        ),
        (
            "awsbackup:index:VaultNotifications",
            json!({"backupVaultName": "v1", "snsTopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                   "backupVaultEvents": ["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"]}),
        ),
        (
            "awsbackup:index:VaultPolicy",
            json!({"backupVaultName": "v1", "policy": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                 "Action": ["backup:CopyIntoBackupVault"], "Resource": "*"}]}}),
        ),
        (
            "awsbackup:index:GlobalSettings",
            json!({"isCrossAccountBackupEnabled": true, "isMpaEnabled": false,
                   "isDelegatedAdministratorEnabled": false}),
        ),
        (
            "awsbackup:index:LogicallyAirGappedVault",
            json!({"name": "fuzz-airgap", "minRetentionDays": 7, "maxRetentionDays": 35,
                   "encryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k", "tags": {"a": "b"}}),
        ),
        (
            "awsbackup:index:RestoreTestingPlan",
            json!({"name": "fuzz_plan", "scheduleExpression": "cron(0 5 ? * * *)",
                   "scheduleExpressionTimezone": "Europe/Paris", "startWindowHours": 24,
                   "recoveryPointSelection": {"algorithm": "RANDOM_WITHIN_WINDOW",
                       "includeVaults": ["*"], "excludeVaults": ["arn:aws:backup:us-east-1:123456789012:backup-vault:x"],
                       "recoveryPointTypes": ["SNAPSHOT"], "selectionWindowDays": 7},
                   "tags": {"t": "v"}}),
        ),
        (
            "awsbackup:index:RestoreTestingSelection",
            json!({"restoreTestingPlanName": "fuzz_plan", "name": "s", "protectedResourceType": "EBS",
                   "iamRoleArn": ROLE, "protectedResourceArns": ["*"],
                   "protectedResourceConditions": {"stringEquals": [{"key": "team", "value": "a"}]},
                   "restoreMetadataOverrides": {"availabilityZone": "us-east-1a"},
                   "validationWindowHours": 12}),
        ),
        (
            "awsbackup:index:Framework",
            json!({"name": "fuzz_framework", "description": "audit",
                   "controls": [
                       {"name": "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
                        "inputParameters": [{"name": "requiredFrequencyUnit", "value": "hours"},
                                            {"name": "requiredFrequencyValue", "value": "12"}],
                        "scope": {"tags": {"team": "a"}}},
                       {"name": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
                        "scope": {"complianceResourceIds": ["vol-1"], "complianceResourceTypes": ["EBS"]}}],
                   "tags": {"t": "v"}}),
        ),
        (
            "awsbackup:index:ReportPlan",
            json!({"name": "fuzz_report", "description": "fuzz",
                   "reportDeliveryChannel": {"s3BucketName": "fuzz-reports", "s3KeyPrefix": "p",
                       "formats": ["CSV"]},
                   "reportSetting": {"reportTemplate": "RESOURCE_COMPLIANCE_REPORT",
                       "frameworkArns": ["arn:aws:backup:us-east-1:123456789012:framework:f-1"],
                       "numberOfFrameworks": 1, "regions": ["us-east-1"]},
                   "tags": {"t": "v"}}),
        ),
        (
            "awsbackup:index:RegionSettings",
            json!({"resourceTypeOptInPreference": {"S3": true, "SAP HANA on Amazon EC2": false},
                   "resourceTypeManagementPreference": {"DynamoDB": true}}),
        ),
    ]
}

/// Keys the generator favours: every input name of every resource, and a few others.
const KEYS: &[&str] = &[
    "name",
    "encryptionKeyArn",
    "tags",
    "forceDestroy",
    "backupVaultName",
    "minRetentionDays",
    "maxRetentionDays",
    "changeableForDays",
    "rules",
    "ruleName",
    "targetVaultName",
    "scheduleExpression",
    "scheduleExpressionTimezone",
    "startWindowMinutes",
    "completionWindowMinutes",
    "lifecycle",
    "deleteAfterDays",
    "moveToColdStorageAfterDays",
    "optInToArchiveForSupportedResources",
    "recoveryPointTags",
    "copyActions",
    "destinationVaultArn",
    "enableContinuousBackup",
    "indexActions",
    "resourceTypes",
    "advancedBackupSettings",
    "resourceType",
    "backupOptions",
    "planId",
    "iamRoleArn",
    "resources",
    "notResources",
    "listOfTags",
    "conditionType",
    "conditionKey",
    "conditionValue",
    "conditions",
    "stringEquals",
    "stringNotLike",
    "snsTopicArn",
    "backupVaultEvents",
    "policy",
    "Statement",
    "Action",
    "isCrossAccountBackupEnabled",
    "isMpaEnabled",
    "isDelegatedAdministratorEnabled",
    "resourceTypeOptInPreference",
    "resourceTypeManagementPreference",
    "targetLogicallyAirGappedBackupVaultArn",
    "selectionId",
    "createdAfter",
    "S3",
    "recoveryPointSelection",
    "algorithm",
    "includeVaults",
    "excludeVaults",
    "recoveryPointTypes",
    "selectionWindowDays",
    "startWindowHours",
    "restoreTestingPlanName",
    "protectedResourceType",
    "protectedResourceArns",
    "protectedResourceConditions",
    "stringNotEquals",
    "key",
    "restoreMetadataOverrides",
    "validationWindowHours",
    "description",
    "controls",
    "inputParameters",
    "value",
    "scope",
    "complianceResourceIds",
    "complianceResourceTypes",
    "reportDeliveryChannel",
    "s3BucketName",
    "s3KeyPrefix",
    "formats",
    "reportSetting",
    "reportTemplate",
    "frameworkArns",
    "numberOfFrameworks",
    "accounts",
    "organizationUnits",
    "regions",
    "__autonamed",
    "__defaults",
    "4dabf18193072939515e22adb298388d",
    "value",
    "",
    "ünïcode",
];

fn pvalue(kind: Kind) -> PValue {
    PValue { kind: Some(kind) }
}

fn leaf() -> impl Strategy<Value = PValue> {
    prop_oneof![
        Just(pvalue(Kind::NullValue(0))),
        Just(PValue { kind: None }),
        any::<bool>().prop_map(|b| pvalue(Kind::BoolValue(b))),
        prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-0.0),
            Just(1e300),
            (-100i64..40_000).prop_map(|n| n as f64),
            Just(4.5),
        ]
        .prop_map(|n| pvalue(Kind::NumberValue(n))),
        prop_oneof![
            Just(UNKNOWN.to_string()),
            Just("1b47061264138c4ac30d75fd1eb44270".to_string()),
            Just(String::new()),
            Just("*".to_string()),
            Just("arn:aws:fsx:*".to_string()),
            Just("cron(0 5 ? * * *)".to_string()),
            Just("a".repeat(300)),
            ".{0,40}",
            "[a-z0-9:/*._-]{0,60}",
        ]
        .prop_map(|s| pvalue(Kind::StringValue(s))),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_string),
        1 => ".{0,12}",
    ]
}

fn any_value() -> impl Strategy<Value = PValue> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6)
                .prop_map(|values| pvalue(Kind::ListValue(ListValue { values }))),
            proptest::collection::btree_map(key(), inner, 0..6).prop_map(|fields| {
                pvalue(Kind::StructValue(Struct {
                    fields: fields.into_iter().collect(),
                }))
            }),
        ]
    })
}

fn any_struct() -> impl Strategy<Value = Struct> {
    proptest::collection::btree_map(key(), any_value(), 0..8).prop_map(|fields| Struct {
        fields: fields.into_iter().collect(),
    })
}

/// One change to a value: the path is followed by indices modulo the children present.
#[derive(Clone, Debug)]
struct Mutation {
    path: Vec<usize>,
    op: u8,
    with: PValue,
    key: String,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        proptest::collection::vec(any::<usize>(), 0..5),
        0u8..3,
        any_value(),
        key(),
    )
        .prop_map(|(path, op, with, key)| Mutation {
            path,
            op,
            with,
            key,
        })
}

/// Applies `m` below `fields`: replaces, removes or adds a field at the end of its path.
fn mutate(fields: &mut std::collections::BTreeMap<String, PValue>, m: &Mutation, depth: usize) {
    if fields.is_empty() || m.op == 2 && depth == m.path.len() {
        fields.insert(m.key.clone(), m.with.clone());
        return;
    }
    let keys: Vec<String> = fields.keys().cloned().collect();
    let pick = keys[m.path.get(depth).copied().unwrap_or(0) % keys.len()].clone();
    if depth >= m.path.len() {
        match m.op {
            0 => {
                fields.insert(pick, m.with.clone());
            }
            _ => {
                fields.remove(&pick);
            }
        }
        return;
    }
    let child = fields.get_mut(&pick).expect("picked from the keys");
    mutate_value(child, m, depth + 1);
}

fn mutate_value(v: &mut PValue, m: &Mutation, depth: usize) {
    match &mut v.kind {
        Some(Kind::StructValue(s)) => {
            let mut fields: std::collections::BTreeMap<String, PValue> =
                std::mem::take(&mut s.fields).into_iter().collect();
            mutate(&mut fields, m, depth);
            s.fields = fields.into_iter().collect();
        }
        Some(Kind::ListValue(l)) if !l.values.is_empty() && depth < m.path.len() => {
            let i = m.path[depth] % l.values.len();
            match m.op {
                1 => {
                    l.values.remove(i);
                }
                _ => mutate_value(&mut l.values[i], m, depth + 1),
            }
        }
        _ => *v = m.with.clone(),
    }
}

fn mutated(seed: &Value, mutations: &[Mutation]) -> Struct {
    let s = awsbackup::value::to_struct(seed);
    let mut fields: std::collections::BTreeMap<String, PValue> = s.fields.into_iter().collect();
    for m in mutations {
        mutate(&mut fields, m, 0);
    }
    Struct {
        fields: fields.into_iter().collect(),
    }
}

struct Harness {
    rt: tokio::runtime::Runtime,
    provider: Provider,
    aws: Aws,
    /// Exercises so far: every [`RESET_EVERY`] the endpoint is emptied.
    exercised: AtomicUsize,
    /// Each resource's input property names, from the schema.
    inputs: std::collections::BTreeMap<String, Vec<String>>,
    /// Each function's input property names, from the schema.
    function_inputs: std::collections::BTreeMap<String, Vec<String>>,
}

/// Valid inputs create resources for real; a long run empties the endpoint now and then so that
/// they do not pile up.
const RESET_EVERY: usize = 500;

/// Empties the endpoint but for the vault the seeds target.
async fn fresh_aws(aws: &Aws) {
    aws.endpoint.reset();
    // New air-gapped vaults are available at once: a create does not wait.
    aws.endpoint
        .set_faults(json!({"lagVaultCreatingCalls": 0}))
        .unwrap();
    aws.create_vault("v1", None).await;
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let endpoint = rt.block_on(LocalEndpoint::start()).unwrap();
        let sdk = sdk_client(&endpoint.url(), ACCOUNT, REGION);
        let aws = Aws { endpoint, sdk };
        let provider = Provider::new();
        let schema: Value = rt.block_on(async {
            provider
                .configure(Request::new(rpc::ConfigureRequest {
                    args: to_struct(provider_config(&aws.endpoint)),
                    ..Default::default()
                }))
                .await
                .unwrap();
            fresh_aws(&aws).await;
            let s = provider
                .get_schema(Request::new(rpc::GetSchemaRequest::default()))
                .await
                .unwrap()
                .into_inner()
                .schema;
            serde_json::from_str(&s).unwrap()
        });
        let inputs = schema["resources"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(token, r)| {
                let keys = r["inputProperties"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                (token.clone(), keys)
            })
            .collect();
        let function_inputs: std::collections::BTreeMap<String, Vec<String>> = schema["functions"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(token, f)| {
                let keys = f["inputs"]["properties"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                (token.clone(), keys)
            })
            .collect();
        Harness {
            rt,
            provider,
            aws,
            exercised: AtomicUsize::new(0),
            inputs,
            function_inputs,
        }
    })
}

/// Invoke of the function `token` with `args`; panics (failing the case) when the rpc panics or
/// a failure names no property.
fn invoke(token: &str, args: Struct) {
    let h = harness();
    h.rt.block_on(async {
        let answer = h
            .provider
            .invoke(Request::new(rpc::InvokeRequest {
                tok: token.into(),
                args: Some(args.clone()),
                ..Default::default()
            }))
            .await;
        let known = &h.function_inputs[token];
        if let Ok(answer) = answer {
            for f in &answer.into_inner().failures {
                // As for resources: a top-level key given, or one of the function's inputs.
                assert!(
                    args.fields.contains_key(&f.property) || known.contains(&f.property),
                    "{f:?} names neither an argument given nor one of {known:?}"
                );
                assert!(!f.reason.is_empty());
            }
        }
    });
}

/// Check, Diff, Create (preview) and Create of `news` for `token`; panics (failing the case)
/// when an rpc panics or a Check failure names no property the engine can find.
fn exercise(token: &str, news: Struct, olds: Struct) {
    let h = harness();
    let urn = format!("urn:pulumi:fuzz::proj::{token}::r");
    h.rt.block_on(async {
        if h.exercised.fetch_add(1, Ordering::Relaxed) % RESET_EVERY == RESET_EVERY - 1 {
            fresh_aws(&h.aws).await;
        }
        let checked = h
            .provider
            .check(Request::new(rpc::CheckRequest {
                urn: urn.clone(),
                olds: Some(olds.clone()),
                news: Some(news.clone()),
                random_seed: vec![1; 32],
                r#type: token.into(),
                ..Default::default()
            }))
            .await
            .expect("Check answers failures, not errors")
            .into_inner();
        let known = &h.inputs[token];
        // The inputs as the provider sees them, secrets unwrapped (a whole map may be one).
        let (plain, _) = awsbackup::value::split(awsbackup::value::from_struct(&news));
        for f in &checked.failures {
            // The engine looks the property up as a top-level key of the inputs.
            assert!(
                news.fields.contains_key(&f.property)
                    || plain.get(&f.property).is_some()
                    || known.contains(&f.property),
                "{f:?} names neither an input given nor one of {known:?}"
            );
            assert!(!f.reason.is_empty());
        }
        let _ = h
            .provider
            .diff(Request::new(rpc::DiffRequest {
                id: "r".into(),
                urn: urn.clone(),
                olds: Some(olds.clone()),
                old_inputs: Some(olds.clone()),
                news: Some(news.clone()),
                r#type: token.into(),
                ..Default::default()
            }))
            .await;
        for preview in [true, false] {
            let _ = h
                .provider
                .create(Request::new(rpc::CreateRequest {
                    urn: urn.clone(),
                    properties: Some(news.clone()),
                    preview,
                    timeout: 5.0,
                    r#type: token.into(),
                    ..Default::default()
                }))
                .await;
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Arbitrary structs, for every resource and every function.
    #[test]
    fn random_structs(news in any_struct(), olds in any_struct()) {
        for (token, _) in seeds() {
            exercise(token, news.clone(), olds.clone());
        }
        for token in harness().function_inputs.keys() {
            invoke(token, news.clone());
        }
    }

    /// Valid inputs with a few changes: a field replaced by anything, removed, or added.
    #[test]
    fn mutated_valid_inputs(mutations in proptest::collection::vec(mutation(), 1..4)) {
        for (token, seed) in seeds() {
            let olds = awsbackup::value::to_struct(&seed);
            exercise(token, mutated(&seed, &mutations), olds);
        }
    }
}
