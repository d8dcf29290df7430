"""The central account's side of cross-account copies: a vault access policy letting the member
accounts copy in, and cross-account backup turned on.

This module needs ``VaultPolicy`` and ``GlobalSettings`` in pulumi_awsbackup. fleet.py imports it
only with ``--central-policy``, and stops with a clear message when the SDK lacks them.
"""

import json

import pulumi
import pulumi_awsbackup as awsbackup
from pulumi_awsbackup import GlobalSettings, VaultPolicy

from baseline import Account


def central_access(
    vault: awsbackup.Vault, members: list[Account], opts: pulumi.ResourceOptions
) -> None:
    principals = sorted({f"arn:aws:iam::{m.account_id}:root" for m in members if m.account_id})
    policy = vault.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "FleetMembersCopyIn",
                        "Effect": "Allow",
                        "Principal": {"AWS": principals},
                        "Action": "backup:CopyIntoBackupVault",
                        "Resource": arn,
                    }
                ],
            }
        )
    )
    VaultPolicy("centralPolicy", backup_vault_name=vault.name, policy=policy, opts=opts)
    # One per account: the central account lets its vaults take copies from other accounts.
    GlobalSettings("globalSettings", is_cross_account_backup_enabled=True, opts=opts)
