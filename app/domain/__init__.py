"""The vocabulary every layer speaks, with no I/O: errors, roles and permissions, the principal,
pages, and the spec's operations and validators as Python values."""
