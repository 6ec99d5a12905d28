"""A local scale-out cluster of real engines on loopback: 3 API instances (2 uvicorn workers
each) behind HAProxy, PgBouncer in transaction mode in front of PostgreSQL, and a private Redis.
`make cluster` serves it until Ctrl-C; tests/cluster drives it (restarts, crashes, outages)."""
