"""Every copier.yml validator refuses bad answers with a message saying what is wrong.

Run through copier's API (``defaults=True`` plus ``data``), as ``copier copy
--defaults -d question=value`` would.  ``BAD_ANSWERS`` is the table: each row
is the answers given, the question copier names and a fragment of the message.
A question that has a validator or choices but no row here fails
``test_every_validated_question_has_a_bad_answer``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import run_copier
from tests.matrix import ROOT

BAD_ANSWERS: list[tuple[dict[str, Any], str, str]] = [
    ({"project_name": ""}, "project_name", "project_name must not be empty"),
    ({"project_name": "!!!"}, "project_name", "must contain at least one letter or digit"),
    ({"project_name": "受注サービス"}, "project_slug", "give project_slug"),
    ({"project_name": "1st Service"}, "project_name", "must start with a letter"),
    ({"project_name": "Orders\nService"}, "project_name", "'\\n' at position 6 is a newline, control"),
    ({"project_name": "Orders\x1b[31m"}, "project_name", "must be one line of printable text"),
    ({"project_name": "S" * 5000}, "project_name", "is too long: at most 78 characters"),
    ({"project_name": "S" + "\\" * 40}, "project_name", "at most 78 columns as a Python string"),
    ({"project_slug": "Orders_Service"}, "project_slug", "must be kebab-case"),
    ({"project_slug": "orders--service"}, "project_slug", "must be kebab-case"),
    ({"project_slug": "evil-slug\n"}, "project_slug", "'evil-slug\\n' must be kebab-case"),
    ({"project_slug": "s" * 51}, "project_slug", "is too long: at most 50 characters"),
    # a derived default is validated too: a 60-character name derives a 60-character slug
    ({"project_name": "S" * 60}, "project_slug", "give a shorter project_slug"),
    ({"package_name": "Orders-Service"}, "package_name", "must be snake_case"),
    ({"package_name": "evilpkg\n"}, "package_name", "'evilpkg\\n' must be snake_case"),
    ({"package_name": "p" * 41}, "package_name", "is too long: at most 40 characters"),
    ({"package_name": "class"}, "package_name", "is a Python keyword; try 'class_service'"),
    ({"package_name": "json"}, "package_name", "would shadow the standard-library module 'json'; try 'json_service'"),
    ({"package_name": "fastapi"}, "package_name", "would shadow the dependency 'fastapi'"),
    ({"package_name": "sqlalchemy"}, "package_name", "would shadow the dependency 'sqlalchemy'"),
    ({"package_name": "alembic"}, "package_name", "would shadow the dependency 'alembic'"),
    ({"package_name": "dotenv"}, "package_name", "would shadow the dependency 'dotenv'"),
    ({"package_name": "typing_extensions"}, "package_name", "would shadow the dependency 'typing_extensions'"),
    ({"package_name": "tests"}, "package_name", "is a folder name the generated project already uses"),
    # a derived default is validated too: project_name "Json" derives package_name "json"
    ({"project_name": "Json"}, "package_name", "would shadow the standard-library module 'json'"),
    ({"project_name": "H11"}, "package_name", "would shadow the dependency 'h11'"),
    ({"description": "   "}, "description", "description must not be empty"),
    ({"description": "first line\nsecond line"}, "description", "must be one line of printable text"),
    ({"description": "d" * 201}, "description", "is too long: at most 200 characters"),
    ({"author_name": ""}, "author_name", "author_name must not be empty"),
    ({"author_name": "Team\r\nBcc: x@example.org"}, "author_name", "must be one line of printable text"),
    ({"author_name": "n" * 101}, "author_name", "is too long: at most 100 characters"),
    ({"author_email": "team.example.org"}, "author_email", "is not an e-mail address"),
    ({"author_email": "team@localhost"}, "author_email", "is not an e-mail address"),
    ({"author_email": "a,b@example.org"}, "author_email", "is not an e-mail address"),
    ({"author_email": "a<b>@example.org"}, "author_email", "is not an e-mail address"),
    ({"author_email": "team@example.org\n"}, "author_email", "is not an e-mail address"),
    ({"author_email": "a" * 250 + "@x.org"}, "author_email", "is too long: at most 254 characters"),
    ({"python_version": "3.9"}, "python_version", "'3.9' is not in"),
    ({"resource": "Item"}, "resource", "must be snake_case"),
    ({"resource": "item\n"}, "resource", "'item\\n' must be snake_case"),
    ({"resource": "r" * 31}, "resource", "is too long: at most 30 characters"),
    ({"resource": "settings"}, "resource", "clashes with a module of the generated package"),
    ({"resource": "service"}, "resource", "would produce class names the generated code already defines"),
    ({"resource": "def"}, "resource", "is a Python keyword; try 'def_item'"),
    ({"package_name": "order", "resource": "order"}, "resource", "must differ from package_name"),
    ({"resource": "items"}, "resource_plural", "'items' looks plural: give the singular noun as resource; try 'item'"),
    ({"resource": "news"}, "resource_plural", "resource 'news' is uncountable"),
    ({"resource_plural": "item"}, "resource_plural", "must differ from resource 'item'"),
    ({"resource_plural": "Items"}, "resource_plural", "must be snake_case"),
    ({"resource_plural": "widgetz\n"}, "resource_plural", "'widgetz\\n' must be snake_case"),
    ({"resource_plural": "p" * 33}, "resource_plural", "is too long: at most 32 characters"),
    ({"resource": "r" * 25 + "_quiz"}, "resource_plural", "is too long: at most 32 characters"),
    ({"resource_plural": "core"}, "resource_plural", "clashes with a module of the generated package"),
    ({"package_name": "stock", "resource_plural": "stock"}, "resource_plural", "must differ from package_name"),
    ({"database": "oracle"}, "database", "'oracle' is not in"),
    ({"orm": "peewee"}, "orm", "'peewee' is not in"),
    ({"task_queue": "rq"}, "task_queue", "'rq' is not in"),
    ({"task_queue": "celery", "broker": "kafka"}, "broker", "'kafka' is not in"),
    ({"orm": "none", "task_queue": "arq"}, "python_version", "transactional outbox, which needs a database"),
    ({"auth": "ldap"}, "auth", "'ldap' is not in"),
    ({"api_styles": []}, "api_styles", "choose at least one API style"),
    ({"api_styles": ["soap"]}, "api_styles", "'soap' is not in"),
    ({"resource": "grpc"}, "resource", "clashes with a module of the generated package"),
    ({"resource_plural": "graphql"}, "resource_plural", "clashes with a module of the generated package"),
    ({"orm": "none", "auth": "jwt"}, "python_version", "users and API keys must outlive the process"),
    ({"resource": "user", "auth": "jwt"}, "auth", "auth=jwt brings its own refresh_tokens, users"),
    (
        {"resource": "key", "resource_plural": "api_keys", "auth": "api_key"},
        "auth",
        "auth=api_key brings its own api_keys",
    ),
]


def _row_id(row: tuple[dict[str, Any], str, str]) -> str:
    data, question, _ = row
    return f"{question}:" + ",".join(f"{key}={value!r}" for key, value in data.items())


@pytest.mark.render
@pytest.mark.parametrize(("data", "question", "message"), BAD_ANSWERS, ids=[_row_id(row) for row in BAD_ANSWERS])
def test_bad_answer_is_refused(
    template_snapshot: Path, tmp_path: Path, data: dict[str, Any], question: str, message: str
) -> None:
    destination = tmp_path / "project"
    with pytest.raises(ValueError, match=f"'{question}'") as refused:
        run_copier(template_snapshot, destination, data)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value), "the reason is one line"
    assert not (destination / "pyproject.toml").exists(), "nothing is rendered for refused answers"


def test_every_validated_question_has_a_bad_answer() -> None:
    config = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    validated = {
        name
        for name, spec in config.items()
        if not name.startswith("_") and isinstance(spec, dict) and ("validator" in spec or "choices" in spec)
    }
    covered = {question for _, question, _ in BAD_ANSWERS}
    assert validated - covered == set(), "add a row to BAD_ANSWERS for each new validator"


GOOD_ANSWERS: list[dict[str, Any]] = [
    {"project_name": "Orders Service", "resource": "order_line"},
    {"project_name": "Billing", "resource": "person", "author_email": "billing@example.co.uk"},
    # non-ASCII names are transliterated for the derived names
    {"project_name": "Café Orders", "resource": "cafe", "author_name": "Zoë Ærøskøbing"},
    {"project_name": "ÜberService", "resource": "knife", "author_email": "o'brien+svc@example.ie"},
    # quotes, backslashes, Jinja and shell syntax are text
    {"project_name": 'The "Best" Service', "description": 'Says """ and ends in \\', "resource": "hero"},
    {"project_name": "Orders\\Names {{ 7*7 }} $(id)", "description": "{% raw %} `id`", "resource": "quiz"},
    # every name at its bound
    {"project_name": "S" * 40, "resource": "r" * 30, "description": "d" * 200, "author_name": "n" * 100},
    # singular nouns that end like plurals or collide with names the generated code uses
    {"project_name": "Atlas", "resource": "canvas"},
    {"project_name": "Analysis", "resource": "axis"},
]


@pytest.mark.render
@pytest.mark.parametrize("data", GOOD_ANSWERS, ids=[str(index) for index in range(len(GOOD_ANSWERS))])
def test_good_answers_render_with_derived_defaults(
    template_snapshot: Path, tmp_path: Path, data: dict[str, Any]
) -> None:
    from tests.matrix import Template

    naming = Template(template_snapshot).env.filters
    destination = tmp_path / "project"
    run_copier(template_snapshot, destination, data)
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["project_slug"] == naming["kebab"](data["project_name"])
    assert answers["package_name"] == naming["snake"](data["project_name"])
    assert answers["resource_plural"] == naming["plural"](data["resource"])
    package = destination / "src" / answers["package_name"] / answers["resource_plural"]
    assert package.is_dir(), f"the resource package {package} is rendered"


@pytest.mark.render
def test_refusal_on_the_command_line_ends_with_the_one_line_reason(template_snapshot: Path, tmp_path: Path) -> None:
    """copier prints a traceback for a refused --data answer (docs/options.md); its last line is our reason."""
    from tests.test_copier_cli import copier_cli

    destination = tmp_path / "service"
    arguments = ["copy", "--trust", "--defaults", "--vcs-ref=HEAD", "--data=package_name=json"]
    completed = copier_cli(*arguments, str(template_snapshot), str(destination))
    assert completed.returncode != 0
    assert completed.stderr.strip().splitlines()[-1] == (
        "ValueError: Validation error for question 'package_name': package_name 'json' would shadow "
        "the standard-library module 'json'; try 'json_service'."
    )
    assert not (destination / "pyproject.toml").exists()
