"""Schemas shared by every domain."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

ItemT = TypeVar("ItemT")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class Page(BaseModel, Generic[ItemT]):
    """One page of a collection and the size of the whole collection."""

    items: list[ItemT]
    total: int = Field(ge=0, description="Number of matching records in the whole collection")
    limit: int = Field(ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(ge=0)
