//! The escalation sweep on every backend: overdue open tickets are escalated once each with an audit
//! entry, only the lease holder sweeps, and another instance takes over when the holder stops. Time is
//! a hand-moved clock; nothing sleeps.

use std::{sync::Arc, time::Duration as Wait};

use crate::support::{Backend, TestApp, spawn_app_on, ticket};
use chrono::{Duration, Utc};
use helpdesk_ai::{
    proto::{
        self, CreateTicketRequest, GetTicketRequest, ListAuditEntriesRequest, UpdateTicketRequest,
        VerifyAuditChainRequest,
    },
    sweeper::{ACTOR, ManualClock, SweepOutcome, SweepSettings, Sweeper},
    triage::TriageSettings,
};

async fn create(app: &mut TestApp, title: &str, priority: proto::Priority, status: proto::Status) -> String {
    let mut t = ticket(title, &format!("{title}: details for the sweep"));
    t.priority = priority as i32;
    t.status = status as i32;
    let created = app.tickets.create_ticket(CreateTicketRequest { ticket: Some(t) }).await.expect("created");
    created.into_inner().ticket.expect("ticket").ticket_id
}

async fn status_of(app: &mut TestApp, id: &str) -> i32 {
    let got = app.tickets.get_ticket(GetTicketRequest { ticket_id: id.into() }).await.expect("got");
    got.into_inner().ticket.expect("ticket").status
}

async fn escalated_entries(app: &mut TestApp) -> Vec<proto::AuditEntry> {
    let request = ListAuditEntriesRequest { action: "ticket.escalated".into(), page_size: 100, ..Default::default() };
    app.audit.list_audit_entries(request).await.expect("listed").into_inner().entries
}

fn sweeper(app: &TestApp, clock: &Arc<ManualClock>, holder: &str) -> Sweeper {
    let settings = SweepSettings { batch_size: 2, ..SweepSettings::default() };
    let threshold = helpdesk_ai::triage::settings::Hours::new(24.0).expect("hours");
    let triage = TriageSettings { escalation_threshold: threshold, ..TriageSettings::default() };
    Sweeper::new(app.store.clone(), settings, triage, clock.clone(), holder)
}

async fn overdue_tickets_are_escalated_once_by_one_instance_at_a_time(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let high = create(&mut app, "VPN drops", proto::Priority::High, proto::Status::New).await;
    let critical = create(&mut app, "Payroll down", proto::Priority::Critical, proto::Status::InProgress).await;
    let low = create(&mut app, "Mouse squeaks", proto::Priority::Low, proto::Status::Triaged).await;
    let resolved = create(&mut app, "Old printer", proto::Priority::High, proto::Status::Resolved).await;

    // Two instances; the clock starts two minutes short of the 24 h threshold.
    let clock = Arc::new(ManualClock::new(Utc::now() + Duration::hours(24) - Duration::minutes(2)));
    let (a, b) = (sweeper(&app, &clock, "instance-a"), sweeper(&app, &clock, "instance-b"));
    assert_eq!(a.sweep_once().await.expect("sweeps"), SweepOutcome::Swept(0), "nothing is overdue yet");
    assert_eq!(b.sweep_once().await.expect("runs"), SweepOutcome::Standby, "a holds the lease");
    // A minute later a renews its lease and still finds nothing overdue.
    clock.advance(Duration::minutes(1));
    assert_eq!(a.sweep_once().await.expect("sweeps"), SweepOutcome::Swept(0));
    // Past the threshold (and within a's renewed lease): b stands by, a escalates the three overdue
    // open tickets in batches of two.
    clock.advance(Duration::minutes(2));
    assert_eq!(b.sweep_once().await.expect("runs"), SweepOutcome::Standby);
    assert_eq!(a.sweep_once().await.expect("sweeps"), SweepOutcome::Swept(3));
    for id in [&high, &critical, &low] {
        assert_eq!(status_of(&mut app, id).await, proto::Status::Escalated as i32, "{id}");
    }
    assert_eq!(status_of(&mut app, &resolved).await, proto::Status::Resolved as i32, "resolved stays resolved");
    let entries = escalated_entries(&mut app).await;
    assert_eq!(entries.len(), 3);
    for entry in &entries {
        assert_eq!(entry.actor, ACTOR);
        let details: serde_json::Value = serde_json::from_str(&entry.details_json).expect("JSON details");
        let level = if entry.ticket_id == critical { "on_call" } else { "supervisor" };
        assert_eq!(details["level"], level, "{details}");
        assert_eq!(details["new_status"], "ESCALATED");
        assert!(details["reason"].as_str().expect("reason").ends_with("over the 24 h threshold"), "{details}");
    }
    assert_eq!(a.sweep_once().await.expect("sweeps"), SweepOutcome::Swept(0), "no ticket is escalated twice");
    // Someone takes the high ticket back into work: the sweep does not escalate it again.
    let back =
        proto::Ticket { ticket_id: high.clone(), status: proto::Status::InProgress as i32, ..Default::default() };
    let mask = Some(prost_types::FieldMask { paths: vec!["status".into()] });
    app.tickets.update_ticket(UpdateTicketRequest { ticket: Some(back), update_mask: mask }).await.expect("moved back");
    clock.advance(Duration::seconds(30));
    assert_eq!(a.sweep_once().await.expect("sweeps"), SweepOutcome::Swept(0), "swept once per ticket");
    assert_eq!(status_of(&mut app, &high).await, proto::Status::InProgress as i32);

    // Instance a stops without a word (a crash): b waits until a's lease lapses, then takes over.
    drop(a);
    let late = create(&mut app, "Disk full", proto::Priority::Medium, proto::Status::New).await;
    clock.advance(Duration::seconds(60));
    assert_eq!(b.sweep_once().await.expect("runs"), SweepOutcome::Standby, "a's lease has not lapsed");
    clock.advance(Duration::seconds(SweepSettings::default().lease_secs as i64));
    assert_eq!(b.sweep_once().await.expect("sweeps"), SweepOutcome::Swept(1), "b took over");
    assert_eq!(status_of(&mut app, &late).await, proto::Status::Escalated as i32);
    assert_eq!(escalated_entries(&mut app).await.len(), 4);
    let report = app.audit.verify_audit_chain(VerifyAuditChainRequest::default()).await.expect("verified").into_inner();
    assert!(report.valid, "{report:?}");
}

on_every_backend!(overdue_tickets_are_escalated_once_by_one_instance_at_a_time);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_server_sweeps_on_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = crate::support::helpdesk(dir.path());
    // A threshold of about a second and a sweep every second.
    command.env("HELPDESK_ESCALATION_THRESHOLD", "0.0003").env("HELPDESK_ESCALATION_SWEEP_INTERVAL", "1");
    let server = crate::support::server::start_with(command);
    let mut clients =
        helpdesk_client::HelpdeskClient::connect_within(&server.addr, Wait::from_secs(5)).await.expect("connects");
    let draft = ticket("Badge reader", "The badge reader at door 3 ignores my badge");
    let created =
        clients.ticket_service.create_ticket(CreateTicketRequest { ticket: Some(draft) }).await.expect("created");
    let id = created.into_inner().ticket.expect("ticket").ticket_id;
    let deadline = tokio::time::Instant::now() + Wait::from_secs(20);
    let mut status = proto::Status::New as i32;
    while status != proto::Status::Escalated as i32 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Wait::from_millis(200)).await;
        let got = clients.ticket_service.get_ticket(GetTicketRequest { ticket_id: id.clone() }).await.expect("got");
        status = got.into_inner().ticket.expect("ticket").status;
    }
    assert_eq!(status, proto::Status::Escalated as i32, "escalated by the server's sweep within 20 s");
    let request = ListAuditEntriesRequest { ticket_id: id.clone(), ..Default::default() };
    let entries = clients.audit_service.list_audit_entries(request).await.expect("listed").into_inner().entries;
    let actions: Vec<(&str, &str)> = entries.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect();
    assert_eq!(actions[0], ("ticket.escalated", ACTOR), "{actions:?}");
    let (code, _) = server.terminate();
    assert_eq!(code, 0);
}
