// A daily backup of every S3 bucket tagged backup=daily: the TypeScript twin of
// sdk-examples/yaml/seed-walkthrough/Pulumi.yaml.
import * as pulumi from "@pulumi/pulumi";
import * as awsbackup from "@awsbackup/pulumi";

export interface SeedWalkthroughOutputs {
    vaultArn: pulumi.Output<string>;
    planId: pulumi.Output<string>;
    /** Changes with every update of the plan. */
    planVersion: pulumi.Output<string>;
    selectionId: pulumi.Output<string>;
}

export async function seedWalkthrough(): Promise<SeedWalkthroughOutputs> {
    const config = new pulumi.Config();
    const retentionDays = config.getNumber("retentionDays") ?? 30;
    const backupRoleArn =
        config.get("backupRoleArn") ??
        "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";

    const vault = new awsbackup.Vault("vault", {
        name: "seed-walkthrough-vault",
        // Lets `pulumi destroy` delete the vault even when it holds recovery points.
        forceDestroy: true,
        tags: { project: "seed-walkthrough" },
    });

    // Governance mode (no changeableForDays): the lock can be changed or removed later.
    const lock = new awsbackup.VaultLock("lock", {
        backupVaultName: vault.name,
        minRetentionDays: 7,
        maxRetentionDays: 365,
    });

    const plan = new awsbackup.Plan(
        "plan",
        {
            name: "backup_daily_30_days_retention",
            rules: [
                {
                    ruleName: "daily",
                    targetVaultName: vault.name,
                    scheduleExpression: "cron(0 5 ? * * *)",
                    lifecycle: { deleteAfterDays: retentionDays },
                },
            ],
            tags: { project: "seed-walkthrough" },
        },
        // Created after the lock, so the preview check of the rule's retention sees it.
        { dependsOn: [lock] },
    );

    const s3Buckets = new awsbackup.Selection("s3Buckets", {
        planId: plan.planId,
        name: "all-s3-buckets-tagged-daily",
        iamRoleArn: backupRoleArn,
        // Every S3 bucket, narrowed (AND) by the tag conditions.
        resources: ["arn:aws:s3:::*"],
        conditions: {
            stringEquals: [{ conditionKey: "aws:ResourceTag/backup", conditionValue: "daily" }],
        },
    });

    return {
        vaultArn: vault.arn,
        planId: plan.planId,
        planVersion: plan.versionId,
        selectionId: s3Buckets.selectionId,
    };
}
