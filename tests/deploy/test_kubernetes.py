"""deploy/k8s: what schema validation cannot see (make check-deploy validates the schemas)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deploy.files import K8S, container, kustomization, manifest, only

POD_OWNERS = ("Deployment", "Job")


def _pod_spec(kind: str) -> dict[str, Any]:
    spec: dict[str, Any] = only(kind)["spec"]["template"]["spec"]
    return spec


def test_kustomization_lists_every_manifest_but_the_secret_example() -> None:
    files = {path.name for path in K8S.glob("*.yaml")}
    listed = set(kustomization()["resources"])
    assert listed == files - {"kustomization.yaml", "secret.example.yaml"}


def test_the_secret_example_holds_no_real_secrets() -> None:
    secret = manifest("secret.example.yaml")
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
    (image,) = kustomization()["images"]
    assert image["name"] == container(only("Deployment"))["image"]


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
    pod, api = _pod_spec("Deployment"), container(only("Deployment"))
    pre_stop = int(api["lifecycle"]["preStop"]["exec"]["command"][1])
    args = api["args"]
    graceful = int(args[args.index("--timeout-graceful-shutdown") + 1])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + graceful


def test_everything_lands_in_one_restricted_namespace() -> None:
    namespace = only("Namespace")
    name = namespace["metadata"]["name"]
    assert kustomization()["namespace"] == name
    assert manifest("secret.example.yaml")["metadata"]["namespace"] == name
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
