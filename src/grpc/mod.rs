//! The thin gRPC layer: one file per service, conversions, status mapping and the server.
