"""Starts the real helpdesk server (in-memory store) for each test.

The binary comes from $HELPDESK_BIN, by default ../../target/debug/helpdesk
relative to clients/python.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
from pathlib import Path
from typing import IO, Iterator, List

import pytest

from helpdesk_client import HelpdeskClient

CLIENT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BIN = CLIENT_ROOT / ".." / ".." / "target" / "debug" / "helpdesk"
LISTENING = re.compile(r"listening on (\S+)")
STARTUP_TIMEOUT = 30.0


def _server_binary() -> Path:
    configured = os.environ.get("HELPDESK_BIN")
    path = Path(configured) if configured else DEFAULT_BIN
    if not configured:
        path = path.resolve()
    if not path.is_file():
        pytest.fail(f"helpdesk binary not found at {path}; set HELPDESK_BIN")
    return path


def _pump(stream: IO[str], lines: "queue.Queue[str]", log: List[str]) -> None:
    """Reads the server's stderr to the end (so the pipe never fills up)."""
    for line in stream:
        log.append(line)
        lines.put(line)


@pytest.fixture
def server_address() -> Iterator[str]:
    # The server refuses HELPDESK_* variables it does not know (HELPDESK_BIN is the tests' own), so
    # it gets none but those set here.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(HELPDESK_STORE_TYPE="memory", HELPDESK_LOG_LEVEL="INFO")
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
def client(server_address: str) -> Iterator[HelpdeskClient]:
    with HelpdeskClient(server_address, timeout=10.0) as c:
        yield c
