"""A unit of work: one transaction, and the domain events it produced, dispatched after commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .database import session_scope
from .events import EventBus, Outbox

_OUTBOX = "outbox"


@asynccontextmanager
async def transaction(
    factory: async_sessionmaker[AsyncSession],
    bus: EventBus,
    *,
    write: bool = True,
) -> AsyncIterator[AsyncSession]:
    """Commit when the block succeeds, then dispatch its events; on error roll back, drop them.

    ``write=False`` declares a read-only unit of work: on SQLite it does not wait
    for the write lock (``core.database.session_scope``).
    """
    outbox = Outbox()
    async with session_scope(factory, write=write) as session:
        session.info[_OUTBOX] = outbox
        yield session
    await bus.dispatch(outbox.events)


def outbox_of(session: AsyncSession) -> Outbox:
    """The outbox of the transaction ``session`` belongs to."""
    outbox = session.info.get(_OUTBOX)
    if not isinstance(outbox, Outbox):
        msg = "this session was not opened by core.unit_of_work.transaction"
        raise TypeError(msg)
    return outbox
