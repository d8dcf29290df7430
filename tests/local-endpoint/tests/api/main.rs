//! Every validation rule and error of the local endpoint, exercised through
//! the real aws-sdk-backup client over HTTP (plus raw HTTP where the wire
//! format itself is the subject).

#[path = "../common/mod.rs"]
mod common;

mod air_gapped;
mod binary;
mod control;
mod framework;
mod lock;
mod model;
mod plans;
mod protocol;
mod recovery_points;
mod report_plan;
mod restore_testing;
mod selections;
mod settings;
mod sts;
mod tags_policy;
mod vaults;
