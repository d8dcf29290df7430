//! The plugin binary as the engine launches it: the port line, the engine address from the
//! command line, log forwarding to Engine.Log with the resource URN, and a clean exit on SIGINT.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use awsbackup::proto::pulumirpc::engine_server::{Engine, EngineServer};
use awsbackup::proto::pulumirpc::resource_provider_client::ResourceProviderClient;
use awsbackup::proto::pulumirpc::{self as rpc, LogRequest, LogSeverity};
use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::json;

use crate::common::{from_struct, to_struct, urn, VAULT};

#[derive(Clone, Default)]
struct FakeEngine {
    logs: Arc<Mutex<Vec<LogRequest>>>,
}

#[tonic::async_trait]
impl Engine for FakeEngine {
    async fn log(
        &self,
        request: tonic::Request<LogRequest>,
    ) -> Result<tonic::Response<()>, tonic::Status> {
        self.logs.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(()))
    }
}

#[tokio::test]
async fn binary_prints_its_port_forwards_logs_and_stops_on_sigint() {
    let engine = FakeEngine::default();
    let engine_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let engine_addr = engine_listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(EngineServer::new(engine.clone()))
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(engine_listener)),
    );

    let aws = LocalEndpoint::start().await.unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pulumi-resource-awsbackup"))
        .args(["--logtostderr", "-v=9", &engine_addr.to_string()])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("first stdout line is the port, got {line:?}"));
    eprintln!("port line after {:?}", started.elapsed());

    let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();
    client
        .handshake(rpc::ProviderHandshakeRequest::default())
        .await
        .unwrap();
    client
        .configure(rpc::ConfigureRequest {
            args: to_struct(json!({
                "endpoint": aws.url(),
                "region": "us-east-1",
                "accessKey": "AKIDEXAMPLE",
                "secretKey": "launch-test-secret",
                "maxRetries": 0,
            })),
            ..Default::default()
        })
        .await
        .unwrap();
    let read = client
        .read(rpc::ReadRequest {
            id: "gone-vault".into(),
            urn: urn("gone"),
            properties: to_struct(
                json!({"name": "gone-vault", "arn": "x", "recoveryPoints": 0, "locked": false}),
            ),
            inputs: to_struct(json!({"name": "gone-vault"})),
            r#type: VAULT.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        read.id, "",
        "AccessDenied on Describe means the vault is gone"
    );
    let log = aws.call_log();
    assert_eq!(log["calls"][0]["operation"], "DescribeBackupVault", "{log}");
    assert_eq!(log["calls"][0]["error"], "AccessDeniedException", "{log}");

    let deadline = Instant::now() + Duration::from_secs(5);
    let log = loop {
        let found = engine
            .logs
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.message.contains("no longer exists"))
            .cloned();
        if let Some(l) = found {
            break l;
        }
        assert!(
            Instant::now() < deadline,
            "no log reached the engine: {:?}",
            engine.logs.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(log.urn, urn("gone"));
    assert_eq!(log.severity, LogSeverity::Info as i32);
    let all = engine.logs.lock().unwrap().clone();
    assert!(
        all.iter()
            .all(|l| !l.message.contains("launch-test-secret")),
        "a secret reached the logs: {all:?}"
    );

    // The engine sends Cancel, then SIGINT.
    client.cancel(()).await.unwrap();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the plugin did not exit within 5s of SIGINT"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status:?}");
}

/// A preview needs no credentials: Configure resolves none, and a resource whose preview looks at
/// AWS (a plan checks its target vault's lock) goes on without it when it cannot.
#[tokio::test]
async fn a_preview_works_without_any_credentials() {
    let aws = LocalEndpoint::start().await.unwrap();
    let home = std::env::temp_dir().join(format!("awsbackup-nocreds-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pulumi-resource-awsbackup"))
        .arg("127.0.0.1:1")
        .env_clear()
        .env("HOME", &home)
        // Never reach for an instance metadata service from a test.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{}", line.trim()))
        .await
        .unwrap();
    client
        .handshake(rpc::ProviderHandshakeRequest::default())
        .await
        .unwrap();
    client
        .configure(rpc::ConfigureRequest {
            args: to_struct(json!({"region": "us-east-1", "endpoint": aws.url()})),
            ..Default::default()
        })
        .await
        .unwrap();
    let plan = "awsbackup:index:Plan";
    let started = Instant::now();
    let preview = client
        .create(rpc::CreateRequest {
            urn: format!("urn:pulumi:test::proj::{plan}::p"),
            properties: to_struct(
                json!({"name": "p", "rules": [{"ruleName": "r", "targetVaultName": "v1",
                                          "lifecycle": {"deleteAfterDays": 30}}]}),
            ),
            preview: true,
            r#type: plan.into(),
            ..Default::default()
        })
        .await;
    let elapsed = started.elapsed();
    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(&home).ok();
    let preview = preview
        .expect("the preview succeeds without credentials")
        .into_inner();
    assert_eq!(
        from_struct(&preview.properties)["planId"],
        awsbackup::value::UNKNOWN
    );
    assert_eq!(
        aws.call_log()["calls"],
        json!([]),
        "without credentials nothing reaches AWS"
    );
    eprintln!("plan preview without credentials took {elapsed:?}");
}

/// A provider whose engine is gone (killed: its address refuses connections) stops by itself
/// within a few seconds instead of running on.
#[tokio::test]
async fn the_plugin_exits_when_its_engine_stops_answering() {
    let engine = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = engine.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pulumi-resource-awsbackup"))
        .arg(&address)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // Alive while the engine answers.
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited with its engine alive"
    );
    drop(engine);
    let gone = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if gone.elapsed() > Duration::from_secs(10) {
            child.kill().ok();
            panic!("the plugin still runs 10 s after its engine went away");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    eprintln!("exited {:?} after the engine went away", gone.elapsed());
    assert!(status.success(), "exit status {status:?}");
}
