"""The OpenAPI document: the contract clients are generated from.

FastAPI writes the operations from the routes; ``DocumentedFastAPI`` adds what
every operation shares and FastAPI cannot see: the ``X-Request-ID`` header on
every response, a ``400`` and a ``default`` problem details response (500, 503,
413, ...) and the problem details schemas themselves.  Operation ids are the route names in
camelCase (``create_item`` → ``createItem``), which generated clients turn into
method names as they are.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from .middleware import REQUEST_ID_HEADER
from .problems import Problem, problem_documentation

# Where the domains' routes live: /api/v1/<resources>.
API_PREFIX = "/api/v1"
SCHEMA_REF_TEMPLATE = "#/components/schemas/{model}"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

BAD_REQUEST = "The request cannot be read: e.g. a body that is not UTF-8 JSON, or an untrusted Host"
OTHER_ERRORS = "Any other error (e.g. 500, 503, 413), as problem details"
REQUEST_ID_DOCUMENTATION = {
    "description": (
        "Correlates the response with the service's log lines: the caller's own id"
        " when it sent a safe one (letters, digits, `.`, `_`, `-`; at most 128), else a new one."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 128},
}


def add_tag(app: FastAPI, name: str, description: str) -> None:
    """Describe a tag of operations in the document (``/docs`` groups operations by tag)."""
    app.openapi_tags = [*(app.openapi_tags or []), {"name": name, "description": description}]


def camel_case(name: str) -> str:
    """``create_item`` → ``createItem``."""
    first, *rest = name.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


def operation_id(route: APIRoute) -> str:
    """``create_item`` → ``createItem``: the route name as generated clients name methods."""
    return camel_case(route.name)


def operation_links(parameter: str, value: str, targets: dict[str, str]) -> dict[str, Any]:
    """OpenAPI links from a response to the operations (route name: description) it leads to.

    ``parameter`` of each target gets ``value`` (a runtime expression such as
    ``$response.body#/id``): generated clients and stateful testers (schemathesis' workflows)
    follow them, whatever the resource is called.
    """
    return {
        camel_case(name): {
            "operationId": camel_case(name),
            "parameters": {parameter: value},
            "description": description,
        }
        for name, description in targets.items()
    }


def problem_schemas() -> dict[str, Any]:
    """``Problem`` and the schemas it refers to, keyed by their component names."""
    _, definitions = models_json_schema(
        [(Problem, "serialization")],
        ref_template=SCHEMA_REF_TEMPLATE,
    )
    schemas: dict[str, Any] = definitions.get("$defs", {})
    return schemas


SCOPED_SCHEME_TYPES = frozenset({"oauth2", "openIdConnect"})


def complete_document(document: dict[str, Any]) -> dict[str, Any]:
    """Add to ``document`` (in place, idempotently) what every operation shares."""
    components = document.setdefault("components", {})
    for name, schema in problem_schemas().items():
        components.setdefault("schemas", {}).setdefault(name, schema)
    components.setdefault("headers", {})[REQUEST_ID_HEADER] = REQUEST_ID_DOCUMENTATION
    request_id = {"$ref": f"#/components/headers/{REQUEST_ID_HEADER}"}
    schemes = components.get("securitySchemes", {})
    # OpenAPI lists scopes for OAuth2 and OpenID Connect schemes only; FastAPI puts a route's
    # scopes under every scheme (an API key, a bearer token...).  Its 403 names them anyway.
    without_scopes = {
        name for name, scheme in schemes.items() if scheme.get("type") not in SCOPED_SCHEME_TYPES
    }
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            for requirement in operation.get("security", []):
                for name in without_scopes & requirement.keys():
                    requirement[name] = []
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", problem_documentation(400, BAD_REQUEST))
            responses.setdefault("default", problem_documentation(500, OTHER_ERRORS))
            for response in responses.values():
                response.setdefault("headers", {})[REQUEST_ID_HEADER] = request_id
    # No credentials by default (an operation says what it needs): keeps linters from asking.
    document.setdefault("security", [])
    return document


class DocumentedFastAPI(FastAPI):
    """FastAPI whose OpenAPI document also states what every operation shares."""

    def openapi(self) -> dict[str, Any]:
        return complete_document(super().openapi())
