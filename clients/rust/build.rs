//! Compiles the service's protos (the repository's `proto/` folder) with protox, so no system
//! `protoc` is needed, and generates the messages and the tonic clients (no servers).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let protos = [
        "helpdesk/v1/ticket.proto",
        "helpdesk/v1/triage_service.proto",
        "helpdesk/v1/batch_triage_service.proto",
        "helpdesk/v1/ticket_store_service.proto",
        "helpdesk/v1/audit_service.proto",
    ];
    println!("cargo:rerun-if-changed={}", root.display());
    let files = protox::compile(protos, [&root])?;
    tonic_prost_build::configure().build_server(false).build_client(true).compile_fds(files)?;
    Ok(())
}
