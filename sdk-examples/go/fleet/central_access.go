//go:build centralpolicy

// The central account's side of cross-account copies. Built with -tags centralpolicy, which
// needs VaultPolicy and GlobalSettings in the awsbackup SDK.

package main

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/awsbackup/pulumi-awsbackup/sdk/go/awsbackup"
)

const centralAccessBuilt = true

// centralAccess lets the member accounts copy into the central vault, and turns cross-account
// backup on for the central account.
func centralAccess(ctx *pulumi.Context, vault *awsbackup.Vault, members []Account, opts ...pulumi.ResourceOption) error {
	seen := map[string]bool{}
	var principals []string
	for _, m := range members {
		if m.ID != "" && !seen[m.ID] {
			seen[m.ID] = true
			principals = append(principals, fmt.Sprintf("arn:aws:iam::%s:root", m.ID))
		}
	}
	sort.Strings(principals)
	policy := vault.Arn.ApplyT(func(arn string) (string, error) {
		doc, err := json.Marshal(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Sid":       "FleetMembersCopyIn",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": principals},
				"Action":    "backup:CopyIntoBackupVault",
				"Resource":  arn,
			}},
		})
		return string(doc), err
	}).(pulumi.StringOutput)
	if _, err := awsbackup.NewVaultPolicy(ctx, "centralPolicy", &awsbackup.VaultPolicyArgs{
		BackupVaultName: vault.Name,
		Policy:          policy,
	}, opts...); err != nil {
		return err
	}
	// One per account: the central account lets its vaults take copies from other accounts.
	_, err := awsbackup.NewGlobalSettings(ctx, "globalSettings", &awsbackup.GlobalSettingsArgs{
		IsCrossAccountBackupEnabled: pulumi.Bool(true),
	}, opts...)
	return err
}
