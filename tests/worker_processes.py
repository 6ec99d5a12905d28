"""A uvicorn server's worker processes, found in /proc: which are its workers, and which one holds
a given client connection (so a test can kill exactly the worker that answered it)."""

from __future__ import annotations

import os
from pathlib import Path


def workers(master: int) -> set[int]:
    """The uvicorn workers (children of the server process but multiprocessing's resource
    tracker)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    found = set()
    for pid in children:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if b"resource_tracker" not in command:
            found.add(int(pid))
    return found


def socket_inodes(pid: int) -> set[str]:
    """The inodes of the sockets process ``pid`` holds."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            found.add(target[len("socket:[") : -1])
    return found


def serving_worker(master: int, server_port: int, client_port: int) -> int:
    """The worker holding the server side of the client's connection from ``client_port``."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == (
            client_port
        ):
            inode = fields[9]
    assert inode is not None, "the connection is not in /proc/net/tcp"
    (pid,) = [pid for pid in workers(master) if inode in socket_inodes(pid)]
    return pid
