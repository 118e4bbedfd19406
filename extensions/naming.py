"""Naming filters, answer checks and escaping filters for the template.

Loaded by copier through ``copier_template_extensions.TemplateExtensionLoader``
(``extensions/naming.py:NamingExtension`` in copier.yml).  The functions are
plain Python so the harness can unit-test them without rendering anything.

Each ``*_error`` function returns an empty string for a good value and one
line saying what is wrong otherwise: copier shows that line to the user and
refuses the answer.  The bad value is shown ``repr()``-escaped and shortened.

Free-text answers (project_name, description, author_name) are never pasted
into a generated file as they are: each file format has its own filter
(``python_string``, ``toml_string``, ``markdown_text``).
"""

from __future__ import annotations

import keyword
import re
import sys
import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

# -- bounds --------------------------------------------------------------------------------------

# The longest answer each question takes.  Names land in file names, class names, table and index
# names (PostgreSQL identifiers are at most 63 bytes: ``ix_<plural>_created_at``) and in lines of
# generated code that must fit 100 columns; project_name is a Python string literal in
# core/settings.py (``    app_name: str = "..."``), so it is measured as written there.
MAX_LENGTH = {
    "project_name": 78,
    "project_slug": 50,
    "package_name": 40,
    "description": 200,
    "author_name": 100,
    "author_email": 254,
    "resource": 30,
    "resource_plural": 32,
}

# -- data ----------------------------------------------------------------------------------------

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SNAKE_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_KEBAB_SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
# RFC 5322 dot-atom local part and a DNS domain with an alphabetic top-level label: what
# ``email.headerregistry.Address`` (used by hatchling for the Author-email core metadata) accepts.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"(?P<local>{_ATEXT}(?:\.{_ATEXT})*)@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,63}})")

# Letters NFKD does not decompose into an ASCII letter plus marks.
_ASCII_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "\u0131": "i",  # dotless i
        "ħ": "h",
        "Ħ": "H",
    }
)

# Top-level import names of every distribution installed with a generated project (runtime, dev
# tools and their dependencies), so a package named like one of them would shadow it.
# tests/test_reserved_names.py lists them from the harness venv and fails when one is missing here.
DEPENDENCY_IMPORT_NAMES = frozenset(
    [
        "aiosqlite",
        "alembic",
        "annotated_doc",
        "annotated_types",
        "anyio",
        "ast_serialize",
        "asyncpg",
        "certifi",
        "cfgv",
        "click",
        "deptry",
        "distlib",
        "dotenv",
        "editables",
        "email_validator",
        "fastapi",
        "filelock",
        "greenlet",
        "grimp",
        "h11",
        "hatchling",
        "httpcore",
        "httptools",
        "httpx",
        "identify",
        "idna",
        "importlinter",
        "iniconfig",
        "librt",
        "mako",
        "markdown_it",
        "markupsafe",
        "mdurl",
        "mypy",
        "mypy_extensions",
        "mypyc",
        "nodeenv",
        "opentelemetry",
        "packaging",
        "pathspec",
        "pip",
        "pkg_resources",
        "platformdirs",
        "pluggy",
        "pre_commit",
        "py",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pygments",
        "pytest",
        "pytest_asyncio",
        "python_discovery",
        "requirements",
        "rich",
        "ruff",
        "setuptools",
        "sqlalchemy",
        "starlette",
        "structlog",
        "tomli",
        "trove_classifiers",
        "typing_extensions",
        "typing_inspection",
        "uvicorn",
        "uvloop",
        "virtualenv",
        "watchfiles",
        "websockets",
        "wheel",
        "yaml",
    ]
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
    "ox": "oxen",
    "datum": "data",
    "medium": "media",
    "bacterium": "bacteria",
    "curriculum": "curricula",
    "criterion": "criteria",
    "phenomenon": "phenomena",
    "index": "indices",
    "matrix": "matrices",
    "vertex": "vertices",
    "appendix": "appendices",
    "radius": "radii",
    "stimulus": "stimuli",
    "fungus": "fungi",
    "nucleus": "nuclei",
    "alumnus": "alumni",
    "quiz": "quizzes",
    "fez": "fezzes",
    "die": "dice",
}
# Last words of a compound that keep their irregular plural (``salesperson`` -> ``salespeople``).
_IRREGULAR_SUFFIXES = ("person", "child", "woman", "mouse", "tooth")
_UNCOUNTABLE = frozenset(
    {"equipment", "information", "news", "series", "species", "sheep", "fish", "deer", "metadata", "software"}
)
# -f / -fe nouns whose plural is -ves (also as the end of a compound: ``penknife``, ``bookshelf``).
_VES_ENDINGS = ("knife", "wife", "life", "leaf", "loaf", "half", "calf", "wolf", "elf", "thief", "sheaf", "scarf")
# -o nouns that take -es; every other -o noun takes -s (photo, piano, radio, video, zoo).
_O_ES = frozenset({"hero", "potato", "tomato", "echo", "veto", "torpedo", "embargo", "domino", "mosquito", "tornado"})
# -ch pronounced /k/ takes -s.
_CH_S = frozenset({"epoch", "stomach", "monarch", "patriarch", "matriarch", "tech", "loch"})
# Singular nouns ending in -s other than -ss, -us, -is (those are singular already).
_SINGULAR_S = frozenset(
    [
        "alias",
        "asbestos",
        "atlas",
        "bias",
        "canvas",
        "chaos",
        "christmas",
        "cosmos",
        "ethos",
        "gas",
        "lens",
        "pancreas",
        "pathos",
        "rhinoceros",
        "thermos",
        "yes",
    ]
)


# -- words and cases -----------------------------------------------------------------------------


def ascii_fold(value: str) -> str:
    """``Café`` -> ``Cafe``, ``Straße`` -> ``Strasse``: NFKD folding with the combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_ASCII_LETTERS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(value: str) -> list[str]:
    """Split any of ``My Service``, ``my-service``, ``my_service``, ``MyService`` into lower-case ASCII words.

    Non-ASCII letters are transliterated first (``ÜberService`` -> ``uber``, ``service``); what has no
    ASCII form (``受注``) separates words like punctuation does.
    """
    folded = ascii_fold(value).strip()
    return [part.lower() for part in _WORD_SPLIT.split(folded) if part]


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


# -- plurals -------------------------------------------------------------------------------------


def _irregular_plural(word: str) -> str | None:
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    for suffix in _IRREGULAR_SUFFIXES:
        if word.endswith(suffix):
            return word[: -len(suffix)] + _IRREGULAR_PLURALS[suffix]
    return None


def _plural_word(word: str) -> str:
    irregular = _irregular_plural(word)
    if word in _UNCOUNTABLE or irregular is not None:
        return irregular or word
    if word.endswith(("sis", "xis")):  # crisis -> crises, axis -> axes
        return word[:-2] + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if word.endswith("ch") and word in _CH_S:
        return word + "s"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith(_VES_ENDINGS):
        return re.sub(r"fe?$", "ves", word)
    if word.endswith("o") and word in _O_ES:
        return word + "es"
    return word + "s"


def plural(value: str) -> str:
    """Pluralise the last word of a snake_case noun: ``order_line`` -> ``order_lines``."""
    parts = value.split("_")
    parts[-1] = _plural_word(parts[-1])
    return "_".join(parts)


_SINGULAR_ENDINGS = (
    ("ies", "y"),
    ("ves", "f"),
    ("ves", "fe"),
    ("oes", "o"),
    ("yses", "ysis"),
    ("eses", "esis"),
    ("oses", "osis"),
    ("ises", "isis"),
    ("sses", "ss"),
    ("uses", "us"),
    ("zzes", "z"),
    ("xes", "x"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("s", ""),
)


def singular(word: str) -> str:
    """The singular that ``plural`` turns into ``word`` (``boxes`` -> ``box``), else ``word`` itself.

    Used to spot a plural where a singular noun was asked for and to suggest the singular.
    """
    if word in _UNCOUNTABLE:
        return word
    if word == "axes":
        return "axis"
    for singular_word, irregular in _IRREGULAR_PLURALS.items():
        if word == irregular or (singular_word in _IRREGULAR_SUFFIXES and word.endswith(irregular)):
            return word[: -len(irregular)] + singular_word
    for ending, replacement in _SINGULAR_ENDINGS:
        candidate = word[: -len(ending)] + replacement
        if word.endswith(ending) and candidate and _plural_word(candidate) == word:
            return candidate
    return word


def looks_plural(word: str) -> bool:
    """``items``, ``people``: a plural where a singular noun was asked for (``bus``, ``axis``, ``canvas`` are not)."""
    if word in _IRREGULAR_PLURALS.values() or any(
        word.endswith(_IRREGULAR_PLURALS[suffix]) for suffix in _IRREGULAR_SUFFIXES
    ):
        return True
    if not word.endswith("s") or word.endswith(("ss", "us", "is")) or word in _SINGULAR_S:
        return False
    return singular(word) != word


# -- escaping for the generated files ------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns ``text`` takes in an editor (and for ruff's line length): wide characters count two."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in {"Mn", "Me", "Cf"}:
            continue
        width += 2 if unicodedata.east_asian_width(char) in {"W", "F"} else 1
    return width


def python_string(value: str) -> str:
    """A Python string literal of ``value`` as ``ruff format`` writes it.

    Double quotes unless the text holds more double than single quotes; backslashes, the chosen
    quote and control characters escaped; other characters kept (source files are UTF-8).
    """
    quote = "'" if value.count('"') > value.count("'") else '"'
    body = []
    for char in value:
        if char in {"\\", quote}:
            body.append("\\" + char)
        elif char == "\n":
            body.append("\\n")
        elif char == "\t":
            body.append("\\t")
        elif unicodedata.category(char) in {"Cc", "Cs"} or char in {"\u2028", "\u2029"}:
            body.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        else:
            body.append(char)
    return quote + "".join(body) + quote


def toml_string(value: str) -> str:
    """A TOML basic string of ``value`` (``"..."``), valid for any text."""
    escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
    body = []
    for char in value:
        if char in escapes:
            body.append(escapes[char])
        elif unicodedata.category(char) in {"Cc", "Cs"}:
            body.append(f"\\u{ord(char):04x}")
        else:
            body.append(char)
    return '"' + "".join(body) + '"'


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>#~$|])|&(?=#?\w+;)")
_MARKDOWN_BLOCK_START = re.compile(r"^(?:([-+=])|(\d+)([.)]))")


def markdown_text(value: str) -> str:
    """One line of plain text as Markdown that renders as that text (in a paragraph or a heading).

    Escapes what would start emphasis, code, links, HTML, math or entities, and what would turn the
    line into a list, heading, rule or quote.
    """
    text = " ".join(value.split())
    text = _MARKDOWN_INLINE.sub(lambda match: "\\" + match.group(0), text)
    return _MARKDOWN_BLOCK_START.sub(
        lambda match: "\\" + match.group(1) if match.group(1) else match.group(2) + "\\" + match.group(3), text
    )


# -- answer checks -------------------------------------------------------------------------------


def shown(value: str, limit: int = 40) -> str:
    """``value`` for a one-line message: ``repr()`` (so newlines show as ``\\n``), cut after ``limit`` characters."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"


def _suggest(label: str, *candidates: str) -> str:
    good = [f"{candidate!r}" for candidate in candidates if len(candidate) <= MAX_LENGTH.get(label, sys.maxsize)]
    return f"; try {' or '.join(good)}" if good else ""


def text_error(value: str, label: str) -> str:
    """Rules for one-line free text (project_name, description, author_name): non-empty, bounded, printable."""
    if not value.strip():
        return f"{label} must not be empty."
    for position, char in enumerate(value):
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
            return (
                f"{label} {shown(value)} must be one line of printable text: "
                f"{char!r} at position {position} is a newline, control or invisible character."
            )
    if len(value) > MAX_LENGTH[label]:
        return f"{label} {shown(value)} is too long: at most {MAX_LENGTH[label]} characters."
    return ""


def project_name_error(value: str) -> str:
    problem = text_error(value, "project_name")
    if problem:
        return problem
    if not words(value):
        return (
            f"project_name {shown(value)} must contain at least one letter or digit with an ASCII form "
            "(it derives project_slug and package_name; e.g. 'Orders Service')."
        )
    if not words(value)[0][0].isalpha():
        return f"project_name {shown(value)} must start with a letter."
    width = display_width(python_string(value)) - 2
    if width > MAX_LENGTH["project_name"]:
        return (
            f"project_name {shown(value)} is too long: at most {MAX_LENGTH['project_name']} columns "
            f"as a Python string, where a wide character or an escaped quote or backslash takes two (it takes {width})."
        )
    return ""


def description_error(value: str) -> str:
    return text_error(value, "description")


def author_name_error(value: str) -> str:
    return text_error(value, "author_name")


def _too_long(value: str, label: str, hint: str = "") -> str:
    if len(value) <= MAX_LENGTH.get(label, sys.maxsize):
        return ""
    return f"{label} {shown(value)} is too long: at most {MAX_LENGTH[label]} characters{hint}."


def project_slug_error(value: str) -> str:
    if not _KEBAB_SLUG.fullmatch(value):
        fixed = kebab(value)
        example = (
            fixed if _KEBAB_SLUG.fullmatch(fixed) and len(fixed) <= MAX_LENGTH["project_slug"] else "orders-service"
        )
        return (
            f"project_slug {shown(value)} must be kebab-case: lower-case ASCII letters and digits "
            f"separated by single hyphens, starting with a letter (e.g. {example!r})."
        )
    return _too_long(value, "project_slug", " (it is derived from project_name: give a shorter project_slug)")


def identifier_error(value: str, label: str) -> str:
    """Shared rules for names that become Python identifiers (package, module, variable)."""
    if not _SNAKE_IDENTIFIER.fullmatch(value):
        fixed = snake(value)
        valid = _SNAKE_IDENTIFIER.fullmatch(fixed) and len(fixed) <= MAX_LENGTH.get(label, sys.maxsize)
        return (
            f"{label} {shown(value)} must be snake_case: lower-case ASCII letters and digits separated by "
            f"single underscores, starting with a letter (e.g. {fixed if valid else 'order_line'!r})."
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        suffix = {"package_name": "_service", "resource_plural": "_items"}.get(label, "_item")
        hint = _suggest(label, value + suffix)
        return f"{label} {value!r} is a Python keyword{hint}."
    return _too_long(value, label)


def package_name_error(value: str) -> str:
    problem = identifier_error(value, "package_name")
    if problem:
        return problem
    hint = _suggest("package_name", f"{value}_service")
    if value in sys.stdlib_module_names:
        return f"package_name {value!r} would shadow the standard-library module {value!r}{hint}."
    if value in DEPENDENCY_IMPORT_NAMES:
        return f"package_name {value!r} would shadow the dependency {value!r} of the generated project{hint}."
    if value in PROJECT_RESERVED_NAMES:
        return f"package_name {value!r} is a folder name the generated project already uses{hint}."
    return ""


def resource_error(value: str, package_name: str = "") -> str:
    problem = identifier_error(value, "resource")
    if problem:
        return problem
    hint = _suggest("resource", f"{value}_item")
    if value in PACKAGE_MODULE_NAMES or plural(value) in PACKAGE_MODULE_NAMES:
        return f"resource {value!r} clashes with a module of the generated package{hint}."
    if value in RESERVED_CLASS_STEMS:
        return f"resource {value!r} would produce class names the generated code already defines{hint}."
    if keyword.iskeyword(pascal(value)):
        return f"resource {value!r} would name its class {pascal(value)!r}, a Python keyword{hint}."
    if value == package_name:
        return f"resource {value!r} must differ from package_name{hint}."
    return ""


def resource_plural_error(value: str, resource: str = "", package_name: str = "") -> str:
    """Checks of the plural, and of the resource's number when the plural is the derived default.

    A resource that looks plural (``items``) or is uncountable (``news``) is refused here, not at
    ``resource``, so a singular noun the rules misjudge is still accepted with an explicit plural.
    """
    problem = identifier_error(value, "resource_plural")
    if problem:
        return problem
    last = resource.rsplit("_", 1)[-1]
    if value == resource:
        hint = _suggest("resource_plural", f"{resource}_items")
        if plural(resource) == resource:
            return f"resource {resource!r} is uncountable: set resource_plural to a different name{hint}."
        return f"resource_plural {value!r} must differ from resource {resource!r}{hint}."
    if value == plural(resource) and looks_plural(last):
        guess = resource[: -len(last)] + singular(last)
        return (
            f"resource {resource!r} looks plural: give the singular noun as resource{_suggest('resource', guess)}, "
            "or set resource_plural when it is singular."
        )
    if value in PACKAGE_MODULE_NAMES:
        return f"resource_plural {value!r} clashes with a module of the generated package."
    if value == package_name:
        return f"resource_plural {value!r} must differ from package_name."
    return ""


def email_error(value: str) -> str:
    too_long = _too_long(value, "author_email")
    if too_long:
        return too_long
    expected = "expected name@example.org: a dot-atom name, '@', a domain with a top-level label"
    match = _EMAIL.fullmatch(value)
    if match is None or len(match["local"]) > 64:
        return f"author_email {shown(value)} is not an e-mail address ({expected})."
    try:
        Address(addr_spec=value)
    except (HeaderParseError, ValueError, IndexError):  # pragma: no cover - the pattern is stricter
        return f"author_email {shown(value)} is not an e-mail address ({expected})."
    return ""


FILTERS: dict[str, Any] = {
    "snake": snake,
    "kebab": kebab,
    "pascal": pascal,
    "camel": camel,
    "title_words": title,
    "plural": plural,
    "with_article": with_article,
    "python_string": python_string,
    "toml_string": toml_string,
    "markdown_text": markdown_text,
    "project_name_error": project_name_error,
    "project_slug_error": project_slug_error,
    "package_name_error": package_name_error,
    "description_error": description_error,
    "author_name_error": author_name_error,
    "resource_error": resource_error,
    "resource_plural_error": resource_plural_error,
    "email_error": email_error,
}


class NamingExtension(Extension):
    """Registers the naming filters in copier's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(FILTERS)
