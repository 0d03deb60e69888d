# helpdesk-ai: the gRPC ticket-triage service.
#
#   docker build -t helpdesk-ai .
#   docker run -p 50051:50051 -v helpdesk-data:/data -v "$PWD/secrets:/etc/helpdesk:ro" helpdesk-ai
#
# The image serves 0.0.0.0:50051 with authentication and TLS, as a service holding customer data
# must: mount /etc/helpdesk holding principals.yaml (from `helpdesk token create`) and tls/tls.crt,
# tls/tls.key and tls/ca.crt (the CA of tls.crt, for the health check). See docs/security.md.
#
# Build stage: dependencies are compiled in a layer of their own (against placeholder sources), so a
# change to src/ rebuilds only the crate itself. The build needs no protoc (protox compiles the protos).
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY proto ./proto
# The client crate of the workspace: the server's generated code uses its message types.
COPY clients/rust ./clients/rust
RUN mkdir -p src examples \
    && echo 'fn main() {}' > src/main.rs \
    && echo '' > src/lib.rs \
    && echo 'fn main() {}' > examples/triage_and_audit.rs \
    && cargo build --release --locked \
    && rm -rf src examples
COPY src ./src
COPY rules ./rules
COPY examples ./examples
# The same build command CI and the README use; touch so cargo sees the real sources as new.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

# Runtime stage: the binary alone on a slim Debian, run as an unprivileged user.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin helpdesk \
    && mkdir -p /data && chown helpdesk /data
COPY --from=build /src/target/release/helpdesk /usr/local/bin/helpdesk
USER helpdesk
WORKDIR /data
ENV HELPDESK_STORE_PATH=/data \
    HELPDESK_LISTEN_ADDR=0.0.0.0:50051 \
    HELPDESK_METRICS_ADDR=0.0.0.0:9464 \
    HELPDESK_LOG_FORMAT=json \
    HELPDESK_AUTH_PRINCIPALS_FILE=/etc/helpdesk/principals.yaml \
    HELPDESK_TLS_CERT_FILE=/etc/helpdesk/tls/tls.crt \
    HELPDESK_TLS_KEY_FILE=/etc/helpdesk/tls/tls.key
VOLUME ["/data"]
# gRPC, and Prometheus metrics at /metrics.
EXPOSE 50051 9464
# The service's own health RPC (grpc.health.v1, open without a token), asked by the same binary over
# TLS: no extra tool needed.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["helpdesk", "health", "--timeout", "4", "--ca-file", "/etc/helpdesk/tls/ca.crt", "--tls-server-name", "localhost"]
ENTRYPOINT ["helpdesk"]
CMD ["serve"]
