#!/usr/bin/env python3
"""Writes the seed corpus of the proto_requests fuzz target: one file per request kind.

Usage: python3 fuzz/proto-seeds.py      (from anywhere; writes fuzz/corpus/proto_requests/)

Each seed is the target's kind byte (which request message, see fuzz_targets/proto_requests.rs)
followed by that message in protobuf's wire format, encoded here by hand from the field numbers of
proto/helpdesk/v1/*.proto, so no protobuf library is needed. Run it again after a request message
gains a field worth seeding.
"""

import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "proto_requests")


def varint(n):
    n &= (1 << 64) - 1  # negative int32/int64 values are sent as ten-byte varints
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def number(field, value):
    return varint(field << 3) + varint(value)


def chunk(field, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(field << 3 | 2) + varint(len(data)) + data


def timestamp(field, seconds, nanos=0):
    return chunk(field, number(1, seconds) + (number(2, nanos) if nanos else b""))


def ticket(title="VPN down", description="Nobody can connect since 09:00.", email="ana@example.com", **extra):
    out = chunk(2, title) + chunk(3, description) + chunk(4, email)
    if "ticket_id" in extra:
        out += chunk(1, extra["ticket_id"])
    for field, key in ((5, "category"), (6, "priority"), (7, "status")):
        if key in extra:
            out += number(field, extra[key])
    if "created_at" in extra:
        out += timestamp(8, *extra["created_at"])
    for tag in extra.get("tags", []):
        out += chunk(10, tag)
    for key, value in extra.get("metadata", {}).items():
        out += chunk(11, chunk(1, key) + chunk(2, value))
    if "queue" in extra:
        out += chunk(12, extra["queue"])
    return out


FULL = ticket(
    ticket_id="TKT-20261127-ABCDEFGH", category=2, priority=3, status=1, created_at=(1795770000, 500),
    tags=["vpn", "network", "vpn"], metadata={"tier": "gold", "product": "mobile"}, queue="network-ops",
)
BAD = ticket(
    title="  ", description="", email="not-an-address", ticket_id="TKT-1", category=99, priority=-1,
    created_at=(0, -5), tags=["", "x" * 101],
)
RULES_YAML = "name: t\ndefault_queue: general\nrules:\n  - id: a\n    priority: 1\n    when: { field: category, op: eq, value: BILLING }\n    then: { queue: billing }\n"
RULES_JSON = '{"name": "t", "default_queue": "g", "rules": [{"id": "a", "priority": 1, "when": {"all": []}, "then": {"escalate": true}}]}'

SEEDS = {
    "triage-full": (0, chunk(1, FULL) + number(2, 1) + chunk(3, "retry-1")),
    "triage-bad": (0, chunk(1, BAD)),
    "triage-no-ticket": (0, number(2, 1)),
    "create": (1, chunk(1, ticket(priority=4, metadata={"tier": "enterprise"}))),
    "batch": (2, chunk(1, FULL) + chunk(1, BAD) + chunk(1, ticket()) + number(2, 1)),
    "stream": (3, chunk(1, ticket(category=1)) + chunk(2, "client-7") + number(3, 1)),
    "get": (4, chunk(1, " TKT-20261127-ABCDEFGH ")),
    "list": (5, number(1, 5000) + chunk(2, "eyJmIjoiIiwiayI6MX0") + number(3, 4) + number(4, 1) + number(5, 2)
             + chunk(6, "billing") + timestamp(7, 0) + timestamp(8, 253402300800) + chunk(9, "ana@example.com")),
    "list-bad": (5, number(1, -1) + number(3, 42) + timestamp(7, 1, -1) + chunk(9, "nobody")),
    "update": (6, chunk(1, ticket(ticket_id="TKT-20261127-FUZZ0001", status=3, priority=1, queue=" ops "))
               + chunk(2, chunk(1, "title") + chunk(1, "ticket.status") + chunk(1, "priority")
                       + chunk(1, "assigned_queue") + chunk(1, "metadata") + chunk(1, "created_at"))),
    "update-reopen": (6, chunk(1, ticket(ticket_id="TKT-20261127-FUZZ0001", status=1)) + chunk(2, chunk(1, "status"))),
    "delete": (7, chunk(1, "tkt-20261127-abcdefgh")),
    "purge-tickets": (8, timestamp(1, 1795773600) + number(2, 1)),
    "list-audit": (9, number(1, 10) + chunk(3, "TKT-20261127-ABCDEFGH") + chunk(4, "ticket.triaged")
                   + chunk(5, "cli") + timestamp(6, 1795000000) + timestamp(7, -62135596801)),
    "watch": (10, chunk(1, "TKT-20261127-ABCDEFGH") + chunk(2, "ticket.updated")),
    "export": (11, timestamp(1, 1795773600, 999999999)),
    "purge-audit": (12, timestamp(1, 1795773600) + number(2, 1)),
    "check-yaml": (13, chunk(1, chunk(1, RULES_YAML) + number(2, 1))),
    "check-json": (13, chunk(1, chunk(1, RULES_JSON) + number(2, 3))),
    "test-rules": (14, chunk(1, chunk(1, RULES_YAML)) + chunk(2, ticket(category=1, priority=4))),
    "backtest": (15, chunk(1, chunk(1, 'name = "t"\ndefault_queue = "g"\n') + number(2, 2))
                 + timestamp(2, 1795000000) + timestamp(3, 1795773600) + number(4, 100) + number(5, 5)),
}

os.makedirs(OUT, exist_ok=True)
for name, (kind, message) in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([kind]) + message)
print(f"{len(SEEDS)} seeds in {OUT}")
