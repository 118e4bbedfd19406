"""The one request dependency every domain's composition root uses: its unit of work.

Tests (and anything else) replace ``get_unit_of_work`` through ``app.dependency_overrides``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from .unit_of_work import UnitOfWork


async def get_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """One unit of work per request: its events are dispatched when the request succeeds."""
    state = request.app.state
    async with UnitOfWork(state.memory_store, state.event_bus) as work:
        yield work


# scope="function": the events are dispatched before the response is sent.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]
