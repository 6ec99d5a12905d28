"""The metrics' own bookkeeping: histogram buckets, and how a scrape adds up the files of several
workers (live and gone, and an earlier process with the same pid)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.observability.metrics import LATENCY_BUCKETS, METRIC_NAMES, SPECS, Metrics, Values
from tests.metrics_scrape import Samples, parse, requests, value


def gone_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(process.stdout)


def other_worker(directory: Path, pid: int, requests_served: int, in_flight: int) -> None:
    """The file another worker would have written."""
    values = Values()
    values.add("orgsites_http_requests", ("getSite", "GET", "2xx"), requests_served)
    values.observe("orgsites_http_request_duration_seconds", ("getSite", "GET", "2xx"), 0.02)
    values.set("orgsites_http_requests_in_flight", (), in_flight)
    values.set("orgsites_build_info", ("1.0.0", "abc"), 1)
    (directory / f"worker-{pid}.json").write_text(json.dumps(values.dump()))


def retired_files(directory: Path) -> int:
    return len(list(directory.glob("retired-*.json")))


def own_file(directory: Path) -> dict[str, list[list[object]]]:
    loaded: dict[str, list[list[object]]] = json.loads(
        (directory / f"worker-{os.getpid()}.json").read_text()
    )
    return loaded


def scrape(metrics: Metrics) -> Samples:
    return parse(metrics.expose().decode())


def test_a_value_on_a_bound_counts_in_that_bucket_and_above_the_last_in_inf() -> None:
    metrics = Metrics(version="1.0.0", revision="abc")
    for seconds in (0.005, 0.0051, 99.0):
        metrics.request("getSite", "GET", 200, seconds)
    samples = scrape(metrics)
    bucket = "orgsites_http_request_duration_seconds_bucket"
    labels = {"operation": "getSite", "method": "GET", "status_class": "2xx"}
    assert value(samples, bucket, **labels, le="0.005") == 1
    assert value(samples, bucket, **labels, le="0.01") == 2
    assert value(samples, bucket, **labels, le=str(LATENCY_BUCKETS[-1])) == 2
    assert value(samples, bucket, **labels, le="+Inf") == 3
    assert value(samples, "orgsites_http_request_duration_seconds_sum", **labels) == pytest.approx(
        99.0101
    )
    assert requests(samples, "getSite", "GET", "2xx") == 3


def test_every_exported_name_is_listed() -> None:
    metrics = Metrics(version="1.0.0", revision="abc")
    metrics.request("getSite", "GET", 200, 0.1)
    metrics.pool("orm", size=3).waited(0.1)
    for name in (
        "orgsites_database_unavailable",
        "orgsites_logins",
        "orgsites_rate_limit_rejections",
    ):
        metrics.values.add(name, ("x",) * len(SPECS[name].labels))
    exported = {
        name.removesuffix("_bucket").removesuffix("_count").removesuffix("_sum")
        for name, _ in scrape(metrics)
    }
    assert exported == METRIC_NAMES


def test_a_scrape_adds_up_every_workers_file(
    tmp_path: Path,
) -> None:
    metrics = Metrics(version="1.0.0", revision="abc", directory=str(tmp_path))
    metrics.request("getSite", "GET", 200, 0.01)
    metrics.in_flight[0] += 1
    other_worker(tmp_path, pid=1, requests_served=5, in_flight=2)  # pid 1 is alive
    other_worker(tmp_path, pid=gone_pid(), requests_served=7, in_flight=4)
    samples = scrape(metrics)
    assert requests(samples, "getSite", "GET", "2xx") == 1 + 5 + 7  # a gone worker's totals hold
    assert value(samples, "orgsites_http_requests_in_flight") == 1 + 2  # its gauges do not
    assert value(samples, "orgsites_build_info", version="1.0.0", revision="abc") == 1
    count = "orgsites_http_request_duration_seconds_count"
    assert value(samples, count, operation="getSite", method="GET", status_class="2xx") == 3


async def test_a_reused_pid_retires_the_earlier_file_and_stop_writes_the_last_values(
    tmp_path: Path,
) -> None:
    other_worker(tmp_path, pid=os.getpid(), requests_served=4, in_flight=3)  # a crashed process
    metrics = Metrics(version="1.0.0", revision="abc", directory=str(tmp_path))
    assert retired_files(tmp_path) == 1
    metrics.start()
    metrics.request("getSite", "GET", 200, 0.01)
    samples = scrape(metrics)
    assert requests(samples, "getSite", "GET", "2xx") == 5
    assert value(samples, "orgsites_http_requests_in_flight") == 0
    await metrics.stop()
    written = own_file(tmp_path)
    assert written["orgsites_http_requests"] == [[["getSite", "GET", "2xx"], [1.0]]]


def test_files_that_are_not_a_workers_are_ignored(
    tmp_path: Path,
) -> None:
    (tmp_path / "worker-12-x.json").write_text("not json")
    (tmp_path / "worker-13.json").write_text(json.dumps({"retired_metric": [[[], [1.0]]]}))
    metrics = Metrics(version="1.0.0", revision="abc")
    assert value(scrape(metrics), "orgsites_build_info", version="1.0.0", revision="abc") == 1


async def test_a_worker_that_cannot_write_its_file_keeps_serving_and_says_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("app.observability.metrics.FLUSH_SECONDS", 0.02)
    directory = tmp_path / "metrics"
    metrics = Metrics(version="1.0.0", revision="abc", directory=str(directory))
    metrics.start()
    remove(directory)  # the volume went away (or filled up)
    await asyncio.sleep(0.2)
    assert metrics._flushing is not None and not metrics._flushing.done()
    failures = [r for r in caplog.records if "cannot write this worker's metrics" in r.message]
    assert len(failures) == 1
    metrics.request("getSite", "GET", 200, 0.01)
    # Its own scrape still works, reporting what is on disk only: a count a SIGKILL could take
    # back is never reported (the next scrape would go down).
    assert requests(scrape(metrics), "getSite", "GET", "2xx") == 0
    make(directory)
    await asyncio.sleep(0.2)
    assert requests(scrape(metrics), "getSite", "GET", "2xx") == 1
    assert any("written to" in r.message and "again" in r.message for r in caplog.records)
    await metrics.stop()
    assert own_file(directory)["orgsites_http_requests"] == [[["getSite", "GET", "2xx"], [1.0]]]


def remove(directory: Path) -> None:
    shutil.rmtree(directory)


def make(directory: Path) -> None:
    directory.mkdir()
