"""The image's CMD and HEALTHCHECK run for real (only host and port changed), with two workers."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.deploy.files import ROOT, healthcheck_cmd, image_cmd
from tests.deploy.server import (
    EXIT_TIMEOUT,
    environment,
    for_loopback,
    get,
    local,
    migrated_sqlite,
    serving,
)
from tests.live_server import free_port


def _healthcheck(port: int) -> int:
    command = [part.replace(":8000/", f":{port}/") for part in healthcheck_cmd()]
    return subprocess.run(  # noqa: S603 - the image's own health check
        local(command), cwd=ROOT, capture_output=True, timeout=60, check=False
    ).returncode


def test_the_image_command_serves_with_web_concurrency_workers_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = environment(migrated_sqlite(tmp_path), WEB_CONCURRENCY="2")
    log = tmp_path / "server.log"
    with serving(for_loopback(image_cmd(), port), env, log) as server:
        base = f"http://127.0.0.1:{port}"
        assert get(f"{base}/health/live") == 200
        assert get(f"{base}/health/ready") == 200
        assert _healthcheck(port) == 0
        server.terminate()
        assert server.wait() == 0
    assert _healthcheck(port) != 0
    output = log.read_text()
    assert "Started parent process" in output
    assert output.count("Started server process") == 2
    assert output.count("database connections closed") == 2
    assert output.count("Finished server process") == 2


def test_the_image_command_refuses_production_with_anonymous_metrics(tmp_path: Path) -> None:
    env = environment(migrated_sqlite(tmp_path), APP_ENV="production")
    process = subprocess.Popen(  # noqa: S603 - the image's own command
        local(for_loopback(image_cmd(), free_port())),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=EXIT_TIMEOUT)
    finally:
        if process.poll() is None:  # the old code served /metrics to anyone: stop it
            process.kill()
            process.wait()
    assert process.returncode != 0
    assert "METRICS_TOKEN must be set when APP_ENV=production" in output
