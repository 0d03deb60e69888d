"""Starts the real helpdesk server (in-memory store) for each test, with TLS and bearer tokens.

The binary comes from $HELPDESK_BIN, by default ../../target/debug/helpdesk
relative to clients/python. The server serves TLS with the test certificate
(tests/fixtures/keys/server.crt, for localhost and 127.0.0.1) and takes its
callers from a principals file holding tokens made once per session with
`helpdesk token create`: one with the scope admin (the `client` fixture's, so
every RPC is exercised) and one with tickets.read only. `mtls_server_address`
is a second kind of server that also requires client certificates from the
test CA and knows ops.internal.example.com (tests/fixtures/keys/client-ops.*)
with tickets.read.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Dict, Iterator, List, Tuple

import pytest

from helpdesk_client import TOKEN_VARIABLE, HelpdeskClient

CLIENT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BIN = CLIENT_ROOT / ".." / ".." / "target" / "debug" / "helpdesk"
KEYS = (CLIENT_ROOT / ".." / ".." / "tests" / "fixtures" / "keys").resolve()
LISTENING = re.compile(r"listening on (\S+)")
STARTUP_TIMEOUT = 30.0

MTLS_PRINCIPALS = """\
principals:
  - name: ops.internal.example.com
    client_cert: ops.internal.example.com
    scopes: [tickets.read]
"""


@dataclass(frozen=True)
class Credentials:
    """The tokens the test servers know, and their principals files."""

    admin: str
    """A token with the scope admin (every call)."""
    reader: str
    """A token with the scope tickets.read only."""
    principals_file: Path
    """The principals of the TLS server: both tokens."""
    mtls_principals_file: Path
    """The principals of the mTLS server: the client certificate ops.internal.example.com."""


def _server_binary() -> Path:
    configured = os.environ.get("HELPDESK_BIN")
    path = Path(configured) if configured else DEFAULT_BIN
    if not configured:
        path = path.resolve()
    if not path.is_file():
        pytest.fail(f"helpdesk binary not found at {path}; set HELPDESK_BIN")
    return path


def _environment(**helpdesk: str) -> Dict[str, str]:
    """This process's environment without any HELPDESK_* variable, plus ``helpdesk``.

    The server refuses HELPDESK_* variables it does not know (HELPDESK_BIN is the tests' own), so
    it gets none but those set here.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(helpdesk)
    return env


def _create_token(directory: Path, name: str, scopes: str) -> Tuple[str, str]:
    """`helpdesk token create`: the token (its first line) and the principals entry after it."""
    done = subprocess.run(
        [str(_server_binary()), "token", "create", "--name", name, "--scopes", scopes],
        cwd=directory,
        env=_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        pytest.fail(f"helpdesk token create failed ({done.returncode}):\n{done.stderr}")
    token, _, entry = done.stdout.partition("\n")
    assert token.startswith("hdk_") and "token_sha256:" in entry, done.stdout
    return token, entry


@pytest.fixture(scope="session")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    directory = tmp_path_factory.mktemp("principals")
    admin, admin_entry = _create_token(directory, "python-client-admin", "admin")
    reader, reader_entry = _create_token(directory, "python-client-reader", "tickets.read")
    principals = directory / "principals.yaml"
    principals.write_text("principals:\n" + admin_entry + reader_entry, encoding="utf-8")
    mtls_principals = directory / "mtls-principals.yaml"
    mtls_principals.write_text(MTLS_PRINCIPALS, encoding="utf-8")
    return Credentials(admin, reader, principals, mtls_principals)


@pytest.fixture(autouse=True)
def _no_token_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients here take HELPDESK_TOKEN only when a test sets it."""
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)


@pytest.fixture
def keys() -> Path:
    """tests/fixtures/keys of the repository: the test CA, server and client certificates."""
    return KEYS


def _pump(stream: IO[str], lines: "queue.Queue[str]", log: List[str]) -> None:
    """Reads the server's stderr to the end (so the pipe never fills up)."""
    for line in stream:
        log.append(line)
        lines.put(line)


@contextlib.contextmanager
def _serving(**helpdesk: str) -> Iterator[str]:
    """A server with the HELPDESK_* variables ``helpdesk``, on a free port; yields ``host:port``."""
    env = _environment(HELPDESK_STORE_TYPE="memory", HELPDESK_LOG_LEVEL="INFO", **helpdesk)
    process = subprocess.Popen(
        [str(_server_binary()), "serve", "--listen", "127.0.0.1:0"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    lines: "queue.Queue[str]" = queue.Queue()
    log: List[str] = []
    reader = threading.Thread(target=_pump, args=(process.stderr, lines, log), daemon=True)
    reader.start()
    address = None
    try:
        while address is None:
            try:
                line = lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                pytest.fail("server did not report its address:\n" + "".join(log))
            match = LISTENING.search(line)
            if match:
                address = match.group(1)
            elif process.poll() is not None and lines.empty():
                pytest.fail("server exited during start-up:\n" + "".join(log))
        yield address
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(timeout=5)


@pytest.fixture
def server_address(credentials: Credentials) -> Iterator[str]:
    """A server serving TLS (server.crt) to the callers of ``credentials.principals_file``."""
    with _serving(
        HELPDESK_TLS_CERT_FILE=str(KEYS / "server.crt"),
        HELPDESK_TLS_KEY_FILE=str(KEYS / "server.key"),
        HELPDESK_AUTH_PRINCIPALS_FILE=str(credentials.principals_file),
    ) as address:
        yield address


@pytest.fixture
def mtls_server_address(credentials: Credentials) -> Iterator[str]:
    """A server requiring client certificates from ca.crt; it knows ops.internal.example.com."""
    with _serving(
        HELPDESK_TLS_CERT_FILE=str(KEYS / "server.crt"),
        HELPDESK_TLS_KEY_FILE=str(KEYS / "server.key"),
        HELPDESK_TLS_CLIENT_CA_FILE=str(KEYS / "ca.crt"),
        HELPDESK_AUTH_PRINCIPALS_FILE=str(credentials.mtls_principals_file),
    ) as address:
        yield address


@pytest.fixture
def client(server_address: str, credentials: Credentials) -> Iterator[HelpdeskClient]:
    """A client over TLS with the admin token: every call is allowed."""
    with HelpdeskClient(
        server_address, timeout=10.0, token=credentials.admin, ca_file=KEYS / "ca.crt"
    ) as c:
        yield c
