"""Answer fuzzing: hypothesis strategies for copier answers, and what every answer set must give.

Used by tests/test_answer_fuzz.py.  The strategies draw text answers that are
meant to break a template: quotes, backslashes, newlines, Jinja and shell
syntax, non-ASCII, names at and past the length bounds, names around the sort
positions of the generated modules, and every name the generated code itself
imports or defines (read from a rendered project, so the list follows the code).

For each drawn answer set copier either refuses it, with a one-line message
naming the question, or renders a project that must pass the checks below.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import shlex
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.harness import Toolchain, project_files
from tests.matrix import ROOT, Combination, _import_path

# Questions whose default derives from another answer (project_name -> project_slug ->
# package_name, resource -> resource_plural): copier may refuse them when only their source was given.
DERIVED = frozenset({"project_slug", "package_name", "resource_plural"})
# The longest answer each name question takes (extensions/naming.py enforces them).
BOUNDS = {"resource": 30, "resource_plural": 32, "package_name": 40, "project_slug": 50}

# Names around the places the generated modules sort at: a resource or package named like
# these moves its imports before, between or after the fixed ones.
SORT_POSITIONS = (
    "a",
    "a1",
    "a10",
    "a9",
    "aa",
    "app",
    "apps",
    "core",
    "cored",
    "core_item",
    "health",
    "healthz",
    "migrations",
    "models",
    "my_service",
    "tests",
    "testsz",
    "tests_item",
    "zz",
    "z" * BOUNDS["resource"],
)

# Pieces of text that break naive templates: quoting, escaping, Jinja, shell, TOML, YAML,
# Markdown, control and non-ASCII characters.
NASTY_PIECES = (
    '"',
    "'",
    '"""',
    "\\",
    "\\n",
    "\\N",
    "\n",
    "\r",
    "\t",
    "\x00",
    "{{ 7*7 }}",
    "{% raw %}",
    "{#",
    "}}",
    "${{ github.token }}",
    "$(id)",
    "`id`",
    "; rm -rf /",
    "&&",
    "|",
    "#",
    "[x]",
    "= ",
    ": ",
    "- ",
    "*",
    "<script>",
    "é",
    "ß",
    "Ω",
    "日本語",
    "🚀",
    "\u200b",
    "\u202e",
    "  ",
)

_SNAKE = r"[a-z][a-z0-9]{0,7}(_[a-z0-9]{1,7}){0,3}"
_IDENTIFIER_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


# -- names the generated code uses -------------------------------------------------------------


def identifiers(project: Path) -> set[str]:
    """Every identifier the project's Python files import, define, use or take as an argument."""
    found: set[str] = set()
    for path in project_files(project):
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, ast.alias):
                found.update(part for part in (node.asname or node.name).split("."))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            elif isinstance(node, ast.arg):
                found.add(node.arg)
    return found


def snake_words(identifier: str) -> list[str]:
    """``StringConstraints`` -> ``["string", "constraints"]``; ``mapped_column`` -> ``["mapped", "column"]``."""
    return [word.lower() for part in identifier.split("_") for word in _IDENTIFIER_WORDS.findall(part)]


def colliding_names(names: Iterable[str]) -> list[str]:
    """Snake-case names whose derived identifiers can meet ``names``.

    Each identifier gives its snake_case form and every leading run of its words
    (``DomainEvent`` -> ``domain``, ``domain_event``), since the template appends
    suffixes (``Event``, ``Service``, ``Repository``, ...) to the resource's class name.
    """
    result: set[str] = set()
    for name in names:
        words = snake_words(name)
        for end in range(1, len(words) + 1):
            candidate = "_".join(words[:end])
            if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", candidate):
                result.add(candidate)
    return sorted(result)


# -- strategies ---------------------------------------------------------------------------------


def name_at_length(length: int) -> st.SearchStrategy[str]:
    """A snake_case name of exactly ``length`` characters (words of up to 9 letters)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz"

    def build(seed: str) -> str:
        letters = (seed * length)[:length]
        chars = list(letters)
        for index in range(9, length - 1, 10):
            chars[index] = "_"
        return "".join(chars)

    return st.text(alphabet, min_size=1, max_size=4).map(build)


def long_names(bound: int) -> st.SearchStrategy[str]:
    """Names just under, at and just over ``bound``."""
    return st.integers(bound - 2, bound + 3).flatmap(name_at_length)


def nasty_text() -> st.SearchStrategy[str]:
    """Free text made of pieces that break templates, with some ordinary words between them."""
    piece = st.one_of(st.sampled_from(NASTY_PIECES), st.sampled_from(("Orders", "service", "my", "API", "2")))
    return st.lists(piece, min_size=1, max_size=6).map("".join)


@functools.cache
def reserved_names() -> st.SearchStrategy[str]:
    """Names a validator keeps a list of: the keywords and standard-library modules of every supported
    Python, every requirement set's import names, the generated modules and classes."""
    naming = _import_path(ROOT / "extensions" / "naming.py", "_fuzzing_naming")
    kept = (
        naming.PYTHON_KEYWORDS
        | naming.PYTHON_SOFT_KEYWORDS
        | naming.STDLIB_MODULE_NAMES
        | naming.DEPENDENCY_IMPORT_NAMES
        | naming.PACKAGE_MODULE_NAMES
        | naming.RESERVED_CLASS_STEMS
    )
    return st.sampled_from(sorted(name for name in kept if re.fullmatch(_SNAKE, name)))


def names(colliding: st.SearchStrategy[str], bound: int) -> st.SearchStrategy[str]:
    """Answers for a name question: mostly valid snake_case, some of every troublesome kind."""
    return st.one_of(
        colliding,
        reserved_names(),
        st.sampled_from(SORT_POSITIONS),
        st.from_regex(_SNAKE, fullmatch=True),
        long_names(bound),
        nasty_text(),
    )


def answer_sets(
    colliding: st.SearchStrategy[str],
    choices: st.SearchStrategy[Any],
    required: Iterable[str] = (),
) -> Any:
    """``(combination, questions)``: a combination of the choice questions and some text answers.

    Questions left out keep their (derived) default, as with ``copier copy --defaults --data ...``;
    the ``required`` ones are always answered.
    """
    words = st.lists(st.sampled_from(("Orders", "billing", "Ünïcode", "API", "v2", "service")), min_size=1, max_size=4)
    free_text = st.one_of(words.map(" ".join), nasty_text())
    strategies = {
        "project_name": st.one_of(free_text, long_names(BOUNDS["project_slug"]).map(lambda n: n.replace("_", " "))),
        "project_slug": st.one_of(
            names(colliding, BOUNDS["project_slug"]).map(lambda name: name.replace("_", "-")),
            nasty_text(),
        ),
        "package_name": names(colliding, BOUNDS["package_name"]),
        "description": free_text,
        "author_name": free_text,
        "resource": names(colliding, BOUNDS["resource"]),
        "resource_plural": names(colliding, BOUNDS["resource_plural"]),
    }
    wanted = set(required)
    questions = st.fixed_dictionaries(
        {name: strategy for name, strategy in strategies.items() if name in wanted},
        optional={name: strategy for name, strategy in strategies.items() if name not in wanted},
    )
    return st.tuples(choices, questions)


# -- reproducing --------------------------------------------------------------------------------


def copier_command(answers: Mapping[str, Any], template: str = ".") -> str:
    """The shell command that renders ``answers`` (for a failure message or the docs)."""
    data = " ".join(f"-d {shlex.quote(f'{key}={value}')}" for key, value in answers.items())
    return f"copier copy --trust --defaults --vcs-ref HEAD {data} {template} /tmp/fuzz-project"


# -- what a refusal must look like --------------------------------------------------------------


def refusal_problem(error: BaseException, answers: Mapping[str, Any]) -> str:
    """Why copier's refusal of ``answers`` is not a good message ("" if it is).

    copier raises ``ValueError("Validation error for question 'NAME': MESSAGE")``: the
    message must be one line, name a question and say what is wrong.
    """
    text = str(error)
    if not isinstance(error, ValueError):
        return f"copier crashed instead of refusing: {type(error).__name__}: {text}"
    found = re.match(r"Validation error for question '(\w+)': (.*)", text, re.DOTALL)
    if not found:
        return f"not a validation error naming a question: {text!r}"
    question, message = found.groups()
    if "\n" in message or "\r" in message:
        return f"the message for {question!r} is not one line: {message!r}"
    if len(message.split()) < 3:
        return f"the message for {question!r} does not say what is wrong: {message!r}"
    if question not in answers and question not in DERIVED:
        return f"{question!r} was refused although it was not given and has a fixed default"
    return ""


# -- checks beyond the harness's ----------------------------------------------------------------


def _bound_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in statement.names]
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return [node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)]
    return []


def binding_problems(project: Path) -> list[str]:
    """Module-level names bound twice.

    ``class Text(Entity)`` beside ``from sqlalchemy import Text`` is valid Python and
    may even pass ruff, but the module then means two things by one name.
    """
    problems = []
    for path in project_files(project):
        if path.suffix != ".py":
            continue
        relative = path.relative_to(project).as_posix()
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:  # the "parse" check reports it
            continue
        seen: dict[str, int] = {}
        for statement in tree.body:
            for name in _bound_names(statement):
                if name == "__all__":
                    continue
                if name in seen:
                    problems.append(f"{relative}:{statement.lineno}: {name!r} is already bound on line {seen[name]}")
                seen.setdefault(name, statement.lineno)
    return problems


_IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
"""


def import_problems(project: Path, toolchain: Toolchain, package: str) -> list[str]:
    """Importing every module of the package prints nothing, writes no file and does not fail."""
    with tempfile.TemporaryDirectory(prefix="fuzz-import-") as empty:
        env = toolchain.env(project, {"PYTHONPATH": str(project / "src")})
        completed = subprocess.run(
            [str(toolchain.bin / "python"), "-c", _IMPORT_EVERY_MODULE, package],
            cwd=empty,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        problems = []
        if completed.returncode:
            problems.append(f"importing {package} failed:\n{completed.stdout}{completed.stderr}")
        elif completed.stdout or completed.stderr:
            problems.append(f"importing {package} printed:\n{completed.stdout}{completed.stderr}")
        left = sorted(path.name for path in Path(empty).iterdir())
        if left:
            problems.append(f"importing {package} wrote files into the working directory: {left}")
        return problems


def answers_file(project: Path) -> dict[str, Any]:
    """The answers copier recorded (``.copier-answers.yml``), for the package name and the report."""
    import yaml

    document = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    return dict(document) if isinstance(document, dict) else {}


def describe(answers: Mapping[str, Any]) -> str:
    return json.dumps(dict(answers), ensure_ascii=False, sort_keys=True)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _bound_in(scope: ast.AST) -> set[str]:
    """The names a module, class or function binds itself (not those of the scopes it holds)."""
    bound: set[str] = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        bound.update(argument.arg for argument in ast.walk(scope.args) if isinstance(argument, ast.arg))
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        if isinstance(node, _SCOPES):
            if not isinstance(node, ast.Lambda):
                bound.add(node.name)
            pending.extend(node.decorator_list if not isinstance(node, ast.Lambda) else [])
            continue  # its own scope
        if not isinstance(node, ast.arguments):
            pending.extend(ast.iter_child_nodes(node))
    return bound


def _python_scopes(tree: ast.Module) -> dict[str, set[str]]:
    """``{"": the module's names, "<name>@<line>": a class's or function's own names and the module's}``.

    A name bound in a class or function shadows the module's name of the same spelling there
    (a method ``strawberry`` in a class using ``@strawberry.field``), so each is one namespace.
    """
    module = _bound_in(tree)
    scopes = {"": module}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scopes[f"{node.name}@{node.lineno}"] = _bound_in(node) | module
    return scopes


# A resource and a plural no generated name contains by chance: in a project rendered with them,
# every name holding one derives from that answer, every other name is fixed.
PROBE_RESOURCE = "zqxj"
PROBE_PLURAL = "vwkq"
PROBES = {"resource": PROBE_RESOURCE, "resource_plural": PROBE_PLURAL}

# Declarations of the schema languages the options generate: a type name is bound in its file,
# a field (or rpc) name in its type (message, service).
_SCHEMA_TYPE = re.compile(r"^\s*(?:message|service|enum|type|input|scalar|interface|union)\s+(\w+)", re.MULTILINE)
_PROTO_FIELD = re.compile(r"^\s*(?:(?:optional|repeated)\s+)?[\w.]+\s+(\w+)\s*=\s*\d+\s*;|^\s*rpc\s+(\w+)")
_GRAPHQL_FIELD = re.compile(r"^\s*(\w+)\s*[(:]")


def _schema_scopes(text: str, field: re.Pattern[str]) -> dict[str, set[str]]:
    """``{"": type names, "<type>": its field names}`` of a .proto or .graphql text (blocks do not nest)."""
    scopes: dict[str, set[str]] = {"": set(_SCHEMA_TYPE.findall(text))}
    current = None
    for line in text.splitlines():
        declared = _SCHEMA_TYPE.match(line)
        if declared and "{" in line and "}" not in line:
            current = declared.group(1)
            scopes.setdefault(current, set())
        elif current is not None and line.strip().startswith("}"):
            current = None
        elif current is not None and (match := field.match(line)):
            scopes[current].add(next(name for name in match.groups() if name))
    return scopes


def name_scopes(project: Path) -> dict[str, set[str]]:
    """Every namespace of a rendered project with the names bound in it.

    A Python module's bound names; a ``.proto`` file's messages and services, and each message's
    fields and each service's rpcs; ``schema.graphql``'s types and each type's fields; each
    directory's file names (two files rendered to one path: copier stops, or overwrites with -f).
    """
    scopes: dict[str, set[str]] = {}
    for path in project_files(project):
        relative = path.relative_to(project).as_posix()
        folder = path.parent.relative_to(project).as_posix()
        scopes.setdefault(f"{folder}/", set()).add(path.name)
        for directory in path.relative_to(project).parents:
            if directory.name:  # a folder is named in its parent's listing
                scopes.setdefault(f"{directory.parent.as_posix()}/", set()).add(directory.name)
        if path.suffix == ".py":
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except SyntaxError:
                continue
            for scope, names in _python_scopes(tree).items():
                scopes[f"{relative}:{scope}" if scope else relative] = names
        elif path.suffix in (".proto", ".graphql"):
            field = _PROTO_FIELD if path.suffix == ".proto" else _GRAPHQL_FIELD
            for scope, names in _schema_scopes(path.read_text(encoding="utf-8"), field).items():
                scopes[f"{relative}:{scope}" if scope else relative] = names
    return scopes


def covering(combinations: Sequence[Combination]) -> list[Combination]:
    """Few of ``combinations`` that together hold every choice they hold (each element of a
    multi-select counts), so their renders hold every option's files."""

    def held(combination: Combination) -> set[tuple[str, str]]:
        return {
            (question, str(item))
            for question, value in combination.answers
            for item in (value if isinstance(value, tuple) else (value,))
        }

    wanted = set().union(*(held(combination) for combination in combinations))
    chosen: list[Combination] = []
    while wanted:
        best = max(combinations, key=lambda combination: len(held(combination) & wanted))
        chosen.append(best)
        wanted -= held(best)
    return chosen


def _answer_for(middle: str, capitalised: bool) -> str | None:
    """The snake_case answer whose form in a derived name is ``middle`` (``ApiKey`` -> ``api_key``)."""
    answer = "_".join(snake_words(middle))
    same = "".join(word.capitalize() for word in answer.split("_")) if capitalised else answer
    if same == middle and re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", answer):
        return answer
    return None


def answers_meeting_fixed_names(probe_project: Path) -> dict[tuple[str, str], list[str]]:
    """Answers to ``resource`` / ``resource_plural`` whose derived names would equal a fixed name.

    ``probe_project`` is rendered with ``PROBES``. In every namespace (``name_scopes``), a name
    holding a probe is derived, the others are fixed: a module binding ``ZqxjEvent`` beside
    ``DomainEvent`` meets the resource ``domain``; a proto message holding ``repeated Zqxj vwkq``
    beside ``int64 total`` meets the plural ``total``; ``tests/grpc/test_zqxj.py`` beside
    ``test_server.py`` meets the resource ``server``; GraphQL's ``type Zqxj`` beside ``type Query``
    meets ``query``. Returns ``{(question, answer): ["namespace: fixed name", ...]}``.
    """
    found: dict[tuple[str, str], list[str]] = {}
    for scope, bound in name_scopes(probe_project).items():
        fixed = {name for name in bound if not any(probe in name.lower() for probe in PROBES.values())}
        for question, probe in PROBES.items():
            for stem, capitalised in ((probe.capitalize(), True), (probe, False)):
                for name in bound - fixed:
                    if stem not in name:
                        continue
                    prefix, suffix = name.split(stem, 1)
                    for other in fixed:
                        middle = other[len(prefix) : len(other) - len(suffix)]
                        if not (other.startswith(prefix) and other.endswith(suffix) and middle):
                            continue
                        answer = _answer_for(middle, capitalised)
                        if answer is not None:
                            found.setdefault((question, answer), []).append(f"{scope}: {other}")
    return {key: sorted(set(places)) for key, places in sorted(found.items())}


def refused_under(naming: Any, combination: Combination, question: str, answer: str) -> bool:
    """Whether the validators refuse ``answer`` to ``question`` with the other answers of ``combination``."""
    answers = {**combination.data(), **PROBES, question: answer}
    if question == "resource":
        answers["resource_plural"] = naming.plural(answer)
    package = str(answers.get("package_name", "my_service"))
    return bool(
        naming.resource_error(answers["resource"], package)
        or naming.resource_plural_error(answers["resource_plural"], answers["resource"], package)
        or naming.auth_name_error(str(answers.get("auth", "none")), answers["resource"], answers["resource_plural"])
    )


def generic_place(place: str, package: str) -> str:
    """A place of ``answers_meeting_fixed_names`` without this render's names: ``<package>/<plural>/...``."""
    for name, shown_as in ((package, "<package>"), (PROBE_PLURAL, "<plural>"), (PROBE_RESOURCE, "<resource>")):
        place = place.replace(name, shown_as).replace(name.capitalize(), shown_as.title())
    return re.sub(r"@\d+", "", place)
