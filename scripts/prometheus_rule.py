"""Write deploy/prometheus/prometheusrule.yaml: the groups of alerts.yaml wrapped in a Prometheus
Operator PrometheusRule.

The groups are copied as text, indented under `spec:`, so the two files hold the same rules in the
same layout. `make prometheus-rule` runs this; tests/deploy/test_prometheus.py fails when the file
is stale.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "deploy" / "prometheus"
SOURCE = FOLDER / "alerts.yaml"
TARGET = FOLDER / "prometheusrule.yaml"
HEADER = """\
# Written by scripts/prometheus_rule.py (make prometheus-rule) from alerts.yaml; do not edit.
# For a Prometheus run by the Prometheus Operator (docs/runbook.md, "Loading the rules"); add the
# labels its ruleSelector asks for, e.g. release: <your kube-prometheus-stack release>.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: orgsites-api
  namespace: orgsites
  labels:
    app.kubernetes.io/name: orgsites-api
    app.kubernetes.io/component: api
spec:
"""


def render() -> str:
    """The PrometheusRule: HEADER, then alerts.yaml from its `groups:` line on, indented."""
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    start = lines.index("groups:")
    return HEADER + "".join(f"  {line}\n" if line else "\n" for line in lines[start:])


def main() -> None:
    """Rewrite the PrometheusRule."""
    TARGET.write_text(render(), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
