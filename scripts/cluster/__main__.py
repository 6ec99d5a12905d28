"""`make cluster`: start the cluster, print where it is, serve until Ctrl-C, stop everything.

CLUSTER_DATABASE_URL names the PostgreSQL database (created when missing, migrated at start;
default: orgsites_cluster on the local server); CLUSTER_PORT_BASE moves every port (24000)."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from scripts.cluster.layout import Layout, Ports
from scripts.cluster.supervisor import Cluster

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/orgsites_cluster"


def main() -> int:
    layout = Layout(
        database_url=os.environ.get("CLUSTER_DATABASE_URL", DEFAULT_DATABASE),
        run_dir=Path(tempfile.mkdtemp(prefix="orgsites-cluster-")),
        ports=Ports(int(os.environ.get("CLUSTER_PORT_BASE", "24000"))),
    )
    cluster = Cluster(layout)
    # Ctrl-C and SIGTERM both end the wait below; the processes are stopped in order after it.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        print(f"starting the cluster in {layout.run_dir} ...", flush=True)
        cluster.start()
        print(cluster.describe(), flush=True)
        print(f"\nserving on {layout.url} - Ctrl-C stops everything", flush=True)
        while all(process.running for process in cluster.processes()):
            time.sleep(1)
        stopped = [p.name for p in cluster.processes() if not p.running]
        print(f"{', '.join(stopped)} stopped by itself; stopping the cluster", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping the cluster ...", flush=True)
        cluster.stop()
        shutil.rmtree(layout.run_dir, ignore_errors=True)
        return 0
    finally:
        cluster.stop()  # after a failure: the logs stay in the run directory


if __name__ == "__main__":
    sys.exit(main())
