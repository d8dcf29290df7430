//! The import-fidelity matrix: every resource type, in every configuration whose inputs AWS
//! reports back, is created by a program, removed from the state, imported with `pulumi import`,
//! and then the same program has nothing to do (`preview --expect-no-changes`, and a refresh
//! finds nothing either). Each new resource or input joins [`PROGRAM`].
//!
//! Inputs AWS never reports (a vault's `forceDestroy`) cannot survive an import and are left out.

use awsbackup_e2e::{yaml_program, Aws, Local, Stack, LOCAL_ACCOUNT};
use serde_json::json;

const VAULT: &str = "awsbackup:index:Vault";
const LOCK: &str = "awsbackup:index:VaultLock";
const PLAN: &str = "awsbackup:index:Plan";
const SELECTION: &str = "awsbackup:index:Selection";
const NOTIFICATIONS: &str = "awsbackup:index:VaultNotifications";
const POLICY: &str = "awsbackup:index:VaultPolicy";
const GLOBAL_SETTINGS: &str = "awsbackup:index:GlobalSettings";
const REGION_SETTINGS: &str = "awsbackup:index:RegionSettings";
const AIR_GAPPED: &str = "awsbackup:index:LogicallyAirGappedVault";
const RESTORE_PLAN: &str = "awsbackup:index:RestoreTestingPlan";
const RESTORE_SELECTION: &str = "awsbackup:index:RestoreTestingSelection";
const FRAMEWORK: &str = "awsbackup:index:Framework";
const REPORT_PLAN: &str = "awsbackup:index:ReportPlan";

/// Every configuration of the matrix, in one program.
const PROGRAM: &str = r#"resources:
  # A vault with AWS's key and tags, one with its own KMS key, one autonamed.
  plain:
    type: awsbackup:index:Vault
    properties:
      name: fid-plain
      tags:
        team: platform
  keyed:
    type: awsbackup:index:Vault
    properties:
      name: fid-keyed
      encryptionKeyArn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
  auto:
    type: awsbackup:index:Vault
  # An air-gapped vault with AWS's key and tags, and an autonamed one with its own key.
  airGapped:
    type: awsbackup:index:LogicallyAirGappedVault
    properties:
      name: fid-airgap
      minRetentionDays: 7
      maxRetentionDays: 400
      tags:
        purpose: isolation
  airGappedKeyed:
    type: awsbackup:index:LogicallyAirGappedVault
    properties:
      minRetentionDays: 30
      maxRetentionDays: 30
      encryptionKeyArn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
  # A governance lock with both bounds, a compliance lock with a minimum only.
  governance:
    type: awsbackup:index:VaultLock
    properties:
      backupVaultName: ${plain.name}
      minRetentionDays: 1
      maxRetentionDays: 400
  compliance:
    type: awsbackup:index:VaultLock
    properties:
      backupVaultName: ${keyed.name}
      minRetentionDays: 7
      changeableForDays: 30
  # Notifications with events in an order of the program's own.
  alerts:
    type: awsbackup:index:VaultNotifications
    properties:
      backupVaultName: ${plain.name}
      snsTopicArn: arn:aws:sns:us-east-1:123456789012:backup-events
      backupVaultEvents:
        - COPY_JOB_FAILED
        - BACKUP_JOB_COMPLETED
        - RESTORE_JOB_COMPLETED
  # An access policy as an object, written otherwise than AWS answers it (which reformats it).
  access:
    type: awsbackup:index:VaultPolicy
    properties:
      backupVaultName: ${keyed.name}
      policy:
        Version: "2012-10-17"
        Statement:
          - Sid: copy-from-source
            Effect: Allow
            Principal:
              AWS: arn:aws:iam::210987654321:root
            Action: backup:CopyIntoBackupVault
            Resource: "*"
  # The account's global settings, and a region's settings naming some of AWS's types (one
  # with a space in its name).
  globalSettings:
    type: awsbackup:index:GlobalSettings
    properties:
      isCrossAccountBackupEnabled: true
      isMpaEnabled: false
  regionSettings:
    type: awsbackup:index:RegionSettings
    properties:
      resourceTypeOptInPreference:
        S3: true
        SAP HANA on Amazon EC2: false
      resourceTypeManagementPreference:
        DynamoDB: false
  plan:
    type: awsbackup:index:Plan
    properties:
      name: fid-plan
      rules:
        # Continuous backup with its own schedule, and with the one AWS fills in.
        - ruleName: pitr-own-schedule
          targetVaultName: ${keyed.name}
          enableContinuousBackup: true
          scheduleExpression: cron(0 12 * * ? *)
          lifecycle:
            deleteAfterDays: 14
        - ruleName: pitr-default-schedule
          targetVaultName: ${keyed.name}
          enableContinuousBackup: true
          lifecycle:
            deleteAfterDays: 35
        # Every other rule input: time zone, windows, cold storage and archive, recovery point
        # tags, copies with and without a lifecycle, index actions.
        - ruleName: daily-copies
          targetVaultName: ${plain.name}
          scheduleExpression: cron(0 3 ? * * *)
          scheduleExpressionTimezone: Europe/Paris
          startWindowMinutes: 120
          completionWindowMinutes: 720
          lifecycle:
            moveToColdStorageAfterDays: 30
            deleteAfterDays: 365
            optInToArchiveForSupportedResources: true
          recoveryPointTags:
            kind: daily
          copyActions:
            - destinationVaultArn: arn:aws:backup:eu-west-1:123456789012:backup-vault:dr-vault
              lifecycle:
                deleteAfterDays: 90
            - destinationVaultArn: arn:aws:backup:us-west-2:210987654321:backup-vault:other-account
          indexActions:
            - resourceTypes:
                - EBS
                - S3
          targetLogicallyAirGappedBackupVaultArn: ${airGapped.arn}
      advancedBackupSettings:
        - resourceType: EC2
          backupOptions:
            WindowsVSS: enabled
      tags:
        team: platform
  # An autonamed plan with AWS's defaults only.
  minimal:
    type: awsbackup:index:Plan
    properties:
      rules:
        - ruleName: nightly
          targetVaultName: ${auto.name}
  # Every way of selecting: conditions with notResources (a service-wide pattern among them),
  # listOfTags, and resource patterns.
  byConditions:
    type: awsbackup:index:Selection
    properties:
      planId: ${plan.planId}
      name: by-conditions
      iamRoleArn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
      resources:
        - "*"
      notResources:
        - arn:aws:fsx:*
        - arn:aws:s3:::scratch-bucket
      conditions:
        stringEquals:
          - conditionKey: aws:ResourceTag/backup
            conditionValue: daily
        stringNotLike:
          - conditionKey: aws:ResourceTag/env
            conditionValue: test*
  byTags:
    type: awsbackup:index:Selection
    properties:
      planId: ${plan.planId}
      name: by-tags
      iamRoleArn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
      listOfTags:
        - conditionType: STRINGEQUALS
          conditionKey: backup
          conditionValue: weekly
  byPatterns:
    type: awsbackup:index:Selection
    properties:
      planId: ${minimal.planId}
      iamRoleArn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
      resources:
        - arn:aws:fsx:*
        - arn:aws:ec2:*:*:volume/*
      notResources:
        - arn:aws:rds:eu-west-1:*
  # A restore testing plan with every input (one equal to AWS's default), an autonamed one with
  # AWS's defaults only, a selection by ARNs with every other input and one by conditions.
  restorePlan:
    type: awsbackup:index:RestoreTestingPlan
    properties:
      name: fid_restore
      scheduleExpression: cron(0 4 ? * SAT *)
      scheduleExpressionTimezone: Europe/Paris
      startWindowHours: 24
      recoveryPointSelection:
        algorithm: RANDOM_WITHIN_WINDOW
        includeVaults:
          - arn:aws:backup:us-east-1:123456789012:backup-vault:fid-*
          - "*"
        excludeVaults:
          - arn:aws:backup:us-east-1:123456789012:backup-vault:fid-keyed
        recoveryPointTypes:
          - SNAPSHOT
          - CONTINUOUS
        selectionWindowDays: 7
      tags:
        team: platform
  restoreMinimal:
    type: awsbackup:index:RestoreTestingPlan
    properties:
      scheduleExpression: cron(0 5 ? * * *)
      recoveryPointSelection:
        algorithm: LATEST_WITHIN_WINDOW
        includeVaults: ["*"]
        recoveryPointTypes: [SNAPSHOT]
  restoreByArns:
    type: awsbackup:index:RestoreTestingSelection
    properties:
      restoreTestingPlanName: ${restorePlan.name}
      name: by_arns
      protectedResourceType: EC2
      iamRoleArn: arn:aws:iam::123456789012:role/restore-testing
      protectedResourceArns:
        - arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0
      restoreMetadataOverrides:
        subnetId: subnet-0123
        securityGroupIds: '["sg-1","sg-2"]'
      validationWindowHours: 4
  restoreByTags:
    type: awsbackup:index:RestoreTestingSelection
    properties:
      restoreTestingPlanName: ${restoreMinimal.name}
      protectedResourceType: S3
      iamRoleArn: arn:aws:iam::123456789012:role/restore-testing
      protectedResourceConditions:
        stringEquals:
          - key: restore
            value: "weekly"
        stringNotEquals:
          - key: env
            value: test
  # A framework with every input (controls scoped by types, by resource ids and by a tag, one
  # without parameters) and an autonamed one with a single bare control.
  framework:
    type: awsbackup:index:Framework
    properties:
      name: fid_framework
      description: Audit of the fidelity stack
      controls:
        - name: BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK
          inputParameters:
            - name: requiredFrequencyUnit
              value: hours
            - name: requiredFrequencyValue
              value: "12"
            - name: requiredRetentionDays
              value: "35"
          scope:
            tags:
              backup: daily
        - name: BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN
          scope:
            complianceResourceTypes: [EBS, RDS]
        - name: BACKUP_LAST_RECOVERY_POINT_CREATED
          inputParameters:
            - name: recoveryPointAgeValue
              value: "2"
          scope:
            complianceResourceIds: [vol-0123456789abcdef0]
            complianceResourceTypes: [EBS]
        - name: BACKUP_RECOVERY_POINT_ENCRYPTED
      tags:
        team: platform
  frameworkMinimal:
    type: awsbackup:index:Framework
    properties:
      controls:
        - name: BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION
  # A compliance report plan with every input (the framework count equal to AWS's own), an
  # autonamed job report with AWS's defaults only, and a cross-account, cross-Region one.
  reportCompliance:
    type: awsbackup:index:ReportPlan
    properties:
      name: fid_compliance
      description: daily compliance of the fidelity frameworks
      reportDeliveryChannel:
        s3BucketName: fid-reports
        s3KeyPrefix: audit
        formats: [JSON, CSV]
      reportSetting:
        reportTemplate: CONTROL_COMPLIANCE_REPORT
        frameworkArns:
          - arn:aws:backup:us-east-1:123456789012:framework:fid_b-0000aaaa-1111-2222-3333-444455556666
          - arn:aws:backup:us-east-1:123456789012:framework:fid_a-0000aaaa-1111-2222-3333-444455556666
        numberOfFrameworks: 2
      tags:
        team: audit
  reportMinimal:
    type: awsbackup:index:ReportPlan
    properties:
      reportDeliveryChannel:
        s3BucketName: fid-reports
      reportSetting:
        reportTemplate: RESTORE_JOB_REPORT
  reportOrg:
    type: awsbackup:index:ReportPlan
    properties:
      name: fid_org
      reportDeliveryChannel:
        s3BucketName: fid-reports
        formats: [CSV]
      reportSetting:
        reportTemplate: RESOURCE_COMPLIANCE_REPORT
        accounts: [ROOT]
        organizationUnits: [ou-ab12-cdef3456]
        regions: ["*"]
"#;

/// (type token, resource name) of every resource in [`PROGRAM`].
const RESOURCES: &[(&str, &str)] = &[
    (VAULT, "plain"),
    (VAULT, "keyed"),
    (VAULT, "auto"),
    (AIR_GAPPED, "airGapped"),
    (AIR_GAPPED, "airGappedKeyed"),
    (LOCK, "governance"),
    (LOCK, "compliance"),
    (NOTIFICATIONS, "alerts"),
    (POLICY, "access"),
    (GLOBAL_SETTINGS, "globalSettings"),
    (REGION_SETTINGS, "regionSettings"),
    (PLAN, "plan"),
    (PLAN, "minimal"),
    (SELECTION, "byConditions"),
    (SELECTION, "byTags"),
    (SELECTION, "byPatterns"),
    (RESTORE_PLAN, "restorePlan"),
    (RESTORE_PLAN, "restoreMinimal"),
    (RESTORE_SELECTION, "restoreByArns"),
    (RESTORE_SELECTION, "restoreByTags"),
    (FRAMEWORK, "framework"),
    (FRAMEWORK, "frameworkMinimal"),
    (REPORT_PLAN, "reportCompliance"),
    (REPORT_PLAN, "reportMinimal"),
    (REPORT_PLAN, "reportOrg"),
];

#[test]
fn every_resource_configuration_imports_without_changes() {
    let local = Local::start();
    // GlobalSettings needs an organization's management account, and the provider learns the
    // account from the credentials.
    local.control(
        "POST",
        "organization",
        Some(&json!({ "managementAccount": LOCAL_ACCOUNT })),
    );
    let aws = Aws::for_local(&local);
    let mut stack = Stack::new(
        &yaml_program("awsbackup-fidelity", PROGRAM),
        local.endpoint(),
    );
    stack.set_env("AWS_ACCOUNT_ID", LOCAL_ACCOUNT);

    let preview = stack.preview_diff().success();
    preview
        .contains("\"arn:aws:fsx:*\"")
        .contains("26 to create");
    stack.up().success();
    stack.preview_expect_no_changes().success();
    stack
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();

    // What AWS holds, and the ids to import it by.
    let export = stack.export();
    let ids: Vec<(&str, &str, String)> = RESOURCES
        .iter()
        .map(|(token, name)| {
            let r = export
                .resource(&stack.urn(token, name))
                .unwrap_or_else(|| panic!("{token} {name} is not in the state:\n{export}"));
            (*token, *name, r["id"].as_str().unwrap().to_string())
        })
        .collect();
    let plan_id = &ids.iter().find(|(_, n, _)| *n == "plan").unwrap().2;
    let version = aws.plan(plan_id).unwrap().version_id;
    let held = (
        aws.vault_names(),
        aws.plan_ids(),
        aws.selection_ids(plan_id),
    );
    assert_eq!(held.0.len(), 5);
    assert_eq!(held.1.len(), 2);
    assert_eq!(held.2.len(), 2);
    let pattern_id = &ids.iter().find(|(_, n, _)| *n == "byPatterns").unwrap().2;
    let (minimal_id, pattern_selection) = pattern_id.split_once('|').unwrap();
    let by_patterns = aws
        .selection(minimal_id, pattern_selection)
        .expect("the selection exists");
    assert_eq!(
        by_patterns.resources(),
        ["arn:aws:fsx:*", "arn:aws:ec2:*:*:volume/*"]
    );

    // Forget everything, then import it all back by id.
    for (token, name) in RESOURCES.iter().rev() {
        stack.state_delete(&stack.urn(token, name)).success();
    }
    assert!(stack.export().of_type(VAULT).is_empty());
    let import: Vec<(&str, &str, &str)> = ids
        .iter()
        .map(|(token, name, id)| (*token, *name, id.as_str()))
        .collect();
    stack.import_all(&import).success().contains("25 imported");
    assert_eq!(
        (
            aws.vault_names(),
            aws.plan_ids(),
            aws.selection_ids(plan_id)
        ),
        held,
        "the import changed what AWS holds"
    );
    assert_eq!(aws.plan(plan_id).unwrap().version_id, version);

    let imported = stack.export();
    let keyed = imported.resource(&stack.urn(VAULT, "keyed")).unwrap();
    assert_eq!(
        keyed["inputs"]["encryptionKeyArn"],
        json!("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    );
    let air_gapped = imported
        .resource(&stack.urn(AIR_GAPPED, "airGapped"))
        .unwrap();
    assert_eq!(air_gapped["inputs"]["maxRetentionDays"], json!(400));
    assert_eq!(
        air_gapped["inputs"].get("encryptionKeyArn"),
        None,
        "AWS's own key is no input"
    );
    let air_gapped_keyed = imported
        .resource(&stack.urn(AIR_GAPPED, "airGappedKeyed"))
        .unwrap();
    assert_eq!(
        air_gapped_keyed["inputs"]["encryptionKeyArn"],
        json!("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    );
    let plan = imported.resource(&stack.urn(PLAN, "plan")).unwrap();
    assert_eq!(
        plan["inputs"]["rules"][2]["targetLogicallyAirGappedBackupVaultArn"],
        json!(format!(
            "arn:aws:backup:us-east-1:{LOCAL_ACCOUNT}:backup-vault:fid-airgap"
        ))
    );
    assert_eq!(
        plan["inputs"]["rules"][0]["scheduleExpression"],
        json!("cron(0 12 * * ? *)")
    );
    assert_eq!(plan["inputs"]["rules"][1].get("scheduleExpression"), None);
    let alerts = imported
        .resource(&stack.urn(NOTIFICATIONS, "alerts"))
        .unwrap();
    assert_eq!(alerts["id"], json!("fid-plain"));
    assert_eq!(
        alerts["inputs"]["backupVaultEvents"],
        json!([
            "COPY_JOB_FAILED",
            "BACKUP_JOB_COMPLETED",
            "RESTORE_JOB_COMPLETED"
        ])
    );

    let access = imported.resource(&stack.urn(POLICY, "access")).unwrap();
    assert_eq!(access["id"], json!("fid-keyed"));
    assert_eq!(
        access["inputs"]["policy"]["Statement"][0]["Action"],
        json!("backup:CopyIntoBackupVault"),
        "imported as an object: {access}"
    );
    let global = imported
        .resource(&stack.urn(GLOBAL_SETTINGS, "globalSettings"))
        .unwrap();
    assert_eq!(global["id"], json!(LOCAL_ACCOUNT));
    assert_eq!(
        global["inputs"]["isDelegatedAdministratorEnabled"],
        json!(false)
    );
    let region = imported
        .resource(&stack.urn(REGION_SETTINGS, "regionSettings"))
        .unwrap();
    assert_eq!(region["id"], json!(format!("{LOCAL_ACCOUNT}/us-east-1")));
    assert_eq!(
        region["inputs"]["resourceTypeOptInPreference"]["SAP HANA on Amazon EC2"],
        json!(false)
    );

    let restore = imported
        .resource(&stack.urn(RESTORE_PLAN, "restoreMinimal"))
        .unwrap();
    assert_eq!(
        restore["inputs"].get("startWindowHours"),
        None,
        "AWS's default is no input: {restore}"
    );
    let by_tags = imported
        .resource(&stack.urn(RESTORE_SELECTION, "restoreByTags"))
        .unwrap();
    assert_eq!(by_tags["inputs"]["protectedResourceArns"], json!(["*"]));
    let report_minimal = imported
        .resource(&stack.urn(REPORT_PLAN, "reportMinimal"))
        .unwrap();
    assert_eq!(
        report_minimal["inputs"]["reportDeliveryChannel"].get("formats"),
        None,
        "AWS's default format is no input: {report_minimal}"
    );
    let report_compliance = imported
        .resource(&stack.urn(REPORT_PLAN, "reportCompliance"))
        .unwrap();
    assert_eq!(report_compliance["id"], json!("fid_compliance"));
    assert_eq!(
        report_compliance["inputs"]["description"],
        json!("daily compliance of the fidelity frameworks")
    );

    let framework = imported
        .resource(&stack.urn(FRAMEWORK, "framework"))
        .unwrap();
    assert_eq!(
        framework["inputs"]["controls"].as_array().map(Vec::len),
        Some(4),
        "{framework}"
    );
    assert_eq!(framework["outputs"]["deploymentStatus"], "COMPLETED");
    let minimal = imported
        .resource(&stack.urn(FRAMEWORK, "frameworkMinimal"))
        .unwrap();
    assert_eq!(
        minimal["inputs"]["controls"][0].get("inputParameters"),
        None,
        "no parameters read back as none: {minimal}"
    );

    // The program that created them has nothing to do, and a refresh finds nothing.
    stack.preview_expect_no_changes().success();
    stack
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();
    stack.preview_expect_no_changes().success();

    // An import records no dependencies; one `pulumi up` of the program records them (and
    // changes nothing), after which destroy deletes in order and leaves nothing.
    stack
        .pulumi(&["up", "--yes", "--expect-no-changes"])
        .success();
    assert_eq!(aws.plan(plan_id).unwrap().version_id, version);
    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
    assert_eq!(aws.plan_ids(), Vec::<String>::new());
}
