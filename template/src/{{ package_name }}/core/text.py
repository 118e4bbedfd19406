"""Rules every text input follows, whatever the database: checked at the edge (422)."""

from __future__ import annotations

from pydantic import AfterValidator


def refuse_nul(value: str) -> str:
    """PostgreSQL cannot store NUL in text, so no database gets one."""
    if "\x00" in value:
        msg = "Text must not contain NUL (\\x00) characters"
        raise ValueError(msg)
    return value


StorableText = AfterValidator(refuse_nul)
