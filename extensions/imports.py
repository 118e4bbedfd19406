"""The ``sorted_imports`` filter: a block of imports in the order ruff's isort gives it.

``sorted_names`` orders the names of an ``__all__`` the way ruff's RUF022 wants them.

Templates wrap an import block that mixes fixed modules with answer-derived ones
(``{{ package_name }}.{{ resource_plural }}...`` beside ``{{ package_name }}.core...``,
or ``tests.fakes`` beside ``{{ package_name }}...``) in ``{% filter sorted_imports %}``,
so the rendered project passes ``ruff check`` (I001) whatever the names sort like.

The order is ruff's for one section with its default settings
(``force-sort-within-sections = false``, ``case-sensitive = false``,
``order-by-type = true``): ``import x`` statements before ``from x import y``
statements, then by module name compared case-insensitively in natural order
(runs of digits compare as numbers), then by the first imported name and its
alias.  A statement may span several lines (a parenthesised member list).  A one-line
``from x import a, b`` longer than the generated projects' line length (100) is wrapped as
ruff wraps it: one member per line in parentheses, with a trailing comma, so a long package
name never makes a block fail ``ruff check`` (E501, I001) or ``ruff format --check``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

_DIGITS = re.compile(r"\d+")
_STATEMENT = re.compile(r"^(?:from|import)\s")
_FROM = re.compile(r"^from\s+(\S+)\s+import\s+\(?\s*([\w.]+)(?:\s+as\s+(\w+))?")
_IMPORT = re.compile(r"^import\s+([\w.]+)(?:\s+as\s+(\w+))?")
_ONE_LINE_FROM = re.compile(r"^(from\s+\S+\s+import)\s+([^()\n]+)$")
# The generated projects' ruff line-length (template/pyproject.toml.jinja).
LINE_LENGTH = 100


def natural_compare(left: str, right: str) -> int:
    """``natord::compare`` as ruff uses it: characters one by one, runs of digits as numbers."""
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i].isdigit() and right[j].isdigit():
            left_run = _DIGITS.match(left, i)
            right_run = _DIGITS.match(right, j)
            assert left_run is not None  # both start with a digit
            assert right_run is not None
            a, b = left_run.group(), right_run.group()
            if a.startswith("0") or b.startswith("0"):  # fractional part: compared left-aligned
                if a != b:
                    return -1 if a < b else 1
            elif (len(a), a) != (len(b), b):
                return -1 if (len(a), a) < (len(b), b) else 1
            i, j = left_run.end(), right_run.end()
            continue
        if left[i] != right[j]:
            return -1 if left[i] < right[j] else 1
        i += 1
        j += 1
    return (len(left) - i > 0) - (len(right) - j > 0)


@functools.total_ordering
class _Natural:
    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Natural) and natural_compare(self.text, other.text) == 0

    def __lt__(self, other: _Natural) -> bool:
        return natural_compare(self.text, other.text) < 0

    def __hash__(self) -> int:
        return hash(self.text)


def _member_type(name: str) -> int:
    """ruff's ``order-by-type``: CONSTANTS, then Classes, then variables."""
    if len(name) > 1 and name.isupper():
        return 0
    if name[:1].isupper():
        return 1
    return 2


def statements(block: str) -> list[str]:
    """The import statements of ``block``, each with its continuation lines."""
    result: list[str] = []
    depth = 0
    for line in block.splitlines():
        if not line.strip():
            continue
        if depth == 0 and _STATEMENT.match(line):
            result.append(line)
        elif result:
            result[-1] += "\n" + line
        else:
            raise ValueError(f"sorted_imports: {line!r} is not an import statement")
        depth += line.count("(") - line.count(")")
    return result


def import_key(statement: str) -> tuple[Any, ...]:
    """Where ruff puts ``statement`` within its section."""
    flat = " ".join(statement.split())
    found = _FROM.match(flat)
    if found:
        module, member, alias = found.groups()
        return (1, _Natural(module.lower()), _member_type(member), _Natural(member.lower()), alias or "")
    found = _IMPORT.match(flat)
    if found:
        module, alias = found.groups()
        return (0, _Natural(module.lower()), 0, _Natural(""), alias or "")
    raise ValueError(f"sorted_imports: {statement!r} is not an import statement")


def wrapped(statement: str, line_length: int = LINE_LENGTH) -> str:
    """``statement``, or one member per line when a one-line ``from`` import is too long."""
    found = _ONE_LINE_FROM.match(statement)
    if found is None or len(statement) <= line_length:
        return statement
    head, members = found.groups()
    names = [member.strip() for member in members.split(",") if member.strip()]
    return head + " (\n" + "".join(f"    {name},\n" for name in names) + ")"


def sorted_imports(block: str) -> str:
    """``block``'s import statements in ruff's order (blank lines dropped, the final newline kept)."""
    ordered = [wrapped(statement) for statement in sorted(statements(block), key=import_key)]
    return "\n".join(ordered) + ("\n" if block.endswith("\n") else "")


def import_section(block: str) -> str:
    """An optional section of imports: none at all, or a blank line, the sorted statements and a newline.

    For imports that only some answers bring (a feature's settings), placed right after
    the previous section: ``{% filter import_section %}...{% endfilter %}`` then a blank line.
    """
    found = [wrapped(statement) for statement in sorted(statements(block), key=import_key)]
    return "\n" + "\n".join(found) + "\n" if found else ""


def sorted_names(names: list[str]) -> list[str]:
    """``names`` in the order ruff wants an ``__all__`` in (RUF022: CONSTANTS, Classes, others; natural)."""
    return sorted(names, key=lambda name: (_member_type(name), _Natural(name)))


class ImportsExtension(Extension):
    """Registers ``sorted_imports``, ``import_section`` and ``sorted_names`` in copier's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["sorted_imports"] = sorted_imports
        environment.filters["sorted_names"] = sorted_names
        environment.filters["import_section"] = import_section
