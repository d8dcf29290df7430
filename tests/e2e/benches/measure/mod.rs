//! What the benchmarks share: CPU and memory of the CLI and plugin processes, the endpoint's call
//! counters, and `bench/RESULTS.md`, where each benchmark owns one marked section.

use std::fs;
use std::path::{Path, PathBuf};

use awsbackup_e2e::repo_root;
use serde_json::Value;

/// CPU seconds of this process's reaped children (the CLI and everything it reaped).
pub fn children_cpu() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// A plugin folder whose `pulumi-resource-awsbackup` runs the release plugin and, when it ends,
/// appends its CPU seconds and peak RSS to `usage.jsonl`. `SCALE_PLUGIN` names another plugin
/// binary; `SCALE_PERF=<folder>` records each plugin process with `perf record` into it.
pub fn measuring_plugin_dir(dir: &Path) -> PathBuf {
    let real = std::env::var_os("SCALE_PLUGIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/release/pulumi-resource-awsbackup"));
    assert!(
        real.is_file(),
        "build the release plugin first (`make release`)"
    );
    fs::create_dir_all(dir).unwrap();
    let wrapper = dir.join("pulumi-resource-awsbackup");
    let log = dir.join("usage.jsonl");
    let perf = match std::env::var("SCALE_PERF") {
        Ok(out) => format!(
            "['perf', 'record', '-q', '-F', '2000', '--call-graph', 'dwarf', \
             '-o', '{out}/perf-%d.data' % os.getpid(), '--']"
        ),
        Err(_) => "[]".into(),
    };
    let script = format!(
        r#"#!/usr/bin/env python3
import json, os, resource, signal, subprocess, sys, threading, time
# What this process's children used before (a pyenv shim's own helpers, say) is not the plugin's.
before = resource.getrusage(resource.RUSAGE_CHILDREN)
child = subprocess.Popen({perf} + [{real:?}] + sys.argv[1:])
for s in (signal.SIGINT, signal.SIGTERM):
    signal.signal(s, lambda n, f: child.send_signal(n))
# The peak RSS comes from the plugin's own high-water mark: the children's ru_maxrss would count
# this Python process's memory too, which the child had between fork and exec.
peak = [0]
def watch():
    while child.poll() is None:
        try:
            with open("/proc/%d/status" % child.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
threading.Thread(target=watch, daemon=True).start()
code = child.wait()
u = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = u.ru_utime + u.ru_stime - before.ru_utime - before.ru_stime
with open({log:?}, "a") as f:
    f.write(json.dumps({{"cpu": cpu, "peak_kib": peak[0]}}) + "\n")
sys.exit(code)
"#,
        real = real.display().to_string(),
        log = log.display().to_string(),
    );
    fs::write(&wrapper, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).unwrap();
    dir.to_path_buf()
}

/// CPU seconds (summed) and peak RSS in KiB (maxed) of the plugin processes that ended since the
/// last call.
pub fn provider_usage(dir: &Path) -> (f64, u64) {
    let text = fs::read_to_string(dir.join("usage.jsonl")).unwrap_or_default();
    let _ = fs::remove_file(dir.join("usage.jsonl"));
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .fold((0.0, 0), |(cpu, peak), u| {
            (
                cpu + u["cpu"].as_f64().unwrap_or(0.0),
                peak.max(u["peak_kib"].as_u64().unwrap_or(0)),
            )
        })
}

/// The sum of one counter of `GET /_local/stats` over every operation.
pub fn total(stats: &Value, key: &str) -> u64 {
    stats[key]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
}

/// Replaces the section `name` of `bench/RESULTS.md` (the text between `<!-- begin NAME -->` and
/// `<!-- end NAME -->`) with `text`, or appends it, leaving the other benchmarks' sections as
/// they are.
pub fn write_results_section(name: &str, text: &str) {
    let path = repo_root().join("bench/RESULTS.md");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let old = fs::read_to_string(&path).unwrap_or_default();
    let (begin, end) = (
        format!("<!-- begin {name} -->\n"),
        format!("<!-- end {name} -->\n"),
    );
    let section = format!("{begin}{}\n{end}", text.trim_end());
    let new = match (old.find(&begin), old.find(&end)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{section}{}", &old[..b], &old[e + end.len()..])
        }
        _ if old.trim().is_empty() => section,
        _ => format!("{}\n\n{section}", old.trim_end()),
    };
    fs::write(&path, new).unwrap();
}
