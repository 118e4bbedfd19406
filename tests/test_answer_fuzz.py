"""Property-based fuzzing of the answers (see docs/harness.md, "The answer fuzzer").

Each example is an answer set drawn by tests/fuzzing.py: a pairwise combination of
the choice questions plus text answers meant to break the template.  copier either
refuses it with a one-line message naming the question, or renders a project that
must be correct.

- fast tier, ``test_fuzzed_answers_render_lint_clean_code``: render, no template syntax
  left, every file compiles or parses, no name bound twice in a module, ``ruff check``
  and ``ruff format --check``.  Part of every ``pytest`` run (``nox -s tests``).
- deep tier, ``test_fuzzed_answers_pass_every_check`` (marker ``fuzz_deep``, only run
  when selected: ``nox -s fuzz``, part of .ci/run): every check of the harness
  (``verify()``: ruff, format, mypy, lint-imports, deptry, alembic, the project's
  pytest) and importing every module without side effects.

Both are derandomized (the same examples on every run) and keep no example database.
A defect found once stays tested as an ``@example``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, event, example, given, settings
from hypothesis import strategies as st

from tests import fuzzing
from tests.harness import Toolchain, report, run_copier, verify
from tests.matrix import Combination, Template
from tests.services import provisioned

FAST_EXAMPLES = int(os.environ.get("HARNESS_FUZZ_EXAMPLES", "50"))
DEEP_EXAMPLES = int(os.environ.get("HARNESS_FUZZ_DEEP_EXAMPLES", "4"))
FAST_CHECKS = ("leftovers", "parse", "ruff check .", "ruff format --check .")

# Names the generated code uses, read from the rendered default project by ``fuzz_setup``
# (a strategy is built at import time, the project exists only once the fixture ran).
_COLLIDING: list[str] = []


def _colliding_names() -> st.SearchStrategy[str]:
    if not _COLLIDING:
        raise RuntimeError("the fuzz_setup fixture reads the colliding names before any example is drawn")
    return st.integers(0, len(_COLLIDING) - 1).map(_COLLIDING.__getitem__)  # a short repr


ANSWERS = fuzzing.answer_sets(
    st.deferred(_colliding_names),
    st.deferred(lambda: st.sampled_from(Template().pairwise())),
)


@dataclass(frozen=True)
class FuzzSetup:
    template: Path
    toolchain: Toolchain
    workdir: Path


@pytest.fixture(scope="session")
def fuzz_setup(
    template_snapshot: Path,
    default_project: tuple[Path, Toolchain],
    run_dir: Path,
) -> FuzzSetup:
    project, toolchain = default_project
    _COLLIDING[:] = fuzzing.colliding_names(fuzzing.identifiers(project))
    workdir = run_dir / "fuzz"
    workdir.mkdir(exist_ok=True)
    return FuzzSetup(template_snapshot, toolchain, workdir)


@dataclass
class Rendering:
    answers: dict[str, Any]
    combination: Combination
    project: Path
    refused: BaseException | None = None


@contextmanager
def _render(setup: FuzzSetup, drawn: tuple[Combination, dict[str, Any]]) -> Iterator[Rendering]:
    """Render one drawn answer set into a fresh directory, removed afterwards."""
    combination, questions = drawn
    answers = {**combination.data(), **questions}
    directory = Path(tempfile.mkdtemp(prefix="answers-", dir=setup.workdir))
    project = directory / "project"
    try:
        try:
            run_copier(setup.template, project, answers)
        except Exception as error:  # judged by refusal_problem
            yield Rendering(answers, combination, project, refused=error)
        else:
            yield Rendering(answers, combination, project)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _refused_question(error: BaseException) -> str:
    found = re.search(r"question '(\w+)'", str(error))
    return found.group(1) if found else type(error).__name__


def _judge_refusal(rendering: Rendering) -> None:
    assert rendering.refused is not None
    problem = fuzzing.refusal_problem(rendering.refused, rendering.answers)
    assert not problem, f"{problem}\nanswers: {fuzzing.describe(rendering.answers)}"
    assert not (rendering.project / "pyproject.toml").exists(), "nothing is rendered for refused answers"


def _fail(rendering: Rendering, message: str) -> None:
    command = fuzzing.copier_command(rendering.answers)
    pytest.fail(f"answers {fuzzing.describe(rendering.answers)}\nreproduce: {command}\n{message}", pytrace=False)


def _regressions(test: Callable[..., None]) -> Callable[..., None]:
    """Answer sets that broke the template once (issue 6): each stays an explicit example."""
    default = Template().default()
    found: list[dict[str, Any]] = [
        {"resource": "book"},  # sorts before core: app.py, models.py, tests imports out of order (I001)
        {"resource": "category"},
        {"project_name": "Warehouse"},  # package sorts after tests: unit test's tests.fakes import (I001)
        {"package_name": "user_service"},
        {"resource": "mapped"},  # class Mapped beside sqlalchemy.orm.Mapped (F811, mypy)
        {"resource": "text"},  # class Text beside sqlalchemy.Text: dozens of mypy errors
        {"resource": "any"},  # class Any beside typing.Any; __all__ unsorted (RUF022)
        {"resource": "protocol"},
        {"resource": "mapping"},
        {"resource": "string"},
        {"resource": "sequence"},
        {"resource": "key_error"},  # class KeyError hid the builtin the in-memory fake caught
        {"resource": "x_y"},  # class XY: "constant imported as non-constant" (N811) through an alias
        {"resource": "none"},  # class None: a syntax error
        {"resource": "domain"},  # DomainEvent subclassing core's DomainEvent
        {  # every name at its length bound: E501 and ruff format in a dozen files
            "project_name": "Abcdefghij Abcdefghij Abcdefghij Abcdefghij Abcdefgh",
            "project_slug": "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefg",
            "package_name": "abcdefghij_abcdefghij_abcdefghij_abcdefg",
            "resource": "abcdefghij_abcdefghij_abcdefgh",
            "resource_plural": "abcdefghij_abcdefghij_abcdefghijk",
        },
        {"resource": "w" * 30, "resource_plural": "w" * 32, "package_name": "p" * 40},
    ]
    for questions in reversed(found):
        test = example(drawn=(default, questions))(test)
    return test


@pytest.mark.render
@pytest.mark.fuzz
@settings(
    max_examples=FAST_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=list(HealthCheck),
)
@given(drawn=ANSWERS)
@_regressions
def test_fuzzed_answers_render_lint_clean_code(fuzz_setup: FuzzSetup, drawn: Any) -> None:
    with _render(fuzz_setup, drawn) as rendering:
        if rendering.refused is not None:
            event(f"refused: {_refused_question(rendering.refused)}")
            _judge_refusal(rendering)
            return
        event("rendered")
        steps = verify(rendering.project, fuzz_setup.toolchain, only=FAST_CHECKS)
        failed = [step for step in steps if not step.ok]
        bindings = fuzzing.binding_problems(rendering.project)
        if failed or bindings:
            message = report(rendering.project, steps) if failed else ""
            if bindings:
                message += "\n--- names bound twice ---\n" + "\n".join(bindings)
            _fail(rendering, message)


@pytest.mark.render
@pytest.mark.fuzz_deep
@settings(
    max_examples=DEEP_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: each example runs every check
    suppress_health_check=list(HealthCheck),
)
@given(drawn=ANSWERS)
def test_fuzzed_answers_pass_every_check(fuzz_setup: FuzzSetup, drawn: Any) -> None:
    with _render(fuzz_setup, drawn) as rendering:
        assume(rendering.refused is None)
        project = rendering.project
        with (
            tempfile.TemporaryDirectory(prefix="fuzz-mypy-") as mypy_cache,
            provisioned(rendering.combination) as services_env,
        ):
            steps = verify(project, fuzz_setup.toolchain, {**services_env, "MYPY_CACHE_DIR": mypy_cache})
        package = str(fuzzing.answers_file(project)["package_name"])
        imports = fuzzing.import_problems(project, fuzz_setup.toolchain, package)
        if imports or not all(step.ok for step in steps):
            message = report(project, steps) if not all(step.ok for step in steps) else ""
            if imports:
                message += "\n--- import without side effects ---\n" + "\n".join(imports)
            _fail(rendering, message)
