"""/metrics of a real uvicorn with two workers (the image's command, PROMETHEUS_MULTIPROC_DIR
as the image sets it): whichever worker answers a scrape reports every worker's requests, per
operationId; and each request's JSON log line can be found by its request id."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.observability.metrics import FLUSH_SECONDS
from tests.deploy.files import image_cmd
from tests.deploy.server import environment, for_loopback, migrated_sqlite, serving
from tests.live_server import free_port
from tests.metrics_scrape import Samples, difference, parse, value

Mix = dict[tuple[str, str, str], int]
"""Requests sent: (operationId, method, status class) -> how many."""
REQUESTS = "orgsites_http_requests_total"
SCRAPES = 8


def call(url: str, method: str = "GET", body: bytes | None = None, request_id: str = "") -> int:
    headers = {"Content-Type": "application/json"} if body else {}
    if request_id:
        headers["X-Request-ID"] = request_id
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def scrape(base: str) -> Samples:
    with urllib.request.urlopen(f"{base}/metrics", timeout=30) as response:  # noqa: S310
        return parse(response.read().decode())


def send_mix(base: str) -> Mix:
    """Known requests, eight at a time, so both workers take some."""
    login = json.dumps({"email": "nobody@example.com", "password": "wrong-password"}).encode()
    plan = (
        [("getLiveness", "GET", f"{base}/health/live", None, 200)] * 40
        + [("getReadiness", "GET", f"{base}/health/ready", None, 200)] * 12
        + [("unmatched", "GET", f"{base}/no/such/path", None, 404)] * 9
        + [("getCurrentUser", "GET", f"{base}/api/v1/users/me", None, 401)] * 7
        + [("login", "POST", f"{base}/api/v1/auth/login", login, 401)] * 5
    )
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda p: call(p[2], p[1], p[3]), plan))
    assert statuses == [p[4] for p in plan]
    mix: Mix = {}
    for operation, method, _, _, status in plan:
        key = (operation, method, f"{status // 100}xx")
        mix[key] = mix.get(key, 0) + 1
    return mix


def workers_with_counts(directory: Path) -> set[str]:
    """The workers whose files count requests of the mix (each worker writes its own)."""
    return {
        path.stem
        for path in directory.glob("worker-*.json")
        if '"getLiveness"' in path.read_text() or '"getReadiness"' in path.read_text()
    }


def served(after: Samples, before: Samples) -> dict[frozenset[tuple[str, str]], float]:
    """The requests counted between two scrapes, the scrapes themselves left out (a worker's
    count of the scrapes it served reaches the other worker's answers up to a second later)."""
    grown = difference(after, before, REQUESTS)
    return {labels: n for labels, n in grown.items() if ("operation", "metrics") not in labels}


def test_every_scrape_of_two_workers_reports_all_requests_by_operation_id(
    tmp_path: Path,
) -> None:
    port = free_port()
    directory = tmp_path / "metrics"
    env = environment(
        migrated_sqlite(tmp_path),
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(directory),
        LOG_FORMAT="json",
    )
    log = tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    with serving(for_loopback(image_cmd(), port), env, log):
        time.sleep(2 * FLUSH_SECONDS)  # the readiness polls of start-up, written by both workers
        before = scrape(base)
        mix = send_mix(base)
        for _ in range(10):  # the kernel may hand one worker every connection of a round
            time.sleep(2 * FLUSH_SECONDS)
            if len(workers_with_counts(directory)) >= 2:
                break
            with ThreadPoolExecutor(8) as pool:
                assert set(pool.map(call, [base + "/health/live"] * 40)) == {200}
            mix[("getLiveness", "GET", "2xx")] += 40
        assert len(workers_with_counts(directory)) == 2
        assert call(base + "/health/live", request_id="look-for-me-42") == 200
        mix[("getLiveness", "GET", "2xx")] += 1
        expected = {
            frozenset({"operation": op, "method": m, "status_class": c}.items()): float(n)
            for (op, m, c), n in mix.items()
        }
        deadline = time.monotonic() + 10 * FLUSH_SECONDS
        while served(scrape(base), before) != expected and time.monotonic() < deadline:
            time.sleep(FLUSH_SECONDS / 4)  # each worker writes its values every FLUSH_SECONDS
        time.sleep(2 * FLUSH_SECONDS)  # seen by one worker: now written by both
        for _ in range(SCRAPES):  # served by either worker, each scrape sees everything
            after = scrape(base)
            assert served(after, before) == expected
            logins = value(after, "orgsites_logins_total", outcome="invalid_credentials")
            assert (
                logins - value(before, "orgsites_logins_total", outcome="invalid_credentials") == 5
            )
            # This scrape, and another the other worker was serving when it last wrote its file.
            assert value(after, "orgsites_http_requests_in_flight") in (1, 2)
            assert value(after, "orgsites_db_pool_size", pool="orm") == 2 * 15  # both workers
            (build,) = difference(after, {}, "orgsites_build_info").values()
            assert build == 1
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    (found,) = [line for line in lines if line.get("request_id") == "look-for-me-42"]
    assert (found["operation"], found["status"], found["route"]) == (
        "getLiveness",
        200,
        "/health/live",
    )
    assert sum(line.get("logger") == "app.requests" for line in lines) >= sum(mix.values())
