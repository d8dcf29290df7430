//! STS on the endpoint's port: AssumeRole and GetCallerIdentity through the real aws-sdk-sts
//! client, the awsQuery wire format over raw HTTP, and AWS Backup calls signed with the
//! credentials AssumeRole hands out landing in the role's account.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_backup::config::retry::RetryConfig;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::ProvideErrorMetadata;
use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::json;

use crate::common::*;

const ROLE_A: &str = "arn:aws:iam::111111111111:role/deployer";
const ROLE_B: &str = "arn:aws:iam::222222222222:role/team/ops/deployer-b";

fn sts(url: &str, creds: Credentials) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("eu-west-1"))
        .credentials_provider(creds)
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

fn base() -> Credentials {
    Credentials::new("AKIDLOCALENDPOINT", "dummy-secret", None, None, "test")
}

/// A Backup client signing with the credentials AssumeRole answered.
fn backup_with(url: &str, c: &aws_sdk_sts::types::Credentials) -> aws_sdk_backup::Client {
    let config = aws_sdk_backup::Config::builder()
        .behavior_version(aws_sdk_backup::config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_sdk_backup::config::Region::new("eu-west-1"))
        .credentials_provider(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "assumed",
        ))
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_backup::Client::from_conf(config)
}

async fn assume(
    client: &aws_sdk_sts::Client,
    role: &str,
    external_id: Option<&str>,
) -> Result<aws_sdk_sts::operation::assume_role::AssumeRoleOutput, (String, String)> {
    client
        .assume_role()
        .role_arn(role)
        .role_session_name("session-1")
        .set_external_id(external_id.map(str::to_string))
        .send()
        .await
        .map_err(|e| {
            (
                e.code().unwrap_or_default().to_string(),
                e.message().unwrap_or_default().to_string(),
            )
        })
}

#[tokio::test]
async fn assumed_role_credentials_act_in_the_roles_account() {
    let ep = LocalEndpoint::start().await.unwrap();
    let client = sts(&ep.url(), base());
    let me = client.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/local"));

    let out = assume(&client, ROLE_B, None).await.unwrap();
    let creds = out.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert_eq!(creds.access_key_id().len(), 20);
    assert!(!creds.secret_access_key().is_empty() && !creds.session_token().is_empty());
    let expires = SystemTime::try_from(*creds.expiration()).unwrap();
    let left = expires.duration_since(SystemTime::now()).unwrap();
    assert!(left > Duration::from_secs(3500) && left <= Duration::from_secs(3600));
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::222222222222:assumed-role/deployer-b/session-1"
    );
    assert!(user.assumed_role_id().starts_with("AROA"));
    assert!(user.assumed_role_id().ends_with(":session-1"));

    // The temporary credentials are the assumed role.
    let as_role = sts(
        &ep.url(),
        Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_string()),
            None,
            "assumed",
        ),
    );
    let who = as_role.get_caller_identity().send().await.unwrap();
    assert_eq!(who.account(), Some("222222222222"));
    assert_eq!(who.arn(), Some(user.arn()));
    assert_eq!(who.user_id(), Some(user.assumed_role_id()));

    // AWS Backup calls signed with them land in the role's account.
    let backup = backup_with(&ep.url(), creds);
    let arn = backup
        .create_backup_vault()
        .backup_vault_name("in-b")
        .send()
        .await
        .unwrap()
        .backup_vault_arn
        .unwrap();
    assert_eq!(
        arn,
        "arn:aws:backup:eu-west-1:222222222222:backup-vault:in-b"
    );
    let b = client_for(
        &ep.url(),
        "222222222222",
        "eu-west-1",
        RetryConfig::disabled(),
    );
    let listed = b.list_backup_vaults().send().await.unwrap();
    assert_eq!(listed.backup_vault_list().len(), 1);
    let default = client_for(&ep.url(), "AKIDX", "eu-west-1", RetryConfig::disabled());
    let listed = default.list_backup_vaults().send().await.unwrap();
    assert!(listed.backup_vault_list().is_empty());

    let log = ep.call_log();
    let calls = log["calls"].as_array().unwrap();
    let assumed = calls
        .iter()
        .find(|c| c["operation"] == "AssumeRole")
        .unwrap();
    assert_eq!(assumed["account"], "123456789012");
    assert_eq!(assumed["input"]["RoleArn"], ROLE_B);
    assert_eq!(assumed["status"], 200);
    let created = calls
        .iter()
        .find(|c| c["operation"] == "CreateBackupVault")
        .unwrap();
    assert_eq!(created["account"], "222222222222");
    assert_eq!(ep.stats()["calls"]["AssumeRole"], 1);
    assert_eq!(ep.stats()["calls"]["GetCallerIdentity"], 2);

    // A reset forgets the credentials: the key is an unknown one again.
    ep.reset();
    let who = as_role.get_caller_identity().send().await.unwrap();
    assert_eq!(who.account(), Some("123456789012"));
}

#[tokio::test]
async fn a_registered_external_id_is_required() {
    let ep = LocalEndpoint::start().await.unwrap();
    let (status, _) = control(
        ep.addr(),
        "POST",
        "/_local/roles",
        Some(json!({ "roles": { ROLE_A: { "externalId": "tenant-42" } } })),
    );
    assert_eq!(status, 200);
    let client = sts(&ep.url(), base());
    let denied = (
        "AccessDenied".to_string(),
        format!(
            "User: arn:aws:iam::123456789012:user/local is not authorized to perform: \
             sts:AssumeRole on resource: {ROLE_A}"
        ),
    );
    assert_eq!(assume(&client, ROLE_A, None).await.unwrap_err(), denied);
    assert_eq!(
        assume(&client, ROLE_A, Some("tenant-43"))
            .await
            .unwrap_err(),
        denied
    );
    assume(&client, ROLE_A, Some("tenant-42")).await.unwrap();
    // A role that checks no external id takes one anyway, as AWS does.
    assume(&client, ROLE_B, Some("anything")).await.unwrap();

    // The caller in the message is the signer: here an assumed role.
    let other = assume(&client, ROLE_B, None).await.unwrap();
    let c = other.credentials().unwrap();
    let chained = sts(
        &ep.url(),
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "assumed",
        ),
    );
    let (code, message) = assume(&chained, ROLE_A, Some("x1")).await.unwrap_err();
    assert_eq!(code, "AccessDenied");
    assert!(message.starts_with(
        "User: arn:aws:sts::222222222222:assumed-role/deployer-b/session-1 is not authorized"
    ));

    // A reset forgets the roles.
    ep.reset();
    assume(&client, ROLE_A, None).await.unwrap();

    // Bad registrations are refused.
    for bad in [
        json!({ "roles": { "arn:aws:iam::1:role/x": {} } }),
        json!({ "roles": { ROLE_A: { "externalId": "a" } } }),
        json!({ "roles": { ROLE_A: { "maxSessionDuration": 100 } } }),
        json!({ "roles": { ROLE_A: { "other": 1 } } }),
        json!({ "expirySeconds": 0 }),
    ] {
        assert_eq!(
            control(ep.addr(), "POST", "/_local/roles", Some(bad.clone())).0,
            400,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn assume_role_inputs_are_validated_as_the_model_says() {
    let ep = LocalEndpoint::start().await.unwrap();
    let client = sts(&ep.url(), base());
    let attempt = |session: &'static str, duration: Option<i32>, external: Option<&'static str>| {
        let client = client.clone();
        async move {
            client
                .assume_role()
                .role_arn(ROLE_A)
                .role_session_name(session)
                .set_duration_seconds(duration)
                .set_external_id(external.map(str::to_string))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    (
                        e.code().unwrap_or_default().to_string(),
                        e.message().unwrap_or_default().to_string(),
                    )
                })
        }
    };
    let cases: &[(&str, Option<i32>, Option<&str>, &str)] = &[
        ("s", None, None, "Value 's' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"),
        ("has space", None, None, r"Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*"),
        ("ok", Some(899), None, "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"),
        ("ok", Some(43201), None, "Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"),
        ("ok", None, Some("x"), "Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2"),
        ("ok", None, Some("no spaces"), r"Value 'no spaces' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@:\/-]*"),
        ("ok", Some(7200), None, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."),
    ];
    for (session, duration, external, message) in cases {
        let (code, text) = attempt(session, *duration, *external).await.unwrap_err();
        assert_eq!(
            code, "ValidationError",
            "{session} {duration:?} {external:?}"
        );
        assert!(text.ends_with(message), "{text}");
    }
    let long = "s".repeat(65);
    let err = client
        .assume_role()
        .role_arn(ROLE_A)
        .role_session_name(&long)
        .duration_seconds(1)
        .send()
        .await
        .unwrap_err();
    assert!(err
        .message()
        .unwrap()
        .starts_with("2 validation errors detected: "));
    attempt("a.b@c=d,e+f-g_h", Some(900), Some("a:b/c-d"))
        .await
        .unwrap();

    // A role whose MaxSessionDuration allows longer sessions.
    ep.set_roles(json!({ "roles": { ROLE_A: { "maxSessionDuration": 43200 } } }))
        .unwrap();
    attempt("ok", Some(43200), None).await.unwrap();

    for bad in [
        "arn:aws:iam::111111111111:user/deployer",
        "arn:aws:iam::1111111111:role/deployer",
        "arn:aws:s3:::bucket-name-long",
    ] {
        let err = client
            .assume_role()
            .role_arn(bad)
            .role_session_name("ok")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("ValidationError"), "{bad}");
        assert_eq!(err.message(), Some("Request ARN is invalid"));
    }
    let err = client
        .assume_role()
        .role_arn("arn:short")
        .role_session_name("ok")
        .send()
        .await
        .unwrap_err();
    assert!(err.message().unwrap().ends_with(
        "Value 'arn:short' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"
    ));
}

#[tokio::test]
async fn expired_credentials_are_refused_until_assumed_again() {
    let ep = LocalEndpoint::start().await.unwrap();
    ep.set_roles(json!({ "expirySeconds": 60 })).unwrap();
    let client = sts(&ep.url(), base());
    let out = assume(&client, ROLE_A, None).await.unwrap();
    let creds = out.credentials().unwrap();
    let expires = SystemTime::try_from(*creds.expiration()).unwrap();
    let left = expires.duration_since(SystemTime::now()).unwrap();
    assert!(left <= Duration::from_secs(60) && left > Duration::from_secs(50));
    let backup = backup_with(&ep.url(), creds);
    backup.list_backup_vaults().send().await.unwrap();

    ep.advance_clock(61.0);
    let err = backup.list_backup_vaults().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ExpiredTokenException"));
    let as_role = sts(
        &ep.url(),
        Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_string()),
            None,
            "assumed",
        ),
    );
    let err = as_role.get_caller_identity().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ExpiredToken"));

    let fresh = assume(&client, ROLE_A, None).await.unwrap();
    backup_with(&ep.url(), fresh.credentials().unwrap())
        .list_backup_vaults()
        .send()
        .await
        .unwrap();
}

/// A raw form POST (or GET) to `/`, optionally signed-looking with `access_key` for `service`.
fn raw(
    addr: SocketAddr,
    method: &str,
    target: &str,
    body: &str,
    content_type: &str,
    scope: Option<(&str, &str)>,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let auth = scope.map_or(String::new(), |(key, service)| {
        format!(
            "Authorization: AWS4-HMAC-SHA256 Credential={key}/20261127/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00\r\n"
        )
    });
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_string())
}

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

#[tokio::test]
async fn the_wire_format_is_sts_query_and_xml() {
    let ep = LocalEndpoint::start().await.unwrap();
    let body = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fdeployer&RoleSessionName=s1";
    let (status, head, xml) = raw(ep.addr(), "POST", "/", body, FORM, None);
    assert_eq!(status, 200);
    assert!(head.contains("x-amzn-requestid: "));
    assert!(head.contains("content-type: text/xml"));
    let xml = xml.replace(char::is_whitespace, "");
    assert!(
        xml.starts_with(
            "<AssumeRoleResponsexmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIA"
        ),
        "{xml}"
    );
    assert!(
        regex::Regex::new(r"<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</Expiration>")
            .unwrap()
            .is_match(&xml)
    );
    assert!(xml.contains(
        "<Arn>arn:aws:sts::111111111111:assumed-role/deployer/s1</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>"
    ));

    // Errors: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>.
    let body = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fdeployer&RoleSessionName=a+b";
    let (status, _, xml) = raw(ep.addr(), "POST", "/", body, FORM, None);
    assert_eq!(status, 400);
    let xml = xml.replace('\n', "");
    let re = regex::Regex::new(
        r"^<ErrorResponse xmlns=.https://sts.amazonaws.com/doc/2011-06-15/.>\s*<Error>\s*<Type>Sender</Type>\s*<Code>ValidationError</Code>\s*<Message>1 validation error detected: Value &apos;a b&apos; at &apos;roleSessionName&apos; [^<]*</Message>\s*</Error>\s*<RequestId>[0-9a-f-]{36}</RequestId>\s*</ErrorResponse>$",
    )
    .unwrap();
    assert!(re.is_match(&xml), "{xml}");

    // GET with query parameters, and the `sts` scope with a JSON content type.
    let (status, _, xml) = raw(
        ep.addr(),
        "GET",
        "/?Action=GetCallerIdentity&Version=2011-06-15",
        "",
        "text/plain",
        Some(("333333333333", "sts")),
    );
    assert_eq!(status, 200);
    assert!(xml.contains("<GetCallerIdentityResult>"));
    assert!(xml.contains("<Account>333333333333</Account>"));
    let (status, _, xml) = raw(
        ep.addr(),
        "POST",
        "/",
        "Action=GetCallerIdentity&Version=2011-06-15",
        "application/json",
        Some(("AKIDX", "sts")),
    );
    assert_eq!(status, 200, "{xml}");

    let (status, _, xml) = raw(
        ep.addr(),
        "POST",
        "/",
        "Action=GetSessionToken&Version=2011-06-15",
        FORM,
        None,
    );
    assert_eq!(status, 400);
    assert!(xml.contains("<Code>InvalidAction</Code>"));
    let (status, _, xml) = raw(
        ep.addr(),
        "POST",
        "/",
        "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s1",
        FORM,
        None,
    );
    assert_eq!(status, 400);
    assert!(xml.contains(
        "Value null at &apos;roleArn&apos; failed to satisfy constraint: Member must not be null"
    ));

    // AWS Backup on the same port is unaffected: JSON on its own paths.
    let (status, _, body) = http(ep.addr(), "GET", "/backup-vaults/", None);
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = http(ep.addr(), "POST", "/", Some("{}"));
    assert_eq!(status, 404);
}
