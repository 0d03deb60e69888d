//! What the fuzz targets share: a fixed clock and a seeded generator (so every crash replays the same
//! way), validation and a dry-run triage with the built-in rules, and the checks that every validated
//! ticket, every refusal, every triage result and every record read from an input file must pass.

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use helpdesk_ai::{
    cli::triage::Record,
    domain::{
        Ticket, TicketDraft, TicketLimits, ValidationErrors, is_valid_email, validate_draft,
        validation::{MAX_CLOCK_SKEW_MINUTES, MAX_NAME_CHARS},
    },
    grpc::status::to_status,
    service::ServiceError,
    triage::{RuleSet, TriageResult, TriageSettings, Triager, rules::DEFAULT_RULE},
};
use rand::{SeedableRng, rngs::StdRng};
use tonic::{Code, Status};
use tonic_types::StatusExt;

/// The clock every target runs at: 2026-11-27T10:00:00Z.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_773_600, 0).expect("a fixed time in range")
}

/// The generator validation draws missing ticket ids from, seeded the same for every input.
pub fn rng() -> StdRng {
    StdRng::seed_from_u64(0x4845_4c50)
}

/// The pipeline with the default settings and the built-in rules, built once per process.
static BUILTIN: LazyLock<Triager> =
    LazyLock::new(|| Triager::new(TriageSettings::default(), Arc::new(RuleSet::builtin())));

/// Validates a draft as every way in does (default limits, [`now`]), and checks what comes out:
/// a ticket passes [`check_ticket`], a refusal [`check_refusal`].
pub fn validate(draft: TicketDraft) -> Result<Ticket, ValidationErrors> {
    let limits = TicketLimits::default();
    let validated = validate_draft(draft, &limits, now(), &mut rng());
    match &validated {
        Ok(ticket) => check_ticket(ticket, &limits),
        Err(errors) => check_refusal(errors.clone()),
    }
    validated
}

/// What validation promises of a ticket it lets through.
pub fn check_ticket(ticket: &Ticket, limits: &TicketLimits) {
    assert!(!ticket.title.is_empty() && ticket.title == ticket.title.trim(), "title {:?}", ticket.title);
    assert!(ticket.title.chars().count() <= limits.ticket.max_title_chars);
    assert!(!ticket.description.trim().is_empty());
    assert!(ticket.description.chars().count() <= limits.ticket.max_description_chars);
    assert!(is_valid_email(&ticket.requester_email), "requester {:?}", ticket.requester_email);
    assert!(ticket.tags.len() <= limits.fields.max_tags);
    for (i, tag) in ticket.tags.iter().enumerate() {
        assert!(!tag.is_empty() && tag == tag.trim() && tag.chars().count() <= limits.fields.max_tag_chars, "tag {tag:?}");
        assert!(!ticket.tags[..i].contains(tag), "tag {tag:?} twice");
    }
    assert!(ticket.metadata.len() <= limits.fields.max_metadata_entries);
    for (key, value) in &ticket.metadata {
        assert!(key.chars().count() <= limits.fields.max_metadata_key_chars, "metadata key {key:?}");
        assert!(value.chars().count() <= limits.fields.max_metadata_value_chars, "metadata value {value:?}");
        assert!(!key.contains('\0') && !value.contains('\0'), "NUL in metadata");
    }
    assert!(![&ticket.title, &ticket.description, &ticket.requester_email].iter().any(|t| t.contains('\0')), "NUL in a text");
    if let Some(queue) = &ticket.assigned_queue {
        assert!(!queue.is_empty() && queue == queue.trim() && queue.chars().count() <= MAX_NAME_CHARS);
    }
    let now = now().trunc_subsecs(6);
    assert_eq!(ticket.updated_at, now);
    assert!(ticket.created_at <= now + Duration::minutes(MAX_CLOCK_SKEW_MINUTES));
}

/// What a refusal promises: at least one violation, and as an RPC's status an `INVALID_ARGUMENT`
/// whose `BadRequest` details name the same fields, that can be written as gRPC headers and read
/// back unchanged.
pub fn check_refusal(errors: ValidationErrors) {
    assert!(!errors.is_empty(), "a refusal without a violation");
    let fields: Vec<String> = errors.violations.iter().map(|v| v.field.clone()).collect();
    let status = to_status(ServiceError::Invalid(errors));
    check_status(&status);
    let details = status.get_details_bad_request().expect("a refusal carries BadRequest details");
    let sent: Vec<String> = details.field_violations.iter().map(|v| v.field.clone()).collect();
    assert_eq!(sent, fields);
}

/// An RPC's status is `INVALID_ARGUMENT` and survives the trip through gRPC's headers.
pub fn check_status(status: &Status) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let mut headers = http::HeaderMap::new();
    status.add_header(&mut headers).expect("a refusal can be sent as headers");
    let read = Status::from_header_map(&headers).expect("the headers carry a status");
    assert_eq!((read.code(), read.message(), read.details()), (status.code(), status.message(), status.details()));
}

/// Triages a validated ticket with the built-in rules (a dry run) and checks the result.
pub fn triage(ticket: &Ticket) -> TriageResult {
    let result = BUILTIN.triage(ticket, now());
    check_result(&result, BUILTIN.rules());
    result
}

/// What a triage result promises: a score in [0, 1], a queue and matched rule the rules can give,
/// finite components.
pub fn check_result(result: &TriageResult, rules: &RuleSet) {
    assert!((0.0..=1.0).contains(&result.score), "score {}", result.score);
    for component in &result.components {
        assert!(component.contribution.is_finite() && component.weight.is_finite(), "{component:?}");
    }
    let rule_queue = |id: &str| rules.rules().iter().find(|r| r.id == id).and_then(|r| r.then.queue.as_deref());
    if result.matched_rule == DEFAULT_RULE {
        assert_eq!(result.queue, rules.default_queue());
    } else {
        assert_eq!(Some(result.queue.as_str()), rule_queue(&result.matched_rule), "{result:?}");
    }
    for id in &result.matched_rules {
        assert!(rules.rules().iter().any(|r| r.id == *id && r.enabled), "matched rule {id:?} is not an enabled rule");
    }
}

/// What an input reader promises of the records it read from `text`: numbered 1, 2, ... in order,
/// each on a line of the text, a record without a draft says why; every draft then goes through
/// validation, as `helpdesk triage` takes it (the triage itself is left to the proto target).
pub fn check_records(text: &str, records: &[Record]) {
    let last_line = text.matches('\n').count() + 1;
    for (i, record) in records.iter().enumerate() {
        assert_eq!(record.number, i + 1, "{record:?}");
        assert!((1..=last_line).contains(&record.line), "line {} of {last_line}: {record:?}", record.line);
        assert!(record.draft.is_some() || !record.problems.is_empty(), "{record:?}");
        if let Some(draft) = &record.draft {
            let _ = validate(draft.clone());
        }
    }
}

/// A few valid tickets unlike each other (categories, priorities, tiers, tags, ages, a queue), for
/// routing under rules read from an input.
pub static SAMPLE_TICKETS: LazyLock<Vec<Ticket>> = LazyLock::new(|| {
    use helpdesk_ai::domain::{Category, Priority, Status};
    let draft = |title: &str, description: &str, requester: &str| TicketDraft {
        title: title.into(),
        description: description.into(),
        requester_email: requester.into(),
        ..TicketDraft::default()
    };
    let outage = TicketDraft {
        priority: Some(Priority::Critical),
        tags: vec!["outage".into(), "database".into()],
        metadata: [("tier".to_owned(), "enterprise".to_owned())].into(),
        ..draft("Production database outage", "The production database is down for all users.", "ana@example.com")
    };
    let refund = TicketDraft {
        category: Some(Category::Billing),
        priority: Some(Priority::Low),
        created_at: Some(now() - Duration::days(3)),
        metadata: [("tier".to_owned(), "bronze".to_owned()), ("product".to_owned(), "mobile".to_owned())].into(),
        ..draft(
            "Refund for a double charge",
            "I was charged twice for my invoice, please refund me.",
            "bo@corp.example",
        )
    };
    let question = TicketDraft {
        status: Some(Status::InProgress),
        assigned_queue: Some("general-support".into()),
        ..draft("Comment exporter mes tickets ?", "Je voudrais exporter la liste en CSV, merci.", "li@example.org")
    };
    [outage, refund, question]
        .into_iter()
        .map(|d| validate_draft(d, &TicketLimits::default(), now(), &mut rng()).expect("a valid sample ticket"))
        .collect()
});
