//! Triage a ticket on a running server and read the audit log back, with the library's client.
//!
//! ```sh
//! cargo run --release -- serve &
//! cargo run --example triage_and_audit -- http://127.0.0.1:50051
//! ```

use std::time::Duration;

use helpdesk_ai::{client::HelpdeskClients, proto};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:50051".to_owned());
    let mut clients = HelpdeskClients::connect(&target, Duration::from_secs(5)).await?;

    let ticket = proto::Ticket {
        title: "VPN drops every few minutes".into(),
        description: "Since this morning the VPN disconnects the whole Berlin office every five minutes.".into(),
        requester_email: "ana@example.com".into(),
        ..Default::default()
    };
    let request = proto::TriageTicketRequest { ticket: Some(ticket), ..Default::default() };
    let answer = clients.triage.triage_ticket(request).await?.into_inner();
    let result = answer.result.ok_or("the server sent no result")?;
    println!("{}: queue {} (rule {}), score {:.2}", result.ticket_id, result.queue, result.matched_rule, result.score);
    println!("{}", result.explanation);

    let filter = proto::ListAuditEntriesRequest { ticket_id: result.ticket_id.clone(), ..Default::default() };
    for entry in clients.audit.list_audit_entries(filter).await?.into_inner().entries {
        println!("audit #{} {} by {} (rules {})", entry.sequence, entry.action, entry.actor, entry.rules_version);
    }
    Ok(())
}
