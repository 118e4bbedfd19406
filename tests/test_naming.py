"""Unit tests of the template's Jinja filters and answer checks (extensions/naming.py), imported by path."""

from __future__ import annotations

import keyword
from types import ModuleType

import pytest
from jinja2 import Environment

from tests.matrix import ROOT, _import_path


@pytest.fixture(scope="module")
def naming() -> ModuleType:
    return _import_path(ROOT / "extensions" / "naming.py", "_harness_test_naming")


@pytest.mark.parametrize(
    ("value", "snake", "kebab", "pascal", "camel", "title"),
    [
        ("My Service", "my_service", "my-service", "MyService", "myService", "My service"),
        ("my-service", "my_service", "my-service", "MyService", "myService", "My service"),
        ("my_service", "my_service", "my-service", "MyService", "myService", "My service"),
        ("MyService", "my_service", "my-service", "MyService", "myService", "My service"),
        ("HTTPServer", "http_server", "http-server", "HttpServer", "httpServer", "Http server"),
        ("order_line", "order_line", "order-line", "OrderLine", "orderLine", "Order line"),
        (
            "  Orders  Service 2 ",
            "orders_service_2",
            "orders-service-2",
            "OrdersService2",
            "ordersService2",
            "Orders service 2",
        ),
        ("API v2", "api_v2", "api-v2", "ApiV2", "apiV2", "Api v2"),
    ],
)
def test_case_filters(
    naming: ModuleType, value: str, snake: str, kebab: str, pascal: str, camel: str, title: str
) -> None:
    assert naming.snake(value) == snake
    assert naming.kebab(value) == kebab
    assert naming.pascal(value) == pascal
    assert naming.camel(value) == camel
    assert naming.title(value) == title


@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("item", "items"),
        ("order_line", "order_lines"),
        ("category", "categories"),
        ("day", "days"),
        ("box", "boxes"),
        ("bus", "buses"),
        ("match", "matches"),
        ("dish", "dishes"),
        ("knife", "knives"),
        ("leaf", "leaves"),
        ("chef", "chefs"),
        ("roof", "roofs"),
        ("person", "people"),
        ("child", "children"),
        ("sales_person", "sales_people"),
        ("status", "statuses"),
        ("datum", "data"),
        ("news", "news"),
        ("sheep", "sheep"),
        ("user_metadata", "user_metadata"),
    ],
)
def test_plural(naming: ModuleType, singular: str, plural: str) -> None:
    assert naming.plural(singular) == plural


@pytest.mark.parametrize(
    ("noun", "expected"),
    [("item", "an item"), ("order line", "an order line"), ("book", "a book"), ("user", "a user"), ("egg", "an egg")],
)
def test_with_article(naming: ModuleType, noun: str, expected: str) -> None:
    assert naming.with_article(noun) == expected


def test_filters_are_registered_in_jinja(naming: ModuleType) -> None:
    env = Environment(extensions=[naming.NamingExtension])
    rendered = env.from_string(
        "{{ name | snake }} {{ name | kebab }} {{ name | pascal }} {{ name | camel }} "
        "{{ 'order_line' | plural }} {{ name | title_words }}"
    ).render(name="Orders Service")
    assert rendered == "orders_service orders-service OrdersService ordersService order_lines Orders service"
    assert set(naming.FILTERS) <= set(env.filters)


@pytest.mark.parametrize("value", ["orders_service", "a", "v2_api", "x1"])
def test_valid_identifiers(naming: ModuleType, value: str) -> None:
    assert naming.identifier_error(value, "name") == ""
    assert naming.package_name_error(value) == ""


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("Orders", "must be snake_case"),
        ("_private", "must be snake_case"),
        ("two__underscores", "must be snake_case"),
        ("trailing_", "must be snake_case"),
        ("9lives", "must be snake_case"),
        ("with-hyphen", "must be snake_case"),
        ("", "must be snake_case"),
        ("class", "is a Python keyword"),
        ("match", "is a Python keyword"),
    ],
)
def test_identifier_errors(naming: ModuleType, value: str, fragment: str) -> None:
    assert fragment in naming.identifier_error(value, "name")


def test_every_keyword_is_refused(naming: ModuleType) -> None:
    for word in [*keyword.kwlist, *keyword.softkwlist]:
        if word.isidentifier() and word.islower():
            assert naming.package_name_error(word), word


@pytest.mark.parametrize("value", ["json", "typing", "asyncio", "logging"])
def test_package_name_refuses_stdlib(naming: ModuleType, value: str) -> None:
    assert "standard-library" in naming.package_name_error(value)


def test_package_name_refuses_every_dependency(naming: ModuleType) -> None:
    for name in naming.DEPENDENCY_IMPORT_NAMES:
        assert "would shadow the dependency" in naming.package_name_error(name), name
    for name in ("fastapi", "sqlalchemy", "alembic", "pydantic", "asyncpg", "aiosqlite"):
        assert name in naming.DEPENDENCY_IMPORT_NAMES


def test_project_name_and_slug(naming: ModuleType) -> None:
    assert naming.project_name_error("Orders Service") == ""
    assert "must not be empty" in naming.project_name_error("  ")
    assert "at least one letter or digit" in naming.project_name_error("--")
    assert "must start with a letter" in naming.project_name_error("2 Fast")
    assert naming.project_slug_error("orders-service") == ""
    assert naming.project_slug_error("orders-2") == ""
    for bad in ("Orders", "orders_service", "-orders", "orders-", "orders--service", "2orders"):
        assert "must be kebab-case" in naming.project_slug_error(bad), bad


def test_resource_checks(naming: ModuleType) -> None:
    assert naming.resource_error("item", "my_service") == ""
    assert naming.resource_error("order_line", "my_service") == ""
    assert "clashes with a module" in naming.resource_error("setting", "my_service"), "its plural is 'settings'"
    assert "clashes with a module" in naming.resource_error("core", "my_service")
    assert "class names" in naming.resource_error("repository", "my_service")
    assert "must differ from package_name" in naming.resource_error("order", "order")
    assert "looks plural or uncountable" in naming.resource_error("news", "my_service")
    assert naming.resource_plural_error("items", "item", "my_service") == ""
    assert "must differ from resource" in naming.resource_plural_error("item", "item", "my_service")
    assert "must differ from package_name" in naming.resource_plural_error("stock", "item", "stock")
    assert "clashes with a module" in naming.resource_plural_error("models", "model", "my_service")


@pytest.mark.parametrize("value", ["team@example.org", "a.b+c@sub.example.co.uk"])
def test_email_ok(naming: ModuleType, value: str) -> None:
    assert naming.email_error(value) == ""


@pytest.mark.parametrize("value", ["team", "team@", "@example.org", "team@example", "te am@example.org", "a@b.c"])
def test_email_refused(naming: ModuleType, value: str) -> None:
    assert "is not an e-mail address" in naming.email_error(value)
