"""Who is acting: what services receive from the entry layers, however the caller signed in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    """A caller.

    ``subject`` is stable and unique for the caller (a user's id, ``api-key:<id>``, the
    identity provider's ``sub``): records store it to say who made them.  None for an
    anonymous caller of an open API.
    """

    subject: str | None
    scopes: frozenset[str] = frozenset()

    def can(self, scope: str) -> bool:
        return scope in self.scopes


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a caller presented, however it was sent (HTTP headers, gRPC metadata): a bearer
    token, an API key, and the client's address.  ``auth.authentication`` checks them."""

    bearer: str | None = None
    api_key: str | None = None
    client: str = "unknown"
