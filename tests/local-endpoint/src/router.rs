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
//!
//! The routes are every kind's operations ([`ops::all`]). No method and path reaches two of
//! them (a test checks), so the order of the kinds does not matter.

use percent_encoding::percent_decode_str;

use crate::ops::{self, Handler};

/// Every operation the endpoint serves.
pub fn operations() -> impl Iterator<Item = &'static str> {
    ops::all().map(|o| o.name)
}

#[derive(Debug)]
pub struct Route {
    pub operation: &'static str,
    pub handler: Handler,
    /// The status code of a success, the model's `responseCode`.
    pub status: u16,
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
    'routes: for op in ops::all() {
        if op.method != method || (only_slash_routes && !op.uri.ends_with('/')) {
            continue;
        }
        let pat: Vec<&str> = op.uri.split('/').collect();
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
            operation: op.name,
            handler: op.handler,
            status: op.status,
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

    /// Two model URIs of one method that some path matches both ways: same number of
    /// segments, and wherever both are literal they are equal (`{}` matches any non-empty
    /// segment, so a literal `""` only meets another `""`). The Smithy form of a trailing-slash
    /// route is tried only when no route matches as is, so comparing the model URIs suffices.
    fn overlap(a: &str, b: &str) -> bool {
        let (a, b): (Vec<&str>, Vec<&str>) = (a.split('/').collect(), b.split('/').collect());
        a.len() == b.len()
            && a.iter().zip(&b).all(|(x, y)| {
                x == y || (*x == "{}" && !y.is_empty()) || (*y == "{}" && !x.is_empty())
            })
    }

    #[test]
    fn no_path_reaches_two_operations_so_the_order_of_kinds_is_free() {
        let all: Vec<_> = ops::all().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.name, b.name, "{} is declared twice", a.name);
                assert!(
                    a.method != b.method || !overlap(a.uri, b.uri),
                    "{} {} ({}) and {} ({}) can match the same path",
                    a.method,
                    a.uri,
                    a.name,
                    b.uri,
                    b.name
                );
            }
        }
        // The check itself.
        assert!(overlap("/backup/plans/{}/", "/backup/plans/p1/"));
        assert!(!overlap("/backup-vaults/", "/backup-vaults/{}"));
        assert!(!overlap("/tags/{}", "/tags/{}/"));
        // Every route is reached by its own model URI.
        for op in &all {
            let path = op.uri.replace("{}", "x");
            assert_eq!(route(op.method, &path).map(|r| r.operation), Some(op.name));
        }
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
