"""FastAPI dependencies shared by every domain: the one session dependency and event publishing.

Tests (and anything else) replace ``get_session`` through ``app.dependency_overrides``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from .events import EventPublisher
from .unit_of_work import outbox_of, transaction

# Methods that never change anything (RFC 9110 "safe"): their transactions only read.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: commit and dispatch its events on success, else roll back."""
    state = request.app.state
    writes = request.method not in READ_ONLY_METHODS
    async with transaction(state.sessionmaker, state.event_bus, write=writes) as session:
        yield session


# scope="function": the transaction commits before the response is sent, so a
# client never sees a success whose commit then failed.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_event_publisher(session: SessionDep) -> EventPublisher:
    """Where services publish: the request transaction's outbox."""
    return outbox_of(session)


EventPublisherDep = Annotated[EventPublisher, Depends(get_event_publisher)]
