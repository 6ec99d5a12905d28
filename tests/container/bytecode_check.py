"""Run inside the image: every module the app imports must come with its bytecode, so a worker
on a read-only root filesystem never compiles anything at start. Prints what lacks it; exit 1."""

import importlib.util
import os
import sys

import app.main  # noqa: F401 - imported for the modules it loads

missing = []
for name, module in sorted(sys.modules.items()):
    source = getattr(module, "__file__", None) or ""
    if source.endswith(".py") and not os.path.exists(importlib.util.cache_from_source(source)):
        missing.append(f"{name} ({source})")
print(f"{len(sys.modules)} modules loaded, {len(missing)} without bytecode")
print("\n".join(missing[:20]))
sys.exit(1 if missing else 0)
