"""A thin, typed, synchronous wrapper over the helpdesk.v1 gRPC services."""

from __future__ import annotations

import datetime
import functools
import os
from types import TracebackType
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
    cast,
)

import grpc
from google.protobuf import field_mask_pb2, json_format, timestamp_pb2
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

__all__ = [
    "TOKEN_VARIABLE",
    "AuditWatch",
    "HelpdeskClient",
    "PathLike",
    "RulesFormatLike",
    "TicketLike",
    "TimeLike",
    "to_ticket",
]

TicketLike = Union[ticket_pb2.Ticket, Mapping[str, Any]]
"""A ``Ticket`` message, or a dict in its proto3 JSON form.

Dict keys may be the proto field names (``requester_email``) or their JSON
names (``requesterEmail``); enums are given by name (``"PRIORITY_HIGH"``) and
timestamps as RFC 3339 strings.
"""

TimeLike = Union[datetime.datetime, timestamp_pb2.Timestamp]
"""A point in time: a ``datetime`` (naive ones are taken as UTC) or a ``Timestamp``."""

RulesFormatLike = Union[int, str]
"""A rules text's language: a ``RulesFormat`` value, or ``"yaml"``, ``"toml"``, ``"json"``."""

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])


TOKEN_VARIABLE = "HELPDESK_TOKEN"
"""The environment variable a client takes its bearer token from when none is given."""

PathLike = Union[str, os.PathLike[str]]
"""A file name: a ``str`` or a ``pathlib.Path``."""


def _token(token: Optional[str]) -> Optional[str]:
    """The bearer token to send: ``token``, else ``$HELPDESK_TOKEN``; empty means none."""
    if token is None:
        token = os.environ.get(TOKEN_VARIABLE)
    if token is None:
        return None
    token = token.strip()
    if not token:
        return None
    if not all("!" <= c <= "~" for c in token):
        raise ValueError("the token holds characters a header cannot carry (spaces, control or non-ASCII)")
    return token


def _address(target: str, tls_arguments: bool) -> Tuple[str, bool]:
    """The channel's ``host:port`` and whether it uses TLS (an ``https://`` target or TLS arguments)."""
    if target.startswith("https://"):
        return target[len("https://") :].rstrip("/"), True
    if target.startswith("http://"):
        if tls_arguments:
            raise ValueError(
                f"{target!r} asks for plaintext but TLS files or a server name were given; "
                "use host:port or https://host:port"
            )
        return target[len("http://") :].rstrip("/"), False
    return target, tls_arguments


def _read(path: Optional[PathLike]) -> Optional[bytes]:
    if path is None:
        return None
    with open(path, "rb") as file:
        return file.read()


def _tls_credentials(
    ca_file: Optional[PathLike], cert_file: Optional[PathLike], key_file: Optional[PathLike]
) -> grpc.ChannelCredentials:
    """Channel credentials from PEM files: the CA (system roots when None) and a client certificate."""
    if (cert_file is None) != (key_file is None):
        raise ValueError("a client certificate (cert_file) needs its key (key_file), and a key its certificate")
    return grpc.ssl_channel_credentials(
        root_certificates=_read(ca_file),
        private_key=_read(key_file),
        certificate_chain=_read(cert_file),
    )


def to_ticket(ticket: TicketLike) -> ticket_pb2.Ticket:
    """Returns ``ticket`` as a ``Ticket`` message (dicts are parsed as proto3 JSON)."""
    if isinstance(ticket, ticket_pb2.Ticket):
        return ticket
    message = ticket_pb2.Ticket()
    json_format.ParseDict(dict(ticket), message)
    return message


def _timestamp(value: TimeLike) -> timestamp_pb2.Timestamp:
    """Returns ``value`` as a ``Timestamp`` (a naive ``datetime`` is taken as UTC)."""
    if isinstance(value, timestamp_pb2.Timestamp):
        return value
    if not isinstance(value, datetime.datetime):
        raise TypeError(f"expected a datetime or Timestamp, got {type(value).__name__}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    message = timestamp_pb2.Timestamp()
    message.FromDatetime(value)
    return message


def _optional_timestamp(value: Optional[TimeLike]) -> Optional[timestamp_pb2.Timestamp]:
    return None if value is None else _timestamp(value)


def _candidate(text: str, rules_format: RulesFormatLike) -> triage_service_pb2.CandidateRules:
    """A ``CandidateRules`` message from a rules text and its language."""
    if isinstance(rules_format, str):
        name = rules_format.upper()
        if not name.startswith("RULES_FORMAT_"):
            name = "RULES_FORMAT_" + name
        try:
            value = triage_service_pb2.RulesFormat.Value(name)
        except ValueError as error:
            raise ValueError(f"unknown rules format {rules_format!r}; use yaml, toml or json") from error
    else:
        value = cast(Any, rules_format)
    return triage_service_pb2.CandidateRules(text=text, format=value)


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


class AuditWatch(Iterator[ticket_pb2.AuditEntry]):
    """An open AuditService/WatchAuditEntries stream: iterate it for new ``AuditEntry`` messages.

    Iteration blocks until the next entry is written (or the deadline, if one was
    given, passes: :class:`HelpdeskError` with ``DEADLINE_EXCEEDED``). :meth:`cancel`
    (or leaving a ``with`` block) ends the stream; iteration then simply stops.
    """

    def __init__(self, call: Any) -> None:
        self._call = call
        self._cancelled = False

    def __iter__(self) -> "AuditWatch":
        return self

    def __next__(self) -> ticket_pb2.AuditEntry:
        if self._cancelled:
            raise StopIteration
        try:
            response: audit_service_pb2.WatchAuditEntriesResponse = next(self._call)
        except grpc.RpcError as error:
            if self._cancelled:
                raise StopIteration from None
            raise from_rpc_error(error) from error
        return response.entry

    def cancel(self) -> None:
        """Ends the stream; entries not yet read are dropped. Calling it again does nothing."""
        if not self._cancelled:
            self._cancelled = True
            self._call.cancel()

    close = cancel

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancelled

    def __enter__(self) -> "AuditWatch":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.cancel()


class HelpdeskClient:
    """One channel to a helpdesk server and a method per operation.

    ``target`` is ``host:port`` (for example ``"127.0.0.1:50051"``), or
    ``https://host:port`` for TLS; ``timeout`` is the deadline in seconds
    applied to each call (for streams, to the whole stream). Use it as a
    context manager, or call :meth:`close`.

    ``token`` is a bearer token (or a JWT) sent as ``authorization: Bearer ...``
    with every call; when it is not given the ``HELPDESK_TOKEN`` environment
    variable is used, and an empty token means none.

    With any of ``ca_file`` (the PEM CA that signed the server's certificate;
    the system's roots when not given), ``cert_file`` and ``key_file`` (a PEM
    client certificate and its key, for servers that require mutual TLS) or
    ``server_name`` (the name to check the server's certificate against when
    it is not the target's host), or with an ``https://`` target, the channel
    uses TLS; otherwise it is plaintext, which suits only a server on the
    same machine (the token would travel unencrypted).

    Failed calls raise :class:`HelpdeskValidationError` for INVALID_ARGUMENT
    (with ``violations``), :class:`HelpdeskAuthError` for UNAUTHENTICATED and
    PERMISSION_DENIED (with the ``scope`` the call needs) and
    :class:`HelpdeskError` for any other status.
    """

    def __init__(
        self,
        target: str,
        timeout: float = 10.0,
        *,
        token: Optional[str] = None,
        ca_file: Optional[PathLike] = None,
        cert_file: Optional[PathLike] = None,
        key_file: Optional[PathLike] = None,
        server_name: Optional[str] = None,
    ) -> None:
        self.target = target
        self.timeout = timeout
        address, secure = _address(
            target, any(v is not None for v in (ca_file, cert_file, key_file, server_name))
        )
        token = _token(token)
        self._metadata: Tuple[Tuple[str, str], ...] = (
            (("authorization", f"Bearer {token}"),) if token is not None else ()
        )
        self.secure: bool = secure  # whether the channel uses TLS
        if secure:
            self._channel: grpc.Channel = grpc.secure_channel(
                address,
                _tls_credentials(ca_file, cert_file, key_file),
                options=[("grpc.ssl_target_name_override", server_name)] if server_name else None,
            )
        else:
            self._channel = grpc.insecure_channel(address)
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
            request, timeout=self.timeout, metadata=self._metadata
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
            self._batch.StreamTriage(requests, timeout=self.timeout, metadata=self._metadata)
        )
        for response in _iterate(responses):
            yield response.outcome

    @_translate
    def batch_triage(
        self,
        tickets: Iterable[TicketLike],
        *,
        dry_run: bool = False,
    ) -> batch_triage_service_pb2.BatchTriageResponse:
        """Triages up to 1,000 tickets in one call (BatchTriageService/BatchTriage).

        Returns the ``BatchTriageResponse``: ``outcomes`` (one ``TriageOutcome``
        per ticket, in order, with ``index`` its position), ``succeeded`` and
        ``failed``. An invalid ticket fails its own outcome, not the call.
        """
        request = batch_triage_service_pb2.BatchTriageRequest(
            tickets=[to_ticket(ticket) for ticket in tickets], dry_run=dry_run
        )
        response: batch_triage_service_pb2.BatchTriageResponse = self._batch.BatchTriage(
            request, timeout=self.timeout, metadata=self._metadata
        )
        return response

    # -- TriageService: routing rules --------------------------------------

    @_translate
    def get_rules(self) -> triage_service_pb2.GetRulesResponse:
        """The rules in force (TriageService/GetRules): ``version``, ``name``, ``default_queue``, ``source``, ``rules``."""
        response: triage_service_pb2.GetRulesResponse = self._triage.GetRules(
            triage_service_pb2.GetRulesRequest(), timeout=self.timeout, metadata=self._metadata
        )
        return response

    @_translate
    def check_rules(
        self, text: str, *, rules_format: RulesFormatLike = "yaml"
    ) -> triage_service_pb2.CheckRulesResponse:
        """Checks and lints a rules text (TriageService/CheckRules); nothing changes on the server.

        Rules that do not load are an answer, not an error: ``valid`` is false
        and ``findings`` (``LintFinding``: severity, rule_id, path, kind,
        message) says why. An empty text raises :class:`HelpdeskValidationError`.
        """
        request = triage_service_pb2.CheckRulesRequest(rules=_candidate(text, rules_format))
        response: triage_service_pb2.CheckRulesResponse = self._triage.CheckRules(
            request, timeout=self.timeout, metadata=self._metadata
        )
        return response

    @_translate
    def test_rules(
        self, text: str, ticket: TicketLike, *, rules_format: RulesFormatLike = "yaml"
    ) -> triage_service_pb2.TestRulesResponse:
        """Triages ``ticket`` under a candidate rules text and under the rules in force (TriageService/TestRules).

        Returns ``candidate_result``, ``current_result``, ``changed`` and the
        candidate's warnings in ``findings``; stores nothing. Rules that do not
        load raise :class:`HelpdeskValidationError` on ``rules.text``.
        """
        request = triage_service_pb2.TestRulesRequest(
            rules=_candidate(text, rules_format), ticket=to_ticket(ticket)
        )
        response: triage_service_pb2.TestRulesResponse = self._triage.TestRules(
            request, timeout=self.timeout, metadata=self._metadata
        )
        return response

    @_translate
    def backtest_rules(
        self,
        text: str,
        *,
        rules_format: RulesFormatLike = "yaml",
        created_after: Optional[TimeLike] = None,
        created_before: Optional[TimeLike] = None,
        limit: int = 0,
        max_examples: int = 0,
    ) -> triage_service_pb2.BacktestRulesResponse:
        """Replays a candidate rules text over stored tickets (TriageService/BacktestRules).

        ``limit`` caps the tickets replayed (0: 1,000), ``max_examples`` the
        changed decisions listed (0: 20). Returns ``replayed``, ``changed``,
        ``queue_changed``, ``priority_changed``, ``escalation_changed``, the
        per-queue and per-priority counts before and after, and ``examples``.
        """
        request = triage_service_pb2.BacktestRulesRequest(
            rules=_candidate(text, rules_format),
            created_after=_optional_timestamp(created_after),
            created_before=_optional_timestamp(created_before),
            limit=limit,
            max_examples=max_examples,
        )
        response: triage_service_pb2.BacktestRulesResponse = self._triage.BacktestRules(
            request, timeout=self.timeout, metadata=self._metadata
        )
        return response

    # -- TicketStoreService ------------------------------------------------

    @_translate
    def create_ticket(self, ticket: TicketLike) -> ticket_pb2.Ticket:
        """Stores a ticket without triaging it and returns it with its id and timestamps."""
        request = ticket_store_service_pb2.CreateTicketRequest(ticket=to_ticket(ticket))
        response: ticket_store_service_pb2.CreateTicketResponse = self._store.CreateTicket(
            request, timeout=self.timeout, metadata=self._metadata
        )
        return response.ticket

    @_translate
    def get_ticket(self, ticket_id: str) -> ticket_store_service_pb2.GetTicketResponse:
        """Returns the stored ticket and its latest triage result (``ticket``, ``latest_result``)."""
        request = ticket_store_service_pb2.GetTicketRequest(ticket_id=ticket_id)
        response: ticket_store_service_pb2.GetTicketResponse = self._store.GetTicket(
            request, timeout=self.timeout, metadata=self._metadata
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
            request, timeout=self.timeout, metadata=self._metadata
        )
        return response.ticket

    @_translate
    def delete_ticket(self, ticket_id: str) -> str:
        """Deletes a ticket and returns the deleted ticket's id."""
        request = ticket_store_service_pb2.DeleteTicketRequest(ticket_id=ticket_id)
        response: ticket_store_service_pb2.DeleteTicketResponse = self._store.DeleteTicket(
            request, timeout=self.timeout, metadata=self._metadata
        )
        return response.ticket_id

    def list_tickets(self, **filters: Any) -> Iterator[ticket_pb2.Ticket]:
        """Yields stored tickets, following ``next_page_token`` until the last page.

        ``filters`` are ``ListTicketsRequest`` fields: ``status``, ``category``,
        ``priority`` (enum values or names), ``queue``, ``created_after``,
        ``created_before`` (``Timestamp`` or ``datetime``), ``requester_email`` (exact match
        after normalising: surrounding white space removed, ASCII letters in lower case), and
        ``page_size``.
        """
        return self._paginate(
            ticket_store_service_pb2.ListTicketsRequest,
            self._store.ListTickets,
            "tickets",
            filters,
        )

    @_translate
    def purge_tickets(self, created_before: TimeLike, *, dry_run: bool = False) -> int:
        """Removes the tickets created before ``created_before`` and returns how many.

        With ``dry_run`` nothing is removed and the count says what would be.
        """
        request = ticket_store_service_pb2.PurgeTicketsRequest(
            created_before=_timestamp(created_before), dry_run=dry_run
        )
        response: ticket_store_service_pb2.PurgeTicketsResponse = self._store.PurgeTickets(
            request, timeout=self.timeout, metadata=self._metadata
        )
        return response.purged_count

    @_translate
    def stats(self) -> ticket_store_service_pb2.GetStatsResponse:
        """Returns ticket counts: ``total`` and maps ``by_status``, ``by_category``, ``by_priority``, ``by_queue``."""
        response: ticket_store_service_pb2.GetStatsResponse = self._store.GetStats(
            ticket_store_service_pb2.GetStatsRequest(), timeout=self.timeout, metadata=self._metadata
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

    def watch_audit(
        self,
        *,
        ticket_id: str = "",
        action: str = "",
        timeout: Optional[float] = None,
    ) -> AuditWatch:
        """Follows the audit log (AuditService/WatchAuditEntries): entries written from now on.

        Optional filters: ``ticket_id``, ``action``. The stream has no deadline
        unless ``timeout`` (seconds) is given. The call is open when this
        returns; iterate the :class:`AuditWatch` and :meth:`AuditWatch.cancel`
        it (or use it as a context manager) when done.
        """
        request = audit_service_pb2.WatchAuditEntriesRequest(ticket_id=ticket_id, action=action)
        call = self._audit.WatchAuditEntries(
            request, timeout=timeout, metadata=self._metadata
        )
        watch = AuditWatch(call)
        try:
            call.initial_metadata()  # returns once the server has answered the call
        except grpc.RpcError as error:
            raise from_rpc_error(error) from error
        # A refusal (a missing token or scope) is a response without messages, ended as it starts;
        # an accepted watch stays open.
        if call.done() and call.code() != grpc.StatusCode.OK:
            raise from_rpc_error(call)
        return watch

    def export_audit(self, before: Optional[TimeLike] = None) -> Iterator[ticket_pb2.AuditEntry]:
        """Yields every audit entry written before ``before`` (all when None), oldest first.

        AuditService/ExportAuditEntries: a complete export is recorded by the
        server, and allows :meth:`purge_audit` of those entries without ``force``.
        The chain signatures a signing server sends between the entries are
        skipped; archive the raw stream (or use ``helpdesk audit export``) to keep them.
        """
        request = audit_service_pb2.ExportAuditEntriesRequest(before=_optional_timestamp(before))
        responses: Iterable[audit_service_pb2.ExportAuditEntriesResponse] = (
            self._audit.ExportAuditEntries(request, timeout=self.timeout, metadata=self._metadata)
        )
        for response in _iterate(responses):
            if response.HasField("entry"):
                yield response.entry

    @_translate
    def purge_audit(self, before: TimeLike, *, force: bool = False) -> int:
        """Removes the audit entries written before ``before`` and returns how many.

        Refused (:class:`HelpdeskError` with ``FAILED_PRECONDITION``) unless
        an export covered them or ``force`` is set. The purge itself is audited.
        """
        request = audit_service_pb2.PurgeAuditEntriesRequest(before=_timestamp(before), force=force)
        response: audit_service_pb2.PurgeAuditEntriesResponse = self._audit.PurgeAuditEntries(
            request, timeout=self.timeout, metadata=self._metadata
        )
        return response.purged_count

    @_translate
    def verify_audit(self, *, strict: bool = False) -> audit_service_pb2.VerifyAuditChainResponse:
        """Checks the audit log's hash chain, and its signatures when the server signs it
        (AuditService/VerifyAuditChain).

        Returns ``valid``, ``entries_checked``, ``first_broken_sequence`` (0 when
        intact), ``reason``, ``signatures_required``, ``signatures_checked`` and
        ``unsigned_entries``; ``strict`` counts entries written before signing was
        turned on as broken.
        """
        response: audit_service_pb2.VerifyAuditChainResponse = self._audit.VerifyAuditChain(
            audit_service_pb2.VerifyAuditChainRequest(strict=strict), timeout=self.timeout, metadata=self._metadata
        )
        return response

    # -- grpc.health.v1.Health ---------------------------------------------

    @_translate
    def health(self, service: str = "") -> str:
        """Returns the serving status name (e.g. ``"SERVING"``) of ``service`` ("" = the server)."""
        response: health_pb2.HealthCheckResponse = self._health.Check(
            health_pb2.HealthCheckRequest(service=service), timeout=self.timeout, metadata=self._metadata
        )
        name: str = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        return name

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
                response = method(request, timeout=self.timeout, metadata=self._metadata)
            except grpc.RpcError as error:
                raise from_rpc_error(error) from error
            yield from getattr(response, items_field)
            if not response.next_page_token:
                return
            request.page_token = response.next_page_token
