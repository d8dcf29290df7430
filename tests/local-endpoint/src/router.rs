//! Maps method + raw (still percent-encoded) path to an operation, as the
//! botocore model's URIs. A label is one path segment; labels are
//! percent-decoded only after matching, so an ARN label containing `%2F`
//! stays one segment.
//!
//! Trailing slashes: botocore (boto3, moto) sends the model URIs as they are,
//! e.g. `GET /backup/plans/{id}/`, while aws-sdk-rust (generated from the
//! Smithy model) sends the same operations without the trailing slash
//! (`GET /backup/plans/{id}`). Routes whose model URI ends in `/` therefore
//! also match without it; routes whose model URI has no trailing slash do not
//! match with one.

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
    match_routes(method, raw_path, false).or_else(|| {
        // The Smithy form of a URI whose botocore form ends in "/".
        let with_slash = format!("{raw_path}/");
        match_routes(method, &with_slash, true)
    })
}

fn match_routes(method: &str, raw_path: &str, only_slash_routes: bool) -> Option<Route> {
    let segments: Vec<&str> = raw_path.split('/').collect();
    'routes: for (m, pattern, op) in ROUTES {
        if *m != method || (only_slash_routes && !pattern.ends_with('/')) {
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

    fn op(method: &str, path: &str) -> Option<&'static str> {
        route(method, path).map(|r| r.operation)
    }

    #[test]
    fn botocore_and_smithy_forms_of_trailing_slashes() {
        assert_eq!(op("GET", "/backup/plans/p1/"), Some("GetBackupPlan"));
        assert_eq!(op("GET", "/backup/plans/p1"), Some("GetBackupPlan"));
        assert_eq!(op("POST", "/backup/plans/p1"), Some("UpdateBackupPlan"));
        assert_eq!(op("POST", "/backup/plans/p1/"), None);
        assert_eq!(op("DELETE", "/backup/plans/p1/"), None);
        assert_eq!(op("GET", "/tags/x/"), Some("ListTags"));
        assert_eq!(op("GET", "/tags/x"), Some("ListTags"));
        assert_eq!(op("POST", "/tags/x/"), None);
        assert_eq!(op("GET", "/backup-vaults"), Some("ListBackupVaults"));
        assert_eq!(op("GET", "/backup-vaults/v1"), Some("DescribeBackupVault"));
        assert_eq!(op("GET", "/backup-vaults/v1/"), None);
        assert_eq!(op("PUT", "/backup-jobs/"), None);
        assert_eq!(
            op("GET", "/backup/plans/p/selections/s"),
            Some("GetBackupSelection")
        );
        assert_eq!(
            op("GET", "/backup/plans/p/selections"),
            Some("ListBackupSelections")
        );
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
