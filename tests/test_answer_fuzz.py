"""Property-based fuzzing of the answers (see docs/harness.md, "The answer fuzzer").

Each example is an answer set drawn by tests/fuzzing.py: a pairwise combination of
the choice questions plus text answers meant to break the template.  copier either
refuses it with a one-line message naming the question, or renders a project that
must be correct.

- fast tier, ``test_fuzzed_answers_render_lint_clean_code``: render, no template syntax
  left, every file compiles or parses, the Dockerfile and compose.yaml checks, no name
  bound twice in a module, ``ruff check`` and ``ruff format --check``.  Part of every
  ``pytest`` run (``nox -s tests``).
- deep tier, ``test_fuzzed_answers_pass_every_check`` (marker ``fuzz_deep``, only run
  when selected: ``nox -s fuzz``, part of .ci/run): every check of the harness
  (``verify()``: ruff, format, mypy, lint-imports, deptry, alembic, the project's
  pytest) and importing every module without side effects.

Both are derandomized (the same examples on every run) and keep no example database.
A defect found once stays tested as an ``@example``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import sys
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
from tests.harness import (
    HARNESS_DIR,
    LEFTOVER,
    Toolchain,
    python_for,
    report,
    run_copier,
    verify,
)
from tests.matrix import ROOT, Combination, Template, _import_path
from tests.services import provisioned

FAST_EXAMPLES = int(os.environ.get("HARNESS_FUZZ_EXAMPLES", "50"))
DEEP_EXAMPLES = int(os.environ.get("HARNESS_FUZZ_DEEP_EXAMPLES", "4"))
# How many accepted answer sets the deep tier verifies at once (default: one per core).
DEEP_PARALLEL = int(os.environ.get("HARNESS_FUZZ_DEEP_PARALLEL", "0")) or os.cpu_count() or 2
FAST_CHECKS = ("leftovers", "parse", "dockerfile", "compose", "ruff check .", "ruff format --check .")

# Names the generated code uses, read from the rendered default project by ``fuzz_setup``
# (a strategy is built at import time, the project exists only once the fixture ran).
_COLLIDING: list[str] = []


def _colliding_names() -> st.SearchStrategy[str]:
    if not _COLLIDING:
        raise RuntimeError("the fuzz_setup fixture reads the colliding names before any example is drawn")
    return st.integers(0, len(_COLLIDING) - 1).map(_COLLIDING.__getitem__)  # a short repr


PAIRWISE = st.deferred(lambda: st.sampled_from([c.without_names() for c in Template().pairwise()]))
ANSWERS = fuzzing.answer_sets(st.deferred(_colliding_names), PAIRWISE)
# The deep tier checks few examples: each names the project and the resource (hypothesis would
# otherwise start with the default answers, which the matrix already checks).
DEEP_ANSWERS = fuzzing.answer_sets(st.deferred(_colliding_names), PAIRWISE, required=("project_name", "resource"))


@dataclass(frozen=True)
class FuzzSetup:
    template: Path
    # The default project's tools (ruff for the fast tier) ...
    toolchain: Toolchain
    workdir: Path
    # ... and, for the deep tier, a venv holding a rendered project's own requirements.
    toolchain_of: Callable[[Path], Toolchain]


@pytest.fixture(scope="session")
def fuzz_setup(
    template_snapshot: Path,
    default_project: tuple[Path, Toolchain],
    default_combination: Combination,
    shared_toolchain: Callable[..., Toolchain],
    run_dir: Path,
) -> FuzzSetup:
    project, toolchain = default_project
    _COLLIDING[:] = fuzzing.colliding_names(fuzzing.identifiers(project))
    workdir = run_dir / "fuzz"
    workdir.mkdir(exist_ok=True)
    python = python_for(default_combination)

    # the venv of a fuzzed project's own requirements (shared with every project that has the same)
    return FuzzSetup(template_snapshot, toolchain, workdir, lambda rendered: shared_toolchain(python, rendered))


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


def _fast_checks(answers: dict[str, Any]) -> tuple[str, ...]:
    """The fast checks; "leftovers" only when no answer holds template syntax itself.

    A project named ``${{ github.token }}`` rightly shows that text, which the leftovers check
    cannot tell from an unrendered expression (the other checks still parse every file).
    """
    if any(LEFTOVER.search(str(value)) for value in answers.values()):
        return tuple(check for check in FAST_CHECKS if check != "leftovers")
    return FAST_CHECKS


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
        {"project_name": "Orders", "description": '"'},  # an unterminated docstring in __init__.py
        {"project_name": 'Say "hi" \\N', "author_name": "{{ 7*7 }}\n$(id)"},
        {"project_name": "${{ github.token }}", "description": "Orders"},  # answer text is not a leftover
        {"project_name": "Secret Tokens"},  # ENV SECRET_TOKENS_HOST=... looked like a credential to hadolint
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
        steps = verify(rendering.project, fuzz_setup.toolchain, only=_fast_checks(rendering.answers))
        failed = [step for step in steps if not step.ok]
        bindings = fuzzing.binding_problems(rendering.project)
        if failed or bindings:
            message = report(rendering.project, steps) if failed else ""
            if bindings:
                message += "\n--- names bound twice ---\n" + "\n".join(bindings)
            _fail(rendering, message)


def _verify_deep(rendering: Rendering, toolchain: Toolchain) -> str:
    """Every check of one accepted answer set: the failure message, or "" when it passes."""
    project = rendering.project
    with (
        tempfile.TemporaryDirectory(prefix="fuzz-mypy-") as mypy_cache,
        provisioned(rendering.combination) as services_env,
    ):
        # a cache of its own (the package's name is fuzzed), seeded like the matrix's (harness.seed_mypy_cache)
        steps = verify(project, toolchain, {**services_env, "MYPY_CACHE_DIR": mypy_cache})
    package = str(fuzzing.answers_file(project)["package_name"])
    imports = fuzzing.import_problems(project, toolchain, package)
    if not imports and all(step.ok for step in steps):
        return ""
    message = report(project, steps) if not all(step.ok for step in steps) else ""
    if imports:
        message += "\n--- import without side effects ---\n" + "\n".join(imports)
    command = fuzzing.copier_command(rendering.answers)
    return f"answers {fuzzing.describe(rendering.answers)}\nreproduce: {command}\n{message}"


@pytest.mark.render
@pytest.mark.fuzz_deep
def test_fuzzed_answers_pass_every_check(fuzz_setup: FuzzSetup) -> None:
    """``DEEP_EXAMPLES`` accepted answer sets through every check, ``DEEP_PARALLEL`` at a time.

    hypothesis draws and renders (derandomized: the same answer sets every run, refused ones
    skipped with ``assume``); the accepted projects are kept and then verified side by side:
    much of a project's own test suite waits on its database, broker or worker processes.
    """
    accepted: list[Rendering] = []
    with contextlib.ExitStack() as kept:

        @settings(
            max_examples=DEEP_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=(Phase.explicit, Phase.generate),  # no shrinking: each example runs every check
            suppress_health_check=list(HealthCheck),
        )
        @given(drawn=DEEP_ANSWERS)
        def draw(drawn: Any) -> None:
            rendering = kept.enter_context(_render(fuzz_setup, drawn))
            assume(rendering.refused is None)
            event(f"checked: {fuzzing.describe(rendering.answers)}")
            accepted.append(rendering)

        draw()
        # the venvs first, one at a time (each is built once, under a lock), then the checks in parallel
        toolchains = [fuzz_setup.toolchain_of(rendering.project) for rendering in accepted]
        with concurrent.futures.ThreadPoolExecutor(max_workers=DEEP_PARALLEL) as pool:
            failures = [message for message in pool.map(_verify_deep, accepted, toolchains) if message]
    assert accepted, "hypothesis drew no accepted answer set"
    if failures:
        pytest.fail(
            f"{len(failures)} of {len(accepted)} answer sets failed:\n\n" + "\n\n".join(failures), pytrace=False
        )


GENERATED_NAMES = ROOT / "extensions" / "generated_names.json"


@pytest.mark.render
@pytest.mark.fuzz
def test_resources_and_plurals_meeting_generated_names_are_refused(fuzz_setup: FuzzSetup) -> None:
    """Every resource and plural whose derived names meet a name some option generates beside them.

    Found exhaustively, not by chance: probe renders (``PROBES``) of few pairwise combinations that
    together hold every choice of every option, searched in every namespace (Python scopes, proto
    messages and fields, GraphQL types and fields, each folder's file names). Each meeting must be
    refused, with the other answers of the combination it was found in, with a one-line reason.
    """
    naming = _import_path(ROOT / "extensions" / "naming.py", "_harness_test_generated_names")
    found: set[tuple[str, str]] = set()
    unrefused: dict[str, dict[str, str]] = {"resource": {}, "resource_plural": {}}
    probes = fuzzing.covering([combination.without_names() for combination in Template().pairwise()])
    for combination in probes:
        with _render(fuzz_setup, (combination, dict(fuzzing.PROBES))) as probe:
            assert probe.refused is None, probe.refused
            meetings = fuzzing.answers_meeting_fixed_names(probe.project)
            package = str(fuzzing.answers_file(probe.project)["package_name"])
        found |= set(meetings)
        for (question, answer), places in meetings.items():
            if not fuzzing.refused_under(naming, combination, question, answer):
                unrefused[question].setdefault(answer, fuzzing.generic_place(places[0], package))
    # the search reaches every kind of namespace
    kinds = [("resource", "base"), ("resource", "query"), ("resource_plural", "total"), ("resource_plural", "server")]
    for meeting in kinds:
        assert meeting in found, f"the probes no longer find {meeting}: the search lost a namespace"
    if any(unrefused.values()):
        complete = HARNESS_DIR / GENERATED_NAMES.name
        complete.parent.mkdir(parents=True, exist_ok=True)
        known = {"resource": naming.GENERATED_RESOURCE_NAMES, "resource_plural": naming.GENERATED_PLURAL_NAMES}
        merged = {question: {**known[question], **new} for question, new in unrefused.items()}
        complete.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        pytest.fail(
            f"accepted answers meet generated names: {unrefused}. The complete list is in {complete}:"
            f" copy it to {GENERATED_NAMES.relative_to(ROOT)}",
            pytrace=False,
        )
    # copier itself refuses one, with its one-line reason
    with _render(fuzz_setup, (Template().default(), {"resource": "query"})) as rendering:
        assert rendering.refused is not None, "copier accepted the resource 'query'"
        assert fuzzing.refusal_problem(rendering.refused, rendering.answers) == ""


# -- the sorted_imports filter (extensions/imports.py), which the first findings led to ---------


IMPORTS = _import_path(ROOT / "extensions" / "imports.py", "_harness_test_imports")


def test_natural_compare_orders_digit_runs_as_numbers() -> None:
    names = ["a10", "a9", "a", "a_b", "a.b", "ab", "a09", "a1"]
    ordered = sorted(names, key=functools.cmp_to_key(IMPORTS.natural_compare))
    assert ordered == ["a", "a.b", "a09", "a1", "a9", "a10", "a_b", "ab"]


def test_sorted_imports_keeps_continuation_lines_with_their_statement() -> None:
    block = "from pkg.core.errors import NotFoundError\nfrom pkg.books.models import (\n    Book,\n)\n"
    assert IMPORTS.sorted_imports(block) == (
        "from pkg.books.models import (\n    Book,\n)\nfrom pkg.core.errors import NotFoundError\n"
    )
    with pytest.raises(ValueError, match="not an import statement"):
        IMPORTS.sorted_imports("x = 1\n")


def test_sorted_imports_wraps_a_line_too_long_as_ruff_does() -> None:
    package = "regional_fulfilment_and_inventory_ledger"
    long_line = f"from {package}.core.errors import NotAuthenticatedError, UpstreamUnavailableError"
    short_line = f"from {package}.core.settings import Settings"
    assert len(long_line) > IMPORTS.LINE_LENGTH
    assert IMPORTS.sorted_imports(f"{short_line}\n{long_line}\n") == (
        f"from {package}.core.errors import (\n    NotAuthenticatedError,\n    UpstreamUnavailableError,\n)\n"
        f"{short_line}\n"
    )


MODULE_WORDS = st.sampled_from(["a", "a1", "a10", "a9", "aa", "core", "cored", "core_x", "health", "tests", "z", "x_1"])


@pytest.mark.render
@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(
    package=MODULE_WORDS,
    modules=st.lists(st.lists(MODULE_WORDS, min_size=1, max_size=3).map(".".join), min_size=2, max_size=6, unique=True),
)
def test_sorted_imports_agrees_with_ruff(
    fuzz_setup: FuzzSetup, package: str, modules: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whatever the module names, ruff's isort (I001) accepts the block the filter orders."""
    statements = [f"from {package}.{module} import name_{index}" for index, module in enumerate(modules)]
    statements.append(f"from {package}.{modules[0]} import (\n    Thing_0 as Alias,\n)")
    # Long enough to be wrapped: ruff must accept the wrapped form too.
    members = ", ".join(f"Member{n}" for n in range(12))
    statements.append(f"from {package}.{modules[-1]}.wrapped_members import {members}")
    block = IMPORTS.sorted_imports("\n".join(reversed(statements)) + "\n")
    directory = tmp_path_factory.mktemp("imports")
    (directory / "module.py").write_text(block, encoding="utf-8")
    ruff = fuzz_setup.toolchain.bin / "ruff"
    completed = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "I",
            f"--config=lint.isort.known-first-party=['{package}']",
            "module.py",
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, f"{block}\n{completed.stdout}{completed.stderr}"


# -- the fuzzer's own checks can fail -----------------------------------------------------------


def test_binding_problems_report_a_name_bound_twice(tmp_path: Path) -> None:
    module = tmp_path / "src" / "pkg" / "models.py"
    module.parent.mkdir(parents=True)
    module.write_text("from sqlalchemy import Text\n\n\nclass Text:\n    pass\n", encoding="utf-8")
    assert fuzzing.binding_problems(tmp_path) == ["src/pkg/models.py:4: 'Text' is already bound on line 1"]
    module.write_text("import sqlalchemy as sa\n\n\nclass Text:\n    kind = sa.Text\n", encoding="utf-8")
    assert fuzzing.binding_problems(tmp_path) == []


def test_refusal_problem_wants_one_line_naming_the_question() -> None:
    good = ValueError("Validation error for question 'resource': resource 'Item' must be snake_case.")
    assert fuzzing.refusal_problem(good, {"resource": "Item"}) == ""
    two_lines = ValueError("Validation error for question 'resource': resource 'a\nb' is bad.")
    assert "not one line" in fuzzing.refusal_problem(two_lines, {"resource": "a\nb"})
    assert "crashed" in fuzzing.refusal_problem(KeyError("resource"), {"resource": "x"})
    assert "naming a question" in fuzzing.refusal_problem(ValueError("bad"), {"resource": "x"})
    terse = ValueError("Validation error for question 'resource': bad")
    assert "does not say what is wrong" in fuzzing.refusal_problem(terse, {"resource": "x"})
    unasked = ValueError("Validation error for question 'description': description must not be empty.")
    assert "not given" in fuzzing.refusal_problem(unasked, {"resource": "x"})


def test_import_problems_report_output_and_files_written(tmp_path: Path) -> None:
    package = tmp_path / "src" / "noisy"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    toolchain = Toolchain(Path(sys.prefix), shared=True)  # this interpreter's environment
    assert fuzzing.import_problems(tmp_path, toolchain, "noisy") == []
    (package / "settings.py").write_text("open('state.db', 'w').close()\nprint('connected')\n", encoding="utf-8")
    problems = fuzzing.import_problems(tmp_path, toolchain, "noisy")
    assert any("printed" in problem and "connected" in problem for problem in problems)
    assert any("state.db" in problem for problem in problems)
