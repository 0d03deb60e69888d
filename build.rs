//! Compiles the protos under `proto/` with protox (no system `protoc` needed), generates the tonic
//! server traits over the message types of the `helpdesk-client` crate (so each message type exists
//! once), and writes the file descriptor set that server reflection serves.

use std::{env, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/helpdesk/v1/ticket.proto",
        "proto/helpdesk/v1/triage_service.proto",
        "proto/helpdesk/v1/batch_triage_service.proto",
        "proto/helpdesk/v1/ticket_store_service.proto",
        "proto/helpdesk/v1/audit_service.proto",
    ];
    println!("cargo:rerun-if-changed=proto");
    let file_descriptors = protox::compile(protos, ["proto"])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let descriptor_path = out_dir.join("helpdesk_descriptor.bin");
    std::fs::write(&descriptor_path, prost::Message::encode_to_vec(&file_descriptors))?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(false)
        .extern_path(".helpdesk.v1", "::helpdesk_client::proto")
        .compile_fds(file_descriptors)?;
    Ok(())
}
