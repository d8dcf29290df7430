//! `awsbackup:index:Vault` end to end: the real Pulumi CLI drives the provider against moto, and
//! the AWS SDK checks what happened there. Each test has its own moto and its own stack, so the
//! tests run in parallel.

use awsbackup_e2e::{
    is_encrypted_secret, tag_map, yaml_program, Aws, Export, Moto, Stack, MOTO_ACCOUNT,
};
use regex::Regex;
use serde_json::{json, Value};

const VAULT: &str = "awsbackup:index:Vault";

/// The example's named vault.
const NAMED: &str = "demo-named-vault";

fn autonamed_vault(aws: &Aws) -> String {
    let re = Regex::new("^autonamed-[a-z0-9]{7}$").unwrap();
    let names = aws.vault_names();
    let found: Vec<&String> = names.iter().filter(|n| re.is_match(n)).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one vault named autonamed-<7 chars> on AWS, got {names:?}"
    );
    found[0].clone()
}

fn state_tags(resource: &Value, side: &str) -> Value {
    resource[side]["tags"].clone()
}

/// The example through preview, up, a no-change preview, tag drift
/// found by refresh and put back by up, and destroy.
#[test]
fn example_preview_up_tag_drift_refresh_and_destroy() {
    let moto = Moto::start();
    let aws = Aws::for_moto(&moto);
    let stack = Stack::from_example("vault", moto.endpoint());

    // (a) preview lists both vaults and creates nothing.
    let preview = stack.preview().success();
    preview
        .contains(&format!("{VAULT} autonamed create"))
        .contains(&format!("{VAULT} named create"))
        .contains("3 to create")
        .matches(r#"autonamedVaultName: "autonamed-[a-z0-9]{7}""#);
    assert_eq!(
        aws.vault_names(),
        Vec::<String>::new(),
        "preview created vaults\n{preview}"
    );

    // (b) up creates both, as declared.
    let up = stack.up().success();
    let autonamed = autonamed_vault(&aws);
    let mut expected = vec![autonamed.clone(), NAMED.to_string()];
    expected.sort();
    assert_eq!(aws.vault_names(), expected, "{up}");
    let named_arn = aws.vault_arn(NAMED);
    let autonamed_arn = aws.vault_arn(&autonamed);
    assert_eq!(
        named_arn,
        format!("arn:aws:backup:us-east-1:{MOTO_ACCOUNT}:backup-vault:{NAMED}")
    );
    assert_eq!(aws.tags(&autonamed_arn), tag_map(&[("team", "platform")]));
    assert_eq!(
        aws.tags(&named_arn),
        tag_map(&[("team", "platform"), ("env", "demo")])
    );
    let outputs = stack.outputs();
    assert_eq!(outputs["autonamedVaultName"], json!(autonamed), "{outputs}");
    assert_eq!(outputs["namedVaultArn"], json!(named_arn), "{outputs}");

    // (c) nothing to do on a second preview.
    stack.preview_expect_no_changes().success();

    // (d) tags changed out of band: a value changed, one added, one removed.
    aws.tag(
        &named_arn,
        &[("env", "prod"), ("extra", "added-out-of-band")],
    );
    aws.untag(&named_arn, &["team"]);
    let drifted = tag_map(&[("env", "prod"), ("extra", "added-out-of-band")]);
    assert_eq!(aws.tags(&named_arn), drifted);

    let refresh = stack.refresh().success();
    refresh
        .matches(r"~ awsbackup:index:Vault: \(update\)\s*\[id=demo-named-vault\]")
        .contains("added-out-of-band")
        .contains("\"prod\"");
    let export = stack.export();
    let named = export
        .resource(&stack.urn(VAULT, "named"))
        .expect("the named vault is in the state");
    let drifted_json = json!({"env": "prod", "extra": "added-out-of-band"});
    assert_eq!(
        state_tags(named, "outputs"),
        drifted_json,
        "refresh must record the tags AWS has (outputs)\n{refresh}"
    );
    assert_eq!(
        state_tags(named, "inputs"),
        drifted_json,
        "refresh must record the tags AWS has (inputs)\n{refresh}"
    );
    // The vault nobody touched keeps its tags in the state.
    let untouched = export
        .resource(&stack.urn(VAULT, "autonamed"))
        .expect("the autonamed vault is in the state");
    assert_eq!(
        state_tags(untouched, "outputs"),
        json!({"team": "platform"}),
        "refresh changed the tags of a vault whose tags did not change\n{refresh}"
    );

    // The program still declares the old tags: the preview proposes to put them back.
    let pending = stack.preview_expect_no_changes().failure();
    pending
        .contains("no changes were expected")
        .matches(r"~ awsbackup:index:Vault: \(update\)")
        .contains("[urn=urn:pulumi:dev::awsbackup-vault::awsbackup:index:Vault::named]")
        .matches(r#"team *: "platform""#)
        .matches(r#"env *: "prod" => "demo""#)
        .matches(r#"- *extra *: "added-out-of-band""#);
    assert!(
        !pending.all().contains("Vault::autonamed]"),
        "only the drifted vault should change:\n{pending}"
    );

    // ... and up does.
    stack.up().success();
    assert_eq!(
        aws.tags(&named_arn),
        tag_map(&[("team", "platform"), ("env", "demo")])
    );
    assert_eq!(aws.tags(&autonamed_arn), tag_map(&[("team", "platform")]));
    stack.preview_expect_no_changes().success();

    // (g) destroy leaves nothing behind.
    let destroy = stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new(), "{destroy}");
    assert!(stack.export().of_type(VAULT).is_empty());
}

/// A vault deleted out of band leaves the state on refresh; the next up recreates it.
#[test]
fn vault_deleted_out_of_band_is_dropped_by_refresh_and_recreated_by_up() {
    let moto = Moto::start();
    let aws = Aws::for_moto(&moto);
    let stack = Stack::from_example("vault", moto.endpoint());
    stack.up().success();
    let autonamed = autonamed_vault(&aws);
    let named_urn = stack.urn(VAULT, "named");
    assert!(stack.export().resource(&named_urn).is_some());

    aws.delete_vault(NAMED);
    assert!(aws.vault(NAMED).is_none());

    let refresh = stack.refresh().success();
    refresh.matches(r"- awsbackup:index:Vault: \(delete\)\s*\[id=demo-named-vault\]");
    let export = stack.export();
    assert!(
        export.resource(&named_urn).is_none(),
        "refresh kept a vault that no longer exists:\n{export}"
    );
    assert!(export.resource(&stack.urn(VAULT, "autonamed")).is_some());

    let preview = stack.preview().success();
    preview
        .contains(&format!("{VAULT} named create"))
        .lacks(&format!("{VAULT} autonamed create"));

    stack.up().success();
    let vault = aws.vault(NAMED).expect("up recreated the deleted vault");
    assert_eq!(
        vault.backup_vault_arn.as_deref(),
        Some(format!("arn:aws:backup:us-east-1:{MOTO_ACCOUNT}:backup-vault:{NAMED}").as_str())
    );
    assert_eq!(
        aws.tags(&aws.vault_arn(NAMED)),
        tag_map(&[("team", "platform"), ("env", "demo")])
    );
    // The other vault was left alone (not renamed, not recreated).
    assert_eq!(autonamed_vault(&aws), autonamed);
    assert!(stack.export().resource(&named_urn).is_some());
    stack.preview_expect_no_changes().success();

    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
}

/// `pulumi import` adopts a vault created with the SDK.
#[test]
fn import_adopts_a_vault_created_outside_pulumi() {
    let moto = Moto::start();
    let aws = Aws::for_moto(&moto);
    let arn = aws.create_vault("adopted-vault", &[("owner", "sdk"), ("cost-center", "42")]);

    let program = yaml_program(
        "awsbackup-import",
        r#"resources:
  adopted:
    type: awsbackup:index:Vault
    properties:
      name: adopted-vault
      tags:
        owner: sdk
        cost-center: "42"
"#,
    );
    let stack = Stack::new(&program, moto.endpoint());
    let import = stack.import(VAULT, "adopted", "adopted-vault").success();
    import.contains("imported");

    let export = stack.export();
    let adopted = export
        .resource(&stack.urn(VAULT, "adopted"))
        .unwrap_or_else(|| panic!("the imported vault is not in the state:\n{export}"));
    assert_eq!(adopted["id"], json!("adopted-vault"));
    assert_eq!(adopted["outputs"]["arn"], json!(arn));
    assert_eq!(adopted["outputs"]["name"], json!("adopted-vault"));
    assert_eq!(
        adopted["inputs"]["tags"],
        json!({"owner": "sdk", "cost-center": "42"}),
        "the tags must be imported as inputs:\n{export}"
    );
    assert_eq!(adopted["inputs"]["name"], json!("adopted-vault"));
    assert_ne!(adopted["protect"], json!(true));
    // Nothing was created: the import only read.
    assert_eq!(aws.vault_names(), vec!["adopted-vault".to_string()]);

    // The program that declares the vault as it is has nothing to do.
    stack.preview_expect_no_changes().success();

    // The adopted vault is now managed: destroy deletes it.
    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
}

/// Bad inputs fail at preview (and at up) naming the property and the rule, and
/// create nothing.
#[test]
fn bad_inputs_fail_at_preview_naming_the_property() {
    let moto = Moto::start();
    let aws = Aws::for_moto(&moto);
    let long_key = "k".repeat(129);
    let fifty_one_tags: String = (0..51).map(|i| format!("        t{i}: v\n")).collect();
    let long_name = "v".repeat(51);
    let cases: Vec<(&str, String, Vec<String>)> = vec![
        (
            "a vault name with a dot",
            "      name: my.vault\n".into(),
            vec![
                "property name value {my.vault} has a problem".into(),
                "may contain only letters, digits, hyphens (-) and underscores (_)".into(),
                "'my.vault' contains '.'".into(),
            ],
        ),
        (
            "a vault name of 1 character",
            "      name: v\n".into(),
            vec![
                "property name value {v} has a problem".into(),
                "must be 2 to 50 characters long, got 1".into(),
            ],
        ),
        (
            "a vault name of 51 characters",
            format!("      name: {long_name}\n"),
            vec![
                format!("property name value {{{long_name}}} has a problem"),
                "must be 2 to 50 characters long, got 51".into(),
            ],
        ),
        (
            "an encryptionKeyArn that is not an ARN",
            "      encryptionKeyArn: not-an-arn\n".into(),
            vec![
                "property encryptionKeyArn value {not-an-arn} has a problem".into(),
                "must be a KMS key ARN like arn:aws:kms:<region>:<account-id>:key/<key-id>".into(),
            ],
        ),
        (
            "a key alias as encryptionKeyArn",
            "      encryptionKeyArn: arn:aws:kms:us-east-1:123456789012:alias/backup\n".into(),
            vec![
                "property encryptionKeyArn value".into(),
                "a key alias is not accepted".into(),
            ],
        ),
        (
            "a tag key over 128 characters",
            format!("      tags:\n        {long_key}: v\n"),
            vec![
                "property tags value".into(),
                format!("tags.{long_key}: tag keys must be"),
                "tag keys must be 1 to 128 characters long, got 129".into(),
            ],
        ),
        (
            "a tag key starting with aws:",
            "      tags:\n        \"aws:owner\": me\n".into(),
            vec![
                "property tags value".into(),
                "tags[\"aws:owner\"]: tag keys starting".into(),
                "tag keys starting with 'aws:' are reserved for AWS".into(),
            ],
        ),
        (
            "51 tags",
            format!("      tags:\n{fifty_one_tags}"),
            vec![
                "property tags value".into(),
                "at most 50 tags are allowed per resource, got 51".into(),
            ],
        ),
    ];
    let ok_program = |props: &str| {
        yaml_program(
            "awsbackup-bad-inputs",
            &format!(
                "resources:\n  bad:\n    type: awsbackup:index:Vault\n    properties:\n{props}"
            ),
        )
    };
    let stack = Stack::new(&ok_program("      forceDestroy: true\n"), moto.endpoint());
    for (what, props, needles) in &cases {
        stack.write_program(&ok_program(props));
        for out in [stack.preview(), stack.up()] {
            assert!(
                out.code.is_some_and(|c| c != 0),
                "{what}: expected a failure\n{out}"
            );
            let text = out.all();
            for needle in needles {
                assert!(
                    text.contains(needle.as_str()),
                    "{what}: the output should contain {needle:?}\n{out}"
                );
            }
            // The engine reports Check failures as "property <path> value ... has a problem".
            assert!(
                text.contains("has a problem"),
                "{what}: expected a Check failure\n{out}"
            );
            assert_eq!(
                aws.vault_names(),
                Vec::<String>::new(),
                "{what}: nothing may be created\n{out}"
            );
        }
    }
    assert!(stack.export().of_type(VAULT).is_empty());
}

/// The vault's `apiToken` tag (or its whole tags map) is an encrypted secret in inputs and
/// outputs.
fn assert_secret_tag(stack: &Stack, export: &Export) {
    let vault = export
        .resource(&stack.urn(VAULT, "secretive"))
        .unwrap_or_else(|| panic!("the vault is in the state:\n{export}"));
    for side in ["inputs", "outputs"] {
        let tags = &vault[side]["tags"];
        let secret = if is_encrypted_secret(tags) {
            tags
        } else {
            &tags["apiToken"]
        };
        assert!(
            is_encrypted_secret(secret),
            "{side}.tags.apiToken is not an encrypted secret:\n{export}"
        );
    }
}

/// A secret tag value is encrypted in the state and never printed, while AWS has the
/// real value.
#[test]
fn secret_tag_value_is_encrypted_in_state_and_real_on_aws() {
    const PLAINTEXT: &str = "s3cr3t-tag-value-0451";
    let moto = Moto::start();
    let aws = Aws::for_moto(&moto);
    let program = yaml_program(
        "awsbackup-secrets",
        &format!(
            r#"resources:
  secretive:
    type: awsbackup:index:Vault
    properties:
      name: secret-tag-vault
      tags:
        team: platform
        apiToken:
          fn::secret: {PLAINTEXT}
outputs:
  vaultTags: ${{secretive.tags}}
"#
        ),
    );
    let stack = Stack::new(&program, moto.endpoint());
    let mut printed = Vec::new();
    printed.push(stack.preview_diff().success());
    printed.push(stack.up().success());

    let arn = aws.vault_arn("secret-tag-vault");
    assert_eq!(
        aws.tags(&arn),
        tag_map(&[("team", "platform"), ("apiToken", PLAINTEXT)]),
        "AWS must have the real value"
    );

    let export = stack.export();
    assert!(
        !export.raw.contains(PLAINTEXT),
        "the plaintext is in the stack export:\n{export}"
    );
    assert_secret_tag(&stack, &export);
    let outputs = stack.pulumi(&["stack", "output", "--json"]).success();
    outputs.lacks(PLAINTEXT);
    printed.push(outputs);

    printed.push(stack.preview_expect_no_changes().success());
    // A refresh reads the tags back from AWS: they must stay secret.
    printed.push(stack.refresh().success());
    let export = stack.export();
    assert!(
        !export.raw.contains(PLAINTEXT),
        "the plaintext is in the stack export after refresh:\n{export}"
    );
    assert_secret_tag(&stack, &export);
    printed.push(stack.destroy().success());
    for out in &printed {
        out.lacks(PLAINTEXT);
    }
    assert_eq!(aws.vault_names(), Vec::<String>::new());
}

/// Provider configuration through stack config alone: endpoint, region, static
/// credentials (the secret one encrypted) and defaultTags merged under the vault's own tags.
#[test]
fn provider_configuration_through_stack_config() {
    const SECRET_KEY: &str = "e2e-secret-access-key-9f3a";
    let moto = Moto::start();
    let program = yaml_program(
        "awsbackup-config",
        r#"resources:
  configured:
    type: awsbackup:index:Vault
    properties:
      name: configured-vault
      tags:
        env: own
        app: e2e
"#,
    );
    let mut stack = Stack::new(&program, moto.endpoint());
    // No AWS settings in the environment: everything comes from the stack config.
    for key in [
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        stack.remove_env(key);
    }
    stack.config_set("awsbackup:endpoint", moto.endpoint());
    stack.config_set("awsbackup:region", "eu-west-1");
    stack.config_set("awsbackup:accessKey", "e2e-access-key");
    stack.config_set_secret("awsbackup:secretKey", SECRET_KEY);
    stack.config_set(
        "awsbackup:defaultTags",
        r#"{"owner":"platform-team","env":"default"}"#,
    );

    let up = stack.up().success();
    let eu = Aws::for_moto_in(&moto, "eu-west-1");
    let vault = eu
        .vault("configured-vault")
        .unwrap_or_else(|| panic!("no vault in eu-west-1 on moto:\n{up}"));
    let arn = vault.backup_vault_arn.expect("an ARN");
    assert!(arn.starts_with("arn:aws:backup:eu-west-1:"), "{arn}");
    assert_eq!(
        eu.tags(&arn),
        tag_map(&[("owner", "platform-team"), ("env", "own"), ("app", "e2e")]),
        "defaultTags are merged under the vault's own tags"
    );
    assert_eq!(
        Aws::for_moto(&moto).vault_names(),
        Vec::<String>::new(),
        "the region came from the stack config, not a default"
    );
    let export = stack.export();
    assert!(!export.raw.contains(SECRET_KEY), "{export}");
    let vault = export
        .resource(&stack.urn(VAULT, "configured"))
        .expect("the vault is in the state");
    assert_eq!(
        vault["outputs"]["tags"],
        json!({"owner": "platform-team", "env": "own", "app": "e2e"})
    );
    stack.preview_expect_no_changes().success();

    // A new default tag reaches the vault as an in-place update.
    stack.config_set(
        "awsbackup:defaultTags",
        r#"{"owner":"platform-team","env":"default","costCenter":"cc-1"}"#,
    );
    stack
        .preview()
        .success()
        .contains(&format!("{VAULT} configured update"))
        .lacks("replace");
    stack.up().success().lacks(SECRET_KEY);
    assert_eq!(
        eu.tags(&arn),
        tag_map(&[
            ("owner", "platform-team"),
            ("env", "own"),
            ("app", "e2e"),
            ("costCenter", "cc-1")
        ])
    );
    stack.destroy().success();
    assert!(eu.vault("configured-vault").is_none());
}

/// A tag change is an in-place update; a name or key change replaces the vault.
#[test]
fn tag_change_updates_in_place_and_name_change_replaces() {
    let moto = Moto::start();
    let aws = Aws::for_moto(&moto);
    let program = |name: &str, tags: &str, extra: &str| {
        yaml_program(
            "awsbackup-changes",
            &format!(
                "resources:\n  web:\n    type: awsbackup:index:Vault\n    properties:\n      \
                 name: {name}\n{extra}      tags:\n{tags}"
            ),
        )
    };
    let v1_tags = "        keep: same\n        change: old\n        drop: me\n";
    let v2_tags = "        keep: same\n        change: new\n        add: fresh\n";
    let v2_map = tag_map(&[("keep", "same"), ("change", "new"), ("add", "fresh")]);

    let stack = Stack::new(&program("k-vault-one", v1_tags, ""), moto.endpoint());
    stack.up().success();
    let before = aws.vault("k-vault-one").expect("created");
    let arn = before.backup_vault_arn.clone().unwrap();
    assert_eq!(
        aws.tags(&arn),
        tag_map(&[("keep", "same"), ("change", "old"), ("drop", "me")])
    );

    // Tags: an in-place update of the same vault.
    stack.write_program(&program("k-vault-one", v2_tags, ""));
    stack
        .preview()
        .success()
        .matches(r"~ +awsbackup:index:Vault web update \[diff: ~tags\]")
        .lacks("replace")
        .contains("1 to update");
    let up = stack.up().success();
    up.contains("1 updated").lacks("replaced");
    let after = aws.vault("k-vault-one").expect("still there");
    assert_eq!(after.backup_vault_arn, before.backup_vault_arn);
    assert_eq!(
        after.creation_date, before.creation_date,
        "the vault was recreated"
    );
    assert_eq!(aws.tags(&arn), v2_map);
    stack.preview_expect_no_changes().success();

    // Name: a replacement.
    stack.write_program(&program("k-vault-two", v2_tags, ""));
    stack
        .preview()
        .success()
        .matches(r"\+- +awsbackup:index:Vault web replace \[diff: ~name\]")
        .contains("1 to replace");
    stack.up().success().contains("1 replaced");
    assert_eq!(aws.vault_names(), vec!["k-vault-two".to_string()]);
    assert_eq!(aws.tags(&aws.vault_arn("k-vault-two")), v2_map);
    stack.preview_expect_no_changes().success();

    // Encryption key, same name: a replacement too (AWS cannot change a vault's key), deleting
    // the old vault first since the name is kept.
    let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    stack.write_program(&program(
        "k-vault-two",
        v2_tags,
        &format!("      encryptionKeyArn: {key}\n"),
    ));
    stack
        .preview()
        .success()
        .matches(r"\+- +awsbackup:index:Vault web replace \[diff: \+encryptionKeyArn\]");
    stack.up().success().contains("1 replaced");
    let replaced = aws.vault("k-vault-two").expect("recreated with the key");
    assert_eq!(replaced.encryption_key_arn.as_deref(), Some(key));
    stack.preview_expect_no_changes().success();

    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
}
