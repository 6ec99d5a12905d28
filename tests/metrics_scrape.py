"""Reading a Prometheus exposition in tests: every sample by name and labels."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


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
