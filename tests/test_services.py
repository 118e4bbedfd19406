"""The services table: which combinations need what, and a real PostgreSQL database per combination."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from tests.matrix import Combination
from tests.services import SERVICES, Service, postgres_database, provisioned, service_url, services_for, unique_name


def test_services_follow_the_answers() -> None:
    postgres = Combination.of({"database": "postgresql", "python_version": "3.12"})
    sqlite = Combination.of({"database": "sqlite", "python_version": "3.12"})
    assert [service.name for service in services_for(postgres)] == ["postgresql"]
    assert services_for(sqlite) == []


def test_multiselect_answers_match_any_value() -> None:
    calls: list[str] = []

    @contextmanager
    def fake(label: str) -> Iterator[dict[str, str]]:
        calls.append(label)
        yield {"BROKER_URL": "amqp://example"}

    table = (Service("rabbitmq", {"features": frozenset({"tasks", "events"})}, fake),)
    assert services_for(Combination.of({"features": ("auth", "events")}), table)
    assert not services_for(Combination.of({"features": ("auth",)}), table)
    with provisioned(Combination.of({"features": ("tasks",)}), table) as env:
        assert env == {"BROKER_URL": "amqp://example"}
    assert calls == ["features=tasks"]


def test_unique_names_are_valid_and_distinct() -> None:
    label = "database=postgresql-python_version=3.12-" + "x" * 80
    names = {unique_name(label) for _ in range(20)}
    assert len(names) == 20
    for name in names:
        assert len(name) <= 63
        assert name.replace("_", "").isalnum()
        assert name == name.lower()


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


def test_every_service_has_a_provisioner() -> None:
    for service in SERVICES:
        assert callable(service.provision)
        assert service.answers, f"{service.name} says which answers need it"
