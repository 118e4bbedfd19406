"""Rules every text input follows, whatever the database: checked at the edge (422)."""

from __future__ import annotations

import re

from pydantic import AfterValidator

# NUL cannot be stored by PostgreSQL, and a lone surrogate cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def refuse_unstorable_characters(value: str) -> str:
    if _UNSTORABLE.search(value):
        msg = "Text must not contain NUL characters or unpaired surrogates"
        raise ValueError(msg)
    return value


StorableText = AfterValidator(refuse_unstorable_characters)
