"""The encrypted store: SQLModel tables in a SQLCipher database, its wrapped keys, and the repository facade.

Nothing here imports Textual: the store is usable from plain Python (see examples/headless.py).
"""

SCHEMA_VERSION = 3
"""The schema this program writes. A store at a lower version is migrated on open; a higher one refused."""
