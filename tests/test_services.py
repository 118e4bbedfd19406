"""The services table: which combinations need what (extensions/options.py), and real isolation per combination.

A database of its own on PostgreSQL and MariaDB/MySQL, a key prefix on Redis, a vhost on RabbitMQ.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aio_pika
import aio_pika.exceptions
import asyncmy
import asyncpg
import pytest
import redis
import yaml

from tests import services
from tests.matrix import ROOT, Combination, options_module
from tests.services import (
    SERVICES,
    delete_keys,
    mysql_database,
    postgres_database,
    provisioned,
    rabbitmq_vhost,
    redis_database,
    service_url,
    services_for,
    unique_name,
)

MYSQL_ADMIN_DEFAULT = "mysql://root@127.0.0.1:3306/mysql"


def test_services_follow_the_answers() -> None:
    postgres = Combination.of({"database": "postgresql", "python_version": "3.12"})
    mysql = Combination.of({"database": "mysql", "orm": "sqlmodel", "python_version": "3.12"})
    sqlite = Combination.of({"database": "sqlite", "python_version": "3.12"})
    in_memory = Combination.of({"orm": "none", "python_version": "3.12"})
    assert services_for(postgres) == ["postgresql"]
    assert services_for(mysql) == ["mysql"]
    assert services_for(sqlite) == []
    assert services_for(in_memory) == [], "orm=none needs no database"


def test_every_service_an_option_names_has_a_provisioner() -> None:
    options = options_module()
    named = {row.harness_service for row in options.DATABASES.values() if row.harness_service}
    assert {"postgresql", "mysql"} <= named
    assert named <= set(SERVICES), "a service extensions/options.py names is provisioned here"
    for name, provision in SERVICES.items():
        assert callable(provision), name


def test_provisioned_merges_the_provisioners_environments() -> None:
    calls: list[str] = []

    @contextmanager
    def fake(label: str) -> Iterator[dict[str, str]]:
        calls.append(label)
        yield {"DATABASE_URL": "mysql+asyncmy://example/db"}
        calls.append("released")

    combination = Combination.of({"database": "mysql", "python_version": "3.12"})
    with provisioned(combination, {"mysql": fake}) as env:
        assert env == {"DATABASE_URL": "mysql+asyncmy://example/db"}
    assert calls == [combination.id, "released"]
    with provisioned(Combination.of({"database": "sqlite"}), {}) as env:
        assert env == {}


def test_a_service_without_a_provisioner_fails_loudly() -> None:
    with pytest.raises(LookupError, match="mysql"):
        services_for(Combination.of({"database": "mysql"}), {"postgresql": postgres_database})
    with pytest.raises(LookupError, match="add it to SERVICES"), provisioned(Combination.of({"database": "mysql"}), {}):
        pass


def test_unique_names_are_valid_and_distinct() -> None:
    label = "database=postgresql-python_version=3.12-" + "x" * 80
    names = {unique_name(label) for _ in range(20)}
    assert len(names) == 20
    for name in names:
        assert len(name) <= 63  # PostgreSQL 63, MySQL 64
        assert name.replace("_", "").isalnum()
        assert name == name.lower()


# -- PostgreSQL ----------------------------------------------------------------------------------


async def _databases(url: str) -> set[str]:
    connection = await asyncpg.connect(url)
    try:
        return {row["datname"] for row in await connection.fetch("SELECT datname FROM pg_database")}
    finally:
        await connection.close()


def test_postgres_database_is_fresh_and_dropped() -> None:
    admin = service_url("HARNESS_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with postgres_database("harness-self-test") as env, postgres_database("harness-self-test") as other:
        url = env["DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://")
        assert url != other["DATABASE_URL"], "two combinations never share a database"
        name = url.rsplit("/", 1)[1]
        assert name in asyncio.run(_databases(admin))
        plain = url.replace("postgresql+asyncpg://", "postgresql://")
        assert asyncio.run(_databases(plain)), "the project can connect with the URL it is given"
    assert name not in asyncio.run(_databases(admin)), "dropped afterwards"


# -- MariaDB / MySQL -----------------------------------------------------------------------------


async def _mysql(url: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run ``statements`` on the database of ``url`` (``mysql://`` or ``mysql+asyncmy://``); the last one's rows."""
    parts = urlsplit(url)
    connection = await asyncmy.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=parts.path.lstrip("/") or None,
        connect_timeout=10,
    )
    rows: list[tuple[Any, ...]] = []
    try:
        async with connection.cursor() as cursor:
            for statement in statements:
                await cursor.execute(statement)
                rows = list(await cursor.fetchall())
        await connection.commit()
    finally:
        await connection.ensure_closed()
    return rows


def _mysql_databases() -> set[str]:
    admin = service_url("HARNESS_MYSQL_URL", MYSQL_ADMIN_DEFAULT)
    return {str(row[0]) for row in asyncio.run(_mysql(admin, "SHOW DATABASES"))}


def test_mysql_database_is_fresh_usable_and_dropped() -> None:
    admin = urlsplit(service_url("HARNESS_MYSQL_URL", MYSQL_ADMIN_DEFAULT))
    with mysql_database("harness-self-test") as env, mysql_database("harness-self-test") as other:
        url = env["DATABASE_URL"]
        assert env["TEST_DATABASE_URL"] == url, "the project's tests create their databases on the same server"
        assert url.startswith("mysql+asyncmy://")
        parts = urlsplit(url)
        assert (parts.username, parts.password, parts.hostname, parts.port) == (
            admin.username,
            admin.password,
            admin.hostname,
            admin.port,
        ), "the account and server of HARNESS_MYSQL_URL"
        assert url != other["DATABASE_URL"], "two combinations never share a database"
        name = parts.path.lstrip("/")
        assert re.fullmatch(r"h_harness_self_test_[0-9a-f]{12}", name)
        assert name in _mysql_databases()
        charset = asyncio.run(
            _mysql(
                url,
                "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
                f"WHERE SCHEMA_NAME = '{name}'",
            )
        )
        assert charset == [("utf8mb4", "utf8mb4_bin")]
        rows = asyncio.run(
            _mysql(
                url,
                "CREATE TABLE item (id INT PRIMARY KEY, name VARCHAR(50))",
                "INSERT INTO item VALUES (1, 'Äpfel'), (2, 'äpfel')",
                "SELECT name FROM item WHERE name = 'äpfel'",
            )
        )
        assert rows == [("äpfel",)], "usable with the URL it is given; binary collation tells case apart"
    assert name not in _mysql_databases(), "dropped afterwards"


def _fail_inside_a_mysql_database(created: list[str]) -> None:
    with mysql_database("harness-self-test-failing") as env:
        created.append(env["DATABASE_URL"].rsplit("/", 1)[1])
        assert created[0] in _mysql_databases()
        raise ZeroDivisionError


def test_mysql_database_is_dropped_when_the_body_fails() -> None:
    created: list[str] = []
    with pytest.raises(ZeroDivisionError):
        _fail_inside_a_mysql_database(created)
    assert created
    assert created[0] not in _mysql_databases()


def test_an_unreachable_mysql_server_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_MYSQL_URL", "mysql://root@127.0.0.1:1/mysql")
    expected = r"not reachable at mysql://root@127\.0\.0\.1:1/mysql \(set HARNESS_MYSQL_URL\)"
    with pytest.raises(RuntimeError, match=expected), mysql_database("harness-self-test-unreachable"):
        pytest.fail("no database without a server")


# -- Redis ---------------------------------------------------------------------------------------


def _redis() -> redis.Redis:
    return redis.Redis.from_url(service_url("HARNESS_REDIS_URL", "redis://127.0.0.1:6379"))


def test_redis_prefix_isolates_and_its_keys_are_deleted() -> None:
    client = _redis()
    outside = [unique_name("harness-self-test-outside"), unique_name("harness-self-test-outside") + ":kept"]
    try:
        client.set(outside[0], "kept")
        client.set(outside[1], "kept")
        with redis_database("harness-self-test") as env, redis_database("harness-self-test") as other:
            assert set(env) == {"TEST_BROKER_URL", "TEST_QUEUE_PREFIX"}
            assert env["TEST_BROKER_URL"] == service_url("HARNESS_REDIS_URL", "redis://127.0.0.1:6379"), "the server"
            prefix = env["TEST_QUEUE_PREFIX"]
            assert re.fullmatch(r"h_harness_self_test_[0-9a-f]{12}:", prefix)
            assert prefix != other["TEST_QUEUE_PREFIX"], "two combinations never share a prefix"
            project = redis.Redis.from_url(env["TEST_BROKER_URL"])
            pipe = project.pipeline(transaction=False)
            for number in range(1234):  # more than one SCAN/DEL batch
                pipe.set(f"{prefix}item:{number}", number)
            pipe.rpush(f"{prefix}queue", "job")
            pipe.set(other["TEST_QUEUE_PREFIX"] + "theirs", 1)
            pipe.set(prefix[:-1] + "x", "same text, no colon: not under the prefix")
            pipe.execute()
            project.close()
            assert client.get(f"{prefix}item:7") == b"7", "usable with the URL it is given"
            sibling = prefix[:-1] + "x"
        assert client.exists(sibling) == 1, "a key outside the prefix is untouched"
        assert list(client.scan_iter(match=prefix + "*")) == [], "every key under the prefix is deleted"
        assert list(client.scan_iter(match=other["TEST_QUEUE_PREFIX"] + "*")) == [], "the other's too, on its exit"
        assert client.get(outside[0]) == b"kept"
        assert client.get(outside[1]) == b"kept"
        client.delete(sibling)
    finally:
        client.delete(*outside)
        client.close()


def _fail_inside_a_redis_prefix(client: redis.Redis, prefixes: list[str]) -> None:
    with redis_database("harness-self-test-failing") as env:
        prefixes.append(env["TEST_QUEUE_PREFIX"])
        client.set(prefixes[0] + "left", 1)
        raise ZeroDivisionError


def test_redis_keys_are_deleted_when_the_body_fails() -> None:
    client = _redis()
    prefixes: list[str] = []
    with pytest.raises(ZeroDivisionError):
        _fail_inside_a_redis_prefix(client, prefixes)
    assert prefixes
    assert client.exists(prefixes[0] + "left") == 0
    client.close()


def test_delete_keys_takes_the_prefix_literally() -> None:
    client = _redis()
    base = unique_name("harness-self-test-glob")
    glob_like = f"{base}[ab]*?:"
    try:
        client.set(f"{glob_like}mine", 1)
        client.set(f"{base}a-not-mine", 1)  # would match [ab]* as a pattern
        assert delete_keys(client, glob_like) == 1
        assert client.exists(f"{base}a-not-mine") == 1
    finally:
        client.delete(f"{base}a-not-mine", f"{glob_like}mine")
        client.close()


def test_an_unreachable_redis_server_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_REDIS_URL", "redis://127.0.0.1:1")
    expected = r"Redis is not reachable at redis://127\.0\.0\.1:1 \(set HARNESS_REDIS_URL\)"
    with pytest.raises(RuntimeError, match=expected), redis_database("harness-self-test-unreachable"):
        pytest.fail("no prefix without a server")


# -- RabbitMQ ------------------------------------------------------------------------------------


async def _round_trip(url: str) -> bytes:
    """Declare a queue on the vhost of ``url``, publish one message to it and consume it."""
    connection = await aio_pika.connect(url, timeout=10)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue("harness-self-test", auto_delete=True)
        await channel.default_exchange.publish(aio_pika.Message(b"hello"), routing_key=queue.name)
        async with queue.iterator(timeout=10) as messages:
            async for message in messages:
                async with message.process():
                    return message.body
    raise AssertionError("no message")


async def _connect(url: str) -> None:
    connection = await aio_pika.connect(url, timeout=10)
    await connection.close()


def _vhost(url: str) -> str:
    return unquote(urlsplit(url).path[1:])


def test_rabbitmq_vhost_is_made_usable_and_deleted() -> None:
    amqp = service_url("HARNESS_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    with rabbitmq_vhost("harness-self-test") as env, rabbitmq_vhost("harness-self-test") as other:
        url = env["AMQP_URL"]
        assert set(env) == {"AMQP_URL", "TEST_BROKER_URL"}
        assert env["TEST_BROKER_URL"] == url, "the tests' broker is the vhost"
        assert re.fullmatch(r"h_harness_self_test_[0-9a-f]{12}", _vhost(url))
        assert urlsplit(url).netloc == urlsplit(amqp).netloc, "the account and server of HARNESS_AMQP_URL"
        assert url != other["AMQP_URL"], "two combinations never share a vhost"
        assert asyncio.run(_round_trip(url)) == b"hello", "declare, publish and consume on its own vhost"
    for gone in (url, other["AMQP_URL"]):
        with pytest.raises(aio_pika.exceptions.AMQPError):
            asyncio.run(_connect(gone))


def _fail_inside_a_vhost(urls: list[str]) -> None:
    with rabbitmq_vhost("harness-self-test-failing") as env:
        urls.append(env["AMQP_URL"])
        asyncio.run(_connect(urls[0]))
        raise ZeroDivisionError


def test_rabbitmq_vhost_is_deleted_when_the_body_fails() -> None:
    urls: list[str] = []
    with pytest.raises(ZeroDivisionError):
        _fail_inside_a_vhost(urls)
    assert urls
    with pytest.raises(aio_pika.exceptions.AMQPError):
        asyncio.run(_connect(urls[0]))


class _FakeManagementApi(BaseHTTPRequestHandler):
    """The management API's vhost and permission calls, done with rabbitmqctl; records each request."""

    requests: list[tuple[str, str, str, Any]]
    ctl: str
    env: dict[str, str]  # the test's PATH hides rabbitmqctl from the provisioner, not from this server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body: dict[str, str] = json.loads(self.rfile.read(length)) if length else {}
        auth = base64.b64decode(self.headers.get("Authorization", "Basic ").split()[1]).decode()
        self.requests.append((self.command, self.path, auth, body))
        parts = [unquote(part) for part in self.path.split("/")[2:]]
        if self.command == "GET" and parts == ["overview"]:
            command: list[str] = []
        elif self.command == "PUT" and parts[0] == "vhosts":
            command = ["add_vhost", parts[1]]
        elif self.command == "PUT" and parts[0] == "permissions":
            command = ["set_permissions", "-p", parts[1], parts[2], body["configure"], body["write"], body["read"]]
        elif self.command == "DELETE" and parts[0] == "vhosts":
            command = ["delete_vhost", parts[1]]
        else:
            self.send_response(404)
            self.end_headers()
            return
        if command:
            subprocess.run([self.ctl, "-q", *command], check=True, capture_output=True, timeout=120, env=self.env)
        self.send_response(204 if self.command == "DELETE" else 201)
        self.end_headers()

    do_GET = do_PUT = do_DELETE = _handle


def test_rabbitmq_vhost_through_the_management_api(monkeypatch: pytest.MonkeyPatch) -> None:
    ctl = services._rabbitmqctl()
    assert ctl, "rabbitmqctl does the fake API's work here"
    requests: list[tuple[str, str, str, Any]] = []
    handler = type("Handler", (_FakeManagementApi,), {"requests": requests, "ctl": ctl, "env": dict(os.environ)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("HARNESS_RABBITMQ_API", f"http://admin:s%40cret@127.0.0.1:{server.server_address[1]}")
        monkeypatch.setenv("PATH", "/nonexistent")
        monkeypatch.setattr(services, "RABBITMQCTL_FALLBACK", "/nonexistent/rabbitmqctl")
        with rabbitmq_vhost("harness-self-test-api") as env:
            vhost = _vhost(env["AMQP_URL"])
            assert asyncio.run(_round_trip(env["AMQP_URL"])) == b"hello"
        with pytest.raises(aio_pika.exceptions.AMQPError):
            asyncio.run(_connect(env["AMQP_URL"]))
    finally:
        server.shutdown()
        server.server_close()
    assert requests == [
        ("PUT", f"/api/vhosts/{vhost}", "admin:s@cret", {}),
        ("PUT", f"/api/permissions/{vhost}/guest", "admin:s@cret", {"configure": ".*", "write": ".*", "read": ".*"}),
        ("DELETE", f"/api/vhosts/{vhost}", "admin:s@cret", {}),
    ]


def test_an_unreachable_rabbitmq_server_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_AMQP_URL", "amqp://guest:guest@127.0.0.1:1/")
    expected = r"RabbitMQ is not reachable at amqp://guest:guest@127\.0\.0\.1:1/ \(set HARNESS_AMQP_URL\)"
    with pytest.raises(RuntimeError, match=expected), rabbitmq_vhost("harness-self-test-unreachable"):
        pytest.fail("no vhost without a server")


def test_no_way_to_make_a_vhost_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HARNESS_RABBITMQ_API", "http://guest:guest@127.0.0.1:1")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(services, "RABBITMQCTL_FALLBACK", str(tmp_path / "rabbitmqctl"))
    with (
        pytest.raises(RuntimeError, match=r"HARNESS_RABBITMQ_API.*rabbitmqctl") as error,
        rabbitmq_vhost("harness-self-test-no-backend"),
    ):
        pytest.fail("no vhost without the API or rabbitmqctl")
    message = str(error.value)
    assert "the management API at http://127.0.0.1:1" in message, "what was tried, without the password"
    assert "rabbitmqctl: not on PATH" in message


# -- the GitHub combination job ------------------------------------------------------------------


def _conditional_image(name: str) -> re.Pattern[str]:
    """``${{ contains(matrix.services, '<name>') && '<image>' || '' }}``: empty (not started) unless needed."""
    return re.compile(r"\$\{\{ contains\(matrix\.services, '" + re.escape(name) + r"'\) && '[\w.:/-]+' \|\| '' \}\}")


def test_every_service_has_a_container_started_only_when_the_matrix_names_it() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    images = [str(container["image"]) for container in workflow["jobs"]["combination"]["services"].values()]
    for name in SERVICES:
        pattern = _conditional_image(name)
        assert any(pattern.fullmatch(image) for image in images), f"{name}: no container started by matrix.services"
    unconditional = [image for image in images if not image.startswith("${{ contains(matrix.services, '")]
    assert unconditional == [], "no container starts for every combination"
