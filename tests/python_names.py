"""The names each supported Python reserves, for ``extensions/python_names.json``.

A generated service runs on every ``python_version`` choice of copier.yml and on each newer one
it allows, while copier may run on another Python altogether: its validators must refuse the
keywords, soft keywords and standard-library module names of **every** supported version, not
those of the interpreter running copier (``type`` is a soft keyword from 3.12 on, ``tomllib`` a
module from 3.11 on). ``python -m tests.python_names --write`` asks each supported interpreter
and writes the union; tests/test_reserved_names.py fails when an interpreter reserves a name
the file lacks.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import yaml

from tests.harness import find_python
from tests.matrix import ROOT

DATA = ROOT / "extensions" / "python_names.json"
ASK = (
    "import json, keyword, sys; print(json.dumps({'keywords': keyword.kwlist, "
    "'soft_keywords': keyword.softkwlist, 'stdlib_module_names': sorted(sys.stdlib_module_names)}))"
)
KINDS = ("keywords", "soft_keywords", "stdlib_module_names")


def supported_versions(root: Path = ROOT) -> list[str]:
    copier = yaml.safe_load((root / "copier.yml").read_text(encoding="utf-8"))
    return [str(choice) for choice in copier["python_version"]["choices"]]


def reserved_by(python: str) -> dict[str, list[str]]:
    """What the interpreter ``python`` reserves, by kind."""
    asked = subprocess.run([python, "-c", ASK], capture_output=True, text=True, timeout=60, check=True)
    names: dict[str, list[str]] = json.loads(asked.stdout)
    return names


def collect(versions: Sequence[str]) -> dict[str, list[str]]:
    """The union over ``versions`` (each must be installed), with the versions asked."""
    union: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for version in versions:
        python = find_python(version)
        if python is None:
            raise SystemExit(f"no python{version} here: install it (pyenv install {version}) to collect its names")
        for kind, names in reserved_by(python).items():
            union[kind] |= set(names)
    return {"versions": list(versions), **{kind: sorted(names) for kind, names in union.items()}}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.python_names", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {DATA.relative_to(ROOT)} (default: print)")
    args = parser.parse_args(argv)
    text = json.dumps(collect(supported_versions()), indent=1) + "\n"
    if args.write:
        DATA.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
