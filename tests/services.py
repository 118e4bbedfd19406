"""The real services a rendered project's own tests talk to, provisioned per combination.

Which services a combination needs is not decided here: ``services(answers)`` of
``extensions/options.py`` names them (each option row's ``harness_service``), and
``tests/matrix.py`` reads it for the harness (``services_of``) and for the
GitHub matrix (each job starts only those containers).  ``SERVICES`` maps each
name to a provisioner: a context manager that gets a label unique to the
combination and yields the environment variables the project's commands get
(``DATABASE_URL``...).  Each combination gets its own isolation on the shared
servers so parallel runs never collide: a database (a unique name, dropped
afterwards) on PostgreSQL and MariaDB/MySQL, a key prefix (its keys deleted
afterwards) on Redis, a vhost (deleted afterwards) on RabbitMQ.

Where a service lives is read from the environment, so CI can point elsewhere:

========================  ==============================================
``HARNESS_POSTGRES_URL``  ``postgresql://postgres@127.0.0.1:5432/postgres``
``HARNESS_MYSQL_URL``     ``mysql://root@127.0.0.1:3306/mysql``
``HARNESS_REDIS_URL``     ``redis://127.0.0.1:6379``
``HARNESS_AMQP_URL``      ``amqp://guest:guest@127.0.0.1:5672/``
``HARNESS_RABBITMQ_API``  unset: ``http://<user>:<password>@<host>:15672``
                          of ``HARNESS_AMQP_URL`` if it answers, else
                          ``rabbitmqctl``
========================  ==============================================

To add a service: name it in an option row of extensions/options.py, write a
provisioner here and add it to ``SERVICES`` under that name, and give the
``combination`` job of .github/workflows/ci.yml its container; docs/harness.md
walks through it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

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


# -- Redis ---------------------------------------------------------------------------------------


def _glob_escape(text: str) -> str:
    """``text`` as a literal in a Redis ``MATCH`` pattern."""
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)


def delete_keys(client: Any, prefix: str, batch: int = 500) -> int:
    """Delete every key starting with ``prefix`` (``SCAN`` + ``DEL``, never ``FLUSHDB``); how many."""
    deleted = 0
    keys: list[bytes] = []
    for key in client.scan_iter(match=_glob_escape(prefix) + "*", count=batch):
        keys.append(key)
        if len(keys) >= batch:
            deleted += int(client.delete(*keys))
            keys.clear()
    if keys:
        deleted += int(client.delete(*keys))
    return deleted


@contextmanager
def redis_database(label: str) -> Iterator[dict[str, str]]:
    """A key prefix of its own on the Redis server: ``h_<label>_<random>:``, its keys deleted afterwards.

    Not a logical database number: there are 16 of them, shared by every run on the server. The
    project's tests get the server (``TEST_BROKER_URL``, as ``HARNESS_REDIS_URL`` gives it) and the
    prefix (``TEST_QUEUE_PREFIX``) every queue name and key they make starts with (the generated
    worker tests name their queues ``<TEST_QUEUE_PREFIX>test-<random>``).
    """
    import redis

    url = service_url("HARNESS_REDIS_URL", "redis://127.0.0.1:6379")
    prefix = unique_name(label) + ":"
    client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
    try:
        client.ping()
    except (OSError, redis.exceptions.RedisError) as error:
        client.close()
        raise RuntimeError(f"Redis is not reachable at {url} (set HARNESS_REDIS_URL): {error}") from error
    try:
        yield {"TEST_BROKER_URL": url, "TEST_QUEUE_PREFIX": prefix}
    finally:
        try:
            delete_keys(client, prefix)
        finally:
            client.close()


# -- RabbitMQ ------------------------------------------------------------------------------------

# Where rabbitmqctl is looked for when it is not on PATH (Debian/Ubuntu's rabbitmq-server package).
RABBITMQCTL_FALLBACK = "/usr/sbin/rabbitmqctl"


@dataclass(frozen=True)
class _Amqp:
    url: str
    host: str
    port: int
    user: str
    password: str

    @classmethod
    def parse(cls, url: str) -> _Amqp:
        parts = urlsplit(url)
        return cls(
            url=url,
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (5671 if parts.scheme == "amqps" else 5672),
            user=unquote(parts.username or "guest"),
            password=unquote(parts.password or "guest"),
        )

    def with_vhost(self, vhost: str) -> str:
        # The vhost is the whole path, percent-encoded ("/" itself would be "%2F").
        return _with_path(self.url, quote(vhost, safe=""))


class _ManagementApi:
    """Vhosts through the management plugin's HTTP API (``HARNESS_RABBITMQ_API``)."""

    def __init__(self, base: str, amqp: _Amqp) -> None:
        parts = urlsplit(base)
        netloc = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or ""
        self.base = urlunsplit((parts.scheme, netloc, parts.path, "", "")).rstrip("/")  # no credentials
        self.name = f"the management API at {self.base}"
        user = unquote(parts.username) if parts.username else amqp.user
        password = unquote(parts.password) if parts.password else amqp.password
        self.authorization = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def _request(self, method: str, path: str, body: object = None, missing_ok: bool = False) -> None:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", self.authorization)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30):
                pass
        except urllib.error.HTTPError as error:
            if not (missing_ok and error.code == 404):
                raise RuntimeError(f"{method} {path}: HTTP {error.code} {error.reason}") from error

    def answers(self) -> bool:
        try:
            self._request("GET", "/api/overview")
        except (OSError, RuntimeError):
            return False
        return True

    def add(self, vhost: str, user: str) -> None:
        self._request("PUT", f"/api/vhosts/{quote(vhost, safe='')}", {})
        self._request(
            "PUT",
            f"/api/permissions/{quote(vhost, safe='')}/{quote(user, safe='')}",
            {"configure": ".*", "write": ".*", "read": ".*"},
        )

    def delete(self, vhost: str) -> None:
        self._request("DELETE", f"/api/vhosts/{quote(vhost, safe='')}", missing_ok=True)


class _Rabbitmqctl:
    """Vhosts through ``rabbitmqctl`` on this machine (needs the node's Erlang cookie: usually root)."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.name = executable

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [self.executable, "-q", *args], capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            output = (result.stderr or result.stdout).strip().splitlines()
            raise RuntimeError(f"rabbitmqctl {args[0]} exited {result.returncode}: {' '.join(output[-3:])}")

    def add(self, vhost: str, user: str) -> None:
        self._run("add_vhost", vhost)
        self._run("set_permissions", "-p", vhost, user, ".*", ".*", ".*")

    def delete(self, vhost: str) -> None:
        self._run("delete_vhost", vhost)


def _rabbitmqctl() -> str | None:
    found = shutil.which("rabbitmqctl")
    if found:
        return found
    return RABBITMQCTL_FALLBACK if os.access(RABBITMQCTL_FALLBACK, os.X_OK) else None


async def _amqp_check(url: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(url, timeout=10)
    await connection.close()


@contextmanager
def rabbitmq_vhost(label: str) -> Iterator[dict[str, str]]:
    """A vhost of its own on the RabbitMQ server (``h_<label>_<random>``), deleted afterwards.

    Made through the management API when ``HARNESS_RABBITMQ_API`` is set or the default one
    (port 15672 of ``HARNESS_AMQP_URL``'s host) answers, else through ``rabbitmqctl`` (on PATH or
    /usr/sbin), which only reaches a node on this machine.  The user of ``HARNESS_AMQP_URL`` gets
    every permission on it; the project gets ``AMQP_URL``, the same URL with the vhost as its path,
    and the same again as ``TEST_BROKER_URL`` (the broker its tests use, as with Redis; a vhost
    needs no queue prefix).
    """
    amqp = _Amqp.parse(service_url("HARNESS_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"))
    try:
        socket.create_connection((amqp.host, amqp.port), timeout=10).close()
    except OSError as error:
        raise RuntimeError(f"RabbitMQ is not reachable at {amqp.url} (set HARNESS_AMQP_URL): {error}") from error

    api_url = os.environ.get("HARNESS_RABBITMQ_API", "")
    backends: list[_ManagementApi | _Rabbitmqctl] = []
    tried: list[str] = []
    if api_url:
        backends.append(_ManagementApi(api_url, amqp))
    else:
        default_api = _ManagementApi(f"http://{amqp.host}:15672", amqp)
        if default_api.answers():
            backends.append(default_api)
        else:
            tried.append(f"HARNESS_RABBITMQ_API: unset and nothing answers at {default_api.base}")
    ctl = _rabbitmqctl()
    if ctl is None:
        tried.append(f"rabbitmqctl: not on PATH nor at {RABBITMQCTL_FALLBACK}")
    elif amqp.host not in {"127.0.0.1", "localhost", "::1"}:
        tried.append(f"rabbitmqctl: only reaches this machine, not {amqp.host}")
    else:
        backends.append(_Rabbitmqctl(ctl))

    vhost = unique_name(label)
    for backend in backends:
        try:
            backend.add(vhost, amqp.user)
        except (OSError, RuntimeError, subprocess.SubprocessError) as error:
            tried.append(f"{backend.name}: {error}")
            with suppress(OSError, RuntimeError, subprocess.SubprocessError):
                backend.delete(vhost)  # whatever the failed attempt left
            continue
        try:
            url = amqp.with_vhost(vhost)
            try:
                asyncio.run(_amqp_check(url))
            except Exception as error:
                raise RuntimeError(
                    f"RabbitMQ vhost {vhost} made through {backend.name} but {amqp.url} cannot open it: {error}"
                ) from error
            yield {"AMQP_URL": url, "TEST_BROKER_URL": url}
        finally:
            backend.delete(vhost)
        return
    raise RuntimeError(
        f"cannot make a RabbitMQ vhost for {amqp.url}: set HARNESS_RABBITMQ_API to the management API "
        "(http://user:password@host:15672) or run the harness where rabbitmqctl works (" + "; ".join(tried) + ")"
    )


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
    "redis": redis_database,
    "rabbitmq": rabbitmq_vhost,
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
