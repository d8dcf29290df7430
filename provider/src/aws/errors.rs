//! AWS's failures as the provider sees them: [`AwsError`], the error codes it tells apart
//! ([`code`]) and the predicates that give an answer its meaning. This is the only module that
//! looks at an error's code or message; everything else asks a predicate.

/// An error answered by AWS (or the transport), reduced to what the provider needs.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{operation}: {code}: {message}")]
pub struct AwsError {
    pub operation: &'static str,
    /// The exception name, e.g. `ResourceNotFoundException`; [`code::DISPATCH_FAILURE`] etc.
    /// for transport errors.
    pub code: String,
    pub message: String,
    /// The HTTP status of the answer, when there was one.
    pub status: Option<u16>,
}

/// The error codes the provider acts on.
pub mod code {
    pub const RESOURCE_NOT_FOUND: &str = "ResourceNotFoundException";
    pub const ACCESS_DENIED: &str = "AccessDeniedException";
    pub const ALREADY_EXISTS: &str = "AlreadyExistsException";
    pub const INVALID_REQUEST: &str = "InvalidRequestException";
    pub const INVALID_PARAMETER_VALUE: &str = "InvalidParameterValueException";
    /// An earlier change to the resource is still in progress: a later attempt succeeds.
    pub const CONFLICT: &str = "ConflictException";
    /// A quota, not a rate: retrying does not help.
    pub const LIMIT_EXCEEDED: &str = "LimitExceededException";
    pub const THROTTLING: &str = "ThrottlingException";
    pub const SERVICE_UNAVAILABLE: &str = "ServiceUnavailableException";

    // The codes the SDK layer gives failures that carry none from AWS.
    /// A connection lost or refused on the way: the next attempt may get through.
    pub const DISPATCH_FAILURE: &str = "DispatchFailure";
    /// A request that never left the client and never will (no credentials, a bad endpoint).
    pub const CLIENT_ERROR: &str = "ClientError";
    /// The provider's `assumeRole` could not be assumed (STS refused or was not reached; the
    /// STS client has already retried what it could).
    pub const ASSUME_ROLE_FAILED: &str = "AssumeRoleFailed";
    pub const TIMEOUT: &str = "TimeoutError";
    /// An answer that could not be read.
    pub const RESPONSE_ERROR: &str = "ResponseError";
    pub const UNKNOWN: &str = "Unknown";

    /// Codes AWS answers when a caller exceeds its request rate.
    pub const THROTTLING_CODES: &[&str] = &[
        THROTTLING,
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
    ];

    /// Codes of failures that a later attempt may not meet: AWS-side faults and the transport's.
    /// ([`LIMIT_EXCEEDED`] is a quota, not a rate: it is not here.)
    pub const TRANSIENT_CODES: &[&str] = &[
        SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        "InternalServerError",
        "InternalServerException",
        "InternalFailure",
        "RequestTimeout",
        "RequestTimeoutException",
        DISPATCH_FAILURE,
        TIMEOUT,
        RESPONSE_ERROR,
    ];
}

/// How AWS words the InvalidParameterValue answers that the code alone does not tell apart.
const PLAN_GONE_MESSAGE: &str = "Cannot find Backup plan";
const ROLE_NOT_ASSUMABLE_MESSAGE: &str = "cannot be assumed";
const ROLE_NOT_AUTHORIZED_MESSAGE: &str = "is not authorized to call";
/// PutBackupVaultAccessPolicy's answer while a principal the policy names is new to IAM.
const PRINCIPAL_NOT_VALID_MESSAGE: &str = "principal is not valid";
/// The word in DeleteBackupPlan's InvalidRequest answer when selections still use the plan.
const SELECTIONS_MESSAGE: &str = "selection";

impl AwsError {
    pub fn new(operation: &'static str, code: &str, message: impl Into<String>) -> Self {
        AwsError {
            operation,
            code: code.to_string(),
            message: message.into(),
            status: None,
        }
    }

    fn has_code(&self, code: &str) -> bool {
        self.code == code
    }

    pub fn is_not_found(&self) -> bool {
        self.has_code(code::RESOURCE_NOT_FOUND)
    }

    /// The caller may not make the call, or (for a vault) the vault does not exist: AWS answers
    /// AccessDenied, not NotFound, for a vault name that nobody owns. Only the SDK layer, which
    /// can tell the two apart, reads it as absence.
    pub fn is_access_denied(&self) -> bool {
        self.has_code(code::ACCESS_DENIED)
    }

    /// AWS's answer about a selection whose plan has been deleted.
    pub fn is_plan_gone(&self) -> bool {
        self.has_code(code::INVALID_PARAMETER_VALUE) && self.message.contains(PLAN_GONE_MESSAGE)
    }

    /// The selection does not exist, or its plan does not (which takes the selection with it).
    pub fn is_selection_gone(&self) -> bool {
        self.is_not_found() || self.is_plan_gone()
    }

    /// A create or update met a resource of the same name (or, for plans, the same document).
    pub fn is_already_exists(&self) -> bool {
        self.has_code(code::ALREADY_EXISTS)
    }

    /// AWS's answer while a new IAM role has not propagated yet.
    pub fn is_iam_not_ready(&self) -> bool {
        let message = self.message.to_ascii_lowercase();
        self.has_code(code::INVALID_PARAMETER_VALUE)
            && (message.contains(ROLE_NOT_ASSUMABLE_MESSAGE)
                || message.contains(ROLE_NOT_AUTHORIZED_MESSAGE))
    }

    /// PutBackupVaultAccessPolicy's answer while a principal named in the policy has not
    /// propagated through IAM yet ("Provided principal is not valid"); it passes within minutes.
    pub fn is_principal_not_ready(&self) -> bool {
        self.has_code(code::INVALID_PARAMETER_VALUE)
            && self
                .message
                .to_ascii_lowercase()
                .contains(PRINCIPAL_NOT_VALID_MESSAGE)
    }

    /// AWS's refusal to delete a plan that still has selections.
    pub fn is_plan_has_selections(&self) -> bool {
        self.has_code(code::INVALID_REQUEST)
            && self.message.to_lowercase().contains(SELECTIONS_MESSAGE)
    }

    /// DeleteBackupVault's refusal while the vault holds recovery points (or AWS has not caught
    /// up with their deletion yet). Only meaningful for that operation's answer.
    pub fn is_vault_not_empty(&self) -> bool {
        self.has_code(code::INVALID_REQUEST)
    }

    /// Put- or DeleteBackupVaultLockConfiguration's refusal of a compliance-mode lock past its
    /// lock date. Only meaningful for those operations' answers.
    pub fn is_lock_immutable(&self) -> bool {
        self.has_code(code::INVALID_REQUEST)
    }

    /// AWS refused the call for its rate: retry later, and slower.
    pub fn is_throttling(&self) -> bool {
        code::THROTTLING_CODES.contains(&self.code.as_str()) || self.status == Some(429)
    }

    /// AWS is still busy with an earlier change to the resource (restore testing plans and
    /// selections): the SDK does not retry it, the provider does.
    pub fn is_conflict(&self) -> bool {
        self.has_code(code::CONFLICT)
    }

    /// The call may succeed if made again: throttling, a conflict with a change in progress, a
    /// 5xx, a dropped connection or a timeout. Everything else (validation, access, not found)
    /// fails the same way again.
    pub fn is_retryable(&self) -> bool {
        self.is_throttling()
            || self.is_conflict()
            || code::TRANSIENT_CODES.contains(&self.code.as_str())
            || self.status.is_some_and(|s| s >= 500)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: &str, message: &str) -> AwsError {
        AwsError::new("Op", code, message)
    }

    #[test]
    fn a_conflict_is_retried_but_a_validation_error_is_not() {
        let conflict = err(code::CONFLICT, "a previous update is in progress");
        assert!(conflict.is_conflict() && conflict.is_retryable());
        assert!(!conflict.is_throttling());
        let invalid = err(code::INVALID_PARAMETER_VALUE, "bad cron");
        assert!(!invalid.is_conflict() && !invalid.is_retryable());
    }

    #[test]
    fn access_denied_and_not_found_are_told_apart() {
        assert!(err(code::ACCESS_DENIED, "").is_access_denied());
        assert!(!err(code::ACCESS_DENIED, "").is_not_found());
        assert!(!err(code::RESOURCE_NOT_FOUND, "").is_access_denied());
        assert!(!err(code::INVALID_REQUEST, "").is_access_denied());
    }

    #[test]
    fn a_deleted_plan_is_told_by_code_and_message_together() {
        let gone = err(
            code::INVALID_PARAMETER_VALUE,
            "Cannot find Backup plan with ID p-1",
        );
        assert!(gone.is_plan_gone() && gone.is_selection_gone());
        assert!(!err(code::INVALID_PARAMETER_VALUE, "Invalid cron expression").is_plan_gone());
        assert!(!err(code::INVALID_REQUEST, "Cannot find Backup plan").is_plan_gone());
        assert!(err(code::RESOURCE_NOT_FOUND, "").is_selection_gone());
    }

    #[test]
    fn both_propagation_answers_mean_the_role_is_not_ready_in_any_case() {
        for message in [
            "IAM Role arn:aws:iam::1:role/r cannot be assumed by AWS Backup",
            "IAM Role arn:aws:iam::1:role/r Is Not Authorized To Call tag:GetResources",
        ] {
            assert!(
                err(code::INVALID_PARAMETER_VALUE, message).is_iam_not_ready(),
                "{message}"
            );
        }
        assert!(!err(code::INVALID_PARAMETER_VALUE, "Invalid ARN").is_iam_not_ready());
        assert!(!err(code::ACCESS_DENIED, "cannot be assumed").is_iam_not_ready());
    }

    #[test]
    fn an_unpropagated_principal_is_an_invalid_parameter_saying_so() {
        assert!(err(
            code::INVALID_PARAMETER_VALUE,
            "Provided principal is not valid"
        )
        .is_principal_not_ready());
        assert!(err(
            code::INVALID_PARAMETER_VALUE,
            "provided PRINCIPAL is NOT valid"
        )
        .is_principal_not_ready());
        assert!(!err(
            code::INVALID_PARAMETER_VALUE,
            "Policy must be a JSON policy document"
        )
        .is_principal_not_ready());
        assert!(
            !err(code::INVALID_REQUEST, "Provided principal is not valid").is_principal_not_ready()
        );
    }

    #[test]
    fn a_plan_with_selections_is_an_invalid_request_naming_them() {
        let refused = err(
            code::INVALID_REQUEST,
            "Related backup plan Selections must be deleted prior to backup plan deletion",
        );
        assert!(refused.is_plan_has_selections());
        assert!(!err(code::INVALID_REQUEST, "Plan is in use").is_plan_has_selections());
    }

    #[test]
    fn throttling_is_known_by_code_or_by_status_429() {
        assert!(err(code::THROTTLING, "").is_throttling());
        assert!(err("SlowDown", "").is_throttling());
        let mut limited = err("SomethingNew", "");
        assert!(!limited.is_throttling());
        limited.status = Some(429);
        assert!(limited.is_throttling() && limited.is_retryable());
    }

    #[test]
    fn only_faults_that_may_pass_are_retryable() {
        for transient in [
            code::SERVICE_UNAVAILABLE,
            code::DISPATCH_FAILURE,
            code::TIMEOUT,
        ] {
            assert!(err(transient, "").is_retryable(), "{transient}");
        }
        let mut server_fault = err("Whatever", "");
        server_fault.status = Some(503);
        assert!(server_fault.is_retryable());
        for permanent in [
            code::LIMIT_EXCEEDED,
            code::CLIENT_ERROR,
            code::RESOURCE_NOT_FOUND,
            code::ACCESS_DENIED,
        ] {
            assert!(!err(permanent, "").is_retryable(), "{permanent}");
        }
        let mut client_fault = err(code::INVALID_PARAMETER_VALUE, "");
        client_fault.status = Some(400);
        assert!(!client_fault.is_retryable());
    }
}
