//! The fleet example (`sdk-examples/{python,go}/fleet`): a central stack and 3 member accounts ×
//! 2 regions, run as Automation API programs against the local endpoint, each provider assuming
//! its account's role through the endpoint's STS, the central account the organization's
//! management account. Preview writes nothing; up creates each member's baseline in its own account and
//! region only, copying into the central vault, and the central vault's access policy and
//! the central account's cross-account backup; a second up changes nothing; an out-of-band plan
//! edit is found by `--refresh` and undone by the next up; `--destroy` empties every account and
//! puts the global settings back.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use awsbackup_e2e::backup_types::{BackupPlanInput, BackupRuleInput, Lifecycle};
use awsbackup_e2e::{repo_root, run_command, Aws, CmdOutput, Local, Stack, LOCAL_ACCOUNT};
use serde_json::{json, Value};

const CENTRAL: &str = "999999999999";
const MEMBERS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const MEMBER_VAULT: &str = "fleet-member-vault";
const MEMBER_PLAN: &str = "fleet-daily";
const CENTRAL_VAULT: &str = "fleet-central-vault";

fn role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/AWSBackupFleet")
}

fn member_stack(account: &str, region: &str) -> String {
    format!("member-{account}-{region}")
}

fn central_arn() -> String {
    format!(
        "arn:aws:backup:{}:{CENTRAL}:backup-vault:{CENTRAL_VAULT}",
        REGIONS[0]
    )
}

/// The central vault's access policy as AWS holds it, if it has one.
fn central_policy(aws: &Aws) -> Option<Value> {
    let got = aws.block_on(
        aws.client()
            .get_backup_vault_access_policy()
            .backup_vault_name(CENTRAL_VAULT)
            .send(),
    );
    let text = got.ok()?.policy()?.to_string();
    Some(serde_json::from_str(&text).expect("AWS holds JSON"))
}

/// The account's global settings as AWS holds them.
fn global_settings(aws: &Aws) -> HashMap<String, String> {
    aws.block_on(aws.client().describe_global_settings().send())
        .expect("DescribeGlobalSettings")
        .global_settings
        .unwrap_or_default()
}

/// A policy value that is a string or a list of strings, as a sorted list.
fn strings(value: &Value) -> Vec<String> {
    let mut all: Vec<String> = match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().expect("a string").to_string())
            .collect(),
        other => panic!("neither a string nor a list: {other}"),
    };
    all.sort();
    all
}

/// One language's fleet program, run in a stack environment against the local endpoint.
struct Fleet<'a> {
    program: PathBuf,
    args: Vec<String>,
    stack: &'a Stack,
    local: &'a Local,
}

impl Fleet<'_> {
    /// Runs the fleet with `mode` (`None` for up); returns the output and the results (one per
    /// stack) the program wrote with `--summary-json`.
    fn run(&self, mode: Option<&str>) -> (CmdOutput, Vec<Value>) {
        assert!(
            self.program.is_file(),
            "{} is missing: run `make sdk-tools`",
            self.program.display()
        );
        let summary = self.stack.root().join("summary.json");
        let _ = fs::remove_file(&summary);
        let accounts = self.stack.root().join("accounts.json");
        let spec = json!({
            "central": {"roleArn": role(CENTRAL)},
            "members": MEMBERS.map(role),
            "regions": REGIONS,
        });
        fs::write(&accounts, spec.to_string()).unwrap();
        let mut args: Vec<String> = self.args.clone();
        args.extend(
            [
                "--accounts-file",
                &accounts.display().to_string(),
                "--endpoint",
                self.local.endpoint(),
                "--concurrency",
                "4",
                "--work-dir",
                &self.stack.root().join("work").display().to_string(),
                "--summary-json",
                &summary.display().to_string(),
            ]
            .map(String::from),
        );
        args.extend(mode.map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let started = Instant::now();
        let out = self.stack.run(&self.program, &args, &[]).success();
        eprintln!(
            "fleet {} {}: {:.1}s",
            self.program.display(),
            mode.unwrap_or("up"),
            started.elapsed().as_secs_f64()
        );
        let results: Vec<Value> = serde_json::from_str(&fs::read_to_string(&summary).unwrap())
            .unwrap_or_else(|e| panic!("the summary is not JSON ({e}):\n{out}"));
        assert_eq!(results.len(), 1 + MEMBERS.len() * REGIONS.len(), "{out}");
        for r in &results {
            assert_eq!(r["result"], "done", "{r}\n{out}");
        }
        (out, results)
    }
}

fn result<'a>(results: &'a [Value], stack: &str) -> &'a Value {
    results
        .iter()
        .find(|r| r["stack"] == stack)
        .unwrap_or_else(|| panic!("no result for {stack}: {results:?}"))
}

/// The changes of a result other than `same`.
fn changes(r: &Value) -> serde_json::Map<String, Value> {
    let mut made = r["changes"].as_object().cloned().unwrap_or_default();
    made.retain(|op, n| op != "same" && n.as_u64() != Some(0));
    made
}

/// The daily rule's copy destinations and retention, from a member's plan.
fn copy_rule(aws: &Aws) -> (Vec<String>, Option<i64>) {
    let ids = aws.plan_ids();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let document = aws.plan_document(&ids[0]);
    let rule = &document.rules[0];
    let destinations = rule
        .copy_actions
        .iter()
        .flatten()
        .map(|c| c.destination_backup_vault_arn.clone())
        .collect();
    (
        destinations,
        rule.lifecycle.as_ref().and_then(|l| l.delete_after_days),
    )
}

fn fleet(program: PathBuf, args: Vec<String>) {
    let started = Instant::now();
    let local = Local::start();
    let stack = Stack::for_automation(local.endpoint());
    let fleet = Fleet {
        program,
        args,
        stack: &stack,
        local: &local,
    };
    let aws = |account: &str, region: &str| Aws::for_local_account(&local, account, region);
    // The central account manages the organization: only it may turn cross-account backup on.
    local.control(
        "POST",
        "organization",
        Some(&json!({ "managementAccount": CENTRAL, "memberAccounts": MEMBERS })),
    );
    let central_aws = aws(CENTRAL, REGIONS[0]);
    let default_settings = global_settings(&central_aws);
    let all_accounts = [CENTRAL, LOCAL_ACCOUNT]
        .into_iter()
        .chain(MEMBERS)
        .collect::<Vec<_>>();

    // Preview before anything exists: the members see the ARN the central vault will have.
    let (out, preview) = fleet.run(Some("--preview"));
    for r in &preview {
        let creates = if r["stack"] == "central" { 5 } else { 6 };
        assert_eq!(
            changes(r),
            json!({ "create": creates }).as_object().cloned().unwrap(),
            "{r}\n{out}"
        );
    }
    assert_eq!(local.write_calls(), 0, "{:?}", local.calls());

    // Up: 7 stacks, each member's baseline in its own account and region.
    let (out, up) = fleet.run(None);
    let central = result(&up, "central");
    assert_eq!(
        central["outputs"]["vaultArn"],
        json!(central_arn()),
        "{out}"
    );
    assert_eq!(
        changes(central),
        json!({"create": 5}).as_object().cloned().unwrap()
    );
    // Every provider acted in its account through a role it assumed.
    let assumed = local.calls().get("AssumeRole").copied().unwrap_or(0);
    assert!(assumed >= 7, "one AssumeRole per stack at least: {assumed}");
    // The central vault lets every member account copy in, and cross-account backup is on.
    let policy = central_policy(&central_aws).expect("the central vault has an access policy");
    let statements = policy["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 1, "{policy}");
    let statement = &statements[0];
    assert_eq!(statement["Effect"], "Allow", "{policy}");
    assert_eq!(
        strings(&statement["Action"]),
        ["backup:CopyIntoBackupVault"],
        "{policy}"
    );
    assert_eq!(
        strings(&statement["Principal"]["AWS"]),
        MEMBERS.map(|m| format!("arn:aws:iam::{m}:root")),
        "{policy}"
    );
    assert_eq!(
        global_settings(&central_aws)
            .get("isCrossAccountBackupEnabled")
            .map(String::as_str),
        Some("true")
    );
    for account in &all_accounts {
        for region in REGIONS {
            let probe = aws(account, region);
            let (vaults, plans) = (probe.vault_names(), probe.plan_names());
            if MEMBERS.contains(account) {
                assert_eq!(vaults, [MEMBER_VAULT], "{account} {region}");
                assert_eq!(plans, [MEMBER_PLAN], "{account} {region}");
                let vault = probe.vault(MEMBER_VAULT).expect("the member vault");
                assert_eq!(vault.locked, Some(true), "{account} {region}: {vault:?}");
                let arn = format!("arn:aws:backup:{region}:{account}:backup-vault:{MEMBER_VAULT}");
                assert_eq!(vault.backup_vault_arn.as_deref(), Some(arn.as_str()));
                let r = result(&up, &member_stack(account, region));
                assert_eq!(r["outputs"]["vaultArn"], json!(arn), "{r}");
                assert_eq!(
                    (r["account"].as_str(), r["region"].as_str()),
                    (Some(*account), Some(region))
                );
                assert_eq!(
                    changes(r),
                    json!({"create": 6}).as_object().cloned().unwrap(),
                    "{r}"
                );
                assert_eq!(copy_rule(&probe), (vec![central_arn()], Some(35)));
                let plan_id = &probe.plan_ids()[0];
                assert_eq!(probe.selection_ids(plan_id).len(), 1, "{account} {region}");
            } else if *account == CENTRAL && region == REGIONS[0] {
                assert_eq!(vaults, [CENTRAL_VAULT]);
                assert!(plans.is_empty(), "{plans:?}");
            } else {
                assert!(
                    vaults.is_empty() && plans.is_empty(),
                    "{account} {region}: {vaults:?} {plans:?}"
                );
            }
        }
    }

    // A second run changes nothing.
    let (out, again) = fleet.run(None);
    for r in &again {
        assert!(changes(r).is_empty(), "{r}\n{out}");
    }

    // An out-of-band edit of one member's plan: found by the refresh, undone by the next up.
    let (account, region) = (MEMBERS[1], REGIONS[1]);
    let probe = aws(account, region);
    let plan_id = probe.plan_ids()[0].clone();
    let edited = BackupPlanInput::builder()
        .backup_plan_name(MEMBER_PLAN)
        .rules(
            BackupRuleInput::builder()
                .rule_name("daily")
                .target_backup_vault_name(MEMBER_VAULT)
                .schedule_expression("cron(0 5 ? * * *)")
                .lifecycle(Lifecycle::builder().delete_after_days(60).build())
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    probe.update_plan(&plan_id, edited);
    assert_eq!(copy_rule(&probe), (vec![], Some(60)));
    let drifted = member_stack(account, region);
    let (out, refresh) = fleet.run(Some("--refresh"));
    for r in &refresh {
        let made = changes(r);
        if r["stack"] == drifted.as_str() {
            assert_eq!(
                made,
                json!({"update": 1}).as_object().cloned().unwrap(),
                "{r}\n{out}"
            );
        } else {
            assert!(made.is_empty(), "{r}\n{out}");
        }
    }
    let (out, repair) = fleet.run(None);
    for r in &repair {
        let made = changes(r);
        if r["stack"] == drifted.as_str() {
            assert_eq!(
                made,
                json!({"update": 1}).as_object().cloned().unwrap(),
                "{r}\n{out}"
            );
        } else {
            assert!(made.is_empty(), "{r}\n{out}");
        }
    }
    assert_eq!(probe.plan_ids(), [plan_id], "updated in place");
    assert_eq!(copy_rule(&probe), (vec![central_arn()], Some(35)));

    // Destroy: the members, then the central stack; nothing is left anywhere.
    let (out, destroy) = fleet.run(Some("--destroy"));
    assert_eq!(
        destroy.last().map(|r| &r["stack"]),
        Some(&json!("central")),
        "the central stack goes last: {out}"
    );
    for account in &all_accounts {
        for region in REGIONS {
            let probe = aws(account, region);
            assert!(probe.vault_names().is_empty(), "{account} {region}\n{out}");
            assert!(probe.plan_ids().is_empty(), "{account} {region}\n{out}");
        }
    }
    assert_eq!(central_policy(&central_aws), None, "the vault is gone");
    // Cross-account backup back to AWS's default, the other settings untouched.
    let mut expected = default_settings;
    expected.insert("isCrossAccountBackupEnabled".into(), "false".into());
    assert_eq!(global_settings(&central_aws), expected);
    // Every stack's workspace was the one under --work-dir, none a temporary folder.
    assert_eq!(fleet.stack.temp_workspaces(), Vec::<String>::new());
    assert!(fleet
        .stack
        .root()
        .join("work/central/Pulumi.yaml")
        .is_file());
    eprintln!("fleet test: {:.1}s", started.elapsed().as_secs_f64());
}

#[test]
fn python_fleet_rolls_out_refreshes_repairs_and_destroys() {
    fleet(
        repo_root().join(".venv/bin/python"),
        vec![repo_root()
            .join("sdk-examples/python/fleet/fleet.py")
            .display()
            .to_string()],
    );
}

#[test]
fn go_fleet_rolls_out_refreshes_repairs_and_destroys() {
    fleet(repo_root().join(".tools/go/fleet"), vec![]);
}

#[test]
fn python_fleet_passes_mypy_strict() {
    let dir = repo_root().join("sdk-examples/python/fleet");
    let mut cmd = Command::new(repo_root().join(".venv/bin/mypy"));
    cmd.args(["--strict", "--no-incremental", "--cache-dir=/dev/null"])
        .args(["fleet.py", "baseline.py", "display.py"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run_command(cmd).success();
}
