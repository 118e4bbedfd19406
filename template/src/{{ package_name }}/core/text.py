"""Rules every text input follows, whatever the database: checked at the edge (422)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue

# The same rule in the OpenAPI document, for clients and the API fuzzer: no NUL anywhere.
NO_NUL_PATTERN = r"^[^\x00]*$"


def refuse_nul(value: str) -> str:
    """PostgreSQL cannot store NUL in text, so no database gets one."""
    if "\x00" in value:
        msg = "Text must not contain NUL (\\x00) characters"
        raise ValueError(msg)
    return value


@dataclass(frozen=True)
class _DocumentedAfterValidator(AfterValidator):
    """An ``AfterValidator`` whose rule also appears in the JSON schema as a ``pattern``."""

    pattern: str = ""

    def __get_pydantic_json_schema__(
        self, schema: Any, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if "pattern" in json_schema:  # a schema has one pattern: this rule joins the other
            json_schema.setdefault("allOf", []).append({"pattern": self.pattern})
        else:
            json_schema["pattern"] = self.pattern
        return json_schema


StorableText = _DocumentedAfterValidator(refuse_nul, pattern=NO_NUL_PATTERN)
