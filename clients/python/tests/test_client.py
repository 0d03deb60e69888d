"""Every HelpdeskClient method against a running server."""

from __future__ import annotations

from typing import Any, Dict, List

import grpc
import pytest

from helpdesk_client import (
    AuditEntry,
    HelpdeskClient,
    HelpdeskError,
    HelpdeskValidationError,
    Priority,
    Status,
    Ticket,
    TriageResult,
    ticket_store_service_pb2,
)
from helpdesk_client._generated.helpdesk.v1 import ticket_store_service_pb2_grpc

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


def test_list_tickets_follows_page_tokens(client: HelpdeskClient, server_address: str) -> None:
    ids = {client.create_ticket(ticket(n)).ticket_id for n in range(5)}

    # The server really pages: a raw call with page_size 2 gives 2 and a token.
    with grpc.insecure_channel(server_address) as channel:
        stub = ticket_store_service_pb2_grpc.TicketStoreServiceStub(channel)
        first = stub.ListTickets(ticket_store_service_pb2.ListTicketsRequest(page_size=2))
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
