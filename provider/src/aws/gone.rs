//! Deletes that succeed when there is nothing left to delete.
//!
//! [`BackupApi`]'s reads already answer `None` for what does not exist; its deletes answer AWS's
//! not-found error. [`DeleteIfPresent`] gives every [`BackupApi`] the delete a resource wants:
//! `Ok(true)` when it deleted something, `Ok(false)` when it was already gone, so that resources
//! never read an error as absence themselves.

use async_trait::async_trait;

use super::{AwsError, BackupApi};

/// `Ok(false)` for an error that means the target is already gone.
fn unless_gone(
    deleted: Result<(), AwsError>,
    is_gone: fn(&AwsError) -> bool,
) -> Result<bool, AwsError> {
    match deleted {
        Ok(()) => Ok(true),
        Err(e) if is_gone(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The deletes of [`BackupApi`], with "already gone" as success (`Ok(false)`).
#[async_trait]
pub trait DeleteIfPresent {
    async fn delete_vault_if_present(&self, name: &str) -> Result<bool, AwsError>;
    async fn delete_vault_lock_if_present(&self, vault: &str) -> Result<bool, AwsError>;
    async fn delete_plan_if_present(&self, id: &str) -> Result<bool, AwsError>;
    /// Also `Ok(false)` when the plan is gone, which takes its selections with it.
    async fn delete_selection_if_present(
        &self,
        plan_id: &str,
        selection_id: &str,
    ) -> Result<bool, AwsError>;
    async fn delete_recovery_point_if_present(
        &self,
        vault: &str,
        arn: &str,
    ) -> Result<bool, AwsError>;
}

#[async_trait]
impl<A: BackupApi + ?Sized> DeleteIfPresent for A {
    async fn delete_vault_if_present(&self, name: &str) -> Result<bool, AwsError> {
        unless_gone(self.delete_vault(name).await, AwsError::is_vault_gone)
    }

    async fn delete_vault_lock_if_present(&self, vault: &str) -> Result<bool, AwsError> {
        unless_gone(self.delete_vault_lock(vault).await, AwsError::is_vault_gone)
    }

    async fn delete_plan_if_present(&self, id: &str) -> Result<bool, AwsError> {
        unless_gone(self.delete_plan(id).await, AwsError::is_not_found)
    }

    async fn delete_selection_if_present(
        &self,
        plan_id: &str,
        selection_id: &str,
    ) -> Result<bool, AwsError> {
        unless_gone(
            self.delete_selection(plan_id, selection_id).await,
            AwsError::is_selection_gone,
        )
    }

    async fn delete_recovery_point_if_present(
        &self,
        vault: &str,
        arn: &str,
    ) -> Result<bool, AwsError> {
        unless_gone(
            self.delete_recovery_point(vault, arn).await,
            AwsError::is_not_found,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::code;

    #[test]
    fn only_the_errors_that_mean_gone_become_success() {
        let answer = |c: &str| Err(AwsError::new("DeleteBackupVault", c, "m"));
        assert!(unless_gone(Ok(()), AwsError::is_vault_gone).unwrap());
        assert!(!unless_gone(answer(code::ACCESS_DENIED), AwsError::is_vault_gone).unwrap());
        // The same answer is a failure where it does not mean absence.
        let denied = unless_gone(answer(code::ACCESS_DENIED), AwsError::is_not_found);
        assert_eq!(denied.unwrap_err().code, code::ACCESS_DENIED);
        assert!(unless_gone(answer(code::INVALID_REQUEST), AwsError::is_vault_gone).is_err());
    }
}
