"""Render answer combinations with copier and verify each rendered project as its own CI would.

The pieces, used by tests/conftest.py and the tests:

- ``snapshot()``: one consistent copy of the template for a whole run, taken
  from the working tree (uncommitted and untracked changes included), so
  what is tested is what is on disk, not the last commit;
- ``render()``: ``copier.run_copy`` of one combination;
- static checks: no leftover template syntax, every ``.py`` compiles, every
  TOML/YAML/JSON file parses, the project's GitHub workflow runs every
  required check and passes actionlint;
- ``Toolchain``: where the project's tools run from, either the shared
  virtualenv (the union of every rendered project's dependencies, read from
  their pyproject.toml, built once and reused while that union is unchanged;
  the project runs from ``PYTHONPATH=src``; built with uv when it is there,
  else with ``venv`` and pip) or, in ``--isolated`` mode, the project's own
  ``.venv`` made by its README's install command (``uv sync``, locked);
- ``verify()``: the static checks, then the project's own CI commands (the
  ``run:`` lines of its workflows, install and ``npx`` lines left out, a
  leading ``uv run`` stripped so the tool runs from the toolchain) plus any
  required one they lack, then the OpenAPI lint of the exported document
  (Redocly and Spectral, pinned, tests/openapi_lint.py); each timed, all of
  them run even when one fails, so one report shows everything that is wrong.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import filelock
import yaml

from tests.matrix import PYTHON_QUESTION, ROOT, Combination, format_value

HARNESS_DIR = Path(os.environ.get("HARNESS_DIR", ROOT / ".harness")).resolve()
STEP_TIMEOUT = float(os.environ.get("HARNESS_STEP_TIMEOUT", "900"))
OUTPUT_TAIL_LINES = int(os.environ.get("HARNESS_OUTPUT_LINES", "0")) or 60

# Environment variables a project's checks must not inherit from whoever runs the harness.
_SCRUBBED_PREFIXES = ("PYTEST_", "COV_CORE_", "MYPY", "RUFF_")
# PYTHONDONTWRITEBYTECODE (nox sets it for the harness; container images often do): a project's
# commands start dozens of Python processes (pytest, the servers and workers its tests start,
# mypy's plugins, lint-imports, alembic), and uv installs no bytecode, so with it set every
# process compiled pydantic, SQLAlchemy, FastAPI... from source: 5.5 s to import the app instead
# of 1.9 s. Without it the first process to import a module writes its bytecode (atomically)
# and every later one, of this and every other project sharing the venv, reads it.
_SCRUBBED = {
    "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "CONDA_PREFIX", "__PYVENV_LAUNCHER__",
    "PYTHONDONTWRITEBYTECODE",
}  # fmt: skip

# Template syntax that must not survive rendering.  GitHub workflow expressions
# (``${{ ... }}``) are allowed in workflow files; nothing else is.
LEFTOVER = re.compile(r"\{\{|\{%|\{#")
GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)
TEXT_SUFFIXES_SKIPPED = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".sqlite3", ".db", ".pyc", ".whl", ".gz", ".zip"}
SKIPPED_DIRS = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


# -- template snapshot and rendering ------------------------------------------------------------


def tool(name: str, hint: str = "") -> str:
    """A command from the harness's own environment (beside its Python), else from PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed{': ' + hint if hint else ''}")
    return found


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "harness",
    "GIT_AUTHOR_EMAIL": "harness@localhost",
    "GIT_COMMITTER_NAME": "harness",
    "GIT_COMMITTER_EMAIL": "harness@localhost",
}


def git(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Run git in ``cwd`` as the harness (a fixed identity, no signing, no hooks' prompts)."""
    completed = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_IDENTITY, **(env or {})},
    )
    return completed.stdout


def snapshot(template: Path, destination: Path) -> Path:
    """Copy ``template`` as it is on disk into a git repository at ``destination``.

    copier renders a git template from a commit: with ``vcs_ref=None`` from
    its latest tag (so a tagged repo would test the tag, not the working
    tree), with ``vcs_ref="HEAD"`` from HEAD plus the dirty changes, which it
    re-reads for every render.  Taking one snapshot per run (HEAD with the
    working tree's tracked, modified and untracked-but-not-ignored files
    committed on top, which is what copier itself does for a dirty HEAD) gives
    every combination the same template even while someone edits it.
    """
    template = template.resolve()
    if destination.exists():
        shutil.rmtree(destination)
    if not (template / ".git").exists():
        shutil.copytree(template, destination, ignore=shutil.ignore_patterns(".venv", ".harness", ".nox"))
        return destination
    git("clone", "--quiet", "--no-checkout", str(template), str(destination), cwd=template.parent)
    work_tree = {"GIT_WORK_TREE": str(template)}
    if git("status", "--porcelain", cwd=template).strip():
        git("--git-dir=.git", "add", "-A", cwd=destination, env=work_tree)
        git(
            "--git-dir=.git",
            "commit",
            "--quiet",
            "--no-verify",
            "--no-gpg-sign",
            "-m",
            "harness: working tree",
            cwd=destination,
            env=work_tree,
        )
    git("checkout", "--quiet", "-f", "HEAD", cwd=destination)
    return destination


def run_copier(template: Path, destination: Path, data: Mapping[str, Any], tasks: bool = False, **kwargs: Any) -> None:
    """``copier copy --trust --defaults`` of ``template`` (a snapshot) with ``data``.

    The template's ``_tasks`` (``uv lock``: network and a second or more) are skipped
    unless ``tasks`` is true: only a project installed from its lock file needs them
    (``--isolated``).  With ``tasks`` the harness's own uv is put first on PATH, so the
    task finds one even where the user's shell has none.
    """
    import copier

    options: dict[str, Any] = {"defaults": True, "unsafe": True, "quiet": True, "vcs_ref": "HEAD"}
    options["skip_tasks"] = not tasks
    options.update(kwargs)
    from plumbum import local  # copier's own: its tasks get plumbum's copy of the environment

    uv = find_uv() if tasks else None
    saved_path = os.environ.get("PATH", "")
    path = os.pathsep.join([str(Path(uv).parent), saved_path]) if uv is not None else saved_path
    os.environ["PATH"] = path
    try:
        with warnings.catch_warnings(), local.env(PATH=path):
            warnings.simplefilter("ignore")
            copier.run_copy(str(template), str(destination), data=dict(data), **options)
    finally:
        os.environ["PATH"] = saved_path


@dataclass
class Rendered:
    """Where a combination was rendered, or why it could not be."""

    combination: str
    path: str
    seconds: float
    error: str = ""

    @property
    def project(self) -> Path:
        return Path(self.path)


def render(template: Path, destination: Path, combination: Combination, tasks: bool = False) -> Rendered:
    """Render one combination (``tasks``: also run the template's ``_tasks``, see ``run_copier``)."""
    started = time.perf_counter()
    if destination.exists():
        shutil.rmtree(destination)
    try:
        run_copier(template, destination, combination.data(), tasks=tasks)
    except Exception as error:  # the test reports it
        return Rendered(
            combination.id, str(destination), time.perf_counter() - started, f"{type(error).__name__}: {error}"
        )
    return Rendered(combination.id, str(destination), time.perf_counter() - started)


class Renderings:
    """The combinations of a run, each rendered once for all xdist workers, when first asked for.

    Rendering on demand (a file lock per combination) lets every worker start at once: with
    one lock for all of them the first worker rendered every combination while the others waited.
    """

    def __init__(self, run_dir: Path, template: Path, tasks: bool) -> None:
        self.run_dir = run_dir
        self.template = template
        # --isolated installs each project from the uv.lock its copier task writes: only then run the tasks.
        self.tasks = tasks

    def get(self, combination: Combination) -> Rendered:
        key = hashlib.sha256(combination.id.encode()).hexdigest()[:16]
        state = self.run_dir / "rendered" / f"{key}.json"
        state.parent.mkdir(exist_ok=True)
        with filelock.FileLock(state.with_suffix(".lock")):
            if state.exists():
                return Rendered(**json.loads(state.read_text(encoding="utf-8")))
            destination = self.run_dir / "projects" / combination.id
            rendered = render(self.template, destination, combination, tasks=self.tasks)
            state.write_text(json.dumps(asdict(rendered)), encoding="utf-8")
            return rendered


# -- static checks ------------------------------------------------------------------------------


def project_files(project: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(project):
        dirnames[:] = sorted(name for name in dirnames if name not in SKIPPED_DIRS)
        for filename in sorted(filenames):
            yield Path(dirpath) / filename


def _text(path: Path) -> str | None:
    if path.suffix in TEXT_SUFFIXES_SKIPPED:
        return None
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _answers_with_template_syntax(project: Path) -> list[str]:
    """The recorded answers that themselves hold ``{{``, ``{%`` or ``{#`` (user text, not leftovers)."""
    answers_file = project / ".copier-answers.yml"
    if not answers_file.is_file():
        return []
    try:
        answers = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return []
    if not isinstance(answers, dict):
        return []
    found = [value for value in answers.values() if isinstance(value, str) and LEFTOVER.search(value)]
    return sorted({piece for value in found for piece in (value, *_marker_runs(value))}, key=len, reverse=True)


# What an escaper may rewrite (Python, TOML, JSON, YAML strings; Markdown text), whitespace, which
# Markdown collapses, and non-ASCII, which Python strings may escape: an answer's template syntax shows
# in a file as the run of the answer around it that holds none of these (or not at all, when escaping
# broke the marker itself).
_ESCAPABLE = set("\\\"'`*_[]<>#~$|&")


def _kept(char: str) -> bool:
    return char.isascii() and char.isprintable() and not char.isspace() and char not in _ESCAPABLE


def _marker_runs(answer: str) -> list[str]:
    """Each run of ``answer`` around a ``{{``/``{%``/``{#`` that no escaper changes."""
    runs = []
    for match in LEFTOVER.finditer(answer):
        start, end = match.start(), match.end()
        while start > 0 and _kept(answer[start - 1]):
            start -= 1
        while end < len(answer) and _kept(answer[end]):
            end += 1
        runs.append(answer[start:end])
    return runs


def leftover_template_syntax(project: Path) -> list[str]:
    """``path:line: text`` for every line still holding Jinja syntax (an answer's own text,
    rendered as data, does not count)."""
    problems = []
    answered = _answers_with_template_syntax(project)
    for path in project_files(project):
        text = _text(path)
        if text is None:
            continue
        relative = path.relative_to(project).as_posix()
        if relative.startswith(".github/workflows/"):
            text = GITHUB_EXPRESSION.sub("", text)
        if path.name.endswith(".jinja"):
            problems.append(f"{relative}: a .jinja file was copied instead of rendered")
        for number, line in enumerate(text.splitlines(), 1):
            if LEFTOVER.search(functools.reduce(lambda rest, answer: rest.replace(answer, ""), answered, line)):
                problems.append(f"{relative}:{number}: {line.strip()}")
    return problems


def syntax_errors(project: Path) -> list[str]:
    """Files that do not compile (``.py``) or parse (``.toml``, ``.yaml``, ``.yml``, ``.json``)."""
    problems = []
    for path in project_files(project):
        relative = path.relative_to(project).as_posix()
        try:
            if path.suffix == ".py":
                compile(path.read_text(encoding="utf-8"), relative, "exec", flags=ast.PyCF_ONLY_AST)
            elif path.suffix == ".toml":
                tomllib.loads(path.read_text(encoding="utf-8"))
            elif path.suffix in {".yaml", ".yml"}:
                list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
            elif path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError, yaml.YAMLError) as error:
            problems.append(f"{relative}: {type(error).__name__}: {error}")
    return problems


# -- dependencies and toolchains ----------------------------------------------------------------


def canonical_name(name: str) -> str:
    """A package or dependency group name as PEP 503 / PEP 735 compare it (``Dev_Tools`` -> ``dev-tools``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_group(pyproject: Mapping[str, Any], name: str) -> list[str]:
    """The requirements of a PEP 735 ``[dependency-groups]`` group, ``{include-group = ...}`` expanded.

    Group names compare normalised (``Dev_Tools`` is ``dev-tools``); an unknown or cyclic
    include is a ``ValueError``, as in pip and uv.
    """

    groups = {canonical_name(key): value for key, value in (pyproject.get("dependency-groups") or {}).items()}

    def expand(group: str, seen: tuple[str, ...]) -> list[str]:
        if group in seen:
            raise ValueError(f"dependency group {group!r} includes itself: {' -> '.join((*seen, group))}")
        if group not in groups:
            raise ValueError(f"no dependency group {group!r} in [dependency-groups]")
        result: list[str] = []
        for item in groups[group]:
            if isinstance(item, dict):
                result += expand(canonical_name(item["include-group"]), (*seen, group))
            else:
                result.append(item)
        return result

    return expand(canonical_name(name), ())


def project_requirements(project: Path, extra: str = "dev") -> list[str]:
    """``[project].dependencies`` plus the ``dev`` dependency group (PEP 735) or extra of a rendered project.

    The generated service declares its tools in ``[dependency-groups] dev`` (what ``uv sync``
    installs); an older one had them in ``[project.optional-dependencies] dev``: both are read.
    """
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    metadata = pyproject.get("project", {})
    requirements = list(metadata.get("dependencies", []))
    requirements += metadata.get("optional-dependencies", {}).get(extra, [])
    groups = {canonical_name(name) for name in pyproject.get("dependency-groups") or {}}
    if canonical_name(extra) in groups:
        requirements += dependency_group(pyproject, extra)
    own_name = canonical_name(str(metadata.get("name", "")))
    return [
        requirement
        for requirement in requirements
        if canonical_name(re.split(r"[\s\[<>=!~;@]", requirement, maxsplit=1)[0]) != own_name
    ]


def find_python(version: str) -> str | None:
    """A working interpreter for ``version`` (``3.12``): ``python3.12`` on PATH, else a pyenv install.

    pyenv's shims only run the versions selected with ``pyenv global``; the
    others are still installed under ``$PYENV_ROOT/versions/<version>.*/bin``.
    """
    if version == f"{sys.version_info.major}.{sys.version_info.minor}":
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    installed = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"), reverse=True)
    candidates += [str(path) for path in installed]
    return next((found for found in candidates if found and _works(found)), None)


def python_for(combination: Combination) -> str:
    """The interpreter for a combination: its ``python_version`` when installed, else the harness's own.

    Without the wanted version the combination still runs, on the harness's
    Python (the CI workflow installs each combination's version).
    """
    wanted = combination.get(PYTHON_QUESTION)
    if wanted is not None:
        found = find_python(format_value(wanted))
        if found:
            return found
    return sys.executable


@functools.cache
def _works(python: str) -> bool:
    try:
        interpreter_version(python)
    except (OSError, subprocess.CalledProcessError):  # e.g. a pyenv shim for a version not installed
        return False
    return True


@functools.cache
def interpreter_identity(python: str) -> tuple[str, str]:
    """``(major.minor, base prefix)``: the same for an interpreter and every venv made from it."""
    completed = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.base_prefix)"],
        check=True,
        capture_output=True,
        text=True,
    )
    version, base_prefix = completed.stdout.splitlines()[:2]
    return version, base_prefix


def interpreter_version(python: str) -> str:
    return interpreter_identity(python)[0]


def _venv_bin(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


@functools.cache
def find_uv() -> str | None:
    """uv's binary: beside the harness's Python (the ``test`` group installs it), on PATH, or the uv package's."""
    try:
        return tool("uv")
    except RuntimeError:
        pass
    try:
        import uv  # type: ignore[import-not-found,unused-ignore]

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        return None


def _uv_env() -> dict[str, str]:
    """The harness's environment for uv: quiet, no interpreter downloads, no inherited project venv."""
    # UV_COMPILE_BYTECODE (noxfile.py sets it for the harness's own venv): a project venv's bytecode
    # is written by the first process that imports each module, not all of it up front (8 s a venv)
    skipped = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_COMPILE_BYTECODE"}
    env = {name: value for name, value in os.environ.items() if name not in skipped}
    env.update({"UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1", "NO_COLOR": "1"})
    return env


def create_venv(python: str, venv: Path, with_pip: bool = False) -> None:
    """A fresh virtualenv for ``python``: ``uv venv`` when uv is there, else ``python -m venv``.

    uv's venv has no pip unless ``with_pip`` (``--seed``); the harness installs with ``pip_install``.
    """
    if venv.exists():
        shutil.rmtree(venv)
    uv = find_uv()
    if uv:
        command = [uv, "venv", "--quiet", *(["--seed"] if with_pip else []), "--python", python, str(venv)]
    else:
        command = [python, "-m", "venv", str(venv)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, env=_uv_env())
    if completed.returncode:
        raise RuntimeError(f"{shlex.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")


def pip_install(venv: Path, *args: str, cwd: Path | None = None) -> None:
    """Install into ``venv``: ``uv pip install --python <venv python>``, else the venv's own pip."""
    python = str(_venv_bin(venv) / "python")
    uv = find_uv()
    if uv:
        command = [uv, "pip", "install", "--quiet", "--python", python, *args]
    else:
        command = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q", *args]
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=_uv_env())
    if completed.returncode:
        raise RuntimeError(f"{shlex.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")


@dataclass(frozen=True)
class Toolchain:
    """The virtualenv a project's checks run in."""

    venv: Path
    shared: bool

    @property
    def bin(self) -> Path:
        return _venv_bin(self.venv)

    def env(self, project: Path, extra: Mapping[str, str] | None = None, cache_key: str = "") -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in _SCRUBBED and not name.startswith(_SCRUBBED_PREFIXES) and not name.endswith("DATABASE_URL")
        }
        env["PATH"] = os.pathsep.join([str(self.bin), env.get("PATH", "")])
        env["VIRTUAL_ENV"] = str(self.venv)
        env["NO_COLOR"] = "1"
        if self.shared:
            # The project is not installed in the shared env: it runs from its source tree.
            env["PYTHONPATH"] = str(project / "src")
            caches = HARNESS_DIR / "cache"
            env["RUFF_CACHE_DIR"] = str(caches / "ruff")
            # mypy's cache is only valid for one set of options and one module->path
            # mapping: one per combination (a re-run of the same combination reuses it).
            env["MYPY_CACHE_DIR"] = str(caches / "mypy" / (cache_key or "default"))
        env.update(extra or {})
        return env


SHARED_VENVS_KEPT = 2
# A venv used this recently is never pruned: a run whose projects need venvs of their own
# (conflicting requirements) uses several at once.
SHARED_VENV_IN_USE_SECONDS = 6 * 3600


def ensure_shared_venv(requirements: Iterable[str], python: str = sys.executable) -> Toolchain:
    """The shared virtualenv for ``python`` holding ``requirements``, built only if not there yet.

    Each requirement set gets its own directory (``.harness/venv-py3.X-<hash>``), so a run
    whose template changed its dependencies never rebuilds a venv another run is using; the
    two most recently used are kept.  The caller holds a lock (tests/conftest.py) so
    parallel workers build it once.
    """
    wanted = sorted(set(requirements))
    version, base_prefix = interpreter_identity(python)
    digest = hashlib.sha256("\n".join([base_prefix, version, *wanted]).encode()).hexdigest()
    venv = HARNESS_DIR / f"venv-py{version}-{digest[:12]}"
    stamp = venv / "harness-requirements.sha256"
    if not (stamp.exists() and stamp.read_text(encoding="utf-8").strip() == digest):
        HARNESS_DIR.mkdir(parents=True, exist_ok=True)
        create_venv(python, venv)
        pip_install(venv, *wanted)
        (venv / "harness-requirements.txt").write_text("\n".join(wanted) + "\n", encoding="utf-8")
        stamp.write_text(digest + "\n", encoding="utf-8")
    stamp.touch()  # most recently used
    _prune_shared_venvs(version)
    return Toolchain(venv, shared=True)


def _prune_shared_venvs(version: str) -> None:
    def last_used(venv: Path) -> float:
        stamp = venv / "harness-requirements.sha256"
        return stamp.stat().st_mtime if stamp.exists() else 0.0

    venvs = sorted(HARNESS_DIR.glob(f"venv-py{version}*"), key=last_used, reverse=True)
    recently = time.time() - SHARED_VENV_IN_USE_SECONDS
    for stale in venvs[SHARED_VENVS_KEPT:]:
        if last_used(stale) < recently:
            shutil.rmtree(stale, ignore_errors=True)


def _is_uv_sync(words: Sequence[str]) -> bool:
    return list(words[:2]) == ["uv", "sync"]


def _is_pip_install_of_project(words: Sequence[str]) -> bool:
    program = Path(words[0]).name if words else ""
    is_pip = (program == "pip" and list(words[1:2]) == ["install"]) or (
        program.startswith("python") and list(words[1:4]) == ["-m", "pip", "install"]
    )
    installs_project = {"-e", "--editable", "."} & set(words) or any(w.startswith(".[") for w in words)
    return is_pip and bool(installs_project)


def readme_install_command(project: Path) -> list[str]:
    """The command of the project's README that installs the project itself, as words.

    The README's ``uv sync`` (the generated service's way) when it has one, else its
    ``pip install -e ...`` of the project (``pip install -e . --group dev``, ``pip install -e ".[dev]"``).
    Commands are read from code lines, ``&&`` chains split; ``$ `` prompts are dropped.
    """
    readme = project / "README.md"
    if not readme.exists():
        raise AssertionError("the rendered project has no README.md to take its install command from")
    candidates: list[list[str]] = []
    for line in readme.read_text(encoding="utf-8").splitlines():
        command = line.strip().removeprefix("$ ").split(" #", 1)[0].strip()
        for part in command.split("&&"):
            try:
                words = shlex.split(part.strip())
            except ValueError:
                continue
            if _is_uv_sync(words) or _is_pip_install_of_project(words):
                candidates.append(words)
    for words in candidates:
        if _is_uv_sync(words):
            return words
    if candidates:
        return candidates[0]
    raise AssertionError(
        "README.md has no install command for the project (`uv sync`, or `pip install -e . --group dev`)"
    )


def isolated_toolchain(project: Path, python: str) -> tuple[Toolchain, float]:
    """The project's own ``.venv``, made exactly as its README says.

    ``uv sync`` (run with the harness's uv, ``--locked`` added: the ``uv.lock`` the copier task
    wrote must match pyproject.toml; ``UV_PYTHON`` picks the combination's interpreter); or,
    for a README that installs with pip, a fresh ``venv`` and that ``pip install`` line.
    """
    started = time.perf_counter()
    venv = project / ".venv"
    if venv.exists():
        shutil.rmtree(venv)
    toolchain = Toolchain(venv, shared=False)
    command = readme_install_command(project)
    env = toolchain.env(project)
    if _is_uv_sync(command):
        uv = find_uv()
        if uv is None:
            raise AssertionError("README.md installs with `uv sync`, but uv is not installed (pip install uv)")
        if not (project / "uv.lock").exists():
            raise AssertionError("no uv.lock: the template's copier task (`uv lock`) did not write one")
        command = [uv, *command[1:]]
        if not {"--locked", "--frozen"} & set(command):
            command.append("--locked")
        env.update({"UV_PYTHON": python, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"})
        env.pop("UV_PROJECT_ENVIRONMENT", None)
    else:
        create_venv(python, venv, with_pip=True)
    completed = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
    if completed.returncode:
        raise AssertionError(
            f"`{shlex.join(command)}` (from README.md) failed:\n{tail(completed.stdout + completed.stderr)}"
        )
    return toolchain, time.perf_counter() - started


# -- verification -------------------------------------------------------------------------------


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def tail(text: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    kept = ANSI_ESCAPE.sub("", text).rstrip().splitlines()
    cut = len(kept) - lines
    return "\n".join(([f"[... {cut} lines cut ...]"] if cut > 0 else []) + kept[-lines:])


@dataclass
class Step:
    name: str
    ok: bool
    seconds: float
    output: str = ""
    command: str = ""


# The checks every rendered project's CI must run (issue 3).  The harness runs the
# project's own CI commands (the `run:` steps of its GitHub workflows, install
# steps left out) in their order, then any of these its CI forgot, and the
# "ci-workflow" check fails for each one forgotten.
# A CI command runs a required one when its words start with the required words
# (``pytest --cov`` runs ``pytest``, ``mypy --pretty`` runs ``mypy``).
REQUIRED_COMMANDS = ("ruff check .", "ruff format --check .", "mypy", "lint-imports", "deptry .", "pytest")
# Installing, locking and making environments: the harness's toolchain does that itself.
INSTALL_COMMAND = re.compile(r"^(python[0-9.]* -m )?pip install\b|^uv (sync|pip|lock|venv|python|self)\b")
# ``uv run [options] <command>``: the harness runs ``<command>`` from its toolchain (uv would
# sync the project's own .venv first).  Options of ``uv run`` that take a value:
UV_RUN_VALUED_OPTIONS = frozenset(
    {
        "--python", "-p", "--group", "--only-group", "--no-group", "--extra", "--no-extra", "--with",
        "--with-editable", "--with-requirements", "--env-file", "--directory", "--project", "--package",
        "--index", "--default-index", "--index-url", "--extra-index-url", "--find-links", "-f",
        "--cache-dir", "--config-file", "--color", "--python-preference", "--resolution", "--prerelease",
        "--index-strategy", "--keyring-provider", "--exclude-newer", "--link-mode", "--refresh-package",
        "--reinstall-package", "--upgrade-package", "-P", "--no-binary-package", "--no-build-package",
    }
)  # fmt: skip
# npx fetches a linter from the npm registry: the harness runs its own pinned copy instead
# (the "openapi-lint" check, tests/openapi_lint.py).
# npx and uvx likewise fetch tools (copier check-update in the scheduled template-update workflow).
NPX_COMMAND = re.compile(r"^(npx|uvx)\b")
# Only the workflows a push or pull request runs are the project's CI; scheduled ones (the
# template-update check) need the network and the template's release tags.
CI_TRIGGERS = frozenset({"push", "pull_request"})


def _normalise(command: str) -> str:
    return " ".join(command.split())


def strip_uv_run(command: str) -> str:
    """``uv run --locked pytest -q`` -> ``pytest -q``: the command ``uv run`` would run.

    ``command`` is normalised (single spaces).  Anything else is returned unchanged.
    """
    words = command.split(" ")
    if words[:2] != ["uv", "run"]:
        return command
    index = 2
    while index < len(words) and words[index].startswith("-"):
        option = words[index]
        index += 1
        if option == "--":
            break
        if option in UV_RUN_VALUED_OPTIONS:  # ``--group dev``; ``--group=dev`` is one word
            index += 1
    return " ".join(words[index:])


def runs_required(command: str, required: str) -> bool:
    """Whether the CI command ``command`` runs the required check ``required`` (its words start with them)."""
    wanted = required.split()
    return command.split()[: len(wanted)] == wanted


def workflow_files(project: Path) -> list[Path]:
    directory = project / ".github" / "workflows"
    return sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")]) if directory.is_dir() else []


def _triggers(document: dict[Any, Any]) -> list[str]:
    """A workflow's ``on:`` events (YAML 1.1 reads the bare key ``on`` as ``True``)."""
    on = document.get("on", document.get(True))
    if isinstance(on, str):
        return [on]
    return [str(event) for event in on] if isinstance(on, (list, dict)) else []


def ci_commands(project: Path) -> list[str]:
    """The shell commands of the project's workflow ``run:`` steps, in order, without install steps.

    Lines using GitHub expressions (``${{ }}``) only make sense on GitHub and are left out; a
    leading ``uv run [options]`` is stripped (``uv run --locked mypy`` is ``mypy``), and
    ``uv sync``/``uv lock``/``pip install`` lines are install steps.
    """
    commands: list[str] = []
    for path in workflow_files(project):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not CI_TRIGGERS & set(_triggers(document)):
            continue
        for job in (document.get("jobs") or {}).values():
            for step in job.get("steps") or []:
                run = step.get("run") if isinstance(step, dict) else None
                if not isinstance(run, str):
                    continue
                for line in run.splitlines():
                    command = strip_uv_run(_normalise(line))
                    skipped = not command or command.startswith("#") or "${{" in command
                    if not skipped and not INSTALL_COMMAND.search(command) and not NPX_COMMAND.search(command):
                        commands.append(command)
    return list(dict.fromkeys(commands))


def project_commands(project: Path) -> list[str]:
    """What the harness runs in a project: its CI's commands, then the required ones its CI lacks."""
    try:
        commands = ci_commands(project)
    except (yaml.YAMLError, AttributeError, OSError):  # the "parse"/"ci-workflow" checks report it
        commands = []
    return commands + [
        required for required in REQUIRED_COMMANDS if not any(runs_required(command, required) for command in commands)
    ]


def ci_workflow_problems(project: Path) -> list[str]:
    if not workflow_files(project):
        return ["no GitHub workflow in .github/workflows/"]
    commands = ci_commands(project)
    return [
        f".github/workflows: no step runs `{required}` (the harness ran it anyway)"
        for required in REQUIRED_COMMANDS
        if not any(runs_required(command, required) for command in commands)
    ]


def actionlint_problems(project: Path) -> list[str]:
    from tests.actionlint import actionlint

    return [line.replace(str(project) + "/", "") for line in actionlint(workflow_files(project))]


def openapi_lint_problems(project: Path, env: Mapping[str, str]) -> list[str]:
    from tests.openapi_lint import openapi_lint

    return openapi_lint(project, env, workflow_files(project))


def dockerfile_problems(project: Path) -> list[str]:
    from tests.container import dockerfile_problems as check

    return check(project)


def compose_problems(project: Path) -> list[str]:
    from tests.container import compose_problems as check

    return check(project)


STATIC_CHECKS: tuple[tuple[str, Callable[[Path], list[str]]], ...] = (
    ("leftovers", leftover_template_syntax),
    ("parse", syntax_errors),
    ("ci-workflow", ci_workflow_problems),
    ("actionlint", actionlint_problems),
    ("dockerfile", dockerfile_problems),
    ("compose", compose_problems),
)

# Checks that run the project's own code (with its toolchain's environment), after its commands.
TOOLCHAIN_CHECKS: tuple[tuple[str, Callable[[Path, Mapping[str, str]], list[str]]], ...] = (
    ("openapi-lint", openapi_lint_problems),
)


def run_step(name: str, command: str, project: Path, env: Mapping[str, str]) -> Step:
    """Run one shell command line in the project (bash, no stdin, a timeout); never raises."""
    started = time.perf_counter()
    try:
        completed = subprocess.run(
            ["bash", "-c", command],
            cwd=project,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        text = "".join(
            part.decode(errors="replace") if isinstance(part, bytes) else part
            for part in (error.stdout or "", error.stderr or "")
        )
        output = f"timed out after {STEP_TIMEOUT:.0f}s\n{text}"
        return Step(name, False, time.perf_counter() - started, output, command)
    output = (completed.stdout or "") + (completed.stderr or "")
    return Step(name, completed.returncode == 0, time.perf_counter() - started, output, command)


MYPY_SEED = HARNESS_DIR / "cache" / "mypy-seed"


def _cache_size(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def seed_mypy_cache(cache: Path) -> None:
    """Start an empty mypy cache from the seed: what another project of the run already checked.

    mypy keeps one cache per target version (``<cache>/3.12/``). A module's entry is used only
    when its source hashes as recorded and its options are the same, so entries written for
    another project (another venv path, another package name) are reused exactly where they fit:
    the libraries (pydantic, SQLAlchemy, FastAPI... about three quarters of a cold run), never a
    module whose source differs. Files with errors are never cached, so a seed hides none.
    """
    if not MYPY_SEED.is_dir():
        return
    with filelock.FileLock(f"{MYPY_SEED}.lock"):
        for version in MYPY_SEED.iterdir():
            if version.is_dir() and not (cache / version.name).exists():
                shutil.copytree(version, cache / version.name)


def publish_mypy_cache(cache: Path) -> None:
    """Offer a project's mypy cache as the seed of its target version when it holds more than the seed.

    The largest cache (the project with the most libraries) wins, so later projects reuse the most.
    """
    if not cache.is_dir():
        return
    MYPY_SEED.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(f"{MYPY_SEED}.lock"):
        for version in cache.iterdir():
            if not version.is_dir():
                continue
            seed = MYPY_SEED / version.name
            if seed.is_dir() and _cache_size(seed) >= _cache_size(version):
                continue
            partial = MYPY_SEED / f".{version.name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(version, partial)
            shutil.rmtree(seed, ignore_errors=True)
            partial.rename(seed)


def run_command(command: str, project: Path, env: Mapping[str, str]) -> Step:
    """A project command as a step; mypy's cache is seeded before and offered as the seed after."""
    cache = env.get("MYPY_CACHE_DIR") if runs_required(command, "mypy") else None
    if cache:
        seed_mypy_cache(Path(cache))
    step = run_step(command, command, project, env)
    if cache:
        publish_mypy_cache(Path(cache))
    return step


def verify(
    project: Path,
    toolchain: Toolchain,
    extra_env: Mapping[str, str] | None = None,
    only: Iterable[str] | None = None,
    cache_key: str = "",
) -> list[Step]:
    """Run every check (or those named in ``only``) on a rendered project; never stops early.

    Static checks first, then the project's commands (see ``project_commands``)
    with its toolchain first on PATH, then the checks that run the project's
    code with that toolchain (``TOOLCHAIN_CHECKS``: the OpenAPI lint).  A required
    command in ``only`` (``pytest``) selects the CI command that runs it (``pytest --cov``).
    """
    selected = set(only) if only is not None else None
    steps = []
    for name, check in STATIC_CHECKS:
        if selected is None or name in selected:
            steps.append(check_step(name, functools.partial(check, project)))
    env = toolchain.env(project, extra_env, cache_key)
    for command in project_commands(project):
        wanted = selected is None or command in selected
        wanted = wanted or any(runs_required(command, name) for name in selected or () if name in REQUIRED_COMMANDS)
        if wanted:
            steps.append(run_command(command, project, env))
    for name, toolchain_check in TOOLCHAIN_CHECKS:
        if selected is None or name in selected:
            steps.append(check_step(name, functools.partial(toolchain_check, project, env)))
    return steps


def check_step(name: str, check: Callable[[], list[str]]) -> Step:
    """Run a check returning its problems; a crashed check is a failed check."""
    started = time.perf_counter()
    try:
        problems = check()
    except Exception as error:
        problems = [f"{type(error).__name__}: {error}"]
    return Step(name, not problems, time.perf_counter() - started, "\n".join(problems))


def report(project: Path, steps: Sequence[Step]) -> str:
    """A failure message: which checks failed, how to re-run them, and the tail of their output."""
    failed = [step for step in steps if not step.ok]
    lines = [f"{len(failed)} of {len(steps)} checks failed in {project}:"]
    for step in failed:
        command = f" (`{step.command}`)" if step.command and step.command != step.name else ""
        lines += ["", f"--- {step.name}{command} ---", tail(step.output)]
    return "\n".join(lines)


@dataclass
class Timing:
    """Per-combination timings, handed to the terminal summary through ``user_properties``."""

    combination: str
    steps: dict[str, float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    python: str = ""  # the interpreter version the checks ran on

    @property
    def total(self) -> float:
        return sum(self.steps.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self))
