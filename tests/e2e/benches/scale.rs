//! The scale benchmark (`make bench`): fleet stacks of about 100, 250, 500 and 1,000 resources
//! (`fleet_program`: vault, lock, plan, selection per unit) through the real Pulumi CLI and the
//! release plugin on the local endpoint, without limits and under an AWS-like rate limit of 10
//! calls per second. For each phase (preview, up, no-op preview, refresh, destroy) it measures
//! the wall time, the AWS calls per resource operation against the fewest the API allows, the
//! provider's peak RSS and CPU seconds, and the CLI's CPU seconds. Results go to
//! `bench/RESULTS.md` and `bench/scale.svg`.
//!
//! `SCALE_UNITS=25,63` picks other sizes (units of four resources); `SCALE_MODES=free` or
//! `limited` runs one mode. `SCALE_PLUGIN` names another plugin binary (say, a release build
//! with symbols) and `SCALE_PERF=<folder>` records each plugin process with
//! `perf record --call-graph dwarf` into that folder (the CPU figures then include perf's own).

mod measure;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use awsbackup_e2e::{fleet_program, repo_root, Local, Stack};
use measure::{children_cpu, measuring_plugin_dir, provider_usage, total};
use serde_json::json;

const PHASES: &[&str] = &["preview", "up", "no-op preview", "refresh", "destroy"];
const RATE: f64 = 10.0;

/// The fewest AWS calls per unit (four resources) of each phase, from the README's table: a
/// create is vault 1 + governance lock 1 + plan 2 + selection 1 (the lock and the plan's
/// lock-range check use what the vault's create and the lock's put answered); a
/// preview looks up each lock's vault and each plan's target vault; a refresh reads vault 2,
/// lock 1, plan 2, selection 1; a destroy deletes each once.
fn minimum_calls_per_unit(phase: &str) -> f64 {
    match phase {
        "preview" => 2.0,
        "up" => 5.0,
        "no-op preview" => 0.0,
        "refresh" => 6.0,
        "destroy" => 4.0,
        _ => unreachable!(),
    }
}

struct Phase {
    wall: Duration,
    /// Attempts AWS accepted (not throttled) and all attempts.
    accepted: u64,
    attempts: u64,
    provider_cpu: f64,
    provider_peak_kib: u64,
    cli_cpu: f64,
}

struct Run {
    units: usize,
    limited: bool,
    phases: BTreeMap<&'static str, Phase>,
}

fn run(units: usize, limited: bool, plugins: &Path) -> Run {
    let local = Local::start();
    let stack = Stack::new(
        &fleet_program(&format!("scale-{units}"), units),
        local.endpoint(),
    );
    let limit = if limited {
        json!({"rateLimits": {"*": {"perSecond": RATE, "burst": RATE}}})
    } else {
        json!({})
    };
    let mut phases = BTreeMap::new();
    for phase in PHASES {
        local.control("POST", "faults", Some(&limit));
        let before = local.stats();
        let cpu_before = children_cpu();
        let started = Instant::now();
        let out = match *phase {
            "preview" => stack.pulumi(&["preview"]),
            "up" => stack.pulumi(&["up", "--yes", "--skip-preview"]),
            "no-op preview" => stack.pulumi(&["preview", "--expect-no-changes"]),
            "refresh" => stack.pulumi(&["refresh", "--yes", "--skip-preview"]),
            _ => stack.pulumi(&["destroy", "--yes", "--skip-preview"]),
        };
        let wall = started.elapsed();
        let out = out.success();
        drop(out);
        let after = local.stats();
        let attempts = total(&after, "calls") - total(&before, "calls");
        let refused = total(&after, "faults") - total(&before, "faults");
        let (provider_cpu, provider_peak_kib) = provider_usage(plugins);
        let cli_cpu = children_cpu() - cpu_before - provider_cpu;
        eprintln!(
            "{units} units{}: {phase}: {wall:.1?}, {attempts} calls ({refused} throttled), provider {provider_cpu:.2}s CPU / {provider_peak_kib} KiB",
            if limited { " at 10/s" } else { "" }
        );
        phases.insert(
            *phase,
            Phase {
                wall,
                accepted: attempts - refused,
                attempts,
                provider_cpu,
                provider_peak_kib,
                cli_cpu,
            },
        );
    }
    Run {
        units,
        limited,
        phases,
    }
}

fn table(runs: &[&Run], out: &mut String) {
    let _ = writeln!(
        out,
        "| resources | phase | wall | AWS calls / resource (minimum) | attempts incl. throttled | provider CPU | provider CPU / resource op | provider peak RSS | CLI CPU |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for r in runs {
        let resources = (r.units * 4) as f64;
        for phase in PHASES {
            let p = &r.phases[phase];
            let _ = writeln!(
                out,
                "| {} | {phase} | {:.1} s | {:.2} ({:.2}) | {} | {:.2} s | {:.2} ms | {:.1} MiB | {:.1} s |",
                r.units * 4,
                p.wall.as_secs_f64(),
                p.accepted as f64 / resources,
                minimum_calls_per_unit(phase) / 4.0,
                p.attempts,
                p.provider_cpu,
                p.provider_cpu * 1000.0 / resources,
                p.provider_peak_kib as f64 / 1024.0,
                p.cli_cpu,
            );
        }
    }
}

/// Provider CPU per resource operation over the five phases together (their provider CPU ÷
/// resources × phases) and in the costliest phase, per size and mode.
fn cpu_summary(free: &[&Run], limited: &[&Run], out: &mut String) {
    let per_op = |run: Option<&&Run>| {
        run.map_or_else(
            || "| – | – ".to_string(),
            |r| {
                let resources = (r.units * 4) as f64;
                let total: f64 = r.phases.values().map(|p| p.provider_cpu).sum();
                let (phase, top) = r
                    .phases
                    .iter()
                    .map(|(phase, p)| (*phase, p.provider_cpu))
                    .fold(("", 0.0), |a, b| if b.1 > a.1 { b } else { a });
                format!(
                    "| {:.2} ms | {:.2} ms ({phase}) ",
                    total * 1000.0 / (resources * PHASES.len() as f64),
                    top * 1000.0 / resources
                )
            },
        )
    };
    let _ = writeln!(
        out,
        "| resources | no limit: all phases | no limit: costliest phase | 10 calls/s: all phases | 10 calls/s: costliest phase |\n|---|---|---|---|---|"
    );
    let mut units: Vec<usize> = free.iter().chain(limited).map(|r| r.units).collect();
    units.sort_unstable();
    units.dedup();
    for u in units {
        let _ = writeln!(
            out,
            "| {} {}{}|",
            u * 4,
            per_op(free.iter().find(|r| r.units == u)),
            per_op(limited.iter().find(|r| r.units == u)),
        );
    }
}

/// Time against resources per phase, one panel per mode.
fn chart(free: &[&Run], limited: &[&Run]) -> String {
    let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
    let (w, h, pad) = (460.0, 320.0, 50.0);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="sans-serif" font-size="11">"#,
        2.0 * w,
        h + 40.0
    );
    for (panel, (title, runs)) in [("no rate limit", free), ("10 calls/s", limited)]
        .into_iter()
        .enumerate()
    {
        let x0 = panel as f64 * w;
        let max_r = runs.iter().map(|r| r.units * 4).max().unwrap_or(1) as f64;
        let max_t = runs
            .iter()
            .flat_map(|r| r.phases.values().map(|p| p.wall.as_secs_f64()))
            .fold(1.0, f64::max);
        let px = |r: f64| x0 + pad + (r / max_r) * (w - 2.0 * pad);
        let py = |t: f64| h - pad + 20.0 - (t / max_t) * (h - 2.0 * pad);
        let _ = write!(
            svg,
            r#"<text x="{}" y="16" font-size="13">{title}: wall time per phase</text><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="black"/><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="black"/><text x="{}" y="{}">resources ({max_r:.0})</text><text x="{}" y="{}">{max_t:.0} s</text>"#,
            x0 + pad,
            px(0.0),
            py(0.0),
            px(max_r),
            py(0.0),
            px(0.0),
            py(0.0),
            px(0.0),
            py(max_t),
            px(max_r) - 80.0,
            py(0.0) + 28.0,
            x0 + 4.0,
            py(max_t) + 4.0,
        );
        for (i, phase) in PHASES.iter().enumerate() {
            let points: Vec<String> = runs
                .iter()
                .map(|r| {
                    format!(
                        "{:.1},{:.1}",
                        px((r.units * 4) as f64),
                        py(r.phases[phase].wall.as_secs_f64())
                    )
                })
                .collect();
            let _ = write!(
                svg,
                r#"<polyline fill="none" stroke="{c}" stroke-width="2" points="{}"/><text x="{}" y="{}" fill="{c}">{phase}</text>"#,
                points.join(" "),
                x0 + pad + 8.0,
                40.0 + 14.0 * i as f64,
                c = colors[i],
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn main() {
    let units: Vec<usize> = std::env::var("SCALE_UNITS")
        .ok()
        .map(|s| s.split(',').filter_map(|u| u.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![25, 63, 125, 250]);
    let modes = std::env::var("SCALE_MODES").unwrap_or_default();
    let plugins = measuring_plugin_dir(
        &std::env::temp_dir().join(format!("awsbackup-scale-plugin-{}", std::process::id())),
    );
    std::env::set_var("AWSBACKUP_PROVIDER_DIR", &plugins);

    let mut runs = Vec::new();
    for limited in [false, true] {
        if (limited && modes == "free") || (!limited && modes == "limited") {
            continue;
        }
        for u in &units {
            runs.push(run(*u, limited, &plugins));
        }
    }
    let free: Vec<&Run> = runs.iter().filter(|r| !r.limited).collect();
    let limited: Vec<&Run> = runs.iter().filter(|r| r.limited).collect();

    let mut md = String::from(
        "# Scale benchmark\n\nMade by `make bench` (tests/e2e/benches/scale.rs): fleet stacks of vault + governance lock +\n\
         plan (2 rules) + selection per unit, through the real Pulumi CLI and the release plugin on the\n\
         project's local endpoint (2 cores). \"AWS calls / resource\" counts the calls AWS accepted; the\n\
         minimum is the README's table. Provider CPU and peak RSS are summed (CPU) or maxed (RSS) over\n\
         the plugin processes of the phase; CLI CPU is everything else the command used (the CLI and\n\
         the YAML language host).\n\n![wall time per phase](scale.svg)\n\n",
    );
    if !free.is_empty() {
        md.push_str("## No rate limit\n\n");
        table(&free, &mut md);
    }
    if !limited.is_empty() {
        md.push_str("\n## 10 calls per second per account (burst 10)\n\n");
        table(&limited, &mut md);
        md.push_str("\nThe up against its floor (calls AWS accepted ÷ 10 per second):\n\n| resources | up | floor | ratio |\n|---|---|---|---|\n");
        for r in &limited {
            let up = &r.phases["up"];
            let floor = up.accepted as f64 / RATE;
            let _ = writeln!(
                md,
                "| {} | {:.1} s | {floor:.1} s | {:.2} |",
                r.units * 4,
                up.wall.as_secs_f64(),
                up.wall.as_secs_f64() / floor
            );
        }
    }
    md.push_str(
        "\nProvider CPU per resource operation: the five phases' provider CPU ÷ (resources × 5), and\n\
         the costliest phase's per resource:\n\n",
    );
    cpu_summary(&free, &limited, &mut md);
    measure::write_results_section("scale", &md);
    fs::write(repo_root().join("bench/scale.svg"), chart(&free, &limited)).unwrap();
    let _ = fs::remove_dir_all(&plugins);
    eprintln!("wrote bench/RESULTS.md and bench/scale.svg");
}
