"""deploy/k8s: what schema validation cannot see (make check-deploy validates the schemas)."""

from __future__ import annotations

from typing import Any

import pytest

from app.main import ABANDONED_GRACE_SECONDS
from tests.deploy.files import K8S, container, kustomization, manifest, only

POD_OWNERS = ("Deployment", "Job")
SECRET_EXAMPLES = ("secret.example.yaml", "pgbouncer-secret.example.yaml")


def _pod_spec(kind: str) -> dict[str, Any]:
    spec: dict[str, Any] = only(kind)["spec"]["template"]["spec"]
    return spec


def test_kustomization_lists_every_manifest_but_the_secret_examples() -> None:
    files = {path.name for path in K8S.glob("*.yaml")}
    listed = set(kustomization()["resources"])
    assert listed == files - {"kustomization.yaml", *SECRET_EXAMPLES}


@pytest.mark.parametrize("name", SECRET_EXAMPLES)
def test_the_secret_examples_hold_no_real_secrets(name: str) -> None:
    secret = manifest(name)
    assert secret["kind"] == "Secret"
    for key, value in secret["stringData"].items():
        assert value == "" or "REPLACE-ME" in value, key


@pytest.mark.parametrize("kind", POD_OWNERS)
def test_pods_are_locked_down(kind: str) -> None:
    pod = _pod_spec(kind)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    security = container(only(kind))["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}


@pytest.mark.parametrize("kind", POD_OWNERS)
def test_tmp_is_a_writable_empty_dir(kind: str) -> None:
    pod = _pod_spec(kind)
    mounts = {m["mountPath"]: m["name"] for m in container(only(kind))["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]  # noqa: S108 - the path mounted


@pytest.mark.parametrize("kind", POD_OWNERS)
def test_configuration_comes_from_the_configmap_and_the_secret(kind: str) -> None:
    sources = container(only(kind))["envFrom"]
    assert {"configMapRef": {"name": only("ConfigMap")["metadata"]["name"]}} in sources
    assert {"secretRef": {"name": manifest("secret.example.yaml")["metadata"]["name"]}} in sources


@pytest.mark.parametrize("kind", POD_OWNERS)
def test_resources_have_requests_and_limits(kind: str) -> None:
    resources = container(only(kind))["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert "memory" in resources["limits"]


def test_probes_use_the_health_endpoints() -> None:
    api = container(only("Deployment"))
    assert api["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert api["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert api["startupProbe"]["httpGet"]["path"] == "/health/live"
    ports = {port["name"]: port["containerPort"] for port in api["ports"]}
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert api[probe]["httpGet"]["port"] in ports


def test_deployment_and_job_run_the_same_image() -> None:
    assert container(only("Deployment"))["image"] == container(only("Job"))["image"]
    names = {image["name"] for image in kustomization()["images"]}
    assert names == {container(only("Deployment"))["image"], "pgbouncer"}


def test_the_autoscaler_owns_the_replica_count() -> None:
    deployment, hpa = only("Deployment"), only("HorizontalPodAutoscaler")
    assert "replicas" not in deployment["spec"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


def test_service_and_budget_select_the_api_pods_only() -> None:
    pod_labels = only("Deployment")["spec"]["template"]["metadata"]["labels"]
    job_labels = only("Job")["spec"]["template"]["metadata"]["labels"]
    selectors = [
        only("Service")["spec"]["selector"],
        only("PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
        only("Deployment")["spec"]["selector"]["matchLabels"],
    ]
    for selector in selectors:
        assert selector.items() <= pod_labels.items()
        assert not selector.items() <= job_labels.items()
    assert only("Service")["spec"]["ports"][0]["targetPort"] == "http"


def test_shutdown_fits_in_the_grace_period() -> None:
    """preStop (the pod leaves the Service while still serving), then uvicorn's graceful
    shutdown, then the app's own wind-down of requests cut off by their deadline."""
    pod, api = _pod_spec("Deployment"), container(only("Deployment"))
    pre_stop = int(api["lifecycle"]["preStop"]["exec"]["command"][1])
    args = api["args"]
    graceful = int(args[args.index("--timeout-graceful-shutdown") + 1])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + graceful + ABANDONED_GRACE_SECONDS
    # Endpoints are removed once the pod terminates; the pause covers their propagation, and
    # readiness (what takes a pod out while its database is down) answers within its timeout.
    probe = api["readinessProbe"]
    assert pre_stop >= probe["periodSeconds"]
    assert probe["timeoutSeconds"] * 2 <= int(only("ConfigMap")["data"]["REQUEST_TIMEOUT_SECONDS"])


def test_the_autoscaler_keeps_serving_through_a_disruption() -> None:
    """The budget lets a drain take fewer pods than the autoscaler's minimum."""
    minimum = only("HorizontalPodAutoscaler")["spec"]["minReplicas"]
    assert only("PodDisruptionBudget")["spec"]["maxUnavailable"] < minimum


def pgbouncer_settings() -> dict[str, str]:
    ini = only("ConfigMap", "pgbouncer")["data"]["pgbouncer.ini"]
    settings = {}
    for line in ini.splitlines():
        name, equals, value = line.partition("=")
        if equals and not line.lstrip().startswith(";"):
            settings[name.strip()] = value.strip()
    return settings


def test_pgbouncer_runs_in_transaction_mode_and_the_api_prepares_nothing_then() -> None:
    settings = pgbouncer_settings()
    assert settings["pool_mode"] == "transaction"
    assert settings["ignore_startup_parameters"] == "options"
    (image,) = [i for i in kustomization()["images"] if i["name"] == "pgbouncer"]
    major, minor = (int(part) for part in image["newTag"].split(".")[:2])
    tracks_prepared = (major, minor) >= (1, 21) and int(
        settings.get("max_prepared_statements", "0")
    ) > 0
    api = only("ConfigMap")["data"]
    assert api["DB_PREPARED_STATEMENTS"] == ("true" if tracks_prepared else "false")
    assert int(settings["max_client_conn"]) >= (
        only("HorizontalPodAutoscaler")["spec"]["maxReplicas"]
        * int(api["WEB_CONCURRENCY"])
        * 2
        * (int(api["DB_POOL_SIZE"]) + int(api["DB_MAX_OVERFLOW"]))
    )


def test_the_api_reaches_postgresql_through_pgbouncer() -> None:
    service = only("Service", "pgbouncer")
    url = manifest("secret.example.yaml")["stringData"]["DATABASE_URL"]
    port = service["spec"]["ports"][0]["port"]
    assert f"@{service['metadata']['name']}:{port}/" in url
    assert service["spec"]["selector"].items() <= (
        only("Deployment", "pgbouncer")["spec"]["template"]["metadata"]["labels"].items()
    )


def test_pgbouncer_pods_are_locked_down_and_drain_within_their_grace_period() -> None:
    deployment = only("Deployment", "pgbouncer")
    pod, bouncer = deployment["spec"]["template"]["spec"], container(deployment)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert bouncer["securityContext"]["readOnlyRootFilesystem"] is True
    assert bouncer["securityContext"]["capabilities"]["drop"] == ["ALL"]
    pre_stop = int(bouncer["lifecycle"]["preStop"]["exec"]["command"][1])
    drain = int(pgbouncer_settings()["shutdown_wait_timeout"])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + drain
    budget = only("PodDisruptionBudget", "pgbouncer")["spec"]
    assert budget["maxUnavailable"] < deployment["spec"]["replicas"]
    assert budget["selector"]["matchLabels"].items() <= pod_labels(deployment).items()


def pod_labels(owner: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = owner["spec"]["template"]["metadata"]["labels"]
    return labels


def test_everything_lands_in_one_restricted_namespace() -> None:
    namespace = only("Namespace")
    name = namespace["metadata"]["name"]
    assert kustomization()["namespace"] == name
    assert manifest("secret.example.yaml")["metadata"]["namespace"] == name
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
