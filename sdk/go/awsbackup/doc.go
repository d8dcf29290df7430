// Manage AWS Backup vaults, vault locks, backup plans and backup selections, validated at preview time.
package awsbackup
