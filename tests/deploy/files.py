"""Readers for the deployment files: Dockerfile, .dockerignore, docker-compose.yml, deploy/k8s,
deploy/prometheus."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
PROMETHEUS = ROOT / "deploy" / "prometheus"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    arguments: str


@cache
def dockerfile() -> tuple[Instruction, ...]:
    """The Dockerfile's instructions in order (comments and parser directives dropped)."""
    logical: list[str] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        logical.append(pending.strip())
        pending = ""
    return tuple(Instruction(*[*text.split(None, 1), ""][:2]) for text in logical)


def instructions(keyword: str) -> list[str]:
    """The arguments of every instruction with this keyword."""
    return [i.arguments for i in dockerfile() if i.keyword.upper() == keyword]


def final_stage() -> list[Instruction]:
    """The instructions of the last build stage (the image that ships)."""
    items = list(dockerfile())
    start = max(n for n, i in enumerate(items) if i.keyword.upper() == "FROM")
    return items[start:]


def exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) command; fails on the shell form."""
    value = json.loads(arguments)
    assert isinstance(value, list), arguments
    assert all(isinstance(item, str) for item in value), arguments
    return value


def image_cmd() -> list[str]:
    """The image's CMD."""
    (cmd,) = [i.arguments for i in final_stage() if i.keyword.upper() == "CMD"]
    return exec_form(cmd)


def healthcheck_cmd() -> list[str]:
    """The image's HEALTHCHECK command."""
    (check,) = [i.arguments for i in final_stage() if i.keyword.upper() == "HEALTHCHECK"]
    match = re.search(r"\bCMD\s+(\[.*\])\s*$", check)
    assert match, check
    return exec_form(match.group(1))


def dockerignore_allows(path: str) -> bool:
    """Whether `path` (relative, '/'-separated) reaches the build context.

    Docker's rules: patterns in order, the last matching one wins, `!` re-includes, a pattern
    matching a directory also covers everything below it, `**` matches any number of directories.
    """
    allowed = True
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        include = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if _matches(pattern, path):
            allowed = include
    return allowed


def _matches(pattern: str, path: str) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    regex = _glob_regex(pattern)
    return any(regex.fullmatch(prefix) for prefix in prefixes)


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Docker's globs: `**/` any directories, `*` and `?` within one name, `[...]` a class."""
    out, n = "", 0
    while n < len(pattern):
        if pattern.startswith("**/", n):
            out, n = out + "(?:.*/)?", n + 3
        elif pattern.startswith("**", n):
            out, n = out + ".*", n + 2
        elif pattern[n] == "*":
            out, n = out + "[^/]*", n + 1
        elif pattern[n] == "?":
            out, n = out + "[^/]", n + 1
        elif pattern[n] == "[":
            close = pattern.index("]", n)
            out, n = out + pattern[n : close + 1], close + 1
        else:
            out, n = out + re.escape(pattern[n]), n + 1
    return re.compile(out)


@cache
def compose() -> dict[str, Any]:
    """docker-compose.yml, parsed (YAML merge keys resolved)."""
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def service(name: str) -> dict[str, Any]:
    """One compose service."""
    value: dict[str, Any] = compose()["services"][name]
    return value


def command_of(value: str | list[str]) -> list[str]:
    """A compose command in either form, as a list."""
    return shlex.split(value) if isinstance(value, str) else list(value)


@cache
def kustomization() -> dict[str, Any]:
    """deploy/k8s/kustomization.yaml."""
    data: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return data


def manifest(name: str) -> dict[str, Any]:
    """The single Kubernetes object in deploy/k8s/<name>."""
    (document,) = list(yaml.safe_load_all((K8S / name).read_text()))
    assert isinstance(document, dict)
    return document


def objects(kind: str) -> list[dict[str, Any]]:
    """Every object of this kind among the kustomization's resources."""
    found = [manifest(name) for name in kustomization()["resources"]]
    return [item for item in found if item["kind"] == kind]


def only(kind: str, name: str = "orgsites-api") -> dict[str, Any]:
    """The one object of this kind among the kustomization's resources, of the API (any name
    but PgBouncer's) or of ``name`` (`pgbouncer`)."""
    (item,) = [
        item
        for item in objects(kind)
        if (item["metadata"].get("labels", {}).get("app.kubernetes.io/name") == "pgbouncer")
        == (name == "pgbouncer")
    ]
    return item


def container(pod_owner: dict[str, Any]) -> dict[str, Any]:
    """The single container of a Deployment's or Job's pod template."""
    (item,) = pod_owner["spec"]["template"]["spec"]["containers"]
    assert isinstance(item, dict)
    return item


def prometheus_file(name: str) -> dict[str, Any]:
    """deploy/prometheus/<name>, parsed (a rule file, its tests, or one Operator object)."""
    data: dict[str, Any] = yaml.safe_load((PROMETHEUS / name).read_text())
    return data


def alerting_rules() -> list[dict[str, Any]]:
    """Every alerting rule of deploy/prometheus/alerts.yaml, in order."""
    groups = prometheus_file("alerts.yaml")["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]
