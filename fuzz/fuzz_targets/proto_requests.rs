//! Request decode and validation: the first byte picks one of the request messages the gRPC services
//! take, the rest is decoded as it (prost) and run through the conversions and checks the services'
//! adapters use (`grpc::convert`, `grpc::request`, `grpc::update_mask`, `domain::validation`). A
//! valid ticket is also triaged as a dry run with the built-in rules.
//!
//! Checks: a decoded message re-encodes to itself; every refusal is `INVALID_ARGUMENT` with details
//! naming its fields that survive gRPC's headers; a valid ticket keeps what validation promises,
//! converts back to proto and validates to itself; page sizes are clamped; ticket ids re-parse.

#![no_main]

use std::{fmt::Debug, sync::LazyLock};

use helpdesk_ai::{
    domain::{PatchError, TicketLimits, Ticket, TicketDraft, validate_draft},
    grpc::{
        batch_api::MAX_BATCH,
        convert::{candidate_from_proto, draft_to_proto, ticket_from_proto, ticket_to_proto},
        request::{MAX_PAGE_SIZE, non_empty, page, required_time, time},
        status::bad_field,
        ticket_api::list_filter,
        update_mask::patch_from_mask,
    },
    proto,
    service::{ServiceError, parse_ticket_id},
    triage::{RuleSet, TriageSettings, Triager, rules::lint_text},
};
use helpdesk_ai_fuzz::{check_refusal, check_result, check_status, check_ticket, now, rng, triage, validate};
use libfuzzer_sys::fuzz_target;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else { return };
    match kind % 16 {
        0 => with(bytes, |m: proto::TriageTicketRequest| ticket(m.ticket, "ticket")),
        1 => with(bytes, |m: proto::CreateTicketRequest| ticket(m.ticket, "ticket")),
        2 => with(bytes, batch),
        3 => with(bytes, |m: proto::StreamTriageRequest| ticket(m.ticket, "ticket")),
        4 => with(bytes, |m: proto::GetTicketRequest| ticket_id(&m.ticket_id)),
        5 => with(bytes, list_tickets),
        6 => with(bytes, update),
        7 => with(bytes, |m: proto::DeleteTicketRequest| ticket_id(&m.ticket_id)),
        8 => with(bytes, |m: proto::PurgeTicketsRequest| times(&[("created_before", m.created_before)], true)),
        9 => with(bytes, list_audit),
        10 => with(bytes, |m: proto::WatchAuditEntriesRequest| {
            let _ = (non_empty(m.ticket_id), non_empty(m.action));
        }),
        11 => with(bytes, |m: proto::ExportAuditEntriesRequest| times(&[("before", m.before)], false)),
        12 => with(bytes, |m: proto::PurgeAuditEntriesRequest| times(&[("before", m.before)], true)),
        13 => with(bytes, |m: proto::CheckRulesRequest| {
            candidate(m.rules);
        }),
        14 => with(bytes, test_rules),
        _ => with(bytes, |m: proto::BacktestRulesRequest| {
            candidate(m.rules);
            times(&[("created_after", m.created_after), ("created_before", m.created_before)], false);
        }),
    }
});

/// Runs `check` on the message `bytes` encode, if they are one; a decoded message must re-encode to
/// bytes that decode to the same message.
fn with<M: Message + Default + PartialEq + Debug, R>(bytes: &[u8], check: impl FnOnce(M) -> R) {
    let Ok(message) = M::decode(bytes) else { return };
    let again = M::decode(message.encode_to_vec().as_slice()).expect("a decoded message re-encodes");
    assert_eq!(again, message);
    check(message);
}

/// A service error of a request's conversion: only ever a refusal of the input.
fn refused(error: ServiceError) {
    match error {
        ServiceError::Invalid(errors) => check_refusal(errors),
        other => panic!("a conversion failed with something other than a refusal: {other}"),
    }
}

/// A request's ticket as the adapters take it: required, converted (violations under `path`),
/// validated; a valid one round-trips through proto and is triaged as a dry run.
fn ticket(ticket: Option<proto::Ticket>, path: &str) -> Option<Ticket> {
    let Some(ticket) = ticket else {
        check_status(&bad_field(path, "is required"));
        return None;
    };
    let draft = match ticket_from_proto(ticket) {
        Ok(draft) => draft,
        Err(errors) => {
            check_refusal(errors.prefixed(path));
            return None;
        }
    };
    assert_eq!(ticket_from_proto(draft_to_proto(&draft)).as_ref(), Ok(&draft), "a draft round-trips through proto");
    let valid = validate(draft).ok()?;
    let again = ticket_from_proto(ticket_to_proto(&valid)).expect("a valid ticket converts back");
    let mut again = validate(again).expect("a valid ticket, sent again, is valid");
    assert!(again.priority_given, "a ticket sent back declares its priority");
    again.priority_given = valid.priority_given;
    assert!(again == valid, "a valid ticket sent again validates to itself");
    triage(&valid);
    Some(valid)
}

fn batch(m: proto::BatchTriageRequest) {
    if m.tickets.len() > MAX_BATCH {
        return check_status(&bad_field("tickets", "too many"));
    }
    for (i, t) in m.tickets.into_iter().enumerate() {
        ticket(Some(t), &format!("tickets[{i}]"));
    }
}

/// A ticket id a call names: a valid one is the trimmed text and parses again to itself.
fn ticket_id(raw: &str) {
    match parse_ticket_id(raw) {
        Ok(id) => {
            assert_eq!(id.as_str(), raw.trim());
            assert_eq!(parse_ticket_id(id.as_str()).ok(), Some(id));
        }
        Err(error) => refused(error),
    }
}

/// A page size and token: a negative size is refused, others are clamped to 1..=MAX_PAGE_SIZE.
fn page_of(size: i32, token: String) {
    let blank = token.trim().is_empty();
    match page(size, token) {
        Ok(p) => {
            assert!(size >= 0 && (1..=MAX_PAGE_SIZE).contains(&p.page_size), "{size} -> {}", p.page_size);
            assert_eq!(p.page_token.is_none(), blank);
        }
        Err(status) => {
            assert!(size < 0);
            check_status(&status);
        }
    }
}

/// Optional (or, with `required`, required) timestamp fields.
fn times(fields: &[(&str, Option<prost_types::Timestamp>)], required: bool) {
    for (field, ts) in fields {
        let converted = if required { required_time(field, *ts).map(Some) } else { time(field, *ts) };
        match converted {
            Ok(at) => assert_eq!(at.is_some(), ts.is_some()),
            Err(status) => check_status(&status),
        }
    }
}

fn list_tickets(m: proto::ListTicketsRequest) {
    match list_filter(&m) {
        Ok(filter) => {
            assert_eq!(filter.queue, non_empty(m.queue.clone()));
            assert_eq!(filter.requester_email.is_some(), !m.requester_email.trim().is_empty());
        }
        Err(status) => check_status(&status),
    }
    page_of(m.page_size, m.page_token);
}

fn list_audit(m: proto::ListAuditEntriesRequest) {
    times(&[("start_time", m.start_time), ("end_time", m.end_time)], false);
    page_of(m.page_size, m.page_token);
}

/// Tickets an update applies to: a new one, and a closed one (which may only be reopened).
static CURRENT: LazyLock<Vec<Ticket>> = LazyLock::new(|| {
    let new = TicketDraft {
        ticket_id: Some("TKT-20261127-FUZZ0001".into()),
        title: "VPN drops every hour".into(),
        description: "The VPN client disconnects every hour since the update.".into(),
        requester_email: "ana@example.com".into(),
        tags: vec!["vpn".into()],
        ..TicketDraft::default()
    };
    let closed = TicketDraft { status: Some(helpdesk_ai::domain::Status::Closed), ..new.clone() };
    [new, closed]
        .into_iter()
        .map(|d| validate_draft(d, &TicketLimits::default(), now(), &mut rng()).expect("a valid sample ticket"))
        .collect()
});

fn update(m: proto::UpdateTicketRequest) {
    let Some(ticket) = m.ticket else { return };
    if let Err(error) = parse_ticket_id(&ticket.ticket_id) {
        return refused(error);
    }
    let patch = match patch_from_mask(ticket, m.update_mask) {
        Ok(patch) => patch,
        Err(error) => return refused(error),
    };
    assert!(!patch.fields().is_empty(), "a patch from a non-empty mask changes something");
    let limits = TicketLimits::default();
    for current in CURRENT.iter() {
        match patch.apply(current, &limits, now()) {
            Ok(next) => {
                check_ticket(&next, &limits);
                assert_eq!((&next.ticket_id, next.created_at), (&current.ticket_id, current.created_at));
            }
            Err(PatchError::Invalid(errors)) => check_refusal(errors),
            Err(PatchError::IllegalTransition { from, to }) => assert!(!from.can_transition_to(to)),
        }
    }
}

/// A candidate rules file: it lints without panicking, and loads exactly when the lint finds no error.
fn candidate(rules: Option<proto::CandidateRules>) -> Option<RuleSet> {
    let candidate = match candidate_from_proto(rules) {
        Ok(candidate) => candidate,
        Err(status) => {
            check_status(&status);
            return None;
        }
    };
    let report = lint_text(&candidate.text, candidate.format);
    let loaded = RuleSet::parse(&candidate.text, candidate.format).ok();
    assert_eq!(report.rules.is_some(), !report.has_errors());
    assert_eq!(report.rules.as_ref().map(RuleSet::version), loaded.as_ref().map(RuleSet::version));
    loaded
}

fn test_rules(m: proto::TestRulesRequest) {
    let rules = candidate(m.rules);
    if let (Some(rules), Some(valid)) = (rules, ticket(m.ticket, "ticket")) {
        let trial = Triager::new(TriageSettings::default(), std::sync::Arc::new(rules));
        check_result(&trial.triage(&valid, now()), trial.rules());
    }
}
