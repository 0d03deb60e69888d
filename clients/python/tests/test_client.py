"""Every HelpdeskClient method against a running server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from helpdesk_client import (
    AuditEntry,
    HelpdeskClient,
    HelpdeskError,
    HelpdeskValidationError,
    LintSeverity,
    Priority,
    RulesFormat,
    Status,
    Ticket,
    TriageResult,
    ticket_store_service_pb2,
)
from helpdesk_client._generated.helpdesk.v1 import ticket_store_service_pb2_grpc

from conftest import Credentials

BREACH: Dict[str, Any] = {
    "title": "Security breach: credentials leaked",
    "description": "We detected a data breach; an attacker accessed admin accounts.",
    "requester_email": "sec@example.com",
}


def ticket(n: int) -> Dict[str, Any]:
    return {
        "title": f"Printer {n} jams",
        "description": f"The printer number {n} on floor 2 jams on every page.",
        "requester_email": f"user{n}@example.com",
    }


def test_triage_breach_goes_to_security_as_critical(client: HelpdeskClient) -> None:
    result = client.triage(BREACH)
    assert isinstance(result, TriageResult)
    assert result.queue == "security"
    assert result.priority == Priority.PRIORITY_CRITICAL
    assert result.escalation.escalated
    assert result.ticket_id.startswith("TKT-")


def test_triage_accepts_message_dry_run_and_request_id(client: HelpdeskClient) -> None:
    message = Ticket(**BREACH)
    dry = client.triage(message, dry_run=True)
    assert dry.queue == "security"
    assert client.stats().total == 0  # a dry run stores nothing

    first = client.triage(message, request_id="req-42")
    again = client.triage(message, request_id="req-42")
    assert again.ticket_id == first.ticket_id  # replayed, not triaged twice
    assert client.stats().total == 1


def test_invalid_ticket_raises_validation_error(client: HelpdeskClient) -> None:
    with pytest.raises(HelpdeskValidationError) as caught:
        client.triage({"title": "", "description": "", "requester_email": "not-an-address"})
    error = caught.value
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert isinstance(error, HelpdeskError)
    fields = [field for field, _ in error.violations]
    assert fields == ["ticket.title", "ticket.description", "ticket.requester_email"]
    assert error.fields == fields
    assert all(description for _, description in error.violations)
    assert "ticket.title" in error.message


def test_stream_triage_reports_each_ticket(client: HelpdeskClient) -> None:
    invalid = dict(ticket(2), title="")
    outcomes = list(client.stream_triage([ticket(1), invalid, BREACH]))
    assert len(outcomes) == 3
    results = [o for o in outcomes if o.WhichOneof("outcome") == "result"]
    errors = [o for o in outcomes if o.WhichOneof("outcome") == "error"]
    assert len(results) == 2
    assert len(errors) == 1
    (failed,) = errors
    assert failed.client_id == "1"
    assert failed.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert [v.field for v in failed.error.field_violations] == ["ticket.title"]
    assert sorted(o.client_id for o in results) == ["0", "2"]
    by_client = {o.client_id: o.result for o in results}
    assert by_client["2"].queue == "security"
    assert client.stats().total == 2


def test_ticket_store_round_trip(client: HelpdeskClient) -> None:
    created = client.create_ticket(ticket(1))
    assert created.ticket_id
    assert created.title == "Printer 1 jams"
    assert created.status == Status.STATUS_NEW

    fetched = client.get_ticket(created.ticket_id)
    assert fetched.ticket.ticket_id == created.ticket_id
    assert fetched.ticket.requester_email == "user1@example.com"
    assert not fetched.HasField("latest_result")

    updated = client.update_ticket(
        {"ticket_id": created.ticket_id, "status": "STATUS_IN_PROGRESS", "title": "ignored"},
        ["status"],
    )
    assert updated.status == Status.STATUS_IN_PROGRESS
    assert updated.title == "Printer 1 jams"  # not in the mask
    assert client.get_ticket(created.ticket_id).ticket.status == Status.STATUS_IN_PROGRESS

    assert client.delete_ticket(created.ticket_id) == created.ticket_id
    with pytest.raises(HelpdeskError) as caught:
        client.get_ticket(created.ticket_id)
    assert caught.value.code == grpc.StatusCode.NOT_FOUND
    assert not isinstance(caught.value, HelpdeskValidationError)


def test_get_ticket_has_latest_result_after_triage(client: HelpdeskClient) -> None:
    result = client.triage(BREACH)
    fetched = client.get_ticket(result.ticket_id)
    assert fetched.latest_result.queue == "security"
    assert fetched.ticket.title == BREACH["title"]


def test_list_tickets_follows_page_tokens(
    client: HelpdeskClient, server_address: str, credentials: Credentials, keys: Path
) -> None:
    ids = {client.create_ticket(ticket(n)).ticket_id for n in range(5)}

    # The server really pages: a raw call with page_size 2 gives 2 and a token.
    tls = grpc.ssl_channel_credentials(root_certificates=(keys / "ca.crt").read_bytes())
    with grpc.secure_channel(server_address, tls) as channel:
        stub = ticket_store_service_pb2_grpc.TicketStoreServiceStub(channel)
        first = stub.ListTickets(
            ticket_store_service_pb2.ListTicketsRequest(page_size=2),
            metadata=(("authorization", f"Bearer {credentials.admin}"),),
        )
        assert len(first.tickets) == 2
        assert first.next_page_token

    listed: List[Ticket] = list(client.list_tickets(page_size=2))
    assert len(listed) == 5
    assert {t.ticket_id for t in listed} == ids


def test_list_tickets_filters(client: HelpdeskClient) -> None:
    client.triage(BREACH)
    for n in range(3):
        client.create_ticket(ticket(n))
    security = list(client.list_tickets(queue="security"))
    assert [t.title for t in security] == [BREACH["title"]]
    new = list(client.list_tickets(status=Status.STATUS_NEW, page_size=1))
    assert len(new) == 3
    with pytest.raises(TypeError):
        list(client.list_tickets(no_such_filter=1))


def test_stats(client: HelpdeskClient) -> None:
    client.triage(BREACH)
    client.create_ticket(ticket(1))
    stats = client.stats()
    assert stats.total == 2
    assert stats.by_queue["security"] == 1
    assert stats.by_priority["CRITICAL"] == 1


def test_list_audit(client: HelpdeskClient) -> None:
    triaged = client.triage(BREACH)
    created = client.create_ticket(ticket(1))
    client.update_ticket({"ticket_id": created.ticket_id, "status": "STATUS_RESOLVED"}, ["status"])

    entries: List[AuditEntry] = list(client.list_audit(page_size=1))
    assert len(entries) == 3
    assert sorted(e.action for e in entries) == ["ticket.created", "ticket.triaged", "ticket.updated"]
    assert len({e.sequence for e in entries}) == 3

    for_ticket = list(client.list_audit(ticket_id=created.ticket_id))
    assert sorted(e.action for e in for_ticket) == ["ticket.created", "ticket.updated"]
    triage_entries = list(client.list_audit(action="ticket.triaged"))
    assert [e.ticket_id for e in triage_entries] == [triaged.ticket_id]


def test_health(client: HelpdeskClient) -> None:
    assert client.health() == "SERVING"
    assert client.health("helpdesk.v1.TriageService") == "SERVING"
    with pytest.raises(HelpdeskError) as caught:
        client.health("no.such.Service")
    assert caught.value.code == grpc.StatusCode.NOT_FOUND


def test_unreachable_server_raises_helpdesk_error() -> None:
    with HelpdeskClient("127.0.0.1:1", timeout=1.0) as client:
        with pytest.raises(HelpdeskError) as caught:
            client.health()
    assert caught.value.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


# -- BatchTriage -------------------------------------------------------------


def test_batch_triage_gives_one_outcome_per_ticket_in_order(client: HelpdeskClient) -> None:
    response = client.batch_triage([BREACH, dict(ticket(1), requester_email="nope"), ticket(2)])
    assert (response.succeeded, response.failed) == (2, 1)
    assert [o.index for o in response.outcomes] == [0, 1, 2]
    assert [o.WhichOneof("outcome") for o in response.outcomes] == ["result", "error", "result"]
    assert response.outcomes[0].result.queue == "security"
    failed = response.outcomes[1].error
    assert failed.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert [v.field for v in failed.field_violations] == ["tickets[1].requester_email"]
    assert client.stats().total == 2

    dry = client.batch_triage([ticket(3)], dry_run=True)
    assert dry.succeeded == 1
    assert client.stats().total == 2  # a dry run stores nothing


# -- PurgeTickets ------------------------------------------------------------


def test_purge_tickets_counts_and_removes_older_tickets(client: HelpdeskClient) -> None:
    for n in range(3):
        client.create_ticket(ticket(n))
    past = datetime.now(timezone.utc) - timedelta(days=1)
    assert client.purge_tickets(past) == 0
    future = datetime.now(timezone.utc) + timedelta(minutes=1)
    assert client.purge_tickets(future, dry_run=True) == 3
    assert client.stats().total == 3  # a dry run removes nothing
    assert client.purge_tickets(future) == 3
    assert client.stats().total == 0
    assert list(client.list_tickets()) == []


# -- WatchAuditEntries / ExportAuditEntries / PurgeAuditEntries / VerifyAuditChain


def test_watch_audit_receives_a_new_entry_and_cancels_cleanly(client: HelpdeskClient) -> None:
    client.triage(ticket(1))  # written before the watch: not delivered
    with client.watch_audit(action="ticket.triaged", timeout=30.0) as watch:
        triaged = client.triage(BREACH)
        entry = next(watch)
        assert isinstance(entry, AuditEntry)
        assert entry.ticket_id == triaged.ticket_id
        assert entry.action == "ticket.triaged"
        assert entry.rules_version == triaged.rules_version
        watch.cancel()
        assert watch.cancelled
        assert list(watch) == []  # a cancelled watch just ends, no error
    assert client.health() == "SERVING"  # the channel is still usable


def test_watch_audit_filters_by_ticket(client: HelpdeskClient) -> None:
    created = client.create_ticket(ticket(1))
    watch = client.watch_audit(ticket_id=created.ticket_id, timeout=30.0)
    try:
        client.create_ticket(ticket(2))  # another ticket: filtered out
        client.update_ticket({"ticket_id": created.ticket_id, "status": "STATUS_CLOSED"}, ["status"])
        entry = next(watch)
        assert (entry.ticket_id, entry.action) == (created.ticket_id, "ticket.updated")
    finally:
        watch.close()


def test_export_purge_and_verify_audit(client: HelpdeskClient) -> None:
    ids = [client.triage(ticket(n)).ticket_id for n in range(4)]
    report = client.verify_audit()
    assert report.valid, report.reason
    assert report.entries_checked == 4
    assert report.first_broken_sequence == 0
    # No signing key on this server: hashes only, and strictness changes nothing.
    assert not report.signatures_required
    assert client.verify_audit(strict=True).valid

    cutoff = datetime.now(timezone.utc) + timedelta(seconds=1)
    with pytest.raises(HelpdeskError) as caught:
        client.purge_audit(cutoff)  # not exported yet
    assert caught.value.code == grpc.StatusCode.FAILED_PRECONDITION

    exported = list(client.export_audit(before=cutoff))
    assert [e.sequence for e in exported] == [1, 2, 3, 4, 5, 6]  # oldest first
    # The four triages, then the two verifications: each is an audit entry of its own.
    assert [e.action for e in exported] == ["ticket.triaged"] * 4 + ["audit.verified"] * 2
    assert [e.ticket_id for e in exported[:4]] == ids
    assert all(e.hash for e in exported)

    assert client.purge_audit(cutoff) == 6
    left = [e.action for e in client.list_audit()]
    assert "audit.purged" in left
    assert "ticket.triaged" not in left
    after = client.verify_audit()
    assert after.valid, after.reason
    assert after.entries_checked == len(left)


def test_purge_audit_with_force_needs_no_export(client: HelpdeskClient) -> None:
    for n in range(2):
        client.create_ticket(ticket(n))
    assert len(list(client.export_audit())) == 2  # no cutoff: everything so far
    past = datetime(2000, 1, 1)  # naive: taken as UTC
    assert client.purge_audit(past, force=True) == 0
    client.create_ticket(ticket(3))  # written after the export
    # 2 created + the export's own entry + 1 created, not all exported: needs force.
    assert client.purge_audit(datetime.now(timezone.utc) + timedelta(seconds=1), force=True) == 4
    assert [e.action for e in client.list_audit()] == ["audit.purged"]
    report = client.verify_audit()
    assert (report.valid, report.entries_checked) == (True, 1)
    with pytest.raises(HelpdeskValidationError):
        client.purge_audit(Timestamp(seconds=-1, nanos=-5))


# -- GetRules / CheckRules / TestRules / BacktestRules -----------------------

CANDIDATE = """\
name: candidate
default_queue: general-support
rules:
  - id: refunds
    name: Refunds go to finance
    priority: 10
    when: { field: text, op: contains_any, value: [refund, charged twice] }
    then: { queue: finance, set_priority: HIGH }
"""

REFUND: Dict[str, Any] = {
    "title": "Refund for double charge",
    "description": "We were charged twice on invoice 2026-118.",
    "requester_email": "billing@example.com",
}


def test_get_rules_lists_the_rules_in_force(client: HelpdeskClient) -> None:
    rules = client.get_rules()
    assert re.fullmatch(r"default@[0-9a-f]{12}", rules.version), rules.version
    assert (rules.name, rules.source, rules.default_queue) == ("default", "built-in", "general-support")
    by_id = {r.id: r for r in rules.rules}
    assert by_id["security-incidents"].queue == "security"
    assert by_id["security-incidents"].enabled
    assert not by_id["key-account-domains"].enabled
    assert [r.priority for r in rules.rules] == sorted(r.priority for r in rules.rules)
    assert client.triage(BREACH).rules_version == rules.version


def test_check_rules_accepts_good_rules_and_names_the_problem_in_bad_ones(
    client: HelpdeskClient,
) -> None:
    ok = client.check_rules(CANDIDATE)
    assert ok.valid
    assert ok.version.startswith("candidate@")
    assert [(r.id, r.queue) for r in ok.rules] == [("refunds", "finance")]

    tied = CANDIDATE + (
        "  - id: other\n    name: Same priority\n    priority: 10\n"
        "    when: { all: [] }\n    then: { queue: x }\n"
    )
    bad = client.check_rules(tied)
    assert not bad.valid
    assert bad.version == "" and len(bad.rules) == 0
    errors = [f for f in bad.findings if f.severity == LintSeverity.LINT_SEVERITY_ERROR]
    assert errors
    assert any("priority" in f.message or "priority" in f.path for f in errors), errors

    unknown_field = client.check_rules(CANDIDATE.replace("field: text", "field: nope"))
    assert not unknown_field.valid
    (finding,) = unknown_field.findings
    assert finding.severity == LintSeverity.LINT_SEVERITY_ERROR
    assert (finding.rule_id, finding.path) == ("refunds", "when.field")
    assert "nope" in finding.message

    as_json = client.check_rules(
        '{"name": "j", "default_queue": "q", "rules": []}', rules_format=RulesFormat.RULES_FORMAT_JSON
    )
    assert as_json.valid and as_json.version.startswith("j@")
    with pytest.raises(HelpdeskValidationError) as caught:
        client.check_rules("   ")
    assert caught.value.fields == ["rules.text"]


def test_test_rules_compares_candidate_and_current_and_stores_nothing(
    client: HelpdeskClient,
) -> None:
    tested = client.test_rules(CANDIDATE, REFUND)
    assert tested.changed
    assert (tested.candidate_result.queue, tested.candidate_result.matched_rule) == ("finance", "refunds")
    assert tested.candidate_result.priority == Priority.PRIORITY_HIGH
    assert tested.candidate_result.rules_version.startswith("candidate@")
    assert tested.current_result.queue == "billing"
    assert tested.current_result.rules_version == client.get_rules().version
    assert client.stats().total == 0

    with pytest.raises(HelpdeskValidationError) as caught:
        client.test_rules(CANDIDATE.replace("field: text", "field: nope"), REFUND)
    assert caught.value.fields == ["rules.text"]
    assert "nope" in caught.value.message


def test_backtest_rules_counts_changed_decisions(client: HelpdeskClient) -> None:
    client.triage(REFUND)
    client.triage(dict(REFUND, title="Refund please", description="I want a refund for the annual plan."))
    client.triage(ticket(1))
    report = client.backtest_rules(CANDIDATE, max_examples=1)
    assert (report.replayed, report.changed, report.queue_changed, report.priority_changed) == (3, 2, 2, 2)
    assert report.current_version == client.get_rules().version
    assert report.candidate_version.startswith("candidate@")
    queues = {q.name: (q.before, q.after) for q in report.queues}
    assert queues["finance"] == (0, 2)
    assert queues["billing"] == (2, 0)
    assert len(report.examples) == 1
    example = report.examples[0]
    assert (example.queue_before, example.queue_after, example.rule_after) == ("billing", "finance", "refunds")

    later = datetime.now(timezone.utc) + timedelta(hours=1)
    assert client.backtest_rules(CANDIDATE, created_after=later).replayed == 0
    assert client.backtest_rules(CANDIDATE, limit=1).replayed == 1
    with pytest.raises(HelpdeskValidationError) as caught:
        client.backtest_rules(CANDIDATE, limit=1_000_000)
    assert caught.value.fields == ["limit"]


# -- the README's example ----------------------------------------------------


def test_readme_example_runs_as_written(server_address: str, credentials: Credentials, keys: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert blocks, "the README has a python example"
    example = blocks[0]
    assert example.count("127.0.0.1:50051") == 1
    assert example.count('ca_file="ca.crt"') == 1
    code_lines = [line for line in example.splitlines() if line.strip()]
    assert len(code_lines) <= 11, "the example stays about ten lines"
    # As a reader runs it: the token in HELPDESK_TOKEN, the CA file at hand; only the address and
    # the CA's path change.
    code = example.replace("127.0.0.1:50051", server_address).replace(
        'ca_file="ca.crt"', f"ca_file={str(keys / 'ca.crt')!r}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env["HELPDESK_TOKEN"] = credentials.admin
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert re.fullmatch(r"TKT-\S+ security PRIORITY_CRITICAL", lines[0]), lines
    assert lines[1:] == ["['ticket.triaged']", "[('ticket.title', 'is required')]"]
