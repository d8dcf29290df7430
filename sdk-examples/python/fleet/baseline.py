"""The Pulumi programs of a backup fleet: one central stack and one stack per member account and
region.

The central stack holds the vault every member copies into, its access policy letting the members
copy in, and the central account's global settings with cross-account backup on. Each member stack
holds a vault with a governance lock, a daily plan whose rule copies every recovery point into the
central vault, and a selection of the resources tagged ``backup=daily``.
"""

from dataclasses import dataclass
from typing import Any, Callable, Optional

import pulumi
import pulumi_awsbackup as awsbackup

CENTRAL_VAULT = "fleet-central-vault"
MEMBER_VAULT = "fleet-member-vault"
MEMBER_PLAN = "fleet-daily"
SESSION_NAME = "awsbackup-fleet"
BACKUP_ROLE = "service-role/AWSBackupDefaultServiceRole"
# The local endpoint's account for credentials that are not a 12-digit key.
DEFAULT_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Account:
    """An AWS account the fleet acts in: its id and, unless the default credentials are meant,
    the role to assume there."""

    account_id: Optional[str]
    role_arn: Optional[str]

    @staticmethod
    def from_role(role_arn: str) -> "Account":
        # arn:aws:iam::<account>:role/<name>
        parts = role_arn.split(":")
        if len(parts) < 6 or parts[2] != "iam" or not (parts[4].isdigit() and len(parts[4]) == 12):
            raise ValueError(f"not an IAM role ARN: {role_arn!r}")
        return Account(account_id=parts[4], role_arn=role_arn)


@dataclass(frozen=True)
class Connection:
    """How the providers reach AWS: a local endpoint URL serving AWS Backup and STS, or None for
    AWS itself."""

    endpoint: Optional[str] = None


def provider(name: str, account: Account, region: str, conn: Connection) -> awsbackup.Provider:
    """The explicit provider of one account and region. The only place that decides how an
    account's credentials are obtained: the default credentials assume the account's role (on a
    local endpoint too, which serves STS AssumeRole on the same URL), or are used as they are when
    the account has no role."""
    if account.role_arn is None:
        return awsbackup.Provider(name, region=region, endpoint=conn.endpoint)
    return awsbackup.Provider(
        name,
        region=region,
        endpoint=conn.endpoint,
        sts_endpoint=conn.endpoint,
        assume_role=awsbackup.AssumeRoleArgs(role_arn=account.role_arn, session_name=SESSION_NAME),
    )


def copy_in_policy(vault_arn: str, members: list[Account]) -> dict[str, Any]:
    """The central vault's access policy: every member account may copy into it."""
    principals = sorted({f"arn:aws:iam::{m.account_id}:root" for m in members if m.account_id})
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FleetMembersCopyIn",
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": vault_arn,
            }
        ],
    }


def central_program(
    account: Account, region: str, members: list[Account], conn: Connection
) -> Callable[[], None]:
    """The central stack: the vault the members copy into (its ARN as output ``vaultArn``), its
    access policy for the members, and cross-account backup turned on for the central account."""

    def program() -> None:
        aws = provider("central", account, region, conn)
        opts = pulumi.ResourceOptions(provider=aws)
        vault = awsbackup.Vault(
            "central",
            name=CENTRAL_VAULT,
            tags={"fleet": "central"},
            opts=opts,
        )
        awsbackup.VaultPolicy(
            "central",
            backup_vault_name=vault.name,
            policy=vault.arn.apply(lambda arn: copy_in_policy(arn, members)),
            opts=opts,
        )
        # One per account, and only the organization's management account may change it. The
        # provider learns the account from assumed-role credentials; with credentials that do not
        # carry it (an access key), from a vault's ARN: the central vault comes first.
        awsbackup.GlobalSettings(
            "central",
            is_cross_account_backup_enabled=True,
            opts=pulumi.ResourceOptions(provider=aws, depends_on=[vault]),
        )
        pulumi.export("vaultArn", vault.arn)

    return program


def member_program(
    account: Account, region: str, central_vault_arn: str, conn: Connection
) -> Callable[[], None]:
    """A member account's baseline in one region."""

    def program() -> None:
        aws = provider("member", account, region, conn)
        opts = pulumi.ResourceOptions(provider=aws)
        tags = {"fleet": "member"}
        vault = awsbackup.Vault("vault", name=MEMBER_VAULT, tags=tags, opts=opts)
        # Governance mode: the lock can still be changed or removed.
        lock = awsbackup.VaultLock(
            "lock",
            backup_vault_name=vault.name,
            min_retention_days=7,
            max_retention_days=365,
            opts=opts,
        )
        plan = awsbackup.Plan(
            "plan",
            name=MEMBER_PLAN,
            rules=[
                awsbackup.RuleArgs(
                    rule_name="daily",
                    target_vault_name=vault.name,
                    schedule_expression="cron(0 5 ? * * *)",
                    lifecycle=awsbackup.LifecycleArgs(delete_after_days=35),
                    copy_actions=[
                        awsbackup.CopyActionArgs(
                            destination_vault_arn=central_vault_arn,
                            lifecycle=awsbackup.LifecycleArgs(delete_after_days=90),
                        )
                    ],
                )
            ],
            tags=tags,
            # After the lock, so the preview check of the rule's retention sees it.
            opts=pulumi.ResourceOptions(provider=aws, depends_on=[lock]),
        )
        role = f"arn:aws:iam::{account.account_id or DEFAULT_ACCOUNT}:role/{BACKUP_ROLE}"
        selection = awsbackup.Selection(
            "tagged",
            plan_id=plan.plan_id,
            name="tagged-backup-daily",
            iam_role_arn=role,
            resources=["*"],
            conditions=awsbackup.SelectionConditionsArgs(
                string_equals=[
                    awsbackup.SelectionConditionParameterArgs(
                        condition_key="aws:ResourceTag/backup", condition_value="daily"
                    )
                ]
            ),
            opts=opts,
        )
        pulumi.export("vaultArn", vault.arn)
        pulumi.export("planId", plan.plan_id)
        pulumi.export("selectionId", selection.selection_id)

    return program
