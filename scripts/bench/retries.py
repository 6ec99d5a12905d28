"""What safe retries cost (issue 23): this checkout against another (the code before it), in
interleaved rounds on the same machine, each on a database of its own migrated by its own code:

    git worktree add ../base main
    .venv/bin/python -m scripts.bench.retries ../base

Three requests, each measured with wrk: a GET of one site (this checkout computes its ETag), a
POST creating a site without an Idempotency-Key, and one with a fresh key per request (the base
ignores the header: its figure is a plain POST). Prints each side's req/s (median over the
rounds), the median of the per-round ratios this checkout / base, and the load average.
BENCH_DATABASE_URL is not used: the two schemas differ, so each side gets a SQLite file.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import httpx

from scripts.bench.servers import Server, serve, service_env

ADMIN = {"email": "retries-bench@example.com", "password": "retries-bench-password-1"}
POST_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
counter = 0
local keyed = %(keyed)s
request = function()
  counter = counter + 1
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "%(auth)s"}
  if keyed then headers["Idempotency-Key"] = "NONCE-" .. id .. "-" .. counter end
  return wrk.format("POST", nil, headers, '{"name": "Bench", "timezone": "Europe/Berlin"}')
end
"""
"""wrk's Lua: a POST creating a site; keyed, every request has a key of its own (thread and
counter, under a nonce per run), so none is a replay."""


def migrate(root: Path, url: str) -> None:
    """`alembic upgrade head` of the checkout at root, on url."""
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=root,
        env=os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(root)},
        check=True,
        capture_output=True,
    )


def seed(server: Server) -> tuple[str, str, str]:
    """Sign in as the first superadmin, create an organization and a site: auth, org, site."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        token = client.post("/api/v1/auth/login", json=ADMIN).json()["data"]["access_token"]
        auth = f"Bearer {token}"
        headers = {"Authorization": auth}
        org = client.post("/api/v1/organizations", json={"name": "Bench"}, headers=headers)
        org_id = org.json()["data"]["id"]
        site = client.post(
            f"/api/v1/organizations/{org_id}/sites",
            json={"name": "Bench", "timezone": "Europe/Berlin"},
            headers=headers,
        )
        return auth, org_id, site.json()["data"]["id"]


def wrk(url: str, seconds: float, connections: int, script: str | None, auth: str) -> float:
    """Requests per second of 2xx answers (wrk counts non-2xx separately: none are expected)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", url]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script is not None:
            lua.write(script.replace("NONCE", secrets.token_hex(8)))
            lua.flush()
            command += ["-s", lua.name]
        else:
            command += ["-H", f"Authorization: {auth}"]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    if "Non-2xx" in output:
        raise RuntimeError(f"non-2xx answers:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return float(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", type=Path, help="the other checkout (e.g. a git worktree)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    sides = {"base": args.base.resolve(), "this": Path(__file__).resolve().parents[2]}
    rps: dict[str, dict[str, list[float]]] = {}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        targets = {}
        for side, root in sides.items():
            url = f"sqlite+aiosqlite:///{tmp}/{side}.db"
            migrate(root, url)
            env = service_env(
                url,
                SECRET_KEY=secrets.token_urlsafe(48),
                FIRST_SUPERUSER_EMAIL=ADMIN["email"],
                FIRST_SUPERUSER_PASSWORD=ADMIN["password"],
            )
            server = stack.enter_context(serve("app.main:app", env, root=root))
            auth, org_id, site_id = seed(server)
            sites = f"{server.url}/api/v1/organizations/{org_id}/sites"
            targets[side] = {
                "GET one site (ETag)": (f"{sites}/{site_id}", None),
                "POST site, no key": (sites, POST_SCRIPT % {"keyed": "false", "auth": auth}),
                "POST site, with key": (sites, POST_SCRIPT % {"keyed": "true", "auth": auth}),
            }
            targets[side]["auth"] = (auth, None)
        for name in ("GET one site (ETag)", "POST site, no key", "POST site, with key"):
            rps[name] = {side: [] for side in sides}
            for round_number in range(1, args.rounds + 1):
                for side in sides:
                    url, script = targets[side][name]
                    auth = targets[side]["auth"][0]
                    rps[name][side].append(wrk(url, args.seconds, args.connections, script, auth))
                print(
                    f"{name} round {round_number}: "
                    + ", ".join(f"{s} {rps[name][s][-1]:.0f}" for s in sides),
                    flush=True,
                )
    print(f"\n{'request':22} {'base req/s':>11} {'this req/s':>11} {'this/base':>10}")
    for name, figures in rps.items():
        ratios = [new / old for new, old in zip(figures["this"], figures["base"], strict=True)]
        print(
            f"{name:22} {statistics.median(figures['base']):11.0f}"
            f" {statistics.median(figures['this']):11.0f} {statistics.median(ratios):10.3f}"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
