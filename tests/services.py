"""The real services a rendered project's own tests talk to, provisioned per combination.

``SERVICES`` is the one table: each entry names the answers that need it and a
provisioner that yields the environment variables the project's pytest gets
(``DATABASE_URL``...).  Each combination gets its own database (a unique name,
dropped afterwards) so parallel runs never collide.

Where a service lives is read from the environment, so CI can point elsewhere:

========================  ==============================================
``HARNESS_POSTGRES_URL``  ``postgresql://postgres@127.0.0.1:5432/postgres``
``HARNESS_MYSQL_URL``     ``mysql://root@127.0.0.1:3306/mysql``
``HARNESS_REDIS_URL``     ``redis://127.0.0.1:6379``
``HARNESS_AMQP_URL``      ``amqp://guest:guest@127.0.0.1:5672/``
========================  ==============================================

To add a service: write a provisioner (a context manager taking the
combination's unique name and yielding env vars) and add a ``Service`` row;
docs/harness.md walks through it.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from tests.matrix import Combination, format_value

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
    admin_url = service_url("HARNESS_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = unique_name(label)
    try:
        asyncio.run(_postgres_admin(admin_url, f'CREATE DATABASE "{name}"'))
    except OSError as error:
        raise RuntimeError(f"PostgreSQL is not reachable at {admin_url} (set HARNESS_POSTGRES_URL): {error}") from error
    try:
        url = _with_path(admin_url, name, scheme="postgresql+asyncpg")
        # The service's own database, and the server its tests create their databases on.
        yield {"DATABASE_URL": url, "TEST_DATABASE_URL": url}
    finally:
        asyncio.run(_postgres_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """A service a combination needs when any of ``answers`` matches it.

    ``answers`` maps a question to the values that need the service (for a
    multi-select question, any selected value).
    """

    name: str
    answers: Mapping[str, frozenset[str]]
    provision: Provisioner

    def needed_by(self, combination: Combination) -> bool:
        for question, values in self.answers.items():
            answer = combination.get(question)
            if answer is None:
                continue
            chosen = {format_value(item) for item in answer} if isinstance(answer, tuple) else {format_value(answer)}
            if chosen & values:
                return True
        return False


SERVICES: tuple[Service, ...] = (
    Service("postgresql", {"database": frozenset({"postgresql"})}, postgres_database),
    # Later options add one row each, e.g.:
    # Service("mariadb", {"database": frozenset({"mysql"})}, mysql_database),  -> mysql+asyncmy://...
    # Service("redis", {"cache": frozenset({"redis"}), "tasks": frozenset({"arq"})}, redis_database),
    # Service("rabbitmq", {"broker": frozenset({"rabbitmq"})}, rabbitmq_vhost),
)


def services_for(combination: Combination, table: tuple[Service, ...] = SERVICES) -> list[Service]:
    return [service for service in table if service.needed_by(combination)]


@contextmanager
def provisioned(combination: Combination, table: tuple[Service, ...] = SERVICES) -> Iterator[dict[str, str]]:
    """Provision every service ``combination`` needs; yield the merged environment for its tests."""
    env: dict[str, str] = {}
    with ExitStack() as stack:
        for service in services_for(combination, table):
            env.update(stack.enter_context(service.provision(combination.id)))
        yield env
