"""The layering proof: the entry layer and the business rules do not change with the data layer,
and the business rules and data layer do not change with the API styles.

For the same names, every ``orm`` x ``database`` combination renders the same
``router.py``, ``service.py``, ``schemas.py``, ``events.py`` and the same
service unit tests and fakes, byte for byte.  Only repositories, models, the
domain's composition root (``dependencies.py``), ``db/`` or ``memory/`` and the
configuration differ.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import render
from tests.matrix import Combination, Template

DATA_QUESTIONS = ("orm", "database")
# Relative to the project, with the default names (package my_service, resource item).
IDENTICAL = (
    "src/my_service/items/router.py",
    "src/my_service/items/service.py",
    "src/my_service/items/schemas.py",
    "src/my_service/items/events.py",
    "src/my_service/items/handlers.py",
    "src/my_service/items/plugin.py",
    "tests/unit/test_item_service.py",
    "tests/fakes.py",
)
# What must differ somewhere, or the comparison proves nothing: the data layer itself.
DIFFERENT = ("src/my_service/items/repository.py", "src/my_service/items/models.py")


def data_combinations(template: Template, **fixed: str) -> list[Combination]:
    """Every valid orm x database combination, the other questions at their defaults (or ``fixed``)."""
    default = {**template.default().as_dict(), **fixed}
    seen: dict[tuple[object, ...], Combination] = {}
    for combination in template.full():
        answers = combination.as_dict()
        if all(answers.get(name) == value for name, value in default.items() if name not in DATA_QUESTIONS):
            seen.setdefault(tuple(answers.get(name) for name in DATA_QUESTIONS), combination)
    return list(seen.values())


def rendered_files(
    template_snapshot: Path, tmp_path: Path, combinations: list[Combination], paths: tuple[str, ...]
) -> dict[str, dict[str, bytes]]:
    """``{combination id: {path: bytes}}`` of ``paths`` in each rendered combination (those it has)."""
    contents: dict[str, dict[str, bytes]] = {}
    for combination in combinations:
        rendered = render(template_snapshot, tmp_path / combination.id, combination)
        assert not rendered.error, f"{combination.id}: {rendered.error}"
        contents[combination.id] = {
            relative: (rendered.project / relative).read_bytes()
            for relative in paths
            if (rendered.project / relative).exists()
        }
    return contents


def assert_identical(contents: dict[str, dict[str, bytes]], paths: tuple[str, ...]) -> None:
    """Each of ``paths`` exists in the first combination and is byte-identical in all."""
    reference_id, reference = next(iter(contents.items()))
    for relative in paths:
        assert relative in reference, f"{reference_id} has no {relative}"
        differing = [key for key, files in contents.items() if files.get(relative) != reference[relative]]
        assert not differing, f"{relative} differs from {reference_id} in: {', '.join(differing)}"


@pytest.mark.render
@pytest.mark.parametrize("auth", ["none", "jwt"])
def test_entry_layer_and_service_are_byte_identical_across_the_data_options(
    template_snapshot: Path, tmp_path: Path, auth: str
) -> None:
    template = Template()
    combinations = data_combinations(template, auth=auth)
    orms = {combination.get("orm") for combination in combinations}
    assert len(orms) >= 2, f"the data options to compare: {[c.id for c in combinations]}"

    contents = rendered_files(template_snapshot, tmp_path, combinations, (*IDENTICAL, *DIFFERENT))

    assert_identical(contents, IDENTICAL)
    for relative in DIFFERENT:
        variants = {files.get(relative) for files in contents.values()}
        assert len(variants) > 1, f"{relative} is the same everywhere: the data options change nothing?"


STYLE_QUESTION = "api_styles"
# What no API style may change: the business rules, the data layer, their wiring and unit tests.
IDENTICAL_ACROSS_STYLES = (
    "src/my_service/items/service.py",
    "src/my_service/items/schemas.py",
    "src/my_service/items/events.py",
    "src/my_service/items/handlers.py",
    "src/my_service/items/repository.py",
    "src/my_service/items/models.py",
    "src/my_service/items/dependencies.py",
    "tests/unit/test_item_service.py",
    "tests/fakes.py",
)


def style_combinations(template: Template) -> list[Combination]:
    """One combination per subset of API styles, the other questions at their defaults."""
    default = template.default().as_dict()
    return [
        combination
        for combination in template.full()
        if all(combination.get(name) == value for name, value in default.items() if name != STYLE_QUESTION)
    ]


@pytest.mark.render
def test_services_and_data_layer_are_byte_identical_across_the_api_styles(
    template_snapshot: Path, tmp_path: Path
) -> None:
    template = Template()
    combinations = style_combinations(template)
    subsets = {combination.get(STYLE_QUESTION) for combination in combinations}
    choices = template.question(STYLE_QUESTION).choices()
    assert len(subsets) == 2 ** len(choices) - 1, f"every subset of the styles: {sorted(map(str, subsets))}"

    paths = (*IDENTICAL_ACROSS_STYLES, "src/my_service/plugins.py")
    contents = rendered_files(template_snapshot, tmp_path, combinations, paths)

    assert_identical(contents, IDENTICAL_ACROSS_STYLES)
    if len(contents) > 1:
        plugins = {files["src/my_service/plugins.py"] for files in contents.values()}
        assert len(plugins) > 1, "the styles install nothing of their own: the comparison proves nothing"
