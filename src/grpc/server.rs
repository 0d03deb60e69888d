//! The gRPC router: the four services over the service layer, standard health and reflection,
//! limits, a layer that counts and times every call and one that decides who may make it; served on
//! accepted connections (plain TCP, or TLS) until a shutdown future completes.

use std::{future::Future, time::Duration};

use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::{TcpListener, TcpStream},
    sync::watch,
};
use tokio_stream::{Stream, wrappers::TcpListenerStream};
use tonic::transport::{Server, server::Connected};
use tonic_health::pb::health_server::{Health as HealthCheck, HealthServer};

use super::{
    audit_api::AuditApi, auth::AuthLayer, batch_api::BatchApi, health::SERVICES, shed::ShedLayer,
    socket::SocketOptions, ticket_api::TicketApi, triage_api::TriageApi,
};
use crate::{
    config::Settings,
    metrics::RpcMetricsLayer,
    proto::{
        self, audit_service_server::AuditServiceServer, batch_triage_service_server::BatchTriageServiceServer,
        ticket_store_service_server::TicketStoreServiceServer, triage_service_server::TriageServiceServer,
    },
    service::Services,
};

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The transport failed.
    #[error("gRPC transport error: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// Reflection could not be built from the descriptors.
    #[error("cannot build the reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

/// Reflection listing exactly the public services (the helpdesk's four and health). The descriptors
/// of `google.rpc` are registered too, so grpcurl can decode the `BadRequest` details of an error.
fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    let builder = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .include_reflection_service(false)
        .with_service_name("grpc.health.v1.Health");
    SERVICES.iter().fold(builder, |b, name| b.with_service_name(*name))
}

/// The plain TCP connections `listener` accepts, each given `options` (`TCP_NODELAY`, keepalive).
pub fn plain_incoming(
    listener: TcpListener,
    options: SocketOptions,
) -> impl Stream<Item = Result<TcpStream, std::io::Error>> {
    tokio_stream::StreamExt::map(TcpListenerStream::new(listener), move |accepted| {
        accepted.inspect(|stream| options.apply(stream))
    })
}

/// Serves every service on the `incoming` connections until `shutdown` completes; streams end when
/// `stopping` turns true; `auth` decides every call.
#[allow(clippy::too_many_arguments)]
pub async fn serve<IO, IE>(
    incoming: impl Stream<Item = Result<IO, IE>>,
    settings: &Settings,
    services: Services,
    health: HealthServer<impl HealthCheck>,
    auth: AuthLayer,
    stopping: watch::Receiver<bool>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError>
where
    IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
    IE: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let reflection_v1 = reflection_builder().build_v1()?;
    let reflection_v1alpha = reflection_builder().build_v1alpha()?;
    let max = settings.max_message_bytes;
    let shed = ShedLayer::new(
        settings.max_in_flight_requests,
        settings.rate_limit,
        Duration::from_secs(settings.request_timeout_secs),
    );
    Server::builder()
        .concurrency_limit_per_connection(settings.max_concurrent_requests_per_connection)
        .load_shed(true)
        .max_concurrent_streams(u32::try_from(settings.max_concurrent_requests_per_connection).ok())
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .http2_keepalive_interval(
            (settings.http2_keepalive_interval_secs > 0)
                .then(|| Duration::from_secs(settings.http2_keepalive_interval_secs)),
        )
        .trace_fn(
            |request| tracing::info_span!("rpc", method = %request.uri().path(), ticket_id = tracing::field::Empty),
        )
        .layer(RpcMetricsLayer)
        .layer(auth)
        .layer(shed)
        .layer(super::codec_errors::CodecErrorsLayer)
        .add_service(health)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(TriageServiceServer::new(TriageApi::new(services.clone())).max_decoding_message_size(max))
        .add_service(
            BatchTriageServiceServer::new(BatchApi::new(services.intake.clone(), stopping))
                .max_decoding_message_size(max),
        )
        .add_service(TicketStoreServiceServer::new(TicketApi::new(services.clone())).max_decoding_message_size(max))
        .add_service(AuditServiceServer::new(AuditApi::new(services)).max_decoding_message_size(max))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    Ok(())
}
