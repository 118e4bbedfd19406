"""What a feature package gives the composition root (``app.py``): one ``Plugin``.

``plugins.py`` lists the plugins this service installs, in order; ``create_app``
installs each and enters their lifespans around serving, in the same order (and
leaves them in reverse).  A feature adds its package and its entry in that list;
``app.py`` itself never changes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from .settings import Settings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass(frozen=True)
class Plugin:
    """``install`` wires the feature into the app (state, routes, middleware, handlers);
    ``lifespan``, if given, runs around serving (e.g. closes what ``install`` opened)."""

    name: str
    install: Callable[[FastAPI, Settings], None]
    lifespan: Lifespan | None = None


def lifespan_of(plugins: Sequence[Plugin]) -> Lifespan:
    """One lifespan entering every plugin's in order, leaving them in reverse."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for plugin in plugins:
                if plugin.lifespan is not None:
                    await stack.enter_async_context(plugin.lifespan(app))
            yield

    return lifespan
