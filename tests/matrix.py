"""Answer combinations of the template, enumerated from copier.yml.

Nothing here lists an option by hand: every question of copier.yml that offers
a choice is an *axis* of the matrix, so a choice added to copier.yml is in the
next run's matrix.

- a question with ``choices`` is an axis; with ``multiselect: true`` its values
  are subsets of the choices (every non-empty subset up to
  ``MAX_SUBSET_CHOICES`` choices, otherwise each single choice plus all of
  them);
- a ``type: bool`` question is an axis with the values ``false`` and ``true``;
- a question whose ``when`` renders false for a combination is not asked, so it
  is absent from that combination;
- a combination refused by ``extensions/combinations.py`` (its ``UNSUPPORTED``
  table) is left out.

The real services a combination needs (``"postgresql"``, ``"mysql"``...) come
from ``services(answers)`` of ``extensions/options.py``: ``services_of`` here,
``tests/services.py`` (which provisions them) and the GitHub matrix
(``matrix_json``: which service containers a job starts) all read it.

Three selections are built from the valid combinations: ``full`` (the
cartesian product), ``pairwise`` (a deterministic greedy all-pairs cover that
starts with the default combination; every subset of a multi-select appears,
and each of its choices, selected or not, is paired with every other value)
and ``default`` (each question's default).

The pairwise combinations also vary the names: after the first (default)
combination they take the ``NAME_PROFILES`` in turn (long names at their
bounds, names that sort before ``core`` or after ``tests``, nouns that collide
with names the generated code imports).  The profile is part of the id and of
the ``--combo`` string (``...,names=long``).

Command line::

    python -m tests.matrix --matrix pairwise          # one id per line
    python -m tests.matrix --matrix full --json       # GitHub Actions matrix

Only PyYAML and Jinja2 are needed, so a CI job can print the matrix without
installing copier.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, TypeAlias

import yaml
from jinja2 import Environment, StrictUndefined
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment

ROOT = Path(__file__).resolve().parent.parent
SELECTIONS = ("default", "pairwise", "full")
Selection: TypeAlias = Literal["default", "pairwise", "full"]

# A multi-select question with at most this many choices contributes every
# non-empty subset; a bigger one contributes each single choice plus all.
MAX_SUBSET_CHOICES = 4
# The answer that names the Python version a combination targets (CI installs
# that interpreter for the combination's job).
PYTHON_QUESTION = "python_version"
DEFAULT_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

# A value of one axis: a scalar, or a tuple of choices for a multi-select.
Value: TypeAlias = "str | int | float | bool | tuple[str | int | float | bool, ...]"
Rule: TypeAlias = tuple[Mapping[str, frozenset[str]], str]
Pair: TypeAlias = tuple[tuple[str, Value], ...]

# The key of the name profile in ids and --combo strings.
NAMES_KEY = "names"
# Text answers the pairwise combinations take in turn (the first, default, combination keeps
# copier's defaults).  Each profile is a kind of name that once broke the generated code
# (issue 6); tests/test_answer_fuzz.py fuzzes the rest.
NAME_PROFILES: dict[str, dict[str, str]] = {
    # package after "tests", resource package before "core": import order in app.py and the tests
    "sorting": {"project_name": "Warehouse", "resource": "book"},
    # every name at its length bound: lines of generated code must still fit 100 columns
    "long": {
        "project_name": "Regional Fulfilment And Inventory Ledger",
        "project_slug": "regional-fulfilment-and-inventory-ledger-backend-1",
        "package_name": "regional_fulfilment_and_inventory_ledger",
        "resource": "inbound_shipment_line_delivery",
        "resource_plural": "inbound_shipment_line_deliveries",
    },
    # nouns the generated code would import bare (sqlalchemy.Text, typing.Protocol)
    "colliding": {"project_name": "Protocol", "resource": "text"},
}


def format_value(value: Value) -> str:
    """How a value appears in ids and ``--combo`` strings (multi-select joined by ``+``)."""
    if isinstance(value, tuple):
        return "+".join(format_value(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, order=True)
class Combination:
    """The answers to the asked choice questions, sorted by question name."""

    answers: tuple[tuple[str, Value], ...]
    # A key of NAME_PROFILES ("" = copier's default names) and the text answers it gives.
    profile: str = ""
    names: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, answers: Mapping[str, Value]) -> Combination:
        return cls(tuple(sorted(answers.items())))

    def named(self, profile: str, names: Mapping[str, str]) -> Combination:
        """This combination with the text answers of a name profile."""
        return replace(self, profile=profile, names=tuple(sorted(names.items())))

    def without_names(self) -> Combination:
        return Combination(self.answers)

    def _parts(self) -> list[str]:
        parts = [f"{name}={format_value(value)}" for name, value in self.answers]
        return parts + ([f"{NAMES_KEY}={self.profile}"] if self.profile else [])

    @property
    def id(self) -> str:
        """Readable test id, e.g. ``database=postgresql-python_version=3.12-names=long``."""
        return "-".join(self._parts()) or "no-choices"

    @property
    def combo(self) -> str:
        """The ``--combo`` / ``nox -s combo --`` argument that selects this combination."""
        return ",".join(self._parts())

    def as_dict(self) -> dict[str, Value]:
        return dict(self.answers)

    def data(self) -> dict[str, Any]:
        """Answers as copier's ``data`` (multi-select values as lists), with the profile's names."""
        data = {name: list(value) if isinstance(value, tuple) else value for name, value in self.answers}
        return {**data, **dict(self.names)}

    def get(self, name: str, default: Value | None = None) -> Value | None:
        return self.as_dict().get(name, default)

    def pairs(self) -> frozenset[Pair]:
        """Every value and every pair of values this combination covers."""
        singles: set[Pair] = {(answer,) for answer in self.answers}
        doubles: set[Pair] = set(itertools.combinations(self.answers, 2))
        return frozenset(singles | doubles)


@dataclass(frozen=True)
class Choice:
    value: Value
    validator: str = ""


@dataclass(frozen=True)
class Question:
    name: str
    spec: Mapping[str, Any]

    @property
    def type(self) -> str:
        return str(self.spec.get("type", "str"))

    @property
    def multiselect(self) -> bool:
        return bool(self.spec.get("multiselect", False))

    @property
    def is_axis(self) -> bool:
        return "choices" in self.spec or self.type == "bool"

    def choices(self) -> list[Choice]:
        raw = self.spec.get("choices")
        if raw is None:  # a bool question without explicit choices
            return [Choice(False), Choice(True)]
        if isinstance(raw, Mapping):
            items: Iterable[Any] = raw.values()
        elif isinstance(raw, list):
            items = (item[1] if isinstance(item, list) and len(item) == 2 else item for item in raw)
        else:
            raise ValueError(f"copier.yml: choices of {self.name!r} must be a list or a mapping, not {raw!r}")
        result = []
        for item in items:
            if isinstance(item, Mapping):
                result.append(Choice(item["value"], str(item.get("validator", "") or "")))
            else:
                result.append(Choice(item))
        return result


def _import_path(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@cache
def options_module(root: Path = ROOT) -> ModuleType:
    """``extensions/options.py`` of the template checkout at ``root`` (the option tables)."""
    return _import_path(root.resolve() / "extensions" / "options.py", "_harness_template_options")


def services_of(combination: Combination, root: Path = ROOT) -> list[str]:
    """The real services ``combination`` needs, as ``services(answers)`` of extensions/options.py names them."""
    answers = {name: list(value) if isinstance(value, tuple) else value for name, value in combination.answers}
    return [str(name) for name in options_module(root).services(answers)]


def _truthy(value: Any) -> bool:
    """copier's ``cast_to_bool`` for rendered ``when`` conditions."""
    if isinstance(value, bool):
        return value
    try:
        return bool(float(value))
    except (TypeError, ValueError):
        pass
    text = str(value).strip().lower()
    return text not in {"", "n", "no", "f", "false", "off", "~", "null", "none"}


@dataclass
class Template:
    """copier.yml of a template checkout, ready to enumerate."""

    root: Path = ROOT
    rules: Sequence[Rule] | None = None
    profiles: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: NAME_PROFILES)
    _config: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        path = self.root / "copier.yml"
        if not path.exists():
            path = self.root / "copier.yaml"
        with path.open(encoding="utf-8") as stream:
            self._config = yaml.safe_load(stream) or {}
        if self.rules is None:
            self.rules = tuple(self.combinations_module.UNSUPPORTED)

    # -- copier.yml ---------------------------------------------------------------------------

    @cached_property
    def questions(self) -> list[Question]:
        return [
            Question(name, spec if isinstance(spec, Mapping) else {"default": spec})
            for name, spec in self._config.items()
            if not name.startswith("_")
        ]

    @cached_property
    def axes(self) -> list[Question]:
        return [question for question in self.questions if question.is_axis]

    def question(self, name: str) -> Question:
        for question in self.questions:
            if question.name == name:
                return question
        raise KeyError(name)

    @cached_property
    def combinations_module(self) -> ModuleType:
        return _import_path(self.root / "extensions" / "combinations.py", "_harness_template_combinations")

    @property
    def options_module(self) -> ModuleType:
        return options_module(self.root)

    def services(self, combination: Combination) -> list[str]:
        """The real services ``combination`` needs (extensions/options.py ``services``)."""
        return services_of(combination, self.root)

    def refusal(self, answers: Mapping[str, Any]) -> str:
        reason: str = self.combinations_module.refusal(answers, self.rules)
        return reason

    @cached_property
    def env(self) -> Environment:
        """A Jinja environment with the template's own extensions (file-path ones).

        Context hooks only act inside copier, and packaged extensions (such as
        copier_template_extensions' loader) are not needed to render defaults
        and ``when`` conditions, so only ``path.py:Class`` extensions are loaded.
        """
        extensions: list[type[Extension]] = []
        for entry in self._config.get("_jinja_extensions", []):
            if ":" not in entry or not entry.split(":", 1)[0].endswith(".py"):
                continue
            relative, class_name = entry.split(":", 1)
            module = _import_path(self.root / relative, f"_harness_ext_{Path(relative).stem}")
            extension = getattr(module, class_name)
            if any(base.__name__ == "ContextHook" for base in extension.__mro__):
                continue
            extensions.append(extension)
        env = SandboxedEnvironment(extensions=extensions, undefined=StrictUndefined)
        try:  # copier always loads these; used by some templates' defaults
            from jinja2_ansible_filters import AnsibleCoreFiltersExtension
        except ImportError:  # pragma: no cover - only the matrix CI job lacks it
            pass
        else:
            env.add_extension(AnsibleCoreFiltersExtension)
        return env

    def render(self, value: Any, context: Mapping[str, Any]) -> Any:
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            return self.env.from_string(value).render(**context)
        if isinstance(value, list):
            return [self.render(item, context) for item in value]
        return value

    # -- answers ------------------------------------------------------------------------------

    def _asked(self, question: Question, context: Mapping[str, Any]) -> bool:
        when = question.spec.get("when", True)
        return _truthy(self.render(when, context))

    def _default_value(self, question: Question, context: Mapping[str, Any]) -> Any:
        default = self.render(question.spec.get("default"), context)
        if question.is_axis:
            return self._normalise(question, default)
        return default

    def _normalise(self, question: Question, value: Any) -> Value:
        if question.multiselect:
            chosen = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
            order = [choice.value for choice in question.choices()]
            return tuple(sorted(chosen, key=lambda item: order.index(item) if item in order else len(order)))
        if question.type == "bool":
            return _truthy(value)
        return value  # type: ignore[no-any-return]

    def _values(self, question: Question, context: Mapping[str, Any]) -> list[Value]:
        enabled = [
            self.render(choice.value, context)
            for choice in question.choices()
            if not (choice.validator and str(self.render(choice.validator, context)).strip())
        ]
        if not question.multiselect:
            return list(enabled)
        if len(enabled) <= MAX_SUBSET_CHOICES:
            subsets = [
                tuple(subset) for size in range(1, len(enabled) + 1) for subset in itertools.combinations(enabled, size)
            ]
        else:
            subsets = [(value,) for value in enabled] + [tuple(enabled)]
        return list(subsets)

    def context(self, combination: Mapping[str, Value]) -> dict[str, Any]:
        """Every answer copier would hold for ``combination``: its values, the rest defaulted."""
        context: dict[str, Any] = {}
        for question in self.questions:
            if not self._asked(question, context):
                continue
            if question.name in combination:
                value = combination[question.name]
                context[question.name] = list(value) if isinstance(value, tuple) else value
            else:
                default = self._default_value(question, context)
                context[question.name] = list(default) if isinstance(default, tuple) else default
        return context

    # -- selections ---------------------------------------------------------------------------

    def _expand(self, index: int, context: dict[str, Any], chosen: dict[str, Value]) -> Iterator[Combination]:
        """Depth-first over the questions in copier.yml order, branching on the asked axes."""
        if index == len(self.questions):
            if not self.refusal(context):
                yield Combination.of(chosen)
            return
        question = self.questions[index]
        if not self._asked(question, context):
            yield from self._expand(index + 1, context, chosen)
            return
        if not question.is_axis:
            context = {**context, question.name: self._default_value(question, context)}
            yield from self._expand(index + 1, context, chosen)
            return
        for value in self._values(question, context):
            as_context = list(value) if isinstance(value, tuple) else value
            yield from self._expand(index + 1, {**context, question.name: as_context}, {**chosen, question.name: value})

    def full(self) -> list[Combination]:
        """Every valid combination, in copier.yml order of questions and choices."""
        return list(self._expand(0, {}, {}))

    def default(self) -> Combination:
        """The combination ``copier copy --defaults`` renders."""
        chosen: dict[str, Value] = {}
        context: dict[str, Any] = {}
        for question in self.questions:
            if not self._asked(question, context):
                continue
            value = self._default_value(question, context)
            if question.is_axis:
                chosen[question.name] = value
            context[question.name] = list(value) if isinstance(value, tuple) else value
        return Combination.of(chosen)

    def coverage(self, combination: Combination) -> frozenset[Pair]:
        """What ``combination`` covers for the pairwise selection.

        Every value is a single (so each subset of a multi-select appears at least once); pairs
        are taken between *features*: the value of a single-choice axis, and, for a multi-select,
        whether each of its choices is selected (``("api_styles:grpc", True)``).  So each choice
        of a multi-select is tested with and without every value of the other questions, without
        pairing each of its 2^n - 1 subsets with each of them (which would multiply the matrix).
        """
        singles: set[Pair] = {(answer,) for answer in combination.answers}
        features: list[tuple[str, Value]] = []
        for name, value in combination.answers:
            question = self.question(name)
            if question.multiselect and isinstance(value, tuple):
                features += [(f"{name}:{choice.value}", choice.value in value) for choice in question.choices()]
            else:
                features.append((name, value))
        doubles: set[Pair] = set(itertools.combinations(features, 2))
        return frozenset(singles | doubles)

    def pairwise(self) -> list[Combination]:
        """A deterministic all-pairs cover of the valid combinations.

        Greedy: start from the default combination, then repeatedly take the
        first valid combination (in ``full()`` order) covering the most
        still-uncovered pairs of values (``coverage``), until every value pair
        that some valid combination contains is covered.
        """
        candidates = self.full()
        if not candidates:
            return []
        pairs = {candidate: self.coverage(candidate) for candidate in candidates}
        uncovered: set[Pair] = set().union(*pairs.values())
        default = self.default()
        chosen = [default] if default in pairs else []
        for combination in chosen:
            uncovered -= pairs[combination]
        while uncovered:
            best = max(candidates, key=lambda candidate: len(pairs[candidate] & uncovered))
            chosen.append(best)
            uncovered -= pairs[best]
        return self._with_name_profiles(chosen)

    def name_profile(self, profile: str) -> dict[str, str]:
        """The text answers of a profile, for the questions this template asks."""
        if profile not in self.profiles:
            raise ValueError(f"unknown name profile {profile!r}; expected one of {', '.join(self.profiles)}")
        asked = {question.name for question in self.questions}
        return {name: value for name, value in self.profiles[profile].items() if name in asked}

    def _with_name_profiles(self, combinations: list[Combination]) -> list[Combination]:
        """The first combination keeps the default names; the others take the profiles in turn."""
        names = list(self.profiles)
        if not names:
            return combinations
        return combinations[:1] + [
            combination.named(names[index % len(names)], self.name_profile(names[index % len(names)]))
            for index, combination in enumerate(combinations[1:])
        ]

    def select(self, selection: str) -> list[Combination]:
        if selection == "default":
            return [self.default()]
        if selection == "pairwise":
            return self.pairwise()
        if selection == "full":
            return self.full()
        raise ValueError(f"unknown matrix {selection!r}; expected one of {', '.join(SELECTIONS)}")

    def parse_combo(self, text: str) -> Combination:
        """``key=value,...`` -> the combination; unnamed axes take their default.

        Multi-select values are joined by ``+`` (``features=a+b``).  The result
        must be one of the valid combinations.
        """
        given: dict[str, str] = {}
        for part in filter(None, (piece.strip() for piece in text.split(","))):
            name, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"--combo {text!r}: {part!r} is not key=value")
            given[name.strip()] = value.strip()
        profile = given.pop(NAMES_KEY, "")
        if profile:
            try:
                names = self.name_profile(profile)
            except ValueError as error:
                raise ValueError(f"--combo {text!r}: {error}") from None
        axis_names = {question.name for question in self.axes}
        unknown = sorted(set(given) - axis_names)
        if unknown:
            raise ValueError(
                f"--combo {text!r}: {', '.join(unknown)} is not a choice question; "
                f"choice questions are {', '.join(sorted(axis_names))}"
            )
        valid = self.full()
        default = self.default().as_dict()
        matches = [
            candidate
            for candidate in valid
            if all(format_value(candidate.as_dict().get(name, "")) == value for name, value in given.items())
            and all(
                candidate.as_dict()[name] == default[name]
                for name in candidate.as_dict()
                if name not in given and name in default
            )
        ]
        if not matches:
            refused = self.refusal({**self.context({}), **given})
            hint = f" ({refused})" if refused else ""
            raise ValueError(f"--combo {text!r} is not a valid combination{hint}")
        return matches[0].named(profile, names) if profile else matches[0]


# GitHub Actions runs at most this many jobs of one matrix.
GITHUB_MAX_JOBS = 256
# What separates the combinations one job verifies (``nox -s combo`` splits on it).
COMBO_SEPARATOR = ";"


def matrix_json(
    combinations: Iterable[Combination], root: Path = ROOT, max_jobs: int = GITHUB_MAX_JOBS
) -> dict[str, list[dict[str, Any]]]:
    """A GitHub Actions ``strategy.matrix`` (``include`` list) for ``fromJSON``.

    ``services`` names the real services the job starts as containers
    (``contains(matrix.services, 'postgresql')`` in .github/workflows/ci.yml).  When there are
    more combinations than a matrix takes jobs, combinations with the same Python and services
    share a job (``combo`` lists them, separated by ``COMBO_SEPARATOR``), as few per job as fits.
    """
    groups: dict[tuple[str, tuple[str, ...]], list[Combination]] = {}
    for combination in combinations:
        python = format_value(combination.get(PYTHON_QUESTION, DEFAULT_PYTHON) or DEFAULT_PYTHON)
        groups.setdefault((python, tuple(services_of(combination, root))), []).append(combination)
    total = sum(len(members) for members in groups.values())
    per_job = 1
    while sum(-(-len(members) // per_job) for members in groups.values()) > max_jobs:
        per_job += 1
    include = []
    for (python, services), members in groups.items():
        for start in range(0, len(members), per_job):
            chunk = members[start : start + per_job]
            more = f" (+{len(chunk) - 1})" if len(chunk) > 1 else ""
            include.append(
                {
                    "id": chunk[0].id + more,
                    "combo": COMBO_SEPARATOR.join(combination.combo for combination in chunk),
                    "python": python,
                    "services": list(services),
                }
            )
    assert sum(entry["combo"].count(COMBO_SEPARATOR) + 1 for entry in include) == total
    return {"include": include}


def main(argv: Sequence[str] | None = None, out: Callable[[str], object] = print) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.matrix", description=__doc__.split("\n\n")[0])
    parser.add_argument("--matrix", choices=SELECTIONS, default="pairwise", help="which selection (default: pairwise)")
    parser.add_argument("--json", action="store_true", help="print a GitHub Actions matrix as compact JSON")
    parser.add_argument("--template", type=Path, default=ROOT, help="template checkout (default: this repository)")
    args = parser.parse_args(argv)
    combinations = Template(args.template).select(args.matrix)
    if args.json:
        out(json.dumps(matrix_json(combinations, args.template), separators=(",", ":")))
    else:
        for combination in combinations:
            out(combination.id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
