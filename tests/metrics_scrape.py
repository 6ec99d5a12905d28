"""Reading a Prometheus exposition in tests: every sample by name and labels."""

from __future__ import annotations

import http.client

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
BURST = 30
"""Requests a burst_then_scrape sends before its scrape."""
MONOTONIC_SUFFIXES = ("_total", "_bucket", "_count", "_sum")
"""Samples that never go down: counters, histogram buckets, counts and sums."""


def parse(text: str) -> Samples:
    """Each sample's value, keyed by (sample name, its labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when absent (a counter not yet incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests(samples: Samples, operation: str, method: str, status_class: str) -> float:
    """orgsites_http_requests_total of one label set."""
    return value(
        samples,
        "orgsites_http_requests_total",
        operation=operation,
        method=method,
        status_class=status_class,
    )


def difference(
    after: Samples, before: Samples, name: str
) -> dict[frozenset[tuple[str, str]], float]:
    """How much each series of ``name`` grew between two scrapes (series that did not move left
    out)."""
    grown = {}
    for (sample, labels), amount in after.items():
        if sample == name:
            delta = amount - before.get((sample, labels), 0.0)
            if delta:
                grown[labels] = delta
    return grown


def monotonic(samples: Samples) -> Samples:
    """The samples that must never go down: counters, histogram buckets, counts and sums."""
    return {key: amount for key, amount in samples.items() if key[0].endswith(MONOTONIC_SUFFIXES)}


def decreases(before: Samples, after: Samples) -> dict[str, tuple[float, float]]:
    """The series of ``before`` that ``after`` reports lower (or lost)."""
    return {
        f"{name}{dict(labels)}": (amount, after.get((name, labels), 0.0))
        for (name, labels), amount in monotonic(before).items()
        if after.get((name, labels), 0.0) < amount
    }


def get(
    connection: http.client.HTTPConnection, path: str, headers: dict[str, str] | None = None
) -> bytes:
    """GET ``path`` on an open connection; the body of its 200."""
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200, (path, response.status, body[:200])
    return body


def burst_then_scrape(
    port: int, metrics_headers: dict[str, str] | None = None
) -> tuple[Samples, http.client.HTTPConnection]:
    """Requests, then a scrape, on one keep-alive connection (so one worker served them all and
    has not yet flushed them): the scrape's samples and the connection, still open.
    ``metrics_headers``: the scrape's (a production instance wants its METRICS_TOKEN)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(BURST):
        get(connection, "/health/live")
    get(connection, "/health/ready")  # a database pool wait too
    samples = parse(get(connection, "/metrics", metrics_headers).decode())
    return samples, connection
