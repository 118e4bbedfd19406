"""The generated service's database work written by hand against the driver (no ORM, no layers).

``BENCH_DATABASE_URL`` (``sqlite:///path`` or ``postgresql://...``) and ``BENCH_TABLE`` (the
generated table) select what it reads and writes; rows have the generated columns
``id, name, description, created_at, updated_at``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

URL = os.environ.get("BENCH_DATABASE_URL", "sqlite:///./bench.sqlite3")
TABLE = os.environ.get("BENCH_TABLE", "items")
COLUMNS = "id, name, description, created_at, updated_at"
POOL_SIZE = 10
# Rows the benchmark seeded are named "seed-..."; the rows its create runs add are removed
# after each run (DELETE /rows/created), so every round reads a table of the same size.
SEEDED = "seed-"


class NewRow(BaseModel):
    name: str
    description: str | None = None


class Database(Protocol):
    async def fetch_one(self, row_id: uuid.UUID) -> Mapping[str, Any] | None: ...
    async def fetch_page(self, limit: int, offset: int) -> tuple[Sequence[Mapping[str, Any]], int]: ...
    async def insert(self, row: NewRow) -> Mapping[str, Any]: ...
    async def forget_unseeded(self) -> None: ...
    async def close(self) -> None: ...


def _record(values: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(("id", "name", "description", "created_at", "updated_at"), values, strict=True))


class Postgres:
    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str) -> Postgres:
        import asyncpg

        return cls(await asyncpg.create_pool(url, min_size=POOL_SIZE, max_size=POOL_SIZE))

    async def fetch_one(self, row_id: uuid.UUID) -> Mapping[str, Any] | None:
        row = await self.pool.fetchrow(f"SELECT {COLUMNS} FROM {TABLE} WHERE id = $1", row_id)
        return None if row is None else _record(tuple(row))

    async def fetch_page(self, limit: int, offset: int) -> tuple[Sequence[Mapping[str, Any]], int]:
        async with self.pool.acquire() as connection:
            total = await connection.fetchval(f"SELECT count(*) FROM {TABLE}")
            rows = await connection.fetch(
                f"SELECT {COLUMNS} FROM {TABLE} ORDER BY created_at, id LIMIT $1 OFFSET $2", limit, offset
            )
        return [_record(tuple(row)) for row in rows], total

    async def insert(self, row: NewRow) -> Mapping[str, Any]:
        now = datetime.now(UTC)
        values = (uuid.uuid4(), row.name, row.description, now, now)
        await self.pool.execute(f"INSERT INTO {TABLE} ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)", *values)
        return _record(values)

    async def forget_unseeded(self) -> None:
        await self.pool.execute(f"DELETE FROM {TABLE} WHERE name NOT LIKE '{SEEDED}%'")

    async def close(self) -> None:
        await self.pool.close()


def _sqlite_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format


class SQLite:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, path: str) -> SQLite:
        import aiosqlite

        return cls(await aiosqlite.connect(path))

    def _row(self, values: Sequence[Any]) -> dict[str, Any]:
        record = _record(values)
        record["id"] = uuid.UUID(record["id"])
        return record

    async def fetch_one(self, row_id: uuid.UUID) -> Mapping[str, Any] | None:
        cursor = await self.connection.execute(f"SELECT {COLUMNS} FROM {TABLE} WHERE id = ?", (row_id.hex,))
        row = await cursor.fetchone()
        return None if row is None else self._row(row)

    async def fetch_page(self, limit: int, offset: int) -> tuple[Sequence[Mapping[str, Any]], int]:
        cursor = await self.connection.execute(f"SELECT count(*) FROM {TABLE}")
        (total,) = await cursor.fetchone()
        cursor = await self.connection.execute(
            f"SELECT {COLUMNS} FROM {TABLE} ORDER BY created_at, id LIMIT ? OFFSET ?", (limit, offset)
        )
        return [self._row(row) for row in await cursor.fetchall()], total

    async def insert(self, row: NewRow) -> Mapping[str, Any]:
        now = datetime.now(UTC)
        row_id = uuid.uuid4()
        stored = (row_id.hex, row.name, row.description, _sqlite_time(now), _sqlite_time(now))
        await self.connection.execute(f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?)", stored)
        await self.connection.commit()
        return _record((row_id, row.name, row.description, now, now))

    async def forget_unseeded(self) -> None:
        await self.connection.execute(f"DELETE FROM {TABLE} WHERE name NOT LIKE '{SEEDED}%'")
        await self.connection.commit()

    async def close(self) -> None:
        await self.connection.close()


async def open_database(url: str) -> Database:
    if url.startswith("sqlite"):
        return await SQLite.open(url.split(":///", 1)[1])
    return await Postgres.open(url)


state: dict[str, Database] = {}


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    state["db"] = await open_database(URL)
    yield
    await state.pop("db").close()


app = FastAPI(lifespan=lifespan)


@app.get("/rows/{row_id}")
async def get_row(row_id: uuid.UUID) -> Mapping[str, Any]:
    row = await state["db"].fetch_one(row_id)
    if row is None:
        raise HTTPException(status_code=404)
    return row


@app.get("/rows")
async def list_rows(limit: int = 20, offset: int = 0) -> dict[str, Any]:
    rows, total = await state["db"].fetch_page(limit, offset)
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@app.post("/rows", status_code=201)
async def create_row(row: NewRow) -> Mapping[str, Any]:
    return await state["db"].insert(row)


@app.delete("/rows/created", status_code=204)
async def forget_created_rows() -> None:
    await state["db"].forget_unseeded()
