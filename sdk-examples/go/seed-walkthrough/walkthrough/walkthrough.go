// Package walkthrough declares the seed-walkthrough stack: a daily backup of every S3 bucket
// tagged backup=daily, into a vault with a governance lock.
package walkthrough

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/awsbackup/pulumi-awsbackup/sdk/go/awsbackup"
)

const defaultBackupRoleArn = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"

// Program declares the vault, its lock, the plan and the selection, and exports their ids.
func Program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	retentionDays, err := cfg.TryInt("retentionDays")
	if errors.Is(err, config.ErrMissingVar) {
		retentionDays = 30
	} else if err != nil {
		return fmt.Errorf("config retentionDays: %w", err)
	}
	backupRoleArn := cfg.Get("backupRoleArn")
	if backupRoleArn == "" {
		backupRoleArn = defaultBackupRoleArn
	}

	tags := pulumi.StringMap{"project": pulumi.String("seed-walkthrough")}

	vault, err := awsbackup.NewVault(ctx, "vault", &awsbackup.VaultArgs{
		Name:         pulumi.String("seed-walkthrough-vault"),
		ForceDestroy: pulumi.Bool(true),
		Tags:         tags,
	})
	if err != nil {
		return err
	}

	// Governance mode (no ChangeableForDays): the lock can be changed or removed later.
	lock, err := awsbackup.NewVaultLock(ctx, "lock", &awsbackup.VaultLockArgs{
		BackupVaultName:  vault.Name,
		MinRetentionDays: pulumi.Int(7),
		MaxRetentionDays: pulumi.Int(365),
	})
	if err != nil {
		return err
	}

	plan, err := awsbackup.NewPlan(ctx, "plan", &awsbackup.PlanArgs{
		Name: pulumi.String("backup_daily_30_days_retention"),
		Rules: awsbackup.RuleArray{
			awsbackup.RuleArgs{
				RuleName:           pulumi.String("daily"),
				TargetVaultName:    vault.Name,
				ScheduleExpression: pulumi.String("cron(0 5 ? * * *)"),
				Lifecycle: awsbackup.LifecycleArgs{
					DeleteAfterDays: pulumi.Int(retentionDays),
				},
			},
		},
		Tags: tags,
	},
		// Created after the lock, so the preview check of the rule's retention sees it.
		pulumi.DependsOn([]pulumi.Resource{lock}),
	)
	if err != nil {
		return err
	}

	s3Buckets, err := awsbackup.NewSelection(ctx, "s3Buckets", &awsbackup.SelectionArgs{
		PlanId:     plan.PlanId,
		Name:       pulumi.String("all-s3-buckets-tagged-daily"),
		IamRoleArn: pulumi.String(backupRoleArn),
		// Every S3 bucket, narrowed (AND) by the tag conditions.
		Resources: pulumi.StringArray{pulumi.String("arn:aws:s3:::*")},
		Conditions: awsbackup.SelectionConditionsArgs{
			StringEquals: awsbackup.SelectionConditionParameterArray{
				awsbackup.SelectionConditionParameterArgs{
					ConditionKey:   pulumi.String("aws:ResourceTag/backup"),
					ConditionValue: pulumi.String("daily"),
				},
			},
		},
	})
	if err != nil {
		return err
	}

	ctx.Export("vaultArn", vault.Arn)
	ctx.Export("planId", plan.PlanId)
	ctx.Export("planVersion", plan.VersionId)
	ctx.Export("selectionId", s3Buckets.SelectionId)
	return nil
}
