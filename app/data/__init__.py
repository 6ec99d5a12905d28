"""The database: engine and sessions, the unit of work, reads, pools, ORM models, repositories
and cursors. No HTTP types."""
