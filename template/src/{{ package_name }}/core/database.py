"""Engine, session factory and the one transaction scope every unit of work uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(
    database_url: str,
    *,
    echo: bool = False,
    pool_size: int | None = None,
    **options: Any,
) -> AsyncEngine:
    """An async engine for ``database_url``; SQLite gets real transactions and foreign keys.

    ``pool_size`` applies to server databases only (SQLite pools per file).
    """
    url = make_url(database_url)
    is_sqlite = url.get_backend_name() == "sqlite"
    if pool_size is not None and not is_sqlite:
        options["pool_size"] = pool_size
    engine = create_async_engine(url, echo=echo, pool_pre_ping=True, **options)
    if is_sqlite:
        _install_sqlite_transaction_fix(engine)
    return engine


def _install_sqlite_transaction_fix(engine: AsyncEngine) -> None:
    """SQLAlchemy's documented fix for pysqlite/aiosqlite transactions.

    The sqlite3 driver opens transactions lazily and commits on its own before
    DDL, which breaks SAVEPOINT (and so the rolled-back test transactions).
    Turning the driver's handling off and emitting BEGIN ourselves gives
    SQLite the same transaction behaviour as the other databases.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: commit when the block succeeds, roll back when it raises."""
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()
