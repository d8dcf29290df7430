//! The generated SDKs: the seed walkthrough of `sdk-examples/{python,typescript,go}` runs as an
//! Automation API inline program through the real Pulumi CLI against the local endpoint, with
//! the plugin installed from the `make dist` tarball; each language's checker rejects a typed
//! mistake; `sdk/` matches the schema; the tarball serves GetPluginInfo with the Cargo version.
//!
//! The drivers (`tests/sdk/<language>`) print one JSON line per operation; the AWS SDK checks
//! what happened on the endpoint.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use awsbackup_e2e::{repo_root, run_command, Aws, CmdOutput, Local, Stack, PLUGIN_VERSION};
use serde_json::{json, Value};

const VAULT_NAME: &str = "seed-walkthrough-vault";
const PLAN_NAME: &str = "backup_daily_30_days_retention";

/// How to run one language's driver: a program and the arguments before the operation.
struct Driver {
    program: PathBuf,
    args: Vec<String>,
}

fn python() -> PathBuf {
    repo_root().join(".venv/bin/python")
}

fn node() -> PathBuf {
    repo_root().join(".tools/node/node_modules/node/bin/node")
}

impl Driver {
    fn python() -> Driver {
        Driver {
            program: python(),
            args: vec![repo_root()
                .join("tests/sdk/python/driver.py")
                .display()
                .to_string()],
        }
    }

    fn typescript() -> Driver {
        Driver {
            program: node(),
            args: vec![repo_root()
                .join(".tools/node/driver/tests/sdk/typescript/driver.js")
                .display()
                .to_string()],
        }
    }

    fn go() -> Driver {
        Driver {
            program: repo_root().join(".tools/go/seed-driver"),
            args: vec![],
        }
    }

    fn run(&self, stack: &Stack, op: &str, env: &[(&str, &str)]) -> (CmdOutput, Value) {
        assert!(
            self.program.is_file(),
            "{} is missing: run `make sdk-tools`",
            self.program.display()
        );
        let mut args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        args.push(op);
        let out = stack.run(&self.program, &args, env).success();
        let last = out.stdout.lines().last().unwrap_or_default().to_string();
        let summary: Value = serde_json::from_str(&last)
            .unwrap_or_else(|e| panic!("the last stdout line is not JSON ({e}):\n{out}"));
        (out, summary)
    }
}

/// preview, up, preview --expect-no-changes, a retention change, destroy: checked on AWS.
fn walkthrough(driver: Driver) {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let stack = Stack::for_automation(local.endpoint());

    // The counts include the stack resource itself: 4 resources + 1.
    let (out, preview) = driver.run(&stack, "preview", &[]);
    assert_eq!(preview["changeSummary"], json!({"create": 5}), "{out}");
    assert_eq!(local.write_calls(), 0, "{:?}\n{out}", local.calls());
    assert!(aws.vault_names().is_empty() && aws.plan_ids().is_empty());

    let (out, up) = driver.run(&stack, "up", &[]);
    assert_eq!(up["changeSummary"], json!({"create": 5}), "{out}");
    let vault = aws.vault(VAULT_NAME).expect("the vault exists");
    assert_eq!(vault.locked, Some(true), "governance lock: {vault:?}");
    assert_eq!(vault.min_retention_days, Some(7));
    assert_eq!(vault.max_retention_days, Some(365));
    assert_eq!(vault.lock_date, None);
    let plan_ids = aws.plan_ids();
    assert_eq!(plan_ids.len(), 1, "{plan_ids:?}");
    let plan_id = &plan_ids[0];
    let plan = aws.plan(plan_id).expect("the plan exists");
    let document = plan.backup_plan.clone().expect("a plan document");
    assert_eq!(document.backup_plan_name, PLAN_NAME);
    let retention = |doc: &aws_sdk_backup::types::BackupPlan| {
        doc.rules[0]
            .lifecycle
            .as_ref()
            .and_then(|l| l.delete_after_days)
    };
    assert_eq!(retention(&document), Some(30), "{document:?}");
    let selections = aws.selection_ids(plan_id);
    assert_eq!(selections.len(), 1, "{selections:?}");
    let selection = aws
        .selection(plan_id, &selections[0])
        .expect("the selection exists");
    assert_eq!(selection.selection_name, "all-s3-buckets-tagged-daily");
    assert_eq!(selection.resources(), ["arn:aws:s3:::*".to_string()]);
    let outputs = &up["outputs"];
    assert_eq!(outputs["vaultArn"], json!(vault.backup_vault_arn), "{up}");
    assert_eq!(outputs["planId"], json!(plan_id), "{up}");
    assert_eq!(outputs["planVersion"], json!(plan.version_id), "{up}");
    assert_eq!(outputs["selectionId"], json!(selections[0]), "{up}");

    let (out, same) = driver.run(&stack, "preview-no-changes", &[]);
    assert_eq!(same["changeSummary"], json!({"same": 5}), "{out}");

    // A longer retention updates the plan in place: same id, a new version.
    let days = [("SEED_RETENTION_DAYS", "45")];
    let (out, update) = driver.run(&stack, "up", &days);
    assert_eq!(
        update["changeSummary"],
        json!({"same": 4, "update": 1}),
        "{out}"
    );
    assert_eq!(update["outputs"]["planId"], json!(plan_id), "{update}");
    let updated = aws.plan(plan_id).expect("the same plan");
    assert_ne!(updated.version_id, plan.version_id, "a new version");
    assert_eq!(update["outputs"]["planVersion"], json!(updated.version_id));
    assert_eq!(retention(updated.backup_plan.as_ref().unwrap()), Some(45));
    driver.run(&stack, "preview-no-changes", &days);

    let (out, destroy) = driver.run(&stack, "destroy", &days);
    assert_eq!(destroy["changeSummary"], json!({"delete": 5}), "{out}");
    assert!(aws.vault_names().is_empty(), "{out}");
    assert!(aws.plan_ids().is_empty(), "{out}");
    // The driver's workspace is its working folder, not a new temporary folder per command.
    assert_eq!(stack.temp_workspaces(), Vec::<String>::new());
    assert!(stack.project_dir().join("Pulumi.yaml").is_file());
}

#[test]
fn python_walkthrough_runs_as_an_inline_program() {
    walkthrough(Driver::python());
}

#[test]
fn typescript_walkthrough_runs_as_an_inline_program() {
    walkthrough(Driver::typescript());
}

#[test]
fn go_walkthrough_runs_as_an_inline_program() {
    walkthrough(Driver::go());
}

// ---------------------------------------------------------------------------------------------
// Typed mistakes: each language's checker rejects them, and accepts the example as written.
// ---------------------------------------------------------------------------------------------

fn run(mut cmd: Command) -> CmdOutput {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run_command(cmd)
}

/// Build outputs and installed packages next to sources, which neither copies nor comparisons
/// of the sources include.
fn build_output(name: &str) -> bool {
    [
        "node_modules",
        "bin",
        "build",
        "dist",
        "__pycache__",
        ".mypy_cache",
    ]
    .contains(&name)
        || name.ends_with(".egg-info")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if build_output(&name.to_string_lossy()) {
            continue;
        }
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else {
            fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// Copies `example`, replaces `from` by `to` in its `file` (when given), and runs `check` on the
/// copy.
fn check_copy(
    example: &str,
    file: &str,
    edit: Option<(&str, &str)>,
    check: impl Fn(&Path) -> CmdOutput,
) -> CmdOutput {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("program");
    copy_dir(&repo_root().join("sdk-examples").join(example), &copy);
    if let Some((from, to)) = edit {
        let path = copy.join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    check(&copy)
}

fn mypy(dir: &Path) -> CmdOutput {
    let mut cmd = Command::new(repo_root().join(".venv/bin/mypy"));
    cmd.args(["--strict", "--no-incremental", "seed_walkthrough.py"])
        .current_dir(dir);
    run(cmd)
}

fn tsc(dir: &Path) -> CmdOutput {
    std::os::unix::fs::symlink(
        repo_root().join(".tools/node/node_modules"),
        dir.join("node_modules"),
    )
    .unwrap();
    let mut cmd = Command::new(node());
    cmd.arg(repo_root().join(".tools/node/node_modules/.bin/tsc"))
        .args(["--noEmit", "-p"])
        .arg(dir);
    run(cmd)
}

fn go_build(dir: &Path) -> CmdOutput {
    let sdk = repo_root().join("sdk/go/awsbackup");
    let mut edit = Command::new("go");
    edit.args(["mod", "edit", "-replace"])
        .arg(format!(
            "github.com/awsbackup/pulumi-awsbackup/sdk/go/awsbackup={}",
            sdk.display()
        ))
        .current_dir(dir);
    run(edit).success();
    let mut cmd = Command::new("go");
    cmd.args(["build", "./..."])
        .env("GOFLAGS", "-mod=mod")
        .current_dir(dir);
    run(cmd)
}

#[test]
fn python_typed_mistakes_fail_mypy() {
    let (example, file) = ("python/seed-walkthrough", "seed_walkthrough.py");
    check_copy(example, file, None, mypy).success();
    check_copy(
        example,
        file,
        Some(("rule_name=\"daily\"", "rule_name=42")),
        mypy,
    )
    .failure()
    .contains("\"rule_name\"")
    .contains("\"int\"");
    check_copy(
        example,
        file,
        Some(("min_retention_days=7", "min_retention_day=7")),
        mypy,
    )
    .failure()
    .contains("Unexpected keyword argument \"min_retention_day\"");
}

#[test]
fn typescript_typed_mistakes_fail_tsc() {
    let (example, file) = ("typescript/seed-walkthrough", "program.ts");
    check_copy(example, file, None, tsc).success();
    check_copy(
        example,
        file,
        Some(("ruleName: \"daily\"", "ruleName: 42")),
        tsc,
    )
    .failure()
    .contains("TS2322")
    .contains("Type 'number' is not assignable");
    check_copy(
        example,
        file,
        Some(("minRetentionDays: 7", "minRetentionDay: 7")),
        tsc,
    )
    .failure()
    .contains("TS2561")
    .contains("'minRetentionDay' does not exist");
}

#[test]
fn go_typed_mistakes_fail_go_build() {
    let (example, file) = ("go/seed-walkthrough", "walkthrough/walkthrough.go");
    check_copy(example, file, None, go_build).success();
    check_copy(
        example,
        file,
        Some(("RuleName:", "RuleName: 42, // ")),
        go_build,
    )
    .failure()
    .contains("cannot use 42");
    check_copy(
        example,
        file,
        Some(("MinRetentionDays:", "MinRetentionDay:")),
        go_build,
    )
    .failure()
    .contains("unknown field MinRetentionDay");
}

// ---------------------------------------------------------------------------------------------
// The SDKs are current, and the tarball is the plugin of this version.
// ---------------------------------------------------------------------------------------------

/// Every file under `dir`, relative, with its bytes, skipping build outputs.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            if build_output(&entry.file_name().to_string_lossy()) {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn checked_in_sdks_match_the_schema() {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("go");
    cmd.args(["run", ".", "-schema"])
        .arg(repo_root().join("schema/schema.json"))
        .arg("-out")
        .arg(out.path())
        .current_dir(repo_root().join("scripts/sdkgen"));
    run(cmd).success();
    for language in ["python", "nodejs", "go"] {
        let fresh = tree(&out.path().join(language));
        let checked_in = tree(&repo_root().join("sdk").join(language));
        let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&checked_in),
            names(&fresh),
            "sdk/{language} is stale: run `make sdks`"
        );
        for ((name, want), (_, have)) in fresh.iter().zip(&checked_in) {
            assert!(
                want == have,
                "sdk/{language}/{name} is stale: run `make sdks`"
            );
        }
    }
}

#[test]
fn every_sdk_names_the_plugin_version_and_carries_the_descriptions() {
    let plugin = |path: &str| -> Value {
        serde_json::from_slice(&fs::read(repo_root().join(path)).unwrap()).unwrap()
    };
    for meta in [
        plugin("sdk/python/pulumi_awsbackup/pulumi-plugin.json"),
        plugin("sdk/go/awsbackup/pulumi-plugin.json"),
        plugin("sdk/nodejs/package.json")["pulumi"].clone(),
    ] {
        assert_eq!(meta["name"], "awsbackup", "{meta}");
        assert_eq!(meta["version"], PLUGIN_VERSION, "{meta}");
        assert_eq!(meta["resource"], true, "{meta}");
    }
    // A description from the schema, wrapped differently by each generator: compare words.
    let schema: Value =
        serde_json::from_slice(&fs::read(repo_root().join("schema/schema.json")).unwrap()).unwrap();
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let vault = &schema["resources"]["awsbackup:index:Vault"];
    for (property, _) in vault["inputProperties"].as_object().unwrap() {
        let description = words(
            vault["inputProperties"][property]["description"]
                .as_str()
                .unwrap(),
        );
        let first = description.split(". ").next().unwrap();
        for file in [
            "sdk/python/pulumi_awsbackup/vault.py",
            "sdk/nodejs/vault.ts",
            "sdk/go/awsbackup/vault.go",
        ] {
            let text = fs::read_to_string(repo_root().join(file)).unwrap();
            let text = words(
                &text
                    .lines()
                    .map(|l| l.trim().trim_start_matches("//").trim_start_matches('*'))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            assert!(
                text.contains(first),
                "{file} lacks the description of {property}: {first:?}"
            );
        }
    }
}

#[test]
fn the_dist_tarball_installs_and_serves_its_version() {
    let local = Local::start();
    let stack = Stack::for_automation(local.endpoint());
    let installed = stack.pulumi_home().join(format!(
        "plugins/resource-awsbackup-v{PLUGIN_VERSION}/pulumi-resource-awsbackup"
    ));
    assert!(installed.is_file(), "{} missing", installed.display());
    let listed = stack.pulumi(&["plugin", "ls"]).success();
    listed.contains("awsbackup").contains(PLUGIN_VERSION);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut plugin = std::process::Command::new(&installed)
        .arg("127.0.0.1:1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(plugin.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let port: u16 = line.trim().parse().expect("the port line");
    let info = rt.block_on(async {
        use awsbackup::proto::pulumirpc::resource_provider_client::ResourceProviderClient;
        let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
            .await
            .unwrap();
        client.get_plugin_info(()).await.unwrap().into_inner()
    });
    let _ = plugin.kill();
    let _ = plugin.wait();
    assert_eq!(info.version, PLUGIN_VERSION);
}
