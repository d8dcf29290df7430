//! The split benchmark (`make bench`): the same 1,000 resources (`fleet_program`, 250 units of
//! vault, lock, plan and selection) deployed as one stack and as 20 stacks of 48 to 52 resources
//! run all at once, through the real Pulumi CLI and the release plugin on the local endpoint.
//! Each phase (preview, up, no-op preview, refresh, destroy) starts on every stack together and
//! ends when the last stack is done; the figures are its wall time, the CPU seconds of the CLI
//! processes and of the plugin processes, and the AWS calls.
//!
//! Two modes: no rate limit, and 10 calls per second per account, where the single stack lives
//! in one account and each of the 20 stacks in its own account, as a fleet's stacks do. The
//! figures replace the `split` section of `bench/RESULTS.md`.
//!
//! `SPLIT_MODES=free` or `limited` runs one mode; `SPLIT_UNITS=40` shrinks the fleet (units of
//! four resources) to try the benchmark quickly.

mod measure;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use awsbackup_e2e::{fleet_program, Local, Stack, LOCAL_ACCOUNT};
use measure::{children_cpu, measuring_plugin_dir, provider_usage, total};
use serde_json::json;

const PHASES: &[&str] = &["preview", "up", "no-op preview", "refresh", "destroy"];
const STACKS: usize = 20;
const RATE: f64 = 10.0;

#[derive(Default)]
struct Phase {
    wall: Duration,
    /// The quickest and the slowest stack of the phase.
    fastest: Duration,
    slowest: Duration,
    accepted: u64,
    attempts: u64,
    provider_cpu: f64,
    cli_cpu: f64,
}

/// `units` split into `stacks` stacks as evenly as possible.
fn split(units: usize, stacks: usize) -> Vec<usize> {
    (0..stacks)
        .map(|i| units / stacks + usize::from(i < units % stacks))
        .collect()
}

/// The stacks of one layout, each in its own account unless there is one stack.
fn stacks(local: &Local, sizes: &[usize]) -> Vec<Stack> {
    sizes
        .iter()
        .enumerate()
        .map(|(i, units)| {
            let account = if sizes.len() == 1 {
                LOCAL_ACCOUNT.to_string()
            } else {
                format!("{:012}", 200_000_000_000u64 + i as u64)
            };
            let program =
                fleet_program(&format!("split-{i}"), *units).replace(LOCAL_ACCOUNT, &account);
            let mut stack = Stack::new(&program, local.endpoint());
            // The local endpoint puts a 12-digit access key's calls in that account.
            stack.set_env("AWS_ACCESS_KEY_ID", &account);
            stack
        })
        .collect()
}

fn run_phase(stack: &Stack, phase: &str) -> Duration {
    let started = Instant::now();
    let out = match phase {
        "preview" => stack.pulumi(&["preview"]),
        "up" => stack.pulumi(&["up", "--yes", "--skip-preview"]),
        "no-op preview" => stack.pulumi(&["preview", "--expect-no-changes"]),
        "refresh" => stack.pulumi(&["refresh", "--yes", "--skip-preview"]),
        _ => stack.pulumi(&["destroy", "--yes", "--skip-preview"]),
    };
    let wall = started.elapsed();
    out.success();
    wall
}

fn run(sizes: &[usize], limited: bool, plugins: &std::path::Path) -> BTreeMap<&'static str, Phase> {
    let local = Local::start();
    let stacks = stacks(&local, sizes);
    let limit = if limited {
        json!({"rateLimits": {"*": {"perSecond": RATE, "burst": RATE}}})
    } else {
        json!({})
    };
    local.control("POST", "faults", Some(&limit));
    provider_usage(plugins);
    let mut phases = BTreeMap::new();
    for phase in PHASES {
        let before = local.stats();
        let cpu_before = children_cpu();
        let started = Instant::now();
        let walls: Vec<Duration> = std::thread::scope(|s| {
            let running: Vec<_> = stacks
                .iter()
                .map(|stack| s.spawn(move || run_phase(stack, phase)))
                .collect();
            running.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let wall = started.elapsed();
        let after = local.stats();
        let attempts = total(&after, "calls") - total(&before, "calls");
        let refused = total(&after, "faults") - total(&before, "faults");
        let (provider_cpu, _) = provider_usage(plugins);
        let cli_cpu = children_cpu() - cpu_before - provider_cpu;
        eprintln!(
            "{} stack(s){}: {phase}: {wall:.1?}, {attempts} calls ({refused} throttled), CLI {cli_cpu:.1}s CPU, provider {provider_cpu:.2}s CPU",
            sizes.len(),
            if limited { " at 10/s" } else { "" }
        );
        phases.insert(
            *phase,
            Phase {
                wall,
                fastest: walls.iter().copied().min().unwrap_or_default(),
                slowest: walls.iter().copied().max().unwrap_or_default(),
                accepted: attempts - refused,
                attempts,
                provider_cpu,
                cli_cpu,
            },
        );
    }
    phases
}

fn table(
    single: &BTreeMap<&'static str, Phase>,
    fleet: &BTreeMap<&'static str, Phase>,
    out: &mut String,
) {
    let _ = writeln!(
        out,
        "| phase | 1 stack: wall | 20 stacks: wall (fastest – slowest stack) | 1 stack: CLI CPU | 20 stacks: CLI CPU | 1 stack: provider CPU | 20 stacks: provider CPU | AWS calls accepted (attempts), 1 / 20 |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    let mut sums = [0.0f64; 6];
    for phase in PHASES {
        let (a, b) = (&single[phase], &fleet[phase]);
        let _ = writeln!(
            out,
            "| {phase} | {:.1} s | {:.1} s ({:.1} – {:.1}) | {:.1} s | {:.1} s | {:.2} s | {:.2} s | {} ({}) / {} ({}) |",
            a.wall.as_secs_f64(),
            b.wall.as_secs_f64(),
            b.fastest.as_secs_f64(),
            b.slowest.as_secs_f64(),
            a.cli_cpu,
            b.cli_cpu,
            a.provider_cpu,
            b.provider_cpu,
            a.accepted,
            a.attempts,
            b.accepted,
            b.attempts,
        );
        for (sum, v) in sums.iter_mut().zip([
            a.wall.as_secs_f64(),
            b.wall.as_secs_f64(),
            a.cli_cpu,
            b.cli_cpu,
            a.provider_cpu,
            b.provider_cpu,
        ]) {
            *sum += v;
        }
    }
    let _ = writeln!(
        out,
        "| **all five** | **{:.1} s** | **{:.1} s** | **{:.1} s** | **{:.1} s** | **{:.2} s** | **{:.2} s** | |",
        sums[0], sums[1], sums[2], sums[3], sums[4], sums[5]
    );
}

fn main() {
    let units: usize = std::env::var("SPLIT_UNITS")
        .ok()
        .and_then(|u| u.parse().ok())
        .unwrap_or(250);
    let modes = std::env::var("SPLIT_MODES").unwrap_or_default();
    let plugins = measuring_plugin_dir(
        &std::env::temp_dir().join(format!("awsbackup-split-plugin-{}", std::process::id())),
    );
    std::env::set_var("AWSBACKUP_PROVIDER_DIR", &plugins);
    let sizes = split(units, STACKS);
    let (small, large) = (
        sizes.iter().min().unwrap() * 4,
        sizes.iter().max().unwrap() * 4,
    );

    let mut md = format!(
        "# One stack or twenty\n\nMade by `make bench` (tests/e2e/benches/split.rs): the same {} resources (vault, governance\n\
         lock, plan with two rules and selection per unit) as one stack, and as {STACKS} stacks of {small} to {large}\n\
         resources whose CLIs run all at once (one `pulumi` process per stack, 2 cores). A phase's wall\n\
         time ends when its last stack is done. CLI CPU is what the `pulumi` processes and their YAML\n\
         language hosts used; provider CPU what the plugin processes used. The local endpoint runs in\n\
         the benchmark's own process and is in neither.\n",
        units * 4
    );
    for limited in [false, true] {
        if (limited && modes == "free") || (!limited && modes == "limited") {
            continue;
        }
        let single = run(&[units], limited, &plugins);
        let fleet = run(&sizes, limited, &plugins);
        md.push_str(if limited {
            "\n## 10 calls per second per account (burst 10): one account, or one account per stack\n\n"
        } else {
            "\n## No rate limit\n\n"
        });
        table(&single, &fleet, &mut md);
    }
    measure::write_results_section("split", &md);
    let _ = std::fs::remove_dir_all(&plugins);
    eprintln!("wrote the split section of bench/RESULTS.md");
}
