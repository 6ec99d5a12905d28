"""The service: one folder per concern, each importing only the ones below it (docs/architecture.md,
checked by `make lint`): contract (the route runtime), edge (HTTP), access (callers and limits),
data (the database), observability, config and domain (the shared vocabulary)."""
