"""The one request dependency every domain's composition root uses: its unit of work.

Tests (and anything else) replace ``get_unit_of_work`` through ``app.dependency_overrides``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import State

from .unit_of_work import UnitOfWork


@asynccontextmanager
async def unit_of_work(state: State, *, write: bool) -> AsyncIterator[UnitOfWork]:
    """A unit of work on the app's store (``state``: ``app.state``), for any entry layer: its
    events are dispatched when the block succeeds (``write`` is the database's concern)."""
    del write
    async with UnitOfWork(state.memory_store, state.event_bus) as work:
        yield work


async def get_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """One unit of work per request: its events are dispatched when the request succeeds."""
    async with unit_of_work(request.app.state, write=request.method != "GET") as work:
        yield work


# scope="function": the events are dispatched before the response is sent.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]
