"""HAProxy's runtime API over its stats socket: each server's state and counters, and the admin
commands of a rolling restart (drain, ready)."""

from __future__ import annotations

import csv
import io
import socket
from dataclasses import dataclass
from pathlib import Path

BACKEND = "orgsites"


@dataclass(frozen=True)
class ServerStat:
    """One server line of `show stat`."""

    name: str
    status: str
    """UP, DOWN, DRAIN, MAINT, 'UP 1/2' while rising, 'no check' for the backups."""
    current_sessions: int
    total_sessions: int
    last_change_seconds: int


class HAProxyAdmin:
    """Commands to one HAProxy's stats socket (level admin)."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(str(self.socket_path))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers(self) -> dict[str, ServerStat]:
        """Every server of the backend, by name."""
        text = self.command("show stat").lstrip("# ")
        found = {}
        for row in csv.DictReader(io.StringIO(text)):
            if row["pxname"] != BACKEND or row["svname"] in ("FRONTEND", "BACKEND"):
                continue
            found[row["svname"]] = ServerStat(
                name=row["svname"],
                status=row["status"],
                current_sessions=int(row["scur"] or 0),
                total_sessions=int(row["stot"] or 0),
                last_change_seconds=int(row["lastchg"] or 0),
            )
        return found

    def set_state(self, server: str, state: str) -> None:
        """`ready`, `drain` (no new requests, those running finish) or `maint`."""
        answer = self.command(f"set server {BACKEND}/{server} state {state}").strip()
        if answer:
            raise RuntimeError(f"haproxy refused 'state {state}' for {server}: {answer}")
