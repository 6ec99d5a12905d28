"""Generated routers, one module per tag; do not edit."""

TAGS = ("auth", "health", "members", "organizations", "sites", "users")
