"""Unit tests of the template's Jinja filters and answer checks (extensions/naming.py), imported by path."""

from __future__ import annotations

import ast
import re
import tomllib
from email.headerregistry import Address, AddressHeader, HeaderRegistry
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from jinja2 import Environment

from tests.harness import leftover_template_syntax
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


PLURALS = [
    ("item", "items"),
    ("order_line", "order_lines"),
    ("book", "books"),
    ("category", "categories"),
    ("city", "cities"),
    ("day", "days"),
    ("key", "keys"),
    ("box", "boxes"),
    ("bus", "buses"),
    ("campus", "campuses"),
    ("gas", "gases"),
    ("canvas", "canvases"),
    ("address", "addresses"),
    ("status", "statuses"),
    ("match", "matches"),
    ("dish", "dishes"),
    ("epoch", "epochs"),
    ("quiz", "quizzes"),
    ("knife", "knives"),
    ("penknife", "penknives"),
    ("wife", "wives"),
    ("life", "lives"),
    ("leaf", "leaves"),
    ("half", "halves"),
    ("wolf", "wolves"),
    ("shelf", "shelves"),
    ("bookshelf", "bookshelves"),
    ("thief", "thieves"),
    ("roof", "roofs"),
    ("chef", "chefs"),
    ("cafe", "cafes"),
    ("safe", "safes"),
    ("brief", "briefs"),
    ("chief", "chiefs"),
    ("reef", "reefs"),
    ("belief", "beliefs"),
    ("giraffe", "giraffes"),
    ("hero", "heroes"),
    ("potato", "potatoes"),
    ("tomato", "tomatoes"),
    ("photo", "photos"),
    ("piano", "pianos"),
    ("radio", "radios"),
    ("video", "videos"),
    ("zoo", "zoos"),
    ("axis", "axes"),
    ("crisis", "crises"),
    ("thesis", "theses"),
    ("diagnosis", "diagnoses"),
    ("hypothesis", "hypotheses"),
    ("analysis", "analyses"),
    ("child", "children"),
    ("grandchild", "grandchildren"),
    ("person", "people"),
    ("sales_person", "sales_people"),
    ("salesperson", "salespeople"),
    ("man", "men"),
    ("woman", "women"),
    ("mouse", "mice"),
    ("tooth", "teeth"),
    ("datum", "data"),
    ("criterion", "criteria"),
    ("index", "indices"),
    ("matrix", "matrices"),
    ("human", "humans"),
    ("movie", "movies"),
    ("news", "news"),
    ("sheep", "sheep"),
    ("user_metadata", "user_metadata"),
]


@pytest.mark.parametrize(("singular", "plural"), PLURALS)
def test_plural(naming: ModuleType, singular: str, plural: str) -> None:
    assert naming.plural(singular) == plural


@pytest.mark.parametrize(("singular", "plural"), [row for row in PLURALS if row[0] != row[1]])
def test_plural_is_seen_as_plural_and_singular_is_not(naming: ModuleType, singular: str, plural: str) -> None:
    last_singular, last_plural = singular.rsplit("_", 1)[-1], plural.rsplit("_", 1)[-1]
    assert not naming.looks_plural(last_singular)
    assert naming.looks_plural(last_plural)


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("items", "item"),
        ("categories", "category"),
        ("boxes", "box"),
        ("buses", "bus"),
        ("statuses", "status"),
        ("addresses", "address"),
        ("knives", "knife"),
        ("leaves", "leaf"),
        ("heroes", "hero"),
        ("photos", "photo"),
        ("quizzes", "quiz"),
        ("axes", "axis"),
        ("crises", "crisis"),
        ("hypotheses", "hypothesis"),
        ("people", "person"),
        ("salespeople", "salesperson"),
        ("children", "child"),
        ("cafes", "cafe"),
        ("news", "news"),
        ("item", "item"),
    ],
)
def test_singular(naming: ModuleType, plural: str, singular: str) -> None:
    assert naming.singular(plural) == singular


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


@pytest.mark.parametrize(
    ("check", "value", "example"),
    [
        ("resource_error", "Order Line", "order_line"),
        ("resource_error", "café", "cafe"),
        ("package_name_error", "evilpkg\n", "evilpkg"),
        ("resource_plural_error", "OrderLines", "order_lines"),
        ("project_slug_error", "Orders_Service", "orders-service"),
        ("project_slug_error", "évil-slug\n", "evil-slug"),
        ("resource_error", "9", "order_line"),
    ],
)
def test_malformed_name_message_gives_the_fixed_name(naming: ModuleType, check: str, value: str, example: str) -> None:
    assert f"(e.g. {example!r})" in getattr(naming, check)(value)


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


def test_a_name_of_non_latin_letters_is_accepted_and_asks_for_the_derived_names(naming: ModuleType) -> None:
    assert naming.project_name_error("日本語サービス") == ""
    derived = naming.kebab("日本語サービス")
    assert derived == ""
    assert "give project_slug" in naming.project_slug_error(derived)
    assert naming.project_slug_error("nihongo-service") == ""


@pytest.mark.parametrize("text", ["Team 👩\u200d💻 service", "🏳\ufe0f\u200d🌈 pride", "👩🏽\u200d🚀"])
def test_a_joiner_inside_an_emoji_sequence_is_text(naming: ModuleType, text: str) -> None:
    assert naming.description_error(text) == ""


@pytest.mark.parametrize("text", ["a\u200db", "👩\u200d", "\u200d💻", "x \u200d y"])
def test_a_joiner_outside_an_emoji_sequence_is_invisible(naming: ModuleType, text: str) -> None:
    assert "invisible" in naming.description_error(text)


def test_resource_checks(naming: ModuleType) -> None:
    assert naming.resource_error("item", "my_service") == ""
    assert naming.resource_error("order_line", "my_service") == ""
    assert "clashes with a module" in naming.resource_error("setting", "my_service"), "its plural is 'settings'"
    assert "clashes with a module" in naming.resource_error("core", "my_service")
    assert "class names" in naming.resource_error("repository", "my_service")
    assert "must differ from package_name" in naming.resource_error("order", "order")
    assert naming.resource_plural_error("items", "item", "my_service") == ""
    assert "must differ from resource" in naming.resource_plural_error("item", "item", "my_service")
    assert "must differ from package_name" in naming.resource_plural_error("stock", "item", "stock")
    assert "clashes with a module" in naming.resource_plural_error("models", "model", "my_service")


def test_plural_looking_resource_is_refused_with_its_derived_plural_only(naming: ModuleType) -> None:
    """``items`` is refused with a suggestion, but a plural the user sets lets a misjudged noun through."""
    message = naming.resource_plural_error(naming.plural("items"), "items", "my_service")
    assert "resource 'items' looks plural" in message
    assert "try 'item'" in message
    assert "try 'person'" in naming.resource_plural_error(naming.plural("people"), "people", "my_service")
    assert naming.resource_plural_error("itemz", "items", "my_service") == ""


def test_uncountable_resource_needs_an_explicit_plural(naming: ModuleType) -> None:
    message = naming.resource_plural_error("news", "news", "my_service")
    assert "resource 'news' is uncountable" in message
    assert "try 'news_items'" in message
    assert naming.resource_error("news", "my_service") == ""
    assert naming.resource_plural_error("news_items", "news", "my_service") == ""


# Singular nouns that collide with names the generated code uses, sort around its modules or end
# like plurals: every one is a good resource with its derived plural.
GOOD_RESOURCES = [
    "item",
    "book",
    "account",
    "warehouse",
    "mapped",
    "text",
    "any",
    "sequence",
    "string",
    "protocol",
    "mapping",
    "axis",
    "bus",
    "status",
    "address",
    "campus",
    "canvas",
    "gas",
    "lens",
    "crisis",
    "cafe",
    "knife",
    "hero",
    "quiz",
    "person",
    "child",
    "b",
    "cored",
    "healthz",
    "testsz",
    "order_line",
    "x" * 30,
    "long_" * 5 + "thing",
]


@pytest.mark.parametrize("resource", GOOD_RESOURCES)
def test_good_resources_are_accepted(naming: ModuleType, resource: str) -> None:
    assert naming.resource_error(resource, "my_service") == ""
    assert naming.resource_plural_error(naming.plural(resource), resource, "my_service") == ""


@pytest.mark.parametrize(
    ("resource", "suggestion"),
    [
        ("class", "class_item"),
        ("def", "def_item"),
        ("match", "match_item"),
        ("core", "core_item"),
        ("none", "none_item"),
        ("true", "true_item"),
    ],
)
def test_refused_resource_suggests_another_name(naming: ModuleType, resource: str, suggestion: str) -> None:
    message = naming.resource_error(resource, "my_service")
    assert f"try {suggestion!r}" in message
    assert naming.resource_error(suggestion, "my_service") == "", "the suggestion itself is accepted"


@pytest.mark.parametrize(
    ("check", "value"),
    [
        ("package_name_error", "evilpkg\n"),
        ("project_slug_error", "evil-slug\n"),
        ("resource_error", "item\n"),
        ("resource_plural_error", "widgetz\n"),
    ],
)
def test_trailing_newline_is_refused(naming: ModuleType, check: str, value: str) -> None:
    message = getattr(naming, check)(value)
    assert "must be" in message
    assert "\n" not in message
    assert repr(value) in message


# (check, question, a value of exactly the bound built from a good name)
BOUNDED = [
    ("project_name_error", "project_name", lambda n: "A" + "b" * (n - 1)),
    ("project_slug_error", "project_slug", lambda n: "a" + "-b" * ((n - 1) // 2) + "c" * ((n - 1) % 2)),
    ("package_name_error", "package_name", lambda n: "svc" + "_x" * ((n - 3) // 2) + "y" * ((n - 3) % 2)),
    ("description_error", "description", lambda n: "d" * n),
    ("author_name_error", "author_name", lambda n: "n" * n),
    ("email_error", "author_email", lambda n: "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".org"),
    ("resource_error", "resource", lambda n: "r" * n),
    ("resource_plural_error", "resource_plural", lambda n: "p" * n),
]


@pytest.mark.parametrize(("check", "question", "build"), BOUNDED, ids=[row[1] for row in BOUNDED])
def test_every_answer_is_bounded(naming: ModuleType, check: str, question: str, build: Any) -> None:
    bound = naming.MAX_LENGTH[question]
    at_bound, over = build(bound), build(bound) + "z"
    assert len(at_bound) == bound
    assert getattr(naming, check)(at_bound) == ""
    message = getattr(naming, check)(over)
    assert f"{question} " in message
    assert f"at most {bound}" in message
    huge = getattr(naming, check)(build(bound) + "z" * 5000)
    assert "too long" in huge
    assert len(huge) < 400, "the value is shortened in the message"


def test_project_name_bound_counts_columns_of_the_python_string(naming: ModuleType) -> None:
    bound = naming.MAX_LENGTH["project_name"]
    assert naming.project_name_error("A" * bound) == ""
    assert "too long" in naming.project_name_error("A" * (bound - 1) + "\\"), "a backslash takes two columns"
    assert "too long" in naming.project_name_error("A" + "受" * (bound // 2)), "a wide character takes two"
    assert naming.project_name_error("A" + "受" * (bound // 2 - 1)) == ""


NASTY_TEXTS = [
    'The "Best" Service',
    "It's O'Brien's",
    """Both ' and " quotes""",
    'More "double" than \'single\' "quotes"',
    "Orders\\Names",
    'Triple """ quotes',
    "ends with a backslash \\",
    'ends with a quote "',
    "{{ 7*7 }} {% if true %}x{% endif %}",
    "$(id) `id` ; rm -rf / && echo",
    "Café Orders Überdienst Straße 受注サービス 🚀",
    "# not a heading * not a list _not emphasis_ [not](a link) <b>not html</b> &amp; | ~~x~~ $x$",
    "1. not a list",
    "- not a list",
    "+ not a list",
    "= not a heading underline",
    "> not a quote",
    "    not code",
    "O\u2019Brien\u2019s \u2013 \u201cOrders\u201d\u00a0EU",
    "a\tb",
]


@pytest.mark.parametrize("text", NASTY_TEXTS)
def test_python_string_is_the_text_as_ruff_writes_it(naming: ModuleType, text: str) -> None:
    literal = naming.python_string(text)
    assert ast.literal_eval(literal) == text
    expected_quote = "'" if text.count('"') > text.count("'") else '"'
    assert literal[0] == literal[-1] == expected_quote
    assert "\n" not in literal


@pytest.mark.parametrize("text", [*NASTY_TEXTS, "control \x00\x1b\x7f and line\nbreaks\r\n", "\u2028"])
def test_toml_string_round_trips(naming: ModuleType, text: str) -> None:
    assert tomllib.loads(f"value = {naming.toml_string(text)}\n")["value"] == text


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


@pytest.mark.parametrize("text", NASTY_TEXTS)
def test_markdown_text_escapes_everything_markdown_would_interpret(naming: ModuleType, text: str) -> None:
    markdown = naming.markdown_text(text)
    assert _ESCAPED.sub(r"\1", markdown) == " ".join(text.split()), "CommonMark reads each escape as the character"
    unescaped = _ESCAPED.sub("", markdown)
    assert not re.search(r"[\\`*_\[\]<>#~$|]", unescaped), markdown
    assert not re.search(r"&#?\w+;", unescaped), "no entity reference"
    assert not re.match(r"[-+=>]|\d+[.)]|\s", markdown), "no list, rule, quote, setext underline or code block"


@pytest.mark.parametrize(
    ("value", "snake"),
    [
        ("ÜberService", "uber_service"),
        ("Café Orders", "cafe_orders"),
        ("Straße", "strasse"),
        ("Ærø Øl", "aero_ol"),
        ("Łódź", "lodz"),
        ("\ufb01le \uff26\uff55\uff4c\uff4c", "file_full"),  # a ligature, full-width letters
        ("受注 Orders", "orders"),
    ],
)
def test_names_are_transliterated_to_ascii(naming: ModuleType, value: str, snake: str) -> None:
    assert naming.snake(value) == snake
    assert naming.kebab(value) == snake.replace("_", "-")
    assert naming.project_name_error(value) == ""


@pytest.mark.parametrize(("value", "has_letters"), [("受注サービス", True), ("🚀🚀", False), ("—", False)])
def test_names_that_fold_to_nothing_need_a_slug_given(naming: ModuleType, value: str, has_letters: bool) -> None:
    """A name of letters without an ASCII form is a name; its slug cannot be derived from it."""
    assert naming.kebab(value) == ""
    assert "give project_slug" in naming.project_slug_error(naming.kebab(value))
    if has_letters:
        assert naming.project_name_error(value) == ""
    else:
        assert "at least one letter or digit" in naming.project_name_error(value)


@pytest.mark.parametrize("check", ["project_name_error", "description_error", "author_name_error"])
@pytest.mark.parametrize(
    "value", ["two\nlines", "carriage\rreturn", "nul\x00", "escape\x1b[31m", "zero\u200bwidth", "para\u2029graph"]
)
def test_free_text_refuses_control_characters(naming: ModuleType, check: str, value: str) -> None:
    message = getattr(naming, check)(value)
    assert "must be one line of printable text" in message
    assert "\n" not in message


@pytest.mark.parametrize("check", ["project_name_error", "description_error", "author_name_error"])
@pytest.mark.parametrize("text", NASTY_TEXTS[:-1])
def test_free_text_accepts_nasty_printable_text(naming: ModuleType, check: str, text: str) -> None:
    value = f"A {text}"[:70] if check == "project_name_error" else text
    assert getattr(naming, check)(value) == ""


def test_every_message_is_one_line(naming: ModuleType) -> None:
    values = ["", " ", "\n", "x\ny", "class", "json", "items", "a" * 5000, "Ünïcödé", "a,b@example.org", "\x00"]
    checks = [name for name in naming.FILTERS if name.endswith("_error")]
    for check in checks:
        for value in values:
            message = getattr(naming, check)(value)
            assert "\n" not in message, (check, value)
            assert "\r" not in message, (check, value)
            assert len(message) < 400, (check, value)


GOOD_EMAILS = [
    "team@example.org",
    "a.b+c@sub.example.co.uk",
    "o'brien@example.ie",
    "first_last-1@example-domain.com",
    "x@a.io",
    "{weird}|chars!#$%&*=?^`~@example.org",
]
BAD_EMAILS = [
    "team",
    "team@",
    "@example.org",
    "team@example",
    "te am@example.org",
    "a@b.c",
    "a,b@example.org",
    "a<b>@example.org",
    "<a@example.org>",
    "Name <a@example.org>",
    "a@b@example.org",
    ".a@example.org",
    "a.@example.org",
    "a..b@example.org",
    '"quoted"@example.org',
    "a@-example.org",
    "a@example-.org",
    "a@example..org",
    "a@example.o",
    "a@example.123",
    "a@[127.0.0.1]",
    "a(comment)@example.org",
    "a@example.org\n",
    "a@example.org ",
    "ü@example.org",
    "a@exämple.org",
    "a" * 65 + "@example.org",
]


@pytest.mark.parametrize("value", GOOD_EMAILS)
def test_email_ok(naming: ModuleType, value: str) -> None:
    assert naming.email_error(value) == ""
    # hatchling writes the Author-email core metadata with Address(display_name=..., addr_spec=...)
    # and reads it back with email's header registry as an address header: the address survives both.
    header = str(Address(display_name='O\'Brien, "Jr" \\ <x>', addr_spec=value))
    parsed = HeaderRegistry()("resent-from", header)
    assert isinstance(parsed, AddressHeader)
    assert not parsed.defects
    assert [(address.display_name, address.addr_spec) for address in parsed.addresses] == [
        ('O\'Brien, "Jr" \\ <x>', value)
    ]


@pytest.mark.parametrize("value", BAD_EMAILS)
def test_email_refused(naming: ModuleType, value: str) -> None:
    message = naming.email_error(value)
    assert "is not an e-mail address" in message
    assert "\n" not in message


@pytest.mark.parametrize("name", ["$(id)#\\N{% raw %}my2", "a {{ b }} `c` {# d", "Ünï{%code%}\u2019s"])
def test_leftovers_check_tells_an_answers_escaped_text_from_a_leftover(
    naming: ModuleType, tmp_path: Path, name: str
) -> None:
    """An answer holding ``{%`` shows in files escaped per format; a real leftover beside it still counts."""
    (tmp_path / ".copier-answers.yml").write_text(yaml.safe_dump({"project_name": name}), encoding="utf-8")
    (tmp_path / "README.md").write_text(f"# {naming.markdown_text(name)}\n", encoding="utf-8")
    (tmp_path / "settings.py").write_text(f"app_name = {naming.python_string(name)}\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(f"description = {naming.toml_string(name)}\n", encoding="utf-8")
    assert leftover_template_syntax(tmp_path) == []

    (tmp_path / "settings.py").write_text(
        f"app_name = {naming.python_string(name)}  # {{% if x %}}\n", encoding="utf-8"
    )
    assert [problem.split(":")[0] for problem in leftover_template_syntax(tmp_path)] == ["settings.py"]
