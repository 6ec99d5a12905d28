"""`make sdk` and `make sdk-check`: the client SDKs a client team would generate, with each
generator's default settings, and a full scenario through each against a live server.

    python scripts/sdk.py generate   # build/sdk/: Python, openapi-typescript, hey-api; tsc --strict
    python scripts/sdk.py check      # generate, serve (SDK_DATABASE_URL, default SQLite), run

Generators (pinned): openapi-python-client from requirements/dev.lock; openapi-typescript,
openapi-fetch, @hey-api/openapi-ts and typescript from tools/package-lock.json. The input is each
version's spec as served: generated/openapi.json (v1: every generator and its scenarios, as
before v2) and generated/v2/openapi.json (v2: the Python SDK and its scenario,
tools/sdk/v2/scenario_python.py, and the openapi-typescript types, compiled with tsc --strict).
build/ is not committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.live_api import BIN, ROOT, serving

SPEC = ROOT / "generated" / "openapi.json"
BUILD = ROOT / "build" / "sdk"
PYTHON_SDK = BUILD / "python"
TYPESCRIPT = BUILD / "typescript"
TOOLS = ROOT / "tools"
NODE_BIN = TOOLS / "node_modules" / ".bin"
SCENARIOS = TOOLS / "sdk"
SPEC_V2 = ROOT / "generated" / "v2" / "openapi.json"
BUILD_V2 = BUILD / "v2"
PYTHON_SDK_V2 = BUILD_V2 / "python"


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    """Run a tool; stop with its name when it fails."""
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(
            f"{Path(str(command[0])).name} failed with exit status {result.returncode}"
        )


def generate() -> None:
    """Every SDK into build/sdk, and the TypeScript ones compiled with tsc --strict."""
    if not NODE_BIN.is_dir():
        raise SystemExit("tools/node_modules is missing: run `make tools` (npm ci in tools/)")
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    # openapi-python-client formats its output with ruff, which it looks up on PATH.
    env = os.environ | {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run(BIN / "openapi-python-client", "generate", "--path", SPEC, "--output-path", PYTHON_SDK,
        env=env)  # fmt: skip
    TYPESCRIPT.mkdir()
    run(
        NODE_BIN / "openapi-typescript",
        SPEC,
        "-o",
        TYPESCRIPT / "openapi-typescript" / "schema.d.ts",
    )
    run(NODE_BIN / "openapi-ts", "-i", SPEC, "-o", TYPESCRIPT / "hey-api")
    for source in [*sorted(SCENARIOS.glob("*.ts")), SCENARIOS / "tsconfig.json"]:
        shutil.copyfile(source, TYPESCRIPT / source.name)
    (TYPESCRIPT / "node_modules").symlink_to(TOOLS / "node_modules", target_is_directory=True)
    run(NODE_BIN / "tsc", "-p", TYPESCRIPT / "tsconfig.json", "--strict")
    run(BIN / "openapi-python-client", "generate", "--path", SPEC_V2, "--output-path",
        PYTHON_SDK_V2, env=env)  # fmt: skip
    types_v2 = BUILD_V2 / "typescript" / "schema.d.ts"
    run(NODE_BIN / "openapi-typescript", SPEC_V2, "-o", types_v2)
    run(NODE_BIN / "tsc", "--strict", "--noEmit", "--skipLibCheck", types_v2)
    print(
        f"SDKs written to {BUILD.relative_to(ROOT)}/ (v2's in {BUILD_V2.relative_to(ROOT)}/)"
        " and compiled"
    )


def check() -> None:
    """Generate, then run each scenario against one live server."""
    generate()
    with serving(
        os.environ.get("SDK_DATABASE_URL"), log=ROOT / "reports" / "sdk-server.log"
    ) as api:
        env = os.environ | {
            "SDK_BASE_URL": api.base,
            "SDK_ADMIN_EMAIL": api.admin_email,
            "SDK_ADMIN_PASSWORD": api.admin_password,
        }
        run(
            sys.executable,
            SCENARIOS / "scenario_python.py",
            env=env | {"PYTHONPATH": str(PYTHON_SDK)},
        )
        for scenario in ("openapi-fetch", "hey-api"):
            run("node", TYPESCRIPT / "out" / f"scenario-{scenario}.js", env=env)
        run(
            sys.executable,
            SCENARIOS / "v2" / "scenario_python.py",
            env=env | {"PYTHONPATH": str(PYTHON_SDK_V2)},
        )
    print("every SDK scenario passed")


def main() -> int:
    """CLI entry point."""
    commands = {"generate": generate, "check": check}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    commands[sys.argv[1]]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
