//! Shared harness for the end-to-end tests: the real Pulumi CLI (`<repo>/.tools/bin/pulumi`)
//! drives the provider plugin built from this repository (`<repo>/target/debug`) against an AWS
//! Backup endpoint, and the AWS SDK checks what really happened there.
//!
//! Everything here is endpoint-agnostic: a [`Stack`] and an [`Aws`] probe take an endpoint URL.
//! [`Moto`] starts one such endpoint (moto_server, `make moto`); [`Local`] starts the project's
//! own local AWS Backup endpoint (`tests/local-endpoint`) in process, with a controllable clock.
//!
//! ```no_run
//! use awsbackup_e2e::{Aws, Moto, Stack};
//! let moto = Moto::start();
//! let stack = Stack::from_example("vault", moto.endpoint());
//! stack.up().success();
//! let aws = Aws::for_moto(&moto);
//! assert_eq!(aws.vault_names().len(), 2);
//! ```
//!
//! Each [`Stack`] lives in its own temporary directory holding the project, the file state
//! backend, `PULUMI_HOME` and `HOME`. Commands run with a cleared environment (only what the
//! harness sets is passed on), so the developer's AWS profile, credentials or Pulumi login cannot
//! leak in.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::future::Future;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_backup::config::{BehaviorVersion, Credentials, Region};
use serde_json::Value;
use tempfile::TempDir;

/// The region every test stack and probe uses unless told otherwise.
pub const REGION: &str = "us-east-1";
/// The account moto reports in ARNs.
pub const MOTO_ACCOUNT: &str = "123456789012";
/// How long one Pulumi command may run before the harness kills it.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

/// The plugin version (the workspace's Cargo version).
pub const PLUGIN_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The installable plugin `make dist` builds.
pub fn dist_tarball() -> PathBuf {
    let path = repo_root().join(format!(
        "dist/pulumi-resource-awsbackup-v{PLUGIN_VERSION}-linux-amd64.tar.gz"
    ));
    assert!(
        path.is_file(),
        "{} is missing: run `make dist`",
        path.display()
    );
    path
}

/// The repository root (two levels above this crate's manifest).
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .expect("tests/e2e has a repository root two levels up")
        .to_path_buf()
}

/// `<repo>/.tools/bin`: the pinned Pulumi CLI and the YAML language host.
pub fn tools_bin() -> PathBuf {
    repo_root().join(".tools/bin")
}

/// The Pulumi CLI; panics with instructions when it has not been built.
pub fn pulumi_bin() -> PathBuf {
    let bin = tools_bin().join("pulumi");
    let yaml = tools_bin().join("pulumi-language-yaml");
    assert!(
        bin.is_file() && yaml.is_file(),
        "the pinned Pulumi CLI is missing ({} or {} not found): run `make tools` \
         (or `make pulumi`) in {}",
        bin.display(),
        yaml.display(),
        repo_root().display()
    );
    bin
}

/// The folder that holds `pulumi-resource-awsbackup`: `$AWSBACKUP_PROVIDER_DIR` or
/// `<repo>/target/debug`. Panics with instructions when the plugin is missing or older than the
/// provider's sources (a test of an old build proves nothing about the current code).
pub fn provider_dir() -> PathBuf {
    let dir = std::env::var_os("AWSBACKUP_PROVIDER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug"));
    let plugin = dir.join("pulumi-resource-awsbackup");
    assert!(
        plugin.is_file(),
        "the provider plugin {} is missing: run `make build` (or `cargo build -p \
         pulumi-resource-awsbackup`) first, or point AWSBACKUP_PROVIDER_DIR at the folder that \
         holds it",
        plugin.display()
    );
    assert_current(&plugin);
    dir
}

fn assert_current(plugin: &Path) {
    let Some(built) = modified(plugin) else {
        return;
    };
    let newest = newest_mtime(&repo_root().join("provider/src"));
    assert!(
        newest.is_none_or(|n| n <= built),
        "{} is older than provider/src: run `make build` (or `cargo build -p \
         pulumi-resource-awsbackup`) to test the current sources",
        plugin.display()
    );
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_mtime(&path)
        } else {
            modified(&path)
        };
        newest = newest.max(t);
    }
    newest
}

/// The moto_server executable: `$MOTO_SERVER`, or `tests/moto/moto-server` (moto from `make moto`
/// with the project's ListTags routing fix).
pub fn moto_server_bin() -> PathBuf {
    let bin = std::env::var_os("MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("tests/moto/moto-server"));
    assert!(
        bin.is_file(),
        "moto_server is missing ({} not found): run `make moto` in {} (or set MOTO_SERVER)",
        bin.display(),
        repo_root().display()
    );
    bin
}

// ---------------------------------------------------------------------------------------------
// moto
// ---------------------------------------------------------------------------------------------

/// A moto_server on a free 127.0.0.1 port, killed when dropped. Each test starts its own, so
/// tests share no AWS state.
pub struct Moto {
    child: Child,
    port: u16,
    endpoint: String,
    log: PathBuf,
    _dir: TempDir,
}

impl Moto {
    /// Starts moto_server and waits until it answers. Panics (with moto's log) when it cannot.
    pub fn start() -> Moto {
        let bin = moto_server_bin();
        let mut last_error = String::new();
        // A free port can be taken between the probe and moto's bind: try a few times.
        for _ in 0..4 {
            let dir = tempfile::Builder::new()
                .prefix("awsbackup-moto-")
                .tempdir()
                .expect("create a temp dir for moto's log");
            let port = free_port();
            let log = dir.path().join("moto.log");
            let log_file = fs::File::create(&log).expect("create moto's log file");
            let child = Command::new(&bin)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("clone the log handle"))
                .stderr(log_file)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e} (run `make moto`)", bin.display()));
            let mut moto = Moto {
                child,
                port,
                endpoint: format!("http://127.0.0.1:{port}"),
                log,
                _dir: dir,
            };
            match moto.wait_ready(Duration::from_secs(30)) {
                Ok(()) => return moto,
                Err(e) => last_error = format!("{e}\n--- moto log ---\n{}", moto.log_text()),
            }
        }
        panic!("moto_server did not start: {last_error}");
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("moto_server exited with {status}"));
            }
            // Checking moto's own banner (not just the port) makes sure that the process
            // answering is ours and not another program that holds the port.
            let banner = format!("127.0.0.1:{}", self.port);
            if self.log_text().contains(&banner)
                && TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "moto_server did not answer on port {} within {timeout:?}",
                    self.port
                ));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Everything moto printed so far (its request log).
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free local port")
}

// ---------------------------------------------------------------------------------------------
// Command output
// ---------------------------------------------------------------------------------------------

/// What a Pulumi command did: its exit code and output. Displaying it shows everything, so
/// `assert!(cond, "{out}")` puts the command's output in the failure message.
#[derive(Clone, Debug)]
pub struct CmdOutput {
    pub command: String,
    /// The exit code; `None` when the process was killed by a signal (or the timeout).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl CmdOutput {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout and stderr together.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panics, with the output, unless the command exited 0.
    #[track_caller]
    pub fn success(self) -> Self {
        assert!(self.ok(), "expected success:\n{self}");
        self
    }

    /// Panics, with the output, unless the command exited non-zero.
    #[track_caller]
    pub fn failure(self) -> Self {
        assert!(
            self.code.is_some_and(|c| c != 0),
            "expected a non-zero exit status:\n{self}"
        );
        self
    }

    /// Panics, with the output, unless stdout or stderr contains `needle`.
    #[track_caller]
    pub fn contains(&self, needle: &str) -> &Self {
        assert!(
            self.all().contains(needle),
            "expected the output to contain {needle:?}:\n{self}"
        );
        self
    }

    /// Panics, with the output, if stdout or stderr contains `needle`.
    #[track_caller]
    pub fn lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.all().contains(needle),
            "expected the output NOT to contain {needle:?}:\n{self}"
        );
        self
    }

    /// Panics, with the output, unless the regex matches stdout or stderr.
    #[track_caller]
    pub fn matches(&self, re: &str) -> &Self {
        let regex = regex::Regex::new(re).expect("valid regex");
        assert!(
            regex.is_match(&self.all()),
            "expected the output to match /{re}/:\n{self}"
        );
        self
    }
}

impl fmt::Display for CmdOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self
            .code
            .map_or_else(|| "killed".to_string(), |c| c.to_string());
        writeln!(f, "$ {}\n(exit status {code})", self.command)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout.trim_end())?;
        write!(f, "--- stderr ---\n{}", self.stderr.trim_end())
    }
}

// ---------------------------------------------------------------------------------------------
// Pulumi projects and stacks
// ---------------------------------------------------------------------------------------------

const FLEET_ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";

/// A fleet-sized program: `units` × (vault, governance lock, plan with two rules, selection),
/// four resources a unit; even units are named, odd ones autonamed.
pub fn fleet_program(project: &str, units: usize) -> String {
    let mut body = String::from("resources:\n");
    for i in 0..units {
        let named = i % 2 == 0;
        let name = |kind: &str| {
            if named {
                format!("      name: fleet-{kind}-{i}\n")
            } else {
                String::new()
            }
        };
        body.push_str(&format!(
            r#"  vault{i}:
    type: awsbackup:index:Vault
    properties:
{vault_name}      tags:
        unit: "{i}"
  lock{i}:
    type: awsbackup:index:VaultLock
    properties:
      backupVaultName: ${{vault{i}.name}}
      minRetentionDays: 1
      maxRetentionDays: 400
  plan{i}:
    type: awsbackup:index:Plan
    properties:
{plan_name}      rules:
        - ruleName: daily
          targetVaultName: ${{vault{i}.name}}
          lifecycle:
            deleteAfterDays: 30
        - ruleName: monthly
          targetVaultName: ${{vault{i}.name}}
          scheduleExpression: cron(0 3 1 * ? *)
          lifecycle:
            deleteAfterDays: 365
  sel{i}:
    type: awsbackup:index:Selection
    properties:
      planId: ${{plan{i}.planId}}
{sel_name}      iamRoleArn: {FLEET_ROLE}
      resources:
        - arn:aws:ec2:*:*:volume/*
"#,
            vault_name = name("vault"),
            plan_name = name("plan"),
            sel_name = name("sel"),
        ));
    }
    yaml_program(project, &body)
}

/// A `Pulumi.yaml` for the YAML runtime that loads the provider from [`provider_dir`]; `body` is
/// the rest of the file (`resources:`, `outputs:`, `config:` ...).
pub fn yaml_program(project: &str, body: &str) -> String {
    format!(
        "name: {project}\nruntime: yaml\nplugins:\n  providers:\n    - name: awsbackup\n      \
         path: {}\n{body}",
        provider_dir().display()
    )
}

/// Rewrites the `path:` of every plugin in a Pulumi.yaml to [`provider_dir`].
pub fn rewrite_plugin_paths(pulumi_yaml: &str) -> String {
    let dir = provider_dir();
    let mut in_plugins = false;
    let mut rewritten = 0;
    let mut out = String::new();
    for line in pulumi_yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        if indent == 0 && !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            in_plugins = line.starts_with("plugins:");
        }
        let trimmed = line.trim_start().trim_start_matches("- ");
        if in_plugins && trimmed.starts_with("path:") {
            let prefix = &line[..line.len() - trimmed.len()];
            out.push_str(&format!("{prefix}path: {}\n", dir.display()));
            rewritten += 1;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(
        rewritten > 0,
        "no plugin path to rewrite in:\n{pulumi_yaml}"
    );
    out
}

/// A Pulumi project and its stack `dev`, in a temporary directory that also holds the state
/// backend (`file://`), `PULUMI_HOME` and `HOME`. Removed when dropped.
pub struct Stack {
    dir: TempDir,
    project: PathBuf,
    env: BTreeMap<String, String>,
    name: String,
}

impl Stack {
    /// The folders and environment of a stack whose AWS calls go to `endpoint` (through
    /// `AWS_ENDPOINT_URL`).
    fn environment(endpoint: &str) -> Stack {
        let dir = tempfile::Builder::new()
            .prefix("awsbackup-e2e-")
            .tempdir()
            .expect("create a temp dir for the stack");
        let project = dir.path().join("project");
        let state = dir.path().join("state");
        let home = dir.path().join("home");
        let pulumi_home = dir.path().join("pulumi-home");
        let tmp = dir.path().join("tmp");
        for d in [&project, &state, &home, &pulumi_home, &tmp] {
            fs::create_dir_all(d).expect("create stack folders");
        }
        let path = match std::env::var("PATH") {
            Ok(p) if !p.is_empty() => format!("{}:{p}", tools_bin().display()),
            _ => format!("{}:/usr/local/bin:/usr/bin:/bin", tools_bin().display()),
        };
        let mut env = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            env.insert(k.to_string(), v);
        };
        set("PATH", path);
        set("HOME", home.display().to_string());
        set("PULUMI_HOME", pulumi_home.display().to_string());
        set("PULUMI_BACKEND_URL", format!("file://{}", state.display()));
        set("PULUMI_CONFIG_PASSPHRASE", String::new());
        set("PULUMI_SKIP_UPDATE_CHECK", "true".into());
        set("PULUMI_SKIP_CONFIRMATIONS", "true".into());
        set("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true".into());
        set("PULUMI_DISABLE_REGISTRY_RESOLVE", "true".into());
        set("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", "true".into());
        // AWS: static test credentials, and nothing from the developer's files.
        set("AWS_ACCESS_KEY_ID", "test".into());
        set("AWS_SECRET_ACCESS_KEY", "test".into());
        set("AWS_REGION", REGION.into());
        set("AWS_ENDPOINT_URL", endpoint.to_string());
        set("AWS_EC2_METADATA_DISABLED", "true".into());
        set(
            "AWS_CONFIG_FILE",
            home.join("no-aws-config").display().to_string(),
        );
        set(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-aws-credentials").display().to_string(),
        );
        // The stack's own temporary folder: what its commands leave there goes with the stack,
        // and [`Stack::temp_workspaces`] can tell what they left.
        set("TMPDIR", tmp.display().to_string());
        Stack {
            dir,
            project,
            env,
            name: "dev".into(),
        }
    }

    /// A stack for the program `pulumi_yaml` (full Pulumi.yaml text, e.g. from [`yaml_program`])
    /// whose AWS calls go to `endpoint` (through `AWS_ENDPOINT_URL`).
    pub fn new(pulumi_yaml: &str, endpoint: &str) -> Stack {
        let stack = Stack::environment(endpoint);
        stack.write_program(pulumi_yaml);
        stack.pulumi(&["stack", "init", &stack.name]).success();
        stack
    }

    /// The environment of a stack that an Automation API program creates itself (in
    /// [`Stack::project_dir`]): no program, no stack yet, and the plugin installed from the
    /// `make dist` tarball into the stack's own PULUMI_HOME, where programs in every language
    /// find it.
    pub fn for_automation(endpoint: &str) -> Stack {
        let stack = Stack::environment(endpoint);
        let tarball = dist_tarball();
        stack
            .pulumi(&[
                "plugin",
                "install",
                "resource",
                "awsbackup",
                PLUGIN_VERSION,
                "--file",
                &tarball.display().to_string(),
            ])
            .success();
        stack
    }

    /// The stack's PULUMI_HOME.
    pub fn pulumi_home(&self) -> PathBuf {
        PathBuf::from(&self.env["PULUMI_HOME"])
    }

    /// Runs `program args` in the project folder with the stack's environment (plus `extra`).
    pub fn run(&self, program: &Path, args: &[&str], extra: &[(&str, &str)]) -> CmdOutput {
        let mut cmd = self.program(program);
        cmd.args(args).envs(extra.iter().copied());
        let command = format!("{} {}", program.display(), args.join(" "));
        run_with_timeout(cmd, command, COMMAND_TIMEOUT)
    }

    /// A stack for `sdk-examples/yaml/<example>` (every file copied, plugin path rewritten).
    pub fn from_example(example: &str, endpoint: &str) -> Stack {
        let src = repo_root().join("sdk-examples/yaml").join(example);
        let yaml = fs::read_to_string(src.join("Pulumi.yaml"))
            .unwrap_or_else(|e| panic!("read {}/Pulumi.yaml: {e}", src.display()));
        let stack = Stack::new(&rewrite_plugin_paths(&yaml), endpoint);
        for entry in fs::read_dir(&src).expect("list the example").flatten() {
            let name = entry.file_name();
            if entry.path().is_file()
                && name != "Pulumi.yaml"
                && !name.to_string_lossy().starts_with("Pulumi.")
            {
                fs::copy(entry.path(), stack.project.join(&name)).expect("copy an example file");
            }
        }
        stack
    }

    /// Replaces the program (Pulumi.yaml) for the next command.
    pub fn write_program(&self, pulumi_yaml: &str) {
        fs::write(self.project.join("Pulumi.yaml"), pulumi_yaml).expect("write Pulumi.yaml");
    }

    /// The project folder.
    pub fn project_dir(&self) -> &Path {
        &self.project
    }

    /// The stack's temporary root (project, state, homes).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Workspaces the Automation API made in the stack's temporary folder (`automation-*`): a
    /// program that names its work folder makes none.
    pub fn temp_workspaces(&self) -> Vec<String> {
        let mut found: Vec<String> = fs::read_dir(self.dir.path().join("tmp"))
            .expect("list the stack's temporary folder")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("automation-"))
            .collect();
        found.sort();
        found
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets an environment variable for the following commands.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.insert(key.into(), value.into());
    }

    /// Removes an environment variable for the following commands (e.g. `AWS_ENDPOINT_URL`, to
    /// configure the endpoint through stack config instead).
    pub fn remove_env(&mut self, key: &str) {
        self.env.remove(key);
    }

    /// Runs `pulumi --non-interactive --color never <args>` in the project folder and returns
    /// what it did, whatever its exit status.
    pub fn pulumi(&self, args: &[&str]) -> CmdOutput {
        let cmd = self.command(args);
        let command = format!("pulumi {}", args.join(" "));
        run_with_timeout(cmd, command, COMMAND_TIMEOUT)
    }

    /// The command [`Stack::pulumi`] runs (output piped), to run it in the background.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.program(&pulumi_bin());
        cmd.args(["--non-interactive", "--color", "never"])
            .args(args);
        cmd
    }

    /// `program` in the project folder with the stack's environment only, output piped.
    fn program(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.project)
            .env_clear()
            .envs(&self.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// `pulumi preview`.
    pub fn preview(&self) -> CmdOutput {
        self.pulumi(&["preview"])
    }

    /// `pulumi preview --diff` (property-level diffs in the output).
    pub fn preview_diff(&self) -> CmdOutput {
        self.pulumi(&["preview", "--diff"])
    }

    /// `pulumi preview --expect-no-changes --diff`: fails when the program and the state differ.
    pub fn preview_expect_no_changes(&self) -> CmdOutput {
        self.pulumi(&["preview", "--expect-no-changes", "--diff"])
    }

    /// `pulumi preview --json`: the planned steps (op, detailed diff, replace reasons) and the
    /// diagnostics, whatever the exit status.
    pub fn preview_json(&self) -> Preview {
        let out = self.pulumi(&["preview", "--json"]);
        let json = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
        Preview { out, json }
    }

    /// `pulumi up --yes --skip-preview`.
    pub fn up(&self) -> CmdOutput {
        self.pulumi(&["up", "--yes", "--skip-preview"])
    }

    /// `pulumi refresh --yes --skip-preview --diff`.
    pub fn refresh(&self) -> CmdOutput {
        self.pulumi(&["refresh", "--yes", "--skip-preview", "--diff"])
    }

    /// `pulumi destroy --yes --skip-preview`.
    pub fn destroy(&self) -> CmdOutput {
        self.pulumi(&["destroy", "--yes", "--skip-preview"])
    }

    /// `pulumi import <type> <name> <id> --yes --protect=false --generate-code=false`.
    pub fn import(&self, token: &str, name: &str, id: &str) -> CmdOutput {
        self.pulumi(&[
            "import",
            token,
            name,
            id,
            "--yes",
            "--protect=false",
            "--generate-code=false",
        ])
    }

    /// `pulumi import --file <f> --yes --protect=false --generate-code=false`: imports every
    /// (type token, resource name, id) in one command.
    pub fn import_all(&self, resources: &[(&str, &str, &str)]) -> CmdOutput {
        let list: Vec<Value> = resources
            .iter()
            .map(|(token, name, id)| serde_json::json!({"type": token, "name": name, "id": id}))
            .collect();
        let file = self.dir.path().join("import.json");
        fs::write(&file, serde_json::json!({ "resources": list }).to_string())
            .expect("write the import file");
        self.pulumi(&[
            "import",
            "--file",
            &file.display().to_string(),
            "--yes",
            "--protect=false",
            "--generate-code=false",
        ])
    }

    /// The file backend's recovery from a CLI killed while it wrote the stack's checkpoint. The
    /// checkpoint goes to a temporary file that is then renamed, but its sidecar `<file>.attrs`
    /// is truncated and rewritten in place, so a kill in between leaves it empty and every
    /// command then refuses with "failed to load checkpoint: EOF": an unreadable sidecar is
    /// removed (a missing one reads as no metadata). A checkpoint missing or cut short gets its
    /// `.bak` copy back. Returns what it repaired.
    pub fn repair_torn_state(&self) -> Vec<PathBuf> {
        let json_ok = |p: &Path| {
            fs::read(p).is_ok_and(|b| serde_json::from_slice::<serde_json::Value>(&b).is_ok())
        };
        let mut repaired = Vec::new();
        let mut pending = vec![self.dir.path().join("state")];
        while let Some(dir) = pending.pop() {
            for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                match path.extension().and_then(|e| e.to_str()) {
                    Some("attrs") if !json_ok(&path) => {
                        fs::remove_file(&path).expect("remove the torn metadata file");
                        repaired.push(path);
                    }
                    Some("bak") => {
                        let checkpoint = path.with_extension("");
                        if !json_ok(&checkpoint) {
                            fs::copy(&path, &checkpoint).expect("restore the checkpoint backup");
                            repaired.push(checkpoint);
                        }
                    }
                    _ => {}
                }
            }
        }
        repaired
    }

    /// `pulumi state delete <urn> --yes`: stops managing a resource without touching AWS.
    pub fn state_delete(&self, urn: &str) -> CmdOutput {
        self.pulumi(&["state", "delete", urn, "--yes"])
    }

    /// `pulumi config set <key> <value>`; panics on failure.
    pub fn config_set(&self, key: &str, value: &str) {
        self.pulumi(&["config", "set", key, value]).success();
    }

    /// `pulumi config set --secret <key> <value>`; panics on failure.
    pub fn config_set_secret(&self, key: &str, value: &str) {
        self.pulumi(&["config", "set", "--secret", key, value])
            .success();
    }

    /// `pulumi stack output --json`, parsed; panics on failure.
    pub fn outputs(&self) -> Value {
        let out = self.pulumi(&["stack", "output", "--json"]).success();
        parse_json(&out)
    }

    /// `pulumi stack export`, parsed; panics on failure.
    pub fn export(&self) -> Export {
        let out = self.pulumi(&["stack", "export"]).success();
        Export {
            raw: out.stdout.clone(),
            json: parse_json(&out),
        }
    }

    /// `urn:pulumi:dev::<project>::<token>::<name>`.
    pub fn urn(&self, token: &str, name: &str) -> String {
        let project = self.project_name();
        format!("urn:pulumi:{}::{project}::{token}::{name}", self.name)
    }

    fn project_name(&self) -> String {
        let yaml = fs::read_to_string(self.project.join("Pulumi.yaml")).unwrap_or_default();
        yaml.lines()
            .find_map(|l| l.strip_prefix("name:"))
            .map(|n| n.trim().to_string())
            .expect("Pulumi.yaml has a name")
    }
}

fn parse_json(out: &CmdOutput) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("the output is not JSON ({e}):\n{out}"))
}

/// Runs `cmd` (output piped) to its end, or kills it after the timeout every Pulumi command has.
pub fn run_command(cmd: Command) -> CmdOutput {
    let command = format!("{cmd:?}");
    run_with_timeout(cmd, command, COMMAND_TIMEOUT)
}

fn run_with_timeout(mut cmd: Command, command: String, timeout: Duration) -> CmdOutput {
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{command}`: {e}"));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                timed_out = true;
                break child.wait().ok();
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for `{command}` failed: {e}"),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let mut stderr = err_reader.join().unwrap_or_default();
    if timed_out {
        stderr.push_str(&format!("\n[harness: killed after {timeout:?}]"));
    }
    CmdOutput {
        command,
        code: if timed_out {
            None
        } else {
            status.and_then(|s| s.code())
        },
        stdout,
        stderr,
    }
}

/// A `pulumi preview --json`: the command's output and its parsed JSON (`Null` when the output
/// is not JSON). Displaying it shows the command's output.
pub struct Preview {
    pub out: CmdOutput,
    pub json: Value,
}

impl Preview {
    /// Every step of the plan.
    pub fn steps(&self) -> Vec<&Value> {
        self.json["steps"]
            .as_array()
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    /// The step for `urn`, if any.
    pub fn step(&self, urn: &str) -> Option<&Value> {
        self.steps().into_iter().find(|s| s["urn"] == urn)
    }

    /// The operation planned for `urn` (`same`, `create`, `update`, `replace`, `delete`...);
    /// panics when the plan has no step for it.
    #[track_caller]
    pub fn op(&self, urn: &str) -> String {
        self.step(urn)
            .unwrap_or_else(|| panic!("no step for {urn}:\n{self}"))["op"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Whether the plan leaves `urn` alone (`pulumi preview --json` lists no step for resources
    /// that stay the same, or a `same` step).
    pub fn unchanged(&self, urn: &str) -> bool {
        self.step(urn).is_none_or(|s| s["op"] == "same")
    }

    /// The property paths of the step's detailed diff (e.g. `rules[0].lifecycle.deleteAfterDays`),
    /// sorted, with their kinds (`add`, `update`, `delete`, `*-replace`).
    pub fn detailed_diff(&self, urn: &str) -> BTreeMap<String, String> {
        self.step(urn)
            .and_then(|s| s["detailedDiff"].as_object())
            .map(|d| {
                d.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v["kind"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The properties whose change forces the replacement of `urn`, sorted.
    pub fn replace_reasons(&self, urn: &str) -> Vec<String> {
        let mut reasons: Vec<String> = self
            .step(urn)
            .and_then(|s| s["replaceReasons"].as_array())
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        reasons.sort();
        reasons
    }

    /// The messages of the diagnostics of one severity (`warning`, `error`, `info`...).
    pub fn diagnostics(&self, severity: &str) -> Vec<String> {
        self.json["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["severity"] == severity)
            .filter_map(|d| d["message"].as_str().map(String::from))
            .collect()
    }
}

impl fmt::Display for Preview {
    /// A summary (the full JSON is long): each step's op, URN, diff and replace reasons, the
    /// diagnostics, and stderr; the raw output when it is not JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.json.is_null() {
            return self.out.fmt(f);
        }
        let code = self
            .out
            .code
            .map_or_else(|| "killed".to_string(), |c| c.to_string());
        writeln!(f, "$ {}\n(exit status {code})", self.out.command)?;
        for step in self.steps() {
            let urn = step["urn"].as_str().unwrap_or_default();
            writeln!(
                f,
                "step {} {urn} detailedDiff={} replaceReasons={}",
                step["op"].as_str().unwrap_or_default(),
                step["detailedDiff"],
                step["replaceReasons"]
            )?;
        }
        for d in self.json["diagnostics"].as_array().into_iter().flatten() {
            writeln!(
                f,
                "diagnostic [{}] {}: {}",
                d["severity"].as_str().unwrap_or_default(),
                d["urn"].as_str().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default().trim_end()
            )?;
        }
        write!(f, "--- stderr ---\n{}", self.out.stderr.trim_end())
    }
}

/// A parsed `pulumi stack export`, with its raw text (to look for leaked plaintext).
pub struct Export {
    pub raw: String,
    pub json: Value,
}

impl Export {
    /// Every resource in the deployment.
    pub fn resources(&self) -> Vec<&Value> {
        self.json["deployment"]["resources"]
            .as_array()
            .map(|r| r.iter().collect())
            .unwrap_or_default()
    }

    /// The resource with this URN, if the state has it.
    pub fn resource(&self, urn: &str) -> Option<&Value> {
        self.resources().into_iter().find(|r| r["urn"] == urn)
    }

    /// The resources of one type (e.g. `awsbackup:index:Vault`).
    pub fn of_type(&self, token: &str) -> Vec<&Value> {
        self.resources()
            .into_iter()
            .filter(|r| r["type"] == token)
            .collect()
    }
}

impl fmt::Display for Export {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Pulumi's marker for a secret value in state (`{"4dabf18193072939515e22adb298388d": ...}`).
pub const SECRET_SIG: &str = "4dabf18193072939515e22adb298388d";

/// True when `v` is a secret envelope (with ciphertext, not plaintext) in a stack export.
pub fn is_encrypted_secret(v: &Value) -> bool {
    v.get(SECRET_SIG) == Some(&Value::String("1b47061264138c4ac30d75fd1eb44270".into()))
        && v.get("ciphertext").is_some_and(Value::is_string)
        && v.get("plaintext").is_none()
}

// ---------------------------------------------------------------------------------------------
// The AWS side
// ---------------------------------------------------------------------------------------------

/// An AWS Backup client for `endpoint_url` with static test credentials, in [`REGION`].
pub fn backup_client(endpoint_url: &str) -> aws_sdk_backup::Client {
    backup_client_in(endpoint_url, REGION)
}

/// An AWS Backup client for `endpoint_url` with static test credentials, in `region`.
pub fn backup_client_in(endpoint_url: &str, region: &str) -> aws_sdk_backup::Client {
    aws_sdk_backup::Client::from_conf(sdk_config(endpoint_url, region).build())
}

fn sdk_config(endpoint_url: &str, region: &str) -> aws_sdk_backup::config::Builder {
    aws_sdk_backup::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "awsbackup-e2e",
        ))
        .endpoint_url(endpoint_url)
}

/// A blocking AWS Backup probe for checks and out-of-band changes: an SDK client and a small
/// tokio runtime, so tests can stay plain `#[test]` functions.
pub struct Aws {
    rt: tokio::runtime::Runtime,
    client: aws_sdk_backup::Client,
}

impl Aws {
    /// A probe for any endpoint (the local endpoint, a real account through a VPC endpoint...).
    pub fn new(client: aws_sdk_backup::Client) -> Aws {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build a tokio runtime");
        Aws { rt, client }
    }

    /// A probe for `moto` in [`REGION`].
    pub fn for_moto(moto: &Moto) -> Aws {
        Aws::for_moto_in(moto, REGION)
    }

    /// A probe for `moto` in `region`.
    pub fn for_moto_in(moto: &Moto, region: &str) -> Aws {
        let conf = sdk_config(moto.endpoint(), region).build();
        Aws::new(aws_sdk_backup::Client::from_conf(conf))
    }

    pub fn client(&self) -> &aws_sdk_backup::Client {
        &self.client
    }

    /// Runs any SDK future to completion.
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }

    /// The names of every vault, sorted.
    pub fn vault_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .block_on(
                self.client
                    .list_backup_vaults()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Vec<_>>(),
            )
            .into_iter()
            .map(|v| {
                v.expect("ListBackupVaults")
                    .backup_vault_name
                    .unwrap_or_default()
            })
            .collect();
        names.sort();
        names
    }

    /// DescribeBackupVault; `None` when the vault does not exist.
    pub fn vault(
        &self,
        name: &str,
    ) -> Option<aws_sdk_backup::operation::describe_backup_vault::DescribeBackupVaultOutput> {
        match self.block_on(
            self.client
                .describe_backup_vault()
                .backup_vault_name(name)
                .send(),
        ) {
            Ok(out) => Some(out),
            Err(e) => {
                let code = aws_sdk_backup::error::ProvideErrorMetadata::code(&e);
                assert!(
                    matches!(
                        code,
                        Some("ResourceNotFoundException" | "AccessDeniedException")
                    ),
                    "DescribeBackupVault {name}: {e:?}"
                );
                None
            }
        }
    }

    /// The ARN of an existing vault; panics when it does not exist.
    pub fn vault_arn(&self, name: &str) -> String {
        self.vault(name)
            .unwrap_or_else(|| panic!("vault {name} does not exist"))
            .backup_vault_arn
            .expect("the vault has an ARN")
    }

    /// ListTags of a resource.
    pub fn tags(&self, arn: &str) -> BTreeMap<String, String> {
        let out = self
            .block_on(self.client.list_tags().resource_arn(arn).send())
            .unwrap_or_else(|e| panic!("ListTags {arn}: {e:?}"));
        out.tags.unwrap_or_default().into_iter().collect()
    }

    /// TagResource.
    pub fn tag(&self, arn: &str, tags: &[(&str, &str)]) {
        let map: HashMap<String, String> = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.block_on(
            self.client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(map))
                .send(),
        )
        .unwrap_or_else(|e| panic!("TagResource {arn}: {e:?}"));
    }

    /// UntagResource.
    pub fn untag(&self, arn: &str, keys: &[&str]) {
        let keys = keys.iter().map(|k| k.to_string()).collect();
        self.block_on(
            self.client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_key_list(Some(keys))
                .send(),
        )
        .unwrap_or_else(|e| panic!("UntagResource {arn}: {e:?}"));
    }

    /// CreateBackupVault; returns the ARN.
    pub fn create_vault(&self, name: &str, tags: &[(&str, &str)]) -> String {
        let map: HashMap<String, String> = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let out = self
            .block_on(
                self.client
                    .create_backup_vault()
                    .backup_vault_name(name)
                    .set_backup_vault_tags(Some(map))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("CreateBackupVault {name}: {e:?}"));
        out.backup_vault_arn
            .expect("CreateBackupVault returns an ARN")
    }

    /// DeleteBackupVault.
    pub fn delete_vault(&self, name: &str) {
        self.block_on(
            self.client
                .delete_backup_vault()
                .backup_vault_name(name)
                .send(),
        )
        .unwrap_or_else(|e| panic!("DeleteBackupVault {name}: {e:?}"));
    }
}

/// `[("k", "v"), ...]` as a sorted map, for comparing with [`Aws::tags`].
pub fn tag_map(tags: &[(&str, &str)]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The project's local endpoint
// ---------------------------------------------------------------------------------------------

/// The project's local AWS Backup endpoint (`tests/local-endpoint`) on a free 127.0.0.1 port,
/// stopped when dropped. Each test starts its own, so tests share no AWS state.
///
/// It runs in process (the harness keeps the tokio runtime that started it alive for as long as
/// it runs), unless `$AWSBACKUP_LOCAL_ENDPOINT_BIN` names an endpoint executable, which is then
/// run as `<bin> --port 0` (to test another build of the endpoint).
///
/// Its test-control API (`/_local/clock`, `/_local/stats`, ...) is driven over HTTP, the way a
/// test outside this process would.
pub struct Local {
    server: LocalServer,
    url: String,
    addr: std::net::SocketAddr,
}

enum LocalServer {
    InProcess {
        endpoint: Option<awsbackup_local_endpoint::LocalEndpoint>,
        rt: tokio::runtime::Runtime,
    },
    Process(Child),
}

/// The account the local endpoint reports for the harness's test credentials.
pub const LOCAL_ACCOUNT: &str = "123456789012";

/// Seconds in a day, for [`Local::advance_clock`].
pub const DAY_SECONDS: u64 = 86_400;

impl Local {
    /// Starts the endpoint; panics when it cannot.
    pub fn start() -> Local {
        if let Some(bin) = std::env::var_os("AWSBACKUP_LOCAL_ENDPOINT_BIN") {
            return Local::spawn(Path::new(&bin));
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("build a tokio runtime for the local endpoint");
        let endpoint = rt
            .block_on(awsbackup_local_endpoint::LocalEndpoint::start())
            .expect("start the local AWS Backup endpoint");
        Local {
            url: endpoint.url(),
            addr: endpoint.addr(),
            server: LocalServer::InProcess {
                endpoint: Some(endpoint),
                rt,
            },
        }
    }

    fn spawn(bin: &Path) -> Local {
        let mut child = Command::new(bin)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let mut stdout = child.stdout.take().expect("piped stdout");
        // The first line is the URL; read it byte by byte so nothing after it is consumed.
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            line.push(byte[0]);
        }
        let url = String::from_utf8_lossy(&line).trim().to_string();
        let addr = url
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!(
                    "{} printed {url:?}, not http://127.0.0.1:PORT",
                    bin.display()
                )
            });
        Local {
            server: LocalServer::Process(child),
            url,
            addr,
        }
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> &str {
        &self.url
    }

    /// Calls the test-control API: `<method> /_local/<path>` with an optional JSON body. Panics
    /// unless the endpoint answers 200; returns the JSON answer.
    pub fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let addr = self.addr;
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} /_local/{path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = TcpStream::connect(addr).expect("connect to the local endpoint");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("set a read timeout");
        std::io::Write::write_all(&mut stream, request.as_bytes()).expect("send the request");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read the control answer");
        let (head, payload) = response
            .split_once("\r\n\r\n")
            .unwrap_or((response.as_str(), ""));
        let status = head.lines().next().unwrap_or_default();
        assert!(
            status.split_whitespace().nth(1) == Some("200"),
            "{method} /_local/{path} failed: {response}"
        );
        serde_json::from_str(payload)
            .unwrap_or_else(|e| panic!("{method} /_local/{path}: not JSON ({e}): {response}"))
    }

    /// `POST /_local/clock {"advanceSeconds": seconds}`: moves the endpoint's clock forward.
    /// Returns the endpoint's answer (`now`, `offsetSeconds`).
    pub fn advance_clock(&self, seconds: u64) -> Value {
        let answer = self.control(
            "POST",
            "clock",
            Some(&serde_json::json!({ "advanceSeconds": seconds })),
        );
        assert!(
            answer["offsetSeconds"].as_f64().unwrap_or(0.0) >= seconds as f64,
            "the clock did not move: {answer}"
        );
        answer
    }

    /// `GET /_local/stats`: call and fault counters.
    pub fn stats(&self) -> Value {
        self.control("GET", "stats", None)
    }

    /// How many times each AWS Backup operation has been called (from `GET /_local/stats`).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        let stats = self.stats();
        stats["calls"]
            .as_object()
            .unwrap_or_else(|| panic!("no call counts in the stats: {stats}"))
            .iter()
            .map(|(op, n)| (op.clone(), n.as_u64().unwrap_or(0)))
            .collect()
    }

    /// How many calls so far changed (or tried to change) something: every operation but the
    /// `Get*`, `List*` and `Describe*` ones and STS's AssumeRole.
    pub fn write_calls(&self) -> u64 {
        self.calls()
            .iter()
            .filter(|(op, _)| {
                op.as_str() != "AssumeRole"
                    && !["Get", "List", "Describe"]
                        .iter()
                        .any(|p| op.starts_with(p))
            })
            .map(|(_, n)| n)
            .sum()
    }

    /// `POST /_local/reset`: empties every account and region, faults, stats and clock offset.
    pub fn reset(&self) {
        self.control("POST", "reset", None);
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        match &mut self.server {
            LocalServer::InProcess { endpoint, rt } => {
                if let Some(endpoint) = endpoint.take() {
                    rt.block_on(endpoint.shutdown());
                }
            }
            LocalServer::Process(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// AWS Backup SDK types, re-exported for tests that build plans and selections.
pub use aws_sdk_backup::types as backup_types;

impl Aws {
    /// A probe for the local endpoint in [`REGION`].
    pub fn for_local(local: &Local) -> Aws {
        Aws::new(backup_client(local.endpoint()))
    }

    /// A probe for the local endpoint acting in `account` (a 12-digit id, sent as the access key,
    /// which is how the endpoint tells accounts apart) and `region`.
    pub fn for_local_account(local: &Local, account: &str, region: &str) -> Aws {
        let conf = aws_sdk_backup::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(Credentials::new(
                account,
                "local",
                None,
                None,
                "awsbackup-e2e",
            ))
            .endpoint_url(local.endpoint())
            .build();
        Aws::new(aws_sdk_backup::Client::from_conf(conf))
    }

    /// The ids of every (not deleted) backup plan, sorted.
    pub fn plan_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .plans()
            .into_iter()
            .filter_map(|p| p.backup_plan_id)
            .collect();
        ids.sort();
        ids
    }

    /// The names of every (not deleted) backup plan, sorted.
    pub fn plan_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .plans()
            .into_iter()
            .filter_map(|p| p.backup_plan_name)
            .collect();
        names.sort();
        names
    }

    /// ListBackupPlans (current versions of the plans that are not deleted).
    pub fn plans(&self) -> Vec<backup_types::BackupPlansListMember> {
        self.block_on(
            self.client
                .list_backup_plans()
                .into_paginator()
                .items()
                .send()
                .collect::<Vec<_>>(),
        )
        .into_iter()
        .map(|p| p.expect("ListBackupPlans"))
        .collect()
    }

    /// GetBackupPlan; `None` when the plan does not exist (or was deleted).
    pub fn plan(
        &self,
        id: &str,
    ) -> Option<aws_sdk_backup::operation::get_backup_plan::GetBackupPlanOutput> {
        match self.block_on(self.client.get_backup_plan().backup_plan_id(id).send()) {
            Ok(out) => Some(out),
            Err(e) => {
                let code = aws_sdk_backup::error::ProvideErrorMetadata::code(&e);
                assert_eq!(
                    code,
                    Some("ResourceNotFoundException"),
                    "GetBackupPlan {id}: {e:?}"
                );
                None
            }
        }
    }

    /// The document of an existing plan; panics when it does not exist.
    pub fn plan_document(&self, id: &str) -> backup_types::BackupPlan {
        self.plan(id)
            .unwrap_or_else(|| panic!("backup plan {id} does not exist"))
            .backup_plan
            .expect("GetBackupPlan returns the document")
    }

    /// CreateBackupPlan; returns (plan id, ARN, version id).
    pub fn create_plan(
        &self,
        plan: backup_types::BackupPlanInput,
        tags: &[(&str, &str)],
    ) -> (String, String, String) {
        let map: HashMap<String, String> = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let out = self
            .block_on(
                self.client
                    .create_backup_plan()
                    .backup_plan(plan)
                    .set_backup_plan_tags((!map.is_empty()).then_some(map))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("CreateBackupPlan: {e:?}"));
        (
            out.backup_plan_id.expect("a plan id"),
            out.backup_plan_arn.expect("a plan ARN"),
            out.version_id.expect("a version id"),
        )
    }

    /// UpdateBackupPlan; returns the new version id.
    pub fn update_plan(&self, id: &str, plan: backup_types::BackupPlanInput) -> String {
        self.block_on(
            self.client
                .update_backup_plan()
                .backup_plan_id(id)
                .backup_plan(plan)
                .send(),
        )
        .unwrap_or_else(|e| panic!("UpdateBackupPlan {id}: {e:?}"))
        .version_id
        .expect("a version id")
    }

    /// The ids of a plan's selections, sorted.
    pub fn selection_ids(&self, plan_id: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .block_on(
                self.client
                    .list_backup_selections()
                    .backup_plan_id(plan_id)
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Vec<_>>(),
            )
            .into_iter()
            .filter_map(|s| {
                s.unwrap_or_else(|e| panic!("ListBackupSelections {plan_id}: {e:?}"))
                    .selection_id
            })
            .collect();
        ids.sort();
        ids
    }

    /// GetBackupSelection; `None` when it does not exist.
    pub fn selection(
        &self,
        plan_id: &str,
        selection_id: &str,
    ) -> Option<backup_types::BackupSelection> {
        match self.block_on(
            self.client
                .get_backup_selection()
                .backup_plan_id(plan_id)
                .selection_id(selection_id)
                .send(),
        ) {
            Ok(out) => Some(out.backup_selection.expect("a selection")),
            Err(e) => {
                let code = aws_sdk_backup::error::ProvideErrorMetadata::code(&e);
                assert!(
                    matches!(
                        code,
                        Some("ResourceNotFoundException" | "InvalidParameterValueException")
                    ),
                    "GetBackupSelection {plan_id}/{selection_id}: {e:?}"
                );
                None
            }
        }
    }

    /// CreateBackupSelection; returns the selection id.
    pub fn create_selection(
        &self,
        plan_id: &str,
        selection: backup_types::BackupSelection,
    ) -> String {
        self.block_on(
            self.client
                .create_backup_selection()
                .backup_plan_id(plan_id)
                .backup_selection(selection)
                .send(),
        )
        .unwrap_or_else(|e| panic!("CreateBackupSelection {plan_id}: {e:?}"))
        .selection_id
        .expect("a selection id")
    }

    /// DeleteBackupSelection.
    pub fn delete_selection(&self, plan_id: &str, selection_id: &str) {
        self.block_on(
            self.client
                .delete_backup_selection()
                .backup_plan_id(plan_id)
                .selection_id(selection_id)
                .send(),
        )
        .unwrap_or_else(|e| panic!("DeleteBackupSelection {plan_id}/{selection_id}: {e:?}"));
    }

    /// PutBackupVaultLockConfiguration.
    pub fn put_lock(
        &self,
        vault: &str,
        min_days: Option<i64>,
        max_days: Option<i64>,
        changeable_for_days: Option<i64>,
    ) {
        self.block_on(
            self.client
                .put_backup_vault_lock_configuration()
                .backup_vault_name(vault)
                .set_min_retention_days(min_days)
                .set_max_retention_days(max_days)
                .set_changeable_for_days(changeable_for_days)
                .send(),
        )
        .unwrap_or_else(|e| panic!("PutBackupVaultLockConfiguration {vault}: {e:?}"));
    }

    /// DeleteBackupVaultLockConfiguration.
    pub fn delete_lock(&self, vault: &str) {
        self.block_on(
            self.client
                .delete_backup_vault_lock_configuration()
                .backup_vault_name(vault)
                .send(),
        )
        .unwrap_or_else(|e| panic!("DeleteBackupVaultLockConfiguration {vault}: {e:?}"));
    }

    /// The (min, max) retention of a vault's lock, `None` when the vault is not locked; panics
    /// when the vault does not exist.
    pub fn lock_range(&self, vault: &str) -> Option<(Option<i64>, Option<i64>)> {
        let v = self
            .vault(vault)
            .unwrap_or_else(|| panic!("vault {vault} does not exist"));
        v.locked
            .unwrap_or(false)
            .then_some((v.min_retention_days, v.max_retention_days))
    }
}
