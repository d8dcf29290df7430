//! Serving the provider over gRPC on a local port.

use std::future::Future;

use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;

use crate::proto::pulumirpc::resource_provider_server::ResourceProviderServer;
use crate::provider::Provider;

/// The engine's own limit; tonic's 4 MiB default is too small for large stacks.
const MAX_MESSAGE_BYTES: usize = 400 * 1024 * 1024;

/// Binds 127.0.0.1 on a free port.
pub async fn bind() -> std::io::Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0").await
}

/// Serves `provider` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    provider: Provider,
    shutdown: impl Future<Output = ()>,
) -> Result<(), tonic::transport::Error> {
    let service = ResourceProviderServer::new(provider)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    // Without TCP_NODELAY the last piece of an answer written in several waits for the engine's
    // delayed ACK, about 40 ms.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
}
