"""The Jinja budget of the service's source: options vary files, not lines.

A choice of an option family adds or replaces whole files (conditional names,
overlay directories) and puts its data in a table (``extensions/options.py``);
it does not add ``{% if %}`` lines to shared Python files.  This test holds the
line (docs/options.md):

- no ``{% if`` / ``{%- if`` inside ``template/src/**/*.py.jinja`` except in the
  files of ``IF_ALLOWED`` (each with the reason);
- at most ``MAX_STATEMENT_TAGS`` statement tags (``{% ... %}``: ``for``,
  ``filter``, ``include``...) in any one of those files.  ``{{ names }}`` are
  not counted: they are the answers themselves.

File *names* may hold ``{% if %}``: that is how a file is made optional.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "template" / "src"
# The most statement tags one Python template may hold (a loop over a table and a sorted
# import block take 6; the rest of the room is for one more such block).
MAX_STATEMENT_TAGS = 8
# Python templates that may hold an {% if %} line, and why (keep it short: none today).
IF_ALLOWED: dict[str, str] = {}

IF_TAG = re.compile(r"\{%-?\s*(?:el)?if\b")
STATEMENT_TAG = re.compile(r"\{%")


def python_templates(source: Path = SOURCE) -> list[Path]:
    return sorted(path for path in source.rglob("*.py.jinja") if path.is_file())


def budget_problems(path: Path, text: str, allowed: dict[str, str] = IF_ALLOWED) -> list[str]:
    """What breaks the budget in one template (``path`` relative to template/src)."""
    problems = []
    ifs = len(IF_TAG.findall(text))
    if ifs and str(path) not in allowed:
        problems.append(f"{path}: {ifs} {{% if %}} tag(s); put the variation in a file, a table or a partial")
    tags = len(STATEMENT_TAG.findall(text))
    if tags > MAX_STATEMENT_TAGS:
        problems.append(f"{path}: {tags} statement tags, more than {MAX_STATEMENT_TAGS}")
    return problems


def test_the_service_source_keeps_the_jinja_budget() -> None:
    templates = python_templates()
    assert len(templates) > 20, "the template's Python sources are where this test looks"
    problems = [
        problem
        for path in templates
        for problem in budget_problems(path.relative_to(SOURCE), path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


def test_every_allowed_file_exists_and_still_needs_its_allowance() -> None:
    for relative in IF_ALLOWED:
        path = SOURCE / relative
        assert path.is_file(), f"IF_ALLOWED names {relative}, which is gone"
        assert IF_TAG.search(path.read_text(encoding="utf-8")), f"{relative} has no {{% if %}} left: drop it"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = 1\n{% if orm == 'none' %}y = 2\n{% endif %}\n", "{% if %} tag"),
        ("{%- if a %}{% elif b %}{% endif %}", "2 {% if %} tag"),
        ("{% for a in b %}{% endfor %}" * 5, "10 statement tags"),
    ],
)
def test_the_budget_catches_lines_that_vary_by_option(text: str, expected: str) -> None:
    problems = budget_problems(Path("pkg/app.py.jinja"), text)
    assert any(expected in problem for problem in problems), problems


def test_conditional_file_names_and_names_are_free() -> None:
    text = "from {{ package_name }}.{{ resource_plural }} import router\n" * 50
    assert budget_problems(Path("{% if has_database %}db{% endif %}/engine.py.jinja"), text) == []
