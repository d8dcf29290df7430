//! A fleet-sized stack against the local endpoint with AWS's failure modes turned on: random
//! throttling, 5xx and dropped connections, an AWS-like rate limit, and a provider or CLI killed
//! in the middle of `pulumi up`. Every command succeeds (or, after a kill, the README's recovery
//! does), and AWS then holds exactly the declared resources: no duplicate, no orphan.

use std::collections::BTreeSet;
use std::process::{Child, Stdio};

use std::time::{Duration, Instant};

use awsbackup_e2e::{fleet_program, Aws, Local, Stack};
use serde_json::{json, Value};

/// What AWS holds: vault names, how many of them are locked, plan ids, and selections per plan.
#[derive(Debug, PartialEq)]
struct Held {
    vaults: BTreeSet<String>,
    locked: usize,
    plans: BTreeSet<String>,
    selections: usize,
}

fn held(local: &Local, aws: &Aws) -> Held {
    // The probe itself must not be throttled or faulted.
    local.control("POST", "faults", Some(&json!({})));
    let vaults: BTreeSet<String> = aws.vault_names().into_iter().collect();
    let locked = vaults
        .iter()
        .filter(|v| aws.vault(v).and_then(|d| d.locked) == Some(true))
        .count();
    let plans: BTreeSet<String> = aws.plan_ids().into_iter().collect();
    let selections = plans.iter().map(|p| aws.selection_ids(p).len()).sum();
    Held {
        vaults,
        locked,
        plans,
        selections,
    }
}

/// What the stack's state declares, in the same shape.
fn declared(stack: &Stack) -> Held {
    let export = stack.export();
    let ids = |token: &str| -> BTreeSet<String> {
        export
            .of_type(token)
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect()
    };
    Held {
        vaults: ids("awsbackup:index:Vault"),
        locked: ids("awsbackup:index:VaultLock").len(),
        plans: ids("awsbackup:index:Plan"),
        selections: ids("awsbackup:index:Selection").len(),
    }
}

fn assert_holds_exactly_the_stack(local: &Local, aws: &Aws, stack: &Stack, units: usize) {
    let want = declared(stack);
    assert_eq!(want.vaults.len(), units, "the state declares {want:?}");
    assert_eq!(want.plans.len(), units);
    assert_eq!(want.locked, units);
    assert_eq!(want.selections, units);
    assert_eq!(
        held(local, aws),
        want,
        "AWS holds something else than the stack"
    );
}

fn assert_holds_nothing(local: &Local, aws: &Aws) {
    let now = held(local, aws);
    assert!(
        now.vaults.is_empty() && now.plans.is_empty(),
        "left behind: {now:?}"
    );
}

fn faults(local: &Local, settings: Value) {
    local.control("POST", "faults", Some(&settings));
}

/// 200 resources through preview, up, a preview and a refresh that find nothing to do, and
/// destroy, twice, with 20 % throttling, 5 % 500s, 2 % dropped connections and 2 s of IAM
/// propagation on every call.
#[test]
fn fifty_units_survive_throttling_errors_and_dropped_connections_twice() {
    const UNITS: usize = 50;
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::new(&fleet_program("awsbackup-fleet", UNITS), local.endpoint());
    let random_faults = json!({
        "operations": {"*": {"throttleRate": 0.2, "serverErrorRate": 0.05, "dropRate": 0.02}},
        "iamPropagationSeconds": 2
    });
    for round in 1..=2 {
        let mut phases = Vec::new();
        let mut timed = |phase: &'static str, run: &dyn Fn()| {
            let started = Instant::now();
            run();
            phases.push((phase, started.elapsed()));
        };
        faults(&local, random_faults.clone());
        timed("preview", &|| {
            stack.preview().success();
        });
        timed("up", &|| {
            stack.up().success();
        });
        assert_holds_exactly_the_stack(&local, &aws, &stack, UNITS);
        faults(&local, random_faults.clone());
        timed("no-op preview", &|| {
            stack.preview_expect_no_changes().success();
        });
        timed("refresh", &|| {
            stack
                .pulumi(&["refresh", "--yes", "--skip-preview", "--expect-no-changes"])
                .success();
        });
        timed("destroy", &|| {
            stack.destroy().success();
        });
        let stats = local.stats();
        assert_holds_nothing(&local, &aws);
        eprintln!(
            "round {round}: {phases:?}, faults injected: {}",
            stats["faultsByKind"]
        );
        assert!(stats["faultsByKind"]["throttle"].as_u64().unwrap_or(0) > 100);
        assert!(stats["faultsByKind"]["drop"].as_u64().unwrap_or(0) > 0);
    }
}

/// The same stack under an AWS-like rate limit of 5 calls per second (burst 10) and no random
/// faults: the adaptive limiter backs off and up and destroy succeed.
#[test]
fn fifty_units_under_a_rate_limit() {
    const UNITS: usize = 50;
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::new(
        &fleet_program("awsbackup-fleet-rate", UNITS),
        local.endpoint(),
    );
    let limit = json!({"rateLimits": {"*": {"perSecond": 5, "burst": 10}}});
    faults(&local, limit.clone());
    let started = Instant::now();
    stack.up().success();
    let up = started.elapsed();
    let stats = local.stats();
    assert_holds_exactly_the_stack(&local, &aws, &stack, UNITS);
    faults(&local, limit);
    stack.destroy().success();
    assert_holds_nothing(&local, &aws);
    let calls: u64 = stats["calls"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .sum();
    let throttled = stats["faultsByKind"]["throttle"].as_u64().unwrap_or(0);
    // The floor: the calls AWS accepted, at its rate.
    eprintln!(
        "rate-limited up: {up:?} for {calls} calls ({throttled} throttled); floor {:.0}s",
        (calls - throttled) as f64 / 5.0
    );
    assert!(
        throttled * 2 < calls,
        "the limiter let most calls be throttled: {throttled} of {calls}"
    );
}

/// The pids of `pid`'s descendants whose command line mentions `needle`.
fn descendants(pid: u32, needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            break;
        };
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            // `pid (comm) state ppid ...`; comm may hold spaces, so split after the last ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(parent) {
                frontier.push(child);
                let cmdline =
                    std::fs::read_to_string(format!("/proc/{child}/cmdline")).unwrap_or_default();
                if cmdline.contains(needle) {
                    found.push(child);
                }
            }
        }
    }
    found
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s
                .rsplit_once(')')
                .map(|(_, r)| r.trim_start().chars().next());
            state != Some(Some('Z'))
        })
        .unwrap_or(false)
}

fn kill(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -KILL {pid}");
}

/// Starts `pulumi up` of the fleet with a second of latency on every call (so that many creates
/// are under way even on a busy machine), and waits until at least 20 are in flight at the
/// endpoint. The caller kills and waits for the child.
#[allow(clippy::zombie_processes)]
fn up_with_creates_in_flight(local: &Local, stack: &Stack) -> Child {
    faults(local, json!({"operations": {"*": {"latencyMs": 1000}}}));
    // Its output goes to a file: a pipe nobody reads would stall it.
    let log_path = stack.root().join("interrupted-up.log");
    let log = std::fs::File::create(&log_path).expect("create the log");
    let mut child = stack
        .command(&["up", "--yes", "--skip-preview", "--parallel", "64"])
        .stdout(Stdio::from(log.try_clone().expect("clone the log")))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start pulumi up");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let in_flight: i64 = local.stats()["inFlight"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(op, _)| op.starts_with("Create") || op.starts_with("Put"))
                    .filter_map(|(_, n)| n.as_i64())
                    .sum()
            })
            .unwrap_or(0);
        if in_flight >= 20 {
            eprintln!("{in_flight} creates in flight");
            return child;
        }
        if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            child.kill().ok();
            child.wait().ok();
            panic!(
                "creates never got in flight ({}):\n{}",
                local.stats(),
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The recovery the README documents under "After an interrupted update" (a killed CLI also
/// leaves the stack locked), then the checks: AWS holds exactly the stack, the program has nothing
/// to do, and destroy leaves nothing.
fn recover_and_check(local: &Local, aws: &Aws, stack: &Stack, units: usize, cli_killed: bool) {
    faults(local, json!({}));
    if cli_killed {
        let repaired = stack.repair_torn_state();
        if !repaired.is_empty() {
            eprintln!("the CLI was killed while writing the checkpoint: repaired {repaired:?}");
        }
        let cancel = stack.pulumi(&["cancel", "--yes"]);
        if cancel.code != Some(0) {
            let listing = std::process::Command::new("find")
                .arg(stack.root())
                .arg("-path")
                .arg("*state*")
                .arg("-ls")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            eprintln!("state after the kill:\n{listing}");
        }
        cancel.success();
    }
    stack
        .pulumi(&[
            "refresh",
            "--yes",
            "--skip-preview",
            "--clear-pending-creates",
        ])
        .success();
    stack.up().success();
    assert_holds_exactly_the_stack(local, aws, stack, units);
    stack.preview_expect_no_changes().success();
    stack.destroy().success();
    assert_holds_nothing(local, aws);
}

/// The README's repair of a checkpoint whose metadata file a killed CLI left empty (the file
/// backend rewrites `<stack>.json.attrs` in place): every command refuses until it is removed.
#[test]
fn an_empty_checkpoint_metadata_file_is_repaired_as_the_readme_says() {
    let local = Local::start();
    let stack = Stack::new(&fleet_program("awsbackup-torn-attrs", 1), local.endpoint());
    stack.up().success();
    let attrs = stack
        .root()
        .join("state/.pulumi/stacks/awsbackup-torn-attrs/dev.json.attrs");
    assert!(attrs.is_file(), "no checkpoint metadata at {attrs:?}");
    std::fs::write(&attrs, "").unwrap();
    let refused = stack.pulumi(&["preview", "--expect-no-changes"]);
    assert_ne!(refused.code, Some(0));
    assert!(
        refused.stderr.contains("failed to load checkpoint: EOF"),
        "{}",
        refused.stderr
    );
    assert_eq!(stack.repair_torn_state(), vec![attrs]);
    stack.preview_expect_no_changes().success();
    stack.destroy().success();
}

#[test]
fn a_provider_killed_in_the_middle_of_up_leaks_nothing() {
    const UNITS: usize = 50;
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::new(
        &fleet_program("awsbackup-kill-provider", UNITS),
        local.endpoint(),
    );
    let mut up = up_with_creates_in_flight(&local, &stack);
    let providers = descendants(up.id(), "pulumi-resource-awsbackup");
    assert!(!providers.is_empty(), "no provider process found");
    for pid in &providers {
        kill(*pid);
    }
    let status = up.wait().unwrap();
    assert!(!status.success(), "up survived its provider's death");
    // Some creates reached AWS without the engine hearing of them.
    let before = held(&local, &aws);
    assert!(
        !before.vaults.is_empty() || !before.plans.is_empty(),
        "nothing was created before the kill"
    );

    recover_and_check(&local, &aws, &stack, UNITS, false);
}

#[test]
fn a_cli_killed_in_the_middle_of_up_leaks_nothing_and_leaves_no_provider_running() {
    const UNITS: usize = 50;
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::new(
        &fleet_program("awsbackup-kill-cli", UNITS),
        local.endpoint(),
    );
    let mut up = up_with_creates_in_flight(&local, &stack);
    let providers = descendants(up.id(), "pulumi-resource-awsbackup");
    assert!(!providers.is_empty(), "no provider process found");
    kill(up.id());
    up.wait().unwrap();
    let killed = Instant::now();
    while providers.iter().any(|p| alive(*p)) {
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "providers {providers:?} still run 10 s after the CLI was killed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("providers gone {:?} after the CLI", killed.elapsed());

    recover_and_check(&local, &aws, &stack, UNITS, true);
}
