//! Code generated from ../proto at build time.

#![allow(clippy::all, missing_docs)]

pub mod pulumirpc {
    tonic::include_proto!("pulumirpc");
}

pub mod google_rpc {
    tonic::include_proto!("google.rpc");
}
