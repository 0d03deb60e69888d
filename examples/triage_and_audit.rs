//! Triage a ticket on a running server and read its audit entries back, with the `helpdesk-client`
//! crate (which needs no server code). The token comes from `HELPDESK_TOKEN`; a second argument names
//! the CA file of a TLS server.
//!
//! ```sh
//! cargo run --release -- serve &
//! cargo run --example triage_and_audit -- http://127.0.0.1:50051
//! HELPDESK_TOKEN=hdk_... cargo run --example triage_and_audit -- https://helpdesk.internal:50051 ca.crt
//! ```

use helpdesk_client::{ConnectOptions, HelpdeskClient, TlsOptions, TriageOptions, new_ticket, proto};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "http://127.0.0.1:50051".to_owned());
    let mut options = ConnectOptions::from_env();
    if let Some(ca) = args.next() {
        options.tls = Some(TlsOptions::from_files(Some(ca.as_ref()), None, None)?);
    }
    let mut client = HelpdeskClient::connect_with(&target, &options).await?;

    let ticket = new_ticket(
        "VPN drops every few minutes",
        "Since this morning the VPN disconnects the whole Berlin office every five minutes.",
        "ana@example.com",
    );
    let answer = client.triage(ticket, TriageOptions::default()).await?;
    let result = answer.result.ok_or("the server sent no result")?;
    println!("{}: queue {} (rule {}), score {:.2}", result.ticket_id, result.queue, result.matched_rule, result.score);
    println!("{}", result.explanation);

    let filter = proto::ListAuditEntriesRequest { ticket_id: result.ticket_id.clone(), ..Default::default() };
    for entry in client.list_audit(filter).await? {
        println!("audit #{} {} by {} (rules {})", entry.sequence, entry.action, entry.actor, entry.rules_version);
    }
    Ok(())
}
