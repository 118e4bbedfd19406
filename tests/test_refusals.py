"""Unsupported combinations: declared once (extensions/combinations.py ``UNSUPPORTED``), refused by copier.

- ``refusal()`` is unit-tested against synthetic rule tables;
- ``test_copier_refuses`` runs copier on every real rule of ``UNSUPPORTED``
  plus one synthetic rule patched into a copy of the template, so the whole
  mechanism (copier.yml validators -> ``unsupported_combination()`` ->
  ``refusal()``) is exercised even while the real table is empty;
- the matrix leaves every refused combination out.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.harness import run_copier
from tests.matrix import ROOT, Rule, Template, _import_path


@pytest.fixture(scope="module")
def combinations() -> ModuleType:
    return _import_path(ROOT / "extensions" / "combinations.py", "_harness_test_combinations")


def _real_rules() -> tuple[Rule, ...]:
    module = _import_path(ROOT / "extensions" / "combinations.py", "_harness_real_combinations")
    return tuple(module.UNSUPPORTED)


def _synthetic_rule() -> Rule:
    """A rule over the last two choice questions of copier.yml, on a non-default pair of values
    that some valid combination holds (a question asked only for some answers, ``when``, must be
    asked for the pair to be refusable)."""
    template = Template()
    first, second = [question for question in template.axes if not question.multiselect][-2:]
    default = template.default().as_dict()
    held = {(c.get(first.name), c.get(second.name)) for c in template.full()}

    def others(question: Any) -> list[str]:
        return [str(choice.value) for choice in question.choices() if choice.value != default.get(question.name)]

    pairs = [(a, b) for a in reversed(others(first)) for b in reversed(others(second)) if (a, b) in held]
    assert pairs, f"no valid combination holds non-default values of both {first.name} and {second.name}"
    a, b = pairs[0]
    conditions = {first.name: frozenset({a}), second.name: frozenset({b})}
    return conditions, "synthetic rule: the harness checks that copier refuses it"


SYNTHETIC_RULES: tuple[Rule, ...] = (
    ({"database": frozenset({"postgresql"}), "orm": frozenset({"none"})}, "orm=none cannot use postgresql"),
    ({"features": frozenset({"tasks", "events"}), "broker": frozenset({"none"})}, "tasks need a broker"),
)


# -- refusal() ---------------------------------------------------------------------------------


def test_refusal_matches_when_every_condition_holds(combinations: ModuleType) -> None:
    answers = {"database": "postgresql", "orm": "none", "api": "rest"}
    assert combinations.refusal(answers, SYNTHETIC_RULES) == "unsupported combination: orm=none cannot use postgresql"


def test_refusal_lets_other_combinations_through(combinations: ModuleType) -> None:
    assert combinations.refusal({"database": "sqlite", "orm": "none"}, SYNTHETIC_RULES) == ""
    assert combinations.refusal({"database": "postgresql", "orm": "sqlalchemy"}, SYNTHETIC_RULES) == ""
    assert combinations.refusal({}, SYNTHETIC_RULES) == ""
    assert combinations.refusal({"database": "postgresql", "orm": "none"}, ()) == ""


def test_refusal_waits_until_every_question_is_answered(combinations: ModuleType) -> None:
    assert combinations.refusal({"database": "postgresql"}, SYNTHETIC_RULES) == ""


def test_refusal_of_multiselect_answers(combinations: ModuleType) -> None:
    assert combinations.refusal({"features": ["auth", "tasks"], "broker": "none"}, SYNTHETIC_RULES)
    assert combinations.refusal({"features": ("events",), "broker": "none"}, SYNTHETIC_RULES)
    assert not combinations.refusal({"features": ["auth"], "broker": "none"}, SYNTHETIC_RULES)
    assert not combinations.refusal({"features": [], "broker": "none"}, SYNTHETIC_RULES)


def test_refusal_compares_values_as_strings(combinations: ModuleType) -> None:
    rules: tuple[Rule, ...] = (({"docker": frozenset({"False"}), "workers": frozenset({"1"})}, "numbers and booleans"),)
    assert combinations.refusal({"docker": False, "workers": 1}, rules)
    assert not combinations.refusal({"docker": True, "workers": 1}, rules)


def test_rules_are_well_formed() -> None:
    template = Template()
    axes = {question.name: question for question in template.axes}
    for conditions, reason in _real_rules():
        assert reason.strip(), "every rule says why"
        for name, values in conditions.items():
            assert name in axes, f"UNSUPPORTED names {name!r}, which is not a choice question"
            offered = {str(choice.value) for choice in axes[name].choices()}
            assert values <= offered, f"UNSUPPORTED names {sorted(values - offered)} for {name!r}: not offered"


# -- copier refuses them -----------------------------------------------------------------------


def _answers_for(template: Template, conditions: Mapping[str, frozenset[str]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, values in conditions.items():
        value = sorted(values)[0]
        data[name] = [value] if template.question(name).multiselect else value
    return data


def _patch_rule(template: Path, rule: Rule) -> None:
    """Add ``rule`` to a copy of the template's UNSUPPORTED table (and to refusal()'s default)."""
    conditions, reason = rule
    literal = "{" + ", ".join(f"{name!r}: frozenset({sorted(values)!r})" for name, values in conditions.items()) + "}"
    path = template / "extensions" / "combinations.py"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n\n# added by tests/test_refusals.py\n"
        + f"UNSUPPORTED = (*UNSUPPORTED, ({literal}, {reason!r}))\n"
        + "_original_refusal = refusal\n\n\n"
        + "def refusal(answers, rules=UNSUPPORTED):  # type: ignore[no-redef]\n"
        + "    return _original_refusal(answers, rules)\n",
        encoding="utf-8",
    )


CASES = [pytest.param("real", rule, id=f"real:{rule[1][:40]}") for rule in _real_rules()] + [
    pytest.param("synthetic", _synthetic_rule(), id="synthetic")
]


@pytest.mark.render
@pytest.mark.parametrize(("kind", "rule"), CASES)
def test_copier_refuses(template_snapshot: Path, tmp_path: Path, kind: str, rule: Rule) -> None:
    source = template_snapshot
    if kind == "synthetic":
        source = tmp_path / "template"
        shutil.copytree(template_snapshot, source, symlinks=True)
        _patch_rule(source, rule)
    template = Template(source)
    conditions, reason = rule
    data = _answers_for(template, conditions)
    with pytest.raises(ValueError, match="unsupported combination") as refused:
        run_copier(source, tmp_path / "project", data)
    assert reason in str(refused.value)
    # Copier names the question whose validator refused: one of the rule's, or an earlier choice
    # question (every choice question's validator checks the table, and given answers are known
    # from the start).
    named = {question.name for question in template.axes if f"'{question.name}'" in str(refused.value)}
    assert named, "copier names the question"
    # ... and the matrix leaves it out, while keeping each of the rule's values in other combinations
    full = template.full()
    assert not [c for c in full if template.combinations_module.refusal(c.data(), [rule])]
    for name, values in conditions.items():
        assert [
            c for c in full if template.combinations_module.refusal({name: c.data().get(name)}, [({name: values}, "")])
        ]
