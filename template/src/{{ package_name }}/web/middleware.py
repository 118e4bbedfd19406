"""Request context: a request id on every log line and response, and one access log line.

It is also the one place an unexpected error is logged and answered with a 500 problem.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import internal_error_response
from .security import header_value

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
_VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")

logger = structlog.get_logger("access")
error_logger = structlog.get_logger(__name__)


def request_id_from(scope: Scope) -> str:
    """The caller's request id when it is safe to log and echo, else a new one."""
    incoming = header_value(scope, _REQUEST_ID_KEY)
    if incoming is not None and _VALID_REQUEST_ID.fullmatch(incoming):
        return incoming.decode("ascii")
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Sits outside routing and the exception handlers, so 500 answers carry the id too.

    An error nothing else handled is logged here, once, with its traceback, and the
    client gets a problem detail that reveals nothing (never a debug page).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        request_id_header = (_REQUEST_ID_KEY, request_id.encode("ascii"))
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status_code = 500
        response_started = False
        started = time.perf_counter()

        async def send_with_request_id(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                status_code = message["status"]
                response_started = True
                headers = message.get("headers", ())
                kept = [header for header in headers if header[0] != _REQUEST_ID_KEY]
                message["headers"] = [*kept, request_id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception as error:
            error_logger.error("unhandled error", exc_info=error)
            if not response_started:
                response = internal_error_response(Request(scope))
                await response(scope, receive, send_with_request_id)
        finally:
            logger.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
