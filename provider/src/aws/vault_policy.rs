//! A vault's access policy, as the provider and AWS Backup exchange it.

/// A vault's access policy as GetBackupVaultAccessPolicy reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VaultPolicy {
    pub vault_name: String,
    pub vault_arn: String,
    /// The policy document, a JSON string as AWS answers it (AWS may reformat it).
    pub policy: String,
}
