"""Limits on what one request may ask of the service, enforced before any work is done."""

from __future__ import annotations

from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem_response
from .security import header_value

CONTENT_TOO_LARGE = HTTPStatus(413)  # its name differs between Python versions
# The deepest page offset: larger ones are refused (422) before they reach the database,
# where they would overflow its integer type.
MAX_OFFSET = 2**31 - 1


class RequestBodyLimitMiddleware:
    """Refuses a request body larger than ``max_body_bytes`` with a 413 problem.

    A declared ``Content-Length`` over the limit is refused at once, unread; a streamed
    (chunked) body is counted as it arrives and refused as soon as it goes over, so no
    more than the limit (plus one chunk) is ever held in memory.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    @property
    def detail(self) -> str:
        return f"The request body is larger than {self.max_body_bytes} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = header_value(scope, b"content-length") or b""
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            response = problem_response(Request(scope), CONTENT_TOO_LARGE, self.detail)
            await response(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                # FastAPI lets an HTTPException raised while reading the body through to
                # the exception handlers, which answer with a 413 problem.
                raise HTTPException(CONTENT_TOO_LARGE, detail=self.detail)
            return message

        await self.app(scope, receive_within_limit, send)
