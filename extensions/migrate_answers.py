"""Carry a service's recorded answers across a renamed or removed question (copier ``_migrations``).

``copier update`` replays the answers a service recorded in ``.copier-answers.yml``.  When a release
renames a question, the recorded value must move to the new name before the new template version
reads it, or the answer falls back to its default.  copier.yml runs this script as a ``before``
migration of the release that renames (or removes) the question::

    _migrations:
      - version: "0.3.0"
        when: "{{ _stage == 'before' }}"
        command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/extensions/migrate_answers.py",
                  "rename", "resource", "entity", "{{ _copier_conf.answers_file }}"]

Commands (the answers file's path is relative to the service, where copier runs migrations):

    migrate_answers.py rename OLD NEW [ANSWERS_FILE]   the value recorded for OLD is NEW's from now on
    migrate_answers.py remove KEY [ANSWERS_FILE]       the answer is dropped (its question is gone)

Both are idempotent (an update that runs them twice, or a service that never recorded the answer,
is left as it is) and only touch the key: every other line, comment and value stays byte for byte.
Standard library only: it runs on the Python that runs copier.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ANSWERS_FILE = ".copier-answers.yml"
KEY_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _key_line(key: str) -> re.Pattern[str]:
    """A top-level ``key:`` line (copier writes the answers as one flat YAML mapping)."""
    return re.compile(rf"^{re.escape(key)}:(?=\s|$)", re.MULTILINE)


def _entry(text: str, key: str) -> tuple[int, int] | None:
    """Where the top-level entry ``key`` starts and ends (its value may continue on indented lines)."""
    match = _key_line(key).search(text)
    if match is None:
        return None
    lines = text[match.start() :].splitlines(keepends=True)
    taken = 1
    for index in range(1, len(lines)):
        line = lines[index]
        if line[:1] in (" ", "\t"):
            taken = index + 1  # an indented continuation (and the blank lines before it)
        elif line.strip():
            break  # the next top-level entry or comment
    return match.start(), match.start() + sum(len(line) for line in lines[:taken])


def rename(text: str, old: str, new: str) -> str:
    """``old``'s value recorded under ``new``; an answer already recorded for ``new`` wins."""
    for key in (old, new):
        if not KEY_PATTERN.fullmatch(key):
            raise ValueError(f"{key!r} is not an answer name")
    if _entry(text, old) is None:
        return text
    if _entry(text, new) is not None:
        return remove(text, old)
    return _key_line(old).sub(f"{new}:", text, count=1)


def remove(text: str, key: str) -> str:
    """The answers without ``key``'s entry."""
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"{key!r} is not an answer name")
    span = _entry(text, key)
    return text if span is None else text[: span[0]] + text[span[1] :]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: migrate_answers.py rename OLD NEW [ANSWERS_FILE] | remove KEY [ANSWERS_FILE]"
    if args[:1] == ["rename"] and len(args) in (3, 4):
        path = Path(args[3] if len(args) == 4 else ANSWERS_FILE)
        change: Callable[[str], str] = functools.partial(rename, old=args[1], new=args[2])
    elif args[:1] == ["remove"] and len(args) in (2, 3):
        path = Path(args[2] if len(args) == 3 else ANSWERS_FILE)
        change = functools.partial(remove, key=args[1])
    else:
        print(usage, file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"migrate_answers.py: no answers file {path} in {Path.cwd()}", file=sys.stderr)
        return 1
    text = path.read_text(encoding="utf-8")
    try:
        changed = change(text)
    except ValueError as error:
        print(f"migrate_answers.py: {error}", file=sys.stderr)
        return 2
    if changed != text:
        path.write_text(changed, encoding="utf-8")
        print(f"migrate_answers.py: {' '.join(args[:3])}: {path} updated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
