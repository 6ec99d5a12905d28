"""Data access: all SQL lives in these repositories; they flush, the unit of work commits."""
