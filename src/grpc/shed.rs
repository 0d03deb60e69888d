//! Overload is shed, not queued: at most `max_in_flight_requests` calls are handled at once in the
//! whole server, and with `rate_limit` set each caller (its principal, or its address when calls are
//! anonymous) gets so many calls a second; a call over either limit is answered RESOURCE_EXHAUSTED at
//! once, naming the limit, with a `google.rpc.RetryInfo` saying when to try again. Health and
//! reflection are never shed, so a load balancer's probe is answered however busy the server is.
//! Every admitted call has a deadline, the caller's (`grpc-timeout`) or `request_timeout_secs`,
//! whichever comes first, and is answered DEADLINE_EXCEEDED when it passes; what the call had handed
//! to the store's writer is stored whole or not at all (a group transaction is never cut).

use std::{
    future::Future,
    net::IpAddr,
    num::NonZeroU32,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use governor::{Quota, RateLimiter, clock::Clock, clock::DefaultClock, state::keyed::HashMapStateStore};
use http::{Request, Response};
use pin_project_lite::pin_project;
use serde::{Deserialize, Serialize};
use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};
use tonic::{Code, Status, transport::server::TcpConnectInfo};
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Layer, Service};

use crate::auth::Principal;

/// When a call shed for the in-flight limit is told to try again.
const IN_FLIGHT_RETRY: Duration = Duration::from_millis(200);
/// Callers the rate limiter remembers before it forgets those idle long enough to be full again.
const REMEMBERED_CALLERS: usize = 10_000;
/// How much sooner than its deadline a call is answered DEADLINE_EXCEEDED. tonic's transport keeps a
/// timer of its own on `grpc-timeout`, outside these layers, that answers CANCELLED; tokio's timers
/// tick in whole milliseconds, so a deadline one tick earlier is always this layer's to answer.
const DEADLINE_MARGIN: Duration = Duration::from_millis(1);

/// Calls a second per caller (config key `rate_limit`); none by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimit {
    /// Calls a second each caller may make on average; 0 sets no limit.
    pub requests_per_second: u32,
    /// Calls a caller may make at once above the average (at least 1; 0 means as many as a second's).
    pub burst: u32,
}

type Limiter = RateLimiter<String, HashMapStateStore<String>, DefaultClock>;

/// The limits, shared by every connection's copy of the layer.
#[derive(Clone)]
pub struct ShedLayer {
    in_flight: Arc<Semaphore>,
    max_in_flight: usize,
    rate: Option<(Arc<Limiter>, RateLimit)>,
    timeout: Duration,
}

impl ShedLayer {
    /// At most `max_in_flight` calls at once, `rate` per caller when it sets one, and `timeout` for
    /// a call whose caller set no earlier deadline.
    pub fn new(max_in_flight: usize, rate: RateLimit, timeout: Duration) -> Self {
        let limiter = NonZeroU32::new(rate.requests_per_second).map(|per_second| {
            let burst = NonZeroU32::new(rate.burst).unwrap_or(per_second);
            (Arc::new(RateLimiter::hashmap(Quota::per_second(per_second).allow_burst(burst))), rate)
        });
        ShedLayer { in_flight: Arc::new(Semaphore::new(max_in_flight)), max_in_flight, rate: limiter, timeout }
    }

    /// How long the call may take: the caller's `grpc-timeout` when it is shorter than the timeout.
    fn deadline<B>(&self, request: &Request<B>) -> Duration {
        let asked = request.headers().get("grpc-timeout").and_then(|v| v.to_str().ok()).and_then(grpc_timeout);
        asked.map_or(self.timeout, |asked| asked.min(self.timeout))
    }

    /// When the call is answered DEADLINE_EXCEEDED: [`DEADLINE_MARGIN`] before its deadline passes.
    fn answer_by(deadline: Duration) -> Instant {
        Instant::now() + deadline.saturating_sub(DEADLINE_MARGIN)
    }

    /// Whether the call at `path` may go on, holding its in-flight permit; or the answer that sheds it.
    fn admit<B>(&self, request: &Request<B>) -> Result<Option<OwnedSemaphorePermit>, Status> {
        let path = request.uri().path();
        if path.starts_with("/grpc.health.v1.Health/") || path.starts_with("/grpc.reflection.") {
            return Ok(None);
        }
        if let Some((limiter, rate)) = &self.rate {
            if limiter.len() > REMEMBERED_CALLERS {
                limiter.retain_recent();
            }
            if let Err(not_until) = limiter.check_key(&caller(request)) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Err(shed(
                    format!(
                        "this caller is over its rate limit of {} calls a second (rate_limit.requests_per_second); \
                         retry in {} ms",
                        rate.requests_per_second,
                        wait.as_millis().max(1)
                    ),
                    wait,
                ));
            }
        }
        match self.in_flight.clone().try_acquire_owned() {
            Ok(permit) => Ok(Some(permit)),
            Err(_) => Err(shed(
                format!(
                    "the server is handling its limit of {} calls at once (max_in_flight_requests); retry in {} ms",
                    self.max_in_flight,
                    IN_FLIGHT_RETRY.as_millis()
                ),
                IN_FLIGHT_RETRY,
            )),
        }
    }
}

/// A `grpc-timeout` header's value (up to eight digits and a unit: H, M, S, m, u, n), or `None` when
/// it is not one. tonic reads the header too, privately, in the transport's own timeout around these
/// routes, which answers CANCELLED; this layer's timer is made and polled first, so at the same
/// deadline the caller hears DEADLINE_EXCEEDED.
pub fn grpc_timeout(value: &str) -> Option<Duration> {
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// Who is calling, for the rate limit: the principal's name, or the peer's address.
fn caller<B>(request: &Request<B>) -> String {
    if let Some(principal) = request.extensions().get::<Principal>() {
        return principal.name.clone();
    }
    let ip: Option<IpAddr> =
        request.extensions().get::<TcpConnectInfo>().and_then(TcpConnectInfo::remote_addr).map(|a| a.ip());
    ip.map_or_else(|| "anonymous".to_owned(), |ip| format!("address {ip}"))
}

/// RESOURCE_EXHAUSTED with `message` and a RetryInfo of `retry_in`.
fn shed(message: String, retry_in: Duration) -> Status {
    let details = ErrorDetails::with_retry_info(Some(retry_in));
    Status::with_error_details(Code::ResourceExhausted, message, details)
}

impl<S> Layer<S> for ShedLayer {
    type Service = ShedService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ShedService { inner, limits: self.clone() }
    }
}

/// The layer over one connection's routes.
#[derive(Clone)]
pub struct ShedService<S> {
    inner: S,
    limits: ShedLayer,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ShedService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ShedFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        match self.limits.admit(&request) {
            Ok(permit) => {
                let deadline = self.limits.deadline(&request);
                let answer_by = ShedLayer::answer_by(deadline);
                ShedFuture::Admitted {
                    inner: self.inner.call(request),
                    timer: tokio::time::sleep_until(answer_by),
                    answer_by,
                    deadline,
                    _permit: permit,
                }
            }
            Err(status) => ShedFuture::Shed { response: Some(status.into_http()) },
        }
    }
}

pin_project! {
    /// The call's answer; its in-flight permit is given back when the handler has answered (a
    /// stream's items flow under the stream's own limits).
    #[project = ShedFutureProjection]
    pub enum ShedFuture<F, B> {
        Admitted {
            #[pin] inner: F,
            #[pin] timer: tokio::time::Sleep,
            answer_by: Instant,
            deadline: Duration,
            _permit: Option<OwnedSemaphorePermit>,
        },
        Shed { response: Option<Response<B>> },
    }
}

impl<F, B, E> Future for ShedFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            ShedFutureProjection::Admitted { inner, timer, answer_by, deadline, .. } => {
                if let Poll::Ready(answer) = inner.poll(cx) {
                    return Poll::Ready(answer);
                }
                // The clock decides, not only the timer: tonic's own timer, polled right after this
                // one, may be registered with a timer wheel that has moved on in between.
                let passed = Instant::now() >= *answer_by;
                match if passed { Poll::Ready(()) } else { timer.poll(cx) } {
                    Poll::Ready(()) => {
                        let message = format!(
                            "the call's deadline of {} ms passed (grpc-timeout, or request_timeout_secs) before it \
                             was answered",
                            deadline.as_millis()
                        );
                        Poll::Ready(Ok(Status::deadline_exceeded(message).into_http()))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
            ShedFutureProjection::Shed { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => Poll::Pending,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_are_read_in_every_unit_and_nonsense_is_ignored() {
        assert_eq!(grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(grpc_timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(grpc_timeout("10u"), Some(Duration::from_micros(10)));
        assert_eq!(grpc_timeout("99999999n"), Some(Duration::from_nanos(99_999_999)));
        for bad in ["", "S", "123456789S", "5s", "-5S", "5", "1.5S"] {
            assert_eq!(grpc_timeout(bad), None, "{bad:?}");
        }
    }
}
