"""The benchmark helpers that compute what the performance notes quote: py-spy's collapsed
stacks summarized by package and by own samples, and ratios to a reference within each round."""

from __future__ import annotations

from scripts.bench.load import Result
from scripts.bench.profile import package_of, summarize
from scripts.bench.run import interleaved

COLLAPSED = """\
main (app/main.py:1);handle (fastapi/routing.py:10);query (psycopg/cursor.py:5) 30
main (app/main.py:1);handle (fastapi/routing.py:10) 10
main (app/main.py:1);send (uvicorn/protocols/http/h.py:3) 60
"""


def test_frames_belong_to_their_package() -> None:
    assert package_of("query (psycopg/cursor.py:5)") == "psycopg"
    assert package_of("f (/x/site-packages/fastapi/routing.py:1)") == "fastapi"
    assert package_of("run (threading.py:9)") is None


def test_the_summary_counts_packages_inclusively_and_frames_by_own_samples() -> None:
    lines = summarize(COLLAPSED, top=2).splitlines()
    assert lines[0] == "100 samples"
    assert "  app            100.0%" in lines
    assert "  uvicorn         60.0%" in lines
    assert "  fastapi         40.0%" in lines
    assert lines[-2:] == [
        "   60.0%  send (uvicorn/protocols/http/h.py)",
        "   30.0%  query (psycopg/cursor.py)",
    ]


def test_each_read_is_compared_with_its_reference_in_the_same_round() -> None:
    rounds = iter([100.0, 50.0, 40.0, 200.0, 50.0, 100.0])

    def run() -> Result:
        return Result(next(rounds), 1.0, 2.0, 0)

    summary = interleaved({"bare": run, "read": run, "ref": run}, 2, "bare", {"read": "ref"})
    assert summary["read"]["reference_ratio_per_round"] == [50.0 / 40.0, 50.0 / 100.0]
    assert summary["read"]["ratio_per_round"] == [0.5, 0.25]
    assert summary["read"]["reference"] == "ref"


def test_the_profiler_and_the_runtime_comparison_take_their_documented_arguments() -> None:
    """The commands docs/performance.md gives parse as written (running them needs wrk, py-spy
    and a second Python environment, which CI does not have)."""
    from scripts.bench import profile, runtimes

    assert profile.parser().parse_args(["--request", "get one site"]).request == "get one site"
    other = "/tmp/fastapi-0.141/bin/python"  # noqa: S108 - the docs' example path, not opened
    assert runtimes.parser().parse_args([other]).pythons == [other]
