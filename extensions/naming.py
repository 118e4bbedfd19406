"""Naming filters and answer checks for the template.

Loaded by copier through ``copier_template_extensions.TemplateExtensionLoader``
(``extensions/naming.py:NamingExtension`` in copier.yml).  The functions are
plain Python so the harness can unit-test them without rendering anything.

Each ``*_error`` function returns an empty string for a good value and a
sentence saying what is wrong otherwise: copier shows that sentence to the
user and refuses the answer.
"""

from __future__ import annotations

import keyword
import re
import sys
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SNAKE_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_KEBAB_SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

# Import names a generated project depends on (runtime or tooling): a package
# named like one of them would shadow it.
DEPENDENCY_IMPORT_NAMES = frozenset(
    {
        "aiosqlite",
        "alembic",
        "anyio",
        "asyncpg",
        "deptry",
        "email_validator",
        "fastapi",
        "greenlet",
        "httpx",
        "importlinter",
        "mypy",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pytest",
        "pytest_asyncio",
        "ruff",
        "sqlalchemy",
        "starlette",
        "structlog",
        "uvicorn",
    }
)
# Names the generated project itself uses at the top of its tree.
PROJECT_RESERVED_NAMES = frozenset({"migrations", "tests", "test", "src", "docs"})

# Module names inside the generated package: a resource may not take them.
PACKAGE_MODULE_NAMES = frozenset(
    {
        "api",
        "app",
        "core",
        "health",
        "main",
        "models",
        "settings",
        "database",
        "errors",
        "events",
        "logging",
        "problems",
        "middleware",
    }
)
# Class names the generated code defines beside the resource's own classes.
RESERVED_CLASS_STEMS = frozenset(
    {"base", "entity", "page", "problem", "settings", "session", "event", "service", "repository"}
)

_IRREGULAR_PLURALS = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "goose": "geese",
    "tooth": "teeth",
    "foot": "feet",
    "datum": "data",
    "index": "indices",
    "criterion": "criteria",
    "analysis": "analyses",
    "status": "statuses",
}
_UNCOUNTABLE = frozenset({"equipment", "information", "news", "series", "species", "sheep", "fish", "metadata"})


def words(value: str) -> list[str]:
    """Split any of ``My Service``, ``my-service``, ``my_service``, ``MyService`` into lower-case words."""
    return [part.lower() for part in _WORD_SPLIT.split(value.strip()) if part]


def snake(value: str) -> str:
    """``My Service`` -> ``my_service``."""
    return "_".join(words(value))


def kebab(value: str) -> str:
    """``My Service`` -> ``my-service``."""
    return "-".join(words(value))


def pascal(value: str) -> str:
    """``order_line`` -> ``OrderLine``."""
    return "".join(word.capitalize() for word in words(value))


def camel(value: str) -> str:
    """``order_line`` -> ``orderLine``."""
    result = pascal(value)
    return result[:1].lower() + result[1:]


def title(value: str) -> str:
    """``order_line`` -> ``Order line`` (for prose)."""
    text = " ".join(words(value))
    return text[:1].upper() + text[1:]


def with_article(value: str) -> str:
    """``item`` -> ``an item``; ``order line`` -> ``an order line``; ``book`` -> ``a book``.

    Decided by the first letter (vowel letters a, e, i, o): good for the nouns resources are named
    with; ``unit`` and ``user`` rightly get ``a``.
    """
    text = value.strip()
    return f"{'an' if text[:1].lower() in 'aeio' else 'a'} {text}"


def _plural_word(word: str) -> str:
    if word in _UNCOUNTABLE:
        return word
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^f]fe?$", word) and word not in {"chef", "roof", "belief", "proof"}:
        return re.sub(r"fe?$", "ves", word)
    return word + "s"


def looks_plural(word: str) -> bool:
    """``items``, ``people``: a plural where a singular noun was asked for."""
    if word in _IRREGULAR_PLURALS.values():
        return True
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def plural(value: str) -> str:
    """Pluralise the last word of a snake_case noun: ``order_line`` -> ``order_lines``."""
    parts = value.split("_")
    parts[-1] = _plural_word(parts[-1])
    return "_".join(parts)


def project_name_error(value: str) -> str:
    if not value.strip():
        return "project_name must not be empty."
    if not words(value):
        return f"project_name {value!r} must contain at least one letter or digit."
    if not words(value)[0][0].isalpha():
        return f"project_name {value!r} must start with a letter."
    return ""


def project_slug_error(value: str) -> str:
    if not _KEBAB_SLUG.match(value):
        return (
            f"project_slug {value!r} must be kebab-case: lower-case letters and digits "
            "separated by single hyphens, starting with a letter (e.g. 'orders-service')."
        )
    return ""


def identifier_error(value: str, label: str) -> str:
    """Shared rules for names that become Python identifiers (package, module, variable)."""
    if not _SNAKE_IDENTIFIER.match(value):
        return (
            f"{label} {value!r} must be snake_case: lower-case letters and digits separated by "
            "single underscores, starting with a letter (e.g. 'order_line')."
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        return f"{label} {value!r} is a Python keyword."
    return ""


def package_name_error(value: str) -> str:
    problem = identifier_error(value, "package_name")
    if problem:
        return problem
    if value in sys.stdlib_module_names:
        return f"package_name {value!r} would shadow the standard-library module {value!r}."
    if value in DEPENDENCY_IMPORT_NAMES:
        return f"package_name {value!r} would shadow the dependency {value!r} of the generated project."
    if value in PROJECT_RESERVED_NAMES:
        return f"package_name {value!r} is a folder name the generated project already uses."
    return ""


def resource_error(value: str, package_name: str = "") -> str:
    problem = identifier_error(value, "resource")
    if problem:
        return problem
    if value in PACKAGE_MODULE_NAMES or plural(value) in PACKAGE_MODULE_NAMES:
        return f"resource {value!r} clashes with a module of the generated package ({value!r} is reserved)."
    if value in RESERVED_CLASS_STEMS:
        return f"resource {value!r} would produce class names the generated code already defines."
    if keyword.iskeyword(pascal(value)):
        return f"resource {value!r} would name its class {pascal(value)!r}, a Python keyword."
    if value == package_name:
        return f"resource {value!r} must differ from package_name."
    if looks_plural(value.rsplit("_", 1)[-1]) or plural(value) == value:
        return (
            f"resource {value!r} looks plural or uncountable; give the singular noun "
            "(e.g. 'item', not 'items') and set resource_plural if needed."
        )
    return ""


def resource_plural_error(value: str, resource: str = "", package_name: str = "") -> str:
    problem = identifier_error(value, "resource_plural")
    if problem:
        return problem
    if value == resource:
        return f"resource_plural {value!r} must differ from resource {resource!r}."
    if value in PACKAGE_MODULE_NAMES:
        return f"resource_plural {value!r} clashes with a module of the generated package."
    if value == package_name:
        return f"resource_plural {value!r} must differ from package_name."
    return ""


def email_error(value: str) -> str:
    if not _EMAIL.match(value):
        return f"author_email {value!r} is not an e-mail address (expected name@example.org)."
    return ""


FILTERS: dict[str, Any] = {
    "snake": snake,
    "kebab": kebab,
    "pascal": pascal,
    "camel": camel,
    "title_words": title,
    "plural": plural,
    "with_article": with_article,
    "project_name_error": project_name_error,
    "project_slug_error": project_slug_error,
    "package_name_error": package_name_error,
    "resource_error": resource_error,
    "resource_plural_error": resource_plural_error,
    "email_error": email_error,
}


class NamingExtension(Extension):
    """Registers the naming filters in copier's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(FILTERS)
