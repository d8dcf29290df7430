//! The restJson1 wire format, checked with raw HTTP.

use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn errors_carry_header_type_message_code_and_context() {
    let ep = LocalEndpoint::start().await.unwrap();
    let (status, headers, body) = http(ep.addr(), "GET", "/backup-vaults/nope", None);
    assert_eq!(status, 403);
    assert_eq!(headers["x-amzn-errortype"], "AccessDeniedException");
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers.contains_key("x-amzn-requestid"));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["__type"], "AccessDeniedException");
    assert_eq!(body["Message"], body["message"]);

    // Plan rule errors: Context is ["<rule>","<detail>"].
    http(ep.addr(), "PUT", "/backup-vaults/v1", Some("{}"));
    let plan = r#"{"BackupPlan":{"BackupPlanName":"p","Rules":[{"RuleName":"Yearly","TargetBackupVaultName":"v1","EnableContinuousBackup":true,"Lifecycle":{"MoveToColdStorageAfterDays":1,"DeleteAfterDays":30}}]}}"#;
    let (status, headers, body) = http(ep.addr(), "PUT", "/backup/plans/", Some(plan));
    assert_eq!(
        (status, headers["x-amzn-errortype"].as_str()),
        (400, "InvalidParameterValueException")
    );
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["Code"], "ERROR_3015");
    assert_eq!(
        body["Context"],
        r#"["Yearly","Invalid lifecycle. MoveToColdStorageAfterDays is unavailable"]"#
    );
    assert_eq!(
        body["Message"],
        "Error in rule Yearly : Invalid lifecycle. MoveToColdStorageAfterDays is unavailable"
    );

    // A non-empty vault: ERROR_9101.
    let job = r#"{"BackupVaultName":"v1","ResourceArn":"arn:aws:s3:::bucket","IamRoleArn":"arn:aws:iam::123456789012:role/r"}"#;
    assert_eq!(http(ep.addr(), "PUT", "/backup-jobs", Some(job)).0, 200);
    let (status, _, body) = http(ep.addr(), "DELETE", "/backup-vaults/v1", None);
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["Code"],
        "ERROR_9101"
    );

    // AlreadyExists names the existing resource.
    let (_, _, body) = http(ep.addr(), "PUT", "/backup-vaults/v1", Some("{}"));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["__type"], "AlreadyExistsException");
    assert_eq!(
        body["Arn"],
        "arn:aws:backup:us-east-1:123456789012:backup-vault:v1"
    );

    // Malformed bodies.
    let (status, headers, _) = http(ep.addr(), "PUT", "/backup-vaults/w", Some("[1,2]"));
    assert_eq!(
        (status, headers["x-amzn-errortype"].as_str()),
        (400, "SerializationException")
    );
    let (status, headers, _) = http(
        ep.addr(),
        "PUT",
        "/backup/plans/",
        Some(r#"{"BackupPlan":{"Rules":"x"}}"#),
    );
    assert_eq!(
        (status, headers["x-amzn-errortype"].as_str()),
        (400, "SerializationException")
    );
}

#[tokio::test]
async fn trailing_slashes_as_botocore_and_smithy_send_them() {
    let ep = LocalEndpoint::start().await.unwrap();
    http(ep.addr(), "PUT", "/backup-vaults/v1", Some("{}"));
    // botocore form (trailing slash, as boto3/moto send it).
    let (status, _, body) = http(
        ep.addr(),
        "PUT",
        "/backup/plans/",
        Some(
            r#"{"BackupPlan":{"BackupPlanName":"p","Rules":[{"RuleName":"r","TargetBackupVaultName":"v1"}]}}"#,
        ),
    );
    assert_eq!(status, 200);
    let id = serde_json::from_str::<Value>(&body).unwrap()["BackupPlanId"]
        .as_str()
        .unwrap()
        .to_string();
    // Both forms of the slash-terminated model URIs are served.
    for path in [
        format!("/backup/plans/{id}/"),
        format!("/backup/plans/{id}"),
    ] {
        assert_eq!(http(ep.addr(), "GET", &path, None).0, 200, "GET {path}");
    }
    assert_eq!(http(ep.addr(), "GET", "/backup-vaults/", None).0, 200);
    assert_eq!(http(ep.addr(), "GET", "/backup-vaults", None).0, 200);
    // URIs without a trailing slash in the model do not take one.
    for (method, path) in [
        ("DELETE", format!("/backup/plans/{id}/")),
        ("POST", format!("/backup/plans/{id}/")),
        ("GET", "/backup-vaults/v1/".to_string()),
        ("PUT", "/backup-jobs/".to_string()),
        ("GET", "/nothing".to_string()),
    ] {
        let (status, headers, _) = http(ep.addr(), method, &path, None);
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(headers["x-amzn-errortype"], "UnknownOperationException");
    }
}

#[tokio::test]
async fn labels_are_decoded_after_routing_and_times_are_epoch_seconds() {
    let ep = LocalEndpoint::start().await.unwrap();
    let (_, _, body) = http(ep.addr(), "PUT", "/backup-vaults/v1", Some("{}"));
    let created: Value = serde_json::from_str(&body).unwrap();
    assert!(created["CreationDate"].is_f64() || created["CreationDate"].is_u64());
    let arn = created["BackupVaultArn"].as_str().unwrap();
    let encoded = arn.replace(':', "%3A");
    let (status, _, body) = http(ep.addr(), "GET", &format!("/tags/{encoded}/"), None);
    assert_eq!((status, body.as_str()), (200, r#"{"Tags":{}}"#));
    // An encoded "/" stays inside the label and is decoded afterwards.
    let (status, headers, body) =
        http(ep.addr(), "GET", &format!("/tags/{encoded}%2Fchild/"), None);
    assert_eq!(
        (status, headers["x-amzn-errortype"].as_str()),
        (400, "ResourceNotFoundException")
    );
    assert!(body.contains("backup-vault:v1/child"), "{body}");
}

#[tokio::test]
async fn sigv4_scope_selects_account_and_region() {
    let ep = LocalEndpoint::start().await.unwrap();
    let signed = |key: &str, region: &str| {
        let mut s = std::net::TcpStream::connect(ep.addr()).unwrap();
        use std::io::{Read, Write};
        write!(
            s,
            "PUT /backup-vaults/v1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: AWS4-HMAC-SHA256 Credential={key}/20250101/{region}/backup/aws4_request, SignedHeaders=host, Signature=abc\r\nContent-Length: 2\r\n\r\n{{}}"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(signed("210987654321", "ap-southeast-2")
        .contains("arn:aws:backup:ap-southeast-2:210987654321:backup-vault:v1"));
    assert!(signed("AKIDEXAMPLE", "eu-central-1")
        .contains("arn:aws:backup:eu-central-1:123456789012:backup-vault:v1"));
    // 11 digits is not an account id.
    assert!(signed("21098765432", "eu-central-1").contains("AlreadyExistsException"));
}
