//! `pulumi-resource-awsbackup`: a Pulumi resource provider for AWS Backup.

pub mod aws;
pub mod config;
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
