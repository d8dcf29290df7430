"""A daily backup of every S3 bucket tagged backup=daily, in AWS Backup.

Declares a vault with a governance-mode lock, the plan ``backup_daily_30_days_retention`` and a
selection of S3 buckets narrowed by a tag condition, and exports the ids a caller needs.
"""

import pulumi
import pulumi_awsbackup as awsbackup

DEFAULT_ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"


def seed_walkthrough() -> None:
    config = pulumi.Config()
    retention_days = config.get_int("retentionDays") or 30
    role_arn = config.get("backupRoleArn") or DEFAULT_ROLE

    vault = awsbackup.Vault(
        "vault",
        name="seed-walkthrough-vault",
        force_destroy=True,
        tags={"project": "seed-walkthrough"},
    )

    # Governance mode (no changeable_for_days): the lock can be changed or removed later.
    lock = awsbackup.VaultLock(
        "lock",
        backup_vault_name=vault.name,
        min_retention_days=7,
        max_retention_days=365,
    )

    plan = awsbackup.Plan(
        "plan",
        name="backup_daily_30_days_retention",
        rules=[
            awsbackup.RuleArgs(
                rule_name="daily",
                target_vault_name=vault.name,
                schedule_expression="cron(0 5 ? * * *)",
                lifecycle=awsbackup.LifecycleArgs(delete_after_days=retention_days),
            )
        ],
        tags={"project": "seed-walkthrough"},
        # Created after the lock, so the preview check of the rule's retention sees it.
        opts=pulumi.ResourceOptions(depends_on=[lock]),
    )

    # Every S3 bucket, narrowed (AND) by the tag condition.
    selection = awsbackup.Selection(
        "s3Buckets",
        plan_id=plan.plan_id,
        name="all-s3-buckets-tagged-daily",
        iam_role_arn=role_arn,
        resources=["arn:aws:s3:::*"],
        conditions=awsbackup.SelectionConditionsArgs(
            string_equals=[
                awsbackup.SelectionConditionParameterArgs(
                    condition_key="aws:ResourceTag/backup",
                    condition_value="daily",
                )
            ]
        ),
    )

    pulumi.export("vaultArn", vault.arn)
    pulumi.export("planId", plan.plan_id)
    pulumi.export("planVersion", plan.version_id)
    pulumi.export("selectionId", selection.selection_id)
