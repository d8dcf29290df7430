package main

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/awsbackup/pulumi-awsbackup/sdk/go/awsbackup"
)

const (
	centralVault = "fleet-central-vault"
	memberVault  = "fleet-member-vault"
	memberPlan   = "fleet-daily"
	sessionName  = "awsbackup-fleet"
	backupRole   = "service-role/AWSBackupDefaultServiceRole"
	// The local endpoint's account for credentials that are not a 12-digit key.
	defaultAccount = "123456789012"
)

// Account is an AWS account the fleet acts in: its id and, unless the default credentials are
// meant, the role to assume there. Both are empty for the default credentials.
type Account struct {
	ID      string
	RoleArn string
}

// accountFromRole reads the account id of arn:aws:iam::<account>:role/<name>.
func accountFromRole(roleArn string) (Account, error) {
	parts := strings.Split(roleArn, ":")
	if len(parts) < 6 || parts[2] != "iam" || !isAccountID(parts[4]) {
		return Account{}, fmt.Errorf("not an IAM role ARN: %q", roleArn)
	}
	return Account{ID: parts[4], RoleArn: roleArn}, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Connection is how the providers reach AWS: a local endpoint URL serving AWS Backup and STS
// (empty for AWS itself).
type Connection struct {
	Endpoint string
}

// newProvider is the explicit provider of one account and region, and the only place that
// decides how an account's credentials are obtained: the default credentials assume the
// account's role (on a local endpoint too, which serves STS AssumeRole on the same URL), or are
// used as they are when the account has no role.
func newProvider(ctx *pulumi.Context, name string, account Account, region string, conn Connection) (*awsbackup.Provider, error) {
	args := &awsbackup.ProviderArgs{Region: pulumi.String(region)}
	if conn.Endpoint != "" {
		args.Endpoint = pulumi.String(conn.Endpoint)
	}
	if account.RoleArn != "" {
		if conn.Endpoint != "" {
			args.StsEndpoint = pulumi.String(conn.Endpoint)
		}
		args.AssumeRole = awsbackup.AssumeRoleArgs{
			RoleArn:     pulumi.String(account.RoleArn),
			SessionName: pulumi.String(sessionName),
		}
	}
	return awsbackup.NewProvider(ctx, name, args)
}

// centralProgram declares the vault the members copy into (its ARN exported as vaultArn), its
// access policy for the members, and cross-account backup turned on for the central account.
func centralProgram(account Account, region string, members []Account, conn Connection) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		aws, err := newProvider(ctx, "central", account, region, conn)
		if err != nil {
			return err
		}
		vault, err := awsbackup.NewVault(ctx, "central", &awsbackup.VaultArgs{
			Name: pulumi.String(centralVault),
			Tags: pulumi.StringMap{"fleet": pulumi.String("central")},
		}, pulumi.Provider(aws))
		if err != nil {
			return err
		}
		if _, err := awsbackup.NewVaultPolicy(ctx, "central", &awsbackup.VaultPolicyArgs{
			BackupVaultName: vault.Name,
			Policy:          copyInPolicyOutput(vault.Arn, members),
		}, pulumi.Provider(aws)); err != nil {
			return err
		}
		// One per account, and only the organization's management account may change it. The
		// provider learns the account from assumed-role credentials; with credentials that do not
		// carry it (an access key), from a vault's ARN: the central vault comes first.
		if _, err := awsbackup.NewGlobalSettings(ctx, "central", &awsbackup.GlobalSettingsArgs{
			IsCrossAccountBackupEnabled: pulumi.Bool(true),
		}, pulumi.Provider(aws), pulumi.DependsOn([]pulumi.Resource{vault})); err != nil {
			return err
		}
		ctx.Export("vaultArn", vault.Arn)
		return nil
	}
}

// memberProgram declares a member account's baseline in one region: a vault with a governance
// lock, a daily plan copying into the central vault, and a selection by tag.
func memberProgram(account Account, region, centralVaultArn string, conn Connection) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		aws, err := newProvider(ctx, "member", account, region, conn)
		if err != nil {
			return err
		}
		tags := pulumi.StringMap{"fleet": pulumi.String("member")}
		vault, err := awsbackup.NewVault(ctx, "vault", &awsbackup.VaultArgs{
			Name: pulumi.String(memberVault),
			Tags: tags,
		}, pulumi.Provider(aws))
		if err != nil {
			return err
		}
		// Governance mode: the lock can still be changed or removed.
		lock, err := awsbackup.NewVaultLock(ctx, "lock", &awsbackup.VaultLockArgs{
			BackupVaultName:  vault.Name,
			MinRetentionDays: pulumi.Int(7),
			MaxRetentionDays: pulumi.Int(365),
		}, pulumi.Provider(aws))
		if err != nil {
			return err
		}
		plan, err := awsbackup.NewPlan(ctx, "plan", &awsbackup.PlanArgs{
			Name: pulumi.String(memberPlan),
			Rules: awsbackup.RuleArray{
				awsbackup.RuleArgs{
					RuleName:           pulumi.String("daily"),
					TargetVaultName:    vault.Name,
					ScheduleExpression: pulumi.String("cron(0 5 ? * * *)"),
					Lifecycle:          awsbackup.LifecycleArgs{DeleteAfterDays: pulumi.Int(35)},
					CopyActions: awsbackup.CopyActionArray{
						awsbackup.CopyActionArgs{
							DestinationVaultArn: pulumi.String(centralVaultArn),
							Lifecycle:           awsbackup.LifecycleArgs{DeleteAfterDays: pulumi.Int(90)},
						},
					},
				},
			},
			Tags: tags,
		},
			pulumi.Provider(aws),
			// After the lock, so the preview check of the rule's retention sees it.
			pulumi.DependsOn([]pulumi.Resource{lock}),
		)
		if err != nil {
			return err
		}
		id := account.ID
		if id == "" {
			id = defaultAccount
		}
		selection, err := awsbackup.NewSelection(ctx, "tagged", &awsbackup.SelectionArgs{
			PlanId:     plan.PlanId,
			Name:       pulumi.String("tagged-backup-daily"),
			IamRoleArn: pulumi.String(fmt.Sprintf("arn:aws:iam::%s:role/%s", id, backupRole)),
			Resources:  pulumi.StringArray{pulumi.String("*")},
			Conditions: awsbackup.SelectionConditionsArgs{
				StringEquals: awsbackup.SelectionConditionParameterArray{
					awsbackup.SelectionConditionParameterArgs{
						ConditionKey:   pulumi.String("aws:ResourceTag/backup"),
						ConditionValue: pulumi.String("daily"),
					},
				},
			},
		}, pulumi.Provider(aws))
		if err != nil {
			return err
		}
		ctx.Export("vaultArn", vault.Arn)
		ctx.Export("planId", plan.PlanId)
		ctx.Export("selectionId", selection.SelectionId)
		return nil
	}
}
