//! Prometheus metrics: what is measured ([`names`]), where it is recorded ([`record`], and the
//! [`rpc`] layer of the gRPC server), and the endpoint that serves it ([`exporter`]).

pub mod exporter;
pub mod names;
pub mod record;
pub mod rpc;
#[cfg(test)]
mod rpc_tests;

pub use exporter::{METRICS_PATH, install, serve};
pub use metrics_exporter_prometheus::PrometheusHandle;
pub use record::DatabaseMetrics;
pub use rpc::RpcMetricsLayer;
