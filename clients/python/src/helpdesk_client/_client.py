"""A thin, typed, synchronous wrapper over the helpdesk.v1 gRPC services."""

from __future__ import annotations

import functools
from types import TracebackType
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    Mapping,
    Optional,
    Type,
    TypeVar,
    Union,
    cast,
)

import grpc
from google.protobuf import field_mask_pb2, json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc

from helpdesk_client._errors import from_rpc_error
from helpdesk_client._generated.helpdesk.v1 import (
    audit_service_pb2,
    audit_service_pb2_grpc,
    batch_triage_service_pb2,
    batch_triage_service_pb2_grpc,
    ticket_pb2,
    ticket_store_service_pb2,
    ticket_store_service_pb2_grpc,
    triage_service_pb2,
    triage_service_pb2_grpc,
)

__all__ = ["HelpdeskClient", "TicketLike", "to_ticket"]

TicketLike = Union[ticket_pb2.Ticket, Mapping[str, Any]]
"""A ``Ticket`` message, or a dict in its proto3 JSON form.

Dict keys may be the proto field names (``requester_email``) or their JSON
names (``requesterEmail``); enums are given by name (``"PRIORITY_HIGH"``) and
timestamps as RFC 3339 strings.
"""

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])


def to_ticket(ticket: TicketLike) -> ticket_pb2.Ticket:
    """Returns ``ticket`` as a ``Ticket`` message (dicts are parsed as proto3 JSON)."""
    if isinstance(ticket, ticket_pb2.Ticket):
        return ticket
    message = ticket_pb2.Ticket()
    json_format.ParseDict(dict(ticket), message)
    return message


def _translate(call: _F) -> _F:
    """Turns ``grpc.RpcError`` raised by a unary call into :class:`HelpdeskError`."""

    @functools.wraps(call)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from error

    return cast(_F, wrapper)


def _iterate(responses: Iterable[_T]) -> Iterator[_T]:
    """Iterates a response stream, turning ``grpc.RpcError`` into :class:`HelpdeskError`."""
    try:
        yield from responses
    except grpc.RpcError as error:
        raise from_rpc_error(error) from error


class HelpdeskClient:
    """One insecure channel to a helpdesk server and a method per operation.

    ``target`` is ``host:port`` (for example ``"127.0.0.1:50051"``); ``timeout``
    is the deadline in seconds applied to each call (for streams, to the whole
    stream). Use it as a context manager, or call :meth:`close`.

    Failed calls raise :class:`HelpdeskValidationError` for INVALID_ARGUMENT
    (with ``violations``) and :class:`HelpdeskError` for any other status.
    """

    def __init__(self, target: str, timeout: float = 10.0) -> None:
        self.target = target
        self.timeout = timeout
        self._channel: grpc.Channel = grpc.insecure_channel(target)
        self._triage = triage_service_pb2_grpc.TriageServiceStub(self._channel)
        self._batch = batch_triage_service_pb2_grpc.BatchTriageServiceStub(self._channel)
        self._store = ticket_store_service_pb2_grpc.TicketStoreServiceStub(self._channel)
        self._audit = audit_service_pb2_grpc.AuditServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        """Closes the channel."""
        self._channel.close()

    def __enter__(self) -> "HelpdeskClient":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    # -- TriageService / BatchTriageService -------------------------------

    @_translate
    def triage(
        self,
        ticket: TicketLike,
        *,
        dry_run: bool = False,
        request_id: Optional[str] = None,
    ) -> ticket_pb2.TriageResult:
        """Triages one ticket (TriageService/TriageTicket) and returns its ``TriageResult``.

        With ``dry_run`` nothing is stored. A ``request_id`` makes retries
        idempotent: the server replays the first answer for the same id.
        """
        request = triage_service_pb2.TriageTicketRequest(
            ticket=to_ticket(ticket),
            dry_run=dry_run,
            request_id=request_id or "",
        )
        response: triage_service_pb2.TriageTicketResponse = self._triage.TriageTicket(
            request, timeout=self.timeout
        )
        return response.result

    def stream_triage(
        self,
        tickets: Iterable[TicketLike],
        *,
        dry_run: bool = False,
    ) -> Iterator[ticket_pb2.TriageOutcome]:
        """Triages tickets over BatchTriageService/StreamTriage, yielding one ``TriageOutcome`` each.

        Each outcome carries either ``result`` or ``error`` (an ``ItemError``
        with field violations); check with ``outcome.WhichOneof("outcome")``.
        An invalid ticket does not end the stream. ``client_id`` is set to the
        ticket's position in ``tickets`` (as a string).
        """
        requests = (
            batch_triage_service_pb2.StreamTriageRequest(
                ticket=to_ticket(ticket), client_id=str(index), dry_run=dry_run
            )
            for index, ticket in enumerate(tickets)
        )
        responses: Iterable[batch_triage_service_pb2.StreamTriageResponse] = (
            self._batch.StreamTriage(requests, timeout=self.timeout)
        )
        for response in _iterate(responses):
            yield response.outcome

    # -- TicketStoreService ------------------------------------------------

    @_translate
    def create_ticket(self, ticket: TicketLike) -> ticket_pb2.Ticket:
        """Stores a ticket without triaging it and returns it with its id and timestamps."""
        request = ticket_store_service_pb2.CreateTicketRequest(ticket=to_ticket(ticket))
        response: ticket_store_service_pb2.CreateTicketResponse = self._store.CreateTicket(
            request, timeout=self.timeout
        )
        return response.ticket

    @_translate
    def get_ticket(self, ticket_id: str) -> ticket_store_service_pb2.GetTicketResponse:
        """Returns the stored ticket and its latest triage result (``ticket``, ``latest_result``)."""
        request = ticket_store_service_pb2.GetTicketRequest(ticket_id=ticket_id)
        response: ticket_store_service_pb2.GetTicketResponse = self._store.GetTicket(
            request, timeout=self.timeout
        )
        return response

    @_translate
    def update_ticket(self, ticket: TicketLike, paths: Iterable[str]) -> ticket_pb2.Ticket:
        """Updates the fields named by ``paths`` (a field mask, e.g. ``["status"]``) of ``ticket``.

        ``ticket.ticket_id`` selects the ticket. Returns the updated ticket.
        """
        request = ticket_store_service_pb2.UpdateTicketRequest(
            ticket=to_ticket(ticket),
            update_mask=field_mask_pb2.FieldMask(paths=list(paths)),
        )
        response: ticket_store_service_pb2.UpdateTicketResponse = self._store.UpdateTicket(
            request, timeout=self.timeout
        )
        return response.ticket

    @_translate
    def delete_ticket(self, ticket_id: str) -> str:
        """Deletes a ticket and returns the deleted ticket's id."""
        request = ticket_store_service_pb2.DeleteTicketRequest(ticket_id=ticket_id)
        response: ticket_store_service_pb2.DeleteTicketResponse = self._store.DeleteTicket(
            request, timeout=self.timeout
        )
        return response.ticket_id

    def list_tickets(self, **filters: Any) -> Iterator[ticket_pb2.Ticket]:
        """Yields stored tickets, following ``next_page_token`` until the last page.

        ``filters`` are ``ListTicketsRequest`` fields: ``status``, ``category``,
        ``priority`` (enum values or names), ``queue``, ``created_after``,
        ``created_before`` (``Timestamp`` or ``datetime``), and ``page_size``.
        """
        return self._paginate(
            ticket_store_service_pb2.ListTicketsRequest,
            self._store.ListTickets,
            "tickets",
            filters,
        )

    @_translate
    def stats(self) -> ticket_store_service_pb2.GetStatsResponse:
        """Returns ticket counts: ``total`` and maps ``by_status``, ``by_category``, ``by_priority``, ``by_queue``."""
        response: ticket_store_service_pb2.GetStatsResponse = self._store.GetStats(
            ticket_store_service_pb2.GetStatsRequest(), timeout=self.timeout
        )
        return response

    # -- AuditService ------------------------------------------------------

    def list_audit(self, **filters: Any) -> Iterator[ticket_pb2.AuditEntry]:
        """Yields audit entries, following ``next_page_token`` until the last page.

        ``filters`` are ``ListAuditEntriesRequest`` fields: ``ticket_id``,
        ``action``, ``actor``, ``start_time``, ``end_time`` and ``page_size``.
        """
        return self._paginate(
            audit_service_pb2.ListAuditEntriesRequest,
            self._audit.ListAuditEntries,
            "entries",
            filters,
        )

    # -- grpc.health.v1.Health ---------------------------------------------

    @_translate
    def health(self, service: str = "") -> str:
        """Returns the serving status name (e.g. ``"SERVING"``) of ``service`` ("" = the server)."""
        response: health_pb2.HealthCheckResponse = self._health.Check(
            health_pb2.HealthCheckRequest(service=service), timeout=self.timeout
        )
        return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)

    # -- helpers -----------------------------------------------------------

    def _paginate(
        self,
        request_type: Callable[..., Any],
        method: Callable[..., Any],
        items_field: str,
        filters: Dict[str, Any],
    ) -> Iterator[Any]:
        if "page_token" in filters:
            raise TypeError("page_token is managed by the client; pass filters only")
        try:
            request = request_type(**filters)
        except (TypeError, ValueError) as error:
            raise TypeError(f"invalid filter for {request_type.__name__}: {error}") from error
        return self._pages(request, method, items_field)

    def _pages(self, request: Any, method: Callable[..., Any], items_field: str) -> Iterator[Any]:
        while True:
            try:
                response = method(request, timeout=self.timeout)
            except grpc.RpcError as error:
                raise from_rpc_error(error) from error
            yield from getattr(response, items_field)
            if not response.next_page_token:
                return
            request.page_token = response.next_page_token
