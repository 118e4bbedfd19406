"""Free-text answers reach every generated file as the exact text, never as code.

Renders nasty but accepted answers (quotes, backslashes, triple quotes, Jinja and shell syntax,
Markdown, non-ASCII, an attempt to break out of a Python string) and checks each place they land:
the Python sources compile and pass ruff, ``pyproject.toml`` holds the exact strings, the README
shows them as text, and importing the package runs no command (an audit hook fails the import on
any process-spawning event) while its settings carry the exact project name.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import Toolchain, run_copier, syntax_errors, verify

NASTY_ANSWERS: list[dict[str, Any]] = [
    {
        "project_name": 'A "Best" Service \\ {{ 7*7 }} $(id) Café 受注',
        "description": "Says \"\"\" and ''' and {{ 7*7 }} {% raw %} $(id) `id` <b>x</b> *not em* # &amp; ends in \\",
        "author_name": 'O\'Brien, "Jr" \\ <x> Ünïcödé',
        "author_email": "o'brien+x@example.co.uk",
    },
    {
        "project_name": 'Evil"; import os; os.system("echo pwned"); x = "',
        "description": '"""; import os; os.system("echo pwned"); """',
        "author_name": '", email = "x@example.org" }] # \\',
        "author_email": "it.s@example.org",
    },
    {
        "project_name": "It's 'single' \"quoted\"",
        "description": "- 1. > not a list, quote or heading",
        "author_name": "= team",
        "author_email": "team@example.org",
    },
    {  # no letter with an ASCII form: the derived names are given
        "project_name": "日本語サービス",
        "project_slug": "nihongo-service",
        "package_name": "nihongo_service",
        "description": "Team 👩\u200d💻 and 🏳\ufe0f\u200d🌈 service",
        "author_name": "山田 太郎",
        "author_email": "taro@example.jp",
    },
]

# Any of these audit events while importing the package means an answer ran as code.
IMPORT_PROBE = """
import json, sys

def refuse(event, args):
    if event in {"os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork"}:
        raise SystemExit(f"importing the package ran {event}{args!r}")

sys.addaudithook(refuse)
package = __import__(sys.argv[1])
from importlib import import_module

settings = import_module(sys.argv[1] + ".core.settings").Settings()
print(json.dumps({"app_name": settings.app_name, "doc": package.__doc__}))
"""

_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _markdown_plain(line: str) -> str:
    """The text CommonMark shows for a line of backslash-escaped text."""
    return _MARKDOWN_ESCAPE.sub(r"\1", line)


@pytest.mark.render
@pytest.mark.parametrize("data", NASTY_ANSWERS, ids=[str(index) for index in range(len(NASTY_ANSWERS))])
def test_nasty_text_answers_land_as_text(
    template_snapshot: Path, default_project: tuple[Path, Toolchain], tmp_path: Path, data: dict[str, Any]
) -> None:
    _, toolchain = default_project
    project = tmp_path / "project"
    run_copier(template_snapshot, project, data)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    package = answers["package_name"]
    assert {key: answers[key] for key in data} == data, "the answers file (YAML) keeps every answer exactly"

    assert syntax_errors(project) == [], "every .py compiles and every TOML/YAML/JSON file parses"

    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert metadata["description"] == data["description"]
    assert metadata["authors"] == [{"name": data["author_name"], "email": data["author_email"]}]

    readme = (project / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[0].startswith("# ")
    assert _markdown_plain(readme[0][2:]) == data["project_name"]
    assert _markdown_plain(readme[2]) == data["description"]

    steps = verify(project, toolchain, only=["ruff check .", "ruff format --check ."])
    assert all(step.ok for step in steps), "\n".join(step.output for step in steps)

    probe = subprocess.run(
        [str(toolchain.bin / "python"), "-c", IMPORT_PROBE, package],
        cwd=project,
        env=toolchain.env(project),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr + probe.stdout
    (line,) = probe.stdout.splitlines()  # nothing printed but the probe's own line
    imported = json.loads(line)
    assert imported["app_name"] == data["project_name"]
    assert imported["doc"] == f"The {answers['project_slug']} distribution's import package."


def _harness_naming() -> Any:
    from tests.matrix import ROOT, _import_path

    return _import_path(ROOT / "extensions" / "naming.py", "_harness_test_escaping_naming")


def _run_python(toolchain: Toolchain, project: Path, code: str, stdin: str) -> str:
    completed = subprocess.run(
        [str(toolchain.bin / "python"), "-c", code],
        cwd=project,
        env=toolchain.env(project),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return completed.stdout


# project_names at and around the 78-column bound: plain, wide characters, escapes, both quotes.
BOUND_NAMES = [
    "A" * 78,
    "A" + "受" * 38 + "A",
    "A" + "\\" * 38 + "A",
    "A" * 70 + '"' * 8,
    "A" * 50 + "\"'" * 9,
    "A" + "🚀" * 38 + "A",
    "Cafe\u0301 " * 10,
]
# Characters ruff reports as confusable (RUF001), in the contexts its rule distinguishes.
CONFUSABLE_NAMES = [
    "O\u2019Brien\u2019s Orders \u2013 EU",
    "\u201cQuoted\u201d \u2018Service\u2019 \u2014 \u00b4 \u2032",
    "No\u00a0break space",
    "\uff26\uff55\uff4c\uff4c width",
    "Orders \u0405ervice \u0131tem",
    "Orders Сервис заказов",
    "Orders Сервис \u0441 доставкой и оплатой",  # a lone confusable letter is a word of its own
    "Ἀθῆναι Service",
    "Caf\u00e9 \u00dcber Stra\u00dfe \u00b5s",
    "x\u00d7y",
]


def test_python_string_matches_ruff_at_the_bound(default_project: tuple[Path, Toolchain], tmp_path: Path) -> None:
    """``app_name: str = <literal>`` for accepted names: as ruff formats it, no ruff finding, fits 100 columns."""
    naming = _harness_naming()
    from tests.test_naming import NASTY_TEXTS

    names = [*BOUND_NAMES, *CONFUSABLE_NAMES, *(f"A {text}"[:78] for text in NASTY_TEXTS if "\t" not in text)]
    for name in names:
        assert naming.project_name_error(name) == "", name
    project, toolchain = default_project
    module = tmp_path / "settings_lines.py"
    literals = [naming.python_string(name) for name in names]
    classes = [f"class Settings{index}:\n    app_name: str = {literal}\n" for index, literal in enumerate(literals)]
    module.write_text("\n\n".join(classes), encoding="utf-8")
    config = ["--config", str(project / "pyproject.toml")]
    for command in (["ruff", "check", *config], ["ruff", "format", "--check", *config]):
        completed = subprocess.run(
            [str(toolchain.bin / command[0]), *command[1:], str(module)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr


MARKDOWN_PROBE = """
import json, sys
from markdown_it import MarkdownIt

md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
parsed = []
for source in json.load(sys.stdin):
    tokens = md.parse(source)
    inline = [token for token in tokens if token.type == "inline"]
    parsed.append(
        {
            "blocks": [token.type for token in tokens],
            "texts": ["".join(child.content for child in token.children or []) for token in inline],
            "kinds": sorted({child.type for token in inline for child in token.children or []}),
        }
    )
print(json.dumps(parsed))
"""


def test_markdown_text_renders_as_the_text(default_project: tuple[Path, Toolchain]) -> None:
    """A CommonMark parser (markdown-it, with GitHub's tables and strikethrough) reads README lines as plain text."""
    naming = _harness_naming()
    from tests.test_naming import NASTY_TEXTS

    project, toolchain = default_project
    found = _run_python(toolchain, project, "import importlib.util; print(importlib.util.find_spec('markdown_it'))", "")
    if found.strip() == "None":  # markdown-it-py comes with rich, a dependency of the project's dev tools
        pytest.skip("the project's toolchain has no markdown-it-py")
    sources = [f"# {naming.markdown_text(text)}\n\n{naming.markdown_text(text)}\n" for text in NASTY_TEXTS]
    parsed = json.loads(_run_python(toolchain, project, MARKDOWN_PROBE, json.dumps(sources)))
    for text, result in zip(NASTY_TEXTS, parsed, strict=True):
        plain = " ".join(text.split())
        assert result["blocks"] == [
            "heading_open",
            "inline",
            "heading_close",
            "paragraph_open",
            "inline",
            "paragraph_close",
        ], text
        assert result["texts"] == [plain, plain], text
        assert set(result["kinds"]) <= {"text", "text_special"}, text


def ruff_confusables(ruff: Path, directory: Path) -> list[int]:
    """Every printable non-ASCII character ruff's RUF001 reports inside an ASCII word."""
    import unicodedata

    candidates = [
        chr(code)
        for code in range(0xA0, 0x30000)
        if unicodedata.category(chr(code))[0] in "LMNPSZ" and unicodedata.category(chr(code)) not in {"Zl", "Zp"}
    ]
    module = directory / "confusables.py"
    module.write_text("".join(f'x = "x{char}x"\n' for char in candidates), encoding="utf-8")
    completed = subprocess.run(
        [str(ruff), "check", "--no-cache", "--isolated", "--select", "RUF001", "--output-format", "json", str(module)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return sorted({ord(candidates[finding["location"]["row"] - 1]) for finding in json.loads(completed.stdout)})


def test_confusables_table_is_rusts_current_one(default_project: tuple[Path, Toolchain], tmp_path: Path) -> None:
    """RUFF_CONFUSABLES in extensions/naming.py lists exactly what the generated project's ruff reports."""
    naming = _harness_naming()
    _, toolchain = default_project
    reported = ruff_confusables(toolchain.bin / "ruff", tmp_path)
    assert len(reported) > 1000, "ruff reported the confusable characters"
    ranges: list[list[int]] = []
    for code in reported:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    listing = " ".join(f"{first:X}" if first == last else f"{first:X}-{last:X}" for first, last in ranges)
    assert sorted(naming.RUFF_CONFUSABLES) == reported, (
        f"replace _RUFF_CONFUSABLE_RANGES in extensions/naming.py:\n{listing}"
    )
