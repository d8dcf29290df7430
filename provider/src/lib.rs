//! `pulumi-resource-awsbackup`: a Pulumi resource provider for AWS Backup.
//!
//! The layers, each using only the ones below it:
//! - [`server`]: gRPC on a local port;
//! - [`provider`]: the protocol glue, the same for every resource (secrets, unknowns, timeouts,
//!   Cancel);
//! - [`resource`]: the typed [`Resource`](resource::Resource) model and the adapter that runs
//!   the checks, naming and diff every resource shares;
//! - [`resources`]: the resource types themselves;
//! - [`function`]: the typed [`Function`](function::Function) model of provider functions (data
//!   sources, served by Invoke) and its adapter; [`functions`]: the functions themselves;
//! - [`aws`]: AWS Backup behind the [`BackupApi`](aws::BackupApi) trait, in the provider's own
//!   types (aws-sdk-backup only in [`aws::sdk`]), and AWS's errors;
//! - [`value`], [`naming`], [`retry`], [`time`]: property values, physical names, retries and
//!   waits, dates.

pub mod aws;
pub mod config;
pub mod function;
pub mod functions;
pub mod logging;
pub mod naming;
pub mod proto;
pub mod provider;
pub mod resource;
pub mod resources;
pub mod retry;
pub mod schema;
pub mod server;
pub mod time;
pub mod value;
