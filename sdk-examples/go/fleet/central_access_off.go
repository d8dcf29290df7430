//go:build !centralpolicy

package main

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/awsbackup/pulumi-awsbackup/sdk/go/awsbackup"
)

// centralAccessBuilt tells whether this binary can declare the central VaultPolicy and
// GlobalSettings (built with -tags centralpolicy).
const centralAccessBuilt = false

func centralAccess(*pulumi.Context, *awsbackup.Vault, []Account, ...pulumi.ResourceOption) error {
	return errors.New("built without VaultPolicy and GlobalSettings: rebuild with -tags centralpolicy")
}
