"""The Dockerfile and .dockerignore, read statically (no Docker engine on CI machines)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.files import ROOT, dockerignore_allows, final_stage, image_cmd, instructions

PYTHON_IMAGE = re.compile(r"ARG PYTHON_IMAGE=python:3\.(\d+)[\w.]*-slim")


def _git_files() -> list[str]:
    result = subprocess.run(
        ["git", "ls-files"],  # noqa: S607 - git from PATH, as in the Makefile
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_multi_stage_on_slim_python_311_or_newer() -> None:
    text = (ROOT / "Dockerfile").read_text()
    match = PYTHON_IMAGE.search(text)
    assert match and int(match.group(1)) >= 11
    assert instructions("FROM") == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]
    final_copies = [i.arguments for i in final_stage() if i.keyword == "COPY"]
    assert final_copies == ["--from=build /opt/venv /opt/venv", "--from=build /app /app"]


def test_dependencies_come_from_the_hashed_lock_before_the_sources() -> None:
    copies = instructions("COPY")
    assert copies[0] == "requirements/app.lock /tmp/app.lock"
    (install,) = [arg for arg in instructions("RUN") if " install " in arg]
    assert "--require-hashes" in install
    assert "-r /tmp/app.lock" in install
    assert "--only-binary=:all:" in install
    assert "--no-deps" in install and " check" in install


def test_final_image_runs_as_a_numeric_non_root_user() -> None:
    (user,) = [i.arguments for i in final_stage() if i.keyword == "USER"]
    uid, _, gid = user.partition(":")
    assert int(uid) > 0 and int(gid) > 0


def test_final_stage_has_no_build_tools_or_package_installs() -> None:
    runs = " ".join(i.arguments for i in final_stage() if i.keyword == "RUN")
    for forbidden in ("apt-get", "pip ", "gcc", "build-essential"):
        assert forbidden not in runs


def test_healthcheck_probes_liveness_on_the_served_port() -> None:
    (check,) = [i.arguments for i in final_stage() if i.keyword == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/health/live" in check
    assert image_cmd()[image_cmd().index("--port") + 1] == "8000"
    assert [i.arguments for i in final_stage() if i.keyword == "EXPOSE"] == ["8000"]


def test_server_is_started_by_exec_form_uvicorn_without_a_wrapper() -> None:
    command = image_cmd()
    assert command[:2] == ["uvicorn", "app.main:app"]
    assert "--no-proxy-headers" in command
    # The worker count comes from WEB_CONCURRENCY, so no --workers; proxies from the app.
    assert "--workers" not in command
    assert "--forwarded-allow-ips" not in command
    assert instructions("ENTRYPOINT") == []


def test_alembic_can_run_from_the_workdir() -> None:
    (workdir,) = [i.arguments for i in final_stage() if i.keyword == "WORKDIR"]
    assert workdir == "/app"
    copies = instructions("COPY")
    assert "alembic.ini ./" in copies
    assert "alembic/ alembic/" in copies


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "app/.env",
        ".env.production",
        ".git/HEAD",
        ".venv/bin/python",
        "tests/conftest.py",
        "data/app.db",
        "reports/contract-junit.xml",
        "requirements/dev.lock",
        "app/__pycache__/main.cpython-311.pyc",
        "deploy/k8s/secret.example.yaml",
        "key.pem",
    ],
)
def test_dockerignore_keeps_out_secrets_and_local_files(path: str) -> None:
    assert not dockerignore_allows(path)


def test_dockerignore_lets_in_everything_the_dockerfile_copies() -> None:
    sources = [arg.split()[0].rstrip("/") for arg in instructions("COPY") if "--from" not in arg]
    tracked = _git_files()
    for source in sources:
        files = [path for path in tracked if path == source or path.startswith(source + "/")]
        assert files, source
        assert all(dockerignore_allows(path) for path in files), source


def test_the_app_imports_nothing_from_outside_the_copied_folders() -> None:
    sources = {arg.split()[0].rstrip("/") for arg in instructions("COPY") if "--from" not in arg}
    program = (
        "import sys, app.main\n"
        "for module in list(sys.modules.values()):\n"
        "    print(getattr(module, '__file__', None) or '')\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"APP_ENV": "development", "PATH": ""},
    )
    environment = Path(sys.prefix).resolve()  # the virtual environment, whatever its name
    loaded = {
        Path(line).resolve().relative_to(ROOT).parts[0]
        for line in result.stdout.splitlines()
        if line
        and Path(line).resolve().is_relative_to(ROOT)
        and not Path(line).resolve().is_relative_to(environment)
    }
    assert loaded and loaded <= sources


def test_no_syntax_directive_that_pulls_a_frontend_from_a_registry() -> None:
    # `# syntax=docker/dockerfile:1` makes BuildKit fetch that image: no air-gapped builds.
    first_lines = (ROOT / "Dockerfile").read_text().splitlines()[:5]
    assert not any(re.match(r"#\s*syntax\s*=", line, re.IGNORECASE) for line in first_lines)


def test_everything_the_server_imports_is_compiled_in_the_image() -> None:
    # The root filesystem is read-only: what is not compiled at build time is compiled in memory
    # by every worker at every start. tests/container/run.sh checks the built image itself.
    build_runs = [arguments for arguments in instructions("RUN") if "compileall" in arguments]
    app_compile, stdlib_compile = build_runs
    assert "--invalidation-mode unchecked-hash" in app_compile
    for folder in ("app", "generated", "handlers", "alembic", "/opt/venv/lib"):
        assert f" {folder}" in app_compile
    assert "sysconfig.get_path" in stdlib_compile and "stdlib" in stdlib_compile
    runtime_runs = " ".join(i.arguments for i in final_stage() if i.keyword == "RUN")
    assert "compileall" in runtime_runs
