"""Our own error types.  Services and repositories raise these; only the HTTP layer
(``web.problems``) knows which status code each one becomes."""

from __future__ import annotations

DEFAULT_RETRY_AFTER_SECONDS = 5


class AppError(Exception):
    """Base of every error the service raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(AppError):
    """The requested entity does not exist."""


class ConflictError(AppError):
    """The change would break a uniqueness or consistency rule."""


class InvalidDataError(AppError):
    """The database refused a value of the input: out of range, or not storable."""


class RepositoryError(AppError):
    """The database failed in a way the caller cannot fix."""


class DatabaseUnavailableError(RepositoryError):
    """The database cannot serve now (unreachable, timed out, busy); retrying later may work."""

    def __init__(self, detail: str, *, retry_after: int = DEFAULT_RETRY_AFTER_SECONDS) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class NotAuthenticatedError(AppError):
    """The request carries no credentials, or credentials this service does not accept (401).

    ``scheme`` names the credentials the service takes (``Bearer``...); ``error`` is the RFC 6750
    code (``invalid_token``), None when no credentials were sent at all.
    """

    def __init__(
        self,
        detail: str,
        *,
        scheme: str = "Bearer",
        error: str | None = "invalid_token",
    ) -> None:
        super().__init__(detail)
        self.scheme = scheme
        self.error = error

    @property
    def www_authenticate(self) -> str:
        """The ``WWW-Authenticate`` challenge of the answer."""
        if self.error is None:
            return self.scheme
        # A quoted-string of printable ASCII: no quotes or backslashes to escape.
        description = "".join(c for c in self.detail if " " <= c <= "~" and c not in '"\\')
        return f'{self.scheme} error="{self.error}", error_description="{description}"'


class PermissionDeniedError(AppError):
    """The caller is known but may not do this (403)."""

    def __init__(self, detail: str, *, missing_scopes: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.missing_scopes = missing_scopes

    @property
    def www_authenticate(self) -> str | None:
        """RFC 6750's ``insufficient_scope`` challenge when scopes are missing."""
        if not self.missing_scopes:
            return None
        return f'Bearer error="insufficient_scope", scope="{" ".join(self.missing_scopes)}"'


class TooManyAttemptsError(AppError):
    """Too many attempts (of signing in...): retry after ``retry_after`` seconds (429)."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class UpstreamUnavailableError(AppError):
    """A service this one needs (an identity provider...) cannot answer now (503)."""

    def __init__(self, detail: str, *, retry_after: int = DEFAULT_RETRY_AFTER_SECONDS) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
