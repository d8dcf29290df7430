//! Local AWS Backup endpoint (see issue 3).
