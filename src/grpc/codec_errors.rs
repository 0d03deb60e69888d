//! The answers tonic's codec gives a request it cannot read, in the words and codes of the rest of
//! the API: a message over `max_message_bytes` is RESOURCE_EXHAUSTED naming the setting and its
//! value (tonic says OUT_OF_RANGE), and bytes that are not the method's request message are
//! INVALID_ARGUMENT (tonic says INTERNAL, which would tell an operator the server is at fault). A
//! tower layer rewrites the status of a call answered at once (a unary or server-streaming request
//! tonic could not decode); [`caller_status`] does the same for an item of a client stream.

use std::{
    pin::Pin,
    task::{Context, Poll, ready},
};

use http::{Request, Response};
use pin_project_lite::pin_project;
use tonic::{Code, Status};
use tower::{Layer, Service};

use crate::domain::over_limit;

/// How tonic words a message over the decoding limit (OUT_OF_RANGE).
const TOO_LARGE: &str = "Error, decoded message length too large: found ";
/// How tonic-prost words bytes that are not the expected message (INTERNAL).
const UNDECODABLE: &str = "failed to decode Protobuf message";
/// How tonic words a unary call whose body holds no message (INTERNAL).
const MISSING: &str = "Missing request message.";
/// How tonic words a message frame with a bad compression flag (INTERNAL).
const BAD_FRAME: &str = "protocol error: received message with invalid compression flag";

/// The number after `marker` in `text`.
fn number_after(text: &str, marker: &str) -> Option<u64> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The status a caller should get for one of tonic's codec errors, `None` for any other status.
pub fn caller_status(status: &Status) -> Option<Status> {
    let message = status.message();
    match status.code() {
        Code::OutOfRange if message.starts_with(TOO_LARGE) => {
            let found = number_after(message, "found ");
            let limit = number_after(message, "the limit is: ");
            let text = match (found, limit) {
                (Some(found), Some(limit)) => {
                    format!("the request message has {}", over_limit(found, "bytes", limit, "max_message_bytes"))
                }
                _ => "the request message is larger than max_message_bytes allows".to_owned(),
            };
            Some(Status::resource_exhausted(text))
        }
        Code::Internal if message.starts_with(UNDECODABLE) => {
            let reason = message[UNDECODABLE.len()..].trim_start_matches(':').trim();
            let text = match reason {
                "" => "the request is not a valid message of the method's request type".to_owned(),
                reason => format!("the request is not a valid message of the method's request type: {reason}"),
            };
            Some(Status::invalid_argument(text))
        }
        Code::Internal if message == MISSING => Some(Status::invalid_argument("the call carries no request message")),
        Code::Internal if message.starts_with(BAD_FRAME) => {
            Some(Status::invalid_argument("a message frame has an invalid compression flag (valid flags are 0 and 1)"))
        }
        _ => None,
    }
}

/// Adds [`CodecErrors`] to a server.
#[derive(Debug, Clone, Copy, Default)]
pub struct CodecErrorsLayer;

impl<S> Layer<S> for CodecErrorsLayer {
    type Service = CodecErrors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CodecErrors { inner }
    }
}

/// Rewrites the status of the calls `inner` answers at once with one of tonic's codec errors.
#[derive(Debug, Clone)]
pub struct CodecErrors<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CodecErrors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = CodecErrorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        CodecErrorsFuture { inner: self.inner.call(request) }
    }
}

pin_project! {
    /// The response future of [`CodecErrors`].
    pub struct CodecErrorsFuture<F> {
        #[pin]
        inner: F,
    }
}

impl<F, ResBody, E> Future for CodecErrorsFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut response = ready!(self.project().inner.poll(cx))?;
        // tonic keeps the status of an answer it gives at once (trailers-only) in the extensions.
        let rewritten = response.extensions().get::<Status>().and_then(caller_status);
        if let Some(status) = rewritten
            && status.add_header(response.headers_mut()).is_ok()
        {
            response.extensions_mut().insert(status);
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_errors_get_the_codes_and_words_of_the_api() {
        let large = Status::out_of_range(
            "Error, decoded message length too large: found 10485765 bytes, the limit is: 4194304 bytes",
        );
        let got = caller_status(&large).expect("rewritten");
        assert_eq!(got.code(), Code::ResourceExhausted);
        assert_eq!(
            got.message(),
            "the request message has 10485765 bytes; at most 4194304 are allowed (max_message_bytes)"
        );
        let garbled = Status::internal("failed to decode Protobuf message: invalid wire type value: 7");
        let got = caller_status(&garbled).expect("rewritten");
        assert_eq!(got.code(), Code::InvalidArgument);
        assert_eq!(
            got.message(),
            "the request is not a valid message of the method's request type: invalid wire type value: 7"
        );
        assert_eq!(caller_status(&Status::internal(MISSING)).map(|s| s.code()), Some(Code::InvalidArgument));
        assert!(caller_status(&Status::internal("internal error; it has been logged")).is_none());
        assert!(caller_status(&Status::out_of_range("page 9 of 3")).is_none());
    }
}
