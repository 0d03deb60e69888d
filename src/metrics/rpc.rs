//! A tower layer that counts every gRPC call and times it, by method and final status code. The
//! status is read from the response headers (a trailers-only answer, as tonic sends for an error
//! returned at once) or else from the trailers, so a stream is counted when it ends, with its real
//! status and its whole duration. A call dropped before its status (the client went away, or the
//! request timeout cut it off) is counted as `CANCELLED`.

use std::{
    collections::HashSet,
    pin::Pin,
    sync::LazyLock,
    task::{Context, Poll, ready},
    time::Instant,
};

use http::{HeaderMap, Request, Response};
use http_body::{Body, Frame, SizeHint};
use metrics::{counter, histogram};
use pin_project_lite::pin_project;
use prost::Message;
use tonic::Code;
use tower::{Layer, Service};

use super::names::{RPC_DURATION, RPC_REQUESTS};

/// The label of calls to a path the server does not serve (kept to one value, whatever is sent).
pub const UNKNOWN_METHOD: &str = "unknown";

/// Every method the server serves, as `package.Service/Method`. Built once and kept for the life of
/// the process, so a call's label is a borrowed name: no allocation per call.
static KNOWN_METHODS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    let mut known: HashSet<&'static str> = HashSet::new();
    let mut add = |name: String| {
        known.insert(Box::leak(name.into_boxed_str()));
    };
    for set in [crate::proto::FILE_DESCRIPTOR_SET, tonic_health::pb::FILE_DESCRIPTOR_SET] {
        let Ok(set) = prost_types::FileDescriptorSet::decode(set) else { continue };
        for file in set.file {
            for service in &file.service {
                for method in &service.method {
                    add(format!("{}.{}/{}", file.package(), service.name(), method.name()));
                }
            }
        }
    }
    for version in ["v1", "v1alpha"] {
        add(format!("grpc.reflection.{version}.ServerReflection/ServerReflectionInfo"));
    }
    known
});

/// The `method` label of a request path: `package.Service/Method`, or [`UNKNOWN_METHOD`].
pub fn method_label(path: &str) -> &'static str {
    KNOWN_METHODS.get(path.trim_start_matches('/')).copied().unwrap_or(UNKNOWN_METHOD)
}

/// The canonical name of a gRPC status code, as the `code` label.
pub fn code_label(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// The status code in `grpc-status`, if the headers or trailers carry one.
fn status_in(headers: &HeaderMap) -> Option<Code> {
    let value = headers.get("grpc-status")?.to_str().ok()?.trim().parse::<i32>().ok()?;
    Some(Code::from_i32(value))
}

/// One call being measured; recorded once, when its status is known or when it is dropped.
struct Call {
    measured: Option<(&'static str, Instant)>,
}

impl Call {
    fn finish(&mut self, code: Code) {
        if let Some((method, started)) = self.measured.take() {
            let code = code_label(code);
            counter!(RPC_REQUESTS, "method" => method, "code" => code).increment(1);
            histogram!(RPC_DURATION, "method" => method, "code" => code).record(started.elapsed().as_secs_f64());
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.finish(Code::Cancelled);
    }
}

/// Adds [`RpcMetrics`] to a server.
#[derive(Debug, Clone, Copy, Default)]
pub struct RpcMetricsLayer;

impl<S> Layer<S> for RpcMetricsLayer {
    type Service = RpcMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcMetrics { inner }
    }
}

/// Counts and times the calls `inner` answers.
#[derive(Debug, Clone)]
pub struct RpcMetrics<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RpcMetrics<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<RpcBody<ResBody>>;
    type Error = S::Error;
    type Future = RpcFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let call = Call { measured: Some((method_label(request.uri().path()), Instant::now())) };
        RpcFuture { inner: self.inner.call(request), call: Some(call) }
    }
}

pin_project! {
    /// The response future of [`RpcMetrics`].
    pub struct RpcFuture<F> {
        #[pin]
        inner: F,
        call: Option<Call>,
    }
}

impl<F, ResBody, E> Future for RpcFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<RpcBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = ready!(this.inner.poll(cx));
        let mut call = this.call.take().unwrap_or(Call { measured: None });
        Poll::Ready(match outcome {
            Ok(response) => {
                if let Some(code) = status_in(response.headers()) {
                    call.finish(code);
                }
                Ok(response.map(|inner| RpcBody { inner, call }))
            }
            Err(err) => {
                call.finish(Code::Unknown);
                Err(err)
            }
        })
    }
}

pin_project! {
    /// A response body that records the call when its trailers pass (or when it is dropped).
    pub struct RpcBody<B> {
        #[pin]
        inner: B,
        call: Call,
    }
}

impl<B: Body> Body for RpcBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                if let Some(trailers) = frame.trailers_ref() {
                    this.call.finish(status_in(trailers).unwrap_or(Code::Unknown));
                }
            }
            Some(Err(_)) => this.call.finish(Code::Unknown),
            None => this.call.finish(Code::Unknown),
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
