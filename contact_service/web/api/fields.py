"""Field types and shapes shared by the API's models."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from contact_service.web.api.operations import Schema

MAX_PAGE = 500


def _printable(value: str) -> str:
    if any(ord(character) < 32 and character not in "\t\n" for character in value):
        raise ValueError("must not contain control characters")
    return value


# Text an operator or representative types: no control characters (PostgreSQL refuses NUL outright).
Text = Annotated[str, AfterValidator(_printable)]
ShortText = Annotated[str, Field(max_length=100), AfterValidator(_printable)]
Note = Annotated[str, Field(max_length=500), AfterValidator(_printable)]


class PageQuery(Schema):
    """Which page of a list: `limit` items from `offset`."""

    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=10_000_000)


class Page(Schema):
    """Where a page sits in the whole list."""

    total: int
    limit: int
    offset: int
