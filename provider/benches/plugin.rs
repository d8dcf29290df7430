//! `make bench`: start-up time, memory and per-call latency of the release plugin binary, measured
//! the way the engine uses it (spawned, port line, gRPC). Prints a table; asserts nothing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use awsbackup::proto::pulumirpc::resource_provider_client::ResourceProviderClient;
use awsbackup::proto::pulumirpc::{self as rpc};
use awsbackup::value;
use serde_json::json;

const STARTS: usize = 30;
const CALLS: usize = 2_000;

fn plugin_path() -> String {
    std::env::var("AWSBACKUP_PLUGIN").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/release/pulumi-resource-awsbackup"
        )
        .into()
    })
}

fn spawn() -> (Child, u16, Duration) {
    let started = Instant::now();
    let mut child = Command::new(plugin_path())
        .arg("127.0.0.1:1") // an engine address nobody answers: logs are dropped
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

/// CPU time the process has used so far (user + system, from /proc, in clock ticks of 10 ms).
fn cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
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

    let mut starts = Vec::new();
    for _ in 0..STARTS {
        let (mut child, _, elapsed) = spawn();
        starts.push(elapsed);
        child.kill().ok();
        child.wait().ok();
    }
    println!("start-up to port line ({STARTS} runs): {}", stats(starts));

    let (mut child, port, _) = spawn();
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
    println!(
        "memory after {} calls: RSS {} KiB, peak {} KiB",
        2 * CALLS,
        rss_kib(pid, "VmRSS:"),
        rss_kib(pid, "VmHWM:")
    );
    child.kill().ok();
    child.wait().ok();
}
