"""deploy/prometheus and the scrape settings: what promtool cannot see (make check-alerts runs
promtool check rules and the rule unit tests; CI installs promtool, so that step is the gate)."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest

from app.observability.metrics import METRIC_NAMES, SPECS
from scripts.prometheus_rule import TARGET, render
from tests.deploy.files import (
    PROMETHEUS,
    ROOT,
    alerting_rules,
    container,
    manifest,
    only,
    prometheus_file,
)

HISTOGRAMS = frozenset(name for name, spec in SPECS.items() if spec.kind == "histogram")
RUNBOOK = ROOT / "docs" / "runbook.md"
ALERT_NAMES = [rule["alert"] for rule in alerting_rules()]


def _series_names() -> frozenset[str]:
    """The names a query may use: each metric, and a histogram's _bucket, _sum and _count."""
    parts = {name + suffix for name in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")}
    return METRIC_NAMES | parts


def _metrics_in(promql: str) -> set[str]:
    """The orgsites_* names a PromQL expression or series selector uses (quoted text ignored)."""
    return set(re.findall(r"\borgsites_[a-z0-9_]+", re.sub(r'"[^"]*"', '""', promql)))


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return kept.replace(" ", "-")


def _runbook_headings() -> list[str]:
    """The runbook's headings, outside code blocks."""
    headings, fenced = [], False
    for line in RUNBOOK.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"#{1,6} (.+)", line)):
            headings.append(match.group(1))
    return headings


def _rule_tests() -> list[dict[str, Any]]:
    """Every alert_rule_test case of alerts.test.yaml."""
    return [
        case
        for group in prometheus_file("alerts.test.yaml")["tests"]
        for case in group.get("alert_rule_test", [])
    ]


def test_alert_names_are_unique_and_every_alert_is_labelled_and_annotated() -> None:
    assert len(ALERT_NAMES) == len(set(ALERT_NAMES)) >= 8
    for rule in alerting_rules():
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert {"summary", "description", "runbook_url"} <= set(rule["annotations"]), rule["alert"]


@pytest.mark.parametrize("alert", ALERT_NAMES)
def test_runbook_url_is_the_alerts_own_section(alert: str) -> None:
    (rule,) = [rule for rule in alerting_rules() if rule["alert"] == alert]
    page, _, anchor = rule["annotations"]["runbook_url"].partition("#")
    assert page == "docs/runbook.md"
    assert anchor == _anchor(alert)
    assert anchor in {_anchor(heading) for heading in _runbook_headings()}


def test_every_runbook_alert_section_names_an_alert() -> None:
    sections = {heading for heading in _runbook_headings() if heading.startswith("Orgsites")}
    assert sections == set(ALERT_NAMES)


def test_rules_use_only_the_services_metrics() -> None:
    assert HISTOGRAMS, "app.observability.metrics.SPECS names no histogram"
    used = set().union(*(_metrics_in(rule["expr"]) for rule in alerting_rules()))
    assert used, "no rule uses the service's metrics"
    assert not used - _series_names(), f"unknown metrics {sorted(used - _series_names())}"


def test_rule_tests_feed_only_the_services_metrics() -> None:
    groups = prometheus_file("alerts.test.yaml")["tests"]
    series = [item["series"] for group in groups for item in group["input_series"]]
    used = set().union(*(_metrics_in(selector) for selector in series))
    assert not used - _series_names(), f"unknown metrics {sorted(used - _series_names())}"


@pytest.mark.parametrize("alert", ALERT_NAMES)
def test_every_alert_has_a_firing_and_a_silent_unit_test(alert: str) -> None:
    cases = [case for case in _rule_tests() if case["alertname"] == alert]
    assert any(case.get("exp_alerts") for case in cases), f"no test where {alert} fires"
    assert any(not case.get("exp_alerts") for case in cases), f"no test where {alert} is silent"


def test_target_alerts_select_the_job_the_service_monitor_makes() -> None:
    """The Operator names the job after the Service (no jobLabel set)."""
    monitor = prometheus_file("servicemonitor.yaml")
    assert "jobLabel" not in monitor["spec"]
    jobs = set().union(*(re.findall(r'\bup\{job="([^"]+)"\}', r["expr"]) for r in alerting_rules()))
    assert jobs == {only("Service")["metadata"]["name"]}


def test_pods_carry_the_scrape_annotations() -> None:
    template = only("Deployment")["spec"]["template"]
    annotations = template["metadata"]["annotations"]
    ports = {port["name"]: port["containerPort"] for port in container(only("Deployment"))["ports"]}
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(ports["http"])
    assert annotations["prometheus.io/path"] == "/metrics"


def test_the_service_monitor_scrapes_the_service() -> None:
    monitor, service = prometheus_file("servicemonitor.yaml"), only("Service")
    assert monitor["kind"] == "ServiceMonitor"
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    namespace = only("Namespace")["metadata"]["name"]
    assert monitor["metadata"]["namespace"] == namespace
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [namespace]}
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"


def test_the_service_monitor_sends_the_token_from_the_secret() -> None:
    # Production refuses to start without METRICS_TOKEN, so the scrape always sends it.
    secret = manifest("secret.example.yaml")
    assert "METRICS_TOKEN" in secret["stringData"]
    (endpoint,) = prometheus_file("servicemonitor.yaml")["spec"]["endpoints"]
    assert endpoint["authorization"] == {
        "type": "Bearer",
        "credentials": {"name": secret["metadata"]["name"], "key": "METRICS_TOKEN"},
    }


def test_the_prometheus_rule_holds_the_same_groups() -> None:
    rule = prometheus_file("prometheusrule.yaml")
    assert rule["kind"] == "PrometheusRule"
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["namespace"] == only("Namespace")["metadata"]["name"]
    assert rule["spec"]["groups"] == prometheus_file("alerts.yaml")["groups"]
    assert TARGET.read_text() == render(), "stale: run make prometheus-rule"


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
@pytest.mark.parametrize(
    "command", [["check", "rules", "alerts.yaml"], ["test", "rules", "alerts.test.yaml"]]
)
def test_promtool_accepts_the_rules(command: list[str]) -> None:
    result = subprocess.run(  # noqa: S603 - fixed command
        ["promtool", *command],  # noqa: S607 - promtool from PATH
        cwd=PROMETHEUS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
