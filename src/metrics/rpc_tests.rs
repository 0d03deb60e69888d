//! Tests of the RPC layer: the status comes from the headers or the trailers, and a call dropped
//! before its status counts as CANCELLED; method labels stay bounded.

use std::{convert::Infallible, future::Ready};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower::{Layer, Service};

use super::rpc::{RpcMetricsLayer, UNKNOWN_METHOD, method_label};

type Frames = tokio_stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>;
type TestBody = StreamBody<Frames>;

/// A service that answers every call with the response `answer` builds.
#[derive(Clone)]
struct Answer(fn() -> Response<TestBody>);

impl Service<Request<()>> for Answer {
    type Response = Response<TestBody>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        std::future::ready(Ok((self.0)()))
    }
}

fn status(code: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("grpc-status", HeaderValue::from_static(code));
    headers
}

/// A message, then trailers with NOT_FOUND (as a call that fails after it started, or a stream).
fn data_then_not_found() -> Response<TestBody> {
    let frames = vec![Ok(Frame::data(Bytes::from_static(b"msg"))), Ok(Frame::trailers(status("5")))];
    Response::new(StreamBody::new(tokio_stream::iter(frames)))
}

/// A trailers-only answer: the status in the headers, no body.
fn invalid_at_once() -> Response<TestBody> {
    let mut response = Response::new(StreamBody::new(tokio_stream::iter(Vec::new())));
    *response.headers_mut() = status("3");
    response
}

fn request() -> Request<()> {
    Request::builder().uri("/helpdesk.v1.TriageService/TriageTicket").body(()).unwrap_or_default()
}

fn count(handle: &PrometheusHandle, code: &str) -> bool {
    let line =
        format!("helpdesk_rpc_requests_total{{method=\"helpdesk.v1.TriageService/TriageTicket\",code=\"{code}\"}} 1");
    handle.render().contains(&line)
}

#[tokio::test(flavor = "current_thread")]
async fn the_status_is_read_from_trailers_headers_or_the_drop() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let _local = metrics::set_default_local_recorder(&recorder);

    let mut service = RpcMetricsLayer.layer(Answer(data_then_not_found));
    let response = service.call(request()).await.expect("answered");
    assert!(!count(&handle, "NOT_FOUND"), "not before the trailers: {}", handle.render());
    response.into_body().collect().await.expect("body read");
    assert!(count(&handle, "NOT_FOUND"), "{}", handle.render());

    let mut service = RpcMetricsLayer.layer(Answer(invalid_at_once));
    let response = service.call(request()).await.expect("answered");
    assert!(count(&handle, "INVALID_ARGUMENT"), "at the headers: {}", handle.render());
    drop(response);
    assert!(!count(&handle, "CANCELLED"), "counted once: {}", handle.render());

    let mut service = RpcMetricsLayer.layer(Answer(data_then_not_found));
    let response = service.call(request()).await.expect("answered");
    drop(response);
    assert!(count(&handle, "CANCELLED"), "{}", handle.render());
    assert!(handle.render().contains("helpdesk_rpc_duration_seconds"), "{}", handle.render());
}

#[test]
fn served_methods_keep_their_name_and_others_share_one_label() {
    assert_eq!(method_label("/helpdesk.v1.TriageService/TriageTicket"), "helpdesk.v1.TriageService/TriageTicket");
    assert_eq!(method_label("/grpc.health.v1.Health/Check"), "grpc.health.v1.Health/Check");
    assert_eq!(
        method_label("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"),
        "grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
    );
    assert_eq!(method_label("/helpdesk.v1.TriageService/Nope"), UNKNOWN_METHOD);
    assert_eq!(method_label("/anything/else"), UNKNOWN_METHOD);
}
