//! The provider's integration tests, in one binary. Every AWS call goes through the real
//! aws-sdk-backup client to the project's local AWS Backup endpoint, started in-process for each
//! test (`tests/local-endpoint`); what a test needs AWS to do (fail a call, lag, move its clock)
//! it asks of the endpoint's `/_local/` controls.
//!
//! `make test` runs the fuzz tests with 128 cases; `make fuzz` runs only them, with 10^6.

mod air_gapped_vault;
mod common;
mod credentials;
mod framework;
mod functions;
mod fuzz;
mod grpc;
mod launch;
mod local_endpoint;
mod plan;
mod report_plan;
mod restore_testing;
mod selection;
mod settings;
mod vault_access;
mod vault_lock;
mod vault_notifications;
mod vault_policy;
