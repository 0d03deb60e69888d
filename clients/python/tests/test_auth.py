"""Tokens, TLS and mutual TLS against real servers: who gets in, and the errors of those who do not."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict

import grpc
import pytest

from helpdesk_client import (
    HelpdeskAuthError,
    HelpdeskClient,
    HelpdeskError,
    HelpdeskValidationError,
)

from conftest import Credentials

TICKET: Dict[str, str] = {
    "title": "Printer jams",
    "description": "The printer on floor 2 jams on every page.",
    "requester_email": "ana@example.com",
}

# A call that never reached a service: with TLS 1.3 a refused handshake shows at the first call,
# as UNAVAILABLE (or, depending on timing, another transport status) - never an answer of the server.
TRANSPORT_FAILURES = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
)


def refusal(call: Callable[[], object]) -> HelpdeskAuthError:
    """The HelpdeskAuthError that ``call`` raises."""
    with pytest.raises(HelpdeskAuthError) as caught:
        call()
    error = caught.value
    assert isinstance(error, HelpdeskError)
    assert not isinstance(error, HelpdeskValidationError)
    return error


def transport_failure(call: Callable[[], object]) -> HelpdeskError:
    """The HelpdeskError of a call that failed before the server answered it."""
    with pytest.raises(HelpdeskError) as caught:
        call()
    error = caught.value
    assert not isinstance(error, HelpdeskAuthError), error
    assert error.code in TRANSPORT_FAILURES, error
    return error


def test_no_token_is_unauthenticated_and_health_stays_open(server_address: str, keys: Path) -> None:
    with HelpdeskClient(server_address, timeout=5.0, ca_file=keys / "ca.crt") as client:
        assert client.secure
        error = refusal(client.stats)
        assert error.code == grpc.StatusCode.UNAUTHENTICATED
        assert "a valid credential is required" in error.message
        assert error.scope is None
        assert str(error).startswith("UNAUTHENTICATED: ")
        assert client.health() == "SERVING"  # health needs no credential


def test_a_wrong_token_is_unauthenticated_on_unary_calls_and_streams(server_address: str, keys: Path) -> None:
    wrong = "hdk_" + "A" * 43
    with HelpdeskClient(server_address, timeout=5.0, token=wrong, ca_file=keys / "ca.crt") as client:
        for call in (
            lambda: client.triage(TICKET),
            lambda: list(client.list_tickets()),
            lambda: list(client.stream_triage([TICKET])),
            lambda: list(client.export_audit()),
            lambda: client.watch_audit(timeout=5.0),
        ):
            assert refusal(call).code == grpc.StatusCode.UNAUTHENTICATED


def test_a_token_without_the_scope_is_permission_denied_naming_it(
    server_address: str, credentials: Credentials, keys: Path
) -> None:
    with HelpdeskClient(server_address, timeout=5.0, token=credentials.reader, ca_file=keys / "ca.crt") as client:
        assert client.stats().total == 0  # tickets.read: allowed
        assert list(client.list_tickets()) == []
        needed = {
            "triage": lambda: client.triage(TICKET),
            "tickets.write": lambda: client.create_ticket(TICKET),
            "rules": client.get_rules,
            "audit.read": lambda: list(client.list_audit()),
            "admin": lambda: client.purge_tickets(datetime.now(timezone.utc)),
        }
        for scope, call in needed.items():
            error = refusal(call)
            assert error.code == grpc.StatusCode.PERMISSION_DENIED, scope
            assert error.message == f"this call needs the scope {scope}"
            assert error.scope == scope
        # Streams are refused the same way, when they open.
        assert refusal(lambda: list(client.stream_triage([TICKET]))).scope == "triage"
        assert refusal(lambda: client.watch_audit(timeout=5.0)).scope == "audit.read"
        assert refusal(lambda: list(client.export_audit())).scope == "audit.read"


def test_the_token_comes_from_helpdesk_token_unless_given(
    server_address: str, credentials: Credentials, keys: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPDESK_TOKEN", f"  {credentials.reader}\n")  # surrounding space is dropped
    ca = keys / "ca.crt"
    with HelpdeskClient(server_address, timeout=5.0, ca_file=ca) as from_env:
        assert from_env.stats().total == 0
        assert refusal(lambda: from_env.create_ticket(TICKET)).scope == "tickets.write"  # the reader's
    with HelpdeskClient(server_address, timeout=5.0, ca_file=ca, token=credentials.admin) as given:
        assert given.create_ticket(TICKET).ticket_id  # the option wins over the variable
    with HelpdeskClient(server_address, timeout=5.0, ca_file=ca, token="") as none:
        assert refusal(none.stats).code == grpc.StatusCode.UNAUTHENTICATED  # "" means no token
    monkeypatch.setenv("HELPDESK_TOKEN", "")
    with HelpdeskClient(server_address, timeout=5.0, ca_file=ca) as empty:
        assert refusal(empty.stats).code == grpc.StatusCode.UNAUTHENTICATED


def test_the_server_is_trusted_only_through_its_ca(
    server_address: str, credentials: Credentials, keys: Path
) -> None:
    admin = credentials.admin
    # The system's roots do not hold the test CA, nor does another CA; plaintext gets nowhere.
    with HelpdeskClient(f"https://{server_address}", timeout=5.0, token=admin) as system_roots:
        assert system_roots.secure
        transport_failure(system_roots.stats)
    with HelpdeskClient(server_address, timeout=5.0, token=admin, ca_file=keys / "foreign-ca.crt") as foreign:
        transport_failure(foreign.stats)
    with HelpdeskClient(server_address, timeout=5.0, token=admin) as plaintext:
        assert not plaintext.secure
        transport_failure(plaintext.health)
    # An https:// target with the CA works, the scheme stripped.
    with HelpdeskClient(f"https://{server_address}/", timeout=5.0, token=admin, ca_file=keys / "ca.crt") as good:
        assert good.stats().total == 0


def test_server_name_is_the_name_the_certificate_is_checked_against(
    server_address: str, credentials: Credentials, keys: Path
) -> None:
    ca = keys / "ca.crt"
    with HelpdeskClient(server_address, timeout=5.0, token=credentials.admin, ca_file=ca, server_name="localhost") as ok:
        assert ok.stats().total == 0
    with HelpdeskClient(
        server_address, timeout=5.0, token=credentials.admin, ca_file=ca, server_name="helpdesk.example.com"
    ) as mismatched:
        transport_failure(mismatched.stats)


def test_options_that_cannot_work_are_refused_at_once(keys: Path) -> None:
    with pytest.raises(ValueError, match="plaintext"):
        HelpdeskClient("http://127.0.0.1:1", ca_file=keys / "ca.crt")
    with pytest.raises(ValueError, match="key"):
        HelpdeskClient("127.0.0.1:1", cert_file=keys / "client-ops.crt")
    with pytest.raises(ValueError, match="header"):
        HelpdeskClient("127.0.0.1:1", token="hdk_two\nlines")
    with pytest.raises(FileNotFoundError):
        HelpdeskClient("127.0.0.1:1", ca_file=keys / "no-such.crt")


def test_mutual_tls_takes_the_client_certificate_as_the_principal(mtls_server_address: str, keys: Path) -> None:
    ca = keys / "ca.crt"
    with HelpdeskClient(
        mtls_server_address,
        timeout=5.0,
        ca_file=ca,
        cert_file=keys / "client-ops.crt",
        key_file=keys / "client-ops.key",
    ) as ops:
        assert ops.stats().total == 0  # ops.internal.example.com holds tickets.read
        assert list(ops.list_tickets()) == []
        error = refusal(lambda: ops.create_ticket(TICKET))
        assert (error.code, error.scope) == (grpc.StatusCode.PERMISSION_DENIED, "tickets.write")
    # No client certificate, or one from a CA the server does not trust: the handshake fails.
    with HelpdeskClient(mtls_server_address, timeout=5.0, ca_file=ca) as without:
        transport_failure(without.stats)
    with HelpdeskClient(
        mtls_server_address,
        timeout=5.0,
        ca_file=ca,
        cert_file=keys / "foreign-client.crt",
        key_file=keys / "foreign-client.key",
    ) as foreign:
        transport_failure(foreign.stats)
