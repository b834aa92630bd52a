"""A page of a longer listing: the items, and where they sit in the whole."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")


@dataclass(frozen=True)
class PageRequest:
    """Which page: `limit` items from `offset`."""

    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class Page(Generic[Item]):
    """`items` of a listing of `total`, starting at `offset`."""

    items: Sequence[Item]
    total: int
    limit: int
    offset: int
