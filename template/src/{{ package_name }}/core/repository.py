"""Generic repository: small, named data-access verbs and no business rules.

Database exceptions never leave a repository: they become ``core.errors``
(``core.database.classify`` decides which).  Changes are checked against the rows
they matched, so the loser of a race with a concurrent delete gets
``NotFoundError`` instead of a silent success.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Integer, Select, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from .database import translate_database_errors
from .errors import NotFoundError
from .models import Entity

EntityT = TypeVar("EntityT", bound=Entity)


class SQLAlchemyRepository(Generic[EntityT]):
    """CRUD verbs for one entity type; subclasses set ``model`` and add domain queries."""

    model: type[EntityT]
    # Built once per repository class: SQLAlchemy then finds their compiled SQL in its
    # cache without building and hashing a new statement on every request.
    _by_id: Select[EntityT]
    _page: Select[EntityT]
    _count: Select[int]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = getattr(cls, "model", None)
        if model is not None:
            cls._by_id = cls._select().where(model.id == bindparam("entity_id"))
            cls._page = cls._paged(cls._select())
            cls._count = select(func.count()).select_from(model)

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def entity_name(self) -> str:
        return self.model.__name__

    async def get(self, entity_id: uuid.UUID) -> EntityT:
        entity = await self._one_or_none(self._by_id, {"entity_id": entity_id})
        if entity is None:
            raise self._not_found(entity_id)
        return entity

    async def get_one_or_none(self, **filters: Any) -> EntityT | None:
        return await self._one_or_none(self._select().filter_by(**filters))

    async def list_and_count(
        self, *, limit: int, offset: int, where: ColumnElement[bool] | None = None
    ) -> tuple[list[EntityT], int]:
        """A page of entities, oldest first, and the total number matching ``where``."""
        page, count = self._page, self._count
        if where is not None:
            page = self._paged(self._select().where(where))
            count = count.where(where)
        async with translate_database_errors(self.entity_name):
            total = (await self.session.execute(count)).scalar_one()
            rows = await self.session.execute(page, {"limit": limit, "offset": offset})
            return list(rows.scalars()), total

    async def add(self, entity: EntityT) -> EntityT:
        async with translate_database_errors(self.entity_name):
            self.session.add(entity)
            await self.session.flush()
            await self.session.refresh(entity)
        return entity

    async def update(self, entity: EntityT, changes: Mapping[str, Any]) -> EntityT:
        """Apply ``changes``; ``NotFoundError`` when the row was deleted meanwhile."""
        async with translate_database_errors(self.entity_name), self._not_found_if_gone(entity.id):
            for field, value in changes.items():
                setattr(entity, field, value)
            await self.session.flush()
            await self.session.refresh(entity)
        return entity

    async def delete(self, entity: EntityT) -> None:
        """Delete the row; ``NotFoundError`` when another transaction deleted it first."""
        statement = (
            delete(self.model)
            .where(self.model.id == entity.id)
            .returning(self.model.id)
            .execution_options(synchronize_session=False)
        )
        async with translate_database_errors(self.entity_name):
            deleted = (await self.session.execute(statement)).scalar_one_or_none()
        if deleted is None:
            raise self._not_found(entity.id)
        self.session.expunge(entity)

    async def exists(self, **filters: Any) -> bool:
        statement = select(self._select().filter_by(**filters).exists())
        async with translate_database_errors(self.entity_name):
            return bool((await self.session.execute(statement)).scalar())

    async def _one_or_none(
        self, statement: Select[EntityT], parameters: Mapping[str, Any] | None = None
    ) -> EntityT | None:
        async with translate_database_errors(self.entity_name):
            result = await self.session.execute(statement, parameters)
            return result.scalar_one_or_none()

    @classmethod
    def _select(cls) -> Select[EntityT]:
        """What every read of an entity starts from; the prebuilt statements start from it too."""
        return select(cls.model)

    @classmethod
    def _paged(cls, statement: Select[EntityT]) -> Select[EntityT]:
        """Oldest first (the id breaks ties, so pages never overlap or skip), one page."""
        statement = statement.order_by(cls.model.created_at, cls.model.id)
        limit, offset = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)
        return statement.limit(limit).offset(offset)

    def _not_found(self, entity_id: uuid.UUID) -> NotFoundError:
        return NotFoundError(f"{self.entity_name} {entity_id} was not found")

    @asynccontextmanager
    async def _not_found_if_gone(self, entity_id: uuid.UUID) -> AsyncIterator[None]:
        try:
            yield
        except StaleDataError as error:  # the UPDATE matched no row
            raise self._not_found(entity_id) from error
