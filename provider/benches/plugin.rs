//! `make bench`: start-up time, memory and per-call latency and CPU of the release plugin binary,
//! measured the way the engine uses it (spawned, port line, gRPC), with AWS played by the local
//! endpoint in this process. Prints a table; asserts nothing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use awsbackup::proto::pulumirpc::resource_provider_client::ResourceProviderClient;
use awsbackup::proto::pulumirpc::{self as rpc};
use awsbackup::value;
use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::json;

const STARTS: usize = 30;
const CALLS: usize = 2_000;
const READS: usize = 500;
/// Reads made one every [`READ_GAP`], the way a paced refresh wakes the plugin.
const SPACED_READS: usize = 50;
const READ_GAP: Duration = Duration::from_millis(100);

fn plugin_path() -> String {
    std::env::var("AWSBACKUP_PLUGIN").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/release/pulumi-resource-awsbackup"
        )
        .into()
    })
}

/// A stand-in for the engine's address: it accepts connections (so the plugin's check that its
/// engine is alive passes) and never answers them (so its logs go nowhere).
fn silent_engine() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming() {
            open.push(stream);
        }
    });
    address
}

fn spawn(engine: &str) -> (Child, u16, Duration) {
    let started = Instant::now();
    let mut child = Command::new(plugin_path())
        .arg(engine)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run `make release` first");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let elapsed = started.elapsed();
    (child, line.trim().parse().expect("port line"), elapsed)
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// CPU time the process's threads have run so far, in nanoseconds (the scheduler's own account,
/// summed over `/proc/PID/task/*/schedstat`; `/proc/PID/stat` counts in 10 ms ticks).
fn cpu(pid: u32) -> Duration {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(ns)
}

fn stats(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
    format!(
        "median {:>9.3?}  p95 {:>9.3?}  max {:>9.3?}",
        pct(0.5),
        pct(0.95),
        samples[samples.len() - 1]
    )
}

#[tokio::main]
async fn main() {
    println!("plugin: {}", plugin_path());
    let size = std::fs::metadata(plugin_path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!("binary size: {:.1} MiB", size as f64 / 1048576.0);

    let engine = silent_engine();
    let mut starts = Vec::new();
    for _ in 0..STARTS {
        let (mut child, _, elapsed) = spawn(&engine);
        starts.push(elapsed);
        child.kill().ok();
        child.wait().ok();
    }
    println!("start-up to port line ({STARTS} runs): {}", stats(starts));

    let aws = LocalEndpoint::start().await.unwrap();
    let (mut child, port, _) = spawn(&engine);
    let pid = child.id();
    let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();
    client
        .handshake(rpc::ProviderHandshakeRequest::default())
        .await
        .unwrap();
    println!("RSS after handshake: {} KiB", rss_kib(pid, "VmRSS:"));

    let t = Instant::now();
    client
        .get_schema(rpc::GetSchemaRequest::default())
        .await
        .unwrap();
    println!("GetSchema (first call): {:?}", t.elapsed());
    let config = value::to_struct(&json!({
        "endpoint": aws.url(),
        "region": "us-east-1",
        "accessKey": "111111111111",
        "secretKey": "local",
    }));
    client
        .check_config(rpc::CheckRequest {
            urn: "urn:pulumi:bench::proj::pulumi:providers:awsbackup::default".into(),
            news: Some(config.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    client
        .configure(rpc::ConfigureRequest {
            args: Some(config),
            ..Default::default()
        })
        .await
        .unwrap();
    println!(
        "plugin CPU from start to configured (Handshake, GetSchema, CheckConfig, Configure): {:?}",
        cpu(pid)
    );

    let urn = "urn:pulumi:bench::proj::awsbackup:index:Vault::v";
    let news = value::to_struct(
        &json!({"tags": {"team": "platform", "env": "prod"}, "forceDestroy": true}),
    );
    let mut checks = Vec::with_capacity(CALLS);
    let cpu_before = cpu(pid);
    for i in 0..CALLS {
        let t = Instant::now();
        client
            .check(rpc::CheckRequest {
                urn: urn.into(),
                news: Some(news.clone()),
                random_seed: vec![(i % 251) as u8; 32],
                r#type: "awsbackup:index:Vault".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        checks.push(t.elapsed());
    }
    println!("Check  ({CALLS} calls): {}", stats(checks));
    let per_call = |since: Duration| (cpu(pid) - since) / CALLS as u32;
    println!("plugin CPU per Check: {:?}", per_call(cpu_before));

    let old = value::to_struct(&json!({"name": "v-abc1234", "tags": {"team": "platform"}}));
    let new = value::to_struct(&json!({"name": "v-abc1234", "tags": {"team": "data"}}));
    let mut diffs = Vec::with_capacity(CALLS);
    let cpu_before = cpu(pid);
    for _ in 0..CALLS {
        let t = Instant::now();
        client
            .diff(rpc::DiffRequest {
                id: "v-abc1234".into(),
                urn: urn.into(),
                olds: Some(old.clone()),
                old_inputs: Some(old.clone()),
                news: Some(new.clone()),
                r#type: "awsbackup:index:Vault".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        diffs.push(t.elapsed());
    }
    println!("Diff   ({CALLS} calls): {}", stats(diffs));
    println!("plugin CPU per Diff: {:?}", per_call(cpu_before));

    let created = client
        .create(rpc::CreateRequest {
            urn: urn.into(),
            properties: Some(value::to_struct(
                &json!({"name": "bench-vault", "tags": {"team": "platform"}}),
            )),
            r#type: "awsbackup:index:Vault".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let read = rpc::ReadRequest {
        id: created.id.clone(),
        urn: urn.into(),
        properties: created.properties.clone(),
        inputs: created.properties.clone(),
        r#type: "awsbackup:index:Vault".into(),
        ..Default::default()
    };
    for (count, gap) in [(READS, Duration::ZERO), (SPACED_READS, READ_GAP)] {
        let mut reads = Vec::with_capacity(count);
        let mut busy = Duration::ZERO;
        for _ in 0..count {
            tokio::time::sleep(gap).await;
            let before = cpu(pid);
            let t = Instant::now();
            client.read(read.clone()).await.unwrap();
            reads.push(t.elapsed());
            busy += cpu(pid) - before;
        }
        let label = if gap.is_zero() {
            "back to back".to_string()
        } else {
            format!("one every {gap:?}")
        };
        println!("Read of a vault, {label} ({count} calls): {}", stats(reads));
        println!(
            "plugin CPU per Read (DescribeBackupVault + ListTags), {label}: {:?}",
            busy / count as u32
        );
    }
    println!(
        "memory after {} calls: RSS {} KiB, peak {} KiB",
        2 * CALLS + READS + SPACED_READS,
        rss_kib(pid, "VmRSS:"),
        rss_kib(pid, "VmHWM:")
    );
    child.kill().ok();
    child.wait().ok();
}
