"""The in-memory tables: rows keyed by id, one dict per table, for one process.

Every read and write of a repository is a few dict operations with no ``await``
between checking and writing: on one event loop they cannot interleave, so a
uniqueness check and the insert it guards are atomic, as in a database.
"""

from __future__ import annotations

import uuid
from typing import Any

Table = dict[uuid.UUID, Any]


class MemoryStore:
    """Named tables, created on first use; the data lives as long as the object."""

    def __init__(self) -> None:
        self._tables: dict[str, Table] = {}

    def table(self, name: str) -> Table:
        return self._tables.setdefault(name, {})

    def clear(self) -> None:
        """Empty every table (tests start each scenario from nothing)."""
        for table in self._tables.values():
            table.clear()
