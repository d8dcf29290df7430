//! The gRPC `ResourceProvider` service: generic protocol glue that dispatches to the resources
//! and functions. Adding a resource or a function never touches this file.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, SystemTime};

use prost::Message;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Request, Response, Status};
use tracing::Instrument;

use crate::aws::BackupApi;
use crate::config::{coerce_config_strings, ProviderConfig};
use crate::function::DynFunction;
use crate::naming::{Autonaming, AutonamingMode};
use crate::proto::google_rpc;
use crate::proto::pulumirpc::{
    self as rpc, check_request::autonaming_options::Mode, diff_response::DiffChanges,
    property_diff::Kind, resource_provider_server::ResourceProvider,
};
use crate::resource::{decode, CheckInput, Context, DiffKind, DynResource, OpError, VaultLookups};
use crate::retry::{self, OpKind, Scope};
use crate::schema::package_schema;
use crate::value::{self, Marks, Path};

pub struct Provider {
    resources: HashMap<&'static str, Arc<dyn DynResource>>,
    functions: HashMap<&'static str, Arc<dyn DynFunction>>,
    config: RwLock<Arc<ProviderConfig>>,
    /// Built on first use, so Configure and previews never resolve credentials.
    api: tokio::sync::OnceCell<Arc<dyn BackupApi>>,
    cancel: CancellationToken,
    schema: OnceLock<String>,
    vaults: Arc<VaultLookups>,
}

impl Provider {
    pub fn new() -> Self {
        Provider {
            resources: crate::resources::all()
                .into_iter()
                .map(|r| (r.token(), r))
                .collect(),
            functions: crate::functions::all()
                .into_iter()
                .map(|f| (f.token(), f))
                .collect(),
            config: RwLock::new(Arc::new(ProviderConfig::default())),
            api: tokio::sync::OnceCell::new(),
            cancel: CancellationToken::new(),
            schema: OnceLock::new(),
            vaults: Arc::default(),
        }
    }

    fn resource(&self, ty: &str, urn: &str) -> Result<Arc<dyn DynResource>, Status> {
        let ty = if ty.is_empty() {
            type_from_urn(urn)
        } else {
            ty
        };
        self.resources
            .get(ty)
            .cloned()
            .ok_or_else(|| Status::invalid_argument(format!("unknown resource type '{ty}'")))
    }

    fn function(&self, token: &str) -> Result<Arc<dyn DynFunction>, Status> {
        self.functions.get(token).cloned().ok_or_else(|| {
            let mut known: Vec<&str> = self.functions.keys().copied().collect();
            known.sort_unstable();
            Status::invalid_argument(format!(
                "unknown function '{token}'; awsbackup has: {}",
                known.join(", ")
            ))
        })
    }

    fn config(&self) -> Arc<ProviderConfig> {
        self.config.read().expect("config lock").clone()
    }

    /// AWS's time as far as the provider knows it: the client's, which every answer from AWS
    /// sets, once there is a client; the local clock before. Check and Diff judge time by it,
    /// as the operations do through their context's client.
    fn aws_now(&self) -> SystemTime {
        self.api
            .get()
            .map_or_else(SystemTime::now, |api| api.server_now())
    }

    /// What an operation on `urn` (a function's token for an invoke) can use; `timeout` is the
    /// engine's (seconds, 0 = none).
    async fn context(&self, urn: &str, timeout: f64) -> Context {
        let config = self.config();
        let api = self.api.get_or_init(|| config.backup_api()).await.clone();
        Context {
            urn: urn.to_string(),
            config,
            api,
            timeout: (timeout > 0.0).then(|| Duration::from_secs_f64(timeout)),
            vaults: self.vaults.clone(),
        }
    }

    /// Runs a resource operation under its timeout (the program's custom timeout, or the
    /// default for its kind) and Cancel. Retries and waits inside it stop before the timeout.
    async fn run<T>(
        &self,
        kind: OpKind,
        timeout: f64,
        op: impl Future<Output = Result<T, OpError>>,
    ) -> Result<T, RunError> {
        let limit = if timeout > 0.0 {
            Duration::from_secs_f64(timeout)
        } else {
            kind.default_timeout()
        };
        let scope = Scope {
            deadline: tokio::time::Instant::now() + limit,
            cancel: self.cancel.clone(),
        };
        let timed = async {
            tokio::time::timeout(limit, retry::scoped(scope, op))
                .await
                .map_err(|_| RunError::TimedOut(limit.as_secs_f64()))?
                .map_err(RunError::Op)
        };
        tokio::select! {
            r = timed => r,
            _ = self.cancel.cancelled() => Err(RunError::Cancelled),
        }
    }

    /// The outputs of a create (`old` None) or update preview, after the resource's preflight.
    async fn preview(
        &self,
        res: &dyn DynResource,
        urn: &str,
        timeout: f64,
        news: Option<&prost_types::Struct>,
        old: Option<&Value>,
        secrets: &Marks,
    ) -> Result<prost_types::Struct, Status> {
        let mut known = serde_json::Map::new();
        if res.has_preflight() {
            let ctx = self.context(urn, timeout).await;
            let (plain_news, _) = plain(news);
            known = self
                .run(OpKind::Preview, timeout, res.preflight(&ctx, plain_news))
                .await
                .map_err(|e| e.into_status(secrets))?;
        }
        let (raw, _) = with_unknowns(news);
        let mut outputs = res.preview(&raw, old);
        for (key, value) in known {
            if outputs.get(&key).and_then(Value::as_str) == Some(value::UNKNOWN) {
                outputs[key.as_str()] = value;
            }
        }
        Ok(value::to_struct(&value::join(outputs, secrets)))
    }

    fn secret_marks(&self, res: &dyn DynResource, from: &[&Marks]) -> Marks {
        let mut marks = Marks::default();
        for m in from {
            marks.secrets.extend(m.secrets.iter().cloned());
        }
        marks
            .secrets
            .extend(res.secret_outputs().iter().map(|k| Path::root().key(k)));
        marks
    }
}

impl Default for Provider {
    fn default() -> Self {
        Provider::new()
    }
}

enum RunError {
    Op(OpError),
    TimedOut(f64),
    Cancelled,
}

impl RunError {
    /// The gRPC error; a partial failure carries ErrorResourceInitFailed so the engine keeps
    /// the resource in state.
    fn into_status(self, secrets: &Marks) -> Status {
        match self {
            RunError::TimedOut(secs) => Status::deadline_exceeded(format!(
                "the operation did not finish within its {secs}s timeout (customTimeouts)"
            )),
            RunError::Cancelled => Status::cancelled("the operation was cancelled"),
            RunError::Op(OpError::Failed(msg)) => Status::new(Code::Unknown, msg),
            RunError::Op(OpError::Partial { id, state, reason }) => {
                let detail = rpc::ErrorResourceInitFailed {
                    id,
                    properties: Some(value::to_struct(&value::join(state, secrets))),
                    reasons: vec![reason.clone()],
                    inputs: None,
                    refresh_before_update: false,
                };
                status_with_detail(Code::Unknown, reason, detail)
            }
        }
    }
}

fn status_with_detail(code: Code, message: String, detail: rpc::ErrorResourceInitFailed) -> Status {
    let envelope = google_rpc::Status {
        code: code as i32,
        message: message.clone(),
        details: vec![prost_types::Any {
            type_url: "type.googleapis.com/pulumirpc.ErrorResourceInitFailed".into(),
            value: detail.encode_to_vec(),
        }],
    };
    Status::with_details(code, message, envelope.encode_to_vec().into())
}

/// `urn:pulumi:stack::project::parent$awsbackup:index:Vault::name` → `awsbackup:index:Vault`.
fn type_from_urn(urn: &str) -> &str {
    let parts: Vec<&str> = urn.split("::").collect();
    let qualified = parts.get(2).copied().unwrap_or_default();
    qualified.rsplit('$').next().unwrap_or(qualified)
}

fn plain(s: Option<&prost_types::Struct>) -> (Value, Marks) {
    value::split(
        s.map(value::from_struct)
            .unwrap_or_else(|| Value::Object(Default::default())),
    )
}

/// Secrets unwrapped, unknown sentinels kept (for diffs and previews).
fn with_unknowns(s: Option<&prost_types::Struct>) -> (Value, BTreeSet<Path>) {
    value::unwrap_secrets(
        s.map(value::from_struct)
            .unwrap_or_else(|| Value::Object(Default::default())),
    )
}

fn is_empty(s: Option<&prost_types::Struct>) -> bool {
    s.is_none_or(|s| s.fields.is_empty())
}

/// Check failures for the engine, which looks a failure's property up as a top-level key of the
/// inputs: a nested path is reported on its top-level property, with the full path leading the
/// reason (`notResources[0]: must be ...`).
fn failures(list: Vec<crate::resource::Failure>) -> Vec<rpc::CheckFailure> {
    list.into_iter()
        .map(|f| {
            let top = Path::parse(&f.property).and_then(|p| p.top().map(str::to_string));
            match top {
                Some(top) if top != f.property => rpc::CheckFailure {
                    property: top,
                    reason: format!("{}: {}", f.property, f.reason),
                },
                _ => rpc::CheckFailure {
                    property: f.property,
                    reason: f.reason,
                },
            }
        })
        .collect()
}

fn diff_response(outcome: crate::resource::DiffOutcome) -> rpc::DiffResponse {
    let detailed = outcome
        .detailed
        .into_iter()
        .map(|(path, (kind, replace))| {
            let kind = match (kind, replace) {
                (DiffKind::Add, false) => Kind::Add,
                (DiffKind::Add, true) => Kind::AddReplace,
                (DiffKind::Delete, false) => Kind::Delete,
                (DiffKind::Delete, true) => Kind::DeleteReplace,
                (DiffKind::Update, false) => Kind::Update,
                (DiffKind::Update, true) => Kind::UpdateReplace,
            };
            (
                path,
                rpc::PropertyDiff {
                    kind: kind as i32,
                    input_diff: true,
                },
            )
        })
        .collect::<HashMap<_, _>>();
    rpc::DiffResponse {
        changes: if detailed.is_empty() {
            DiffChanges::DiffNone
        } else {
            DiffChanges::DiffSome
        } as i32,
        replaces: outcome.replaces,
        stables: Vec::new(),
        delete_before_replace: outcome.delete_before_replace,
        diffs: outcome.changed_keys,
        detailed_diff: detailed,
        has_detailed_diff: true,
    }
}

fn config_keys() -> Vec<String> {
    let schema = crate::resource::schema_of::<ProviderConfig>();
    schema["properties"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[tonic::async_trait]
impl ResourceProvider for Provider {
    async fn handshake(
        &self,
        request: Request<rpc::ProviderHandshakeRequest>,
    ) -> Result<Response<rpc::ProviderHandshakeResponse>, Status> {
        let req = request.into_inner();
        if !req.engine_address.is_empty() {
            crate::logging::connect_engine(&req.engine_address);
        }
        Ok(Response::new(rpc::ProviderHandshakeResponse {
            accept_secrets: true,
            accept_resources: false,
            accept_outputs: false,
            supports_autonaming_configuration: true,
            ..Default::default()
        }))
    }

    async fn get_plugin_info(&self, _: Request<()>) -> Result<Response<rpc::PluginInfo>, Status> {
        Ok(Response::new(rpc::PluginInfo {
            version: env!("CARGO_PKG_VERSION").into(),
        }))
    }

    async fn get_schema(
        &self,
        _: Request<rpc::GetSchemaRequest>,
    ) -> Result<Response<rpc::GetSchemaResponse>, Status> {
        let schema = self.schema.get_or_init(|| {
            let resources: Vec<_> = crate::resources::all();
            let functions: Vec<_> = crate::functions::all();
            serde_json::to_string(&package_schema(&resources, &functions)).unwrap_or_default()
        });
        Ok(Response::new(rpc::GetSchemaResponse {
            schema: schema.clone(),
        }))
    }

    async fn check_config(
        &self,
        request: Request<rpc::CheckRequest>,
    ) -> Result<Response<rpc::CheckResponse>, Status> {
        let req = request.into_inner();
        let (mut news, marks) = plain(req.news.as_ref());
        coerce_config_strings(&mut news);
        let known = config_keys();
        let mut found = Vec::new();
        if let Some(obj) = news.as_object() {
            for key in obj.keys() {
                if key != "version" && !key.starts_with("__") && !known.contains(key) {
                    found.push(rpc::CheckFailure {
                        property: key.clone(),
                        reason: format!(
                            "unknown configuration key; awsbackup accepts: {}",
                            known.join(", ")
                        ),
                    });
                }
            }
        }
        let mut typed = news.clone();
        if let Some(obj) = typed.as_object_mut() {
            obj.retain(|k, _| known.contains(k));
        }
        match decode::<ProviderConfig>(typed) {
            Err(f) => found.extend(failures(vec![f])),
            Ok(config) => found.extend(failures(
                config
                    .problems()
                    .into_iter()
                    .map(|(property, reason)| crate::resource::Failure { property, reason })
                    .collect(),
            )),
        }
        let mut secrets = marks.clone();
        for key in ["secretKey", "token"] {
            secrets.secrets.insert(Path::root().key(key));
        }
        Ok(Response::new(rpc::CheckResponse {
            inputs: Some(value::to_struct(&value::join(news, &secrets))),
            failures: found,
        }))
    }

    async fn diff_config(
        &self,
        request: Request<rpc::DiffRequest>,
    ) -> Result<Response<rpc::DiffResponse>, Status> {
        let req = request.into_inner();
        let old = if is_empty(req.old_inputs.as_ref()) {
            req.olds.as_ref()
        } else {
            req.old_inputs.as_ref()
        };
        let (mut old, _) = with_unknowns(old);
        let (mut new, _) = with_unknowns(req.news.as_ref());
        coerce_config_strings(&mut old);
        coerce_config_strings(&mut new);
        let mut outcome = crate::resource::DiffOutcome::default();
        for key in config_keys() {
            crate::resource::diff_values(
                &Path::root().key(&key),
                old.get(&key),
                new.get(&key),
                &[],
                &mut |p, k| {
                    outcome.detailed.insert(p.to_string(), (k, false));
                    if !outcome.changed_keys.contains(&key) {
                        outcome.changed_keys.push(key.clone());
                    }
                },
            );
        }
        Ok(Response::new(diff_response(outcome)))
    }

    async fn configure(
        &self,
        request: Request<rpc::ConfigureRequest>,
    ) -> Result<Response<rpc::ConfigureResponse>, Status> {
        let req = request.into_inner();
        let (mut args, _) = plain(req.args.as_ref());
        coerce_config_strings(&mut args);
        let known = config_keys();
        if let Some(obj) = args.as_object_mut() {
            obj.retain(|k, _| known.contains(k));
        }
        let config: ProviderConfig = decode(args).map_err(|f| {
            Status::invalid_argument(format!(
                "invalid configuration: {}: {}",
                f.property, f.reason
            ))
        })?;
        if let Some((key, reason)) = config.problems().into_iter().next() {
            return Err(Status::invalid_argument(format!(
                "invalid configuration: {key}: {reason}"
            )));
        }
        *self.config.write().expect("config lock") = Arc::new(config);
        Ok(Response::new(rpc::ConfigureResponse {
            accept_secrets: true,
            supports_preview: true,
            accept_resources: false,
            accept_outputs: false,
            supports_autonaming_configuration: true,
        }))
    }

    async fn check(
        &self,
        request: Request<rpc::CheckRequest>,
    ) -> Result<Response<rpc::CheckResponse>, Status> {
        let req = request.into_inner();
        let span = tracing::info_span!("check", urn = %req.urn);
        async {
            let res = self.resource(&req.r#type, &req.urn)?;
            let (news, marks) = plain(req.news.as_ref());
            let (olds, _) = plain(req.olds.as_ref());
            let config = self.config();
            let autonaming = req.autonaming.as_ref().map(|a| Autonaming {
                proposed_name: a.proposed_name.clone(),
                mode: match a.mode() {
                    Mode::Propose => AutonamingMode::Propose,
                    Mode::Enforce => AutonamingMode::Enforce,
                    Mode::Disable => AutonamingMode::Disable,
                },
            });
            let name = if req.name.is_empty() {
                req.urn.rsplit("::").next().unwrap_or_default()
            } else {
                &req.name
            };
            let out = res.check(CheckInput {
                urn: &req.urn,
                name,
                config: &config,
                olds: &olds,
                news,
                marks: &marks,
                autonaming,
                now: self.aws_now(),
            });
            for w in &out.warnings {
                tracing::warn!("{w}");
            }
            Ok(Response::new(rpc::CheckResponse {
                inputs: Some(value::to_struct(&value::join(out.inputs, &marks))),
                failures: failures(out.failures),
            }))
        }
        .instrument(span)
        .await
    }

    async fn diff(
        &self,
        request: Request<rpc::DiffRequest>,
    ) -> Result<Response<rpc::DiffResponse>, Status> {
        let req = request.into_inner();
        let res = self.resource(&req.r#type, &req.urn)?;
        let old = if is_empty(req.old_inputs.as_ref()) {
            req.olds.as_ref()
        } else {
            req.old_inputs.as_ref()
        };
        let (old, _) = with_unknowns(old);
        let (olds, _) = with_unknowns(req.olds.as_ref());
        let (new, _) = with_unknowns(req.news.as_ref());
        let outcome = res
            .diff(&olds, &old, &new, &req.ignore_changes, self.aws_now())
            .map_err(Status::failed_precondition)?;
        Ok(Response::new(diff_response(outcome)))
    }

    async fn create(
        &self,
        request: Request<rpc::CreateRequest>,
    ) -> Result<Response<rpc::CreateResponse>, Status> {
        let req = request.into_inner();
        let span = tracing::info_span!("create", urn = %req.urn);
        async {
            let res = self.resource(&req.r#type, &req.urn)?;
            let (news, marks) = plain(req.properties.as_ref());
            let secrets = self.secret_marks(res.as_ref(), &[&marks]);
            if req.preview {
                let outputs = self
                    .preview(
                        res.as_ref(),
                        &req.urn,
                        req.timeout,
                        req.properties.as_ref(),
                        None,
                        &secrets,
                    )
                    .await?;
                return Ok(Response::new(rpc::CreateResponse {
                    id: String::new(),
                    properties: Some(outputs),
                    refresh_before_update: false,
                }));
            }
            let ctx = self.context(&req.urn, req.timeout).await;
            let (id, state) = self
                .run(OpKind::Create, req.timeout, res.create(&ctx, news))
                .await
                .map_err(|e| e.into_status(&secrets))?;
            Ok(Response::new(rpc::CreateResponse {
                id,
                properties: Some(value::to_struct(&value::join(state, &secrets))),
                refresh_before_update: false,
            }))
        }
        .instrument(span)
        .await
    }

    async fn read(
        &self,
        request: Request<rpc::ReadRequest>,
    ) -> Result<Response<rpc::ReadResponse>, Status> {
        let req = request.into_inner();
        let span = tracing::info_span!("read", urn = %req.urn);
        async {
            let res = self.resource(&req.r#type, &req.urn)?;
            let (_, state_marks) = plain(req.properties.as_ref());
            let old_inputs = (!is_empty(req.inputs.as_ref())).then(|| plain(req.inputs.as_ref()));
            let input_marks = old_inputs
                .as_ref()
                .map(|(_, m)| m.clone())
                .unwrap_or_default();
            let secrets = self.secret_marks(res.as_ref(), &[&state_marks, &input_marks]);
            let ctx = self.context(&req.urn, req.timeout).await;
            let found = self
                .run(
                    OpKind::Read,
                    req.timeout,
                    res.read(&ctx, &req.id, old_inputs.map(|(v, _)| v)),
                )
                .await
                .map_err(|e| e.into_status(&secrets))?;
            let Some((inputs, state)) = found else {
                tracing::info!(id = %req.id, "resource no longer exists");
                return Ok(Response::new(rpc::ReadResponse::default()));
            };
            let input_secrets = self.secret_marks(res.as_ref(), &[&input_marks, &state_marks]);
            Ok(Response::new(rpc::ReadResponse {
                id: req.id.clone(),
                properties: Some(value::to_struct(&value::join(state, &secrets))),
                inputs: Some(value::to_struct(&value::join(inputs, &input_secrets))),
                refresh_before_update: false,
            }))
        }
        .instrument(span)
        .await
    }

    async fn update(
        &self,
        request: Request<rpc::UpdateRequest>,
    ) -> Result<Response<rpc::UpdateResponse>, Status> {
        let req = request.into_inner();
        let span = tracing::info_span!("update", urn = %req.urn);
        async {
            let res = self.resource(&req.r#type, &req.urn)?;
            let (news, marks) = plain(req.news.as_ref());
            let (olds, old_marks) = plain(req.olds.as_ref());
            let secrets = self.secret_marks(res.as_ref(), &[&marks]);
            if req.preview {
                let outputs = self
                    .preview(
                        res.as_ref(),
                        &req.urn,
                        req.timeout,
                        req.news.as_ref(),
                        Some(&olds),
                        &secrets,
                    )
                    .await?;
                return Ok(Response::new(rpc::UpdateResponse {
                    properties: Some(outputs),
                    refresh_before_update: false,
                }));
            }
            let ctx = self.context(&req.urn, req.timeout).await;
            let state = self
                .run(
                    OpKind::Update,
                    req.timeout,
                    res.update(&ctx, &req.id, olds, news),
                )
                .await
                .map_err(|e| {
                    e.into_status(&self.secret_marks(res.as_ref(), &[&marks, &old_marks]))
                })?;
            Ok(Response::new(rpc::UpdateResponse {
                properties: Some(value::to_struct(&value::join(state, &secrets))),
                refresh_before_update: false,
            }))
        }
        .instrument(span)
        .await
    }

    async fn delete(&self, request: Request<rpc::DeleteRequest>) -> Result<Response<()>, Status> {
        let req = request.into_inner();
        let span = tracing::info_span!("delete", urn = %req.urn);
        async {
            let res = self.resource(&req.r#type, &req.urn)?;
            let (olds, marks) = plain(req.properties.as_ref());
            let ctx = self.context(&req.urn, req.timeout).await;
            self.run(OpKind::Delete, req.timeout, res.delete(&ctx, &req.id, olds))
                .await
                .map_err(|e| e.into_status(&marks))?;
            Ok(Response::new(()))
        }
        .instrument(span)
        .await
    }

    /// A provider function. The engine calls it at preview too (`req.preview`): a function looks
    /// AWS up then as well. Input failures go back as `failures`, which the engine reports with
    /// the property named; what the lookup meets (nothing found, AWS's errors) is an error.
    async fn invoke(
        &self,
        request: Request<rpc::InvokeRequest>,
    ) -> Result<Response<rpc::InvokeResponse>, Status> {
        let req = request.into_inner();
        let span = tracing::info_span!("invoke", tok = %req.tok, preview = req.preview);
        async {
            let func = self.function(&req.tok)?;
            let (args, marks) = plain(req.args.as_ref());
            let (found, warnings) = func.check(&self.config(), &args, &marks, self.aws_now());
            for w in &warnings {
                tracing::warn!("{w}");
            }
            if !found.is_empty() {
                return Ok(Response::new(rpc::InvokeResponse {
                    r#return: None,
                    failures: failures(found),
                }));
            }
            let ctx = self.context(&req.tok, 0.0).await;
            let out = self
                .run(OpKind::Read, 0.0, func.invoke(&ctx, args))
                .await
                .map_err(|e| e.into_status(&marks))?;
            // A result found with a secret is a secret, all of it.
            let mut secrets = Marks::default();
            let keys = out.as_object().into_iter().flat_map(|o| o.keys());
            for key in keys {
                if !marks.secrets.is_empty() || func.secret_outputs().contains(key) {
                    secrets.secrets.insert(Path::root().key(key));
                }
            }
            Ok(Response::new(rpc::InvokeResponse {
                r#return: Some(value::to_struct(&value::join(out, &secrets))),
                failures: Vec::new(),
            }))
        }
        .instrument(span)
        .await
    }

    async fn cancel(&self, _: Request<()>) -> Result<Response<()>, Status> {
        self.cancel.cancel();
        Ok(Response::new(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_comes_from_the_urn() {
        assert_eq!(
            type_from_urn("urn:pulumi:dev::proj::awsbackup:index:Vault::v"),
            "awsbackup:index:Vault"
        );
        assert_eq!(
            type_from_urn("urn:pulumi:dev::proj::my:Component$awsbackup:index:Vault::v"),
            "awsbackup:index:Vault"
        );
    }
}
