"""Slow clients are HAProxy's problem: requests whose head never finishes arriving are answered
408 by HAProxy once `timeout http-request` passes, and never reach an instance."""

from __future__ import annotations

import socket

from scripts.cluster.supervisor import Cluster

CLIENTS = 20
READ_WAIT = 90.0
"""A bound on waiting for HAProxy's answer (timeout http-request is 10 s), not a timed assertion."""


def total_sent(cluster: Cluster) -> int:
    return sum(server.total_sessions for server in cluster.admin.servers().values())


def test_half_sent_requests_are_ended_by_haproxy(cluster: Cluster) -> None:
    before = total_sent(cluster)
    sockets = []
    try:
        for _ in range(CLIENTS):
            sock = socket.create_connection(("127.0.0.1", cluster.layout.ports.haproxy))
            sock.sendall(b"GET /api/v1/users/me HTTP/1.1\r\nHost: cluster\r\nX-Slow: ")
            sockets.append(sock)
        answers = []
        for sock in sockets:
            sock.settimeout(READ_WAIT)
            answers.append(sock.recv(4096).split(b"\r\n", 1)[0])
    finally:
        for sock in sockets:
            sock.close()
    assert answers == [b"HTTP/1.1 408 Request Time-out"] * CLIENTS
    assert total_sent(cluster) == before
