"""`make bench` and `make bench-scale`: throughput against a bare FastAPI app, and list latency
at 10k and 1M rows. Loopback only, bounded in time, never part of CI's pass/fail."""
