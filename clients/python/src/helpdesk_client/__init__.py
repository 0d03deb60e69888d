"""Python client for the helpdesk-ai gRPC services (package ``helpdesk.v1``).

>>> from helpdesk_client import HelpdeskClient
>>> with HelpdeskClient("127.0.0.1:50051", ca_file="ca.crt") as client:   # doctest: +SKIP
...     result = client.triage({"title": "VPN down", "description": "...",
...                             "requester_email": "ana@example.com"})

The token comes from ``HELPDESK_TOKEN`` unless ``token=`` is given; any TLS
argument (``ca_file``, ``cert_file``/``key_file``, ``server_name``) or an
``https://`` target makes the channel use TLS.

The generated message modules are re-exported for building requests and
reading responses: ``ticket_pb2`` (Ticket, TriageResult, enums, ...),
``triage_service_pb2``, ``batch_triage_service_pb2``,
``ticket_store_service_pb2`` and ``audit_service_pb2``.
"""

from helpdesk_client._client import (
    TOKEN_VARIABLE,
    AuditWatch,
    HelpdeskClient,
    PathLike,
    RulesFormatLike,
    TicketLike,
    TimeLike,
    to_ticket,
)
from helpdesk_client._errors import HelpdeskAuthError, HelpdeskError, HelpdeskValidationError
from helpdesk_client._generated.helpdesk.v1 import (
    audit_service_pb2,
    batch_triage_service_pb2,
    ticket_pb2,
    ticket_store_service_pb2,
    triage_service_pb2,
)
from helpdesk_client._generated.helpdesk.v1.ticket_pb2 import (
    AuditEntry,
    Category,
    Priority,
    Status,
    Ticket,
    TriageOutcome,
    TriageResult,
)
from helpdesk_client._generated.helpdesk.v1.triage_service_pb2 import (
    LintSeverity,
    RulesFormat,
)

__version__ = "0.1.0"

__all__ = [
    "TOKEN_VARIABLE",
    "AuditEntry",
    "AuditWatch",
    "Category",
    "HelpdeskAuthError",
    "HelpdeskClient",
    "HelpdeskError",
    "HelpdeskValidationError",
    "LintSeverity",
    "PathLike",
    "Priority",
    "RulesFormat",
    "RulesFormatLike",
    "Status",
    "Ticket",
    "TicketLike",
    "TimeLike",
    "TriageOutcome",
    "TriageResult",
    "audit_service_pb2",
    "batch_triage_service_pb2",
    "ticket_pb2",
    "ticket_store_service_pb2",
    "to_ticket",
    "triage_service_pb2",
]
