"""The one table of answer combinations the template refuses.

copier.yml calls ``{{ unsupported_combination() }}`` in the validator of every
choice question, so a refused combination is stopped before anything is
rendered, whichever question completes it.  The harness reads ``UNSUPPORTED``
to leave those combinations out of the matrix and to assert that copier
refuses each of them with its message.

A rule is ``(conditions, reason)``: ``conditions`` maps question names to the
set of values that trigger the rule (for a multi-select question, a rule
matches when any selected value is in the set).  All conditions must hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context

Rule = tuple[Mapping[str, frozenset[str]], str]

UNSUPPORTED: tuple[Rule, ...] = (
    (
        {"orm": frozenset({"none"}), "task_queue": frozenset({"arq", "celery", "taskiq"})},
        "a task queue gets its jobs from a transactional outbox, which needs a database:"
        " choose orm=sqlalchemy or orm=sqlmodel, or task_queue=none",
    ),
    (
        {"orm": frozenset({"none"}), "auth": frozenset({"jwt", "api_key"})},
        "users and API keys must outlive the process, which needs a database:"
        " choose orm=sqlalchemy or orm=sqlmodel, or auth=oidc (stateless) or auth=none",
    ),
)


def _matches(value: Any, allowed: frozenset[str]) -> bool:
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(str(item) in allowed for item in value)
    return str(value) in allowed


def refusal(answers: Mapping[str, Any], rules: Iterable[Rule] = UNSUPPORTED) -> str:
    """The reason ``answers`` are refused, or "" when every rule lets them through.

    A rule whose questions are not all answered yet does not apply.
    """
    for conditions, reason in rules:
        if all(name in answers and _matches(answers[name], allowed) for name, allowed in conditions.items()):
            return f"unsupported combination: {reason}"
    return ""


@pass_context
def unsupported_combination(context: Context) -> str:
    return refusal(context.get_all())


class CombinationsExtension(Extension):
    """Exposes ``unsupported_combination()`` to copier.yml validators."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["unsupported_combination"] = unsupported_combination
