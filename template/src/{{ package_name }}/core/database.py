"""Engine, session factory and the one transaction scope every unit of work uses.

Every wait on the database is bounded: connecting, each statement, waiting for a
pooled connection and, on SQLite, waiting for the write lock.  Whatever goes
wrong leaves this module as one of the errors of ``core.errors``.

The pool holds a fixed number of connections, opened once and kept: a request
beyond them waits for one (bounded by the pool timeout) instead of opening a
connection that is thrown away afterwards.  A read-only unit of work runs its
statements without BEGIN and COMMIT round trips (``session_scope``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from weakref import WeakKeyDictionary

import structlog
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .errors import (
    AppError,
    ConflictError,
    DatabaseUnavailableError,
    InvalidDataError,
    RepositoryError,
)

logger = structlog.get_logger(__name__)

# An execution option: this connection's transaction writes (on SQLite: BEGIN IMMEDIATE).
WRITE = "write"
# An execution option: this connection only reads, each statement on its own (no BEGIN).
READ_ONLY = "read_only"
# Connections older than this are replaced when next checked out (servers and proxies
# close idle connections; a dead one found in use is a 503 and the pool is refreshed).
POOL_RECYCLE_SECONDS = 1800

# SQLSTATE classes: 22 data exception (the value cannot be stored), and the ones
# that mean "try again later": 08 connection, 40 rollback (deadlock, serialization),
# 53 insufficient resources, 57 operator intervention (shutdown, statement timeout).
_INVALID_DATA_SQLSTATES = ("22",)
_UNAVAILABLE_SQLSTATES = ("08", "40", "53", "57")
# SQLite failures of the file itself: the connection is replaced, not reused.
_SQLITE_FILE_ERRORS = ("SQLITE_CANTOPEN", "SQLITE_CORRUPT", "SQLITE_IOERR", "SQLITE_NOTADB")
# SQLite result codes that mean "try again later" (a syntax error or a missing
# table, SQLITE_ERROR, is a bug and stays a plain RepositoryError).
_SQLITE_UNAVAILABLE = (
    *_SQLITE_FILE_ERRORS,
    "SQLITE_BUSY",
    "SQLITE_FULL",
    "SQLITE_LOCKED",
    "SQLITE_READONLY",
)
_TRANSIENT = (OSError, TimeoutError, PoolTimeoutError, DisconnectionError)
_DATABASE = "the database"


def create_engine(
    database_url: str,
    *,
    echo: bool = False,
    pool_size: int | None = None,
    timeout: float = 5.0,
    statement_timeout: float | None = None,
    pool_timeout: float = 10.0,
    create_missing_file: bool = False,
    **options: Any,
) -> AsyncEngine:
    """An async engine for ``database_url`` whose every wait is bounded.

    ``timeout`` bounds connecting and, on SQLite, waiting for the write lock;
    ``statement_timeout`` bounds each statement on a server database (``None``:
    no limit, for migrations); ``pool_timeout`` bounds waiting for a pooled
    connection and, on SQLite, for this process's turn to write.
    ``pool_size`` is the number of connections kept open (no overflow: a busy pool
    queues requests, bounded by ``pool_timeout``).  A SQLite file must exist
    unless ``create_missing_file`` (migrations create it; the service does not,
    so a deleted file is an outage rather than a new, empty database).
    """
    url = make_url(database_url)
    is_sqlite = url.get_backend_name() == "sqlite"
    path = _database_file(url) if is_sqlite else None
    if "poolclass" not in options and (not is_sqlite or path is not None):
        # A queue pool (not NullPool, not in-memory SQLite): a fixed set of connections.
        options["pool_timeout"] = pool_timeout
        options["pool_recycle"] = POOL_RECYCLE_SECONDS
        options["max_overflow"] = 0
        if pool_size is not None:
            options["pool_size"] = pool_size
    if is_sqlite:
        if path is not None and not create_missing_file:
            url = _existing_file_only(url, path)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": timeout}, **options)
        _install_sqlite_behaviour(engine.sync_engine, path)
        _SQLITE_WRITERS[engine.sync_engine] = _Writers(timeout=pool_timeout)
        return engine
    if url.get_driver_name() == "asyncpg":
        options["connect_args"] = _asyncpg_timeouts(timeout, statement_timeout)
    # No pre-ping (a round trip per checkout): a connection that died while pooled fails
    # its request with a 503, and SQLAlchemy then replaces every connection of the pool.
    return create_async_engine(url, echo=echo, **options)


def _asyncpg_timeouts(timeout: float, statement_timeout: float | None) -> dict[str, Any]:
    """The server cancels a slow statement; the client gives up one second later
    (a server that stopped answering)."""
    if statement_timeout is None:
        return {"timeout": timeout}
    return {
        "timeout": timeout,
        "command_timeout": statement_timeout + 1,
        "server_settings": {"statement_timeout": str(round(statement_timeout * 1000))},
    }


def _install_sqlite_behaviour(engine: Engine, path: str | None) -> None:
    """Real transactions, write-ahead logging, Unicode ``lower`` and a file check.

    The sqlite3 driver opens transactions lazily and commits on its own before
    DDL, which breaks SAVEPOINT; turning that off and emitting BEGIN ourselves
    gives SQLite the same transactions as the other databases (SQLAlchemy's
    documented fix).  A writing transaction begins IMMEDIATE: it takes the write
    lock up front, waiting up to the busy timeout, instead of failing halfway.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        if path is not None:
            connection_record.info["file"] = _file_identity(path)

    @event.listens_for(engine, "checkout")
    def _on_checkout(_dbapi: Any, connection_record: Any, _proxy: Any) -> None:
        # In WAL mode SQLite keeps writing to a file that was deleted or replaced:
        # the data would be lost.  Reconnect instead, to whatever is there now.
        if path is not None and connection_record.info.get("file") != _file_identity(path):
            msg = f"the database file {path} was moved, deleted or replaced"
            raise DisconnectionError(msg)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(READ_ONLY, False):
            return  # each statement is its own transaction: a consistent read in WAL mode
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE, False) else "BEGIN")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        name = getattr(context.original_exception, "sqlite_errorname", "")
        if name.startswith(_SQLITE_FILE_ERRORS):
            context.is_disconnect = True


def _database_file(url: URL) -> str | None:
    """The file a SQLite URL names; ``None`` for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("uri"):
        return None
    return os.path.abspath(database)


def _existing_file_only(url: URL, path: str) -> URL:
    """The same database as a SQLite URI that opens it read-write but never creates it."""
    return url.set(database=f"file:{quote(path)}", query={**url.query, "mode": "rw", "uri": "true"})


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _unicode_lower(value: object) -> object:
    """SQLite's own ``lower`` knows ASCII only: ``lower('Ü')`` stays ``'Ü'``."""
    return value.lower() if isinstance(value, str) else value


@dataclass
class _Writers:
    """SQLite has one writer at a time.  Writers of this process queue here, first
    come first served, instead of polling the file lock from pooled connections."""

    timeout: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self.timeout):
                await self.lock.acquire()
        except TimeoutError:
            msg = f"the database is busy: no turn to write within {self.timeout:g} s"
            raise DatabaseUnavailableError(msg) from None
        try:
            yield
        finally:
            self.lock.release()


_SQLITE_WRITERS: WeakKeyDictionary[Engine, _Writers] = WeakKeyDictionary()


def _writers_of(session: AsyncSession) -> _Writers | None:
    bind = session.bind
    if isinstance(bind, AsyncEngine):
        return _SQLITE_WRITERS.get(bind.sync_engine)
    return None


def _read_only_options(session: AsyncSession) -> dict[str, Any] | None:
    """How a session of the engine reads without a transaction; None when bound elsewhere
    (a test's connection, already inside its transaction)."""
    bind = session.bind
    if not isinstance(bind, AsyncEngine):
        return None
    if bind.dialect.name == "sqlite":
        return {READ_ONLY: True}
    # Under READ COMMITTED every statement sees its own snapshot anyway: autocommit
    # saves the BEGIN and COMMIT round trips and changes nothing a reader can see.
    return {"isolation_level": "AUTOCOMMIT"}


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(
    factory: async_sessionmaker[AsyncSession],
    *,
    write: bool = True,
) -> AsyncIterator[AsyncSession]:
    """One transaction: commit when the block succeeds, roll back when it raises.

    A writing transaction takes SQLite's write lock before its first statement;
    a read-only one (``write=False``) never waits for writers and runs each
    statement on its own, without BEGIN and COMMIT round trips (a page and its
    total are then two reads, as they are under PostgreSQL's READ COMMITTED).
    Failures to begin, commit or roll back become ``core.errors`` like the
    repositories' own.
    """
    async with factory() as session:
        writers = _writers_of(session) if write else None
        options = {WRITE: True} if write else _read_only_options(session)
        async with writers.turn() if writers else nullcontext():
            if options:
                async with translate_database_errors(_DATABASE):
                    await session.connection(execution_options=options)
            try:
                yield session
            except BaseException:
                async with translate_database_errors(_DATABASE):
                    await session.rollback()
                raise
            async with translate_database_errors(_DATABASE):
                await session.commit()


async def dispose_engine(engine: AsyncEngine, *, within: float) -> None:
    """Close the pool's connections, giving up after ``within`` seconds (a dead server)."""
    try:
        async with asyncio.timeout(within):
            await engine.dispose()
    except TimeoutError:
        logger.warning("closing the database connections timed out", timeout_seconds=within)


@asynccontextmanager
async def translate_database_errors(subject: str) -> AsyncIterator[None]:
    """Turn database exceptions raised in the block into ``core.errors``."""
    try:
        yield
    except AppError:
        raise
    except (SQLAlchemyError, OSError, TimeoutError, OverflowError) as error:
        raise classify(error, subject) from error


def classify(error: BaseException, subject: str) -> AppError:
    """Which of our errors a database exception is: whose fault, and is it worth a retry?"""
    if isinstance(error, IntegrityError):
        return ConflictError(f"{subject} conflicts with an existing record")
    causes = list(_causes(error))
    states = _codes(causes, "sqlstate")
    if any(isinstance(cause, OverflowError) for cause in causes) or any(
        state.startswith(_INVALID_DATA_SQLSTATES) for state in states
    ):
        return InvalidDataError("a value is out of range or cannot be stored")
    if _is_unavailable(error, causes, states):
        return DatabaseUnavailableError("the database is unavailable; try again later")
    return RepositoryError(f"database error while accessing {subject}")


def _is_unavailable(error: BaseException, causes: list[BaseException], states: list[str]) -> bool:
    if getattr(error, "connection_invalidated", False):
        return True
    if any(isinstance(cause, _TRANSIENT) for cause in causes):
        return True
    if any(state.startswith(_UNAVAILABLE_SQLSTATES) for state in states):
        return True
    sqlite_codes = _codes(causes, "sqlite_errorname")
    if sqlite_codes:
        return any(code.startswith(_SQLITE_UNAVAILABLE) for code in sqlite_codes)
    return isinstance(error, OperationalError | InterfaceError)


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error``, the driver's exception it wraps, and what that was raised from."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__


def _codes(causes: list[BaseException], attribute: str) -> list[str]:
    """The drivers' error codes: asyncpg's ``sqlstate``, sqlite3's ``sqlite_errorname``."""
    return [code for cause in causes if isinstance(code := getattr(cause, attribute, None), str)]
