//! The endpoint checked against AWS's own model of the service: botocore's `backup` model, as
//! moto installs it into `<repo>/.venv`, read at run time.
//!
//! For every operation the endpoint serves: the model has it under the same name, and the
//! model's method and URI reach it (with the trailing-slash rule of the router); each required
//! member, left out of an otherwise valid request, is refused; a request with only the required
//! members is accepted; and each length, range, pattern and enum constraint on the input
//! (members walked recursively through structures, lists and maps, in the URI, query, headers
//! and body) is broken, one at a time, in an otherwise valid request sent over raw HTTP, and
//! must be refused with InvalidParameterValueException. The constraints the endpoint
//! deliberately leaves alone are listed once, in `NOT_ENFORCED`, and must really be left alone.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use awsbackup_local_endpoint::LocalEndpoint;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use regex::Regex;
use serde_json::{json, Map, Value};

/// A model constraint the endpoint deliberately does not enforce. The endpoint's README lists
/// the same entries under "Model constraints not enforced".
struct NotEnforced {
    operation: &'static str,
    /// The member path as this test prints it (`A.B[].C`, `M{key}`, `M{value}`).
    member: &'static str,
    /// `pattern`, `enum`, `length min`, `length max`, `range min` or `range max`.
    constraint: &'static str,
    reason: &'static str,
}

const NOT_ENFORCED: &[NotEnforced] = &[NotEnforced {
    operation: "ListRecoveryPointsByBackupVault",
    member: "ByResourceType",
    constraint: "pattern",
    reason: "AWS's own resource type names break the pattern (`Storage Gateway`, `SAP HANA on \
             Amazon EC2`), and StartBackupJob here records `Storage Gateway` itself, so the \
             filter takes any name",
}];

/// Members the model leaves optional that a request still needs, as with AWS: the operation,
/// the members of which the request needs one (each is tried alone on top of the required
/// members), and why.
const NEEDED_BEYOND_MODEL: &[(&str, &[&str], &str)] = &[
    (
        "PutBackupVaultAccessPolicy",
        &["Policy"],
        "a put without a policy document has nothing to put: MissingParameterValueException \
         (what AWS answers is not documented)",
    ),
    (
        "CreateBackupSelection",
        &["BackupSelection.Resources", "BackupSelection.ListOfTags"],
        "AWS: \"Either 'ListOfTags' or 'Resources' section must be non-empty\"",
    ),
    (
        "CreateRestoreTestingSelection",
        &["RestoreTestingSelection.ProtectedResourceArns"],
        "a selection names its resources, [\"*\"] or ARNs (AWS's documentation; conditions \
         narrow [\"*\"]): MissingParameterValueException without them",
    ),
    (
        "CreateReportPlan",
        &["ReportSetting.FrameworkArns"],
        "a single-account compliance report (the baseline's template) covers the frameworks it \
         names (AWS's documentation): MissingParameterValueException without them",
    ),
    (
        "UpdateGlobalSettings",
        &["GlobalSettings"],
        "an update without settings has nothing to update: MissingParameterValueException \
         (what AWS answers is not documented)",
    ),
    (
        "UpdateRegionSettings",
        &[
            "ResourceTypeOptInPreference",
            "ResourceTypeManagementPreference",
            "ResourceTypeOptInIncremental",
        ],
        "an update without any of the three maps has nothing to update: \
         MissingParameterValueException (what AWS answers is not documented)",
    ),
];

/// Members the model leaves optional that a request needs all of, as AWS documents: the
/// operation, the members (the required members and all of these are accepted; the baseline
/// without any one of them is refused with MissingParameterValueException), and why.
const ALL_NEEDED_BEYOND_MODEL: &[(&str, &[&str], &str)] = &[(
    "CreateRestoreTestingPlan",
    &[
        "RestoreTestingPlan.RecoveryPointSelection.Algorithm",
        "RestoreTestingPlan.RecoveryPointSelection.IncludeVaults",
        "RestoreTestingPlan.RecoveryPointSelection.RecoveryPointTypes",
    ],
    "AWS's documentation of RestoreTestingRecoveryPointSelection marks the three required",
)];

/// The number of constraints botocore 1.44's model puts on the served operations' inputs. A
/// newer model may add some; fewer means the walk lost some.
const MODEL_CONSTRAINTS_AT_LEAST: usize = 108;
const SERVED_OPERATIONS: usize = 54;

const ACCOUNT: &str = "123456789012";
const VAULT: &str = "vault-a";
const EMPTY_VAULT: &str = "vault-empty";
const ROLE: &str = "arn:aws:iam::123456789012:role/backup-role";
const EBS: &str = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0";
const KMS: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:backup-events";
const DR_VAULT: &str = "arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault";
const LAG_VAULT: &str = "vault-lag";
const LAG_VAULT_ARN: &str = "arn:aws:backup:us-east-1:123456789012:backup-vault:vault-lag";
const RT_PLAN: &str = "rtp_a";
const RT_EMPTY_PLAN: &str = "rtp_b";
const RT_SELECTION: &str = "rts_a";
const REPORT_PLAN: &str = "rp_a";
const FRAMEWORK_ARN: &str =
    "arn:aws:backup:us-east-1:123456789012:framework:fw_a-0123abcd-4567-89ef-0123-456789abcdef";
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}"#;

// ---------------------------------------------------------------------------------------------
// The model

struct Model {
    json: Value,
    botocore: String,
}

impl Model {
    /// `<repo>/.venv/lib/python3.*/site-packages/botocore/data/backup/2018-11-15/service-2.json.gz`
    fn load() -> Model {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let lib = repo.join(".venv/lib");
        let site = std::fs::read_dir(&lib)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("site-packages"))
            .find(|p| {
                p.parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n.to_string_lossy().starts_with("python3."))
                    && p.join("botocore").is_dir()
            });
        let file = site
            .as_ref()
            .map(|s| s.join("botocore/data/backup/2018-11-15/service-2.json.gz"))
            .filter(|f| f.is_file())
            .unwrap_or_else(|| {
                panic!(
                    "botocore's AWS Backup model is not installed under {}: run `make moto`",
                    lib.display()
                )
            });
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&file).expect("open the model"))
            .read_to_string(&mut text)
            .expect("gunzip the model");
        let botocore = site
            .and_then(|s| std::fs::read_dir(s).ok())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                Some(
                    name.strip_prefix("botocore-")?
                        .strip_suffix(".dist-info")?
                        .to_string(),
                )
            })
            .next()
            .unwrap_or_else(|| "?".into());
        Model {
            json: serde_json::from_str(&text).expect("the model is JSON"),
            botocore,
        }
    }

    fn operation(&self, name: &str) -> Option<&Value> {
        self.json["operations"].get(name)
    }

    fn shape(&self, name: &str) -> &Value {
        &self.json["shapes"][name]
    }

    fn input_shape(&self, op: &str) -> Option<&str> {
        self.operation(op)?["input"]["shape"].as_str()
    }

    fn members<'a>(&'a self, shape: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.shape(shape)["members"]
            .as_object()
            .into_iter()
            .flatten()
    }

    fn is_required(&self, shape: &str, member: &str) -> bool {
        self.shape(shape)["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|m| m == member))
    }
}

/// One step of a member path.
#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Member(String),
    /// The first element of a list.
    Item,
    /// The first key of a map.
    Key,
    /// The first value of a map.
    Value,
}

fn show(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Member(m) if out.is_empty() => out.push_str(m),
            Seg::Member(m) => {
                out.push('.');
                out.push_str(m);
            }
            Seg::Item => out.push_str("[]"),
            Seg::Key => out.push_str("{key}"),
            Seg::Value => out.push_str("{value}"),
        }
    }
    out
}

fn parse_path(s: &str) -> Vec<Seg> {
    s.split('.').map(|m| Seg::Member(m.to_string())).collect()
}

#[derive(Clone, Debug)]
enum Kind {
    Pattern(String),
    Enum(Vec<String>),
    Min(i64),
    Max(i64),
}

/// A constraint of the model on one member of an operation's input.
struct Constraint {
    path: Vec<Seg>,
    kind: Kind,
    /// The constrained shape's type: string, integer, long, list, map, ...
    shape_type: String,
    /// `uri`, `querystring`, `header`, or empty for the body.
    location: String,
}

impl Constraint {
    fn name(&self) -> &'static str {
        let numeric = matches!(
            self.shape_type.as_str(),
            "integer" | "long" | "float" | "double"
        );
        match (&self.kind, numeric) {
            (Kind::Pattern(_), _) => "pattern",
            (Kind::Enum(_), _) => "enum",
            (Kind::Min(_), true) => "range min",
            (Kind::Max(_), true) => "range max",
            (Kind::Min(_), false) => "length min",
            (Kind::Max(_), false) => "length max",
        }
    }
}

/// Every constraint under `shape`, reached by `path`.
fn walk_constraints(
    model: &Model,
    shape: &str,
    path: &[Seg],
    location: &str,
    stack: &mut Vec<String>,
    out: &mut Vec<Constraint>,
) {
    let s = model.shape(shape);
    let shape_type = s["type"].as_str().unwrap_or_default().to_string();
    let mut push = |kind| {
        out.push(Constraint {
            path: path.to_vec(),
            kind,
            shape_type: shape_type.clone(),
            location: location.to_string(),
        })
    };
    // A length of at least 0 cannot be broken, nor one of at least 1 in the URI (an empty
    // label reaches no operation: the required-member check covers it).
    let numeric = matches!(shape_type.as_str(), "integer" | "long" | "double" | "float");
    if let Some(n) = s["min"].as_i64() {
        let unbreakable = !numeric && (n == 0 || (n == 1 && location == "uri"));
        if !unbreakable {
            push(Kind::Min(n));
        }
    }
    if let Some(n) = s["max"].as_i64() {
        push(Kind::Max(n));
    }
    if let Some(p) = s["pattern"].as_str() {
        push(Kind::Pattern(p.to_string()));
    }
    if let Some(values) = s["enum"].as_array() {
        push(Kind::Enum(
            values
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
        ));
    }
    if stack.iter().any(|s| s == shape) {
        return;
    }
    stack.push(shape.to_string());
    let mut child = |seg: Seg, target: &Value, out: &mut Vec<Constraint>| {
        let mut p = path.to_vec();
        p.push(seg);
        let target = target["shape"].as_str().unwrap_or_default();
        walk_constraints(model, target, &p, location, stack, out);
    };
    match shape_type.as_str() {
        "structure" => {
            for (name, m) in model.members(shape) {
                child(Seg::Member(name.clone()), m, out);
            }
        }
        "list" => child(Seg::Item, &s["member"], out),
        "map" => {
            child(Seg::Key, &s["key"], out);
            child(Seg::Value, &s["value"], out);
        }
        _ => {}
    }
    stack.pop();
}

fn constraints(model: &Model, op: &str) -> Vec<Constraint> {
    let mut out = Vec::new();
    let Some(input) = model.input_shape(op) else {
        return out;
    };
    for (name, m) in model.members(input) {
        let location = m["location"].as_str().unwrap_or_default();
        let shape = m["shape"].as_str().unwrap_or_default();
        let path = [Seg::Member(name.clone())];
        walk_constraints(model, shape, &path, location, &mut Vec::new(), &mut out);
    }
    out
}

/// Every required member under `shape` (inside optional parents too), with its location.
fn walk_required(
    model: &Model,
    shape: &str,
    path: &[Seg],
    top: bool,
    stack: &mut Vec<String>,
    out: &mut Vec<(Vec<Seg>, String)>,
) {
    if stack.iter().any(|s| s == shape) {
        return;
    }
    stack.push(shape.to_string());
    let s = model.shape(shape);
    match s["type"].as_str().unwrap_or_default() {
        "structure" => {
            for (name, m) in model.members(shape) {
                let mut p = path.to_vec();
                p.push(Seg::Member(name.clone()));
                if model.is_required(shape, name) {
                    let location = if top {
                        m["location"].as_str().unwrap_or_default()
                    } else {
                        ""
                    };
                    out.push((p.clone(), location.to_string()));
                }
                let target = m["shape"].as_str().unwrap_or_default();
                walk_required(model, target, &p, false, stack, out);
            }
        }
        "list" => {
            let mut p = path.to_vec();
            p.push(Seg::Item);
            let target = s["member"]["shape"].as_str().unwrap_or_default();
            walk_required(model, target, &p, false, stack, out);
        }
        "map" => {
            let mut p = path.to_vec();
            p.push(Seg::Value);
            let target = s["value"]["shape"].as_str().unwrap_or_default();
            walk_required(model, target, &p, false, stack, out);
        }
        _ => {}
    }
    stack.pop();
}

fn required_members(model: &Model, op: &str) -> Vec<(Vec<Seg>, String)> {
    let mut out = Vec::new();
    if let Some(input) = model.input_shape(op) {
        walk_required(model, input, &[], true, &mut Vec::new(), &mut out);
    }
    out
}

/// `v` with only the members the model requires, recursively.
fn required_only(model: &Model, shape: &str, v: &Value) -> Value {
    let s = model.shape(shape);
    let target = |t: &Value| t["shape"].as_str().unwrap_or_default().to_string();
    match (s["type"].as_str().unwrap_or_default(), v) {
        ("structure", Value::Object(obj)) => Value::Object(
            model
                .members(shape)
                .filter(|(name, _)| model.is_required(shape, name))
                .filter_map(|(name, m)| {
                    let inner = required_only(model, &target(m), obj.get(name.as_str())?);
                    Some((name.clone(), inner))
                })
                .collect(),
        ),
        ("list", Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|i| required_only(model, &target(&s["member"]), i))
                .collect(),
        ),
        ("map", Value::Object(obj)) => Value::Object(
            obj.iter()
                .map(|(k, i)| (k.clone(), required_only(model, &target(&s["value"]), i)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs as JSON objects keyed by the model's member names, and paths into them

fn get(v: &Value, path: &[Seg]) -> Option<Value> {
    let Some((last, parents)) = path.split_last() else {
        return Some(v.clone());
    };
    let parent = parents.iter().try_fold(v, |cur, seg| match seg {
        Seg::Member(m) => cur.get(m.as_str()),
        Seg::Item => cur.get(0),
        Seg::Value => cur.as_object()?.values().next(),
        Seg::Key => None,
    })?;
    match last {
        Seg::Member(m) => parent.get(m.as_str()).cloned(),
        Seg::Item => parent.get(0).cloned(),
        Seg::Value => parent.as_object()?.values().next().cloned(),
        Seg::Key => parent.as_object()?.keys().next().cloned().map(Value::from),
    }
}

fn parent_mut<'a>(v: &'a mut Value, parents: &[Seg]) -> Option<&'a mut Value> {
    parents.iter().try_fold(v, |cur, seg| match seg {
        Seg::Member(m) => cur.get_mut(m.as_str()),
        Seg::Item => cur.get_mut(0),
        Seg::Value => cur.as_object_mut()?.values_mut().next(),
        Seg::Key => None,
    })
}

/// Sets the value at `path` (a member is added if absent; a map key is renamed). False if the
/// parent is missing.
fn set(v: &mut Value, path: &[Seg], new: Value) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let Some(parent) = parent_mut(v, parents) else {
        return false;
    };
    match (last, parent) {
        (Seg::Member(m), Value::Object(obj)) => {
            obj.insert(m.clone(), new);
            true
        }
        (Seg::Item, Value::Array(items)) if !items.is_empty() => {
            items[0] = new;
            true
        }
        (Seg::Value, Value::Object(obj)) if !obj.is_empty() => {
            *obj.values_mut().next().expect("not empty") = new;
            true
        }
        (Seg::Key, Value::Object(obj)) if !obj.is_empty() => {
            let Some(new_key) = new.as_str() else {
                return false;
            };
            let old = std::mem::take(obj);
            let mut first = true;
            for (k, val) in old {
                let key = if std::mem::take(&mut first) {
                    new_key.to_string()
                } else {
                    k
                };
                obj.insert(key, val);
            }
            true
        }
        _ => false,
    }
}

fn remove(v: &mut Value, path: &[Seg]) -> bool {
    let Some((Seg::Member(m), parents)) = path.split_last() else {
        return false;
    };
    parent_mut(v, parents)
        .and_then(Value::as_object_mut)
        .and_then(|o| o.remove(m.as_str()))
        .is_some()
}

// ---------------------------------------------------------------------------------------------
// restJson1 over raw HTTP

/// Everything but RFC 3986's unreserved characters is percent-encoded.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

#[derive(Clone, Debug)]
struct Wire {
    method: String,
    /// The path, percent-encoded.
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl Wire {
    fn target(&self) -> String {
        let mut t = self.path.clone();
        for (i, (k, v)) in self.query.iter().enumerate() {
            t.push(if i == 0 { '?' } else { '&' });
            t.push_str(&utf8_percent_encode(k, ENCODE).to_string());
            t.push('=');
            t.push_str(&utf8_percent_encode(v, ENCODE).to_string());
        }
        t
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The HTTP request for `input` as the model lays it out: labels in the URI, query strings,
/// headers, the rest as the JSON body. A label missing from `input` is left empty.
fn wire(model: &Model, op: &str, input: &Value) -> Wire {
    let http = &model.operation(op).expect("a model operation")["http"];
    let uri = http["requestUri"].as_str().unwrap_or_default();
    let (path, static_query) = uri.split_once('?').unwrap_or((uri, ""));
    let mut path = path.to_string();
    let mut query: Vec<(String, String)> = static_query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    let mut headers = Vec::new();
    let mut body = Map::new();
    let mut has_body_members = false;
    let input_shape = model.input_shape(op).unwrap_or_default();
    for (name, m) in model.members(input_shape) {
        let location = m["location"].as_str().unwrap_or_default();
        let wire_name = m["locationName"].as_str().unwrap_or(name).to_string();
        has_body_members |= location.is_empty();
        let value = input.get(name.as_str());
        match location {
            "uri" => {
                let text = value.map(scalar).unwrap_or_default();
                let encoded = utf8_percent_encode(&text, ENCODE).to_string();
                path = path
                    .replace(&format!("{{{wire_name}+}}"), &encoded)
                    .replace(&format!("{{{wire_name}}}"), &encoded);
            }
            "querystring" => match value {
                Some(Value::Array(items)) => {
                    query.extend(items.iter().map(|i| (wire_name.clone(), scalar(i))))
                }
                Some(v) => query.push((wire_name, scalar(v))),
                None => {}
            },
            "header" => {
                if let Some(v) = value {
                    headers.push((wire_name, scalar(v)));
                }
            }
            _ => {
                if let Some(v) = value {
                    body.insert(wire_name, v.clone());
                }
            }
        }
    }
    Wire {
        method: http["method"].as_str().unwrap_or_default().to_string(),
        path,
        query,
        headers,
        body: has_body_members.then(|| Value::Object(body).to_string()),
    }
}

#[derive(Debug)]
struct Answer {
    status: u16,
    /// `x-amzn-errortype`, empty on success.
    error: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    fn show(&self) -> String {
        if (200..300).contains(&self.status) {
            self.status.to_string()
        } else {
            let message = self.json()["Message"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            format!("{} {} {message:?}", self.status, self.error)
        }
    }
}

fn send(addr: SocketAddr, w: &Wire) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let body = w.body.as_deref().unwrap_or_default();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        w.method,
        w.target(),
        body.len()
    );
    if w.body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in &w.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(format!("{head}{body}").as_bytes())
        .expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read the answer");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let error = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("x-amzn-errortype"))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    Answer {
        status,
        error,
        body: body.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// The state every request is checked against, and the otherwise valid requests

/// What `Probe::fresh` created.
struct Fixture {
    vault_arn: String,
    plan_a: String,
    version_a: String,
    plan_b: String,
    selection: String,
    point: String,
}

struct Probe<'a> {
    ep: &'a LocalEndpoint,
    model: &'a Model,
    requests: usize,
}

impl Probe<'_> {
    fn call(&mut self, op: &str, input: &Value) -> Answer {
        self.send(&wire(self.model, op, input))
    }

    fn send(&mut self, w: &Wire) -> Answer {
        self.requests += 1;
        send(self.ep.addr(), w)
    }

    fn setup_call(&mut self, op: &str, input: Value) -> Value {
        let answer = self.call(op, &input);
        assert!(
            (200..300).contains(&answer.status),
            "setup {op} {input}: {}",
            answer.show()
        );
        answer.json()
    }

    /// Empties the endpoint and creates what the baselines name: two vaults (one stays empty)
    /// and a logically air-gapped one, an access policy and notifications on the first, two
    /// plans, a selection in the first plan and a recovery point.
    fn fresh(&mut self) -> Fixture {
        self.ep.reset();
        // UpdateGlobalSettings takes only an organization's management account.
        self.ep
            .set_organization(json!({ "managementAccount": ACCOUNT }))
            .expect("an organization");
        let vault = self.setup_call("CreateBackupVault", json!({ "BackupVaultName": VAULT }));
        self.setup_call(
            "CreateBackupVault",
            json!({ "BackupVaultName": EMPTY_VAULT }),
        );
        self.setup_call(
            "CreateLogicallyAirGappedBackupVault",
            json!({ "BackupVaultName": LAG_VAULT, "MinRetentionDays": 7, "MaxRetentionDays": 30 }),
        );
        self.setup_call(
            "PutBackupVaultAccessPolicy",
            json!({ "BackupVaultName": VAULT, "Policy": POLICY }),
        );
        self.setup_call(
            "PutBackupVaultNotifications",
            json!({ "BackupVaultName": VAULT, "SNSTopicArn": TOPIC,
                    "BackupVaultEvents": ["BACKUP_JOB_COMPLETED"] }),
        );
        let plan = |name: &str| {
            json!({ "BackupPlan": { "BackupPlanName": name,
                    "Rules": [{ "RuleName": "daily", "TargetBackupVaultName": VAULT }] } })
        };
        let plan_a = self.setup_call("CreateBackupPlan", plan("plan-a"));
        let plan_b = self.setup_call("CreateBackupPlan", plan("plan-b"));
        let plan_a_id = plan_a["BackupPlanId"].as_str().unwrap_or_default();
        let selection = self.setup_call(
            "CreateBackupSelection",
            json!({ "BackupPlanId": plan_a_id, "BackupSelection": {
                    "SelectionName": "volumes", "IamRoleArn": ROLE, "Resources": [EBS] } }),
        );
        // Two restore-testing plans, the first with a selection (the second can be deleted).
        for name in [RT_PLAN, RT_EMPTY_PLAN] {
            self.setup_call(
                "CreateRestoreTestingPlan",
                json!({ "RestoreTestingPlan": rt_plan(name) }),
            );
        }
        self.setup_call(
            "CreateRestoreTestingSelection",
            json!({ "RestoreTestingPlanName": RT_PLAN,
                    "RestoreTestingSelection": rt_selection(RT_SELECTION) }),
        );
        // A framework, read once so that its deployment is over.
        self.setup_call(
            "CreateFramework",
            json!({ "FrameworkName": FRAMEWORK, "FrameworkControls": [framework_control()] }),
        );
        self.setup_call("DescribeFramework", json!({ "FrameworkName": FRAMEWORK }));
        self.setup_call(
            "CreateReportPlan",
            json!({ "ReportPlanName": REPORT_PLAN, "ReportDeliveryChannel": report_channel(),
                    "ReportSetting": report_setting() }),
        );
        let job = self.setup_call(
            "StartBackupJob",
            json!({ "BackupVaultName": VAULT, "ResourceArn": EBS, "IamRoleArn": ROLE }),
        );
        let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
        Fixture {
            vault_arn: text(&vault, "BackupVaultArn"),
            plan_a: text(&plan_a, "BackupPlanId"),
            version_a: text(&plan_a, "VersionId"),
            plan_b: text(&plan_b, "BackupPlanId"),
            selection: text(&selection, "SelectionId"),
            point: text(&job, "RecoveryPointArn"),
        }
    }

    fn calls(&self, op: &str) -> u64 {
        self.ep.stats()["calls"][op].as_u64().unwrap_or(0)
    }

    /// On a fresh state, sends the baseline of `op` changed by `edit` (None if it does not
    /// apply) and then by `edit_wire`; tells whether the request reached `op`, the request and
    /// the answer.
    fn attempt(
        &mut self,
        op: &str,
        edit: impl FnOnce(&mut Value) -> bool,
        edit_wire: impl FnOnce(&mut Wire),
    ) -> Option<Attempt> {
        let f = self.fresh();
        let mut input = baseline(op, &f);
        if !edit(&mut input) {
            return None;
        }
        let mut w = wire(self.model, op, &input);
        edit_wire(&mut w);
        let before = self.calls(op);
        let answer = self.send(&w);
        Some(Attempt {
            reached: self.calls(op) > before,
            request: format!("{} {} {}", w.method, w.target(), w.body.unwrap_or_default()),
            answer,
        })
    }
}

struct Attempt {
    reached: bool,
    request: String,
    answer: Answer,
}

const FRAMEWORK: &str = "audit_framework";

/// A framework control with every member that carries a constraint.
fn framework_control() -> Value {
    json!({
        "ControlName": "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
        "ControlInputParameters": [
            { "ParameterName": "requiredRetentionDays", "ParameterValue": "35" }
        ],
        "ControlScope": {
            "ComplianceResourceIds": ["vol-1"],
            "ComplianceResourceTypes": ["EBS"],
        },
    })
}

/// A full plan document: every member with a constraint present and valid.
fn plan_document(name: &str) -> Value {
    json!({
        "BackupPlanName": name,
        "Rules": [{
            "RuleName": "daily",
            "TargetBackupVaultName": VAULT,
            "TargetLogicallyAirGappedBackupVaultArn": LAG_VAULT_ARN,
            "ScheduleExpression": "cron(0 5 ? * * *)",
            "ScheduleExpressionTimezone": "Etc/UTC",
            "StartWindowMinutes": 60,
            "CompletionWindowMinutes": 180,
            "Lifecycle": { "MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120,
                           "OptInToArchiveForSupportedResources": false },
            "RecoveryPointTags": { "kind": "daily" },
            "CopyActions": [{ "DestinationBackupVaultArn": DR_VAULT,
                              "Lifecycle": { "DeleteAfterDays": 30 } }],
            "EnableContinuousBackup": false,
            "IndexActions": [{ "ResourceTypes": ["EBS"] }],
            "ScanActions": [{ "MalwareScanner": "GUARDDUTY", "ScanMode": "FULL_SCAN" }],
        }],
        "AdvancedBackupSettings": [{ "ResourceType": "EC2",
                                     "BackupOptions": { "WindowsVSS": "enabled" } }],
        "ScanSettings": [{ "MalwareScanner": "GUARDDUTY", "ResourceTypes": ["EBS"],
                           "ScannerRoleArn": ROLE }],
    })
}

/// A restore-testing plan with every member.
fn rt_plan(name: &str) -> Value {
    json!({
        "RestoreTestingPlanName": name,
        "ScheduleExpression": "cron(0 5 ? * * *)",
        "ScheduleExpressionTimezone": "Etc/UTC",
        "StartWindowHours": 24,
        "RecoveryPointSelection": {
            "Algorithm": "LATEST_WITHIN_WINDOW",
            "IncludeVaults": ["*"],
            "ExcludeVaults": [DR_VAULT],
            "RecoveryPointTypes": ["SNAPSHOT", "CONTINUOUS"],
            "SelectionWindowDays": 30,
        },
    })
}

/// A report plan's delivery channel with every member.
fn report_channel() -> Value {
    json!({ "S3BucketName": "audit-reports", "S3KeyPrefix": "backup", "Formats": ["CSV", "JSON"] })
}

/// A compliance report setting with every member a single-account report takes.
fn report_setting() -> Value {
    json!({ "ReportTemplate": "CONTROL_COMPLIANCE_REPORT", "FrameworkArns": [FRAMEWORK_ARN],
            "NumberOfFrameworks": 1 })
}

/// A restore-testing selection with every member.
fn rt_selection(name: &str) -> Value {
    json!({
        "RestoreTestingSelectionName": name,
        "IamRoleArn": ROLE,
        "ProtectedResourceType": "EBS",
        "ProtectedResourceArns": ["*"],
        "ProtectedResourceConditions": {
            "StringEquals": [{ "Key": "team", "Value": "a" }],
            "StringNotEquals": [{ "Key": "env", "Value": "test" }],
        },
        "RestoreMetadataOverrides": { "availabilityZone": "us-east-1a" },
        "ValidationWindowHours": 12,
    })
}

/// An otherwise valid request of `op` against the fixture, with every member that carries a
/// constraint or a required member of its own.
fn baseline(op: &str, f: &Fixture) -> Value {
    match op {
        "ListBackupVaults" => {
            json!({ "ByVaultType": "BACKUP_VAULT", "ByShared": false, "MaxResults": 10 })
        }
        "CreateBackupVault" => json!({
            "BackupVaultName": "new-vault", "BackupVaultTags": { "team": "a" },
            "EncryptionKeyArn": KMS, "CreatorRequestId": "req-vault",
        }),
        "CreateLogicallyAirGappedBackupVault" => json!({
            "BackupVaultName": "new-lag-vault", "BackupVaultTags": { "team": "a" },
            "CreatorRequestId": "req-lag-vault", "MinRetentionDays": 7, "MaxRetentionDays": 30,
            "EncryptionKeyArn": KMS,
        }),
        "DescribeBackupVault" => {
            json!({ "BackupVaultName": VAULT, "BackupVaultAccountId": ACCOUNT })
        }
        "DeleteBackupVault" => json!({ "BackupVaultName": EMPTY_VAULT }),
        "PutBackupVaultLockConfiguration" => json!({
            "BackupVaultName": VAULT, "MinRetentionDays": 7, "MaxRetentionDays": 30,
            "ChangeableForDays": 3,
        }),
        "PutBackupVaultAccessPolicy" => json!({ "BackupVaultName": VAULT, "Policy": POLICY }),
        "PutBackupVaultNotifications" => json!({
            "BackupVaultName": VAULT, "SNSTopicArn": TOPIC,
            "BackupVaultEvents": ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED"],
        }),
        "DeleteBackupVaultLockConfiguration"
        | "GetBackupVaultAccessPolicy"
        | "DeleteBackupVaultAccessPolicy"
        | "GetBackupVaultNotifications"
        | "DeleteBackupVaultNotifications" => json!({ "BackupVaultName": VAULT }),
        "ListRecoveryPointsByBackupVault" => json!({
            "BackupVaultName": VAULT, "BackupVaultAccountId": ACCOUNT, "MaxResults": 10,
            "ByResourceArn": EBS, "ByResourceType": "EBS",
        }),
        "DescribeRecoveryPoint" => json!({
            "BackupVaultName": VAULT, "RecoveryPointArn": f.point,
            "BackupVaultAccountId": ACCOUNT,
        }),
        "DeleteRecoveryPoint" => json!({ "BackupVaultName": VAULT, "RecoveryPointArn": f.point }),
        "StartBackupJob" => json!({
            "BackupVaultName": VAULT, "ResourceArn": EBS, "IamRoleArn": ROLE,
            "IdempotencyToken": "job-token", "StartWindowMinutes": 60,
            "CompleteWindowMinutes": 180, "Lifecycle": { "DeleteAfterDays": 30 },
            "RecoveryPointTags": { "kind": "on-demand" },
            "BackupOptions": { "WindowsVSS": "disabled" }, "Index": "ENABLED",
        }),
        "CreateBackupPlan" => json!({
            "BackupPlan": plan_document("new-plan"), "BackupPlanTags": { "team": "a" },
            "CreatorRequestId": "req-plan",
        }),
        "ListBackupPlans" => json!({ "MaxResults": 10, "IncludeDeleted": true }),
        "GetBackupPlan" => json!({
            "BackupPlanId": f.plan_a, "VersionId": f.version_a, "MaxScheduledRunsPreview": 3,
        }),
        "UpdateBackupPlan" => {
            json!({ "BackupPlanId": f.plan_b, "BackupPlan": plan_document("plan-b") })
        }
        "DeleteBackupPlan" => json!({ "BackupPlanId": f.plan_b }),
        "ListBackupPlanVersions" | "ListBackupSelections" => {
            json!({ "BackupPlanId": f.plan_a, "MaxResults": 10 })
        }
        "CreateBackupSelection" => json!({
            "BackupPlanId": f.plan_a,
            "BackupSelection": {
                "SelectionName": "new-selection",
                "IamRoleArn": ROLE,
                "Resources": [EBS],
                "NotResources": ["arn:aws:ec2:us-east-1:123456789012:volume/vol-0fedcba9876543210"],
                "ListOfTags": [{ "ConditionType": "STRINGEQUALS", "ConditionKey": "backup",
                                 "ConditionValue": "daily" }],
                "Conditions": {
                    "StringEquals": [{ "ConditionKey": "aws:ResourceTag/team", "ConditionValue": "a" }],
                    "StringNotLike": [{ "ConditionKey": "aws:ResourceTag/env", "ConditionValue": "test*" }],
                },
            },
            "CreatorRequestId": "req-selection",
        }),
        "GetBackupSelection" | "DeleteBackupSelection" => {
            json!({ "BackupPlanId": f.plan_a, "SelectionId": f.selection })
        }
        "TagResource" => json!({ "ResourceArn": f.vault_arn, "Tags": { "team": "b" } }),
        "ListTags" => json!({ "ResourceArn": f.vault_arn, "MaxResults": 10 }),
        "UntagResource" => json!({ "ResourceArn": f.vault_arn, "TagKeyList": ["team"] }),
        "UpdateGlobalSettings" => json!({
            "GlobalSettings": { "isCrossAccountBackupEnabled": "true" },
        }),
        "UpdateRegionSettings" => json!({
            "ResourceTypeOptInPreference": { "S3": true },
            "ResourceTypeManagementPreference": { "DynamoDB": false },
            "ResourceTypeOptInIncremental": { "DynamoDB": true },
        }),
        "DescribeGlobalSettings" | "DescribeRegionSettings" => json!({}),
        "CreateRestoreTestingPlan" => json!({
            "RestoreTestingPlan": rt_plan("new_plan"), "Tags": { "team": "a" },
            "CreatorRequestId": "req-rt-plan",
        }),
        "GetRestoreTestingPlan" => json!({ "RestoreTestingPlanName": RT_PLAN }),
        "CreateReportPlan" => json!({
            "ReportPlanName": "rp_new", "ReportPlanDescription": "daily compliance",
            "ReportDeliveryChannel": report_channel(), "ReportSetting": report_setting(),
            "ReportPlanTags": { "team": "a" }, "IdempotencyToken": "token-1",
        }),
        "DescribeReportPlan" | "DeleteReportPlan" => json!({ "ReportPlanName": REPORT_PLAN }),
        "UpdateReportPlan" => json!({
            "ReportPlanName": REPORT_PLAN, "ReportPlanDescription": "weekly compliance",
            "ReportDeliveryChannel": report_channel(), "ReportSetting": report_setting(),
            "IdempotencyToken": "token-2",
        }),
        "ListReportPlans" => json!({ "MaxResults": 10 }),
        "UpdateRestoreTestingPlan" => {
            let mut plan = rt_plan(RT_EMPTY_PLAN);
            if let Some(p) = plan.as_object_mut() {
                p.remove("RestoreTestingPlanName");
            }
            json!({ "RestoreTestingPlanName": RT_EMPTY_PLAN, "RestoreTestingPlan": plan })
        }
        "DeleteRestoreTestingPlan" => json!({ "RestoreTestingPlanName": RT_EMPTY_PLAN }),
        "ListRestoreTestingPlans" => json!({ "MaxResults": 10 }),
        "ListRestoreTestingSelections" => {
            json!({ "RestoreTestingPlanName": RT_PLAN, "MaxResults": 10 })
        }
        "CreateRestoreTestingSelection" => json!({
            "RestoreTestingPlanName": RT_PLAN,
            "RestoreTestingSelection": rt_selection("new_selection"),
            "CreatorRequestId": "req-rt-selection",
        }),
        "GetRestoreTestingSelection" | "DeleteRestoreTestingSelection" => json!({
            "RestoreTestingPlanName": RT_PLAN, "RestoreTestingSelectionName": RT_SELECTION,
        }),
        "UpdateRestoreTestingSelection" => {
            let mut sel = rt_selection(RT_SELECTION);
            if let Some(s) = sel.as_object_mut() {
                s.remove("RestoreTestingSelectionName");
                s.remove("ProtectedResourceType");
            }
            json!({ "RestoreTestingPlanName": RT_PLAN,
                    "RestoreTestingSelectionName": RT_SELECTION,
                    "RestoreTestingSelection": sel })
        }
        "CreateFramework" => json!({
            "FrameworkName": "new_framework", "FrameworkDescription": "audit",
            "FrameworkControls": [framework_control()], "IdempotencyToken": "req-framework",
            "FrameworkTags": { "team": "a" },
        }),
        "DescribeFramework" | "DeleteFramework" => json!({ "FrameworkName": FRAMEWORK }),
        "UpdateFramework" => json!({
            "FrameworkName": FRAMEWORK, "FrameworkDescription": "audit",
            "FrameworkControls": [framework_control()], "IdempotencyToken": "req-update",
        }),
        "ListFrameworks" => json!({ "MaxResults": 10 }),
        other => panic!("no baseline request for {other}: add one to model.rs"),
    }
}

// ---------------------------------------------------------------------------------------------
// Breaking a constraint

/// `{m,n}` / `{n}` at the end of a pattern: (m, n).
fn pattern_bounds(pattern: &str) -> Option<(usize, Option<usize>)> {
    let re = Regex::new(r"\{(\d+)(,(\d*))?\}\$?$").expect("regex");
    let c = re.captures(pattern)?;
    let min: usize = c[1].parse().ok()?;
    let max = match c.get(2) {
        None => Some(min),
        Some(_) => c.get(3).and_then(|m| m.as_str().parse().ok()),
    };
    Some((min, max))
}

/// Values (with a description) that break `c`, built from the baseline value at its path.
fn violations(c: &Constraint, base: Option<&Value>) -> Result<Vec<(String, Value)>, String> {
    let base_str = base.and_then(Value::as_str);
    let first_char = || base_str.and_then(|s| s.chars().next()).unwrap_or('a');
    let numeric = matches!(
        c.shape_type.as_str(),
        "integer" | "long" | "float" | "double"
    );
    let needs_base = || format!("the baseline has no valid {} to start from", show(&c.path));
    let mut out = Vec::new();
    match &c.kind {
        Kind::Enum(values) => {
            out.push(("not a value of the enum".into(), json!("NOT_A_MODEL_VALUE")));
            if let Some(first) = values.first() {
                let lower = first.to_lowercase();
                if !values.contains(&lower) {
                    out.push(("an enum value in lower case".into(), json!(lower)));
                }
            }
        }
        Kind::Pattern(p) => {
            // AWS matches a pattern against the whole value.
            let re = Regex::new(&format!("^(?:{p})$")).map_err(|e| format!("pattern {p}: {e}"))?;
            let base = base_str.ok_or_else(needs_base)?;
            if !re.is_match(base) {
                return Err(format!("the baseline value {base:?} does not match {p}"));
            }
            let chars: Vec<char> = base.chars().collect();
            let mid = chars.len() / 2;
            let bad_char = [' ', '!', '#', '%', '\u{e9}'].into_iter().find_map(|bad| {
                let mut cs = chars.clone();
                *cs.get_mut(mid)? = bad;
                let s: String = cs.into_iter().collect();
                (!re.is_match(&s)).then_some(s)
            });
            // An unanchored pattern matches a string with one bad character: then the whole
            // string is made of it.
            let all_bad = || {
                [' ', '!', '#', '%', '_'].into_iter().find_map(|bad| {
                    let s = bad.to_string().repeat(chars.len().max(1));
                    (!re.is_match(&s)).then_some(s)
                })
            };
            if let Some(s) = bad_char.or_else(all_bad) {
                out.push(("a character outside the pattern".into(), json!(s)));
            } else if !re.is_match(" ") {
                out.push(("a blank value".into(), json!(" ")));
            }
            if let Some((min, max)) = pattern_bounds(p) {
                let long = max.map(|n| first_char().to_string().repeat(n + 1));
                if let Some(long) = long.filter(|s| !re.is_match(s)) {
                    out.push((format!("{} characters", long.chars().count()), json!(long)));
                }
                let short = (min > 0).then(|| first_char().to_string().repeat(min - 1));
                let sendable = |s: &String| !(s.is_empty() && c.location == "uri");
                if let Some(short) = short.filter(|s| sendable(s) && !re.is_match(s)) {
                    out.push((
                        format!("{} characters", short.chars().count()),
                        json!(short),
                    ));
                }
            }
        }
        Kind::Min(n) if numeric => out.push((format!("{}", n - 1), json!(n - 1))),
        Kind::Max(n) if numeric => out.push((format!("{}", n + 1), json!(n + 1))),
        Kind::Min(n) | Kind::Max(n) => {
            let len = if matches!(c.kind, Kind::Min(_)) {
                if *n == 0 {
                    return Err("a minimum length of 0 cannot be broken".into());
                }
                (*n - 1) as usize
            } else {
                (*n + 1) as usize
            };
            let value = match (c.shape_type.as_str(), base) {
                ("string", _) => json!(first_char().to_string().repeat(len)),
                ("list", Some(Value::Array(items))) if !items.is_empty() => {
                    let mut items: Vec<Value> = items.iter().take(len).cloned().collect();
                    while items.len() < len {
                        items.push(items[0].clone());
                    }
                    Value::Array(items)
                }
                ("map", Some(Value::Object(map))) if !map.is_empty() => {
                    let first = map.values().next().cloned().unwrap_or_default();
                    let mut map: Map<String, Value> = map
                        .iter()
                        .take(len)
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    let mut i = 0;
                    while map.len() < len {
                        map.insert(format!("k{i}"), first.clone());
                        i += 1;
                    }
                    Value::Object(map)
                }
                _ => return Err(needs_base()),
            };
            if value.as_str().is_some_and(str::is_empty) && c.location == "uri" {
                return Err("an empty URI label cannot be sent".into());
            }
            out.push((format!("length {len}"), value));
        }
    }
    if out.is_empty() {
        return Err("no value breaks it".into());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The checks

#[derive(Default)]
struct Counts {
    operations: usize,
    constraints: usize,
    violations: usize,
    required: usize,
    listed: usize,
}

fn check_operation(
    p: &mut Probe,
    op: &str,
    counts: &mut Counts,
    seen_listed: &mut BTreeSet<(String, String, String)>,
    failures: &mut Vec<String>,
) {
    let model = p.model;
    let input_shape = model.input_shape(op).unwrap_or_default().to_string();
    let mut fail = |msg: String| failures.push(format!("{op}: {msg}"));
    // A success answers the model's status code (201 for some creates, 204 for some deletes).
    let success = model.operation(op).expect("in the model")["http"]["responseCode"]
        .as_u64()
        .map_or(200, |c| c as u16);
    let keep = |_: &mut Value| true;
    let as_is = |_: &mut Wire| {};

    // The model's method and URI reach the operation, and so does the form without the model
    // URI's trailing slash (aws-sdk-rust's); a trailing slash the model URI has not does not.
    let a = p.attempt(op, keep, as_is).expect("applies");
    if !a.reached || a.answer.status != success {
        fail(format!(
            "the baseline {} reached it: {}, answer {}",
            a.request,
            a.reached,
            a.answer.show()
        ));
    }
    let slash = model.operation(op).expect("in the model")["http"]["requestUri"]
        .as_str()
        .is_some_and(|u| u.len() > 1 && u.split('?').next().unwrap_or(u).ends_with('/'));
    let other = p
        .attempt(op, keep, |w| {
            if slash {
                w.path.pop();
            } else {
                w.path.push('/');
            }
        })
        .expect("applies");
    if slash && (!other.reached || other.answer.status != success) {
        fail(format!(
            "without the model URI's trailing slash, {} reached it: {}, answer {}",
            other.request,
            other.reached,
            other.answer.show()
        ));
    }
    if !slash && other.reached {
        fail(format!(
            "{} (a trailing slash the model URI has not) reached it",
            other.request
        ));
    }

    // Only the required members: accepted, but for the members listed in NEEDED_BEYOND_MODEL.
    let minimal = |v: &mut Value| {
        *v = required_only(model, &input_shape, v);
        true
    };
    let a = p.attempt(op, minimal, as_is).expect("applies");
    let all_needed = ALL_NEEDED_BEYOND_MODEL.iter().find(|(o, _, _)| *o == op);
    if let Some((_, members, _)) = all_needed {
        if a.answer.status == success {
            fail(format!(
                "listed as needing all of {members:?}, but {} was accepted",
                a.request
            ));
        }
        let paths: Vec<_> = members.iter().map(|m| parse_path(m)).collect();
        let with_all = |v: &mut Value| {
            let values: Vec<_> = paths.iter().map(|path| get(v, path)).collect();
            *v = required_only(model, &input_shape, v);
            paths
                .iter()
                .zip(values)
                .all(|(path, value)| value.is_some_and(|value| set(v, path, value)))
        };
        match p.attempt(op, with_all, as_is) {
            Some(a) if a.answer.status == success => {}
            Some(a) => fail(format!(
                "the required members and all of {members:?} ({}) were refused: {}",
                a.request,
                a.answer.show()
            )),
            None => fail(format!("the baseline lacks one of {members:?}")),
        }
        for (member, path) in members.iter().zip(&paths) {
            match p.attempt(op, |v| remove(v, path), as_is) {
                Some(a)
                    if (a.answer.status, a.answer.error.as_str())
                        == (400, "MissingParameterValueException") => {}
                Some(a) => fail(format!(
                    "without {member} ({}): expected 400 MissingParameterValueException, got {}",
                    a.request,
                    a.answer.show()
                )),
                None => fail(format!("the baseline lacks {member}")),
            }
        }
    }
    match NEEDED_BEYOND_MODEL.iter().find(|(o, _, _)| *o == op) {
        None if all_needed.is_some() => {}
        None if a.answer.status != success => fail(format!(
            "a request with only the required members ({}) was refused: {}",
            a.request,
            a.answer.show()
        )),
        None => {}
        Some((_, members, _)) => {
            let refused = a.answer.status == 400
                && matches!(
                    a.answer.error.as_str(),
                    "MissingParameterValueException" | "InvalidParameterValueException"
                );
            if !refused {
                fail(format!(
                    "listed as needing one of {members:?}, but {} answered {}",
                    a.request,
                    a.answer.show()
                ));
            }
            for member in *members {
                let path = parse_path(member);
                let with_member = |v: &mut Value| {
                    let value = get(v, &path);
                    *v = required_only(model, &input_shape, v);
                    value.is_some_and(|value| set(v, &path, value))
                };
                match p.attempt(op, with_member, as_is) {
                    Some(a) if a.answer.status == success => {}
                    Some(a) => fail(format!(
                        "the required members and {member} alone ({}) were refused: {}",
                        a.request,
                        a.answer.show()
                    )),
                    None => fail(format!("the baseline lacks {member}")),
                }
            }
        }
    }

    // Each required member, left out, is refused; an empty URI label reaches no operation of
    // that name.
    for (path, location) in required_members(model, op) {
        counts.required += 1;
        let name = show(&path);
        let Some(a) = p.attempt(op, |v| remove(v, &path), as_is) else {
            fail(format!(
                "the baseline lacks the required member {name}: add it"
            ));
            continue;
        };
        if location == "uri" {
            if a.reached {
                fail(format!(
                    "with the label {name} empty, {} reached it: {}",
                    a.request,
                    a.answer.show()
                ));
            }
        } else if (a.answer.status, a.answer.error.as_str())
            != (400, "MissingParameterValueException")
        {
            fail(format!(
                "without the required member {name} ({}): expected 400 \
                 MissingParameterValueException, got {}",
                a.request,
                a.answer.show()
            ));
        }
    }

    // Each constraint, broken.
    for c in constraints(model, op) {
        counts.constraints += 1;
        let name = show(&c.path);
        let listed = NOT_ENFORCED
            .iter()
            .any(|n| (n.operation, n.member, n.constraint) == (op, name.as_str(), c.name()));
        if listed {
            counts.listed += 1;
            seen_listed.insert((op.to_string(), name.clone(), c.name().to_string()));
        }
        let f = p.fresh();
        let base_value = get(&baseline(op, &f), &c.path);
        let probes = match violations(&c, base_value.as_ref()) {
            Ok(v) => v,
            Err(why) => {
                fail(format!("{name} {}: cannot break it: {why}", c.name()));
                continue;
            }
        };
        let mut refused = Vec::new();
        let mut accepted = Vec::new();
        for (what, value) in probes {
            counts.violations += 1;
            let Some(a) = p.attempt(op, |v| set(v, &c.path, value.clone()), as_is) else {
                fail(format!(
                    "{name} {}: the baseline has no parent to put {value} in",
                    c.name()
                ));
                continue;
            };
            let shown = format!("{what} ({value}): {} <- {}", a.answer.show(), a.request);
            match (a.answer.status, a.answer.error.as_str()) {
                (400, "InvalidParameterValueException") => refused.push(shown),
                (status, _) if status == success => accepted.push(shown),
                _ => fail(format!(
                    "{name} {}: expected 400 InvalidParameterValueException, got {shown}",
                    c.name()
                )),
            }
        }
        if listed && !refused.is_empty() {
            fail(format!(
                "{name} {} is listed as not enforced, but is: {}",
                c.name(),
                refused.join("; ")
            ));
        } else if !listed && !accepted.is_empty() {
            fail(format!(
                "{name} {} is not enforced and not listed in NOT_ENFORCED: {}",
                c.name(),
                accepted.join("; ")
            ));
        }
    }
    counts.operations += 1;
}

#[tokio::test]
async fn the_endpoint_conforms_to_the_aws_backup_model() {
    let started = Instant::now();
    let model = Model::load();
    let ep = LocalEndpoint::start().await.expect("start the endpoint");
    let mut probe = Probe {
        ep: &ep,
        model: &model,
        requests: 0,
    };
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    let mut seen_listed = BTreeSet::new();
    let served: Vec<&str> = awsbackup_local_endpoint::operations().collect();
    for op in &served {
        if model.operation(op).is_none() {
            failures.push(format!("{op}: the model has no operation of that name"));
            continue;
        }
        check_operation(&mut probe, op, &mut counts, &mut seen_listed, &mut failures);
    }
    for n in NOT_ENFORCED {
        let key = (
            n.operation.to_string(),
            n.member.to_string(),
            n.constraint.to_string(),
        );
        if !seen_listed.contains(&key) || n.reason.is_empty() {
            failures.push(format!(
                "NOT_ENFORCED names {} {} {}, which is no constraint of the model (or has no reason)",
                n.operation, n.member, n.constraint
            ));
        }
    }
    let listed: Vec<String> = NOT_ENFORCED
        .iter()
        .map(|n| format!("{} {} {}", n.operation, n.member, n.constraint))
        .collect();
    println!(
        "model conformance: {} operations, {} constraints checked ({} violating requests), \
         {} listed as not enforced ({}), {} required members checked; botocore {}, {} requests \
         in {:.1?}",
        counts.operations,
        counts.constraints,
        counts.violations,
        counts.listed,
        listed.join(", "),
        counts.required,
        model.botocore,
        probe.requests,
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} differences from the model:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(served.len(), SERVED_OPERATIONS);
    assert_eq!(counts.operations, SERVED_OPERATIONS);
    assert!(
        counts.constraints >= MODEL_CONSTRAINTS_AT_LEAST,
        "only {} constraints found in the model",
        counts.constraints
    );
    assert_eq!(counts.listed, NOT_ENFORCED.len());
}

/// The README's section "Model constraints not enforced" has one row per `NOT_ENFORCED` entry.
#[test]
fn the_readme_lists_the_same_constraints_not_enforced() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Model constraints not enforced"))
        .expect("the README has a section \"Model constraints not enforced\"");
    let cell = |c: &str| c.trim().trim_matches('`').to_string();
    let rows: BTreeSet<(String, String, String)> = section
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| operation"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').collect();
            (cell(cells[1]), cell(cells[2]), cell(cells[3]))
        })
        .collect();
    let listed: BTreeSet<(String, String, String)> = NOT_ENFORCED
        .iter()
        .map(|n| {
            (
                n.operation.to_string(),
                n.member.to_string(),
                n.constraint.to_string(),
            )
        })
        .collect();
    assert_eq!(rows, listed);
}

#[test]
fn pattern_bounds_and_violations() {
    assert_eq!(
        pattern_bounds(r"^[a-zA-Z0-9\-\_]{2,50}$"),
        Some((2, Some(50)))
    );
    assert_eq!(pattern_bounds(r"^[0-9]{12}$"), Some((12, Some(12))));
    assert_eq!(pattern_bounds(r"^[a-z]{3,}$"), Some((3, None)));
    assert_eq!(pattern_bounds(r"^arn:.*$"), None);
    let c = Constraint {
        path: vec![Seg::Member("BackupVaultName".into())],
        kind: Kind::Pattern(r"^[a-zA-Z0-9\-\_]{2,50}$".into()),
        shape_type: "string".into(),
        location: "uri".into(),
    };
    let values: Vec<Value> = violations(&c, Some(&json!("vault-a")))
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        values,
        vec![json!("vau t-a"), json!("v".repeat(51)), json!("v")]
    );
}

#[test]
fn paths_get_set_and_remove() {
    let mut v = json!({ "A": [{ "B": { "k": "v", "l": "w" } }] });
    let key = [
        Seg::Member("A".into()),
        Seg::Item,
        Seg::Member("B".into()),
        Seg::Key,
    ];
    assert_eq!(show(&key), "A[].B{key}");
    assert_eq!(get(&v, &key), Some(json!("k")));
    assert!(set(&mut v, &key, json!("bad key")));
    assert_eq!(v, json!({ "A": [{ "B": { "bad key": "v", "l": "w" } }] }));
    assert!(remove(&mut v, &key[..3]));
    assert_eq!(v, json!({ "A": [{}] }));
    assert!(!set(&mut v, &parse_path("X.Y"), json!(1)));
}
