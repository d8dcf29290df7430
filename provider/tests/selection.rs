//! Selection over gRPC, with the AWS trait backed by the in-process fake (wrapped so that it
//! answers like AWS where the tests need it: IAM-propagation errors, empty lists, reordering).

mod common;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_backup::types::{BackupPlanInput, BackupRuleInput, BackupSelection, Conditions};
use awsbackup::aws::{
    AwsError, BackupApi, CreateVault, Plan, PlanVersion, Selection, Tags, Vault, VaultCreated,
    VaultLockConfig,
};
use awsbackup::proto::pulumirpc as rpc;
use awsbackup::value::UNKNOWN;
use common::*;
use rpc::diff_response::DiffChanges;
use rpc::property_diff::Kind;
use serde_json::{json, Value};

const SELECTION: &str = "awsbackup:index:Selection";
const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";

type Client = awsbackup::proto::pulumirpc::resource_provider_client::ResourceProviderClient<
    tonic::transport::Channel,
>;

fn sel_urn(name: &str) -> String {
    format!("urn:pulumi:test::proj::{SELECTION}::{name}")
}

// ---------------------------------------------------------------------------------------------
// An AWS-like wrapper around the fake.

type Edit = Box<dyn Fn(&mut BackupSelection) + Send + Sync>;

/// Delegates to [`FakeBackup`], but answers like AWS: GetBackupSelection returns empty lists for
/// what was not set, CreateBackupSelection can fail while an IAM role "propagates", and the
/// test may reorder or edit what AWS returns.
struct AwsLike {
    fake: Arc<FakeBackup>,
    /// How many more CreateBackupSelection calls fail with an IAM-propagation error.
    iam_failures: AtomicU32,
    create_attempts: AtomicU32,
    /// GetBackupSelection returns the lists in reverse order.
    reverse: AtomicBool,
    /// DeleteBackupSelection answers as AWS does once the plan is gone.
    plan_deleted: AtomicBool,
    /// An out-of-band change applied to what GetBackupSelection returns.
    edit: Mutex<Option<Edit>>,
}

impl AwsLike {
    fn new(fake: Arc<FakeBackup>) -> Arc<Self> {
        Arc::new(AwsLike {
            fake,
            iam_failures: AtomicU32::new(0),
            create_attempts: AtomicU32::new(0),
            reverse: AtomicBool::new(false),
            plan_deleted: AtomicBool::new(false),
            edit: Mutex::new(None),
        })
    }
}

fn iam_error(n: u32) -> AwsError {
    // The two messages AWS sends while a new role propagates.
    let message = if n.is_multiple_of(2) {
        format!("IAM Role {ROLE} cannot be assumed by AWS Backup")
    } else {
        format!("IAM Role {ROLE} is not authorized to call tag:GetResources")
    };
    AwsError::new(
        "CreateBackupSelection",
        "InvalidParameterValueException",
        message,
    )
}

#[async_trait]
impl BackupApi for AwsLike {
    async fn create_vault(&self, input: CreateVault) -> Result<VaultCreated, AwsError> {
        self.fake.create_vault(input).await
    }
    async fn describe_vault(&self, name: &str) -> Result<Option<Vault>, AwsError> {
        self.fake.describe_vault(name).await
    }
    async fn delete_vault(&self, name: &str) -> Result<(), AwsError> {
        self.fake.delete_vault(name).await
    }
    async fn put_vault_lock(&self, vault: &str, lock: &VaultLockConfig) -> Result<(), AwsError> {
        self.fake.put_vault_lock(vault, lock).await
    }
    async fn delete_vault_lock(&self, vault: &str) -> Result<(), AwsError> {
        self.fake.delete_vault_lock(vault).await
    }
    async fn create_plan(
        &self,
        plan: BackupPlanInput,
        tags: &Tags,
        token: Option<&str>,
    ) -> Result<PlanVersion, AwsError> {
        self.fake.create_plan(plan, tags, token).await
    }
    async fn get_plan(&self, id: &str) -> Result<Option<Plan>, AwsError> {
        self.fake.get_plan(id).await
    }
    async fn update_plan(&self, id: &str, plan: BackupPlanInput) -> Result<PlanVersion, AwsError> {
        self.fake.update_plan(id, plan).await
    }
    async fn delete_plan(&self, id: &str) -> Result<(), AwsError> {
        self.fake.delete_plan(id).await
    }
    async fn create_selection(
        &self,
        plan_id: &str,
        selection: BackupSelection,
        token: Option<&str>,
    ) -> Result<(String, Option<String>), AwsError> {
        let n = self.create_attempts.fetch_add(1, Ordering::SeqCst);
        let failing = self
            .iam_failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |f| f.checked_sub(1))
            .is_ok();
        if failing {
            return Err(iam_error(n));
        }
        self.fake.create_selection(plan_id, selection, token).await
    }
    async fn get_selection(
        &self,
        plan_id: &str,
        selection_id: &str,
    ) -> Result<Option<Selection>, AwsError> {
        let Some(mut found) = self.fake.get_selection(plan_id, selection_id).await? else {
            return Ok(None);
        };
        let s = &mut found.selection;
        if let Some(edit) = self.edit.lock().unwrap().as_ref() {
            edit(s);
        }
        // AWS answers with empty lists for what was not set.
        let c = s
            .conditions
            .take()
            .unwrap_or_else(|| Conditions::builder().build());
        let mut lists = [
            c.string_equals.unwrap_or_default(),
            c.string_not_equals.unwrap_or_default(),
            c.string_like.unwrap_or_default(),
            c.string_not_like.unwrap_or_default(),
        ];
        let mut resources = s.resources.take().unwrap_or_default();
        let mut not_resources = s.not_resources.take().unwrap_or_default();
        let mut tags = s.list_of_tags.take().unwrap_or_default();
        if self.reverse.load(Ordering::SeqCst) {
            resources.reverse();
            not_resources.reverse();
            tags.reverse();
            lists.iter_mut().for_each(|l| l.reverse());
        }
        let [se, sne, sl, snl] = lists;
        s.resources = Some(resources);
        s.not_resources = Some(not_resources);
        s.list_of_tags = Some(tags);
        s.conditions = Some(
            Conditions::builder()
                .set_string_equals(Some(se))
                .set_string_not_equals(Some(sne))
                .set_string_like(Some(sl))
                .set_string_not_like(Some(snl))
                .build(),
        );
        Ok(Some(found))
    }
    async fn delete_selection(&self, plan_id: &str, selection_id: &str) -> Result<(), AwsError> {
        if self.plan_deleted.load(Ordering::SeqCst) {
            return Err(AwsError::new(
                "DeleteBackupSelection",
                "InvalidParameterValueException",
                format!("Cannot find Backup plan with ID {plan_id}"),
            ));
        }
        self.fake.delete_selection(plan_id, selection_id).await
    }
    async fn list_selections(&self, plan_id: &str) -> Result<Vec<(String, String)>, AwsError> {
        self.fake.list_selections(plan_id).await
    }
    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        self.fake.list_tags(arn).await
    }
    async fn tag_resource(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        self.fake.tag_resource(arn, tags).await
    }
    async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        self.fake.untag_resource(arn, keys).await
    }
    async fn list_recovery_points(&self, vault: &str) -> Result<Vec<String>, AwsError> {
        self.fake.list_recovery_points(vault).await
    }
    async fn delete_recovery_point(&self, vault: &str, arn: &str) -> Result<(), AwsError> {
        self.fake.delete_recovery_point(vault, arn).await
    }
}

// ---------------------------------------------------------------------------------------------
// Warnings: Check logs them (the engine shows them); a global tracing layer collects them here.

static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct CollectWarnings;

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CollectWarnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if *event.metadata().level() == tracing::Level::WARN {
            let mut m = Message(String::new());
            event.record(&mut m);
            WARNINGS.lock().unwrap().push(m.0);
        }
    }
}

fn collect_warnings() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let _ = tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(CollectWarnings),
        );
    });
}

/// The warnings logged so far that mention `marker` (tests run in parallel).
fn warnings_about(marker: &str) -> Vec<String> {
    WARNINGS
        .lock()
        .unwrap()
        .iter()
        .filter(|w| w.contains(marker))
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Requests.

async fn check(client: &mut Client, name: &str, olds: Value, news: Value) -> rpc::CheckResponse {
    client
        .check(rpc::CheckRequest {
            urn: sel_urn(name),
            name: name.into(),
            olds: to_struct(olds),
            news: to_struct(news),
            random_seed: vec![7; 32],
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn create(client: &mut Client, inputs: Value) -> Result<rpc::CreateResponse, tonic::Status> {
    client
        .create(rpc::CreateRequest {
            urn: sel_urn("sel"),
            properties: to_struct(inputs),
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner())
}

async fn read(
    client: &mut Client,
    id: &str,
    state: Option<Value>,
    inputs: Option<Value>,
) -> Result<rpc::ReadResponse, tonic::Status> {
    client
        .read(rpc::ReadRequest {
            id: id.into(),
            urn: sel_urn("sel"),
            properties: state.and_then(to_struct),
            inputs: inputs.and_then(to_struct),
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner())
}

async fn diff(
    client: &mut Client,
    state: &Value,
    old_inputs: &Value,
    news: &Value,
) -> rpc::DiffResponse {
    client
        .diff(rpc::DiffRequest {
            id: "plan|sel".into(),
            urn: sel_urn("sel"),
            olds: to_struct(state.clone()),
            old_inputs: to_struct(old_inputs.clone()),
            news: to_struct(news.clone()),
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn delete(client: &mut Client, id: &str, state: Value) -> Result<(), tonic::Status> {
    client
        .delete(rpc::DeleteRequest {
            id: id.into(),
            urn: sel_urn("sel"),
            properties: to_struct(state),
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .map(|_| ())
}

async fn new_plan(api: &dyn BackupApi) -> String {
    let rule = BackupRuleInput::builder()
        .rule_name("daily")
        .target_backup_vault_name("v1")
        .build()
        .unwrap();
    let plan = BackupPlanInput::builder()
        .backup_plan_name("p")
        .rules(rule)
        .build()
        .unwrap();
    api.create_plan(plan, &Tags::new(), None).await.unwrap().id
}

/// Valid inputs for a selection in `plan`.
fn inputs(plan: &str) -> Value {
    json!({
        "planId": plan,
        "name": "databases",
        "iamRoleArn": ROLE,
        "resources": [
            "arn:aws:rds:us-east-1:123456789012:db:orders",
            "arn:aws:dynamodb:us-east-1:123456789012:table/carts",
        ],
    })
}

fn arns(n: usize, wildcard: bool) -> Vec<String> {
    (0..n)
        .map(|i| {
            if wildcard && i == 0 {
                "arn:aws:s3:::logs-*".to_string()
            } else {
                format!("arn:aws:dynamodb:us-east-1:123456789012:table/t{i}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Check.

#[tokio::test]
async fn check_names_the_property_and_the_rule_of_each_failure() {
    let mut client = serve(FakeBackup::new()).await;
    let base = inputs("plan-1");
    let with = |patch: Value| {
        let mut v = base.clone();
        for (k, val) in patch.as_object().unwrap() {
            if val.is_null() {
                v.as_object_mut().unwrap().remove(k);
            } else {
                v[k.as_str()] = val.clone();
            }
        }
        v
    };
    let cases = [
        (json!({}), "planId", "is required"),
        (json!({}), "iamRoleArn", "is required"),
        (
            with(json!({"name": "daily backups"})),
            "name",
            "contains ' '",
        ),
        (with(json!({"name": "a".repeat(51)})), "name", "1 to 50"),
        (with(json!({"planId": "a|b"})), "planId", "backup plan id"),
        (
            with(json!({"iamRoleArn": "AWSBackupDefaultServiceRole"})),
            "iamRoleArn",
            "not its name",
        ),
        (
            with(json!({"iamRoleArn": "arn:aws:iam::123456789012:user/bob"})),
            "iamRoleArn",
            "user ARN",
        ),
        (
            with(json!({"iamRoleArn": "arn:aws:iam::1234:role/backup"})),
            "iamRoleArn",
            "IAM role ARN like arn:aws:iam::<12-digit account id>:role/<name>",
        ),
        (
            with(json!({"iamRoleArn": "arn:aws:iam::123456789012:role/"})),
            "iamRoleArn",
            "IAM role ARN",
        ),
        (
            with(
                json!({"resources": ["arn:aws:rds:us-east-1:123456789012:db:a", "arn:aws:s3:::b", "arn:aws:s3:::c", "orders-table"]}),
            ),
            "resources[3]",
            "must be '*', a resource ARN",
        ),
        (
            with(json!({"notResources": ["vol-123"]})),
            "notResources[0]",
            "must be '*', a resource ARN",
        ),
        (
            with(json!({"resources": ["arn:aws:*"]})),
            "resources[0]",
            "an ARN prefix ending with * after the service (e.g. arn:aws:fsx:*",
        ),
        (
            with(json!({"notResources": ["arn:aws:fsx:*:x"]})),
            "notResources[0]",
            "fewer than 6 ARN fields without being a prefix pattern",
        ),
        (
            with(json!({"resources": ["arn:aws:ec2:eu*1:*:volume/*"]})),
            "resources[0]",
            "either literal or exactly *",
        ),
        (
            with(json!({"resources": arns(501, false)})),
            "resources",
            "at most 500 ARNs, got 501",
        ),
        (
            with(json!({"resources": arns(31, true)})),
            "resources",
            "at most 30 ARNs when any of them contains a wildcard (*), got 31",
        ),
        (
            with(json!({"notResources": arns(31, true)})),
            "notResources",
            "at most 30 ARNs when any of them contains a wildcard",
        ),
        (
            with(
                json!({"resources": null, "conditions": {"stringEquals": [{"conditionKey": "aws:ResourceTag/backup", "conditionValue": "yes"}]}}),
            ),
            "resources",
            "add resources: [\"*\"]",
        ),
        (
            with(json!({"resources": [], "listOfTags": []})),
            "resources",
            "a selection needs `resources` or `listOfTags` (non-empty)",
        ),
        (
            with(json!({"listOfTags": [{"conditionKey": "backup", "conditionValue": "yes"}]})),
            "listOfTags[0].conditionType",
            "is required",
        ),
        (
            with(json!({"listOfTags": [
                {"conditionType": "STRINGEQUALS", "conditionKey": "backup", "conditionValue": "yes"},
                {"conditionType": "STRINGEQUALS", "conditionKey": "tier"},
            ]})),
            "listOfTags[1].conditionValue",
            "is required",
        ),
        (
            with(
                json!({"listOfTags": [{"conditionType": "STRINGEQUALS", "conditionValue": "yes"}]}),
            ),
            "listOfTags[0].conditionKey",
            "is required",
        ),
        (
            with(json!({"conditions": {"stringLike": [
                {"conditionKey": "aws:ResourceTag/env", "conditionValue": "prod*"},
                {"conditionValue": "x"},
            ]}})),
            "conditions.stringLike[1].conditionKey",
            "is required",
        ),
        (
            with(
                json!({"conditions": {"stringNotEquals": [{"conditionKey": "aws:ResourceTag/env"}]}}),
            ),
            "conditions.stringNotEquals[0].conditionValue",
            "is required",
        ),
        (
            with(json!({"conditions": {"stringequals": []}})),
            "conditions.stringequals",
            "unknown field `stringequals`",
        ),
        (
            with(json!({"resourcez": ["*"]})),
            "resourcez",
            "unknown property",
        ),
    ];
    for (news, property, rule) in cases {
        let resp = check(&mut client, "sel", json!({}), news.clone()).await;
        assert!(
            resp.failures
                .iter()
                .any(|f| failure_path(f) == property && f.reason.contains(rule)),
            "{news}: expected a failure on {property} mentioning {rule:?}, got {:?}",
            resp.failures
        );
    }

    // The limits themselves are accepted, as are S3 ARNs and `*`.
    for news in [
        with(json!({"resources": arns(500, false)})),
        with(json!({"resources": arns(30, true), "notResources": arns(30, true)})),
        with(json!({"resources": ["*"], "notResources": ["arn:aws:s3:::scratch"]})),
        // Service-wide prefix patterns, as AWS's guide uses them.
        with(
            json!({"resources": ["arn:aws:ec2:*", "arn:aws:rds:eu-west-1:*"], "notResources": ["arn:aws:fsx:*"]}),
        ),
        with(json!({"name": "a", "iamRoleArn": "arn:aws-us-gov:iam::123456789012:role/backup"})),
        with(
            json!({"name": "db.backups_v-2", "resources": null, "listOfTags": [
                {"conditionType": "STRINGEQUALS", "conditionKey": "backup", "conditionValue": ""},
            ]}),
        ),
    ] {
        let resp = check(&mut client, "sel", json!({}), news.clone()).await;
        assert!(resp.failures.is_empty(), "{news}: {:?}", resp.failures);
    }
}

#[tokio::test]
async fn check_warns_without_failing() {
    collect_warnings();
    let mut client = serve(FakeBackup::new()).await;
    let cases = [
        (
            json!({
                "resources": ["arn:aws:s3:::warn-or-*"],
                "listOfTags": [{"conditionType": "STRINGEQUALS", "conditionKey": "backup", "conditionValue": "yes"}],
            }),
            "arn:aws:s3:::warn-or-*",
            "AWS combines resources and listOfTags with OR",
        ),
        (
            json!({"listOfTags": [{"conditionType": "STRINGLIKE", "conditionKey": "warn-type", "conditionValue": "y*"}]}),
            "listOfTags[0].conditionType: 'STRINGLIKE'",
            "only STRINGEQUALS",
        ),
        (
            json!({
                "resources": ["*"],
                "conditions": {"stringEquals": [{"conditionKey": "warn-prefix", "conditionValue": "yes"}]},
            }),
            "conditions.stringEquals[0].conditionKey: 'warn-prefix'",
            "did you mean 'aws:ResourceTag/warn-prefix'?",
        ),
        (
            json!({"resources": ["arn:aws:s3:::*-warn-suffix"]}),
            "arn:aws:s3:::*-warn-suffix",
            "prefix pattern",
        ),
    ];
    for (patch, marker, text) in cases {
        let mut news = json!({"planId": "plan-1", "iamRoleArn": ROLE});
        for (k, v) in patch.as_object().unwrap() {
            news[k.as_str()] = v.clone();
        }
        let resp = check(&mut client, "sel", json!({}), news.clone()).await;
        assert!(
            resp.failures.is_empty(),
            "{news}: a warning is not a failure: {:?}",
            resp.failures
        );
        let found = warnings_about(marker);
        assert!(
            found.iter().any(|w| w.contains(text)),
            "{news}: expected a warning mentioning {text:?}, got {found:?}"
        );
    }

    // The recommended forms draw no warning.
    let news = json!({
        "planId": "plan-1",
        "iamRoleArn": ROLE,
        "resources": ["arn:aws:s3:::quiet-*"],
        "conditions": {"stringEquals": [{"conditionKey": "aws:ResourceTag/quiet", "conditionValue": "yes"}]},
    });
    let resp = check(&mut client, "sel", json!({}), news).await;
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    assert!(
        warnings_about("quiet").is_empty(),
        "{:?}",
        warnings_about("quiet")
    );
}

#[tokio::test]
async fn check_skips_unknown_values() {
    let mut client = serve(FakeBackup::new()).await;
    let cases = [
        json!({"planId": UNKNOWN, "iamRoleArn": UNKNOWN, "resources": ["*"]}),
        // The list may turn out non-empty.
        json!({"planId": "p", "iamRoleArn": ROLE, "resources": UNKNOWN}),
        json!({"planId": "p", "iamRoleArn": ROLE, "resources": ["arn:aws:s3:::a", UNKNOWN]}),
        json!({"planId": "p", "iamRoleArn": ROLE, "listOfTags": UNKNOWN}),
        json!({"planId": "p", "iamRoleArn": ROLE, "listOfTags": [
            {"conditionType": "STRINGEQUALS", "conditionKey": UNKNOWN, "conditionValue": UNKNOWN},
        ]}),
        json!({"planId": "p", "iamRoleArn": ROLE, "resources": ["*"], "conditions": {
            "stringEquals": [{"conditionKey": "aws:ResourceTag/a", "conditionValue": UNKNOWN}],
            "stringLike": UNKNOWN,
        }}),
    ];
    for news in cases {
        let resp = check(&mut client, "sel", json!({}), news.clone()).await;
        assert!(resp.failures.is_empty(), "{news}: {:?}", resp.failures);
        let out = from_struct(&resp.inputs);
        for key in ["planId", "iamRoleArn", "resources", "listOfTags"] {
            if news.get(key) == Some(&json!(UNKNOWN)) {
                assert_eq!(out[key], UNKNOWN, "{key} stays unknown");
            }
        }
    }
}

#[tokio::test]
async fn check_autonames_the_selection_and_keeps_the_name() {
    let mut client = serve(FakeBackup::new()).await;
    let mut news = inputs("plan-1");
    news.as_object_mut().unwrap().remove("name");
    // Periods are allowed in selection names (not in vault names).
    let first = check(&mut client, "prod.db", json!({}), news.clone()).await;
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    let checked = from_struct(&first.inputs);
    let name = checked["name"].as_str().unwrap().to_string();
    let suffix = name.strip_prefix("prod.db-").expect(&name);
    assert_eq!(suffix.len(), 7);
    assert!(suffix
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    assert_eq!(checked["__autonamed"], true);

    let again = check(&mut client, "prod.db", checked.clone(), news.clone()).await;
    assert_eq!(from_struct(&again.inputs)["name"], name.as_str());

    // A long resource name is cut to fit the 50 characters.
    let long = check(&mut client, &"x".repeat(60), json!({}), news.clone()).await;
    assert!(long.failures.is_empty(), "{:?}", long.failures);
    assert_eq!(
        from_struct(&long.inputs)["name"].as_str().unwrap().len(),
        50
    );

    let bad = check(&mut client, "prod db", json!({}), news).await;
    assert_eq!(bad.failures[0].property, "name");
    assert!(
        bad.failures[0].reason.contains("' '"),
        "{}",
        bad.failures[0].reason
    );
}

// ---------------------------------------------------------------------------------------------
// Create.

#[tokio::test]
async fn create_returns_the_ids_and_sends_what_was_set() {
    let fake = FakeBackup::new();
    let plan = new_plan(fake.as_ref()).await;
    let mut client = serve(fake.clone()).await;

    let preview = client
        .create(rpc::CreateRequest {
            urn: sel_urn("sel"),
            properties: to_struct(inputs(&plan)),
            preview: true,
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let outputs = from_struct(&preview.properties);
    assert_eq!(outputs["selectionId"], UNKNOWN);
    assert_eq!(outputs["creationDate"], UNKNOWN);
    assert!(!fake.calls().iter().any(|c| c == "CreateBackupSelection"));

    let mut args = inputs(&plan);
    args["notResources"] = json!([]);
    args["conditions"] = json!({"stringEquals": [{"conditionKey": "aws:ResourceTag/backup", "conditionValue": "yes"}]});
    let created = create(&mut client, args.clone()).await.unwrap();
    let state = from_struct(&created.properties);
    let selection_id = state["selectionId"].as_str().unwrap();
    assert!(!selection_id.is_empty());
    assert_eq!(created.id, format!("{plan}|{selection_id}"));
    assert_eq!(state["creationDate"], "2026-11-26T10:00:00Z");
    for key in [
        "planId",
        "name",
        "iamRoleArn",
        "resources",
        "notResources",
        "conditions",
    ] {
        assert_eq!(state[key], args[key], "{key} is an output too");
    }

    let stored = fake.selection(&plan, selection_id).unwrap().selection;
    assert_eq!(stored.selection_name, "databases");
    assert_eq!(stored.iam_role_arn, ROLE);
    assert_eq!(stored.resources().len(), 2);
    assert_eq!(stored.not_resources, None, "an empty list is not sent");
    assert_eq!(stored.list_of_tags, None);
    let conditions = stored.conditions.unwrap();
    assert_eq!(
        conditions.string_equals()[0].condition_key(),
        Some("aws:ResourceTag/backup")
    );
    assert_eq!(conditions.string_like, None);
}

#[tokio::test]
async fn create_retries_while_the_iam_role_propagates() {
    let fake = FakeBackup::new();
    let plan = new_plan(fake.as_ref()).await;
    let aws = AwsLike::new(fake.clone());
    aws.iam_failures.store(3, Ordering::SeqCst);
    let mut client = serve(aws.clone()).await;

    let created = create(&mut client, inputs(&plan)).await.unwrap();
    assert_eq!(aws.create_attempts.load(Ordering::SeqCst), 4);
    let state = from_struct(&created.properties);
    let selection_id = state["selectionId"].as_str().unwrap();
    assert!(fake.selection(&plan, selection_id).is_some());
}

#[tokio::test]
async fn create_gives_up_when_the_role_never_becomes_usable() {
    let fake = FakeBackup::new();
    let plan = new_plan(fake.as_ref()).await;
    let aws = AwsLike::new(fake.clone());
    aws.iam_failures.store(u32::MAX, Ordering::SeqCst);
    let mut client = serve(aws.clone()).await;

    // The create's custom timeout (1 s) replaces the 2-minute window; the wait keeps a tenth
    // of it to report why it gave up.
    let started = Instant::now();
    let err = client
        .create(rpc::CreateRequest {
            urn: sel_urn("sel"),
            properties: to_struct(inputs(&plan)),
            r#type: SELECTION.into(),
            timeout: 1.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    let elapsed = started.elapsed();

    assert!(
        err.message().contains(&format!(
            "AWS Backup still cannot use the IAM role '{ROLE}'"
        )) && err.message().contains("trust policy"),
        "{}",
        err.message()
    );
    assert!(elapsed >= Duration::from_millis(850), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(1),
        "the wait ends before the timeout: {elapsed:?}"
    );
    assert!(aws.create_attempts.load(Ordering::SeqCst) >= 3);
    assert!(
        fake.calls().iter().all(|c| c != "CreateBackupSelection"),
        "nothing was created"
    );
}

#[tokio::test]
async fn create_does_not_retry_other_errors_and_names_a_missing_plan() {
    let fake = FakeBackup::new();
    let plan = new_plan(fake.as_ref()).await;
    let mut client = serve(fake.clone()).await;
    let creates = |fake: &FakeBackup| {
        fake.calls()
            .iter()
            .filter(|c| *c == "CreateBackupSelection")
            .count()
    };

    fake.fail_next("CreateBackupSelection", "InvalidParameterValueException");
    let err = create(&mut client, inputs(&plan)).await.unwrap_err();
    assert!(
        err.message().contains("InvalidParameterValueException"),
        "{}",
        err.message()
    );
    assert_eq!(creates(&fake), 1, "only IAM propagation is retried");

    let err = create(&mut client, inputs("no-such-plan"))
        .await
        .unwrap_err();
    assert!(
        err.message()
            .contains("backup plan 'no-such-plan' does not exist"),
        "{}",
        err.message()
    );
    assert_eq!(creates(&fake), 2);
}

// ---------------------------------------------------------------------------------------------
// Read.

#[tokio::test]
async fn refresh_returns_unchanged_inputs_and_sees_drift_and_deletion() {
    let fake = FakeBackup::new();
    let plan = new_plan(fake.as_ref()).await;
    let aws = AwsLike::new(fake.clone());
    let mut client = serve(aws.clone()).await;

    // The program wrote an explicit empty notResources and no conditions; AWS answers with empty
    // lists everywhere.
    let mut args = inputs(&plan);
    args["notResources"] = json!([]);
    args["listOfTags"] = json!([
        {"conditionType": "STRINGEQUALS", "conditionKey": "backup", "conditionValue": "daily"},
        {"conditionType": "STRINGEQUALS", "conditionKey": "tier", "conditionValue": "gold"},
    ]);
    let created = create(&mut client, args.clone()).await.unwrap();
    let state = from_struct(&created.properties);

    let refreshed = read(
        &mut client,
        &created.id,
        Some(state.clone()),
        Some(args.clone()),
    )
    .await
    .unwrap();
    assert_eq!(refreshed.id, created.id);
    assert_eq!(
        from_struct(&refreshed.inputs),
        args,
        "inputs come back identical"
    );
    assert_eq!(from_struct(&refreshed.properties), state);

    // AWS returning the same elements in another order is not drift.
    aws.reverse.store(true, Ordering::SeqCst);
    let reordered = read(
        &mut client,
        &created.id,
        Some(state.clone()),
        Some(args.clone()),
    )
    .await
    .unwrap();
    assert_eq!(from_struct(&reordered.inputs), args);
    aws.reverse.store(false, Ordering::SeqCst);

    // A change out of band shows: a tag condition removed, and conditions added.
    *aws.edit.lock().unwrap() = Some(Box::new(|s: &mut BackupSelection| {
        s.list_of_tags.as_mut().unwrap().pop();
        s.conditions = Some(
            Conditions::builder()
                .string_like(
                    aws_sdk_backup::types::ConditionParameter::builder()
                        .condition_key("aws:ResourceTag/env")
                        .condition_value("prod*")
                        .build(),
                )
                .build(),
        );
    }));
    let drifted = read(
        &mut client,
        &created.id,
        Some(state.clone()),
        Some(args.clone()),
    )
    .await
    .unwrap();
    let live = from_struct(&drifted.inputs);
    assert_eq!(live["listOfTags"], json!([args["listOfTags"][0].clone()]));
    assert_eq!(
        live["conditions"],
        json!({"stringLike": [{"conditionKey": "aws:ResourceTag/env", "conditionValue": "prod*"}]}),
        "empty condition lists are left out"
    );
    let d = diff(&mut client, &from_struct(&drifted.properties), &live, &args).await;
    assert_eq!(d.changes, DiffChanges::DiffSome as i32);
    assert_eq!(
        d.detailed_diff["listOfTags"].kind,
        Kind::UpdateReplace as i32
    );
    assert_eq!(
        d.detailed_diff["conditions"].kind,
        Kind::DeleteReplace as i32
    );
    *aws.edit.lock().unwrap() = None;

    // Deleted out of band: gone.
    let selection_id = state["selectionId"].as_str().unwrap();
    fake.delete_selection(&plan, selection_id).await.unwrap();
    let gone = read(&mut client, &created.id, Some(state), Some(args))
        .await
        .unwrap();
    assert_eq!(gone.id, "");
    assert!(gone.properties.is_none());
}

#[tokio::test]
async fn refresh_keeps_explicitly_empty_conditions_and_nothing_else() {
    let fake = FakeBackup::new();
    let plan = new_plan(fake.as_ref()).await;
    let aws = AwsLike::new(fake.clone());
    let mut client = serve(aws.clone()).await;

    let mut args = inputs(&plan);
    args["conditions"] = json!({"stringEquals": []});
    let created = create(&mut client, args.clone()).await.unwrap();
    let state = from_struct(&created.properties);
    let refreshed = read(
        &mut client,
        &created.id,
        Some(state.clone()),
        Some(args.clone()),
    )
    .await
    .unwrap();
    assert_eq!(from_struct(&refreshed.inputs), args);

    // Without the explicit empty value in the previous inputs, AWS's empties are absent.
    let plain = inputs(&plan);
    let refreshed = read(&mut client, &created.id, Some(state), Some(plain.clone()))
        .await
        .unwrap();
    assert_eq!(from_struct(&refreshed.inputs), plain);
}

#[tokio::test]
async fn import_reads_the_selection_from_its_id_alone() {
    let fake = FakeBackup::new();
    let plan = new_plan(fake.as_ref()).await;
    let aws = AwsLike::new(fake.clone());
    let mut client = serve(aws.clone()).await;

    let mut args = inputs(&plan);
    args["notResources"] = json!(["arn:aws:rds:us-east-1:123456789012:db:scratch"]);
    args["conditions"] = json!({
        "stringEquals": [{"conditionKey": "aws:ResourceTag/backup", "conditionValue": "yes"}],
        "stringNotLike": [{"conditionKey": "aws:ResourceTag/env", "conditionValue": "dev*"}],
    });
    let created = create(&mut client, args.clone()).await.unwrap();

    let imported = read(&mut client, &created.id, None, None).await.unwrap();
    assert_eq!(imported.id, created.id);
    let inputs = from_struct(&imported.inputs);
    assert_eq!(inputs, args, "no empty lists, nothing missing");
    let state = from_struct(&imported.properties);
    assert_eq!(
        state["selectionId"],
        from_struct(&created.properties)["selectionId"]
    );
    assert_eq!(state["creationDate"], "2026-11-26T10:00:00Z");

    // The program that matches the imported selection shows no change.
    let d = diff(&mut client, &state, &inputs, &args).await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );

    let err = read(&mut client, "just-a-selection-id", None, None)
        .await
        .unwrap_err();
    assert!(
        err.message().contains("'<planId>|<selectionId>'"),
        "{}",
        err.message()
    );
    let missing = read(&mut client, &format!("{plan}|nope"), None, None)
        .await
        .unwrap();
    assert_eq!(missing.id, "");
}

// ---------------------------------------------------------------------------------------------
// Diff.

#[tokio::test]
async fn every_change_replaces_and_names_the_property() {
    let mut client = serve(FakeBackup::new()).await;
    let mut old = inputs("plan-1");
    old["conditions"] = json!({"stringEquals": [
        {"conditionKey": "aws:ResourceTag/backup", "conditionValue": "yes"},
        {"conditionKey": "aws:ResourceTag/env", "conditionValue": "prod"},
    ]});
    let mut state = old.clone();
    state["selectionId"] = json!("sel-1");
    let changed = |patch: Value| {
        let mut v = old.clone();
        for (k, val) in patch.as_object().unwrap() {
            if val.is_null() {
                v.as_object_mut().unwrap().remove(k);
            } else {
                v[k.as_str()] = val.clone();
            }
        }
        v
    };

    let same = diff(&mut client, &state, &old, &old).await;
    assert_eq!(
        same.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        same.detailed_diff
    );

    let cases = [
        (
            changed(json!({"iamRoleArn": "arn:aws:iam::123456789012:role/other"})),
            "iamRoleArn",
            "iamRoleArn",
            Kind::UpdateReplace,
        ),
        (
            changed(json!({"planId": "plan-2"})),
            "planId",
            "planId",
            Kind::UpdateReplace,
        ),
        (
            changed(json!({"name": "renamed"})),
            "name",
            "name",
            Kind::UpdateReplace,
        ),
        (
            changed(json!({"resources": ["arn:aws:rds:us-east-1:123456789012:db:orders"]})),
            "resources",
            "resources",
            Kind::UpdateReplace,
        ),
        (
            changed(json!({"notResources": ["arn:aws:rds:us-east-1:123456789012:db:scratch"]})),
            "notResources",
            "notResources",
            Kind::AddReplace,
        ),
        (
            changed(
                json!({"listOfTags": [{"conditionType": "STRINGEQUALS", "conditionKey": "k", "conditionValue": "v"}]}),
            ),
            "listOfTags",
            "listOfTags",
            Kind::AddReplace,
        ),
        // Removing one condition, and removing them all, are real changes.
        (
            changed(json!({"conditions": {"stringEquals": [
                {"conditionKey": "aws:ResourceTag/backup", "conditionValue": "yes"},
            ]}})),
            "conditions",
            "conditions.stringEquals",
            Kind::UpdateReplace,
        ),
        (
            changed(json!({"conditions": null})),
            "conditions",
            "conditions",
            Kind::DeleteReplace,
        ),
        (
            changed(json!({"conditions": {
                "stringEquals": old["conditions"]["stringEquals"].clone(),
                "stringNotLike": [{"conditionKey": "aws:ResourceTag/env", "conditionValue": "dev*"}],
            }})),
            "conditions",
            "conditions.stringNotLike",
            Kind::AddReplace,
        ),
    ];
    for (news, replaced, path, kind) in cases {
        let d = diff(&mut client, &state, &old, &news).await;
        assert_eq!(d.changes, DiffChanges::DiffSome as i32, "{news}");
        assert_eq!(d.replaces, vec![replaced.to_string()], "{news}");
        assert_eq!(d.diffs, vec![replaced.to_string()], "{news}");
        assert_eq!(
            d.detailed_diff.get(path).map(|p| p.kind),
            Some(kind as i32),
            "{news}: {:?}",
            d.detailed_diff
        );
        assert_eq!(d.detailed_diff.len(), 1, "{news}: {:?}", d.detailed_diff);
    }

    // The user chose the name: the old selection must go first. An autonamed one is replaced
    // create-before-delete under a new name.
    let d = diff(
        &mut client,
        &state,
        &old,
        &changed(json!({"planId": "plan-2"})),
    )
    .await;
    assert!(d.delete_before_replace);
    let mut autonamed = changed(json!({"planId": "plan-2"}));
    autonamed["__autonamed"] = json!(true);
    let d = diff(&mut client, &state, &old, &autonamed).await;
    assert!(!d.delete_before_replace);

    // Neither an empty list nor the order of entries means anything to AWS.
    let mut reordered = changed(json!({
        "resources": [old["resources"][1].clone(), old["resources"][0].clone()],
        "notResources": [],
        "conditions": {"stringEquals": [
            old["conditions"]["stringEquals"][1].clone(),
            old["conditions"]["stringEquals"][0].clone(),
        ], "stringLike": []},
    }));
    let d = diff(&mut client, &state, &old, &reordered).await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );
    // ...but a duplicate is not a reordering.
    reordered["resources"] = json!([old["resources"][0].clone(), old["resources"][0].clone()]);
    let d = diff(&mut client, &state, &old, &reordered).await;
    assert_eq!(d.replaces, vec!["resources"]);
}

// ---------------------------------------------------------------------------------------------
// Update and Delete.

#[tokio::test]
async fn delete_succeeds_when_the_selection_or_its_plan_is_gone() {
    let fake = FakeBackup::new();
    let plan = new_plan(fake.as_ref()).await;
    let aws = AwsLike::new(fake.clone());
    let mut client = serve(aws.clone()).await;

    let created = create(&mut client, inputs(&plan)).await.unwrap();
    let state = from_struct(&created.properties);
    let selection_id = state["selectionId"].as_str().unwrap().to_string();
    delete(&mut client, &created.id, state.clone())
        .await
        .unwrap();
    assert!(fake.selection(&plan, &selection_id).is_none());
    // Again: AWS answers ResourceNotFoundException.
    delete(&mut client, &created.id, state.clone())
        .await
        .unwrap();

    // The plan is gone: AWS answers InvalidParameterValueException "Cannot find Backup plan".
    aws.plan_deleted.store(true, Ordering::SeqCst);
    delete(&mut client, &created.id, state.clone())
        .await
        .unwrap();
    aws.plan_deleted.store(false, Ordering::SeqCst);

    // Any other error is reported.
    fake.fail_next("DeleteBackupSelection", "ServiceUnavailableException");
    let err = delete(&mut client, &created.id, state).await.unwrap_err();
    assert!(
        err.message().contains("ServiceUnavailableException"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn update_is_refused_because_every_change_replaces() {
    let fake = FakeBackup::new();
    let plan = new_plan(fake.as_ref()).await;
    let mut client = serve(fake.clone()).await;
    let created = create(&mut client, inputs(&plan)).await.unwrap();
    let err = client
        .update(rpc::UpdateRequest {
            id: created.id.clone(),
            urn: sel_urn("sel"),
            olds: created.properties,
            news: to_struct(inputs(&plan)),
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        err.message().contains("AWS has no update for selections"),
        "{}",
        err.message()
    );
}

/// The engine looks a Check failure up by top-level property and prints that property's value:
/// a nested failure names the top-level property and leads its reason with the full path.
#[tokio::test]
async fn nested_failures_name_a_property_the_engine_can_resolve() {
    let mut client = serve(FakeBackup::new()).await;
    let news = json!({"planId": "p", "iamRoleArn": ROLE, "resources": ["*"],
        "notResources": ["arn:aws:s3:::ok", "vol-123"]});
    let resp = check(&mut client, "sel", json!({}), news).await;
    assert_eq!(resp.failures.len(), 1, "{:?}", resp.failures);
    assert_eq!(resp.failures[0].property, "notResources");
    assert!(
        resp.failures[0]
            .reason
            .starts_with("notResources[1]: must be '*', a resource ARN"),
        "{:?}",
        resp.failures[0]
    );
}
