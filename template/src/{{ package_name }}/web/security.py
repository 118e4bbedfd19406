"""Security at the HTTP edge: response headers, the Host header check, CORS refusals."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache
from http import HTTPStatus

from starlette.datastructures import Headers
from starlette.middleware import cors
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem_response

# An API answers JSON only: nothing may load, run or frame it.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI and ReDoc load their scripts, styles and fonts from CDNs and run an inline script.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "connect-src 'self'; "
    "worker-src blob:; "
    "frame-ancestors 'none'"
)
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"

_HOST = re.compile(r"(?P<name>\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::[0-9]{1,5})?")
# Distinct Host headers whose verdict is remembered (a client can send many: bounded).
_HOST_VERDICTS = 1024

RawHeaders = list[tuple[bytes, bytes]]


def header_value(scope: Scope, name: bytes) -> bytes | None:
    """The first value of the request header ``name`` (lower case, as ASGI servers send it)."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _encoded(headers: dict[str, str]) -> RawHeaders:
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]


class SecurityHeadersMiddleware:
    """Adds the usual hardening headers to every response, errors included."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        docs_paths: Collection[str] = (),
        strict_transport_security: bool = False,
    ) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)
        common = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        }
        if strict_transport_security:
            common["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
        # Encoded once: each response only appends the ones it does not set itself.
        policy = "Content-Security-Policy"
        self.api_headers = _encoded({**common, policy: API_CONTENT_SECURITY_POLICY})
        self.docs_headers = _encoded({**common, policy: DOCS_CONTENT_SECURITY_POLICY})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if scope["path"] in self.docs_paths else self.api_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: RawHeaders = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in extra if header[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def host_name(host_header: str) -> str | None:
    """``example.org`` for ``Example.ORG:8000``, ``::1`` for ``[::1]:8000``; None if malformed."""
    match = _HOST.fullmatch(host_header.strip().lower())
    return match["name"].strip("[]") if match else None


def is_allowed_host(name: str, allowed_hosts: Sequence[str]) -> bool:
    """``allowed_hosts`` holds names, ``*.example.org`` (any subdomain) or ``*`` (anything)."""
    return any(
        pattern in ("*", name) or (pattern.startswith("*.") and name.endswith(pattern[1:]))
        for pattern in allowed_hosts
    )


class TrustedHostMiddleware:
    """Answers 400 to a request whose Host header is not one of ``allowed_hosts``.

    Links and redirects built from a forged Host would send clients elsewhere; like
    Starlette's middleware of the same name, but the refusal is a problem detail.
    """

    def __init__(self, app: ASGIApp, *, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allowed_hosts = [host.lower() for host in allowed_hosts]
        self.serves = lru_cache(maxsize=_HOST_VERDICTS)(self._serves)

    def _serves(self, host_header: bytes) -> bool:
        name = host_name(host_header.decode("latin-1"))
        return name is not None and is_allowed_host(name, self.allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "*" in self.allowed_hosts:
            await self.app(scope, receive, send)
            return
        if self.serves(header_value(scope, b"host") or b""):
            await self.app(scope, receive, send)
            return
        response = problem_response(
            Request(scope), HTTPStatus.BAD_REQUEST, "The Host header names no host this serves."
        )
        await response(scope, receive, send)


class CORSMiddleware(cors.CORSMiddleware):
    """Starlette's CORS middleware; a refused preflight is a 400 problem like any other."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        is_preflight = (
            scope["type"] == "http"
            and scope["method"] == "OPTIONS"
            and "origin" in headers
            and "access-control-request-method" in headers
        )
        if not is_preflight:
            await super().__call__(scope, receive, send)
            return
        response = self.preflight_response(request_headers=headers)
        if response.status_code == HTTPStatus.BAD_REQUEST:
            detail = bytes(response.body).decode()  # "Disallowed CORS origin, method"
            response = problem_response(Request(scope), HTTPStatus.BAD_REQUEST, detail)
        await response(scope, receive, send)
