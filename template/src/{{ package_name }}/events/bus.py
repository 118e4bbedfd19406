"""Domain events: how a service announces that something happened.

Services publish; handlers (``<domain>/handlers.py``) subscribe.  Side effects
such as e-mails, audit logs or cache busting live in handlers, never inside
another domain's service.

Within a request, services publish into the request's unit of work, which
collects them; they reach the ``EventBus`` only after its transaction commits,
so a rolled-back change never triggers a side effect.  Dispatch is in-process
and sequential; a failing handler is logged and does not undo the committed
operation.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import structlog

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    # Unique per event: consumers outside the process use it as their idempotency key.
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def event_type(self) -> str:
        return type(self).__name__


EventT = TypeVar("EventT", bound=DomainEvent)
Handler = Callable[[Any], Awaitable[None]]


class EventPublisher(Protocol):
    """What a service needs: somewhere to publish events."""

    async def publish(self, event: DomainEvent) -> None: ...


class EventBus:
    """In-process publish/subscribe; a handler subscribed to a base class sees its subclasses."""

    def __init__(self) -> None:
        self._handlers: defaultdict[type[DomainEvent], list[Handler]] = defaultdict(list)

    def subscribe(
        self, event_type: type[EventT], handler: Callable[[EventT], Awaitable[None]]
    ) -> None:
        self._handlers[event_type].append(handler)

    async def publish(self, event: DomainEvent) -> None:
        for event_type in type(event).__mro__:
            for handler in self._handlers.get(event_type, ()):
                try:
                    await handler(event)
                except Exception:
                    logger.exception(
                        "event handler failed", event_type=event.event_type, handler=repr(handler)
                    )

    async def dispatch(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            await self.publish(event)
