"""RFC 9457 problem details: the one place errors become HTTP responses."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, TypeVar

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from .errors import AppError, ConflictError, DomainValidationError, NotFoundError, RepositoryError

PROBLEM_MEDIA_TYPE = "application/problem+json"
UNPROCESSABLE = HTTPStatus(422)  # its name differs between Python versions
# A 422 lists this many field errors at most (and how many there were): a body of a
# million bad fields must not cost a million error objects in the answer.
MAX_REPORTED_ERRORS = 20

_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

ErrorT = TypeVar("ErrorT", bound=Exception)

logger = structlog.get_logger(__name__)

# Most specific first: the first class an error is an instance of wins.
_STATUS_BY_ERROR: tuple[tuple[type[AppError], HTTPStatus], ...] = (
    (NotFoundError, HTTPStatus.NOT_FOUND),
    (ConflictError, HTTPStatus.CONFLICT),
    (DomainValidationError, UNPROCESSABLE),
    (RepositoryError, HTTPStatus.SERVICE_UNAVAILABLE),
)


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        default="about:blank", description="URI reference identifying the problem type"
    )
    title: str = Field(description="Short, human-readable summary of the problem type")
    status: int = Field(description="HTTP status code")
    detail: str | None = Field(default=None, description="Explanation specific to this occurrence")
    instance: str | None = Field(default=None, description="URI reference of this occurrence")
    request_id: str | None = Field(
        default=None, description="Correlates with the X-Request-ID header"
    )
    errors: list[ValidationIssue] | None = Field(
        default=None, description="Field errors (422 only)"
    )
    error_count: int | None = Field(
        default=None,
        description=f"Number of field errors (422 only); {MAX_REPORTED_ERRORS} at most are listed",
    )


EXAMPLE_INSTANCE = "/api/v1/things/6f2f3a1e-8a6b-4c55-9d1e-0f6b7c2d9a10"
EXAMPLE_REQUEST_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def problem_example(status: int) -> dict[str, Any]:
    """What a problem details body for ``status`` looks like (documentation only)."""
    example: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": _EXAMPLE_DETAILS.get(status, "A short explanation of this occurrence."),
        "instance": EXAMPLE_INSTANCE,
        "request_id": EXAMPLE_REQUEST_ID,
    }
    if status == UNPROCESSABLE:
        example["errors"] = [{"loc": ["body", "name"], "msg": "Field required", "type": "missing"}]
    return example


_EXAMPLE_DETAILS = {
    400: "There was an error parsing the body",
    404: "No record with this id.",
    409: "The name is already taken.",
    422: "The request is not valid; see errors.",
    500: "An unexpected error occurred.",
    503: "The database is unavailable; retry later.",
}


RETRY_AFTER_DOCUMENTATION = {
    "description": "Seconds to wait before retrying, when the service knows",
    "schema": {"type": "integer", "minimum": 0},
}


def problem_documentation(status: int, description: str | None = None) -> dict[str, Any]:
    """The OpenAPI response object of a problem details answer with ``status``."""
    documentation: dict[str, Any] = {
        "description": description or HTTPStatus(status).phrase,
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": problem_example(status),
            },
        },
    }
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        documentation["headers"] = {"Retry-After": RETRY_AFTER_DOCUMENTATION}
    return documentation


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting problem details for ``statuses``.

    ``core.openapi`` adds the ``Problem`` schema they refer to.
    """
    return {status: problem_documentation(status) for status in statuses}


def problem_response(
    request: Request, status: int, detail: str | None = None, **extensions: Any
) -> JSONResponse:
    phrase = HTTPStatus(status).phrase
    problem = Problem(
        type="about:blank",
        title=phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=structlog.contextvars.get_contextvars().get("request_id"),
        **extensions,
    )
    return JSONResponse(
        jsonable_encoder(problem, exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def status_for(error: AppError) -> HTTPStatus:
    for error_type, status in _STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return HTTPStatus.INTERNAL_SERVER_ERROR


def internal_error_response(request: Request) -> JSONResponse:
    """The answer to an unexpected error: it reveals nothing of the error."""
    return problem_response(
        request, HTTPStatus.INTERNAL_SERVER_ERROR, "An unexpected error occurred."
    )


def _app_error(request: Request, error: AppError) -> JSONResponse:
    status = status_for(error)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.error("request failed", error=error.detail, exc_info=error)
    response = problem_response(request, status, error.detail)
    retry_after = getattr(error, "retry_after", None)
    if status == HTTPStatus.SERVICE_UNAVAILABLE and retry_after is not None:
        response.headers["Retry-After"] = str(math.ceil(retry_after))  # whole seconds
    return response


def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = error.errors()
    issues = [
        ValidationIssue(
            loc=list(item.get("loc", ())),
            msg=str(item.get("msg", "")),
            type=str(item.get("type", "")),
        )
        for item in errors[:MAX_REPORTED_ERRORS]
    ]
    return problem_response(
        request,
        UNPROCESSABLE,
        "The request is not valid; see errors.",
        errors=issues,
        error_count=len(errors),
    )


def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    detail = error.detail if error.detail != HTTPStatus(error.status_code).phrase else None
    response = problem_response(request, error.status_code, detail)
    if error.headers:
        response.headers.update(error.headers)
    if error.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        response.headers["Allow"] = ", ".join(allowed_methods(request))
    return response


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (Starlette names only the first route's)."""
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]


def _handler(
    error_type: type[ErrorT], render: Callable[[Request, ErrorT], JSONResponse]
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(request: Request, error: Exception) -> JSONResponse:
        if not isinstance(error, error_type):  # Starlette only routes error_type here
            raise error
        return render(request, error)

    return handle


def install_problem_handlers(app: FastAPI) -> None:
    """Problem details for our errors, invalid requests and HTTP errors.

    Unexpected errors are answered by ``core.middleware.RequestContextMiddleware``.
    """
    app.add_exception_handler(AppError, _handler(AppError, _app_error))
    app.add_exception_handler(
        RequestValidationError, _handler(RequestValidationError, _validation_error)
    )
    app.add_exception_handler(StarletteHTTPException, _handler(StarletteHTTPException, _http_error))
