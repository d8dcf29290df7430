//! AWS-style errors: an HTTP status, the exception name (sent in the
//! `x-amzn-errortype` header and as `__type`) and a JSON body.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

/// An error answered to the client the way AWS Backup answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    /// Exception name, e.g. `InvalidParameterValueException`.
    pub kind: Cow<'static, str>,
    pub message: String,
    /// AWS's numeric error code (`ERROR_xxxx`), only where it is known.
    pub code: Option<&'static str>,
    /// AWS's `Context` member (for plan rule errors: `["<rule>","<detail>"]`).
    pub context: Option<String>,
    /// Extra members, e.g. `Arn` and `CreatorRequestId` on AlreadyExistsException.
    pub extra: Vec<(&'static str, Value)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        Self::named(status, Cow::Borrowed(kind), message)
    }

    /// An error whose exception name is only known at run time (a failure the test scripted).
    pub fn named(status: u16, kind: Cow<'static, str>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            message: message.into(),
            code: None,
            context: None,
            extra: Vec::new(),
        }
    }

    pub fn invalid_param(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterValueException", message)
    }

    pub fn missing_param(member: &str) -> Self {
        Self::new(
            400,
            "MissingParameterValueException",
            format!("Missing required parameter: {member}"),
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(400, "ResourceNotFoundException", message)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidRequestException", message)
    }

    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(400, "AlreadyExistsException", message)
    }

    /// What AWS answers for DescribeBackupVault of a vault that does not exist.
    pub fn access_denied() -> Self {
        Self::new(
            403,
            "AccessDeniedException",
            "Insufficient privileges to perform this action.",
        )
    }

    pub fn throttling() -> Self {
        Self::new(400, "ThrottlingException", "Rate exceeded")
    }

    pub fn service_unavailable() -> Self {
        Self::new(
            500,
            "ServiceUnavailableException",
            "The service is temporarily unavailable (injected fault)",
        )
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(400, "SerializationException", message)
    }

    pub fn unknown_operation(method: &str, path: &str) -> Self {
        Self::new(
            404,
            "UnknownOperationException",
            format!("No AWS Backup operation matches {method} {path}"),
        )
    }

    /// A validation error in one rule of a backup plan, shaped like AWS's:
    /// message `Error in rule <name> : <detail>`, Context `["<name>","<detail>"]`.
    pub fn in_rule(rule: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let context = json!([rule, detail]).to_string();
        let mut e = Self::invalid_param(format!("Error in rule {rule} : {detail}"));
        e.context = Some(context);
        e
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub fn with_extra(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.extra.push((key, value.into()));
        self
    }

    /// The JSON error body.
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("__type".into(), json!(self.kind));
        m.insert("Message".into(), json!(self.message));
        m.insert("message".into(), json!(self.message));
        if let Some(code) = self.code {
            m.insert("Code".into(), json!(code));
        }
        if let Some(ctx) = &self.context {
            m.insert("Context".into(), json!(ctx));
        }
        for (k, v) in &self.extra {
            m.insert((*k).into(), v.clone());
        }
        Value::Object(m)
    }
}
