"""The README and the pages of docs/ cannot drift: every command they show is run by a test or a
CI step (listed below), every link between them leads somewhere, and the quick start runs here
as written, `make run` included."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
PAGES = {
    "README.md": README,
    **{f"docs/{page.name}": page.read_text() for page in sorted((ROOT / "docs").glob("*.md"))},
}
CI = (ROOT / ".ci" / "run").read_text()
CONTAINER_TEST = (ROOT / "tests" / "container" / "run.sh").read_text()
THIS = "tests/unit/test_readme.py"
QUICK_START = f"{THIS}::test_the_quick_start_works_as_written"
CONTRACT = f"{THIS}::test_the_contract_command_is_the_one_make_contract_runs"
MAKEFILE = "tests/unit/test_makefile.py::test_"
DOCS = "tests/unit/test_build_docs.py::test_the_page_embeds_the_spec_instead_of_fetching_it"
PERFORMANCE_TOOLS = "tests/integration/test_performance_tools.py::test_"
LOCUST = PERFORMANCE_TOOLS + "the_locustfile_runs_headless_against_a_server"
BENCHMARKS = PERFORMANCE_TOOLS + "the_endpoint_benchmarks_run"
BENCH_TOOLS = (
    "tests/unit/test_bench_tools.py::"
    "test_the_profiler_and_the_runtime_comparison_take_their_documented_arguments"
)
NO_CLUSTER = ("ci", "make check-deploy")
"""No registry or cluster here: the manifests those commands apply are validated offline."""

# (what a command looks like, what runs it): ("ci", text of .ci/run), ("container", text of
# tests/container/run.sh, which CI runs), ("test", "file::function"), or ("dry-run", target)
# for targets too long or networked for CI (`make --dry-run` must still expand them).
COVERAGE: list[tuple[str, tuple[str, str]]] = [
    # Quick start, run as written.
    (r"FIRST_SUPERUSER_EMAIL=\S+ FIRST_SUPERUSER_PASSWORD=\S+ make run$", ("test", QUICK_START)),
    (
        r"(TOKEN|ORG|SITE|ETAG)=\$\(curl -s (-o /dev/null -D - )?\"?http://127\.0\.0\.1:8000/",
        ("test", QUICK_START),
    ),
    (r'AUTH="Authorization: Bearer \$TOKEN"$', ("test", QUICK_START)),
    (
        r"curl -s (-o /dev/null )?(-D - )?(-w '[^']*' )?(-X [A-Z]+ )?\"?http://127\.0\.0\.1:8000/api/v1/",
        ("test", QUICK_START),
    ),
    (r"for (city|attempt) in .*; do$|done$", ("test", QUICK_START)),
    # Make targets.
    (r"make install$", ("ci", "make test")),
    (r"make run$", ("test", QUICK_START)),
    (
        r"(PORT=\d+ )?make run$",
        (
            "test",
            MAKEFILE + "the_environment_and_the_command_line_win_over_dot_env",
        ),
    ),
    (r"make run PYTHON=\S+$", ("ci", "PYTHON=/usr/bin/python3.11")),
    (
        r"(TEST_DATABASE_URL=\S+ )?make test$",
        ("ci", 'TEST_DATABASE_URL="$POSTGRES_URL" bounded make test'),
    ),
    (r"TEST_REDIS_URL=\S+ make test$", ("ci", "export TEST_REDIS_URL=")),
    (r"make lint( test)?$", ("ci", "make lint")),
    (r"make contract$", ("ci", "make contract")),
    (r"make contract-deep$", ("dry-run", "contract-deep")),
    (r"make check-deploy$", ("ci", "make check-deploy")),
    (r"make container-test$", ("ci", "make container-test")),
    (
        r"make cluster$",
        ("test", "tests/cluster/test_make_cluster.py::test_make_cluster_serves_until_ctrl_c"),
    ),
    (r"make cluster-test$", ("ci", "make cluster-test")),
    (r"make format$", ("dry-run", "format")),
    (r"make generate$", ("ci", "make check-generated")),
    (r"make check-generated$", ("ci", "make check-generated")),
    (r"make migrate$", ("test", QUICK_START)),
    (
        r"make resource( NAME=\w+)?$",
        (
            "test",
            "tests/unit/test_new_resource.py::test_a_scaffolded_resource_passes_lint_and_tests",
        ),
    ),
    (
        r"make migrations$",
        (
            "test",
            MAKEFILE + "make_migrations_on_a_fresh_clone_writes_a_lint_clean_migration",
        ),
    ),
    (
        r'make migrations m="[^"]*"$',
        (
            "test",
            MAKEFILE + "make_migrations_on_a_fresh_clone_writes_a_lint_clean_migration",
        ),
    ),
    (
        r"make docs$",
        (
            "test",
            DOCS,
        ),
    ),
    (
        r"python3 -m http\.server -d site \d+$",
        (
            "test",
            DOCS,
        ),
    ),
    (r"make lock$", ("dry-run", "lock")),
    (r"make help$", ("dry-run", "help")),
    (r"make clean$", ("dry-run", "clean")),
    (
        r"cp \.env\.example \.env$",
        ("test", MAKEFILE + "make_run_listens_where_dot_env_says"),
    ),
    (
        r"python3 -c 'import secrets; print\(secrets\.token_urlsafe\(48\)\)'$",
        ("test", f"{THIS}::test_the_secret_key_command_makes_a_strong_key"),
    ),
    # The client contract run against a local server without limits.
    (
        r"RATE_LIMIT_ENABLED=false PORT=8001 DATABASE_URL=\S+ "
        r"FIRST_SUPERUSER_EMAIL=\S+ FIRST_SUPERUSER_PASSWORD=\S+ make run$",
        ("test", CONTRACT),
    ),
    (r"TOKEN=\$\(curl -s http://127\.0\.0\.1:8001/", ("test", CONTRACT)),
    (
        r"\.venv/bin/st --config-file tests/contract/schemathesis\.toml run http://127\.0\.0\.1:8001/",
        ("test", CONTRACT),
    ),
    # Docker and Compose, run by the container smoke test.
    (r"DOCKER_BUILDKIT=1 docker build -t orgsites-api:local \.$", ("container", "docker build")),
    (
        r"export DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1$",
        ("container", "export DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1"),
    ),
    (r"docker-compose up -d --build$", ("container", "compose up --detach --build")),
    (
        r"docker-compose exec api alembic upgrade head$",
        ("container", "exec -T api alembic upgrade head"),
    ),
    (r"docker-compose exec api alembic current$", ("container", "exec -T api alembic current")),
    (
        r"docker-compose exec db psql -U orgsites orgsites$",
        ("container", "exec -T db psql -U orgsites orgsites"),
    ),
    # Compose v2 takes the same file and arguments; its schema is what check-deploy validates.
    (r"^docker compose$", ("ci", "make check-deploy")),
    (r"docker-compose ps$", ("container", "compose ps")),
    (r"docker-compose logs (migrate|-f api|api)$", ("container", "compose logs")),
    (r"docker-compose down( -v)?$", ("container", "down --volumes")),
    (r"curl -s http://127\.0\.0\.1:8000/health/live$", ("container", "/health/live")),
    (r"curl -s http://127\.0\.0\.1:8000/health/ready$", ("container", "/health/ready")),
    (r"curl -s http://127\.0\.0\.1:8000/health/deps$", ("container", "/health/deps")),
    # Performance: benchmarks never run in CI; the tools are shown to work.
    (r"(BENCH_DATABASE_URL=\S+\s+)?(BENCH_REDIS_URL=\S+\s+)?make bench$", ("dry-run", "bench")),
    (r"(BENCH_DATABASE_URL=\S+\s+)?make bench-scale$", ("dry-run", "bench-scale")),
    (r"(BENCH_DATABASE_URL=\S+\s+)?make bench-capacity$", ("dry-run", "bench-capacity")),
    (
        r"(BENCH_DATABASE_URL=\S+\s+)?(BENCH_REQUEST=.+\s+)?make bench-instructions$",
        ("dry-run", "bench-instructions"),
    ),
    (
        r"(BENCH_DATABASE_URL=\S+\s+)?\.venv/bin/python -m scripts\.bench\.(profile|runtimes) ",
        ("test", BENCH_TOOLS),
    ),
    (
        r"FIRST_SUPERUSER_EMAIL=\S+ FIRST_SUPERUSER_PASSWORD=\S+\s+RATE_LIMIT_ENABLED=false "
        r"make run &$",
        ("test", LOCUST),
    ),
    (r"locust -f tests/performance/locustfile\.py", ("test", LOCUST)),
    (r"pytest tests/performance/test_endpoints\.py$", ("test", BENCHMARKS)),
    # Client SDKs, spec lint and the breaking-change gate.
    (r"make tools$", ("ci", "make tools")),
    (r"make (sdk|sdk-check)$", ("ci", "bounded make sdk-check")),
    (r"make spec-lint$", ("ci", "make spec-lint")),
    (r"make breaking$", ("ci", "make breaking")),
    (r"make test-tools$", ("ci", "bounded make test-tools")),
    (r"make check-alerts$", ("ci", "make check-alerts")),
    (
        r"make prometheus-rule$",
        ("test", "tests/deploy/test_prometheus.py::test_the_prometheus_rule_holds_the_same_groups"),
    ),
    (r"make contract CONTRACT_LIVE=0$", ("ci", "bounded make contract CONTRACT_LIVE=0")),
    # Kubernetes and a registry: not reachable here.
    (r"DOCKER_BUILDKIT=1 docker build -t registry\.example\.com/", NO_CLUSTER),
    (r"docker push ", NO_CLUSTER),
    (r"kubectl ", NO_CLUSTER),
    (r"--from-literal=", NO_CLUSTER),
    # The runbook's helper for a pod's logs.
    (r"^logs\(\) \{ kubectl ", NO_CLUSTER),
    (r"^logs \| jq ", NO_CLUSTER),
]


def page_commands(text: str) -> list[str]:
    """Every command line of a page's sh blocks, and every inline `make ...` command."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            line = re.sub(r"\s+# .*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    for code in re.findall(r"`([^`\n]+)`", prose):
        if re.match(r"([A-Z_]+=\S+ )*(make|docker|docker-compose|kubectl|python3 -[cm]) ", code):
            commands.append(code)
    return commands


def readme_commands() -> list[str]:
    """The commands of the README and of every page of docs/."""
    return [command for text in PAGES.values() for command in page_commands(text)]


def evidence_holds(kind: str, where: str) -> bool:
    if kind == "ci":
        return where in CI
    if kind == "container":
        return where in CONTAINER_TEST and "make container-test" in CI
    if kind == "test":
        path, _, name = where.partition("::")
        return f"def {name}(" in (ROOT / path).read_text()
    result = subprocess.run(  # noqa: S603 - make from PATH on our own Makefile
        ["make", "--dry-run", where],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def test_the_commands_of_the_readme_and_the_docs_are_found() -> None:
    assert len(page_commands(README)) > 5, "the README's commands were not found"
    assert len(readme_commands()) > 40, "the commands of docs/ were not found"
    for page in ("contributing", "deployment", "performance", "runbook"):
        assert page_commands(PAGES[f"docs/{page}.md"]), f"docs/{page}.md: no commands found"


@pytest.mark.parametrize("page", PAGES)
def test_every_command_of_the_page_is_run_by_a_test_or_ci(page: str) -> None:
    uncovered = [
        command
        for command in page_commands(PAGES[page])
        if not any(re.search(pattern, command) for pattern, _ in COVERAGE)
    ]
    assert not uncovered, f"{page}: commands no test or CI step runs: {uncovered}"


def heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings (outside code blocks)."""
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    anchors = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


@pytest.mark.parametrize("page", PAGES)
def test_every_link_of_the_page_leads_somewhere(page: str) -> None:
    prose = re.sub(r"```.*?```", "", PAGES[page], flags=re.DOTALL)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", prose):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (ROOT / page).parent / path if path else ROOT / page
        found = file.exists() and (
            not anchor or file.suffix != ".md" or anchor in heading_anchors(file.read_text())
        )
        if not found:
            broken.append(target)
    assert not broken, f"{page}: links to nothing: {broken}"


@pytest.mark.parametrize(("pattern", "evidence"), COVERAGE, ids=[p for p, _ in COVERAGE])
def test_what_runs_each_command_exists(pattern: str, evidence: tuple[str, str]) -> None:
    assert evidence_holds(*evidence), evidence


def test_the_secret_key_command_makes_a_strong_key() -> None:
    (command,) = {c for c in readme_commands() if c.startswith("python3 -c 'import secrets")}
    key = subprocess.run(  # noqa: S603 - the README's own command
        ["bash", "-c", command],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert len(key) >= 32


def test_the_contract_command_is_the_one_make_contract_runs() -> None:
    (st_run,) = [c for c in readme_commands() if c.startswith(".venv/bin/st ")]
    script = (ROOT / "scripts" / "contract.py").read_text()
    for option in re.findall(r"--[a-z-]+", st_run):
        assert f'"{option}"' in script, f"make contract does not pass {option}"
    assert "--seed 20261125" in st_run and "default=20261125" in script
    assert "--config-file tests/contract/schemathesis.toml " in st_run
    assert 'ROOT / "tests" / "contract" / "schemathesis.toml"' in script
    (serve,) = [c for c in readme_commands() if "PORT=8001 DATABASE_URL=" in c]
    assert "RATE_LIMIT_ENABLED=false" in serve, "the run would trip the default rate limits"


def quick_start_blocks() -> tuple[str, str]:
    """The quick start's serve command, and its calls followed by those of "Retries and
    concurrent edits", which continue the same session."""
    start = README.index("## Quick start")
    serve, calls = re.findall(r"```sh\n(.*?)```", README[start:], re.DOTALL)[:2]
    return serve.strip(), calls + retries_block()


def retries_block() -> str:
    """The README's "Retries and concurrent edits" commands."""
    start = README.index("## Retries and concurrent edits")
    block: str = re.findall(r"```sh\n(.*?)```", README[start:], re.DOTALL)[0]
    return block


def test_the_retries_page_shows_the_readmes_commands() -> None:
    """docs/retries-and-concurrent-edits.md shows the very block the quick start test runs."""
    page = PAGES["docs/retries-and-concurrent-edits.md"]
    assert re.findall(r"```sh\n(.*?)```", page, re.DOTALL)[0] == retries_block()


def test_the_quick_start_works_as_written(tmp_path: Path) -> None:
    serve, calls = quick_start_blocks()
    for name in ("app", "alembic", "generated", "handlers"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Makefile", "alembic.ini"):
        shutil.copy(ROOT / name, tmp_path / name)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not re.match(
            r"(HOST|PORT|DATABASE_URL|SECRET_KEY|APP_ENV|RATE_LIMIT_.*|REDIS_URL)$", key
        )
    }
    make_vars = f"VENV={sys.prefix} LOCK={ROOT}/requirements/dev.lock PORT={port}"
    server = subprocess.Popen(  # noqa: S603 - the README's own command
        ["bash", "-c", f"{serve} {make_vars}"],  # noqa: S607
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            assert time.monotonic() < deadline, "make run was not ready within 120 s"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        script = calls.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        result = subprocess.run(  # noqa: S603 - the README's own commands
            ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)  # make, and the server it started
        server.wait(timeout=30)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "app.db").is_file(), "make run migrated ./data/app.db"
    out = result.stdout
    assert re.search(r'"name":"Vienna".*"total":7', out), out
    # Retries and concurrent edits: one site for two keyed creates, 304, then 200 and 412.
    assert re.findall(r"HTTP/1\.1 (\d+)", out) == ["201", "201"], out
    assert len(set(re.findall(r"(?im)^location: (\S+)", out))) == 1, out
    assert len(re.findall(r"(?im)^idempotent-replayed: true", out)) == 1, out
    assert re.search(r'(?m)^304\n200\n\{.*"code":"precondition_failed"', out), out
