"""`copier update` carries template changes into a service that its team has already edited.

Two kinds of tests:

- synthetic: the template is snapshotted into a throw-away git repository and tagged v1; a
  service is generated from v1 and edited the way a team would; the template then changes (v2)
  and the service is updated;
- real history (``test_update_from_previous_release_*``): a service generated from the previous
  release (the newest release heading of CHANGELOG.md names its commit) and edited by its team
  is updated to the template as it is now (HEAD plus the working tree's changes, committed on
  top of the real history in a throw-away clone).  Nothing the team wrote may be lost, nothing
  may be left half-merged, ``_commit`` moves and the service's own checks pass afterwards; an
  update to the same version changes nothing, and an update without team edits gives exactly
  what a fresh copy of the current template gives.

Template changes must arrive, the team's edits must survive, and nothing may be left half-merged.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import copier
import pytest
import yaml

from tests.harness import (
    Toolchain,
    git,
    project_commands,
    project_files,
    project_requirements,
    report,
    run_copier,
    snapshot,
    verify,
)
from tests.matrix import Combination, Template, options_module
from tests.release import Release, previous_release
from tests.services import provisioned

pytestmark = pytest.mark.render


def commit_all(repo: Path, message: str, tag: str | None = None) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "--quiet", "--no-verify", "-m", message, cwd=repo)
    if tag:
        git("tag", tag, cwd=repo)


def conflict_leftovers(project: Path) -> list[str]:
    found = []
    for path in project.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        if path.suffix == ".rej":
            found.append(str(path))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if "<<<<<<< " in text or ">>>>>>> " in text:
            found.append(str(path))
    return found


@pytest.fixture
def template_v1(template_root: Path, tmp_path: Path) -> Path:
    repo = snapshot(template_root, tmp_path / "template")
    git("tag", "v1", cwd=repo)
    return repo


@pytest.fixture
def service(template_v1: Path, tmp_path: Path) -> Path:
    project = tmp_path / "service"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            str(template_v1),
            str(project),
            data={"resource": "book"},
            defaults=True,
            unsafe=True,
            quiet=True,
            vcs_ref="v1",
        )
    git("init", "--quiet", cwd=project)
    commit_all(project, "generated from v1")
    return project


def update(project: Path, vcs_ref: str = "v2", conflict: Literal["inline", "rej"] = "rej", **data: object) -> None:
    """``copier update --trust --defaults --vcs-ref vcs_ref`` with ``data`` as changed answers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_update(
            str(project),
            data=data,
            defaults=True,
            overwrite=True,
            unsafe=True,
            quiet=True,
            vcs_ref=vcs_ref,
            conflict=conflict,
        )


def test_update_brings_template_changes_and_keeps_team_edits(template_v1: Path, service: Path) -> None:
    # The team edits its service.
    service_py = service / "src" / "my_service" / "books" / "service.py"
    service_py.write_text(service_py.read_text(encoding="utf-8") + "\n\nTEAM_CONSTANT = 42\n", encoding="utf-8")
    (service / "src" / "my_service" / "books" / "extra.py").write_text('"""Team code."""\n', encoding="utf-8")
    commit_all(service, "team edits")

    # The template improves: a README section, a new shipped file.
    readme = template_v1 / "template" / "README.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n## Added in v2\n", encoding="utf-8")
    (template_v1 / "template" / "CHANGELOG.md").write_text("# Changelog\n\n- v2\n", encoding="utf-8")
    commit_all(template_v1, "template v2", tag="v2")

    update(service)

    assert "## Added in v2" in (service / "README.md").read_text(encoding="utf-8")
    assert (service / "CHANGELOG.md").exists()
    assert "TEAM_CONSTANT = 42" in service_py.read_text(encoding="utf-8")
    assert (service / "src" / "my_service" / "books" / "extra.py").exists()
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_commit"] == "v2"
    assert answers["resource"] == "book"
    assert conflict_leftovers(service) == []


def test_update_can_change_an_answer(template_v1: Path, service: Path) -> None:
    git("tag", "v2", cwd=template_v1)

    update(service, database="postgresql")

    pyproject = (service / "pyproject.toml").read_text(encoding="utf-8")
    assert '"asyncpg' in pyproject
    assert "postgresql+asyncpg://" in (service / "src" / "my_service" / "db" / "settings.py").read_text(
        encoding="utf-8"
    )
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["database"] == "postgresql"
    assert conflict_leftovers(service) == []


def test_update_can_add_every_api_style(template_v1: Path, service: Path) -> None:
    """A REST service gets the other styles by answering api_styles again; its services stay."""
    git("tag", "v2", cwd=template_v1)
    styles = [str(choice.value) for choice in Template(template_v1).question("api_styles").choices()]
    unchanged = [f"src/my_service/books/{name}.py" for name in ("service", "repository", "models", "dependencies")]

    update(service, api_styles=styles)

    answers = yaml.safe_load((service / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["api_styles"] == styles
    package = service / "src" / "my_service"
    for row in options_module(template_v1).API_STYLES.values():
        for path, _ in row.package_layout:
            assert (package / path.rstrip("/")).is_dir(), f"{row.key}: {path} arrived"
        for path, _ in row.domain_layout:
            assert (package / "books" / path).is_file(), f"{row.key}: books/{path} arrived"
    assert git("status", "--porcelain", "--", *unchanged, cwd=service) == "", "the services did not change"
    assert conflict_leftovers(service) == []


# -- real history: the previous release -> the template as it is now ----------------------------

PACKAGE = "src/my_service"  # the default answers' package and resource (item / items)
# The checks a team runs after an update (the service's CI commands that start with these).
CHECKS = ("ruff check", "ruff format --check", "mypy", "lint-imports", "deptry", "alembic upgrade", "pytest")


# Conflicts the template's own changes make inevitable in a file the team also edited, and what the
# team does about them (CHANGELOG "To do", docs/updating.md).  The test does the same: it resolves
# each one as the CHANGELOG says, then runs the service's checks.
@dataclass(frozen=True)
class ExpectedConflict:
    reason: str
    # Take the template's side of every conflict in the file, then redo the team's change where
    # the template moved the code: (file, text before, text after).
    redo: tuple[str, str, str]
    # The team's edits that now live in another file: {line: new file}.
    moved: dict[str, str]
    # The team's lines the redo writes differently: {line before: line after}.
    rewritten: dict[str, str] = field(default_factory=dict)


POOL_LINE = "database_pool_size: int = Field(default=20, ge=1)"
EXPECTED_CONFLICTS: dict[str, ExpectedConflict] = {
    f"{PACKAGE}/core/settings.py": ExpectedConflict(
        reason="0.3.0 moved the database settings to db/settings.py",
        redo=(f"{PACKAGE}/db/settings.py", "database_pool_size: int = Field(default=10, ge=1)", POOL_LINE),
        moved={POOL_LINE: f"{PACKAGE}/db/settings.py"},
    ),
    f"{PACKAGE}/items/router.py": ExpectedConflict(
        reason="0.3.0: routes take the caller and pass it to the service (the delete route's last line)",
        redo=(
            f"{PACKAGE}/items/router.py",
            "    await service.delete(item_id, writer)\n",
            "    await service.delete(item_id, writer)\n" + "{NAME_ENDPOINT}",
        ),
        moved={},
    ),
    f"{PACKAGE}/items/service.py": ExpectedConflict(
        reason="0.3.0: create records who made the item (created_by=actor.subject)",
        redo=(
            f"{PACKAGE}/items/service.py",
            "                description=data.description,\n",
            "                description=data.description,\n                tag=data.tag,\n",
        ),
        moved={},
        rewritten={"Item(name=data.name, description=data.description, tag=data.tag),": "tag=data.tag,"},
    ),
}
CONFLICT = re.compile(r"^<<<<<<< [^\n]*\n(.*?)^=======\n(.*?)^>>>>>>> [^\n]*\n", re.DOTALL | re.MULTILINE)


def resolve_as_the_changelog_says(service: Path, relative: str, conflict: ExpectedConflict) -> None:
    path = service / relative
    path.write_text(CONFLICT.sub(lambda match: match.group(2), path.read_text(encoding="utf-8")), encoding="utf-8")
    target, before, after = conflict.redo
    replace_once(service / target, before, after.replace("{NAME_ENDPOINT}", NAME_ENDPOINT))


@dataclass(frozen=True)
class History:
    """A clone of the real template repository with the working tree committed on top (HEAD)."""

    repo: Path
    previous: Release
    head: str


@pytest.fixture(scope="module")
def history(template_root: Path, tmp_path_factory: pytest.TempPathFactory) -> History:
    changelog = (template_root / "CHANGELOG.md").read_text(encoding="utf-8")
    previous = previous_release(changelog)
    if previous is None or previous.commit is None:
        pytest.skip("CHANGELOG.md names no previous release commit ('## X.Y.Z — date — commit <sha>')")
    # harness.snapshot clones the real repository (its whole history) and commits the working
    # tree's changes on top: the previous release and the current state are in one repository.
    repo = snapshot(template_root, tmp_path_factory.mktemp("history") / "template")
    try:
        git("cat-file", "-e", f"{previous.commit}^{{commit}}", cwd=repo)
    except subprocess.CalledProcessError:
        pytest.skip(
            f"release {previous.version}'s commit {previous.commit[:12]} is not in this clone "
            "(a shallow clone? `git fetch --unshallow`)"
        )
    return History(repo, previous, git("rev-parse", "HEAD", cwd=repo).strip())


def generate(history: History, ref: str, destination: Path) -> Path:
    """A service of the default answers from ``ref``, committed in its own git repository.

    As a team gets it: with the template's ``_tasks`` (``uv lock``), which ``copier update`` runs
    too (the harness skips them for the matrix).
    """
    run_copier(history.repo, destination, {}, vcs_ref=ref, skip_tasks=False)
    git("init", "--quiet", cwd=destination)
    commit_all(destination, f"generated from {ref}")
    return destination


def update_to(project: Path, ref: str) -> str:
    """``copier update --trust --defaults --vcs-ref ref`` (inline conflict markers); the error, if any."""
    try:
        update(project, vcs_ref=ref, conflict="inline")
    except Exception as error:  # reported by the test with everything else that is wrong
        return f"{type(error).__name__}: {error}"
    return ""


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name}: the team's edit expects {old!r} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


TAG_MIGRATION = '''"""Add the items' tag.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("items", sa.Column("tag", sa.String(length=50), nullable=True))


def downgrade() -> None:
    op.drop_column("items", "tag")
'''

NAME_ENDPOINT = """

@router.get(
    "/{item_id}/name",
    response_model=ItemName,
    responses=problem_responses(404, 422, 503),
    summary="Get an item's name",
    description="A 404 problem when no record has this id.",
)
async def get_item_name(
    item_id: uuid.UUID,
    service: ItemServiceDep,
) -> ItemName:
    return ItemName(name=await service.name_of(item_id))
"""


def team_edits(project: Path) -> dict[str, list[str]]:
    """What a team does in its first weeks; returns, per file, the lines that must survive an update."""
    package = project / PACKAGE
    # A field in the model, the schemas and a migration.
    models = package / "items" / "models.py"
    replace_once(models, "NAME_MAX_LENGTH = 200\n", "NAME_MAX_LENGTH = 200\nTAG_MAX_LENGTH = 50\n")
    tag_column = "    tag: orm.Mapped[str | None] = orm.mapped_column(sa.String(TAG_MAX_LENGTH), default=None)\n"
    replace_once(
        models,
        "orm.mapped_column(sa.Text, default=None)\n",
        "orm.mapped_column(sa.Text, default=None)\n" + tag_column,
    )
    schemas = package / "items" / "schemas.py"
    replace_once(
        schemas, "from .models import NAME_MAX_LENGTH\n", "from .models import NAME_MAX_LENGTH, TAG_MAX_LENGTH\n"
    )
    tag_type = "Tag = Annotated[str, StringConstraints(max_length=TAG_MAX_LENGTH), StorableText]\n"
    replace_once(schemas, "\n# How a record looks", "\n" + tag_type + "\n# How a record looks")
    tag_field = '    tag: Tag | None = Field(default=None, description="A label of the team\'s")\n'
    replace_once(
        schemas,
        '    description: Description | None = Field(default=None, description="Free text")\n',
        '    description: Description | None = Field(default=None, description="Free text")\n' + tag_field,
    )
    replace_once(
        schemas,
        "    description: str | None\n    created_at: datetime\n",
        "    description: str | None\n    tag: str | None = None\n    created_at: datetime\n",
    )
    name_schema = '\n\nclass ItemName(BaseModel):\n    """An item\'s name alone."""\n\n    name: str\n'
    schemas.write_text(schemas.read_text(encoding="utf-8") + name_schema, encoding="utf-8")
    migration = project / "migrations" / "versions" / "0002_add_item_tag.py"
    migration.write_text(TAG_MIGRATION, encoding="utf-8")
    # A service method and an endpoint using it.
    service = package / "items" / "service.py"
    create_line = "Item(name=data.name, description=data.description, tag=data.tag),"
    replace_once(service, "Item(name=data.name, description=data.description),", create_line)
    name_of = (
        "\n    async def name_of(self, entity_id: uuid.UUID) -> str:\n"
        "        entity = await self._repository.get(entity_id)\n"
        "        return entity.name\n"
    )
    service.write_text(service.read_text(encoding="utf-8") + name_of, encoding="utf-8")
    router = package / "items" / "router.py"
    replace_once(router, "    ItemCreate,\n    ItemPage,\n", "    ItemCreate,\n    ItemName,\n    ItemPage,\n")
    router.write_text(router.read_text(encoding="utf-8") + NAME_ENDPOINT, encoding="utf-8")
    # The operation ids are a contract the service's own test pins: the team adds the new one.
    operation_ids = project / "tests" / "api" / "test_openapi.py"
    replace_once(operation_ids, '        "getItem",\n', '        "getItem",\n        "getItemName",\n')
    # A README paragraph and a changed setting default.
    readme = project / "README.md"
    paragraph = "## On call\n\nThe team's on-call rota and runbooks live in the wiki, page `my-service/on-call`.\n"
    readme.write_text(readme.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + paragraph, encoding="utf-8")
    settings = package / "core" / "settings.py"
    replace_once(settings, "database_pool_size: int = Field(default=10, ge=1)", POOL_LINE)
    return {
        f"{PACKAGE}/items/models.py": ["TAG_MAX_LENGTH = 50", tag_column.strip()],
        f"{PACKAGE}/items/schemas.py": [
            tag_type.strip(),
            tag_field.strip(),
            "tag: str | None = None",
            "class ItemName",
        ],
        "migrations/versions/0002_add_item_tag.py": ['op.add_column("items", sa.Column("tag"'],
        f"{PACKAGE}/items/service.py": [create_line, "async def name_of(self, entity_id: uuid.UUID) -> str:"],
        f"{PACKAGE}/items/router.py": ['"/{item_id}/name"', "async def get_item_name(", "    ItemName,"],
        "README.md": [paragraph.splitlines()[-1]],
        "tests/api/test_openapi.py": ['"getItemName",'],
        f"{PACKAGE}/core/settings.py": [POOL_LINE],
    }


def follow_the_team_migrations(service: Path) -> None:
    """CHANGELOG "To do": the template's new migrations revise the team's latest one (one head)."""
    created_by = service / "migrations" / "versions" / "0006_add_items_created_by.py"
    if created_by.exists():
        parent = 'down_revision: str | Sequence[str] | None = "{}"'
        replace_once(created_by, parent.format("0001"), parent.format("0002"))


def resolve(repo: Path, ref: str) -> str:
    try:
        return git("rev-parse", f"{ref}^{{commit}}", cwd=repo).strip()
    except subprocess.CalledProcessError:
        return f"<{ref} is no commit of the template>"


def answers_of(project: Path) -> dict[str, Any]:
    answers: dict[str, Any] = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    return answers


def check_commands(project: Path) -> list[str]:
    """The service's own CI commands a team runs after an update (CHECKS), in its CI's order."""
    commands = project_commands(project)
    chosen = [command for command in commands if command.startswith(CHECKS)]
    first_pytest = next((command for command in chosen if command.split()[0] == "pytest"), None)
    return [command for command in chosen if command.split()[0] != "pytest" or command == first_pytest]


def test_update_from_previous_release_keeps_team_edits_and_passes_checks(
    history: History,
    tmp_path: Path,
    default_project: tuple[Path, Toolchain],
    default_combination: Combination,
) -> None:
    service = generate(history, history.previous.commit or "", tmp_path / "service")
    old_commit = answers_of(service)["_commit"]
    expected = team_edits(service)
    commit_all(service, "team edits")

    error = update_to(service, history.head)

    problems = [f"copier update to the current template failed: {error}"] if error else []
    conflicted = sorted(str(Path(path).relative_to(service)) for path in conflict_leftovers(service))
    untouched = [path for path in conflicted if path not in expected]
    touched = [path for path in conflicted if path in expected and path not in EXPECTED_CONFLICTS]
    if untouched:
        problems.append(f"conflicts in files the team did not touch: {', '.join(untouched)}")
    if touched:
        problems.append(f"conflicts in files the team edited (not in EXPECTED_CONFLICTS): {', '.join(touched)}")
    for relative in conflicted:
        if relative in EXPECTED_CONFLICTS and relative in expected:
            conflict = EXPECTED_CONFLICTS[relative]
            resolve_as_the_changelog_says(service, relative, conflict)
            for line, target in conflict.moved.items():
                expected[relative].remove(line)
                expected.setdefault(target, []).append(line)
            for line, rewritten in conflict.rewritten.items():
                expected[relative].remove(line)
                expected[relative].append(rewritten)
    follow_the_team_migrations(service)
    for relative, lines in expected.items():
        path = service / relative
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        lost = [line for line in lines if line not in text]
        if lost:
            problems.append(f"team edits lost in {relative}: {lost}")
    new_commit = answers_of(service).get("_commit")
    if new_commit == old_commit:
        problems.append(f"_commit did not move from {old_commit}")
    elif resolve(history.repo, str(new_commit)) != history.head:
        problems.append(f"_commit is {new_commit}, not the current template ({history.head[:12]})")

    # The service's own checks, in the shared toolchain (the union of the rendered projects'
    # dependencies, which holds the current default service's).
    _, toolchain = default_project
    installed = set((toolchain.venv / "harness-requirements.txt").read_text(encoding="utf-8").split())
    missing = sorted(set(project_requirements(service)) - installed)
    if missing:
        problems.append(f"requirements of the updated service the shared toolchain lacks: {missing}")
    commands = check_commands(service)
    with provisioned(default_combination) as services_env:
        steps = verify(service, toolchain, services_env, only=["leftovers", "parse", *commands], cache_key="update")
    if any(not step.ok for step in steps):
        problems.append(report(service, steps))
    ran = {step.name for step in steps}
    required = [name for name in CHECKS if name != "alembic upgrade"]  # tests/test_migrations.py runs it too
    problems += [f"check not run: {name}" for name in required if not any(step.startswith(name) for step in ran)]

    assert not problems, (
        f"update from {history.previous.version} ({history.previous.commit}) to the current template:\n"
        + "\n".join(problems)
    )


@pytest.fixture(scope="module")
def fresh_copy(history: History, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the current template, committed."""
    return generate(history, history.head, tmp_path_factory.mktemp("fresh") / "service")


def test_update_to_the_same_version_changes_nothing(history: History, fresh_copy: Path, tmp_path: Path) -> None:
    service = tmp_path / "service"
    shutil.copytree(fresh_copy, service)

    error = update_to(service, history.head)

    assert not error, error
    status = git("status", "--porcelain", cwd=service)
    assert status == "", f"an update to the version the service is on changed:\n{status}"


# uv.lock's resolution may differ in the moment it was resolved, not in what it pins.
def comparable(project: Path) -> dict[str, Any]:
    """Every file of ``project`` (but .git) by relative path; the answers without _commit/_src_path."""
    files: dict[str, Any] = {}
    for path in project_files(project):
        relative = path.relative_to(project).as_posix()
        data = path.read_bytes()
        if relative == ".copier-answers.yml":
            answers = yaml.safe_load(data)
            files[relative] = {key: value for key, value in answers.items() if key not in {"_commit", "_src_path"}}
        elif relative == "uv.lock":
            lock = tomllib.loads(data.decode("utf-8"))
            lock.get("options", {}).pop("exclude-newer", None)
            files[relative] = lock
        else:
            files[relative] = data
    return files


def test_update_from_previous_release_without_edits_equals_a_fresh_copy(
    history: History, fresh_copy: Path, tmp_path: Path
) -> None:
    service = generate(history, history.previous.commit or "", tmp_path / "service")

    error = update_to(service, history.head)

    assert not error, error
    updated, fresh = comparable(service), comparable(fresh_copy)
    only_updated = sorted(set(updated) - set(fresh))
    only_fresh = sorted(set(fresh) - set(updated))
    different = sorted(path for path in set(updated) & set(fresh) if updated[path] != fresh[path])
    assert (only_updated, only_fresh, different) == ([], [], []), (
        f"an unedited service updated from {history.previous.version} differs from a fresh copy: "
        f"only in the updated one {only_updated}, only in the fresh one {only_fresh}, different {different}"
    )
