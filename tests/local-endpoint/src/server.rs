//! HTTP layer: accepts connections, routes requests on the raw path, applies
//! injected faults, resolves the caller's account and region from SigV4, and
//! serialises outputs and errors the restJson1 way.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::error::ApiError;
use crate::faults::{Fault, FaultRequest, Faults, ScriptedFailure};
use crate::ops;
use crate::router;
use crate::state::Store;
use crate::sts::{self, RolesRequest, Sts, StsError};

/// Account used when the access key is not a 12-digit account id.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// Region used when a request carries no SigV4 credential scope.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Everything the endpoint knows, behind one lock (never held across `.await`).
#[derive(Default)]
pub struct Inner {
    pub store: Store,
    pub faults: Faults,
    pub clock: Clock,
    pub sts: Sts,
}

#[derive(Default)]
pub struct Shared {
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic in a handler must not wedge the endpoint for later tests.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Returned by the service to make hyper close the connection without answering.
#[derive(Debug)]
struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

type HttpResponse = Response<Full<Bytes>>;

/// Accepts connections until `shutdown` changes or its sender is dropped.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<()>) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(shared.clone(), req));
                    // Errors here are client disconnects or injected drops.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// Counts a call as in flight (`/_local/stats` `inFlight`) until it is answered or dropped.
struct InFlight {
    shared: Arc<Shared>,
    operation: &'static str,
}

impl InFlight {
    fn new(shared: &Arc<Shared>, operation: &'static str) -> Self {
        shared.lock().faults.in_flight(operation, 1);
        InFlight {
            shared: shared.clone(),
            operation,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.shared.lock().faults.in_flight(self.operation, -1);
    }
}

/// Answers one request; the `Date` header tells the endpoint's (movable) clock, as AWS's tells its own.
async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<HttpResponse, DropConnection> {
    let now = shared.lock().clock.now();
    let mut resp = handle_request(shared, req).await?;
    if let Some(date) = chrono::DateTime::from_timestamp(now as i64, 0) {
        let text = date.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        if let Ok(value) = hyper::header::HeaderValue::from_str(&text) {
            resp.headers_mut().insert(hyper::header::DATE, value);
        }
    }
    Ok(resp)
}

async fn handle_request(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<HttpResponse, DropConnection> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(DropConnection),
    };
    let path = parts.uri.path().to_string();
    let query = parse_query(parts.uri.query().unwrap_or_default());

    if let Some(control) = path.strip_prefix("/_local/") {
        return Ok(control_endpoint(&shared, &parts.method, control, &body));
    }
    let scope = credential_scope(&parts.headers, &query);
    if sts::is_sts_request(
        &parts.method,
        &path,
        &parts.headers,
        &query,
        scope.service.as_deref(),
    ) {
        return Ok(sts_endpoint(&shared, query, &body, &scope));
    }

    let Some(route) = router::route(parts.method.as_str(), &path) else {
        return Ok(error_response(&ApiError::unknown_operation(
            parts.method.as_str(),
            &path,
        )));
    };
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                return Ok(error_response(&ApiError::serialization(
                    "The request body is not a JSON object",
                )))
            }
        }
    };

    let _in_flight = InFlight::new(&shared, route.operation);
    let region = scope.region.clone();
    let (identity, decision, variations) = {
        let mut inner = shared.lock();
        let now = inner.clock.now();
        let identity = inner.sts.identity(&scope.access_key, now);
        let account = identity.account.clone();
        let decision = inner.faults.decide(route.operation, &account, &region, now);
        (identity, decision, inner.faults.variations())
    };
    let account = identity.account;
    let mut logged = json!({
        "operation": route.operation,
        "account": account,
        "region": region,
        "labels": route.labels,
        "input": body.clone(),
    });
    let handled = decision.fault.is_none();
    let answer = match decision.fault {
        // Credentials AssumeRole handed out stop working when they expire.
        _ if identity.expired => Some(error_response(&ApiError::new(
            403,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        ))),
        Some(Fault::Drop) => None,
        Some(Fault::Throttle) => Some(error_response(&ApiError::throttling())),
        Some(Fault::ServerError) => Some(error_response(&ApiError::service_unavailable())),
        Some(Fault::IamPropagation(message)) => {
            let role = body["BackupSelection"]["IamRoleArn"]
                .as_str()
                .unwrap_or("(none)");
            Some(error_response(&ApiError::invalid_param(message.text(role))))
        }
        Some(Fault::PrincipalPropagation) => Some(error_response(&ApiError::invalid_param(
            "Provided principal is not valid",
        ))),
        Some(Fault::Scripted(error)) => Some(error_response(&error)),
        None => {
            let mut inner = shared.lock();
            let request = ops::Request {
                labels: route.labels,
                query,
                body,
                now: inner.clock.now(),
                variations,
            };
            let status = StatusCode::from_u16(route.status).unwrap_or(StatusCode::OK);
            Some(
                match (route.handler)(inner.store.region(&account, &region), &request) {
                    Ok(Some(out)) => json_response(status, &out),
                    Ok(None) => empty_response(status),
                    Err(e) => error_response(&e),
                },
            )
        }
    };
    match &answer {
        None => logged["dropped"] = json!(true),
        Some(resp) => {
            logged["status"] = json!(resp.status().as_u16());
            if let Some(kind) = resp.headers().get("x-amzn-errortype") {
                logged["error"] = json!(kind.to_str().unwrap_or_default());
            }
        }
    }
    shared.lock().faults.log_call(logged);
    let resp = answer.ok_or(DropConnection)?;
    // Latency delays the answer, not the work: a caller that gives up or dies while waiting
    // leaves behind whatever the call did, as with AWS.
    if handled && decision.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
    }
    Ok(resp)
}

/// The `/_local/` test-control API.
fn control_endpoint(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> HttpResponse {
    let parsed: Result<Value, _> = if body.is_empty() {
        Ok(json!({}))
    } else {
        serde_json::from_slice(body)
    };
    let result = match (method.as_str(), path, parsed) {
        (_, _, Err(_)) => Err("the body must be JSON".to_string()),
        ("POST", "clock", Ok(body)) => {
            match (body.get("advanceSeconds"), body.get("offsetSeconds")) {
                (Some(secs), None) => secs
                    .as_f64()
                    .ok_or_else(|| "advanceSeconds must be a number".to_string())
                    .and_then(|secs| shared.advance_clock(secs)),
                (None, Some(offset)) => offset
                    .as_f64()
                    .ok_or_else(|| "offsetSeconds must be a number".to_string())
                    .and_then(|offset| shared.set_clock_offset(offset)),
                _ => Err("give either advanceSeconds or offsetSeconds".into()),
            }
        }
        ("GET", "clock", _) => Ok(shared.clock_json()),
        ("POST", "faults", Ok(body)) => shared.set_faults(body).map(|_| json!({})),
        ("POST", "failures", Ok(body)) => shared.add_failure(body).map(|_| json!({})),
        ("POST", "organization", Ok(body)) => shared.set_organization(&body).map(|_| json!({})),
        ("POST", "roles", Ok(body)) => shared.set_roles(body).map(|_| json!({})),
        ("GET", "stats", _) => Ok(shared.stats()),
        ("GET", "calls", _) => Ok(shared.call_log()),
        ("POST", "reset", _) => {
            shared.reset();
            Ok(json!({}))
        }
        _ => {
            return json_response(
                StatusCode::NOT_FOUND,
                &json!({ "message": format!("unknown control endpoint {method} /_local/{path}") }),
            )
        }
    };
    match result {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(msg) => json_response(StatusCode::BAD_REQUEST, &json!({ "message": msg })),
    }
}

/// Test-control operations, shared by `/_local/` and the `LocalEndpoint` methods.
impl Shared {
    /// Moves the clock forward; answers the new time.
    pub fn advance_clock(&self, seconds: f64) -> Result<Value, String> {
        if !(seconds.is_finite() && seconds >= 0.0) {
            return Err("advanceSeconds must be a number >= 0".into());
        }
        self.lock().clock.advance(seconds);
        Ok(self.clock_json())
    }

    /// Sets the clock's offset from real time (negative: behind it); answers the new time.
    pub fn set_clock_offset(&self, seconds: f64) -> Result<Value, String> {
        if !seconds.is_finite() {
            return Err("offsetSeconds must be a finite number".into());
        }
        self.lock().clock.set_offset(seconds);
        Ok(self.clock_json())
    }

    pub fn clock_json(&self) -> Value {
        let inner = self.lock();
        json!({ "now": inner.clock.now(), "offsetSeconds": inner.clock.offset() })
    }

    /// Replaces the fault settings (the body of `POST /_local/faults`).
    pub fn set_faults(&self, settings: Value) -> Result<(), String> {
        let req: FaultRequest =
            serde_json::from_value(settings).map_err(|e| format!("invalid fault settings: {e}"))?;
        req.check()?;
        let mut inner = self.lock();
        let now = inner.clock.now();
        inner.faults.configure(req, now);
        Ok(())
    }

    /// Adds a scripted failure (the body of `POST /_local/failures`).
    pub fn add_failure(&self, failure: Value) -> Result<(), String> {
        let failure: ScriptedFailure = serde_json::from_value(failure)
            .map_err(|e| format!("invalid scripted failure: {e}"))?;
        failure.check()?;
        self.lock().faults.add_scripted(failure);
        Ok(())
    }

    /// Sets the organization the accounts belong to (the body of `POST /_local/organization`).
    pub fn set_organization(&self, body: &Value) -> Result<(), String> {
        let org = crate::state::Organization::from_json(body)?;
        self.lock()
            .store
            .global(|o: &mut Option<crate::state::Organization>| *o = Some(org));
        Ok(())
    }

    /// Registers roles for STS and the lifetime of the credentials it hands out (the body of
    /// `POST /_local/roles`).
    pub fn set_roles(&self, roles: Value) -> Result<(), String> {
        let req: RolesRequest =
            serde_json::from_value(roles).map_err(|e| format!("invalid roles: {e}"))?;
        req.check()?;
        self.lock().sts.configure(req);
        Ok(())
    }

    pub fn stats(&self) -> Value {
        self.lock().faults.stats()
    }

    pub fn call_log(&self) -> Value {
        self.lock().faults.call_log()
    }

    /// Empties state, faults, scripted failures, stats, the call log, the clock offset, the STS
    /// roles and the credentials STS handed out.
    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }
}

/// The SigV4 `Credential=` scope of a request (header or presigned query):
/// `<access key>/<date>/<region>/<service>/aws4_request`.
struct Scope {
    access_key: String,
    region: String,
    service: Option<String>,
}

fn credential_scope(headers: &HeaderMap, query: &HashMap<String, String>) -> Scope {
    let from_header = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.split("Credential=").nth(1))
        .map(|c| c.split([',', ' ']).next().unwrap_or_default().to_string());
    let credential = from_header.or_else(|| query.get("X-Amz-Credential").cloned());
    let mut parts = credential.as_deref().unwrap_or_default().split('/');
    let access_key = parts.next().unwrap_or_default().to_string();
    let region = parts
        .nth(1)
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REGION)
        .to_string();
    let service = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
    Scope {
        access_key,
        region,
        service,
    }
}

/// Answers an STS call (query protocol: parameters from the form body and the query string).
fn sts_endpoint(
    shared: &Shared,
    mut params: HashMap<String, String>,
    body: &[u8],
    scope: &Scope,
) -> HttpResponse {
    params.extend(parse_query(&String::from_utf8_lossy(body)));
    let action = params.get("Action").cloned().unwrap_or_default();
    let mut inner = shared.lock();
    let now = inner.clock.now();
    let caller = inner.sts.identity(&scope.access_key, now);
    let answer = inner.sts.handle(&params, &scope.access_key, now);
    let request_id = uuid::Uuid::new_v4().to_string();
    let (status, text) = match &answer {
        Ok(xml) => (StatusCode::OK, xml.clone()),
        Err(e) => (
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            e.xml(&request_id),
        ),
    };
    let mut input: serde_json::Map<String, Value> = params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "Action" | "Version"))
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    input.sort_keys();
    let mut logged = json!({
        "operation": action,
        "account": caller.account,
        "region": scope.region,
        "labels": [],
        "input": input,
        "status": status.as_u16(),
    });
    if let Err(StsError { code, .. }) = &answer {
        logged["error"] = json!(code);
    }
    inner.faults.count_call(&action);
    inner.faults.log_call(logged);
    Response::builder()
        .status(status)
        .header("x-amzn-requestid", request_id)
        .header("content-type", "text/xml")
        .body(Full::new(Bytes::from(text)))
        .expect("valid response")
}

fn parse_query(raw: &str) -> HashMap<String, String> {
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    raw.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn base_response(status: StatusCode) -> hyper::http::response::Builder {
    Response::builder()
        .status(status)
        .header("x-amzn-requestid", uuid::Uuid::new_v4().to_string())
}

fn json_response(status: StatusCode, value: &Value) -> HttpResponse {
    let body = Bytes::from(value.to_string());
    base_response(status)
        .header("content-type", "application/json")
        .body(Full::new(body))
        .expect("valid response")
}

fn empty_response(status: StatusCode) -> HttpResponse {
    base_response(status)
        .body(Full::new(Bytes::new()))
        .expect("valid response")
}

fn error_response(e: &ApiError) -> HttpResponse {
    let mut resp = json_response(
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
        &e.body(),
    );
    resp.headers_mut().insert(
        "x-amzn-errortype",
        HeaderValue::from_str(&e.kind).unwrap_or_else(|_| HeaderValue::from_static("UnknownError")),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kind's own state, as an ops file would keep it.
    #[derive(Default)]
    struct DummyKind {
        items: Vec<u32>,
    }

    fn region(inner: &mut Inner) -> &mut crate::state::RegionState {
        inner.store.region(DEFAULT_ACCOUNT, DEFAULT_REGION)
    }

    #[test]
    fn reset_drops_every_kinds_own_state() {
        let shared = Shared::default();
        region(&mut shared.lock()).ext::<DummyKind>().items.push(7);
        assert_eq!(region(&mut shared.lock()).ext::<DummyKind>().items, [7]);
        shared.reset();
        let mut inner = shared.lock();
        assert_eq!(format!("{:?}", region(&mut inner).extensions), "{}");
        assert!(region(&mut inner).ext::<DummyKind>().items.is_empty());
    }
}
