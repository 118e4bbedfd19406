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
