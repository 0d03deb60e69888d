"""Exceptions raised by :class:`helpdesk_client.HelpdeskClient`."""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

__all__ = ["HelpdeskAuthError", "HelpdeskError", "HelpdeskValidationError", "from_rpc_error"]


class HelpdeskError(Exception):
    """A failed call: the gRPC status code and the server's message."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


class HelpdeskValidationError(HelpdeskError):
    """INVALID_ARGUMENT, with the field violations from ``google.rpc.BadRequest``.

    ``violations`` is a list of ``(field, description)`` pairs, for example
    ``("ticket.title", "must not be empty")``.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        violations: List[Tuple[str, str]],
    ) -> None:
        super().__init__(code, message)
        self.violations = violations

    @property
    def fields(self) -> List[str]:
        """The field paths named by the violations, in order."""
        return [field for field, _ in self.violations]


_NEEDS_SCOPE = re.compile(r"needs the scope (\S+)")


class HelpdeskAuthError(HelpdeskError):
    """A call the server refused to its caller: UNAUTHENTICATED or PERMISSION_DENIED.

    UNAUTHENTICATED: no credential, or one the server does not know (a wrong,
    expired or malformed token). PERMISSION_DENIED: a known caller without the
    scope the call needs; ``scope`` names it (for example ``"tickets.write"``),
    read from the server's message "this call needs the scope <scope>".
    """

    @property
    def scope(self) -> Optional[str]:
        """The scope the call needs (PERMISSION_DENIED), or None."""
        if self.code != grpc.StatusCode.PERMISSION_DENIED:
            return None
        match = _NEEDS_SCOPE.search(self.message)
        return match.group(1) if match else None


def _bad_request_violations(error: grpc.RpcError) -> List[Tuple[str, str]]:
    """Decodes BadRequest details from the ``grpc-status-details-bin`` trailer."""
    if not isinstance(error, grpc.Call):
        return []
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        return []
    if status is None:
        return []
    violations: List[Tuple[str, str]] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.extend(
                (v.field, v.description) for v in bad_request.field_violations
            )
    return violations


def from_rpc_error(error: grpc.RpcError) -> HelpdeskError:
    """Converts a ``grpc.RpcError`` into a :class:`HelpdeskError` (or subclass)."""
    code: grpc.StatusCode = (
        error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
    )
    message: str = (error.details() or "") if isinstance(error, grpc.Call) else str(error)
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return HelpdeskValidationError(code, message, _bad_request_violations(error))
    if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
        return HelpdeskAuthError(code, message)
    return HelpdeskError(code, message)
