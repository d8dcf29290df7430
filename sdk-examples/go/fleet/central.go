package main

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// copyInPolicy is the central vault's access policy: every member account may copy into it.
func copyInPolicy(vaultArn string, members []Account) map[string]any {
	seen := map[string]bool{}
	principals := []string{}
	for _, m := range members {
		if m.ID != "" && !seen[m.ID] {
			seen[m.ID] = true
			principals = append(principals, fmt.Sprintf("arn:aws:iam::%s:root", m.ID))
		}
	}
	sort.Strings(principals)
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid":       "FleetMembersCopyIn",
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": principals},
			"Action":    "backup:CopyIntoBackupVault",
			"Resource":  vaultArn,
		}},
	}
}

// copyInPolicyOutput is copyInPolicy once the vault's ARN is known.
func copyInPolicyOutput(vaultArn pulumi.StringOutput, members []Account) pulumi.AnyOutput {
	return vaultArn.ApplyT(func(arn string) any { return copyInPolicy(arn, members) }).(pulumi.AnyOutput)
}
