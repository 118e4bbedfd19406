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

import json
import re
import sys
import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address
from pathlib import Path
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

# What every supported Python reserves (extensions/python_names.json, written by
# ``python -m tests.python_names --write`` from each ``python_version`` choice's interpreter): a
# service runs on all of them, whatever Python runs copier (``type`` is a soft keyword from 3.12).
_PYTHON_NAMES = json.loads(Path(__file__).with_name("python_names.json").read_text(encoding="utf-8"))
PYTHON_KEYWORDS = frozenset(_PYTHON_NAMES["keywords"])
PYTHON_SOFT_KEYWORDS = frozenset(_PYTHON_NAMES["soft_keywords"])
STDLIB_MODULE_NAMES = frozenset(_PYTHON_NAMES["stdlib_module_names"]) | sys.stdlib_module_names

# Top-level import names of every distribution installed with a generated project, for every
# requirement set the options make (runtime, dev tools and what they pull in), so a package named
# like one of them would shadow it. tests/test_reserved_names.py lists them from the venv of each
# requirement set of the run's combinations and writes the complete list when one is missing here.
DEPENDENCY_IMPORT_NAMES = frozenset(
    json.loads(Path(__file__).with_name("dependency_import_names.json").read_text(encoding="utf-8"))["names"]
)
# Names the options generate beside the resource's own ones, in one namespace with them: a
# resource or plural taking one would meet it (GraphQL's ``Query`` for the resource ``query``,
# gRPC's ``tests/grpc/test_server.py`` for the plural ``server``, a proto field ``total``...).
# Refused whatever the answers, so an option added later by ``copier update`` still renders.
# tests/test_answer_fuzz.py finds them exhaustively in probe renders of every option and writes
# the complete file when one is missing: {question: {answer: where it meets a generated name}}.
_GENERATED_NAMES = json.loads(Path(__file__).with_name("generated_names.json").read_text(encoding="utf-8"))
GENERATED_RESOURCE_NAMES: dict[str, str] = _GENERATED_NAMES["resource"]
GENERATED_PLURAL_NAMES: dict[str, str] = _GENERATED_NAMES["resource_plural"]
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
        "openapi",
        "web",
        "db",
        "memory",
        "plugins",
        "outbox",
        "webhooks",
        "worker",
        "auth",
        "cli",
        "scopes",
        "graphql",
        "grpc",
        "rest",
        "servicer",
        "protos",
    }
)
# Class names the generated code defines beside the resource's own classes, and those its modules
# import by name beside the resource's class (tests/test_answer_fuzz.py finds them in a rendered
# project and fails when one is missing here).
RESERVED_CLASS_STEMS = frozenset(
    {"base", "entity", "page", "problem", "settings", "session", "event", "service", "repository"}
    | {"conflict_error", "not_found_error", "event_publisher", "async_session"}
    | {"invalid_data_error", "database_unavailable_error"}
    | {"unit_of_work", "plugin", "recorded_events", "domain_event", "event_bus"}
    | {"outbox_message", "outbox_relay", "webhook_delivery", "webhook_service", "webhook_event"}
    | {"queue_settings", "webhook_settings", "circuit_breaker", "retry_policy", "job_context"}
    | {"principal", "token_settings", "api_key_settings"}
    | {"oidc_settings", "not_authenticated_error", "permission_denied_error", "too_many_attempts_error"}
    | {"grpc_settings"}
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


# Characters ruff's ambiguous-unicode rule (RUF001) reports in a string, as hex code points and
# ranges: python_string escapes them, so a project_name such as "O\N{RIGHT SINGLE QUOTATION MARK}Brien"
# passes the generated project's `ruff check`.  tests/test_escaping.py compares the list with the
# ruff of the generated project and prints the new list when they differ.
_RUFF_CONFUSABLE_RANGES = """
A0 B4 B8 D7 131 17F 184 18D 1A6-1A7 1B7 1BC-1BD 1C0 1C3 21C 222-223 241 251 261 263 269-26A 26F 28B
28F 294 2B9 2BB-2BE 2C2-2C4 2C6 2C8 2CA-2CB 2D0 2D7 2DB-2DC 2F4 2F8 374 37A 37E-37F 384 391-392
395-397 399-39A 39C-39D 39F 3A1 3A4-3A5 3A7 3B1 3B3 3B9 3BD 3BF 3C1 3C3 3C5 3D2 3DC 3E8 3F1-3F3
3F9-3FA 405-406 408 410 412 415 417 41A 41C-41E 420-423 425 42C 430-431 433 435 43E 440-441 443 445
455-456 458 461 474-475 4AE-4AF 4BB 4BD 4C0 4CF 4E0 501 50C 51B-51D 54D 54F 555 55A 55D 561 563 566
570 578 57C-57D 581 584-585 589 5C0 5C3 5D5 5D8-5D9 5DF 5E1 5F3 60D 627 647 660-661 665 667 66B 66D
6BE 6C1 6D4-6D5 6F0-6F1 6F5 6F7 701-704 7C0 7CA 7F4-7F5 7FA 903 966 97D 9E6 9EA 9ED A66-A67 A6A A83
AE6 B03 B20 B66 B68 BE6 C02 C66 C82 CE6 D02 D20 D66 D6D D82 E50 ED0 101D 1040 10E7 10FF 1200 12D0
13A0-13A2 13A5 13A9-13AC 13AE 13B3 13B7 13BB 13BD 13C0 13C2-13C3 13CE-13CF 13D2 13D4-13D5 13D9-13DA
13DE-13DF 13E2 13E6-13E7 13EE 13F3-13F4 1400 142F 1433 1438 144A 144C 146D 146F 1472 148D 14AA 14BF
1541 157C-157D 1587 15AF 15B4 15C5 15DE 15EA 15F0 15F7 166D-166E 1680 16B2 16B7 16C1 16CC 16D5-16D6
16EC-16ED 1735 1803 1809 1D04 1D0F 1D11 1D1C 1D20-1D22 1D26 1D83 1D8C 1E9D 1EFF 1FBD-1FC0 1FEF
1FFD-1FFE 2000-200A 2010-2013 2018-201B 2024 202F 2032 2035 2039-203A 2041 2043-2044 204E 2053 205A
205F 2102 210A-210E 2110-2113 2115 2119-211D 2124 2128 212A 212C-2131 2133-2134 2139 213D 2145-2149
2160 2164 2169 216C-2170 2174 2179 217C-217E 2212 2215-2217 2223 2228 222A 2236 223C 22A4 22C1 22C3
22FF 2373-2374 237A 23FD 2571 2573 2768-2769 276E-276F 2772-2775 2795-2796 27CB 27CD 27D9 292B-292C
29F5 29F8-29F9 2A2F 2C85 2C8E 2C92 2C94 2C98 2C9A 2C9E-2C9F 2CA2-2CA6 2CA8 2CAC 2CBA 2CC6 2CCA 2CCC
2CD0 2CD2 2D38-2D39 2D4F 2D51 2D54-2D55 2D5D 2E40 2F02-2F03 3007 3014-3015 3033 30A0 30CE 31D3-31D4
4E36 4E3F A4D0-A4D4 A4D6-A4D7 A4D9-A4DA A4DC-A4DD A4DF-A4E3 A4E6-A4E7 A4EA-A4EC A4EE A4F0 A4F2-A4F4
A4F8-A4F9 A4FD A4FF A60E A644 A647 A6DF A6EB A6EF A731 A75A A76A A76E A778 A789 A78C A798-A799 A79F
A7AB A7B2-A7B4 AB32 AB35 AB3D AB47-AB48 AB4E AB52 AB5A AB75 AB81 AB83 AB93 ABA9-ABAA ABAF FBA6-FBAD
FD3E-FD3F FE30 FE4D-FE4F FE58 FE68 FE8D-FE8E FEE9-FEEC FF01-FF5E FFE8 10282 10286-10287 1028A 10290
10292 10295-10297 1029B 102A0-102A2 102A5 102AB 102B0-102B2 102B4 102CF 102F5 10301-10302 10309
10311 10315 10317 1031A 1031F-10320 10322 10404 10415 1041B 10420 1042C 1043D 10448 104B4 104C2
104CE 104D2 104EA 104F6 10513 10516 10518 1051C-1051D 10525-10527 10A50 114D0 11706 1170A
1170E-1170F 118A0 118A2-118A4 118A6 118A9 118AC 118AE-118AF 118B2 118B5 118B8 118BB-118BC
118C0-118C4 118C6 118C8 118CA 118CC 118D5-118D8 118DC 118E0 118E5-118E6 118E9 118EC 118EF 118F2
16F08 16F0A 16F16 16F28 16F35 16F3A-16F3B 16F3F-16F40 16F42-16F43 16F51-16F52 1D114 1D16D 1D206
1D20D 1D20F 1D212-1D213 1D216 1D22A 1D236-1D237 1D23A-1D23B 1D400-1D454 1D456-1D459 1D45B-1D48D
1D48F-1D49C 1D49E-1D49F 1D4A2 1D4A5-1D4A6 1D4A9-1D4AC 1D4AE-1D4B9 1D4BB 1D4BD-1D4C1 1D4C3
1D4C5-1D4F5 1D4F7-1D505 1D507-1D50A 1D50D-1D514 1D516-1D51C 1D51E-1D529 1D52B-1D539 1D53B-1D53E
1D540-1D544 1D546 1D54A-1D550 1D552-1D55D 1D55F-1D591 1D593-1D5C5 1D5C7-1D5F9 1D5FB-1D62D
1D62F-1D661 1D663-1D695 1D697-1D6A4 1D6A8-1D6A9 1D6AC-1D6AE 1D6B0-1D6B1 1D6B3-1D6B4 1D6B6 1D6B8
1D6BB-1D6BC 1D6BE 1D6C2 1D6C4 1D6CA 1D6CE 1D6D0 1D6D2 1D6D4 1D6D6 1D6E0 1D6E2-1D6E3 1D6E6-1D6E8
1D6EA-1D6EB 1D6ED-1D6EE 1D6F0 1D6F2 1D6F5-1D6F6 1D6F8 1D6FC 1D6FE 1D704 1D708 1D70A 1D70C 1D70E
1D710 1D71A 1D71C-1D71D 1D720-1D722 1D724-1D725 1D727-1D728 1D72A 1D72C 1D72F-1D730 1D732 1D736
1D738 1D73E 1D742 1D744 1D746 1D748 1D74A 1D754 1D756-1D757 1D75A-1D75C 1D75E-1D75F 1D761-1D762
1D764 1D766 1D769-1D76A 1D76C 1D770 1D772 1D778 1D77C 1D77E 1D780 1D782 1D784 1D78E 1D790-1D791
1D794-1D796 1D798-1D799 1D79B-1D79C 1D79E 1D7A0 1D7A3-1D7A4 1D7A6 1D7AA 1D7AC 1D7B2 1D7B6 1D7B8
1D7BA 1D7BC 1D7BE 1D7C8 1D7CA 1D7CE-1D7FF 1E8C7 1E8CB 1EE00 1EE24 1EE64 1EE80 1EE84 1F74C 1F768
1FBF0-1FBF9
"""


def _code_points(ranges: str) -> frozenset[int]:
    code_points: set[int] = set()
    for item in ranges.split():
        first, _, last = item.partition("-")
        code_points.update(range(int(first, 16), int(last or first, 16) + 1))
    return frozenset(code_points)


RUFF_CONFUSABLES = _code_points(_RUFF_CONFUSABLE_RANGES)


def _ruff_would_flag(value: str) -> set[int]:
    """Positions of the characters ruff's RUF001 reports in a string holding ``value``.

    ruff's rule (after VS Code's): a confusable character between words is always reported; inside
    a word (a run of letters and digits) only when the word has an ASCII character or no other
    non-ASCII character: the Cyrillic word ``Сервис`` is left alone, ``O\N{RIGHT SINGLE QUOTATION MARK}Brien``
    and ``Service`` spelt with a Cyrillic DZE are not.
    """
    flagged: set[int] = set()
    candidates: list[int] = []
    has_ascii = has_unambiguous = False
    for position, char in enumerate([*value, " "]):
        if not char.isalnum():
            if has_ascii or not has_unambiguous:
                flagged.update(candidates)
            candidates, has_ascii, has_unambiguous = [], False, False
            if ord(char) in RUFF_CONFUSABLES:
                flagged.add(position)
        elif char.isascii():
            has_ascii = True
        elif ord(char) in RUFF_CONFUSABLES:
            candidates.append(position)
        else:
            has_unambiguous = True
    return flagged


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def python_string(value: str) -> str:
    """A Python string literal of ``value`` as ``ruff format`` writes it and ``ruff check`` accepts it.

    Double quotes unless the text holds more double than single quotes; backslashes, the chosen
    quote, control characters and the characters ruff reports as confusable (a typographic
    apostrophe, an en dash, a no-break space) escaped; other characters kept (source files are UTF-8).
    """
    quote = "'" if value.count('"') > value.count("'") else '"'
    confusable = _ruff_would_flag(value)
    body = []
    for position, char in enumerate(value):
        if char in {"\\", quote}:
            body.append("\\" + char)
        elif char == "\n":
            body.append("\\n")
        elif char == "\t":
            body.append("\\t")
        elif position in confusable or unicodedata.category(char) in {"Cc", "Cs", "Zl", "Zp"}:
            body.append(_escape(char))
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


ZERO_WIDTH_JOINER = "\u200d"
# What may stand between an emoji and the joiner: a variation selector, a skin tone.
_EMOJI_MODIFIERS = frozenset({"\ufe0f", "\ufe0e", *map(chr, range(0x1F3FB, 0x1F400))})


def _joins_emoji(value: str, position: int) -> bool:
    """Whether the joiner at ``position`` stands between two emoji (symbols), as in 👩‍💻."""
    before = value[:position].rstrip("".join(_EMOJI_MODIFIERS))
    after = value[position + 1 :]
    return bool(before and after) and unicodedata.category(before[-1]) == "So" == unicodedata.category(after[0])


def text_error(value: str, label: str) -> str:
    """Rules for one-line free text (project_name, description, author_name): non-empty, bounded, printable."""
    if not value.strip():
        return f"{label} must not be empty."
    for position, char in enumerate(value):
        if char == ZERO_WIDTH_JOINER and _joins_emoji(value, position):
            continue  # 👩‍💻: one emoji drawn from several
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
            return (
                f"{label} {shown(value)} must be one line of printable text: "
                f"{char!r} at position {position} is a newline, control or invisible character."
            )
    return _too_long(value, label)


def project_name_error(value: str) -> str:
    problem = text_error(value, "project_name")
    if problem:
        return problem
    first = next((char for char in value if char.isalnum()), "")
    if not first:
        return f"project_name {shown(value)} must contain at least one letter or digit (e.g. 'Orders Service')."
    if not first.isalpha():
        return f"project_name {shown(value)} must start with a letter."
    width = display_width(python_string(value)) - 2
    if width > MAX_LENGTH["project_name"]:
        return (
            f"project_name {shown(value)} is too long: at most {MAX_LENGTH['project_name']} columns "
            f"as a Python string, where a wide character takes two and an escape its length (it takes {width})."
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
    if not value:
        return (
            "project_slug is empty: project_name has no letter or digit with an ASCII form to derive it "
            "from; give project_slug (e.g. 'orders-service') and package_name."
        )
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
    if value in PYTHON_KEYWORDS or value in PYTHON_SOFT_KEYWORDS:
        suffix = {"package_name": "_service", "resource_plural": "_items"}.get(label, "_item")
        hint = _suggest(label, value + suffix)
        return f"{label} {value!r} is a Python keyword{hint}."
    return _too_long(value, label)


def package_name_error(value: str) -> str:
    problem = identifier_error(value, "package_name")
    if problem:
        return problem
    hint = _suggest("package_name", f"{value}_service")
    if value in STDLIB_MODULE_NAMES:
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
    if pascal(value) in PYTHON_KEYWORDS:
        return f"resource {value!r} would name its class {pascal(value)!r}, a Python keyword{hint}."
    if value in GENERATED_RESOURCE_NAMES:
        where = GENERATED_RESOURCE_NAMES[value]
        return f"resource {value!r} would meet a name the template generates ({where}){hint}."
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
    if value in GENERATED_PLURAL_NAMES:
        where = GENERATED_PLURAL_NAMES[value]
        hint = _suggest("resource_plural", f"{value}_items")
        return f"resource_plural {value!r} would meet a name the template generates ({where}){hint}."
    if value == package_name:
        return f"resource_plural {value!r} must differ from package_name."
    return ""


# What each auth choice brings into the package: a resource may not take these names.
AUTH_OWN_NAMES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # choice: (resources, plurals)
    "jwt": (frozenset({"user", "refresh_token"}), frozenset({"users", "refresh_tokens"})),
    "api_key": (frozenset({"api_key"}), frozenset({"api_keys"})),
}


def auth_name_error(value: str, resource: str = "", resource_plural: str = "") -> str:
    """The resource may not take a name the auth choice ``value`` brings (jwt: users...)."""
    resources, plurals = AUTH_OWN_NAMES.get(value, (frozenset(), frozenset()))
    if resource in resources or resource_plural in plurals:
        taken = ", ".join(sorted(plurals))
        return f"auth={value} brings its own {taken}: name the resource differently or choose another auth."
    return ""


def api_styles_error(value: object) -> str:
    """At least one API style: a service nobody can call is no service."""
    if not value:
        return "api_styles: choose at least one API style (rest, graphql or grpc)."
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
    "auth_name_error": auth_name_error,
    "api_styles_error": api_styles_error,
}


class NamingExtension(Extension):
    """Registers the naming filters in copier's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(FILTERS)
