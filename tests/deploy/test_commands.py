"""The image, compose and Kubernetes start the same server and the same migration."""

from __future__ import annotations

import re
import shlex

from uvicorn.importer import import_from_string
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.edge.request_limits import MAX_HEAD_BYTES
from scripts.bench.servers import uvicorn_command
from scripts.cluster.layout import SERVE_ARGUMENTS
from scripts.live_api import SERVE_OPTIONS
from tests.deploy.files import (
    ROOT,
    command_of,
    container,
    healthcheck_cmd,
    image_cmd,
    only,
    service,
)
from tests.live_server import SERVE_COMMAND

MIGRATE = ["alembic", "upgrade", "head"]


def test_compose_and_kubernetes_serve_exactly_the_image_command() -> None:
    assert command_of(service("api")["command"]) == image_cmd()
    assert container(only("Deployment"))["args"] == image_cmd()
    # args, not command: an ENTRYPOINT added to the image later would still apply.
    assert "command" not in container(only("Deployment"))


def test_the_local_cluster_serves_the_image_command_on_loopback() -> None:
    """scripts/cluster runs the image's command; only the address differs (loopback, and a port
    per instance)."""
    image = image_cmd()
    cluster = ["uvicorn", *SERVE_ARGUMENTS[2:]]
    assert cluster == [
        "127.0.0.1" if argument == "0.0.0.0" else argument  # noqa: S104 - the image's bind
        for argument in image
        if argument not in ("--port", "8000")
    ]


def test_compose_and_kubernetes_run_the_same_migration() -> None:
    assert command_of(service("migrate")["command"]) == MIGRATE
    assert container(only("Job"))["args"] == MIGRATE


def test_the_server_never_applies_uvicorn_proxy_headers() -> None:
    command = image_cmd()
    assert "--no-proxy-headers" in command
    assert "--proxy-headers" not in command


def make_run_command() -> list[str]:
    """The uvicorn command of `make run`."""
    (line,) = re.findall(r"^\t\$\(BIN\)/uvicorn (.*)$", (ROOT / "Makefile").read_text(), re.M)
    return shlex.split(line)


SERVER_FLAGS = ("--no-proxy-headers", "--no-server-header")
"""The app alone decides whom X-Forwarded-For is believed from; no `Server: uvicorn` header."""


def test_every_way_of_serving_passes_the_same_server_flags() -> None:
    for name, command in serving_commands().items():
        flags = tuple(flag for flag in command if flag in SERVER_FLAGS)
        assert flags == SERVER_FLAGS, f"{name}: {command}"


def serving_commands() -> dict[str, list[str]]:
    """Every way the project serves the app, by name."""
    return {
        "image": image_cmd(),
        "compose": command_of(service("api")["command"]),
        "kubernetes": container(only("Deployment"))["args"],
        "make run": make_run_command(),
        "make contract": list(SERVE_OPTIONS),
        "live-server tests": list(SERVE_COMMAND),
        "make bench": uvicorn_command("app.main:app", 8000),
    }


def test_every_way_of_serving_bounds_the_request_head() -> None:
    # httptools, uvicorn's default parser, buffers a head of any size (50 MB seen); h11 bounds it
    # at half the throughput. The subclass bounds it at httptools' speed.
    for name, command in serving_commands().items():
        protocol = command[command.index("--http") + 1]
        assert protocol == "app.edge.server_protocol:BoundedHeadProtocol", f"{name}: {command}"
    protocol_class = import_from_string("app.edge.server_protocol:BoundedHeadProtocol")
    assert issubclass(protocol_class, HttpToolsProtocol)
    assert protocol_class.max_head_bytes == MAX_HEAD_BYTES


def test_every_port_names_the_one_the_server_listens_on() -> None:
    port = image_cmd()[image_cmd().index("--port") + 1]
    assert f"127.0.0.1:{port}/" in healthcheck_cmd()[-1]
    assert service("api")["ports"][0].endswith(f":{port}")
    (container_port,) = container(only("Deployment"))["ports"]
    assert str(container_port["containerPort"]) == port


def test_worker_count_is_always_a_number() -> None:
    # uvicorn does int(os.environ["WEB_CONCURRENCY"]): an empty value would crash it.
    assert service("api")["environment"]["WEB_CONCURRENCY"].endswith(":-2}")
    assert int(only("ConfigMap")["data"]["WEB_CONCURRENCY"]) >= 1
