"""FastAPI dependencies shared by every domain: the one session dependency and the event bus.

Tests (and anything else) replace ``get_session`` through ``app.dependency_overrides``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from .database import session_scope
from .events import EventBus


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session and one transaction per request: commit on success, roll back on error."""
    async with session_scope(request.app.state.sessionmaker) as session:
        yield session


def get_event_bus(request: Request) -> EventBus:
    bus: EventBus = request.app.state.event_bus
    return bus


# scope="function": the transaction commits before the response is sent, so a
# client never sees a success whose commit then failed.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
EventBusDep = Annotated[EventBus, Depends(get_event_bus)]
