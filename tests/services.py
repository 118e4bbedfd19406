"""The real services a rendered project's own tests talk to, provisioned per combination.

Which services a combination needs is not decided here: ``services(answers)`` of
``extensions/options.py`` names them (each option row's ``harness_service``), and
``tests/matrix.py`` reads it for the harness (``services_of``) and for the
GitHub matrix (each job starts only those containers).  ``SERVICES`` maps each
name to a provisioner: a context manager that gets a label unique to the
combination and yields the environment variables the project's commands get
(``DATABASE_URL``...).  Each combination gets its own database (a unique name,
dropped afterwards) so parallel runs never collide.

Where a service lives is read from the environment, so CI can point elsewhere:

========================  ==============================================
``HARNESS_POSTGRES_URL``  ``postgresql://postgres@127.0.0.1:5432/postgres``
``HARNESS_MYSQL_URL``     ``mysql://root@127.0.0.1:3306/mysql``
``HARNESS_REDIS_URL``     ``redis://127.0.0.1:6379``
``HARNESS_AMQP_URL``      ``amqp://guest:guest@127.0.0.1:5672/``
========================  ==============================================

To add a service: name it in an option row of extensions/options.py, write a
provisioner here and add it to ``SERVICES`` under that name, and give the
``combination`` job of .github/workflows/ci.yml its container; docs/harness.md
walks through it.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from tests.matrix import Combination, services_of

Provisioner = Callable[[str], AbstractContextManager[dict[str, str]]]


def service_url(name: str, default: str) -> str:
    return os.environ.get(name, default)


def unique_name(label: str) -> str:
    """A database name unique to this combination and run: ``h_<label>_<random>`` (max 63 chars)."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    return f"h_{slug[:40]}_{uuid.uuid4().hex[:12]}"


def _with_path(url: str, path: str, scheme: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme or parts.scheme, parts.netloc, "/" + path, parts.query, parts.fragment))


# -- PostgreSQL ----------------------------------------------------------------------------------


async def _postgres_admin(admin_url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def postgres_database(label: str) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database, dropped (``WITH (FORCE)``) afterwards."""
    with throwaway_database(
        label,
        ServerDatabase(
            server="PostgreSQL",
            variable="HARNESS_POSTGRES_URL",
            default_url="postgresql://postgres@127.0.0.1:5432/postgres",
            scheme="postgresql+asyncpg",
            create='CREATE DATABASE "{name}"',
            drop='DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            run=_postgres_admin,
        ),
    ) as env:
        yield env


# -- MariaDB / MySQL ---------------------------------------------------------------------------


async def _mysql_admin(admin_url: str, statement: str) -> None:
    import asyncmy

    parts = urlsplit(admin_url)
    connection = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        connect_timeout=10,
    )
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(statement)
    finally:
        await connection.ensure_closed()


@contextmanager
def mysql_database(label: str) -> Iterator[dict[str, str]]:
    """A fresh MariaDB/MySQL database (``utf8mb4``, binary collation), dropped afterwards."""
    import asyncmy.errors

    with throwaway_database(
        label,
        ServerDatabase(
            server="MariaDB/MySQL",
            variable="HARNESS_MYSQL_URL",
            default_url="mysql://root@127.0.0.1:3306/mysql",
            scheme="mysql+asyncmy",
            create="CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            drop="DROP DATABASE IF EXISTS `{name}`",
            run=_mysql_admin,
            unreachable=(OSError, asyncmy.errors.OperationalError),
        ),
    ) as env:
        yield env


# -- one throwaway database on a server ----------------------------------------------------------


@dataclass(frozen=True)
class ServerDatabase:
    """How to make and drop a database on one kind of server (``{name}`` in the statements)."""

    server: str
    variable: str
    default_url: str
    scheme: str
    create: str
    drop: str
    run: Callable[[str, str], Coroutine[Any, Any, None]]
    unreachable: tuple[type[BaseException], ...] = (OSError,)


@contextmanager
def throwaway_database(label: str, kind: ServerDatabase) -> Iterator[dict[str, str]]:
    """A database of its own for ``label`` on the server ``kind.variable`` names, dropped afterwards.

    Yields the service's own ``DATABASE_URL`` and the ``TEST_DATABASE_URL`` its tests create their
    databases on.
    """
    admin_url = service_url(kind.variable, kind.default_url)
    name = unique_name(label)
    try:
        asyncio.run(kind.run(admin_url, kind.create.format(name=name)))
    except kind.unreachable as error:
        raise RuntimeError(f"{kind.server} is not reachable at {admin_url} (set {kind.variable}): {error}") from error
    try:
        url = _with_path(admin_url, name, scheme=kind.scheme)
        yield {"DATABASE_URL": url, "TEST_DATABASE_URL": url}
    finally:
        asyncio.run(kind.run(admin_url, kind.drop.format(name=name)))


# -- the table -----------------------------------------------------------------------------------

# Service name (as extensions/options.py's ``services`` names it) -> provisioner.
SERVICES: Mapping[str, Provisioner] = {
    "postgresql": postgres_database,
    "mysql": mysql_database,
    # Later options add one entry each, e.g. "redis": redis_database, "rabbitmq": rabbitmq_vhost.
}


def services_for(combination: Combination, table: Mapping[str, Provisioner] = SERVICES) -> list[str]:
    """The names of the services ``combination`` needs, each one ``table`` can provision."""
    needed = services_of(combination)
    missing = [name for name in needed if name not in table]
    if missing:
        raise LookupError(
            f"{combination.id} needs {', '.join(missing)} (extensions/options.py), "
            "which tests/services.py cannot provision: add it to SERVICES"
        )
    return needed


@contextmanager
def provisioned(combination: Combination, table: Mapping[str, Provisioner] = SERVICES) -> Iterator[dict[str, str]]:
    """Provision every service ``combination`` needs; yield the merged environment for its tests."""
    env: dict[str, str] = {}
    with ExitStack() as stack:
        for name in services_for(combination, table):
            env.update(stack.enter_context(table[name](combination.id)))
        yield env
