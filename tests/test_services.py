"""The services table: which combinations need what (extensions/options.py), and a real database per combination."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncmy
import asyncpg
import pytest
import yaml

from tests.matrix import ROOT, Combination, options_module
from tests.services import (
    SERVICES,
    mysql_database,
    postgres_database,
    provisioned,
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
