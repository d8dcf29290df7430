//! Maps method + raw (still percent-encoded) path to an operation, exactly as
//! the model's URIs: trailing slashes are significant and a label is one path
//! segment. Labels are percent-decoded only after matching, so an ARN label
//! containing `%2F` stays one segment.

use percent_encoding::percent_decode_str;

/// (method, URI pattern, operation). `{}` matches one non-empty segment.
const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/backup-vaults/", "ListBackupVaults"),
    ("PUT", "/backup-vaults/{}", "CreateBackupVault"),
    ("GET", "/backup-vaults/{}", "DescribeBackupVault"),
    ("DELETE", "/backup-vaults/{}", "DeleteBackupVault"),
    (
        "PUT",
        "/backup-vaults/{}/vault-lock",
        "PutBackupVaultLockConfiguration",
    ),
    (
        "DELETE",
        "/backup-vaults/{}/vault-lock",
        "DeleteBackupVaultLockConfiguration",
    ),
    (
        "PUT",
        "/backup-vaults/{}/access-policy",
        "PutBackupVaultAccessPolicy",
    ),
    (
        "GET",
        "/backup-vaults/{}/access-policy",
        "GetBackupVaultAccessPolicy",
    ),
    (
        "DELETE",
        "/backup-vaults/{}/access-policy",
        "DeleteBackupVaultAccessPolicy",
    ),
    (
        "PUT",
        "/backup-vaults/{}/notification-configuration",
        "PutBackupVaultNotifications",
    ),
    (
        "GET",
        "/backup-vaults/{}/notification-configuration",
        "GetBackupVaultNotifications",
    ),
    (
        "DELETE",
        "/backup-vaults/{}/notification-configuration",
        "DeleteBackupVaultNotifications",
    ),
    (
        "GET",
        "/backup-vaults/{}/recovery-points/",
        "ListRecoveryPointsByBackupVault",
    ),
    (
        "GET",
        "/backup-vaults/{}/recovery-points/{}",
        "DescribeRecoveryPoint",
    ),
    (
        "DELETE",
        "/backup-vaults/{}/recovery-points/{}",
        "DeleteRecoveryPoint",
    ),
    ("PUT", "/backup-jobs", "StartBackupJob"),
    ("PUT", "/backup/plans/", "CreateBackupPlan"),
    ("GET", "/backup/plans/", "ListBackupPlans"),
    ("GET", "/backup/plans/{}/", "GetBackupPlan"),
    ("POST", "/backup/plans/{}", "UpdateBackupPlan"),
    ("DELETE", "/backup/plans/{}", "DeleteBackupPlan"),
    (
        "GET",
        "/backup/plans/{}/versions/",
        "ListBackupPlanVersions",
    ),
    (
        "PUT",
        "/backup/plans/{}/selections/",
        "CreateBackupSelection",
    ),
    (
        "GET",
        "/backup/plans/{}/selections/",
        "ListBackupSelections",
    ),
    (
        "GET",
        "/backup/plans/{}/selections/{}",
        "GetBackupSelection",
    ),
    (
        "DELETE",
        "/backup/plans/{}/selections/{}",
        "DeleteBackupSelection",
    ),
    ("POST", "/tags/{}", "TagResource"),
    ("GET", "/tags/{}/", "ListTags"),
    ("POST", "/untag/{}", "UntagResource"),
];

/// Every operation the endpoint serves.
pub fn operations() -> impl Iterator<Item = &'static str> {
    ROUTES.iter().map(|(_, _, op)| *op)
}

#[derive(Debug, PartialEq, Eq)]
pub struct Route {
    pub operation: &'static str,
    /// Decoded path labels, in order.
    pub labels: Vec<String>,
}

pub fn route(method: &str, raw_path: &str) -> Option<Route> {
    let segments: Vec<&str> = raw_path.split('/').collect();
    'routes: for (m, pattern, op) in ROUTES {
        if *m != method {
            continue;
        }
        let pat: Vec<&str> = pattern.split('/').collect();
        if pat.len() != segments.len() {
            continue;
        }
        let mut labels = Vec::new();
        for (p, s) in pat.iter().zip(&segments) {
            if *p == "{}" {
                if s.is_empty() {
                    continue 'routes;
                }
                labels.push(percent_decode_str(s).decode_utf8_lossy().into_owned());
            } else if p != s {
                continue 'routes;
            }
        }
        return Some(Route {
            operation: op,
            labels,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_slashes_are_significant() {
        assert_eq!(
            route("GET", "/backup/plans/p1/").unwrap().operation,
            "GetBackupPlan"
        );
        assert_eq!(route("GET", "/backup/plans/p1"), None);
        assert_eq!(
            route("POST", "/backup/plans/p1").unwrap().operation,
            "UpdateBackupPlan"
        );
        assert_eq!(route("GET", "/tags/x/").unwrap().operation, "ListTags");
        assert_eq!(route("GET", "/tags/x"), None);
        assert_eq!(route("GET", "/backup-vaults").map(|r| r.operation), None);
    }

    #[test]
    fn labels_are_decoded_after_matching() {
        let r = route(
            "GET",
            "/tags/arn%3Aaws%3Abackup%3Aus-east-1%3A123456789012%3Abackup-vault%3Aa%2Fb/",
        )
        .unwrap();
        assert_eq!(r.operation, "ListTags");
        assert_eq!(
            r.labels,
            vec!["arn:aws:backup:us-east-1:123456789012:backup-vault:a/b"]
        );
    }
}
